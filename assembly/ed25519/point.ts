// Points of edwards25519, -x^2 + y^2 = 1 + d x^2 y^2 (RFC 8032 §5.1), in the
// coordinates of Hisil, Wong, Carter, Dawson, "Twisted Edwards curves
// revisited" (2008), §3 (a = -1):
//   P3        extended (X : Y : Z : T), x = X/Z, y = Y/Z, T = XY/Z  (160 bytes)
//   P2        projective (X : Y : Z), same layout with T unused
//   completed (E, F, G, H): the result of an add or double before its last
//             multiplications; X = EF, Y = GH, Z = FG, T = EH        (160 bytes)
//   cached    (Y+X, Y-X, Z, 2dT), a P3 prepared as an addend            (160 bytes)
//   niels     (y+x, y-x, 2dxy), an affine addend (Z = 1)                (120 bytes)
// All formulas are complete on this curve (d is not a square), so identity
// and doubling need no special cases: the same instructions run for every
// input, which is what the constant-time fixed-base multiplication relies on.

import {
  D, D2, SQRTM1, feAdd, feSub, feMul, feSq, feNeg, feOne, feZero, feCopy, feCarry,
  feToBytes, feFromBytes, feIsNegative, feIsZero, feInvert, fePow22523, feWipe,
} from './field';

export const X: usize = 0;
export const Y: usize = 40;
export const Z: usize = 80;
export const T: usize = 120;
export const P3_SIZE: usize = 160;
export const NIELS_SIZE: usize = 120;

const TA: usize = memory.data(40, 16);
const TB: usize = memory.data(40, 16);
const TC: usize = memory.data(40, 16);
const TD: usize = memory.data(40, 16);

/** Zeroes the scratch of this module and of field.ts (it held secret-dependent values). */
export function pointWipe(): void {
  memory.fill(TA, 0, 40); memory.fill(TB, 0, 40); memory.fill(TC, 0, 40); memory.fill(TD, 0, 40);
  feWipe();
}

/** p = the neutral element (0 : 1 : 1 : 0). */
export function p3Identity(p: usize): void {
  feZero(p + X); feOne(p + Y); feOne(p + Z); feZero(p + T);
}

/** r (completed) = 2p, reading only X, Y, Z of p ("dbl-2008-hwcd", 4S + adds).
 *  With a = -1: E = (X+Y)^2 - A - B, G = B - A, F = G - C, H = -A - B for
 *  A = X^2, B = Y^2, C = 2Z^2. We store -E, -G, -F, -H instead: x = E/G and
 *  y = H/F do not change when both parts of a ratio change sign, and this
 *  saves the negations. */
export function dbl(r: usize, p: usize): void {
  feSq(TA, p + X);                  // A
  feSq(TB, p + Y);                  // B
  feSq(TC, p + Z); feAdd(TC, TC, TC); // C
  feAdd(TD, p + X, p + Y); feSq(TD, TD); // (X+Y)^2
  feAdd(r + T, TA, TB);             // -H = A + B
  feSub(r + X, r + T, TD);          // -E = A + B - (X+Y)^2
  feSub(r + Z, TA, TB);             // -G = A - B
  feAdd(r + Y, TC, r + Z);          // -F = C - G
}

/** p (P3) = completed r: X = EF, Y = GH, Z = FG, T = EH. */
export function toP3(p: usize, r: usize): void {
  feMul(p + X, r + X, r + Y);
  feMul(p + Y, r + Z, r + T);
  feMul(p + Z, r + Y, r + Z);
  feMul(p + T, r + X, r + T);
}

/** p (P2) = completed r, skipping T when the next step is a doubling. */
export function toP2(p: usize, r: usize): void {
  feMul(p + X, r + X, r + Y);
  feMul(p + Y, r + Z, r + T);
  feMul(p + Z, r + Y, r + Z);
}

/** c (cached) = p (P3). */
export function toCached(c: usize, p: usize): void {
  feAdd(c, p + Y, p + X);
  feSub(c + 40, p + Y, p + X);
  feCopy(c + 80, p + Z);
  feMul(c + 120, p + T, D2);
}

