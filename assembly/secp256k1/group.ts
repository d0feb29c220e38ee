// The group law of y^2 = x^3 + 7 over F_p (SEC 2 §2.4.1).
//
// Two families of formulas:
//  * Jacobian (X, Y, Z) ~ (X/Z^2, Y/Z^3) with an explicit infinity flag, for
//    public data only (verification, recovery, public tweaks, table
//    building). These branch on the doubling/infinity cases.
//  * Homogeneous projective (X, Y, Z) ~ (X/Z, Y/Z) with the complete mixed
//    addition of Renes-Costello-Batina 2015 (Algorithm 8, a = 0, b3 = 21),
//    for secret scalars: it has no exceptional case at all (the identity is
//    (0:1:0)), so fixed-base multiplication runs with no branch on data.
//
// Layouts (field elements are 40 bytes, see field.ts):
//   affine  GE : x @0, y @40, infinity flag (u32) @80       (GE_SIZE 88)
//   table   TE : x @0, y @40                                 (80 bytes)
//   Jacobian GEJ: X @0, Y @40, Z @80, infinity flag @120     (GEJ_SIZE 128)
// Group outputs keep every coordinate at magnitude <= 4.

import {
  FE, feMul, feSqr, feAdd, feSub, feNeg, feMulSmall, feNormWeak, feNormalize, feIsZero, feCopy, feSetInt,
  feInv, feSqrt, feFromBytes, feCmov, feIsOdd, feEqual,
} from './field';
import { feMul2 as feMul2Simd, feSqr2 as feSqr2Simd } from './pair';
import { scFromBytes } from './scalar';

// The Jacobian formulas pair independent products in the two SIMD lanes
// (pair.ts), which pays in verification. The core module (build/vaultkey.wasm)
// only runs them to build its signing table and for public BIP-32 tweaks, one
// addition after a constant-time k*G, so scripts/build-wasm.mjs compiles it
// with `--use VAULTKEY_SECP_SCALAR_PAIRS=1`: the products one after the
// other, and pair.ts stays in build/secp256k1-verify.wasm (measured: the core
// module 13.8 -> 12.5 KB gzipped; sign and publicAdd within 1% of before, A/B in one process).
// @ts-ignore: VAULTKEY_SECP_SCALAR_PAIRS exists only when asc is given --use VAULTKEY_SECP_SCALAR_PAIRS=<n>
const SCALAR_PAIRS: bool = isDefined(VAULTKEY_SECP_SCALAR_PAIRS) ? VAULTKEY_SECP_SCALAR_PAIRS != 0 : false;

/** r1 = x1 y1 and r2 = x2 y2 (feMul's bounds). r1 must not be x2 or y2: unpaired, r1 is written first. */
// @ts-ignore: decorator
@inline function feMul2(r1: usize, x1: usize, y1: usize, r2: usize, x2: usize, y2: usize): void {
  if (SCALAR_PAIRS) {
    feMul(r1, x1, y1);
    feMul(r2, x2, y2);
  } else feMul2Simd(r1, x1, y1, r2, x2, y2);
}

/** r1 = x1^2 and r2 = x2^2 (feSqr's bounds). r1 must not be x2. */
// @ts-ignore: decorator
@inline function feSqr2(r1: usize, x1: usize, r2: usize, x2: usize): void {
  if (SCALAR_PAIRS) {
    feSqr(r1, x1);
    feSqr(r2, x2);
  } else feSqr2Simd(r1, x1, r2, x2);
}

export const GE_SIZE: usize = 88;
export const TE_SIZE: usize = 80;
export const GEJ_SIZE: usize = 128;

// Scratch field elements for the formulas.
const SCR: usize = memory.data(40 * 16, 16);
const A_: usize = SCR;
const B_: usize = SCR + 40;
const C_: usize = SCR + 80;
const D_: usize = SCR + 120;
const E_: usize = SCR + 160;
const F_: usize = SCR + 200;
const H_: usize = SCR + 240;
const R_: usize = SCR + 280;
const U1: usize = SCR + 320;
const S1: usize = SCR + 360;
const T0: usize = SCR + 400;
const T1: usize = SCR + 440;
const T2: usize = SCR + 480;
const T3: usize = SCR + 520;
const T4: usize = SCR + 560;
const T5: usize = SCR + 600;

