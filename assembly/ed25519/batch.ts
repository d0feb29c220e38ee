// Batch verification of Ed25519 signatures with exactly the acceptance rules
// of ed25519Verify (./exports.ts): a batch passes only if every one of its
// signatures would pass alone. Everything here is public data (signatures,
// keys, messages, random weights), so it is variable time.
//
// Single verification is cofactorless: D = [S]B - R - [k]A must be the
// identity in the whole group E = Z_L x Z_8, torsion included. A random
// linear combination sum z_i D_i = 0 checks the Z_L parts (below) but sees
// the torsion parts t_i in Z_8 only through sum z_i t_i, one element of Z_8
// for n unknowns: with D_j of order 2 it passes half of the time (Chalkias,
// Garillot, Nikolaenko, "Taming the many EdDSAs", SSR 2020). So the torsion
// is settled per point, exactly, before the combination:
//
//   - a key with several items in the call (or classified by an earlier
//     call, keyClasses) is tested once for A in 8E, the prime-order subgroup
//     (E(F_p) = Z_L x Z_8, so 8E = Z_L). A key outside it (and not of small
//     order, which verify rejects) has t_A != 0; its items are left to the
//     single verify (status 2), which settles them exactly. With A in 8E,
//     [S]B - [k]A lies in 8E, so verify accepts only if R does too: an R
//     outside 8E makes its item invalid (status 0).
//   - a key met once is only decoded (KEY_X): its item is in the combination
//     only if X = R + [k mod 8]A is in 8E, which is exactly "D has no torsion
//     part" (torsionFree); otherwise invalid. One in8E per item either way.
//   - every D_i left is in the prime-order subgroup, where the cofactorless
//     and the cofactored equations agree (the final check is cofactored, to
//     absorb the torsion of KEY_X keys, see the end of ed25519VerifyBatch),
//     and where a random combination is sound: if some D_j != O (order L),
//     fix every z_i but z_j; the sum vanishes only for one residue of z_j mod
//     L, which a weight drawn by drawWeight hits with probability
//     <= 3 / 2^131 < 2^-129. The weights come from the JS caller's
//     crypto.getRandomValues (unknown to whoever made the signatures). A true
//     signature never fails (each D_i = O), so batch == AND of singles, except
//     with probability < 2^-129 per call that a batch holding an invalid
//     signature passes.
//
// Measured (npm run bench -- ed25519-batch, V8, x86-64, a loaded 2-core
// machine; per signature at 64, against the verify loop over the same items):
// one signer 29.4 us against 60.2 us (2.05x), 64 new signers 51.3 us against
// 93.5 us (1.83x); at 256, 2.13x and 1.97x. Per signature of one signer: three
// exponentiations (the x of R, and r and the quartic character of in8E) of 4.9
// us each, two at a time in the f64x2 lanes of fpow.ts (5.8 us each one at a
// time with fePow22523), ~6 us of mixed additions for [z_i]R_i, ~1.3 us of
// products around the exponentiations, 0.8 us of SHA-512, 0.3 us to draw z_i,
// ~0.7 us of the shared doublings. With new signers each key adds its decoding
// (a fourth exponentiation, paired with the other keys') and a full-size
// scalar ([sum z_i k_i]A: 42 additions at width 5 and its table of 8, ~12 us).
// The items go through the call in passes so that the exponentiations pair up
// (ed25519VerifyBatch, keyClasses, powAll). Earlier rounds, one exponentiation
// at a time: 25.8 us against 47.9 us (1.85x) and 47.5 us against 79.9 us
// (1.68x), on a quieter machine; before that, with four exponentiations in
// in8E, 35.8 us (1.34x) and 57 us (1.40x).
// Where this stops: three exponentiations per item (the x of R, r and the
// quartic character of in8E) are what this test needs. x and r are square
// roots of radicands whose quadratic characters are independent ((x r)^2 =
// -(A + 2) u, and the characters of u and of x^2 are unrelated), so one
// exponentiation cannot give both; any character of a function evaluated at P
// sees only E/4E, so the last bit needs one root (r); and the character on E'
// has order 4, which no Jacobi symbol computes (so the binary-GCD Jacobi lever
// found no quadratic character left to replace). The exponentiations are 250
// squarings each: field.ts squares at the 64-bit multiplier's pace (55 + 7 i64
// multiplies, ~21 ns), fpow.ts two at a time on the FP units (16.8 ns each);
// and the 24 additions per item are the price of the 2^-129 bound (drawWeight).
// Lost: the exponentiations of two items side by side in SIMD lanes (an
// i64x2 pair of field elements, limb k of both lanes in i32 lanes 0 and 1,
// 100 i64x2.extmul_low_i32x4_s per product and 55 per square): 10.3 us per
// pair of exponentiations against 10.3 us for two scalar ones (V8 lowers each
// extmul to two shuffles and one pmuldq, so the shuffle port sets the pace,
// as field.ts found for a single product); a loop running one scalar chain
// beside a SIMD pair, for the multiplier and the shuffle port at once: 13.5
// us against 10.1 + 4.8 us, no overlap. Not kept (what secp256k1/batch.ts won
// with its 26-bit unsigned limbs does not carry over). The small-order test
// of X in torsionFree by comparing Y with y Z for the y of SOY instead of
// three doublings: 47.45 -> 47.64 us with new signers, no gain, dropped.
// Classifying each key with in8E(A) as well as in8E(R) gave 1.05x with new
// keys; torsionFree's one in8E per item replaced it.
// Lost or dropped: uniform 128-bit weights at width 5 (21 additions plus a
// table of 8 multiples per R_i: 8.9 us against 7.2 us sparse); a reduction
// mod L per product (scMulAdd, 0.68 us, twice per item) instead of one per
// sum; grouping items by key with a Map of key strings in JS (1.2 us per
// item; the WASM side finds repeated keys within a call itself).
// Lost this round (minimum of interleaved runs in one process, per signature):
//   - every key's odd multiples as niels points (one shared inversion,
//     Montgomery's trick: 3 products per point, then 4 to niels form) so that
//     the key's 42 additions are mixed: 53.5 and 54.9 us against 53.4 and 53.5
//     us with new signers; the 6 more products per table point eat the one
//     saved per addition. On paper the same for a wider window for keys (width
//     6: 16 table points for 36 additions, against 8 for 42) and for
//     Pippenger's buckets over the keys' scalars (at 64 keys ~76 additions per
//     key against ~50 for Strauss); not tried.
//   - field.ts squaring: 19 f as (38 f) >> 1 (21.18 against 21.13 ns), two
//     independent chains interleaved in one loop (21.22 ns), the 30 products
//     of columns without wrap-around in f64 with an i64.trunc_sat per column
//     (22.7 against 21.3 ns): the integer multiplier is saturated.
//   - fpow.ts: three carry chains instead of two (17.7 against 16.8 ns per
//     squaring), the doublings of limbs as products (no change), two pairs in
//     one loop, four exponentiations at once (19.2 ns: register spills).
//   - not tried, measured only: the point additions in f64x2 pairs too (their
//     products come in independent pairs), but fpMul costs 38.6 ns per product
//     (77 ns a pair) against feMul's 35.6 ns: only squarings gain from doubles.

