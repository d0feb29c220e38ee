// Arithmetic in GF(p), p = 2^255 - 19 (RFC 8032 §5.1, RFC 7748 §4.1).
//
// Layout: ten signed limbs in radix 2^25.5 (26, 25, 26, 25, ... bits; limb i
// has weight 2^ceil(25.5 i)), stored as i32 (40 bytes per element). WASM has
// a native 64x64->64 multiply but no 64x64->128, so 51-bit limbs are out;
// 25.5-bit limbs make every partial product fit an i64 with room to spare
// and cost 100 i64 multiplies per schoolbook product (16-bit limbs would
// cost 256); feMul below cuts that to 75 (+9 by 19) with a Karatsuba step
// over the limb parity. Measured in V8 (x86-64, this machine): feMul 35 ns
// schoolbook -> 31 ns, feSq ~20 ns. Earlier measurements (feMul ~47 ns,
// feSq ~25 ns, another machine) for the schoolbook variants that were
// slower and dropped: 19*g as shifts and adds (+5%), products re-loaded from
// memory per term (+55%), pairwise-tree column sums (+18%), wrapped terms
// summed before one multiply by 19 (+5%). The 64-bit multiplier is the
// bottleneck (one imul per cycle), so fewer multiplies is what wins.
// Measured on this machine, chained products, against feMul's 31 ns:
//   - radix 2^51 (five u64 limbs), each 51x51-bit product built from four
//     32x32->64 multiplies with explicit 128-bit carries: 66 ns (+112%).
//   - WASM SIMD, the 100 products as 50 i64x2.extmul_low_i32x4_s (operand
//     pairs loaded with v128.load64_zero, five i64x2 column accumulators):
//     41 ns (+31%); V8 lowers each extmul to two shuffles and a pmuldq, so
//     the shuffle port, not the multiplier, sets the pace.
//   - feSq with its 19/38 multiples as shifts and adds: 20 -> 24 ns (+15%).
//
// Bounds (the invariant every caller keeps): a "carried" element, as left by
// feMul/feSq/feFromBytes/feCarry, has |limb| <= 2^25 (roughly). feAdd/feSub
// do not carry, so their results are sums of 2..4 carried elements, |limb|
// <= 2^27. feMul/feSq accept inputs with |limb| <= 2^27 on both sides: the
// largest column is then 2^54 * (1 + 2*19*5 + 19*4) = 267 * 2^54 < 2^63.
//
// Every function reads all its inputs before writing, so outputs may alias
// inputs. Nothing here branches on, or indexes memory by, element values.
// The `VERIFY ? assert(...) : true` checks of these bounds exist only in the
// debug build; the release build compiles none of them (../verify.ts explains
// the mechanism). This file compiles on its own (test/ed25519.test.ts builds
// it alone), so its VERIFY switch and predicates are defined here instead of
// being imported from ../verify.ts like secp256k1/field.ts does.

// @ts-ignore: VAULTKEY_VERIFY exists only when asc is given --use VAULTKEY_VERIFY=<n>
const VERIFY: bool = isDefined(VAULTKEY_VERIFY) ? VAULTKEY_VERIFY != 0 : false;

/** VERIFY only: every limb of f is in [-bound, bound]. */
function edLimbsWithin(f: usize, bound: i64): bool {
  for (let i: usize = 0; i < 40; i += 4) {
    const x = <i64>load<i32>(f + i);
    if (x > bound || x < -bound) return false;
  }
  return true;
}

/** VERIFY only: f as feFromBytes leaves it, 0 <= limb < 2^26 (even index), < 2^25 (odd). */
function edFromBytesBound(f: usize): bool {
  for (let i: usize = 0; i < 10; i++) {
    const x = load<i32>(f + (i << 2));
    if (x < 0 || x >= (i & 1 ? 1 << 25 : 1 << 26)) return false;
  }
  return true;
}

/** VERIFY only: s (32 little-endian bytes) encodes a value in [0, p). */
function edCanonical(s: usize): bool {
  if (load<u8>(s, 31) > 0x7f) return false;
  if (load<u8>(s, 31) < 0x7f) return true;
  for (let i: usize = 30; i >= 1; i--) if (load<u8>(s + i) != 0xff) return true;
  return load<u8>(s) < 0xed;
}

export const FE: usize = 40;

// Constants as limbs (values checked against their RFC 8032 definitions in
// test/ed25519.test.ts through the public API: every decode and add uses them).
// scripts/gen-ed25519.mjs derives them from those definitions (npm run gen:check).
/** Twisted Edwards d = -121665/121666 mod p (RFC 8032 §5.1). */
export const D: usize = memory.data<i32>([56195235, 13857412, 51736253, 6949390, 114729, 24766616, 60832955, 30306712, 48412415, 21499315]);
/** 2d, used by the addition formulas. */
export const D2: usize = memory.data<i32>([45281625, 27714825, 36363642, 13898781, 229458, 15978800, 54557047, 27058993, 29715967, 9444199]);
/** sqrt(-1) = 2^((p-1)/4) mod p (RFC 8032 §5.1.3 step 3). */
export const SQRTM1: usize = memory.data<i32>([34513072, 25610706, 9377949, 3500415, 12389472, 33281959, 41962654, 31548777, 326685, 11406482]);

// Scratch for inversion/powers; it holds powers of secret values (the Z of
// [a]B during signing), so callers zero it with feWipe().
const T0: usize = memory.data(40, 16);
const T1: usize = memory.data(40, 16);
const T2: usize = memory.data(40, 16);
const T3: usize = memory.data(40, 16);
const TB: usize = memory.data(32, 16);

export function feWipe(): void {
  memory.fill(T0, 0, 40); memory.fill(T1, 0, 40); memory.fill(T2, 0, 40); memory.fill(T3, 0, 40);
  memory.fill(TB, 0, 32);
  memory.fill(SG, 0, 4 * 36 + 32);
}

