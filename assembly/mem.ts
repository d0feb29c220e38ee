// Linear-memory layout and the JS <-> WASM calling convention.
//
// Every export takes only integers (lengths, counts) and finds its operands at
// fixed places in memory:
//   IO      - a fixed 1 KiB area for fixed-size arguments and results (digests,
//             keys, signatures). JS copies results out, then zeroes all of it.
//   BUF     - a growable area starting at the heap base for variable-length
//             input (messages, HMAC keys, passwords). JS asks `bufPtr(len)` for
//             room first, because growing memory detaches the JS view of it,
//             and zeroes what it wrote once the call returns.
//   SCRATCH - one region holding every working buffer of the hashes, HMAC,
//             PBKDF2, BIP-32, ECDSA, BIP-340 and Ed25519 exports: hash states
//             and blocks, pads, nonces, scalars, points (and, in the P-256
//             module built from p256/index.ts, every P-256 temporary: its
//             field, scalar, group and ECDSA code keep no scratch of their
//             own). wipeScratch() zeroes
//             it, and the scratch of the field, group and scalar modules that
//             keep their own (registered below), with one call.
// Nothing allocates on the heap (the runtime is `stub`), so addresses never
// move. Every export that can receive a secret ends with wipeScratch() (and
// src/core/wasm.ts calls it again when a call throws or traps), so zeroing
// does not depend on each function listing the buffers it touched: a buffer
// carved from SCRATCH is wiped by construction. test/wasm-zeroing.test.ts
// fails on scratch declared anywhere else, and on an export that takes a
// secret without ending in wipeScratch().

import { scWipe as secpScalarWipe } from './secp256k1/scalar';
import { ecmultGenWipe } from './secp256k1/ecmult';
import { scWipe as edScalarWipe } from './ed25519/scalar';
import { scalarmultBaseWipe } from './ed25519/base';

/** Fixed argument/result area. */
export const IO: usize = memory.data(1024, 16);
export const IO_SIZE: usize = 1024;

// ---- SCRATCH: one slot per module (offsets into the region, 16-byte aligned);
// the module lays out its buffers inside its slot. Sizes in bytes.
export const SHA256_SLOT: usize = 0;                            // 384   hash/sha256.ts
export const SHA512_SLOT: usize = SHA256_SLOT + 384;             // 896   hash/sha512.ts
export const HMAC_SLOT: usize = SHA512_SLOT + 896;               // 576   hash/hmac.ts
export const PBKDF2_SLOT: usize = HMAC_SLOT + 576;               // 704   hash/pbkdf2.ts
export const RIPEMD_SLOT: usize = PBKDF2_SLOT + 704;             // 224   hash/ripemd160.ts
export const KECCAK_SLOT: usize = RIPEMD_SLOT + 224;             // 208   hash/keccak.ts
export const INDEX_SLOT: usize = KECCAK_SLOT + 208;              // 512   index.ts (the HMAC-SHA512 and HMAC-SHA256 exports)
export const BIP32_SLOT: usize = INDEX_SLOT + 512;               // 784   hd/bip32.ts
export const SECP_EXPORTS_SLOT: usize = BIP32_SLOT + 784;        // 208   secp256k1/exports.ts
export const SECP_KEYS_SLOT: usize = SECP_EXPORTS_SLOT + 208;    // 544   secp256k1/keys.ts
export const ECDSA_SLOT: usize = SECP_KEYS_SLOT + 544;           // 1120  secp256k1/ecdsa.ts
export const SCHNORR_SLOT: usize = ECDSA_SLOT + 1120;            // 944   secp256k1/schnorr.ts
export const ED25519_SLOT: usize = SCHNORR_SLOT + 944;           // 768   ed25519/exports.ts
export const P256_SLOT: usize = ED25519_SLOT + 768;             // 3200  p256/*.ts (the P-256 module, p256/index.ts)
export const SCRATCH_SIZE: usize = P256_SLOT + 3200;

/** The scratch region; the *_SLOT constants above are offsets into it. */
export const SCRATCH: usize = memory.data(<i32>SCRATCH_SIZE, 16);

// 16-byte aligned start of the variable-length input area.
export const BUF: usize = (__heap_base + 15) & ~(<usize>15);

export function ioPtr(): usize {
  return IO;
}

/**
 * Ensures BUF has `len` bytes of room and returns its address, or 0 if the
 * memory cannot hold them. The end is computed in 64 bits: BUF + len wraps
 * in 32-bit arithmetic for len near 2^32, which would report room that does
 * not exist.
 */
export function bufPtr(len: u32): usize {
  const end: u64 = <u64>BUF + <u64>len;
  if (end > (<u64>1 << 32)) return 0;
  const have: u64 = (<u64>memory.size()) << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  return BUF;
}

/** Zeroes `len` bytes at `ptr`. Exposed so JS can wipe BUF/IO ranges it filled with secrets. */
export function wipe(ptr: usize, len: usize): void {
  memory.fill(ptr, 0, len);
}

/**
 * Zeroes SCRATCH and the registered scratch of the modules that keep their
 * own: secp256k1 scalars (scalar.ts) and fixed-base multiplication with its
 * group and field temporaries (ecmult.ts, group.ts, field.ts); Ed25519 scalars
 * (scalar.ts), the fixed-base digits (base.ts) with the point and field
 * temporaries (point.ts, field.ts). Public tables and caches are left alone.
 * About 0.25 us: a 7.5 KiB fill and some thirty small ones.
 */
export function wipeScratch(): void {
  memory.fill(SCRATCH, 0, SCRATCH_SIZE);
  secpScalarWipe();
  ecmultGenWipe();
  edScalarWipe();
  scalarmultBaseWipe(); // and pointWipe(): point and field temporaries
}