//
// The test "P in 8E" (in8E below) works on the Montgomery form
// E: v^2 = u^3 + A u^2 + u of the curve (RFC 7748 §4.1: u = (1 + y)/(1 - y),
// v = c u/x with c = sqrt(-(A + 2))) and on the 2-isogenous curve
// E': Y^2 = X (X - (A + 2)) (X - (A - 2)), with phi: E -> E' of kernel
// T2 = (0, 0), phi(u, v) = (v^2/u^2, v (1 - u^2)/u^2), and its dual
// psi: E' -> E, psi(X, Y) = (Y^2/(4 X^2), Y (A^2 - 4 - X^2)/(8 X^2)),
// psi phi = [2] (Silverman AEC III.4.5). It costs two exponentiations (a
// square root and a quartic character, about 11 us); [L]P = O would cost 252
// doublings and ~21 additions (about 55 us, more than a single verify).
// Characters of functions evaluated at P alone (Tate pairings on E) reach
// only E/4E: the 2-part of E(F_p) is Z_8 and 8 does not divide p - 1. E' is
// one level up the 2-isogeny volcano: its 2-part is Z_4 x Z_2, all of it
// 4-torsion, so on E' a pairing sees everything. Hence:
//   (1) W with psi(W) = P: X_W = w + A, w = 2 (u +- r), r = sqrt(u^2 + A u +
//       1) (w = u_Q + 1/u_Q for a half Q of P; W = phi(Q)). No root: P is not
//       in psi(E'(F_p)), which contains 2E, so not in 8E. Either sign gives a
//       rational W (the two are W and W + K, K = (0, 0) = ker psi, and
//       X_W+ X_W- = A^2 - 4), and Y_W = 8 X_W^2 v_P/(A^2 - 4 - X_W^2) is
//       rational too: v_P = c u/x comes from the decoded x, no root needed.
//   (2) P in 8E <=> the 2-part of W is in ker psi = {O, K} (psi maps the 2-part
//       of W to that of P). The annihilator of <K> under the reduced Tate
//       pairing E'[4] x E'/4E' -> mu_4 (non-degenerate: 4 divides p - 1;
//       Frey-Rueck, Silverman AEC XI.9) has order 4 and is not E'[2], since
//       t(((A - 2), 0), K) = chi(-(A - 2)) = -1; so it is cyclic, <S4> with
//       2 S4 = (A + 2, 0), and W's 2-part is in <K> exactly when
//       t(S4, W) = f(W)^((p-1)/4) = 1, f = l^2/(X - (A + 2)), l the tangent
//       at S4 (div f = 4(S4) - 4(O), f monic at O). ensureConstants picks
//       S4 among the halves of (A + 2, 0) by t(S4, K) = 1.
//   W is not of small order (P is not), so f(W) is defined and non-zero.
// Measured per signature (one signer at 64): with the halving on E (two
// roots: r, then sqrt(w^2 - 4) for u_Q) and Q in 4E by a square root and a
// character, four exponentiations: 35.8 us; Q in 4E by the quartic character
// of the pairing with T4 on E, three: 31.3 us; this, two: 25.3 us.
// Points of small order are rejected before this test (exports.ts rules),
// which keeps every denominator and square root above non-zero.
// test/ed25519-batch.test.ts checks the batch against verify for R and A off
// the subgroup by each of the seven non-zero torsion points.

import {
  D, SQRTM1, D2, feAdd, feSub, feMul, feSq, feNeg, feOne, feZero, feCopy, feCarry, feIsZero, fePow22523, feToBytes, feInvert,
} from './field';
import {
  X, Y, Z, T, P3_SIZE, NIELS_SIZE, dbl, toP3, toP2, toCached, addCached, subCached, addNiels, subNiels,
  decode, decodeStart, decodeFinish, isSmallOrder,
} from './point';
import { ensureTables, ODD } from './base';
import { fePow22523x2 } from './fpow';
import { scReduce64, scIsCanonical } from './scalar';
import { sha512Init, sha512Update, sha512Final } from '../hash/sha512';
import { BUF } from '../mem';

/** Items per call (the JS side splits larger batches). */
export const BATCH_MAX: usize = 64;
/** Non-zero digits of each weight z_i, and the positions they are drawn from (see drawWeight). */
const ZH: i32 = 24;
const ZN: u32 = 229;
/** Bytes per item in the table at BUF (see ed25519VerifyBatch). */
const ENTRY: usize = 192;

