// nist256p1 (P-256) for SLIP-0010, on the constant-time P-256 WASM module
// (../core/p256.ts). Kept apart from ./curves.ts, which the vault worker
// bundles: init() of vaultkey/core registers it, so only apps that import
// vaultkey/core carry the P-256 module (the vault never derives P-256 keys).
import { VaultkeyError } from '../errors.js';
import { hmacSha512 } from '../core/hash.js';
import { p256 } from '../core/p256.js';
import { ascii, ser32, type Curve, type Node } from './curves.js';

/** SLIP-0010 §Private parent key step 3 / §Public parent key: I on retry from 0x01 || IR || ser32(i). */
function retryData(I: Uint8Array, index: number): Uint8Array {
  const data = new Uint8Array(37);
  data[0] = 1;
  data.set(I.subarray(32), 1);
  data.set(ser32(index), 33);
  return data;
}

/** The tweak steps throw INVALID_KEY for IL >= n, a zero key or the point at infinity: SLIP-0010's "invalid key". */
function invalidKey(e: unknown): boolean {
  return e instanceof VaultkeyError && e.code === 'INVALID_KEY';
}

export const nist256p1: Curve = {
  name: 'nist256p1',
  seedKey: ascii('Nist256p1 seed'),
  hardenedOnly: false,
  master(seed) {
    // SLIP-0010 §Master key generation: if IL is 0 or >= n, set S := I and repeat.
    let I = hmacSha512(this.seedKey, seed);
    while (!p256.isValidPrivateKey(I.subarray(0, 32))) {
      const next = hmacSha512(this.seedKey, I);
      I.fill(0);
      I = next;
    }
    const node: Node = { privateKey: I.slice(0, 32), publicKey: p256.getPublicKey(I.subarray(0, 32)), chainCode: I.slice(32) };
    I.fill(0);
    return node;
  },
  childPrivate(parent, index) {
    if (!p256.isValidPrivateKey(parent.privateKey!)) throw new VaultkeyError('INVALID_KEY', 'private key is not in [1, n-1]');
    const data = new Uint8Array(37);
    if (index >= 0x80000000) data.set(parent.privateKey!, 1);
    else data.set(parent.publicKey, 0);
    data.set(ser32(index), 33);
    let I = hmacSha512(parent.chainCode, data);
    data.fill(0);
    for (;;) {
      // SLIP-0010 §Private parent key: k_i = parse256(IL) + k_par (mod n); IL >= n or k_i = 0 -> retry.
      try {
        const node: Node = {
          privateKey: p256.privateAdd(parent.privateKey!, I.subarray(0, 32)),
          publicKey: new Uint8Array(0),
          chainCode: I.slice(32),
        };
        node.publicKey = p256.getPublicKey(node.privateKey!);
        I.fill(0);
        return node;
      } catch (e) {
        if (!invalidKey(e)) throw e;
      }
      const next = hmacSha512(parent.chainCode, retryData(I, index));
      I.fill(0);
      I = next;
    }
  },
  childPublic(parent, index) {
    if (!p256.isValidPublicKey(parent.publicKey)) throw new VaultkeyError('INVALID_KEY', 'public key is not a point on P-256');
    const data = new Uint8Array(37);
    data.set(parent.publicKey, 0);
    data.set(ser32(index), 33);
    let I = hmacSha512(parent.chainCode, data);
    for (;;) {
      // SLIP-0010 §Public parent key: K_i = parse256(IL) G + K_par; IL >= n or infinity -> retry.
      try {
        const node: Node = { privateKey: null, publicKey: p256.publicAdd(parent.publicKey, I.subarray(0, 32)), chainCode: I.slice(32) };
        I.fill(0);
        return node;
      } catch (e) {
        if (!invalidKey(e)) throw e;
      }
      const next = hmacSha512(parent.chainCode, retryData(I, index));
      I.fill(0);
      I = next;
    }
  },
  serP: (pub) => pub,
  checkPrivate(key) {
    if (!p256.isValidPrivateKey(key)) throw new VaultkeyError('INVALID_KEY', 'private key is not in [1, n-1]');
  },
  checkPublic(key) {
    if (!((key.length === 33 || key.length === 65) && p256.isValidPublicKey(key))) {
      throw new VaultkeyError('INVALID_KEY', 'public key is not a point on P-256');
    }
  },
  publicFromPrivate: (key) => p256.getPublicKey(key),
};
