// secp256k1 from the WASM core (assembly/secp256k1/): public keys, ECDSA
// with RFC 6979 nonces and low-S, verification, public-key recovery, the
// BIP-32 tweaks and BIP-340 Schnorr. Synchronous after `init()`.
//
// Rules:
//   - Argument errors (not a Uint8Array / boolean / integer, wrong length)
//     throw VaultkeyError INVALID_ARGUMENT or INVALID_LENGTH.
//   - A private key that is 0 or >= n, or a public key that does not parse
//     (prefix other than 02/03/04, x or y >= p, not on the curve), throws
//     INVALID_KEY, except in `verify`, where it gives false.
//   - `verify` accepts only r, s in [1, n-1] with s <= n/2 (low-S, BIP-146),
//     so a malleated (high-S) signature is false; `{ lowS: false }` lifts the
//     s <= n/2 rule. `sign` always returns low-S.
//   - `recoverPublicKey` throws INVALID_SIGNATURE when r or s is out of range
//     or no point exists for (r, recovery); it accepts high-S (recovery does
//     not judge malleability, matching libsecp256k1 and @noble/curves).
//   - Schnorr messages may have any length (BIP-340 allows it; 32 bytes is
//     the usual case). auxRand defaults to 32 fresh random bytes
//     (BIP-340 "Default Signing" recommends fresh randomness).
// Every function given a private key or a tweak runs in withSecrets()
// (./wasm.ts): the key, nonce and tweak are zeroed in WASM memory before it
// returns or throws. Verification and recovery take public data only; they
// run in a module of their own, a lazy part (./secp256k1-verify.ts), so
// signing never loads them.
import { assertBytes, optionalFlag, VaultkeyError } from '../errors.js';
import { ioAddr, putBuf, read, reserveSecret, wasm, mem, withSecrets, type WasmExports } from './wasm.js';
import { precomputeVerify, recoverPublicKey, schnorrFindInvalid, schnorrVerify, schnorrVerifyBatch, verify } from './secp256k1-verify.js';

export type { SchnorrBatchItem } from './secp256k1-verify.js';

interface Secp256k1Exports {
  secp256k1Precompute(): void;
  secp256k1GetPublicKey(compressed: number): number;
  secp256k1IsPrivateKey(): number;
  secp256k1PublicKeyConvert(len: number, compressed: number): number;
  secp256k1Sign(): number;
  secp256k1PrivateAdd(): number;
  secp256k1PublicAdd(pubLen: number, compressed: number): number;
  secp256k1SchnorrGetPublicKey(): number;
  secp256k1SchnorrSign(msgLen: number): number;
  secp256k1PublicAddBatch(pubLen: number, n: number, compressed: number): number;
  secp256k1PublicAddBatchSize(n: number): number;
}

type Ex = WasmExports & Secp256k1Exports;

function ex(): Ex {
  return wasm() as Ex;
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
  return withSecrets((e: Ex, io) => {
    mem().set(priv, io);
    const n = e.secp256k1GetPublicKey(c ? 1 : 0);
    if (n === 0) throw new VaultkeyError('INVALID_KEY', 'private key must be in [1, n-1]');
    return read(io + 64, n);
  });
}

/** ECDSA (SEC 1 §4.1.3) over a 32-byte digest: r || s (64 bytes, low-S) and the recovery id (0..3). */
function sign(digest: Uint8Array, priv: Uint8Array): { signature: Uint8Array; recovery: number } {
  assertBytes(digest, 'digest', 32);
  assertBytes(priv, 'privateKey', 32);
  return withSecrets((e: Ex, io) => {
    const m = mem();
    m.set(digest, io);
    m.set(priv, io + 32);
    const recovery = e.secp256k1Sign();
    if (recovery < 0) throw new VaultkeyError('INVALID_KEY', 'private key must be in [1, n-1]');
    return { signature: read(io + 64, 64), recovery };
  });
}

/** BIP-32 private child step: (priv + tweak) mod n; INVALID_KEY if tweak >= n or the sum is 0. */
function privateAdd(priv: Uint8Array, tweak: Uint8Array): Uint8Array {
  assertBytes(priv, 'privateKey', 32);
  assertBytes(tweak, 'tweak', 32);
  return withSecrets((e: Ex, io) => {
    const m = mem();
    m.set(priv, io);
    m.set(tweak, io + 32);
    const rc = e.secp256k1PrivateAdd();
    if (rc === 1) throw new VaultkeyError('INVALID_KEY', 'private key must be in [1, n-1]');
    if (rc !== 0) throw new VaultkeyError('INVALID_KEY', 'tweak is >= n or the resulting key is zero');
    return read(io + 64, 32);
  });
}

