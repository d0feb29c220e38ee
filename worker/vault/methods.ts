// Unlock methods (passphrase, passkeys) and the unlock throttle.
//
// Every attempt — unlock, or a re-verification while unlocked — runs under
// one worker mutex and one origin-wide Web Lock, so attempts are judged one
// at a time and a failure is written before the next attempt is judged
// (12 parallel wrong guesses cost what 12 sequential ones do).
//
// The throttle must work while locked, when no vault key is available to
// authenticate it, so it is MAC'd under a per-vault HMAC "device key": a
// non-extractable CryptoKey stored in IndexedDB. Script that can only edit
// records cannot forge that MAC; a missing, edited or rolled-back throttle
// counts as tampering and imposes the longest back-off instead of resetting it
// (docs/security.md says what this cannot stop).
import { VaultkeyError, assertBytes } from '../../src/errors.js';
import { fromB64url } from '../../src/bytes.js';
import {
  checkMethodRecord,
  methodChecksum,
  newKdfParams,
  passphraseBytes,
  passphraseKek,
  prfKek,
  unwrapDek,
  wrapDek,
} from '../../src/vault/crypto.js';
import {
  ARGON2_DEFAULT,
  PBKDF2_MIN_ITERATIONS,
  RECORD_FORMAT,
  STORES,
  b64url,
  randomBytes,
  type KdfParams,
  type MethodRecord,
} from '../../src/vault/format.js';
import type { PasskeyMaterial, PassphraseEnrollment, Proof } from '../../src/vault/contract.js';
import { storageError } from '../../src/vault/db.js';
import * as S from './state.js';

export const FREE_ATTEMPTS = 3;
export const MAX_BACKOFF_MS = 5 * 60_000;
/** Failures a tampered throttle counts as: enough for the longest back-off. */
const TAMPER_FAILURES = FREE_ATTEMPTS + 9;
const RECENT = 32;

export interface ThrottleRecord {
  id: 'throttle';
  failures: number;
  lastFailureAt: number;
  /** Every judged attempt adds one; never goes down (the manifest remembers it at each unlock). */
  seq: number;
  /** Failed attempts not yet written to the audit log (appended at the next unlock). */
  recent: { at: number; method: string; code: string }[];
  /** Why the throttle was found tampered, until an unlock audits it. */
  tampered?: string;
  mac?: string;
}

// ---- serialisation ----

let chain: Promise<unknown> = Promise.resolve();

/** One attempt at a time in this worker, and across every tab and worker of the origin. */
export function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  const run = () => (locks ? (locks.request(`vaultkey:${S.vaultName()}:unlock`, { mode: 'exclusive' }, fn) as Promise<T>) : fn());
  const p = chain.then(run, run);
  chain = p.catch(() => {}); // the chain only orders attempts; each caller gets its own result from `p`
  return p;
}

// ---- throttle ----

const enc = new TextEncoder();
const throttleText = (t: ThrottleRecord) =>
  JSON.stringify([t.failures, t.lastFailureAt, t.seq, t.recent.map((r) => [r.at, r.method, r.code]), t.tampered ?? null]);

export async function newDeviceKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign', 'verify']) as Promise<CryptoKey>;
}

export async function sealThrottle(key: CryptoKey, t: ThrottleRecord): Promise<ThrottleRecord> {
  const { mac: _m, ...body } = t;
  return { ...body, mac: b64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(throttleText(body))))) };
}

function wellFormed(t: unknown): t is ThrottleRecord {
  const x = t as ThrottleRecord;
  return (
    !!x &&
    typeof x === 'object' &&
    Number.isSafeInteger(x.failures) &&
    x.failures >= 0 &&
    Number.isSafeInteger(x.lastFailureAt) &&
    Number.isSafeInteger(x.seq) &&
    x.seq >= 0 &&
    Array.isArray(x.recent) &&
    x.recent.length <= RECENT &&
    typeof x.mac === 'string' &&
    x.recent.every((r) => r && Number.isSafeInteger(r.at) && typeof r.method === 'string' && typeof r.code === 'string')
  );
}

