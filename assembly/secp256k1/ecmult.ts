// Scalar multiplication.
//
//  * ecmultGen: k*G for a secret k. k is recoded into 37 signed 7-bit
//    digits d_i in [-63, 64] (k = sum d_i 2^(7i)); a table of j * 2^(7i) * G
//    (i = 0..36, j = 1..64, affine, 189 KB) is built on first use, and k*G
//    is the sum of +-(entry |d_i|) over the windows: 37 complete additions
//    and no doublings. Each entry is fetched by scanning all 64 candidates of
//    its window with SIMD masks (no secret-dependent address), its y is
//    negated by a masked move when d_i < 0, and the addition result is
//    discarded by a masked move when d_i = 0 (no secret-dependent branch).
//    Measured against native libsecp256k1 (getPublicKey / sign): unsigned
//    6-bit windows 0.77x / 0.99x; signed 6-bit 0.80x / 0.99x; signed 7-bit
//    0.85x / 1.06x; signed 8-bit 0.85x / 1.06x with a 338 KB table -> kept 7.
//  * ecmultV: a*G + b*P for public a, b, P (verification, recovery): GLV
//    split of both scalars, Strauss' interleaving of four width-w NAFs, a
//    precomputed table of odd multiples of G and lambda(G) (w = 12), and
//    Jacobian formulas that branch freely.

import { FE, feInv, feMul, feSqr, feNormalize, feNormWeak, feNeg, feCopy, feSetInt, feCmov, feFromBytes, feWipe } from './field';
import { scSplitLambda } from './scalar';
import {
  GEJ_SIZE, TE_SIZE, GE_SIZE, gejSetInf, gejSetGe, gejDoubleV, gejAddGeV, gejAddV, gejCopy, gejBatchToAffine, ctAddGe,
  groupWipe, gejAddZinvV, gejAddGeZrV, gejIsInf,
} from './group';

// SEC 2 §2.4.1 generator, big-endian x then y.
const G_BYTES: usize = memory.data<u8>([
  0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac, 0x55, 0xa0, 0x62, 0x95, 0xce, 0x87, 0x0b, 0x07,
  0x02, 0x9b, 0xfc, 0xdb, 0x2d, 0xce, 0x28, 0xd9, 0x59, 0xf2, 0x81, 0x5b, 0x16, 0xf8, 0x17, 0x98,
  0x48, 0x3a, 0xda, 0x77, 0x26, 0xa3, 0xc4, 0x65, 0x5d, 0xa4, 0xfb, 0xfc, 0x0e, 0x11, 0x08, 0xa8,
  0xfd, 0x17, 0xb4, 0x48, 0xa6, 0x85, 0x54, 0x19, 0x9c, 0x47, 0xd0, 0x8f, 0xfb, 0x10, 0xd4, 0xb8,
]);

// beta, a cube root of unity mod p: lambda(x, y) = (beta x, y) (see scalar.ts).
const BETA_BYTES: usize = memory.data<u8>([
  0x7a, 0xe9, 0x6a, 0x2b, 0x65, 0x7c, 0x07, 0x10, 0x6e, 0x64, 0x47, 0x9e, 0xac, 0x34, 0x34, 0xe9,
  0x9c, 0xf0, 0x49, 0x75, 0x12, 0xf5, 0x89, 0x95, 0xc1, 0x39, 0x6c, 0x28, 0x71, 0x95, 0x01, 0xee,
]);
const BETA: usize = memory.data(40, 16);

/** The generator as an affine GE (filled by ecInit). */
export const GEN: usize = memory.data(<i32>GE_SIZE, 16);

// ---- fixed-base table
const GEN_BITS: i32 = 7;                                            // window width (chosen by measurement)
// Signed digits need one bit of headroom for the last carry: 37 x 7 = 259 > 256.
const WINDOWS: usize = <usize>((256 + GEN_BITS) / GEN_BITS);
const PER: usize = <usize>1 << (GEN_BITS - 1);                      // entries 1..2^(w-1) per window
const GTAB: usize = memory.data(<i32>(WINDOWS * PER * TE_SIZE), 16);
// Scratch used while building tables: PER (and later WG_COUNT) Jacobian points.
const WG_BITS: i32 = 12;                       // width of G's NAF in ecmultV
const WG_COUNT: usize = 1 << (WG_BITS - 2);   // odd multiples 1G .. (2^(w-1) - 1)G
const GODD: usize = memory.data(<i32>(WG_COUNT * TE_SIZE), 16);
const GLAM: usize = memory.data(<i32>(WG_COUNT * TE_SIZE), 16); // lambda of each: (beta x, y)
const BUILD: usize = memory.data(<i32>(WG_COUNT * GEJ_SIZE), 16);
const BUILD_Z: usize = memory.data(<i32>(WG_COUNT * 40), 16);
let ready = false;

