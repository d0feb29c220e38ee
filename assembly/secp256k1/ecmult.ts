// Fixed-base scalar multiplication k*G for a secret k (keys, signing, tweaks).
// k is recoded into 37 signed 7-bit digits d_i in [-63, 64]
// (k = sum d_i 2^(7i)); a table of j * 2^(7i) * G (i = 0..36, j = 1..64,
// affine, 189 KB) is built on first use, and k*G is the sum of
// +-(entry |d_i|) over the windows: 37 complete additions and no doublings.
// Each entry is fetched by scanning all 64 candidates of its window with SIMD
// masks (no secret-dependent address), its y is negated by a masked move when
// d_i < 0, and the addition result is discarded by a masked move when d_i = 0
// (no secret-dependent branch). Measured against native libsecp256k1
// (getPublicKey / sign): unsigned 6-bit windows 0.77x / 0.99x; signed 6-bit
// 0.80x / 0.99x; signed 7-bit 0.85x / 1.06x; signed 8-bit 0.85x / 1.06x with
// a 338 KB table -> kept 7.
//
// Verification's a*G + b*P (ecmultV) and its tables of odd multiples of G
// are in ./ecmult-verify.ts, which only the verification module
// (./verify-index.ts) reaches: a page that only signs never downloads them.

import { FE, feInv, feMul, feSqr, feNormalize, feNeg, feCopy, feCmov, feFromBytes, feWipe } from './field';
import { GEJ_SIZE, TE_SIZE, GE_SIZE, gejSetGe, gejDoubleV, gejAddV, gejCopy, gejBatchToAffine, ctAddGe, groupWipe } from './group';

// SEC 2 §2.4.1 generator, big-endian x then y.
const G_BYTES: usize = memory.data<u8>([
  0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac, 0x55, 0xa0, 0x62, 0x95, 0xce, 0x87, 0x0b, 0x07,
  0x02, 0x9b, 0xfc, 0xdb, 0x2d, 0xce, 0x28, 0xd9, 0x59, 0xf2, 0x81, 0x5b, 0x16, 0xf8, 0x17, 0x98,
  0x48, 0x3a, 0xda, 0x77, 0x26, 0xa3, 0xc4, 0x65, 0x5d, 0xa4, 0xfb, 0xfc, 0x0e, 0x11, 0x08, 0xa8,
  0xfd, 0x17, 0xb4, 0x48, 0xa6, 0x85, 0x54, 0x19, 0x9c, 0x47, 0xd0, 0x8f, 0xfb, 0x10, 0xd4, 0xb8,
]);

/** The generator as an affine GE (filled by genInit). */
export const GEN: usize = memory.data(<i32>GE_SIZE, 16);
let genReady = false;

/** Fills GEN from its encoding once. */
export function genInit(): void {
  if (genReady) return;
  feFromBytes(GEN, G_BYTES);
  feFromBytes(GEN + FE, G_BYTES + 32);
  store<u32>(GEN, 0, 80);
  genReady = true;
}

// ---- fixed-base table
const GEN_BITS: i32 = 7;                                            // window width (chosen by measurement)
// Signed digits need one bit of headroom for the last carry: 37 x 7 = 259 > 256.
const WINDOWS: usize = <usize>((256 + GEN_BITS) / GEN_BITS);
const PER: usize = <usize>1 << (GEN_BITS - 1);                      // entries 1..2^(w-1) per window
const GTAB: usize = memory.data(<i32>(WINDOWS * PER * TE_SIZE), 16);
// Scratch used while building the table: one window's PER Jacobian points.
const BUILD: usize = memory.data(<i32>(PER * GEJ_SIZE), 16);
const BUILD_Z: usize = memory.data(<i32>(PER * 40), 16);
let ready = false;

const J0: usize = memory.data(<i32>GEJ_SIZE, 16);

/** Builds the fixed-base table once (public data: 37 windows of 63 additions, one batch inversion each). */
export function ecInit(): void {
  if (ready) return;
  genInit();
  // Fixed-base windows: base B = 2^(w i) G; entries j B for j = 1..2^(w-1).
  gejSetGe(J0, GEN);
  for (let i: usize = 0; i < WINDOWS; i++) {
    gejCopy(BUILD, J0);
    for (let j: usize = 1; j < PER; j++) gejAddV(BUILD + j * GEJ_SIZE, BUILD + (j - 1) * GEJ_SIZE, J0);
    gejDoubleV(J0, BUILD + (PER - 1) * GEJ_SIZE); // 2^w B
    gejBatchToAffine(GTAB + i * PER * TE_SIZE, TE_SIZE, BUILD, PER, BUILD_Z);
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

// @ts-ignore: decorator
@inline
export function bitsAt(s: usize, pos: i32, count: i32): u32 {
  // s has 8 limbs; bits at or past 256 read as 0. count <= 16.
  if (pos >= 256) return 0;
  const limb = pos >> 5;
  const sh = pos & 31;
  let v = <u64>load<u32>(s + (<usize>limb << 2)) >> <u64>sh;
  if (limb < 7) v |= <u64>load<u32>(s + (<usize>(limb + 1) << 2)) << <u64>(32 - sh);
  return <u32>v & ((<u32>1 << count) - 1);
}