// Field scratch (public values).
const F0: usize = memory.data(40, 16);
const F1: usize = memory.data(40, 16);
const F2: usize = memory.data(40, 16);
const F3: usize = memory.data(40, 16);
const UN: usize = memory.data(40, 16);
const UD: usize = memory.data(40, 16);
const RN: usize = memory.data(40, 16);
const AA: usize = memory.data(40, 16);
const G: usize = memory.data(40, 16);
const RHO: usize = memory.data(40, 16);
const QN: usize = memory.data(40, 16);
const QD: usize = memory.data(40, 16);
const MA: usize = memory.data(40, 16);   // the Montgomery A = 486662
const C4: usize = memory.data(40, 16);   // A^2 - 4
const MA2: usize = memory.data(40, 16);  // A + 2
const K8C: usize = memory.data(40, 16);  // 8 c, c = sqrt(-(A + 2)) (v = c u/x, RFC 7748 §4.1)
const X4: usize = memory.data(40, 16);   // S4 = (X4, Y4) on E', of order 4 (see in8E)
const Y4: usize = memory.data(40, 16);
const LAM: usize = memory.data(40, 16);  // the slope of the tangent at S4
const XN: usize = memory.data(40, 16);
const DN: usize = memory.data(40, 16);
const EN: usize = memory.data(40, 16);
const SOY: usize = memory.data(160, 16); // the y (encoded) of the 8 points of small order
let constantsReady = false;
const RAD1: usize = memory.data(40, 16);
const RAD2: usize = memory.data(40, 16);
const PW1: usize = memory.data(40, 16);

// Points, tables, scalars, digits.
const RP: usize = memory.data(<i32>(BATCH_MAX * P3_SIZE), 16);        // R_i
const AP: usize = memory.data(<i32>(BATCH_MAX * P3_SIZE), 16);        // distinct keys A_j
const RT: usize = memory.data(<i32>(BATCH_MAX * NIELS_SIZE), 16);     // R_i as niels points (Z = 1)
const AT: usize = memory.data(<i32>(BATCH_MAX * 8 * P3_SIZE), 16);    // A_j, 3A_j, ..., 15A_j cached
const ND: usize = 264;                                                // digits per scalar
const ZM: usize = memory.data(<i32>(BATCH_MAX * 32), 16);             // z_i mod L
const HEAD: usize = memory.data(2 * 256, 16);                         // bit -> first event (u16, 0xffff none)
const NEXT: usize = memory.data(2 * <i32>BATCH_MAX * ZH, 16);       // event -> next event
const EVT: usize = memory.data(2 * <i32>BATCH_MAX * ZH, 16);         // event: item << 1 | (digit < 0)
const PZ: usize = memory.data(48, 16);
const NZ: usize = memory.data(48, 16);
const AD: usize = memory.data(<i32>(BATCH_MAX * ND), 16);             // wNAF of c_j
const BD: usize = memory.data(<i32>ND, 16);                           // wNAF of sum z_i S_i
const CA: usize = memory.data(<i32>(BATCH_MAX * 64), 16);             // c_j = sum z_i k_i over key j (512-bit, then mod L)
const KEYOF: usize = memory.data(<i32>BATCH_MAX, 16);                 // item -> key index
const KEYST: usize = memory.data(<i32>BATCH_MAX, 16);                 // key: 0 bad, 1 in 8E, 2 torsion, KEY_X
const KEYPOS: usize = memory.data(<i32>(BATCH_MAX * 4), 16);          // key -> first item with it
const KEYN: usize = memory.data(<i32>BATCH_MAX, 16);                  // key -> its number of items
// The item passes (see ed25519VerifyBatch): radicands, their powers, in8E's
// quartic values, pending items, test points, k_i, X_i, and which items passed.
const RADS: usize = memory.data(<i32>(BATCH_MAX * 40), 16);
const PWS: usize = memory.data(<i32>(BATCH_MAX * 40), 16);
const MS: usize = memory.data(<i32>(BATCH_MAX * 40), 16);
const PEND: usize = memory.data(<i32>BATCH_MAX, 16);
const TPA: usize = memory.data(<i32>(BATCH_MAX * 4), 16);
const KS: usize = memory.data(<i32>(BATCH_MAX * 32), 16);
const XPS: usize = memory.data(<i32>(BATCH_MAX * P3_SIZE), 16);
const OKI: usize = memory.data(<i32>BATCH_MAX, 16);
/** Key class: decoded, not of small order, torsion not tested (see torsionFree). */
const KEY_X: u8 = 3;
const SB: usize = memory.data(64, 16);  // sum z_i S_i (512-bit, then mod L)
const KH: usize = memory.data(64, 16);
const CTX: usize = memory.data(256, 16); // CTX512_SIZE
const WK: usize = memory.data(48, 16);
const ACC: usize = memory.data(160, 16);
const CR: usize = memory.data(160, 16);
const CH: usize = memory.data(160, 16);
const C2: usize = memory.data(160, 16);

// ---- square roots and characters in GF(p), p = 5 mod 8 -------------------

/**
 * out = a^((p+3)/8) and which of rho^2 = a (0), -a (1), i a (2), -i a (3)
 * holds (Atkin's case of p = 5 mod 8: a^((p-1)/4) is a fourth root of unity).
 * For a square a, the square root is out (0) or out * sqrt(-1) (1).
 */
function rootClass(out: usize, a: usize): i32 {
  fePow22523(F0, a);
  return rootClassOf(out, a, F0);
}

/** rootClass given pw = a^((p-5)/8) (computed elsewhere, e.g. two at once by fpow.ts). */
function rootClassOf(out: usize, a: usize, pw: usize): i32 {
  feMul(out, pw, a);
  feSq(F1, out);
  feSub(F2, F1, a);
  if (feIsZero(F2)) return 0;
  feAdd(F2, F1, a);
  if (feIsZero(F2)) return 1;
  feMul(F3, a, SQRTM1);
  feSub(F2, F1, F3);
  if (feIsZero(F2)) return 2;
  return 3;
}

/** out = a square root of a; false if a is not a square. */
function sqrt(out: usize, a: usize): bool {
  const c = rootClass(out, a);
  if (c == 1) feMul(out, out, SQRTM1);
  return c <= 1;
}

