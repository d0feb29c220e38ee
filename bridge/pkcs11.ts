// PKCS#11 provider: any module path (SoftHSM2 in tests; CloudHSM, Luna,
// YubiHSM, smart cards in production). Private keys are generated or imported
// as sensitive, non-extractable token objects and only ever used by handle:
// no code path here reads CKA_VALUE of a private key.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as Pkcs11Types from 'pkcs11js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { p256 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { BridgeError, badParam } from './errors.js';
import type { VaultkeyErrorCode } from '../src/errors.js';
import type { Logger } from './log.js';

export type Algorithm = 'ed25519' | 'secp256k1' | 'p256';
export const ALGORITHMS: readonly Algorithm[] = ['ed25519', 'secp256k1', 'p256'];

export interface Pkcs11Config {
  /** Path of the vendor's PKCS#11 shared library. */
  module: string;
  /** Token label to use (the slot id of a token can change, its label does not). Default: first initialised token. */
  tokenLabel?: string;
  /** PIN sources, first match wins. Prefer pinEnv or pinFile over a PIN in the config file. */
  pin?: string;
  pinEnv?: string;
  pinFile?: string;
  /** Lets a paired page send the user PIN (pkcs11/login). Off by default: the PIN belongs to the operator. */
  allowPagePin?: boolean;
  /** Sessions kept open for concurrent requests. */
  poolSize?: number;
  /**
   * 'origin' (default): a page sees and uses only keys it created or imported.
   * 'all': every paired origin may use every key on the token, including keys
   * an HSM administrator provisioned (for single-app deployments).
   */
  keyAccess?: 'origin' | 'all';
}

export interface KeyInfo {
  id: string; // hex CKA_ID
  label: string;
  algorithm: Algorithm;
  /** Ed25519: 32 bytes; EC: 33-byte compressed point (same default as vaultkey/core). Hex. */
  publicKey: string;
  /** EC keys only: 65-byte uncompressed point (what WebCrypto's raw import wants). Hex. */
  publicKeyUncompressed?: string;
}

export interface SlotDescription {
  id: string;
  description: string;
  manufacturer: string;
  tokenPresent: boolean;
  selected: boolean;
  token?: { label: string; manufacturer: string; model: string; serialNumber: string; initialized: boolean; loginRequired: boolean };
}

// Values SoftHSM 2.6.1 (and PKCS#11 3.0) use but pkcs11js has no names for.
const CKK_EC_EDWARDS = 0x40;
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;
const CKF_TOKEN_PRESENT = 0x1; // CK_SLOT_INFO flag

// DER-encoded CKA_EC_PARAMS (namedCurve OIDs), plus the PKCS#11 3.0 printable-string
// form some modules use for Ed25519.
const EC_PARAMS: Record<Algorithm, Buffer> = {
  ed25519: Buffer.from('06032b6570', 'hex'), // 1.3.101.112
  secp256k1: Buffer.from('06052b8104000a', 'hex'), // 1.3.132.0.10
  p256: Buffer.from('06082a8648ce3d030107', 'hex'), // 1.2.840.10045.3.1.7
};
const ED25519_PRINTABLE = Buffer.from('130c' + Buffer.from('edwards25519').toString('hex'), 'hex');

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = SECP256K1_N >> 1n;

const bytesToBig = (b: Uint8Array) => BigInt('0x' + (Buffer.from(b).toString('hex') || '0'));
const bigTo32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');

function algorithmOf(keyType: number, params: Buffer | undefined): Algorithm | null {
  if (!params) return null;
  if (keyType === CKK_EC_EDWARDS) return params.equals(EC_PARAMS.ed25519) || params.equals(ED25519_PRINTABLE) ? 'ed25519' : null;
  if (params.equals(EC_PARAMS.secp256k1)) return 'secp256k1';
  if (params.equals(EC_PARAMS.p256)) return 'p256';
  return null;
}

/** CKA_EC_POINT is a DER OCTET STRING per the standard; some modules return the raw point. */
function unwrapEcPoint(alg: Algorithm, v: Buffer): Buffer {
  const raw = alg === 'ed25519' ? 32 : 65;
  if (v.length === raw + 2 && v[0] === 0x04 && v[1] === raw) return v.subarray(2);
  if (v.length === raw) return v;
  throw new BridgeError(502, 'BRIDGE_HSM_ERROR', 'the token returned a public key in an unexpected encoding');
}

