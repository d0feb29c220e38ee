// Record integrity and anti-rollback (docs/vault.md "Records and manifest").
//
// Every stored record that the API returns or acts on carries a version `ver`
// and `mac` = HMAC-SHA256(record key, canonical JSON of { store, row }), the
// record key being HKDF-SHA256 (RFC 5869) of the vault key. One manifest
// record lists every live record with its version, the keyring epoch, the
// audit head and the throttle sequence, and is MAC'd the same way with a
// monotonic `epoch`. So, once unlocked:
//   - an edited record fails its MAC                          -> CORRUPTED naming it
//   - an older genuine record written back has the wrong ver  -> CORRUPTED naming it
//   - a removed record written back is not in the manifest    -> ignored, tamper event
//   - a deleted record that the manifest lists                -> CORRUPTED naming it
// Every write goes through `mutate`: one readwrite transaction over the touched
// stores plus `meta`, which reads the manifest, verifies it, applies the
// change, and writes the manifest with epoch + 1. IndexedDB runs readwrite
// transactions on overlapping stores one at a time, so two tabs' writers
// cannot interleave; nothing but IndexedDB requests and synchronous HMACs
// happens inside, so the transaction cannot auto-commit half way.
import { hkdfSha256, hmacSha256 } from '../../src/core/hash.js';
import { VaultkeyError } from '../../src/errors.js';
import { b64url, bytesEqual, canonicalJson, utf8 } from '../../src/security/canonical.js';
import { AUDIT_HKDF_INFO } from '../../src/security/audit.js';
import { PRINCIPALS_HKDF_INFO } from '../../src/security/rbac-idb.js';
import { STORES } from '../../src/vault/format.js';
import { storageError } from '../../src/vault/db.js';
import * as S from './state.js';

export const MANIFEST_FORMAT = 2;

/** HKDF's absent salt: RFC 5869 §2.2 takes it as HashLen zero bytes, which HMAC pads an empty key to. */
const NO_SALT = new Uint8Array(0);

/**
 * The keys earlier releases derived from their data key (which becomes the
 * vault key RK on migration): the audit chain key, so chains written before
 * keep verifying, and the principal-record key, to check those records once
 * while moving them. Same as deriveAuditKey / derivePrincipalKey (HKDF-SHA256,
 * empty salt = HashLen zeros, RFC 5869 §2.2). Zeroes `rkRaw`.
 */
export function legacyKeys(rkRaw: Uint8Array): { auditKey: Uint8Array; principalKey: Uint8Array } {
  try {
    return {
      auditKey: hkdfSha256(rkRaw, NO_SALT, utf8(AUDIT_HKDF_INFO), 32),
      principalKey: hkdfSha256(rkRaw, NO_SALT, utf8(PRINCIPALS_HKDF_INFO), 32),
    };
  } finally {
    rkRaw.fill(0);
  }
}

export type Store = (typeof STORES)[keyof typeof STORES];

export interface Row {
  id: string;
  ver: number;
  mac: string;
  [k: string]: unknown;
}

export interface Manifest {
  id: 'manifest';
  v: number;
  vaultId: string;
  epoch: number;
  /** Epoch of the keyring record (the DEK wrapped under RK) that is current. */
  keyring: number;
  /** `${store}/${id}` -> version of every live record. */
  records: Record<string, number>;
  /** The audit chain's head as last committed (truncation and head deletion show against it). */
  audit: { seq: number; mac: string } | null;
  /** Retention: the last pruned entry (its seq and mac); the first stored entry links to it (docs/security.md "Retention"). */
  auditFrom?: { seq: number; mac: string };
  /** The throttle record's sequence at the last successful unlock (a rolled-back throttle shows against it). */
  throttleSeq: number;
  mac: string;
}

/** JSON image of a record for MAC input: bytes become 'b:'+base64url, everything else must be JSON. */
function image(v: unknown): unknown {
  if (v instanceof Uint8Array) return `b:${b64url(v)}`;
  if (Array.isArray(v)) return v.map(image);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = image(x);
    return out;
  }
  return v;
}

export function macOf(key: Uint8Array, store: string, row: object): string {
  const { mac: _m, ...body } = row as Row;
  return b64url(hmacSha256(key, utf8(canonicalJson({ s: store, row: image(body) }))));
}

function sameMac(a: unknown, b: string): boolean {
  return typeof a === 'string' && bytesEqual(utf8(a), utf8(b));
}

