// vaultkey/bridge-client: the page side of vaultkey-bridge (docs/bridge.md).
// Plain fetch + JSON; every failure, including "the bridge is not running",
// surfaces as a VaultkeyError whose code is the bridge's own code.
import { VaultkeyError, toErrorCode } from '../errors.js';
import { fromHex, toHex } from '../bytes.js';

export { VaultkeyError } from '../errors.js';
export type { VaultkeyErrorCode } from '../errors.js';

export const BRIDGE_PROTOCOL_VERSION = 1;
export const DEFAULT_BRIDGE_URL = 'http://127.0.0.1:21879';

export type BridgeAlgorithm = 'ed25519' | 'secp256k1' | 'p256';

export interface BridgeKey {
  /** Hex CKA_ID: the handle the page uses; the private key never leaves the token. */
  id: string;
  label: string;
  algorithm: BridgeAlgorithm;
  /** Ed25519: 32 bytes; EC: 33-byte compressed point. */
  publicKey: Uint8Array;
  /** EC keys: 65-byte uncompressed point. */
  publicKeyUncompressed?: Uint8Array;
}

export interface BridgeSlot {
  id: string;
  description: string;
  manufacturer: string;
  tokenPresent: boolean;
  selected: boolean;
  token?: { label: string; manufacturer: string; model: string; serialNumber: string; initialized: boolean; loginRequired: boolean };
}

export interface BridgeInfo {
  protocol: number;
  name: string;
  version: string;
  paired: boolean;
  /** Only reported to a paired page. */
  providers?: { pkcs11: { token: string; pagePin: boolean; keyAccess: 'origin' | 'all' } | null; keystore: boolean };
}

/** Same shape as the software keystore's secp256k1 result; `recovery` only for secp256k1. */
export interface BridgeSignature {
  signature: Uint8Array;
  recovery?: number;
}

export interface BridgeClientOptions {
  /** Base URL of the bridge. Default http://127.0.0.1:21879. */
  url?: string;
  /**
   * Where the bearer token lives: 'memory' (default; gone on reload) or
   * 'session' (sessionStorage: survives reloads of this tab only). The token
   * is never put in localStorage, which every tab and extension script shares.
   */
  tokenStorage?: 'memory' | 'session';
  /** A token obtained earlier, e.g. kept by the app itself. */
  token?: string;
  /** Per-request timeout. Default 35 s (the bridge's own operation timeout is 30 s). */
  timeoutMs?: number;
  /** fetch to use (tests, Node, service workers). Default globalThis.fetch. */
  fetch?: typeof fetch;
}

const hex = toHex;
/** Hex the bridge sent back; anything else is BRIDGE_BAD_RESPONSE. */
function unhex(s: unknown, what: string): Uint8Array {
  if (typeof s === 'string' && s.startsWith('0x'))
    throw new VaultkeyError('BRIDGE_BAD_RESPONSE', `the bridge returned a malformed ${what}`);
  return fromHex(s, `the bridge's ${what}`, 'BRIDGE_BAD_RESPONSE', { lenient: true });
}
function bytesParam(v: unknown, name: string): string {
  if (!(v instanceof Uint8Array)) throw new VaultkeyError('INVALID_ARGUMENT', `${name} must be a Uint8Array`);
  return hex(v);
}

/**
 * The page's Local Network Access permission (Chromium 142+ asks the user
 * before a public site may reach loopback or the local network):
 * 'granted', 'denied', 'prompt' (not asked yet; also what a page that is
 * itself local reports), or 'unsupported' where the browser has no such
 * permission. Never throws.
 */
export async function localNetworkAccess(): Promise<'granted' | 'denied' | 'prompt' | 'unsupported'> {
  const perms = (globalThis as { navigator?: { permissions?: Permissions } }).navigator?.permissions;
  if (!perms || typeof perms.query !== 'function') return 'unsupported';
  try {
    // Not in TypeScript's PermissionName list yet; browsers without it reject the query.
    const st = await perms.query({ name: 'local-network-access' as PermissionName });
    return st.state === 'granted' || st.state === 'denied' || st.state === 'prompt' ? st.state : 'unsupported';
  } catch {
    return 'unsupported';
  }
}

