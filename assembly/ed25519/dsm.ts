// [s]B - [k]A for verification (RFC 8032 §5.1.7 step 3). Everything here is
// public (signature, key, message hash), so this is variable time: signed
// sliding windows (width-5 NAF for A with 8 cached odd multiples, width-8 NAF
// for B with the 64 precomputed affine odd multiples in base.ts), doubling
// from the top non-zero digit and adding only where a digit is non-zero.
//
// Repeated verification under one key (exports.ts keeps the last decoded key)
// uses a split ladder instead: with A' = 2^128 A and B' = 2^128 B,
//   [s]B - [k]A = [s0]B + [s1]B' - [k0]A - [k1]A'   (x = x0 + 2^128 x1),
// four NAF streams over 129 positions, so 128 doublings instead of 253 for
// the same number of additions. A' and its odd multiples cost 128 doublings
// once per key (built on the key's first reuse), B' once (base.ts ODD2).
// Measured in V8 (x86-64): 64.6 us -> 38 us per [s]B - [k]A.

import {
  Y, Z, P3_SIZE, NIELS_SIZE, dbl, toP3, toP2, toCached, addCached, subCached, addNiels, subNiels,
} from './point';
import { ensureTables, ensureTables2, ODD, ODD2 } from './base';

const NA: usize = memory.data(512, 16); // wNAF digits of k (i16), or of k0
const NB: usize = memory.data(512, 16); // wNAF digits of s, or of s0
const NA2: usize = memory.data(512, 16); // k1
const NB2: usize = memory.data(512, 16); // s1
const WB: i32 = 8; // NAF width for B: |digit| < 128, ODD_COUNT = 64 entries
const K: usize = memory.data(48, 16);   // working copy of a scalar, zero-padded
const HALF: usize = memory.data(32, 16); // one 128-bit half of a scalar, zero-padded
const AI: usize = memory.data(8 * 160, 16); // A, 3A, ..., 15A cached (prepareA)
const KA: usize = memory.data(8 * 160, 16); // the same for the kept key (prepareKey)
const KA2: usize = memory.data(8 * 160, 16); // ... and for 2^128 times it (prepareKeySplit)
const A2: usize = memory.data(160, 16);
const R: usize = memory.data(160, 16);
const H: usize = memory.data(160, 16);

// Width-w NAF (w <= 15) of the 32-byte little-endian scalar at p (< 2^253) into out[0..256) (i16):
// every non-zero digit is odd, |d| < 2^(w-1), and any w consecutive digits hold
// at most one non-zero. Reads w-bit windows straight from the bytes, with a
// carry into the next window for negative digits (measured: 0.68 us -> 0.2 us
// for both scalars of a verification, against shifting the whole number
// right one bit at a time). Returns the index of the top non-zero digit, or -1.
export function wnaf(out: usize, p: usize, w: i32): i32 {
  memory.copy(K, p, 32);
  store<u64>(K, 0, 32); store<u64>(K, 0, 40);
  memory.fill(out, 0, 512);
  const mask: u64 = (<u64>1 << <u64>w) - 1;
  let carry: i32 = 0;
  let top: i32 = -1;
  let i: i32 = 0;
  while (i < 256) {
    const bit = <i32>((<u32>load<u8>(K + <usize>(i >> 3)) >> <u32>(i & 7)) & 1);
    if (bit == carry) { i++; continue; }
    let d = <i32>((load<u64>(K + <usize>(i >> 3)) >> <u64>(i & 7)) & mask) + carry;
    carry = (d >> (w - 1)) & 1;
    d -= carry << w;
    store<i16>(out + (<usize>i << 1), <i16>d);
    top = i;
    i += w;
  }
  return top;
}

// table[j] = (2j+1) a (cached), j = 0..7, for the P3 point a.
function prepareOdd(table: usize, a: usize): void {
  toCached(table, a);
  dbl(R, a); toP3(A2, R);
  for (let j: usize = 1; j < 8; j++) {
    addCached(R, A2, table + (j - 1) * P3_SIZE); // A2 + (2j-1)A
    toP3(H, R);
    toCached(table + j * P3_SIZE, H);
  }
}

/** Prepares the odd multiples A, 3A, ..., 15A of the P3 point a for doubleScalarVartime. */
export function prepareA(a: usize): void {
  prepareOdd(AI, a);
}

/** Prepares the kept key's table (doubleScalarVartimeKey): like prepareA, in storage of its own. */
export function prepareKey(a: usize): void {
  prepareOdd(KA, a);
}

