// The vault this worker serves and its unlocked session. One Keystore spawns
// one dedicated worker, so this module's state is that vault's.
//
// Key hierarchy (docs/vault.md):
//   method KEK --wraps--> vault key RK --encrypts--> keyring = { data key DEK, record MAC key, audit chain key }
//   DEK --encrypts--> secrets
// RK changes when the set of unlock methods changes (so an old method record
// opens nothing current); DEK changes when a key is removed (so an old secret
// record decrypts under nothing current).
import { VaultkeyError } from '../../src/errors.js';
import type { HDKey } from '../../src/hd/hdkey.js';
import { STORES, type KeyCurve } from '../../src/vault/format.js';
import type { PageRequest, Proof, VaultEvent } from '../../src/vault/contract.js';
import { checkName, database, type DbHandle, type VaultDB } from '../../src/vault/db.js';

export interface Session {
  rk: CryptoKey;
  dek: CryptoKey;
  /** HMAC-SHA256 key for every stored record and the manifest (raw bytes, zeroed at lock). */
  macKey: Uint8Array;
  /** HMAC-SHA256 key of the audit chain (same derivation as earlier releases, so old chains verify). */
  auditKey: Uint8Array;
  seeds: Map<string, Uint8Array>;
  roots: Map<string, HDKey>;
  /** Imported keys, with the public key recomputed from the private key. */
  privs: Map<string, { priv: Uint8Array; pub: Uint8Array; curve: KeyCurve }>;
  /** HD keys: the default BIP-44 account and the retired ones, read from the key's authenticated lifecycle record (keys.ts). */
  scopes: Map<string, { account: number; retired: number[] }>;
}

interface Binding {
  name: string;
  handle: DbHandle;
  autoLockMs: number;
  notify?: (e: VaultEvent) => unknown;
  ask?: (r: PageRequest) => Promise<Proof | null>;
  /** Forward-only test clock (see OpenOptions.clock). */
  pageClock: boolean;
}

let binding: Binding | null = null;
let session: Session | null = null;
let idleTimer: ReturnType<typeof setTimeout> | undefined;
let clockFloor = 0;
const lockListeners = new Set<() => void>();

export function bind(name: string, o: { autoLockMs: number; pageClock: boolean }, notify?: Binding['notify'], ask?: Binding['ask']): void {
  checkName(name);
  if (binding && binding.name !== name) throw new VaultkeyError('INVALID_ARGUMENT', 'this worker already serves another vault');
  binding = { name, handle: binding?.handle ?? database(name), autoLockMs: o.autoLockMs, notify, ask, pageClock: o.pageClock };
}

export function unbind(): void {
  wipe();
  binding?.handle.close();
  binding = null;
}

export function vaultName(): string {
  if (!binding) throw new VaultkeyError('NOT_INITIALIZED', 'open the keystore first');
  return binding.name;
}

export function db(): Promise<VaultDB> {
  if (!binding) throw new VaultkeyError('NOT_INITIALIZED', 'open the keystore first');
  return binding.handle.get();
}

/** The worker's clock: real time, or the page's test clock when it is later (never earlier). */
export function now(): number {
  return Math.max(Date.now(), clockFloor);
}

export function advanceClock(t: unknown): void {
  if (binding?.pageClock && typeof t === 'number' && Number.isSafeInteger(t) && t > clockFloor) clockFloor = t;
}

export function emit(e: VaultEvent): void {
  void Promise.resolve(binding?.notify?.(e)).catch(() => {
    // The page went away (closed tab, ended proxy): nobody is left to tell.
  });
}

/** Asks the page for a ceremony it alone can run; null when it cannot. */
export async function askPage(r: PageRequest): Promise<Proof | null> {
  const ask = binding?.ask;
  if (!ask) return null;
  return (await ask(r)) ?? null;
}

/** Whether this vault has been created (its 'vault' meta row exists, in every record format). */
export async function exists(): Promise<boolean> {
  return (await (await db()).get(STORES.meta, 'vault')) !== undefined;
}

export function current(): Session | null {
  return session;
}

/** The unlocked session, or LOCKED. Every use resets the idle timer. */
export function need(): Session {
  if (!session) throw new VaultkeyError('LOCKED', 'the vault is locked');
  touch();
  return session;
}

export function touch(): void {
  clearTimeout(idleTimer);
  const ms = binding?.autoLockMs ?? 0;
  if (session && ms > 0) {
    idleTimer = setTimeout(() => {
      wipe();
      emit({ type: 'lock', reason: 'idle' });
    }, ms);
  }
}

export function start(s: Omit<Session, 'seeds' | 'roots' | 'privs' | 'scopes'>): Session {
  wipe();
  session = { ...s, seeds: new Map(), roots: new Map(), privs: new Map(), scopes: new Map() };
  touch();
  return session;
}

/** Replaces the data key (after a DEK rotation): cached plaintext stays valid, it did not change. */
export function setDek(dek: CryptoKey): void {
  if (session) session.dek = dek;
}

/** After a re-key: the new vault key and record MAC key (the audit chain key stays: it signs history). */
export function setRootKeys(rk: CryptoKey, macKey: Uint8Array): void {
  if (!session) return;
  session.macKey.fill(0);
  session.rk = rk;
  session.macKey = macKey;
}

export function onLock(f: () => void): void {
  lockListeners.add(f);
}

/** Zeroes every secret the session holds and forgets it. */
export function wipe(): void {
  clearTimeout(idleTimer);
  const s = session;
  session = null;
  if (!s) return;
  for (const seed of s.seeds.values()) seed.fill(0);
  for (const root of s.roots.values()) root.wipe();
  for (const k of s.privs.values()) k.priv.fill(0);
  s.seeds.clear();
  s.roots.clear();
  s.privs.clear();
  s.scopes.clear();
  s.macKey.fill(0);
  s.auditKey.fill(0);
  // RK and DEK are CryptoKeys: their bytes live in the browser's crypto
  // implementation; dropping the last reference is all JS can do.
  for (const f of lockListeners) f();
}

/** Zeroes and drops the cached plaintext of one key (seed, roots, private key). */
export function forget(keyId: string): void {
  const s = session;
  if (!s) return;
  s.seeds.get(keyId)?.fill(0);
  s.seeds.delete(keyId);
  s.privs.get(keyId)?.priv.fill(0);
  s.privs.delete(keyId);
  s.scopes.delete(keyId);
  for (const c of ['secp256k1', 'ed25519']) {
    s.roots.get(`${keyId}/${c}`)?.wipe();
    s.roots.delete(`${keyId}/${c}`);
  }
}
