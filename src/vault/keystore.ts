// Keystore: the page-side facade of a vault. It owns no secret. Every
// operation on keys goes to a dedicated vault worker (worker/vault.ts) which
// unwraps the data key and keeps seeds and private keys; the page receives
// key ids, public keys, addresses, xpubs and signatures.
//
// The page's own jobs are the ones only a window can do: WebAuthn ceremonies
// (src/vault/passkey.ts), `navigator.storage.persist()`, `pagehide`, and
// telling other tabs about lock/unlock/changes over a BroadcastChannel (the
// workers of all tabs serialise their writes with Web Locks).
import { proxy, transfer, type Remote } from 'comlink';
import { VaultkeyError } from '../errors.js';
import { installed } from '../worker/protocol.js';
import { spawnWorker, type Spawned } from '../worker/spawn.js';
import type { WorkerApi } from '../../worker/api.js';
import type {
  AccountSpec, AddressOptions, AddressResult, ChainName, PassphraseEnrollment, SignOptions, SignResult, VaultEvent, VaultService, VaultState, VaultStatus,
} from '../../worker/vault.js';
import type { AccountAddress, AccountState, Chain } from '../hd/accounts.js';
import { assertPrf, createPasskey, type PasskeyMaterial, type PasskeyOptions } from './passkey.js';
import { HARDWARE_KEY_ID, VAULT_KEY_ID, fromB64url, randomId, type KeyCurve, type KeyInfo, type MethodInfo } from './format.js';
import { fromHex, toHex } from '../security/canonical.js';
import type { KdfChoice } from './crypto.js';
import { Governance, type LifecycleOptions, type SecurityOptions } from './governance.js';
import { OWNER_ID, type Session, type VerifyUser } from '../security/sessions.js';
import type { Principal } from '../security/rbac.js';
import type { AuditQuery, AuditReport, AuditVerification } from '../security/audit.js';
import type { Json } from '../security/canonical.js';
import type { LifecycleRecord } from '../lifecycle/states.js';
import type { LifecycleReport } from '../lifecycle/manager.js';
import type { CompromiseEvent, Indicator, Severity } from '../lifecycle/detector.js';
import type { LifecyclePolicy } from '../lifecycle/policy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { BackupSecret, BackupService, RestoreOptions, RestoreResult } from '../../worker/backup.js';
import type { BackupSummary } from '../backup/file.js';
import type { KdfParams as BackupKdfParams } from '../backup/format.js';
import type { SplitOptions as Slip39SplitOptions } from '../backup/slip39.js';

void installed;

export type { AccountSpec, AddressOptions, AddressResult, ChainName, SignOptions, SignResult, VaultState, VaultStatus, KdfChoice, KeyInfo, MethodInfo, KeyCurve, PasskeyOptions };
export type { SecurityOptions, LifecycleOptions, BackupSecret, RestoreOptions, BackupSummary, BackupKdfParams, Slip39SplitOptions };

export interface KeystoreOptions {
  /** Vault name (one IndexedDB database per name): 1-64 of [A-Za-z0-9_.-]. Default 'default'. */
  name?: string;
  /** Lock after this many ms without a vault call; 0 = never. Default 5 minutes. */
  autoLockMs?: number;
  /** Lock (and end the worker, freeing its memory) on `pagehide`. Default true. */
  lockOnPagehide?: boolean;
  /** Ask for persistent storage (`navigator.storage.persist()`). Default true. */
  requestPersistence?: boolean;
  /** Defaults for passkey ceremonies (RP ID = page hostname unless given). */
  passkey?: PasskeyOptions;
  /** Access control and audit (docs/security.md). Default: one owner principal, audit on. */
  security?: SecurityOptions;
  /** Lifecycle policies, scheduler and compromise detector (docs/lifecycle.md). */
  lifecycle?: LifecycleOptions;
}

/** How to unlock, or how to prove presence again before an export. */
export type UnlockProof = { passphrase: string } | { passkey: true };

/** Sensitive operations (rotate, delete, export, backup, restore) take a fresh proof here, or use the UV window. */
export interface FreshProof {
  proof?: UnlockProof;
}

export interface UnlockOptions {
  /** The principal this session acts as (default 'owner'); see docs/security.md. */
  principalId?: string;
}

export interface ChangeOptions extends FreshProof {
  /** Recorded in the key's lifecycle history and the audit log. */
  reason?: string;
}

export interface CreateOptions {
  passphrase?: string;
  kdf?: KdfChoice;
  /** Also (or only) enroll a passkey with the PRF extension. */
  passkey?: boolean | PasskeyOptions;
}

/**
 * comlink types a nested object as a promise of its value, but at run time
 * `remote.vault.method()` is a remote call on the nested object (never await
 * `remote.vault` itself: that would ask for it by value).
 */
const vaultOf = (r: Remote<WorkerApi>) => r.vault as unknown as Remote<VaultService>;
const backupOf = (r: Remote<WorkerApi>) => r.backup as unknown as Remote<BackupService>;

/** A progress callback crosses to the worker as a comlink proxy. */
const progress = (f: ((x: number) => void) | undefined) => {
  if (f !== undefined && typeof f !== 'function') throw new VaultkeyError('INVALID_ARGUMENT', 'onProgress must be a function');
  return f ? proxy(f) : undefined;
};

type Msg = { vault: string; from: string; type: 'lock' | 'unlock' | 'change' };

export interface KeystoreEventDetail {
  reason?: 'manual' | 'idle' | 'remote' | 'pagehide' | 'compromise';
  remote?: boolean;
}

export class Keystore extends EventTarget {
  readonly name: string;
  #opts: KeystoreOptions;
  #w: Spawned | null = null;
  #ready: Promise<VaultStatus> | null = null;
  #status: VaultStatus;
  #persisted: boolean | null = null;
  #channel: BroadcastChannel | null = null;
  #tab = Math.random().toString(36).slice(2);
  #onPagehide = () => this.#pagehide();
  #closed = false;
  #gov: Governance | null = null;

  private constructor(name: string, opts: KeystoreOptions, status: VaultStatus) {
    super();
    this.name = name;
    this.#opts = opts;
    this.#status = status;
  }

