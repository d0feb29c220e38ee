// RIPEMD-160 (Dobbertin, Bosselaers, Preneel 1996), used only for HASH160 =
// RIPEMD160(SHA256(x)): BIP-32 fingerprints (§Key identifiers) and P2PKH/P2WPKH
// addresses. Its inputs are public keys, so the table-driven rounds are fine.
// Its buffers are in the scratch region (mem.ts) all the same.

import { SCRATCH, RIPEMD_SLOT } from '../mem';

// Message word order for the left (R) and right (RP) lines, and rotations.
const R: usize = memory.data<u8>([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8,
  3, 10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12,
  1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2,
  4, 0, 5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13,
]);
const RP: usize = memory.data<u8>([
  5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12,
  6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2,
  15, 5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13,
  8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14,
  12, 15, 10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11,
]);
const S: usize = memory.data<u8>([
  11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8,
  7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12,
  11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5,
  11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12,
  9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6,
]);
const SP: usize = memory.data<u8>([
  8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6,
  9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11,
  9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5,
  15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8,
  8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11,
]);
const KL: usize = memory.data<u32>([0x00000000, 0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xa953fd4e]);
const KR: usize = memory.data<u32>([0x50a28be6, 0x5c4dd124, 0x6d703ef3, 0x7a6d76e9, 0x00000000]);

const H: usize = SCRATCH + RIPEMD_SLOT; // 32: the 20-byte state
const X: usize = SCRATCH + RIPEMD_SLOT + 32; // 64: message words
const TAIL: usize = SCRATCH + RIPEMD_SLOT + 96; // 128: padded tail

// The five boolean functions; round group j uses f(j) on the left and f(4 - j) on the right.
@inline function f(j: u32, x: u32, y: u32, z: u32): u32 {
  if (j == 0) return x ^ y ^ z;
  if (j == 1) return (x & y) | (~x & z);
  if (j == 2) return (x | ~y) ^ z;
  if (j == 3) return (x & z) | (y & ~z);
  return x ^ (y | ~z);
}

function compress(blk: usize): void {
  for (let i: usize = 0; i < 64; i += 4) store<u32>(X + i, load<u32>(blk + i)); // little-endian words
  let al = load<u32>(H, 0), bl = load<u32>(H, 4), cl = load<u32>(H, 8), dl = load<u32>(H, 12), el = load<u32>(H, 16);
  let ar = al, br = bl, cr = cl, dr = dl, er = el;
  for (let i: u32 = 0; i < 80; i++) {
    const j = i >> 4;
    let t = rotl<u32>(al + f(j, bl, cl, dl) + load<u32>(X + (<usize>load<u8>(R + i) << 2)) + load<u32>(KL + (j << 2)),
      load<u8>(S + i)) + el;
    al = el; el = dl; dl = rotl<u32>(cl, 10); cl = bl; bl = t;
    t = rotl<u32>(ar + f(4 - j, br, cr, dr) + load<u32>(X + (<usize>load<u8>(RP + i) << 2)) + load<u32>(KR + (j << 2)),
      load<u8>(SP + i)) + er;
    ar = er; er = dr; dr = rotl<u32>(cr, 10); cr = br; br = t;
  }
  const t = load<u32>(H, 4) + cl + dr;
  store<u32>(H, load<u32>(H, 8) + dl + er, 4);
  store<u32>(H, load<u32>(H, 12) + el + ar, 8);
  store<u32>(H, load<u32>(H, 16) + al + br, 12);
  store<u32>(H, load<u32>(H, 0) + bl + cr, 16);
  store<u32>(H, t, 0);
}

/** RIPEMD-160 of `len` bytes at `p`; 20 bytes to `out`. */
export function ripemd160Into(p: usize, len: usize, out: usize): void {
  store<u32>(H, 0x67452301, 0);
  store<u32>(H, 0xefcdab89, 4);
  store<u32>(H, 0x98badcfe, 8);
  store<u32>(H, 0x10325476, 12);
  store<u32>(H, 0xc3d2e1f0, 16);
  let n = len;
  let q = p;
  while (n >= 64) { compress(q); q += 64; n -= 64; }
  // MD-style padding, little-endian bit length.
  memory.fill(TAIL, 0, 128);
  memory.copy(TAIL, q, n);
  store<u8>(TAIL + n, 0x80);
  const tailLen: usize = n < 56 ? 64 : 128;
  store<u64>(TAIL + tailLen - 8, <u64>len << 3);
  compress(TAIL);
  if (tailLen == 128) compress(TAIL + 64);
  memory.copy(out, H, 20);
}