// The small helpers below work on 40 bytes as two v128 lanes of four i32
// plus one i64 (two i32): straight-line code, no loop and no bulk-memory call.

export function feZero(h: usize): void {
  v128.store(h, i32x4.splat(0)); v128.store(h, i32x4.splat(0), 16); store<u64>(h, 0, 32);
}

export function feOne(h: usize): void {
  v128.store(h, i32x4(1, 0, 0, 0)); v128.store(h, i32x4.splat(0), 16); store<u64>(h, 0, 32);
}

export function feCopy(h: usize, f: usize): void {
  const a = v128.load(f), b = v128.load(f, 16), c = load<u64>(f, 32);
  v128.store(h, a); v128.store(h, b, 16); store<u64>(h, c, 32);
}

export function feAdd(h: usize, f: usize, g: usize): void {
  const verifyIn: bool = VERIFY ? assert(edLimbsWithin(f, 1 << 27) && edLimbsWithin(g, 1 << 27), 'ed25519 feAdd: input |limb| > 2^27') : true;
  const a = i32x4.add(v128.load(f), v128.load(g));
  const b = i32x4.add(v128.load(f, 16), v128.load(g, 16));
  const c = load<i32>(f, 32) + load<i32>(g, 32);
  const d = load<i32>(f, 36) + load<i32>(g, 36);
  v128.store(h, a); v128.store(h, b, 16); store<i32>(h, c, 32); store<i32>(h, d, 36);
  const verifyOut: bool = VERIFY ? assert(edLimbsWithin(h, 1 << 27), 'ed25519 feAdd: output |limb| > 2^27') : true;
}

export function feSub(h: usize, f: usize, g: usize): void {
  const verifyIn: bool = VERIFY ? assert(edLimbsWithin(f, 1 << 27) && edLimbsWithin(g, 1 << 27), 'ed25519 feSub: input |limb| > 2^27') : true;
  const a = i32x4.sub(v128.load(f), v128.load(g));
  const b = i32x4.sub(v128.load(f, 16), v128.load(g, 16));
  const c = load<i32>(f, 32) - load<i32>(g, 32);
  const d = load<i32>(f, 36) - load<i32>(g, 36);
  v128.store(h, a); v128.store(h, b, 16); store<i32>(h, c, 32); store<i32>(h, d, 36);
  const verifyOut: bool = VERIFY ? assert(edLimbsWithin(h, 1 << 27), 'ed25519 feSub: output |limb| > 2^27') : true;
}

export function feNeg(h: usize, f: usize): void {
  const verifyIn: bool = VERIFY ? assert(edLimbsWithin(f, 1 << 27), 'ed25519 feNeg: input |limb| > 2^27') : true;
  const a = i32x4.neg(v128.load(f)), b = i32x4.neg(v128.load(f, 16));
  const c = -load<i32>(f, 32), d = -load<i32>(f, 36);
  v128.store(h, a); v128.store(h, b, 16); store<i32>(h, c, 32); store<i32>(h, d, 36);
}

/** h = f if b == 1, unchanged if b == 0, with a mask instead of a branch (b is secret in signing). */
export function feCmov(h: usize, f: usize, b: i32): void {
  const verifyIn: bool = VERIFY ? assert(b == 0 || b == 1, 'ed25519 feCmov: b not 0 or 1') : true;
  const m = i32x4.splat(-b);
  const a = v128.bitselect(v128.load(f), v128.load(h), m);
  const c = v128.bitselect(v128.load(f, 16), v128.load(h, 16), m);
  const x = load<u64>(h, 32);
  const mm = <u64>(-<i64>b);
  v128.store(h, a); v128.store(h, c, 16); store<u64>(h, x ^ (mm & (x ^ load<u64>(f, 32))), 32);
}

/** h = f * g mod p, with 84 i64 multiplies instead of schoolbook's 109.
 *  Split by limb parity: f = fE(y) + 2^26 fO(y) with y = 2^51, fE = f0 + f2 y
 *  + ... + f8 y^4 and fO = f1 + f3 y + ... + f9 y^4 (limb 2m+1 weighs
 *  2^(26 + 51m)). Then, as polynomials in y,
 *    f g = fE gE + 2 y fO gO + 2^26 (fE gO + fO gE)          (2^52 = 2y)
 *  and Karatsuba gives the middle part as (fE + fO)(gE + gO) - fE gE - fO gO:
 *  three 5x5 products (75 multiplies) instead of four (100). y^5 = 2^255 = 19
 *  folds the top five coefficients of each part back (9 multiplies by 19).
 *  Measured in V8 (x86-64): 35 ns -> 29 ns per product (schoolbook dropped).
 *  The intermediate sums may exceed i64 (|fE+fO| <= 2^28: a coefficient of
 *  the third product reaches 5 * 2^56), but i64 arithmetic is exact modulo
 *  2^64 and every column it ends in is the schoolbook column, which the
 *  bound above keeps below 2^63: wrapping in between changes nothing. */
