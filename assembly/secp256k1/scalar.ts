// Scalars mod the group order n (SEC 2 §2.4.1), eight 32-bit limbs, little
// endian, always fully reduced. Products use Montgomery multiplication
// (CIOS, R = 2^256) with 32x32->64 steps that never overflow a u64:
// a*b + t + carry <= (2^32-1)^2 + 2(2^32-1) = 2^64 - 1.
// Everything is branch-free in its data; exponents (n - 2) are public.

export const SC: usize = 32;
const M32: u64 = 0xffffffff;

const N: usize = memory.data<u32>([0xd0364141, 0xbfd25e8c, 0xaf48a03b, 0xbaaedce6, 0xfffffffe, 0xffffffff, 0xffffffff, 0xffffffff]);
const HALF: usize = memory.data<u32>([0x681b20a0, 0xdfe92f46, 0x57a4501d, 0x5d576e73, 0xffffffff, 0xffffffff, 0xffffffff, 0x7fffffff]);
// R^2 mod n, to enter the Montgomery domain.
const R2: usize = memory.data<u32>([0x67d7d140, 0x896cf214, 0x0e7cf878, 0x741496c2, 0x5bcd07c6, 0xe697f5e4, 0x81c69bc5, 0x9d671cd5]);
const N0INV: u64 = 0x5588b13f; // -n^-1 mod 2^32

const S1: usize = memory.data(32, 16);
const S2: usize = memory.data(32, 16);

export function scCopy(r: usize, a: usize): void {
  memory.copy(r, a, SC);
}

/** r = t - n if t >= n (t given as 8 limbs plus a carry word `hi`), constant time. */
function reduceOnce(r: usize, t: usize, hi: u64): void {
  let borrow: u64 = 0;
  for (let i: usize = 0; i < 32; i += 4) {
    const d = <u64>load<u32>(t + i) - <u64>load<u32>(N + i) - borrow;
    store<u32>(S2 + i, <u32>d);
    borrow = d >> 63;
  }
  // Keep the difference when there was a carry word or no borrow.
  const keep = <u32>0 - <u32>((hi | (borrow ^ 1)) & 1);
  for (let i: usize = 0; i < 32; i += 4) {
    store<u32>(r + i, (load<u32>(S2 + i) & keep) | (load<u32>(t + i) & ~keep));
  }
}

/**
 * Montgomery product r = a * b / 2^256 mod n (inputs < n). r may alias a or b.
 * CIOS, fully unrolled so all sixteen words stay in locals (generated code).
 */
