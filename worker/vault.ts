// The vault service of a vaultkey worker (exposed as `api.vault`). One
// Keystore spawns one dedicated worker, so the state below is that vault's.
//
// This is the only place where the data key (DEK) is unwrapped and where
// seeds, mnemonics and private keys exist in the clear. What it returns to
// the page is public: handles (key ids), public keys, addresses, xpubs,
// signatures. The one exception is `exportMnemonic`, which demands fresh
// user verification (the passphrase again, or a fresh passkey PRF output) and
// returns the phrase the user asked to see.
import { VaultkeyError, assertBytes } from '../src/errors.js';
import { init } from '../src/core/wasm.js';
import { generateMnemonic, mnemonicToSeed, validateMnemonic } from '../src/core/bip39.js';
import { secp256k1 } from '../src/core/secp256k1.js';
import { ed25519 } from '../src/core/ed25519.js';
import { HDKey } from '../src/hd/hdkey.js';
import { Account, type AccountState, type Chain, type Purpose } from '../src/hd/accounts.js';
import { addressOf, type AddressFormat } from '../src/hd/addresses.js';
import type { Network } from '../src/hd/serialize.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { deriveAuditKey } from '../src/security/audit.js';
import { derivePrincipalKey } from '../src/security/rbac-idb.js';
// What the page hands over after a passkey ceremony; `prf` is zeroed here once used.
import type { PasskeyMaterial } from '../src/vault/passkey.js';
import {
  checkMethodRecord, decryptSecret, encryptSecret, newDek, newKdfParams, passphraseBytes, passphraseKek, prfKek,
  unwrapDek, wrapDek, methodChecksum, type KdfChoice,
} from '../src/vault/crypto.js';
import { checkName, database, storageError, type DbHandle, type VaultDB } from '../src/vault/db.js';
import {
  ARGON2_DEFAULT, PBKDF2_MIN_ITERATIONS, RECORD_FORMAT, STORES, VAULT_KEY_ID, b64url, keyInfo, methodInfo, randomBytes, randomId,
  type AccountRecord, type KdfParams, type KeyCurve, type KeyInfo, type MetaRecord, type MethodInfo, type MethodRecord,
  type SecretRecord, type ThrottleRecord,
} from '../src/vault/format.js';

// ---- types shared with src/vault/keystore.ts ----

export type VaultState = 'empty' | 'locked' | 'unlocked';

export interface VaultStatus {
  state: VaultState;
  vaultId: string | null;
  methods: MethodInfo[];
  keys: KeyInfo[];
  /** Milliseconds before another unlock attempt is accepted (retry back-off), 0 if none. */
  retryAfterMs: number;
}

export interface PassphraseEnrollment {
  passphrase: string;
  kdf?: KdfChoice;
  label?: string;
}

export type Proof = { passphrase: string } | { credentialId: Uint8Array; prf: Uint8Array };

export type VaultEvent = { type: 'lock'; reason: 'manual' | 'idle' | 'remote' } | { type: 'change' };

export type ChainName =
  | 'ethereum' | 'bitcoin' | 'bitcoin-legacy' | 'bitcoin-nested-segwit' | 'bitcoin-taproot' | 'bitcoin-testnet' | 'solana';

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

export interface AccountSpec {
  purpose: Purpose;
  coinType: number;
  account?: number;
  gapLimit?: number;
}

// ---- module state ----

const FREE_ATTEMPTS = 3;
const MAX_BACKOFF_MS = 5 * 60_000;

interface Session {
  dek: CryptoKey;
  seeds: Map<string, Uint8Array>;
  roots: Map<string, HDKey>;
  /** Imported keys, with the public key recomputed from the private key (the stored one is only a hint). */
  privs: Map<string, { priv: Uint8Array; pub: Uint8Array; curve: KeyCurve }>;
}

let vaultName: string | null = null;
let handle: DbHandle | null = null;
let session: Session | null = null;
let autoLockMs = 5 * 60_000;
let idleTimer: ReturnType<typeof setTimeout> | undefined;
let notify: ((e: VaultEvent) => unknown) | undefined;

function db(): Promise<VaultDB> {
  if (!handle) throw new VaultkeyError('NOT_INITIALIZED', 'open the keystore first');
  return handle.get();
}

/** Web Locks (one exclusive lock per vault, shared by every tab and worker of the origin) serialise writers. */
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return fn();
  return locks.request(`vaultkey:${vaultName}:write`, { mode: 'exclusive' }, fn) as Promise<T>;
}

const STRICT = { durability: 'strict' } as const;

async function write(stores: string[], fn: (tx: any) => Promise<unknown>[]): Promise<void> {
  const d = await db();
  try {
    const tx = d.transaction(stores, 'readwrite', STRICT);
    // Only IndexedDB requests are awaited until `done`: the transaction auto-commits otherwise.
    await Promise.all([...fn(tx), tx.done]);
  } catch (cause) {
    throw storageError(cause);
  }
}

function touch(): void {
  clearTimeout(idleTimer);
  if (session && autoLockMs > 0) {
    idleTimer = setTimeout(() => {
      wipeSession();
      void notify?.({ type: 'lock', reason: 'idle' });
    }, autoLockMs);
  }
}

function need(): Session {
  if (!session) throw new VaultkeyError('LOCKED', 'the vault is locked');
  touch();
  return session;
}

function wipeSession(): void {
  clearTimeout(idleTimer);
  fresh = null;
  const s = session;
  session = null;
  if (!s) return;
  for (const seed of s.seeds.values()) seed.fill(0);
  for (const root of s.roots.values()) root.wipe();
  for (const k of s.privs.values()) k.priv.fill(0);
  s.seeds.clear();
  s.roots.clear();
  s.privs.clear();
  // The DEK is a CryptoKey: its bytes are held by the browser's crypto
  // implementation; dropping the last reference is all JS can do.
}

function startSession(dek: CryptoKey): void {
  wipeSession();
  session = { dek, seeds: new Map(), roots: new Map(), privs: new Map() };
  touch();
}

