// Tamper-evident audit log: logging, reports and chain verification (see
// docs/security.md "Audit log").
//
// A plain hash chain is not enough: in a browser anyone who can write
// IndexedDB (an XSS payload, a malicious extension, a forensic tool) can
// recompute one. So the links here are HMAC-SHA256 under a
// non-extractable CryptoKey derived with HKDF from the vault key: rewriting
// history unnoticed needs the unlocked vault.
//
//   mac_i  = HMAC(K, canonicalJson({ ...entry_i without mac, prev: mac_{i-1} }))   (prev of entry 0 = "")
//   head   = { seq: n-1, mac: mac_{n-1}, headMac: HMAC(K, canonicalJson({ head: n-1, mac: mac_{n-1} })) }
//
// The MAC'd head catches truncation of the tail (entries are public, so
// without headMac an attacker could point the head at any earlier entry).
// Limits, in docs/security.md: rolling back the log AND the head to an older
// copy of both, and deleting everything, are undetectable without state kept
// outside IndexedDB.
import { VaultkeyError } from '../errors.js';
import { type Clock, type Json, b64url, bytesEqual, canonicalJson, systemClock, subtle, utf8 } from './canonical.js';

export const AUDIT_FORMAT = 1;
/** HKDF info (RFC 5869 §3.2): separates the audit key from every other key derived from the vault key. */
export const AUDIT_HKDF_INFO = 'vaultkey/v1 audit-chain HMAC-SHA256';

export interface AuditEntry {
  v: 1;
  seq: number;
  /** UTC milliseconds since the epoch. */
  ts: number;
  principalId: string;
  principalName?: string;
  sessionId?: string;
  keyId?: string;
  /** e.g. `key:sign`, `sign_transaction`, `vault:unlock`. */
  operation: string;
  success: boolean;
  /** A VaultkeyError code, never a message (messages of foreign errors may quote inputs). */
  errorCode?: string;
  metadata?: { [k: string]: Json };
  /** base64url HMAC-SHA256 link. */
  mac: string;
}

export type AuditEvent = Omit<AuditEntry, 'v' | 'seq' | 'ts' | 'mac'>;

export interface AuditHead {
  seq: number;
  mac: string;
  headMac: string;
}

/**
 * Storage for the log. `append` is a compare-and-swap: it writes the entry and the new head
 * atomically only if the stored head's seq is still `expectedSeq` (-1 = empty log), so two tabs
 * appending at once cannot fork the chain; false means "someone else appended, retry".
 */
export interface AuditStore {
  head(): Promise<AuditHead | undefined>;
  append(entry: AuditEntry, head: AuditHead, expectedSeq: number): Promise<boolean>;
  /** Every stored entry in ascending key order, as stored (may be malformed after tampering). */
  entries(): Promise<unknown[]>;
  /** Where the stored run starts after pruning (retention): the last pruned entry's seq and mac. */
  anchor?(): Promise<AuditAnchor | undefined>;
}

/**
 * The point a run of entries continues from: the seq and mac of the entry
 * before its first (pruned by retention, or verified earlier). The first
 * entry of the run must have seq `seq + 1` and link to `mac`.
 */
export interface AuditAnchor {
  seq: number;
  mac: string;
}

export class MemoryAuditStore implements AuditStore {
  readonly rows = new Map<number, unknown>();
  headRecord: AuditHead | undefined;
  async head() {
    return this.headRecord && { ...this.headRecord };
  }
  async append(entry: AuditEntry, head: AuditHead, expectedSeq: number) {
    if ((this.headRecord?.seq ?? -1) !== expectedSeq || this.rows.has(entry.seq)) return false;
    this.rows.set(entry.seq, structuredClone(entry));
    this.headRecord = { ...head };
    return true;
  }
  async entries() {
    return [...this.rows.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => structuredClone(e));
  }
}

/**
 * HKDF-SHA256 (RFC 5869) -> non-extractable HMAC-SHA256 CryptoKey for one purpose (`info`).
 * `ikm` is the vault key as raw bytes (>= 32, uniformly random), an HKDF base CryptoKey, or an
 * extractable vault CryptoKey (its raw bytes are exported, used, and zeroed here).
 */