/** Prepares the split-ladder half of the kept key: odd multiples of 2^128 a (128 doublings). */
export function prepareKeySplit(a: usize): void {
  ensureTables2();
  memory.copy(H, a, P3_SIZE);
  for (let i = 0; i < 128; i++) {
    dbl(R, H);
    if (i < 127) toP2(H, R);
    else toP3(H, R);
  }
  prepareOdd(KA2, H); // reads H before using it as scratch
}

// out (P2) = sum of the digit streams from position `top` down: NA against
// the cached table ta (subtracted), NB against ODD (added), and when split,
// NA2 against ta2 (subtracted) and NB2 against ODD2 (added).
function ladder(out: usize, top: i32, ta: usize, ta2: usize, split: bool): void {
  // out starts as the identity (P2: 0 : 1 : 1)
  memory.fill(out, 0, 120);
  store<i32>(out + Y, 1); store<i32>(out + Z, 1);
  for (let i = top; i >= 0; i--) {
    dbl(R, out);
    const da = <i32>load<i16>(NA + (<usize>i << 1));
    const db = <i32>load<i16>(NB + (<usize>i << 1));
    if (da != 0) {
      toP3(H, R);
      // we subtract [k]A: a positive digit subtracts, a negative one adds
      if (da > 0) subCached(R, H, ta + <usize>(da >> 1) * P3_SIZE);
      else addCached(R, H, ta + <usize>((-da) >> 1) * P3_SIZE);
    }
    if (db != 0) {
      toP3(H, R);
      if (db > 0) addNiels(R, H, ODD + <usize>(db >> 1) * NIELS_SIZE);
      else subNiels(R, H, ODD + <usize>((-db) >> 1) * NIELS_SIZE);
    }
    if (split) {
      const da2 = <i32>load<i16>(NA2 + (<usize>i << 1));
      const db2 = <i32>load<i16>(NB2 + (<usize>i << 1));
      if (da2 != 0) {
        toP3(H, R);
        if (da2 > 0) subCached(R, H, ta2 + <usize>(da2 >> 1) * P3_SIZE);
        else addCached(R, H, ta2 + <usize>((-da2) >> 1) * P3_SIZE);
      }
      if (db2 != 0) {
        toP3(H, R);
        if (db2 > 0) addNiels(R, H, ODD2 + <usize>(db2 >> 1) * NIELS_SIZE);
        else subNiels(R, H, ODD2 + <usize>((-db2) >> 1) * NIELS_SIZE);
      }
    }
    toP2(out, R);
  }
}

function max(a: i32, b: i32): i32 { return a > b ? a : b; }

/** out (P2) = [s]B - [k]A for public 32-byte scalars s, k and the point A given to prepareA. */
export function doubleScalarVartime(out: usize, s: usize, k: usize): void {
  ensureTables();
  ladder(out, max(wnaf(NA, k, 5), wnaf(NB, s, WB)), AI, 0, false);
}

/** doubleScalarVartime for the point given to prepareKey. */
export function doubleScalarVartimeKey(out: usize, s: usize, k: usize): void {
  ensureTables();
  ladder(out, max(wnaf(NA, k, 5), wnaf(NB, s, WB)), KA, 0, false);
}

// NAF of one 128-bit half of the scalar at p (hi: bits 128..255) into out.
function wnafHalf(out: usize, p: usize, hi: bool, w: i32): i32 {
  const src = hi ? p + 16 : p;
  store<u64>(HALF, load<u64>(src)); store<u64>(HALF, load<u64>(src, 8), 8);
  store<u64>(HALF, 0, 16); store<u64>(HALF, 0, 24);
  return wnaf(out, HALF, w);
}

/** doubleScalarVartimeKey by the split ladder: needs prepareKey and prepareKeySplit of the same point. */
export function doubleScalarVartimeKeySplit(out: usize, s: usize, k: usize): void {
  ensureTables2();
  const t = max(max(wnafHalf(NA, k, false, 5), wnafHalf(NA2, k, true, 5)), max(wnafHalf(NB, s, false, WB), wnafHalf(NB2, s, true, WB)));
  ladder(out, t, KA, KA2, true);
}

// The y of every point of order 1, 2, 4 or 8, canonical little-endian, 32
// bytes each: 0, 1, p - 1, y8, p - y8 (scripts/gen-ed25519.mjs derives and
// checks them: y8 solves d x^4 - 2x^2 - 1 = 0 with y = x sqrt(-1)). Here and
// not in point.ts: ../mem.ts imports base.ts and point.ts for their wipes,
// which would carry this table into build/vaultkey.wasm too.
const SMALL_Y: usize = memory.data<u8>([
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
  0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
  0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
  0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
  0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
]);