export function groupWipe(): void {
  memory.fill(SCR, 0, 40 * 16);
}

// ---------------------------------------------------------------- affine

export function geIsInf(a: usize): bool {
  return load<u32>(a, 80) != 0;
}

export function geSetInf(r: usize): void {
  memory.fill(r, 0, GE_SIZE);
  store<u32>(r, 1, 80);
}

/** 1 if (x, y) (normalized or not, magnitude <= 4) lies on the curve. */
export function geOnCurve(a: usize): u32 {
  feSqr(T0, a);            // x^2
  feMul(T0, T0, a);        // x^3
  feSetInt(T1, 7);
  feAdd(T0, T0, T1);       // x^3 + 7
  feSqr(T1, a + FE);       // y^2
  return feEqual(T0, T1);
}

/**
 * Lifts an x coordinate (field element, magnitude 1) to the point with the
 * given y parity; returns 0 if x^3 + 7 is not a square. Public data only.
 */
export function geSetXo(r: usize, x: usize, odd: u32): u32 {
  feNormalize(r, x);
  feSqr(T0, r);
  feMul(T0, T0, r);
  feSetInt(T1, 7);
  feAdd(T0, T0, T1);
  const ok = feSqrt(r + FE, T0);
  feNormalize(r + FE, r + FE);
  if (feIsOdd(r + FE) != odd) feNeg(r + FE, r + FE, 1);
  feNormalize(r + FE, r + FE);
  store<u32>(r, 0, 80);
  return ok;
}

// ---------------------------------------------------------------- Jacobian (public data)

export function gejIsInf(a: usize): bool {
  return load<u32>(a, 120) != 0;
}

export function gejSetInf(r: usize): void {
  memory.fill(r, 0, GEJ_SIZE);
  store<u32>(r, 1, 120);
}

export function gejSetGe(r: usize, a: usize): void {
  feCopy(r, a);
  feCopy(r + FE, a + FE);
  feSetInt(r + 2 * FE, 1);
  store<u32>(r, load<u32>(a, 80), 120);
}

export function gejCopy(r: usize, a: usize): void {
  memory.copy(r, a, GEJ_SIZE);
}

/**
 * r = 2a (dbl-2009-l, a = 0). r may alias a. No point of order 2 exists, so
 * Y != 0. (Measured: keeping D halved and 3A unreduced, one reduction and
 * one small multiplication fewer, was neutral for verify (+0.5%) -> kept.)
 */
export function gejDoubleV(r: usize, a: usize): void {
  if (gejIsInf(a)) { gejSetInf(r); return; }
  const X = a, Y = a + FE, Z = a + 2 * FE;
  // Paired products (pair.ts): X^2 with Y^2, then B^2 with (X + B)^2, then
  // YZ with E^2: 4 steps instead of 7 products.
  feSqr2(A_, X, B_, Y);     // A = X^2, B = Y^2                 (1, 1)
  feAdd(D_, X, B_);         // X + B         (<= 5)
  feMulSmall(E_, A_, 3);    // E = 3A        (1)
  feSqr2(C_, B_, D_, D_);   // C = B^2, (X + B)^2               (1, 1)
  feMul2(T5, Y, Z, F_, E_, E_); // YZ, F = E^2                  (1, 1)
  feSub(D_, D_, A_, 1);     //               (3)
  feSub(D_, D_, C_, 1);     //               (5)
  feAdd(D_, D_, D_);        // D             (10)
  feNormWeak(D_, D_);       //               (1)
  feAdd(T0, D_, D_);        // 2D            (2)
  feSub(r, F_, T0, 2);      // X3 = F - 2D   (4)
  feSub(T0, D_, r, 4);      // D - X3        (6)
  feMul(T0, E_, T0);        //               (1)
  feMulSmall(C_, C_, 8);    // 8C            (1)
  feSub(r + FE, T0, C_, 1); // Y3            (3)
  feAdd(r + 2 * FE, T5, T5); // Z3 = 2YZ     (2)
  store<u32>(r, 0, 120);
}