export function scMontMul(r: usize, a: usize, b: usize): void {
  const a0: u64 = <u64>load<u32>(a, 0);
  const a1: u64 = <u64>load<u32>(a, 4);
  const a2: u64 = <u64>load<u32>(a, 8);
  const a3: u64 = <u64>load<u32>(a, 12);
  const a4: u64 = <u64>load<u32>(a, 16);
  const a5: u64 = <u64>load<u32>(a, 20);
  const a6: u64 = <u64>load<u32>(a, 24);
  const a7: u64 = <u64>load<u32>(a, 28);
  let t0: u64 = 0;
  let t1: u64 = 0;
  let t2: u64 = 0;
  let t3: u64 = 0;
  let t4: u64 = 0;
  let t5: u64 = 0;
  let t6: u64 = 0;
  let t7: u64 = 0;
  let t8: u64 = 0;
  let t9: u64 = 0;
  let s: u64, c: u64, m: u64, bi: u64;
  // round 0
  bi = <u64>load<u32>(b, 0);
  s = t0 + a0 * bi; t0 = s & M32; c = s >> 32;
  s = t1 + a1 * bi + c; t1 = s & M32; c = s >> 32;
  s = t2 + a2 * bi + c; t2 = s & M32; c = s >> 32;
  s = t3 + a3 * bi + c; t3 = s & M32; c = s >> 32;
  s = t4 + a4 * bi + c; t4 = s & M32; c = s >> 32;
  s = t5 + a5 * bi + c; t5 = s & M32; c = s >> 32;
  s = t6 + a6 * bi + c; t6 = s & M32; c = s >> 32;
  s = t7 + a7 * bi + c; t7 = s & M32; c = s >> 32;
  s = t8 + c; t8 = s & M32; t9 = s >> 32;
  m = (t0 * N0INV) & M32;
  s = t0 + m * 0xd0364141; c = s >> 32;
  s = t1 + m * 0xbfd25e8c + c; t0 = s & M32; c = s >> 32;
  s = t2 + m * 0xaf48a03b + c; t1 = s & M32; c = s >> 32;
  s = t3 + m * 0xbaaedce6 + c; t2 = s & M32; c = s >> 32;
  s = t4 + m * 0xfffffffe + c; t3 = s & M32; c = s >> 32;
  s = t5 + m * 0xffffffff + c; t4 = s & M32; c = s >> 32;
  s = t6 + m * 0xffffffff + c; t5 = s & M32; c = s >> 32;
  s = t7 + m * 0xffffffff + c; t6 = s & M32; c = s >> 32;
  s = t8 + c; t7 = s & M32; t8 = t9 + (s >> 32);
  // round 1
  bi = <u64>load<u32>(b, 4);
  s = t0 + a0 * bi; t0 = s & M32; c = s >> 32;
  s = t1 + a1 * bi + c; t1 = s & M32; c = s >> 32;
  s = t2 + a2 * bi + c; t2 = s & M32; c = s >> 32;
  s = t3 + a3 * bi + c; t3 = s & M32; c = s >> 32;
  s = t4 + a4 * bi + c; t4 = s & M32; c = s >> 32;
  s = t5 + a5 * bi + c; t5 = s & M32; c = s >> 32;
  s = t6 + a6 * bi + c; t6 = s & M32; c = s >> 32;
  s = t7 + a7 * bi + c; t7 = s & M32; c = s >> 32;
  s = t8 + c; t8 = s & M32; t9 = s >> 32;
  m = (t0 * N0INV) & M32;
  s = t0 + m * 0xd0364141; c = s >> 32;
  s = t1 + m * 0xbfd25e8c + c; t0 = s & M32; c = s >> 32;
  s = t2 + m * 0xaf48a03b + c; t1 = s & M32; c = s >> 32;
  s = t3 + m * 0xbaaedce6 + c; t2 = s & M32; c = s >> 32;
  s = t4 + m * 0xfffffffe + c; t3 = s & M32; c = s >> 32;
  s = t5 + m * 0xffffffff + c; t4 = s & M32; c = s >> 32;
  s = t6 + m * 0xffffffff + c; t5 = s & M32; c = s >> 32;
  s = t7 + m * 0xffffffff + c; t6 = s & M32; c = s >> 32;
  s = t8 + c; t7 = s & M32; t8 = t9 + (s >> 32);
  // round 2
  bi = <u64>load<u32>(b, 8);
  s = t0 + a0 * bi; t0 = s & M32; c = s >> 32;
  s = t1 + a1 * bi + c; t1 = s & M32; c = s >> 32;
  s = t2 + a2 * bi + c; t2 = s & M32; c = s >> 32;
  s = t3 + a3 * bi + c; t3 = s & M32; c = s >> 32;
  s = t4 + a4 * bi + c; t4 = s & M32; c = s >> 32;
  s = t5 + a5 * bi + c; t5 = s & M32; c = s >> 32;
  s = t6 + a6 * bi + c; t6 = s & M32; c = s >> 32;
  s = t7 + a7 * bi + c; t7 = s & M32; c = s >> 32;
  s = t8 + c; t8 = s & M32; t9 = s >> 32;
  m = (t0 * N0INV) & M32;
  s = t0 + m * 0xd0364141; c = s >> 32;
  s = t1 + m * 0xbfd25e8c + c; t0 = s & M32; c = s >> 32;
  s = t2 + m * 0xaf48a03b + c; t1 = s & M32; c = s >> 32;
  s = t3 + m * 0xbaaedce6 + c; t2 = s & M32; c = s >> 32;
  s = t4 + m * 0xfffffffe + c; t3 = s & M32; c = s >> 32;
  s = t5 + m * 0xffffffff + c; t4 = s & M32; c = s >> 32;
  s = t6 + m * 0xffffffff + c; t5 = s & M32; c = s >> 32;
  s = t7 + m * 0xffffffff + c; t6 = s & M32; c = s >> 32;
  s = t8 + c; t7 = s & M32; t8 = t9 + (s >> 32);
  // round 3
  bi = <u64>load<u32>(b, 12);
  s = t0 + a0 * bi; t0 = s & M32; c = s >> 32;
  s = t1 + a1 * bi + c; t1 = s & M32; c = s >> 32;
  s = t2 + a2 * bi + c; t2 = s & M32; c = s >> 32;
  s = t3 + a3 * bi + c; t3 = s & M32; c = s >> 32;
  s = t4 + a4 * bi + c; t4 = s & M32; c = s >> 32;
  s = t5 + a5 * bi + c; t5 = s & M32; c = s >> 32;
  s = t6 + a6 * bi + c; t6 = s & M32; c = s >> 32;
  s = t7 + a7 * bi + c; t7 = s & M32; c = s >> 32;
  s = t8 + c; t8 = s & M32; t9 = s >> 32;
  m = (t0 * N0INV) & M32;
  s = t0 + m * 0xd0364141; c = s >> 32;
  s = t1 + m * 0xbfd25e8c + c; t0 = s & M32; c = s >> 32;
  s = t2 + m * 0xaf48a03b + c; t1 = s & M32; c = s >> 32;
  s = t3 + m * 0xbaaedce6 + c; t2 = s & M32; c = s >> 32;
  s = t4 + m * 0xfffffffe + c; t3 = s & M32; c = s >> 32;
  s = t5 + m * 0xffffffff + c; t4 = s & M32; c = s >> 32;
  s = t6 + m * 0xffffffff + c; t5 = s & M32; c = s >> 32;
  s = t7 + m * 0xffffffff + c; t6 = s & M32; c = s >> 32;
  s = t8 + c; t7 = s & M32; t8 = t9 + (s >> 32);
  // round 4
  bi = <u64>load<u32>(b, 16);
  s = t0 + a0 * bi; t0 = s & M32; c = s >> 32;
  s = t1 + a1 * bi + c; t1 = s & M32; c = s >> 32;
  s = t2 + a2 * bi + c; t2 = s & M32; c = s >> 32;
  s = t3 + a3 * bi + c; t3 = s & M32; c = s >> 32;
  s = t4 + a4 * bi + c; t4 = s & M32; c = s >> 32;
  s = t5 + a5 * bi + c; t5 = s & M32; c = s >> 32;
  s = t6 + a6 * bi + c; t6 = s & M32; c = s >> 32;
  s = t7 + a7 * bi + c; t7 = s & M32; c = s >> 32;
  s = t8 + c; t8 = s & M32; t9 = s >> 32;
  m = (t0 * N0INV) & M32;
  s = t0 + m * 0xd0364141; c = s >> 32;
  s = t1 + m * 0xbfd25e8c + c; t0 = s & M32; c = s >> 32;
  s = t2 + m * 0xaf48a03b + c; t1 = s & M32; c = s >> 32;
  s = t3 + m * 0xbaaedce6 + c; t2 = s & M32; c = s >> 32;
  s = t4 + m * 0xfffffffe + c; t3 = s & M32; c = s >> 32;
  s = t5 + m * 0xffffffff + c; t4 = s & M32; c = s >> 32;
  s = t6 + m * 0xffffffff + c; t5 = s & M32; c = s >> 32;
  s = t7 + m * 0xffffffff + c; t6 = s & M32; c = s >> 32;
  s = t8 + c; t7 = s & M32; t8 = t9 + (s >> 32);
  // round 5
  bi = <u64>load<u32>(b, 20);
  s = t0 + a0 * bi; t0 = s & M32; c = s >> 32;
  s = t1 + a1 * bi + c; t1 = s & M32; c = s >> 32;
  s = t2 + a2 * bi + c; t2 = s & M32; c = s >> 32;
  s = t3 + a3 * bi + c; t3 = s & M32; c = s >> 32;
  s = t4 + a4 * bi + c; t4 = s & M32; c = s >> 32;
  s = t5 + a5 * bi + c; t5 = s & M32; c = s >> 32;
  s = t6 + a6 * bi + c; t6 = s & M32; c = s >> 32;
  s = t7 + a7 * bi + c; t7 = s & M32; c = s >> 32;
  s = t8 + c; t8 = s & M32; t9 = s >> 32;
  m = (t0 * N0INV) & M32;
  s = t0 + m * 0xd0364141; c = s >> 32;
  s = t1 + m * 0xbfd25e8c + c; t0 = s & M32; c = s >> 32;
  s = t2 + m * 0xaf48a03b + c; t1 = s & M32; c = s >> 32;
  s = t3 + m * 0xbaaedce6 + c; t2 = s & M32; c = s >> 32;
  s = t4 + m * 0xfffffffe + c; t3 = s & M32; c = s >> 32;
  s = t5 + m * 0xffffffff + c; t4 = s & M32; c = s >> 32;
  s = t6 + m * 0xffffffff + c; t5 = s & M32; c = s >> 32;
  s = t7 + m * 0xffffffff + c; t6 = s & M32; c = s >> 32;
  s = t8 + c; t7 = s & M32; t8 = t9 + (s >> 32);
  // round 6
  bi = <u64>load<u32>(b, 24);
  s = t0 + a0 * bi; t0 = s & M32; c = s >> 32;
  s = t1 + a1 * bi + c; t1 = s & M32; c = s >> 32;
  s = t2 + a2 * bi + c; t2 = s & M32; c = s >> 32;
  s = t3 + a3 * bi + c; t3 = s & M32; c = s >> 32;
  s = t4 + a4 * bi + c; t4 = s & M32; c = s >> 32;
  s = t5 + a5 * bi + c; t5 = s & M32; c = s >> 32;
  s = t6 + a6 * bi + c; t6 = s & M32; c = s >> 32;
  s = t7 + a7 * bi + c; t7 = s & M32; c = s >> 32;
  s = t8 + c; t8 = s & M32; t9 = s >> 32;
  m = (t0 * N0INV) & M32;
  s = t0 + m * 0xd0364141; c = s >> 32;
  s = t1 + m * 0xbfd25e8c + c; t0 = s & M32; c = s >> 32;
  s = t2 + m * 0xaf48a03b + c; t1 = s & M32; c = s >> 32;
  s = t3 + m * 0xbaaedce6 + c; t2 = s & M32; c = s >> 32;
  s = t4 + m * 0xfffffffe + c; t3 = s & M32; c = s >> 32;
  s = t5 + m * 0xffffffff + c; t4 = s & M32; c = s >> 32;
  s = t6 + m * 0xffffffff + c; t5 = s & M32; c = s >> 32;
  s = t7 + m * 0xffffffff + c; t6 = s & M32; c = s >> 32;
  s = t8 + c; t7 = s & M32; t8 = t9 + (s >> 32);
  // round 7
  bi = <u64>load<u32>(b, 28);
  s = t0 + a0 * bi; t0 = s & M32; c = s >> 32;
  s = t1 + a1 * bi + c; t1 = s & M32; c = s >> 32;
  s = t2 + a2 * bi + c; t2 = s & M32; c = s >> 32;
  s = t3 + a3 * bi + c; t3 = s & M32; c = s >> 32;
  s = t4 + a4 * bi + c; t4 = s & M32; c = s >> 32;
  s = t5 + a5 * bi + c; t5 = s & M32; c = s >> 32;
  s = t6 + a6 * bi + c; t6 = s & M32; c = s >> 32;
  s = t7 + a7 * bi + c; t7 = s & M32; c = s >> 32;
  s = t8 + c; t8 = s & M32; t9 = s >> 32;
  m = (t0 * N0INV) & M32;
  s = t0 + m * 0xd0364141; c = s >> 32;
  s = t1 + m * 0xbfd25e8c + c; t0 = s & M32; c = s >> 32;
  s = t2 + m * 0xaf48a03b + c; t1 = s & M32; c = s >> 32;
  s = t3 + m * 0xbaaedce6 + c; t2 = s & M32; c = s >> 32;
  s = t4 + m * 0xfffffffe + c; t3 = s & M32; c = s >> 32;
  s = t5 + m * 0xffffffff + c; t4 = s & M32; c = s >> 32;
  s = t6 + m * 0xffffffff + c; t5 = s & M32; c = s >> 32;
  s = t7 + m * 0xffffffff + c; t6 = s & M32; c = s >> 32;
  s = t8 + c; t7 = s & M32; t8 = t9 + (s >> 32);
  // t8:t7..t0 < 2n: subtract n once when t >= n (constant time).
  let d: u64, bw: u64 = 0;
  d = t0 - 0xd0364141 - bw; const d0 = d & M32; bw = d >> 63;
  d = t1 - 0xbfd25e8c - bw; const d1 = d & M32; bw = d >> 63;
  d = t2 - 0xaf48a03b - bw; const d2 = d & M32; bw = d >> 63;
  d = t3 - 0xbaaedce6 - bw; const d3 = d & M32; bw = d >> 63;
  d = t4 - 0xfffffffe - bw; const d4 = d & M32; bw = d >> 63;
  d = t5 - 0xffffffff - bw; const d5 = d & M32; bw = d >> 63;
  d = t6 - 0xffffffff - bw; const d6 = d & M32; bw = d >> 63;
  d = t7 - 0xffffffff - bw; const d7 = d & M32; bw = d >> 63;
  const keep = <u64>0 - ((t8 | (bw ^ 1)) & 1);
  store<u32>(r, <u32>((d0 & keep) | (t0 & ~keep)), 0);
  store<u32>(r, <u32>((d1 & keep) | (t1 & ~keep)), 4);
  store<u32>(r, <u32>((d2 & keep) | (t2 & ~keep)), 8);
  store<u32>(r, <u32>((d3 & keep) | (t3 & ~keep)), 12);
  store<u32>(r, <u32>((d4 & keep) | (t4 & ~keep)), 16);
  store<u32>(r, <u32>((d5 & keep) | (t5 & ~keep)), 20);
  store<u32>(r, <u32>((d6 & keep) | (t6 & ~keep)), 24);
  store<u32>(r, <u32>((d7 & keep) | (t7 & ~keep)), 28);
}


