// Exports of build/p256.wasm: P-256 (FIPS 186-4 §D.1.2.3, secp256r1) keys,
// ECDSA and the SLIP-0010 tweaks, constant time in every secret.
//
// A module of its own, not part of build/vaultkey.wasm: the vault worker
// (and so the main entry's bundle budget, scripts/bundle-size.mjs) never
// uses P-256; only vaultkey/core loads this one.
//
// Calling convention as in ../mem.ts: fixed-size operands in IO, offsets
// chosen so inputs and outputs never overlap. Every export that can be given
// a private key or a tweak ends with wipeScratch(), whichever way it
// returns; every P-256 temporary is in the scratch region, so that one call
// zeroes all of them. The JS side (src/core/p256.ts) zeroes the IO bytes.

import { IO, SCRATCH, P256_SLOT, wipeScratch } from '../mem';
import { ecInit, ecmultGen } from './ecmult';
import { ecdsaSign, ecdsaVerify } from './ecdsa';
import { pubParse, pubSerialize, privLoad, privAdd, pubAdd } from './keys';

export { ioPtr, wipe, wipeScratch } from '../mem';

const X0: usize = SCRATCH + P256_SLOT + 2368;
const PUB: usize = X0; // 64: a parsed public key (affine)
const SK: usize = X0 + 64; // 32: the private key as a scalar
const PA: usize = X0 + 96; // 64: its public point (affine)
// X0 + 160 = P256_SLOT + 2528

/** Builds the generator table now rather than on first use. */
export function p256Precompute(): void {
  ecInit();
}

/** IO[0..32) private key -> IO[64..64+33|65) public key. Returns the length, or 0 for an invalid key. */
export function p256GetPublicKey(compressed: u32): i32 {
  let n: i32 = 0;
  if (privLoad(SK, IO)) {
    ecmultGen(PA, SK);
    n = <i32>pubSerialize(IO + 64, PA, compressed);
  }
  wipeScratch();
  return n;
}

/** 1 iff IO[0..32) is a valid private key (0 < k < n). */
export function p256IsPrivateKey(): i32 {
  const ok = privLoad(SK, IO);
  wipeScratch();
  return <i32>ok;
}

/** Public key IO[0..len) re-encoded to IO[128..); returns the new length or 0 if invalid. */
export function p256PublicKeyConvert(len: u32, compressed: u32): i32 {
  ecInit();
  if (!pubParse(PUB, IO, len)) return 0;
  return <i32>pubSerialize(IO + 128, PUB, compressed);
}

/** IO[0..32) digest, IO[32..64) private key -> IO[64..128) r || s. Returns 0, or -1 for an invalid key. */
export function p256Sign(lowS: u32): i32 {
  const rc = ecdsaSign(IO + 64, IO, IO + 32, lowS);
  wipeScratch();
  return rc;
}

/** IO[0..64) r || s, IO[64..96) digest, IO[96..96+len) public key -> 1 valid, 0 not. */
export function p256Verify(pubLen: u32, lowS: u32): i32 {
  ecInit();
  if (!pubParse(PUB, IO + 96, pubLen)) return 0;
  return <i32>ecdsaVerify(IO, IO + 64, PUB, lowS);
}

/** IO[0..32) key + IO[32..64) tweak -> IO[64..96). 0 ok, 1 bad key, 2 bad tweak/zero result. */
export function p256PrivateAdd(): i32 {
  const rc = privAdd(IO + 64, IO, IO + 32);
  wipeScratch();
  return rc;
}

/**
 * IO[0..len) public key + IO[96..128) tweak * G -> IO[128..). Returns the
 * length, -1 bad key, -2 bad tweak/infinity. The tweak is wiped like a
 * secret: a SLIP-0010 IL and one private child give the parent's private key.
 */
export function p256PublicAdd(pubLen: u32, compressed: u32): i32 {
  ecInit();
  const rc = pubAdd(IO + 128, IO, pubLen, IO + 96, compressed);
  wipeScratch();
  return rc != 0 ? -rc : compressed ? 33 : 65;
}
