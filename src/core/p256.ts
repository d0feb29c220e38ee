// P-256 (NIST P-256, secp256r1; FIPS 186-4 §D.1.2.3) from its WASM module
// (assembly/p256/): public keys, ECDSA with RFC 6979 nonces, verification
// and the SLIP-0010 tweaks, constant time in every secret. Synchronous after
// `init()` of vaultkey/core.
//
// Rules (as secp256k1.ts, with P-256's conventions):
//   - Argument errors (not a Uint8Array / boolean, wrong length) throw
//     VaultkeyError INVALID_ARGUMENT or INVALID_LENGTH.
//   - A private key that is 0 or >= n, or a public key that does not parse
//     (prefix other than 02/03/04, x or y >= p, not on the curve), throws
//     INVALID_KEY, except in `verify`, where it gives false.
//   - P-256 has no low-S rule: `sign` returns s as computed and `verify`
//     accepts any r, s in [1, n-1]. `{ lowS: true }` makes `sign` return
//     s <= n/2 and `verify` reject s > n/2, for protocols that want it.
// Every function given a private key or a tweak zeroes the IO area and the
// module's scratch before it returns or throws (withSecrets below).
//
// Its own module and instance (build/p256.wasm), loaded by init() of
// vaultkey/core only: the vault worker never uses P-256 (scripts/bundle-size.mjs).
import p256Base64 from '../../build/p256-inline.js';
import { assertBytes, optionalFlag, VaultkeyError } from '../errors.js';
import { lazyInstance } from './inline-wasm.js';
import { secp256k1 } from './secp256k1.js';

/** Raw exports of build/p256.wasm; see assembly/p256/index.ts for the layout of IO. */
interface P256Exports {
  memory: WebAssembly.Memory;
  ioPtr(): number;
  wipe(ptr: number, len: number): void;
  wipeScratch(): void;
  p256Precompute(): void;
  p256GetPublicKey(compressed: number): number;
  p256IsPrivateKey(): number;
  p256PublicKeyConvert(len: number, compressed: number): number;
  p256Sign(lowS: number): number;
  p256Verify(pubLen: number, lowS: number): number;
  p256PrivateAdd(): number;
  p256PublicAdd(pubLen: number, compressed: number): number;
}

const IO_SIZE = 1024;
let ex: P256Exports | undefined;
let io = 0;

/** Instantiates the P-256 module once per realm (init() of vaultkey/core calls it). */
export const initP256: () => Promise<void> = lazyInstance<P256Exports>(
  () => p256Base64,
  'the P-256 WASM module',
  (e) => {
    ex = e;
    io = e.ioPtr();
  },
);

function wasm(): P256Exports {
  if (!ex) throw new VaultkeyError('NOT_INITIALIZED', 'call `await init()` from vaultkey/core first');
  return ex;
}

/** The module memory (a fresh view each call: the module never grows it, but a view is cheap). */
const mem = (e: P256Exports) => new Uint8Array(e.memory.buffer);

/** Runs `body` and then, on every exit, zeroes IO; after a throw (a trap), also the scratch. */
function withSecrets<T>(body: (e: P256Exports, m: Uint8Array) => T): T {
  const e = wasm();
  const m = mem(e);
  try {
    return body(e, m);
  } catch (err) {
    e.wipeScratch();
    throw err;
  } finally {
    m.fill(0, io, io + IO_SIZE);
  }
}

function lowSOption(options: unknown): boolean {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'options must be an object');
  }
  return optionalFlag((options as { lowS?: unknown } | undefined)?.lowS, 'lowS', false);
}

function assertPub(pub: unknown, name = 'publicKey'): asserts pub is Uint8Array {
  assertBytes(pub, name);
  if (pub.length !== 33 && pub.length !== 65) {
    throw new VaultkeyError('INVALID_LENGTH', `${name} must be 33 or 65 bytes, got ${pub.length}`);
  }
}

/** SEC 1 §2.3.3 public key of a 32-byte private key: 33 bytes (compressed, default) or 65. */
function getPublicKey(priv: Uint8Array, compressed?: boolean): Uint8Array {
  assertBytes(priv, 'privateKey', 32);
  const c = optionalFlag(compressed, 'compressed', true);
  return withSecrets((e, m) => {
    m.set(priv, io);
    const n = e.p256GetPublicKey(c ? 1 : 0);
    if (n === 0) throw new VaultkeyError('INVALID_KEY', 'private key must be in [1, n-1]');
    return m.slice(io + 64, io + 64 + n);
  });
}

/**
 * ECDSA (SEC 1 §4.1.3) over a 32-byte digest with an RFC 6979 nonce: r || s,
 * 64 bytes. s is not normalised (P-256 has no low-S rule) unless `{ lowS: true }`.
 */
