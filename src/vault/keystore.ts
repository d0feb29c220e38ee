// Keystore: the page-side facade of a vault. It owns no secret and decides
// nothing about one. Every operation goes to the vault's dedicated worker
// (worker/vault/), which holds the data key, checks the session, the
// permission, the lifecycle state and any proof, and commits the audit entry
// before answering. The page does only what a window must: WebAuthn
// ceremonies (src/vault/passkey.ts), `navigator.storage.persist()`,
// `pagehide`, telling other tabs over a BroadcastChannel, and dispatching events.
import { proxy, transfer, type Remote } from 'comlink';
import { VaultkeyError, assertInt, toErrorCode } from '../errors.js';
import { installed } from '../worker/protocol.js';
import { spawnWorker, type Spawned } from '../worker/spawn.js';
import type { WorkerApi } from '../../worker/api.js';
import type { VaultService, RestoreOptions, RestoreResult, BackupSecret } from '../../worker/vault/index.js';
import type {
  AccountSpec,
  AddressOptions,
  AddressResult,
  ChainName,
  PageRequest,
  PassphraseEnrollment,
  Proof,
  SessionInfo,
  SchnorrSignOptions,
  SchnorrSignResult,
  SignOptions,
  SignResult,
  VaultEvent,
  VaultKeyInfo,
  VaultMethodInfo,
  VaultState,
  VaultStatus,
  TamperDetail,
} from './contract.js';
import type { AccountAddress, AccountState, Chain } from '../hd/accounts.js';
import type { PasskeyMaterial, PasskeyOptions } from './passkey.js';
import { fromB64url, type KeyCurve, type KeyInfo, type MethodInfo } from './format.js';
import type { KdfChoice } from './crypto.js';
import type { PermissionPattern } from '../security/rbac.js';
import type { Principal } from '../security/rbac.js';
import type { AuditQuery, AuditReport, AuditVerification } from '../security/audit.js';
import type { GroupInput } from '../multisig/manager.js';
import type { DigestMode, KeyGroup, OperationRecord } from '../multisig/types.js';
import { LifecycleEvent } from '../lifecycle/manager.js';
import type { LifecycleReport } from '../lifecycle/manager.js';
import type { LifecycleRecord } from '../lifecycle/states.js';
import { DetectorEvent, type CompromiseEvent, type DetectorConfig, type Indicator, type Severity } from '../lifecycle/detector.js';
import { SchedulerErrorEvent } from '../lifecycle/scheduler.js';
import type { LifecyclePolicy } from '../lifecycle/policy.js';
import type { BackupSummary } from '../backup/file.js';
import type { KdfParams as BackupKdfParams } from '../backup/format.js';
import type { SplitOptions as Slip39SplitOptions } from '../backup/slip39.js';

void installed;

export type {
  AccountSpec,
  AddressOptions,
  AddressResult,
  ChainName,
  SchnorrSignOptions,
  SchnorrSignResult,
  SignOptions,
  SignResult,
  VaultState,
  VaultStatus,
  KdfChoice,
  KeyInfo,
  MethodInfo,
  KeyCurve,
  PasskeyOptions,
};
export type {
  BackupSecret,
  RestoreOptions,
  BackupSummary,
  BackupKdfParams,
  Slip39SplitOptions,
  VaultKeyInfo,
  VaultMethodInfo,
  TamperDetail,
  SessionInfo,
};
export type Session = SessionInfo;
export type RestoreReport = RestoreResult;

/** How to unlock, or how to prove presence again (the passphrase, or an enrolled passkey's assertion). */
/** `signal` ends a passkey prompt from the page (ABORTED): WebAuthn's own AbortSignal (WebAuthn L3 §5.6). */
export type UnlockProof = { passphrase: string } | { passkey: true; signal?: AbortSignal };

export interface SecurityOptions {
  /**
   * Asked when a sensitive permission has no user verification inside the
   * window. Must return a proof the worker can check (`{ passphrase }`, or
   * `{ passkey: true }` to run an assertion), or null. Default: a passkey
   * assertion when one is enrolled, else UV_REQUIRED (pass `{ proof }`).
   */
  verifyUser?: (ctx: { permission: string; principalId: string }) => Promise<UnlockProof | null>;
  /** How long a user verification counts as fresh (default 5 minutes). */
  uvWindowMs?: number;
  /** Session lifetime (default 30 minutes; a new session starts at every unlock). */
  sessionTtlMs?: number;
  /** Extra or overriding roles (see docs/security.md). */
  roles?: Record<string, PermissionPattern[]>;
  /**
   * Check the audit chain at every unlock (default true: the entries written
   * since the last verified checkpoint; 'full': the whole stored chain; false: not at all).
   */
  verifyAuditOnUnlock?: boolean | 'full';
  /** Retention (docs/security.md "Retention"): keep the last `maxEntries` entries (1 to 2^31), pruning older ones with a verified anchor. */
  auditRetention?: { maxEntries?: number };
  /** Test clock, honoured forward only by the worker (it can bring deadlines nearer, never push them back). */
  clock?: () => number;
}

export interface LifecycleOptions {
  /** Policy for new keys (default 'default'). */
  policy?: string;
  /** More named policies besides the built-in 'default' and 'high-security'. */
  policies?: LifecyclePolicy[];
  /** How often the scheduler evaluates due rotations/warnings while unlocked (default 60 s). */
  intervalMs?: number;
  /** Compromise detector thresholds, or false to run none. */
  detector?: Partial<DetectorConfig> | false;
  /** Test clock (see SecurityOptions.clock). */
  clock?: () => number;
}

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
  /** Access control and audit (docs/security.md). Default: one owner principal. */
  security?: SecurityOptions;
  /** Lifecycle policies, scheduler and compromise detector (docs/lifecycle.md). */
  lifecycle?: LifecycleOptions;
}