async function macOk(key: CryptoKey, t: ThrottleRecord): Promise<boolean> {
  try {
    const { mac, ...body } = t;
    return await crypto.subtle.verify('HMAC', key, fromB64url(mac) as Uint8Array<ArrayBuffer>, enc.encode(throttleText(body)));
  } catch {
    return false;
  }
}

/** Is this a vault written by this release (so a missing device key or throttle is tampering, not age)? */
export async function isCurrentFormat(): Promise<boolean> {
  const d = await S.db();
  const [meta, manifest, methods] = await Promise.all([
    d.get(STORES.meta, 'vault'),
    d.get(STORES.meta, 'manifest'),
    d.getAll(STORES.methods),
  ]);
  return (
    (meta as { v?: number } | undefined)?.v === RECORD_FORMAT ||
    manifest !== undefined ||
    (methods as MethodRecord[]).some((m) => m?.v >= RECORD_FORMAT)
  );
}

/**
 * The throttle as it stands, checked. A tampered one is replaced at once by an
 * authenticated record at the longest back-off (so the penalty survives a reload).
 */
export async function readThrottle(): Promise<ThrottleRecord> {
  const d = await S.db();
  const [raw, device] = await Promise.all([d.get(STORES.meta, 'throttle'), d.get(STORES.meta, 'device')]);
  const key = (device as { key?: CryptoKey } | undefined)?.key;
  const legacy = !key && !(await isCurrentFormat());
  if (legacy) {
    // Written by an earlier release (no device key yet): taken as it is, and sealed at the next write.
    const t = raw as { failures?: number; lastFailureAt?: number } | undefined;
    return {
      id: 'throttle',
      failures: Number.isSafeInteger(t?.failures) ? t!.failures! : 0,
      lastFailureAt: Number.isSafeInteger(t?.lastFailureAt) ? t!.lastFailureAt! : 0,
      seq: 0,
      recent: [],
    };
  }
  let why: string | null = null;
  if (!(key instanceof CryptoKey)) why = 'the throttle key is missing';
  else if (!wellFormed(raw)) why = raw === undefined ? 'the throttle record is missing' : 'the throttle record is malformed';
  else if (!(await macOk(key, raw))) why = 'the throttle record was edited';
  if (!why) return raw as ThrottleRecord;
  const prev = wellFormed(raw) ? raw : undefined;
  const t: ThrottleRecord = {
    id: 'throttle',
    failures: Math.max(TAMPER_FAILURES, prev?.failures ?? 0),
    lastFailureAt: Date.now(),
    seq: (prev?.seq ?? 0) + 1,
    recent: prev?.recent ?? [],
    tampered: why,
  };
  await writeThrottle(t);
  S.emit({ type: 'tamper', detail: { record: 'meta throttle', reason: why } });
  return t;
}

/** Seals and stores the throttle (creating the device key if it went missing). */
export async function writeThrottle(t: ThrottleRecord): Promise<ThrottleRecord> {
  const d = await S.db();
  let key = ((await d.get(STORES.meta, 'device')) as { key?: CryptoKey } | undefined)?.key;
  const fresh = !(key instanceof CryptoKey);
  if (fresh) key = await newDeviceKey();
  const sealed = await sealThrottle(key!, t);
  try {
    const tx = d.transaction(STORES.meta, 'readwrite', { durability: 'strict' });
    await Promise.all([tx.store.put(sealed), ...(fresh ? [tx.store.put({ id: 'device', key })] : []), tx.done]);
  } catch (e) {
    throw storageError(e);
  }
  return sealed;
}

export function backoffMs(t: ThrottleRecord): number {
  if (t.failures < FREE_ATTEMPTS) return 0;
  const wait = Math.min(1000 * 2 ** (t.failures - FREE_ATTEMPTS), MAX_BACKOFF_MS);
  // Real time only: the page's test clock must not shorten a back-off.
  return Math.max(0, t.lastFailureAt + wait - Date.now());
}

export async function retryAfter(): Promise<number> {
  try {
    return backoffMs(await readThrottle());
  } catch {
    return 0;
  }
}

