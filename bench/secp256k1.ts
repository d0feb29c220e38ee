// secp256k1 rows: getPublicKey, sign, verify, recover against
// @noble/curves (pure JS), tiny-secp256k1 (libsecp256k1 compiled to WASM),
// native libsecp256k1 (the `secp256k1` package's prebuilt binding: the same C
// with 64-bit limbs, the physical reference) and node's native crypto
// (OpenSSL; no recovery there). Plus the BIP-32 tweaks
// and BIP-340 rows. Inputs are fixed per group so every row does the same work.
import crypto from 'node:crypto';
import { secp256k1 as noble, schnorr as nobleSchnorr } from '@noble/curves/secp256k1.js';
import * as tiny from 'tiny-secp256k1';
import native from 'secp256k1';
import * as vk from 'vaultkey/core';
import { group } from './harness.ts';

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

export default async function secp256k1Bench(): Promise<void> {
  await vk.init();
  const { secp256k1 } = vk;
  secp256k1.precompute();
  const priv = noble.utils.randomSecretKey();
  const digest = crypto.randomBytes(32);
  const pub = secp256k1.getPublicKey(priv);
  const pubU = secp256k1.getPublicKey(priv, false);
  const { signature, recovery } = secp256k1.sign(digest, priv);
  const recovered = new Uint8Array(65);
  recovered[0] = recovery;
  recovered.set(signature, 1);
  const tweak = crypto.randomBytes(32);

  // node: a private KeyObject from JWK; ECDH derives the public key from the scalar.
  const jwk = { kty: 'EC', crv: 'secp256k1', x: b64u(pubU.subarray(1, 33)), y: b64u(pubU.subarray(33)), d: b64u(priv) };
  const nodePriv = crypto.createPrivateKey({ key: jwk, format: 'jwk' });
  const nodePub = crypto.createPublicKey({ key: { ...jwk, d: undefined }, format: 'jwk' });
  const ecdh = crypto.createECDH('secp256k1');
  const nodeSig = crypto.sign('sha256', digest, { key: nodePriv, dsaEncoding: 'ieee-p1363' });
  if (!crypto.verify('sha256', digest, { key: nodePub, dsaEncoding: 'ieee-p1363' }, nodeSig)) throw new Error('node setup');

  await group('secp256k1 getPublicKey (compressed)', [
    { lib: 'vaultkey (wasm)', fn: () => secp256k1.getPublicKey(priv) },
    { lib: '@noble/curves', fn: () => noble.getPublicKey(priv, true) },
    { lib: 'tiny-secp256k1 (libsecp256k1 wasm)', fn: () => tiny.pointFromScalar(priv, true) },
    { lib: 'libsecp256k1 native (secp256k1)', fn: () => native.publicKeyCreate(priv, true) },
    { lib: 'node:crypto ECDH.setPrivateKey', fn: () => (ecdh.setPrivateKey(priv), ecdh.getPublicKey(null, 'compressed')) },
  ]);

  await group('secp256k1 ECDSA sign (RFC 6979, low-S, 32-byte digest)', [
    { lib: 'vaultkey (wasm)', fn: () => secp256k1.sign(digest, priv) },
    { lib: '@noble/curves', fn: () => noble.sign(digest, priv, { prehash: false, format: 'recovered' }) },
    { lib: 'tiny-secp256k1 (libsecp256k1 wasm)', fn: () => tiny.sign(digest, priv) },
    { lib: 'libsecp256k1 native (secp256k1)', fn: () => native.ecdsaSign(digest, priv) },
    { lib: 'node:crypto sign (random k, +sha256)', fn: () => crypto.sign('sha256', digest, { key: nodePriv, dsaEncoding: 'ieee-p1363' }) },
  ]);

  await group('secp256k1 ECDSA verify', [
    { lib: 'vaultkey (wasm)', fn: () => secp256k1.verify(signature, digest, pub) },
    { lib: '@noble/curves', fn: () => noble.verify(signature, digest, pub, { prehash: false }) },
    { lib: 'tiny-secp256k1 (libsecp256k1 wasm)', fn: () => tiny.verify(digest, pub, signature) },
    { lib: 'libsecp256k1 native (secp256k1)', fn: () => native.ecdsaVerify(signature, digest, pub) },
    {
      lib: 'node:crypto verify (+sha256)',
      fn: () => crypto.verify('sha256', digest, { key: nodePub, dsaEncoding: 'ieee-p1363' }, nodeSig),
    },
  ]);

  // vaultkey keeps the last parsed public key and the odd-multiples table of
  // the last verified point (public data), which the row above, with one key
  // on every call, benefits from. These rows cycle through three keys (and
  // three signatures for recovery) so every call parses and builds afresh:
  // the ratio that holds for a stream of different signers.
  const cycle = [0, 1, 2].map(() => {
    const sk = noble.utils.randomSecretKey();
    const d = crypto.randomBytes(32);
    const s = secp256k1.sign(d, sk);
    return { sk, d, pub: secp256k1.getPublicKey(sk), sig: s.signature, rec: s.recovery, tweak: crypto.randomBytes(32) };
  });
  const next = (() => {
    const at = new Map<string, number>();
    return (lib: string) => {
      const i = at.get(lib) ?? 0;
      at.set(lib, i + 1);
      return cycle[i % cycle.length]!;
    };
  })();
  await group('secp256k1 ECDSA verify, a different key on every call (3 keys in turn)', [
    { lib: 'vaultkey (wasm)', fn: () => ((c) => secp256k1.verify(c.sig, c.d, c.pub))(next('vk')) },
    { lib: 'tiny-secp256k1 (libsecp256k1 wasm)', fn: () => ((c) => tiny.verify(c.d, c.pub, c.sig))(next('tiny')) },
    { lib: 'libsecp256k1 native (secp256k1)', fn: () => ((c) => native.ecdsaVerify(c.sig, c.d, c.pub))(next('native')) },
  ]);

  await group('secp256k1 ECDSA recover public key', [
    { lib: 'vaultkey (wasm)', fn: () => secp256k1.recoverPublicKey(signature, recovery, digest) },
    { lib: '@noble/curves', fn: () => noble.recoverPublicKey(recovered, digest, { prehash: false }) },
    { lib: 'tiny-secp256k1 (libsecp256k1 wasm)', fn: () => tiny.recover(digest, signature, recovery as 0 | 1 | 2 | 3, true) },
    { lib: 'libsecp256k1 native (secp256k1)', fn: () => native.ecdsaRecover(signature, recovery, digest, true) },
  ]);

  await group('secp256k1 ECDSA recover, a different signature on every call (3 in turn)', [
    { lib: 'vaultkey (wasm)', fn: () => ((c) => secp256k1.recoverPublicKey(c.sig, c.rec, c.d))(next('vk-r')) },
    {
      lib: 'tiny-secp256k1 (libsecp256k1 wasm)',
      fn: () => ((c) => tiny.recover(c.d, c.sig, c.rec as 0 | 1 | 2 | 3, true))(next('tiny-r')),
    },
    { lib: 'libsecp256k1 native (secp256k1)', fn: () => ((c) => native.ecdsaRecover(c.sig, c.rec, c.d, true))(next('native-r')) },
  ]);

  await group('secp256k1 BIP-32 tweaks: publicAdd (pub + t*G)', [
    { lib: 'vaultkey (wasm)', fn: () => secp256k1.publicAdd(pub, tweak) },
    {
      lib: '@noble/curves',
      fn: () =>
        noble.Point.fromBytes(pub)
          .add(noble.Point.BASE.multiply(BigInt('0x' + tweak.toString('hex'))))
          .toBytes(true),
    },
    { lib: 'tiny-secp256k1 (libsecp256k1 wasm)', fn: () => tiny.pointAddScalar(pub, tweak, true) },
    { lib: 'libsecp256k1 native (secp256k1)', fn: () => native.publicKeyTweakAdd(pub, tweak, true) },
  ]);

  await group('secp256k1 BIP-32 tweaks: publicAdd, a different parent key on every call (3 in turn)', [
    { lib: 'vaultkey (wasm)', fn: () => ((c) => secp256k1.publicAdd(c.pub, c.tweak))(next('vk-t')) },
    { lib: 'tiny-secp256k1 (libsecp256k1 wasm)', fn: () => ((c) => tiny.pointAddScalar(c.pub, c.tweak, true))(next('tiny-t')) },
    { lib: 'libsecp256k1 native (secp256k1)', fn: () => ((c) => native.publicKeyTweakAdd(c.pub, c.tweak, true))(next('native-t')) },
  ]);

  const tweaks = Array.from({ length: 100 }, () => crypto.randomBytes(32) as Uint8Array);
  await group(
    'secp256k1 BIP-32 tweaks: 100 x publicAdd of one parent (batch: one inversion)',
    [
      { lib: 'vaultkey publicAddBatch (wasm)', fn: () => secp256k1.publicAddBatch(pub, tweaks) },
      { lib: 'vaultkey publicAdd loop (wasm)', fn: () => tweaks.map((t) => secp256k1.publicAdd(pub, t)) },
      { lib: 'tiny-secp256k1 pointAddScalar loop', fn: () => tweaks.map((t) => tiny.pointAddScalar(pub, t, true)) },
    ],
    { ms: 400 },
  );

  await group('secp256k1 BIP-32 tweaks: privateAdd', [
    { lib: 'vaultkey (wasm)', fn: () => secp256k1.privateAdd(priv, tweak) },
    { lib: 'tiny-secp256k1 (libsecp256k1 wasm)', fn: () => tiny.privateAdd(priv, tweak) },
  ]);

  const aux = crypto.randomBytes(32);
  const xonly = secp256k1.schnorr.getPublicKey(priv);
  const ssig = secp256k1.schnorr.sign(digest, priv, aux);
  await group('secp256k1 BIP-340 Schnorr sign', [
    { lib: 'vaultkey (wasm)', fn: () => secp256k1.schnorr.sign(digest, priv, aux) },
    { lib: '@noble/curves', fn: () => nobleSchnorr.sign(digest, priv, aux) },
    { lib: 'tiny-secp256k1 (libsecp256k1 wasm)', fn: () => tiny.signSchnorr(digest, priv, aux) },
  ]);
  await group('secp256k1 BIP-340 Schnorr verify', [
    { lib: 'vaultkey (wasm)', fn: () => secp256k1.schnorr.verify(ssig, digest, xonly) },
    { lib: '@noble/curves', fn: () => nobleSchnorr.verify(ssig, digest, xonly) },
    { lib: 'tiny-secp256k1 (libsecp256k1 wasm)', fn: () => tiny.verifySchnorr(digest, xonly, ssig) },
  ]);
}
