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
import { fromB64url, type KeyCurve, type KeyInfo, type MethodInfo } from './format.js';
import type { KdfChoice } from './crypto.js';

void installed;

export type { AccountSpec, AddressOptions, AddressResult, ChainName, SignOptions, SignResult, VaultState, VaultStatus, KdfChoice, KeyInfo, MethodInfo, KeyCurve, PasskeyOptions };

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
}

/** How to unlock, or how to prove presence again before an export. */
export type UnlockProof = { passphrase: string } | { passkey: true };

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

type Msg = { vault: string; from: string; type: 'lock' | 'unlock' | 'change' };

export interface KeystoreEventDetail {
  reason?: 'manual' | 'idle' | 'remote' | 'pagehide';
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
          return await vaultOf(spawned.remote).open(this.name, { autoLockMs: this.#opts.autoLockMs }, proxy((e: VaultEvent) => this.#onWorker(e)));
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

  /** Creates the vault with a passphrase, a passkey, or both; it is left unlocked. */
  async create(o: CreateOptions): Promise<VaultStatus> {
    if (!o || typeof o !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'create needs { passphrase } and/or { passkey: true }');
    const v = vaultOf(await this.#remote());
    let passkey: PasskeyMaterial | undefined;
    if (o.passkey) passkey = await createPasskey({ ...this.#opts.passkey, ...(typeof o.passkey === 'object' ? o.passkey : {}) });
    const passphrase: PassphraseEnrollment | undefined = o.passphrase !== undefined ? { passphrase: o.passphrase, kdf: o.kdf } : undefined;
    const st = await this.#run(v.create(transfer({ passphrase, passkey }, passkey ? [passkey.prf.buffer as ArrayBuffer] : [])));
    this.#post('unlock');
    this.#emit('unlock', {});
    return st;
  }

  /** Unlocks with the passphrase or with an enrolled passkey (one WebAuthn assertion with PRF). */
  async unlock(proof: UnlockProof): Promise<VaultStatus> {
    const v = vaultOf(await this.#remote());
    const st = await this.#run(v.unlock(await this.#proof(v, proof)));
    this.#post('unlock');
    this.#emit('unlock', {});
    return st;
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

  /** Locks this tab's vault (secrets zeroed in the worker) and tells the other tabs to lock too. */
  async lock(): Promise<void> {
    await this.#lockLocal('manual');
    this.#post('lock');
  }

  async #lockLocal(reason: KeystoreEventDetail['reason']): Promise<void> {
    if (this.#w) await vaultOf(await this.#remote()).lock();
    if (this.#status.state === 'unlocked') this.#status = { ...this.#status, state: 'locked' };
    this.#emit('lock', { reason });
  }

  /** Enrolls a passkey (WebAuthn PRF) as another unlock method. Needs the vault unlocked; secrets are not re-encrypted. */
  async addPasskey(o: PasskeyOptions = {}): Promise<MethodInfo> {
    const v = vaultOf(await this.#remote());
    if ((await v.status()).state !== 'unlocked') throw new VaultkeyError('LOCKED', 'unlock the vault before adding a passkey');
    const m = await createPasskey({ ...this.#opts.passkey, ...o });
    return v.addPasskey(transfer(m, [m.prf.buffer as ArrayBuffer]));
  }

  /** Sets or replaces the passphrase (new salt, KDF parameters as given). Needs the vault unlocked. */
  async setPassphrase(passphrase: string, kdf?: KdfChoice): Promise<MethodInfo> {
    return vaultOf(await this.#remote()).setPassphrase({ passphrase, kdf });
  }

  /** Removes an unlock method by id ('passphrase' or 'passkey:...'); refuses to remove the last one. */
  async removeMethod(id: string): Promise<void> {
    await vaultOf(await this.#remote()).removeMethod(id);
  }

  async methods(): Promise<MethodInfo[]> {
    return (await this.status()).methods;
  }

  async keys(): Promise<KeyInfo[]> {
    return vaultOf(await this.#remote()).keys();
  }

  /** Stores an HD key from a BIP-39 mnemonic (English). Returns its handle. */
  async createFromMnemonic(mnemonic: string, o: { bip39Passphrase?: string; label?: string } = {}): Promise<KeyInfo> {
    return vaultOf(await this.#remote()).createFromMnemonic(mnemonic, o);
  }

  /** Generates a new mnemonic inside the worker; the page only gets the handle (back it up with exportMnemonic). */
  async generate(o: { strength?: 128 | 160 | 192 | 224 | 256; label?: string } = {}): Promise<KeyInfo> {
    return vaultOf(await this.#remote()).generate(o);
  }

  /** Imports raw private keys, all in one transaction. The arrays passed in are zeroed. */
  async importKeys(list: { privateKey: Uint8Array; curve?: KeyCurve; label?: string }[]): Promise<KeyInfo[]> {
    const v = vaultOf(await this.#remote());
    try {
      return await v.importKeys(list);
    } finally {
      if (Array.isArray(list)) for (const k of list) if (k?.privateKey instanceof Uint8Array) k.privateKey.fill(0);
    }
  }

  async removeKey(keyId: string): Promise<void> {
    await vaultOf(await this.#remote()).removeKey(keyId);
  }

  /** Signs a 32-byte digest with secp256k1 (or a message with ed25519) in the worker. */
  async sign(keyId: string, digest: Uint8Array, o: SignOptions = {}): Promise<SignResult> {
    return vaultOf(await this.#remote()).sign(keyId, digest, o);
  }

  /** EIP-191 personal message signature (65 bytes r||s||v) for secp256k1 keys; RFC 8032 for ed25519. */
  async signMessage(keyId: string, message: string | Uint8Array, o: SignOptions = {}) {
    return vaultOf(await this.#remote()).signMessage(keyId, message, o);
  }

  async getAddress(keyId: string, chain: ChainName, index = 0, o: AddressOptions = {}): Promise<AddressResult> {
    return vaultOf(await this.#remote()).getAddress(keyId, chain, index, o);
  }

  async deriveXpub(keyId: string, path: string): Promise<string> {
    return vaultOf(await this.#remote()).deriveXpub(keyId, path);
  }

  /** Next unused address of a BIP-44/49/84/86 account; the account's indices persist in the vault. */
  async nextAddress(keyId: string, account: AccountSpec, chain: Chain = 0): Promise<AccountAddress> {
    return vaultOf(await this.#remote()).nextAddress(keyId, account, chain);
  }

  async markUsed(keyId: string, account: AccountSpec, chain: Chain, index: number): Promise<AccountState> {
    return vaultOf(await this.#remote()).markUsed(keyId, account, chain, index);
  }

  async accounts(keyId: string): Promise<AccountState[]> {
    return vaultOf(await this.#remote()).accounts(keyId);
  }

  /**
   * The mnemonic of an HD key. Requires fresh verification every time: the
   * passphrase again, or a new passkey assertion, from which the worker
   * unwraps the data key anew.
   */
  async exportMnemonic(keyId: string, proof: UnlockProof): Promise<string> {
    const v = vaultOf(await this.#remote());
    return v.exportMnemonic(keyId, await this.#proof(v, proof));
  }

  /** Locks, ends the worker and stops listening to other tabs. */
  close(): void {
    this.#closed = true;
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
    if (this.#status.state === 'unlocked') {
      this.#status = { ...this.#status, state: 'locked' };
      this.#emit('lock', { reason: 'pagehide' });
    }
  }

  #onWorker(e: VaultEvent): void {
    if (e.type === 'lock') {
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
