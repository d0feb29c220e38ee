// Ed25519 rows: getPublicKey, sign (64-byte message), verify.
// Peers: @noble/curves (pure JS), libsodium-wrappers (C compiled to WASM),
// native libsodium (sodium-native's prebuilt binding: the physical reference)
// and node's native crypto (OpenSSL). Keys are made once per peer in its own
// format; the per-call work is what each API needs for one operation:
//   - libsodium's crypto_sign_detached takes the 64-byte secret key with A
//     cached in it, and node's KeyObject holds A too (one base-point
//     multiplication per signature). vaultkey sign(message, secret32) keeps
//     the A of the last signing key (assembly/ed25519/exports.ts), so it too
//     makes one multiplication per signature with a reused key; the "key
//     changes each call" group alternates two secrets, so that every call
//     derives A again (two multiplications).
//   - vaultkey verify keeps the last public key it decoded (public data), as
//     node's KeyObject does, and from its first reuse on also a table for
//     2^128 A (half the doublings); the "key changes each call" group
//     alternates two signers so that every call decodes its key, like
//     libsodium always does.
import crypto from 'node:crypto';
import { ed25519 as noble } from '@noble/curves/ed25519.js';
import sodium from 'libsodium-wrappers';
import sodiumNative from 'sodium-native';
import * as vk from 'vaultkey/core';
import { group } from './harness.ts';

export default async function ed25519Bench(): Promise<void> {
  await vk.init();
  await sodium.ready;
  vk.ed25519.getPublicKey(new Uint8Array(32)); // builds the base-point tables once
  const secret = crypto.randomBytes(32);
  const msg = crypto.randomBytes(64);
  const pub = vk.ed25519.getPublicKey(secret);
  const kp = sodium.crypto_sign_seed_keypair(secret);
  const nodeKey = crypto.createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), secret]),
    format: 'der',
    type: 'pkcs8',
  });
  const nodePub = crypto.createPublicKey(nodeKey);
  const nPk = Buffer.alloc(32);
  const nSk = Buffer.alloc(64);
  const nOut = Buffer.alloc(64);
  sodiumNative.crypto_sign_seed_keypair(nPk, nSk, Buffer.from(secret));
  const sig = vk.ed25519.sign(msg, secret);
  const nSig = Buffer.from(sig);
  // A second signer, to show verify when the key changes on every call (no reuse of the decoded key).
  const secret2 = crypto.randomBytes(32);
  const pub2 = vk.ed25519.getPublicKey(secret2);
  const sig2 = vk.ed25519.sign(msg, secret2);
  let flip = false;

  await group('Ed25519 getPublicKey', [
    { lib: 'vaultkey (wasm)', fn: () => vk.ed25519.getPublicKey(secret) },
    { lib: '@noble/curves', fn: () => noble.getPublicKey(secret) },
    { lib: 'libsodium-wrappers seed_keypair', fn: () => sodium.crypto_sign_seed_keypair(secret) },
    { lib: 'libsodium native seed_keypair', fn: () => sodiumNative.crypto_sign_seed_keypair(nPk, nSk, secret) },
    {
      lib: 'node:crypto createPrivateKey+pub',
      fn: () =>
        crypto
          .createPublicKey(
            crypto.createPrivateKey({
              key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), secret]),
              format: 'der',
              type: 'pkcs8',
            }),
          )
          .export({ format: 'der', type: 'spki' }),
    },
  ]);

  await group('Ed25519 sign, 64-byte message', [
    { lib: 'vaultkey (wasm)', fn: () => vk.ed25519.sign(msg, secret) },
    { lib: '@noble/curves', fn: () => noble.sign(msg, secret) },
    { lib: 'libsodium-wrappers (sk has A)', fn: () => sodium.crypto_sign_detached(msg, kp.privateKey) },
    { lib: 'libsodium native (sk has A)', fn: () => sodiumNative.crypto_sign_detached(nOut, msg, nSk) },
    { lib: 'node:crypto (KeyObject has A)', fn: () => crypto.sign(null, msg, nodeKey) },
  ]);

  await group('Ed25519 sign, 64-byte message, key changes each call', [
    {
      lib: 'vaultkey (wasm), key changes each call',
      fn: () => {
        flip = !flip;
        return vk.ed25519.sign(msg, flip ? secret : secret2);
      },
    },
    { lib: 'libsodium-wrappers (sk has A)', fn: () => sodium.crypto_sign_detached(msg, kp.privateKey) },
    { lib: 'libsodium native (sk has A)', fn: () => sodiumNative.crypto_sign_detached(nOut, msg, nSk) },
  ]);

  // Two groups so that each vaultkey row gets its own ratios: the second one
  // (a different key every call, so every call decodes A as libsodium does)
  // is the like-for-like comparison with libsodium.
  await group('Ed25519 verify, 64-byte message', [
    { lib: 'vaultkey (wasm)', fn: () => vk.ed25519.verify(sig, msg, pub) },
    { lib: '@noble/curves', fn: () => noble.verify(sig, msg, pub) },
    { lib: 'libsodium-wrappers', fn: () => sodium.crypto_sign_verify_detached(sig, msg, pub) },
    { lib: 'libsodium native', fn: () => sodiumNative.crypto_sign_verify_detached(nSig, msg, nPk) },
    { lib: 'node:crypto (KeyObject)', fn: () => crypto.verify(null, msg, nodePub, sig) },
  ]);

  await group('Ed25519 verify, 64-byte message, key changes each call', [
    {
      lib: 'vaultkey (wasm), key changes each call',
      fn: () => {
        flip = !flip;
        return flip ? vk.ed25519.verify(sig, msg, pub) : vk.ed25519.verify(sig2, msg, pub2);
      },
    },
    { lib: 'libsodium-wrappers', fn: () => sodium.crypto_sign_verify_detached(sig, msg, pub) },
    { lib: 'libsodium native', fn: () => sodiumNative.crypto_sign_verify_detached(nSig, msg, nPk) },
  ]);
}
