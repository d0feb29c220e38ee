// SHA-256 (FIPS 180-4 §6.2), same context shape as sha512.ts: a state in linear
// memory so HMAC-SHA256 (RFC 6979 nonces, BIP-340 tagged hashes) can reuse midstates.
// Its buffers are in the scratch region (mem.ts), zeroed by wipeScratch().

import { SCRATCH, SHA256_SLOT } from '../mem';

export const CTX256_SIZE: usize = 128;
const ST: usize = 0;
const BLK: usize = 32;
const TOTAL: usize = 96;
const PENDING: usize = 104;

// FIPS 180-4 §4.2.2
const K: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// FIPS 180-4 §5.3.3
const IV: usize = memory.data<u32>([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

export const W: usize = SCRATCH + SHA256_SLOT; // 256: message schedule (message words)

export function compressW(st: usize): void {
  for (let i: usize = 16; i < 64; i++) {
    const p = W + (i << 2);
    const w15 = load<u32>(p - 60);
    const w2 = load<u32>(p - 8);
    const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >> 3);
    const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >> 10);
    store<u32>(p, load<u32>(p - 64) + s0 + load<u32>(p - 28) + s1);
  }
  let a = load<u32>(st, 0), b = load<u32>(st, 4), c = load<u32>(st, 8), d = load<u32>(st, 12);
  let e = load<u32>(st, 16), f = load<u32>(st, 20), g = load<u32>(st, 24), h = load<u32>(st, 28);
  // Eight rounds per pass with the variables renamed instead of shifted
  // (FIPS 180-4 §6.2.2 step 3): no register moves between rounds.
  let t: u32;
  for (let i: usize = 0; i < 256; i += 32) {
    t = h + (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25)) + (g ^ (e & (f ^ g))) + load<u32>(K + i, 0) + load<u32>(W + i, 0);
    d += t;
    h = t + (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22)) + ((a & b) | (c & (a | b)));
    t = g + (rotr<u32>(d, 6) ^ rotr<u32>(d, 11) ^ rotr<u32>(d, 25)) + (f ^ (d & (e ^ f))) + load<u32>(K + i, 4) + load<u32>(W + i, 4);
    c += t;
    g = t + (rotr<u32>(h, 2) ^ rotr<u32>(h, 13) ^ rotr<u32>(h, 22)) + ((h & a) | (b & (h | a)));
    t = f + (rotr<u32>(c, 6) ^ rotr<u32>(c, 11) ^ rotr<u32>(c, 25)) + (e ^ (c & (d ^ e))) + load<u32>(K + i, 8) + load<u32>(W + i, 8);
    b += t;
    f = t + (rotr<u32>(g, 2) ^ rotr<u32>(g, 13) ^ rotr<u32>(g, 22)) + ((g & h) | (a & (g | h)));
    t = e + (rotr<u32>(b, 6) ^ rotr<u32>(b, 11) ^ rotr<u32>(b, 25)) + (d ^ (b & (c ^ d))) + load<u32>(K + i, 12) + load<u32>(W + i, 12);
    a += t;
    e = t + (rotr<u32>(f, 2) ^ rotr<u32>(f, 13) ^ rotr<u32>(f, 22)) + ((f & g) | (h & (f | g)));
    t = d + (rotr<u32>(a, 6) ^ rotr<u32>(a, 11) ^ rotr<u32>(a, 25)) + (c ^ (a & (b ^ c))) + load<u32>(K + i, 16) + load<u32>(W + i, 16);
    h += t;
    d = t + (rotr<u32>(e, 2) ^ rotr<u32>(e, 13) ^ rotr<u32>(e, 22)) + ((e & f) | (g & (e | f)));
    t = c + (rotr<u32>(h, 6) ^ rotr<u32>(h, 11) ^ rotr<u32>(h, 25)) + (b ^ (h & (a ^ b))) + load<u32>(K + i, 20) + load<u32>(W + i, 20);
    g += t;
    c = t + (rotr<u32>(d, 2) ^ rotr<u32>(d, 13) ^ rotr<u32>(d, 22)) + ((d & e) | (f & (d | e)));
    t = b + (rotr<u32>(g, 6) ^ rotr<u32>(g, 11) ^ rotr<u32>(g, 25)) + (a ^ (g & (h ^ a))) + load<u32>(K + i, 24) + load<u32>(W + i, 24);
    f += t;
    b = t + (rotr<u32>(c, 2) ^ rotr<u32>(c, 13) ^ rotr<u32>(c, 22)) + ((c & d) | (e & (c | d)));
    t = a + (rotr<u32>(f, 6) ^ rotr<u32>(f, 11) ^ rotr<u32>(f, 25)) + (h ^ (f & (g ^ h))) + load<u32>(K + i, 28) + load<u32>(W + i, 28);
    e += t;
    a = t + (rotr<u32>(b, 2) ^ rotr<u32>(b, 13) ^ rotr<u32>(b, 22)) + ((b & c) | (d & (b | c)));
  }
  store<u32>(st, load<u32>(st, 0) + a, 0);
  store<u32>(st, load<u32>(st, 4) + b, 4);
  store<u32>(st, load<u32>(st, 8) + c, 8);
  store<u32>(st, load<u32>(st, 12) + d, 12);
  store<u32>(st, load<u32>(st, 16) + e, 16);
  store<u32>(st, load<u32>(st, 20) + f, 20);
  store<u32>(st, load<u32>(st, 24) + g, 24);
  store<u32>(st, load<u32>(st, 28) + h, 28);
}

