// The curve-specific half of HD derivation: master key generation and one
// child step, for BIP-32 (secp256k1) and SLIP-0010 (ed25519, nist256p1).
import { p256 } from '@noble/curves/nist.js';
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

const ascii = (s: string) => new TextEncoder().encode(s);

function ser32(index: number): Uint8Array {
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

// ---- nist256p1: SLIP-0010 with its retry rule; not a hot path, so @noble/curves ----

const P256 = p256.Point;
const P256_N = P256.Fn.ORDER;
/** Big-endian bytes to a bigint. Not constant time: the nist256p1 path runs on @noble/curves BigInt arithmetic. */
export const toBig = (b: Uint8Array) => BigInt('0x' + (Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('') || '0'));
const toBytes32 = (n: bigint) => {
  const hex = n.toString(16).padStart(64, '0');
  return Uint8Array.from(hex.match(/../g)!, (x) => parseInt(x, 16));
};

const nist: Curve = {
  name: 'nist256p1',
  seedKey: ascii('Nist256p1 seed'),
  hardenedOnly: false,
  master(seed) {
    // SLIP-0010 §Master key generation: if IL is 0 or >= n, set S := I and repeat.
    let I = hmacSha512(this.seedKey, seed);
    for (;;) {
      const k = toBig(I.subarray(0, 32));
      if (k !== 0n && k < P256_N) break;
      I = hmacSha512(this.seedKey, I);
    }
    const key = I.slice(0, 32);
    return { privateKey: key, publicKey: P256.BASE.multiply(toBig(key)).toBytes(true), chainCode: I.slice(32) };
  },
  childPrivate(parent, index) {
    const kpar = toBig(parent.privateKey!);
    const hardened = index >= 0x80000000;
    let data = new Uint8Array(37);
    if (hardened) data.set(parent.privateKey!, 1);
    else data.set(parent.publicKey, 0);
    data.set(ser32(index), 33);
    for (;;) {
      const I = hmacSha512(parent.chainCode, data);
      const il = toBig(I.subarray(0, 32));
      const k = (il + kpar) % P256_N;
      // SLIP-0010 §Private parent key step 3: on IL >= n or k = 0, retry with 0x01 || IR || ser32(i).
      if (il < P256_N && k !== 0n) {
        const key = toBytes32(k);
        return { privateKey: key, publicKey: P256.BASE.multiply(k).toBytes(true), chainCode: I.slice(32) };
      }
      data = new Uint8Array(37);
      data[0] = 1;
      data.set(I.subarray(32), 1);
      data.set(ser32(index), 33);
    }
  },
  childPublic(parent, index) {
    let data = new Uint8Array(37);
    data.set(parent.publicKey, 0);
    data.set(ser32(index), 33);
    const Kpar = P256.fromBytes(parent.publicKey);
    for (;;) {
      const I = hmacSha512(parent.chainCode, data);
      const il = toBig(I.subarray(0, 32));
      if (il < P256_N && il !== 0n) {
        const K = P256.BASE.multiply(il).add(Kpar);
        if (!K.is0()) return { privateKey: null, publicKey: K.toBytes(true), chainCode: I.slice(32) };
      }
      data = new Uint8Array(37);
      data[0] = 1;
      data.set(I.subarray(32), 1);
      data.set(ser32(index), 33);
    }
  },
  serP: (pub) => pub,
  checkPrivate(key) {
    const k = toBig(key);
    if (key.length !== 32 || k === 0n || k >= P256_N) throw new VaultkeyError('INVALID_KEY', 'private key is not in [1, n-1]');
  },
  checkPublic(key) {
    try {
      P256.fromBytes(key).assertValidity();
    } catch {
      throw new VaultkeyError('INVALID_KEY', 'public key is not a point on P-256');
    }
  },
  publicFromPrivate: (key) => P256.BASE.multiply(toBig(key)).toBytes(true),
};

export const CURVES: Readonly<Record<CurveName, Curve>> = { secp256k1: secp, ed25519: ed, nist256p1: nist };

export function curveByName(name: unknown): Curve {
  if (name === undefined) return secp;
  if (typeof name === 'string' && Object.prototype.hasOwnProperty.call(CURVES, name)) return CURVES[name as CurveName];
  throw new VaultkeyError('INVALID_ARGUMENT', 'curve must be "secp256k1", "ed25519" or "nist256p1"');
}

export { SECP_N };