// ---- fresh verification for exports ----

const FRESH_MS = 60_000;
let fresh: { dek: CryptoKey; until: number } | null = null;

/** The DEK unwrapped by the last checkProof, once, within FRESH_MS; else LOCKED-like refusal. */
function consumeFresh(): CryptoKey {
  const f = fresh;
  fresh = null;
  if (!f || Date.now() > f.until) throw new VaultkeyError('UV_REQUIRED', 'this export needs a fresh verification (passphrase or passkey)');
  return f.dek;
}

// ---- throttle (retry back-off) ----

function backoffMs(t: ThrottleRecord | undefined): number {
  if (!t || t.failures < FREE_ATTEMPTS) return 0;
  const wait = Math.min(1000 * 2 ** (t.failures - FREE_ATTEMPTS), MAX_BACKOFF_MS);
  return Math.max(0, t.lastFailureAt + wait - Date.now());
}

async function retryAfter(): Promise<number> {
  return backoffMs((await (await db()).get(STORES.meta, 'throttle')) as ThrottleRecord | undefined);
}

async function checkThrottle(): Promise<void> {
  const ms = await retryAfter();
  if (ms > 0) throw new VaultkeyError('RATE_LIMITED', `too many failed attempts; retry in ${Math.ceil(ms / 1000)} s`);
}

async function recordFailure(): Promise<void> {
  // Persisted, so reloading the page does not reset the back-off.
  await exclusive(async () => {
    const d = await db();
    const tx = d.transaction(STORES.meta, 'readwrite', STRICT);
    const t = ((await tx.store.get('throttle')) as ThrottleRecord | undefined) ?? { id: 'throttle', failures: 0, lastFailureAt: 0 };
    await tx.store.put({ id: 'throttle', failures: t.failures + 1, lastFailureAt: Date.now() });
    await tx.done;
  });
}

async function clearFailures(): Promise<void> {
  const d = await db();
  if (await d.get(STORES.meta, 'throttle')) await write([STORES.meta], (tx) => [tx.objectStore(STORES.meta).delete('throttle')]);
}

// ---- unlock methods ----

async function methodRecord(id: string): Promise<MethodRecord> {
  const raw = await (await db()).get(STORES.methods, id);
  if (!raw) throw new VaultkeyError('NOT_FOUND', id === 'passphrase' ? 'no passphrase is enrolled in this vault' : 'this passkey is not enrolled in this vault');
  return checkMethodRecord(raw);
}

async function sealMethod(rec: Omit<MethodRecord, 'checksum' | 'iv' | 'wrappedDek'>, dek: CryptoKey, kek: CryptoKey): Promise<MethodRecord> {
  const { iv, wrappedDek } = await wrapDek(dek, kek, rec.id, rec.v);
  const full = { ...rec, iv, wrappedDek };
  return { ...full, checksum: await methodChecksum(full) };
}

function label(v: unknown, dflt: string): string {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || v.length > 100) throw new VaultkeyError('INVALID_ARGUMENT', 'label must be a string of at most 100 characters');
  return v;
}

async function passphraseMethod(dek: CryptoKey, e: PassphraseEnrollment): Promise<MethodRecord> {
  if (typeof e?.passphrase !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'passphrase must be a string');
  // A floor, not a strength meter: the KDF slows guessing, it cannot save "1234".
  if ([...e.passphrase.normalize('NFKC')].length < 8) throw new VaultkeyError('WEAK_PASSPHRASE', 'the passphrase must have at least 8 characters');
  const kdf = newKdfParams(e.kdf);
  const kek = await passphraseKek(passphraseBytes(e.passphrase), kdf);
  return sealMethod({ id: 'passphrase', kind: 'passphrase', v: RECORD_FORMAT, createdAt: Date.now(), label: label(e.label, 'Passphrase'), kdf }, dek, kek);
}

function checkPasskeyMaterial(p: PasskeyMaterial): void {
  if (!p || typeof p !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'passkey material is missing');
  assertBytes(p.credentialId, 'credentialId');
  assertBytes(p.prfSalt, 'prfSalt', 32);
  assertBytes(p.prf, 'prf', 32);
  if (typeof p.rpId !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'rpId must be a string');
}

async function passkeyMethod(dek: CryptoKey, p: PasskeyMaterial): Promise<MethodRecord> {
  checkPasskeyMaterial(p);
  const hkdfSalt = randomBytes(32);
  const kek = await prfKek(p.prf, hkdfSalt);
  return sealMethod({
    id: `passkey:${b64url(p.credentialId)}`, kind: 'passkey', v: RECORD_FORMAT, createdAt: Date.now(), label: label(p.label, 'Passkey'),
    credentialId: p.credentialId.slice(), rpId: p.rpId, prfSalt: p.prfSalt.slice(), hkdfSalt,
  }, dek, kek);
}

/**
 * Re-derives the KEK from a proof and unwraps the stored DEK: the check used
 * by unlock and by the fresh verification before an export. Failures count
 * towards the back-off.
 */
async function verify(proof: Proof): Promise<CryptoKey> {
  if (!proof || typeof proof !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'expected { passphrase } or a passkey proof');
  let rec: MethodRecord;
  let kek: CryptoKey;
  let wrong: VaultkeyError;
  let rehash: Uint8Array | null = null;
  if ('passphrase' in proof) {
    const pw = passphraseBytes(proof.passphrase);
    try {
      await checkThrottle();
      rec = await methodRecord('passphrase');
    } catch (e) {
      pw.fill(0);
      throw e;
    }
    // Parameters below today's (a record from an older release): keep a copy
    // of the passphrase to re-wrap the DEK under new parameters once it is verified.
    if (belowDefaults(rec.kdf!)) rehash = pw.slice();
    kek = await passphraseKek(pw, rec.kdf!);
    wrong = new VaultkeyError('WRONG_PASSPHRASE', 'wrong passphrase');
  } else {
    const { credentialId, prf } = proof as { credentialId: Uint8Array; prf: Uint8Array };
    try {
      assertBytes(credentialId, 'credentialId');
      assertBytes(prf, 'prf', 32);
      await checkThrottle();
      rec = await methodRecord(`passkey:${b64url(credentialId)}`);
    } catch (e) {
      if (prf instanceof Uint8Array) prf.fill(0);
      throw e;
    }
    kek = await prfKek(prf, rec.hkdfSalt!);
    wrong = new VaultkeyError('WRONG_PASSKEY', 'the passkey did not unlock this vault (PRF output does not match)');
  }
  const dek = await unwrapDek(rec, kek);
  if (!dek) {
    rehash?.fill(0);
    await recordFailure();
    throw wrong;
  }
  await clearFailures();
  if (rehash) await upgradePassphrase(rec, dek, rehash);
  return dek;
}

