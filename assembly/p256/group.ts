// The group law of P-256, y^2 = x^3 - 3x + b over F_p (FIPS 186-4 §D.1.2.3),
// in homogeneous projective coordinates (X:Y:Z) ~ (X/Z, Y/Z) with the
// identity (0:1:0).
//
// One formula serves everything: the complete addition of Renes, Costello
// and Batina, "Complete addition formulas for prime order elliptic curves"
// (EUROCRYPT 2016), Algorithm 4 (a = -3). It has no exceptional case (P + P,
// P + (-P), P + O and O + O all come out right), so secret scalar
// multiplication runs with no branch on data, and public code (tables,
// verification) needs no case analysis either: doubling is ptAdd(r, a, a).
//
// Layout: X @0, Y @32, Z @64 (PT_SIZE 96), coordinates in the Montgomery
// domain of field.ts. Temporaries live in the scratch region (../mem.ts,
// P256_SLOT + 256 .. 640).

import { SCRATCH, P256_SLOT } from '../mem';
import { FE, fpMul, fpAdd, fpSub, fpCopy, fpSetOne, fpIsZero, fpInv, fpFromBytes, fpSqr, fpSqrt, fpIsOdd, fpNeg, fpEqual, fpCmov } from './field';

export const PT_SIZE: usize = 96;

const G0: usize = SCRATCH + P256_SLOT + 256;
const T0: usize = G0;
const T1: usize = G0 + 32;
const T2: usize = G0 + 64;
const T3: usize = G0 + 96;
const T4: usize = G0 + 128;
const X3: usize = G0 + 160;
const Y3: usize = G0 + 192;
const Z3: usize = G0 + 224;
const U0: usize = G0 + 256; // 32: affine conversions and curve checks
const U1: usize = G0 + 288; // 32
const U2: usize = G0 + 320; // 32
// (G0 + 352 .. 384 unused)

/** b in the Montgomery domain, set by groupInit() (public). */
export const B_MONT: usize = memory.data(32, 16);

/** r = the identity (0:1:0). */
export function ptSetIdentity(r: usize): void {
  memory.fill(r, 0, PT_SIZE);
  fpSetOne(r + FE);
}

export function ptCopy(r: usize, a: usize): void {
  memory.copy(r, a, PT_SIZE);
}

/** 1 iff a is the identity (Z = 0). */
export function ptIsIdentity(a: usize): u32 {
  return fpIsZero(a + 2 * FE);
}

/**
 * r = a + b, complete (RCB 2016 Algorithm 4, a = -3): 12M + 2 m_b + 29 a.
 * Correct for every pair of inputs, including a = b and the identity; no
 * branch. r may alias a or b.
 */
