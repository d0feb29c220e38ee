// Addresses from public keys: Ethereum (EIP-55), Bitcoin P2PKH, P2SH-P2WPKH
// (BIP-49), P2WPKH (BIP-84, bech32 per BIP-173), P2TR (BIP-86 key-path only,
// bech32m per BIP-350), Solana (base58 of the Ed25519 key).
import { base58, bech32, bech32m } from '@scure/base';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { VaultkeyError, assertBytes } from '../errors.js';
import { hash160, sha256 } from '../core/hash.js';
import { secp256k1 } from '../core/secp256k1.js';
import { base58check, type Network } from './serialize.js';

export type AddressFormat = 'ethereum' | 'p2pkh' | 'p2sh-p2wpkh' | 'p2wpkh' | 'p2tr' | 'solana';
export const ADDRESS_FORMATS: readonly AddressFormat[] = ['ethereum', 'p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr', 'solana'];

const HRP: Record<Network, string> = { mainnet: 'bc', testnet: 'tb' };
const P2PKH_VERSION: Record<Network, number> = { mainnet: 0x00, testnet: 0x6f };
const P2SH_VERSION: Record<Network, number> = { mainnet: 0x05, testnet: 0xc4 };

function compressed(pub: Uint8Array): Uint8Array {
  assertBytes(pub, 'publicKey');
  if (pub.length !== 33 || (pub[0] !== 2 && pub[0] !== 3)) {
    throw new VaultkeyError('INVALID_KEY', 'expected a 33-byte compressed secp256k1 public key');
  }
  return pub;
}

/** EIP-55 mixed-case checksum of a 20-byte address. */
export function toChecksumAddress(addr20: Uint8Array): string {
  const lower = Array.from(addr20, (b) => b.toString(16).padStart(2, '0')).join('');
  const h = keccak_256(new TextEncoder().encode(lower));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const nibble = (h[i >> 1]! >> (i % 2 ? 0 : 4)) & 0xf;
    out += nibble >= 8 ? lower[i]!.toUpperCase() : lower[i];
  }
  return out;
}

/** Ethereum address: last 20 bytes of keccak-256 of the uncompressed point (yellow paper §7), EIP-55 cased. */
export function ethereumAddress(pub: Uint8Array): string {
  assertBytes(pub, 'publicKey');
  const full = pub.length === 65 ? pub : secp256k1.publicKeyConvert(compressed(pub), false);
  if (full.length !== 65 || full[0] !== 4) throw new VaultkeyError('INVALID_KEY', 'expected a secp256k1 public key');
  return toChecksumAddress(keccak_256(full.subarray(1)).subarray(12));
}

export function p2pkhAddress(pub: Uint8Array, network: Network = 'mainnet'): string {
  const payload = new Uint8Array(21);
  payload[0] = P2PKH_VERSION[network];
  payload.set(hash160(compressed(pub)), 1);
  return base58check().encode(payload);
}

/** BIP-49: P2SH wrapping the P2WPKH program 0x0014 || HASH160(K). */
export function p2shP2wpkhAddress(pub: Uint8Array, network: Network = 'mainnet'): string {
  const redeem = new Uint8Array(22);
  redeem[0] = 0x00;
  redeem[1] = 0x14;
  redeem.set(hash160(compressed(pub)), 2);
  const payload = new Uint8Array(21);
  payload[0] = P2SH_VERSION[network];
  payload.set(hash160(redeem), 1);
  return base58check().encode(payload);
}

/** BIP-84 / BIP-141: witness v0 program HASH160(K), bech32. */
export function p2wpkhAddress(pub: Uint8Array, network: Network = 'mainnet'): string {
  const prog = hash160(compressed(pub));
  return bech32.encode(HRP[network], [0, ...bech32.toWords(prog)]);
}

/** BIP-340 tagged hash: SHA256(SHA256(tag) || SHA256(tag) || msg). */
export function taggedHash(tag: string, ...msgs: Uint8Array[]): Uint8Array {
  const t = sha256(new TextEncoder().encode(tag));
  let len = 64;
  for (const m of msgs) len += m.length;
  const buf = new Uint8Array(len);
  buf.set(t, 0);
  buf.set(t, 32);
  let off = 64;
  for (const m of msgs) {
    buf.set(m, off);
    off += m.length;
  }
  return sha256(buf);
}

/**
 * BIP-86 output key: Q = lift_x(x(P)) + int(hashTapTweak(x(P)))·G (BIP-341
 * §Constructing and spending Taproot outputs, no script tree); returns x(Q).
 */
export function taprootOutputKey(pub: Uint8Array): Uint8Array {
  const p = compressed(pub);
  const x = p.slice(1);
  const even = new Uint8Array(33);
  even[0] = 0x02; // lift_x picks the even-y point
  even.set(x, 1);
  const q = secp256k1.publicAdd(even, taggedHash('TapTweak', x), true);
  return q.slice(1);
}

export function p2trAddress(pub: Uint8Array, network: Network = 'mainnet'): string {
  return bech32m.encode(HRP[network], [1, ...bech32m.toWords(taprootOutputKey(pub))]);
}

export function solanaAddress(pub: Uint8Array): string {
  assertBytes(pub, 'publicKey', 32);
  return base58.encode(pub);
}

export function addressOf(pub: Uint8Array, format: AddressFormat, network: Network = 'mainnet'): string {
  switch (format) {
    case 'ethereum':
      return ethereumAddress(pub);
    case 'p2pkh':
      return p2pkhAddress(pub, network);
    case 'p2sh-p2wpkh':
      return p2shP2wpkhAddress(pub, network);
    case 'p2wpkh':
      return p2wpkhAddress(pub, network);
    case 'p2tr':
      return p2trAddress(pub, network);
    case 'solana':
      return solanaAddress(pub);
    default:
      throw new VaultkeyError('INVALID_ARGUMENT', 'unknown address format');
  }
}