/** r = a * b mod n. */
export function scMul(r: usize, a: usize, b: usize): void {
  scMontMul(S1, a, b);
  scMontMul(r, S1, R2);
}

/** r = a + b mod n. */
export function scAdd(r: usize, a: usize, b: usize): void {
  let c: u64 = 0;
  for (let i: usize = 0; i < 32; i += 4) {
    c += <u64>load<u32>(a + i) + <u64>load<u32>(b + i);
    store<u32>(S1 + i, <u32>c);
    c >>= 32;
  }
  reduceOnce(r, S1, c);
}

/** 1 if a = 0. */
export function scIsZero(a: usize): u32 {
  let z: u32 = 0;
  for (let i: usize = 0; i < 32; i += 4) z |= load<u32>(a + i);
  return <u32>((<u64>z - 1) >> 63);
}

/** r = -a mod n (0 stays 0). */
export function scNeg(r: usize, a: usize): void {
  const nz = <u32>0 - (scIsZero(a) ^ 1);
  let borrow: u64 = 0;
  for (let i: usize = 0; i < 32; i += 4) {
    const d = <u64>load<u32>(N + i) - <u64>load<u32>(a + i) - borrow;
    store<u32>(r + i, <u32>d & nz);
    borrow = d >> 63;
  }
}

