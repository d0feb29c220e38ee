// Two field multiplications (or squarings) at once, in the two 64-bit SIMD
// lanes: the 10x26 limbs of field.ts, with every 26 x 26-bit product of
// feMul / feSqr one i64x2.extmul_low_i32x4_u for both elements. The column
// sums and their reduction (high columns carried as they are formed, then the
// low ones, each taking its folded high limbs: 2^260 = 0x3D10 + 2^10 2^26 mod
// p) serve two layouts: feMul2 / feSqr2 take plain field elements at separate
// addresses (limb k of the first goes to lane 0, of the second to lane 1), so
// the group formulas (group.ts) can pair any two independent products without
// packing; mulPacked / sqrPacked take pairs stored limb by limb, the layout
// of the Schnorr batch (batch.ts), which keeps its pairs packed end to end. Public data only here (verification and
// recovery), though nothing in it branches.
//
// Measured (group.ts pairs the products of the doubling and of the mixed
// additions: a doubling 4 steps instead of 7, an addition 7 instead of 11):
// one feMul2 costs about 1.45 feMul and one feSqr2 about 1.5 feSqr (a CPU
// profile of verify: 58 ns vs 40 ns, 42 ns vs 28 ns), because every lane
// product is an unpack of each operand plus the multiply. Against native
// libsecp256k1 (same run): verify 0.75x -> 0.76x, with a new key each call
// 0.61x -> 0.65x, recover 0.70x -> 0.73x, recover a new signature each call
// 0.66x -> 0.70x; A/B in one process 3% faster: kept (1.3 KB gzipped).
//
// Input bounds, as feMul / feSqr: limbs below 2^30, and, for the 32 x 32-bit
// lane product that folds c19, top limbs with a9 b9 < 2^56 (magnitudes up to
// 15 give a9 b9 <= 225 2^44). Output magnitude 1 (limb 3 may end one over
// 2^26 - 1, as feMul's). r1 and r2 may alias any input.

import { VERIFY, secpLimbsBelow } from '../verify';

// @ts-ignore: decorator
@inline function mx(x: v128, y: v128): v128 { return i64x2.extmul_low_i32x4_u(x, y); }
// Low 32 bits of both 64-bit lanes times k (both lanes' values below 2^32).
// @ts-ignore: decorator
@inline function mk(c: v128, k: v128): v128 { return i64x2.extmul_low_i32x4_u(i32x4.shuffle(c, c, 0, 2, 0, 2), k); }
// Limb k of p (lane 0) and q (lane 1): two elements at separate addresses,
// or, when packed, one pair stored limb by limb at p ([p_k, q_k] in 8 bytes,
// q unused), the layout of batch.ts. \`packed\` is a constant at every call,
// so each inlined copy keeps one of the two loads.
// @ts-ignore: decorator
@inline function ld(p: usize, q: usize, k: usize, packed: bool): v128 {
  return packed ? v128.load64_zero(p + 8 * k) : v128.load32_lane(q + 4 * k, v128.load32_zero(p + 4 * k), 1);
}
// The low 32 bits of each 64-bit lane to limb k of p and q (or of the pair at p).
// @ts-ignore: decorator
@inline function st(p: usize, q: usize, k: usize, c: v128, packed: bool): void {
  if (packed) {
    v128.store64_lane(p + 8 * k, i32x4.shuffle(c, c, 0, 2, 0, 2), 0);
  } else {
    v128.store32_lane(p + 4 * k, c, 0);
    v128.store32_lane(q + 4 * k, c, 2);
  }
}

// @ts-ignore: decorator
@inline function topOk(a: usize, b: usize): bool {
  return <u64>load<u32>(a, 36) * <u64>load<u32>(b, 36) < (<u64>1 << 56);
}