/** For the canonical encoding s of a point P (y < p): true iff P has order 1,
 *  2, 4 or 8, i.e. iff its y is one of SMALL_Y (x is +-the root for that y).
 *  Public data only. Against isSmallOrder's three doublings: 0.7 us -> ~0.02 us. */
export function isSmallOrderEncoding(s: usize): bool {
  const w0 = load<u64>(s), w1 = load<u64>(s, 8), w2 = load<u64>(s, 16), w3 = load<u64>(s, 24) & 0x7fffffffffffffff;
  for (let i: usize = 0; i < 5 * 32; i += 32) {
    const t = SMALL_Y + i;
    if (w0 == load<u64>(t) && w1 == load<u64>(t, 8) && w2 == load<u64>(t, 16) && w3 == load<u64>(t, 24)) return true;
  }
  return false;
}

// Verification with a new key by half-size scalars (lattice.ts): with v, u
// of about 128 bits, u = v k (mod 8L), and w = v s mod L, the check becomes
// [w]B - [u]A - [v]R = O, four NAF streams over about 129 positions: w0, w1
// (w = w0 + 2^128 w1) against ODD and ODD2, u against the key's table (KA,
// already built for a new key) and v against a table of R's odd multiples
// built per call. 128 doublings instead of 253, for R's decoding (a square
// root) and table (8 additions), where the old path ended with an inversion.
// Measured (npm run bench -- ed25519, verify with a different key on every
// call), two sessions: 0.52x / 0.56x -> 0.82x / 0.76x native libsodium
// (sodium-native), 1.47x / 1.24x -> 1.64x / 1.45x libsodium-wrappers; in one
// process against the previous build (best of 30 rounds, loaded machine):
// 110 -> 80 us per verify. For a reused key the
// split ladder above stays: this path measured 130 us per verify there
// against 110-114 us (it adds R's decoding and table to the same additions).
// About 1 k in 6 gives a pair a few bits over 128 (v must be odd), and a
// few structured k have no short pair (exports.ts falls back to the old path).
const RI: usize = memory.data(8 * 160, 16); // R, 3R, ..., 15R cached
const NR: usize = memory.data(512, 16);     // wNAF digits of v

/** out (P2) = [w]B - [u]A - [v]R for the point given to prepareKey, the P3 point r,
 *  and public 32-byte w (< 2^253), u, v (< 2^250); u is negated when uNeg. */
export function tripleScalarVartimeKey(out: usize, w: usize, u: usize, uNeg: bool, v: usize, r: usize): void {
  ensureTables2();
  prepareOdd(RI, r);
  const t = max(
    max(wnaf(NA, u, 5), wnaf(NR, v, 5)),
    max(wnafHalf(NB, w, false, WB), wnafHalf(NB2, w, true, WB)),
  );
  memory.fill(out, 0, 120);
  store<i32>(out + Y, 1); store<i32>(out + Z, 1);
  for (let i = t; i >= 0; i--) {
    dbl(R, out);
    let da = <i32>load<i16>(NA + (<usize>i << 1));
    const dr = <i32>load<i16>(NR + (<usize>i << 1));
    const db = <i32>load<i16>(NB + (<usize>i << 1));
    const db2 = <i32>load<i16>(NB2 + (<usize>i << 1));
    if (uNeg) da = -da;
    if (da != 0) {
      toP3(H, R);
      if (da > 0) subCached(R, H, KA + <usize>(da >> 1) * P3_SIZE);
      else addCached(R, H, KA + <usize>((-da) >> 1) * P3_SIZE);
    }
    if (dr != 0) {
      toP3(H, R);
      if (dr > 0) subCached(R, H, RI + <usize>(dr >> 1) * P3_SIZE);
      else addCached(R, H, RI + <usize>((-dr) >> 1) * P3_SIZE);
    }
    if (db != 0) {
      toP3(H, R);
      if (db > 0) addNiels(R, H, ODD + <usize>(db >> 1) * NIELS_SIZE);
      else subNiels(R, H, ODD + <usize>((-db) >> 1) * NIELS_SIZE);
    }
    if (db2 != 0) {
      toP3(H, R);
      if (db2 > 0) addNiels(R, H, ODD2 + <usize>(db2 >> 1) * NIELS_SIZE);
      else subNiels(R, H, ODD2 + <usize>((-db2) >> 1) * NIELS_SIZE);
    }
    toP2(out, R);
  }
}