/** r = flag ? -a : a. */
export function scCondNeg(r: usize, a: usize, flag: u32): void {
  scNeg(S1, a);
  const m = <u32>0 - flag;
  for (let i: usize = 0; i < 32; i += 4) store<u32>(r + i, (load<u32>(S1 + i) & m) | (load<u32>(a + i) & ~m));
}

/** 1 if x > y as 256-bit integers, constant time. */
function gt(x: usize, y: usize): u32 {
  // y - x borrows iff x > y.
  let borrow: u64 = 0;
  for (let i: usize = 0; i < 32; i += 4) {
    const d = <u64>load<u32>(y + i) - <u64>load<u32>(x + i) - borrow;
    borrow = d >> 63;
  }
  return <u32>borrow;
}

/** 1 if a > n/2 (a "high" s in the sense of BIP-62 / BIP-146). */
export function scIsHigh(a: usize): u32 {
  return gt(a, HALF);
}

/**
 * Loads 32 big-endian bytes. Returns 1 when the value was >= n; the stored
 * scalar is then reduced (value - n), which is what bits2int mod n wants.
 */
export function scFromBytes(r: usize, p: usize): u32 {
  for (let i: usize = 0; i < 8; i++) store<u32>(r + (i << 2), bswap<u32>(load<u32>(p + 28 - (i << 2))));
  let borrow: u64 = 0;
  for (let i: usize = 0; i < 32; i += 4) {
    const d = <u64>load<u32>(r + i) - <u64>load<u32>(N + i) - borrow;
    borrow = d >> 63;
  }
  const over = <u32>borrow ^ 1;
  reduceOnce(r, r, 0);
  return over;
}

