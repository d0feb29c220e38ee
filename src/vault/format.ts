// The on-disk format of a vault (IndexedDB records) and the small helpers both
// sides of the worker boundary share. Nothing here touches secrets: the
// records hold ciphertext, public parameters and public metadata only.
// docs/vault.md describes every field.
import { VaultkeyError } from '../errors.js';
import { b64url, fromB64url as b64urlToBytes, toHex } from '../bytes.js';

/** IndexedDB version of the database schema (object stores and indexes). */
export const DB_VERSION = 3;

/**
 * Version of the record encoding (AAD layout, field meaning). Stored in every
 * encrypted record as `v` and bound into its AAD, so a record can never be
 * decrypted as if it had another layout.
 */
export const RECORD_FORMAT = 2;

export const STORES = {
  meta: 'meta',
  methods: 'methods',
  secrets: 'secrets',
  accounts: 'accounts',
  /** v3: lifecycle records, principals and the audit chain moved into the vault's database (one transaction with the secrets). */
  lifecycle: 'lifecycle',
  principals: 'principals',
  audit: 'audit',
} as const;

/** The PBKDF2 floor: OWASP's 2023 figure for PBKDF2-HMAC-SHA512. */
export const PBKDF2_MIN_ITERATIONS = 210_000;
/** Argon2id defaults: RFC 9106 §4 second recommended option (t=3, 64 MiB, one lane). */
export const ARGON2_DEFAULT = { t: 3, m: 65536, p: 1 } as const;

export type KdfParams =
  | { alg: 'PBKDF2-SHA512'; iterations: number; salt: Uint8Array }
  | { alg: 'argon2id'; t: number; m: number; p: number; salt: Uint8Array };

export type MethodKind = 'passphrase' | 'passkey';

/** An enrolled unlock method: the DEK wrapped under a KEK that this method can re-derive. */
export interface MethodRecord {
  id: string; // 'passphrase' or 'passkey:<base64url credential id>'
  kind: MethodKind;
  v: number; // RECORD_FORMAT
  createdAt: number;
  label: string;
  /** Passphrase methods: how the KEK is derived. */
  kdf?: KdfParams;
  /** Passkey methods: the WebAuthn credential, the PRF input and the HKDF salt. */
  credentialId?: Uint8Array;
  rpId?: string;
  prfSalt?: Uint8Array;
  hkdfSalt?: Uint8Array;
  /** AES-256-GCM(KEK, DEK) with AAD = methodAad(id). */
  iv: Uint8Array;
  wrappedDek: Uint8Array;
  /**
   * SHA-256 over every other field. Not a security control (anyone who can
   * write the record can recompute it): it tells accidental corruption
   * (CORRUPTED) apart from a wrong passphrase, which both fail the GCM tag.
   */
  checksum: Uint8Array;
}

export type SecretKind = 'seed' | 'mnemonic' | 'privateKey';
export type KeyCurve = 'secp256k1' | 'ed25519';

/** One encrypted secret: AES-256-GCM(DEK, plaintext) with AAD = secretAad(kind, id, v). */
export interface SecretRecord {
  id: string;
  kind: SecretKind;
  v: number;
  /** The key this record belongs to (a seed and its mnemonic share it). */
  keyId: string;
  createdAt: number;
  label: string;
  /** Imported private keys: their curve and public key (public data, kept for listing while locked). */
  curve?: KeyCurve;
  publicKey?: Uint8Array;
  /** HD keys: whether a mnemonic record exists beside the seed. */
  hasMnemonic?: boolean;
  iv: Uint8Array;
  ct: Uint8Array;
}

export interface MetaRecord {
  id: 'vault';
  v: number;
  createdAt: number;
  /** Random per vault; BroadcastChannel messages carry it so a recreated vault ignores stale ones. */
  vaultId: string;
}

export interface ThrottleRecord {
  id: 'throttle';
  failures: number;
  lastFailureAt: number;
}

export interface AccountRecord {
  id: string; // `${keyId}/${purpose}/${coinType}/${account}`
  keyId: string;
  state: unknown; // AccountState from src/hd/accounts.ts (public: xpub and indices)
  updatedAt: number;
}

const enc = new TextEncoder();

/** AAD for a wrapped DEK: binds it to its method record and the record format. */
export function methodAad(methodId: string, v: number): Uint8Array {
  return enc.encode(`vaultkey/dek/v${v}/${methodId}`);
}

/** AAD for a secret: record kind, id and format version (so records cannot be swapped or reinterpreted). */
export function secretAad(kind: SecretKind, id: string, v: number): Uint8Array {
  return enc.encode(`vaultkey/secret/v${v}/${kind}/${id}`);
}

/** Fixed HKDF info string for the passkey KEK (RFC 5869 §3.2: binds the output to its use). */
export const PASSKEY_HKDF_INFO = enc.encode('vaultkey/v1 passkey PRF -> DEK wrapping key');

export { b64url };

/** base64url of a stored passkey method field (status().methods); a missing or malformed one is CORRUPTED. */
export function fromB64url(s: string): Uint8Array {
  return b64urlToBytes(s, 'a stored passkey field', 'CORRUPTED');
}

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n));
}

export function randomId(prefix: string): string {
  return prefix + toHex(randomBytes(12));
}

/**
 * Vault key ids: `k_` + 24 hex digits, plus `-vN` (N >= 2) for the successors a
 * rotation makes (the lifecycle's versioned ids); group 1 is N.
 */
export const VAULT_KEY_ID = /^k_[0-9a-f]{24}(?:-v([2-9]|[1-9][0-9]{1,5}))?$/;
/** Enrolled hardware keys (Ledger, HSM): `x_` + 24 hex digits. */
export const HARDWARE_KEY_ID = /^x_[0-9a-f]{24}$/;

/** Public description of an unlock method (what `keystore.methods()` returns). */
export interface MethodInfo {
  id: string;
  kind: MethodKind;
  label: string;
  createdAt: number;
  kdf?: { alg: KdfParams['alg']; iterations?: number; t?: number; m?: number; p?: number };
  credentialId?: string;
  rpId?: string;
  prfSalt?: string;
}

/** Public description of a key (what `keystore.keys()` returns). */
export interface KeyInfo {
  id: string;
  type: 'hd' | 'imported';
  label: string;
  createdAt: number;
  hasMnemonic: boolean;
  curve?: KeyCurve;
  publicKey?: Uint8Array;
}

export function methodInfo(r: MethodRecord): MethodInfo {
  const info: MethodInfo = { id: r.id, kind: r.kind, label: r.label, createdAt: r.createdAt };
  if (r.kdf) {
    const { salt: _salt, ...params } = r.kdf;
    info.kdf = params;
  }
  if (r.credentialId) info.credentialId = b64url(r.credentialId);
  if (r.rpId) info.rpId = r.rpId;
  if (r.prfSalt) info.prfSalt = b64url(r.prfSalt);
  return info;
}

export function keyInfo(r: SecretRecord): KeyInfo {
  const info: KeyInfo = {
    id: r.keyId,
    type: r.kind === 'seed' ? 'hd' : 'imported',
    label: r.label,
    createdAt: r.createdAt,
    hasMnemonic: r.hasMnemonic === true,
  };
  if (r.curve) info.curve = r.curve;
  if (r.publicKey) info.publicKey = r.publicKey.slice();
  return info;
}