/** Sensitive operations take a fresh proof here (every secret-revealing one must). */
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

/** `keystore.multisig`: docs/security.md "Multisig in the vault". */
export interface VaultMultisig {
  createGroup(group: GroupInput): Promise<KeyGroup>;
  /** Opens an operation on `message`; its initiator is the session's principal. */
  initiate(
    groupId: string,
    message: Uint8Array,
    o?: { description?: string; digestMode?: DigestMode; timeoutMs?: number },
  ): Promise<OperationRecord>;
  get(operationId: string): Promise<OperationRecord>;
  list(groupId?: string): Promise<OperationRecord[]>;
  /** Adds a signature made elsewhere (a device, another vault); it is verified against the group's signer. */
  addSignature(operationId: string, signer: Uint8Array | string, signature: Uint8Array | string): Promise<OperationRecord>;
  /** Signs the operation with vault key `keyId` and adds the signature, in one call (gated and counted like a signature). */
  signWithKey(operationId: string, keyId: string, o?: { path?: string; curve?: 'secp256k1' | 'ed25519' }): Promise<OperationRecord>;
  complete(operationId: string): Promise<OperationRecord>;
  cancel(operationId: string, reason: string): Promise<OperationRecord>;
}

/** `audit.stats()`: see docs/security.md "Retention". */
export interface AuditStats {
  firstSeq: number;
  lastSeq: number;
  stored: number;
  pruned: number;
  anchor: { seq: number; mac: string } | null;
  verifiedThrough: number;
  maxEntries: number | null;
  /** The last chain walk in this unlock: first seq walked, entries checked (-1 if it failed), and whether it started at the pruned anchor or the log start. */
  lastWalk: { from: number; checked: number; ok: boolean; full: boolean } | null;
}

/** removeKey / deactivateKey: a key in its grace period needs `force` and a `proof` on the call (audited as forced). */
export interface RetireOptions extends ChangeOptions {
  force?: boolean;
}

/** rotateKey: how an HD key's successor is made (docs/lifecycle.md "Rotation, per kind"). */
export interface RotateOptions extends ChangeOptions {
  /** 'fresh' (default): a new seed. 'next-account': the next BIP-44 account of the same seed; the old accounts are refused. */
  successor?: 'fresh' | 'next-account';
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

/** A facet: named views onto Keystore methods (same calls, grouped by concern). */
export type Facet<K, M extends Record<string, keyof K>> = { readonly [P in keyof M]: K[M[P]] };
function facet<K extends object, M extends Record<string, keyof K>>(k: K, m: M): Facet<K, M> {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(m))
    out[name] = (...a: unknown[]) => (k as Record<string, (...x: unknown[]) => unknown>)[method as string]!(...a);
  return Object.freeze(out) as Facet<K, M>;
}

/** What removeKey / deactivateKey send the worker (a `force` that is not a boolean is the worker's INVALID_ARGUMENT). */
const retire = (o: RetireOptions | undefined) => ({ reason: o?.reason, ...(o?.force !== undefined ? { force: o.force } : {}) });

/**
 * The WebAuthn ceremonies (src/vault/passkey.ts), a page-side lazy chunk: a
 * passphrase-only vault never loads them (docs/vault.md "Lazy parts"). Loaded
 * once; a failed load is forgotten, so the next ceremony tries again.
 */
let passkeyModule: Promise<typeof import('./passkey.js')> | null = null;
function passkeys(): Promise<typeof import('./passkey.js')> {
  passkeyModule ??= import('./passkey.js').catch((e: unknown) => {
    passkeyModule = null;
    throw e;
  });
  return passkeyModule;
}

/**
 * Starts loading the ceremonies without waiting for them, when a passkey
 * prompt may follow: browsers that tie WebAuthn to the user's gesture
 * (transient activation) should not wait for a fetch after the click.
 */
function preloadPasskeys(): void {
  passkeys().catch(() => {});
}

const LOCKED_STATUS = (s: VaultStatus): VaultStatus => ({
  ...s,
  state: s.state === 'unlocked' ? 'locked' : s.state,
  session: null,
  epoch: null,
});