export function scToBytes(p: usize, a: usize): void {
  for (let i: usize = 0; i < 8; i++) store<u32>(p + 28 - (i << 2), bswap<u32>(load<u32>(a + (i << 2))));
}

// ---- inversion: Fermat in a radix-2^26 Montgomery domain
// Ten 26-bit limbs (as in field.ts) let the 100 partial products of a
// multiply accumulate in u64 columns without carry chains, and a square
// needs only 55. Montgomery reduction runs column by column with R = 2^260;
// since R > 4n, inputs below 2n give outputs below 2n, so the chain needs no
// conditional subtraction until the very end. All of it is constant time.
const M26: u64 = 0x3ffffff;
const NINV26: u64 = 0x188b13f;
// 2^520 mod n in 10x26 limbs, to enter the radix-2^26 Montgomery domain (R = 2^260).
const R2_26: usize = memory.data<u32>([0x28b3b23, 0x3860309, 0x33e4c8e, 0x253f5b8, 0x3975948, 0x341f1ce, 0x35e45bc, 0x3179a5f, 0x181c69b, 0x19c735]);
const N26: usize = memory.data<u32>([0x364141, 0x97a334, 0x203bbfd, 0x39abd22, 0x2baaedc, 0x3ffffff, 0x3ffffff, 0x3ffffff, 0x3ffffff, 0x3fffff]);

/** Montgomery product a * b / 2^260 mod n in 10x26 limbs; inputs < 2n give an output < 2n (2^260 > 4n). */
function mont26(r: usize, a: usize, b: usize): void {
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
  let c19: u64 = 0;
  let m: u64;
  m = ((c0 & M26) * NINV26) & M26;
  c0 += m * 0x364141; c1 += m * 0x97a334; c2 += m * 0x203bbfd; c3 += m * 0x39abd22; c4 += m * 0x2baaedc; c5 += m * 0x3ffffff; c6 += m * 0x3ffffff; c7 += m * 0x3ffffff; c8 += m * 0x3ffffff; c9 += m * 0x3fffff;
  c1 += c0 >> 26;
  m = ((c1 & M26) * NINV26) & M26;
  c1 += m * 0x364141; c2 += m * 0x97a334; c3 += m * 0x203bbfd; c4 += m * 0x39abd22; c5 += m * 0x2baaedc; c6 += m * 0x3ffffff; c7 += m * 0x3ffffff; c8 += m * 0x3ffffff; c9 += m * 0x3ffffff; c10 += m * 0x3fffff;
  c2 += c1 >> 26;
  m = ((c2 & M26) * NINV26) & M26;
  c2 += m * 0x364141; c3 += m * 0x97a334; c4 += m * 0x203bbfd; c5 += m * 0x39abd22; c6 += m * 0x2baaedc; c7 += m * 0x3ffffff; c8 += m * 0x3ffffff; c9 += m * 0x3ffffff; c10 += m * 0x3ffffff; c11 += m * 0x3fffff;
  c3 += c2 >> 26;
  m = ((c3 & M26) * NINV26) & M26;
  c3 += m * 0x364141; c4 += m * 0x97a334; c5 += m * 0x203bbfd; c6 += m * 0x39abd22; c7 += m * 0x2baaedc; c8 += m * 0x3ffffff; c9 += m * 0x3ffffff; c10 += m * 0x3ffffff; c11 += m * 0x3ffffff; c12 += m * 0x3fffff;
  c4 += c3 >> 26;
  m = ((c4 & M26) * NINV26) & M26;
  c4 += m * 0x364141; c5 += m * 0x97a334; c6 += m * 0x203bbfd; c7 += m * 0x39abd22; c8 += m * 0x2baaedc; c9 += m * 0x3ffffff; c10 += m * 0x3ffffff; c11 += m * 0x3ffffff; c12 += m * 0x3ffffff; c13 += m * 0x3fffff;
  c5 += c4 >> 26;
  m = ((c5 & M26) * NINV26) & M26;
  c5 += m * 0x364141; c6 += m * 0x97a334; c7 += m * 0x203bbfd; c8 += m * 0x39abd22; c9 += m * 0x2baaedc; c10 += m * 0x3ffffff; c11 += m * 0x3ffffff; c12 += m * 0x3ffffff; c13 += m * 0x3ffffff; c14 += m * 0x3fffff;
  c6 += c5 >> 26;
  m = ((c6 & M26) * NINV26) & M26;
  c6 += m * 0x364141; c7 += m * 0x97a334; c8 += m * 0x203bbfd; c9 += m * 0x39abd22; c10 += m * 0x2baaedc; c11 += m * 0x3ffffff; c12 += m * 0x3ffffff; c13 += m * 0x3ffffff; c14 += m * 0x3ffffff; c15 += m * 0x3fffff;
  c7 += c6 >> 26;
  m = ((c7 & M26) * NINV26) & M26;
  c7 += m * 0x364141; c8 += m * 0x97a334; c9 += m * 0x203bbfd; c10 += m * 0x39abd22; c11 += m * 0x2baaedc; c12 += m * 0x3ffffff; c13 += m * 0x3ffffff; c14 += m * 0x3ffffff; c15 += m * 0x3ffffff; c16 += m * 0x3fffff;
  c8 += c7 >> 26;
  m = ((c8 & M26) * NINV26) & M26;
  c8 += m * 0x364141; c9 += m * 0x97a334; c10 += m * 0x203bbfd; c11 += m * 0x39abd22; c12 += m * 0x2baaedc; c13 += m * 0x3ffffff; c14 += m * 0x3ffffff; c15 += m * 0x3ffffff; c16 += m * 0x3ffffff; c17 += m * 0x3fffff;
  c9 += c8 >> 26;
  m = ((c9 & M26) * NINV26) & M26;
  c9 += m * 0x364141; c10 += m * 0x97a334; c11 += m * 0x203bbfd; c12 += m * 0x39abd22; c13 += m * 0x2baaedc; c14 += m * 0x3ffffff; c15 += m * 0x3ffffff; c16 += m * 0x3ffffff; c17 += m * 0x3ffffff; c18 += m * 0x3fffff;
  c10 += c9 >> 26;
  c11 += c10 >> 26; c10 &= M26;
  c12 += c11 >> 26; c11 &= M26;
  c13 += c12 >> 26; c12 &= M26;
  c14 += c13 >> 26; c13 &= M26;
  c15 += c14 >> 26; c14 &= M26;
  c16 += c15 >> 26; c15 &= M26;
  c17 += c16 >> 26; c16 &= M26;
  c18 += c17 >> 26; c17 &= M26;
  c19 += c18 >> 26; c18 &= M26;
  store<u32>(r, <u32>c10, 0);
  store<u32>(r, <u32>c11, 4);
  store<u32>(r, <u32>c12, 8);
  store<u32>(r, <u32>c13, 12);
  store<u32>(r, <u32>c14, 16);
  store<u32>(r, <u32>c15, 20);
  store<u32>(r, <u32>c16, 24);
  store<u32>(r, <u32>c17, 28);
  store<u32>(r, <u32>c18, 32);
  store<u32>(r, <u32>c19, 36);
}

