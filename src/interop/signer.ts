// The EVM signers behind vaultkey/viem and vaultkey/ethers. Two shapes, because
// key holders come in two kinds:
//
//   EvmDigestSigner  signs any 32-byte digest: the Keystore's worker-held keys
//                    and HSM keys through the bridge. The adapters hash
//                    (EIP-191, EIP-712, transactions) with viem's or ethers'
//                    own code and only ask for the ECDSA signature.
//   EvmDeviceSigner  signs only what it can show its user: the message, the
//                    two EIP-712 hashes, the unsigned transaction. A Ledger's
//                    Ethereum app works this way (it refuses bare digests).
//
// This module imports no viem or ethers code, so both entry points share it;
// the Keystore, bridge client and Ledger client are used through their types
// only (an app using vaultkey/viem with a keystore does not load the Ledger
// client, and the reverse).
import { bytesEqual, toHex } from '../bytes.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { VaultkeyError } from '../errors.js';
import type { Keystore } from '../vault/keystore.js';
import type { BridgeClient } from '../bridge-client/index.js';
import type { TypedDataInput } from '../ledger/eip712.js';
import type { LedgerEth } from '../ledger/eth.js';

export type Hex = `0x${string}`;

/** An ECDSA secp256k1 signature: 32-byte r and s (low-S), and the y parity of R. */
export interface EvmSignature {
  r: Uint8Array;
  s: Uint8Array;
  recovery: 0 | 1;
}

export interface EvmDigestSigner {
  /** The signing key's Ethereum address. */
  readonly address: Hex;
  /**
   * Signs a 32-byte digest (keccak256 of whatever the adapter encoded).
   * `sameKey`: a signer that can move to another key (a Keystore key following
   * its rotations) refuses rather than sign with a key other than the one
   * whose `address` the caller prepared for (the adapters ask it for transactions).
   */
  signDigest(digest: Uint8Array, options?: { sameKey?: boolean }): Promise<EvmSignature>;
}

export interface EvmDeviceSigner {
  readonly address: Hex;
  /** EIP-191 `personal_sign` of the raw message bytes. */
  signPersonalMessage(message: Uint8Array): Promise<EvmSignature>;
  /** EIP-712 from its two hashes: the domain separator and hashStruct(message). */
  signTypedDataHashes(domainSeparator: Uint8Array, messageHash: Uint8Array): Promise<EvmSignature>;
  /** An unsigned serialized transaction: legacy RLP (with the EIP-155 fields when it has a chain id) or a typed envelope. */
  signTransaction(unsignedTransaction: Uint8Array): Promise<EvmSignature>;
  /**
   * EIP-712 from the whole typed data, for a device that shows the fields
   * (a Ledger's clear signing). Optional; the adapters use it when present.
   */
  signTypedData?(typedData: TypedDataInput): Promise<EvmSignature>;
}

export type EvmSigner = EvmDigestSigner | EvmDeviceSigner;

export function isDigestSigner(s: EvmSigner): s is EvmDigestSigner {
  return typeof (s as EvmDigestSigner).signDigest === 'function';
}

function isDeviceSigner(s: EvmSigner): s is EvmDeviceSigner {
  const d = s as EvmDeviceSigner;
  return (
    typeof d.signPersonalMessage === 'function' && typeof d.signTypedDataHashes === 'function' && typeof d.signTransaction === 'function'
  );
}

// ---- Keystore ------------------------------------------------------------------------------

/**
 * What keystoreSigner uses of a Keystore (a structural type, so wrappers and
 * test doubles fit). Without `activeKey` the signer cannot follow rotations.
 */
export type KeystoreLike = Pick<Keystore, 'getAddress' | 'sign'> & Partial<Pick<Keystore, 'activeKey'>>;

/**
 * Which key of an HD key: a BIP-44 Ethereum path m/44'/60'/account'/change/index,
 * given as the numbers (index and change default 0; account defaults to the
 * key's own account, which a rotated version may have moved on) or as the path
 * string. Imported keys take neither.
 */
export interface KeystoreSignerOptions {
  index?: number;
  account?: number;
  change?: 0 | 1;
  path?: string;
  /**
   * Follow the key's rotations (default true): when the vault refuses the key
   * as rotated, retired or replaced, the signer moves to its current version
   * (`Keystore.activeKey`), whose address differs (docs/lifecycle.md
   * "Following rotations"). false: stay on this version (KEY_ROTATED then).
   */
  follow?: boolean;
}

