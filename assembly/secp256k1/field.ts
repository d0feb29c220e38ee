// Field arithmetic mod p = 2^256 - 2^32 - 977 (SEC 2 §2.4.1).
//
// Representation (chosen for WASM, which has a 64-bit multiply but no
// 64x64->128): ten limbs of 26 bits (the top one 22 bits) stored as u32 in
// linear memory, value = sum l[i] * 2^(26 i). A product of two limbs fits in
// 52 bits, so a column of ten products plus carries stays far below 2^64 and
// the schoolbook multiply needs no carry handling inside the columns. The
// same split serves libsecp256k1 on 32-bit targets; the code here is ours.
//
// Magnitude: a field element "of magnitude m" has every limb <= m * 2^26
// (top limb <= m * 2^22), plus a little slack. feMul/feSqr accept inputs whose
// limbs are below 2^30 (magnitude <= 15) and return magnitude 1. Additions
// add magnitudes; feNeg(a, m) needs the magnitude of `a`. Stored limbs must
// stay below 2^32, which the callers keep by normalizing after small-integer
// multiplies. Reduction uses 2^256 = 0x1000003D1 (mod p): limb position 10
// (2^260) folds as 0x3D10 into position 0 and 2^10 into position 1.
//
// Every function here is branch-free in its data: they all run on secrets.
// The `VERIFY ? assert(...) : true` checks of these rules exist only in the
// debug build (../verify.ts); the release build compiles none of them.

import { VERIFY, secpLimbsBelow, secpMagnitude, secpNormalized, secpAddFits, secpSubFits } from '../verify';

export const FE: usize = 40;
const M26: u64 = 0x3ffffff;
const M22: u64 = 0x3fffff;

// p in 10x26 limbs (checked by scripts/gen-secp256k1.mjs).
const P0: u32 = 0x3fffc2f;
const P1: u32 = 0x3ffffbf;
const PM: u32 = 0x3ffffff;
const P9: u32 = 0x3fffff;