export function feMul(h: usize, f: usize, g: usize): void {
  const verifyIn: bool = VERIFY ? assert(edLimbsWithin(f, 1 << 27) && edLimbsWithin(g, 1 << 27), 'ed25519 feMul: input |limb| > 2^27') : true;
  const a0 = <i64>load<i32>(f, 0);
  const b0 = <i64>load<i32>(f, 4);
  const a1 = <i64>load<i32>(f, 8);
  const b1 = <i64>load<i32>(f, 12);
  const a2 = <i64>load<i32>(f, 16);
  const b2 = <i64>load<i32>(f, 20);
  const a3 = <i64>load<i32>(f, 24);
  const b3 = <i64>load<i32>(f, 28);
  const a4 = <i64>load<i32>(f, 32);
  const b4 = <i64>load<i32>(f, 36);
  const c0 = <i64>load<i32>(g, 0);
  const d0 = <i64>load<i32>(g, 4);
  const c1 = <i64>load<i32>(g, 8);
  const d1 = <i64>load<i32>(g, 12);
  const c2 = <i64>load<i32>(g, 16);
  const d2 = <i64>load<i32>(g, 20);
  const c3 = <i64>load<i32>(g, 24);
  const d3 = <i64>load<i32>(g, 28);
  const c4 = <i64>load<i32>(g, 32);
  const d4 = <i64>load<i32>(g, 36);
  // fE gE (a = even limbs of f, c = even limbs of g)
  const p0 = a0 * c0;
  const p1 = a0 * c1 + a1 * c0;
  const p2 = a0 * c2 + a1 * c1 + a2 * c0;
  const p3 = a0 * c3 + a1 * c2 + a2 * c1 + a3 * c0;
  const p4 = a0 * c4 + a1 * c3 + a2 * c2 + a3 * c1 + a4 * c0;
  const p5 = a1 * c4 + a2 * c3 + a3 * c2 + a4 * c1;
  const p6 = a2 * c4 + a3 * c3 + a4 * c2;
  const p7 = a3 * c4 + a4 * c3;
  const p8 = a4 * c4;
  // fO gO (b, d = odd limbs)
  const q0 = b0 * d0;
  const q1 = b0 * d1 + b1 * d0;
  const q2 = b0 * d2 + b1 * d1 + b2 * d0;
  const q3 = b0 * d3 + b1 * d2 + b2 * d1 + b3 * d0;
  const q4 = b0 * d4 + b1 * d3 + b2 * d2 + b3 * d1 + b4 * d0;
  const q5 = b1 * d4 + b2 * d3 + b3 * d2 + b4 * d1;
  const q6 = b2 * d4 + b3 * d3 + b4 * d2;
  const q7 = b3 * d4 + b4 * d3;
  const q8 = b4 * d4;
  // (fE + fO)(gE + gO)
  const s0 = a0 + b0, s1 = a1 + b1, s2 = a2 + b2, s3 = a3 + b3, s4 = a4 + b4;
  const t0 = c0 + d0, t1 = c1 + d1, t2 = c2 + d2, t3 = c3 + d3, t4 = c4 + d4;
  const r0 = s0 * t0;
  const r1 = s0 * t1 + s1 * t0;
  const r2 = s0 * t2 + s1 * t1 + s2 * t0;
  const r3 = s0 * t3 + s1 * t2 + s2 * t1 + s3 * t0;
  const r4 = s0 * t4 + s1 * t3 + s2 * t2 + s3 * t1 + s4 * t0;
  const r5 = s1 * t4 + s2 * t3 + s3 * t2 + s4 * t1;
  const r6 = s2 * t4 + s3 * t3 + s4 * t2;
  const r7 = s3 * t4 + s4 * t3;
  const r8 = s4 * t4;
  // even limbs: fE gE + 2y fO gO; odd limbs: the Karatsuba middle; y^5 = 19.
  let h0 = p0 + 19 * (p5 + (q4 << 1));
  let h2 = p1 + (q0 << 1) + 19 * (p6 + (q5 << 1));
  let h4 = p2 + (q1 << 1) + 19 * (p7 + (q6 << 1));
  let h6 = p3 + (q2 << 1) + 19 * (p8 + (q7 << 1));
  let h8 = p4 + (q3 << 1) + 19 * (q8 << 1);
  let h1 = r0 - p0 - q0 + 19 * (r5 - p5 - q5);
  let h3 = r1 - p1 - q1 + 19 * (r6 - p6 - q6);
  let h5 = r2 - p2 - q2 + 19 * (r7 - p7 - q7);
  let h7 = r3 - p3 - q3 + 19 * (r8 - p8 - q8);
  let h9 = r4 - p4 - q4;
  // Two interleaved carry chains (limbs 0..4 and 4..9) shorten the dependency
  // path; carries round to nearest so limbs end up signed and small:
  // |h_even| <= 2^25, |h_odd| <= 2^24 (h1 slightly more after the last step).
  let c: i64;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h1 + (1 << 24)) >> 25; h2 += c; h1 -= c << 25;
  c = (h5 + (1 << 24)) >> 25; h6 += c; h5 -= c << 25;
  c = (h2 + (1 << 25)) >> 26; h3 += c; h2 -= c << 26;
  c = (h6 + (1 << 25)) >> 26; h7 += c; h6 -= c << 26;
  c = (h3 + (1 << 24)) >> 25; h4 += c; h3 -= c << 25;
  c = (h7 + (1 << 24)) >> 25; h8 += c; h7 -= c << 25;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h8 + (1 << 25)) >> 26; h9 += c; h8 -= c << 26;
  c = (h9 + (1 << 24)) >> 25; h0 += c * 19; h9 -= c << 25;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  store<i32>(h, <i32>h0, 0); store<i32>(h, <i32>h1, 4); store<i32>(h, <i32>h2, 8); store<i32>(h, <i32>h3, 12);
  store<i32>(h, <i32>h4, 16); store<i32>(h, <i32>h5, 20); store<i32>(h, <i32>h6, 24); store<i32>(h, <i32>h7, 28);
  store<i32>(h, <i32>h8, 32); store<i32>(h, <i32>h9, 36);
  const verifyOut: bool = VERIFY ? assert(edLimbsWithin(h, 1 << 25), 'ed25519 feMul: output |limb| > 2^25') : true;
}

