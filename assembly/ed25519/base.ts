// Multiples of the base point B (RFC 8032 §5.1: y = 4/5, x even).
//
// Fixed-base [a]B for secret a (key generation and the nonce point R of
// signing, RFC 8032 §5.1.5 step 3 and §5.1.6 step 3): a is written in signed
// radix 2^6, a = sum e_i 64^i with e_i in [-32, 32] (43 digits), and TABLE
// holds |e| * 64^i * B for |e| = 1..32 at each of the 43 positions, so [a]B
// is 43 mixed additions and no doublings. The window width was chosen by
// measurement: radix 16 needs 64 additions (27.5 us per [a]B), radix 64
// needs 43 and its longer constant-time scan (32 entries of 128 bytes,
// ~100 ns) costs less than the 21 additions it saves (~22 us, ~19 us after
// starting from digit 0 directly); radix 32 and 128 estimate no better.
//
// Sign needs [s]B and [r]B: one scan per row for both (each entry loaded once
// and masked twice) measured 25.4 -> 25.3 us for the pair: no gain, dropped.
//
// Constant time: every entry of a row is loaded and combined under a mask
// that is all-ones only for the wanted |e| (v128 and/or, no secret index or
// branch), then negated under a mask when e < 0.
//
// Verification's [s]B uses a second table of odd multiples B, 3B, ..., 127B
// for width-8 signed windows (s is public there). Width 10 (256 entries,
// 28 -> 23 additions per [s]B) measured 64.5 -> 63.9 us per [s]B - [k]A (-1%)
// for 192 more entries (23 KB) to build on first use: kept width 8.
//
// Both tables (176,128 + 7,680 bytes) are computed on first use rather than
// shipped, to keep the module small; building them takes 2-4 ms
// once (`ed25519.precompute()` does it ahead of time).

import { FE, feMul, feInvert, feCopy, feAdd, feSub, feZero } from './field';
import {
  X, Y, Z, T, P3_SIZE, NIELS_SIZE, dbl, toP3, toP2, toCached, addCached, addNiels, toNiels, decode, pointWipe,
} from './point';

const WBITS: usize = 6;
const DIGITS: usize = 43;            // ceil(256 / 6): a < 2^255 plus one carry
const ENTRIES: usize = 32;           // |e| = 1..2^(WBITS-1)
// Entries are niels points padded to 128 bytes (eight v128 lanes).
const STRIDE: usize = 128;
const ROW: usize = ENTRIES * STRIDE;
/** TABLE[i][j] = (j+1) * 64^i * B as padded niels points. */
export const TABLE: usize = memory.data(176128, 16); // DIGITS * ROW
/** Entries of ODD and ODD2. */
export const ODD_COUNT: usize = 64;
/** ODD[j] = (2j+1) * B as niels points, j = 0..63. */
export const ODD: usize = memory.data(7680, 16); // ODD_COUNT * NIELS_SIZE

let ready = false;

// Scratch for table building (public values only).
const BP: usize = memory.data(160, 16);
const PTS: usize = memory.data(32 * 160, 16);
const PROD: usize = memory.data(32 * 40, 16);
const INV: usize = memory.data(40, 16);
const ZI: usize = memory.data(40, 16);
const CQ: usize = memory.data(160, 16);
const CR: usize = memory.data(160, 16);
const TWO: usize = memory.data(160, 16);

// Encoding of B: y = 4/5 = 0x6666...6658 little-endian, sign bit 0.
const B_ENC: usize = memory.data<u8>([
  0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
]);

// Writes the n P3 points at PTS as niels points to out (given stride), with
// one field inversion for all of them (Montgomery's simultaneous inversion).
function normalize(out: usize, stride: usize, n: usize): void {
  feCopy(PROD, PTS + Z);
  for (let j: usize = 1; j < n; j++) feMul(PROD + j * FE, PROD + (j - 1) * FE, PTS + j * P3_SIZE + Z);
  feInvert(INV, PROD + (n - 1) * FE);
  for (let j = <isize>n - 1; j >= 0; j--) {
    const pj = PTS + <usize>j * P3_SIZE;
    if (j > 0) feMul(ZI, INV, PROD + <usize>(j - 1) * FE);
    else feCopy(ZI, INV);
    feMul(INV, INV, pj + Z);
    toNiels(out + <usize>j * stride, pj, ZI);
  }
}