/** A signer over a Keystore key: its key (and address) can move to the current version of a rotated key. */
export interface KeystoreDigestSigner extends EvmDigestSigner {
  /** The key version this signer signs with now. */
  readonly keyId: string;
  /** Resolves the key's current version now (one vault call); returns the address it signs for. */
  refresh(): Promise<Hex>;
}

export type KeystoreSource = { keystore: KeystoreLike; keyId: string } & KeystoreSignerOptions;

/** What the adapters accept: a signer, or a keystore key to make one from. */
export type SignerSource = EvmSigner | KeystoreSource;

const BIP44_ETH = /^m\/44['h]\/60['h]\/(\d{1,10})['h]\/([01])\/(\d{1,10})$/;

function bip44(o: KeystoreSignerOptions): { index: number; account: number | undefined; change: 0 | 1 } {
  if (o.path === undefined) return { index: o.index ?? 0, account: o.account, change: o.change ?? 0 };
  if (o.index !== undefined || o.account !== undefined || o.change !== undefined) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'give either path or index/account/change, not both');
  }
  // The vault reports addresses for BIP-44 positions (Keystore.getAddress), so
  // a path must name one; other layouts have no address to show for them.
  const m = typeof o.path === 'string' ? BIP44_ETH.exec(o.path) : null;
  if (!m) throw new VaultkeyError('INVALID_PATH', "path must be a BIP-44 Ethereum path m/44'/60'/account'/change/index");
  return { account: Number(m[1]), change: Number(m[2]) as 0 | 1, index: Number(m[3]) };
}

// The vault's refusals of a key that has (or may have) a later version.
const REPLACED = new Set(['KEY_ROTATED', 'KEY_DEACTIVATED', 'KEY_COMPROMISED', 'KEY_EXPIRED', 'KEY_DESTROYED']);

/**
 * A signer for a secp256k1 key of a Keystore. HD keys sign at the BIP-44
 * position given (default: index 0 of the key's own account, m/44'/60'/0'/0/0
 * for a first version); imported keys sign as themselves. The private key
 * stays in the vault worker: each signature is one `keystore.sign()` call, so
 * the vault's locks, permission checks and lifecycle gate apply to every one.
 * After a rotation the signer follows the key to its current version (unless
 * `follow: false`): the refused signature is asked again of the successor, and
 * `address` changes.
 */
export async function keystoreSigner(
  keystore: KeystoreLike,
  keyId: string,
  options: KeystoreSignerOptions = {},
): Promise<KeystoreDigestSigner> {
  const { follow, ...position } = options ?? {};
  const { index, account, change } = bip44(position);
  const at = async (id: string) => {
    const a = await keystore.getAddress(id, 'ethereum', index, { ...(account !== undefined ? { account } : {}), change });
    if (a.path === null && (position.path !== undefined || index !== 0 || (account ?? 0) !== 0 || change !== 0)) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'this is an imported key: it has no derivation path');
    }
    return { id, address: a.address as Hex, publicKey: a.publicKey, signOptions: a.path === null ? {} : { path: a.path } };
  };
  let cur = await at(keyId);
  const following = follow !== false && typeof keystore.activeKey === 'function';
  /** Moves to the key's current version; true if it changed. */
  const move = async (): Promise<boolean> => {
    if (!following) return false;
    const id = await keystore.activeKey!(cur.id);
    if (id === cur.id) return false;
    cur = await at(id);
    return true;
  };
  return {
    get address() {
      return cur.address;
    },
    get keyId() {
      return cur.id;
    },
    async refresh() {
      await move();
      return cur.address;
    },
    async signDigest(digest, o) {
      checkDigest(digest);
      let k = cur;
      let r: Awaited<ReturnType<KeystoreLike['sign']>>;
      try {
        r = await keystore.sign(k.id, digest, k.signOptions);
      } catch (e) {
        // Resolved at sign time: a rotated key's signature is asked of its current version.
        if (!REPLACED.has((e as VaultkeyError)?.code) || !(await move())) throw e;
        if (o?.sameKey) throw movedSigner(k.address, cur.address);
        k = cur;
        r = await keystore.sign(k.id, digest, k.signOptions);
      }
      // The address was read once per version; a key replaced under the same id since then must not sign for it.
      if (!equalBytes(r.publicKey, k.publicKey)) throw new VaultkeyError('INVALID_KEY', 'the key changed since this signer was created');
      return split(r.signature, r.recovery);
    },
  };
}

