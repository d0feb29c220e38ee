// vaultkey/eip1193: an EIP-1193 provider (the `window.ethereum` interface) over
// any EVM signer vaultkey has: a Keystore key, an HSM key behind the bridge,
// or a Ledger (src/interop/signer.ts). A dApp library that speaks EIP-1193
// (viem's `custom` transport, ethers' BrowserProvider, wagmi) then signs with
// vaultkey without knowing it.
//
// viem stays a peer dependency and does the Ethereum encoding: the signing
// goes through vaultkey/viem's account (which checks that every signature
// recovers to the account), transaction preparation (nonce, gas, fees) is
// viem's prepareTransactionRequest against the app's RPC. This module only
// routes requests, asks the app's approval hook, and keeps EIP-1193's state
// (accounts, chain, connection) and events.
//
// Errors are EIP-1193 / EIP-1474 ProviderRpcErrors ({ code, message, data }),
// not VaultkeyError: that is the interface dApp libraries understand. A
// VaultkeyError behind one is in `data.vaultkeyCode`.
import {
  createClient,
  custom,
  getAddress,
  hexToBigInt,
  isAddress,
  isHex,
  numberToHex,
  stringToHex,
  type Hex,
  type LocalAccount,
  type TransactionSerializable,
} from 'viem';
import { prepareTransactionRequest } from 'viem/actions';
import { VaultkeyError } from '../errors.js';
import { isFollowing, resolveSigner, type EvmSigner, type SignerSource } from '../interop/signer.js';
import { toVaultkeyAccount } from '../viem/index.js';

export { keystoreSigner, bridgeSigner, ledgerSigner, hardwareKeySigner } from '../interop/signer.js';
export type { EvmSigner, EvmDigestSigner, EvmDeviceSigner, KeystoreSource, SignerSource } from '../interop/signer.js';
export { VaultkeyError } from '../errors.js';

// ---- errors (EIP-1193 "Provider Errors", EIP-1474 "Error codes") ---------------------------

/** EIP-1193 provider error codes, and the EIP-1474 JSON-RPC ones this provider uses. */
export const ProviderErrorCode = {
  /** EIP-1193: the user (the app's approve hook) rejected the request. */
  USER_REJECTED: 4001,
  /** EIP-1193: the method or account has not been authorized (no eth_requestAccounts yet, vault locked, other account). */
  UNAUTHORIZED: 4100,
  /** EIP-1193: the provider does not support the method. */
  UNSUPPORTED_METHOD: 4200,
  /** EIP-1193: the provider is disconnected from all chains. */
  DISCONNECTED: 4900,
  /** EIP-1193: the provider is not connected to the requested chain (no RPC URL, or the RPC cannot be reached). */
  CHAIN_DISCONNECTED: 4901,
  /** EIP-3326: wallet_switchEthereumChain to a chain the provider does not know (add it first). */
  UNRECOGNIZED_CHAIN: 4902,
  /** EIP-1474: invalid method parameters. */
  INVALID_PARAMS: -32602,
  /** EIP-1474: internal error. */
  INTERNAL: -32603,
} as const;

/** EIP-1193's ProviderRpcError: an Error with a numeric `code` and optional `data`. */
export class ProviderRpcError extends Error {
  readonly code: number;
  readonly data?: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'ProviderRpcError';
    this.code = code;
    if (data !== undefined) this.data = data;
  }
}

const E = ProviderErrorCode;
const invalid = (message: string) => new ProviderRpcError(E.INVALID_PARAMS, message);

/** The Keystore refusals that mean "not authorized now" (locked, no permission, key retired): EIP-1193's 4100. */
const UNAUTHORIZED_CODES = new Set([
  'LOCKED',
  'DEVICE_LOCKED', // a Ledger locked with its PIN: like a locked vault
  'PERMISSION_DENIED',
  'KEY_ROTATED',
  'KEY_DEACTIVATED',
  'KEY_COMPROMISED',
  'KEY_EXPIRED',
  'KEY_DESTROYED',
  'KEY_SUSPENDED',
]);