function belowDefaults(k: KdfParams): boolean {
  return k.alg === 'PBKDF2-SHA512' ? k.iterations < PBKDF2_MIN_ITERATIONS : k.t < ARGON2_DEFAULT.t || k.m < ARGON2_DEFAULT.m;
}

/** Re-wraps the DEK under fresh, current KDF parameters (same algorithm, new salt). Zeroes `pw`. */
async function upgradePassphrase(old: MethodRecord, dek: CryptoKey, pw: Uint8Array): Promise<void> {
  try {
    const kdf = newKdfParams({ alg: old.kdf!.alg });
    const kek = await passphraseKek(pw, kdf);
    const rec = await sealMethod({ id: old.id, kind: old.kind, v: RECORD_FORMAT, createdAt: old.createdAt, label: old.label, kdf }, dek, kek);
    await exclusive(() => write([STORES.methods], (tx) => [tx.objectStore(STORES.methods).put(rec)]));
  } catch {
    // The unlock stands; the upgrade is tried again next time.
  } finally {
    pw.fill(0);
  }
}

// ---- keys ----

/** Reads a secret record and checks its shape (the ciphertext is checked when decrypted). */
async function secretRecord(id: string): Promise<SecretRecord> {
  const raw = (await (await db()).get(STORES.secrets, id)) as SecretRecord | undefined;
  if (!raw) throw new VaultkeyError('NOT_FOUND', 'no such key in this vault');
  if (typeof raw !== 'object' || raw.id !== id || typeof raw.keyId !== 'string' || typeof raw.v !== 'number'
    || !['seed', 'mnemonic', 'privateKey'].includes(raw.kind)) {
    throw new VaultkeyError('CORRUPTED', 'a secret record is malformed');
  }
  if (raw.v > RECORD_FORMAT) throw new VaultkeyError('SCHEMA_TOO_NEW', 'a secret record was written by a newer vaultkey');
  if (raw.kind === 'privateKey' && raw.curve !== 'secp256k1' && raw.curve !== 'ed25519') {
    throw new VaultkeyError('CORRUPTED', 'an imported key record has no valid curve');
  }
  return raw;
}

async function seedOf(s: Session, keyId: string): Promise<Uint8Array> {
  let seed = s.seeds.get(keyId);
  if (!seed) {
    const rec = await secretRecord(keyId);
    if (rec.kind !== 'seed') throw new VaultkeyError('INVALID_ARGUMENT', 'this key is not an HD key');
    seed = await decryptSecret(s.dek, rec, 'seed');
    if (seed.length < 16 || seed.length > 64) throw new VaultkeyError('CORRUPTED', 'a seed record has an impossible length');
    if (session !== s) {
      seed.fill(0);
      throw new VaultkeyError('LOCKED', 'the vault was locked');
    }
    s.seeds.set(keyId, seed);
  }
  return seed;
}

async function rootOf(s: Session, keyId: string, curve: KeyCurve): Promise<HDKey> {
  const k = `${keyId}/${curve}`;
  let root = s.roots.get(k);
  if (!root) {
    await init();
    root = HDKey.fromMasterSeed(await seedOf(s, keyId), curve);
    s.roots.set(k, root);
  }
  return root;
}

/**
 * An imported key. Its public key and curve are stored in the clear (for
 * listing) and are outside the AAD, so they are recomputed from the decrypted
 * private key and compared: a swapped public key (say, to show someone else's
 * address) is CORRUPTED, never used.
 */