// "add-2008-hwcd-3": A = (Y1-X1)(Y2-X2), B = (Y1+X1)(Y2+X2), C = T1 2d T2,
// D = 2 Z1 Z2; E = B - A, F = D - C, G = D + C, H = B + A. Subtracting q is
// adding (-x, y): swap Y+X with Y-X and negate 2dT, i.e. swap F and G.

/** r (completed) = p (P3) + q (cached); 8M. */
export function addCached(r: usize, p: usize, q: usize): void {
  feAdd(TA, p + Y, p + X); feMul(TB, TA, q);       // B
  feSub(TA, p + Y, p + X); feMul(TA, TA, q + 40);  // A
  feMul(TC, p + T, q + 120);                       // C
  feMul(TD, p + Z, q + 80); feAdd(TD, TD, TD);     // D
  feSub(r + X, TB, TA);
  feSub(r + Y, TD, TC);
  feAdd(r + Z, TD, TC);
  feAdd(r + T, TB, TA);
}

/** r (completed) = p (P3) - q (cached). */
export function subCached(r: usize, p: usize, q: usize): void {
  feAdd(TA, p + Y, p + X); feMul(TB, TA, q + 40);
  feSub(TA, p + Y, p + X); feMul(TA, TA, q);
  feMul(TC, p + T, q + 120);
  feMul(TD, p + Z, q + 80); feAdd(TD, TD, TD);
  feSub(r + X, TB, TA);
  feAdd(r + Y, TD, TC);
  feSub(r + Z, TD, TC);
  feAdd(r + T, TB, TA);
}

/** r (completed) = p (P3) + q (niels); 7M (Z2 = 1). */
export function addNiels(r: usize, p: usize, q: usize): void {
  feAdd(TA, p + Y, p + X); feMul(TB, TA, q);
  feSub(TA, p + Y, p + X); feMul(TA, TA, q + 40);
  feMul(TC, p + T, q + 80);
  feAdd(TD, p + Z, p + Z);
  feSub(r + X, TB, TA);
  feSub(r + Y, TD, TC);
  feAdd(r + Z, TD, TC);
  feAdd(r + T, TB, TA);
}

/** r (completed) = p (P3) - q (niels). */
export function subNiels(r: usize, p: usize, q: usize): void {
  feAdd(TA, p + Y, p + X); feMul(TB, TA, q + 40);
  feSub(TA, p + Y, p + X); feMul(TA, TA, q);
  feMul(TC, p + T, q + 80);
  feAdd(TD, p + Z, p + Z);
  feSub(r + X, TB, TA);
  feAdd(r + Y, TD, TC);
  feSub(r + Z, TD, TC);
  feAdd(r + T, TB, TA);
}

/** n (niels) = affine p given 1/Z: (y+x, y-x, 2dxy), carried. */
export function toNiels(n: usize, p: usize, zinv: usize): void {
  feMul(TA, p + X, zinv);
  feMul(TB, p + Y, zinv);
  feAdd(n, TB, TA); feCarry(n);
  feSub(n + 40, TB, TA); feCarry(n + 40);
  feMul(TC, TA, TB);
  feMul(n + 80, TC, D2);
}

/** RFC 8032 §5.1.2: 32 bytes = y (canonical, little-endian) with bit 255 = x mod 2. p is P2 or P3. */
export function encode(s: usize, p: usize): void {
  feInvert(TD, p + Z);
  encodeWithInverse(s, p, TD);
}

/** encode() given zinv = 1/Z, so that callers can share one inversion between points. */
export function encodeWithInverse(s: usize, p: usize, zinv: usize): void {
  feMul(TB, p + X, zinv);
  feMul(TC, p + Y, zinv);
  feToBytes(s, TC);
  store<u8>(s + 31, load<u8>(s + 31) | <u8>(feIsNegative(TB) << 7));
}