const J0: usize = memory.data(<i32>GEJ_SIZE, 16);
const J1: usize = memory.data(<i32>GEJ_SIZE, 16);

/** Builds the G tables once (public data: about 3.7k point additions, 44 inversions; ~10-30 ms). */
export function ecInit(): void {
  if (ready) return;
  feFromBytes(GEN, G_BYTES);
  feFromBytes(GEN + FE, G_BYTES + 32);
  store<u32>(GEN, 0, 80);
  // Fixed-base windows: base B = 2^(w i) G; entries j B for j = 1..2^(w-1).
  gejSetGe(J0, GEN);
  for (let i: usize = 0; i < WINDOWS; i++) {
    gejCopy(BUILD, J0);
    for (let j: usize = 1; j < PER; j++) gejAddV(BUILD + j * GEJ_SIZE, BUILD + (j - 1) * GEJ_SIZE, J0);
    gejDoubleV(J0, BUILD + (PER - 1) * GEJ_SIZE); // 2^w B
    gejBatchToAffine(GTAB + i * PER * TE_SIZE, TE_SIZE, BUILD, PER, BUILD_Z);
  }
  // Odd multiples of G for the NAF of ecmultV.
  gejSetGe(J0, GEN);
  gejDoubleV(J1, J0);
  gejCopy(BUILD, J0);
  for (let j: usize = 1; j < WG_COUNT; j++) gejAddV(BUILD + j * GEJ_SIZE, BUILD + (j - 1) * GEJ_SIZE, J1);
  gejBatchToAffine(GODD, TE_SIZE, BUILD, WG_COUNT, BUILD_Z);
  feFromBytes(BETA, BETA_BYTES);
  for (let j: usize = 0; j < WG_COUNT; j++) {
    const src = GODD + j * TE_SIZE, dst = GLAM + j * TE_SIZE;
    feMul(dst, src, BETA);
    feNormalize(dst, dst);
    feCopy(dst + FE, src + FE);
  }
  ready = true;
}

// ---- constant-time fixed-base multiplication

const ACC: usize = memory.data(120, 16);   // projective accumulator
const SUM: usize = memory.data(120, 16);
const ENTRY: usize = memory.data(<i32>TE_SIZE, 16);
const NEGY: usize = memory.data(40, 16);

/**
 * ENTRY = window i's entry d (d in 1..2^(w-1)), or zeros for d = 0, reading
 * all entries of the window and keeping one with a mask (no secret-dependent
 * address). An entry is 80 bytes = five v128 lanes.
 */
// @ts-ignore: decorator
@inline
function lookup(i: usize, d: u32): void {
  let e0 = i32x4.splat(0), e1 = e0, e2 = e0, e3 = e0, e4 = e0;
  let p = GTAB + i * PER * TE_SIZE;
  for (let j: u32 = 1; j <= <u32>PER; j++) {
    // mask = all ones iff j == d, without a comparison branch.
    const m = i32x4.splat(<i32>(((<u64>(j ^ d)) - 1) >> 32));
    e0 = v128.or(e0, v128.and(v128.load(p, 0), m));
    e1 = v128.or(e1, v128.and(v128.load(p, 16), m));
    e2 = v128.or(e2, v128.and(v128.load(p, 32), m));
    e3 = v128.or(e3, v128.and(v128.load(p, 48), m));
    e4 = v128.or(e4, v128.and(v128.load(p, 64), m));
    p += TE_SIZE;
  }
  v128.store(ENTRY, e0, 0);
  v128.store(ENTRY, e1, 16);
  v128.store(ENTRY, e2, 32);
  v128.store(ENTRY, e3, 48);
  v128.store(ENTRY, e4, 64);
}

/**
 * out (projective X:Y:Z, 120 bytes; X magnitude 1, Y and Z <= 2) = k * G for a scalar
 * 0 < k < n (8 little-endian u32 limbs). Constant time in k. The caller
 * wipes with ecmultGenWipe() once done with anything derived from k.
 */
