// [s]B - [k]A for verification (RFC 8032 §5.1.7 step 3). Everything here is
// public (signature, key, message hash), so this is variable time: signed
// sliding windows (width-5 NAF for A with 8 cached odd multiples, width-8 NAF
// for B with the 64 precomputed affine odd multiples in base.ts), doubling
// from the top non-zero digit and adding only where a digit is non-zero.

import {
  Y, Z, P3_SIZE, NIELS_SIZE, dbl, toP3, toP2, toCached, addCached, subCached, addNiels, subNiels,
} from './point';
import { ensureTables, ODD } from './base';

const NA: usize = memory.data(256, 16); // wNAF digits of k (i8)
const NB: usize = memory.data(256, 16); // wNAF digits of s
const K: usize = memory.data(48, 16);   // working copy of a scalar as u64 limbs (+1 spare)
const AI: usize = memory.data(8 * 160, 16); // A, 3A, ..., 15A cached
const A2: usize = memory.data(160, 16);
const R: usize = memory.data(160, 16);
const H: usize = memory.data(160, 16);

// Width-w NAF of the 32-byte little-endian scalar at p (< 2^253) into out[0..256):
// every non-zero digit is odd, |d| < 2^(w-1), and any w consecutive digits hold
// at most one non-zero. Returns the index of the top non-zero digit, or -1.
function wnaf(out: usize, p: usize, w: i32): i32 {
  memory.copy(K, p, 32);
  store<u64>(K, 0, 32);
  memory.fill(out, 0, 256);
  const full: i64 = 1 << w;
  const half: i64 = 1 << (w - 1);
  let top: i32 = -1;
  let i: i32 = 0;
  while (i < 256) {
    const k0 = load<u64>(K);
    if ((k0 & 1) == 0) {
      shr(1); i++;
      continue;
    }
    let d = <i64>(k0 & <u64>(full - 1));
    if (d >= half) d -= full;
    store<i8>(out + <usize>i, <i8>d);
    top = i;
    // k -= d: d > 0 clears the low bits; d < 0 adds |d| with carry.
    if (d > 0) store<u64>(K, k0 - <u64>d);
    else addSmall(<u64>(-d));
    // the low w bits are now zero: skip them
    shr(w); i += w;
  }
  return top;
}

function shr(n: i32): void {
  const s = <u64>n;
  for (let j: usize = 0; j < 4; j++) {
    const lo = load<u64>(K + (j << 3));
    const hi = load<u64>(K + ((j + 1) << 3));
    store<u64>(K + (j << 3), (lo >> s) | (hi << (64 - s)));
  }
  store<u64>(K + 32, load<u64>(K + 32) >> s);
}

function addSmall(v: u64): void {
  let c = v;
  for (let j: usize = 0; j < 5; j++) {
    const x = load<u64>(K + (j << 3));
    const y = x + c;
    store<u64>(K + (j << 3), y);
    c = y < x ? 1 : 0;
  }
}

/** Prepares the odd multiples A, 3A, ..., 15A of the P3 point a for doubleScalarVartime. */
export function prepareA(a: usize): void {
  // AI[j] = (2j+1) A
  toCached(AI, a);
  dbl(R, a); toP3(A2, R);
  for (let j: usize = 1; j < 8; j++) {
    addCached(R, A2, AI + (j - 1) * P3_SIZE); // A2 + (2j-1)A
    toP3(H, R);
    toCached(AI + j * P3_SIZE, H);
  }
}

/** out (P2) = [s]B - [k]A for public 32-byte scalars s, k and the point A given to prepareA. */
export function doubleScalarVartime(out: usize, s: usize, k: usize): void {
  ensureTables();
  const ta = wnaf(NA, k, 5);
  const tb = wnaf(NB, s, 8);
  // out starts as the identity (P2: 0 : 1 : 1)
  memory.fill(out, 0, 120);
  store<i32>(out + Y, 1); store<i32>(out + Z, 1);
  let i = ta > tb ? ta : tb;
  for (; i >= 0; i--) {
    dbl(R, out);
    const da = <i32>load<i8>(NA + <usize>i);
    const db = <i32>load<i8>(NB + <usize>i);
    if (da != 0) {
      toP3(H, R);
      // we subtract [k]A: a positive digit subtracts, a negative one adds
      if (da > 0) subCached(R, H, AI + <usize>(da >> 1) * P3_SIZE);
      else addCached(R, H, AI + <usize>((-da) >> 1) * P3_SIZE);
    }
    if (db != 0) {
      toP3(H, R);
      if (db > 0) addNiels(R, H, ODD + <usize>(db >> 1) * NIELS_SIZE);
      else subNiels(R, H, ODD + <usize>((-db) >> 1) * NIELS_SIZE);
    }
    toP2(out, R);
  }
}