/** A signer whose key can move (a Keystore key following its rotations). */
export function isFollowing(s: EvmSigner): s is KeystoreDigestSigner {
  return typeof (s as KeystoreDigestSigner).refresh === 'function';
}

/**
 * The error for a transaction whose signer found its key rotated: its nonce
 * and sender were prepared for the old address, so it is not signed by
 * another key. The signer now names the new address; build it again.
 */
function movedSigner(from: string, to: string): VaultkeyError {
  return new VaultkeyError('KEY_ROTATED', `the key rotated: this signer now signs for ${to}, not ${from}; prepare the transaction again`);
}

// ---- bridge (HSM keys over PKCS#11) ----------------------------------------------------------

export type BridgeClientLike = Pick<BridgeClient, 'getPublicKey' | 'sign'>;

/** A signer for a secp256k1 key held by an HSM behind vaultkey-bridge: it signs prehashed digests. */
export async function bridgeSigner(client: BridgeClientLike, keyId: string): Promise<EvmDigestSigner> {
  const key = await client.getPublicKey(keyId);
  if (key.algorithm !== 'secp256k1') throw new VaultkeyError('INVALID_KEY', `bridge key ${keyId} is ${key.algorithm}, not secp256k1`);
  const pub = key.publicKeyUncompressed;
  if (!(pub instanceof Uint8Array) || pub.length !== 65 || pub[0] !== 4) {
    throw new VaultkeyError('BRIDGE_BAD_RESPONSE', 'the bridge did not return the uncompressed public key');
  }
  return {
    address: addressOf(pub),
    async signDigest(digest) {
      checkDigest(digest);
      const r = await client.sign(keyId, digest, { prehashed: true });
      return split(r.signature, r.recovery);
    },
  };
}

// ---- Ledger ----------------------------------------------------------------------------------

export type LedgerLike = Pick<LedgerEth, 'getAddress' | 'signPersonalMessage' | 'signEIP712HashedMessage' | 'signTransaction'> &
  Partial<Pick<LedgerEth, 'signTypedData'>>;

/**
 * A signer for a key of a Ledger's Ethereum app (vaultkey/ledger's LedgerEth).
 * The device shows and confirms every request itself. EIP-712 is clear-signed
 * (the app shows the fields) where the Ethereum app supports it, else it goes
 * as the two hashes (docs/ledger.md, "EIP-712").
 */
export async function ledgerSigner(
  ledger: LedgerLike,
  path = "m/44'/60'/0'/0/0",
  options: { display?: boolean } = {},
): Promise<EvmDeviceSigner> {
  const a = await ledger.getAddress(path, { display: options?.display ?? false });
  // Later calls check each signature against this key without asking the device for it again.
  const opts = { publicKey: a.publicKey };
  const sig = (r: { signature: Uint8Array; recovery: number }) => split(r.signature, r.recovery);
  const signer: EvmDeviceSigner = {
    address: a.address as Hex,
    signPersonalMessage: async (message) => sig(await ledger.signPersonalMessage(a.path, message, opts)),
    signTypedDataHashes: async (domain, message) => sig(await ledger.signEIP712HashedMessage(a.path, domain, message, opts)),
    signTransaction: async (tx) => sig(await ledger.signTransaction(a.path, tx, opts)),
  };
  const full = ledger.signTypedData?.bind(ledger);
  if (full) signer.signTypedData = async (typedData) => sig(await full(a.path, typedData, opts));
  return signer;
}

// ---- hardware keys enrolled in a Keystore -----------------------------------------------------

export type HardwareKeystoreLike = Pick<Keystore, 'useHardwareKey'>;

/**
 * `signer` (a ledgerSigner or bridgeSigner) for a device key enrolled with
 * `keystore.registerHardwareKey()`: every signature runs inside
 * `keystore.useHardwareKey(keyId, ...)`, so it is gated like a vault key
 * (hsm:access, a Suspended or Compromised key refuses before the device is
 * asked) and counted and audited. The enrolled public key must be the
 * signer's: a record for one device must not vouch for another.
 */
