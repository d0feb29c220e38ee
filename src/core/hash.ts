// Hashes, HMAC, HKDF and PBKDF2 from the WASM core (FIPS 180-4, Keccak-256 of
// FIPS 202 §3 with the original padding, RFC 2104, RFC 5869, RFC 8018,
// RIPEMD-160). Synchronous after `init()`; identical in Node and browsers.
// Any input may be a secret (a seed, a key, a password): every call runs in
// withSecrets(), so the input, the output and the module's working buffers
// are zeroed in WASM memory before it returns or throws.
import { assertBytes, assertInt, VaultkeyError } from '../errors.js';
import { mem, putBuf, read, reserveSecret, withSecrets } from './wasm.js';

export function sha256(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  return withSecrets((e, io) => {
    putBuf(data);
    e.sha256(data.length);
    return read(io, 32);
  });
}

export function sha512(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  return withSecrets((e, io) => {
    putBuf(data);
    e.sha512(data.length);
    return read(io, 64);
  });
}

export function ripemd160(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  return withSecrets((e, io) => {
    putBuf(data);
    e.ripemd160(data.length);
    return read(io, 20);
  });
}

/** RIPEMD160(SHA256(data)): BIP-32 key identifiers and P2PKH/P2WPKH programs. */
export function hash160(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  return withSecrets((e, io) => {
    putBuf(data);
    e.hash160(data.length);
    return read(io, 20);
  });
}

/**
 * Keccak-256 as Ethereum uses it: the Keccak-f[1600] sponge of FIPS 202 with
 * rate 136 bytes and the original Keccak padding (0x01 ... 0x80), so not
 * SHA3-256, which pads with 0x06 and gives a different digest for every input.
 * Ethereum addresses (the last 20 bytes of the hash of an uncompressed public
 * key without its 0x04 prefix), EIP-55 checksums and EIP-191/EIP-712 digests
 * all use it. Synchronous after `init()`. The input may be a secret: it, the
 * sponge state and the module's copy of the digest are zeroed before return.
 */
export function keccak256(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  return withSecrets((e, io) => {
    putBuf(data);
    e.keccak256(data.length);
    return read(io, 32);
  });
}

/** HMAC-SHA512 (RFC 2104). */
export function hmacSha512(key: Uint8Array, data: Uint8Array): Uint8Array {
  assertBytes(key, 'key');
  assertBytes(data, 'data');
  return withSecrets((e, io) => {
    putBuf(key, data);
    e.hmacSha512(key.length, data.length);
    return read(io, 64);
  });
}

/**
 * HMAC-SHA256 (RFC 2104): the 32-byte tag of `data` under `key` (any length;
 * a key longer than the 64-byte block is hashed first, RFC 2104 §2).
 * Synchronous after `init()`; key, data and tag are zeroed in WASM memory
 * before it returns.
 */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  assertBytes(key, 'key');
  assertBytes(data, 'data');
  return withSecrets((e, io) => {
    putBuf(key, data);
    e.hmacSha256(key.length, data.length);
    return read(io, 32);
  });
}

/** Most output HKDF-SHA256 can give: 255 blocks of HashLen = 32 bytes (RFC 5869 §2.3). */
const HKDF_MAX = 255 * 32;

/**
 * HKDF-SHA256 (RFC 5869): extract a pseudorandom key from `ikm` under `salt`
 * (§2.2; an empty salt acts as 32 zero bytes, as the RFC's default does),
 * then expand it with `info` to `length` bytes (§2.3), an integer from 0 to
 * 8160 (255 × 32), else INVALID_ARGUMENT. The pseudorandom key and every T(i)
 * stay in WASM memory and are zeroed with the inputs before it returns;
 * only the output is copied out.
 */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  assertBytes(ikm, 'ikm');
  assertBytes(salt, 'salt');
  assertBytes(info, 'info');
  assertInt(length, 'length', 0, HKDF_MAX);
  return withSecrets((e, io) => {
    // BUF is one area: extract reads salt || ikm from it; expand then lays
    // out PRK || T(i-1) || info || i there (T(0) is empty, so the first
    // block has PRK || info || 1), and HMAC keys with the first 32 bytes.
    const base = reserveSecret(Math.max(salt.length + ikm.length, 64 + info.length + 1));
    const m = mem();
    m.set(salt, base);
    m.set(ikm, base + salt.length);
    e.hmacSha256(salt.length, ikm.length);
    m.copyWithin(base, io, io + 32); // PRK
    const okm = new Uint8Array(length);
    let prev = 0; // bytes of T(i-1) after the PRK
    for (let i = 1, off = 0; off < length; i++, off += 32) {
      m.set(info, base + 32 + prev);
      m[base + 32 + prev + info.length] = i;
      e.hmacSha256(32, prev + info.length + 1);
      okm.set(m.subarray(io, io + Math.min(32, length - off)), off);
      m.copyWithin(base + 32, io, io + 32); // T(i), before info in the next block
      prev = 32;
    }
    return okm;
  });
}

/** Largest dkLen RFC 8018 §5.2 allows is (2^32 - 1) * hLen; we cap far lower to bound memory. */
const MAX_DKLEN = 1 << 20;

/**
 * PBKDF2-HMAC-SHA512 (RFC 8018 §5.2), the whole iteration loop in WASM.
 * Synchronous; `mnemonicToSeed` also has an asynchronous WebCrypto path.
 */
export function pbkdf2Sha512(password: Uint8Array, salt: Uint8Array, iterations: number, dkLen: number): Uint8Array {
  assertBytes(password, 'password');
  assertBytes(salt, 'salt');
  assertInt(iterations, 'iterations', 1, 0xffffffff);
  assertInt(dkLen, 'dkLen', 1, MAX_DKLEN);
  return withSecrets((e) => {
    // The output area after the salt is reserved (and zeroed afterwards) with the inputs.
    const out = putBuf(password, salt, new Uint8Array(dkLen)) + password.length + salt.length;
    if (e.pbkdf2Sha512(password.length, salt.length, iterations, dkLen) !== 0) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'pbkdf2Sha512 rejected its parameters');
    }
    return read(out, dkLen);
  });
}
