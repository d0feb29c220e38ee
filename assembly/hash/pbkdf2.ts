// PBKDF2-HMAC-SHA512 (RFC 8018 §5.2) with the whole iteration loop in WASM.
//
// Every U_j for j >= 2 is the HMAC of a 64-byte value, i.e. exactly one padded
// 128-byte block for the inner hash (64 bytes after the 128-byte key block) and
// one for the outer. So each iteration costs two compressions started from the
// cached ipad/opad midstates, with message words kept native (no byte swaps)
// and the constant padding words written once.

import { SCRATCH, PBKDF2_SLOT } from '../mem';
import { W, compressW } from './sha512';
import { hmac512Key, hmac512 } from './hmac';

// In the scratch region (mem.ts); the export's wipeScratch() zeroes them.
const ICTX: usize = SCRATCH + PBKDF2_SLOT; // 256: CTX512_SIZE, ipad midstate
const OCTX: usize = SCRATCH + PBKDF2_SLOT + 256; // 256: CTX512_SIZE, opad midstate
const ST: usize = SCRATCH + PBKDF2_SLOT + 512; // 64
const T: usize = SCRATCH + PBKDF2_SLOT + 576; // 64
const SALT_I: usize = SCRATCH + PBKDF2_SLOT + 640; // 64: U_1 for the current block, big-endian

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
  return 0;
}