/** Reports a tampered record to the page, and returns the CORRUPTED error naming it. */
export function tampered(record: string, reason: string): VaultkeyError {
  S.emit({ type: 'tamper', detail: { record, reason } });
  return new VaultkeyError('CORRUPTED', `the ${record} record ${reason}`);
}

let cached: Manifest | null = null;
S.onLock(() => {
  cached = null;
});

/** The last manifest this worker verified or wrote (hot-path reads); commits re-read and re-verify. */
export function cachedManifest(): Manifest | null {
  return cached;
}

const foreignListeners = new Set<(m: Manifest) => void>();

/** Called (with the new, verified manifest) when a manifest read shows another writer (another tab) moved the vault since this worker last knew it. */
export function onForeignWrite(f: (m: Manifest) => void): void {
  foreignListeners.add(f);
}

/**
 * Accepts a manifest read from disk: if it is exactly the one this worker
 * last verified or wrote, nobody else wrote since and its caches are current;
 * otherwise it is verified, and the caches are dropped.
 */
export function acceptManifest(raw: unknown, macKey: Uint8Array): { m: Manifest; known: boolean } {
  const r = raw as Manifest | undefined;
  if (cached && r && r.epoch === cached.epoch && r.mac === cached.mac) return { m: cached, known: true };
  const m = checkManifest(raw, macKey);
  if (cached && m.epoch !== cached.epoch) for (const f of foreignListeners) f(m);
  cached = m;
  return { m, known: false };
}

export function setCachedManifest(m: Manifest): void {
  cached = m;
}

export function checkManifest(raw: unknown, macKey: Uint8Array): Manifest {
  const m = raw as Manifest | undefined;
  if (!m) throw tampered('manifest', 'is missing (deleted?)');
  if (typeof m !== 'object' || m.id !== 'manifest' || !Number.isSafeInteger(m.epoch) || !m.records || typeof m.records !== 'object') {
    throw tampered('manifest', 'is malformed');
  }
  if (m.v > MANIFEST_FORMAT) throw new VaultkeyError('SCHEMA_TOO_NEW', 'this vault was written by a newer vaultkey');
  if (!sameMac(m.mac, macOf(macKey, 'manifest', m)))
    throw tampered('manifest', 'failed authentication (edited, or from another vault key)');
  return m;
}

/** Checks one row against its MAC and the manifest; `what` names it in errors ('secrets k_…'). */
export function checkRow<T extends Row>(store: Store, raw: unknown, id: string, m: Manifest, macKey: Uint8Array): T | undefined {
  const want = m.records[`${store}/${id}`];
  const what = `${store} ${id}`;
  if (raw === undefined) {
    if (want !== undefined) throw tampered(what, 'is missing (deleted outside vaultkey)');
    return undefined;
  }
  const r = raw as T;
  if (!r || typeof r !== 'object' || r.id !== id || !Number.isSafeInteger(r.ver)) throw tampered(what, 'is malformed');
  if (!sameMac(r.mac, macOf(macKey, store, r))) throw tampered(what, 'failed authentication (edited outside vaultkey)');
  if (want === undefined) {
    // A genuine record the manifest no longer lists: a removed record written back.
    S.emit({ type: 'tamper', detail: { record: what, reason: 'is not in the vault manifest (a removed record written back)' } });
    return undefined;
  }
  if (r.ver !== want) throw tampered(what, `is version ${r.ver}, the manifest says ${want} (an older copy written back)`);
  return r;
}

/** The writes of one transaction, with the manifest they move forward. */
export class Tx {
  constructor(
    readonly tx: IDBTransaction | any,
    readonly m: Manifest,
    private readonly macKey: Uint8Array,
    private readonly writeKey: Uint8Array = macKey,
  ) {}

  async get<T extends Row>(store: Store, id: string): Promise<T | undefined> {
    return checkRow<T>(store, await this.tx.objectStore(store).get(id), id, this.m, this.macKey);
  }

  /** Every live row of `store` (rows the manifest does not list are skipped and reported). */
  async all<T extends Row>(store: Store): Promise<T[]> {
    const rows = (await this.tx.objectStore(store).getAll()) as T[];
    return liveRows<T>(store, rows, this.m, this.macKey);
  }