/** Carries h in place so its limbs are back within the carried bound. */
export function feCarry(h: usize): void {
  let h0 = <i64>load<i32>(h, 0);
  let h1 = <i64>load<i32>(h, 4);
  let h2 = <i64>load<i32>(h, 8);
  let h3 = <i64>load<i32>(h, 12);
  let h4 = <i64>load<i32>(h, 16);
  let h5 = <i64>load<i32>(h, 20);
  let h6 = <i64>load<i32>(h, 24);
  let h7 = <i64>load<i32>(h, 28);
  let h8 = <i64>load<i32>(h, 32);
  let h9 = <i64>load<i32>(h, 36);
  // Two interleaved carry chains (limbs 0..4 and 4..9) shorten the dependency
  // path; carries round to nearest so limbs end up signed and small:
  // |h_even| <= 2^25, |h_odd| <= 2^24 (h1 slightly more after the last step).
  let c: i64;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h1 + (1 << 24)) >> 25; h2 += c; h1 -= c << 25;
  c = (h5 + (1 << 24)) >> 25; h6 += c; h5 -= c << 25;
  c = (h2 + (1 << 25)) >> 26; h3 += c; h2 -= c << 26;
  c = (h6 + (1 << 25)) >> 26; h7 += c; h6 -= c << 26;
  c = (h3 + (1 << 24)) >> 25; h4 += c; h3 -= c << 25;
  c = (h7 + (1 << 24)) >> 25; h8 += c; h7 -= c << 25;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h8 + (1 << 25)) >> 26; h9 += c; h8 -= c << 26;
  c = (h9 + (1 << 24)) >> 25; h0 += c * 19; h9 -= c << 25;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  store<i32>(h, <i32>h0, 0); store<i32>(h, <i32>h1, 4); store<i32>(h, <i32>h2, 8); store<i32>(h, <i32>h3, 12);
  store<i32>(h, <i32>h4, 16); store<i32>(h, <i32>h5, 20); store<i32>(h, <i32>h6, 24); store<i32>(h, <i32>h7, 28);
  store<i32>(h, <i32>h8, 32); store<i32>(h, <i32>h9, 36);
  const verifyOut: bool = VERIFY ? assert(edLimbsWithin(h, 1 << 25), 'ed25519 feCarry: output |limb| > 2^25') : true;
}

/** h = f^2 mod p: the schoolbook square with the symmetric products merged
 *  (55 multiplies + 7 by 19/38). feMul's parity-split Karatsuba applied to
 *  squaring (three 15-multiply squares, 54 in all) measured slower: 20 ns ->
 *  22 ns (+10%), and the inversion chain +11%; kept the schoolbook square. */
export function feSq(h: usize, f: usize): void {
  const verifyIn: bool = VERIFY ? assert(edLimbsWithin(f, 1 << 27), 'ed25519 feSq: input |limb| > 2^27') : true;
  const f0 = <i64>load<i32>(f, 0);
  const f1 = <i64>load<i32>(f, 4);
  const f2 = <i64>load<i32>(f, 8);
  const f3 = <i64>load<i32>(f, 12);
  const f4 = <i64>load<i32>(f, 16);
  const f5 = <i64>load<i32>(f, 20);
  const f6 = <i64>load<i32>(f, 24);
  const f7 = <i64>load<i32>(f, 28);
  const f8 = <i64>load<i32>(f, 32);
  const f9 = <i64>load<i32>(f, 36);
  const f0_2 = f0 << 1;
  const f1_2 = f1 << 1;
  const f2_2 = f2 << 1;
  const f3_2 = f3 << 1;
  const f4_2 = f4 << 1;
  const f5_2 = f5 << 1;
  const f7_2 = f7 << 1;
  const f6_19 = f6 * 19;
  const f8_19 = f8 * 19;
  const f5_38 = f5 * 38;
  const f6_38 = f6 * 38;
  const f7_38 = f7 * 38;
  const f8_38 = f8 * 38;
  const f9_38 = f9 * 38;
  let h0 = f0 * f0 + f1_2 * f9_38 + f2 * f8_38 + f3_2 * f7_38 + f4 * f6_38 + f5 * f5_38;
  let h1 = f0_2 * f1 + f2 * f9_38 + f3 * f8_38 + f4 * f7_38 + f5 * f6_38;
  let h2 = f0_2 * f2 + f1_2 * f1 + f3_2 * f9_38 + f4 * f8_38 + f5_2 * f7_38 + f6 * f6_19;
  let h3 = f0_2 * f3 + f1_2 * f2 + f4 * f9_38 + f5 * f8_38 + f6 * f7_38;
  let h4 = f0_2 * f4 + f1_2 * f3_2 + f2 * f2 + f5_2 * f9_38 + f6 * f8_38 + f7 * f7_38;
  let h5 = f0_2 * f5 + f1_2 * f4 + f2_2 * f3 + f6 * f9_38 + f7 * f8_38;
  let h6 = f0_2 * f6 + f1_2 * f5_2 + f2_2 * f4 + f3_2 * f3 + f7_2 * f9_38 + f8 * f8_19;
  let h7 = f0_2 * f7 + f1_2 * f6 + f2_2 * f5 + f3_2 * f4 + f8 * f9_38;
  let h8 = f0_2 * f8 + f1_2 * f7_2 + f2_2 * f6 + f3_2 * f5_2 + f4 * f4 + f9 * f9_38;
  let h9 = f0_2 * f9 + f1_2 * f8 + f2_2 * f7 + f3_2 * f6 + f4_2 * f5;
  // Two interleaved carry chains (limbs 0..4 and 4..9) shorten the dependency
  // path; carries round to nearest so limbs end up signed and small:
  // |h_even| <= 2^25, |h_odd| <= 2^24 (h1 slightly more after the last step).
  let c: i64;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h1 + (1 << 24)) >> 25; h2 += c; h1 -= c << 25;
  c = (h5 + (1 << 24)) >> 25; h6 += c; h5 -= c << 25;
  c = (h2 + (1 << 25)) >> 26; h3 += c; h2 -= c << 26;
  c = (h6 + (1 << 25)) >> 26; h7 += c; h6 -= c << 26;
  c = (h3 + (1 << 24)) >> 25; h4 += c; h3 -= c << 25;
  c = (h7 + (1 << 24)) >> 25; h8 += c; h7 -= c << 25;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h8 + (1 << 25)) >> 26; h9 += c; h8 -= c << 26;
  c = (h9 + (1 << 24)) >> 25; h0 += c * 19; h9 -= c << 25;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  store<i32>(h, <i32>h0, 0); store<i32>(h, <i32>h1, 4); store<i32>(h, <i32>h2, 8); store<i32>(h, <i32>h3, 12);
  store<i32>(h, <i32>h4, 16); store<i32>(h, <i32>h5, 20); store<i32>(h, <i32>h6, 24); store<i32>(h, <i32>h7, 28);
  store<i32>(h, <i32>h8, 32); store<i32>(h, <i32>h9, 36);
  const verifyOut: bool = VERIFY ? assert(edLimbsWithin(h, 1 << 25), 'ed25519 feSq: output |limb| > 2^25') : true;
}