export function feMul(r: usize, a: usize, b: usize): void {
  const verifyIn: bool = VERIFY ? assert(secpLimbsBelow(a, 1 << 30) && secpLimbsBelow(b, 1 << 30), 'secp feMul: input limb >= 2^30') : true;
  const a0: u64 = <u64>load<u32>(a, 0);
  const a1: u64 = <u64>load<u32>(a, 4);
  const a2: u64 = <u64>load<u32>(a, 8);
  const a3: u64 = <u64>load<u32>(a, 12);
  const a4: u64 = <u64>load<u32>(a, 16);
  const a5: u64 = <u64>load<u32>(a, 20);
  const a6: u64 = <u64>load<u32>(a, 24);
  const a7: u64 = <u64>load<u32>(a, 28);
  const a8: u64 = <u64>load<u32>(a, 32);
  const a9: u64 = <u64>load<u32>(a, 36);
  const b0: u64 = <u64>load<u32>(b, 0);
  const b1: u64 = <u64>load<u32>(b, 4);
  const b2: u64 = <u64>load<u32>(b, 8);
  const b3: u64 = <u64>load<u32>(b, 12);
  const b4: u64 = <u64>load<u32>(b, 16);
  const b5: u64 = <u64>load<u32>(b, 20);
  const b6: u64 = <u64>load<u32>(b, 24);
  const b7: u64 = <u64>load<u32>(b, 28);
  const b8: u64 = <u64>load<u32>(b, 32);
  const b9: u64 = <u64>load<u32>(b, 36);
  let c0: u64 = a0 * b0;
  let c1: u64 = a0 * b1 + a1 * b0;
  let c2: u64 = a0 * b2 + a1 * b1 + a2 * b0;
  let c3: u64 = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
  let c4: u64 = a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0;
  let c5: u64 = a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0;
  let c6: u64 = a0 * b6 + a1 * b5 + a2 * b4 + a3 * b3 + a4 * b2 + a5 * b1 + a6 * b0;
  let c7: u64 = a0 * b7 + a1 * b6 + a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2 + a6 * b1 + a7 * b0;
  let c8: u64 = a0 * b8 + a1 * b7 + a2 * b6 + a3 * b5 + a4 * b4 + a5 * b3 + a6 * b2 + a7 * b1 + a8 * b0;
  let c9: u64 = a0 * b9 + a1 * b8 + a2 * b7 + a3 * b6 + a4 * b5 + a5 * b4 + a6 * b3 + a7 * b2 + a8 * b1 + a9 * b0;
  let c10: u64 = a1 * b9 + a2 * b8 + a3 * b7 + a4 * b6 + a5 * b5 + a6 * b4 + a7 * b3 + a8 * b2 + a9 * b1;
  let c11: u64 = a2 * b9 + a3 * b8 + a4 * b7 + a5 * b6 + a6 * b5 + a7 * b4 + a8 * b3 + a9 * b2;
  let c12: u64 = a3 * b9 + a4 * b8 + a5 * b7 + a6 * b6 + a7 * b5 + a8 * b4 + a9 * b3;
  let c13: u64 = a4 * b9 + a5 * b8 + a6 * b7 + a7 * b6 + a8 * b5 + a9 * b4;
  let c14: u64 = a5 * b9 + a6 * b8 + a7 * b7 + a8 * b6 + a9 * b5;
  let c15: u64 = a6 * b9 + a7 * b8 + a8 * b7 + a9 * b6;
  let c16: u64 = a7 * b9 + a8 * b8 + a9 * b7;
  let c17: u64 = a8 * b9 + a9 * b8;
  let c18: u64 = a9 * b9;
  // Carry only the high half (c10..c18 to 26 bits, the excess in c19), so
  // its fold by 2^260 = 0x3D10 + 2^10 2^26 (mod p) cannot overflow; the low
  // columns take the folded values uncarried: c9, the largest, stays below
  // 10 (2^30 - 1)^2 + 2^53 < 2^64. One carry pass then runs over c0..c9.
  // Carrying all 19 columns first, then folding, then carrying c0..c9 did
  // eight more carry steps per product; measured against native
  // libsecp256k1: getPublicKey 0.84x -> 0.89x, sign 1.05x -> 1.12x, verify
  // (a new key each call) 0.53x -> 0.63x. Bounds: scripts/gen-secp256k1.mjs.
  // Also tried: forming each column with its carry as it goes (fewer live
  // values): neutral (getPublicKey, sign, verify new/old 0.96-1.01) -> kept.
  c11 += c10 >> 26; c10 &= M26;
  c12 += c11 >> 26; c11 &= M26;
  c13 += c12 >> 26; c12 &= M26;
  c14 += c13 >> 26; c13 &= M26;
  c15 += c14 >> 26; c14 &= M26;
  c16 += c15 >> 26; c15 &= M26;
  c17 += c16 >> 26; c16 &= M26;
  c18 += c17 >> 26; c17 &= M26;
  const c19: u64 = c18 >> 26; c18 &= M26;
  c9 += c19 * 0x3D10; c10 += c19 << 10;
  c0 += c10 * 0x3D10; c1 += c10 << 10;
  c1 += c11 * 0x3D10; c2 += c11 << 10;
  c2 += c12 * 0x3D10; c3 += c12 << 10;
  c3 += c13 * 0x3D10; c4 += c13 << 10;
  c4 += c14 * 0x3D10; c5 += c14 << 10;
  c5 += c15 * 0x3D10; c6 += c15 << 10;
  c6 += c16 * 0x3D10; c7 += c16 << 10;
  c7 += c17 * 0x3D10; c8 += c17 << 10;
  c8 += c18 * 0x3D10; c9 += c18 << 10;
  c1 += c0 >> 26; c0 &= M26;
  c2 += c1 >> 26; c1 &= M26;
  c3 += c2 >> 26; c2 &= M26;
  c4 += c3 >> 26; c3 &= M26;
  c5 += c4 >> 26; c4 &= M26;
  c6 += c5 >> 26; c5 &= M26;
  c7 += c6 >> 26; c6 &= M26;
  c8 += c7 >> 26; c7 &= M26;
  c9 += c8 >> 26; c8 &= M26;
  const t: u64 = c9 >> 22; c9 &= M22;        // t < 2^42
  c0 += t * 0x3D1; c1 += t << 6;
  c1 += c0 >> 26; c0 &= M26;
  c2 += c1 >> 26; c1 &= M26;
  c3 += c2 >> 26; c2 &= M26;                 // limb 3 ends at most 1 over 2^26 - 1
  store<u32>(r, <u32>c0, 0);
  store<u32>(r, <u32>c1, 4);
  store<u32>(r, <u32>c2, 8);
  store<u32>(r, <u32>c3, 12);
  store<u32>(r, <u32>c4, 16);
  store<u32>(r, <u32>c5, 20);
  store<u32>(r, <u32>c6, 24);
  store<u32>(r, <u32>c7, 28);
  store<u32>(r, <u32>c8, 32);
  store<u32>(r, <u32>c9, 36);
  const verifyOut: bool = VERIFY ? assert(secpMagnitude(r, 1), 'secp feMul: output magnitude > 1') : true;
}