async function importedOf(s: Session, keyId: string): Promise<{ priv: Uint8Array; pub: Uint8Array; curve: KeyCurve }> {
  let k = s.privs.get(keyId);
  if (!k) {
    const rec = await secretRecord(keyId);
    if (rec.kind !== 'privateKey') throw new VaultkeyError('INVALID_ARGUMENT', 'this key is not an imported private key');
    const priv = await decryptSecret(s.dek, rec, 'privateKey');
    if (priv.length !== 32) throw new VaultkeyError('CORRUPTED', 'a private key record has an impossible length');
    await init();
    const curve = rec.curve!;
    let pub: Uint8Array;
    try {
      pub = curve === 'secp256k1' ? secp256k1.getPublicKey(priv, true) : ed25519.getPublicKey(priv);
    } catch {
      priv.fill(0);
      throw new VaultkeyError('CORRUPTED', 'an imported key record holds an invalid key');
    }
    if (!(rec.publicKey instanceof Uint8Array) || !sameBytes(pub, rec.publicKey)) {
      priv.fill(0);
      throw new VaultkeyError('CORRUPTED', 'the stored public key does not belong to the stored private key');
    }
    if (session !== s) {
      priv.fill(0);
      throw new VaultkeyError('LOCKED', 'the vault was locked');
    }
    k = { priv, pub, curve };
    s.privs.set(keyId, k);
  }
  return k;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

function checkKeyId(keyId: unknown): string {
  if (typeof keyId !== 'string' || !VAULT_KEY_ID.test(keyId)) throw new VaultkeyError('INVALID_ARGUMENT', 'not a key id of this vault');
  return keyId;
}

/**
 * Version N of an HD key works at BIP-44 account N-1 by default (issue 7:
 * "for HD keys rotation moves to the next account"). Deriving it from the id,
 * which is the AES-GCM AAD of the key's records, means the offset cannot be
 * changed on disk without failing authentication.
 */
function accountOffset(keyId: string): number {
  const m = VAULT_KEY_ID.exec(keyId);
  return m?.[1] ? Number(m[1]) - 1 : 0;
}

function checkCurve(c: unknown): KeyCurve {
  if (c === undefined) return 'secp256k1';
  if (c !== 'secp256k1' && c !== 'ed25519') throw new VaultkeyError('INVALID_ARGUMENT', "curve must be 'secp256k1' or 'ed25519'");
  return c;
}

const CHAINS: Record<ChainName, { purpose: number; coin: number; format: AddressFormat; network: Network; curve: KeyCurve }> = {
  ethereum: { purpose: 44, coin: 60, format: 'ethereum', network: 'mainnet', curve: 'secp256k1' },
  bitcoin: { purpose: 84, coin: 0, format: 'p2wpkh', network: 'mainnet', curve: 'secp256k1' },
  'bitcoin-legacy': { purpose: 44, coin: 0, format: 'p2pkh', network: 'mainnet', curve: 'secp256k1' },
  'bitcoin-nested-segwit': { purpose: 49, coin: 0, format: 'p2sh-p2wpkh', network: 'mainnet', curve: 'secp256k1' },
  'bitcoin-taproot': { purpose: 86, coin: 0, format: 'p2tr', network: 'mainnet', curve: 'secp256k1' },
  'bitcoin-testnet': { purpose: 84, coin: 1, format: 'p2wpkh', network: 'testnet', curve: 'secp256k1' },
  solana: { purpose: 44, coin: 501, format: 'solana', network: 'mainnet', curve: 'ed25519' },
};

function chainPath(chain: ChainName, index: number, o: AddressOptions, offset = 0): string {
  const c = CHAINS[chain];
  const account = o.account ?? offset;
  const change = o.change ?? 0;
  for (const [n, v] of [['index', index], ['account', account]] as const) {
    if (!Number.isInteger(v) || v < 0 || v >= 0x80000000) throw new VaultkeyError('INVALID_PATH', `${n} must be an integer in [0, 2^31)`);
  }
  if (change !== 0 && change !== 1) throw new VaultkeyError('INVALID_PATH', 'change must be 0 or 1');
  // Solana wallets (Phantom, Solflare) use m/44'/501'/index'/0': SLIP-0010 Ed25519 is hardened-only.
  // Solana's account is the index position, so a rotated version moves it instead.
  if (c.curve === 'ed25519') return `m/44'/501'/${index + offset}'/${change}'`;
  return `m/${c.purpose}'/${c.coin}'/${account}'/${change}/${index}`;
}

function defaultPath(curve: KeyCurve, offset = 0): string {
  return curve === 'ed25519' ? `m/44'/501'/${offset}'/0'` : `m/44'/60'/${offset}'/0/0`;
}

/** Runs `fn` with the private key of `keyId` (HD: derived at `path`); the derived key is wiped afterwards. */
async function withPrivateKey<T>(keyId: string, o: SignOptions, fn: (priv: Uint8Array, pub: Uint8Array, curve: KeyCurve, path: string | null) => T): Promise<T> {
  const s = need();
  checkKeyId(keyId);
  const rec = await secretRecord(keyId);
  await init();
  if (rec.kind === 'privateKey') {
    const { priv, pub, curve } = await importedOf(s, keyId);
    return fn(priv, pub, curve, null);
  }
  if (rec.kind !== 'seed') throw new VaultkeyError('INVALID_ARGUMENT', 'not a signing key');
  const curve = checkCurve(o?.curve);
  const path = o?.path ?? defaultPath(curve, accountOffset(keyId));
  if (typeof path !== 'string') throw new VaultkeyError('INVALID_PATH', 'path must be a string');
  const key = (await rootOf(s, keyId, curve)).derive(path);
  try {
    if (!key.privateKey) throw new VaultkeyError('INVALID_KEY', 'no private key at this path');
    return fn(key.privateKey, key.publicKey, curve, path);
  } finally {
    key.wipe();
  }
}

const enc = new TextEncoder();

async function storeKeys(entries: { recs: SecretRecord[] }[]): Promise<void> {
  await exclusive(async () => {
    const d = await db();
    if (!(await d.get(STORES.meta, 'vault'))) throw new VaultkeyError('NOT_FOUND', 'the vault no longer exists');
    // One transaction for every record of the batch: all of them or none.
    await write([STORES.secrets], (tx) => entries.flatMap((e) => e.recs.map((r) => tx.objectStore(STORES.secrets).add(r))));
  });
}

async function sealSecret(s: Session, kind: SecretRecord['kind'], id: string, keyId: string, meta: Partial<SecretRecord>, plaintext: Uint8Array): Promise<SecretRecord> {
  try {
    const { iv, ct } = await encryptSecret(s.dek, kind, id, RECORD_FORMAT, plaintext);
    return { id, kind, v: RECORD_FORMAT, keyId, createdAt: Date.now(), label: meta.label ?? '', ...meta, iv, ct };
  } finally {
    plaintext.fill(0);
  }
}

async function addMnemonic(mnemonic: string, bip39Passphrase: string, lbl: string): Promise<KeyInfo> {
  const s = need();
  await init();
  const seed = await mnemonicToSeed(mnemonic, bip39Passphrase);
  const keyId = randomId('k_');
  const recs = [
    await sealSecret(s, 'seed', keyId, keyId, { label: lbl, hasMnemonic: true }, seed),
    await sealSecret(s, 'mnemonic', `${keyId}#mnemonic`, keyId, { label: lbl }, enc.encode(mnemonic.normalize('NFKD'))),
  ];
  await storeKeys([{ recs }]);
  await notifyChange();
  return keyInfo(recs[0]!);
}

/** A uniformly random secp256k1 private key (rejection sampling: a candidate outside [1, n-1] is discarded, p < 2^-127). */
function randomSecpKey(): Uint8Array {
  for (;;) {
    const k = randomBytes(32);
    if (secp256k1.isValidPrivateKey(k)) return k;
    k.fill(0);
  }
}

/** Deletes a key's secret and account records in one transaction and forgets its cached plaintext. */
async function deleteKey(keyId: string): Promise<void> {
  await exclusive(async () => {
    const d = await db();
    const tx = d.transaction([STORES.secrets, STORES.accounts], 'readwrite', STRICT);
    const ids = await tx.objectStore(STORES.secrets).index('keyId').getAllKeys(keyId);
    const accts = await tx.objectStore(STORES.accounts).index('keyId').getAllKeys(keyId);
    await Promise.all([...ids.map((id) => tx.objectStore(STORES.secrets).delete(id)), ...accts.map((id) => tx.objectStore(STORES.accounts).delete(id))]);
    await tx.done;
  });
  forget(keyId);
  await notifyChange();
}

/** Zeroes and drops the session's cached plaintext of a key (seed, roots, private key). */
function forget(keyId: string): void {
  const s = session;
  if (!s) return;
  s.seeds.get(keyId)?.fill(0);
  s.seeds.delete(keyId);
  s.privs.get(keyId)?.priv.fill(0);
  s.privs.delete(keyId);
  for (const c of ['secp256k1', 'ed25519']) {
    s.roots.get(`${keyId}/${c}`)?.wipe();
    s.roots.delete(`${keyId}/${c}`);
  }
}

/** Word count of an HD key's stored mnemonic (to give its emergency successor the same strength). */
async function mnemonicLength(s: Session, keyId: string): Promise<number> {
  const raw = (await (await db()).get(STORES.secrets, `${keyId}#mnemonic`)) as SecretRecord | undefined;
  if (!raw) return 24;
  const bytes = await decryptSecret(s.dek, raw, 'mnemonic');
  let words = 1;
  // Branch-free count of spaces (0x20): ((b ^ 0x20) - 1) is negative only when b is a space.
  for (const b of bytes) words += ((b ^ 0x20) - 1) >>> 31;
  bytes.fill(0);
  return words;
}

async function notifyChange(): Promise<void> {
  void notify?.({ type: 'change' });
}

async function listKeys(): Promise<KeyInfo[]> {
  const all = (await (await db()).getAll(STORES.secrets)) as SecretRecord[];
  return all.filter((r) => r && (r.kind === 'seed' || r.kind === 'privateKey')).map(keyInfo).sort((a, b) => a.createdAt - b.createdAt);
}

async function status(): Promise<VaultStatus> {
  const d = await db();
  const meta = (await d.get(STORES.meta, 'vault')) as MetaRecord | undefined;
  if (meta && meta.v > RECORD_FORMAT) throw new VaultkeyError('SCHEMA_TOO_NEW', 'this vault was written by a newer vaultkey');
  const methods = ((await d.getAll(STORES.methods)) as MethodRecord[]).map(methodInfo);
  return {
    state: !meta ? 'empty' : session ? 'unlocked' : 'locked',
    vaultId: meta?.vaultId ?? null,
    methods,
    keys: meta ? await listKeys() : [],
    retryAfterMs: await retryAfter(),
  };
}

function accountId(keyId: string, a: AccountSpec): string {
  return `${keyId}/${a.purpose}/${a.coinType}/${a.account ?? 0}`;
}

// ---- the service ----

export const vaultService = {
  /** Binds this worker to one vault; `onEvent` (a comlink proxy) hears about idle locks and changes. */
  async open(name: string, options: { autoLockMs?: number } = {}, onEvent?: (e: VaultEvent) => unknown): Promise<VaultStatus> {
    checkName(name);
    if (vaultName !== null && vaultName !== name) throw new VaultkeyError('INVALID_ARGUMENT', 'this worker already serves another vault');
    const ms = options.autoLockMs ?? autoLockMs;
    if (!Number.isInteger(ms) || ms < 0 || ms > 24 * 3600_000) throw new VaultkeyError('INVALID_ARGUMENT', 'autoLockMs must be an integer in [0, 86400000] (0 = never)');
    autoLockMs = ms;
    vaultName = name;
    handle ??= database(name);
    notify = onEvent;
    try {
      return await status();
    } catch (e) {
      handle.close();
      handle = null;
      vaultName = null;
      throw e;
    }
  },

  status,

  /** Creates the vault: a fresh DEK wrapped under every given method, all in one transaction. Leaves it unlocked. */
  async create(opts: { passphrase?: PassphraseEnrollment; passkey?: PasskeyMaterial }): Promise<VaultStatus> {
    if (!opts || (opts.passphrase === undefined && opts.passkey === undefined)) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'create needs a passphrase, a passkey, or both');
    }
    const dek = await newDek();
    const methods: MethodRecord[] = [];
    if (opts.passphrase !== undefined) methods.push(await passphraseMethod(dek, opts.passphrase));
    if (opts.passkey !== undefined) methods.push(await passkeyMethod(dek, opts.passkey));
    await exclusive(async () => {
      const d = await db();
      if (await d.get(STORES.meta, 'vault')) throw new VaultkeyError('ALREADY_EXISTS', 'this vault already exists');
      const meta: MetaRecord = { id: 'vault', v: RECORD_FORMAT, createdAt: Date.now(), vaultId: randomId('v_') };
      // `add` (not put) fails the whole transaction if the record appeared meanwhile.
      await write([STORES.meta, STORES.methods], (tx) => [
        tx.objectStore(STORES.meta).add(meta),
        ...methods.map((m) => tx.objectStore(STORES.methods).put(m)),
      ]);
    });
    startSession(dek);
    return status();
  },

  async unlock(proof: Proof): Promise<VaultStatus> {
    const dek = await verify(proof);
    startSession(dek);
    return status();
  },

  lock(): void {
    wipeSession();
  },

  /** Another tab changed the vault: forget cached plaintext (it is re-read and re-checked on next use). */
  async refresh(): Promise<VaultStatus> {
    if (session) {
      const dek = session.dek;
      startSession(dek);
    }
    const st = await status();
    if (st.state === 'empty') wipeSession();
    return st;
  },

  /** Adds (or replaces) the passphrase method; the secrets are not re-encrypted, only the DEK is wrapped again. */
  async setPassphrase(e: PassphraseEnrollment): Promise<MethodInfo> {
    const s = need();
    const rec = await passphraseMethod(s.dek, e);
    await exclusive(() => write([STORES.methods], (tx) => [tx.objectStore(STORES.methods).put(rec)]));
    await notifyChange();
    return methodInfo(rec);
  },

  async addPasskey(p: PasskeyMaterial): Promise<MethodInfo> {
    const s = need();
    const rec = await passkeyMethod(s.dek, p);
    await exclusive(() => write([STORES.methods], (tx) => [tx.objectStore(STORES.methods).put(rec)]));
    await notifyChange();
    return methodInfo(rec);
  },

  async removeMethod(id: string): Promise<void> {
    need();
    if (typeof id !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'method id must be a string');
    await exclusive(async () => {
      const d = await db();
      const tx = d.transaction(STORES.methods, 'readwrite', STRICT);
      const keys = await tx.store.getAllKeys();
      if (!keys.includes(id)) {
        tx.abort();
        await tx.done.catch(() => {});
        throw new VaultkeyError('NOT_FOUND', 'no such unlock method');
      }
      if (keys.length === 1) {
        tx.abort();
        await tx.done.catch(() => {});
        throw new VaultkeyError('LAST_METHOD', 'cannot remove the only unlock method (the vault would be unrecoverable)');
      }
      await tx.store.delete(id);
      await tx.done;
    });
    await notifyChange();
  },

  async createFromMnemonic(mnemonic: string, o: { bip39Passphrase?: string; label?: string } = {}): Promise<KeyInfo> {
    need();
    if (typeof mnemonic !== 'string' || !validateMnemonic(mnemonic.normalize('NFKD').trim().split(/\s+/).join(' '))) {
      throw new VaultkeyError('INVALID_MNEMONIC', 'not a valid BIP-39 mnemonic (English word list, checksum)');
    }
    const bip39Passphrase = o.bip39Passphrase ?? '';
    if (typeof bip39Passphrase !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'bip39Passphrase must be a string');
    return addMnemonic(mnemonic.normalize('NFKD').trim().split(/\s+/).join(' '), bip39Passphrase, label(o.label, 'HD wallet'));
  },

  /** A new random mnemonic made and kept in the worker; back it up with exportMnemonic. */
  async generate(o: { strength?: 128 | 160 | 192 | 224 | 256; label?: string } = {}): Promise<KeyInfo> {
    need();
    return addMnemonic(generateMnemonic(o.strength ?? 128), '', label(o.label, 'HD wallet'));
  },

  /** Imports raw private keys in one transaction (all or none). Zeroes the arrays it received. */
  async importKeys(list: { privateKey: Uint8Array; curve?: KeyCurve; label?: string }[]): Promise<KeyInfo[]> {
    const s = need();
    if (!Array.isArray(list) || list.length === 0 || list.length > 10_000) throw new VaultkeyError('INVALID_ARGUMENT', 'importKeys takes 1 to 10000 keys');
    await init();
    const entries: { recs: SecretRecord[] }[] = [];
    try {
      for (const k of list) {
        assertBytes(k?.privateKey, 'privateKey', 32);
        const curve = checkCurve(k.curve);
        if (curve === 'secp256k1' && !secp256k1.isValidPrivateKey(k.privateKey)) throw new VaultkeyError('INVALID_KEY', 'private key is not in [1, n-1]');
        const publicKey = curve === 'secp256k1' ? secp256k1.getPublicKey(k.privateKey, true) : ed25519.getPublicKey(k.privateKey);
        const keyId = randomId('k_');
        entries.push({ recs: [await sealSecret(s, 'privateKey', keyId, keyId, { label: label(k.label, 'Imported key'), curve, publicKey }, k.privateKey.slice())] });
      }
    } finally {
      for (const k of list) if (k?.privateKey instanceof Uint8Array) k.privateKey.fill(0);
    }
    await storeKeys(entries);
    await notifyChange();
    return entries.map((e) => keyInfo(e.recs[0]!));
  },

  keys: listKeys,

  async removeKey(keyId: string): Promise<void> {
    need();
    await deleteKey(checkKeyId(keyId));
  },

  /**
   * Successor of `oldKeyId` for a rotation (the lifecycle's rotateKey hook), under the
   * versioned id the lifecycle chose. HD keys: the same seed and mnemonic, re-encrypted
   * under the new id, whose default account is one further (see accountOffset); after a
   * security event (emergency rotation) a fresh mnemonic of the same length instead, as
   * the old seed must be presumed known. Imported keys: a new random key on the same
   * curve. Idempotent: if the successor exists, its info is returned.
   */
  async rotateSecret(oldKeyId: string, newKeyId: string, o: { fresh?: boolean } = {}): Promise<KeyInfo & { defaultPath: string | null; defaultPublicKey: Uint8Array }> {
    const s = need();
    checkKeyId(oldKeyId);
    checkKeyId(newKeyId);
    const base = oldKeyId.replace(/-v\d+$/, '');
    if (!newKeyId.startsWith(`${base}-v`) || accountOffset(newKeyId) <= accountOffset(oldKeyId)) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'the successor id must be a later version of the same key');
    }
    const existing = (await (await db()).get(STORES.secrets, newKeyId)) as SecretRecord | undefined;
    if (!existing) {
      const old = await secretRecord(oldKeyId);
      await init();
      let recs: SecretRecord[];
      if (old.kind === 'seed') {
        if (o.fresh) {
          const words = old.hasMnemonic ? await mnemonicLength(s, oldKeyId) : 24;
          const strength = ({ 12: 128, 15: 160, 18: 192, 21: 224, 24: 256 } as const)[words as 12] ?? 256;
          const mnemonic = generateMnemonic(strength);
          const seed = await mnemonicToSeed(mnemonic, '');
          recs = [
            await sealSecret(s, 'seed', newKeyId, newKeyId, { label: old.label, hasMnemonic: true }, seed),
            await sealSecret(s, 'mnemonic', `${newKeyId}#mnemonic`, newKeyId, { label: old.label }, enc.encode(mnemonic)),
          ];
        } else {
          recs = [await sealSecret(s, 'seed', newKeyId, newKeyId, { label: old.label, hasMnemonic: old.hasMnemonic === true }, (await seedOf(s, oldKeyId)).slice())];
          const m = (await (await db()).get(STORES.secrets, `${oldKeyId}#mnemonic`)) as SecretRecord | undefined;
          if (m) recs.push(await sealSecret(s, 'mnemonic', `${newKeyId}#mnemonic`, newKeyId, { label: old.label }, await decryptSecret(s.dek, m, 'mnemonic')));
        }
      } else {
        const { curve } = await importedOf(s, oldKeyId);
        const priv = curve === 'secp256k1' ? randomSecpKey() : randomBytes(32);
        const publicKey = curve === 'secp256k1' ? secp256k1.getPublicKey(priv, true) : ed25519.getPublicKey(priv);
        recs = [await sealSecret(s, 'privateKey', newKeyId, newKeyId, { label: old.label, curve, publicKey }, priv)];
      }
      await storeKeys([{ recs }]);
      await notifyChange();
    }
    const rec = await secretRecord(newKeyId);
    const info = keyInfo(rec);
    if (rec.kind === 'privateKey') return { ...info, defaultPath: null, defaultPublicKey: (await importedOf(s, newKeyId)).pub.slice() };
    const path = defaultPath('secp256k1', accountOffset(newKeyId));
    const key = (await rootOf(s, newKeyId, 'secp256k1')).derive(path);
    try {
      return { ...info, defaultPath: path, defaultPublicKey: key.publicKey.slice() };
    } finally {
      key.wipe();
    }
  },

  /** Deletes every record of a key (the lifecycle's destroySecret hook). Idempotent. */
  async destroySecret(keyId: string): Promise<void> {
    need();
    await deleteKey(checkKeyId(keyId));
  },

  /**
   * The keys the page needs for the audit chain and the principal records:
   * HMAC-SHA256 CryptoKeys derived from the DEK by HKDF (docs/security.md),
   * non-extractable, so the page can use them but never read them. A page
   * that can call this already holds an unlocked vault.
   */
  async governanceKeys(): Promise<{ audit: CryptoKey; principals: CryptoKey }> {
    const s = need();
    return { audit: await deriveAuditKey(s.dek), principals: await derivePrincipalKey(s.dek) };
  },

  /** Verifies a signature made by `keyId` (same path/curve options as sign). */
  async verifySignature(keyId: string, digest: Uint8Array, signature: Uint8Array, o: SignOptions = {}): Promise<boolean> {
    assertBytes(digest, 'digest');
    assertBytes(signature, 'signature');
    return withPrivateKey(keyId, o, (_priv, pub, curve) => {
      if (curve === 'ed25519') return signature.length === 64 && ed25519.verify(signature, digest, pub);
      if (digest.length !== 32) throw new VaultkeyError('INVALID_LENGTH', 'secp256k1 verifies 32-byte digests');
      return signature.length === 64 && secp256k1.verify(signature, digest, pub);
    });
  },

  /**
   * Fresh verification (passphrase again, or a new passkey PRF output); throws
   * if wrong. It also arms one export (exportMnemonic / exportSlip39 without a
   * proof) for FRESH_MS, so one user gesture is asked for once.
   */
  async checkProof(proof: Proof): Promise<void> {
    fresh = { dek: await verify(proof), until: Date.now() + FRESH_MS };
  },

  /** Signs a 32-byte digest (secp256k1: ECDSA RFC 6979, low-S) or a message (ed25519: RFC 8032). */
  async sign(keyId: string, digest: Uint8Array, o: SignOptions = {}): Promise<SignResult> {
    assertBytes(digest, 'digest');
    return withPrivateKey(keyId, o, (priv, pub, curve, path) => {
      if (curve === 'ed25519') return { signature: ed25519.sign(digest, priv), publicKey: pub.slice(), path };
      if (digest.length !== 32) throw new VaultkeyError('INVALID_LENGTH', 'secp256k1 signs 32-byte digests');
      const { signature, recovery } = secp256k1.sign(digest, priv);
      return { signature, recovery, publicKey: pub.slice(), path };
    });
  },

  /**
   * secp256k1: EIP-191 personal_sign (keccak256("\x19Ethereum Signed Message:\n" + len + message)),
   * 65-byte r || s || v with v = 27 + recovery. ed25519: the message itself (RFC 8032).
   */
  async signMessage(keyId: string, message: Uint8Array | string, o: SignOptions = {}): Promise<SignResult & { digest?: Uint8Array; address?: string }> {
    const msg = typeof message === 'string' ? enc.encode(message) : message;
    assertBytes(msg, 'message');
    return withPrivateKey(keyId, o, (priv, pub, curve, path) => {
      if (curve === 'ed25519') return { signature: ed25519.sign(msg, priv), publicKey: pub.slice(), path };
      const prefix = enc.encode(`\x19Ethereum Signed Message:\n${msg.length}`);
      const data = new Uint8Array(prefix.length + msg.length);
      data.set(prefix);
      data.set(msg, prefix.length);
      const digest = keccak_256(data);
      const { signature, recovery } = secp256k1.sign(digest, priv);
      const sig65 = new Uint8Array(65);
      sig65.set(signature);
      sig65[64] = 27 + recovery;
      return { signature: sig65, recovery, publicKey: pub.slice(), path, digest, address: addressOf(pub, 'ethereum') };
    });
  },

  /** The address of an HD key on a chain (BIP-44/49/84/86 path from chain, account, change, index), or of an imported key. */
  async getAddress(keyId: string, chain: ChainName, index = 0, o: AddressOptions = {}): Promise<AddressResult> {
    const s = need();
    checkKeyId(keyId);
    const c = CHAINS[chain as ChainName];
    if (!c || !Object.prototype.hasOwnProperty.call(CHAINS, chain)) throw new VaultkeyError('INVALID_ARGUMENT', `unknown chain; use one of ${Object.keys(CHAINS).join(', ')}`);
    const rec = await secretRecord(keyId);
    await init();
    if (rec.kind === 'privateKey') {
      const { pub, curve } = await importedOf(s, keyId);
      if (curve !== c.curve) throw new VaultkeyError('INVALID_ARGUMENT', `this key is not a ${c.curve} key`);
      return { chain, address: addressOf(pub, c.format, c.network), path: null, publicKey: pub.slice() };
    }
    const path = chainPath(chain, index, o ?? {}, accountOffset(keyId));
    const key = (await rootOf(s, keyId, c.curve)).derive(path);
    try {
      return { chain, address: addressOf(key.publicKey, c.format, c.network), path, publicKey: key.publicKey.slice() };
    } finally {
      key.wipe();
    }
  },

  /** Extended public key (xpub) at `path` of an HD key (secp256k1, BIP-32). */
  async deriveXpub(keyId: string, path: string): Promise<string> {
    const s = need();
    checkKeyId(keyId);
    if (typeof path !== 'string') throw new VaultkeyError('INVALID_PATH', 'path must be a string');
    const key = (await rootOf(s, keyId, 'secp256k1')).derive(path);
    try {
      return key.publicExtendedKey;
    } finally {
      key.wipe();
    }
  },

  /**
   * Issues the next address of a BIP-44/49/84/86 account and persists the
   * account's indices in the vault (Account.toJSON state: xpub, next, used).
   * The stored xpub is public and unauthenticated on disk, so it is checked
   * against the seed (once per session) before any address is derived from
   * it: a swapped xpub would hand out someone else's receive addresses.
   * Hence this needs the vault unlocked.
   */
  async nextAddress(keyId: string, spec: AccountSpec, chain: Chain = 0) {
    checkKeyId(keyId);
    if (!spec || typeof spec !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'account spec { purpose, coinType, account } is required');
    const s = need();
    return exclusive(async () => {
      const d = await db();
      const id = accountId(keyId, spec);
      const rec = (await d.get(STORES.accounts, id)) as AccountRecord | undefined;
      await init();
      const fresh = Account.fromRoot(await rootOf(s, keyId, 'secp256k1'), spec);
      let acct = fresh;
      if (rec) {
        const state = rec.state as AccountState;
        if (!state || typeof state !== 'object' || state.xpub !== fresh.xpub || state.purpose !== fresh.purpose
          || state.coinType !== fresh.coinType || state.account !== fresh.account) {
          throw new VaultkeyError('CORRUPTED', 'a stored account does not match this key (its xpub or path was changed)');
        }
        try {
          acct = Account.fromState(state);
        } catch {
          throw new VaultkeyError('CORRUPTED', 'a stored account record is malformed');
        }
      }
      const a = acct.next(chain);
      const next: AccountRecord = { id, keyId, state: acct.toJSON(), updatedAt: Date.now() };
      await write([STORES.accounts], (tx) => [tx.objectStore(STORES.accounts).put(next)]);
      return a;
    });
  },

  async markUsed(keyId: string, spec: AccountSpec, chain: Chain, index: number): Promise<AccountState> {
    checkKeyId(keyId);
    if (!spec || typeof spec !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'account spec { purpose, coinType, account } is required');
    return exclusive(async () => {
      const d = await db();
      const id = accountId(keyId, spec);
      const rec = (await d.get(STORES.accounts, id)) as AccountRecord | undefined;
      if (!rec) throw new VaultkeyError('NOT_FOUND', 'no such account; call nextAddress first');
      await init();
      let acct: Account;
      try {
        acct = Account.fromState(rec.state as AccountState);
      } catch {
        throw new VaultkeyError('CORRUPTED', 'a stored account record is malformed');
      }
      acct.markUsed(chain, index);
      const state = acct.toJSON();
      await write([STORES.accounts], (tx) => [tx.objectStore(STORES.accounts).put({ ...rec, state, updatedAt: Date.now() })]);
      return state;
    });
  },

  /** Stored account states (public; as on disk: nextAddress checks them against the seed before use). */
  async accounts(keyId: string): Promise<AccountState[]> {
    checkKeyId(keyId);
    const recs = (await (await db()).getAllFromIndex(STORES.accounts, 'keyId', keyId)) as AccountRecord[];
    return recs.map((r) => r.state as AccountState);
  },

  /**
   * The mnemonic of an HD key, after fresh verification: the proof re-derives
   * a KEK and unwraps the DEK from disk again, whatever the lock state.
   */
  async exportMnemonic(keyId: string, proof?: Proof): Promise<string> {
    checkKeyId(keyId);
    const dek = proof === undefined ? consumeFresh() : await verify(proof);
    const raw = (await (await db()).get(STORES.secrets, `${keyId}#mnemonic`)) as SecretRecord | undefined;
    if (!raw) throw new VaultkeyError('NOT_FOUND', 'this key has no mnemonic in the vault');
    const bytes = await decryptSecret(dek, raw, 'mnemonic');
    try {
      return new TextDecoder().decode(bytes);
    } finally {
      bytes.fill(0);
    }
  },

  close(): void {
    wipeSession();
    handle?.close();
    handle = null;
    vaultName = null;
    notify = undefined;
  },
};

export type VaultService = typeof vaultService;

/**
 * For worker/backup.ts only (same worker, same vault): the pieces it needs to
 * read and write secrets without a second copy of the record logic.
 */
export const vaultInternals = {
  need, db, exclusive, write, secretRecord, sealSecret, importedOf, seedOf, checkKeyId, deleteKey, forget, notifyChange, storeKeys, consumeFresh,
  defaultPath, accountOffset, label, sameBytes,
  vaultId: async () => ((await (await db()).get(STORES.meta, 'vault')) as MetaRecord | undefined)?.vaultId ?? null,
  STRICT,
};