  /** Opens (without creating) the vault `name`: spawns its worker, opens the database, asks for persistent storage. */
  static async open(options: KeystoreOptions = {}): Promise<Keystore> {
    if (typeof indexedDB === 'undefined' || typeof Worker === 'undefined') {
      throw new VaultkeyError('UNSUPPORTED', 'the vault needs a browser with IndexedDB and Web Workers');
    }
    const name = options.name ?? 'default';
    const ks = new Keystore(name, options, { state: 'empty', vaultId: null, methods: [], keys: [], retryAfterMs: 0 });
    await ks.#remote();
    if (options.requestPersistence !== false) await ks.requestPersistence();
    if (typeof BroadcastChannel !== 'undefined') {
      ks.#channel = new BroadcastChannel(`vaultkey:${name}`);
      ks.#channel.onmessage = (e) => void ks.#onMessage(e.data as Msg);
    }
    if (options.lockOnPagehide !== false && typeof addEventListener === 'function') addEventListener('pagehide', ks.#onPagehide);
    ks.#gov = await Governance.open(name, ks, {
      rotateSecret: async (oldKeyId, newKeyId, fresh) => {
        const r = await vaultOf(await ks.#remote()).rotateSecret(oldKeyId, newKeyId, { fresh });
        return {
          algorithm: r.type === 'hd' ? 'bip32' : r.curve ?? 'secp256k1',
          fingerprint: fingerprintOf(r.defaultPublicKey),
          meta: { label: r.label, ...(r.defaultPath ? { path: r.defaultPath } : {}), ...(fresh ? { freshSecret: true } : {}) },
        };
      },
      destroySecret: async (keyId) => vaultOf(await ks.#remote()).destroySecret(keyId),
    }, options.security, options.lifecycle);
    // A critical compromise event ends the session at once (the reference: "all active sessions using the key are terminated").
    ks.addEventListener('critical', () => void ks.#lockLocal('compromise').catch(() => {}));
    return ks;
  }

  /** The vault's worker, (re)started and bound to the vault on first use and after pagehide. */
  async #remote(): Promise<Remote<WorkerApi>> {
    if (this.#closed) throw new VaultkeyError('INVALID_ARGUMENT', 'this keystore was closed');
    let w = this.#w;
    let ready = this.#ready;
    const fresh = !w || !ready;
    if (!w || !ready) {
      const spawned = spawnWorker();
      w = spawned;
      this.#w = spawned;
      ready = this.#ready = (async () => {
        try {
          return await Promise.race([
            vaultOf(spawned.remote).open(this.name, { autoLockMs: this.#opts.autoLockMs }, proxy((e: VaultEvent) => this.#onWorker(e))),
            spawned.failed,
          ]);
        } catch (e) {
          spawned.terminate();
          if (this.#w === spawned) {
            this.#w = null;
            this.#ready = null;
          }
          throw e instanceof VaultkeyError ? e : new VaultkeyError('WORKER_FAILED', 'the vault worker failed to start');
        }
      })();
    }
    const st = await ready;
    if (fresh && this.#w === w) this.#status = st;
    // The root proxy (never a nested one: awaiting a nested comlink proxy would fetch it by value).
    // If pagehide ended this worker meanwhile, calls on it fail and the next one starts a new worker.
    return w.remote;
  }

  async #run<T extends VaultStatus>(p: Promise<T>): Promise<T> {
    const st = await p;
    this.#status = st;
    return st;
  }

  /** 'empty' (no vault yet), 'locked' or 'unlocked', as last seen. */
  get state(): VaultState {
    return this.#status.state;
  }

  /** Result of `navigator.storage.persist()` (null if not asked or not available). */
  get persisted(): boolean | null {
    return this.#persisted;
  }

  /** Asks the browser not to evict this origin's storage under pressure; resolves to the answer. */
  async requestPersistence(): Promise<boolean | null> {
    const storage = (globalThis.navigator as Navigator | undefined)?.storage;
    if (!storage?.persist) return (this.#persisted = null);
    try {
      this.#persisted = (await storage.persisted()) || (await storage.persist());
    } catch {
      this.#persisted = false;
    }
    return this.#persisted;
  }

  /** Fresh status from the database: state, enrolled methods, key list, back-off. */
  async status(): Promise<VaultStatus> {
    return this.#run(vaultOf(await this.#remote()).status());
  }

  /** Creates the vault with a passphrase, a passkey, or both; it is left unlocked, with an owner session. */
  async create(o: CreateOptions): Promise<VaultStatus> {
    if (!o || typeof o !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'create needs { passphrase } and/or { passkey: true }');
    const v = vaultOf(await this.#remote());
    let passkey: PasskeyMaterial | undefined;
    if (o.passkey) passkey = await createPasskey({ ...this.#opts.passkey, ...(typeof o.passkey === 'object' ? o.passkey : {}) });
    const passphrase: PassphraseEnrollment | undefined = o.passphrase !== undefined ? { passphrase: o.passphrase, kdf: o.kdf } : undefined;
    const st = await this.#run(v.create(transfer({ passphrase, passkey }, passkey ? [passkey.prf.buffer as ArrayBuffer] : [])));
    await this.#begin(v, OWNER_ID, 'vault:create');
    this.#post('unlock');
    this.#emit('unlock', {});
    return st;
  }

  /**
   * Unlocks with the passphrase or with an enrolled passkey (one WebAuthn
   * assertion with PRF), and starts a session for `principalId` (default the
   * owner). The unlock counts as a fresh user verification.
   */
  async unlock(proof: UnlockProof, o: UnlockOptions = {}): Promise<VaultStatus> {
    const principalId = o?.principalId ?? OWNER_ID;
    if (typeof principalId !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'principalId must be a string');
    const v = vaultOf(await this.#remote());
    const st = await this.#run(v.unlock(await this.#proof(v, proof)));
    try {
      await this.#begin(v, principalId, 'vault:unlock');
    } catch (e) {
      // No session (unknown or disabled principal): the vault does not stay open without one.
      await v.lock();
      this.#status = { ...this.#status, state: 'locked' };
      throw e;
    }
    this.#post('unlock');
    this.#emit('unlock', {});
    return st;
  }

  async #begin(v: Remote<VaultService>, principalId: string, operation: string): Promise<void> {
    const keys = await v.governanceKeys();
    await this.#governance().begin(keys, principalId, this.#defaultVerifyUser);
    await this.#governance().record(operation);
  }

  /**
   * Default user verification for sensitive permissions: a passkey assertion
   * with UV required, whose PRF output must unwrap the vault key in the worker
   * (so it proves the enrolled passkey, not just a flag). Vaults without a
   * passkey need `{ proof }` on the operation, or `reverify(proof)`.
   */
  readonly #defaultVerifyUser: VerifyUser = async () => {
    const v = vaultOf(await this.#remote());
    if (!(await v.status()).methods.some((m) => m.kind === 'passkey')) return false;
    await v.checkProof(await this.#proof(v, { passkey: true }));
    return true;
  };

  /** Proves the user again (passphrase or passkey): opens the UV window for sensitive permissions. */
  async reverify(proof: UnlockProof): Promise<void> {
    const v = vaultOf(await this.#remote());
    const g = this.#governance();
    if (!g.session) throw new VaultkeyError('LOCKED', 'the vault is locked');
    await v.checkProof(await this.#proof(v, proof));
    g.verified();
    await g.record('vault:reverify');
  }

  async #fresh(o: FreshProof | undefined): Promise<void> {
    if (o?.proof !== undefined) await this.reverify(o.proof);
  }

  #governance(): Governance {
    if (!this.#gov) throw new VaultkeyError('NOT_INITIALIZED', 'open the keystore with Keystore.open()');
    return this.#gov;
  }

  /** The current session (principal, expiry, last user verification), or null while locked. */
  get session(): Session | null {
    return this.#gov?.session ?? null;
  }

  async #proof(v: Remote<VaultService>, proof: UnlockProof) {
    if (proof && typeof proof === 'object' && 'passkey' in proof && proof.passkey === true) {
      const st = await v.status();
      const enrolled = st.methods.filter((m) => m.kind === 'passkey').map((m) => ({
        credentialId: fromB64url(m.credentialId!), rpId: m.rpId!, prfSalt: fromB64url(m.prfSalt!),
      }));
      const r = await assertPrf(enrolled);
      return transfer(r, [r.prf.buffer as ArrayBuffer]);
    }
    if (proof && typeof proof === 'object' && 'passphrase' in proof) return { passphrase: proof.passphrase };
    throw new VaultkeyError('INVALID_ARGUMENT', 'expected { passphrase } or { passkey: true }');
  }

  /** Locks this tab's vault (secrets zeroed in the worker, session ended) and tells the other tabs to lock too. */
  async lock(): Promise<void> {
    await this.#lockLocal('manual');
    this.#post('lock');
  }

  async #lockLocal(reason: KeystoreEventDetail['reason']): Promise<void> {
    await this.#gov?.record('vault:lock', true, { reason: reason ?? 'manual' }).catch(() => {});
    this.#gov?.end();
    if (this.#w) await vaultOf(await this.#remote()).lock();
    if (this.#status.state === 'unlocked') this.#status = { ...this.#status, state: 'locked' };
    this.#emit('lock', { reason });
  }

  // ---- unlock methods (policy:manage) ----

  /** Enrolls a passkey (WebAuthn PRF) as another unlock method. Needs the vault unlocked; secrets are not re-encrypted. */
  async addPasskey(o: PasskeyOptions = {}): Promise<MethodInfo> {
    return this.#governance().run({ permission: 'policy:manage', operation: 'vault:add-passkey' }, async () => {
      const v = vaultOf(await this.#remote());
      const m = await createPasskey({ ...this.#opts.passkey, ...o });
      return v.addPasskey(transfer(m, [m.prf.buffer as ArrayBuffer]));
    });
  }

  /** Sets or replaces the passphrase (new salt, KDF parameters as given). Needs the vault unlocked. */
  async setPassphrase(passphrase: string, kdf?: KdfChoice): Promise<MethodInfo> {
    return this.#governance().run({ permission: 'policy:manage', operation: 'vault:set-passphrase' },
      async () => vaultOf(await this.#remote()).setPassphrase({ passphrase, kdf }));
  }

  /** Removes an unlock method by id ('passphrase' or 'passkey:...'); refuses to remove the last one. */
  async removeMethod(id: string): Promise<void> {
    await this.#governance().run({ permission: 'policy:manage', operation: 'vault:remove-method' },
      async () => vaultOf(await this.#remote()).removeMethod(id));
  }

  async methods(): Promise<MethodInfo[]> {
    return (await this.status()).methods;
  }

  /** The vault's keys (public metadata: ids, labels, curves, public keys of imported keys). Readable while locked. */
  async keys(): Promise<KeyInfo[]> {
    return vaultOf(await this.#remote()).keys();
  }

  // ---- keys (key:create, key:delete) ----

  /** Stores an HD key from a BIP-39 mnemonic (English). Returns its handle. */
  async createFromMnemonic(mnemonic: string, o: { bip39Passphrase?: string; label?: string; policy?: string } = {}): Promise<KeyInfo> {
    return this.#governance().run({ permission: 'key:create', operation: 'key:create' }, async () => {
      const info = await vaultOf(await this.#remote()).createFromMnemonic(mnemonic, { bip39Passphrase: o?.bip39Passphrase, label: o?.label });
      return this.#tracked([info], o?.policy).then((l) => l[0]!);
    });
  }

  /** Generates a new mnemonic inside the worker; the page only gets the handle (back it up with exportMnemonic). */
  async generate(o: { strength?: 128 | 160 | 192 | 224 | 256; label?: string; policy?: string } = {}): Promise<KeyInfo> {
    return this.#governance().run({ permission: 'key:create', operation: 'key:create' }, async () => {
      const info = await vaultOf(await this.#remote()).generate({ strength: o?.strength, label: o?.label });
      return this.#tracked([info], o?.policy).then((l) => l[0]!);
    });
  }

  /** Imports raw private keys, all in one transaction. The arrays passed in are zeroed. */
  async importKeys(list: { privateKey: Uint8Array; curve?: KeyCurve; label?: string }[], o: { policy?: string } = {}): Promise<KeyInfo[]> {
    try {
      return await this.#governance().run({ permission: 'key:create', operation: 'key:import' }, async () => {
        const infos = await vaultOf(await this.#remote()).importKeys(list);
        return this.#tracked(infos, o?.policy);
      });
    } finally {
      if (Array.isArray(list)) for (const k of list) if (k?.privateKey instanceof Uint8Array) k.privateKey.fill(0);
    }
  }

  /** New keys get a lifecycle record (Active). If that fails the keys are removed again: no untracked key stays. */
  async #tracked(infos: KeyInfo[], policy: string | undefined): Promise<KeyInfo[]> {
    const g = this.#governance();
    const v = vaultOf(await this.#remote());
    const done: string[] = [];
    try {
      if (policy !== undefined) g.policies.get(policy);
      for (const k of infos) {
        await g.track(k.id, k.type === 'hd' ? 'hd' : 'imported', {
          algorithm: k.type === 'hd' ? 'bip32' : k.curve ?? 'secp256k1',
          ...(k.publicKey ? { fingerprint: fingerprintOf(k.publicKey) } : {}),
          meta: { label: k.label }, ...(policy !== undefined ? { policy } : {}),
        });
        done.push(k.id);
      }
    } catch (e) {
      // All or none: the secrets go; records already written are retired (the store keeps history, it deletes nothing).
      for (const k of infos) await v.destroySecret(k.id).catch(() => {});
      for (const id of done) await g.lifecycle.deactivate(id, { actor: 'system:keystore', reason: 'creation rolled back' }).catch(() => {});
      throw e;
    }
    return infos;
  }

  /**
   * Removes a key for good: its lifecycle walks the allowed edges to Destroyed
   * (deactivated -> archived -> destroyed, each in the history), and the
   * destroy step deletes the wrapped secret from IndexedDB. Sensitive (key:delete).
   */
  async removeKey(keyId: string, o: ChangeOptions = {}): Promise<void> {
    await this.#fresh(o);
    const g = this.#governance();
    await g.run({ permission: 'key:delete', keyId: checkId(keyId) }, async () => {
      await this.#ensureTracked(keyId);
      const actor = g.session!.principalId;
      const why = { actor, reason: reasonOf(o, 'removed') };
      let r = await g.lifecycle.get(keyId);
      if (r.state === 'created') r = await g.lifecycle.activate(keyId, why);
      if (['active', 'suspended', 'rotating', 'expired'].includes(r.state)) r = await g.lifecycle.deactivate(keyId, why);
      if (r.state === 'deactivated') r = await g.lifecycle.archive(keyId, why);
      if (r.state !== 'destroyed') await g.lifecycle.destroy(keyId, why);
    });
  }

  // ---- signing (key:sign) ----

  /** Signs a 32-byte digest with secp256k1 (or a message with ed25519) in the worker. */
  async sign(keyId: string, digest: Uint8Array, o: SignOptions = {}): Promise<SignResult> {
    return this.#signing(keyId, 'key:sign', o, async (v) => v.sign(keyId, digest, o));
  }

  /** EIP-191 personal message signature (65 bytes r||s||v) for secp256k1 keys; RFC 8032 for ed25519. */
  async signMessage(keyId: string, message: string | Uint8Array, o: SignOptions = {}) {
    return this.#signing(keyId, 'key:sign-message', o, async (v) => v.signMessage(keyId, message, o));
  }

  /** Lifecycle gate (Suspended/Compromised/Expired/Rotated keys refuse), sign, then count the use (rotation trigger, detector). */
  async #signing<T>(keyId: string, operation: string, o: SignOptions, fn: (v: Remote<VaultService>) => Promise<T>): Promise<T> {
    const g = this.#governance();
    const metadata: { [k: string]: Json } = typeof o?.path === 'string' && o.path.length <= 256 ? { path: o.path } : {};
    return g.run({ permission: 'key:sign', operation, keyId: checkId(keyId), metadata }, async () => {
      await this.#usable(keyId, 'sign');
      const out = await fn(vaultOf(await this.#remote()));
      await g.lifecycle.recordUsage(keyId);
      await g.detector?.recordUsage(keyId);
      return out;
    });
  }

  /**
   * Verifies a signature against a vault key (same path/curve options as sign).
   * Keys in their rotation grace period still verify. A failure counts towards
   * the detector's failed-verification indicator.
   */
  async verify(keyId: string, digest: Uint8Array, signature: Uint8Array, o: SignOptions = {}): Promise<boolean> {
    const g = this.#governance();
    return g.run({ permission: 'key:read', operation: 'key:verify', keyId: checkId(keyId) }, async () => {
      await this.#usable(keyId, 'verify');
      const ok = await vaultOf(await this.#remote()).verifySignature(keyId, digest, signature, o);
      if (!ok) await g.detector?.recordFailedVerification(keyId);
      return ok;
    });
  }

  // ---- public derivations (key:read) ----

  async getAddress(keyId: string, chain: ChainName, index = 0, o: AddressOptions = {}): Promise<AddressResult> {
    return this.#read(keyId, 'key:address', async (v) => v.getAddress(keyId, chain, index, o), { chain: String(chain).slice(0, 32) });
  }

  async deriveXpub(keyId: string, path: string): Promise<string> {
    return this.#read(keyId, 'key:xpub', async (v) => v.deriveXpub(keyId, path));
  }

  /** Next unused address of a BIP-44/49/84/86 account; the account's indices persist in the vault. */
  async nextAddress(keyId: string, account: AccountSpec, chain: Chain = 0): Promise<AccountAddress> {
    return this.#read(keyId, 'key:next-address', async (v) => v.nextAddress(keyId, account, chain));
  }

  async markUsed(keyId: string, account: AccountSpec, chain: Chain, index: number): Promise<AccountState> {
    return this.#read(keyId, 'key:mark-used', async (v) => v.markUsed(keyId, account, chain, index));
  }

  async accounts(keyId: string): Promise<AccountState[]> {
    return this.#read(keyId, 'key:accounts', async (v) => v.accounts(keyId));
  }

  async #read<T>(keyId: string, operation: string, fn: (v: Remote<VaultService>) => Promise<T>, metadata?: { [k: string]: Json }): Promise<T> {
    return this.#governance().run({ permission: 'key:read', operation, keyId: checkId(keyId), ...(metadata ? { metadata } : {}) },
      async () => fn(vaultOf(await this.#remote())));
  }

  /**
   * The mnemonic of an HD key. Requires fresh verification every time: the
   * passphrase again, or a new passkey assertion, from which the worker
   * unwraps the data key anew. Sensitive (key:export) and audited.
   */
  async exportMnemonic(keyId: string, proof: UnlockProof): Promise<string> {
    const v = vaultOf(await this.#remote());
    const g = this.#governance();
    // The proof opens the UV window and arms exactly one export in the worker,
    // which unwrapped the DEK from disk again for it (one user gesture).
    await this.reverify(proof);
    return g.run({ permission: 'key:export', keyId: checkId(keyId) }, async () => v.exportMnemonic(keyId));
  }

  // ---- backup and recovery (docs/backup.md) ----

  /**
   * An encrypted backup file of the vault's keys (or `keyIds`): AES-256-GCM
   * under Argon2id(passphrase) (t=3, m=64 MiB, p=1 unless `kdf`), with the keys'
   * lifecycle records, the policies and the account indices. Sensitive (key:backup).
   */
  async backup(o: { passphrase: string; keyIds?: string[]; kdf?: BackupKdfParams; onProgress?: (f: number) => void } & FreshProof): Promise<Uint8Array> {
    if (!o || typeof o !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'backup needs { passphrase }');
    await this.#fresh(o);
    const g = this.#governance();
    return g.run({ permission: 'key:backup', operation: 'key:backup', metadata: { keys: Array.isArray(o.keyIds) ? o.keyIds.length : 'all' } }, async () =>
      backupOf(await this.#remote()).exportBackup({ passphrase: o.passphrase }, {
        ...(o.keyIds !== undefined ? { keyIds: o.keyIds } : {}), ...(o.kdf !== undefined ? { kdf: o.kdf } : {}),
        lifecycle: await g.lifecycle.list(), policies: g.policies.list().map((p) => ({ ...p })),
      }, progress(o.onProgress)));
  }

  /**
   * A backup for custodians: the file is encrypted under a random 256-bit key
   * that only exists as `shares` binary Shamir shares, any `threshold` of which
   * recover it (restoreBackup(file, { shares })). Sensitive (key:backup).
   */
  async backupToShares(o: { threshold: number; shares: number; keyIds?: string[]; onProgress?: (f: number) => void } & FreshProof): Promise<{ file: Uint8Array; shares: Uint8Array[]; shareTexts: string[] }> {
    if (!o || typeof o !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'backupToShares needs { threshold, shares }');
    await this.#fresh(o);
    const g = this.#governance();
    return g.run({ permission: 'key:backup', operation: 'key:backup-shares', metadata: { threshold: Number(o.threshold) | 0, count: Number(o.shares) | 0 } }, async () => {
      return backupOf(await this.#remote()).exportBackupWithShares({ threshold: o.threshold, shares: o.shares }, {
        ...(o.keyIds !== undefined ? { keyIds: o.keyIds } : {}), lifecycle: await g.lifecycle.list(), policies: g.policies.list().map((p) => ({ ...p })),
      }, progress(o.onProgress));
    });
  }

  /** Opens a backup file and lists what it holds (no secret returned, nothing written). Needs no unlocked vault. */
  async verifyBackup(file: Uint8Array, secret: BackupSecret, o: { onProgress?: (f: number) => void } = {}): Promise<BackupSummary> {
    return backupOf(await this.#remote()).verifyBackup(file, secret, progress(o?.onProgress));
  }

  /**
   * Restores keys from a backup file: `conflict` 'fail' (default) / 'skip' /
   * 'overwrite', `keyIds` to pick, `partial` to write the keys that pass even
   * if others fail. All chosen keys are written in one transaction; their
   * lifecycle records follow (a failure there undoes the vault write).
   * Returns the per-key result. Sensitive (key:restore).
   */
  async restoreBackup(file: Uint8Array, secret: BackupSecret, o: RestoreOptions & FreshProof & { onProgress?: (f: number) => void } = {}): Promise<Omit<RestoreResult, 'token' | 'lifecycle' | 'policies'>> {
    await this.#fresh(o);
    const g = this.#governance();
    return g.run({ permission: 'key:restore', operation: 'key:restore', metadata: { conflict: String(o?.conflict ?? 'fail').slice(0, 16) } }, async () => {
      const b = backupOf(await this.#remote());
      const { proof: _p, onProgress, ...opts } = o ?? {};
      const r = await b.restoreBackup(file, secret, opts, progress(onProgress));
      if (r.committed && r.token) {
        try {
          const keys = await this.keys();
          await g.adopt(r.restored, r.lifecycle, r.policies, (id) => {
            const k = keys.find((x) => x.id === id);
            return { kind: k?.type === 'imported' ? 'imported' : 'hd', algorithm: k?.type === 'imported' ? k.curve ?? 'secp256k1' : 'bip32' };
          });
        } catch (e) {
          await b.undoRestore(r.token);
          throw e;
        }
        await b.finishRestore(r.token);
      }
      return { committed: r.committed, restored: r.restored, skipped: r.skipped, failed: r.failed };
    });
  }

  /** SLIP-0039 mnemonic shares of an HD key's seed. Needs a fresh proof every time, like exportMnemonic (key:export). */
  async exportSlip39(keyId: string, proof: UnlockProof, o: Slip39SplitOptions = {}): Promise<string[][]> {
    await this.reverify(proof);
    return this.#governance().run({ permission: 'key:export', operation: 'key:export-slip39', keyId: checkId(keyId) },
      async () => backupOf(await this.#remote()).exportSlip39(keyId, o));
  }

  /** Recovers an HD key from SLIP-0039 shares (key:create). */
  async importSlip39(mnemonics: string[], o: { passphrase?: string; label?: string; policy?: string } = {}): Promise<KeyInfo> {
    return this.#governance().run({ permission: 'key:create', operation: 'key:import-slip39' }, async () => {
      const info = await backupOf(await this.#remote()).importSlip39(mnemonics, { passphrase: o?.passphrase, label: o?.label });
      return (await this.#tracked([info], o?.policy))[0]!;
    });
  }

  /** Imports an Ethereum keystore v3 JSON (geth, ethers, MetaMask) (key:create). */
  async importKeystoreV3(json: string | object, password: string, o: { label?: string; policy?: string } = {}): Promise<KeyInfo & { address: string }> {
    return this.#governance().run({ permission: 'key:create', operation: 'key:import-keystore-v3' }, async () => {
      const info = await backupOf(await this.#remote()).importKeystoreV3(json, password, { label: o?.label });
      await this.#tracked([info], o?.policy);
      return info;
    });
  }

  /** Exports a secp256k1 key (imported, or an HD key at `path`) as keystore v3 JSON under `password`. Sensitive (key:export). */
  async exportKeystoreV3(keyId: string, password: string, o: { path?: string; kdf?: 'scrypt' | 'pbkdf2'; scrypt?: { n: number; r: number; p: number }; pbkdf2?: { c: number } } & FreshProof = {}): Promise<string> {
    await this.#fresh(o);
    const { proof: _p, ...opts } = o ?? {};
    return this.#governance().run({ permission: 'key:export', operation: 'key:export-keystore-v3', keyId: checkId(keyId) },
      async () => backupOf(await this.#remote()).exportKeystoreV3(keyId, password, opts));
  }

  // ---- hardware keys (Ledger, HSM through the bridge) as managed keys ----

  /**
   * Enrolls a key that lives on a device (a Ledger path, an HSM key behind the
   * bridge) so it gets a lifecycle record, permission checks and audit entries
   * like vault keys. Only public data is stored. Returns its id (`x_…`).
   */
  async registerHardwareKey(d: HardwareKeyDescriptor, o: { policy?: string } = {}): Promise<HardwareKey> {
    const g = this.#governance();
    const desc = checkDescriptor(d);
    return g.run({ permission: 'key:create', operation: 'key:register-hardware', metadata: { device: desc.device } }, async () => {
      const id = randomId('x_');
      await g.track(id, 'hardware', {
        algorithm: desc.curve, fingerprint: fingerprintOf(desc.publicKey),
        meta: { ...desc, publicKey: toHex(desc.publicKey) },
        ...(o?.policy !== undefined ? { policy: o.policy } : {}),
      });
      return { id, ...desc };
    });
  }

  /** Enrolled hardware keys with their lifecycle state. */
  async hardwareKeys(): Promise<(HardwareKey & { state: string })[]> {
    const g = this.#governance();
    return g.run({ permission: 'key:read', operation: 'key:list-hardware' }, async () =>
      (await g.lifecycle.list()).filter((r) => r.kind === 'hardware').map((r) => ({ ...hardwareOf(r), state: r.state })));
  }

  /**
   * Runs `sign` (the app's call to the Ledger or the bridge) for an enrolled
   * hardware key, gated like a vault signature: hsm:access, the lifecycle
   * (a Suspended/Compromised/Expired key refuses before the device is asked),
   * then the use is counted and the detector told.
   */
  async useHardwareKey<T>(keyId: string, sign: (key: HardwareKey) => Promise<T>): Promise<T> {
    if (typeof sign !== 'function') throw new VaultkeyError('INVALID_ARGUMENT', 'useHardwareKey needs a signing function');
    const g = this.#governance();
    return g.run({ permission: 'hsm:access', operation: 'key:sign-hardware', keyId: checkId(keyId) }, async () => {
      const r = await g.lifecycle.assertUsable(keyId, 'sign');
      if (r.kind !== 'hardware') throw new VaultkeyError('INVALID_ARGUMENT', 'not a hardware key');
      const out = await sign(hardwareOf(r));
      await g.lifecycle.recordUsage(keyId);
      await g.detector?.recordUsage(keyId);
      return out;
    });
  }

  // ---- lifecycle (docs/lifecycle.md) ----

  /**
   * Rotates a key now (manual trigger): the successor gets the versioned id
   * (`<id>-v2`, ...); an HD key moves to the next BIP-44 account, an imported
   * key is replaced by a new random one. The old key keeps verifying for the
   * policy's grace period. Sensitive (key:rotate).
   */
  async rotateKey(keyId: string, o: ChangeOptions = {}): Promise<{ oldKeyId: string; newKeyId: string }> {
    await this.#fresh(o);
    const g = this.#governance();
    return g.run({ permission: 'key:rotate', keyId: checkId(keyId) }, async () => {
      await this.#ensureTracked(keyId);
      return g.lifecycle.rotate(keyId, { actor: g.session!.principalId, reason: reasonOf(o, 'manual rotation'), trigger: 'manual' });
    });
  }

  /** Emergency rotation: the old key is Compromised at once (no grace); an HD successor gets a fresh mnemonic. */
  async emergencyRotate(keyId: string, o: ChangeOptions = {}): Promise<{ oldKeyId: string; newKeyId: string | null }> {
    await this.#fresh(o);
    const g = this.#governance();
    return g.run({ permission: 'key:rotate', operation: 'key:emergency-rotate', keyId: checkId(keyId) }, async () => {
      await this.#ensureTracked(keyId);
      return g.lifecycle.emergencyRotate(keyId, { actor: g.session!.principalId, reason: reasonOf(o, 'emergency rotation') });
    });
  }

  /** Active -> Suspended (signing refused until resumed). */
  suspendKey(keyId: string, o: ChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#change(keyId, 'key:suspend', o, (g, why) => g.lifecycle.suspend(keyId, why));
  }

  /** Suspended -> Active (MFA when the policy requires it). */
  resumeKey(keyId: string, o: ChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#change(keyId, 'key:resume', o, (g, why) => g.lifecycle.resume(keyId, why));
  }

  /** Ends a rotation's grace period now, or retires a key without successor. */
  deactivateKey(keyId: string, o: ChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#change(keyId, 'key:deactivate', o, (g, why) => g.lifecycle.deactivate(keyId, why));
  }

  archiveKey(keyId: string, o: ChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#change(keyId, 'key:archive', o, (g, why) => g.lifecycle.archive(keyId, why));
  }

  /** Marks a key Compromised (signing and verifying refused); rotate it with emergencyRotate. */
  markCompromised(keyId: string, o: ChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#change(keyId, 'key:mark-compromised', o, (g, why) => g.lifecycle.markCompromised(keyId, why));
  }

  async #change(keyId: string, operation: string, o: ChangeOptions, fn: (g: Governance, why: { actor: string; reason: string }) => Promise<LifecycleRecord>): Promise<LifecycleRecord> {
    await this.#fresh(o);
    const g = this.#governance();
    return g.run({ permission: 'key:rotate', operation, keyId: checkId(keyId) }, async () => {
      await this.#ensureTracked(keyId);
      return fn(g, { actor: g.session!.principalId, reason: reasonOf(o, operation.slice(4)) });
    });
  }

  /** The lifecycle record of a key (state, policy, dates, usage, history). */
  async lifecycleRecord(keyId: string): Promise<LifecycleRecord> {
    const g = this.#governance();
    return g.run({ permission: 'key:read', operation: 'lifecycle:read', keyId: checkId(keyId) }, async () => {
      await this.#ensureTracked(keyId);
      return g.lifecycle.get(keyId);
    });
  }

  /** Totals, per state, expiring soon, needing rotation, in grace (the reference's lifecycle report). */
  async lifecycleReport(): Promise<LifecycleReport> {
    const g = this.#governance();
    return g.run({ permission: 'key:read', operation: 'lifecycle:report' }, () => g.lifecycle.report());
  }

  /** Runs the scheduler's evaluation now (it also runs on open and every intervalMs). */
  async runLifecycle() {
    return this.#governance().scheduler.runOnce();
  }

  /** Adds a named lifecycle policy for this page (policy:manage). */
  async registerPolicy(policy: LifecyclePolicy, o: { replace?: boolean } = {}): Promise<Readonly<LifecyclePolicy>> {
    const g = this.#governance();
    return g.run({ permission: 'policy:manage', operation: 'policy:register' }, () => g.policies.register(policy, o));
  }

  policies(): Readonly<LifecyclePolicy>[] {
    return this.#governance().policies.list();
  }

  // ---- compromise detection ----

  /** Manual compromise report (reference: ReportCompromise); critical reports suspend the key. */
  async reportCompromise(keyId: string, r: { severity: Severity; details: string; indicator?: Indicator }): Promise<CompromiseEvent> {
    const g = this.#governance();
    return g.run({ permission: 'key:read', operation: 'security:report-compromise', keyId: checkId(keyId) }, async () => {
      const d = this.#detector();
      await this.#ensureTracked(keyId);
      return d.report(keyId, { ...r, reportedBy: g.session!.principalId });
    });
  }

  async acknowledgeCompromise(eventId: string): Promise<CompromiseEvent> {
    const g = this.#governance();
    return g.run({ permission: 'key:rotate', operation: 'security:acknowledge' }, () => this.#detector().acknowledge(eventId, g.session!.principalId));
  }

  /** Compromise events seen by this page (all, or one key's). */
  async compromiseEvents(keyId?: string): Promise<CompromiseEvent[]> {
    const g = this.#governance();
    return g.run({ permission: 'key:read', operation: 'security:events' }, () => keyId === undefined ? this.#detector().events() : this.#detector().eventsFor(keyId));
  }

  #detector() {
    const d = this.#governance().detector;
    if (!d) throw new VaultkeyError('UNSUPPORTED', 'the compromise detector is turned off (lifecycle.detector: false)');
    return d;
  }

  // ---- audit (audit:read, audit:export) ----

  /** Walks the HMAC chain: `{ ok: true, entries }` or the first broken link. */
  async verifyAuditLog(): Promise<AuditVerification> {
    const g = this.#governance();
    return g.run({ permission: 'audit:read', operation: 'audit:verify' }, () => this.#auditLog().verify());
  }

  /** Report by period: totals, success rate, by key, by operation, by principal, and the chain's integrity. */
  async auditReport(q: { since?: number; until?: number } = {}): Promise<AuditReport> {
    const g = this.#governance();
    return g.run({ permission: 'audit:read', operation: 'audit:report' }, () => this.#auditLog().report(q));
  }

  /** The log as JSON Lines (MACs included, verifiable offline with verifyAuditEntries). */
  async exportAuditLog(q?: AuditQuery): Promise<string> {
    const g = this.#governance();
    return g.run({ permission: 'audit:export', operation: 'audit:export' }, () => this.#auditLog().exportJsonl(q));
  }

  #auditLog() {
    const a = this.#governance().audit;
    if (!a) throw new VaultkeyError('UNSUPPORTED', 'the audit log is turned off (security.audit: false)');
    return a;
  }

  // ---- principals (policy:manage) ----

  async addPrincipal(p: Principal): Promise<Principal> {
    const g = this.#governance();
    return g.run({ permission: 'policy:manage', operation: 'principal:create' }, () => g.access!.createPrincipal(p));
  }

  async updatePrincipal(p: Principal): Promise<Principal> {
    const g = this.#governance();
    return g.run({ permission: 'policy:manage', operation: 'principal:update' }, () => g.access!.updatePrincipal(p));
  }

  async removePrincipal(id: string): Promise<void> {
    const g = this.#governance();
    if (id === OWNER_ID) throw new VaultkeyError('INVALID_ARGUMENT', 'the owner principal cannot be removed');
    await g.run({ permission: 'policy:manage', operation: 'principal:delete' }, () => g.access!.deletePrincipal(id));
  }

  /** assertUsable, creating the record first for a key that predates lifecycle tracking (one read on the hot path). */
  async #usable(keyId: string, op: 'sign' | 'verify'): Promise<void> {
    const g = this.#governance();
    try {
      await g.lifecycle.assertUsable(keyId, op);
    } catch (e) {
      if ((e as VaultkeyError)?.code !== 'NOT_FOUND') throw e;
      await this.#ensureTracked(keyId);
      await g.lifecycle.assertUsable(keyId, op);
    }
  }

  async #ensureTracked(keyId: string): Promise<void> {
    await this.#governance().ensureTracked(keyId, async () => {
      const k = (await this.keys()).find((x) => x.id === keyId);
      if (!k) throw new VaultkeyError('NOT_FOUND', 'no such key in this vault');
      return { kind: k.type === 'hd' ? 'hd' : 'imported', algorithm: k.type === 'hd' ? 'bip32' : k.curve ?? 'secp256k1' };
    });
  }

  /** Locks, ends the worker and stops listening to other tabs. */
  close(): void {
    this.#closed = true;
    this.#gov?.close();
    this.#channel?.close();
    this.#channel = null;
    if (typeof removeEventListener === 'function') removeEventListener('pagehide', this.#onPagehide);
    const w = this.#w;
    this.#w = null;
    if (w) void vaultOf(w.remote).lock().finally(() => w.terminate());
  }

  #pagehide(): void {
    // The page may be frozen in the back/forward cache right after this event,
    // with the worker suspended before it could process a lock message. So
    // the worker is terminated: its whole heap (DEK, seeds, WASM memory) goes
    // with it. A later call starts a fresh, locked worker.
    const w = this.#w;
    this.#w = null;
    this.#ready = null;
    w?.terminate();
    this.#gov?.end();
    if (this.#status.state === 'unlocked') {
      this.#status = { ...this.#status, state: 'locked' };
      this.#emit('lock', { reason: 'pagehide' });
    }
  }

  #onWorker(e: VaultEvent): void {
    if (e.type === 'lock') {
      void this.#gov?.record('vault:lock', true, { reason: e.reason }).catch(() => {}).finally(() => this.#gov?.end());
      if (this.#status.state === 'unlocked') this.#status = { ...this.#status, state: 'locked' };
      this.#emit('lock', { reason: e.reason });
    } else if (e.type === 'change') {
      this.#post('change');
      this.#emit('change', {});
    }
  }

  async #onMessage(m: Msg): Promise<void> {
    if (!m || m.vault !== this.name || m.from === this.#tab) return;
    try {
      if (m.type === 'lock') {
        // A lock anywhere locks everywhere: the user asked for the vault to be closed.
        if (this.#w) await this.#lockLocal('remote');
      } else if (m.type === 'unlock') {
        // Secrets never cross tabs: this tab stays as it is and only learns the news.
        this.#emit('unlock', { remote: true });
      } else if (m.type === 'change') {
        if (this.#w) this.#status = await vaultOf(await this.#remote()).refresh();
        this.#emit('change', { remote: true });
      }
    } catch {
      // A closed or failing worker is restarted on the next call.
    }
  }

  #post(type: Msg['type']): void {
    this.#channel?.postMessage({ vault: this.name, from: this.#tab, type } satisfies Msg);
  }

  #emit(type: 'lock' | 'unlock' | 'change', detail: KeystoreEventDetail): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** Key ids (src/vault/format.ts): checked here before any work, and again in the worker. */
function checkId(keyId: unknown): string {
  if (typeof keyId !== 'string' || !(VAULT_KEY_ID.test(keyId) || HARDWARE_KEY_ID.test(keyId))) throw new VaultkeyError('INVALID_ARGUMENT', 'not a key id of this vault');
  return keyId;
}

/** A device key: where it lives and its public key (SPEC §2.9, §2.10). Never a secret. */
export interface HardwareKeyDescriptor {
  device: 'ledger' | 'hsm';
  curve: 'secp256k1' | 'ed25519' | 'p256';
  publicKey: Uint8Array;
  label?: string;
  /** Ledger: the derivation path on the device. */
  path?: string;
  /** HSM: the bridge's key id. */
  handle?: string;
  address?: string;
}

export interface HardwareKey extends HardwareKeyDescriptor {
  id: string;
}

function checkDescriptor(d: HardwareKeyDescriptor): HardwareKeyDescriptor {
  if (!d || typeof d !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'a hardware key descriptor is required');
  if (d.device !== 'ledger' && d.device !== 'hsm') throw new VaultkeyError('INVALID_ARGUMENT', "device must be 'ledger' or 'hsm'");
  if (!['secp256k1', 'ed25519', 'p256'].includes(d.curve)) throw new VaultkeyError('INVALID_ARGUMENT', 'curve must be secp256k1, ed25519 or p256');
  const len = d.publicKey instanceof Uint8Array ? d.publicKey.length : -1;
  if (!(d.curve === 'ed25519' ? len === 32 : len === 33 || len === 65)) throw new VaultkeyError('INVALID_KEY', 'public key length does not fit the curve');
  const str = (v: unknown, n: string, max: number) => {
    if (v !== undefined && (typeof v !== 'string' || v.length > max)) throw new VaultkeyError('INVALID_ARGUMENT', `${n} must be a string of at most ${max} characters`);
  };
  str(d.label, 'label', 100);
  str(d.path, 'path', 256);
  str(d.handle, 'handle', 256);
  str(d.address, 'address', 128);
  const out: HardwareKeyDescriptor = { device: d.device, curve: d.curve, publicKey: d.publicKey.slice() };
  for (const k of ['label', 'path', 'handle', 'address'] as const) if (d[k] !== undefined) out[k] = d[k];
  return out;
}

function hardwareOf(r: LifecycleRecord): HardwareKey {
  const m = r.meta as Record<string, string>;
  const k: HardwareKey = {
    id: r.keyId, device: m.device as 'ledger' | 'hsm', curve: m.curve as HardwareKey['curve'],
    publicKey: fromHex(m.publicKey, 'the stored public key', 'CORRUPTED'),
  };
  for (const f of ['label', 'path', 'handle', 'address'] as const) if (typeof m[f] === 'string') k[f] = m[f];
  return k;
}

function reasonOf(o: ChangeOptions | undefined, dflt: string): string {
  const r = o?.reason;
  if (r === undefined) return dflt;
  if (typeof r !== 'string' || r.length > 1024) throw new VaultkeyError('INVALID_ARGUMENT', 'reason must be a string of at most 1024 characters');
  return r;
}

/** Public fingerprint for lifecycle records: the first 8 bytes of SHA-256 of the public key, hex. */
function fingerprintOf(pub: Uint8Array): string {
  return toHex(sha256(pub).subarray(0, 8));
}