export async function deriveHmacKey(ikm: Uint8Array | CryptoKey, info: string, salt: Uint8Array = new Uint8Array(0)): Promise<CryptoKey> {
  const s = subtle();
  if (typeof info !== 'string' || info.length === 0) throw new VaultkeyError('INVALID_ARGUMENT', 'info must be a non-empty string');
  if (!(salt instanceof Uint8Array)) throw new VaultkeyError('INVALID_ARGUMENT', 'salt must be a Uint8Array');
  let base: CryptoKey;
  if (ikm instanceof Uint8Array) {
    if (ikm.length < 32) throw new VaultkeyError('INVALID_LENGTH', 'key material must be at least 32 bytes');
    base = await s.importKey('raw', ikm as Uint8Array<ArrayBuffer>, 'HKDF', false, ['deriveKey']);
  } else if (typeof CryptoKey !== 'undefined' && ikm instanceof CryptoKey) {
    if (ikm.algorithm.name === 'HKDF') base = ikm;
    else if (ikm.extractable) {
      const raw = new Uint8Array(await s.exportKey('raw', ikm));
      try {
        base = await s.importKey('raw', raw, 'HKDF', false, ['deriveKey']);
      } finally {
        raw.fill(0);
      }
    } else throw new VaultkeyError('INVALID_KEY', 'the vault key must be raw bytes, an HKDF key or an extractable key');
  } else throw new VaultkeyError('INVALID_ARGUMENT', 'key material must be a Uint8Array or a CryptoKey');
  return s.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: salt as Uint8Array<ArrayBuffer>, info: utf8(info) },
    base,
    { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    ['sign'],
  );
}

/** The audit chain key: deriveHmacKey(vault key, AUDIT_HKDF_INFO). */
export function deriveAuditKey(ikm: Uint8Array | CryptoKey, salt?: Uint8Array): Promise<CryptoKey> {
  return deriveHmacKey(ikm, AUDIT_HKDF_INFO, salt);
}

export function checkChainKey(key: unknown, what = 'the audit chain key'): CryptoKey {
  const k = key as CryptoKey;
  const alg = k?.algorithm as HmacKeyAlgorithm | undefined;
  if (
    typeof CryptoKey === 'undefined' ||
    !(k instanceof CryptoKey) ||
    alg?.name !== 'HMAC' ||
    alg.hash?.name !== 'SHA-256' ||
    !k.usages.includes('sign')
  ) {
    throw new VaultkeyError('INVALID_KEY', `${what} must be an HMAC-SHA256 CryptoKey with the sign usage (use deriveHmacKey)`);
  }
  // A key that can be exported can be copied out by script and then used to forge the chain offline.
  if (k.extractable) throw new VaultkeyError('INVALID_KEY', `${what} must be non-extractable`);
  return k;
}

export async function hmac(key: CryptoKey, text: string): Promise<Uint8Array> {
  return new Uint8Array(await subtle().sign('HMAC', key, utf8(text)));
}

export function entryMacInput(e: AuditEntry, prev: string): string {
  const { mac: _mac, ...body } = e;
  return canonicalJson({ ...body, prev });
}

export const headMacInput = (seq: number, mac: string) => canonicalJson({ head: seq, mac });

// ---- input checks -------------------------------------------------------

const OP_RE = /^[A-Za-z0-9_.:\-/]{1,64}$/;
const CODE_RE = /^[A-Z0-9_]{1,64}$/;
const MAX_META = 4096;
/**
 * Field names that only ever hold secrets. A guard rail against an accidental
 * `metadata: { ...req }`, not a guarantee: the caller still owns what it logs.
 */
const SECRET_NAMES = new Set([
  'secret',
  'privatekey',
  'priv',
  'privkey',
  'mnemonic',
  'seed',
  'passphrase',
  'password',
  'pin',
  'xprv',
  'entropy',
  'prf',
  'prfoutput',
  'dek',
  'kek',
  'share',
  'shares',
  'sharesecret',
  'signingkey',
  'token',
  'apikey',
]);

function checkMetadata(m: unknown): { [k: string]: Json } | undefined {
  if (m === undefined) return undefined;
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw new VaultkeyError('INVALID_ARGUMENT', 'metadata must be a plain object');
  const walk = (v: unknown, path: string, depth: number): void => {
    if (depth > 4) throw new VaultkeyError('INVALID_ARGUMENT', 'metadata is nested too deeply (max 4)');
    if (typeof v === 'string' && /^[xtyzuv]prv[1-9A-HJ-NP-Za-km-z]{20,}/.test(v)) {
      throw new VaultkeyError('INVALID_ARGUMENT', `metadata ${path} looks like an extended private key; the audit log never holds secrets`);
    }
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (SECRET_NAMES.has(k.toLowerCase().replace(/[_\-\s]/g, ''))) {
          throw new VaultkeyError('INVALID_ARGUMENT', `metadata field ${path}.${k} is refused: the audit log never holds secrets`);
        }
        walk(x, `${path}.${k}`, depth + 1);
      }
    }
  };
  walk(m, 'metadata', 0);
  // canonicalJson rejects typed arrays (raw key bytes), floats, undefined-in-arrays, class instances.
  const text = canonicalJson(m, 'metadata');
  if (text.length > MAX_META) throw new VaultkeyError('INVALID_ARGUMENT', `metadata must serialise to at most ${MAX_META} characters`);
  return JSON.parse(text);
}