function ensureConstants(): void {
  if (constantsReady) return;
  feZero(MA); store<i32>(MA, 486662);
  feSq(F3, MA); feOne(G); feAdd(G, G, G); feAdd(G, G, G); feSub(C4, F3, G); feCarry(C4);
  feZero(MA2); store<i32>(MA2, 486664);
  feNeg(G, MA2); sqrt(K8C, G);
  feAdd(K8C, K8C, K8C); feCarry(K8C); feAdd(K8C, K8C, K8C); feCarry(K8C); feAdd(K8C, K8C, K8C); feCarry(K8C);
  // S4: the halves of (A + 2, 0) on E' have X = A + 2 +- 2 sqrt(A + 2) (for
  // y^2 = (x - e1)(x - e2)(x - e3), 2Q = (e1, 0) when x(Q) = e1 +- sqrt((e1 -
  // e2)(e1 - e3))); both are rational. The one wanted pairs trivially with K
  // = (0, 0): f_S4(K)^((p-1)/4) = 1 (tested on both candidates below).
  sqrt(RHO, MA2); feAdd(RHO, RHO, RHO); feCarry(RHO);
  for (let k = 0; k < 2; k++) {
    if (k == 0) feSub(X4, MA2, RHO); else feAdd(X4, MA2, RHO);
    feCarry(X4);
    feSub(F3, X4, MA2);                              // X4 - (A + 2)
    feOne(F2); feAdd(F2, F2, F2); feSub(G, X4, MA); feAdd(G, G, F2); feCarry(G); // X4 - (A - 2)
    feMul(F3, F3, G); feMul(F3, F3, X4);             // Y4^2
    sqrt(Y4, F3);
    // slope (3 X^2 - 4 A X + A^2 - 4) / (2 Y)
    feSq(F3, X4); feAdd(G, F3, F3); feAdd(F3, G, F3); feCarry(F3);
    feMul(G, MA, X4); feAdd(G, G, G); feAdd(G, G, G); feCarry(G);
    feSub(F3, F3, G); feAdd(F3, F3, C4); feCarry(F3);
    feAdd(G, Y4, Y4); feInvert(G, G); feMul(LAM, F3, G);
    // l(K) = LAM X4 - Y4; f(K) = l(K)^2 / (-(A + 2)), character of l(K)^2 (-(A + 2))^3
    feMul(F3, LAM, X4); feSub(F3, F3, Y4); feSq(F3, F3);
    feNeg(G, MA2); feMul(F3, F3, G); feSq(G, G); feMul(F3, F3, G);
    if (quartic1(F3)) break;
  }
  // The y of the points of small order (SOY): 1 (O), -1 (order 2), 0 (order 4)
  // and +-y8 (order 8), where y8^2 = (-1 +- sqrt(1 + d))/d: doubling a point
  // of order 8 gives y = 0, i.e. y^2 + x^2 = 0, and with the curve equation
  // d y^4 + 2 y^2 - 1 = 0. 1 + d is a square (the identity is in 2E, (1)
  // in the header of in8E), and one of the two roots has rational square roots.
  feOne(RHO); feToBytes(SOY, RHO);
  feNeg(G, RHO); feToBytes(SOY + 32, G);
  feAdd(G, RHO, D); sqrt(AA, G);             // AA = sqrt(1 + d)
  feInvert(QD, D);
  feSub(G, AA, RHO); feMul(G, G, QD);
  if (!sqrt(QN, G)) { feAdd(G, AA, RHO); feNeg(G, G); feMul(G, G, QD); sqrt(QN, G); }
  feToBytes(SOY + 96, QN);
  feNeg(QN, QN); feToBytes(SOY + 128, QN);
  constantsReady = true;
}

/**
 * true if the canonical encoding at s (already decoded, so y < p) is that of
 * a point of small order: its y is one of SOY (each y there has only points
 * of small order). The same answer as isSmallOrder on the decoded point, by a
 * comparison of bytes instead of three doublings (0.6 us per signature).
 */
export function smallOrderY(s: usize): bool {
  ensureConstants();
  const hi = load<u64>(s, 24) & 0x7fffffffffffffff;
  for (let c: usize = SOY; c < SOY + 160; c += 32) {
    if (load<u64>(s) == load<u64>(c) && load<u64>(s, 8) == load<u64>(c, 8) &&
        load<u64>(s, 16) == load<u64>(c, 16) && hi == load<u64>(c, 24)) return true;
  }
  return false;
}

/**
 * true if the P3 point p (not of small order) is in 8E, the subgroup of order
 * L (see the header). Every quantity below is homogeneous in (UN, UD), so any
 * Z will do.
 */
export function in8E(p: usize): bool {
  in8EStart(RAD1, p);
  fePow22523(PW1, RAD1);
  if (!in8EMid(RAD2, p, RAD1, PW1)) return false;
  fePow22523(PW1, RAD2);
  return quartic1Of(RAD2, PW1);
}

// in8E in three steps around its two exponentiations, so that the batch runs
// them two at a time (fpow.ts): in8EStart writes the radicand of r to rad,
// in8EMid (given pw = rad^((p-5)/8)) takes the root and writes to m the value
// whose quartic character decides (false: no root, P not in 2E), and
// quartic1Of(m, m^((p-5)/8)) is the answer.

// u = UN / UD = (1 + y)/(1 - y) = (Z + Y)/(Z - Y).
function in8EUV(p: usize): void {
  feAdd(UN, p + Z, p + Y);
  feSub(UD, p + Z, p + Y);
}

function in8EStart(rad: usize, p: usize): void {
  ensureConstants();
  in8EUV(p);
  // (1) r = RN / UD, RN^2 = UN^2 + A UN UD + UD^2; no root: P not in 2E.
  feSq(F3, UN); feMul(G, UN, UD); feMul(G, G, MA); feAdd(F3, F3, G); feSq(G, UD); feAdd(rad, F3, G);
}

