// Extended key serialization (BIP-32 §Serialization format) with the version
// bytes of SLIP-0132 for the BIP-49 (y/u) and BIP-84 (z/v) script types.
import { createBase58check } from '@scure/base';
import { VaultkeyError } from '../errors.js';
import { sha256 } from '../core/hash.js';

export type Network = 'mainnet' | 'testnet';
export type ScriptType = 'p2pkh' | 'p2sh-p2wpkh' | 'p2wpkh';

export interface Version {
  prefix: string;
  network: Network;
  script: ScriptType;
  private: boolean;
}

// SLIP-0132 registered HD version bytes.
export const VERSIONS: ReadonlyMap<number, Version> = new Map([
  [0x0488ade4, { prefix: 'xprv', network: 'mainnet', script: 'p2pkh', private: true }],
  [0x0488b21e, { prefix: 'xpub', network: 'mainnet', script: 'p2pkh', private: false }],
  [0x049d7878, { prefix: 'yprv', network: 'mainnet', script: 'p2sh-p2wpkh', private: true }],
  [0x049d7cb2, { prefix: 'ypub', network: 'mainnet', script: 'p2sh-p2wpkh', private: false }],
  [0x04b2430c, { prefix: 'zprv', network: 'mainnet', script: 'p2wpkh', private: true }],
  [0x04b24746, { prefix: 'zpub', network: 'mainnet', script: 'p2wpkh', private: false }],
  [0x04358394, { prefix: 'tprv', network: 'testnet', script: 'p2pkh', private: true }],
  [0x043587cf, { prefix: 'tpub', network: 'testnet', script: 'p2pkh', private: false }],
  [0x044a4e28, { prefix: 'uprv', network: 'testnet', script: 'p2sh-p2wpkh', private: true }],
  [0x044a5262, { prefix: 'upub', network: 'testnet', script: 'p2sh-p2wpkh', private: false }],
  [0x045f18bc, { prefix: 'vprv', network: 'testnet', script: 'p2wpkh', private: true }],
  [0x045f1cf6, { prefix: 'vpub', network: 'testnet', script: 'p2wpkh', private: false }],
]);

/** Version bytes for a network/script type/kind. */
export function versionFor(network: Network, script: ScriptType, isPrivate: boolean): number {
  for (const [v, d] of VERSIONS) if (d.network === network && d.script === script && d.private === isPrivate) return v;
  throw new VaultkeyError('INVALID_ARGUMENT', 'unknown network or script type');
}

let b58c: ReturnType<typeof createBase58check> | undefined;
/** Base58Check over our WASM SHA-256 (requires init()). */
export function base58check() {
  return (b58c ??= createBase58check((d: Uint8Array) => sha256(d)));
}

export interface ExtendedKeyFields {
  version: number;
  depth: number;
  parentFingerprint: number;
  index: number;
  chainCode: Uint8Array;
  /** 33 bytes: 0x00 || k for private keys, SEC1 compressed point for public keys. */
  keyData: Uint8Array;
}

export function encodeExtendedKey(f: ExtendedKeyFields): string {
  const b = new Uint8Array(78);
  const v = new DataView(b.buffer);
  v.setUint32(0, f.version);
  b[4] = f.depth;
  v.setUint32(5, f.parentFingerprint);
  v.setUint32(9, f.index);
  b.set(f.chainCode, 13);
  b.set(f.keyData, 45);
  const s = base58check().encode(b);
  b.fill(0);
  return s;
}

/**
 * Decodes and structurally validates an extended key. The curve-level check
 * (private key in [1, n-1], public key on the curve) is the caller's.
 */
export function decodeExtendedKey(s: string): ExtendedKeyFields & { meta: Version } {
  if (typeof s !== 'string') throw new VaultkeyError('INVALID_KEY', 'extended key must be a string');
  if (s.length < 100 || s.length > 120) throw new VaultkeyError('INVALID_KEY', 'extended key has the wrong length');
  let b: Uint8Array;
  try {
    b = base58check().decode(s);
  } catch {
    throw new VaultkeyError('INVALID_CHECKSUM', 'extended key is not valid Base58Check (bad character or checksum)');
  }
  if (b.length !== 78) throw new VaultkeyError('INVALID_KEY', 'extended key payload must be 78 bytes');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const version = v.getUint32(0);
  const meta = VERSIONS.get(version);
  if (!meta) throw new VaultkeyError('INVALID_VERSION', 'unknown extended key version bytes');
  const depth = b[4]!;
  const parentFingerprint = v.getUint32(5);
  const index = v.getUint32(9);
  // BIP-32 vector 5: a master key (depth 0) has no parent and index 0.
  if (depth === 0 && (parentFingerprint !== 0 || index !== 0)) {
    throw new VaultkeyError('INVALID_KEY', 'zero-depth key with a parent fingerprint or index');
  }
  const keyData = b.slice(45, 78);
  const prefix = keyData[0];
  if (meta.private && prefix !== 0x00) throw new VaultkeyError('INVALID_KEY', 'private extended key without the 0x00 prefix');
  if (!meta.private && prefix !== 0x02 && prefix !== 0x03) {
    throw new VaultkeyError('INVALID_KEY', 'public extended key is not a compressed point');
  }
  const out = { version, depth, parentFingerprint, index, chainCode: b.slice(13, 45), keyData, meta };
  b.fill(0);
  return out;
}
