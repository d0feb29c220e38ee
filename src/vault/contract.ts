// The page <-> vault worker contract: every type that crosses the boundary,
// imported by both sides (src/vault/keystore.ts and worker/vault/*). Nothing
// here runs; it only says what may be asked and what comes back.
import type { KdfChoice } from './crypto.js';
import type { KeyCurve, KeyInfo, MethodInfo } from './format.js';
import type { PasskeyMaterial } from './passkey.js';
import type { Purpose } from '../hd/accounts.js';
import type { LifecycleEventDetail } from '../lifecycle/manager.js';
import type { CompromiseEvent } from '../lifecycle/detector.js';
import type { AuditVerification } from '../security/audit.js';

export type VaultState = 'empty' | 'locked' | 'unlocked';

/**
 * What `keys()` and `status()` return for a key. `verified` is true only when
 * the worker checked the record's MAC and manifest entry under the unlocked
 * vault key; while locked nothing can be checked, so public fields read from
 * IndexedDB come back with `verified: false` and must not be shown as trusted.
 */
export type VaultKeyInfo = KeyInfo & { verified: boolean };
export type VaultMethodInfo = MethodInfo & { verified: boolean };

export interface VaultStatus {
  state: VaultState;
  vaultId: string | null;
  methods: VaultMethodInfo[];
  keys: VaultKeyInfo[];
  /** Milliseconds before another unlock attempt is accepted (retry back-off), 0 if none. */
  retryAfterMs: number;
  /** The open session while unlocked (principal, expiry, last user verification). */
  session: SessionInfo | null;
  /**
   * While unlocked: the authenticated manifest's epoch, which every write raises. A rollback of the
   * whole database cannot be seen from inside the profile; an app can keep the highest epoch it has
   * seen elsewhere (a server, another device) and compare (docs/security.md "Threats to the vault").
   */
  epoch: number | null;
}

export interface SessionInfo {
  id: string;
  principalId: string;
  createdAt: number;
  expiresAt: number;
  verifiedAt?: number;
}

export interface PassphraseEnrollment {
  passphrase: string;
  kdf?: KdfChoice;
  label?: string;
}

/** A proof as the worker checks it: the passphrase, or a passkey's fresh PRF output. */
export type Proof = { passphrase: string } | { credentialId: Uint8Array; prf: Uint8Array };

/** What the worker asks the page for (only a window can run a WebAuthn ceremony). */
export type PageRequest =
  /** A fresh user verification for `permission` (the app's verifyUser, else a passkey assertion); null = none available. */
  | { type: 'verify-user'; permission: string; principalId: string }
  /** A PRF assertion from exactly this enrolled passkey (re-keying the vault re-wraps every method). */
  | { type: 'passkey'; credentialId: Uint8Array; rpId: string; prfSalt: Uint8Array };

export type TamperDetail = { record: string; reason: string };

export type VaultEvent =
  | { type: 'lock'; reason: 'manual' | 'idle' | 'remote' | 'compromise' }
  | { type: 'unlock' }
  | { type: 'change' }
  | { type: 'lifecycle'; detail: LifecycleEventDetail }
  | { type: 'detector'; kind: 'compromise-indicator' | 'critical'; detail: CompromiseEvent }
  | { type: 'scheduler-error'; code: string; message: string }
  | { type: 'audit-tampered'; detail: AuditVerification }
  | { type: 'tamper'; detail: TamperDetail }
  | { type: 'backup-required'; keyId: string; predecessor: string; at: number };

export type ChainName =
  | 'ethereum'
  | 'bitcoin'
  | 'bitcoin-legacy'
  | 'bitcoin-nested-segwit'
  | 'bitcoin-taproot'
  | 'bitcoin-testnet'
  | 'solana';

export interface AddressOptions {
  account?: number;
  change?: 0 | 1;
}

export interface AddressResult {
  chain: ChainName;
  address: string;
  path: string | null;
  publicKey: Uint8Array;
}

export interface SignOptions {
  /** HD keys: derivation path (default m/44'/60'/0'/0/0 for secp256k1, m/44'/501'/0'/0' for ed25519). */
  path?: string;
  /** HD keys: which curve to derive on (default secp256k1). */
  curve?: KeyCurve;
}

export interface SignResult {
  signature: Uint8Array;
  /** secp256k1 only: the recovery id. */
  recovery?: number;
  publicKey: Uint8Array;
  path: string | null;
}

/** Options of signSchnorr: SignOptions plus the BIP-341 tweak and BIP-340 aux randomness. */
export interface SchnorrSignOptions extends SignOptions {
  /**
   * 'bip86' (default): t = HashTapTweak(x(P)), the key-path tweak with no
   * script tree (BIP-86). A 32-byte Uint8Array: that t (e.g. HashTapTweak(x(P) || merkle_root),
   * BIP-341 taproot_tweak_pubkey). null: the untweaked key (plain BIP-340).
   */
  tweak?: 'bip86' | Uint8Array | null;
  /** BIP-340 aux_rand (32 bytes); fresh random bytes by default. */
  auxRand?: Uint8Array;
}

export interface SchnorrSignResult {
  /** 64-byte BIP-340 signature. */
  signature: Uint8Array;
  /** 33-byte compressed internal key P (before the tweak). */
  publicKey: Uint8Array;
  /** 32-byte x-only key the signature verifies under (the taproot output key Q when tweaked). */
  outputKey: Uint8Array;
  path: string | null;
}

export interface AccountSpec {
  purpose: Purpose;
  coinType: number;
  account?: number;
  gapLimit?: number;
}

export interface OpenOptions {
  autoLockMs?: number;
  security?: {
    uvWindowMs?: number;
    sessionTtlMs?: number;
    roles?: Record<string, string[]>;
    verifyAuditOnUnlock?: boolean | 'full';
    auditRetention?: { maxEntries?: number };
  };
  lifecycle?: { policy?: string; policies?: unknown[]; intervalMs?: number; detector?: Record<string, unknown> | false };
  /** A page-supplied test clock is honoured forward only (it can bring deadlines nearer, never push them back). */
  clock?: boolean;
}

/** Per-call context the page sends with an operation. */
export interface CallContext {
  /** The page's test clock reading (only when opened with `clock`). */
  now?: number;
  /** A proof given on this call (exports need one on every call). */
  proof?: Proof;
}

export type { KeyCurve, KeyInfo, MethodInfo, PasskeyMaterial, KdfChoice };