export function feSqr(r: usize, a: usize): void {
  const verifyIn: bool = VERIFY ? assert(secpLimbsBelow(a, 1 << 30), 'secp feSqr: input limb >= 2^30') : true;
  const a0: u64 = <u64>load<u32>(a, 0);
  const a1: u64 = <u64>load<u32>(a, 4);
  const a2: u64 = <u64>load<u32>(a, 8);
  const a3: u64 = <u64>load<u32>(a, 12);
  const a4: u64 = <u64>load<u32>(a, 16);
  const a5: u64 = <u64>load<u32>(a, 20);
  const a6: u64 = <u64>load<u32>(a, 24);
  const a7: u64 = <u64>load<u32>(a, 28);
  const a8: u64 = <u64>load<u32>(a, 32);
  const a9: u64 = <u64>load<u32>(a, 36);
  const d0: u64 = a0 << 1;
  const d1: u64 = a1 << 1;
  const d2: u64 = a2 << 1;
  const d3: u64 = a3 << 1;
  const d4: u64 = a4 << 1;
  const d5: u64 = a5 << 1;
  const d6: u64 = a6 << 1;
  const d7: u64 = a7 << 1;
  const d8: u64 = a8 << 1;
  const d9: u64 = a9 << 1;
  let c0: u64 = a0 * a0;
  let c1: u64 = a0 * d1;
  let c2: u64 = a0 * d2 + a1 * a1;
  let c3: u64 = a0 * d3 + a1 * d2;
  let c4: u64 = a0 * d4 + a1 * d3 + a2 * a2;
  let c5: u64 = a0 * d5 + a1 * d4 + a2 * d3;
  let c6: u64 = a0 * d6 + a1 * d5 + a2 * d4 + a3 * a3;
  let c7: u64 = a0 * d7 + a1 * d6 + a2 * d5 + a3 * d4;
  let c8: u64 = a0 * d8 + a1 * d7 + a2 * d6 + a3 * d5 + a4 * a4;
  let c9: u64 = a0 * d9 + a1 * d8 + a2 * d7 + a3 * d6 + a4 * d5;
  let c10: u64 = a1 * d9 + a2 * d8 + a3 * d7 + a4 * d6 + a5 * a5;
  let c11: u64 = a2 * d9 + a3 * d8 + a4 * d7 + a5 * d6;
  let c12: u64 = a3 * d9 + a4 * d8 + a5 * d7 + a6 * a6;
  let c13: u64 = a4 * d9 + a5 * d8 + a6 * d7;
  let c14: u64 = a5 * d9 + a6 * d8 + a7 * a7;
  let c15: u64 = a6 * d9 + a7 * d8;
  let c16: u64 = a7 * d9 + a8 * a8;
  let c17: u64 = a8 * d9;
  let c18: u64 = a9 * a9;
  // Carry only the high half (c10..c18 to 26 bits, the excess in c19), so
  // its fold by 2^260 = 0x3D10 + 2^10 2^26 (mod p) cannot overflow; the low
  // columns take the folded values uncarried: c9, the largest, stays below
  // 10 (2^30 - 1)^2 + 2^53 < 2^64. One carry pass then runs over c0..c9.
  // Carrying all 19 columns first, then folding, then carrying c0..c9 did
  // eight more carry steps per product; measured against native
  // libsecp256k1: getPublicKey 0.84x -> 0.89x, sign 1.05x -> 1.12x, verify
  // (a new key each call) 0.53x -> 0.63x. Bounds: scripts/gen-secp256k1.mjs.
  c11 += c10 >> 26; c10 &= M26;
  c12 += c11 >> 26; c11 &= M26;
  c13 += c12 >> 26; c12 &= M26;
  c14 += c13 >> 26; c13 &= M26;
  c15 += c14 >> 26; c14 &= M26;
  c16 += c15 >> 26; c15 &= M26;
  c17 += c16 >> 26; c16 &= M26;
  c18 += c17 >> 26; c17 &= M26;
  const c19: u64 = c18 >> 26; c18 &= M26;
  c9 += c19 * 0x3D10; c10 += c19 << 10;
  c0 += c10 * 0x3D10; c1 += c10 << 10;
  c1 += c11 * 0x3D10; c2 += c11 << 10;
  c2 += c12 * 0x3D10; c3 += c12 << 10;
  c3 += c13 * 0x3D10; c4 += c13 << 10;
  c4 += c14 * 0x3D10; c5 += c14 << 10;
  c5 += c15 * 0x3D10; c6 += c15 << 10;
  c6 += c16 * 0x3D10; c7 += c16 << 10;
  c7 += c17 * 0x3D10; c8 += c17 << 10;
  c8 += c18 * 0x3D10; c9 += c18 << 10;
  c1 += c0 >> 26; c0 &= M26;
  c2 += c1 >> 26; c1 &= M26;
  c3 += c2 >> 26; c2 &= M26;
  c4 += c3 >> 26; c3 &= M26;
  c5 += c4 >> 26; c4 &= M26;
  c6 += c5 >> 26; c5 &= M26;
  c7 += c6 >> 26; c6 &= M26;
  c8 += c7 >> 26; c7 &= M26;
  c9 += c8 >> 26; c8 &= M26;
  const t: u64 = c9 >> 22; c9 &= M22;        // t < 2^42
  c0 += t * 0x3D1; c1 += t << 6;
  c1 += c0 >> 26; c0 &= M26;
  c2 += c1 >> 26; c1 &= M26;
  c3 += c2 >> 26; c2 &= M26;                 // limb 3 ends at most 1 over 2^26 - 1
  store<u32>(r, <u32>c0, 0);
  store<u32>(r, <u32>c1, 4);
  store<u32>(r, <u32>c2, 8);
  store<u32>(r, <u32>c3, 12);
  store<u32>(r, <u32>c4, 16);
  store<u32>(r, <u32>c5, 20);
  store<u32>(r, <u32>c6, 24);
  store<u32>(r, <u32>c7, 28);
  store<u32>(r, <u32>c8, 32);
  store<u32>(r, <u32>c9, 36);
  const verifyOut: bool = VERIFY ? assert(secpMagnitude(r, 1), 'secp feSqr: output magnitude > 1') : true;
}

export function feCopy(r: usize, a: usize): void {
  memory.copy(r, a, FE);
}

export function feSetInt(r: usize, v: u32): void {
  memory.fill(r, 0, FE);
  store<u32>(r, v);
}