// ---- method records ----

export function label(v: unknown, dflt: string): string {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || v.length > 100)
    throw new VaultkeyError('INVALID_ARGUMENT', 'label must be a string of at most 100 characters');
  return v;
}

/** A method record as stored, shape and checksum checked (its MAC is checked once the vault key is known). */
export async function methodRecord(id: string): Promise<MethodRecord & { ver?: number; mac?: string }> {
  const raw = await (await S.db()).get(STORES.methods, id);
  if (!raw)
    throw new VaultkeyError(
      'NOT_FOUND',
      id === 'passphrase' ? 'no passphrase is enrolled in this vault' : 'this passkey is not enrolled in this vault',
    );
  return checkMethodRecord(raw);
}

export async function allMethods(): Promise<MethodRecord[]> {
  return (await (await S.db()).getAll(STORES.methods)) as MethodRecord[];
}

async function sealMethod(rec: Omit<MethodRecord, 'checksum' | 'iv' | 'wrappedDek'>, rk: CryptoKey, kek: CryptoKey): Promise<MethodRecord> {
  // `wrappedDek` keeps its name from format 1; since format 2 it holds the vault key RK.
  const { iv, wrappedDek } = await wrapDek(rk, kek, rec.id, rec.v);
  const full = { ...rec, iv, wrappedDek };
  return { ...full, checksum: await methodChecksum(full) };
}

/** A passphrase method for `rk`: the floor is 8 characters after NFKC (a floor, not a strength meter). */
export async function passphraseMethod(rk: CryptoKey, e: PassphraseEnrollment, createdAt = S.now()): Promise<MethodRecord> {
  if (typeof e?.passphrase !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'passphrase must be a string');
  checkStrength(e.passphrase);
  const kdf = newKdfParams(e.kdf);
  const kek = await passphraseKek(passphraseBytes(e.passphrase), kdf);
  return sealMethod(
    { id: 'passphrase', kind: 'passphrase', v: RECORD_FORMAT, createdAt, label: label(e.label, 'Passphrase'), kdf },
    rk,
    kek,
  );
}

/** The passphrase method re-sealed under fresh, current KDF parameters (same algorithm, new salt). Zeroes `pw`. */
export async function rehashPassphrase(old: MethodRecord, rk: CryptoKey, pw: Uint8Array): Promise<MethodRecord> {
  const kdf = newKdfParams({ alg: old.kdf!.alg });
  const kek = await passphraseKek(pw, kdf);
  return sealMethod({ id: old.id, kind: old.kind, v: RECORD_FORMAT, createdAt: old.createdAt, label: old.label, kdf }, rk, kek);
}

/** The passphrase rule, shared by unlock methods and every export password. */
export function checkStrength(p: unknown): void {
  if (typeof p !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'passphrase must be a string');
  if ([...p.normalize('NFKC')].length < 8) throw new VaultkeyError('WEAK_PASSPHRASE', 'the passphrase must have at least 8 characters');
}

function checkPasskeyMaterial(p: PasskeyMaterial): void {
  if (!p || typeof p !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'passkey material is missing');
  assertBytes(p.credentialId, 'credentialId');
  assertBytes(p.prfSalt, 'prfSalt', 32);
  assertBytes(p.prf, 'prf', 32);
  if (typeof p.rpId !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'rpId must be a string');
}

export async function passkeyMethod(rk: CryptoKey, p: PasskeyMaterial): Promise<MethodRecord> {
  checkPasskeyMaterial(p);
  const hkdfSalt = randomBytes(32);
  const kek = await prfKek(p.prf, hkdfSalt);
  return sealMethod(
    {
      id: `passkey:${b64url(p.credentialId)}`,
      kind: 'passkey',
      v: RECORD_FORMAT,
      createdAt: S.now(),
      label: label(p.label, 'Passkey'),
      credentialId: p.credentialId.slice(),
      rpId: p.rpId,
      prfSalt: p.prfSalt.slice(),
      hkdfSalt,
    },
    rk,
    kek,
  );
}