export function ptAdd(r: usize, a: usize, b: usize): void {
  const Xa = a, Ya = a + FE, Za = a + 2 * FE;
  const Xb = b, Yb = b + FE, Zb = b + 2 * FE;
  fpMul(T0, Xa, Xb);       //  1. t0 = X1 X2
  fpMul(T1, Ya, Yb);       //  2. t1 = Y1 Y2
  fpMul(T2, Za, Zb);       //  3. t2 = Z1 Z2
  fpAdd(T3, Xa, Ya);       //  4. t3 = X1 + Y1
  fpAdd(T4, Xb, Yb);       //  5. t4 = X2 + Y2
  fpMul(T3, T3, T4);       //  6. t3 = t3 t4
  fpAdd(T4, T0, T1);       //  7. t4 = t0 + t1
  fpSub(T3, T3, T4);       //  8. t3 = t3 - t4
  fpAdd(T4, Ya, Za);       //  9. t4 = Y1 + Z1
  fpAdd(X3, Yb, Zb);       // 10. X3 = Y2 + Z2
  fpMul(T4, T4, X3);       // 11. t4 = t4 X3
  fpAdd(X3, T1, T2);       // 12. X3 = t1 + t2
  fpSub(T4, T4, X3);       // 13. t4 = t4 - X3
  fpAdd(X3, Xa, Za);       // 14. X3 = X1 + Z1
  fpAdd(Y3, Xb, Zb);       // 15. Y3 = X2 + Z2
  fpMul(X3, X3, Y3);       // 16. X3 = X3 Y3
  fpAdd(Y3, T0, T2);       // 17. Y3 = t0 + t2
  fpSub(Y3, X3, Y3);       // 18. Y3 = X3 - Y3
  fpMul(Z3, B_MONT, T2);   // 19. Z3 = b t2
  fpSub(X3, Y3, Z3);       // 20. X3 = Y3 - Z3
  fpAdd(Z3, X3, X3);       // 21. Z3 = X3 + X3
  fpAdd(X3, X3, Z3);       // 22. X3 = X3 + Z3
  fpSub(Z3, T1, X3);       // 23. Z3 = t1 - X3
  fpAdd(X3, T1, X3);       // 24. X3 = t1 + X3
  fpMul(Y3, B_MONT, Y3);   // 25. Y3 = b Y3
  fpAdd(T1, T2, T2);       // 26. t1 = t2 + t2
  fpAdd(T2, T1, T2);       // 27. t2 = t1 + t2
  fpSub(Y3, Y3, T2);       // 28. Y3 = Y3 - t2
  fpSub(Y3, Y3, T0);       // 29. Y3 = Y3 - t0
  fpAdd(T1, Y3, Y3);       // 30. t1 = Y3 + Y3
  fpAdd(Y3, T1, Y3);       // 31. Y3 = t1 + Y3
  fpAdd(T1, T0, T0);       // 32. t1 = t0 + t0
  fpAdd(T0, T1, T0);       // 33. t0 = t1 + t0
  fpSub(T0, T0, T2);       // 34. t0 = t0 - t2
  fpMul(T1, T4, Y3);       // 35. t1 = t4 Y3
  fpMul(T2, T0, Y3);       // 36. t2 = t0 Y3
  fpMul(Y3, X3, Z3);       // 37. Y3 = X3 Z3
  fpAdd(Y3, Y3, T2);       // 38. Y3 = Y3 + t2
  fpMul(X3, T3, X3);       // 39. X3 = t3 X3
  fpSub(X3, X3, T1);       // 40. X3 = X3 - t1
  fpMul(Z3, T4, Z3);       // 41. Z3 = t4 Z3
  fpMul(T1, T3, T0);       // 42. t1 = t3 t0
  fpAdd(Z3, Z3, T1);       // 43. Z3 = Z3 + t1
  fpCopy(r, X3);
  fpCopy(r + FE, Y3);
  fpCopy(r + 2 * FE, Z3);
}

/**
 * r = a + b with b affine (x, y) (Z2 = 1): RCB 2016 Algorithm 5, the mixed
 * form of Algorithm 4 (11M + 2 m_b). Complete for every projective a,
 * including the identity; b must be a curve point (an affine point cannot
 * be the identity), so fixed-base callers discard the sum for a zero digit
 * with a masked move instead. No branch. r may alias a.
 */