export function ecmultGenProj(out: usize, k: usize): void {
  ecInit();
  // Identity (0:1:0).
  memory.fill(out, 0, 120);
  store<u32>(out + FE, 1);
  let carry: u32 = 0;
  for (let i: usize = 0; i < WINDOWS; i++) {
    // Signed recoding: b = window bits + carry in [0, 2^w]; b > 2^(w-1)
    // becomes b - 2^w with a carry into the next window. All by arithmetic
    // on the secret (public position, secret value).
    const b = bitsAt(k, <i32>i * GEN_BITS, GEN_BITS) + carry;
    carry = (<u32>PER - b) >> 31;                 // 1 iff b > 2^(w-1)
    const d = <i32>b - <i32>(carry << GEN_BITS);   // in [-(2^(w-1) - 1), 2^(w-1)]
    const neg = <u32>d >> 31;
    const m = <i32>0 - <i32>neg;
    const a = <u32>((d ^ m) - m);                  // |d|
    lookup(i, a);
    feNeg(NEGY, ENTRY + FE, 1);
    feCmov(ENTRY + FE, NEGY, neg);                 // y magnitude <= 2, which ctAddGe takes
    ctAddGe(SUM, out, ENTRY);
    const nz = <u32>((<u64>a + 0xffffffff) >> 32); // 1 iff d != 0
    feCmov(out, SUM, nz);
    feCmov(out + FE, SUM + FE, nz);
    feCmov(out + 2 * FE, SUM + 2 * FE, nz);
  }
}

export function ecmultGenWipe(): void {
  memory.fill(ACC, 0, 120);
  memory.fill(SUM, 0, 120);
  memory.fill(ENTRY, 0, TE_SIZE);
  memory.fill(NEGY, 0, 40);
  groupWipe();
  feWipe();
}

/** out (affine x, y normalized: 80 bytes) = k * G, 0 < k < n. Constant time in k; wipes its scratch. */
export function ecmultGen(out: usize, k: usize): void {
  ecmultGenProj(ACC, k);
  // Affine: x = X/Z, y = Y/Z.
  feInv(SUM, ACC + 2 * FE);
  feMul(out, ACC, SUM);
  feMul(out + FE, ACC + FE, SUM);
  feNormalize(out, out);
  feNormalize(out + FE, out + FE);
  ecmultGenWipe();
}

/** Homogeneous projective (X:Y:Z) -> Jacobian (XZ, YZ^2, Z): both are (X/Z, Y/Z). */
export function projToGej(r: usize, a: usize): void {
  feSqr(SUM, a + 2 * FE);
  feMul(r, a, a + 2 * FE);
  feMul(r + FE, a + FE, SUM);
  feCopy(r + 2 * FE, a + 2 * FE);
  store<u32>(r, 0, 120);
}

// ---- variable-time double multiplication (GLV + Strauss + wNAF)

// Measured (a different key on every call, vs native): WP_BITS 6 lost
// (verify 0.535x -> 0.485x: the longer table costs more than the 7 fewer
// additions save) -> kept 5. WG_BITS 14 instead of 12 was neutral (verify
// new/old 1.005) for a 4x larger G table -> kept 12.
const WP_BITS: i32 = 5;
const WP_COUNT: usize = 1 << (WP_BITS - 2);
// A key verified again (the table kept, see ecmultV) gets a wider table on
// its third call: its build (about 64 mixed additions, one-off) is paid back
// by fewer additions (1/(w+1) of the digits) on every later call.
// Measured (A/B in one process, us per call): verify with one key 62.5 ->
// 56.0, recover of one signature 72.0 -> 66.0, a new key each call 74.7 ->
// 74.8 (unchanged: it never upgrades). Static memory 1.9 KB -> 12.5 KB.
const WP2_BITS: i32 = 8;
const WP2_COUNT: usize = 1 << (WP2_BITS - 2);
const P_UPGRADE: u32 = 2;                                     // repeats before the wider table
// Odd multiples (2j+1) P and their lambda images (beta x, y), all on one
// shared Z (PZG, the true Z): "effective affine" entries, see ecmultV.
const PODD: usize = memory.data(<i32>(WP2_COUNT * TE_SIZE), 16);
const PLAM: usize = memory.data(<i32>(WP2_COUNT * TE_SIZE), 16);
const PZR: usize = memory.data(<i32>(WP2_COUNT * 40), 16);    // Z ratios of the table build
const PZG: usize = memory.data(40, 16);
const PSRC: usize = memory.data(80, 16);                      // the P the table is for (x, y normalized)
let pBits: i32 = WP_BITS;                                     // width of the table in PODD / PLAM
let pUses: u32 = 0;                                           // calls with the same P since its table was built
let pReady = false;
const NAF_LEN: usize = 140;
const NAF_A1: usize = memory.data(<i32>(NAF_LEN * 4), 16);
const NAF_A2: usize = memory.data(<i32>(NAF_LEN * 4), 16);
const NAF_B1: usize = memory.data(<i32>(NAF_LEN * 4), 16);
const NAF_B2: usize = memory.data(<i32>(NAF_LEN * 4), 16);
const A1: usize = memory.data(32, 16);
const A2: usize = memory.data(32, 16);
const B1: usize = memory.data(32, 16);
const B2: usize = memory.data(32, 16);
const NEGT: usize = memory.data(<i32>GE_SIZE, 16);
const P2: usize = memory.data(<i32>GEJ_SIZE, 16);
const RT: usize = memory.data(40, 16);