/** BIP-32 public child step: pub + tweak*G; INVALID_KEY for a bad key, tweak >= n or the point at infinity. */
function publicAdd(pub: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array {
  assertPub(pub);
  assertBytes(tweak, 'tweak', 32);
  const c = optionalFlag(compressed, 'compressed', true);
  // The tweak is treated as a secret: a BIP-32 IL and one private child give the parent's private key.
  return withSecrets((e: Ex, io) => {
    const m = mem();
    m.set(pub, io);
    m.set(tweak, io + 96);
    const n = e.secp256k1PublicAdd(pub.length, c ? 1 : 0);
    if (n === -1) throw new VaultkeyError('INVALID_KEY', 'public key is not a valid curve point encoding');
    if (n < 0) throw new VaultkeyError('INVALID_KEY', 'tweak is >= n or the resulting point is at infinity');
    return read(io + 128, n);
  });
}

/** Most tweaks one publicAddBatch call handles (bounds the WASM scratch to about 25 MB). */
const MAX_BATCH = 1 << 16;

/**
 * Many BIP-32 public child steps of one parent: pub + tweaks[i]*G for each
 * tweak, sharing one field inversion (batch affine normalization). Same
 * results and errors as publicAdd; a bad tweak throws INVALID_KEY naming its index.
 */
function publicAddBatch(pub: Uint8Array, tweaks: Uint8Array[], compressed?: boolean): Uint8Array[] {
  assertPub(pub);
  if (!Array.isArray(tweaks)) throw new VaultkeyError('INVALID_ARGUMENT', 'tweaks must be an array of 32-byte Uint8Arrays');
  for (let i = 0; i < tweaks.length; i++) assertBytes(tweaks[i], `tweaks[${i}]`, 32);
  const c = optionalFlag(compressed, 'compressed', true);
  // The parent key is checked even when there is nothing to add, as publicAdd checks it.
  if (!isValidPublicKey(pub)) throw new VaultkeyError('INVALID_KEY', 'public key is not a valid curve point encoding');
  const out: Uint8Array[] = [];
  for (let start = 0; start < tweaks.length; start += MAX_BATCH) {
    const part = tweaks.slice(start, start + MAX_BATCH);
    const n = part.length;
    withSecrets((e: Ex, io) => {
      const base = reserveSecret(e.secp256k1PublicAddBatchSize(n));
      const m = mem();
      for (let i = 0; i < n; i++) m.set(part[i]!, base + 32 * i);
      m.set(pub, io);
      const rc = e.secp256k1PublicAddBatch(pub.length, n, c ? 1 : 0);
      if (rc === -1) throw new VaultkeyError('INVALID_KEY', 'public key is not a valid curve point encoding');
      if (rc > 0) throw new VaultkeyError('INVALID_KEY', `tweaks[${start + rc - 1}] is >= n or gives the point at infinity`);
      const len = c ? 33 : 65;
      for (let i = 0; i < n; i++) out.push(read(base + 32 * n + len * i, len));
    });
  }
  return out;
}

/** Re-encodes a public key (compressed <-> uncompressed); INVALID_KEY if it does not parse. */
function publicKeyConvert(pub: Uint8Array, compressed?: boolean): Uint8Array {
  assertPub(pub);
  const c = optionalFlag(compressed, 'compressed', true);
  const io = ioAddr();
  mem().set(pub, io);
  const n = ex().secp256k1PublicKeyConvert(pub.length, c ? 1 : 0);
  if (n === 0) throw new VaultkeyError('INVALID_KEY', 'public key is not a valid curve point encoding');
  return read(io + 128, n);
}

/** True iff `priv` is 32 bytes encoding an integer in [1, n-1]. */
function isValidPrivateKey(priv: Uint8Array): boolean {
  assertBytes(priv, 'privateKey');
  if (priv.length !== 32) return false;
  return withSecrets((e: Ex, io) => {
    mem().set(priv, io);
    return e.secp256k1IsPrivateKey() === 1;
  });
}

/** True iff `pub` is a 33- or 65-byte SEC 1 encoding of a curve point. */
function isValidPublicKey(pub: Uint8Array): boolean {
  assertBytes(pub, 'publicKey');
  if (pub.length !== 33 && pub.length !== 65) return false;
  mem().set(pub, ioAddr());
  return ex().secp256k1PublicKeyConvert(pub.length, 1) !== 0;
}

/**
 * Strict DER (X.690 §8.3, §10.1; the BIP-66 rules) ECDSA signature to 64-byte r || s.
 * INVALID_SIGNATURE for any non-DER encoding or an integer wider than 256 bits.
 * Ranges (r, s in [1, n-1], low-S) are left to `verify`.
 */
function signatureFromDER(der: Uint8Array): Uint8Array {
  assertBytes(der, 'signature');
  const fail = (why: string): never => {
    throw new VaultkeyError('INVALID_SIGNATURE', `not a strict DER signature: ${why}`);
  };
  // SEQUENCE, short-form length covering exactly the rest.
  if (der.length < 8 || der.length > 72) fail('bad total length');
  if (der[0] !== 0x30) fail('not a SEQUENCE');
  if (der[1] !== der.length - 2) fail('SEQUENCE length mismatch');
  const out = new Uint8Array(64);
  let pos = 2;
  for (let k = 0; k < 2; k++) {
    if (der[pos] !== 0x02) fail('not an INTEGER');
    const len = der[pos + 1]!;
    pos += 2;
    if (len === 0 || len >= 0x80) fail('bad INTEGER length'); // long form is never minimal here
    if (pos + len > der.length) fail('INTEGER overruns the SEQUENCE');
    const first = der[pos]!;
    if (first & 0x80) fail('negative INTEGER');
    if (first === 0 && len > 1 && !(der[pos + 1]! & 0x80)) fail('INTEGER with a superfluous leading zero');
    let start = pos;
    let n = len;
    if (first === 0 && len > 1) {
      start++;
      n--;
    }
    if (n > 32) fail('INTEGER wider than 256 bits');
    out.set(der.subarray(start, start + n), 32 * k + 32 - n);
    pos += len;
  }
  if (pos !== der.length) fail('trailing bytes');
  return out;
}

/** 64-byte r || s to strict DER. */
function signatureToDER(signature: Uint8Array): Uint8Array {
  assertBytes(signature, 'signature', 64);
  const int = (b: Uint8Array): number[] => {
    let i = 0;
    while (i < 31 && b[i] === 0) i++;
    const v = Array.from(b.subarray(i));
    return v[0]! & 0x80 ? [0, ...v] : v;
  };
  const r = int(signature.subarray(0, 32));
  const s = int(signature.subarray(32));
  return Uint8Array.from([0x30, r.length + s.length + 4, 0x02, r.length, ...r, 0x02, s.length, ...s]);
}

/** BIP-340 x-only public key (32 bytes). */
function schnorrGetPublicKey(priv: Uint8Array): Uint8Array {
  assertBytes(priv, 'privateKey', 32);
  return withSecrets((e: Ex, io) => {
    mem().set(priv, io);
    if (e.secp256k1SchnorrGetPublicKey() !== 0) throw new VaultkeyError('INVALID_KEY', 'private key must be in [1, n-1]');
    return read(io + 64, 32);
  });
}

/** BIP-340 Sign: 64-byte signature; `auxRand` (32 bytes) defaults to fresh random bytes. */
function schnorrSign(message: Uint8Array, priv: Uint8Array, auxRand?: Uint8Array): Uint8Array {
  assertBytes(message, 'message');
  assertBytes(priv, 'privateKey', 32);
  let aux: Uint8Array;
  if (auxRand === undefined) aux = globalThis.crypto.getRandomValues(new Uint8Array(32));
  else {
    assertBytes(auxRand, 'auxRand', 32);
    aux = auxRand;
  }
  return withSecrets((e: Ex, io) => {
    putBuf(message); // may grow memory: write IO afterwards
    const m = mem();
    m.set(priv, io);
    m.set(aux, io + 32);
    const rc = e.secp256k1SchnorrSign(message.length);
    if (rc === 1) throw new VaultkeyError('INVALID_KEY', 'private key must be in [1, n-1]');
    if (rc !== 0) throw new VaultkeyError('INVALID_KEY', 'nonce is zero; this happens with probability 2^-256');
    return read(io + 64, 64);
  });
}

/** Builds the generator tables now (otherwise on first use; a few milliseconds): signing's, and verification's once its module is loaded. */
function precompute(): void {
  ex().secp256k1Precompute();
  precomputeVerify();
}

export const secp256k1 = {
  getPublicKey,
  sign,
  verify,
  recoverPublicKey,
  privateAdd,
  publicAdd,
  publicAddBatch,
  publicKeyConvert,
  isValidPrivateKey,
  isValidPublicKey,
  signatureFromDER,
  signatureToDER,
  precompute,
  schnorr: {
    getPublicKey: schnorrGetPublicKey,
    sign: schnorrSign,
    verify: schnorrVerify,
    verifyBatch: schnorrVerifyBatch,
    findInvalid: schnorrFindInvalid,
  },
};