export function ptAddAffine(r: usize, a: usize, b: usize): void {
  const Xa = a, Ya = a + FE, Za = a + 2 * FE;
  const Xb = b, Yb = b + FE;
  fpMul(T0, Xa, Xb);       //  1. t0 = X1 X2
  fpMul(T1, Ya, Yb);       //  2. t1 = Y1 Y2
  fpAdd(T3, Xb, Yb);       //  3. t3 = X2 + Y2
  fpAdd(T4, Xa, Ya);       //  4. t4 = X1 + Y1
  fpMul(T3, T3, T4);       //  5. t3 = t3 t4
  fpAdd(T4, T0, T1);       //  6. t4 = t0 + t1
  fpSub(T3, T3, T4);       //  7. t3 = t3 - t4
  fpMul(T4, Yb, Za);       //  8. t4 = Y2 Z1
  fpAdd(T4, T4, Ya);       //  9. t4 = t4 + Y1
  fpMul(Y3, Xb, Za);       // 10. Y3 = X2 Z1
  fpAdd(Y3, Y3, Xa);       // 11. Y3 = Y3 + X1
  fpMul(Z3, B_MONT, Za);   // 12. Z3 = b Z1
  fpSub(X3, Y3, Z3);       // 13. X3 = Y3 - Z3
  fpAdd(Z3, X3, X3);       // 14. Z3 = X3 + X3
  fpAdd(X3, X3, Z3);       // 15. X3 = X3 + Z3
  fpSub(Z3, T1, X3);       // 16. Z3 = t1 - X3
  fpAdd(X3, T1, X3);       // 17. X3 = t1 + X3
  fpMul(Y3, B_MONT, Y3);   // 18. Y3 = b Y3
  fpAdd(T1, Za, Za);       // 19. t1 = Z1 + Z1
  fpAdd(T2, T1, Za);       // 20. t2 = t1 + Z1
  fpSub(Y3, Y3, T2);       // 21. Y3 = Y3 - t2
  fpSub(Y3, Y3, T0);       // 22. Y3 = Y3 - t0
  fpAdd(T1, Y3, Y3);       // 23. t1 = Y3 + Y3
  fpAdd(Y3, T1, Y3);       // 24. Y3 = t1 + Y3
  fpAdd(T1, T0, T0);       // 25. t1 = t0 + t0
  fpAdd(T0, T1, T0);       // 26. t0 = t1 + t0
  fpSub(T0, T0, T2);       // 27. t0 = t0 - t2
  fpMul(T1, T4, Y3);       // 28. t1 = t4 Y3
  fpMul(T2, T0, Y3);       // 29. t2 = t0 Y3
  fpMul(Y3, X3, Z3);       // 30. Y3 = X3 Z3
  fpAdd(Y3, Y3, T2);       // 31. Y3 = Y3 + t2
  fpMul(X3, T3, X3);       // 32. X3 = t3 X3
  fpSub(X3, X3, T1);       // 33. X3 = X3 - t1
  fpMul(Z3, T4, Z3);       // 34. Z3 = t4 Z3
  fpMul(T1, T3, T0);       // 35. t1 = t3 t0
  fpAdd(Z3, Z3, T1);       // 36. Z3 = Z3 + t1
  fpCopy(r, X3);
  fpCopy(r + FE, Y3);
  fpCopy(r + 2 * FE, Z3);
}

/**
 * r = 2a: RCB 2016 Algorithm 6 (a = -3), exception-free doubling (8M + 3S
 * + 2 m_b, against 12M + 2 m_b for ptAdd(r, a, a)). Used by the
 * variable-base ladder of verification. r may alias a.
 */
export function ptDouble(r: usize, a: usize): void {
  const X = a, Y = a + FE, Z = a + 2 * FE;
  fpSqr(T0, X);            //  1. t0 = X^2
  fpSqr(T1, Y);            //  2. t1 = Y^2
  fpSqr(T2, Z);            //  3. t2 = Z^2
  fpMul(T3, X, Y);         //  4. t3 = X Y
  fpAdd(T3, T3, T3);       //  5. t3 = t3 + t3
  fpMul(Z3, X, Z);         //  6. Z3 = X Z
  fpAdd(Z3, Z3, Z3);       //  7. Z3 = Z3 + Z3
  fpMul(Y3, B_MONT, T2);   //  8. Y3 = b t2
  fpSub(Y3, Y3, Z3);       //  9. Y3 = Y3 - Z3
  fpAdd(X3, Y3, Y3);       // 10. X3 = Y3 + Y3
  fpAdd(Y3, X3, Y3);       // 11. Y3 = X3 + Y3
  fpSub(X3, T1, Y3);       // 12. X3 = t1 - Y3
  fpAdd(Y3, T1, Y3);       // 13. Y3 = t1 + Y3
  fpMul(Y3, X3, Y3);       // 14. Y3 = X3 Y3
  fpMul(X3, X3, T3);       // 15. X3 = X3 t3
  fpAdd(T3, T2, T2);       // 16. t3 = t2 + t2
  fpAdd(T2, T2, T3);       // 17. t2 = t2 + t3
  fpMul(Z3, B_MONT, Z3);   // 18. Z3 = b Z3
  fpSub(Z3, Z3, T2);       // 19. Z3 = Z3 - t2
  fpSub(Z3, Z3, T0);       // 20. Z3 = Z3 - t0
  fpAdd(T3, Z3, Z3);       // 21. t3 = Z3 + Z3
  fpAdd(Z3, Z3, T3);       // 22. Z3 = Z3 + t3
  fpAdd(T3, T0, T0);       // 23. t3 = t0 + t0
  fpAdd(T0, T3, T0);       // 24. t0 = t3 + t0
  fpSub(T0, T0, T2);       // 25. t0 = t0 - t2
  fpMul(T0, T0, Z3);       // 26. t0 = t0 Z3
  fpAdd(Y3, Y3, T0);       // 27. Y3 = Y3 + t0
  fpMul(T0, Y, Z);         // 28. t0 = Y Z
  fpAdd(T0, T0, T0);       // 29. t0 = t0 + t0
  fpMul(Z3, T0, Z3);       // 30. Z3 = t0 Z3
  fpSub(X3, X3, Z3);       // 31. X3 = X3 - Z3
  fpMul(Z3, T0, T1);       // 32. Z3 = t0 t1
  fpAdd(Z3, Z3, Z3);       // 33. Z3 = Z3 + Z3
  fpAdd(Z3, Z3, Z3);       // 34. Z3 = Z3 + Z3
  fpCopy(r, X3);
  fpCopy(r + FE, Y3);
  fpCopy(r + 2 * FE, Z3);
}