// @ts-ignore: decorator
@inline
function bitsAt(s: usize, pos: i32, count: i32): u32 {
  // s has 8 limbs; bits at or past 256 read as 0. count <= 16.
  if (pos >= 256) return 0;
  const limb = pos >> 5;
  const sh = pos & 31;
  let v = <u64>load<u32>(s + (<usize>limb << 2)) >> <u64>sh;
  if (limb < 7) v |= <u64>load<u32>(s + (<usize>(limb + 1) << 2)) << <u64>(32 - sh);
  return <u32>v & ((<u32>1 << count) - 1);
}

/**
 * Width-w NAF of a public scalar below 2^130 into NAF_LEN i32 digits, each
 * digit negated when `neg` is set: nonzero digits are odd, |d| < 2^(w-1), and
 * any w consecutive digits hold at most one nonzero. Returns the highest
 * index in use + 1.
 */
function wnaf(out: usize, s: usize, w: i32, neg: u32): i32 {
  memory.fill(out, 0, NAF_LEN * 4);
  const len: i32 = <i32>NAF_LEN - 2;
  let carry: u32 = 0;
  let bit: i32 = 0;
  let top: i32 = 0;
  while (bit < len) {
    if (bitsAt(s, bit, 1) == carry) { bit++; continue; }
    let now = w;
    if (now > len - bit) now = len - bit;
    let word = <i32>(bitsAt(s, bit, now) + carry);
    carry = (<u32>word >> <u32>(w - 1)) & 1;
    word -= <i32>(carry << <u32>w);
    store<i32>(out + (<usize>bit << 2), neg ? -word : word);
    top = bit + 1;
    bit += now;
  }
  return top;
}

/** NEGT = table entry |d| (x, y) with y negated when d < 0. */
// @ts-ignore: decorator
@inline
function entry(table: usize, d: i32): void {
  const e = table + (<usize>((d < 0 ? -d : d) >> 1)) * TE_SIZE;
  memory.copy(NEGT, e, FE);
  if (d > 0) memory.copy(NEGT + FE, e + FE, FE); else feNeg(NEGT + FE, e + FE, 1);
  store<u32>(NEGT, 0, 80);
}

/**
 * PODD = (2j+1) P for j < WP_COUNT, PLAM = their lambda images, all on the
 * common Z held in PZG: the effective-affine construction. With d = 2P =
 * (Xd, Yd, Zd), the map (x, y) -> (x Zd^2, y Zd^3) is an isomorphism onto a
 * curve y^2 = x^3 + b' on which d is affine, so (2j+1) P follows from P by
 * mixed additions of d; the Z ratios of those additions then bring every
 * entry to the last one's Z (backwards, two multiplications and a squaring
 * each), with no inversion. The additions with these entries in ecmultV are
 * then mixed additions too. P is public and of prime order, so no addition
 * here meets a special case ((2j+1) P = +-2P would need a tiny order).
 */