export function compressBlock(st: usize, blk: usize): void {
  for (let i: usize = 0; i < 64; i += 4) store<u32>(W + i, bswap<u32>(load<u32>(blk + i)));
  compressW(st);
}

export function sha256Init(ctx: usize): void {
  memory.copy(ctx + ST, IV, 32);
  store<u64>(ctx + TOTAL, 0);
  store<u32>(ctx + PENDING, 0);
}

export function sha256Update(ctx: usize, p: usize, len: usize): void {
  store<u64>(ctx + TOTAL, load<u64>(ctx + TOTAL) + <u64>len);
  let n = <usize>load<u32>(ctx + PENDING);
  if (n != 0) {
    const take = min<usize>(64 - n, len);
    memory.copy(ctx + BLK + n, p, take);
    n += take; p += take; len -= take;
    if (n < 64) { store<u32>(ctx + PENDING, <u32>n); return; }
    compressBlock(ctx + ST, ctx + BLK);
  }
  while (len >= 64) {
    compressBlock(ctx + ST, p);
    p += 64; len -= 64;
  }
  if (len != 0) memory.copy(ctx + BLK, p, len);
  store<u32>(ctx + PENDING, <u32>len);
}

export function sha256Final(ctx: usize, out: usize): void {
  let n = <usize>load<u32>(ctx + PENDING);
  const blk = ctx + BLK;
  store<u8>(blk + n, 0x80);
  n++;
  if (n > 56) {
    memory.fill(blk + n, 0, 64 - n);
    compressBlock(ctx + ST, blk);
    n = 0;
  }
  memory.fill(blk + n, 0, 56 - n);
  store<u64>(blk + 56, bswap<u64>(load<u64>(ctx + TOTAL) << 3));
  compressBlock(ctx + ST, blk);
  for (let i: usize = 0; i < 32; i += 4) store<u32>(out + i, bswap<u32>(load<u32>(ctx + ST + i)));
}

const CTX: usize = SCRATCH + SHA256_SLOT + 256; // 128: CTX256_SIZE, the one-shot context

export function sha256Into(p: usize, len: usize, out: usize): void {
  sha256Init(CTX);
  sha256Update(CTX, p, len);
  sha256Final(CTX, out);
}