function in8EMid(m: usize, p: usize, rad: usize, pw: usize): bool {
  in8EUV(p);
  const c = rootClassOf(RN, rad, pw);
  if (c > 1) return false;
  if (c == 1) feMul(RN, RN, SQRTM1);
  // (2) W on E' with psi(W) = P: X_W = w + A = XN / UD with XN = 2 (UN + RN) + A UD;
  // Y_W = 8 X_W^2 v_P / (A^2 - 4 - X_W^2) = YN / YD with v_P = c UN Z / (UD X),
  // YN = 8c XN^2 UN Z, YD = UD X DN, DN = (A^2 - 4) UD^2 - XN^2.
  feAdd(XN, UN, RN); feCarry(XN); feAdd(XN, XN, XN); feMul(G, MA, UD); feAdd(XN, XN, G); feCarry(XN);
  feSq(AA, XN);                                       // XN^2
  feSq(DN, UD); feMul(DN, DN, C4); feSub(DN, DN, AA);  // DN
  feMul(AA, AA, K8C); feMul(AA, AA, UN); feMul(AA, AA, p + Z); // YN
  feMul(RHO, UD, p + X); feMul(RHO, RHO, DN);         // YD
  // (3) l(W) = Y_W - LAM (X_W - X4) - Y4 = LN / YD,
  // LN = YN - (LAM (XN - X4 UD) + Y4 UD) X DN.
  feMul(F3, X4, UD); feSub(F3, XN, F3); feMul(F3, F3, LAM);
  feMul(G, Y4, UD); feAdd(F3, F3, G); feMul(F3, F3, p + X); feMul(F3, F3, DN);
  feSub(F3, AA, F3);                                  // LN
  // f(W) = l^2 / (X_W - (A + 2)) = LN^2 UD / (YD^2 EN), EN = XN - (A + 2) UD:
  // its quartic character is that of M = (LN YD EN)^2 UD EN.
  feMul(G, MA2, UD); feSub(EN, XN, G);
  feMul(F3, F3, RHO); feMul(F3, F3, EN); feSq(F3, F3);
  feMul(F3, F3, UD); feMul(F3, F3, EN);
  feCopy(m, F3);
  return true;
}


/** true if a^((p-1)/4) = 1 (a non-zero): (p-1)/4 = 2 (p-5)/8 + 1. */
function quartic1(a: usize): bool {
  fePow22523(PW1, a);
  return quartic1Of(a, PW1);
}

/** quartic1 given pw = a^((p-5)/8). */
function quartic1Of(a: usize, pw: usize): bool {
  feSq(F0, pw); feMul(F0, F0, a);
  feOne(F1);
  feSub(F1, F0, F1);
  return feIsZero(F1) != 0;
}

/**
 * out_i = in_i^((p-5)/8) for the n elements (40 bytes each) at inp, two at a
 * time in the lanes of fpow.ts (4.9 us per exponentiation against 5.8 us for
 * fePow22523 alone, measured on this machine), the odd one out alone.
 */
function powAll(out: usize, inp: usize, n: usize): void {
  let i: usize = 0;
  for (; i + 1 < n; i += 2) fePow22523x2(out + i * 40, inp + i * 40, out + (i + 1) * 40, inp + (i + 1) * 40);
  if (i < n) fePow22523(out + i * 40, inp + i * 40);
}

// ---- width-w NAF digits (public scalars) ----------------------------------

// Digits of the little-endian scalar at s (nbytes bytes, < 2^253) into out[0..ND):
// odd digits |d| < 2^(w-1), at most one non-zero in any w consecutive. Returns
// the index of the top non-zero digit, or -1.
function wnaf(out: usize, s: usize, nbytes: usize, w: u32): i32 {
  memory.fill(WK, 0, 48);
  memory.copy(WK, s, nbytes);
  memory.fill(out, 0, ND);
  const mask: u32 = (1 << w) - 1;
  const half: i32 = 1 << (w - 1);
  let carry: u32 = 0;
  let top: i32 = -1;
  let i: u32 = 0;
  while (i < 257) {
    const win = ((load<u32>(WK + (i >> 3)) >> (i & 7)) & mask) + carry;
    if ((win & 1) == 0) {
      // bit i + carry is even: digit 0, and bit == carry, so the carry stays.
      i++;
      continue;
    }
    let d = <i32>win;           // odd, < 2^w
    carry = 0;
    if (d >= half) { d -= 1 << w; carry = 1; }
    store<i8>(out + i, <i8>d);
    top = <i32>i;
    i += w;
  }
  return top;
}

/** tab[j] = (2j+1) p as cached points, j = 0..7, for the P3 point p. */
function oddMultiples(tab: usize, p: usize): void {
  toCached(tab, p);
  dbl(CR, p); toP3(C2, CR);
  for (let j: usize = 1; j < 8; j++) {
    addCached(CR, C2, tab + (j - 1) * P3_SIZE);
    toP3(CH, CR);
    toCached(tab + j * P3_SIZE, CH);
  }
}

// acc (64 bytes, little-endian) += z * s, both 32 bytes and < L < 2^253.
// Schoolbook in 32-bit limbs with u64 products; 64 products of < 2^506 stay
// below 2^512, and one scReduce64 at the end replaces a reduction per item
// (measured: scMulAdd 0.68 us per call, two per item).
function mulAcc(acc: usize, z: usize, s: usize): void {
  for (let a: usize = 0; a < 8; a++) {
    const za = <u64>load<u32>(z + (a << 2));
    let carry: u64 = 0;
    for (let b: usize = 0; b < 8; b++) {
      const q = acc + ((a + b) << 2);
      const t = <u64>load<u32>(q) + za * <u64>load<u32>(s + (b << 2)) + carry;
      store<u32>(q, <u32>t);
      carry = t >> 32;
    }
    for (let k: usize = a + 8; carry != 0 && k < 16; k++) {
      const q = acc + (k << 2);
      const t = <u64>load<u32>(q) + carry;
      store<u32>(q, <u32>t);
      carry = t >> 32;
    }
  }
}

// L, little-endian u64 limbs.
const LQ: usize = memory.data<u64>([0x5812631a5cf5d3ed, 0x14def9dea2f79cd6, 0, 0x1000000000000000]);

/**
 * The random weight z_i of item i, from 64 random bytes at rnd: a uniformly
 * random NAF with exactly ZH = 24 digits +-1 at non-adjacent positions below
 * 252 (Floyd's sampling of a 24-subset of [0, 229), position s_k + k for the
 * k-th smallest). There are C(229, 24) 2^24 > 2^131 of them, distinct NAFs
 * are distinct integers in (-2^252, 2^252), and at most 3 of those share a
 * residue mod L: every residue has probability <= 3 / 2^131 < 2^-129, which is
 * what the soundness argument above needs. A sparse weight costs 24 additions
 * of R_i itself and no table of multiples (a uniform 128-bit weight at width 5:
 * 21 additions and 8 table points, measured 8.9 us against 7.2 us). Writes
 * z_i mod L (32 bytes) to z and links the digits into the per-bit event lists
 * from event number ev. Returns false when the random bytes run out (about
 * 2^-36 of the time): the item then goes to the single verify.
 */
