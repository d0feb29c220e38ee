// BIP-340 batch verification, per signature: secp256k1.schnorr.verifyBatch
// on batches of 8, 64 and 256 against a loop of the single schnorr.verify over
// the same items (the ratio the batch is for), and for reference
// @noble/curves schnorr.verify and tiny-secp256k1 (libsecp256k1 in WASM)
// verifySchnorr, which have no batch API. Every row has `ops` = signatures
// per call, so the group compares signatures per second.
import crypto from 'node:crypto';
import { schnorr as nobleSchnorr } from '@noble/curves/secp256k1.js';
import * as tiny from 'tiny-secp256k1';
import * as vk from 'vaultkey/core';
import { group } from './harness.ts';

export default async function schnorrBatchBench(): Promise<void> {
  await vk.init();
  const { schnorr } = vk.secp256k1;
  vk.secp256k1.precompute();
  for (const n of [8, 64, 256]) {
    const items = Array.from({ length: n }, () => {
      const priv = crypto.randomBytes(32);
      const message = new Uint8Array(crypto.randomBytes(32));
      return { signature: schnorr.sign(message, priv), message, publicKey: schnorr.getPublicKey(priv) };
    });
    if (!schnorr.verifyBatch(items)) throw new Error('batch setup');
    // The pure-JS peer verifies the first 8 per call (its rate per signature does not depend on n).
    const few = items.slice(0, 8);
    await group(`secp256k1 BIP-340 Schnorr verify: batch of ${n} (per signature)`, [
      { lib: 'vaultkey verifyBatch (wasm)', fn: () => schnorr.verifyBatch(items), ops: n },
      {
        lib: 'vaultkey verify, one by one',
        fn: () => {
          for (const it of items) schnorr.verify(it.signature, it.message, it.publicKey);
        },
        ops: n,
      },
      {
        lib: '@noble/curves verify, one by one',
        fn: () => {
          for (const it of few) nobleSchnorr.verify(it.signature, it.message, it.publicKey);
        },
        ops: few.length,
      },
      {
        lib: 'tiny-secp256k1 verifySchnorr',
        fn: () => {
          for (const it of items) tiny.verifySchnorr(it.message, it.publicKey, it.signature);
        },
        ops: n,
      },
    ]);
  }
}