function sign(digest: Uint8Array, priv: Uint8Array, options?: { lowS?: boolean }): Uint8Array {
  assertBytes(digest, 'digest', 32);
  assertBytes(priv, 'privateKey', 32);
  const lowS = lowSOption(options);
  return withSecrets((e, m) => {
    m.set(digest, io);
    m.set(priv, io + 32);
    if (e.p256Sign(lowS ? 1 : 0) !== 0) throw new VaultkeyError('INVALID_KEY', 'private key must be in [1, n-1]');
    return m.slice(io + 64, io + 128);
  });
}

/**
 * ECDSA verification (SEC 1 §4.1.4) of a 64-byte r || s over a 32-byte
 * digest; false for out-of-range r/s or a bad key. `{ lowS: true }` also
 * rejects s > n/2.
 */
function verify(signature: Uint8Array, digest: Uint8Array, pub: Uint8Array, options?: { lowS?: boolean }): boolean {
  assertBytes(signature, 'signature', 64);
  assertBytes(digest, 'digest', 32);
  assertPub(pub);
  const lowS = lowSOption(options);
  const e = wasm();
  const m = mem(e);
  m.set(signature, io);
  m.set(digest, io + 64);
  m.set(pub, io + 96);
  return e.p256Verify(pub.length, lowS ? 1 : 0) === 1;
}

/** SLIP-0010 private child step: (priv + tweak) mod n; INVALID_KEY if tweak >= n or the sum is 0. */
function privateAdd(priv: Uint8Array, tweak: Uint8Array): Uint8Array {
  assertBytes(priv, 'privateKey', 32);
  assertBytes(tweak, 'tweak', 32);
  return withSecrets((e, m) => {
    m.set(priv, io);
    m.set(tweak, io + 32);
    const rc = e.p256PrivateAdd();
    if (rc === 1) throw new VaultkeyError('INVALID_KEY', 'private key must be in [1, n-1]');
    if (rc !== 0) throw new VaultkeyError('INVALID_KEY', 'tweak is >= n or the resulting key is zero');
    return m.slice(io + 64, io + 96);
  });
}

/** SLIP-0010 public child step: pub + tweak*G; INVALID_KEY for a bad key, tweak >= n or the point at infinity. */
function publicAdd(pub: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array {
  assertPub(pub);
  assertBytes(tweak, 'tweak', 32);
  const c = optionalFlag(compressed, 'compressed', true);
  // The tweak is treated as a secret: a SLIP-0010 IL and one private child give the parent's private key.
  return withSecrets((e, m) => {
    m.set(pub, io);
    m.set(tweak, io + 96);
    const n = e.p256PublicAdd(pub.length, c ? 1 : 0);
    if (n === -1) throw new VaultkeyError('INVALID_KEY', 'public key is not a valid curve point encoding');
    if (n < 0) throw new VaultkeyError('INVALID_KEY', 'tweak is >= n or the resulting point is at infinity');
    return m.slice(io + 128, io + 128 + n);
  });
}

/** Re-encodes a public key (compressed <-> uncompressed); INVALID_KEY if it does not parse. */
function publicKeyConvert(pub: Uint8Array, compressed?: boolean): Uint8Array {
  assertPub(pub);
  const c = optionalFlag(compressed, 'compressed', true);
  const e = wasm();
  const m = mem(e);
  m.set(pub, io);
  const n = e.p256PublicKeyConvert(pub.length, c ? 1 : 0);
  if (n === 0) throw new VaultkeyError('INVALID_KEY', 'public key is not a valid curve point encoding');
  return m.slice(io + 128, io + 128 + n);
}

/** True iff `priv` is 32 bytes encoding an integer in [1, n-1]. */
function isValidPrivateKey(priv: Uint8Array): boolean {
  assertBytes(priv, 'privateKey');
  if (priv.length !== 32) return false;
  return withSecrets((e, m) => {
    m.set(priv, io);
    return e.p256IsPrivateKey() === 1;
  });
}

/** True iff `pub` is a 33- or 65-byte SEC 1 encoding of a point on P-256. */
function isValidPublicKey(pub: Uint8Array): boolean {
  assertBytes(pub, 'publicKey');
  if (pub.length !== 33 && pub.length !== 65) return false;
  const e = wasm();
  mem(e).set(pub, io);
  return e.p256PublicKeyConvert(pub.length, 1) !== 0;
}

/** Builds the generator table now (otherwise on first use; a few milliseconds). */
function precompute(): void {
  wasm().p256Precompute();
}

export const p256 = {
  getPublicKey,
  sign,
  verify,
  privateAdd,
  publicAdd,
  publicKeyConvert,
  isValidPrivateKey,
  isValidPublicKey,
  /** Strict DER (X.690 §10.1) to 64-byte r || s; the encoding does not depend on the curve. */
  signatureFromDER: secp256k1.signatureFromDER,
  /** 64-byte r || s to strict DER. */
  signatureToDER: secp256k1.signatureToDER,
  precompute,
};
