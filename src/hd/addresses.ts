// Addresses from public keys: Ethereum (EIP-55), Bitcoin P2PKH, P2SH-P2WPKH
// (BIP-49), P2WPKH (BIP-84, bech32 per BIP-173), P2TR (BIP-86 key-path only,
// bech32m per BIP-350), Solana (base58 of the Ed25519 key).
import { base58, bech32, bech32m } from '@scure/base';
import { VaultkeyError, assertBytes } from '../errors.js';
import { hash160, keccak256, sha256 } from '../core/hash.js';
import { secp256k1 } from '../core/secp256k1.js';
import { base58check } from './serialize.js';

export type AddressFormat = 'ethereum' | 'p2pkh' | 'p2sh-p2wpkh' | 'p2wpkh' | 'p2tr' | 'solana';
export const ADDRESS_FORMATS: readonly AddressFormat[] = ['ethereum', 'p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr', 'solana'];

/**
 * Bitcoin networks an address can be for. Extended keys (SLIP-0132) know only
 * mainnet and testnet: regtest and signet keys use the testnet versions (tpub).
 */
export type AddressNetwork = 'mainnet' | 'testnet' | 'regtest' | 'signet';
export const ADDRESS_NETWORKS: readonly AddressNetwork[] = ['mainnet', 'testnet', 'regtest', 'signet'];

export interface NetworkParams {
  /** Base58Check version byte of P2PKH addresses. */
  p2pkh: number;
  /** Base58Check version byte of P2SH addresses (BIP-13). */
  p2sh: number;
  /** Human-readable part of segwit addresses (BIP-173 §Segwit address format). */
  hrp: string;
}

// BIP-173 names "bc" (mainnet) and "tb" (testnet); the rest is Bitcoin Core's
// chainparams (base58Prefixes, bech32_hrp): regtest is "bcrt", signet
// (BIP-325) shares testnet's "tb", and every test network uses 0x6f / 0xc4.
const NETWORKS: Readonly<Record<AddressNetwork, NetworkParams>> = {
  mainnet: { p2pkh: 0x00, p2sh: 0x05, hrp: 'bc' },
  testnet: { p2pkh: 0x6f, p2sh: 0xc4, hrp: 'tb' },
  regtest: { p2pkh: 0x6f, p2sh: 0xc4, hrp: 'bcrt' },
  signet: { p2pkh: 0x6f, p2sh: 0xc4, hrp: 'tb' },
};

/** The parameters of a network name; INVALID_ARGUMENT for anything else (never a default). */
export function networkParams(network: unknown): NetworkParams {
  if (typeof network !== 'string' || !Object.hasOwn(NETWORKS, network)) {
    throw new VaultkeyError('INVALID_ARGUMENT', `network must be one of ${ADDRESS_NETWORKS.join(', ')}`);
  }
  return NETWORKS[network as AddressNetwork];
}

/** A 33-byte SEC 1 compressed point that is on the curve: anything else would give an address no key can spend. */
function compressed(pub: unknown): Uint8Array {
  assertBytes(pub, 'publicKey');
  if (pub.length !== 33 || (pub[0] !== 2 && pub[0] !== 3)) {
    throw new VaultkeyError('INVALID_KEY', 'expected a 33-byte compressed secp256k1 public key');
  }
  if (!secp256k1.isValidPublicKey(pub)) throw new VaultkeyError('INVALID_KEY', 'public key is not a secp256k1 curve point');
  return pub;
}

/** EIP-55 mixed-case checksum of a 20-byte address (Keccak-256 of its lowercase hex, from the WASM core: after `init()`). */
export function toChecksumAddress(addr20: Uint8Array): string {
  assertBytes(addr20, 'address', 20);
  const lower = Array.from(addr20, (b) => b.toString(16).padStart(2, '0')).join('');
  const h = keccak256(new TextEncoder().encode(lower));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const nibble = (h[i >> 1]! >> (i % 2 ? 0 : 4)) & 0xf;
    out += nibble >= 8 ? lower[i]!.toUpperCase() : lower[i];
  }
  return out;
}

// The encoders below take a key already checked (or derived here, hence a
// valid point) and the parameters of a known network.

function ethereumOf(full: Uint8Array): string {
  return toChecksumAddress(keccak256(full.subarray(1)).subarray(12));
}

function p2pkhOf(pub: Uint8Array, net: NetworkParams): string {
  const payload = new Uint8Array(21);
  payload[0] = net.p2pkh;
  payload.set(hash160(pub), 1);
  return base58check().encode(payload);
}