// PTS[j] = (j+1) * P for j < n, given P at BP (P3) and its step as cached CQ.
function multiples(n: usize): void {
  for (let j: usize = 1; j < n; j++) {
    addCached(CR, PTS + (j - 1) * P3_SIZE, CQ);
    toP3(PTS + j * P3_SIZE, CR);
  }
}

/** Builds TABLE and ODD once. */
export function ensureTables(): void {
  if (ready) return;
  decode(BP, B_ENC);
  for (let i: usize = 0; i < DIGITS; i++) {
    // PTS[j] = (j+1) * P with P = 64^i B
    memory.copy(PTS, BP, P3_SIZE);
    toCached(CQ, BP);
    multiples(ENTRIES);
    // next P = 64 P = 2 * (32 P)
    dbl(CR, PTS + (ENTRIES - 1) * P3_SIZE);
    toP3(BP, CR);
    normalize(TABLE + i * ROW, STRIDE, ENTRIES);
  }
  decode(BP, B_ENC);
  oddMultiples(ODD);
  ready = true;
}

// out[j] = (2j+1) P for j < ODD_COUNT as niels points, P at BP (P3): in batches of 32 (step 2P).
function oddMultiples(out: usize): void {
  dbl(CR, BP); toP3(TWO, CR);
  toCached(CQ, TWO);
  memory.copy(PTS, BP, P3_SIZE);
  for (let b: usize = 0; b < ODD_COUNT; b += 32) {
    if (b > 0) { addCached(CR, PTS + 31 * P3_SIZE, CQ); toP3(PTS, CR); }
    multiples(32);
    normalize(out + b * NIELS_SIZE, NIELS_SIZE, 32);
  }
}

/** ODD2[j] = (2j+1) * 2^128 B as niels points, j < ODD_COUNT: the B half of the
 *  split ladder of dsm.ts (repeated verification under one key). */
export const ODD2: usize = memory.data(7680, 16); // ODD_COUNT * NIELS_SIZE
let ready2 = false;

/** Builds ODD2 once (128 doublings and 64 additions; on the first reuse of a key by verify). */
export function ensureTables2(): void {
  if (ready2) return;
  ensureTables();
  decode(BP, B_ENC);
  for (let i = 0; i < 128; i++) {
    dbl(CR, BP);
    if (i < 127) toP2(BP, CR);
    else toP3(BP, CR);
  }
  oddMultiples(ODD2);
  ready2 = true;
}

const SC: usize = memory.data(48, 16);  // zero-padded copy of the secret scalar
const E: usize = memory.data(48, 16);   // its signed radix-64 digits
const SEL: usize = memory.data(128, 16);
const ACC: usize = memory.data(160, 16);

