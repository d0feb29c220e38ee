// WASM exports for secp256k1 keys and signing (calling convention:
// assembly/mem.ts), in the core module (build/vaultkey.wasm). Verification
// and recovery are in ./verify-exports.ts, a module of their own.
// Fixed-size operands live in IO; variable-length messages (BIP-340) in BUF.
// Offsets are chosen so inputs and outputs never overlap. Every export that
// can be given a private key or a tweak ends with wipeScratch() (mem.ts),
// whichever way it returns; the JS side zeroes the IO bytes it wrote and read.

import { IO, BUF, SCRATCH, SECP_EXPORTS_SLOT, wipeScratch } from '../mem';
import { ecInit, ecmultGen } from './ecmult';
import { ecdsaSign } from './ecdsa';
import { pubParse, pubSerialize, privLoad, privAdd, pubAdd, pubAddBatch } from './keys';
import { GEJ_SIZE } from './group';
import { schnorrPub, schnorrSign } from './schnorr';

const PUB: usize = SCRATCH + SECP_EXPORTS_SLOT; // 96: GE_SIZE, a parsed public key
const SK: usize = SCRATCH + SECP_EXPORTS_SLOT + 96; // 32: the private key as a scalar
const PA: usize = SCRATCH + SECP_EXPORTS_SLOT + 128; // 80: TE_SIZE, its public point

/** Builds the fixed-base table of signing and keys now rather than on first use. */
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
