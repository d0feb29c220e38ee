// nist256p1 (P-256) for SLIP-0010, kept apart from ./curves.ts because it
// runs on @noble/curves: `init()` of vaultkey/core loads this module with
// import() and registers it, so only apps that import vaultkey/core pay for
// it (the vault never derives P-256 keys).
import { p256 } from '@noble/curves/nist.js';
import { VaultkeyError } from '../errors.js';
import { hmacSha512 } from '../core/hash.js';
import { ascii, ser32, toBig, type Curve } from './curves.js';

// SLIP-0010 with its retry rule; not a hot path, so @noble/curves BigInt arithmetic (not constant time).
const P256 = p256.Point;
const P256_N = P256.Fn.ORDER;
const toBytes32 = (n: bigint) => {
  const hex = n.toString(16).padStart(64, '0');
  return Uint8Array.from(hex.match(/../g)!, (x) => parseInt(x, 16));
};

export const nist256p1: Curve = {
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
