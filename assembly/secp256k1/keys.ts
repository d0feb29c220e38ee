// Key encodings (SEC 1 §2.3.3-2.3.4) and the tweaks BIP-32 needs (§"Child key derivation").
// The buffers are in the scratch region (mem.ts): the exports that call these
// end with wipeScratch(), so nothing here zeroes on its own.

import { SCRATCH, SECP_KEYS_SLOT } from '../mem';
import { FE, feFromBytes, feToBytes, feIsOdd } from './field';
import { scFromBytes, scIsZero, scAdd, scToBytes } from './scalar';
import { GEJ_SIZE, GE_SIZE, geSetXo, geOnCurve, gejSetGe, gejAddGeV, geSetGej, gejIsInf } from './group';
import { ecmultGenProj, projToGej } from './ecmult';
import { gejBatchToAffine } from './group';

const XB: usize = SCRATCH + SECP_KEYS_SLOT; // 32: x of a compressed key

/**
 * Parses a public key of `len` bytes at p into the affine point r (normalized).
 * Accepts 33-byte compressed (02/03) and 65-byte uncompressed (04) encodings;
 * rejects other prefixes (including hybrid 06/07), x or y >= p, and points
 * not on the curve. Returns 1 on success. Public data.
 */
export function pubParse(r: usize, p: usize, len: usize): u32 {
  const prefix = load<u8>(p);
  if (len == 33 && (prefix == 2 || prefix == 3)) {
    if (!feFromBytes(XB, p + 1)) return 0;
    return geSetXo(r, XB, prefix & 1);
  }
  if (len == 65 && prefix == 4) {
    if (!feFromBytes(r, p + 1)) return 0;
    if (!feFromBytes(r + FE, p + 33)) return 0;
    store<u32>(r, 0, 80);
    return geOnCurve(r);
  }
  return 0;
}

// The last public key parsed through pubParseCached: its encoding and its
// point. Public data (verification keys, BIP-32 parents); a repeated key
// skips the square root of a compressed encoding or the curve check.
const PC_BYTES: usize = memory.data(80, 16);
const PC_POINT: usize = memory.data(<i32>GE_SIZE, 16);
let pcLen: usize = 0;

/** pubParse, answered from the last key when the same bytes arrive again. */
export function pubParseCached(r: usize, p: usize, len: usize): u32 {
  if (len == pcLen && memory.compare(PC_BYTES, p, len) == 0) {
    memory.copy(r, PC_POINT, GE_SIZE);
    return 1;
  }
  if (!pubParse(r, p, len)) return 0;
  memory.copy(PC_BYTES, p, len);
  memory.copy(PC_POINT, r, GE_SIZE);
  pcLen = len;
  return 1;
}

/** Writes an affine normalized point as 33 or 65 bytes; returns the length. */
export function pubSerialize(out: usize, a: usize, compressed: u32): usize {
  feToBytes(out + 1, a);
  if (compressed) {
    store<u8>(out, <u8>(2 | feIsOdd(a + FE)));
    return 33;
  }
  store<u8>(out, 4);
  feToBytes(out + 33, a + FE);
  return 65;
}

/** Loads a private key; returns 1 iff 0 < key < n (constant time). */
export function privLoad(r: usize, p: usize): u32 {
  const over = scFromBytes(r, p);
  return (over | scIsZero(r)) ^ 1;
}

const K1: usize = SCRATCH + SECP_KEYS_SLOT + 32; // 32: the private key, then the sum
const K2: usize = SCRATCH + SECP_KEYS_SLOT + 64; // 32: the tweak

/**
 * BIP-32 private tweak: out = (priv + tweak) mod n. Returns 0 on success,
 * 1 if priv is not a valid key, 2 if tweak >= n or the sum is 0.
 */
export function privAdd(out: usize, priv: usize, tweak: usize): i32 {
  const okKey = privLoad(K1, priv);
  const over = scFromBytes(K2, tweak);
  scAdd(K1, K1, K2);
  const zero = scIsZero(K1);
  scToBytes(out, K1);
  if (!okKey) { memory.fill(out, 0, 32); return 1; }
  if (over | zero) { memory.fill(out, 0, 32); return 2; }
  return 0;
}

const PT: usize = SCRATCH + SECP_KEYS_SLOT + 96; // 96: GE_SIZE, the parent point
const J: usize = SCRATCH + SECP_KEYS_SLOT + 288; // 128: GEJ_SIZE, the sum
const PROJ: usize = SCRATCH + SECP_KEYS_SLOT + 416; // 128: a projective tweak * G (120 bytes)

/**
 * BIP-32 public tweak: out = P + tweak*G. Returns 0 on success, 1 if the
 * public key does not parse, 2 if tweak >= n or the result is infinity.
 * A zero tweak is allowed (the result is P), as in BIP-32's parse256 < n rule.
 */
export function pubAdd(out: usize, pub: usize, pubLen: usize, tweak: usize, compressed: u32): i32 {
  if (!pubParseCached(PT, pub, pubLen)) return 1;
  const over = scFromBytes(K2, tweak);
  if (over) return 2;
  gejSetGe(J, PT);
  if (!scIsZero(K2)) {
    // tweak * G stays projective (as Jacobian) and P is added to it: one
    // inversion for the result instead of one more for an affine tweak * G.
    ecmultGenProj(PROJ, K2);
    projToGej(J, PROJ);
    gejAddGeV(J, J, PT);
  }
  if (gejIsInf(J)) return 2;
  geSetGej(PT, J);
  pubSerialize(out, PT, compressed);
  return 0;
}


/**
 * Many BIP-32 public tweaks of one parent: out_i = P + tweak_i * G for n
 * tweaks, with a single field inversion for all of them (Montgomery's trick,
 * gejBatchToAffine). tweaks: n x 32 bytes; out: n x (33 | 65) bytes;
 * scratch: n * (GEJ_SIZE + 40) bytes, 16-aligned. Returns 0, -1 for a bad
 * parent key, or i + 1 for the first tweak i that is >= n or gives infinity.
 */
export function pubAddBatch(out: usize, pub: usize, pubLen: usize, tweaks: usize, n: usize, compressed: u32, scratch: usize): i32 {
  if (!pubParse(PT, pub, pubLen)) return -1;
  const jac = scratch;
  const zs = scratch + n * GEJ_SIZE;
  for (let i: usize = 0; i < n; i++) {
    const j = jac + i * GEJ_SIZE;
    if (scFromBytes(K2, tweaks + (i << 5))) return <i32>i + 1;
    if (scIsZero(K2)) {
      gejSetGe(j, PT);
    } else {
      ecmultGenProj(PROJ, K2);
      projToGej(j, PROJ);
      gejAddGeV(j, j, PT);
      if (gejIsInf(j)) return <i32>i + 1;
    }
  }
  // Affine x, y overwrite the first 80 bytes of each Jacobian slot.
  gejBatchToAffine(jac, GEJ_SIZE, jac, n, zs);
  const step: usize = compressed ? 33 : 65;
  for (let i: usize = 0; i < n; i++) pubSerialize(out + i * step, jac + i * GEJ_SIZE, compressed);
  return 0;
}
