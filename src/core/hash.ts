// Hashes, HMAC and PBKDF2 from the WASM core (FIPS 180-4, RFC 2104, RFC 8018,
// RIPEMD-160). Synchronous after `init()`; identical in Node and browsers.
import { assertBytes, assertInt, VaultkeyError } from '../errors.js';
import { ioAddr, putBuf, read, wasm, zero } from './wasm.js';

export function sha256(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  const ex = wasm();
  putBuf(data);
  ex.sha256(data.length);
  return read(ioAddr(), 32);
}

export function sha512(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  const ex = wasm();
  putBuf(data);
  ex.sha512(data.length);
  return read(ioAddr(), 64);
}

export function ripemd160(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  const ex = wasm();
  putBuf(data);
  ex.ripemd160(data.length);
  return read(ioAddr(), 20);
}

/** RIPEMD160(SHA256(data)): BIP-32 key identifiers and P2PKH/P2WPKH programs. */
export function hash160(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  const ex = wasm();
  putBuf(data);
  ex.hash160(data.length);
  return read(ioAddr(), 20);
}

/** HMAC-SHA512 (RFC 2104). The key is treated as secret and wiped from WASM memory. */
export function hmacSha512(key: Uint8Array, data: Uint8Array): Uint8Array {
  assertBytes(key, 'key');
  assertBytes(data, 'data');
  const ex = wasm();
  const p = putBuf(key, data);
  const io = ioAddr();
  try {
    ex.hmacSha512(key.length, data.length);
    return read(io, 64);
  } finally {
    zero(p, key.length + data.length);
    zero(io, 64);
  }
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
  const ex = wasm();
  const p = putBuf(password, salt, new Uint8Array(dkLen));
  const out = p + password.length + salt.length;
  try {
    if (ex.pbkdf2Sha512(password.length, salt.length, iterations, dkLen) !== 0) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'pbkdf2Sha512 rejected its parameters');
    }
    return read(out, dkLen);
  } finally {
    zero(p, password.length + salt.length + dkLen);
  }
}