export function drawWeight(z: usize, rnd: usize, item: u32, ev: u32): bool {
  let s0: u64 = 0, s1: u64 = 0, s2: u64 = 0, s3: u64 = 0;  // Floyd's subset as a bitmap
  let pos: usize = 3;                     // bytes 0..2: the 24 signs
  for (let j: u32 = ZN - <u32>ZH; j < ZN; j++) {
    const m: u32 = j + 1;
    const lim: u32 = 65536 - 65536 % m;
    let v: u32 = 65536;
    while (pos + 2 <= 64) {
      v = <u32>load<u16>(rnd + pos); pos += 2;
      if (v < lim) break;
      v = 65536;
    }
    if (v == 65536) return false;
    let t = v % m;
    const w = t >> 6;
    const word = w == 0 ? s0 : w == 1 ? s1 : w == 2 ? s2 : s3;
    if ((word >> <u64>(t & 63)) & 1) t = j;
    const b = <u64>1 << <u64>(t & 63);
    const wt = t >> 6;
    if (wt == 0) s0 |= b; else if (wt == 1) s1 |= b; else if (wt == 2) s2 |= b; else s3 |= b;
  }
  memory.fill(PZ, 0, 48); memory.fill(NZ, 0, 48);
  // The k-th smallest member s_k of the subset goes to position s_k + k (set bits in order, by ctz).
  let k: u32 = 0;
  for (let wi: u32 = 0; wi < 4; wi++) {
    let word = wi == 0 ? s0 : wi == 1 ? s1 : wi == 2 ? s2 : s3;
    while (word != 0) {
      const t = (wi << 6) + <u32>ctz(word);
      word &= word - 1;
      const p = t + k;
      const neg = (<u32>load<u8>(rnd + (k >> 3)) >> (k & 7)) & 1;
      const w = (neg ? NZ : PZ) + ((p >> 6) << 3);
      store<u64>(w, load<u64>(w) | (<u64>1 << <u64>(p & 63)));
      const e = ev + k;
      store<u16>(EVT + (<usize>e << 1), <u16>((item << 1) | neg));
      store<u16>(NEXT + (<usize>e << 1), load<u16>(HEAD + (<usize>p << 1)));
      store<u16>(HEAD + (<usize>p << 1), <u16>e);
      k++;
    }
  }
  // z = PZ - NZ, plus L if that is negative: z mod L in [0, L) (PZ, NZ < 2^252 < L).
  let borrow: u64 = 0;
  for (let l: usize = 0; l < 4; l++) {
    const a = load<u64>(PZ + (l << 3)), b = load<u64>(NZ + (l << 3));
    const d = a - b - borrow;
    borrow = (a < b || (a == b && borrow != 0)) ? 1 : 0;
    store<u64>(z + (l << 3), d);
  }
  if (borrow) {
    let c: u64 = 0;
    for (let l: usize = 0; l < 4; l++) {
      const a = load<u64>(z + (l << 3)), b = load<u64>(LQ + (l << 3));
      const s1 = a + b;
      const c1: u64 = s1 < a ? 1 : 0;
      const s2 = s1 + c;
      c = c1 | (s2 < s1 ? 1 : 0);
      store<u64>(z + (l << 3), s2);
    }
  }
  return true;
}

// Keys seen by earlier calls (public data): the key bytes, its class
// (0 empty slot, else 1 + the class of keyClasses) and its decoded point,
// direct-mapped on the key's first bytes. A signer set that comes back batch
// after batch (a validator set, a wallet's own keys) is decoded once (5.6 us
// per key) and, if it has several items in a call, classified once (in8E,
// 22 us). A collision only evicts.
const KC_N: usize = 256;
const KC_KEY: usize = memory.data(<i32>(KC_N * 32), 16);
const KC_ST: usize = memory.data(<i32>KC_N, 16);
const KC_PT: usize = memory.data(<i32>(KC_N * P3_SIZE), 16);

/**
 * For a key A met once (not classified): true if D = [S]B - R - [k]A has no
 * torsion part, i.e. if X = R + [m]A is in 8E, m = k mod 8 (the torsion part
 * of D is minus that of X, as [k]T = [m]T for T of order dividing 8; the part
 * of order L does not matter here). One in8E per item instead of one for R
 * and one for A: a key seen once costs its decoding only. tab holds A, 3A,
 * ..., 15A cached (oddMultiples). X of small order is in 8E only if it is O.
 * Writes X to out and returns 0 (torsion), 1 (none: X = O) or 2 (X not of
 * small order: the answer is in8E(out), which the caller runs).
 */
function torsionFree(out: usize, r: usize, tab: usize, m: u32): i32 {
  if (m == 0) {
    memory.copy(out, r, P3_SIZE);
  } else {
    const odd = m | 1;                      // m or m + 1
    addCached(CR, r, tab + <usize>(odd >> 1) * P3_SIZE);
    toP3(out, CR);
    if (odd != m) { subCached(CR, out, tab); toP3(out, CR); } // m + 1 - 1
  }
  if (isSmallOrder(out)) {
    if (!feIsZero(out + X)) return 0;
    feSub(F0, out + Y, out + Z);
    return feIsZero(F0);
  }
  return 2;
}

/**
 * Decodes the nk distinct keys of the call into AP (P3) and writes their
 * classes to KEYST: 0 invalid (not a point, or of small order), KEY_X
 * (decoded, torsion not tested) for a key with one item, else 1 (in 8E) or 2
 * (with a torsion component), through the cache. The keys not in the cache
 * are decoded with their exponentiations two at a time (powAll).
 */