// SEL = e * 64^pos * B for e in [-32, 32].
function select(pos: usize, e: i32): void {
  const neg = <i32>(<u32>e >> 31);
  const abs = (e ^ -neg) + neg;
  // |e| = 0 contributes the neutral niels point: y+x = 1 (limb 0), y-x = 1 (limb 10), 2dxy = 0
  const m0 = i32x4.splat(-<i32>(<u32>(abs - 1) >> 31));
  let v0 = v128.and(i32x4(1, 0, 0, 0), m0), v1 = i32x4.splat(0), v2 = v128.and(i32x4(0, 0, 1, 0), m0);
  let v3 = i32x4.splat(0), v4 = i32x4.splat(0), v5 = i32x4.splat(0), v6 = i32x4.splat(0), v7 = i32x4.splat(0);
  let p = TABLE + pos * ROW;
  for (let j = 1; j <= <i32>ENTRIES; j++) {
    const m = i32x4.splat(-<i32>(<u32>((abs ^ j) - 1) >> 31)); // all-ones iff abs == j
    v0 = v128.or(v0, v128.and(v128.load(p, 0), m));
    v1 = v128.or(v1, v128.and(v128.load(p, 16), m));
    v2 = v128.or(v2, v128.and(v128.load(p, 32), m));
    v3 = v128.or(v3, v128.and(v128.load(p, 48), m));
    v4 = v128.or(v4, v128.and(v128.load(p, 64), m));
    v5 = v128.or(v5, v128.and(v128.load(p, 80), m));
    v6 = v128.or(v6, v128.and(v128.load(p, 96), m));
    v7 = v128.or(v7, v128.and(v128.load(p, 112), m));
    p += STRIDE;
  }
  v128.store(SEL, v0, 0); v128.store(SEL, v1, 16); v128.store(SEL, v2, 32); v128.store(SEL, v3, 48);
  v128.store(SEL, v4, 64); v128.store(SEL, v5, 80); v128.store(SEL, v6, 96); v128.store(SEL, v7, 112);
  // e < 0: -(x, y) = (-x, y), i.e. swap y+x with y-x and negate 2dxy, under a
  // mask; in v128 lanes (two of four limbs, then the last two as one u64 or
  // two i32). Measured against the per-limb i32 loop: 12.9 -> 12.6 us per [a]B.
  const m = i32x4.splat(-neg);
  for (let i: usize = 0; i < 32; i += 16) {
    const a = v128.load(SEL + i), b = v128.load(SEL + 40 + i), c = v128.load(SEL + 80 + i);
    const t = v128.and(v128.xor(a, b), m);
    v128.store(SEL + i, v128.xor(a, t));
    v128.store(SEL + 40 + i, v128.xor(b, t));
    v128.store(SEL + 80 + i, i32x4.sub(v128.xor(c, m), m));
  }
  const m64 = <u64>(-<i64>neg), m32 = -neg;
  const a = load<u64>(SEL, 32), b = load<u64>(SEL, 72);
  const t = (a ^ b) & m64;
  store<u64>(SEL, a ^ t, 32);
  store<u64>(SEL, b ^ t, 72);
  store<i32>(SEL, (load<i32>(SEL, 112) ^ m32) - m32, 112);
  store<i32>(SEL, (load<i32>(SEL, 116) ^ m32) - m32, 116);
}

/** out = [a]B as P2 (X, Y, Z; T is not computed) for the 32-byte little-endian a < 2^255, in constant time. Wipes its scratch. */
export function scalarmultBase(out: usize, a: usize): void {
  ensureTables();
  memory.copy(SC, a, 32);
  store<u64>(SC + 32, 0);
  // 6-bit digits in [0, 64), recentred to [-32, 32) by carrying into the next one.
  let carry: i32 = 0;
  for (let i: usize = 0; i < DIGITS; i++) {
    const bit = i * WBITS;
    const w = <i32>((<u32>load<u16>(SC + (bit >> 3)) >> <u32>(bit & 7)) & 63);
    const e = w + carry;
    carry = (e + 32) >> 6;
    store<i8>(E + i, <i8>(e - (carry << 6)));
  }
  // a < 2^255 leaves the top digit (bits 252..257) at most 7 + 1: no carry out.
  // Digit 0 starts the sum directly: niels (y+x, y-x, 2dxy) of e_0 B is the P3
  // point (4x, 4y, 4, 4xy) = (2(y+x - (y-x)), 2(y+x + (y-x)), 4, (y+x - (y-x))(y+x + (y-x))).
  select(0, <i32>load<i8>(E));
  feSub(ACC, SEL, SEL + 40);             // 2x
  feAdd(ACC + 40, SEL, SEL + 40);        // 2y
  feMul(out + T, ACC, ACC + 40);         // 4xy
  feAdd(out + X, ACC, ACC);
  feAdd(out + Y, ACC + 40, ACC + 40);
  feZero(out + Z); store<i32>(out + Z, 4);
  for (let i: usize = 1; i < DIGITS; i++) {
    select(i, <i32>load<i8>(E + i));
    addNiels(ACC, out, SEL);
    if (i < DIGITS - 1) toP3(out, ACC);
    else toP2(out, ACC);                 // the result is only encoded: T is not needed
  }
  scalarmultBaseWipe();
}

/** Zeroes the secret scalar's copy, its digits and the selected and accumulated points (wipeScratch in mem.ts calls it too). */
export function scalarmultBaseWipe(): void {
  memory.fill(SC, 0, 48);
  memory.fill(E, 0, 48);
  memory.fill(SEL, 0, 128);
  memory.fill(ACC, 0, 160);
  pointWipe();
}