/** r = a + b (magnitudes add). */
export function feAdd(r: usize, a: usize, b: usize): void {
  const verifyIn: bool = VERIFY ? assert(secpAddFits(a, b), 'secp feAdd: limb sum >= 2^32') : true;
  for (let i: usize = 0; i < FE; i += 4) store<u32>(r + i, load<u32>(a + i) + load<u32>(b + i));
}

/** r = -a, given a of magnitude <= m; result has magnitude m + 1. Computed as (m+1)p - a. */
export function feNeg(r: usize, a: usize, m: u32): void {
  const verifyM: bool = VERIFY ? assert(m < 64, 'secp feNeg: (m + 1) p overflows the u32 limbs') : true;
  const verifyIn: bool = VERIFY ? assert(secpMagnitude(a, m), 'secp feNeg: input magnitude > m') : true;
  const k = m + 1;
  store<u32>(r, k * P0 - load<u32>(a, 0), 0);
  store<u32>(r, k * P1 - load<u32>(a, 4), 4);
  for (let i: usize = 8; i < 36; i += 4) store<u32>(r + i, k * PM - load<u32>(a + i));
  store<u32>(r, k * P9 - load<u32>(a, 36), 36);
  const verifyOut: bool = VERIFY ? assert(secpMagnitude(r, m + 1), 'secp feNeg: output magnitude > m + 1') : true;
}

/** r = a - b, with b of magnitude <= mb; magnitude(a) + mb + 1. */
export function feSub(r: usize, a: usize, b: usize, mb: u32): void {
  const verifyM: bool = VERIFY ? assert(mb < 64, 'secp feSub: (mb + 1) p overflows the u32 limbs') : true;
  const verifyIn: bool = VERIFY ? assert(secpMagnitude(b, mb), 'secp feSub: b magnitude > mb') : true;
  const verifyFits: bool = VERIFY ? assert(secpSubFits(a, b, mb), 'secp feSub: limb of a + (mb + 1) p - b >= 2^32') : true;
  const k = mb + 1;
  store<u32>(r, load<u32>(a, 0) + k * P0 - load<u32>(b, 0), 0);
  store<u32>(r, load<u32>(a, 4) + k * P1 - load<u32>(b, 4), 4);
  for (let i: usize = 8; i < 36; i += 4) store<u32>(r + i, load<u32>(a + i) + k * PM - load<u32>(b + i));
  store<u32>(r, load<u32>(a, 36) + k * P9 - load<u32>(b, 36), 36);
}

/** Carries and folds limbs given as u64 into magnitude 1 (value may still be >= p). */
// @ts-ignore: decorator
@inline
function weak(r: usize, c0: u64, c1: u64, c2: u64, c3: u64, c4: u64, c5: u64, c6: u64, c7: u64, c8: u64, c9: u64): void {
  let t: u64 = c9 >> 22; c9 &= M22;
  c0 += t * 0x3D1; c1 += t << 6;
  c1 += c0 >> 26; c0 &= M26;
  c2 += c1 >> 26; c1 &= M26;
  c3 += c2 >> 26; c2 &= M26;
  c4 += c3 >> 26; c3 &= M26;
  c5 += c4 >> 26; c4 &= M26;
  c6 += c5 >> 26; c5 &= M26;
  c7 += c6 >> 26; c6 &= M26;
  c8 += c7 >> 26; c7 &= M26;
  c9 += c8 >> 26; c8 &= M26;
  // c9 is now at most a few bits over 22: one more small fold.
  t = c9 >> 22; c9 &= M22;
  c0 += t * 0x3D1; c1 += t << 6;
  c1 += c0 >> 26; c0 &= M26;
  c2 += c1 >> 26; c1 &= M26;
  store<u32>(r, <u32>c0, 0); store<u32>(r, <u32>c1, 4); store<u32>(r, <u32>c2, 8); store<u32>(r, <u32>c3, 12);
  store<u32>(r, <u32>c4, 16); store<u32>(r, <u32>c5, 20); store<u32>(r, <u32>c6, 24); store<u32>(r, <u32>c7, 28);
  store<u32>(r, <u32>c8, 32); store<u32>(r, <u32>c9, 36);
}

/** Reduces to magnitude 1 without the final conditional subtraction. */
export function feNormWeak(r: usize, a: usize): void {
  weak(r, <u64>load<u32>(a, 0), <u64>load<u32>(a, 4), <u64>load<u32>(a, 8), <u64>load<u32>(a, 12), <u64>load<u32>(a, 16),
    <u64>load<u32>(a, 20), <u64>load<u32>(a, 24), <u64>load<u32>(a, 28), <u64>load<u32>(a, 32), <u64>load<u32>(a, 36));
  const verifyOut: bool = VERIFY ? assert(secpMagnitude(r, 1), 'secp feNormWeak: output magnitude > 1') : true;
}