/** r1 = x1 y1 and r2 = x2 y2 (field elements, bounds above). */
export function feMul2(r1: usize, x1: usize, y1: usize, r2: usize, x2: usize, y2: usize): void {
  const verifyIn: bool = VERIFY
    ? assert(secpLimbsBelow(x1, 1 << 30) && secpLimbsBelow(y1, 1 << 30) && secpLimbsBelow(x2, 1 << 30) && secpLimbsBelow(y2, 1 << 30)
      && topOk(x1, y1) && topOk(x2, y2), 'secp feMul2: input out of bounds')
    : true;
  mul2(r1, r2, x1, x2, y1, y2, false);
}

/**
 * Multiplies the packed pairs a and b lane by lane into the packed pair r
 * (magnitudes m_a m_b < 16 in, 1 out; r may alias a or b).
 */
export function mulPacked(r: usize, a: usize, b: usize): void {
  mul2(r, 0, a, 0, b, 0, true);
}

/** Squares both elements of the packed pair a into r (magnitude <= 2 in, 1 out; r may alias a). */
export function sqrPacked(r: usize, a: usize): void {
  sqr2(r, 0, a, 0, true);
}

// The column sums and reduction shared by both layouts (see the header).
// @ts-ignore: decorator
@inline function mul2(r1: usize, r2: usize, x1: usize, x2: usize, y1: usize, y2: usize, packed: bool): void {
  const M26V = i64x2.splat(0x3ffffff), M22V = i64x2.splat(0x3fffff);
  const K3D10 = i32x4.splat(0x3d10), W3D10 = i64x2.splat(0x3d10), W3D1 = i64x2.splat(0x3d1);
  const a0 = ld(x1, x2, 0, packed);
  const a1 = ld(x1, x2, 1, packed);
  const a2 = ld(x1, x2, 2, packed);
  const a3 = ld(x1, x2, 3, packed);
  const a4 = ld(x1, x2, 4, packed);
  const a5 = ld(x1, x2, 5, packed);
  const a6 = ld(x1, x2, 6, packed);
  const a7 = ld(x1, x2, 7, packed);
  const a8 = ld(x1, x2, 8, packed);
  const a9 = ld(x1, x2, 9, packed);
  const b0 = ld(y1, y2, 0, packed);
  const b1 = ld(y1, y2, 1, packed);
  const b2 = ld(y1, y2, 2, packed);
  const b3 = ld(y1, y2, 3, packed);
  const b4 = ld(y1, y2, 4, packed);
  const b5 = ld(y1, y2, 5, packed);
  const b6 = ld(y1, y2, 6, packed);
  const b7 = ld(y1, y2, 7, packed);
  const b8 = ld(y1, y2, 8, packed);
  const b9 = ld(y1, y2, 9, packed);
  let c10 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a1, b9), mx(a2, b8)), mx(a3, b7)), mx(a4, b6)), mx(a5, b5)), mx(a6, b4)), mx(a7, b3)), mx(a8, b2)), mx(a9, b1));
  let c11 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a2, b9), mx(a3, b8)), mx(a4, b7)), mx(a5, b6)), mx(a6, b5)), mx(a7, b4)), mx(a8, b3)), mx(a9, b2)), i64x2.shr_u(c10, 26)); c10 = v128.and(c10, M26V);
  let c12 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a3, b9), mx(a4, b8)), mx(a5, b7)), mx(a6, b6)), mx(a7, b5)), mx(a8, b4)), mx(a9, b3)), i64x2.shr_u(c11, 26)); c11 = v128.and(c11, M26V);
  let c13 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a4, b9), mx(a5, b8)), mx(a6, b7)), mx(a7, b6)), mx(a8, b5)), mx(a9, b4)), i64x2.shr_u(c12, 26)); c12 = v128.and(c12, M26V);
  let c14 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a5, b9), mx(a6, b8)), mx(a7, b7)), mx(a8, b6)), mx(a9, b5)), i64x2.shr_u(c13, 26)); c13 = v128.and(c13, M26V);
  let c15 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a6, b9), mx(a7, b8)), mx(a8, b7)), mx(a9, b6)), i64x2.shr_u(c14, 26)); c14 = v128.and(c14, M26V);
  let c16 = i64x2.add(i64x2.add(i64x2.add(mx(a7, b9), mx(a8, b8)), mx(a9, b7)), i64x2.shr_u(c15, 26)); c15 = v128.and(c15, M26V);
  let c17 = i64x2.add(i64x2.add(mx(a8, b9), mx(a9, b8)), i64x2.shr_u(c16, 26)); c16 = v128.and(c16, M26V);
  let c18 = i64x2.add(mx(a9, b9), i64x2.shr_u(c17, 26)); c17 = v128.and(c17, M26V);
  const c19 = i64x2.shr_u(c18, 26); c18 = v128.and(c18, M26V);
  c10 = i64x2.add(c10, i64x2.shl(c19, 10));
  let c0 = i64x2.add(mx(a0, b0), i64x2.mul(c10, W3D10));
  let c1 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, b1), mx(a1, b0)), i64x2.shl(c10, 10)), mk(c11, K3D10)), i64x2.shr_u(c0, 26)); c0 = v128.and(c0, M26V);
  let c2 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, b2), mx(a1, b1)), mx(a2, b0)), i64x2.shl(c11, 10)), mk(c12, K3D10)), i64x2.shr_u(c1, 26)); c1 = v128.and(c1, M26V);
  let c3 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, b3), mx(a1, b2)), mx(a2, b1)), mx(a3, b0)), i64x2.shl(c12, 10)), mk(c13, K3D10)), i64x2.shr_u(c2, 26)); c2 = v128.and(c2, M26V);
  let c4 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, b4), mx(a1, b3)), mx(a2, b2)), mx(a3, b1)), mx(a4, b0)), i64x2.shl(c13, 10)), mk(c14, K3D10)), i64x2.shr_u(c3, 26)); c3 = v128.and(c3, M26V);
  let c5 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, b5), mx(a1, b4)), mx(a2, b3)), mx(a3, b2)), mx(a4, b1)), mx(a5, b0)), i64x2.shl(c14, 10)), mk(c15, K3D10)), i64x2.shr_u(c4, 26)); c4 = v128.and(c4, M26V);
  let c6 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, b6), mx(a1, b5)), mx(a2, b4)), mx(a3, b3)), mx(a4, b2)), mx(a5, b1)), mx(a6, b0)), i64x2.shl(c15, 10)), mk(c16, K3D10)), i64x2.shr_u(c5, 26)); c5 = v128.and(c5, M26V);
  let c7 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, b7), mx(a1, b6)), mx(a2, b5)), mx(a3, b4)), mx(a4, b3)), mx(a5, b2)), mx(a6, b1)), mx(a7, b0)), i64x2.shl(c16, 10)), mk(c17, K3D10)), i64x2.shr_u(c6, 26)); c6 = v128.and(c6, M26V);
  let c8 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, b8), mx(a1, b7)), mx(a2, b6)), mx(a3, b5)), mx(a4, b4)), mx(a5, b3)), mx(a6, b2)), mx(a7, b1)), mx(a8, b0)), i64x2.shl(c17, 10)), mk(c18, K3D10)), i64x2.shr_u(c7, 26)); c7 = v128.and(c7, M26V);
  let c9 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, b9), mx(a1, b8)), mx(a2, b7)), mx(a3, b6)), mx(a4, b5)), mx(a5, b4)), mx(a6, b3)), mx(a7, b2)), mx(a8, b1)), mx(a9, b0)), i64x2.shl(c18, 10)), mk(c19, K3D10)), i64x2.shr_u(c8, 26)); c8 = v128.and(c8, M26V);
  const t = i64x2.shr_u(c9, 22); c9 = v128.and(c9, M22V);
  c0 = i64x2.add(c0, i64x2.mul(t, W3D1)); c1 = i64x2.add(c1, i64x2.shl(t, 6));
  c1 = i64x2.add(c1, i64x2.shr_u(c0, 26)); c0 = v128.and(c0, M26V);
  c2 = i64x2.add(c2, i64x2.shr_u(c1, 26)); c1 = v128.and(c1, M26V);
  c3 = i64x2.add(c3, i64x2.shr_u(c2, 26)); c2 = v128.and(c2, M26V);
  st(r1, r2, 0, c0, packed); st(r1, r2, 1, c1, packed); st(r1, r2, 2, c2, packed); st(r1, r2, 3, c3, packed); st(r1, r2, 4, c4, packed); st(r1, r2, 5, c5, packed); st(r1, r2, 6, c6, packed); st(r1, r2, 7, c7, packed); st(r1, r2, 8, c8, packed); st(r1, r2, 9, c9, packed);
}