export class BridgeClient {
  readonly url: string;
  private token: string | null;
  private pairingId: string | null = null;
  private readonly storage: 'memory' | 'session';
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: BridgeClientOptions = {}) {
    this.url = (options.url ?? DEFAULT_BRIDGE_URL).replace(/\/+$/, '');
    this.storage = options.tokenStorage ?? 'memory';
    this.timeoutMs = options.timeoutMs ?? 35_000;
    if (!options.fetch && typeof globalThis.fetch !== 'function')
      throw new VaultkeyError('INVALID_ARGUMENT', 'no fetch implementation available');
    // Unbound window.fetch throws "Illegal invocation" in browsers.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.token = options.token ?? this.loadToken();
  }

  private get storageKey() {
    return `vaultkey-bridge-token:${this.url}`;
  }
  private loadToken(): string | null {
    if (this.storage !== 'session' || typeof sessionStorage === 'undefined') return null;
    return sessionStorage.getItem(this.storageKey);
  }
  private saveToken(token: string | null) {
    this.token = token;
    if (this.storage !== 'session' || typeof sessionStorage === 'undefined') return;
    if (token) sessionStorage.setItem(this.storageKey, token);
    else sessionStorage.removeItem(this.storageKey);
  }

  /** True when the client holds a token (the bridge may still have revoked or expired it). */
  get hasToken(): boolean {
    return this.token !== null;
  }

  /** Forgets the token locally (see revoke() to also void it in the bridge). */
  forgetToken(): void {
    this.saveToken(null);
  }

  private async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), this.timeoutMs);
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.url}/v${BRIDGE_PROTOCOL_VERSION}/${method}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(params),
        signal: ctl.signal,
        // The bridge authenticates with the bearer token, never with cookies.
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (cause) {
      clearTimeout(timer);
      // A CORS refusal (origin not allowlisted) is indistinguishable from "not running" to a page.
      if (ctl.signal.aborted) throw new VaultkeyError('BRIDGE_TIMEOUT', 'the bridge did not answer in time', { cause });
      // Chromium's Local Network Access blocks a public page's fetch to loopback
      // with the same TypeError; its permission state tells the two apart
      // (docs/bridge.md, "Browser notes").
      if ((await localNetworkAccess()) === 'denied') {
        throw new VaultkeyError(
          'BRIDGE_PERMISSION_DENIED',
          'the browser blocked this page from reaching vaultkey-bridge on this device: allow "Local network access" for this site in the browser\'s site settings, then try again',
          { cause },
        );
      }
      throw new VaultkeyError('BRIDGE_UNREACHABLE', 'cannot reach vaultkey-bridge (not running, or this origin is not allowed)', { cause });
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch (cause) {
      if (ctl.signal.aborted) throw new VaultkeyError('BRIDGE_TIMEOUT', 'the bridge did not answer in time', { cause });
      throw new VaultkeyError('BRIDGE_BAD_RESPONSE', `the bridge sent a non-JSON response (HTTP ${res.status})`, { cause });
    } finally {
      clearTimeout(timer);
    }
    const b = body as { result?: unknown; error?: { code?: unknown; message?: unknown } };
    if (!res.ok || b?.error) {
      const code = toErrorCode(b?.error?.code, `BRIDGE_HTTP_${res.status}`);
      const message = typeof b?.error?.message === 'string' ? b.error.message : `bridge request failed (HTTP ${res.status})`;
      // A dead token is useless: drop it so the app re-pairs instead of looping.
      if (code === 'BRIDGE_UNPAIRED' || code === 'BRIDGE_TOKEN_EXPIRED') this.saveToken(null);
      throw new VaultkeyError(code, message);
    }
    return b.result as T;
  }

  // ---- pairing ---------------------------------------------------------------

  info(): Promise<BridgeInfo> {
    return this.call('info');
  }

  /**
   * Asks the bridge to show a pairing code in its terminal. The user reads it
   * there and types it into the page; pass it to completePairing().
   */
  async pair(): Promise<{ expiresAt: number; attempts: number }> {
    const r = await this.call<{ pairingId: string; expiresAt: number; attempts: number }>('pair/start');
    this.pairingId = r.pairingId;
    return { expiresAt: r.expiresAt, attempts: r.attempts };
  }

  /** Exchanges the code for a bearer token, kept as `tokenStorage` says. Returns its expiry. */
  async completePairing(code: string): Promise<{ expiresAt: number }> {
    if (typeof code !== 'string' || code.trim() === '')
      throw new VaultkeyError('INVALID_ARGUMENT', 'code must be the code shown by the bridge');
    if (!this.pairingId) throw new VaultkeyError('BRIDGE_PAIRING_FAILED', 'call pair() first');
    const r = await this.call<{ token: string; expiresAt: number }>('pair/complete', { pairingId: this.pairingId, code: code.trim() });
    this.pairingId = null;
    this.saveToken(r.token);
    return { expiresAt: r.expiresAt };
  }

  /** Voids this page's token in the bridge and forgets it. */
  async revoke(): Promise<void> {
    try {
      await this.call('pair/revoke');
    } finally {
      this.saveToken(null);
    }
  }

  // ---- PKCS#11 -----------------------------------------------------------------

  slots(): Promise<BridgeSlot[]> {
    return this.call('pkcs11/slots');
  }

  /** Only when the bridge operator set allowPagePin; otherwise PERMISSION_DENIED. */
  async login(pin: string): Promise<void> {
    if (typeof pin !== 'string' || pin === '') throw new VaultkeyError('INVALID_ARGUMENT', 'pin must be a non-empty string');
    await this.call('pkcs11/login', { pin });
  }

  async generateKey(algorithm: BridgeAlgorithm, options: { label?: string } = {}): Promise<BridgeKey> {
    return toKey(await this.call('pkcs11/generate', { algorithm, label: options.label }));
  }

  /** Moves an existing private key into the token (it becomes non-extractable there). */
  async importKey(algorithm: BridgeAlgorithm, privateKey: Uint8Array, options: { label?: string } = {}): Promise<BridgeKey> {
    return toKey(await this.call('pkcs11/import', { algorithm, privateKey: bytesParam(privateKey, 'privateKey'), label: options.label }));
  }

  async listKeys(): Promise<BridgeKey[]> {
    const list = await this.call<unknown[]>('pkcs11/list');
    if (!Array.isArray(list)) throw new VaultkeyError('BRIDGE_BAD_RESPONSE', 'the bridge returned a malformed key list');
    return list.map(toKey);
  }

  async getPublicKey(keyId: string): Promise<BridgeKey> {
    return toKey(await this.call('pkcs11/publicKey', { keyId }));
  }

  /**
   * Signs `data`. Ed25519 signs the message itself; P-256 and secp256k1 sign
   * SHA-256(data), or `data` as-is with `prehashed: true` (a 32-byte digest,
   * e.g. an Ethereum keccak256 hash). secp256k1 results are low-S with a recovery id.
   */
  async sign(keyId: string, data: Uint8Array, options: { prehashed?: boolean } = {}): Promise<BridgeSignature> {
    const r = await this.call<{ signature: string; recovery?: number }>('pkcs11/sign', {
      keyId,
      data: bytesParam(data, 'data'),
      prehashed: options.prehashed ?? false,
    });
    const out: BridgeSignature = { signature: unhex(r?.signature, 'signature') };
    if (typeof r.recovery === 'number') out.recovery = r.recovery;
    return out;
  }

  async verify(keyId: string, data: Uint8Array, signature: Uint8Array, options: { prehashed?: boolean } = {}): Promise<boolean> {
    const r = await this.call<{ valid: boolean }>('pkcs11/verify', {
      keyId,
      data: bytesParam(data, 'data'),
      signature: bytesParam(signature, 'signature'),
      prehashed: options.prehashed ?? false,
    });
    return r?.valid === true;
  }

  async deleteKey(keyId: string): Promise<void> {
    await this.call('pkcs11/delete', { keyId });
  }

  // ---- platform keystore -----------------------------------------------------------

  async setSecret(name: string, secret: Uint8Array): Promise<void> {
    await this.call('keystore/set', { name, secret: bytesParam(secret, 'secret') });
  }

  async getSecret(name: string): Promise<Uint8Array> {
    const r = await this.call<{ secret: string }>('keystore/get', { name });
    return unhex(r?.secret, 'secret');
  }

  async deleteSecret(name: string): Promise<void> {
    await this.call('keystore/delete', { name });
  }
}

function toKey(v: unknown): BridgeKey {
  const k = v as Record<string, unknown>;
  if (!k || typeof k.id !== 'string' || typeof k.algorithm !== 'string') {
    throw new VaultkeyError('BRIDGE_BAD_RESPONSE', 'the bridge returned a malformed key');
  }
  const out: BridgeKey = {
    id: k.id,
    label: typeof k.label === 'string' ? k.label : '',
    algorithm: k.algorithm as BridgeAlgorithm,
    publicKey: unhex(k.publicKey, 'public key'),
  };
  if (k.publicKeyUncompressed !== undefined) out.publicKeyUncompressed = unhex(k.publicKeyUncompressed, 'public key');
  return out;
}
