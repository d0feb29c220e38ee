// P-256 rows: getPublicKey, sign, verify and the SLIP-0010 tweak against
// @noble/curves (pure JS, the previous nist256p1 engine) and node's native
// crypto (OpenSSL: ECDH for the public key, createSign/verify with a random
// nonce and its own SHA-256 of the input). Plus one SLIP-0010 nist256p1
// child step through HDKey. Inputs are fixed per group.
import crypto from 'node:crypto';
import { p256 as noble } from '@noble/curves/nist.js';
import * as vk from 'vaultkey/core';
import { group } from './harness.ts';

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

export default async function p256Bench(): Promise<void> {
  await vk.init();
  const { p256, HDKey } = vk;
  p256.precompute();
  const priv = noble.utils.randomSecretKey();
  const digest = crypto.randomBytes(32);
  const pub = p256.getPublicKey(priv);
  const pubU = p256.getPublicKey(priv, false);
  const signature = p256.sign(digest, priv);
  const tweak = noble.utils.randomSecretKey();
  const tweakBig = BigInt('0x' + Buffer.from(tweak).toString('hex'));

  const jwk = { kty: 'EC', crv: 'P-256', x: b64u(pubU.subarray(1, 33)), y: b64u(pubU.subarray(33)), d: b64u(priv) };
  const nodePriv = crypto.createPrivateKey({ key: jwk, format: 'jwk' });
  const nodePub = crypto.createPublicKey({ key: { ...jwk, d: undefined }, format: 'jwk' });
  const ecdh = crypto.createECDH('prime256v1');
  const nodeSig = crypto.sign('sha256', digest, { key: nodePriv, dsaEncoding: 'ieee-p1363' });
  if (!crypto.verify('sha256', digest, { key: nodePub, dsaEncoding: 'ieee-p1363' }, nodeSig)) throw new Error('node setup');

  await group('P-256 getPublicKey (compressed)', [
    { lib: 'vaultkey (wasm)', fn: () => p256.getPublicKey(priv) },
    { lib: '@noble/curves', fn: () => noble.getPublicKey(priv, true) },
    {
      lib: 'node:crypto ECDH.setPrivateKey',
      fn: () => {
        ecdh.setPrivateKey(priv);
        return ecdh.getPublicKey(null, 'compressed');
      },
    },
  ]);

  await group('P-256 ECDSA sign (RFC 6979, 32-byte digest)', [
    { lib: 'vaultkey (wasm)', fn: () => p256.sign(digest, priv) },
    { lib: '@noble/curves', fn: () => noble.sign(digest, priv, { prehash: false, lowS: false }) },
    { lib: 'node:crypto sign (random k, +sha256)', fn: () => crypto.sign('sha256', digest, { key: nodePriv, dsaEncoding: 'ieee-p1363' }) },
  ]);

  await group('P-256 ECDSA verify', [
    { lib: 'vaultkey (wasm)', fn: () => p256.verify(signature, digest, pub) },
    { lib: '@noble/curves', fn: () => noble.verify(signature, digest, pub, { prehash: false, lowS: false }) },
    {
      lib: 'node:crypto verify (+sha256)',
      fn: () => crypto.verify('sha256', digest, { key: nodePub, dsaEncoding: 'ieee-p1363' }, nodeSig),
    },
  ]);

  await group('P-256 SLIP-0010 tweaks: publicAdd (pub + t*G)', [
    { lib: 'vaultkey (wasm)', fn: () => p256.publicAdd(pub, tweak) },
    { lib: '@noble/curves', fn: () => noble.Point.fromBytes(pub).add(noble.Point.BASE.multiply(tweakBig)).toBytes(true) },
  ]);

  const root = HDKey.fromMasterSeed(crypto.randomBytes(32), 'nist256p1');
  await group('SLIP-0010 nist256p1 child step (HMAC-SHA512 + tweak + public key)', [
    { lib: 'vaultkey (wasm)', fn: () => root.deriveChild(0x80000000) },
  ]);
}