/** h = f^(2^n), n >= 1: the squaring of feSq repeated with the limbs kept in locals. */
export function feSqN(h: usize, f: usize, n: i32): void {
  const verifyN: bool = VERIFY ? assert(n >= 1, 'ed25519 feSqN: n < 1') : true;
  const verifyIn: bool = VERIFY ? assert(edLimbsWithin(f, 1 << 27), 'ed25519 feSqN: input |limb| > 2^27') : true;
  let f0 = <i64>load<i32>(f, 0);
  let f1 = <i64>load<i32>(f, 4);
  let f2 = <i64>load<i32>(f, 8);
  let f3 = <i64>load<i32>(f, 12);
  let f4 = <i64>load<i32>(f, 16);
  let f5 = <i64>load<i32>(f, 20);
  let f6 = <i64>load<i32>(f, 24);
  let f7 = <i64>load<i32>(f, 28);
  let f8 = <i64>load<i32>(f, 32);
  let f9 = <i64>load<i32>(f, 36);
  for (let r = 0; r < n; r++) {
    const f0_2 = f0 << 1;
    const f1_2 = f1 << 1;
    const f2_2 = f2 << 1;
    const f3_2 = f3 << 1;
    const f4_2 = f4 << 1;
    const f5_2 = f5 << 1;
    const f7_2 = f7 << 1;
    const f6_19 = f6 * 19;
    const f8_19 = f8 * 19;
    const f5_38 = f5 * 38;
    const f6_38 = f6 * 38;
    const f7_38 = f7 * 38;
    const f8_38 = f8 * 38;
    const f9_38 = f9 * 38;
    let h0 = f0 * f0 + f1_2 * f9_38 + f2 * f8_38 + f3_2 * f7_38 + f4 * f6_38 + f5 * f5_38;
    let h1 = f0_2 * f1 + f2 * f9_38 + f3 * f8_38 + f4 * f7_38 + f5 * f6_38;
    let h2 = f0_2 * f2 + f1_2 * f1 + f3_2 * f9_38 + f4 * f8_38 + f5_2 * f7_38 + f6 * f6_19;
    let h3 = f0_2 * f3 + f1_2 * f2 + f4 * f9_38 + f5 * f8_38 + f6 * f7_38;
    let h4 = f0_2 * f4 + f1_2 * f3_2 + f2 * f2 + f5_2 * f9_38 + f6 * f8_38 + f7 * f7_38;
    let h5 = f0_2 * f5 + f1_2 * f4 + f2_2 * f3 + f6 * f9_38 + f7 * f8_38;
    let h6 = f0_2 * f6 + f1_2 * f5_2 + f2_2 * f4 + f3_2 * f3 + f7_2 * f9_38 + f8 * f8_19;
    let h7 = f0_2 * f7 + f1_2 * f6 + f2_2 * f5 + f3_2 * f4 + f8 * f9_38;
    let h8 = f0_2 * f8 + f1_2 * f7_2 + f2_2 * f6 + f3_2 * f5_2 + f4 * f4 + f9 * f9_38;
    let h9 = f0_2 * f9 + f1_2 * f8 + f2_2 * f7 + f3_2 * f6 + f4_2 * f5;
    // Two interleaved carry chains (limbs 0..4 and 4..9) shorten the dependency
    // path; carries round to nearest so limbs end up signed and small:
    // |h_even| <= 2^25, |h_odd| <= 2^24 (h1 slightly more after the last step).
    let c: i64;
    c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
    c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
    c = (h1 + (1 << 24)) >> 25; h2 += c; h1 -= c << 25;
    c = (h5 + (1 << 24)) >> 25; h6 += c; h5 -= c << 25;
    c = (h2 + (1 << 25)) >> 26; h3 += c; h2 -= c << 26;
    c = (h6 + (1 << 25)) >> 26; h7 += c; h6 -= c << 26;
    c = (h3 + (1 << 24)) >> 25; h4 += c; h3 -= c << 25;
    c = (h7 + (1 << 24)) >> 25; h8 += c; h7 -= c << 25;
    c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
    c = (h8 + (1 << 25)) >> 26; h9 += c; h8 -= c << 26;
    c = (h9 + (1 << 24)) >> 25; h0 += c * 19; h9 -= c << 25;
    c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
    f0 = h0; f1 = h1; f2 = h2; f3 = h3; f4 = h4; f5 = h5; f6 = h6; f7 = h7; f8 = h8; f9 = h9;
  }
  store<i32>(h, <i32>f0, 0); store<i32>(h, <i32>f1, 4); store<i32>(h, <i32>f2, 8); store<i32>(h, <i32>f3, 12);
  store<i32>(h, <i32>f4, 16); store<i32>(h, <i32>f5, 20); store<i32>(h, <i32>f6, 24); store<i32>(h, <i32>f7, 28);
  store<i32>(h, <i32>f8, 32); store<i32>(h, <i32>f9, 36);
  const verifyOut: bool = VERIFY ? assert(edLimbsWithin(h, 1 << 25), 'ed25519 feSqN: output |limb| > 2^25') : true;
}

/** Reduces f (carried, or a sum/difference of up to four carried elements) to
 *  its canonical value in [0, p) and writes 32 little-endian bytes. */