function optStr(v: unknown, name: string, max = 256): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > max)
    throw new VaultkeyError('INVALID_ARGUMENT', `${name} must be a non-empty string of at most ${max} characters`);
  return v;
}

/** Validates an event as `append` would (exported so callers can check metadata before acting). */
export function checkAuditEvent(ev: unknown): AuditEvent {
  if (!ev || typeof ev !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'audit event must be an object');
  const e = ev as Partial<AuditEvent>;
  const principalId = optStr(e.principalId, 'principalId', 128);
  if (!principalId) throw new VaultkeyError('INVALID_ARGUMENT', 'principalId is required');
  if (typeof e.operation !== 'string' || !OP_RE.test(e.operation))
    throw new VaultkeyError('INVALID_ARGUMENT', 'operation must be 1-64 characters of [A-Za-z0-9_.:-/]');
  if (typeof e.success !== 'boolean') throw new VaultkeyError('INVALID_ARGUMENT', 'success must be a boolean');
  if (e.errorCode !== undefined && (typeof e.errorCode !== 'string' || !CODE_RE.test(e.errorCode))) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'errorCode must be an error code ([A-Z0-9_]), not a message');
  }
  const out: AuditEvent = { principalId, operation: e.operation, success: e.success };
  const principalName = optStr(e.principalName, 'principalName');
  const sessionId = optStr(e.sessionId, 'sessionId', 128);
  const keyId = optStr(e.keyId, 'keyId');
  const metadata = checkMetadata(e.metadata);
  if (principalName !== undefined) out.principalName = principalName;
  if (sessionId !== undefined) out.sessionId = sessionId;
  if (keyId !== undefined) out.keyId = keyId;
  if (e.errorCode !== undefined) out.errorCode = e.errorCode;
  if (metadata !== undefined) out.metadata = metadata;
  return out;
}

// ---- verification -------------------------------------------------------

export type AuditBreak = 'MALFORMED' | 'MISSING' | 'OUT_OF_ORDER' | 'MAC_MISMATCH' | 'HEAD_MISSING' | 'HEAD_MISMATCH' | 'TRUNCATED';

export type AuditVerification =
  | { ok: true; entries: number }
  | {
      ok: false;
      /** Position in the stored order where the chain first breaks. */
      index: number;
      /** The seq that was expected there (the first entry that is missing, edited, moved or foreign). */
      seq: number;
      reason: AuditBreak;
      message: string;
    };

const ENTRY_KEYS = new Set([
  'v',
  'seq',
  'ts',
  'principalId',
  'principalName',
  'sessionId',
  'keyId',
  'operation',
  'success',
  'errorCode',
  'metadata',
  'mac',
]);

/** True for an object shaped like a stored audit entry (exported for the offline verifier, audit-export.ts). */
export function wellFormed(x: unknown): x is AuditEntry {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return false;
  const e = x as AuditEntry;
  if (!Object.keys(e).every((k) => ENTRY_KEYS.has(k))) return false;
  return (
    e.v === 1 &&
    Number.isSafeInteger(e.seq) &&
    e.seq >= 0 &&
    Number.isSafeInteger(e.ts) &&
    typeof e.mac === 'string' &&
    typeof e.principalId === 'string' &&
    typeof e.operation === 'string' &&
    typeof e.success === 'boolean'
  );
}