/** Encodes two points with one inversion (Montgomery's trick): 1/Z1 = Z2/(Z1 Z2), 1/Z2 = Z1/(Z1 Z2). */
export function encode2(s1: usize, p1: usize, s2: usize, p2: usize): void {
  feMul(TA, p1 + Z, p2 + Z);
  feInvert(TA, TA);
  feMul(TD, TA, p2 + Z);
  encodeWithInverse(s1, p1, TD);
  feMul(TD, TA, p1 + Z);
  encodeWithInverse(s2, p2, TD);
}

/** 1 if the 32 bytes at s encode a y >= p (RFC 8032 §5.1.3 step 1 rejects them). Public input only. */
export function isNonCanonicalY(s: usize): bool {
  if ((load<u8>(s + 31) & 0x7f) != 0x7f) return false;
  for (let i: usize = 1; i < 31; i++) if (load<u8>(s + i) != 0xff) return false;
  return load<u8>(s) >= 0xed;
}

const U: usize = memory.data(40, 16);
const V: usize = memory.data(40, 16);
const W: usize = memory.data(40, 16);

/**
 * RFC 8032 §5.1.3 point decoding into p (P3). Returns false when y >= p, when
 * no x satisfies the curve equation, or when x = 0 with the sign bit set.
 * Used on public data only (the key and points in verify), so it may branch.
 */
export function decode(p: usize, s: usize): bool {
  if (!decodeStart(p, s)) return false;
  fePow22523(p + X, p + X);
  return decodeEnd(p, s);         // U, V, W still hold what decodeStart left
}

/**
 * decode in two halves around its exponentiation, so that batch verification
 * can run two exponentiations at once (fpow.ts): decodeStart sets y (and Z =
 * 1) and leaves in p + X the radicand u v^7 (false when y >= p), the caller
 * raises p + X to (p-5)/8 (fePow22523), and decodeFinish completes the point
 * (it recomputes u, v and v^3 from y: other decodings may run in between).
 */
export function decodeStart(p: usize, s: usize): bool {
  if (isNonCanonicalY(s)) return false;
  feFromBytes(p + Y, s);
  feOne(p + Z);
  decodeUV(p);
  feSq(p + X, W); feMul(p + X, p + X, V); feMul(p + X, p + X, U); // u v^7
  return true;
}

// U = y^2 - 1, V = d y^2 + 1, W = v^3 for the y of p (Z = 1).
function decodeUV(p: usize): void {
  feSq(U, p + Y);
  feMul(V, U, D);
  feSub(U, U, p + Z);            // u = y^2 - 1
  feAdd(V, V, p + Z);            // v = d y^2 + 1
  feSq(W, V); feMul(W, W, V);    // v^3
}

/** The second half of decode: p + X holds (u v^7)^((p-5)/8) (see decodeStart). */
export function decodeFinish(p: usize, s: usize): bool {
  decodeUV(p);
  return decodeEnd(p, s);
}

function decodeEnd(p: usize, s: usize): bool {
  const sign = <i32>(load<u8>(s + 31) >> 7);
  // x = u v^3 (u v^7)^((p-5)/8)  (step 2)
  feMul(p + X, p + X, W); feMul(p + X, p + X, U);
  // step 3: v x^2 = u -> x; v x^2 = -u -> x sqrt(-1); otherwise no square root.
  feSq(W, p + X); feMul(W, W, V);
  feSub(TA, W, U);
  if (!feIsZero(TA)) {
    feAdd(TA, W, U);
    if (!feIsZero(TA)) return false;
    feMul(p + X, p + X, SQRTM1);
  }
  // step 4
  if (feIsZero(p + X) && sign == 1) return false;
  if (feIsNegative(p + X) != sign) feNeg(p + X, p + X);
  feMul(p + T, p + X, p + Y);
  return true;
}

const SO: usize = memory.data(320, 16);

/** true if [8]p is the identity, i.e. p has order 1, 2, 4 or 8 (X = 0 after three doublings). */
export function isSmallOrder(p: usize): bool {
  dbl(SO, p); toP2(SO + 160, SO);
  dbl(SO, SO + 160); toP2(SO + 160, SO);
  dbl(SO, SO + 160); toP2(SO + 160, SO);
  return feIsZero(SO + 160 + X) != 0;
}