function toProviderError(e: unknown): ProviderRpcError {
  if (e instanceof ProviderRpcError) return e;
  if (e instanceof VaultkeyError) {
    const data = { vaultkeyCode: e.code };
    if (e.code === 'USER_REJECTED') return new ProviderRpcError(E.USER_REJECTED, e.message, data);
    if (UNAUTHORIZED_CODES.has(e.code)) return new ProviderRpcError(E.UNAUTHORIZED, e.message, data);
    return new ProviderRpcError(E.INTERNAL, e.message, data);
  }
  return new ProviderRpcError(E.INTERNAL, e instanceof Error ? e.message : String(e));
}

// ---- options -------------------------------------------------------------------------------

/** A chain the provider can switch to. Reads go to `rpcUrl` (JSON-RPC over HTTP(S)). */
export interface ChainConfig {
  chainId: number;
  rpcUrl?: string;
  /** EIP-3085 fields, kept as given (wallet_addEthereumChain fills them). */
  chainName?: string;
  nativeCurrency?: { name: string; symbol: string; decimals: number };
  blockExplorerUrls?: string[];
}

/** What the approve hook is asked: one request that would connect, sign, send or change chains. */
export interface ApprovalRequest {
  method: string;
  params: readonly unknown[];
  /** The chain the provider is on (a number). */
  chainId: number;
  /** The account that would sign, or null before one is known. */
  address: Hex | null;
}

/** Something that reports a vault locking and unlocking: a Keystore (its 'lock', 'unlock' and 'change' events). */
export interface LockEvents {
  addEventListener(type: 'lock' | 'unlock' | 'change', listener: () => void): void;
  removeEventListener(type: 'lock' | 'unlock' | 'change', listener: () => void): void;
  /** 'locked' / 'unlocked' / 'empty' as a Keystore reports it; anything but 'unlocked' counts as locked. */
  readonly state?: string;
}

export interface Eip1193ProviderOptions {
  /** The signer: an EvmSigner (bridgeSigner, ledgerSigner, ...) or `{ keystore, keyId, index? ... }`. */
  signer: SignerSource;
  /** The chains it knows; the first (or `chainId`) is the one it starts on. */
  chains: ChainConfig[];
  chainId?: number;
  /**
   * Asked before eth_requestAccounts connects, before each signature or
   * transaction, and before wallet_switchEthereumChain / wallet_addEthereumChain.
   * Resolve true to go ahead; false (or a throw) answers the dApp 4001.
   */
  approve: (request: ApprovalRequest) => boolean | Promise<boolean>;
  /** Lock events (default: the Keystore of `signer` when it is `{ keystore, keyId }`). */
  lockEvents?: LockEvents;
  /** fetch for the RPC (default globalThis.fetch). */
  fetch?: typeof fetch;
}

// ---- the provider --------------------------------------------------------------------------

// biome-ignore lint/suspicious/noExplicitAny: dApps register typed listeners ((accounts: string[]) => void, ...), as with EventEmitter.
export type Listener = (...args: any[]) => void;

/** Methods answered from the wallet's own key: never forwarded to an RPC node, whose accounts are not the user's. */
const NEVER_FORWARDED = new Set([
  'eth_sign', // signs a bare digest: a phishing vector, deprecated by wallets
  'eth_signTypedData',
  'eth_signTypedData_v1',
  'eth_signTypedData_v3',
  'eth_coinbase',
  'eth_sendUserOperation',
]);

/**
 * An EIP-1193 provider. `request({ method, params })` resolves with the result
 * or rejects with a ProviderRpcError; `on`/`removeListener` take the events
 * connect, disconnect, chainChanged and accountsChanged.
 */
export class VaultkeyEip1193Provider {
  readonly #options: Eip1193ProviderOptions;
  readonly #chains = new Map<number, ChainConfig>();
  #chainId: number;
  #connected = true;
  #authorized = false;
  #locked = false;
  #lastAccounts: string[] = [];
  #signer: Promise<{ signer: EvmSigner; account: LocalAccount }> | null = null;
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #lockEvents: LockEvents | undefined;
  readonly #onLock = () => this.#setLocked(true);
  readonly #onUnlock = () => void this.#setLocked(false);
  readonly #onChange = () => void this.#refresh();

