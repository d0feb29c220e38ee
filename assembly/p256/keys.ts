// P-256 key encodings (SEC 1 §2.3.3-2.3.4) and the SLIP-0010 tweaks.
// Buffers are in the scratch region (../mem.ts, P256_SLOT + 2048 .. 2560):
// the exports that call these end with wipeScratch().

import { SCRATCH, P256_SLOT } from '../mem';
import { FE, fpFromBytes, fpToBytes, fpIsOdd } from './field';
import { scFromBytes, scIsZero, scAdd, scToBytes } from './scalar';
import { ptAdd, ptFromAffine, ptToAffine, affSetX, affFromBytes, affOnCurve } from './group';
import { ecmultGenProj } from './ecmult';

const K0: usize = SCRATCH + P256_SLOT + 2048;
const K1: usize = K0; // 32: the private key, then the sum
const K2: usize = K0 + 32; // 32: the tweak
const PA: usize = K0 + 64; // 64: the parent point, affine
const PJ: usize = K0 + 128; // 96: the parent point, projective
const TJ: usize = K0 + 224; // 96: tweak * G
// K0 + 320 .. 512: the exports (index.ts)

/**
 * Parses a public key of `len` bytes at p into the affine point r (x, y,
 * Montgomery domain). Accepts 33-byte compressed (02/03) and 65-byte
 * uncompressed (04) encodings; rejects other prefixes (the identity 00,
 * hybrid 06/07), x or y >= p, and points not on the curve. Returns 1 on
 * success. Public data.
 */
export function pubParse(r: usize, p: usize, len: usize): u32 {
  const prefix = load<u8>(p);
  if (len == 33 && (prefix == 2 || prefix == 3)) {
    if (!fpFromBytes(r, p + 1)) return 0;
    return affSetX(r, prefix & 1);
  }
  if (len == 65 && prefix == 4) {
    if (!affFromBytes(r, p + 1)) return 0;
    return affOnCurve(r);
  }
  return 0;
}

/** Writes the affine point at a as 33 or 65 bytes (SEC 1 §2.3.3); returns the length. */
export function pubSerialize(out: usize, a: usize, compressed: u32): usize {
  fpToBytes(out + 1, a);
  if (compressed) {
    store<u8>(out, <u8>(2 | fpIsOdd(a + FE)));
    return 33;
  }
  store<u8>(out, 4);
  fpToBytes(out + 33, a + FE);
  return 65;
}

/** Loads a private key; returns 1 iff 0 < key < n (constant time). */
export function privLoad(r: usize, p: usize): u32 {
  const over = scFromBytes(r, p);
  return (over | scIsZero(r)) ^ 1;
}

/**
 * SLIP-0010 private child step: out = (priv + tweak) mod n. Returns 0 on
 * success, 1 if priv is not a valid key, 2 if tweak >= n or the sum is 0
 * (SLIP-0010 §Private parent key: the caller then moves on).
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

/**
 * SLIP-0010 public child step: out = P + tweak*G. Returns 0 on success, 1 if
 * the public key does not parse, 2 if tweak >= n or the result is the point
 * at infinity. The complete formula covers tweak = 0 and tweak*G = +-P.
 */
export function pubAdd(out: usize, pub: usize, pubLen: usize, tweak: usize, compressed: u32): i32 {
  if (!pubParse(PA, pub, pubLen)) return 1;
  if (scFromBytes(K2, tweak)) return 2;
  ecmultGenProj(TJ, K2);
  ptFromAffine(PJ, PA);
  ptAdd(PJ, PJ, TJ);
  if (ptToAffine(PA, PJ)) return 2;
  pubSerialize(out, PA, compressed);
  return 0;
}
