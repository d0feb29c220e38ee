// The WASM module's exports. Operands live at IO (fixed-size) and BUF
// (variable-length); see mem.ts for the calling convention. Every export here
// may be given a secret (a seed, a key, a password), so each ends with
// wipeScratch(), which zeroes every working buffer of every module (mem.ts).

import { IO, BUF, SCRATCH, INDEX_SLOT, wipeScratch } from './mem';
import { sha256Into } from './hash/sha256';
import { sha512Into } from './hash/sha512';
import { hmac512Key, hmac512, hmac256Key, hmac256 } from './hash/hmac';
import { pbkdf2Sha512Into } from './hash/pbkdf2';
import { ripemd160Into } from './hash/ripemd160';
import { keccak256Into } from './hash/keccak';

export { ioPtr, bufPtr, wipe, wipeScratch } from './mem';

/** SHA-256 of BUF[0..len) -> IO[0..32). */
export function sha256(len: usize): void {
  sha256Into(BUF, len, IO);
  wipeScratch();
}

/** SHA-512 of BUF[0..len) -> IO[0..64). */
export function sha512(len: usize): void {
  sha512Into(BUF, len, IO);
  wipeScratch();
}

/** RIPEMD-160 of BUF[0..len) -> IO[0..20). */
export function ripemd160(len: usize): void {
  ripemd160Into(BUF, len, IO);
  wipeScratch();
}

/** Keccak-256 (Ethereum's, not SHA3-256) of BUF[0..len) -> IO[0..32). */
export function keccak256(len: usize): void {
  keccak256Into(BUF, len, IO);
  wipeScratch();
}

/** HASH160 = RIPEMD160(SHA256(x)) of BUF[0..len) -> IO[0..20) (IO[20..32) keeps the rest of the SHA-256: JS zeroes IO). */
export function hash160(len: usize): void {
  sha256Into(BUF, len, IO);
  ripemd160Into(IO, 32, IO);
  wipeScratch();
}

const ICTX: usize = SCRATCH + INDEX_SLOT; // 256: CTX512_SIZE, ipad midstate
const OCTX: usize = SCRATCH + INDEX_SLOT + 256; // 256: CTX512_SIZE, opad midstate

/** HMAC-SHA512 with key BUF[0..keyLen) over BUF[keyLen..keyLen+dataLen) -> IO[0..64). */
export function hmacSha512(keyLen: usize, dataLen: usize): void {
  const buf = BUF;
  hmac512Key(buf, keyLen, ICTX, OCTX);
  hmac512(ICTX, OCTX, buf + keyLen, dataLen, 0, 0, IO);
  wipeScratch();
}

/** HMAC-SHA256 with key BUF[0..keyLen) over BUF[keyLen..keyLen+dataLen) -> IO[0..32). */
export function hmacSha256(keyLen: usize, dataLen: usize): void {
  const buf = BUF;
  // The SHA-256 midstates (CTX256_SIZE, 128 bytes each) fit the same two slots.
  hmac256Key(buf, keyLen, ICTX, OCTX);
  hmac256(ICTX, OCTX, buf + keyLen, dataLen, 0, 0, IO);
  wipeScratch();
}

/**
 * PBKDF2-HMAC-SHA512: password BUF[0..pwLen), salt next, output written after
 * the salt at BUF[pwLen+saltLen..+dkLen). Returns 0 or a negative error.
 */
export function pbkdf2Sha512(pwLen: usize, saltLen: usize, iterations: u32, dkLen: usize): i32 {
  const buf = BUF;
  const rc = pbkdf2Sha512Into(buf, pwLen, buf + pwLen, saltLen, iterations, buf + pwLen + saltLen, dkLen);
  wipeScratch();
  return rc;
}
// Ed25519 is build/ed25519.wasm, a module of its own (ed25519/index.ts), and
// so is secp256k1 verification, build/secp256k1-verify.wasm (secp256k1/verify-index.ts).
export {
  secp256k1Precompute, secp256k1GetPublicKey, secp256k1IsPrivateKey, secp256k1PublicKeyConvert, secp256k1Sign,
  secp256k1PrivateAdd, secp256k1PublicAdd, secp256k1SchnorrGetPublicKey, secp256k1SchnorrSign,
} from './secp256k1/exports';
export { bip32Ckd } from './hd/bip32';
export { secp256k1PublicAddBatch, secp256k1PublicAddBatchSize } from './secp256k1/exports';