  constructor(options: Eip1193ProviderOptions) {
    if (!options || typeof options !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'options must be an object');
    if (typeof options.approve !== 'function') throw new VaultkeyError('INVALID_ARGUMENT', 'options.approve must be a function');
    if (!Array.isArray(options.chains) || options.chains.length === 0)
      throw new VaultkeyError('INVALID_ARGUMENT', 'options.chains must list at least one chain');
    for (const c of options.chains) this.#chains.set(checkChain(c).chainId, { ...c });
    this.#chainId = options.chainId ?? options.chains[0]!.chainId;
    if (!this.#chains.has(this.#chainId)) throw new VaultkeyError('INVALID_ARGUMENT', 'options.chainId is not in options.chains');
    this.#options = options;
    const source = options.signer as { keystore?: unknown };
    const events = options.lockEvents ?? (isLockEvents(source?.keystore) ? source.keystore : undefined);
    this.#lockEvents = events;
    if (events) {
      this.#locked = events.state !== undefined && events.state !== 'unlocked';
      events.addEventListener('lock', this.#onLock);
      events.addEventListener('unlock', this.#onUnlock);
      events.addEventListener('change', this.#onChange);
    }
    // EIP-1193 "connect": the provider can serve requests. Emitted after the
    // current task, so listeners added right after construction hear it.
    queueMicrotask(() => this.#emit('connect', { chainId: numberToHex(this.#chainId) }));
  }

  /** EIP-1193: true while the provider can serve requests (until disconnect()). */
  isConnected(): boolean {
    return this.#connected;
  }

  /** The chain it is on now, as a number. */
  get chainId(): number {
    return this.#chainId;
  }

  async request(args: { method: string; params?: readonly unknown[] | object }): Promise<unknown> {
    try {
      if (!args || typeof args !== 'object' || typeof args.method !== 'string')
        throw invalid('request takes { method: string, params?: array }');
      const params = args.params === undefined ? [] : args.params;
      // EIP-1474 allows by-name params; every method here takes them by position.
      if (!Array.isArray(params)) throw invalid('params must be an array');
      if (!this.#connected) throw new ProviderRpcError(E.DISCONNECTED, 'the provider is disconnected');
      return await this.#dispatch(args.method, params);
    } catch (e) {
      throw toProviderError(e);
    }
  }

  on(event: string, listener: Listener): this {
    const set = this.#listeners.get(event) ?? new Set<Listener>();
    this.#listeners.set(event, set);
    set.add(listener);
    return this;
  }

  once(event: string, listener: Listener): this {
    const wrapped: Listener = (...a) => {
      this.removeListener(event, wrapped);
      listener(...a);
    };
    return this.on(event, wrapped);
  }

  removeListener(event: string, listener: Listener): this {
    this.#listeners.get(event)?.delete(listener);
    return this;
  }

  off(event: string, listener: Listener): this {
    return this.removeListener(event, listener);
  }

  /**
   * Stops serving requests (they answer 4900) and emits EIP-1193 "disconnect"
   * with a 4900 ProviderRpcError; forgets the dApp's authorization and stops
   * listening to the vault. For when the vault is closed or the user logs out.
   */
  disconnect(): void {
    if (!this.#connected) return;
    this.#connected = false;
    this.#authorized = false;
    this.#lastAccounts = [];
    this.#lockEvents?.removeEventListener('lock', this.#onLock);
    this.#lockEvents?.removeEventListener('unlock', this.#onUnlock);
    this.#lockEvents?.removeEventListener('change', this.#onChange);
    this.#emit('disconnect', new ProviderRpcError(E.DISCONNECTED, 'the provider is disconnected'));
  }

  /**
   * EIP-6963: announces this provider to the page (an `eip6963:announceProvider`
   * event with `{ info, provider }`) and again on each `eip6963:requestProvider`.
   * Returns a function that stops answering.
   */
  announceProvider(info: Partial<Eip6963ProviderInfo> & Pick<Eip6963ProviderInfo, 'name' | 'rdns'>, target?: EventTarget): () => void {
    const t = target ?? (globalThis as { window?: EventTarget }).window;
    if (!t || typeof t.addEventListener !== 'function')
      throw new VaultkeyError('UNSUPPORTED', 'EIP-6963 needs a window (or pass an EventTarget)');
    const detail = Object.freeze({ info: Object.freeze(checkInfo(info)), provider: this });
    const announce = () => t.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }));
    t.addEventListener('eip6963:requestProvider', announce);
    announce();
    return () => t.removeEventListener('eip6963:requestProvider', announce);
  }

  // ---- dispatch --------------------------------------------------------------------------

  async #dispatch(method: string, params: readonly unknown[]): Promise<unknown> {
    switch (method) {
      case 'eth_chainId':
        return numberToHex(this.#chainId);
      case 'eth_accounts':
        return this.#accounts();
      case 'eth_requestAccounts':
        return this.#requestAccounts(params);
      case 'personal_sign':
        return this.#personalSign(params);
      case 'eth_signTypedData_v4':
        return this.#signTypedData(params);
      case 'eth_signTransaction':
        return this.#transaction(method, params, false);
      case 'eth_sendTransaction':
        return this.#transaction(method, params, true);
      case 'wallet_switchEthereumChain':
        return this.#switchChain(params);
      case 'wallet_addEthereumChain':
        return this.#addChain(params);
    }
    // EIP-1474 reads (and eth_sendRawTransaction, already signed) go to the chain's node.
    if (/^(eth|net|web3)_/.test(method) && !NEVER_FORWARDED.has(method)) return this.#rpc(method, params);
    throw new ProviderRpcError(E.UNSUPPORTED_METHOD, `unsupported method: ${method}`);
  }

  async #accounts(): Promise<string[]> {
    if (!this.#authorized || this.#locked) return [];
    const { signer } = await this.#resolve();
    return [getAddress(signer.address)];
  }

  async #requestAccounts(params: readonly unknown[]): Promise<string[]> {
    if (this.#locked) throw new ProviderRpcError(E.UNAUTHORIZED, 'the vault is locked');
    const { signer } = await this.#resolve();
    if (this.#authorized) return [getAddress(signer.address)];
    await this.#approve('eth_requestAccounts', params, signer.address);
    this.#authorized = true;
    return this.#announceAccounts(signer.address);
  }

  /** The signer to use for a request naming `from`: the dApp must be authorized, the vault open, the account ours. */
  async #authorizedFor(from: unknown): Promise<{ signer: EvmSigner; account: LocalAccount }> {
    if (!this.#authorized) throw new ProviderRpcError(E.UNAUTHORIZED, 'not authorized: call eth_requestAccounts first');
    if (this.#locked) throw new ProviderRpcError(E.UNAUTHORIZED, 'the vault is locked');
    if (typeof from !== 'string' || !isAddress(from, { strict: false })) throw invalid('expected an account address');
    const s = await this.#resolve();
    if (from.toLowerCase() !== s.signer.address.toLowerCase())
      throw new ProviderRpcError(E.UNAUTHORIZED, `account ${from} is not authorized`);
    return s;
  }

  async #personalSign(params: readonly unknown[]): Promise<Hex> {
    // EIP-1474 / MetaMask order: [message, address]. The message is hex bytes;
    // a non-hex string is signed as its UTF-8 (as MetaMask does).
    const [message, from] = params;
    if (typeof message !== 'string') throw invalid('personal_sign takes [message, address]');
    const { account } = await this.#authorizedFor(from);
    await this.#approve('personal_sign', params, account.address);
    const raw = isHex(message) ? message : stringToHex(message);
    return this.#signing(() => account.signMessage!({ message: { raw } }));
  }

  async #signTypedData(params: readonly unknown[]): Promise<Hex> {
    // EIP-712's eth_signTypedData (v4 as wallets name it): [address, typedData], typedData as JSON or an object.
    const [from, data] = params;
    let typed: unknown = data;
    if (typeof data === 'string') {
      try {
        typed = JSON.parse(data);
      } catch {
        throw invalid('typed data is not valid JSON');
      }
    }
    if (!typed || typeof typed !== 'object') throw invalid('eth_signTypedData_v4 takes [address, typedData]');
    const { types, primaryType, domain, message } = typed as Record<string, unknown>;
    if (!types || typeof types !== 'object' || typeof primaryType !== 'string' || !message || typeof message !== 'object')
      throw invalid('typed data needs types, primaryType and message');
    const { account } = await this.#authorizedFor(from);
    const domainObj = (domain ?? {}) as Record<string, unknown>;
    // The domain's chainId, if any, must be the chain the wallet is on (EIP-712 replay protection the dApp asked for).
    if (domainObj.chainId !== undefined && Number(domainObj.chainId) !== this.#chainId)
      throw invalid(`typed data is for chain ${String(domainObj.chainId)}, the wallet is on ${this.#chainId}`);
    await this.#approve('eth_signTypedData_v4', params, account.address);
    const def = { types, primaryType, domain: domainObj, message } as Parameters<NonNullable<LocalAccount['signTypedData']>>[0];
    // viem's encoder rejects malformed typed data (unknown types, bad values): the dApp's parameters.
    return this.#signing(() => account.signTypedData!(def), true);
  }

  async #transaction(method: string, params: readonly unknown[], send: boolean): Promise<Hex> {
    const tx = parseTransaction(params[0], this.#chainId);
    if (!this.#authorized) throw new ProviderRpcError(E.UNAUTHORIZED, 'not authorized: call eth_requestAccounts first');
    const { account } = await this.#authorizedFor(tx.from ?? (await this.#resolve()).signer.address);
    // Before asking the user: sending needs the chain's node (signing alone does only for fields the dApp left out).
    if (send) this.#rpcUrl();
    await this.#approve(method, params, account.address);
    const client = createClient({ transport: custom({ request: ({ method: m, params: p }) => this.#rpc(m, p ?? []) }) });
    const { from: _from, ...request } = tx;
    let prepared: TransactionSerializable;
    try {
      prepared = (await prepareTransactionRequest(client, {
        ...request,
        account,
        chain: null,
        chainId: this.#chainId,
      } as never)) as unknown as TransactionSerializable;
    } catch (e) {
      throw rpcCause(e) ?? new ProviderRpcError(E.INTERNAL, `could not prepare the transaction: ${shortMessage(e)}`);
    }
    const raw = await this.#signing(() => account.signTransaction(prepared));
    if (!send) return raw;
    return (await this.#rpc('eth_sendRawTransaction', [raw])) as Hex;
  }

  async #switchChain(params: readonly unknown[]): Promise<null> {
    // EIP-3326: [{ chainId }]
    const chainId = chainIdParam(params[0]);
    if (!this.#chains.has(chainId)) throw new ProviderRpcError(E.UNRECOGNIZED_CHAIN, `unrecognized chain ${numberToHex(chainId)}`);
    if (chainId === this.#chainId) return null;
    await this.#approve('wallet_switchEthereumChain', params, this.#authorized ? await this.#addressOrNull() : null);
    this.#chainId = chainId;
    this.#emit('chainChanged', numberToHex(chainId));
    return null;
  }

  async #addChain(params: readonly unknown[]): Promise<null> {
    // EIP-3085: [{ chainId, chainName, rpcUrls, nativeCurrency, blockExplorerUrls }]. Adding does not switch.
    const p = params[0] as Record<string, unknown> | undefined;
    const chainId = chainIdParam(p);
    const rpcUrls = p!.rpcUrls;
    if (!Array.isArray(rpcUrls) || rpcUrls.length === 0 || !rpcUrls.every((u) => typeof u === 'string' && /^https?:\/\//.test(u)))
      throw invalid('rpcUrls must list at least one http(s) URL');
    if (this.#chains.has(chainId)) return null;
    await this.#approve('wallet_addEthereumChain', params, this.#authorized ? await this.#addressOrNull() : null);
    this.#chains.set(chainId, {
      chainId,
      rpcUrl: rpcUrls[0] as string,
      ...(typeof p!.chainName === 'string' ? { chainName: p!.chainName } : {}),
      ...(p!.nativeCurrency ? { nativeCurrency: p!.nativeCurrency as ChainConfig['nativeCurrency'] } : {}),
      ...(Array.isArray(p!.blockExplorerUrls) ? { blockExplorerUrls: p!.blockExplorerUrls as string[] } : {}),
    });
    return null;
  }

  // ---- helpers ---------------------------------------------------------------------------

  async #approve(method: string, params: readonly unknown[], address: string | null): Promise<void> {
    let ok: boolean;
    try {
      ok = (await this.#options.approve({ method, params, chainId: this.#chainId, address: address as Hex | null })) === true;
    } catch {
      ok = false;
    }
    if (!ok) throw new ProviderRpcError(E.USER_REJECTED, 'the user rejected the request');
  }

  /** Runs a signature; a key that rotated meanwhile is announced (accountsChanged) whether it signed or not. */
  async #signing<T>(sign: () => Promise<T>, invalidInput = false): Promise<T> {
    try {
      return await sign();
    } catch (e) {
      if (invalidInput && !(e instanceof VaultkeyError) && !(e instanceof ProviderRpcError)) throw invalid(shortMessage(e));
      throw e;
    } finally {
      await this.#announceIfMoved();
    }
  }

  #resolve(): Promise<{ signer: EvmSigner; account: LocalAccount }> {
    this.#signer ??= (async () => {
      const signer = await resolveSigner(this.#options.signer);
      return { signer, account: await toVaultkeyAccount(signer) };
    })();
    // A failure (a locked vault, say) is not remembered: the next request tries again.
    this.#signer.catch(() => {
      this.#signer = null;
    });
    return this.#signer;
  }

  async #addressOrNull(): Promise<Hex | null> {
    try {
      return getAddress((await this.#resolve()).signer.address);
    } catch {
      return null;
    }
  }

  /** After eth_requestAccounts: the dApp now sees the account (EIP-1193 accountsChanged). */
  #announceAccounts(address: Hex): string[] {
    const accounts = [getAddress(address)];
    if (accounts[0] !== this.#lastAccounts[0]) {
      this.#lastAccounts = accounts;
      this.#emit('accountsChanged', accounts);
    }
    return accounts;
  }

  async #announceIfMoved(): Promise<void> {
    if (!this.#authorized || this.#locked || !this.#signer) return;
    const now = [getAddress((await this.#signer).signer.address)];
    if (now[0] !== this.#lastAccounts[0]) {
      this.#lastAccounts = now;
      this.#emit('accountsChanged', now);
    }
  }

  #setLocked(locked: boolean): void {
    if (this.#locked === locked) return;
    this.#locked = locked;
    if (locked) {
      // EIP-1193 "accountsChanged": a locked wallet exposes no accounts.
      if (this.#lastAccounts.length > 0) {
        this.#lastAccounts = [];
        this.#emit('accountsChanged', []);
      }
    } else void this.#announceIfMoved().catch(() => {});
  }

  async #refresh(): Promise<void> {
    try {
      if (!this.#signer) return;
      const { signer } = await this.#signer;
      if (isFollowing(signer)) await signer.refresh();
      await this.#announceIfMoved();
    } catch {
      // A refresh that fails (the vault locked meanwhile) changes nothing; the next request reports it.
    }
  }

  #rpcUrl(): string {
    const url = this.#chains.get(this.#chainId)?.rpcUrl;
    if (!url) throw new ProviderRpcError(E.CHAIN_DISCONNECTED, `no RPC URL for chain ${numberToHex(this.#chainId)}`);
    return url;
  }

  async #rpc(method: string, params: readonly unknown[] | object): Promise<unknown> {
    const url = this.#rpcUrl();
    const f = this.#options.fetch ?? globalThis.fetch;
    let body: { result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
    try {
      const res = await f(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
      });
      body = await res.json();
      if (!body || typeof body !== 'object') throw new Error(`HTTP ${res.status}`);
    } catch (e) {
      // The node cannot be reached (network, HTTP error without a JSON-RPC body): EIP-1193 4901.
      throw new ProviderRpcError(E.CHAIN_DISCONNECTED, `the RPC for chain ${numberToHex(this.#chainId)} cannot be reached`, {
        cause: shortMessage(e),
      });
    }
    if (body.error) {
      const { code, message, data } = body.error;
      throw new ProviderRpcError(typeof code === 'number' ? code : E.INTERNAL, typeof message === 'string' ? message : 'RPC error', data);
    }
    return body.result;
  }

  #emit(event: string, ...args: unknown[]): void {
    for (const l of [...(this.#listeners.get(event) ?? [])]) {
      try {
        l(...args);
      } catch {
        // A dApp's listener that throws must not break the provider or other listeners.
      }
    }
  }
}

let rpcId = 0;

/** An EIP-1193 provider over `options.signer`. Requests are answered after the app's `approve` hook agrees. */
export function createEip1193Provider(options: Eip1193ProviderOptions): VaultkeyEip1193Provider {
  return new VaultkeyEip1193Provider(options);
}

// ---- EIP-6963 ------------------------------------------------------------------------------

/** EIP-6963 EIP6963ProviderInfo. */
export interface Eip6963ProviderInfo {
  /** UUIDv4, one per page session (default: a random one). */
  uuid: string;
  name: string;
  /** A data URI (RFC 2397) of a square image, as EIP-6963 requires. */
  icon: string;
  /** Reverse-DNS name of the wallet, e.g. "com.example.wallet". */
  rdns: string;
}

/** A plain key icon (SVG), for apps that give none. */
export const DEFAULT_ICON =
  'data:image/svg+xml;base64,' +
  // <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f2937"/><circle cx="12" cy="16" r="5" fill="none" stroke="#fbbf24" stroke-width="3"/><path d="M17 16h10v4M23 16v3" stroke="#fbbf24" stroke-width="3" fill="none"/></svg>
  'PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAzMiAzMiI+PHJlY3Qgd2lkdGg9IjMyIiBoZWlnaHQ9IjMyIiByeD0iNiIgZmlsbD0iIzFmMjkzNyIvPjxjaXJjbGUgY3g9IjEyIiBjeT0iMTYiIHI9IjUiIGZpbGw9Im5vbmUiIHN0cm9rZT0iI2ZiYmYyNCIgc3Ryb2tlLXdpZHRoPSIzIi8+PHBhdGggZD0iTTE3IDE2aDEwdjRNMjMgMTZ2MyIgc3Ryb2tlPSIjZmJiZjI0IiBzdHJva2Utd2lkdGg9IjMiIGZpbGw9Im5vbmUiLz48L3N2Zz4=';

function checkInfo(info: Partial<Eip6963ProviderInfo>): Eip6963ProviderInfo {
  if (!info || typeof info !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'info must be an object');
  const { name, rdns } = info;
  const icon = info.icon ?? DEFAULT_ICON;
  const uuid = info.uuid ?? crypto.randomUUID();
  if (typeof name !== 'string' || name.length === 0) throw new VaultkeyError('INVALID_ARGUMENT', 'info.name is required');
  // EIP-6963 "Provider Info": rdns is a reverse domain name, icon a data URI.
  if (typeof rdns !== 'string' || !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(rdns))
    throw new VaultkeyError('INVALID_ARGUMENT', 'info.rdns must be a reverse-DNS name like com.example.wallet');
  if (typeof icon !== 'string' || !/^data:image\//.test(icon))
    throw new VaultkeyError('INVALID_ARGUMENT', 'info.icon must be a data: image URI');
  if (typeof uuid !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(uuid))
    throw new VaultkeyError('INVALID_ARGUMENT', 'info.uuid must be a UUIDv4');
  return { uuid, name, icon, rdns };
}

// ---- parameter parsing ---------------------------------------------------------------------

function isLockEvents(x: unknown): x is LockEvents {
  return !!x && typeof (x as LockEvents).addEventListener === 'function' && typeof (x as LockEvents).removeEventListener === 'function';
}

function checkChain(c: ChainConfig): ChainConfig {
  if (!c || typeof c !== 'object' || !Number.isSafeInteger(c.chainId) || c.chainId <= 0)
    throw new VaultkeyError('INVALID_ARGUMENT', 'each chain needs a positive integer chainId');
  if (c.rpcUrl !== undefined && (typeof c.rpcUrl !== 'string' || !/^https?:\/\//.test(c.rpcUrl)))
    throw new VaultkeyError('INVALID_ARGUMENT', 'rpcUrl must be an http(s) URL');
  return c;
}

function chainIdParam(p: unknown): number {
  const id = (p as { chainId?: unknown } | undefined)?.chainId;
  // EIP-3326 / EIP-3085: chainId is a 0x-prefixed hex string without leading zeros.
  if (typeof id !== 'string' || !/^0x[1-9a-f][0-9a-f]*$/i.test(id)) throw invalid('chainId must be a 0x-prefixed hex string');
  const n = Number(id);
  if (!Number.isSafeInteger(n)) throw invalid('chainId is too large');
  return n;
}

function quantity(v: unknown, name: string): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  // EIP-1474 "Quantities": 0x-prefixed hex, no leading zeros (leading zeros are accepted, as nodes do).
  if (typeof v !== 'string' || !/^0x[0-9a-f]+$/i.test(v)) throw invalid(`${name} must be a hex quantity`);
  return hexToBigInt(v as Hex);
}

interface ParsedTx {
  from?: Hex;
  to?: Hex;
  value?: bigint;
  gas?: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  nonce?: number;
  data?: Hex;
  type?: 'legacy' | 'eip2930' | 'eip1559';
  accessList?: { address: Hex; storageKeys: Hex[] }[];
}

const TX_TYPES: Record<string, ParsedTx['type']> = {
  '0x0': 'legacy',
  '0x00': 'legacy',
  '0x1': 'eip2930',
  '0x01': 'eip2930',
  '0x2': 'eip1559',
  '0x02': 'eip1559',
};

/** An EIP-1474 transaction object (eth_sendTransaction's parameter) in viem's shape. */
function parseTransaction(p: unknown, chainId: number): ParsedTx {
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw invalid('expected a transaction object');
  const t = p as Record<string, unknown>;
  const out: ParsedTx = {};
  for (const k of ['from', 'to'] as const) {
    const v = t[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || !isAddress(v, { strict: false })) throw invalid(`${k} must be an address`);
    out[k] = v as Hex;
  }
  const fields = [
    ['value', 'value'],
    ['gas', 'gas'],
    ['gasLimit', 'gas'],
    ['gasPrice', 'gasPrice'],
    ['maxFeePerGas', 'maxFeePerGas'],
    ['maxPriorityFeePerGas', 'maxPriorityFeePerGas'],
  ] as const;
  for (const [k, to] of fields) {
    const q = quantity(t[k], k);
    if (q !== undefined) out[to] = q;
  }
  const nonce = quantity(t.nonce, 'nonce');
  if (nonce !== undefined) {
    if (nonce >= 2n ** 64n - 1n) throw invalid('nonce is too large'); // EIP-2681
    out.nonce = Number(nonce);
  }
  const cid = quantity(t.chainId, 'chainId');
  if (cid !== undefined && cid !== BigInt(chainId)) throw invalid(`the transaction is for chain ${cid}, the wallet is on ${chainId}`);
  const data = t.data ?? t.input;
  if (data !== undefined && data !== null) {
    if (typeof data !== 'string' || !isHex(data) || data.length % 2 !== 0) throw invalid('data must be hex bytes');
    if (t.data !== undefined && t.input !== undefined && t.data !== t.input) throw invalid('data and input differ');
    out.data = data;
  }
  if (t.type !== undefined && t.type !== null) {
    const type = typeof t.type === 'string' ? TX_TYPES[t.type.toLowerCase()] : undefined;
    if (!type) throw invalid('type must be 0x0, 0x1 or 0x2');
    out.type = type;
  }
  if (t.accessList !== undefined && t.accessList !== null) {
    if (!Array.isArray(t.accessList)) throw invalid('accessList must be an array');
    out.accessList = t.accessList.map((e) => {
      const a = e as { address?: unknown; storageKeys?: unknown };
      if (typeof a?.address !== 'string' || !isAddress(a.address, { strict: false }) || !Array.isArray(a.storageKeys))
        throw invalid('accessList entries are { address, storageKeys }');
      for (const k of a.storageKeys)
        if (typeof k !== 'string' || !/^0x[0-9a-f]{64}$/i.test(k)) throw invalid('storage keys are 32-byte hex');
      return { address: a.address as Hex, storageKeys: a.storageKeys as Hex[] };
    });
  }
  if (out.gasPrice !== undefined && (out.maxFeePerGas !== undefined || out.maxPriorityFeePerGas !== undefined))
    throw invalid('give gasPrice or maxFeePerGas/maxPriorityFeePerGas, not both');
  if (out.to === undefined && out.data === undefined) throw invalid('a transaction without to must carry data (contract creation)');
  return out;
}

/** An RPC error viem wrapped while preparing (the node's own code and message), if there is one. */
function rpcCause(e: unknown): ProviderRpcError | null {
  let c: unknown = e;
  for (let i = 0; i < 10 && c; i++) {
    if (c instanceof ProviderRpcError) return c;
    c = (c as { cause?: unknown }).cause;
  }
  return null;
}

function shortMessage(e: unknown): string {
  const s = (e as { shortMessage?: unknown })?.shortMessage;
  if (typeof s === 'string') return s;
  return e instanceof Error ? e.message : String(e);
}
