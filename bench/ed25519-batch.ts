// Ed25519 batch verification: ed25519.verifyBatch over N signatures per call
// (rows with ops: N, so the group compares signatures per second) beside a
// loop of single verify calls over the same items, with one signer and with
// N distinct signers, and native libsodium's single verify for reference.
// verifyBatch keeps the keys it classified (public data, 256 slots): the
// "same N signers" rows reuse one signer set call after call (a validator
// set), the "new signers" rows take each call's N items from a pool of 2,048
// signers, so that every key is decoded afresh.
import crypto from 'node:crypto';
import sodiumNative from 'sodium-native';
import * as vk from 'vaultkey/core';
import { group } from './harness.ts';

function items(n: number, keys: number): vk.Ed25519BatchItem[] {
  const secrets = Array.from({ length: keys }, () => crypto.randomBytes(32));
  const pubs = secrets.map((s) => vk.ed25519.getPublicKey(s));
  return Array.from({ length: n }, (_, i) => {
    const message = crypto.randomBytes(64);
    return { signature: vk.ed25519.sign(message, secrets[i % keys]!), message, publicKey: pubs[i % keys]! };
  });
}

export default async function ed25519BatchBench(): Promise<void> {
  await vk.init();
  vk.ed25519.precompute();
  const pool = items(2048, 2048);
  let at = 0;
  for (const n of [8, 64, 256]) {
    const same = items(n, 1);
    const distinct = items(n, n);
    const fresh = () => {
      at = (at + n) % pool.length;
      return pool.slice(at, at + n);
    };
    const nat = distinct.map((it) => ({ s: Buffer.from(it.signature), m: Buffer.from(it.message), k: Buffer.from(it.publicKey) }));
    const loop = (xs: vk.Ed25519BatchItem[]) => () => {
      let ok = true;
      for (const it of xs) ok = vk.ed25519.verify(it.signature, it.message, it.publicKey) && ok;
      return ok;
    };
    const native = () => {
      let ok = true;
      for (const x of nat) ok = sodiumNative.crypto_sign_verify_detached(x.s, x.m, x.k) && ok;
      return ok;
    };
    // One group per signer set, so that each batch row is compared with the
    // loop of single verify calls over the same kind of items.
    await group(`Ed25519 verify ${n} signatures of one signer (per signature), 64-byte messages`, [
      { lib: 'vaultkey verifyBatch, one key', fn: () => vk.ed25519.verifyBatch(same), ops: n },
      { lib: 'vaultkey verify loop, one key', fn: loop(same), ops: n },
      { lib: 'libsodium native verify loop', fn: native, ops: n },
    ]);
    await group(`Ed25519 verify ${n} signatures of ${n} signers (per signature), 64-byte messages`, [
      { lib: `vaultkey verifyBatch, ${n} new signers`, fn: () => vk.ed25519.verifyBatch(fresh()), ops: n },
      { lib: `vaultkey verifyBatch, same ${n} signers`, fn: () => vk.ed25519.verifyBatch(distinct), ops: n },
      { lib: `vaultkey verify loop, ${n} signers`, fn: loop(distinct), ops: n },
      { lib: 'libsodium native verify loop', fn: native, ops: n },
    ]);
  }
}