/** r1 = x1^2 and r2 = x2^2 (field elements, bounds above). */
export function feSqr2(r1: usize, x1: usize, r2: usize, x2: usize): void {
  const verifyIn: bool = VERIFY
    ? assert(secpLimbsBelow(x1, 1 << 30) && secpLimbsBelow(x2, 1 << 30) && topOk(x1, x1) && topOk(x2, x2), 'secp feSqr2: input out of bounds')
    : true;
  sqr2(r1, r2, x1, x2, false);
}

// @ts-ignore: decorator
@inline function sqr2(r1: usize, r2: usize, x1: usize, x2: usize, packed: bool): void {
  const M26V = i64x2.splat(0x3ffffff), M22V = i64x2.splat(0x3fffff);
  const K3D10 = i32x4.splat(0x3d10), W3D10 = i64x2.splat(0x3d10), W3D1 = i64x2.splat(0x3d1);
  const a0 = ld(x1, x2, 0, packed);
  const a1 = ld(x1, x2, 1, packed);
  const a2 = ld(x1, x2, 2, packed);
  const a3 = ld(x1, x2, 3, packed);
  const a4 = ld(x1, x2, 4, packed);
  const a5 = ld(x1, x2, 5, packed);
  const a6 = ld(x1, x2, 6, packed);
  const a7 = ld(x1, x2, 7, packed);
  const a8 = ld(x1, x2, 8, packed);
  const a9 = ld(x1, x2, 9, packed);
  const d1 = i32x4.shl(a1, 1);
  const d2 = i32x4.shl(a2, 1);
  const d3 = i32x4.shl(a3, 1);
  const d4 = i32x4.shl(a4, 1);
  const d5 = i32x4.shl(a5, 1);
  const d6 = i32x4.shl(a6, 1);
  const d7 = i32x4.shl(a7, 1);
  const d8 = i32x4.shl(a8, 1);
  const d9 = i32x4.shl(a9, 1);
  let c10 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a1, d9), mx(a2, d8)), mx(a3, d7)), mx(a4, d6)), mx(a5, a5));
  let c11 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a2, d9), mx(a3, d8)), mx(a4, d7)), mx(a5, d6)), i64x2.shr_u(c10, 26)); c10 = v128.and(c10, M26V);
  let c12 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a3, d9), mx(a4, d8)), mx(a5, d7)), mx(a6, a6)), i64x2.shr_u(c11, 26)); c11 = v128.and(c11, M26V);
  let c13 = i64x2.add(i64x2.add(i64x2.add(mx(a4, d9), mx(a5, d8)), mx(a6, d7)), i64x2.shr_u(c12, 26)); c12 = v128.and(c12, M26V);
  let c14 = i64x2.add(i64x2.add(i64x2.add(mx(a5, d9), mx(a6, d8)), mx(a7, a7)), i64x2.shr_u(c13, 26)); c13 = v128.and(c13, M26V);
  let c15 = i64x2.add(i64x2.add(mx(a6, d9), mx(a7, d8)), i64x2.shr_u(c14, 26)); c14 = v128.and(c14, M26V);
  let c16 = i64x2.add(i64x2.add(mx(a7, d9), mx(a8, a8)), i64x2.shr_u(c15, 26)); c15 = v128.and(c15, M26V);
  let c17 = i64x2.add(mx(a8, d9), i64x2.shr_u(c16, 26)); c16 = v128.and(c16, M26V);
  let c18 = i64x2.add(mx(a9, a9), i64x2.shr_u(c17, 26)); c17 = v128.and(c17, M26V);
  const c19 = i64x2.shr_u(c18, 26); c18 = v128.and(c18, M26V);
  c10 = i64x2.add(c10, i64x2.shl(c19, 10));
  let c0 = i64x2.add(mx(a0, a0), i64x2.mul(c10, W3D10));
  let c1 = i64x2.add(i64x2.add(i64x2.add(mx(a0, d1), i64x2.shl(c10, 10)), mk(c11, K3D10)), i64x2.shr_u(c0, 26)); c0 = v128.and(c0, M26V);
  let c2 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, d2), mx(a1, a1)), i64x2.shl(c11, 10)), mk(c12, K3D10)), i64x2.shr_u(c1, 26)); c1 = v128.and(c1, M26V);
  let c3 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, d3), mx(a1, d2)), i64x2.shl(c12, 10)), mk(c13, K3D10)), i64x2.shr_u(c2, 26)); c2 = v128.and(c2, M26V);
  let c4 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, d4), mx(a1, d3)), mx(a2, a2)), i64x2.shl(c13, 10)), mk(c14, K3D10)), i64x2.shr_u(c3, 26)); c3 = v128.and(c3, M26V);
  let c5 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, d5), mx(a1, d4)), mx(a2, d3)), i64x2.shl(c14, 10)), mk(c15, K3D10)), i64x2.shr_u(c4, 26)); c4 = v128.and(c4, M26V);
  let c6 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, d6), mx(a1, d5)), mx(a2, d4)), mx(a3, a3)), i64x2.shl(c15, 10)), mk(c16, K3D10)), i64x2.shr_u(c5, 26)); c5 = v128.and(c5, M26V);
  let c7 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, d7), mx(a1, d6)), mx(a2, d5)), mx(a3, d4)), i64x2.shl(c16, 10)), mk(c17, K3D10)), i64x2.shr_u(c6, 26)); c6 = v128.and(c6, M26V);
  let c8 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, d8), mx(a1, d7)), mx(a2, d6)), mx(a3, d5)), mx(a4, a4)), i64x2.shl(c17, 10)), mk(c18, K3D10)), i64x2.shr_u(c7, 26)); c7 = v128.and(c7, M26V);
  let c9 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(mx(a0, d9), mx(a1, d8)), mx(a2, d7)), mx(a3, d6)), mx(a4, d5)), i64x2.shl(c18, 10)), mk(c19, K3D10)), i64x2.shr_u(c8, 26)); c8 = v128.and(c8, M26V);
  const t = i64x2.shr_u(c9, 22); c9 = v128.and(c9, M22V);
  c0 = i64x2.add(c0, i64x2.mul(t, W3D1)); c1 = i64x2.add(c1, i64x2.shl(t, 6));
  c1 = i64x2.add(c1, i64x2.shr_u(c0, 26)); c0 = v128.and(c0, M26V);
  c2 = i64x2.add(c2, i64x2.shr_u(c1, 26)); c1 = v128.and(c1, M26V);
  c3 = i64x2.add(c3, i64x2.shr_u(c2, 26)); c2 = v128.and(c2, M26V);
  st(r1, r2, 0, c0, packed); st(r1, r2, 1, c1, packed); st(r1, r2, 2, c2, packed); st(r1, r2, 3, c3, packed); st(r1, r2, 4, c4, packed); st(r1, r2, 5, c5, packed); st(r1, r2, 6, c6, packed); st(r1, r2, 7, c7, packed); st(r1, r2, 8, c8, packed); st(r1, r2, 9, c9, packed);
}