function keyClasses(nk: usize): void {
  let nd: usize = 0;
  for (let j: usize = 0; j < nk; j++) {
    const k = BUF + <usize>load<u32>(KEYPOS + (j << 2)) * ENTRY + 64;
    const a = AP + j * P3_SIZE;
    const slot = keySlot(k);
    const st = load<u8>(KC_ST + slot);
    if (st != 0 && same32(KC_KEY + (slot << 5), k)) {
      store<u8>(KEYST + j, st - 1);
      memory.copy(a, KC_PT + slot * P3_SIZE, P3_SIZE);
    } else if (decodeStart(a, k) && !smallOrderY(k)) {
      feCopy(RADS + nd * 40, a + X);
      store<u8>(PEND + nd, <u8>j);
      nd++;
    } else {
      store<u8>(KEYST + j, 0);
      keyStore(slot, k, a, 0);
    }
  }
  powAll(PWS, RADS, nd);
  for (let q: usize = 0; q < nd; q++) {
    const j = <usize>load<u8>(PEND + q);
    const k = BUF + <usize>load<u32>(KEYPOS + (j << 2)) * ENTRY + 64;
    const a = AP + j * P3_SIZE;
    feCopy(a + X, PWS + q * 40);
    const c = decodeFinish(a, k) ? KEY_X : <u8>0;
    store<u8>(KEYST + j, c);
    keyStore(keySlot(k), k, a, c);
  }
  // A key with several items here is classified (in8E once for all its items).
  for (let j: usize = 0; j < nk; j++) {
    if (load<u8>(KEYST + j) != KEY_X || load<u8>(KEYN + j) < 2) continue;
    const k = BUF + <usize>load<u32>(KEYPOS + (j << 2)) * ENTRY + 64;
    const c: u8 = in8E(AP + j * P3_SIZE) ? 1 : 2;
    store<u8>(KEYST + j, c);
    const slot = keySlot(k);
    if (same32(KC_KEY + (slot << 5), k)) store<u8>(KC_ST + slot, c + 1); // unless another key of the call took the slot
  }
}

function keySlot(k: usize): usize {
  return <usize>((load<u32>(k) ^ load<u32>(k, 12) ^ load<u32>(k, 24)) & <u32>(KC_N - 1));
}

function keyStore(slot: usize, k: usize, a: usize, c: u8): void {
  memory.copy(KC_KEY + (slot << 5), k, 32);
  memory.copy(KC_PT + slot * P3_SIZE, a, P3_SIZE);
  store<u8>(KC_ST + slot, c + 1);
}

function same32(a: usize, b: usize): bool {
  return load<u64>(a) == load<u64>(b) && load<u64>(a, 8) == load<u64>(b, 8) &&
    load<u64>(a, 16) == load<u64>(b, 16) && load<u64>(a, 24) == load<u64>(b, 24);
}

/**
 * Checks n <= BATCH_MAX signatures laid out at BUF by the caller: item i is the
 * 192-byte entry at BUF + 192 i,
 *   [0, 64) signature R || S, [64, 96) public key, [112, 116) message offset
 *   from BUF (u32), [116, 120) message length (u32), [128, 192) 64 random
 *   bytes for its weight z_i (drawWeight), [120] status written back:
 *     0  invalid (verify would return false),
 *     1  in the combination below,
 *     2  left to the single verify: a key with a torsion component, or
 *        random bytes that ran out in drawWeight.
 * Returns 1 if sum z_i([S_i]B - R_i - [k_i]A_i) = O over the status-1 items
 * (also when there are none), else 0.
 */