/** r = a + b with b affine (madd, public data). r may alias a. */
export function gejAddGeV(r: usize, a: usize, b: usize): void {
  if (geIsInf(b)) { if (r != a) gejCopy(r, a); return; }
  if (gejIsInf(a)) { gejSetGe(r, b); return; }
  const Z1 = a + 2 * FE;
  feSqr(T0, Z1);                 // Z1^2
  feMul2(U1, b, T0, T0, T0, Z1); // U2 = x2 Z1^2, Z1^3
  feMul(S1, b + FE, T0);         // S2 = y2 Z1^3
  addTail(r, a);
}

/**
 * The end of a mixed addition, shared by gejAddGeV and gejAddZinvV: with
 * U2 in U1 and S2 in S1 (b's coordinates brought to a's Z), r = a + b.
 */
// @ts-ignore: decorator
@inline
function addTail(r: usize, a: usize): void {
  const X1 = a, Y1 = a + FE, Z1 = a + 2 * FE;
  feSub(H_, U1, X1, 4);          // H = U2 - X1   (6)
  feSub(R_, S1, Y1, 4);          // R = S2 - Y1   (6)
  if (feIsZero(H_)) {
    if (feIsZero(R_)) gejDoubleV(r, a); else gejSetInf(r);
    return;
  }
  addFinish(r, X1, Y1, Z1);
}

/** X3, Y3, Z3 from H (H_), R (R_) and a's coordinates; r may alias a. */
// @ts-ignore: decorator
@inline
function addFinish(r: usize, X1: usize, Y1: usize, Z1: usize): void {
  // Paired products (pair.ts): 4 steps instead of 7.
  feMul2(r + 2 * FE, Z1, H_, T1, H_, H_); // Z3 = Z1 H, HH (Z1 is read before X1/Y1 are overwritten below)
  feMul2(T2, H_, T1, T3, X1, T1); // HHH, V = X1 HH
  feMul2(T4, Y1, T2, T0, R_, R_); // Y1 HHH (before Y1 is overwritten), R^2
  feSub(T0, T0, T2, 1);          // R^2 - HHH    (3)
  feSub(T0, T0, T3, 1);          //              (5)
  feSub(T0, T0, T3, 1);          //              (7)
  feNormWeak(r, T0);             // X3           (1)
  feSub(T0, T3, r, 1);           // V - X3       (3)
  feMul(T0, T0, R_);             //              (1)
  feSub(r + FE, T0, T4, 1);      // Y3           (3)
  store<u32>(r, 0, 120);
}

/**
 * r = a + b where a is Jacobian over "effective affine" coordinates whose
 * true Z is a's Z times `zg`, and b is a true affine point (not infinity):
 * b is brought to a's frame on the fly (x zg^2, y zg^3 relative to Z1, i.e.
 * U2 = x (Z1 zg)^2, S2 = y (Z1 zg)^3), so the result stays in a's frame.
 * One multiplication more than gejAddGeV and no inversion (the idea of
 * libsecp256k1's gej_add_zinv_var). Public data. r may alias a.
 */
export function gejAddZinvV(r: usize, a: usize, b: usize, zg: usize): void {
  if (gejIsInf(a)) {
    feSqr(T0, zg);
    feMul(r, b, T0);
    feMul(T0, T0, zg);
    feMul(r + FE, b + FE, T0);
    feSetInt(r + 2 * FE, 1);
    store<u32>(r, 0, 120);
    return;
  }
  feMul(T5, a + 2 * FE, zg);     // Z1 zg
  feSqr(T0, T5);
  feMul2(U1, b, T0, T0, T0, T5); // U2, (Z1 zg)^3
  feMul(S1, b + FE, T0);         // S2
  addTail(r, a);
}