/** r = a * k for a small k (k * magnitude(a) < 2^6); result magnitude 1. */
export function feMulSmall(r: usize, a: usize, k: u64): void {
  const verifyIn: bool = VERIFY ? assert(k >= 1 && k < 64 && secpMagnitude(a, <u32>(63 / k)), 'secp feMulSmall: k * magnitude(a) >= 2^6') : true;
  weak(r, <u64>load<u32>(a, 0) * k, <u64>load<u32>(a, 4) * k, <u64>load<u32>(a, 8) * k, <u64>load<u32>(a, 12) * k,
    <u64>load<u32>(a, 16) * k, <u64>load<u32>(a, 20) * k, <u64>load<u32>(a, 24) * k, <u64>load<u32>(a, 28) * k,
    <u64>load<u32>(a, 32) * k, <u64>load<u32>(a, 36) * k);
  const verifyOut: bool = VERIFY ? assert(secpMagnitude(r, 1), 'secp feMulSmall: output magnitude > 1') : true;
}

/** Fully reduces to the canonical representative in [0, p), in constant time. */
export function feNormalize(r: usize, a: usize): void {
  feNormWeak(r, a);
  // One full carry pass makes every limb exactly 26 bits (weak() may leave
  // limb 2 one unit over); the top limb reaches 2^22 only if r >= 2^256, and
  // that case takes the subtraction below.
  let x: u64 = <u64>load<u32>(r, 0);
  for (let i: usize = 4; i < 40; i += 4) {
    const y = (x >> 26) + <u64>load<u32>(r + i);
    store<u32>(r + i - 4, <u32>(x & M26));
    x = y;
  }
  store<u32>(r, <u32>x, 36);
  // Now r < 2^256 + 2^40 with proper limbs; add 2^256 - p = 0x1000003D1 and keep the
  // sum (mod 2^256) exactly when it carries out of bit 256, i.e. when r >= p.
  let c: u64 = <u64>load<u32>(r, 0) + 0x3D1;
  const s0 = c & M26; c = (c >> 26) + <u64>load<u32>(r, 4) + 0x40;
  const s1 = c & M26; c = (c >> 26) + <u64>load<u32>(r, 8);
  const s2 = c & M26; c = (c >> 26) + <u64>load<u32>(r, 12);
  const s3 = c & M26; c = (c >> 26) + <u64>load<u32>(r, 16);
  const s4 = c & M26; c = (c >> 26) + <u64>load<u32>(r, 20);
  const s5 = c & M26; c = (c >> 26) + <u64>load<u32>(r, 24);
  const s6 = c & M26; c = (c >> 26) + <u64>load<u32>(r, 28);
  const s7 = c & M26; c = (c >> 26) + <u64>load<u32>(r, 32);
  const s8 = c & M26; c = (c >> 26) + <u64>load<u32>(r, 36);
  const s9 = c & M22;
  const verifyCarry: bool = VERIFY ? assert((c >> 22) <= 1, 'secp feNormalize: r + 2^256 - p >= 2^257 after the weak reduction') : true;
  const m = <u32>0 - <u32>(c >> 22); // all ones when r >= p
  const n = ~m;
  store<u32>(r, (<u32>s0 & m) | (load<u32>(r, 0) & n), 0);
  store<u32>(r, (<u32>s1 & m) | (load<u32>(r, 4) & n), 4);
  store<u32>(r, (<u32>s2 & m) | (load<u32>(r, 8) & n), 8);
  store<u32>(r, (<u32>s3 & m) | (load<u32>(r, 12) & n), 12);
  store<u32>(r, (<u32>s4 & m) | (load<u32>(r, 16) & n), 16);
  store<u32>(r, (<u32>s5 & m) | (load<u32>(r, 20) & n), 20);
  store<u32>(r, (<u32>s6 & m) | (load<u32>(r, 24) & n), 24);
  store<u32>(r, (<u32>s7 & m) | (load<u32>(r, 28) & n), 28);
  store<u32>(r, (<u32>s8 & m) | (load<u32>(r, 32) & n), 32);
  store<u32>(r, (<u32>s9 & m) | (load<u32>(r, 36) & n), 36);
  const verifyOut: bool = VERIFY ? assert(secpNormalized(r), 'secp feNormalize: output not fully reduced') : true;
}

const TN: usize = memory.data(40, 16);

/** 1 if a = 0 (mod p), else 0; constant time. */
export function feIsZero(a: usize): u32 {
  feNormalize(TN, a);
  let z: u32 = 0;
  for (let i: usize = 0; i < FE; i += 4) z |= load<u32>(TN + i);
  return <u32>((<u64>z - 1) >> 63);
}

/** 1 if a = b (mod p); a and b of magnitude <= 8. Constant time. */
export function feEqual(a: usize, b: usize): u32 {
  const verifyIn: bool = VERIFY ? assert(secpMagnitude(a, 8) && secpMagnitude(b, 8), 'secp feEqual: input magnitude > 8') : true;
  feSub(TN, a, b, 8);
  return feIsZero(TN);
}

/** Parity of a normalized element. */
export function feIsOdd(a: usize): u32 {
  const verifyIn: bool = VERIFY ? assert(secpNormalized(a), 'secp feIsOdd: input not normalized') : true;
  return load<u32>(a) & 1;
}

/** r = flag ? a : r, with flag 0 or 1, constant time. */
export function feCmov(r: usize, a: usize, flag: u32): void {
  const verifyIn: bool = VERIFY ? assert(flag <= 1, 'secp feCmov: flag not 0 or 1') : true;
  const m = <u32>0 - flag;
  for (let i: usize = 0; i < FE; i += 4) store<u32>(r + i, (load<u32>(r + i) & ~m) | (load<u32>(a + i) & m));
}