/** Montgomery square a^2 / 2^260 mod n. */
function montSqr26(r: usize, a: usize): void {
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
  let c19: u64 = 0;
  let m: u64;
  m = ((c0 & M26) * NINV26) & M26;
  c0 += m * 0x364141; c1 += m * 0x97a334; c2 += m * 0x203bbfd; c3 += m * 0x39abd22; c4 += m * 0x2baaedc; c5 += m * 0x3ffffff; c6 += m * 0x3ffffff; c7 += m * 0x3ffffff; c8 += m * 0x3ffffff; c9 += m * 0x3fffff;
  c1 += c0 >> 26;
  m = ((c1 & M26) * NINV26) & M26;
  c1 += m * 0x364141; c2 += m * 0x97a334; c3 += m * 0x203bbfd; c4 += m * 0x39abd22; c5 += m * 0x2baaedc; c6 += m * 0x3ffffff; c7 += m * 0x3ffffff; c8 += m * 0x3ffffff; c9 += m * 0x3ffffff; c10 += m * 0x3fffff;
  c2 += c1 >> 26;
  m = ((c2 & M26) * NINV26) & M26;
  c2 += m * 0x364141; c3 += m * 0x97a334; c4 += m * 0x203bbfd; c5 += m * 0x39abd22; c6 += m * 0x2baaedc; c7 += m * 0x3ffffff; c8 += m * 0x3ffffff; c9 += m * 0x3ffffff; c10 += m * 0x3ffffff; c11 += m * 0x3fffff;
  c3 += c2 >> 26;
  m = ((c3 & M26) * NINV26) & M26;
  c3 += m * 0x364141; c4 += m * 0x97a334; c5 += m * 0x203bbfd; c6 += m * 0x39abd22; c7 += m * 0x2baaedc; c8 += m * 0x3ffffff; c9 += m * 0x3ffffff; c10 += m * 0x3ffffff; c11 += m * 0x3ffffff; c12 += m * 0x3fffff;
  c4 += c3 >> 26;
  m = ((c4 & M26) * NINV26) & M26;
  c4 += m * 0x364141; c5 += m * 0x97a334; c6 += m * 0x203bbfd; c7 += m * 0x39abd22; c8 += m * 0x2baaedc; c9 += m * 0x3ffffff; c10 += m * 0x3ffffff; c11 += m * 0x3ffffff; c12 += m * 0x3ffffff; c13 += m * 0x3fffff;
  c5 += c4 >> 26;
  m = ((c5 & M26) * NINV26) & M26;
  c5 += m * 0x364141; c6 += m * 0x97a334; c7 += m * 0x203bbfd; c8 += m * 0x39abd22; c9 += m * 0x2baaedc; c10 += m * 0x3ffffff; c11 += m * 0x3ffffff; c12 += m * 0x3ffffff; c13 += m * 0x3ffffff; c14 += m * 0x3fffff;
  c6 += c5 >> 26;
  m = ((c6 & M26) * NINV26) & M26;
  c6 += m * 0x364141; c7 += m * 0x97a334; c8 += m * 0x203bbfd; c9 += m * 0x39abd22; c10 += m * 0x2baaedc; c11 += m * 0x3ffffff; c12 += m * 0x3ffffff; c13 += m * 0x3ffffff; c14 += m * 0x3ffffff; c15 += m * 0x3fffff;
  c7 += c6 >> 26;
  m = ((c7 & M26) * NINV26) & M26;
  c7 += m * 0x364141; c8 += m * 0x97a334; c9 += m * 0x203bbfd; c10 += m * 0x39abd22; c11 += m * 0x2baaedc; c12 += m * 0x3ffffff; c13 += m * 0x3ffffff; c14 += m * 0x3ffffff; c15 += m * 0x3ffffff; c16 += m * 0x3fffff;
  c8 += c7 >> 26;
  m = ((c8 & M26) * NINV26) & M26;
  c8 += m * 0x364141; c9 += m * 0x97a334; c10 += m * 0x203bbfd; c11 += m * 0x39abd22; c12 += m * 0x2baaedc; c13 += m * 0x3ffffff; c14 += m * 0x3ffffff; c15 += m * 0x3ffffff; c16 += m * 0x3ffffff; c17 += m * 0x3fffff;
  c9 += c8 >> 26;
  m = ((c9 & M26) * NINV26) & M26;
  c9 += m * 0x364141; c10 += m * 0x97a334; c11 += m * 0x203bbfd; c12 += m * 0x39abd22; c13 += m * 0x2baaedc; c14 += m * 0x3ffffff; c15 += m * 0x3ffffff; c16 += m * 0x3ffffff; c17 += m * 0x3ffffff; c18 += m * 0x3fffff;
  c10 += c9 >> 26;
  c11 += c10 >> 26; c10 &= M26;
  c12 += c11 >> 26; c11 &= M26;
  c13 += c12 >> 26; c12 &= M26;
  c14 += c13 >> 26; c13 &= M26;
  c15 += c14 >> 26; c14 &= M26;
  c16 += c15 >> 26; c15 &= M26;
  c17 += c16 >> 26; c16 &= M26;
  c18 += c17 >> 26; c17 &= M26;
  c19 += c18 >> 26; c18 &= M26;
  store<u32>(r, <u32>c10, 0);
  store<u32>(r, <u32>c11, 4);
  store<u32>(r, <u32>c12, 8);
  store<u32>(r, <u32>c13, 12);
  store<u32>(r, <u32>c14, 16);
  store<u32>(r, <u32>c15, 20);
  store<u32>(r, <u32>c16, 24);
  store<u32>(r, <u32>c17, 28);
  store<u32>(r, <u32>c18, 32);
  store<u32>(r, <u32>c19, 36);
}


