// SHA-512 (FIPS 180-4 §6.4) with an incremental context kept in linear memory,
// so HMAC can snapshot the inner/outer midstates (RFC 2104 §2) and PBKDF2 can
// reuse them for every iteration (RFC 8018 §5.2). Its buffers are in the
// scratch region (mem.ts), zeroed by wipeScratch().

import { SCRATCH, SHA512_SLOT } from '../mem';

// Context layout (256 bytes): state H0..H7 as native u64, the pending block,
// the total byte count and the number of pending bytes.
export const CTX512_SIZE: usize = 256;
const ST: usize = 0;
const BLK: usize = 64;
const TOTAL: usize = 192;
const PENDING: usize = 200;

// FIPS 180-4 §4.2.3
const K: usize = memory.data<u64>([
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
  0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
  0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
  0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
  0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
  0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
  0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
  0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
  0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
  0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
  0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
  0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
  0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
]);

// FIPS 180-4 §5.3.5
const IV: usize = memory.data<u64>([
  0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
  0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
]);

/** Message schedule W0..W79. Holds message words (secret for HMAC keys). */
export const W: usize = SCRATCH + SHA512_SLOT; // 640: W0..W79

/**
 * One compression (FIPS 180-4 §6.4.2) of the state at `st` with the 16 message
 * words already in W[0..16] as native u64. W[0..16] is left intact, so callers
 * that keep padding words there (PBKDF2) only rewrite the words that change.
 */
export function compressW(st: usize): void {
  for (let i: usize = 16; i < 80; i++) {
    const p = W + (i << 3);
    const w15 = load<u64>(p - 120);
    const w2 = load<u64>(p - 16);
    const s0 = rotr<u64>(w15, 1) ^ rotr<u64>(w15, 8) ^ (w15 >> 7);
    const s1 = rotr<u64>(w2, 19) ^ rotr<u64>(w2, 61) ^ (w2 >> 6);
    store<u64>(p, load<u64>(p - 128) + s0 + load<u64>(p - 56) + s1);
  }
  let a = load<u64>(st, 0), b = load<u64>(st, 8), c = load<u64>(st, 16), d = load<u64>(st, 24);
  let e = load<u64>(st, 32), f = load<u64>(st, 40), g = load<u64>(st, 48), h = load<u64>(st, 56);
  // Eight rounds per pass with the variables renamed instead of shifted
  // (FIPS 180-4 §6.4.2 step 3): no register moves between rounds.
  let t: u64;
  for (let i: usize = 0; i < 640; i += 64) {
    t = h + (rotr<u64>(e, 14) ^ rotr<u64>(e, 18) ^ rotr<u64>(e, 41)) + (g ^ (e & (f ^ g))) + load<u64>(K + i, 0) + load<u64>(W + i, 0);
    d += t;
    h = t + (rotr<u64>(a, 28) ^ rotr<u64>(a, 34) ^ rotr<u64>(a, 39)) + ((a & b) | (c & (a | b)));
    t = g + (rotr<u64>(d, 14) ^ rotr<u64>(d, 18) ^ rotr<u64>(d, 41)) + (f ^ (d & (e ^ f))) + load<u64>(K + i, 8) + load<u64>(W + i, 8);
    c += t;
    g = t + (rotr<u64>(h, 28) ^ rotr<u64>(h, 34) ^ rotr<u64>(h, 39)) + ((h & a) | (b & (h | a)));
    t = f + (rotr<u64>(c, 14) ^ rotr<u64>(c, 18) ^ rotr<u64>(c, 41)) + (e ^ (c & (d ^ e))) + load<u64>(K + i, 16) + load<u64>(W + i, 16);
    b += t;
    f = t + (rotr<u64>(g, 28) ^ rotr<u64>(g, 34) ^ rotr<u64>(g, 39)) + ((g & h) | (a & (g | h)));
    t = e + (rotr<u64>(b, 14) ^ rotr<u64>(b, 18) ^ rotr<u64>(b, 41)) + (d ^ (b & (c ^ d))) + load<u64>(K + i, 24) + load<u64>(W + i, 24);
    a += t;
    e = t + (rotr<u64>(f, 28) ^ rotr<u64>(f, 34) ^ rotr<u64>(f, 39)) + ((f & g) | (h & (f | g)));
    t = d + (rotr<u64>(a, 14) ^ rotr<u64>(a, 18) ^ rotr<u64>(a, 41)) + (c ^ (a & (b ^ c))) + load<u64>(K + i, 32) + load<u64>(W + i, 32);
    h += t;
    d = t + (rotr<u64>(e, 28) ^ rotr<u64>(e, 34) ^ rotr<u64>(e, 39)) + ((e & f) | (g & (e | f)));
    t = c + (rotr<u64>(h, 14) ^ rotr<u64>(h, 18) ^ rotr<u64>(h, 41)) + (b ^ (h & (a ^ b))) + load<u64>(K + i, 40) + load<u64>(W + i, 40);
    g += t;
    c = t + (rotr<u64>(d, 28) ^ rotr<u64>(d, 34) ^ rotr<u64>(d, 39)) + ((d & e) | (f & (d | e)));
    t = b + (rotr<u64>(g, 14) ^ rotr<u64>(g, 18) ^ rotr<u64>(g, 41)) + (a ^ (g & (h ^ a))) + load<u64>(K + i, 48) + load<u64>(W + i, 48);
    f += t;
    b = t + (rotr<u64>(c, 28) ^ rotr<u64>(c, 34) ^ rotr<u64>(c, 39)) + ((c & d) | (e & (c | d)));
    t = a + (rotr<u64>(f, 14) ^ rotr<u64>(f, 18) ^ rotr<u64>(f, 41)) + (h ^ (f & (g ^ h))) + load<u64>(K + i, 56) + load<u64>(W + i, 56);
    e += t;
    a = t + (rotr<u64>(b, 28) ^ rotr<u64>(b, 34) ^ rotr<u64>(b, 39)) + ((b & c) | (d & (b | c)));
  }
  store<u64>(st, load<u64>(st, 0) + a, 0);
  store<u64>(st, load<u64>(st, 8) + b, 8);
  store<u64>(st, load<u64>(st, 16) + c, 16);
  store<u64>(st, load<u64>(st, 24) + d, 24);
  store<u64>(st, load<u64>(st, 32) + e, 32);
  store<u64>(st, load<u64>(st, 40) + f, 40);
  store<u64>(st, load<u64>(st, 48) + g, 48);
  store<u64>(st, load<u64>(st, 56) + h, 56);
}