function p2shP2wpkhOf(pub: Uint8Array, net: NetworkParams): string {
  const redeem = new Uint8Array(22);
  redeem[0] = 0x00;
  redeem[1] = 0x14;
  redeem.set(hash160(pub), 2);
  const payload = new Uint8Array(21);
  payload[0] = net.p2sh;
  payload.set(hash160(redeem), 1);
  return base58check().encode(payload);
}

function p2wpkhOf(pub: Uint8Array, net: NetworkParams): string {
  return bech32.encode(net.hrp, [0, ...bech32.toWords(hash160(pub))]);
}

function p2trOf(pub: Uint8Array, net: NetworkParams): string {
  return bech32m.encode(net.hrp, [1, ...bech32m.toWords(tweak(pub))]);
}

/** Ethereum address: last 20 bytes of keccak-256 of the uncompressed point (yellow paper §7), EIP-55 cased. */
export function ethereumAddress(pub: Uint8Array): string {
  assertBytes(pub, 'publicKey');
  if (pub.length === 65) {
    if (pub[0] !== 4 || !secp256k1.isValidPublicKey(pub)) {
      throw new VaultkeyError('INVALID_KEY', 'expected an uncompressed (0x04) secp256k1 curve point');
    }
    return ethereumOf(pub);
  }
  return ethereumOf(secp256k1.publicKeyConvert(compressed(pub), false));
}

/** P2PKH: Base58Check(version || HASH160(K)) with the network's version byte. */
export function p2pkhAddress(pub: Uint8Array, network: AddressNetwork = 'mainnet'): string {
  const net = networkParams(network);
  return p2pkhOf(compressed(pub), net);
}

/** BIP-49: P2SH (BIP-16, BIP-13 version byte) wrapping the P2WPKH program 0x0014 || HASH160(K). */
export function p2shP2wpkhAddress(pub: Uint8Array, network: AddressNetwork = 'mainnet'): string {
  const net = networkParams(network);
  return p2shP2wpkhOf(compressed(pub), net);
}

/** BIP-84 / BIP-141: witness v0 program HASH160(K), bech32 (BIP-173). */
export function p2wpkhAddress(pub: Uint8Array, network: AddressNetwork = 'mainnet'): string {
  const net = networkParams(network);
  return p2wpkhOf(compressed(pub), net);
}

/** BIP-340 tagged hash: SHA256(SHA256(tag) || SHA256(tag) || msg). */
export function taggedHash(tag: string, ...msgs: Uint8Array[]): Uint8Array {
  if (typeof tag !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'tag must be a string');
  for (const [i, m] of msgs.entries()) assertBytes(m, `message ${i}`);
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

function tweak(pub: Uint8Array): Uint8Array {
  const x = pub.slice(1);
  const even = new Uint8Array(33);
  even[0] = 0x02; // lift_x picks the even-y point
  even.set(x, 1);
  // publicAdd refuses an x that is not on the curve (INVALID_KEY).
  const q = secp256k1.publicAdd(even, taggedHash('TapTweak', x), true);
  return q.slice(1);
}

/**
 * BIP-86 output key: Q = lift_x(x(P)) + int(hashTapTweak(x(P)))·G (BIP-341
 * §Constructing and spending Taproot outputs, no script tree); returns x(Q).
 */
export function taprootOutputKey(pub: Uint8Array): Uint8Array {
  return tweak(compressed(pub));
}

/** BIP-86 / BIP-341: witness v1 program x(Q), bech32m (BIP-350). */
export function p2trAddress(pub: Uint8Array, network: AddressNetwork = 'mainnet'): string {
  const net = networkParams(network);
  return p2trOf(compressed(pub), net);
}

export function solanaAddress(pub: Uint8Array): string {
  assertBytes(pub, 'publicKey', 32);
  return base58.encode(pub);
}

/**
 * The address of `pub` in `format` on `network`. Every Bitcoin format exists
 * on all four networks; Ethereum and Solana addresses do not depend on the
 * network, which must still be one of the four names.
 */
export function addressOf(pub: Uint8Array, format: AddressFormat, network: AddressNetwork = 'mainnet'): string {
  networkParams(network);
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

/**
 * For batch.ts: the address of a key it derived itself, so a valid point
 * (compressed, or uncompressed for 'ethereum'), without checking it again.
 * `format` and `net` are already checked; 'solana' is not a secp256k1 format.
 */
export function addressOfDerived(pub: Uint8Array, format: Exclude<AddressFormat, 'solana'>, net: NetworkParams): string {
  switch (format) {
    case 'ethereum':
      return ethereumOf(pub);
    case 'p2pkh':
      return p2pkhOf(pub, net);
    case 'p2sh-p2wpkh':
      return p2shP2wpkhOf(pub, net);
    case 'p2wpkh':
      return p2wpkhOf(pub, net);
    case 'p2tr':
      return p2trOf(pub, net);
  }
}