const ONE26: usize = memory.data<u32>([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const X26: usize = memory.data(40, 16);
const ACC26: usize = memory.data(40, 16);
const POW26: usize = memory.data(16 * 40, 16);

/** 8x32 -> 10x26 limbs. */
function to26(r: usize, a: usize): void {
  let acc: u64 = 0;
  let bits: u32 = 0;
  let o: usize = 0;
  for (let i: usize = 0; i < 32; i += 4) {
    acc |= (<u64>load<u32>(a + i)) << bits;
    bits += 32;
    while (bits >= 26) {
      store<u32>(r + o, <u32>(acc & M26));
      o += 4;
      acc >>= 26;
      bits -= 26;
    }
  }
  store<u32>(r + o, <u32>acc); // limb 9 (22 bits)
}

/** 10x26 limbs of a value <= n (proper 26-bit limbs) -> 8x32, reduced below n. */
function from26(r: usize, a: usize): void {
  let acc: u64 = 0;
  let bits: u32 = 0;
  let o: usize = 0;
  for (let i: usize = 0; i < 40; i += 4) {
    acc |= (<u64>load<u32>(a + i)) << bits;
    bits += 26;
    if (bits >= 32) {
      store<u32>(S1 + o, <u32>acc);
      o += 4;
      acc >>= 32;
      bits -= 32;
    }
  }
  reduceOnce(r, S1, 0);
}

// n - 2 as little-endian bytes.
const NM2: usize = memory.data<u8>([
  0x3f, 0x41, 0x36, 0xd0, 0x8c, 0x5e, 0xd2, 0xbf, 0x3b, 0xa0, 0x48, 0xaf, 0xe6, 0xdc, 0xae, 0xba,
  0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
]);

/** r = 1/a mod n = a^(n-2) (Fermat), fixed 4-bit windows over the public exponent. */
export function scInv(r: usize, a: usize): void {
  to26(X26, a);
  mont26(POW26, ONE26, R2_26);             // R mod n, i.e. 1
  mont26(POW26 + 40, X26, R2_26);          // a R
  for (let i: usize = 2; i < 16; i++) mont26(POW26 + i * 40, POW26 + (i - 1) * 40, POW26 + 40);
  memory.copy(ACC26, POW26, 40);
  for (let i: i32 = 63; i >= 0; i--) {
    montSqr26(ACC26, ACC26); montSqr26(ACC26, ACC26); montSqr26(ACC26, ACC26); montSqr26(ACC26, ACC26);
    // The exponent is the public constant n - 2: branching on its nibbles is fine.
    const nib = (load<u8>(NM2 + <usize>(i >> 1)) >> (<u8>(i & 1) << 2)) & 15;
    if (nib != 0) mont26(ACC26, ACC26, POW26 + (<usize>nib) * 40);
  }
  mont26(ACC26, ACC26, ONE26);            // leave the domain: value <= n
  from26(r, ACC26);
  scWipe();
}

/** 1 if a = b. */
export function scEqual(a: usize, b: usize): u32 {
  let z: u32 = 0;
  for (let i: usize = 0; i < 32; i += 4) z |= load<u32>(a + i) ^ load<u32>(b + i);
  return <u32>((<u64>z - 1) >> 63);
}

export function scWipe(): void {
  memory.fill(S1, 0, 32); memory.fill(S2, 0, 32);
  memory.fill(POW26, 0, 16 * 40); memory.fill(ACC26, 0, 40); memory.fill(X26, 0, 40);
}

// ---- GLV decomposition (Gallant-Lambert-Vanstone 2001, §4), public scalars only.
// lambda is a cube root of unity mod n with lambda*(x, y) = (beta*x, y).
// A short lattice basis (a1, b1), (a2, b2) of {(i, j): i + j*lambda = 0 mod n}
// gives k = k1 + k2*lambda with |k1|, |k2| < 2^128:
//   c1 = round(b2 k / n), c2 = round(-b1 k / n),
//   k2 = c1 (-b1) + c2 (-b2),  k1 = k - k2 lambda   (all mod n),
// where c1, c2 come from k * g_i / 2^384 with g1 = round(2^384 b2 / n),
// g2 = round(2^384 (-b1) / n). The constants were derived and checked with
// BigInt arithmetic (lambda^3 = 1, lambda*G = (beta*Gx, Gy), a_i + b_i*lambda = 0).
const LAMBDA: usize = memory.data<u32>([0x1b23bd72, 0xdf02967c, 0x20816678, 0x122e22ea, 0x8812645a, 0xa5261c02, 0xc05c30e0, 0x5363ad4c]);
const G1: usize = memory.data<u32>([0x45dbb031, 0xe893209a, 0x71e8ca7f, 0x3daa8a14, 0x9284eb15, 0xe86c90e4, 0xa7d46bcd, 0x3086d221]);
const G2: usize = memory.data<u32>([0x8ac47f71, 0x1571b4ae, 0x9df506c6, 0x221208ac, 0x0abfe4c4, 0x6f547fa9, 0x010e8828, 0xe4437ed6]);
const MB1: usize = memory.data<u32>([0x0abfe4c3, 0x6f547fa9, 0x010e8828, 0xe4437ed6, 0, 0, 0, 0]);
const MB2: usize = memory.data<u32>([0x3db1562c, 0xd765cda8, 0x0774346d, 0x8a280ac5, 0xfffffffe, 0xffffffff, 0xffffffff, 0xffffffff]);
const WIDE: usize = memory.data(64, 16);
const C1: usize = memory.data(32, 16);
const C2: usize = memory.data(32, 16);

/** r = round(a * g / 2^384) for 256-bit a, g. */
function mulShift384(r: usize, a: usize, g: usize): void {
  memory.fill(WIDE, 0, 64);
  for (let i: usize = 0; i < 32; i += 4) {
    const ai = <u64>load<u32>(a + i);
    let c: u64 = 0;
    for (let j: usize = 0; j < 32; j += 4) {
      const s = <u64>load<u32>(WIDE + i + j) + ai * <u64>load<u32>(g + j) + c;
      store<u32>(WIDE + i + j, <u32>s);
      c = s >> 32;
    }
    store<u32>(WIDE + i + 32, <u32>c);
  }
  // bits 384.. are words 12..15; bit 383 (top of word 11) rounds.
  let c: u64 = <u64>(load<u32>(WIDE, 44) >> 31);
  memory.fill(r, 0, 32);
  for (let i: usize = 0; i < 16; i += 4) {
    c += <u64>load<u32>(WIDE + 48 + i);
    store<u32>(r + i, <u32>c);
    c >>= 32;
  }
  store<u32>(r, <u32>c, 16);
}

/**
 * Splits k (< n) into k1 + k2*lambda = k mod n with k1, k2 given as
 * magnitudes below 2^129 and sign flags; returns neg1 | (neg2 << 1).
 */
export function scSplitLambda(k1: usize, k2: usize, k: usize): u32 {
  mulShift384(C1, k, G1);
  mulShift384(C2, k, G2);
  scMul(C1, C1, MB1);
  scMul(C2, C2, MB2);
  scAdd(k2, C1, C2);
  scMul(C1, k2, LAMBDA);
  scNeg(C1, C1);
  scAdd(k1, k, C1);
  const n1 = scIsHigh(k1);
  const n2 = scIsHigh(k2);
  scCondNeg(k1, k1, n1);
  scCondNeg(k2, k2, n2);
  return n1 | (n2 << 1);
}

/** Wipes only what scAdd / scFromBytes / reduceOnce touch (cheaper than scWipe). */
export function scWipeAdd(): void {
  memory.fill(S1, 0, 32); memory.fill(S2, 0, 32);
}
