// WASM exports for secp256k1 (calling convention: assembly/mem.ts).
// Fixed-size operands live in IO; variable-length messages (BIP-340) in BUF.
// Offsets are chosen so inputs and outputs never overlap. Every export that
// can be given a private key or a tweak ends with wipeScratch() (mem.ts),
// whichever way it returns; the JS side zeroes the IO bytes it wrote and read.

import { IO, BUF, SCRATCH, SECP_EXPORTS_SLOT, wipeScratch } from '../mem';
import { ecInit } from './ecmult';
import { ecdsaSign, ecdsaVerify, ecdsaRecover } from './ecdsa';
import { pubParse, pubParseCached, pubSerialize, privLoad, privAdd, pubAdd, pubAddBatch } from './keys';
import { GEJ_SIZE } from './group';
import { schnorrPub, schnorrSign, schnorrVerify } from './schnorr';
import { ecmultGen } from './ecmult';
import { schnorrVerifyBatch, schnorrVerifyBatchSize } from './batch';

const PUB: usize = SCRATCH + SECP_EXPORTS_SLOT; // 96: GE_SIZE, a parsed public key
const SK: usize = SCRATCH + SECP_EXPORTS_SLOT + 96; // 32: the private key as a scalar
const PA: usize = SCRATCH + SECP_EXPORTS_SLOT + 128; // 80: TE_SIZE, its public point

/** Builds the generator tables now rather than on first use. */
export function secp256k1Precompute(): void {
  ecInit();
}

/** IO[0..32) private key -> IO[64..64+33|65) public key. Returns the length, or 0 for an invalid key. */
export function secp256k1GetPublicKey(compressed: u32): i32 {
  let n: i32 = 0;
  if (privLoad(SK, IO)) {
    ecmultGen(PA, SK);
    n = <i32>pubSerialize(IO + 64, PA, compressed);
  }
  wipeScratch();
  return n;
}

/** 1 iff IO[0..32) is a valid private key (0 < k < n). */
export function secp256k1IsPrivateKey(): i32 {
  const ok = privLoad(SK, IO);
  wipeScratch();
  return <i32>ok;
}

/** Public key IO[0..len) re-encoded to IO[128..); returns the new length or 0 if invalid. */
export function secp256k1PublicKeyConvert(len: u32, compressed: u32): i32 {
  if (!pubParse(PUB, IO, len)) return 0;
  return <i32>pubSerialize(IO + 128, PUB, compressed);
}

/** IO[0..32) digest, IO[32..64) private key -> IO[64..128) r || s. Returns the recovery id, or -1. */
export function secp256k1Sign(): i32 {
  const recid = ecdsaSign(IO + 64, IO, IO + 32);
  wipeScratch();
  return recid;
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

/** IO[0..32) key + IO[32..64) tweak -> IO[64..96). 0 ok, 1 bad key, 2 bad tweak/zero result. */
export function secp256k1PrivateAdd(): i32 {
  const rc = privAdd(IO + 64, IO, IO + 32);
  wipeScratch();
  return rc;
}

/**
 * IO[0..len) public key + IO[96..128) tweak * G -> IO[128..). Returns the length, -1 bad key, -2 bad tweak/infinity.
 * The tweak is wiped like a secret: a BIP-32 IL and one private child give the parent's private key.
 */
export function secp256k1PublicAdd(pubLen: u32, compressed: u32): i32 {
  const rc = pubAdd(IO + 128, IO, pubLen, IO + 96, compressed);
  wipeScratch();
  return rc != 0 ? -rc : compressed ? 33 : 65;
}

/** IO[0..32) private key -> IO[64..96) x-only key. 0 ok, 1 bad key. */
export function secp256k1SchnorrGetPublicKey(): i32 {
  const rc = schnorrPub(IO + 64, IO);
  wipeScratch();
  return rc;
}

/** IO[0..32) key, IO[32..64) aux, BUF[0..len) message -> IO[64..128). 0 ok, else error. */
export function secp256k1SchnorrSign(msgLen: u32): i32 {
  const rc = schnorrSign(IO + 64, IO, IO + 32, BUF, msgLen);
  wipeScratch();
  return rc;
}

/** IO[0..64) signature, IO[64..96) x-only key, BUF[0..len) message -> 1 valid, 0 not. */
export function secp256k1SchnorrVerify(msgLen: u32): i32 {
  return <i32>schnorrVerify(IO, IO + 64, BUF, msgLen);
}

/**
 * Batch BIP-32 public tweaks with one inversion: parent key IO[0..len),
 * n tweaks at BUF[0..32n), results (33 or 65 bytes each) written at
 * BUF[32n..). JS reserves bufPtr(secp256k1PublicAddBatchSize(n)) first.
 * Returns 0, -1 for a bad parent key, or i + 1 for the first bad tweak i.
 */
export function secp256k1PublicAddBatch(pubLen: u32, n: u32, compressed: u32): i32 {
  const outLen: usize = <usize>n * (compressed ? 33 : 65);
  const scratch = (BUF + 32 * <usize>n + outLen + 15) & ~(<usize>15);
  const rc = pubAddBatch(BUF + 32 * <usize>n, IO, pubLen, BUF, n, compressed, scratch);
  wipeScratch();
  return rc;
}

/** Bytes of BUF that secp256k1PublicAddBatch needs for n tweaks (uncompressed output, scratch, alignment). */
export function secp256k1PublicAddBatchSize(n: u32): u32 {
  return 32 * n + 65 * n + 16 + n * (<u32>GEJ_SIZE + 40);
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