/** Maps a PKCS#11 return value to a bridge error. Only the CKR name leaves this function. */
function mapPkcs11Error(err: unknown, what: string): BridgeError {
  if (err instanceof BridgeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const ckr = /CKR_[A-Z0-9_]+/.exec(message)?.[0] ?? 'CKR_GENERAL_ERROR';
  const e = (status: number, code: VaultkeyErrorCode, msg: string) => new BridgeError(status, code, msg, { cause: ckr });
  switch (ckr) {
    case 'CKR_PIN_INCORRECT':
    case 'CKR_PIN_LEN_RANGE':
    case 'CKR_PIN_INVALID':
      return e(403, 'BRIDGE_PIN_INCORRECT', `${what}: the token refused the PIN (${ckr})`);
    case 'CKR_PIN_LOCKED':
    case 'CKR_PIN_EXPIRED':
      return e(403, 'BRIDGE_PIN_LOCKED', `${what}: the token PIN is locked or expired (${ckr})`);
    case 'CKR_OBJECT_HANDLE_INVALID':
    case 'CKR_KEY_HANDLE_INVALID':
      return e(404, 'BRIDGE_KEY_NOT_FOUND', `${what}: the key no longer exists on the token`);
    case 'CKR_MECHANISM_INVALID':
    case 'CKR_MECHANISM_PARAM_INVALID':
    case 'CKR_CURVE_NOT_SUPPORTED':
    case 'CKR_DOMAIN_PARAMS_INVALID':
    case 'CKR_KEY_TYPE_INCONSISTENT':
      return e(400, 'BRIDGE_UNSUPPORTED_ALGORITHM', `${what}: the token does not support this algorithm (${ckr})`);
    case 'CKR_ATTRIBUTE_VALUE_INVALID':
    case 'CKR_TEMPLATE_INCONSISTENT':
    case 'CKR_TEMPLATE_INCOMPLETE':
      return e(400, 'INVALID_KEY', `${what}: the token rejected the key (${ckr})`);
    case 'CKR_DATA_LEN_RANGE':
    case 'CKR_DATA_INVALID':
      return e(400, 'INVALID_LENGTH', `${what}: the token rejected the data length (${ckr})`);
    case 'CKR_TOKEN_NOT_PRESENT':
    case 'CKR_DEVICE_REMOVED':
    case 'CKR_DEVICE_ERROR':
    case 'CKR_SLOT_ID_INVALID':
    case 'CKR_TOKEN_NOT_RECOGNIZED':
      return e(503, 'BRIDGE_HSM_UNAVAILABLE', `${what}: the token is not available (${ckr})`);
    case 'CKR_USER_NOT_LOGGED_IN':
      return e(503, 'BRIDGE_LOGIN_REQUIRED', `${what}: the bridge is not logged in to the token`);
    default:
      return e(502, 'BRIDGE_HSM_ERROR', `${what}: PKCS#11 call failed (${ckr})`);
  }
}

// One loaded module per path per process: C_Initialize/C_Finalize are global to
// the library, and PKCS#11 login state is per application and token. Two
// bridges in one process (tests) therefore share the module, and the PIN that
// logged the token in is remembered (hashed) so a second bridge with a wrong PIN
// is refused instead of riding on the first one's login.
interface SharedModule {
  lib: Pkcs11Types.PKCS11;
  api: typeof Pkcs11Types;
  refs: number;
  login: Map<string, Buffer>; // token label -> sha256(PIN) that logged in
}
const modules = new Map<string, SharedModule>();

async function loadModule(path: string): Promise<SharedModule> {
  const existing = modules.get(path);
  if (existing) {
    existing.refs++;
    return existing;
  }
  let api: typeof Pkcs11Types;
  try {
    api = ((await import('pkcs11js')) as unknown as { default: typeof Pkcs11Types }).default;
  } catch (cause) {
    throw new BridgeError(503, 'BRIDGE_NOT_CONFIGURED', 'the pkcs11js package is not installed', { cause });
  }
  const lib = new api.PKCS11();
  try {
    lib.load(path);
  } catch (cause) {
    throw new BridgeError(503, 'BRIDGE_HSM_UNAVAILABLE', 'cannot load the configured PKCS#11 module', { cause });
  }
  try {
    // OS locking: requests run on libuv threads concurrently, on separate sessions.
    lib.C_Initialize({ flags: api.CKF_OS_LOCKING_OK });
  } catch (err) {
    if (!/CKR_CRYPTOKI_ALREADY_INITIALIZED/.test(String((err as Error)?.message))) {
      try {
        lib.close();
      } catch {
        /* nothing loaded */
      }
      throw mapPkcs11Error(err, 'C_Initialize');
    }
  }
  const shared: SharedModule = { lib, api, refs: 1, login: new Map() };
  modules.set(path, shared);
  return shared;
}

function unloadModule(path: string, shared: SharedModule) {
  if (--shared.refs > 0) return;
  modules.delete(path);
  try {
    shared.lib.C_Finalize();
  } catch {
    /* already finalised */
  }
  try {
    shared.lib.close();
  } catch {
    /* nothing left to release */
  }
}

/**
 * Keys belong to the origin that created them: their CKA_ID starts with an
 * 8-byte tag derived from the origin. This needs no vendor attribute, so it
 * works on any token, and survives bridge restarts with no local database.
 */
const OWNER_TAG_BYTES = 8;
export const ownerTag = (origin: string) =>
  createHash('sha256').update('vaultkey-bridge key owner\0').update(origin).digest().subarray(0, OWNER_TAG_BYTES);

/**
 * Characters a key label may not hold: C0/C1 controls and DEL (Cc), format
 * characters (Cf: the bidi embeddings and overrides U+202A-202E, isolates
 * U+2066-2069, marks U+200E/200F/061C, zero-width characters), lone
 * surrogates and line/paragraph separators. Labels are shown by HSM admin
 * tools, terminals and pages, where these reorder or hide text (Unicode UAX #9).
 */
export const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
const UNPRINTABLE_ALL = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

/** Back-off after a wrong page PIN: 1 s, doubling per failure, capped at 5 minutes. */
const pinBackoffMs = (failures: number) => Math.min(300_000, 1000 * 2 ** Math.min(20, failures - 1));

const pinHash = (pin: string) => createHash('sha256').update('vaultkey-bridge-pin\0').update(pin).digest();

export class Pkcs11Provider {
  private readonly idle: Pkcs11Types.Handle[] = [];
  private readonly waiters: { resolve: (s: Pkcs11Types.Handle) => void; reject: (e: unknown) => void }[] = [];
  private opened = 0;
  private inFlight = 0;
  private closed = false;
  private drained: (() => void) | null = null;
  private mechanisms: Set<number> | null = null;
  private pagePin: string | null = null;
  private pinFailures = 0;
  private pinBackoffUntil = 0;
  private pinBusy = false;
  /** This provider proved the PIN itself (a login by another instance in the process does not count). */
  private authorized = false;

  private constructor(
    private readonly cfg: Pkcs11Config,
    private readonly shared: SharedModule,
    private readonly slot: Pkcs11Types.Handle,
    readonly tokenLabel: string,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  static async open(cfg: Pkcs11Config, log: Logger, now: () => number = Date.now): Promise<Pkcs11Provider> {
    if (!cfg || typeof cfg.module !== 'string' || cfg.module === '') throw new Error('pkcs11.module must be the path of a PKCS#11 library');
    const shared = await loadModule(cfg.module);
    try {
      const { lib } = shared;
      let found: { slot: Pkcs11Types.Handle; label: string } | null = null;
      for (const slot of lib.C_GetSlotList(true)) {
        const info = lib.C_GetTokenInfo(slot);
        const label = info.label.trim();
        if (!(info.flags & shared.api.CKF_TOKEN_INITIALIZED)) continue;
        if (cfg.tokenLabel === undefined || label === cfg.tokenLabel) {
          found = { slot, label };
          break;
        }
      }
      if (!found) {
        throw new BridgeError(
          503,
          'BRIDGE_HSM_UNAVAILABLE',
          cfg.tokenLabel === undefined ? 'no initialised token in the PKCS#11 module' : 'no token with the configured label',
        );
      }
      log({ level: 'info', event: 'pkcs11.open', token: found.label });
      return new Pkcs11Provider(cfg, shared, found.slot, found.label, log, now);
    } catch (err) {
      unloadModule(cfg.module, shared);
      throw err instanceof BridgeError ? err : mapPkcs11Error(err, 'open token');
    }
  }

  get keyAccess(): 'origin' | 'all' {
    return this.cfg.keyAccess === 'all' ? 'all' : 'origin';
  }

  get allowPagePin(): boolean {
    return this.cfg.allowPagePin === true;
  }

  private get lib() {
    return this.shared.lib;
  }
  private get api() {
    return this.shared.api;
  }

  // ---- session pool -------------------------------------------------------

  private async acquire(): Promise<Pkcs11Types.Handle> {
    if (this.closed) throw new BridgeError(503, 'BRIDGE_HSM_UNAVAILABLE', 'the bridge is shutting down');
    const s = this.idle.pop();
    if (s) return s;
    if (this.opened < Math.max(1, this.cfg.poolSize ?? 4)) return this.openSession();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private openSession(): Pkcs11Types.Handle {
    this.opened++;
    try {
      return this.lib.C_OpenSession(this.slot, this.api.CKF_RW_SESSION | this.api.CKF_SERIAL_SESSION);
    } catch (err) {
      this.opened--;
      throw mapPkcs11Error(err, 'open session');
    }
  }

  private release(s: Pkcs11Types.Handle, broken: boolean) {
    if (broken || this.closed) {
      this.opened--;
      try {
        this.lib.C_CloseSession(s);
      } catch {
        /* session already gone */
      }
      // The next waiter gets a fresh session in place of the broken one.
      const w = this.waiters.shift();
      if (w) {
        try {
          if (this.closed) throw new BridgeError(503, 'BRIDGE_HSM_UNAVAILABLE', 'the bridge is shutting down');
          w.resolve(this.openSession());
        } catch (err) {
          w.reject(err);
        }
      }
      return;
    }
    const w = this.waiters.shift();
    if (w) w.resolve(s);
    else this.idle.push(s);
  }

  private resolvePin(): string {
    const c = this.cfg;
    if (typeof c.pin === 'string') return c.pin;
    if (c.pinEnv) {
      const v = process.env[c.pinEnv];
      if (v !== undefined) return v;
    }
    if (c.pinFile) {
      try {
        return readFileSync(c.pinFile, 'utf8').replace(/\r?\n$/, '');
      } catch {
        throw new BridgeError(503, 'BRIDGE_LOGIN_REQUIRED', 'the configured PIN file cannot be read');
      }
    }
    if (this.pagePin !== null) return this.pagePin;
    throw new BridgeError(
      503,
      'BRIDGE_LOGIN_REQUIRED',
      this.allowPagePin ? 'the token is not logged in: call pkcs11/login' : 'no PIN is configured for the token',
    );
  }

  private login(session: Pkcs11Types.Handle, pin: string) {
    const want = pinHash(pin);
    const known = this.shared.login.get(this.tokenLabel);
    if (known) {
      // Already logged in by this process; accept only the PIN that did it.
      if (!known.equals(want)) throw new BridgeError(403, 'BRIDGE_PIN_INCORRECT', 'login: the token refused the PIN');
      this.authorized = true;
      return;
    }
    try {
      this.lib.C_Login(session, this.api.CKU_USER, pin);
    } catch (err) {
      if (!/CKR_USER_ALREADY_LOGGED_IN/.test(String((err as Error)?.message))) throw mapPkcs11Error(err, 'login');
    }
    this.shared.login.set(this.tokenLabel, want);
    this.authorized = true;
    this.log({ level: 'info', event: 'pkcs11.login', token: this.tokenLabel });
  }

  /** Runs `fn` on a pooled, logged-in session; retries once if the token dropped the session or the login. */
  private async withSession<T>(what: string, fn: (s: Pkcs11Types.Handle) => Promise<T> | T): Promise<T> {
    this.inFlight++;
    try {
      for (let attempt = 0; ; attempt++) {
        const s = await this.acquire();
        let broken = false;
        try {
          if (!this.authorized || !this.shared.login.has(this.tokenLabel)) this.login(s, this.resolvePin());
          return await fn(s);
        } catch (err) {
          const msg = String((err as Error)?.message);
          broken = /CKR_SESSION_HANDLE_INVALID|CKR_SESSION_CLOSED|CKR_DEVICE_REMOVED|CKR_TOKEN_NOT_PRESENT/.test(msg);
          const loggedOut = /CKR_USER_NOT_LOGGED_IN/.test(msg);
          if (loggedOut) this.shared.login.delete(this.tokenLabel);
          if ((broken || loggedOut) && attempt === 0 && !(err instanceof BridgeError)) continue;
          throw this.tokenGone() ?? mapPkcs11Error(err, what);
        } finally {
          this.release(s, broken);
        }
      }
    } finally {
      if (--this.inFlight === 0 && this.drained) this.drained();
    }
  }

  // ---- operations ---------------------------------------------------------

  /** Logs in with the configured PIN source, as the first request would (`vaultkey-bridge doctor`). */
  async probeLogin(): Promise<void> {
    await this.withSession('login', () => undefined);
  }

  /**
   * The token this bridge serves is gone (deleted, removed, re-initialised
   * under another label): the error to give instead of whatever the failed call
   * said, or null when the token is still there. SoftHSM answers
   * CKR_GENERAL_ERROR, or finds no objects, for a deleted token.
   */
  private tokenGone(): BridgeError | null {
    try {
      const info = this.lib.C_GetTokenInfo(this.slot);
      if (info.label.trim() === this.tokenLabel && info.flags & this.api.CKF_TOKEN_INITIALIZED) return null;
    } catch {
      /* no token in the slot any more */
    }
    return new BridgeError(503, 'BRIDGE_HSM_UNAVAILABLE', 'the configured token is no longer available');
  }

  /**
   * Page-supplied PIN (only when the operator enabled allowPagePin). Every
   * guess goes to C_Login, so the token's own retry counter and lockout apply
   * (PKCS#11 v2.40 §5.6: CKF_USER_PIN_COUNT_LOW, CKR_PIN_LOCKED); a C_Login on a
   * token already logged in answers CKR_USER_ALREADY_LOGGED_IN without judging
   * the PIN, so the bridge logs out first. A wrong PIN leaves the bridge logged
   * out and starts a back-off before the next page PIN is tried.
   */
  async loginWithPin(pin: unknown): Promise<void> {
    if (!this.allowPagePin) throw new BridgeError(403, 'PERMISSION_DENIED', 'this bridge does not accept a PIN from the page');
    if (typeof pin !== 'string' || pin.length < 1 || pin.length > 256) throw badParam('pin must be a non-empty string');
    const wait = this.pinBackoffUntil - this.now();
    if (wait > 0 || this.pinBusy) {
      throw new BridgeError(429, 'BRIDGE_RATE_LIMITED', 'a wrong PIN was given recently; wait before trying again', {
        headers: { 'retry-after': String(Math.max(1, Math.ceil(wait / 1000))) },
      });
    }
    this.pinBusy = true;
    const s = await this.acquire();
    try {
      try {
        this.lib.C_Logout(s);
      } catch {
        /* not logged in */
      }
      this.shared.login.delete(this.tokenLabel);
      this.authorized = false;
      this.pagePin = null;
      try {
        this.lib.C_Login(s, this.api.CKU_USER, pin);
      } catch (err) {
        this.pinFailures++;
        this.pinBackoffUntil = this.now() + pinBackoffMs(this.pinFailures);
        this.log({ level: 'warn', event: 'pkcs11.page_pin_refused', failures: this.pinFailures });
        throw this.tokenGone() ?? mapPkcs11Error(err, 'login');
      }
      this.pinFailures = 0;
      this.shared.login.set(this.tokenLabel, pinHash(pin));
      this.authorized = true;
      this.pagePin = pin;
      this.log({ level: 'info', event: 'pkcs11.login', token: this.tokenLabel });
    } finally {
      this.pinBusy = false;
      this.release(s, false);
    }
  }

  slots(): SlotDescription[] {
    const { lib, api } = this;
    // With keyAccess 'origin' a page learns only the token it uses, not the
    // labels and serial numbers of every token on the machine.
    const gone = this.tokenGone();
    if (gone) throw gone;
    try {
      const slots = this.keyAccess === 'origin' ? [this.slot] : lib.C_GetSlotList(false);
      return slots.map((slot) => {
        const info = lib.C_GetSlotInfo(slot);
        const present = (info.flags & CKF_TOKEN_PRESENT) !== 0;
        const d: SlotDescription = {
          id: slot.length >= 8 ? slot.readBigUInt64LE(0).toString() : slot.readUInt32LE(0).toString(),
          description: info.slotDescription.trim(),
          manufacturer: info.manufacturerID.trim(),
          tokenPresent: present,
          selected: slot.equals(this.slot),
        };
        if (present) {
          const t = lib.C_GetTokenInfo(slot);
          d.token = {
            label: t.label.trim(),
            manufacturer: t.manufacturerID.trim(),
            model: t.model.trim(),
            serialNumber: t.serialNumber.trim(),
            initialized: (t.flags & api.CKF_TOKEN_INITIALIZED) !== 0,
            loginRequired: (t.flags & api.CKF_LOGIN_REQUIRED) !== 0,
          };
        }
        return d;
      });
    } catch (err) {
      throw mapPkcs11Error(err, 'list slots');
    }
  }

  private requireMechanism(mech: number, alg: Algorithm) {
    if (!this.mechanisms) {
      try {
        this.mechanisms = new Set(this.lib.C_GetMechanismList(this.slot));
      } catch (err) {
        throw mapPkcs11Error(err, 'list mechanisms');
      }
    }
    if (!this.mechanisms.has(mech)) {
      throw new BridgeError(400, 'BRIDGE_UNSUPPORTED_ALGORITHM', `the token has no mechanism for ${alg}`);
    }
  }

  private templates(alg: Algorithm, id: Buffer, label: string) {
    const a = this.api;
    const keyType = alg === 'ed25519' ? CKK_EC_EDWARDS : a.CKK_EC;
    const pub: Pkcs11Types.Template = [
      { type: a.CKA_CLASS, value: a.CKO_PUBLIC_KEY },
      { type: a.CKA_KEY_TYPE, value: keyType },
      { type: a.CKA_TOKEN, value: true },
      { type: a.CKA_PRIVATE, value: false },
      { type: a.CKA_VERIFY, value: true },
      { type: a.CKA_EC_PARAMS, value: EC_PARAMS[alg] },
      { type: a.CKA_ID, value: id },
      { type: a.CKA_LABEL, value: label },
    ];
    const priv: Pkcs11Types.Template = [
      { type: a.CKA_CLASS, value: a.CKO_PRIVATE_KEY },
      { type: a.CKA_KEY_TYPE, value: keyType },
      { type: a.CKA_TOKEN, value: true },
      { type: a.CKA_PRIVATE, value: true },
      { type: a.CKA_SIGN, value: true },
      { type: a.CKA_SENSITIVE, value: true },
      { type: a.CKA_EXTRACTABLE, value: false },
      { type: a.CKA_DERIVE, value: false },
      { type: a.CKA_ID, value: id },
      { type: a.CKA_LABEL, value: label },
    ];
    return { pub, priv };
  }

  /** The CKA_ID prefix `origin` may touch, or null when every key is shared. */
  private scope(origin: string): Buffer | null {
    return this.cfg.keyAccess === 'all' ? null : ownerTag(origin);
  }
  private newId(origin: string): Buffer {
    const tag = this.scope(origin);
    return tag ? Buffer.concat([tag, randomBytes(16)]) : randomBytes(16);
  }
  private inScope(origin: string, id: Buffer): boolean {
    const tag = this.scope(origin);
    return !tag || (id.length > tag.length && id.subarray(0, tag.length).equals(tag));
  }

  async generate(origin: string, alg: Algorithm, label: string): Promise<KeyInfo> {
    const mech = alg === 'ed25519' ? CKM_EC_EDWARDS_KEY_PAIR_GEN : this.api.CKM_EC_KEY_PAIR_GEN;
    this.requireMechanism(mech, alg);
    const id = this.newId(origin);
    const { pub, priv } = this.templates(alg, id, label);
    return this.withSession('generate key', async (s) => {
      const kp = await this.lib.C_GenerateKeyPairAsync(s, { mechanism: mech }, pub, priv);
      this.log({ level: 'info', event: 'pkcs11.generate', algorithm: alg, keyId: id.toString('hex') });
      return this.describe(s, kp.privateKey, kp.publicKey)!;
    });
  }

  /**
   * Imports a private key the page already holds (migration into the HSM). The
   * token stores it sensitive and non-extractable; the caller's buffer is wiped.
   */
  async import(origin: string, alg: Algorithm, secret: Buffer, label: string): Promise<KeyInfo> {
    try {
      let point: Buffer;
      if (alg === 'ed25519') {
        if (secret.length !== 32) throw new BridgeError(400, 'INVALID_LENGTH', 'an Ed25519 private key is a 32-byte seed');
        point = Buffer.from(ed25519.getPublicKey(secret));
      } else {
        if (secret.length !== 32) throw new BridgeError(400, 'INVALID_LENGTH', `a ${alg} private key is 32 bytes`);
        const curve = alg === 'secp256k1' ? secp256k1 : p256;
        if (!curve.utils.isValidSecretKey(secret)) throw new BridgeError(400, 'INVALID_KEY', `not a valid ${alg} private key`);
        point = Buffer.from(curve.getPublicKey(secret, false));
      }
      this.requireMechanism(alg === 'ed25519' ? CKM_EDDSA : this.api.CKM_ECDSA, alg);
      const a = this.api;
      const id = this.newId(origin);
      const { pub, priv } = this.templates(alg, id, label);
      const ecPoint = Buffer.concat([Buffer.from([0x04, point.length]), point]);
      return await this.withSession('import key', (s) => {
        const pubH = this.lib.C_CreateObject(s, [...pub, { type: a.CKA_EC_POINT, value: ecPoint }]);
        let privH: Pkcs11Types.Handle;
        try {
          privH = this.lib.C_CreateObject(s, [
            ...priv,
            { type: a.CKA_EC_PARAMS, value: EC_PARAMS[alg] },
            { type: a.CKA_VALUE, value: secret },
          ]);
        } catch (err) {
          this.lib.C_DestroyObject(s, pubH); // no half-imported key left behind
          throw err;
        }
        this.log({ level: 'info', event: 'pkcs11.import', algorithm: alg, keyId: id.toString('hex') });
        return this.describe(s, privH, pubH)!;
      });
    } finally {
      secret.fill(0);
    }
  }

  /** Reads the public parts of a key pair; null when it is not one of ours (unsupported curve, no public object). */
  private describe(s: Pkcs11Types.Handle, priv: Pkcs11Types.Handle, pubH?: Pkcs11Types.Handle): KeyInfo | null {
    const a = this.api;
    const attrs = this.lib.C_GetAttributeValue(s, priv, [
      { type: a.CKA_ID },
      { type: a.CKA_LABEL },
      { type: a.CKA_KEY_TYPE },
      { type: a.CKA_EC_PARAMS },
    ]);
    const id = attrs[0]!.value as Buffer;
    // Labels set by other tools may hold controls or bidi overrides: shown as U+FFFD.
    const label = ((attrs[1]!.value as Buffer | undefined)?.toString('utf8') ?? '').replace(UNPRINTABLE_ALL, '\uFFFD');
    const keyType = (attrs[2]!.value as Buffer).readUInt32LE(0);
    const alg = algorithmOf(keyType, attrs[3]!.value as Buffer | undefined);
    if (!alg || !id || id.length === 0) return null;
    const pub = pubH ?? this.findOne(s, a.CKO_PUBLIC_KEY, id);
    if (!pub) return null;
    const pt = unwrapEcPoint(alg, this.lib.C_GetAttributeValue(s, pub, [{ type: a.CKA_EC_POINT }])[0]!.value as Buffer);
    if (alg === 'ed25519') return { id: id.toString('hex'), label, algorithm: alg, publicKey: pt.toString('hex') };
    const curve = alg === 'secp256k1' ? secp256k1 : p256;
    const P = curve.Point.fromBytes(pt);
    return {
      id: id.toString('hex'),
      label,
      algorithm: alg,
      publicKey: Buffer.from(P.toBytes(true)).toString('hex'),
      publicKeyUncompressed: Buffer.from(P.toBytes(false)).toString('hex'),
    };
  }

  private findAll(s: Pkcs11Types.Handle, cls: number, id?: Buffer): Pkcs11Types.Handle[] {
    const a = this.api;
    const tmpl: Pkcs11Types.Template = [
      { type: a.CKA_CLASS, value: cls },
      { type: a.CKA_TOKEN, value: true },
    ];
    if (id) tmpl.push({ type: a.CKA_ID, value: id });
    this.lib.C_FindObjectsInit(s, tmpl);
    try {
      const out: Pkcs11Types.Handle[] = [];
      for (;;) {
        const batch = this.lib.C_FindObjects(s, 64);
        if (batch.length === 0) return out;
        out.push(...batch);
        if (out.length > 10_000) return out; // a token with more keys than this is not a wallet
      }
    } finally {
      this.lib.C_FindObjectsFinal(s);
    }
  }

  private findOne(s: Pkcs11Types.Handle, cls: number, id: Buffer) {
    return this.findAll(s, cls, id)[0] ?? null;
  }

  async list(origin: string): Promise<KeyInfo[]> {
    return this.withSession('list keys', (s) => {
      const out: KeyInfo[] = [];
      for (const h of this.findAll(s, this.api.CKO_PRIVATE_KEY)) {
        const id = this.lib.C_GetAttributeValue(s, h, [{ type: this.api.CKA_ID }])[0]!.value as Buffer | undefined;
        if (!id || !this.inScope(origin, id)) continue;
        const k = this.describe(s, h);
        if (k) out.push(k);
      }
      if (out.length === 0) {
        const gone = this.tokenGone();
        if (gone) throw gone;
      }
      return out;
    });
  }

  private keyHandles(s: Pkcs11Types.Handle, origin: string, keyId: Buffer) {
    // Another origin's key is reported exactly like a missing one: no probing.
    if (!this.inScope(origin, keyId)) throw new BridgeError(404, 'BRIDGE_KEY_NOT_FOUND', 'no usable key with this id on the token');
    const priv = this.findOne(s, this.api.CKO_PRIVATE_KEY, keyId);
    const info = priv ? this.describe(s, priv) : null;
    if (!priv || !info) throw this.tokenGone() ?? new BridgeError(404, 'BRIDGE_KEY_NOT_FOUND', 'no usable key with this id on the token');
    return { priv, info };
  }

  async getKey(origin: string, keyId: Buffer): Promise<KeyInfo> {
    return this.withSession('get key', (s) => this.keyHandles(s, origin, keyId).info);
  }

  async delete(origin: string, keyId: Buffer): Promise<void> {
    return this.withSession('delete key', (s) => {
      const a = this.api;
      if (!this.inScope(origin, keyId)) throw new BridgeError(404, 'BRIDGE_KEY_NOT_FOUND', 'no key with this id on the token');
      const privs = this.findAll(s, a.CKO_PRIVATE_KEY, keyId);
      if (privs.length === 0) throw new BridgeError(404, 'BRIDGE_KEY_NOT_FOUND', 'no key with this id on the token');
      for (const h of [...privs, ...this.findAll(s, a.CKO_PUBLIC_KEY, keyId)]) this.lib.C_DestroyObject(s, h);
      this.log({ level: 'info', event: 'pkcs11.delete', keyId: keyId.toString('hex') });
    });
  }

  /**
   * Signs with the key. EC keys sign SHA-256(data) with raw CKM_ECDSA, or `data`
   * itself when `prehashed` (a 32-byte digest, e.g. Ethereum's keccak256).
   * secp256k1 results are normalised to low-S and carry a recovery id.
   */
  async sign(
    origin: string,
    keyId: Buffer,
    data: Buffer,
    prehashed: boolean,
  ): Promise<{ signature: Buffer; recovery?: number; info: KeyInfo }> {
    return this.withSession('sign', async (s) => {
      const { priv, info } = this.keyHandles(s, origin, keyId);
      const digest = this.messageFor(info.algorithm, data, prehashed);
      const mech = info.algorithm === 'ed25519' ? CKM_EDDSA : this.api.CKM_ECDSA;
      this.lib.C_SignInit(s, { mechanism: mech }, priv);
      const raw = await this.lib.C_SignAsync(s, digest, Buffer.alloc(256));
      if (raw.length !== 64) throw new BridgeError(502, 'BRIDGE_HSM_ERROR', 'the token returned a signature of unexpected length');
      if (info.algorithm !== 'secp256k1') return { signature: Buffer.from(raw), info };
      return { ...normalizeSecp256k1(raw, digest, Buffer.from(info.publicKey, 'hex')), info };
    });
  }

  async verify(origin: string, keyId: Buffer, data: Buffer, signature: Buffer, prehashed: boolean): Promise<boolean> {
    if (signature.length !== 64) throw new BridgeError(400, 'INVALID_LENGTH', 'signature must be 64 bytes (r||s, or an Ed25519 signature)');
    return this.withSession('verify', async (s) => {
      const a = this.api;
      const { info } = this.keyHandles(s, origin, keyId);
      const digest = this.messageFor(info.algorithm, data, prehashed);
      // Same rule as vaultkey/core: a high-S secp256k1 signature is malleated, not valid.
      if (info.algorithm === 'secp256k1' && bytesToBig(signature.subarray(32)) > HALF_N) return false;
      const pub = this.findOne(s, a.CKO_PUBLIC_KEY, keyId)!;
      this.lib.C_VerifyInit(s, { mechanism: info.algorithm === 'ed25519' ? CKM_EDDSA : a.CKM_ECDSA }, pub);
      try {
        return this.lib.C_Verify(s, digest, signature);
      } catch (err) {
        if (/CKR_SIGNATURE_INVALID|CKR_SIGNATURE_LEN_RANGE/.test(String((err as Error)?.message))) return false;
        throw err;
      }
    });
  }

  private messageFor(alg: Algorithm, data: Buffer, prehashed: boolean): Buffer {
    if (alg === 'ed25519') {
      if (prehashed) throw badParam('prehashed is not available for Ed25519 (it signs the message itself)');
      return data;
    }
    if (prehashed) {
      if (data.length !== 32) throw new BridgeError(400, 'INVALID_LENGTH', 'a prehashed digest must be 32 bytes');
      return data;
    }
    return createHash('sha256').update(data).digest();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Never finalise under a running C_SignAsync: wait (bounded) for in-flight work.
    if (this.inFlight > 0) {
      await Promise.race([new Promise<void>((r) => (this.drained = r)), new Promise((r) => setTimeout(r, 5_000).unref())]);
    }
    for (const s of this.idle.splice(0)) {
      try {
        this.lib.C_CloseSession(s);
      } catch {
        /* already closed */
      }
    }
    if (this.shared.refs === 1) this.shared.login.delete(this.tokenLabel);
    unloadModule(this.cfg.module, this.shared);
  }
}

/**
 * CKM_ECDSA on secp256k1 uses a random nonce and either S; Ethereum and
 * vaultkey/core want low-S plus the recovery id. The recovery id is found by
 * recovering with both candidates and keeping the one that yields our key.
 */
export function normalizeSecp256k1(
  raw: Uint8Array,
  digest: Uint8Array,
  compressedPub: Uint8Array,
): { signature: Buffer; recovery: number } {
  const r = bytesToBig(raw.subarray(0, 32));
  let s = bytesToBig(raw.subarray(32, 64));
  if (s > HALF_N) s = SECP256K1_N - s;
  const signature = Buffer.concat([bigTo32(r), bigTo32(s)]);
  const sig = secp256k1.Signature.fromBytes(signature, 'compact');
  for (const recovery of [0, 1]) {
    try {
      const P = sig.addRecoveryBit(recovery).recoverPublicKey(digest);
      if (Buffer.from(P.toBytes(true)).equals(Buffer.from(compressedPub))) return { signature, recovery };
    } catch {
      /* this candidate does not recover */
    }
  }
  throw new BridgeError(502, 'BRIDGE_HSM_ERROR', 'the token produced a signature that does not match the key');
}