/** Verifies a sequence of entries (as stored, in key order) and the head against the chain key. */
export async function verifyAuditEntries(
  chainKey: CryptoKey,
  stored: readonly unknown[],
  head: AuditHead | undefined,
  anchor?: AuditAnchor,
): Promise<AuditVerification> {
  const key = checkChainKey(chainKey);
  const fail = (index: number, seq: number, reason: AuditBreak, message: string): AuditVerification => ({
    ok: false,
    index,
    seq,
    reason,
    message,
  });
  // With an anchor the run continues a chain whose earlier part was pruned or already verified.
  const base = anchor ? anchor.seq + 1 : 0;
  let prev = anchor ? anchor.mac : '';
  for (let i = 0; i < stored.length; i++) {
    const e = stored[i];
    const want = base + i;
    if (!wellFormed(e)) return fail(i, want, 'MALFORMED', `entry at position ${i} is not a well-formed audit entry`);
    if (e.seq !== want) {
      return e.seq > want
        ? fail(i, want, 'MISSING', `entry ${want} is missing (found ${e.seq} in its place)`)
        : fail(i, want, 'OUT_OF_ORDER', `entry at position ${i} claims seq ${e.seq}`);
    }
    let expect: Uint8Array;
    try {
      expect = await hmac(key, entryMacInput(e, prev));
    } catch {
      return fail(i, want, 'MALFORMED', `entry ${want} is not canonical JSON`);
    }
    if (!bytesEqual(utf8(b64url(expect)), utf8(e.mac)))
      return fail(i, want, 'MAC_MISMATCH', `entry ${want} was edited, moved or forged (MAC mismatch)`);
    prev = e.mac;
  }
  const n = stored.length;
  const last = base + n - 1;
  if (!head) {
    return n === 0 && !anchor ? { ok: true, entries: 0 } : fail(n, last + 1, 'HEAD_MISSING', 'the log head record is missing');
  }
  const h = head as Partial<AuditHead>;
  if (!Number.isSafeInteger(h.seq) || typeof h.mac !== 'string' || typeof h.headMac !== 'string') {
    return fail(n, last + 1, 'HEAD_MISMATCH', 'the log head record is malformed');
  }
  const hm = b64url(await hmac(key, headMacInput(h.seq!, h.mac!)));
  if (!bytesEqual(utf8(hm), utf8(h.headMac!))) return fail(n, last + 1, 'HEAD_MISMATCH', 'the log head record was forged');
  if (h.seq! > last) return fail(n, last + 1, 'TRUNCATED', `entries ${last + 1}..${h.seq} were deleted from the end of the log`);
  if (h.seq! < last || h.mac !== prev)
    return fail(h.seq! + 1 - base, h.seq! + 1, 'HEAD_MISMATCH', `entries after ${h.seq} are not covered by the head`);
  return { ok: true, entries: n };
}

// ---- the log ------------------------------------------------------------

export interface AuditQuery {
  /** Inclusive lower bound (ms). */
  since?: number;
  /** Exclusive upper bound (ms). */
  until?: number;
  keyId?: string;
  operation?: string;
  principalId?: string;
}

export interface AuditCounts {
  total: number;
  success: number;
  failure: number;
}

export interface AuditReport {
  start: number;
  end: number;
  totalEvents: number;
  successCount: number;
  failureCount: number;
  /** successCount / totalEvents, or null for an empty period. */
  successRate: number | null;
  byKey: Record<string, AuditCounts>;
  byOperation: Record<string, AuditCounts>;
  byPrincipal: Record<string, AuditCounts>;
  /** principalId -> the most recent `principalName` its entries in the period carry (ids without a name are absent). */
  principalNames: Record<string, string>;
  /** The report is computed over what is stored; this says whether that is trustworthy. */
  integrity: AuditVerification;
}

export interface AuditLogOptions {
  store?: AuditStore;
  clock?: Clock;
}

function checkQuery(q: unknown): AuditQuery {
  if (q === undefined) return {};
  if (!q || typeof q !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'query must be an object');
  const x = q as AuditQuery;
  for (const k of ['since', 'until'] as const) {
    if (x[k] !== undefined && !Number.isSafeInteger(x[k]))
      throw new VaultkeyError('INVALID_ARGUMENT', `${k} must be an integer number of milliseconds`);
  }
  return x;
}

export class AuditLog {
  readonly #key: CryptoKey;
  readonly #store: AuditStore;
  readonly #clock: Clock;
  #queue: Promise<unknown> = Promise.resolve();