/** Loads 32 big-endian bytes; returns 1 if the value is < p (it is stored reduced either way). */
export function feFromBytes(r: usize, p: usize): u32 {
  // Read as eight little-endian u32 words of the 256-bit integer.
  let acc: u64 = 0;
  let bits: u32 = 0;
  let limb: usize = 0;
  for (let i: i32 = 31; i >= 0; i--) {
    acc |= (<u64>load<u8>(p + <usize>i)) << bits;
    bits += 8;
    if (bits >= 26 && limb < 9) {
      store<u32>(r + (limb << 2), <u32>(acc & M26));
      acc >>= 26;
      bits -= 26;
      limb++;
    }
  }
  store<u32>(r, <u32>acc, 36);
  // x < p iff x + 0x1000003D1 does not reach 2^256.
  let c: u64 = <u64>load<u32>(r, 0) + 0x3D1;
  c = (c >> 26) + <u64>load<u32>(r, 4) + 0x40;
  for (let i: usize = 8; i < 36; i += 4) c = (c >> 26) + <u64>load<u32>(r + i);
  c = (c >> 26) + <u64>load<u32>(r, 36);
  const ok = <u32>((c >> 22) ^ 1);
  feNormalize(r, r);
  return ok;
}

/** Writes a normalized element as 32 big-endian bytes. */
export function feToBytes(p: usize, a: usize): void {
  const verifyIn: bool = VERIFY ? assert(secpNormalized(a), 'secp feToBytes: input not normalized') : true;
  let acc: u64 = 0;
  let bits: u32 = 0;
  let limb: usize = 0;
  for (let i: i32 = 31; i >= 0; i--) {
    if (bits < 8) {
      acc |= (<u64>load<u32>(a + (limb << 2))) << bits;
      bits += limb == 9 ? 22 : 26;
      limb++;
    }
    store<u8>(p + <usize>i, <u8>acc);
    acc >>= 8;
    bits -= 8;
  }
}

// Scratch for the exponentiation chains.
const X2: usize = memory.data(40, 16);
const X3: usize = memory.data(40, 16);
const X22: usize = memory.data(40, 16);
const X44: usize = memory.data(40, 16);
const T1: usize = memory.data(40, 16);
const T2: usize = memory.data(40, 16);

function sqrN(r: usize, a: usize, n: i32): void {
  feSqr(r, a);
  for (let i = 1; i < n; i++) feSqr(r, r);
}

/** x223 = a^(2^223 - 1) into T1, with x2, x3, x22 kept (shared by inverse and square root). */
function chain223(a: usize): void {
  feSqr(X2, a); feMul(X2, X2, a);            // a^(2^2-1)
  feSqr(X3, X2); feMul(X3, X3, a);           // a^(2^3-1)
  sqrN(T1, X3, 3); feMul(T1, T1, X3);        // x6
  sqrN(T1, T1, 3); feMul(T1, T1, X3);        // x9
  sqrN(T1, T1, 2); feMul(T1, T1, X2);        // x11
  sqrN(X22, T1, 11); feMul(X22, X22, T1);    // x22
  sqrN(X44, X22, 22); feMul(X44, X44, X22);  // x44
  sqrN(T2, X44, 44); feMul(T2, T2, X44);     // x88
  sqrN(T1, T2, 88); feMul(T1, T1, T2);       // x176
  sqrN(T1, T1, 44); feMul(T1, T1, X44);      // x220
  sqrN(T1, T1, 3); feMul(T1, T1, X3);        // x223
}

/** r = 1/a (0 for a = 0), by safegcd (below); constant time. r may alias a. */
export function feInv(r: usize, a: usize): void {
  feNormalize(TN, a);
  feToS30(SG_X, TN);
  modInv30(SG_X, MOD_P30);
  s30ToFe(r, SG_X);
  feWipe();
}

/** r = a^((p+1)/4); returns 1 if it is a square root of a (p = 3 mod 4). */
export function feSqrt(r: usize, a: usize): u32 {
  chain223(a);
  sqrN(T1, T1, 23); feMul(T1, T1, X22);
  sqrN(T1, T1, 6); feMul(T1, T1, X2);
  sqrN(T1, T1, 2);
  feSqr(T2, T1);
  const ok = feEqual(T2, a);
  feCopy(r, T1);
  feWipe();
  return ok;
}

export function feWipe(): void {
  memory.fill(X2, 0, 40); memory.fill(X3, 0, 40); memory.fill(X22, 0, 40);
  memory.fill(X44, 0, 40); memory.fill(T1, 0, 40); memory.fill(T2, 0, 40); memory.fill(TN, 0, 40);
  memory.fill(SG_X, 0, 40); memory.fill(SG_D, 0, 40); memory.fill(SG_E, 0, 40);
  memory.fill(SG_F, 0, 40); memory.fill(SG_G, 0, 40);
  tu = 0; tv = 0; tq = 0; tr = 0;
}

