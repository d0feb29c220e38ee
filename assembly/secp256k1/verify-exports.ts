// WASM exports for secp256k1 verification (calling convention:
// assembly/mem.ts): ECDSA verification and public-key recovery (SEC 1
// §4.1.4, §4.1.6) and BIP-340 verification, single and batched. Public
// inputs only, so nothing here ends with wipeScratch().
//
// Compiled into build/secp256k1-verify.wasm (./verify-index.ts), not into
// the core module: operands are in that module's own IO and BUF, at the
// same offsets the core module's exports used (src/core/secp256k1.ts).

import { IO, BUF, SCRATCH, SECP_EXPORTS_SLOT } from '../mem';
import { ecVerifyInit } from './ecmult-verify';
import { ecdsaVerify, ecdsaRecover } from './ecdsa';
import { pubParseCached, pubSerialize } from './keys';
import { schnorrVerify } from './schnorr';
import { schnorrVerifyBatch, schnorrVerifyBatchSize } from './batch';

// ./exports.ts's slot: that file is not in this module.
const PUB: usize = SCRATCH + SECP_EXPORTS_SLOT; // 96: GE_SIZE, a parsed public key

/** Builds the G tables of verification (odd multiples of G and lambda(G)) now rather than on first use. */
export function secp256k1VerifyPrecompute(): void {
  ecVerifyInit();
}

/**
 * IO[0..64) r || s, IO[64..96) digest, IO[96..96+len) public key -> 1 valid, 0 not.
 * `lowS` = 1 rejects s > n/2 (the default of the JS API).
 */
export function secp256k1Verify(pubLen: u32, lowS: u32): i32 {
  if (!pubParseCached(PUB, IO + 96, pubLen)) return 0;
  return <i32>ecdsaVerify(IO, IO + 64, PUB, lowS);
}

/** IO[0..64) r || s, IO[64..96) digest -> IO[128..) public key; returns its length or 0. */
export function secp256k1Recover(recid: u32, compressed: u32): i32 {
  if (!ecdsaRecover(PUB, IO, recid, IO + 64)) return 0;
  return <i32>pubSerialize(IO + 128, PUB, compressed);
}

/** IO[0..64) signature, IO[64..96) x-only key, BUF[0..len) message -> 1 valid, 0 not. */
export function secp256k1SchnorrVerify(msgLen: u32): i32 {
  return <i32>schnorrVerify(IO, IO + 64, BUF, msgLen);
}

/**
 * BIP-340 batch verification (batch.ts): u signatures at BUF[0..64u), x-only
 * keys at BUF[64u..96u), message lengths (u32) at BUF[96u..100u), messages
 * back to back from BUF[100u); 32 fresh random bytes at IO[0..32). JS
 * reserves bufPtr(secp256k1SchnorrVerifyBatchSize(u, msgTotal, c)) first.
 * `c` forces the Pippenger window (0: chosen from u). 1 if all are valid.
 */
export function secp256k1SchnorrVerifyBatch(u: u32, msgTotal: u32, c: i32): i32 {
  return <i32>schnorrVerifyBatch(u, msgTotal, c);
}

/** Bytes of BUF that secp256k1SchnorrVerifyBatch needs (inputs and working memory). */
export function secp256k1SchnorrVerifyBatchSize(u: u32, msgTotal: u32, c: i32): u32 {
  return schnorrVerifyBatchSize(u, msgTotal, c);
}