/** Compresses one 128-byte big-endian block at `blk` into the state at `st`. */
export function compressBlock(st: usize, blk: usize): void {
  for (let i: usize = 0; i < 128; i += 8) store<u64>(W + i, bswap<u64>(load<u64>(blk + i)));
  compressW(st);
}

export function sha512Init(ctx: usize): void {
  memory.copy(ctx + ST, IV, 64);
  store<u64>(ctx + TOTAL, 0);
  store<u32>(ctx + PENDING, 0);
}

export function sha512Update(ctx: usize, p: usize, len: usize): void {
  store<u64>(ctx + TOTAL, load<u64>(ctx + TOTAL) + <u64>len);
  let n = <usize>load<u32>(ctx + PENDING);
  if (n != 0) {
    const take = min<usize>(128 - n, len);
    memory.copy(ctx + BLK + n, p, take);
    n += take; p += take; len -= take;
    if (n < 128) { store<u32>(ctx + PENDING, <u32>n); return; }
    compressBlock(ctx + ST, ctx + BLK);
    n = 0;
  }
  while (len >= 128) {
    compressBlock(ctx + ST, p);
    p += 128; len -= 128;
  }
  if (len != 0) memory.copy(ctx + BLK, p, len);
  store<u32>(ctx + PENDING, <u32>len);
}

/** Pads (FIPS 180-4 §5.1.2), writes the 64-byte digest to `out`, and leaves the context dirty. */
export function sha512Final(ctx: usize, out: usize): void {
  let n = <usize>load<u32>(ctx + PENDING);
  const blk = ctx + BLK;
  store<u8>(blk + n, 0x80);
  n++;
  if (n > 112) {
    memory.fill(blk + n, 0, 128 - n);
    compressBlock(ctx + ST, blk);
    n = 0;
  }
  memory.fill(blk + n, 0, 112 - n);
  const total = load<u64>(ctx + TOTAL);
  store<u64>(blk + 112, bswap<u64>(total >> 61));
  store<u64>(blk + 120, bswap<u64>(total << 3));
  compressBlock(ctx + ST, blk);
  for (let i: usize = 0; i < 64; i += 8) store<u64>(out + i, bswap<u64>(load<u64>(ctx + ST + i)));
}

const CTX: usize = SCRATCH + SHA512_SLOT + 640; // 256: CTX512_SIZE, the one-shot context

/** One-shot SHA-512 of `len` bytes at `p` into `out` (may alias the input). */
export function sha512Into(p: usize, len: usize, out: usize): void {
  sha512Init(CTX);
  sha512Update(CTX, p, len);
  sha512Final(CTX, out);
}