// ---------------------------------------------------------------- safegcd inversion
//
// Modular inversion by the "divsteps" of Bernstein and Yang, "Fast
// constant-time gcd computation and modular inversion" (TCHES 2019), in the
// form with delta starting at 1/2 and the 2x2 transition matrices batched 30
// divsteps at a time (the refinement libsecp256k1 documents in its
// safegcd_implementation.md; this code is ours). Numbers are held in "signed
// 30-bit" form: nine i32 limbs, value = sum l[i] 2^(30 i), limbs 0..7 in
// [0, 2^30) after every update and the top limb signed. 30 is the largest
// batch whose matrix entries (|u|, |v|, |q|, |r| <= 2^30) keep every product
// with a limb, and a sum of three of them, inside an i64: WASM has a 64-bit
// multiply but no 64x64->128.
//
// For a 256-bit modulus 590 divsteps always reach g = 0 (Bernstein-Yang's
// bound for this variant, hddivsteps), so 20 batches of 30 run for every
// input: the step count, every address and every branch are independent of
// the value, and the same code serves secret inputs (signing nonces, the
// projective Z of k*G) and public ones. It replaces the Fermat exponentiation
// chains (a^(p-2): 255 squarings and 15 multiplications; a^(n-2): 256
// Montgomery squarings and 56 products) at a fraction of their cost:
// measured against native libsecp256k1, getPublicKey 0.63x -> 0.77x, ECDSA
// sign 0.67x -> 0.99x, verify 0.45x -> 0.54x, recover 0.45x -> 0.53x.
//
// A modulus descriptor is 10 i32: the modulus in signed-30 limbs, then its
// inverse mod 2^30 (scripts/gen-secp256k1.mjs derives and checks both).
const MOD_P30: usize = memory.data<i32>([0x3ffffc2f, 0x3ffffffb, 0x3fffffff, 0x3fffffff, 0x3fffffff, 0x3fffffff, 0x3fffffff, 0x3fffffff, 0xffff, 0x2ddacacf]);
export const MOD_N30: usize = memory.data<i32>([0x10364141, 0x3f497a33, 0x348a03bb, 0x2bb739ab, 0x3ffffeba, 0x3fffffff, 0x3fffffff, 0x3fffffff, 0xffff, 0x2a774ec1]);
const M30: u32 = 0x3fffffff;
export const SG_X: usize = memory.data(40, 16);
const SG_D: usize = memory.data(40, 16);
const SG_E: usize = memory.data(40, 16);
const SG_F: usize = memory.data(40, 16);
const SG_G: usize = memory.data(40, 16);
// The transition matrix of the last batch, scaled by 2^30.
let tu: i32 = 0, tv: i32 = 0, tq: i32 = 0, tr: i32 = 0;

/**
 * 30 divsteps on the low 32 bits of f and g (all a batch of 30 can look at),
 * leaving the matrix in tu, tv, tq, tr. zeta = -(delta + 1/2). Each step is
 *   delta > 0 and g odd: (delta, f, g) <- (1 - delta, g, (g - f) / 2)
 *   g odd:               (delta, f, g) <- (1 + delta, f, (g + f) / 2)
 *   g even:              (delta, f, g) <- (1 + delta, f, g / 2)
 * computed with masks only. q, r are not halved with g; u, v double instead,
 * which scales the matrix by 2^30.
 */
function divsteps30(zeta: i32, f0: u32, g0: u32): i32 {
  let u: u32 = 1, v: u32 = 0, q: u32 = 0, r: u32 = 1;
  let f = f0, g = g0;
  for (let i = 0; i < 30; i++) {
    const c1 = <u32>(zeta >> 31);            // all ones iff delta > 0
    const c2 = <u32>0 - (g & 1);             // all ones iff g is odd
    g += ((f ^ c1) - c1) & c2;               // g +- f when g is odd
    q += ((u ^ c1) - c1) & c2;
    r += ((v ^ c1) - c1) & c2;
    const c3 = c1 & c2;                      // the swap case
    zeta = (zeta ^ <i32>c3) - 1;
    f += g & c3;                             // f <- old g
    u += q & c3;
    v += r & c3;
    g >>= 1;
    u <<= 1;
    v <<= 1;
  }
  tu = <i32>u; tv = <i32>v; tq = <i32>q; tr = <i32>r;
  return zeta;
}

/**
 * (d, e) <- (u d + v e, q d + r e) / 2^30 mod M, with d, e in (-2M, M) kept
 * there: multiples of M chosen from the signs of d and e, then corrected so
 * the low 30 bits of each sum vanish (using M^-1 mod 2^30), are added first.
 */
function updateDE(d: usize, e: usize, mi: usize): void {
  const u = <i64>tu, v = <i64>tv, q = <i64>tq, r = <i64>tr;
  const sd = load<i32>(d, 32) >> 31, se = load<i32>(e, 32) >> 31;
  let md: i32 = (tu & sd) + (tv & se);
  let me: i32 = (tq & sd) + (tr & se);
  const d0 = <i64>load<i32>(d), e0 = <i64>load<i32>(e);
  let cd: i64 = u * d0 + v * e0;
  let ce: i64 = q * d0 + r * e0;
  const minv = load<u32>(mi, 36);
  md -= <i32>((minv * <u32>cd + <u32>md) & M30);
  me -= <i32>((minv * <u32>ce + <u32>me) & M30);
  const m0 = <i64>load<i32>(mi);
  cd += m0 * <i64>md;
  ce += m0 * <i64>me;
  cd >>= 30;
  ce >>= 30;
  for (let i: usize = 4; i < 36; i += 4) {
    const di = <i64>load<i32>(d + i), ei = <i64>load<i32>(e + i), mm = <i64>load<i32>(mi + i);
    cd += u * di + v * ei + mm * <i64>md;
    ce += q * di + r * ei + mm * <i64>me;
    store<i32>(d + i - 4, <i32>cd & <i32>M30);
    store<i32>(e + i - 4, <i32>ce & <i32>M30);
    cd >>= 30;
    ce >>= 30;
  }
  store<i32>(d, <i32>cd, 32);
  store<i32>(e, <i32>ce, 32);
}

