// Hashes, HMAC and PBKDF2 from the WASM core (FIPS 180-4, Keccak-256 of
// FIPS 202 §3 with the original padding, RFC 2104, RFC 8018, RIPEMD-160).
// Synchronous after `init()`; identical in Node and browsers.
// Any input may be a secret (a seed, a key, a password): every call runs in
// withSecrets(), so the input, the output and the module's working buffers
// are zeroed in WASM memory before it returns or throws.
import { assertBytes, assertInt, VaultkeyError } from '../errors.js';
import { putBuf, read, withSecrets } from './wasm.js';

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
