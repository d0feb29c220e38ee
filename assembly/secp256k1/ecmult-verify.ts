// Variable-time double multiplication a*G + b*P for public a, b, P
// (verification, recovery): GLV split of both scalars, Strauss' interleaving
// of four width-w NAFs, a precomputed table of odd multiples of G and
// lambda(G) (w = 12), and Jacobian formulas that branch freely.
//
// Only the verification module (./verify-index.ts, build/secp256k1-verify.wasm)
// reaches this file's functions: the core module signs with ./ecmult.ts's
// fixed-base table and never builds these tables.

import { FE, feMul, feSqr, feNormalize, feNormWeak, feNeg, feCopy, feSetInt, feFromBytes } from './field';
import { scSplitLambda } from './scalar';
import {
  GEJ_SIZE, TE_SIZE, GE_SIZE, gejSetInf, gejSetGe, gejDoubleV, gejAddGeV, gejAddV, gejCopy, gejBatchToAffine,
  gejAddZinvV, gejAddGeZrV, gejIsInf,
} from './group';
import { GEN, genInit, bitsAt } from './ecmult';

// beta, a cube root of unity mod p: lambda(x, y) = (beta x, y) (see scalar.ts).
const BETA_BYTES: usize = memory.data<u8>([
  0x7a, 0xe9, 0x6a, 0x2b, 0x65, 0x7c, 0x07, 0x10, 0x6e, 0x64, 0x47, 0x9e, 0xac, 0x34, 0x34, 0xe9,
  0x9c, 0xf0, 0x49, 0x75, 0x12, 0xf5, 0x89, 0x95, 0xc1, 0x39, 0x6c, 0x28, 0x71, 0x95, 0x01, 0xee,
]);
const BETA: usize = memory.data(40, 16);

// ---- the G tables
const WG_BITS: i32 = 12;                       // width of G's NAF in ecmultV
const WG_COUNT: usize = 1 << (WG_BITS - 2);   // odd multiples 1G .. (2^(w-1) - 1)G
const GODD: usize = memory.data(<i32>(WG_COUNT * TE_SIZE), 16);
const GLAM: usize = memory.data(<i32>(WG_COUNT * TE_SIZE), 16); // lambda of each: (beta x, y)
// Scratch used while building them: WG_COUNT Jacobian points.
const BUILD: usize = memory.data(<i32>(WG_COUNT * GEJ_SIZE), 16);
const BUILD_Z: usize = memory.data(<i32>(WG_COUNT * 40), 16);
let ready = false;

const J0: usize = memory.data(<i32>GEJ_SIZE, 16);
const J1: usize = memory.data(<i32>GEJ_SIZE, 16);

/** Builds the G tables of ecmultV once (public data: about 1k point additions, one batch inversion). */
export function ecVerifyInit(): void {
  if (ready) return;
  genInit();
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
  ecVerifyInit();
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