  /** `chainKey` from deriveAuditKey(vault key); the Keystore owns it and it never leaves WebCrypto. */
  constructor(chainKey: CryptoKey, opts: AuditLogOptions = {}) {
    this.#key = checkChainKey(chainKey);
    this.#store = opts.store ?? new MemoryAuditStore();
    this.#clock = opts.clock ?? systemClock;
    if (typeof this.#clock !== 'function') throw new VaultkeyError('INVALID_ARGUMENT', 'clock must be a function');
  }

  /**
   * Appends one event and returns the stored entry. Appends are serialised in this page and
   * compare-and-swapped against the store's head across tabs. Refuses (AUDIT_TAMPERED) to extend
   * a head that does not verify, so a forged head cannot be laundered by new entries.
   */
  append(event: AuditEvent): Promise<AuditEntry> {
    let ev: AuditEvent;
    try {
      ev = checkAuditEvent(event);
    } catch (e) {
      return Promise.reject(e);
    }
    const run = this.#queue.then(() => this.#append(ev));
    this.#queue = run.catch(() => {}); // the queue only orders appends; each caller gets its own result from `run`
    return run;
  }

  async #append(ev: AuditEvent): Promise<AuditEntry> {
    for (let attempt = 0; attempt < 16; attempt++) {
      const head = await this.#store.head();
      let prev = '';
      let seq = 0;
      if (head) {
        const hm = b64url(await hmac(this.#key, headMacInput(head.seq, head.mac)));
        if (!bytesEqual(utf8(hm), utf8(head.headMac))) throw new VaultkeyError('AUDIT_TAMPERED', 'the audit log head does not verify');
        prev = head.mac;
        seq = head.seq + 1;
      }
      const body = { v: 1 as const, seq, ts: this.#clock(), ...ev, mac: '' };
      if (!Number.isSafeInteger(body.ts)) throw new VaultkeyError('INVALID_ARGUMENT', 'clock must return integer milliseconds');
      const entry: AuditEntry = { ...body, mac: b64url(await hmac(this.#key, entryMacInput(body, prev))) };
      const newHead: AuditHead = { seq, mac: entry.mac, headMac: b64url(await hmac(this.#key, headMacInput(seq, entry.mac))) };
      if (await this.#store.append(entry, newHead, head?.seq ?? -1)) return entry;
    }
    throw new VaultkeyError('STORAGE_FAILED', 'could not append to the audit log (too much contention)');
  }

  /** Checks the whole chain's integrity, reporting the first broken link. */
  async verify(): Promise<AuditVerification> {
    const [entries, head, anchor] = await Promise.all([this.#store.entries(), this.#store.head(), this.#store.anchor?.()]);
    return verifyAuditEntries(this.#key, entries, head, anchor);
  }

  /** verify(), throwing AUDIT_TAMPERED (with the broken seq in the message) instead of returning a failure. */
  async assertIntact(): Promise<void> {
    const r = await this.verify();
    if (!r.ok) throw new VaultkeyError('AUDIT_TAMPERED', `audit log broken at entry ${r.seq}: ${r.reason}`);
  }

  /** Entries matching the query (time range, key, operation, principal). Malformed rows are skipped. */
  async query(q?: AuditQuery): Promise<AuditEntry[]> {
    const x = checkQuery(q);
    return (await this.#store.entries())
      .filter(wellFormed)
      .filter(
        (e) =>
          (x.since === undefined || e.ts >= x.since) &&
          (x.until === undefined || e.ts < x.until) &&
          (x.keyId === undefined || e.keyId === x.keyId) &&
          (x.operation === undefined || e.operation === x.operation) &&
          (x.principalId === undefined || e.principalId === x.principalId),
      );
  }

  /** JSON Lines (one canonical JSON entry per line, MACs included, trailing newline). */
  async exportJsonl(q?: AuditQuery): Promise<string> {
    return (await this.query(q)).map((e) => `${canonicalJson(e)}\n`).join('');
  }

  /** Report by period ("Audit Reports"): counts, success rate, by key, by operation, by principal. */
  async report(q: { since?: number; until?: number } = {}): Promise<AuditReport> {
    const x = checkQuery(q);
    const entries = await this.query({ since: x.since, until: x.until });
    const integrity = await this.verify();
    const bump = (m: Record<string, AuditCounts>, k: string, ok: boolean) => {
      const c = (m[k] ??= { total: 0, success: 0, failure: 0 });
      c.total++;
      if (ok) c.success++;
      else c.failure++;
    };
    const byKey: Record<string, AuditCounts> = {};
    const byOperation: Record<string, AuditCounts> = {};
    const byPrincipal: Record<string, AuditCounts> = {};
    // A Map, then fromEntries: an id such as "__proto__" (ids allow it) stays an own property.
    const names = new Map<string, string>();
    let successCount = 0;
    for (const e of entries) {
      if (e.success) successCount++;
      if (typeof e.principalName === 'string') names.set(e.principalId, e.principalName);
      if (e.keyId !== undefined) bump(byKey, e.keyId, e.success);
      bump(byOperation, e.operation, e.success);
      bump(byPrincipal, e.principalId, e.success);
    }
    const total = entries.length;
    return {
      start: x.since ?? entries[0]?.ts ?? 0,
      end: x.until ?? this.#clock(),
      totalEvents: total,
      successCount,
      failureCount: total - successCount,
      successRate: total ? successCount / total : null,
      byKey,
      byOperation,
      byPrincipal,
      principalNames: Object.fromEntries(names),
      integrity,
    };
  }
}
