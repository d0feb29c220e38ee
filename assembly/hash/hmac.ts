// HMAC (RFC 2104) over SHA-512 and SHA-256, split into a key schedule that
// leaves the inner and outer midstates in two contexts, and a cheap MAC step
// that starts from copies of them. BIP-32 (HMAC-SHA512), RFC 6979
// (HMAC-SHA256) and PBKDF2 (RFC 8018) all reuse one key for many messages.

import { SCRATCH, HMAC_SLOT } from '../mem';
import { CTX512_SIZE, sha512Init, sha512Update, sha512Final, sha512Into } from './sha512';
import { CTX256_SIZE, sha256Init, sha256Update, sha256Final, sha256Into } from './sha256';

// In the scratch region (mem.ts): the pads hold the key, the rest its midstates.
const PAD: usize = SCRATCH + HMAC_SLOT; // 128: key XOR ipad / opad
const TMP512: usize = SCRATCH + HMAC_SLOT + 128; // 256: CTX512_SIZE
const TMP256: usize = SCRATCH + HMAC_SLOT + 384; // 128: CTX256_SIZE
const INNER: usize = SCRATCH + HMAC_SLOT + 512; // 64: the inner hash

/** Key schedule, RFC 2104 §2 steps 1-3 for both pads, block size `bs`. */
function padKey(key: usize, keyLen: usize, bs: usize, byte: u64, long: bool): void {
  memory.fill(PAD, 0, 128);
  // Keys longer than the block are hashed first (RFC 2104 §2).
  if (keyLen > bs) {
    if (long) sha512Into(key, keyLen, PAD); else sha256Into(key, keyLen, PAD);
  } else {
    memory.copy(PAD, key, keyLen);
  }
  const x = byte * 0x0101010101010101;
  for (let i: usize = 0; i < bs; i += 8) store<u64>(PAD + i, load<u64>(PAD + i) ^ x);
}

export function hmac512Key(key: usize, keyLen: usize, ictx: usize, octx: usize): void {
  padKey(key, keyLen, 128, 0x36, true);
  sha512Init(ictx); sha512Update(ictx, PAD, 128);
  for (let i: usize = 0; i < 128; i += 8) store<u64>(PAD + i, load<u64>(PAD + i) ^ 0x6a6a6a6a6a6a6a6a);
  sha512Init(octx); sha512Update(octx, PAD, 128);
}

/**
 * MAC from prepared midstates of a message given in two parts (the second may
 * be empty); 64 bytes to `out`, which may alias either part.
 */
export function hmac512(ictx: usize, octx: usize, p1: usize, len1: usize, p2: usize, len2: usize, out: usize): void {
  memory.copy(TMP512, ictx, CTX512_SIZE);
  sha512Update(TMP512, p1, len1);
  if (len2 != 0) sha512Update(TMP512, p2, len2);
  sha512Final(TMP512, INNER);
  memory.copy(TMP512, octx, CTX512_SIZE);
  sha512Update(TMP512, INNER, 64);
  sha512Final(TMP512, out);
}

export function hmac256Key(key: usize, keyLen: usize, ictx: usize, octx: usize): void {
  padKey(key, keyLen, 64, 0x36, false);
  sha256Init(ictx); sha256Update(ictx, PAD, 64);
  for (let i: usize = 0; i < 64; i += 8) store<u64>(PAD + i, load<u64>(PAD + i) ^ 0x6a6a6a6a6a6a6a6a);
  sha256Init(octx); sha256Update(octx, PAD, 64);
}

/** HMAC-SHA256 step; the message may be given in two parts (p1, p2) as RFC 6979 §3.2 needs. */
export function hmac256(ictx: usize, octx: usize, p1: usize, len1: usize, p2: usize, len2: usize, out: usize): void {
  memory.copy(TMP256, ictx, CTX256_SIZE);
  sha256Update(TMP256, p1, len1);
  if (len2 != 0) sha256Update(TMP256, p2, len2);
  sha256Final(TMP256, INNER);
  memory.copy(TMP256, octx, CTX256_SIZE);
  sha256Update(TMP256, INNER, 32);
  sha256Final(TMP256, out);
}