export function ed25519VerifyBatch(n: u32): i32 {
  ensureTables();
  let nk: usize = 0;
  let used: usize = 0;
  let nev: u32 = 0;
  memory.fill(SB, 0, 64);
  memory.fill(HEAD, 0xff, 512);
  // Keys: distinct within the call, and how many items each has.
  for (let i: usize = 0; i < <usize>n; i++) {
    const e = BUF + i * ENTRY;
    let j: usize = 0;
    while (j < nk && !same32(BUF + <usize>load<u32>(KEYPOS + (j << 2)) * ENTRY + 64, e + 64)) j++;
    if (j == nk) {
      store<u32>(KEYPOS + (j << 2), <u32>i);
      store<u8>(KEYN + j, 0);
      nk++;
    }
    store<u8>(KEYOF + i, <u8>j);
    store<u8>(KEYN + j, load<u8>(KEYN + j) + 1);
  }
  // A key with several items here, or classified by an earlier call, is
  // classified (in8E once for all its items); a key with one item is only
  // decoded, and that item's torsion is settled on X = R + [k mod 8]A (KEY_X).
  keyClasses(nk);
  for (let j: usize = 0; j < nk; j++) {
    const st = load<u8>(KEYST + j);
    memory.fill(CA + (j << 6), 0, 64);
    if (st == 1 || st == KEY_X) oddMultiples(AT + j * 8 * P3_SIZE, AP + j * P3_SIZE);
  }
  // Items, in passes, so that their exponentiations run two at a time
  // (powAll): decoding R_i (one each), then the torsion test, in8E of R_i (key
  // in 8E) or of X_i (key met once, torsionFree): two each.
  memory.fill(OKI, 0, <i32>n);
  let np: usize = 0;
  for (let i: usize = 0; i < <usize>n; i++) {
    const e = BUF + i * ENTRY;
    store<u8>(e + 120, 0);
    const st = load<u8>(KEYST + <usize>load<u8>(KEYOF + i));
    if (st == 2) { store<u8>(e + 120, 2); continue; }
    if (st == 0) continue;
    if (!scIsCanonical(e + 32)) continue;
    const r = RP + i * P3_SIZE;
    if (!decodeStart(r, e) || smallOrderY(e)) continue;
    feCopy(RADS + np * 40, r + X);
    store<u8>(PEND + np, <u8>i);
    np++;
  }
  powAll(PWS, RADS, np);
  let nt: usize = 0;
  for (let q: usize = 0; q < np; q++) {
    const i = <usize>load<u8>(PEND + q);
    const e = BUF + i * ENTRY;
    const r = RP + i * P3_SIZE;
    feCopy(r + X, PWS + q * 40);
    if (!decodeFinish(r, e)) continue;
    // k = SHA-512(R || A || M) mod L (RFC 8032 §5.1.7 step 2)
    sha512Init(CTX);
    sha512Update(CTX, e, 32);
    sha512Update(CTX, e + 64, 32);
    sha512Update(CTX, BUF + <usize>load<u32>(e + 112), <usize>load<u32>(e + 116));
    sha512Final(CTX, KH);
    scReduce64(KH, KH);
    memory.copy(KS + (i << 5), KH, 32);
    const j = <usize>load<u8>(KEYOF + i);
    let tp = r;
    if (load<u8>(KEYST + j) == KEY_X) {
      tp = XPS + i * P3_SIZE;
      const t = torsionFree(tp, r, AT + j * 8 * P3_SIZE, <u32>load<u8>(KH) & 7);
      if (t == 0) continue;
      if (t == 1) { store<u8>(OKI + i, 1); continue; }
    }
    in8EStart(RADS + nt * 40, tp);
    store<u32>(TPA + (nt << 2), <u32>tp);
    store<u8>(PEND + nt, <u8>i);                  // PEND[nt] is free again: nt <= q
    nt++;
  }
  powAll(PWS, RADS, nt);
  let nm: usize = 0;
  for (let q: usize = 0; q < nt; q++) {
    if (!in8EMid(MS + nm * 40, <usize>load<u32>(TPA + (q << 2)), RADS + q * 40, PWS + q * 40)) continue;
    store<u8>(PEND + nm, load<u8>(PEND + q));     // nm <= q
    nm++;
  }
  powAll(PWS, MS, nm);
  for (let q: usize = 0; q < nm; q++) {
    if (quartic1Of(MS + q * 40, PWS + q * 40)) store<u8>(OKI + <usize>load<u8>(PEND + q), 1);
  }
  for (let i: usize = 0; i < <usize>n; i++) {
    if (load<u8>(OKI + i) == 0) continue;
    const e = BUF + i * ENTRY;
    const j = <usize>load<u8>(KEYOF + i);
    const zi = ZM + (i << 5);
    if (!drawWeight(zi, e + 128, <u32>i, nev)) { store<u8>(e + 120, 2); continue; }
    nev += <u32>ZH;
    mulAcc(SB, zi, e + 32);                     // sum z_i S_i
    mulAcc(CA + (j << 6), zi, KS + (i << 5));   // c_j += z_i k_i
    store<u8>(e + 120, 1);
    used++;
  }
  if (used == 0) return 1;
  // Digits and tables: z_i (128 bits) and c_j at width 5, sum z_i S_i at width 8 (ODD).
  scReduce64(SB, SB);
  let top = wnaf(BD, SB, 32, 8);
  for (let i: usize = 0; i < <usize>n; i++) {
    if (load<u8>(BUF + i * ENTRY + 120) != 1) continue;
    // R_i is affine as decoded (Z = 1): niels form (y+x, y-x, 2dxy), so that
    // each of its 24 additions is a mixed one, 7M instead of 8M (measured
    // 0.86 us per signature less than cached points).
    const n = RT + i * NIELS_SIZE, r = RP + i * P3_SIZE;
    feAdd(n, r + Y, r + X); feCarry(n);
    feSub(n + 40, r + Y, r + X); feCarry(n + 40);
    feMul(n + 80, r + T, D2);
  }
  for (let b: i32 = 255; b > top; b--) if (load<u16>(HEAD + (<usize>b << 1)) != 0xffff) { top = b; break; }
  for (let j: usize = 0; j < nk; j++) {
    const st = load<u8>(KEYST + j);
    if (st != 1 && st != KEY_X) { memory.fill(AD + j * ND, 0, ND); continue; }
    scReduce64(CA + (j << 6), CA + (j << 6));
    const t = wnaf(AD + j * ND, CA + (j << 6), 32, 5);
    if (t < 0) { memory.fill(AD + j * ND, 0, ND); continue; }
    if (t > top) top = t;
  }
  // Strauss: ACC = [sum z S]B - sum [z_i]R_i - sum [c_j]A_j, one doubling chain.
  feZero(ACC + X); feOne(ACC + Y); feOne(ACC + Z);
  for (let b = top; b >= 0; b--) {
    const bi = <usize>b;
    dbl(CR, ACC);
    for (let ev = <u32>load<u16>(HEAD + (bi << 1)); ev != 0xffff; ev = <u32>load<u16>(NEXT + (<usize>ev << 1))) {
      const x = <usize>load<u16>(EVT + (<usize>ev << 1));
      toP3(CH, CR);
      // a digit +1 subtracts R_i (the equation has -[z_i]R_i), -1 adds it
      if ((x & 1) == 0) subNiels(CR, CH, RT + (x >> 1) * NIELS_SIZE);
      else addNiels(CR, CH, RT + (x >> 1) * NIELS_SIZE);
    }
    for (let j: usize = 0; j < nk; j++) {
      const d = <i32>load<i8>(AD + j * ND + bi);
      if (d == 0) continue;
      toP3(CH, CR);
      const tab = AT + j * 8 * P3_SIZE;
      if (d > 0) subCached(CR, CH, tab + <usize>(d >> 1) * P3_SIZE);
      else addCached(CR, CH, tab + <usize>((-d) >> 1) * P3_SIZE);
    }
    const db = <i32>load<i8>(BD + bi);
    if (db != 0) {
      toP3(CH, CR);
      if (db > 0) addNiels(CR, CH, ODD + <usize>(db >> 1) * NIELS_SIZE);
      else subNiels(CR, CH, ODD + <usize>((-db) >> 1) * NIELS_SIZE);
    }
    toP2(ACC, CR);
  }
  // [8]ACC = O. The sum computed above is sum z_i D_i plus a point of small
  // order: the weights of the A_j are reduced mod L, not mod 8L, so under a
  // key with a torsion part (met once, KEY_X) [c_j]A_j is off by a torsion
  // point. Every D_i here is in 8E, where [8] is one-to-one, so [8]ACC = O
  // exactly when sum z_i D_i = O: the cofactor removes the error and nothing
  // else. (A test with such keys failed without it: valid batches rejected.)
  dbl(CR, ACC); toP2(ACC, CR);
  dbl(CR, ACC); toP2(ACC, CR);
  dbl(CR, ACC); toP2(ACC, CR);
  if (!feIsZero(ACC + X)) return 0;
  feSub(F0, ACC + Y, ACC + Z);
  return feIsZero(F0);
}
