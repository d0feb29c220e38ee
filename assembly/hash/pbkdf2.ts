// PBKDF2-HMAC-SHA512 (RFC 8018 §5.2) with the whole iteration loop in WASM.
//
// Every U_j for j >= 2 is the HMAC of a 64-byte value, i.e. exactly one padded
// 128-byte block for the inner hash (64 bytes after the 128-byte key block) and
// one for the outer. So each iteration costs two compressions started from the
// cached ipad/opad midstates, with message words kept native (no byte swaps)
// and the constant padding words written once.

import { CTX512_SIZE, W, compressW } from './sha512';
import { hmac512Key, hmac512, wipeHmac } from './hmac';

const ICTX: usize = memory.data(<i32>CTX512_SIZE, 16);
const OCTX: usize = memory.data(<i32>CTX512_SIZE, 16);
const ST: usize = memory.data(64, 16);
const T: usize = memory.data(64, 16);
const SALT_I: usize = memory.data(64, 16); // U_1 for the current block, big-endian

/**
 * Derives `dkLen` bytes from the password at `pw` and the salt at `salt` into `out`.
 * Returns 0, or -1 for arguments that JS should already have rejected.
 */
export function pbkdf2Sha512Into(pw: usize, pwLen: usize, salt: usize, saltLen: usize,
  iterations: u32, out: usize, dkLen: usize): i32 {
  if (iterations == 0 || dkLen == 0) return -1;
  hmac512Key(pw, pwLen, ICTX, OCTX);
  const blocks = (dkLen + 63) >> 6;
  for (let blk: usize = 1; blk <= blocks; blk++) {
    // U_1 = PRF(P, S || INT(i))
    store<u32>(SALT_I, bswap<u32>(<u32>blk));
    hmac512(ICTX, OCTX, salt, saltLen, SALT_I, 4, SALT_I);
    for (let i: usize = 0; i < 64; i += 8) store<u64>(T + i, bswap<u64>(load<u64>(SALT_I + i)));
    // Padding words for a 64-byte message after one key block: 0x80, zeros, bit length 1536.
    memory.copy(W, T, 64);
    store<u64>(W + 64, 0x8000000000000000);
    memory.fill(W + 72, 0, 48);
    store<u64>(W + 120, (128 + 64) * 8);
    for (let j: u32 = 1; j < iterations; j++) {
      memory.copy(ST, ICTX, 64);
      compressW(ST);
      memory.copy(W, ST, 64);
      memory.copy(ST, OCTX, 64);
      compressW(ST);
      memory.copy(W, ST, 64);
      for (let i: usize = 0; i < 64; i += 8) store<u64>(T + i, load<u64>(T + i) ^ load<u64>(ST + i));
    }
    const off = (blk - 1) << 6;
    const take = min<usize>(64, dkLen - off);
    for (let i: usize = 0; i < 64; i += 8) store<u64>(SALT_I + i, bswap<u64>(load<u64>(T + i)));
    memory.copy(out + off, SALT_I, take);
  }
  memory.fill(ICTX, 0, CTX512_SIZE);
  memory.fill(OCTX, 0, CTX512_SIZE);
  memory.fill(ST, 0, 64);
  memory.fill(T, 0, 64);
  memory.fill(SALT_I, 0, 64);
  wipeHmac();
  return 0;
}