export function feToBytes(s: usize, f: usize): void {
  const verifyIn: bool = VERIFY ? assert(edLimbsWithin(f, 1 << 27), 'ed25519 feToBytes: input |limb| > 2^27') : true;
  // One rounding carry pass first, so that |h_i| <= 2^25 (2^24 for odd i)
  // whatever add/sub left, which the quotient estimate below relies on.
  let g0 = <i64>load<i32>(f, 0), g1 = <i64>load<i32>(f, 4), g2 = <i64>load<i32>(f, 8), g3 = <i64>load<i32>(f, 12);
  let g4 = <i64>load<i32>(f, 16), g5 = <i64>load<i32>(f, 20), g6 = <i64>load<i32>(f, 24), g7 = <i64>load<i32>(f, 28);
  let g8 = <i64>load<i32>(f, 32), g9 = <i64>load<i32>(f, 36);
  let k: i64;
  k = (g0 + (1 << 25)) >> 26; g1 += k; g0 -= k << 26;
  k = (g1 + (1 << 24)) >> 25; g2 += k; g1 -= k << 25;
  k = (g2 + (1 << 25)) >> 26; g3 += k; g2 -= k << 26;
  k = (g3 + (1 << 24)) >> 25; g4 += k; g3 -= k << 25;
  k = (g4 + (1 << 25)) >> 26; g5 += k; g4 -= k << 26;
  k = (g5 + (1 << 24)) >> 25; g6 += k; g5 -= k << 25;
  k = (g6 + (1 << 25)) >> 26; g7 += k; g6 -= k << 26;
  k = (g7 + (1 << 24)) >> 25; g8 += k; g7 -= k << 25;
  k = (g8 + (1 << 25)) >> 26; g9 += k; g8 -= k << 26;
  k = (g9 + (1 << 24)) >> 25; g0 += k * 19; g9 -= k << 25;
  k = (g0 + (1 << 25)) >> 26; g1 += k; g0 -= k << 26;
  let h0 = <i32>g0, h1 = <i32>g1, h2 = <i32>g2, h3 = <i32>g3, h4 = <i32>g4;
  let h5 = <i32>g5, h6 = <i32>g6, h7 = <i32>g7, h8 = <i32>g8, h9 = <i32>g9;
  // q = floor((h + 19) / 2^255) is 1 exactly when h (in (-p, 2p)) is >= p,
  // found by propagating only the carries of h + 19 (h9's carry seeds it with 19*h9).
  let q = (19 * h9 + (1 << 24)) >> 25;
  q = (h0 + q) >> 26; q = (h1 + q) >> 25; q = (h2 + q) >> 26; q = (h3 + q) >> 25; q = (h4 + q) >> 26;
  q = (h5 + q) >> 25; q = (h6 + q) >> 26; q = (h7 + q) >> 25; q = (h8 + q) >> 26; q = (h9 + q) >> 25;
  const verifyQ: bool = VERIFY ? assert(q >= -1 && q <= 1, 'ed25519 feToBytes: carried value outside (-p, 2p)') : true;
  // h - q*p = h + 19q - q*2^255: add 19q, carry with floor shifts, drop the final 2^255 carry.
  h0 += 19 * q;
  let c: i32;
  c = h0 >> 26; h1 += c; h0 -= c << 26;
  c = h1 >> 25; h2 += c; h1 -= c << 25;
  c = h2 >> 26; h3 += c; h2 -= c << 26;
  c = h3 >> 25; h4 += c; h3 -= c << 25;
  c = h4 >> 26; h5 += c; h4 -= c << 26;
  c = h5 >> 25; h6 += c; h5 -= c << 25;
  c = h6 >> 26; h7 += c; h6 -= c << 26;
  c = h7 >> 25; h8 += c; h7 -= c << 25;
  c = h8 >> 26; h9 += c; h8 -= c << 26;
  h9 &= (1 << 25) - 1;
  // Pack limbs at bit offsets 0, 26, 51, 77, 102, 128, 153, 179, 204, 230.
  store<u64>(s, <u64><u32>h0 | (<u64><u32>h1 << 26) | (<u64><u32>h2 << 51));
  store<u64>(s + 8, (<u64><u32>h2 >> 13) | (<u64><u32>h3 << 13) | (<u64><u32>h4 << 38));
  store<u64>(s + 16, <u64><u32>h5 | (<u64><u32>h6 << 25) | (<u64><u32>h7 << 51));
  store<u64>(s + 24, (<u64><u32>h7 >> 13) | (<u64><u32>h8 << 12) | (<u64><u32>h9 << 38));
  const verifyOut: bool = VERIFY ? assert(edCanonical(s), 'ed25519 feToBytes: output >= p') : true;
}

/** Loads 32 little-endian bytes, ignoring bit 255 (RFC 8032 §5.1.3 step 1 decodes it separately). */
export function feFromBytes(h: usize, s: usize): void {
  store<i32>(h, <i32>(load<u32>(s, 0) & 0x3ffffff), 0);
  store<i32>(h, <i32>((load<u32>(s, 3) >> 2) & 0x1ffffff), 4);
  store<i32>(h, <i32>((load<u32>(s, 6) >> 3) & 0x3ffffff), 8);
  store<i32>(h, <i32>((load<u32>(s, 9) >> 5) & 0x1ffffff), 12);
  store<i32>(h, <i32>((load<u32>(s, 12) >> 6) & 0x3ffffff), 16);
  store<i32>(h, <i32>(load<u32>(s, 16) & 0x1ffffff), 20);
  store<i32>(h, <i32>((load<u32>(s, 19) >> 1) & 0x3ffffff), 24);
  store<i32>(h, <i32>((load<u32>(s, 22) >> 3) & 0x1ffffff), 28);
  store<i32>(h, <i32>((load<u32>(s, 25) >> 4) & 0x3ffffff), 32);
  store<i32>(h, <i32>((load<u32>(s, 28) >> 6) & 0x1ffffff), 36);
  const verifyOut: bool = VERIFY ? assert(edFromBytesBound(h), 'ed25519 feFromBytes: limb outside [0, 2^26) / [0, 2^25)') : true;
}