  /** Writes `row` as the next version of its record. Returns the stored row. */
  put<T extends object & { id: string }>(store: Store, row: T): Promise<T & Row> {
    const k = `${store}/${row.id}`;
    const ver = (this.m.records[k] ?? 0) + 1;
    const full = { ...row, ver, mac: '' } as T & Row;
    full.mac = macOf(this.writeKey, store, full);
    this.m.records[k] = ver;
    return this.tx
      .objectStore(store)
      .put(full)
      .then(() => full);
  }

  /** Adds a record that must not exist yet (the transaction fails if it does). */
  add<T extends object & { id: string }>(store: Store, row: T): Promise<T & Row> {
    const k = `${store}/${row.id}`;
    if (this.m.records[k] !== undefined) throw new VaultkeyError('ALREADY_EXISTS', `${store} ${row.id} already exists`);
    return this.put(store, row);
  }

  delete(store: Store, id: string): Promise<void> {
    delete this.m.records[`${store}/${id}`];
    return this.tx.objectStore(store).delete(id);
  }
}

export function liveRows<T extends Row>(store: Store, rows: T[], m: Manifest, macKey: Uint8Array): T[] {
  const out: T[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const id = (r as Row)?.id;
    if (typeof id !== 'string') throw tampered(`${store} (unnamed)`, 'is malformed');
    const ok = checkRow<T>(store, r, id, m, macKey);
    if (ok) {
      out.push(ok);
      seen.add(id);
    }
  }
  const prefix = `${store}/`;
  for (const k of Object.keys(m.records)) {
    if (k.startsWith(prefix) && !seen.has(k.slice(prefix.length)))
      throw tampered(`${store} ${k.slice(prefix.length)}`, 'is missing (deleted outside vaultkey)');
  }
  return out;
}

export function sealManifest(m: Manifest, macKey: Uint8Array): Manifest {
  const next = { ...m, mac: '' };
  next.mac = macOf(macKey, 'manifest', next);
  return next;
}

const STRICT = { durability: 'strict' } as const;
const RELAXED = { durability: 'relaxed' } as const;

/**
 * Runs `fn` in one readwrite transaction over `stores` + meta against the
 * verified manifest, then writes the manifest (epoch + 1). `fn` may await
 * IndexedDB requests only. `relaxed` (the signing hot path) commits without
 * waiting for the disk flush: the transaction is still atomic, a power cut
 * can lose the last few hundred milliseconds of usage counts and audit entries.
 */
export async function mutate<T>(stores: Store[], fn: (t: Tx) => Promise<T>, o: { relaxed?: boolean; rekey?: Uint8Array } = {}): Promise<T> {
  const s = S.need();
  const d = await S.db();
  const names = [...new Set([STORES.meta, ...stores])];
  let out: T;
  let wrote: Manifest;
  try {
    const tx = d.transaction(names, 'readwrite', o.relaxed ? RELAXED : STRICT);
    const run = async () => {
      const { m } = acceptManifest(await tx.objectStore(STORES.meta).get('manifest'), s.macKey);
      const draft: Manifest = { ...m, records: { ...m.records } };
      // A re-key verifies under the current record key and writes under the new one.
      out = await fn(new Tx(tx, draft, s.macKey, o.rekey ?? s.macKey));
      wrote = sealManifest({ ...draft, epoch: m.epoch + 1 }, o.rekey ?? s.macKey);
      await tx.objectStore(STORES.meta).put(wrote);
    };
    await settle(tx, run());
  } catch (cause) {
    throw storageError(cause);
  }
  if (S.current() === s) cached = wrote!;
  return out!;
}

/**
 * Waits for a transaction's work and its commit; if the work fails the
 * transaction is aborted, so nothing of it is written.
 */
export async function settle(tx: { abort(): void; done: Promise<void> }, body: Promise<unknown>): Promise<void> {
  body.catch(() => {
    try {
      tx.abort();
    } catch {
      // already finished or aborted
    }
  });
  await Promise.all([body, tx.done]);
}

/** A read of `stores` against the verified manifest (one readonly transaction). */
export async function read<T>(stores: Store[], fn: (t: Tx) => Promise<T>): Promise<T> {
  const s = S.need();
  const d = await S.db();
  try {
    const tx = d.transaction([...new Set([STORES.meta, ...stores])], 'readonly');
    const { m } = acceptManifest(await tx.objectStore(STORES.meta).get('manifest'), s.macKey);
    return await fn(new Tx(tx, m, s.macKey));
  } catch (cause) {
    throw storageError(cause);
  }
}