/**
 * A vault in the browser. Operations are grouped in facets — `keys`,
 * `lifecycle`, `backup`, `audit`, `principals`, `methods` — the way
 * `secp256k1.schnorr` groups Schnorr in noble; each call is one request to the
 * vault worker, which decides.
 */
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
  #clock: (() => number) | null;

  private constructor(name: string, opts: KeystoreOptions, status: VaultStatus) {
    super();
    this.name = name;
    this.#opts = opts;
    this.#status = status;
    this.#clock = opts.security?.clock ?? opts.lifecycle?.clock ?? null;
  }

  /** Opens (without creating) the vault `name`: spawns its worker, opens the database, asks for persistent storage. */
  static async open(options: KeystoreOptions = {}): Promise<Keystore> {
    if (typeof indexedDB === 'undefined' || typeof Worker === 'undefined') {
      throw new VaultkeyError('UNSUPPORTED', 'the vault needs a browser with IndexedDB and Web Workers');
    }
    if (options === null || typeof options !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'options must be an object');
    for (const k of ['security', 'lifecycle'] as const) {
      if (options[k] !== undefined && (options[k] === null || typeof options[k] !== 'object'))
        throw new VaultkeyError('INVALID_ARGUMENT', `${k} options must be an object`);
    }
    const retention = options.security?.auditRetention;
    if (retention !== undefined) {
      if (retention === null || typeof retention !== 'object')
        throw new VaultkeyError('INVALID_ARGUMENT', 'auditRetention must be an object');
      if (retention.maxEntries !== undefined) assertInt(retention.maxEntries, 'auditRetention.maxEntries', 1, 2 ** 31);
    }
    const v = options.security?.verifyAuditOnUnlock;
    if (v !== undefined && typeof v !== 'boolean' && v !== 'full')
      throw new VaultkeyError('INVALID_ARGUMENT', "verifyAuditOnUnlock must be true, false or 'full'");
    const name = options.name ?? 'default';
    const ks = new Keystore(name, options, {
      state: 'empty',
      vaultId: null,
      methods: [],
      keys: [],
      retryAfterMs: 0,
      session: null,
      epoch: null,
    });
    await ks.#remote();
    if (options.requestPersistence !== false) await ks.requestPersistence();
    if (typeof BroadcastChannel !== 'undefined') {
      ks.#channel = new BroadcastChannel(`vaultkey:${name}`);
      ks.#channel.onmessage = (e) => void ks.#onMessage(e.data as Msg);
    }
    if (options.lockOnPagehide !== false && typeof addEventListener === 'function') addEventListener('pagehide', ks.#onPagehide);
    return ks;
  }

  /** The options the worker applies (plain data: functions stay on the page). */
  #workerOptions() {
    const s = this.#opts.security ?? {};
    const l = this.#opts.lifecycle ?? {};
    return {
      ...(this.#opts.autoLockMs !== undefined ? { autoLockMs: this.#opts.autoLockMs } : {}),
      security: {
        ...(s.uvWindowMs !== undefined ? { uvWindowMs: s.uvWindowMs } : {}),
        ...(s.sessionTtlMs !== undefined ? { sessionTtlMs: s.sessionTtlMs } : {}),
        ...(s.roles !== undefined ? { roles: s.roles as Record<string, string[]> } : {}),
        ...(s.verifyAuditOnUnlock !== undefined ? { verifyAuditOnUnlock: s.verifyAuditOnUnlock } : {}),
        ...(s.auditRetention?.maxEntries !== undefined ? { auditRetention: { maxEntries: s.auditRetention.maxEntries } } : {}),
      },
      lifecycle: {
        ...(l.policy !== undefined ? { policy: l.policy } : {}),
        ...(l.policies !== undefined ? { policies: l.policies.map((p) => ({ ...p })) } : {}),
        ...(l.intervalMs !== undefined ? { intervalMs: l.intervalMs } : {}),
        ...(l.detector !== undefined ? { detector: l.detector === false ? (false as const) : { ...l.detector } } : {}),
      },
      clock: this.#clock !== null,
    };
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
            vaultOf(spawned.remote).open(
              this.name,
              this.#workerOptions(),
              proxy((e: VaultEvent) => this.#onWorker(e)),
              proxy((r: PageRequest) => this.#answer(r)),
            ),
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
    if (st.methods.some((m) => m.kind === 'passkey')) preloadPasskeys();
    return w.remote;
  }

  /** Boxed: resolving a promise with a comlink proxy would fetch the remote object by value. */
  async #vault(): Promise<{ v: Remote<VaultService> }> {
    return { v: vaultOf(await this.#remote()) };
  }

  /** One governed operation in the worker (docs/security.md lists the table). */
  async #op<T>(op: string, args: unknown[], o: { proof?: UnlockProof; onProgress?: (f: number) => void } = {}): Promise<T> {
    const { v } = await this.#vault();
    const ctx: { now?: number; proof?: Proof } = {};
    if (this.#clock) ctx.now = this.#clock();
    let buffers: ArrayBuffer[] = [];
    if (o.proof !== undefined) {
      ctx.proof = await this.#proof(o.proof);
      if ('prf' in ctx.proof) buffers = [ctx.proof.prf.buffer as ArrayBuffer];
    }
    return (await v.call(op, args, transfer(ctx, buffers), progress(o.onProgress))) as T;
  }

  async #run(p: Promise<VaultStatus>): Promise<VaultStatus> {
    const st = await p;
    this.#status = st;
    return st;
  }

  /** 'empty' (no vault yet), 'locked' or 'unlocked', as last seen. */
  get state(): VaultState {
    return this.#status.state;
  }

  /** The current session (principal, expiry, last user verification), or null while locked. */
  get session(): SessionInfo | null {
    return this.#status.state === 'unlocked' ? this.#status.session : null;
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

  /** Fresh status from the worker: state, methods and keys (each marked verified or not), back-off, session. */
  async status(): Promise<VaultStatus> {
    return this.#run((await this.#vault()).v.status());
  }

  /** Creates the vault with a passphrase, a passkey, or both; it is left unlocked, with an owner session. */
  async create(o: CreateOptions): Promise<VaultStatus> {
    if (!o || typeof o !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'create needs { passphrase } and/or { passkey: true }');
    const ceremonies = o.passkey ? passkeys() : null;
    const { v } = await this.#vault();
    let passkey: PasskeyMaterial | undefined;
    if (ceremonies)
      passkey = await (await ceremonies).createPasskey({ ...this.#opts.passkey, ...(typeof o.passkey === 'object' ? o.passkey : {}) });
    const passphrase: PassphraseEnrollment | undefined =
      o.passphrase !== undefined ? { passphrase: o.passphrase, ...(o.kdf ? { kdf: o.kdf } : {}) } : undefined;
    const st = await this.#run(
      v.create(
        transfer({ passphrase, passkey }, passkey ? [passkey.prf.buffer as ArrayBuffer] : []),
        this.#clock ? { now: this.#clock() } : {},
      ),
    );
    this.#post('unlock');
    return st;
  }

  /**
   * Unlocks with the passphrase or an enrolled passkey (one WebAuthn assertion
   * with PRF), and starts a session for `principalId` (default the owner).
   */
  async unlock(proof: UnlockProof, o: UnlockOptions = {}): Promise<VaultStatus> {
    const principalId = o?.principalId ?? 'owner';
    if (typeof principalId !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'principalId must be a string');
    const { v } = await this.#vault();
    const p = await this.#proof(proof);
    const st = await this.#run(
      v.unlock(transfer(p, 'prf' in p ? [p.prf.buffer as ArrayBuffer] : []), {
        principalId,
        ...(this.#clock ? { now: this.#clock() } : {}),
      }),
    );
    this.#post('unlock');
    return st;
  }

  /** Proves the user again (passphrase or passkey): opens the UV window for sensitive permissions. */
  async reverify(proof: UnlockProof): Promise<void> {
    await this.#op('reverify', [], { proof });
  }

  async #proof(proof: UnlockProof): Promise<Proof> {
    if (proof && typeof proof === 'object' && 'passkey' in proof && proof.passkey === true) {
      const ceremonies = passkeys();
      ceremonies.catch(() => {}); // awaited below; not an unhandled rejection if status() throws first
      const st = await (await this.#vault()).v.status();
      const enrolled = st.methods
        .filter((m) => m.kind === 'passkey')
        .map((m) => ({
          credentialId: fromB64url(m.credentialId!),
          rpId: m.rpId!,
          prfSalt: fromB64url(m.prfSalt!),
        }));
      return (await ceremonies).assertPrf(enrolled, proof.signal);
    }
    if (proof && typeof proof === 'object' && 'passphrase' in proof) return { passphrase: proof.passphrase };
    throw new VaultkeyError('INVALID_ARGUMENT', 'expected { passphrase } or { passkey: true }');
  }

  /** What the worker asks of the page: a verification for a permission, or one passkey's assertion for a re-key. */
  async #answer(r: PageRequest): Promise<Proof | null> {
    if (r.type === 'passkey') {
      const p = await (await passkeys()).assertPrf([{ credentialId: r.credentialId, rpId: r.rpId, prfSalt: r.prfSalt }]);
      return transfer(p, [p.prf.buffer as ArrayBuffer]);
    }
    const ask = this.#opts.security?.verifyUser;
    let proof: UnlockProof | null = null;
    if (ask) proof = await ask({ permission: r.permission, principalId: r.principalId });
    else if (this.#status.methods.some((m) => m.kind === 'passkey')) proof = { passkey: true };
    if (!proof) return null;
    const p = await this.#proof(proof);
    return 'prf' in p ? transfer(p, [p.prf.buffer as ArrayBuffer]) : p;
  }

  /** Locks this tab's vault (secrets zeroed in the worker, session ended) and tells the other tabs to lock too. */
  async lock(): Promise<void> {
    await this.#lockLocal('manual');
    this.#post('lock');
  }

  async #lockLocal(reason: KeystoreEventDetail['reason']): Promise<void> {
    if (this.#w) await (await this.#vault()).v.lock();
    this.#status = LOCKED_STATUS(this.#status);
    this.#emit('lock', { reason });
  }

  // ---- facets ----

  /** Keys: create, import, list, sign, derive, export (with a proof on the call), remove. */
  readonly keys = Object.assign(
    () => this.listKeys(),
    facet(this, {
      list: 'listKeys',
      generate: 'generate',
      fromMnemonic: 'createFromMnemonic',
      import: 'importKeys',
      remove: 'removeKey',
      active: 'activeKey',
      sign: 'sign',
      signMessage: 'signMessage',
      signSchnorr: 'signSchnorr',
      verify: 'verify',
      address: 'getAddress',
      xpub: 'deriveXpub',
      nextAddress: 'nextAddress',
      markUsed: 'markUsed',
      accounts: 'accounts',
      exportMnemonic: 'exportMnemonic',
    }),
  );

  /** Lifecycle: records, transitions, rotation, policies, compromise reports. */
  readonly lifecycle = facet(this, {
    record: 'lifecycleRecord',
    report: 'lifecycleReport',
    run: 'runLifecycle',
    rotate: 'rotateKey',
    emergencyRotate: 'emergencyRotate',
    suspend: 'suspendKey',
    resume: 'resumeKey',
    deactivate: 'deactivateKey',
    archive: 'archiveKey',
    markCompromised: 'markCompromised',
    isCompromised: 'isCompromised',
    active: 'activeKey',
    setPolicy: 'setKeyPolicy',
    registerPolicy: 'registerPolicy',
    policies: 'policies',
    reportCompromise: 'reportCompromise',
    acknowledgeCompromise: 'acknowledgeCompromise',
    compromiseEvents: 'compromiseEvents',
  });

  /** Backup and recovery: files, custodian shares, SLIP-0039, keystore v3. `keystore.backup(o)` is `backup.file(o)`. */
  readonly backup = Object.assign(
    (o: Parameters<Keystore['backupFile']>[0]) => this.backupFile(o),
    facet(this, {
      file: 'backupFile',
      toShares: 'backupToShares',
      verify: 'verifyBackup',
      restore: 'restoreBackup',
      exportSlip39: 'exportSlip39',
      importSlip39: 'importSlip39',
      exportKeystoreV3: 'exportKeystoreV3',
      importKeystoreV3: 'importKeystoreV3',
    }),
  );

  /** The audit chain: verify, report, export, and the way on from a broken chain. */
  readonly audit = facet(this, {
    verify: 'verifyAuditLog',
    report: 'auditReport',
    export: 'exportAuditLog',
    exportSigned: 'exportSignedAuditLog',
    publicKey: 'auditPublicKey',
    stats: 'auditStats',
    exportQuarantine: 'exportAuditQuarantine',
    reanchor: 'reanchorAuditLog',
  });

  /**
   * Multisig approvals held in the vault (docs/security.md "Multisig in the
   * vault"): `multisig:*` permissions, audited, records authenticated like keys.
   * Each call is the worker operation `multisig` + its capitalised name.
   */
  readonly multisig: VaultMultisig = Object.freeze(
    Object.fromEntries(
      ['createGroup', 'initiate', 'get', 'list', 'addSignature', 'signWithKey', 'complete', 'cancel'].map((n) => [
        n,
        (...a: unknown[]) => this.#op(`multisig${n[0]!.toUpperCase()}${n.slice(1)}`, a),
      ]),
    ),
  ) as unknown as VaultMultisig;

  /** Principals and roles (policy:manage). */
  readonly principals = facet(this, { list: 'listPrincipals', add: 'addPrincipal', update: 'updatePrincipal', remove: 'removePrincipal' });

  /** Unlock methods: passphrase and passkeys. Changing them re-keys the vault. */
  readonly unlockMethods = facet(this, {
    list: 'methods',
    addPasskey: 'addPasskey',
    setPassphrase: 'setPassphrase',
    remove: 'removeMethod',
  });

  // ---- unlock methods (policy:manage) ----

  /** Enrolls a passkey (WebAuthn PRF) as another unlock method. */
  async addPasskey(o: PasskeyOptions = {}): Promise<VaultMethodInfo> {
    const m = await (await passkeys()).createPasskey({ ...this.#opts.passkey, ...o });
    const { v } = await this.#vault();
    const ctx = this.#clock ? { now: this.#clock() } : {};
    // The PRF output moves to the worker (transferred, so no copy stays on the page).
    return (await v.call('addPasskey', transfer([m], [m.prf.buffer as ArrayBuffer]), ctx)) as VaultMethodInfo;
  }

  /**
   * Sets or replaces the passphrase. The vault is re-keyed: a new vault key,
   * every enrolled passkey asked to confirm (one assertion each), every secret
   * re-encrypted, so the old passphrase opens nothing current.
   */
  async setPassphrase(passphrase: string, kdf?: KdfChoice): Promise<VaultMethodInfo> {
    return this.#op('setPassphrase', [{ passphrase, ...(kdf ? { kdf } : {}) }]);
  }

  /** Removes unlock methods by id; re-keys the vault (the passphrase, if it stays, comes as `{ proof: { passphrase } }`). */
  async removeMethod(id: string | string[], o: FreshProof = {}): Promise<void> {
    await this.#op('removeMethod', [id], o);
  }

  async methods(): Promise<VaultMethodInfo[]> {
    return (await this.status()).methods;
  }

  /** The vault's keys (public metadata). While locked they are marked `verified: false`. */
  async listKeys(): Promise<VaultKeyInfo[]> {
    return (await this.status()).keys;
  }

  // ---- keys ----

  async createFromMnemonic(mnemonic: string, o: { bip39Passphrase?: string; label?: string; policy?: string } = {}): Promise<VaultKeyInfo> {
    return this.#op('createFromMnemonic', [mnemonic, o ?? {}]);
  }

  async generate(o: { strength?: 128 | 160 | 192 | 224 | 256; label?: string; policy?: string } = {}): Promise<VaultKeyInfo> {
    return this.#op('generate', [o ?? {}]);
  }

  /** Imports raw private keys, all in one transaction. The arrays passed in are zeroed. */
  async importKeys(
    list: { privateKey: Uint8Array; curve?: KeyCurve; label?: string }[],
    o: { policy?: string } = {},
  ): Promise<VaultKeyInfo[]> {
    try {
      return await this.#op('importKeys', [list, o ?? {}]);
    } finally {
      if (Array.isArray(list)) for (const k of list) if (k?.privateKey instanceof Uint8Array) k.privateKey.fill(0);
    }
  }

  /**
   * Removes a key for good (lifecycle to Destroyed; the data key is rotated so its records open nothing).
   * A rotated key still in its grace period is refused (KEY_IN_GRACE) unless `{ force: true, proof }`; so is one
   * whose fresh successor has no backup yet under a `requireBackupAfterRotation` policy (BACKUP_REQUIRED).
   */
  async removeKey(keyId: string, o: RetireOptions = {}): Promise<void> {
    await this.#op('removeKey', [keyId, retire(o)], o);
  }

  async sign(keyId: string, digest: Uint8Array, o: SignOptions = {}): Promise<SignResult> {
    return this.#op('sign', [keyId, digest, o]);
  }

  /**
   * BIP-340 Schnorr over a 32-byte digest (a BIP-341 sighash) by a secp256k1
   * key, tweaked for a taproot key-path spend: `tweak` 'bip86' (default, no
   * script tree), a 32-byte t, or null (untweaked). Same permission
   * (`key:sign`), lifecycle gate, usage count and audit as `sign`.
   */
  async signSchnorr(keyId: string, digest: Uint8Array, o: SchnorrSignOptions = {}): Promise<SchnorrSignResult> {
    return this.#op('signSchnorr', [keyId, digest, o]);
  }

  async signMessage(
    keyId: string,
    message: string | Uint8Array,
    o: SignOptions = {},
  ): Promise<SignResult & { digest?: Uint8Array; address?: string }> {
    return this.#op('signMessage', [keyId, message, o]);
  }

  async verify(keyId: string, digest: Uint8Array, signature: Uint8Array, o: SignOptions = {}): Promise<boolean> {
    return this.#op('verify', [keyId, digest, signature, o]);
  }

  async getAddress(keyId: string, chain: ChainName, index = 0, o: AddressOptions = {}): Promise<AddressResult> {
    return this.#op('getAddress', [keyId, chain, index, o]);
  }

  async deriveXpub(keyId: string, path: string): Promise<string> {
    return this.#op('deriveXpub', [keyId, path]);
  }

  async nextAddress(keyId: string, account: AccountSpec, chain: Chain = 0): Promise<AccountAddress> {
    return this.#op('nextAddress', [keyId, account, chain]);
  }

  async markUsed(keyId: string, account: AccountSpec, chain: Chain, index: number): Promise<AccountState> {
    return this.#op('markUsed', [keyId, account, chain, index]);
  }

  async accounts(keyId: string): Promise<AccountState[]> {
    return this.#op('accounts', [keyId]);
  }

  /** The mnemonic of an HD key; the proof is checked by the worker on this very call. */
  async exportMnemonic(keyId: string, proof: UnlockProof): Promise<string> {
    return this.#op('exportMnemonic', [keyId], { proof });
  }

  // ---- backup and recovery (docs/backup.md) ----

  /** An encrypted backup file of the vault's keys (or `keyIds`); needs `proof`. The passphrase follows the unlock rule. */
  async backupFile(
    o: { passphrase: string; keyIds?: string[]; kdf?: BackupKdfParams; onProgress?: (f: number) => void } & FreshProof,
  ): Promise<Uint8Array> {
    if (!o || typeof o !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'backup needs { passphrase, proof }');
    return this.#op(
      'backup',
      [
        { passphrase: o.passphrase },
        { ...(o.keyIds !== undefined ? { keyIds: o.keyIds } : {}), ...(o.kdf !== undefined ? { kdf: o.kdf } : {}) },
      ],
      o,
    );
  }

  /** A backup for custodians (M-of-N binary Shamir shares of a random backup key); needs `proof`. */
  async backupToShares(
    o: { threshold: number; shares: number; keyIds?: string[]; onProgress?: (f: number) => void } & FreshProof,
  ): Promise<{ file: Uint8Array; shares: Uint8Array[]; shareTexts: string[] }> {
    if (!o || typeof o !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'backupToShares needs { threshold, shares, proof }');
    return this.#op(
      'backupToShares',
      [{ threshold: o.threshold, shares: o.shares }, o.keyIds !== undefined ? { keyIds: o.keyIds } : {}],
      o,
    );
  }

  /** Opens a backup file and lists what it holds (no secret returned, nothing written). Needs no unlocked vault. */
  async verifyBackup(file: Uint8Array, secret: BackupSecret, o: { onProgress?: (f: number) => void } = {}): Promise<BackupSummary> {
    return (await this.#vault()).v.verifyBackup(file, secret, progress(o?.onProgress));
  }

  /**
   * Restores keys (with their accounts and lifecycle records, in one transaction).
   * In a browser profile with no vault yet, `createVault` (the new vault's unlock
   * methods, as `create` takes them) creates it and restores into it, so a restore
   * on a new device adds no key of its own; without it that is NO_VAULT. The file is
   * opened first (one more KDF run), so a wrong passphrase or a damaged file creates
   * nothing; progress covers both runs.
   */
  async restoreBackup(
    file: Uint8Array,
    secret: BackupSecret,
    o: RestoreOptions & FreshProof & { onProgress?: (f: number) => void; createVault?: CreateOptions } = {},
  ): Promise<RestoreResult> {
    const { proof, createVault, onProgress: whole, ...opts } = o ?? {};
    let onProgress = whole;
    if (createVault !== undefined && (await this.status()).state === 'empty') {
      await this.verifyBackup(file, secret, whole ? { onProgress: (f) => whole(f / 2) } : {});
      await this.create(createVault);
      if (whole) onProgress = (f) => whole(0.5 + f / 2);
    }
    return this.#op('restoreBackup', [file, secret, opts], {
      ...(proof !== undefined ? { proof } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
  }

  async exportSlip39(keyId: string, proof: UnlockProof, o: Slip39SplitOptions = {}): Promise<string[][]> {
    return this.#op('exportSlip39', [keyId, o], { proof });
  }

  async importSlip39(mnemonics: string[], o: { passphrase?: string; label?: string; policy?: string } = {}): Promise<VaultKeyInfo> {
    return this.#op('importSlip39', [mnemonics, o ?? {}]);
  }

  /** Imports a keystore v3 key; ALREADY_EXISTS (naming the key's id) if the vault holds that key already. */
  async importKeystoreV3(
    json: string | object,
    password: string,
    o: { label?: string; policy?: string; onProgress?: (f: number) => void } = {},
  ): Promise<VaultKeyInfo & { address: string }> {
    const { onProgress, ...opts } = o ?? {};
    return this.#op('importKeystoreV3', [json, password, opts], onProgress ? { onProgress } : {});
  }

  /** A secp256k1 key as keystore v3 JSON under `password` (>= 8 characters); needs `proof`. */
  async exportKeystoreV3(
    keyId: string,
    password: string,
    o: {
      path?: string;
      kdf?: 'scrypt' | 'pbkdf2';
      scrypt?: { n: number; r: number; p: number };
      pbkdf2?: { c: number };
      onProgress?: (f: number) => void;
    } & FreshProof = {},
  ): Promise<string> {
    const { proof, onProgress, ...opts } = o ?? {};
    return this.#op('exportKeystoreV3', [keyId, password, opts], {
      ...(proof !== undefined ? { proof } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
  }

  // ---- hardware keys (Ledger, HSM through the bridge) as managed keys ----

  async registerHardwareKey(d: HardwareKeyDescriptor, o: { policy?: string } = {}): Promise<HardwareKey> {
    return this.#op('registerHardwareKey', [d, o ?? {}]);
  }

  async hardwareKeys(): Promise<(HardwareKey & { state: string })[]> {
    return this.#op('hardwareKeys', []);
  }

  /**
   * Runs `sign` (the app's call to the Ledger or the bridge) for an enrolled
   * hardware key once the worker allowed it (hsm:access, lifecycle gate; the
   * use is counted and audited before the device is asked).
   */
  async useHardwareKey<T>(keyId: string, sign: (key: HardwareKey) => Promise<T>): Promise<T> {
    if (typeof sign !== 'function') throw new VaultkeyError('INVALID_ARGUMENT', 'useHardwareKey needs a signing function');
    return sign(await this.#op<HardwareKey>('useHardwareKey', [keyId]));
  }

  // ---- lifecycle (docs/lifecycle.md) ----

  /** Rotates to `<base>-v<N+1>`; an HD key's successor gets a fresh seed unless `successor: 'next-account'`. */
  async rotateKey(keyId: string, o: RotateOptions = {}): Promise<{ oldKeyId: string; newKeyId: string }> {
    return this.#op('rotateKey', [keyId, { reason: o?.reason, ...(o?.successor !== undefined ? { successor: o.successor } : {}) }], o);
  }

  /** The current version of a key: `baseId` (or any version's id) with its successors followed (docs/lifecycle.md "Following rotations"). */
  async activeKey(baseId: string): Promise<string> {
    return this.#op('activeKey', [baseId]);
  }

  /** Moves a key in service to another policy (policy:manage; MFA when either policy requires it); dates recomputed. */
  async setKeyPolicy(keyId: string, policy: string, o: ChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#op('setKeyPolicy', [keyId, policy, { reason: o?.reason }], o);
  }

  /** Whether the key is or was Compromised, or a critical detector event names it, as the vault's records say (every tab, every reload). */
  async isCompromised(keyId: string): Promise<boolean> {
    return this.#op('isCompromised', [keyId]);
  }

  async emergencyRotate(keyId: string, o: ChangeOptions = {}): Promise<{ oldKeyId: string; newKeyId: string | null }> {
    return this.#op('emergencyRotate', [keyId, { reason: o?.reason }], o);
  }

  suspendKey(keyId: string, o: ChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#op('suspendKey', [keyId, { reason: o?.reason }], o);
  }

  resumeKey(keyId: string, o: ChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#op('resumeKey', [keyId, { reason: o?.reason }], o);
  }

  /**
   * Retires a key; ending a rotated key's grace period early needs `{ force: true, proof }` (KEY_IN_GRACE otherwise),
   * as does retiring one whose fresh successor has no backup yet (BACKUP_REQUIRED, docs/lifecycle.md "Backup after rotation").
   */
  deactivateKey(keyId: string, o: RetireOptions = {}): Promise<LifecycleRecord> {
    return this.#op('deactivateKey', [keyId, retire(o)], o);
  }

  archiveKey(keyId: string, o: ChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#op('archiveKey', [keyId, { reason: o?.reason }], o);
  }

  markCompromised(keyId: string, o: ChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#op('markCompromised', [keyId, { reason: o?.reason }], o);
  }

  async lifecycleRecord(keyId: string): Promise<LifecycleRecord> {
    return this.#op('lifecycleRecord', [keyId]);
  }

  async lifecycleReport(): Promise<LifecycleReport> {
    return this.#op('lifecycleReport', []);
  }

  /** Runs the scheduler's evaluation now (it also runs at unlock and every intervalMs); acted: false while locked. */
  async runLifecycle(): Promise<{ acted: boolean; result?: unknown }> {
    return (await this.#vault()).v.runLifecycle(this.#clock ? { now: this.#clock() } : {});
  }

  async registerPolicy(policy: LifecyclePolicy, o: { replace?: boolean } = {}): Promise<Readonly<LifecyclePolicy>> {
    return this.#op('registerPolicy', [policy, o ?? {}]);
  }

  async policies(): Promise<Readonly<LifecyclePolicy>[]> {
    return this.#op('policies', []);
  }

  async reportCompromise(keyId: string, r: { severity: Severity; details: string; indicator?: Indicator }): Promise<CompromiseEvent> {
    return this.#op('reportCompromise', [keyId, r]);
  }

  async acknowledgeCompromise(eventId: string): Promise<CompromiseEvent> {
    return this.#op('acknowledgeCompromise', [eventId]);
  }

  async compromiseEvents(keyId?: string): Promise<CompromiseEvent[]> {
    return this.#op('compromiseEvents', keyId === undefined ? [] : [keyId]);
  }

  // ---- audit ----

  async verifyAuditLog(): Promise<AuditVerification> {
    return this.#op('verifyAuditLog', []);
  }

  async auditReport(q: { since?: number; until?: number } = {}): Promise<AuditReport> {
    return this.#op('auditReport', [q ?? {}]);
  }

  /** The log as JSON Lines (MACs included). */
  async exportAuditLog(q?: AuditQuery): Promise<string> {
    return this.#op('exportAuditLog', q === undefined ? [] : [q]);
  }

  /**
   * The whole log as a signed export (JSON text) that an auditor verifies with
   * only `auditPublicKey()`: `verifyAuditExport` (vaultkey/backup) or
   * `npx vaultkey audit verify FILE --public-key KEY` (docs/security.md).
   */
  async exportSignedAuditLog(): Promise<string> {
    return this.#op('exportSignedAuditLog', []);
  }

  /**
   * Where the audit log stands: the stored run (`firstSeq`..`lastSeq`), what
   * retention pruned (`pruned`, `anchor`), the verified checkpoint and how
   * many entries the last chain walk checked (`lastWalk`).
   */
  async auditStats(): Promise<AuditStats> {
    return this.#op('auditStats', []);
  }

  /** The vault's Ed25519 audit public key (base64url, 32 bytes); the same for the life of the vault. */
  async auditPublicKey(): Promise<string> {
    return this.#op('auditPublicKey', []);
  }

  /** After AUDIT_TAMPERED: moves the broken tail aside and continues the chain from the last entry that verifies. */
  async reanchorAuditLog(proof: UnlockProof, o: { reason?: string } = {}): Promise<{ brokenAt: number; quarantined: number }> {
    return this.#op('reanchorAuditLog', [{ reason: o?.reason }], { proof });
  }

  // ---- principals ----

  async listPrincipals(): Promise<Principal[]> {
    return this.#op('principals', []);
  }

  /** The entries a reanchor moved aside, as JSON Lines (unverified: they are what broke the chain). */
  async exportAuditQuarantine(): Promise<string> {
    return this.#op('exportAuditQuarantine', []);
  }

  async addPrincipal(p: Principal): Promise<Principal> {
    return this.#op('addPrincipal', [p]);
  }

  async updatePrincipal(p: Principal): Promise<Principal> {
    return this.#op('updatePrincipal', [p]);
  }

  async removePrincipal(id: string): Promise<void> {
    await this.#op('removePrincipal', [id]);
  }

  /** Locks, ends the worker and stops listening to other tabs. */
  close(): void {
    this.#closed = true;
    this.#channel?.close();
    this.#channel = null;
    if (typeof removeEventListener === 'function') removeEventListener('pagehide', this.#onPagehide);
    const w = this.#w;
    this.#w = null;
    if (w)
      void vaultOf(w.remote)
        .lock()
        .finally(() => w.terminate());
  }

  #pagehide(): void {
    // The page may be frozen in the back/forward cache right after this event,
    // with the worker suspended before it could process a lock message. So
    // the worker is terminated: its whole heap (keys, seeds, WASM memory) goes
    // with it. A later call starts a fresh, locked worker.
    const w = this.#w;
    this.#w = null;
    this.#ready = null;
    w?.terminate();
    if (this.#status.state === 'unlocked') {
      this.#status = LOCKED_STATUS(this.#status);
      this.#emit('lock', { reason: 'pagehide' });
    }
  }

  #onWorker(e: VaultEvent): void {
    switch (e.type) {
      case 'lock':
        this.#status = LOCKED_STATUS(this.#status);
        this.#emit('lock', { reason: e.reason });
        if (e.reason === 'compromise') this.#post('lock');
        break;
      case 'unlock':
        this.#emit('unlock', {});
        break;
      case 'change':
        this.#post('change');
        this.#emit('change', {});
        break;
      case 'lifecycle':
        this.dispatchEvent(new LifecycleEvent(e.detail));
        break;
      case 'detector':
        this.dispatchEvent(new DetectorEvent(e.kind, e.detail));
        break;
      case 'scheduler-error':
        this.dispatchEvent(new SchedulerErrorEvent(new VaultkeyError(toErrorCode(e.code, 'WORKER_FAILED'), e.message)));
        break;
      case 'audit-tampered':
        this.dispatchEvent(new CustomEvent('audit-tampered', { detail: e.detail }));
        break;
      case 'tamper':
        this.dispatchEvent(new CustomEvent('tamper', { detail: e.detail }));
        break;
      case 'backup-required':
        // docs/lifecycle.md "Backup after rotation": detail { keyId (the successor), predecessor, at }.
        this.dispatchEvent(new CustomEvent('backup-required', { detail: { keyId: e.keyId, predecessor: e.predecessor, at: e.at } }));
        break;
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
        if (this.#w) this.#status = await (await this.#vault()).v.refresh();
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

/** A device key: where it lives and its public key. Never a secret. */
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
