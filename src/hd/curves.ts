// The curve-specific half of HD derivation: master key generation and one
// child step, for BIP-32 (secp256k1) and SLIP-0010 (ed25519, nist256p1).
import { VaultkeyError } from '../errors.js';
import { hmacSha512 } from '../core/hash.js';
import { secp256k1 } from '../core/secp256k1.js';
import { ed25519 } from '../core/ed25519.js';
import { bip32Step } from './step.js';

export type CurveName = 'secp256k1' | 'ed25519' | 'nist256p1';

/** One derived node: private key (or null), SEC1-compressed (or 32-byte Ed25519) public key, chain code. */
export interface Node {
  privateKey: Uint8Array | null;
  publicKey: Uint8Array;
  chainCode: Uint8Array;
}

export interface Curve {
  name: CurveName;
  /** SLIP-0010 §Master key generation: the HMAC key. */
  seedKey: Uint8Array;
  /** Ed25519 under SLIP-0010 only has hardened derivation. */
  hardenedOnly: boolean;
  /** Master node from the seed (handles the curve's invalid-key rule). */
  master(seed: Uint8Array): Node;
  /** Child of a private node; null means "this index is invalid, use the next one" (BIP-32 §Private parent key). */
  childPrivate(parent: Node, index: number): Node | null;
  /** Child of a public node; null as above (BIP-32 §Public parent key). */
  childPublic(parent: Node, index: number): Node | null;
  /** Bytes hashed for fingerprints (BIP-32 §Key identifiers; SLIP-0010 prefixes Ed25519 keys with 0x00). */
  serP(publicKey: Uint8Array): Uint8Array;
  /** Validates a private key from an extended key (INVALID_KEY otherwise). */
  checkPrivate(key: Uint8Array): void;
  /** Validates a public key from an extended key (INVALID_KEY otherwise). */
  checkPublic(key: Uint8Array): void;
  publicFromPrivate(key: Uint8Array): Uint8Array;
}

export const ascii = (s: string) => new TextEncoder().encode(s);

export function ser32(index: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, index);
  return b;
}

// ---- secp256k1: BIP-32, the child step is one WASM call (step.ts) ----

const SECP_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const secp: Curve = {
  name: 'secp256k1',
  seedKey: ascii('Bitcoin seed'),
  hardenedOnly: false,
  master(seed) {
    const I = hmacSha512(this.seedKey, seed);
    const key = I.slice(0, 32);
    const chainCode = I.slice(32);
    I.fill(0);
    // BIP-32 §Master key generation: IL of 0 or >= n is an invalid master key.
    if (!secp256k1.isValidPrivateKey(key)) {
      key.fill(0);
      throw new VaultkeyError('INVALID_SEED', 'this seed gives an invalid master key (BIP-32); use another seed');
    }
    return { privateKey: key, publicKey: secp256k1.getPublicKey(key, true), chainCode };
  },
  childPrivate(parent, index) {
    return bip32Step(parent, index, true);
  },
  childPublic(parent, index) {
    return bip32Step(parent, index, false);
  },
  serP: (pub) => pub,
  checkPrivate(key) {
    if (!secp256k1.isValidPrivateKey(key)) throw new VaultkeyError('INVALID_KEY', 'private key is not in [1, n-1]');
  },
  checkPublic(key) {
    if (!secp256k1.isValidPublicKey(key)) throw new VaultkeyError('INVALID_KEY', 'public key is not a point on secp256k1');
  },
  publicFromPrivate: (key) => secp256k1.getPublicKey(key, true),
};

// ---- ed25519: SLIP-0010, hardened only, every IL is a valid key ----

const ed: Curve = {
  name: 'ed25519',
  seedKey: ascii('ed25519 seed'),
  hardenedOnly: true,
  master(seed) {
    const I = hmacSha512(this.seedKey, seed);
    const node = { privateKey: I.slice(0, 32), publicKey: ed25519.getPublicKey(I.subarray(0, 32)), chainCode: I.slice(32) };
    I.fill(0);
    return node;
  },
  childPrivate(parent, index) {
    // SLIP-0010 §Private parent key: I = HMAC-SHA512(c, 0x00 || k || ser32(i)), k_i = IL.
    const data = new Uint8Array(37);
    data.set(parent.privateKey!, 1);
    data.set(ser32(index), 33);
    const I = hmacSha512(parent.chainCode, data);
    data.fill(0);
    const node = { privateKey: I.slice(0, 32), publicKey: ed25519.getPublicKey(I.subarray(0, 32)), chainCode: I.slice(32) };
    I.fill(0);
    return node;
  },
  childPublic() {
    throw new VaultkeyError('HARDENED_FROM_PUBLIC', 'ed25519 (SLIP-0010) has no public derivation');
  },
  serP(pub) {
    const b = new Uint8Array(33);
    b.set(pub, 1);
    return b;
  },
  checkPrivate(key) {
    if (key.length !== 32) throw new VaultkeyError('INVALID_KEY', 'ed25519 secret must be 32 bytes');
  },
  checkPublic(key) {
    if (key.length !== 32) throw new VaultkeyError('INVALID_KEY', 'ed25519 public key must be 32 bytes');
  },
  publicFromPrivate: (key) => ed25519.getPublicKey(key),
};

/** Big-endian bytes to a bigint (not constant time: for public values only). */
export const toBig = (b: Uint8Array) => BigInt('0x' + (Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('') || '0'));

// nist256p1 lives in ./nist256p1.ts and is registered by `init()` of
// vaultkey/core: it needs the P-256 WASM module (build/p256.wasm), which the
// vault worker and the main entry never use, so it must not be in their
// static import graph (see scripts/bundle-size.mjs).
export const CURVES: Record<'secp256k1' | 'ed25519', Curve> & { nist256p1?: Curve } = { secp256k1: secp, ed25519: ed };

export function registerCurve(curve: Curve): void {
  CURVES[curve.name] = curve;
}

export function curveByName(name: unknown): Curve {
  if (name === undefined) return secp;
  if (name === 'secp256k1' || name === 'ed25519' || name === 'nist256p1') {
    const c = CURVES[name];
    if (!c) throw new VaultkeyError('NOT_INITIALIZED', "nist256p1 is loaded by init() of 'vaultkey/core': await init() first");
    return c;
  }
  throw new VaultkeyError('INVALID_ARGUMENT', 'curve must be "secp256k1", "ed25519" or "nist256p1"');
}

export { SECP_N };