function buildPTable(p: usize, n: usize): void {
  gejSetGe(J0, p);
  gejDoubleV(P2, J0);                               // d = 2P (Zd != 0)
  const Zd = P2 + 2 * FE;
  feSqr(RT, Zd);
  feMul(J1, p, RT);                                 // P in d's frame: (x Zd^2, y Zd^3, 1)
  feMul(RT, RT, Zd);
  feMul(J1 + FE, p + FE, RT);
  feSetInt(J1 + 2 * FE, 1);
  store<u32>(J1, 0, 120);
  memory.copy(PODD, J1, 2 * FE);
  for (let j: usize = 1; j < n; j++) {
    gejAddGeZrV(J1, J1, P2, PZR + j * FE);         // d's X, Y read as an affine point of that frame
    memory.copy(PODD + j * TE_SIZE, J1, 2 * FE);
  }
  const last = PODD + (n - 1) * TE_SIZE;
  feNormWeak(last + FE, last + FE);                 // y magnitude 1 for the negation in entry()
  feMul(PZG, J1 + 2 * FE, Zd);                      // the true common Z
  // Entry j times (Z_last / Z_j)^2, ^3, where Z_last / Z_j = product of the ratios after j.
  feCopy(RT, PZR + (n - 1) * FE);
  for (let j: isize = <isize>n - 2; j >= 0; j--) {
    const e = PODD + <usize>j * TE_SIZE;
    feSqr(T_SQ, RT);
    feMul(e, e, T_SQ);
    feMul(T_SQ, T_SQ, RT);
    feMul(e + FE, e + FE, T_SQ);
    if (j > 0) feMul(RT, RT, PZR + <usize>j * FE);
  }
  for (let j: usize = 0; j < n; j++) {
    const src = PODD + j * TE_SIZE, dst = PLAM + j * TE_SIZE;
    feMul(dst, src, BETA);
    feCopy(dst + FE, src + FE);
  }
}
const T_SQ: usize = memory.data(40, 16);

/**
 * r (Jacobian) = a*G + b*P for public scalars a, b (8-limb, < n) and a
 * public affine point P (not infinity, normalized). With lambda(x, y) =
 * (beta x, y): a G + b P = a1 G + a2 lambda(G) + b1 P + b2 lambda(P), four
 * half-length NAFs sharing about 129 doublings. The accumulator lives in
 * the frame of P's table (true Z = its Z times PZG): P entries are added by
 * mixed additions, G entries with gejAddZinvV, and one multiplication by
 * PZG at the end returns to true coordinates. The table is kept for the
 * next call with the same P (public data: a signer's key verified again).
 *
 * Measured against native libsecp256k1, with a different key (or
 * signature) on every call: Jacobian P table (12M + 4S per P addition)
 * verify 0.50x, recover 0.53x -> effective affine (8M + 3S; G additions
 * 9M + 3S) 0.535x, 0.59x. The kept table adds: verify with one key
 * 0.55x -> 0.58x.
 */
export function ecmultV(r: usize, a: usize, p: usize, b: usize): void {
  ecInit();
  if (!pReady || memory.compare(PSRC, p, 80) != 0) {
    buildPTable(p, WP_COUNT);
    memory.copy(PSRC, p, 80);
    pReady = true;
    pBits = WP_BITS;
    pUses = 0;
  } else if (pBits == WP_BITS && ++pUses >= P_UPGRADE) {
    buildPTable(p, WP2_COUNT);
    pBits = WP2_BITS;
  }
  const sa = scSplitLambda(A1, A2, a);
  const sb = scSplitLambda(B1, B2, b);
  let top = wnaf(NAF_A1, A1, WG_BITS, sa & 1);
  let t = wnaf(NAF_A2, A2, WG_BITS, sa >> 1);
  if (t > top) top = t;
  t = wnaf(NAF_B1, B1, pBits, sb & 1);
  if (t > top) top = t;
  t = wnaf(NAF_B2, B2, pBits, sb >> 1);
  if (t > top) top = t;
  gejSetInf(r);
  for (let i = top - 1; i >= 0; i--) {
    gejDoubleV(r, r);
    const o = <usize>i << 2;
    let d = load<i32>(NAF_B1 + o);
    if (d != 0) { entry(PODD, d); gejAddGeV(r, r, NEGT); }
    d = load<i32>(NAF_B2 + o);
    if (d != 0) { entry(PLAM, d); gejAddGeV(r, r, NEGT); }
    d = load<i32>(NAF_A1 + o);
    if (d != 0) { entry(GODD, d); gejAddZinvV(r, r, NEGT, PZG); }
    d = load<i32>(NAF_A2 + o);
    if (d != 0) { entry(GLAM, d); gejAddZinvV(r, r, NEGT, PZG); }
  }
  if (!gejIsInf(r)) feMul(r + 2 * FE, r + 2 * FE, PZG);
}