/**
 * r = a + b (b affine) for inputs known to need no special case (a not
 * infinity, a != +-b), also writing H, the ratio Z3 / Z1, to `zr`. Used to
 * build odd-multiple tables whose Z ratios are kept. Public data.
 */
export function gejAddGeZrV(r: usize, a: usize, b: usize, zr: usize): void {
  const X1 = a, Y1 = a + FE, Z1 = a + 2 * FE;
  feSqr(T0, Z1);
  feMul2(U1, b, T0, T0, T0, Z1);
  feMul(S1, b + FE, T0);
  feSub(H_, U1, X1, 4);
  feSub(R_, S1, Y1, 4);
  feNormWeak(zr, H_);
  addFinish(r, X1, Y1, Z1);
}

/** r = a + b, both Jacobian (add-2007-bl style, public data). r may alias a or b. */
export function gejAddV(r: usize, a: usize, b: usize): void {
  if (gejIsInf(a)) { if (r != b) gejCopy(r, b); return; }
  if (gejIsInf(b)) { if (r != a) gejCopy(r, a); return; }
  const X1 = a, Y1 = a + FE, Z1 = a + 2 * FE;
  const X2 = b, Y2 = b + FE, Z2 = b + 2 * FE;
  feSqr(A_, Z1);                 // Z1Z1
  feSqr(B_, Z2);                 // Z2Z2
  feMul(U1, X1, B_);             // U1
  feMul(C_, X2, A_);             // U2
  feMul(S1, Y1, Z2);
  feMul(S1, S1, B_);             // S1
  feMul(D_, Y2, Z1);
  feMul(D_, D_, A_);             // S2
  feSub(H_, C_, U1, 1);          // H (3)
  feSub(R_, D_, S1, 1);          // R (3)
  if (feIsZero(H_)) {
    if (feIsZero(R_)) gejDoubleV(r, a); else gejSetInf(r);
    return;
  }
  feMul(T5, Z1, Z2);
  feMul(r + 2 * FE, T5, H_);     // Z3 = Z1 Z2 H
  feSqr(T1, H_);                 // HH
  feMul(T2, H_, T1);             // HHH
  feMul(T3, U1, T1);             // V
  feMul(T4, S1, T2);             // S1 HHH
  feSqr(T0, R_);
  feSub(T0, T0, T2, 1);
  feSub(T0, T0, T3, 1);
  feSub(T0, T0, T3, 1);
  feNormWeak(r, T0);             // X3 (1)
  feSub(T0, T3, r, 1);
  feMul(T0, T0, R_);
  feSub(r + FE, T0, T4, 1);      // Y3 (3)
  store<u32>(r, 0, 120);
}

/** r (affine, normalized) = a (Jacobian). One inversion. */
export function geSetGej(r: usize, a: usize): void {
  if (gejIsInf(a)) { geSetInf(r); return; }
  feInv(T0, a + 2 * FE);
  feSqr(T1, T0);
  feMul(r, a, T1);
  feMul(T1, T1, T0);
  feMul(r + FE, a + FE, T1);
  feNormalize(r, r);
  feNormalize(r + FE, r + FE);
  store<u32>(r, 0, 80);
}

/**
 * Batch normalization (Montgomery's trick): n Jacobian points at `inp`
 * (stride GEJ_SIZE, none at infinity, Z != 0) to affine x,y at `out` with
 * stride `ostride`, using one inversion and 3(n-1) multiplications.
 * `scratch` needs n * 40 bytes. Public data only.
 */