/** r = flag ? a : r for projective points, flag 0 or 1, constant time. */
export function ptCmov(r: usize, a: usize, flag: u32): void {
  fpCmov(r, a, flag);
  fpCmov(r + FE, a + FE, flag);
  fpCmov(r + 2 * FE, a + 2 * FE, flag);
}

/** r = -a. */
export function ptNeg(r: usize, a: usize): void {
  fpCopy(r, a);
  fpNeg(r + FE, a + FE);
  fpCopy(r + 2 * FE, a + 2 * FE);
}

/**
 * Affine x, y (Montgomery domain) of a into out (64 bytes): one inversion
 * (Fermat, constant time). Returns 1 iff a is the identity (out is then 0, 0).
 */
export function ptToAffine(out: usize, a: usize): u32 {
  const inf = ptIsIdentity(a);
  fpInv(U0, a + 2 * FE);
  fpMul(out, a, U0);
  fpMul(out + FE, a + FE, U0);
  return inf;
}

/** r (projective) = the affine point (x, y) at a (64 bytes, Montgomery domain). */
export function ptFromAffine(r: usize, a: usize): void {
  fpCopy(r, a);
  fpCopy(r + FE, a + FE);
  fpSetOne(r + 2 * FE);
}

/** 1 iff the affine (x, y) at a (Montgomery domain) satisfies y^2 = x^3 - 3x + b. */
export function affOnCurve(a: usize): u32 {
  curveRhs(U1, a);
  fpSqr(U2, a + FE);
  return fpEqual(U1, U2);
}

/** r = x^3 - 3x + b for x at a. */
function curveRhs(r: usize, x: usize): void {
  fpSqr(r, x);
  fpMul(r, r, x);          // x^3
  fpAdd(U0, x, x);
  fpAdd(U0, U0, x);        // 3x
  fpSub(r, r, U0);
  fpAdd(r, r, B_MONT);
}

/**
 * Lifts x (at a, Montgomery domain) to the affine point (x, y) with y of
 * the given parity, written to a + 32 (SEC 1 §2.3.4 step 2.4). Returns 0 if
 * x^3 - 3x + b is not a square. Public data only.
 */
export function affSetX(a: usize, odd: u32): u32 {
  curveRhs(U1, a);
  const ok = fpSqrt(a + FE, U1);
  fpNeg(U2, a + FE);
  fpCmov(a + FE, U2, fpIsOdd(a + FE) ^ odd);
  return ok;
}

/** Loads the affine point (x, y) from 64 big-endian bytes; 1 iff both are < p. */
export function affFromBytes(r: usize, bytes: usize): u32 {
  return fpFromBytes(r, bytes) & fpFromBytes(r + FE, bytes + 32);
}