/** (f, g) <- (u f + v g, q f + r g) / 2^30 (exact: the matrix makes the low 30 bits zero). */
function updateFG(f: usize, g: usize): void {
  const u = <i64>tu, v = <i64>tv, q = <i64>tq, r = <i64>tr;
  const f0 = <i64>load<i32>(f), g0 = <i64>load<i32>(g);
  let cf: i64 = (u * f0 + v * g0) >> 30;
  let cg: i64 = (q * f0 + r * g0) >> 30;
  for (let i: usize = 4; i < 36; i += 4) {
    const fi = <i64>load<i32>(f + i), gi = <i64>load<i32>(g + i);
    cf += u * fi + v * gi;
    cg += q * fi + r * gi;
    store<i32>(f + i - 4, <i32>cf & <i32>M30);
    store<i32>(g + i - 4, <i32>cg & <i32>M30);
    cf >>= 30;
    cg >>= 30;
  }
  store<i32>(f, <i32>cf, 32);
  store<i32>(g, <i32>cg, 32);
}

/** r <- d (in (-2M, M)) times sign (f = +-1 at the end, sign = f's top limb) reduced into [0, M). */
function normalize30(r: usize, d: usize, sign: i32, mi: usize): void {
  const add1 = load<i32>(d, 32) >> 31;       // d < 0: add M once
  const neg = sign >> 31;                    // f = -1: negate
  for (let i: usize = 0; i < 36; i += 4) {
    const x = load<i32>(d + i) + (load<i32>(mi + i) & add1);
    store<i32>(r + i, (x ^ neg) - neg);
  }
  carry30(r);
  const add2 = load<i32>(r, 32) >> 31;       // still < 0: add M again
  for (let i: usize = 0; i < 36; i += 4) store<i32>(r + i, load<i32>(r + i) + (load<i32>(mi + i) & add2));
  carry30(r);
}

// @ts-ignore: decorator
@inline
function carry30(r: usize): void {
  for (let i: usize = 0; i < 32; i += 4) {
    const x = load<i32>(r + i);
    store<i32>(r + i + 4, load<i32>(r + i + 4) + (x >> 30));
    store<i32>(r + i, x & <i32>M30);
  }
}

/**
 * x <- x^-1 mod M for x in [0, M) in signed-30 limbs (0 maps to 0), with
 * `mi` a modulus descriptor (MOD_P30, MOD_N30). Constant time.
 */
export function modInv30(x: usize, mi: usize): void {
  memory.fill(SG_D, 0, 36);
  memory.fill(SG_E, 0, 36);
  store<i32>(SG_E, 1);
  memory.copy(SG_F, mi, 36);
  memory.copy(SG_G, x, 36);
  // Invariants: f = d x 2^-k, g = e x 2^-k (mod M) after k divsteps.
  let zeta: i32 = -1;                        // delta = 1/2
  for (let i = 0; i < 20; i++) {             // 20 x 30 = 600 >= 590 divsteps
    zeta = divsteps30(zeta, load<u32>(SG_F), load<u32>(SG_G));
    updateDE(SG_D, SG_E, mi);
    updateFG(SG_F, SG_G);
  }
  // Now g = 0 and f = +-gcd = +-1, so x^-1 = +-d.
  normalize30(x, SG_D, load<i32>(SG_F, 32), mi);
}

/** A normalized 10x26 element -> signed-30 limbs. */
function feToS30(r: usize, a: usize): void {
  let acc: u64 = 0;
  let bits: u64 = 0;
  let o: usize = 0;
  for (let i: usize = 0; i < 40; i += 4) {
    acc |= <u64>load<u32>(a + i) << bits;
    bits += 26;
    if (bits >= 30) {
      store<u32>(r + o, <u32>acc & M30);
      o += 4;
      acc >>= 30;
      bits -= 30;
    }
  }
  store<u32>(r + o, <u32>acc);
}

/** Signed-30 limbs of a value in [0, p) -> 10x26 (normalized). */
function s30ToFe(r: usize, a: usize): void {
  let acc: u64 = 0;
  let bits: u64 = 0;
  let o: usize = 0;
  for (let i: usize = 0; i < 36; i += 4) {
    acc |= <u64>load<u32>(a + i) << bits;
    bits += 30;
    while (bits >= 26 && o < 36) {
      store<u32>(r + o, <u32>(acc & M26));
      o += 4;
      acc >>= 26;
      bits -= 26;
    }
  }
  store<u32>(r, <u32>acc, 36);
}