export function hardwareKeySigner<S extends EvmSigner>(keystore: HardwareKeystoreLike, keyId: string, signer: S): S {
  const run = <T>(call: () => Promise<T>) =>
    keystore.useHardwareKey(keyId, async (key) => {
      if (!sameAddress(key, signer.address)) throw new VaultkeyError('INVALID_KEY', `hardware key ${keyId} is not the key of this signer`);
      return call();
    });
  if (isDigestSigner(signer))
    return { address: signer.address, signDigest: (d) => run(() => signer.signDigest(d)) } satisfies EvmDigestSigner as S;
  const d = signer as EvmDeviceSigner;
  const gated: EvmDeviceSigner = {
    address: d.address,
    signPersonalMessage: (m) => run(() => d.signPersonalMessage(m)),
    signTypedDataHashes: (a, b) => run(() => d.signTypedDataHashes(a, b)),
    signTransaction: (tx) => run(() => d.signTransaction(tx)),
  };
  const full = d.signTypedData?.bind(d);
  if (full) gated.signTypedData = (td) => run(() => full(td));
  return gated as S;
}

function sameAddress(key: { curve: string; publicKey: Uint8Array }, address: string): boolean {
  if (key.curve !== 'secp256k1') return false;
  const pub = key.publicKey.length === 33 ? decompress(key.publicKey) : key.publicKey;
  return pub !== null && pub.length === 65 && pub[0] === 4 && addressOf(pub).toLowerCase() === address.toLowerCase();
}

// ---- shared ----------------------------------------------------------------------------------

/** Turns what an adapter was given into a signer. */
export async function resolveSigner(source: SignerSource): Promise<EvmSigner> {
  if (!source || typeof source !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'expected a signer or { keystore, keyId }');
  if ('keystore' in source) {
    const { keystore, keyId, ...options } = source;
    return keystoreSigner(keystore, keyId, options);
  }
  if (typeof source.address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(source.address)) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'signer.address must be a 0x-prefixed 20-byte hex address');
  }
  if (!isDigestSigner(source) && !isDeviceSigner(source)) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'a signer needs signDigest(), or signPersonalMessage/signTypedDataHashes/signTransaction');
  }
  return source;
}

function checkDigest(digest: Uint8Array): void {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) throw new VaultkeyError('INVALID_LENGTH', 'a digest is 32 bytes');
}

function split(signature: Uint8Array, recovery: number | undefined): EvmSignature {
  if (!(signature instanceof Uint8Array) || signature.length !== 64 || (recovery !== 0 && recovery !== 1)) {
    throw new VaultkeyError('INVALID_SIGNATURE', 'expected a 64-byte r||s signature with a recovery id of 0 or 1');
  }
  return { r: signature.slice(0, 32), s: signature.slice(32), recovery };
}

// Constant-time, like every byte comparison in vaultkey (src/bytes.ts).
const equalBytes = bytesEqual;

/** EIP-55 address of a 65-byte uncompressed public key. */
function addressOf(pub: Uint8Array): Hex {
  const lower = toHex(keccak_256(pub.subarray(1)).subarray(12));
  const h = toHex(keccak_256(new TextEncoder().encode(lower)));
  let out = '0x';
  for (let i = 0; i < 40; i++) out += parseInt(h[i]!, 16) >= 8 ? lower[i]!.toUpperCase() : lower[i];
  return out as Hex;
}

const P = 2n ** 256n - 2n ** 32n - 977n;
function powMod(b: bigint, e: bigint): bigint {
  let r = 1n;
  for (b %= P; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
  return r;
}

/** SEC1 point decompression on secp256k1 (public data only; null if x is not on the curve). */
function decompress(pub: Uint8Array): Uint8Array | null {
  if (pub[0] !== 2 && pub[0] !== 3) return null;
  const x = BigInt('0x' + toHex(pub.subarray(1)));
  if (x >= P) return null;
  const rhs = (x * x * x + 7n) % P;
  let y = powMod(rhs, (P + 1n) / 4n); // p = 3 (mod 4): the square root, if there is one
  if ((y * y) % P !== rhs) return null;
  if ((y & 1n) !== BigInt(pub[0] & 1)) y = P - y;
  const out = new Uint8Array(65);
  out[0] = 4;
  out.set(pub.subarray(1), 1);
  out.set(
    Uint8Array.from(y.toString(16).padStart(64, '0').match(/../g)!, (h) => parseInt(h, 16)),
    33,
  );
  return out;
}

/** The error the adapters throw when a signature does not recover to the signer's address. */
export function wrongSigner(): VaultkeyError {
  return new VaultkeyError('INVALID_SIGNATURE', "the signature does not recover to the signer's address");
}