export function gejBatchToAffine(out: usize, ostride: usize, inp: usize, n: usize, scratch: usize): void {
  if (n == 0) return;
  // scratch[i] = Z_0 * ... * Z_i
  feCopy(scratch, inp + 2 * FE);
  for (let i: usize = 1; i < n; i++) {
    feMul(scratch + i * FE, scratch + (i - 1) * FE, inp + i * GEJ_SIZE + 2 * FE);
  }
  feInv(T5, scratch + (n - 1) * FE);      // 1 / (Z_0 ... Z_{n-1})
  for (let i: isize = <isize>n - 1; i >= 0; i--) {
    const p = inp + <usize>i * GEJ_SIZE;
    if (i > 0) {
      feMul(T0, T5, scratch + (<usize>i - 1) * FE);  // 1/Z_i
      feMul(T5, T5, p + 2 * FE);                      // 1/(Z_0..Z_{i-1})
    } else {
      feCopy(T0, T5);
    }
    feSqr(T1, T0);
    const o = out + <usize>i * ostride;
    feMul(o, p, T1);
    feMul(T1, T1, T0);
    feMul(o + FE, p + FE, T1);
    feNormalize(o, o);
    feNormalize(o + FE, o + FE);
  }
}

// ---------------------------------------------------------------- projective, complete (secret data)

/**
 * r = a + b, a projective (X:Y:Z), b affine (x, y) not the identity.
 * Renes-Costello-Batina 2015, Algorithm 8 (a = 0, 3b = 21): complete, so
 * it is correct for a = identity, a = b, a = -b with no branch. r may alias a.
 * Magnitudes: a's X <= 1, Y and Z <= 2; b's x <= 1, y <= 2. The output
 * keeps that form (X 1, Y 2, Z 2), so results feed the next call directly.
 */
export function ctAddGe(r: usize, a: usize, b: usize): void {
  const X1 = a, Y1 = a + FE, Z1 = a + 2 * FE;
  const X2 = b, Y2 = b + FE;
  feMul(T0, X1, X2);        // 1. t0 = X1 X2
  feMul(T1, Y1, Y2);        // 2. t1 = Y1 Y2
  feAdd(T3, X2, Y2);        // 3. t3 = X2 + Y2      (2)
  feAdd(T4, X1, Y1);        // 4. t4 = X1 + Y1      (4)
  feMul(T3, T3, T4);        // 5. t3 = t3 t4
  feAdd(T4, T0, T1);        // 6. t4 = t0 + t1      (2)
  feSub(T3, T3, T4, 2);     // 7. t3 = t3 - t4      (4)
  feMul(T4, Y2, Z1);        // 8. t4 = Y2 Z1
  feAdd(T4, T4, Y1);        // 9. t4 = t4 + Y1      (3)
  feMul(A_, X2, Z1);        // 10. Y3 = X2 Z1
  feAdd(A_, A_, X1);        // 11. Y3 = Y3 + X1     (3)
  feAdd(B_, T0, T0);        // 12. X3 = t0 + t0     (2)
  feAdd(T0, B_, T0);        // 13. t0 = X3 + t0     (3)
  feMulSmall(T2, Z1, 21);   // 14. t2 = b3 Z1       (1)
  feAdd(C_, T1, T2);        // 15. Z3 = t1 + t2     (2)
  feSub(T1, T1, T2, 1);     // 16. t1 = t1 - t2     (3)
  feMulSmall(A_, A_, 21);   // 17. Y3 = b3 Y3       (1)
  feMul(B_, T4, A_);        // 18. X3 = t4 Y3
  feMul(T2, T3, T1);        // 19. t2 = t3 t1
  feSub(B_, T2, B_, 1);     // 20. X3 = t2 - X3     (3)
  feMul(A_, A_, T0);        // 21. Y3 = Y3 t0
  feMul(T1, T1, C_);        // 22. t1 = t1 Z3
  feAdd(A_, T1, A_);        // 23. Y3 = t1 + Y3     (2)
  feMul(T0, T0, T3);        // 24. t0 = t0 t3
  feMul(C_, C_, T4);        // 25. Z3 = Z3 t4
  feAdd(C_, C_, T0);        // 26. Z3 = Z3 + t0     (2)
  feNormWeak(r, B_);
  // Y3 and Z3 stay at magnitude 2: every use above takes them there (X3
  // must be 1: step 11 adds it before the multiplication by 21 of step 17).
  // Measured: two fewer reductions per addition, getPublicKey +3%.
  feCopy(r + FE, A_);
  feCopy(r + 2 * FE, C_);
}