/** 1 if the canonical value of f is odd ("negative" in RFC 8032 §5.1.2), else 0. */
export function feIsNegative(f: usize): i32 {
  feToBytes(TB, f);
  const r = <i32>(load<u8>(TB) & 1);
  memory.fill(TB, 0, 32);
  return r;
}

/** 1 if f == 0 mod p, else 0 (constant time). */
export function feIsZero(f: usize): i32 {
  feToBytes(TB, f);
  const acc: u64 = load<u64>(TB) | load<u64>(TB, 8) | load<u64>(TB, 16) | load<u64>(TB, 24);
  memory.fill(TB, 0, 32);
  return <i32>(((acc | (0 - acc)) >> 63) ^ 1);
}

// Common prefix of the two exponentiations: T1 = z^(2^250 - 1), T0 = z^11.
function pow2250m1(z: usize): void {
  feSq(T0, z);            // z^2
  feSqN(T1, T0, 2);       // z^8
  feMul(T1, z, T1);       // z^9
  feMul(T0, T0, T1);      // z^11
  feSq(T2, T0);           // z^22
  feMul(T1, T1, T2);      // z^(2^5 - 1)
  feSqN(T2, T1, 5);
  feMul(T1, T2, T1);      // 2^10 - 1
  feSqN(T2, T1, 10);
  feMul(T2, T2, T1);      // 2^20 - 1
  feSqN(T3, T2, 20);
  feMul(T2, T3, T2);      // 2^40 - 1
  feSqN(T2, T2, 10);
  feMul(T1, T2, T1);      // 2^50 - 1
  feSqN(T2, T1, 50);
  feMul(T2, T2, T1);      // 2^100 - 1
  feSqN(T3, T2, 100);
  feMul(T2, T3, T2);      // 2^200 - 1
  feSqN(T2, T2, 50);
  feMul(T1, T2, T1);      // 2^250 - 1
}

// ---- Inversion: Bernstein–Yang safegcd ("Fast constant-time gcd computation
// and modular inversion", 2019), in the half-delta form ("hddivsteps") that
// needs 590 steps for a 256-bit modulus: 20 batches of 30 divsteps. Each batch
// runs its 30 steps on the low 32 bits of f and g only, in constant time
// (masks, no branch), producing a 2x2 matrix scaled by 2^30 that is then
// applied to the full f, g (exact division by 2^30) and to d, e (division by
// 2^30 mod p). Numbers are nine signed 30-bit limbs (i32, value sum v_i
// 2^(30 i), limbs 0..7 in [0, 2^30) between batches, limb 8 signed), so every
// matrix-times-limb product fits an i64. p itself, in update_de only, is
// written with signed limbs (-19, 0, ..., 0, 2^15): two multiplies per row.
// Invariants (mod p): d z = f, e z = g; f ends at +-1, so 1/z = +-d. The
// ranges d, e in (-2p, p) follow the bounds of the safegcd paper §11 / the
// libsecp256k1 write-up of the same algorithm (|u| + |v| <= 2^30 per batch).
// Measured in V8 (x86-64): 5.0 us for the Fermat chain z^(p-2) (254
// squarings + 11 multiplications, kept below for the square root) -> 2.5 us.
// For verification (public z), stopping once g = 0 measured 2.55 -> 2.29 us
// (g vanishes only after ~18 of the 20 batches): not worth a second path.

const M30: i64 = 0x3fffffff;
/** p^-1 mod 2^30. */
const PINV30: i64 = 395589093;
/** f, g, d, e (9 limbs of i32 each) and a 32-byte staging area: secret in signing, zeroed by feWipe. */
const SG: usize = memory.data(4 * 36 + 32, 16);
const SGF: usize = SG;
const SGG: usize = SG + 36;
const SGD: usize = SG + 72;
const SGE: usize = SG + 108;
const SGB: usize = SG + 144;
// the 2x2 transition matrix of the current batch (secret in signing; cleared after use)
let tu: i64 = 0, tv: i64 = 0, tq: i64 = 0, tr: i64 = 0;

// 30 hddivsteps on the low bits of f and g (zeta = -(delta + 1/2)); sets the
// matrix (u v; q r) with 2^30 (f', g') = (u f + v g, q f + r g). Constant time.
function divsteps30(zeta: i32, f0: u32, g0: u32): i32 {
  let u: u32 = 1, v: u32 = 0, q: u32 = 0, r: u32 = 1;
  let f = f0, g = g0;
  for (let i = 0; i < 30; i++) {
    let c1 = <u32>(zeta >> 31);  // all-ones iff delta > 0
    const c2 = 0 - (g & 1);      // all-ones iff g odd
    const x = (f ^ c1) - c1, y = (u ^ c1) - c1, z = (v ^ c1) - c1;
    g += x & c2; q += y & c2; r += z & c2;  // g -= f (swap case) or g += f (odd g)
    c1 &= c2;                               // swap: delta > 0 and g odd
    zeta = (zeta ^ <i32>c1) - 1;            // delta -> 1 - delta, or 1 + delta
    f += g & c1; u += q & c1; v += r & c1;  // swap: f = old g, (u, v) = old (q, r)
    g >>= 1; u <<= 1; v <<= 1;
  }
  tu = <i64><i32>u; tv = <i64><i32>v; tq = <i64><i32>q; tr = <i64><i32>r;
  return zeta;
}

