// The secp256k1 BIP-32 child step as one WASM call (assembly/hd/bip32.ts).
import { VaultkeyError } from '../errors.js';
import { mem, withSecrets, type WasmExports } from '../core/wasm.js';
import type { Node } from './curves.js';

interface Bip32Exports {
  bip32Ckd(index: number, priv: number): number;
}

/**
 * CKDpriv (`isPrivate`) or CKDpub of `parent` at `index`. Returns null when
 * BIP-32 says the index is invalid and the next one should be used.
 */
export interface StepResult extends Node {
  fingerprint: number;
  /** Uncompressed (65-byte) public key, for Ethereum addresses. */
  publicKey65: Uint8Array;
}

export function bip32Step(parent: Node, index: number, isPrivate: boolean): StepResult | null {
  // withSecrets zeroes IO (parent and child keys, chain codes) on every exit;
  // the export wipes its HMAC, tweak and point scratch (wipeScratch).
  return withSecrets((ex: WasmExports & Bip32Exports, io) => {
    const m = mem();
    if (isPrivate) m.set(parent.privateKey!, io);
    m.set(parent.chainCode, io + 32);
    m.set(parent.publicKey, io + 64);
    const status = ex.bip32Ckd(index >>> 0, isPrivate ? 1 : 0);
    if (status === 1) return null;
    if (status !== 0) throw new VaultkeyError('INVALID_KEY', 'parent key is not a valid secp256k1 key');
    const out = mem();
    const fp = new DataView(out.buffer, io + 228, 4).getUint32(0);
    return {
      privateKey: isPrivate ? out.slice(io + 128, io + 160) : null,
      chainCode: out.slice(io + 160, io + 192),
      publicKey: out.slice(io + 192, io + 225),
      fingerprint: fp,
      publicKey65: out.slice(io + 240, io + 305),
    };
  });
}
