// P-256 scalar multiplication.
//
//  * ecmultGenProj: k*G for a secret k. A table of j * 16^i * G (i = 0..63,
//    j = 0..15, projective, entry 0 the identity; 96 KiB, public) is built on
//    first use; k*G is then the sum of one entry per 4-bit window: 64
//    complete additions and no doublings. Each entry is fetched by reading
//    all 16 entries of its window and keeping one with a mask (no
//    secret-dependent address), and a zero window adds the identity, which
//    the complete formula handles like any point (no secret-dependent branch).
//  * ecmultVar: k*P for a public k and P (verification, public derivation):
//    a 4-bit fixed window over a table of 0..15 P, branching freely.
//
// The tables hold public points only; everything derived from a secret (the
// entry read, the accumulator) is in the scratch region (../mem.ts,
// P256_SLOT + 640 .. 928).

import { SCRATCH, P256_SLOT } from '../mem';
import { FE, fpFromBytes } from './field';
import { PT_SIZE, B_MONT, ptAdd, ptSetIdentity, ptCopy, ptToAffine, ptFromAffine } from './group';

// FIPS 186-4 §D.1.2.3 generator, big-endian x then y, and the coefficient b.
const G_BYTES: usize = memory.data<u8>([
  0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
  0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
  0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
  0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
]);
const B_BYTES: usize = memory.data<u8>([
  0x5a, 0xc6, 0x35, 0xd8, 0xaa, 0x3a, 0x93, 0xe7, 0xb3, 0xeb, 0xbd, 0x55, 0x76, 0x98, 0x86, 0xbc,
  0x65, 0x1d, 0x06, 0xb0, 0xcc, 0x53, 0xb0, 0xf6, 0x3b, 0xce, 0x3c, 0x3e, 0x27, 0xd2, 0x60, 0x4b,
]);

/** The generator, affine x, y in the Montgomery domain (filled by ecInit). */
export const GEN: usize = memory.data(64, 16);

const WINDOWS: usize = 64;
const PER: usize = 16; // entries 0..15 per window
const GTAB: usize = memory.data(<i32>(WINDOWS * PER * PT_SIZE), 16);
const PTAB: usize = memory.data(<i32>(PER * PT_SIZE), 16); // 0..15 P for ecmultVar (public P)
const BASE: usize = memory.data(<i32>PT_SIZE, 16); // table building (public)
let ready = false;

const ENTRY: usize = SCRATCH + P256_SLOT + 640; // 96: the entry read for a secret digit
const ACC: usize = SCRATCH + P256_SLOT + 736; // 96: the accumulator

/** Loads b and G and builds the fixed-base table once (public data: ~1000 additions, a few ms). */
export function ecInit(): void {
  if (ready) return;
  fpFromBytes(B_MONT, B_BYTES);
  fpFromBytes(GEN, G_BYTES);
  fpFromBytes(GEN + FE, G_BYTES + 32);
  ptFromAffine(BASE, GEN);
  for (let i: usize = 0; i < WINDOWS; i++) {
    const w = GTAB + i * PER * PT_SIZE;
    ptSetIdentity(w);
    ptCopy(w + PT_SIZE, BASE);
    for (let j: usize = 2; j < PER; j++) ptAdd(w + j * PT_SIZE, w + (j - 1) * PT_SIZE, BASE);
    ptAdd(BASE, w + (PER - 1) * PT_SIZE, BASE); // 16 B
  }
  ready = true;
}

/** Digit i (4 bits) of the 8-limb scalar k; the position is public. */
// @ts-ignore: decorator
@inline
function nibble(k: usize, i: usize): u32 {
  return (load<u32>(k + ((i >> 3) << 2)) >> (<u32>(i & 7) << 2)) & 15;
}

/** ENTRY = window i's entry d, reading all 16 entries (six v128 lanes each) and keeping one by mask. */
// @ts-ignore: decorator
@inline
function lookup(i: usize, d: u32): void {
  let e0 = i32x4.splat(0), e1 = e0, e2 = e0, e3 = e0, e4 = e0, e5 = e0;
  let p = GTAB + i * PER * PT_SIZE;
  for (let j: u32 = 0; j < <u32>PER; j++) {
    // all ones iff j == d, without a comparison branch
    const m = i32x4.splat(<i32>(((<u64>(j ^ d)) - 1) >> 32));
    e0 = v128.or(e0, v128.and(v128.load(p, 0), m));
    e1 = v128.or(e1, v128.and(v128.load(p, 16), m));
    e2 = v128.or(e2, v128.and(v128.load(p, 32), m));
    e3 = v128.or(e3, v128.and(v128.load(p, 48), m));
    e4 = v128.or(e4, v128.and(v128.load(p, 64), m));
    e5 = v128.or(e5, v128.and(v128.load(p, 80), m));
    p += PT_SIZE;
  }
  v128.store(ENTRY, e0, 0);
  v128.store(ENTRY, e1, 16);
  v128.store(ENTRY, e2, 32);
  v128.store(ENTRY, e3, 48);
  v128.store(ENTRY, e4, 64);
  v128.store(ENTRY, e5, 80);
}

/** out (projective) = k * G for a scalar k < n (8 little-endian u32 limbs). Constant time in k. */
export function ecmultGenProj(out: usize, k: usize): void {
  ecInit();
  ptSetIdentity(out);
  for (let i: usize = 0; i < WINDOWS; i++) {
    lookup(i, nibble(k, i));
    ptAdd(out, out, ENTRY);
  }
}

/** out (affine x, y, Montgomery domain) = k * G, 0 < k < n. Constant time in k. */
export function ecmultGen(out: usize, k: usize): void {
  ecmultGenProj(ACC, k);
  ptToAffine(out, ACC);
}

/** out (projective) = k * P for a public scalar k and a public projective P. Variable time. */
export function ecmultVar(out: usize, k: usize, p: usize): void {
  ptSetIdentity(PTAB);
  ptCopy(PTAB + PT_SIZE, p);
  for (let j: usize = 2; j < PER; j++) ptAdd(PTAB + j * PT_SIZE, PTAB + (j - 1) * PT_SIZE, p);
  ptSetIdentity(out);
  for (let i: isize = <isize>WINDOWS - 1; i >= 0; i--) {
    ptAdd(out, out, out);
    ptAdd(out, out, out);
    ptAdd(out, out, out);
    ptAdd(out, out, out);
    const d = nibble(k, <usize>i);
    if (d != 0) ptAdd(out, out, PTAB + <usize>d * PT_SIZE);
  }
}