// (f, g) = (u f + v g, q f + r g) / 2^30, exactly (the low 30 bits vanish).
function updateFG(): void {
  const u = tu, v = tv, q = tq, r = tr;
  let fi = <i64>load<i32>(SGF), gi = <i64>load<i32>(SGG);
  let cf = (u * fi + v * gi) >> 30, cg = (q * fi + r * gi) >> 30;
  for (let i: usize = 4; i < 36; i += 4) {
    fi = <i64>load<i32>(SGF + i); gi = <i64>load<i32>(SGG + i);
    cf += u * fi + v * gi; cg += q * fi + r * gi;
    store<i32>(SGF + i - 4, <i32>(cf & M30)); store<i32>(SGG + i - 4, <i32>(cg & M30));
    cf >>= 30; cg >>= 30;
  }
  store<i32>(SGF + 32, <i32>cf); store<i32>(SGG + 32, <i32>cg);
}

// (d, e) = (u d + v e, q d + r e) / 2^30 mod p: add the multiple of p that
// clears the low 30 bits (and p when d or e is negative, to keep the ranges).
function updateDE(): void {
  const u = tu, v = tv, q = tq, r = tr;
  const sd = <i64>(load<i32>(SGD + 32) >> 31), se = <i64>(load<i32>(SGE + 32) >> 31);
  let md = (u & sd) + (v & se), me = (q & sd) + (r & se);
  let di = <i64>load<i32>(SGD), ei = <i64>load<i32>(SGE);
  let cd = u * di + v * ei, ce = q * di + r * ei;
  md -= (PINV30 * (cd & M30) + md) & M30;
  me -= (PINV30 * (ce & M30) + me) & M30;
  cd = (cd - 19 * md) >> 30; ce = (ce - 19 * me) >> 30;
  for (let i: usize = 4; i < 32; i += 4) {
    di = <i64>load<i32>(SGD + i); ei = <i64>load<i32>(SGE + i);
    cd += u * di + v * ei; ce += q * di + r * ei;
    store<i32>(SGD + i - 4, <i32>(cd & M30)); store<i32>(SGE + i - 4, <i32>(ce & M30));
    cd >>= 30; ce >>= 30;
  }
  di = <i64>load<i32>(SGD + 32); ei = <i64>load<i32>(SGE + 32);
  cd += u * di + v * ei + (md << 15); ce += q * di + r * ei + (me << 15);
  store<i32>(SGD + 28, <i32>(cd & M30)); store<i32>(SGE + 28, <i32>(ce & M30));
  store<i32>(SGD + 32, <i32>(cd >> 30)); store<i32>(SGE + 32, <i32>(ce >> 30));
}

// Propagates carries through limbs 0..7 of x (limb 8 keeps the sign).
function carry30(x: usize): void {
  let c: i32 = 0;
  for (let i: usize = 0; i < 32; i += 4) {
    const v = load<i32>(x + i) + c;
    c = v >> 30;
    store<i32>(x + i, v & <i32>M30);
  }
  store<i32>(x + 32, load<i32>(x + 32) + c);
}

// x += p if m is all-ones (p in standard limbs: 2^30 - 19, 2^30 - 1 (x7), 2^15 - 1), then carries.
function addPMasked(x: usize, m: i32): void {
  store<i32>(x, load<i32>(x) + (0x3fffffed & m));
  for (let i: usize = 4; i < 32; i += 4) store<i32>(x + i, load<i32>(x + i) + (0x3fffffff & m));
  store<i32>(x + 32, load<i32>(x + 32) + (0x7fff & m));
  carry30(x);
}

/** out = 1/z mod p (0 maps to 0), by safegcd in constant time: the number of
 *  steps, the memory touched and the instructions run never depend on z. */
export function feInvert(out: usize, z: usize): void {
  feToBytes(SGB, z);
  // g = z, f = p, d = 0, e = 1, all as 30-bit limbs
  let acc: u64 = 0, nb: u32 = 0, o: usize = 0;
  for (let i: usize = 0; i < 36; i += 4) {
    while (nb < 30 && o < 32) { acc |= <u64>load<u8>(SGB + o) << nb; nb += 8; o++; }
    store<i32>(SGG + i, <i32>(acc & <u64>M30)); acc >>= 30; nb -= nb < 30 ? nb : 30;
    store<i32>(SGF + i, i == 0 ? 0x3fffffed : (i == 32 ? 0x7fff : 0x3fffffff));
    store<i32>(SGD + i, 0); store<i32>(SGE + i, i == 0 ? 1 : 0);
  }
  let zeta: i32 = -1; // delta = 1/2
  for (let b = 0; b < 20; b++) {
    zeta = divsteps30(zeta, load<u32>(SGF), load<u32>(SGG));
    updateDE();
    updateFG();
  }
  tu = 0; tv = 0; tq = 0; tr = 0;
  // f = +-1 now: 1/z = sign(f) d, with d in (-2p, p). Bring d to [0, p).
  const negF = load<i32>(SGF + 32) >> 31;
  addPMasked(SGD, load<i32>(SGD + 32) >> 31);           // (-p, p)
  for (let i: usize = 0; i < 36; i += 4) store<i32>(SGD + i, (load<i32>(SGD + i) ^ negF) - negF);
  carry30(SGD);
  addPMasked(SGD, load<i32>(SGD + 32) >> 31);           // [0, p)
  // back to bytes, then to the 2^25.5 limbs
  acc = 0; nb = 0; o = 0;
  for (let i: usize = 0; i < 36; i += 4) {
    acc |= <u64><u32>load<i32>(SGD + i) << nb; nb += 30;
    while (nb >= 8 && o < 32) { store<u8>(SGB + o, <u8>acc); acc >>= 8; nb -= 8; o++; }
  }
  while (o < 32) { store<u8>(SGB + o, <u8>acc); acc >>= 8; o++; }
  feFromBytes(out, SGB);
}

/** out = z^((p-5)/8) = z^(2^252 - 3), the square-root helper of RFC 8032 §5.1.3 step 3. */
export function fePow22523(out: usize, z: usize): void {
  pow2250m1(z);
  feSqN(T1, T1, 2);       // 2^252 - 4
  feMul(out, T1, z);      // 2^252 - 3
}