/** The same passkey method re-sealed for a new RK from a fresh PRF output (a re-key). */
export async function resealPasskey(old: MethodRecord, rk: CryptoKey, prf: Uint8Array): Promise<MethodRecord> {
  const hkdfSalt = randomBytes(32);
  const kek = await prfKek(prf, hkdfSalt);
  return sealMethod(
    {
      id: old.id,
      kind: 'passkey',
      v: RECORD_FORMAT,
      createdAt: old.createdAt,
      label: old.label,
      credentialId: old.credentialId!,
      rpId: old.rpId!,
      prfSalt: old.prfSalt!,
      hkdfSalt,
    },
    rk,
    kek,
  );
}

export function belowDefaults(k: KdfParams): boolean {
  return k.alg === 'PBKDF2-SHA512' ? k.iterations < PBKDF2_MIN_ITERATIONS : k.t < ARGON2_DEFAULT.t || k.m < ARGON2_DEFAULT.m;
}

export interface Attempt {
  rk: CryptoKey;
  method: MethodRecord & { ver?: number; mac?: string };
  throttle: ThrottleRecord;
  /** Passphrase methods below today's KDF parameters: the passphrase, to re-wrap under new ones (zero it). */
  rehash: Uint8Array | null;
}

/**
 * Judges one proof (inside `serialized`): the back-off first, then the KEK
 * re-derived and the vault key unwrapped. A wrong proof is written to the
 * throttle before this returns, so the next attempt sees it.
 */
export async function attempt(proof: Proof): Promise<Attempt> {
  if (!proof || typeof proof !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'expected { passphrase } or a passkey proof');
  const wipeProof = () => {
    if ('prf' in proof && proof.prf instanceof Uint8Array) proof.prf.fill(0);
  };
  let throttle: ThrottleRecord;
  let rec: MethodRecord;
  let kek: CryptoKey;
  let wrong: VaultkeyError;
  let rehash: Uint8Array | null = null;
  try {
    throttle = await readThrottle();
    const wait = backoffMs(throttle);
    if (wait > 0) {
      // Said again at every refused attempt: the page may not have been listening when it was found.
      if (throttle.tampered) S.emit({ type: 'tamper', detail: { record: 'meta throttle', reason: throttle.tampered } });
      throw new VaultkeyError('RATE_LIMITED', `too many failed attempts; retry in ${Math.ceil(wait / 1000)} s`);
    }
    if ('passphrase' in proof) {
      const pw = passphraseBytes(proof.passphrase);
      try {
        rec = await methodRecord('passphrase');
      } catch (e) {
        pw.fill(0);
        throw e;
      }
      if (belowDefaults(rec.kdf!)) rehash = pw.slice();
      kek = await passphraseKek(pw, rec.kdf!);
      wrong = new VaultkeyError('WRONG_PASSPHRASE', 'wrong passphrase');
    } else {
      const { credentialId, prf } = proof as { credentialId: Uint8Array; prf: Uint8Array };
      assertBytes(credentialId, 'credentialId');
      assertBytes(prf, 'prf', 32);
      rec = await methodRecord(`passkey:${b64url(credentialId)}`);
      kek = await prfKek(prf, rec.hkdfSalt!);
      wrong = new VaultkeyError('WRONG_PASSKEY', 'the passkey did not unlock this vault (PRF output does not match)');
    }
  } catch (e) {
    wipeProof();
    throw e;
  }
  const rk = await unwrapDek(rec, kek);
  if (!rk) {
    rehash?.fill(0);
    await recordFailure(throttle, rec.id, wrong.code);
    throw wrong;
  }
  return { rk, method: rec, throttle, rehash };
}

/** Writes one failed attempt (counted toward the back-off, kept for the audit log). */
export async function recordFailure(t: ThrottleRecord, method: string, code: string): Promise<void> {
  const at = Date.now();
  const recent = [...t.recent, { at, method: method.slice(0, 80), code }].slice(-RECENT);
  await writeThrottle({ ...t, failures: t.failures + 1, lastFailureAt: at, seq: t.seq + 1, recent });
}
