// Governance beside the secrets: sessions and RBAC, the lifecycle state
// machine and scheduler, the compromise detector, and the audit chain, all in
// the worker that holds the data key, on records it authenticates
// (records.ts). The page asks; this module decides.
//
// Signing's fast path: the permission check and lifecycle gate run on the
// session's verified state in memory; after the signature is made, its usage
// count and audit entry are committed by a group commit (every operation
// waiting at that moment shares one IndexedDB transaction, which re-reads and
// re-checks the lifecycle record), and only then is the signature returned.
import { hmacSha256 } from '../../src/core/hash.js';
import { VaultkeyError } from '../../src/errors.js';
import { AccessController, OWNER_ID, type Session } from '../../src/security/sessions.js';
import type { Permission, PermissionPattern, Principal, PrincipalStore } from '../../src/security/rbac.js';
import {
  AuditLog,
  checkAuditEvent,
  entryMacInput,
  headMacInput,
  verifyAuditEntries,
  type AuditAnchor,
  type AuditEntry,
  type AuditEvent,
  type AuditHead,
  type AuditStore,
  type AuditVerification,
} from '../../src/security/audit.js';
import { b64url, bytesEqual, utf8 } from '../../src/security/canonical.js';
import { LifecycleManager, type LifecycleEvent, checkUsable, type KeyOperation } from '../../src/lifecycle/manager.js';
import { checkRevision, type LifecycleStore } from '../../src/lifecycle/store.js';
import { LifecycleScheduler, type SchedulerErrorEvent } from '../../src/lifecycle/scheduler.js';
import {
  CompromiseDetector,
  wasCompromised,
  type CompromiseEvent,
  type DetectorEvent,
  type DetectorConfig,
} from '../../src/lifecycle/detector.js';
import { PolicyRegistry, validatePolicy, type LifecyclePolicy } from '../../src/lifecycle/policy.js';
import type { KeyKind, LifecycleRecord } from '../../src/lifecycle/states.js';
import { STORES } from '../../src/vault/format.js';
import type { OpenOptions, Proof, SessionInfo } from '../../src/vault/contract.js';
import * as S from './state.js';
import {
  acceptManifest,
  cachedManifest,
  checkRow,
  mutate,
  onForeignWrite,
  read,
  sealManifest,
  setCachedManifest,
  settle,
  Tx,
  type Manifest,
  type Row,
} from './records.js';
import { storageError } from '../../src/vault/db.js';
// Static (not import()): the worker must not code-split, see scripts/bundle-size.mjs. audit-sign.ts imports this module back; neither uses the other at load time.
import * as AuditSign from './audit-sign.js';

// ---- lifecycle records (authenticated, in the vault database) ----

type LifecycleRow = Row & { rec: LifecycleRecord };

/**
 * The LifecycleStore of the vault. `within(t, fn)` makes the manager's writes
 * join an open transaction (a key and its lifecycle record are written together).
 */
class VaultLifecycleStore implements LifecycleStore {
  #tx: Tx | null = null;
  /** Verified records of this session (the signing gate reads here); commits refresh them. */
  readonly cache = new Map<string, LifecycleRecord>();

  async within<T>(t: Tx, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tx;
    this.#tx = t;
    try {
      return await fn();
    } finally {
      this.#tx = prev;
    }
  }

  async get(keyId: string): Promise<LifecycleRecord | undefined> {
    const row = this.#tx
      ? await this.#tx.get<LifecycleRow>(STORES.lifecycle, keyId)
      : await read([STORES.lifecycle], (t) => t.get<LifecycleRow>(STORES.lifecycle, keyId));
    if (row) this.cache.set(keyId, row.rec);
    return row ? structuredClone(row.rec) : undefined;
  }

  async list(): Promise<LifecycleRecord[]> {
    const rows = this.#tx
      ? await this.#tx.all<LifecycleRow>(STORES.lifecycle)
      : await read([STORES.lifecycle], (t) => t.all<LifecycleRow>(STORES.lifecycle));
    for (const r of rows) this.cache.set(r.id, r.rec);
    return rows.map((r) => structuredClone(r.rec));
  }

  async commit(records: LifecycleRecord[]): Promise<void> {
    const apply = async (t: Tx) => {
      const seen = new Set<string>();
      for (const r of records) {
        if (seen.has(r.keyId)) throw new VaultkeyError('INVALID_ARGUMENT', `record ${r.keyId} twice in one commit`);
        seen.add(r.keyId);
        checkRevision(r, (await t.get<LifecycleRow>(STORES.lifecycle, r.keyId))?.rec);
      }
      await Promise.all(records.map((r) => t.put(STORES.lifecycle, { id: r.keyId, rec: r })));
    };
    if (this.#tx) await apply(this.#tx);
    else await mutate([STORES.lifecycle], apply);
    for (const r of records) this.cache.set(r.keyId, structuredClone(r));
  }
}

// ---- principals (authenticated) ----

type PrincipalRow = Row & { principal: Principal };

class VaultPrincipalStore implements PrincipalStore {
  readonly cache = new Map<string, Principal | null>();

  async get(id: string): Promise<Principal | undefined> {
    if (this.cache.has(id)) return this.cache.get(id) ?? undefined;
    const row = await read([STORES.principals], (t) => t.get<PrincipalRow>(STORES.principals, id));
    if (row && row.principal?.id !== id) throw new VaultkeyError('CORRUPTED', `the principals ${id} record is malformed`);
    this.cache.set(id, row?.principal ?? null);
    return row?.principal;
  }

  async put(p: Principal): Promise<void> {
    await mutate([STORES.principals], async (t) => {
      await t.put(STORES.principals, { id: p.id, principal: p });
    });
    this.cache.set(p.id, structuredClone(p));
  }

  async delete(id: string): Promise<void> {
    await mutate([STORES.principals], async (t) => {
      await t.delete(STORES.principals, id);
    });
    this.cache.set(id, null);
  }

  async list(): Promise<Principal[]> {
    return (await read([STORES.principals], (t) => t.all<PrincipalRow>(STORES.principals))).map((r) => r.principal);
  }
}

// ---- the audit chain (read side: verification, queries, export) ----

type HeadRecord = AuditHead & { id: 'audit-head' };

class VaultAuditStore implements AuditStore {
  async head(): Promise<AuditHead | undefined> {
    const h = (await (await S.db()).get(STORES.meta, 'audit-head')) as HeadRecord | undefined;
    if (!h) return undefined;
    const { id: _id, ...rest } = h;
    return rest;
  }

  async append(): Promise<boolean> {
    throw new VaultkeyError('UNSUPPORTED', 'the vault appends through its group commit');
  }

  /**
   * Every entry in chain order. A group commit stores its entries as one page
   * `{ seq: <first seq>, entries: [...] }` (one IndexedDB request instead of one
   * per entry); rows moved from earlier releases are single entries.
   */
  async entries(): Promise<unknown[]> {
    return flatten(await (await S.db()).getAll(STORES.audit));
  }

  async anchor(): Promise<AuditAnchor | undefined> {
    return (cachedManifest() ?? (await read([], async (t) => t.m))).auditFrom;
  }
}

function flatten(rows: unknown[]): unknown[] {
  return rows.flatMap((r) =>
    r && typeof r === 'object' && Array.isArray((r as { entries?: unknown[] }).entries) ? (r as { entries: unknown[] }).entries : [r],
  );
}

const auditMac = (key: Uint8Array, text: string) => b64url(hmacSha256(key, utf8(text)));

// ---- state ----

interface Config {
  uvWindowMs?: number;
  sessionTtlMs?: number;
  roles?: Record<string, string[]>;
  verifyAuditOnUnlock: boolean | 'full';
  /** Retention: keep at most this many entries (plus a tenth as slack), none pruned when absent. */
  auditMaxEntries?: number;
  defaultPolicy: string;
  intervalMs?: number;
  detector: Partial<DetectorConfig> | false;
}

const lifecycleStore = new VaultLifecycleStore();
const principalStore = new VaultPrincipalStore();
// Another tab wrote: what this worker verified earlier may be stale.
onForeignWrite((m) => {
  lifecycleStore.cache.clear();
  principalStore.cache.clear();
  // A policy registered or a compromise event kept by another tab: read it back (only when those records moved).
  if (keptSignature(m) !== synced)
    setTimeout(() => {
      void sync().catch(() => {
        // Reported as a tamper event; a key that needs the policy refuses with the error itself.
      });
    }, 0);
});
const auditStore = new VaultAuditStore();
export const policies = new PolicyRegistry();
let config: Config = { verifyAuditOnUnlock: true, defaultPolicy: 'default', detector: {} };
let access: AccessController | null = null;
let session: Session | null = null;
let detector: CompromiseDetector | null = null;
let scheduler: LifecycleScheduler | null = null;
/** Set when the audit head does not verify: operations refuse (AUDIT_TAMPERED) until `reanchor`. */
let auditBroken: AuditVerification | null = null;

export const lifecycle = new LifecycleManager({
  store: lifecycleStore,
  policies,
  clock: S.now,
  hooks: {
    // A successor is made from fresh key material unless a manual rotation asked for the next account (never after a security event).
    rotateKey: (old, newKeyId, trigger, o) =>
      hooks.rotateKey(old, newKeyId, trigger === 'security-event' || o?.successor !== 'next-account'),
    destroySecret: (keyId) => (keyId.startsWith('x_') ? Promise.resolve() : hooks.destroySecret(keyId)),
    canRotate: () => !!session && !!S.current(),
    mfa: async ({ action }) => {
      await authorize(action === 'destroy' ? 'key:delete' : 'key:rotate');
      return true;
    },
  },
});

// docs/lifecycle.md "Backup after rotation": a successor the rotation hook marked
// backupPending (fresh secret, policy requireBackupAfterRotation) is announced once, when its record is committed.
lifecycle.addEventListener('rotated', (e) => {
  const d = (e as LifecycleEvent).detail;
  if (!d.newKeyId) return;
  void lifecycleStore
    .get(d.newKeyId)
    .then((r) => {
      if (r?.meta?.backupPending === true) S.emit({ type: 'backup-required', keyId: r.keyId, predecessor: d.keyId, at: d.at });
    })
    .catch(() => {});
});

/**
 * Clears `backupPending` on the keys a just-made backup or export holds
 * (null: every key); a new revision of each MAC'd record, audited.
 */
export async function backedUp(ids: string[] | null): Promise<void> {
  const want = ids ? new Set(ids) : null;
  const pending = (await lifecycleStore.list()).filter((r) => r.meta?.backupPending === true && (!want || want.has(r.keyId)));
  if (!pending.length) return;
  await lifecycleStore.commit(
    pending.map((r) => {
      const { backupPending: _done, ...meta } = r.meta;
      return { ...r, meta: { ...meta, backedUpAt: S.now() }, revision: r.revision + 1 };
    }),
  );
  S.emit({ type: 'change' });
}

/** Set by the keys/vault modules (the secret side of rotation and destruction). */
export const hooks = {
  rotateKey: async (
    _old: Readonly<LifecycleRecord>,
    _newKeyId: string,
    _fresh: boolean,
  ): Promise<{ algorithm: string; fingerprint: string; meta: Record<string, unknown> }> => {
    throw new VaultkeyError('UNSUPPORTED', 'rotation is not wired');
  },
  destroySecret: async (_keyId: string): Promise<void> => {
    throw new VaultkeyError('UNSUPPORTED', 'destruction is not wired');
  },
  /** Checks a proof against the vault (the fresh verification for sensitive permissions). */
  verifyProof: async (_proof: Proof, _permission: string): Promise<void> => {
    throw new VaultkeyError('UNSUPPORTED', 'verification is not wired');
  },
};

const LIFECYCLE_EVENTS = [
  'transition',
  'warning',
  'rotation-due',
  'rotated',
  'expired',
  'deactivated',
  'suspended',
  'compromised',
  'destroyed',
];
// The page hears lifecycle events through the scheduler, which forwards this worker's and
// (marked remote) other tabs' over a BroadcastChannel; only this worker's changes are audited here.
for (const t of LIFECYCLE_EVENTS) {
  lifecycle.addEventListener(t, (e) => {
    const d = (e as LifecycleEvent).detail;
    // Changes the scheduler or detector made on their own are audited here (guarded operations audit themselves).
    if (d.type === 'transition' && d.actor && (d.actor.startsWith('system:') || d.actor === 'detector') && session) {
      void append({
        principalId: d.actor.slice(0, 128),
        operation: 'lifecycle:transition',
        success: true,
        keyId: d.keyId,
        metadata: { from: d.from ?? null, to: d.to ?? null, reason: (d.reason ?? '').slice(0, 256) },
      }).catch(() => {
        // Reported by the audit-tampered event if the chain is broken; nothing else can fail here silently.
      });
    }
  });
}

// ---- records of the meta store: stored policies and kept compromise events ----
//
// Both are MAC'd rows of the meta store listed in the manifest (records.ts), so
// an edit, an older copy or a deletion is CORRUPTED like any record; keyring.ts
// re-MACs them on a re-key. Policies: `policy:<name>`, `{ policy }` with the
// policy as JSON text (days may be fractions, and the record MAC's canonical
// JSON carries integers only). Events of severity high and critical:
// `compromise-events`, `{ events }`.

const POLICY_ID = 'policy:';
const EVENTS_ID = 'compromise-events';
/** Events kept in the record: every critical one, and the most recent high ones up to this total. */
const MAX_KEPT_EVENTS = 500;
const BUILT_IN = new Set(['default', 'high-security']);

type PolicyRow = Row & { policy: string };
type EventsRow = Row & { events: CompromiseEvent[] };

/** Which versions of those records this worker last read (the manifest's entries). */
let synced: string | null = null;
/** Policies a restore registered (G.registerPolicy): stored by its transaction (adopt). */
const unsaved = new Set<string>();
/** Events raised while locked (there is no record key): kept at the next unlock. */
let pendingEvents: CompromiseEvent[] = [];

function keptSignature(m: Manifest): string {
  return Object.keys(m.records)
    .filter((k) => k.startsWith(`${STORES.meta}/${POLICY_ID}`) || k === `${STORES.meta}/${EVENTS_ID}`)
    .sort()
    .map((k) => `${k}=${m.records[k]}`)
    .join(',');
}

/**
 * Reads the stored policies into the registry and the kept events into the
 * detector, if their records moved since the last read. A record that fails
 * authentication is reported (tamper event) and left out; `strict` rethrows it.
 */
export async function sync(strict = false): Promise<void> {
  if (!S.current()) return;
  const errors: unknown[] = [];
  await read([], async (t) => {
    const sig = keptSignature(t.m);
    if (sig === synced) return;
    for (const k of Object.keys(t.m.records)) {
      const id = k.slice(STORES.meta.length + 1);
      if (!k.startsWith(`${STORES.meta}/`) || !(id.startsWith(POLICY_ID) || id === EVENTS_ID)) continue;
      try {
        if (id === EVENTS_ID) {
          const row = await t.get<EventsRow>(STORES.meta, id);
          if (row && Array.isArray(row.events)) detector?.adopt(row.events);
          continue;
        }
        const row = await t.get<PolicyRow>(STORES.meta, id);
        if (!row) continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(row.policy);
        } catch {
          throw new VaultkeyError('CORRUPTED', `the meta ${id} record holds no policy`);
        }
        const p = validatePolicy(parsed);
        if (`${POLICY_ID}${p.name}` !== id) throw new VaultkeyError('CORRUPTED', `the meta ${id} record names another policy`);
        policies.register(p, { replace: true });
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length === 0) synced = sig;
  });
  if (strict && errors.length > 0) throw errors[0];
}

/** Stores policy `name` (as registered now) in `t`, unless it is built in or stored already. */
async function keepPolicy(t: Tx, name: string): Promise<void> {
  if (BUILT_IN.has(name) || t.m.records[`${STORES.meta}/${POLICY_ID}${name}`] !== undefined || !policies.has(name)) return;
  await t.put(STORES.meta, { id: `${POLICY_ID}${name}`, policy: JSON.stringify(policies.get(name)) });
}

/** registerPolicy: validated, stored as an authenticated record, then registered (`replace` to change a stored one). */
export async function storePolicy(p: LifecyclePolicy, o: { replace?: boolean } = {}): Promise<Readonly<LifecyclePolicy>> {
  const v = validatePolicy(p);
  if (BUILT_IN.has(v.name)) throw new VaultkeyError('INVALID_POLICY', `the built-in policy ${v.name} cannot be replaced`);
  await sync();
  if (policies.has(v.name) && o?.replace !== true) throw new VaultkeyError('ALREADY_EXISTS', `policy ${v.name} is already registered`);
  await mutate([], async (t) => {
    await t.put(STORES.meta, { id: `${POLICY_ID}${v.name}`, policy: JSON.stringify(v) });
  });
  policies.register(v, { replace: true });
  unsaved.delete(v.name);
  S.emit({ type: 'change' });
  return v;
}

/** The policy `name` stored (if it is only in the options so far), in its own transaction. */
export async function ensurePolicyStored(name: string): Promise<void> {
  if (!policies.has(name)) await sync(true);
  policies.get(name);
  if (BUILT_IN.has(name)) return;
  const m = await read([], async (t) => t.m);
  if (m.records[`${STORES.meta}/${POLICY_ID}${name}`] === undefined) await mutate([], (t) => keepPolicy(t, name));
}

/** A policy a new key names: known here, or stored by another tab since this one last read (UNKNOWN_POLICY otherwise). */
export async function knownPolicy(name: unknown): Promise<void> {
  if (typeof name !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'policy must be a policy name');
  if (!policies.has(name)) await sync(true);
  policies.get(name);
}

/** Policies that keys use but that only the options (or an earlier release's memory) held: stored now. */
async function backfillPolicies(): Promise<void> {
  const used = new Set((await lifecycle.list()).map((r) => r.policy));
  const m = cachedManifest() ?? (await read([], async (t) => t.m));
  const missing = [...used].filter(
    (n) => !BUILT_IN.has(n) && policies.has(n) && m.records[`${STORES.meta}/${POLICY_ID}${n}`] === undefined,
  );
  if (missing.length > 0)
    await mutate([], async (t) => {
      for (const n of missing) await keepPolicy(t, n);
    });
}

function cappedEvents(events: CompromiseEvent[]): CompromiseEvent[] {
  if (events.length <= MAX_KEPT_EVENTS) return events;
  const critical = events.filter((e) => e.severity === 'critical');
  const rest = events.filter((e) => e.severity !== 'critical');
  return [...critical, ...rest.slice(Math.max(0, rest.length - (MAX_KEPT_EVENTS - critical.length)))].sort((a, b) => a.at - b.at);
}

/** The detector's store: events merged into the record by id (a new one, or one acknowledged since). */
async function keepEvents(list: CompromiseEvent[]): Promise<void> {
  if (!S.current()) {
    pendingEvents.push(...list);
    return;
  }
  await mutate([], async (t) => {
    const row = await t.get<EventsRow>(STORES.meta, EVENTS_ID);
    const events = [...(row?.events ?? [])];
    for (const e of list) {
      const i = events.findIndex((x) => x.id === e.id);
      if (i >= 0) events[i] = e;
      else events.push(e);
    }
    await t.put(STORES.meta, { id: EVENTS_ID, events: cappedEvents(events) });
  });
  S.emit({ type: 'change' });
}

/**
 * Compromised, as every tab and every reload sees it: the key's authenticated
 * lifecycle record is or was Compromised, or a critical detector event for it
 * is kept in the vault (docs/lifecycle.md "Compromise detector").
 */
export async function isCompromised(keyId: string): Promise<boolean> {
  await sync();
  const r = await lifecycle.get(keyId);
  return wasCompromised(r) || (detector?.isCompromised(keyId) ?? false);
}

/** acknowledgeCompromise: the acknowledgement is kept with the event. */
export async function acknowledge(eventId: string): Promise<CompromiseEvent> {
  await sync();
  const e = theDetector().acknowledge(eventId, principalId());
  await theDetector().flush();
  return e;
}

export async function compromiseEvents(keyId?: string): Promise<CompromiseEvent[]> {
  await sync();
  return keyId === undefined ? theDetector().events() : theDetector().eventsFor(keyId);
}

/** A failed unlock or failed proof, for the detector's failed-unlocks window (`at`: when it was judged). */
export function failedUnlock(at: number = S.now()): Promise<unknown> {
  return detector ? detector.recordFailedUnlock({ at }).catch(() => []) : Promise.resolve([]);
}

/** The current version of a key: its successors followed to the last one (docs/lifecycle.md "Following rotations"). */
export async function activeKey(keyId: string): Promise<string> {
  let r = await lifecycle.get(keyId);
  for (let i = 0; r.successor && i < 100_000; i++) {
    const next = await lifecycleStore.get(r.successor);
    if (!next) break;
    r = next;
  }
  return r.keyId;
}

/** A rotated key still in its grace period (it verifies; it is not deleted, nor its grace ended, without force). */
export function inGrace(r: LifecycleRecord): boolean {
  return r.state === 'rotating' && !!r.successor && r.graceEndsAt !== null && S.now() < r.graceEndsAt;
}

/**
 * The detector lives as long as the worker (its rate windows and events span
 * sessions); its actions need the vault unlocked, like any lifecycle change.
 */
function startDetector(): void {
  detector =
    config.detector === false
      ? null
      : new CompromiseDetector({
          manager: lifecycle,
          config: config.detector,
          clock: S.now,
          // Read back by sync() (the vault's record is read with its manifest, not on its own).
          store: { load: async () => [], save: (e) => keepEvents([e]) },
        });
  for (const t of ['compromise-indicator', 'critical'] as const) {
    detector?.addEventListener(t, (e) => {
      const de = e as DetectorEvent;
      S.emit({ type: 'detector', kind: t, detail: de.detail });
      if (t === 'compromise-indicator') {
        void append({
          principalId: 'detector',
          operation: 'security:compromise-indicator',
          success: true,
          ...(de.detail.keyId === '*' ? {} : { keyId: de.detail.keyId }),
          metadata: { indicator: de.detail.indicator, severity: de.detail.severity, action: de.detail.action, eventId: de.detail.id },
        }).catch(() => {
          // The chain is broken (audit-tampered was emitted) or storage failed; the event itself still reached the page.
        });
      }
      // A critical event ends the session at once ("all active sessions using the key are terminated").
      if (t === 'critical') lockSoon();
    });
  }
}

// ---- locking on a critical event, after the operation in flight ----

let inFlight = 0;
let lockPending = false;

function lockNow(): void {
  lockPending = false;
  if (!S.current()) return;
  S.wipe();
  S.emit({ type: 'lock', reason: 'compromise' });
}

/** A critical event ends the session; an operation in flight (the report itself) first finishes and is audited. */
function lockSoon(): void {
  if (inFlight > 0) lockPending = true;
  else lockNow();
}

export function opStarted(): void {
  inFlight++;
}

export function opEnded(): void {
  inFlight = Math.max(0, inFlight - 1);
  if (inFlight === 0 && lockPending) lockNow();
}

/** Applies the Keystore's options (once per open; policies and roles are the app's configuration). */
export function configure(o: OpenOptions): void {
  const sec = o.security ?? {};
  const lo = o.lifecycle ?? {};
  for (const p of (lo.policies ?? []) as LifecyclePolicy[]) if (!policies.has((p as LifecyclePolicy)?.name)) policies.register(p);
  config = {
    ...(sec.uvWindowMs !== undefined ? { uvWindowMs: sec.uvWindowMs } : {}),
    ...(sec.sessionTtlMs !== undefined ? { sessionTtlMs: sec.sessionTtlMs } : {}),
    ...(sec.roles !== undefined ? { roles: sec.roles } : {}),
    verifyAuditOnUnlock: sec.verifyAuditOnUnlock === 'full' ? 'full' : sec.verifyAuditOnUnlock !== false,
    ...(sec.auditRetention?.maxEntries !== undefined ? { auditMaxEntries: sec.auditRetention.maxEntries } : {}),
    defaultPolicy: policies.get(lo.policy ?? 'default').name,
    ...(lo.intervalMs !== undefined ? { intervalMs: lo.intervalMs } : {}),
    detector: lo.detector === false ? false : ((lo.detector ?? {}) as Partial<DetectorConfig>),
  };
  startDetector();
}

export function defaultPolicy(): string {
  return config.defaultPolicy;
}

export function sessionInfo(): SessionInfo | null {
  if (!session) return null;
  const { id, principalId, createdAt, expiresAt, verifiedAt } = session;
  return { id, principalId, createdAt, expiresAt, ...(verifiedAt !== undefined ? { verifiedAt } : {}) };
}

export function principalId(): string {
  return session?.principalId ?? 'unknown';
}

export function theDetector(): CompromiseDetector {
  if (!detector) throw new VaultkeyError('UNSUPPORTED', 'the compromise detector is turned off (lifecycle.detector: false)');
  return detector;
}

/**
 * After unlock: the owner principal (single-user default) if missing, a
 * session for `principalId` (the unlock counts as a fresh verification), the
 * detector and the scheduler. The audit head is checked first; a broken one
 * does not keep the user out (only audit reads and `reanchor` then work).
 */
export async function begin(pid: string): Promise<void> {
  principalStore.cache.clear();
  lifecycleStore.cache.clear();
  const ac = new AccessController({
    principals: principalStore,
    clock: S.now,
    verifyUser: async ({ permission, principalId: p }) => {
      const proof = await S.askPage({ type: 'verify-user', permission, principalId: p });
      if (!proof) return false;
      await hooks.verifyProof(proof, permission);
      return true;
    },
    ...(config.uvWindowMs !== undefined ? { uvWindowMs: config.uvWindowMs } : {}),
    ...(config.sessionTtlMs !== undefined ? { sessionTtlMs: config.sessionTtlMs } : {}),
    ...(config.roles !== undefined ? { roles: config.roles as Record<string, PermissionPattern[]> } : {}),
  });
  if (!(await ac.getPrincipal(OWNER_ID))) await ac.createPrincipal({ id: OWNER_ID, type: 'user', name: 'Owner', roles: ['owner'] });
  session = ac.recordUserVerification(await ac.createSession(pid));
  access = ac;
  // A head that does not match the manifest stops every operation but the audit reads and
  // reanchor (nothing could be recorded). An entry edited further back is reported; appends
  // only extend the head, so work goes on and verify/export show where the chain breaks.
  auditBroken = null;
  synced = null;
  await sync().catch(() => {
    // A stored policy or event record that fails authentication was reported (tamper event); the vault still opens.
  });
  const pend = pendingEvents;
  pendingEvents = [];
  await Promise.all([
    pend.length > 0 ? keepEvents(pend).catch(() => {}) : undefined,
    backfillPolicies().catch(() => {
      // A record that fails authentication was reported; its key refuses signing with the error.
    }),
  ]);
  const v = await checkHead();
  if (!v.ok) {
    auditBroken = v;
    S.emit({ type: 'audit-tampered', detail: v });
  } else if (config.verifyAuditOnUnlock) {
    // Default: only the entries after the last verified checkpoint; 'full' walks everything.
    const r = config.verifyAuditOnUnlock === 'full' ? await verifyAudit() : await AuditSign.verifyTail();
    if (!r.ok) S.emit({ type: 'audit-tampered', detail: r });
    else void maybePrune().catch(() => {});
  }
  scheduler?.close();
  scheduler = new LifecycleScheduler(lifecycle, {
    name: S.vaultName(),
    ...(config.intervalMs !== undefined ? { intervalMs: config.intervalMs } : {}),
  });
  for (const t of LIFECYCLE_EVENTS)
    scheduler.addEventListener(t, (e) => S.emit({ type: 'lifecycle', detail: (e as LifecycleEvent).detail }));
  scheduler.addEventListener('error', (e) => {
    const err = (e as SchedulerErrorEvent).error as VaultkeyError;
    S.emit({ type: 'scheduler-error', code: err?.code ?? 'UNEXPECTED_ERROR', message: String(err?.message ?? 'scheduler failed') });
  });
  await scheduler
    .start()
    .catch((e) => S.emit({ type: 'scheduler-error', code: e?.code ?? 'UNEXPECTED_ERROR', message: String(e?.message) }));
}

/** Lock: no session, no permission, no scheduler. */
export function end(): void {
  if (access && session) access.endSession(session);
  access = null;
  session = null;
  scheduler?.close();
  scheduler = null;
  lifecycleStore.cache.clear();
  principalStore.cache.clear();
}
S.onLock(end);

export function live(): { access: AccessController; session: Session } {
  if (!access || !session || !S.current()) throw new VaultkeyError('LOCKED', 'the vault is locked');
  return { access, session };
}

/**
 * Runs the scheduler's evaluation now: only what the policies make due, as
 * the system actor, so it needs no permission. Nothing can be evaluated while
 * locked (the records cannot be authenticated): then it reports acted: false.
 */
export async function runDue(): Promise<{ acted: boolean; result?: unknown }> {
  if (!S.current()) return { acted: false };
  return { acted: true, result: await lifecycle.runDue() };
}

/** RBAC and fresh user verification for `permission` (the verifyUser ceremony runs through the page). */
export async function authorize(permission: Permission): Promise<Session> {
  const l = live();
  session = await l.access.authorize(l.session, permission);
  return session;
}

/** Records a user verification this worker checked itself (a proof). */
export function verified(): void {
  const l = live();
  session = l.access.recordUserVerification(l.session);
}

export function assertAuditIntact(): void {
  if (auditBroken) {
    throw new VaultkeyError(
      'AUDIT_TAMPERED',
      `the audit log does not verify (${auditBroken.ok ? '' : auditBroken.reason}); verify and export it, then call audit.reanchor`,
    );
  }
}

// ---- the lifecycle gate ----

/** The signing/verifying gate on the session's verified record (read once, then from memory). */
export async function gate(keyId: string, op: KeyOperation): Promise<LifecycleRecord> {
  let r = lifecycleStore.cache.get(keyId);
  if (!r) r = await lifecycle.get(keyId);
  const e = checkUsable(r, op, S.now());
  if (e) throw e;
  if (op === 'sign' && !policies.has(r.policy)) {
    // Before signing, not after: a use that cannot be counted under the key's policy is not made.
    await sync(true);
    if (!policies.has(r.policy))
      throw new VaultkeyError(
        'UNKNOWN_POLICY',
        `key ${keyId} is under policy ${r.policy}, which this vault does not hold; move it with setKeyPolicy`,
      );
  }
  return r;
}

/** A lifecycle record for a new key, written in the key's own transaction. */
export async function track(
  t: Tx,
  keyId: string,
  kind: KeyKind,
  o: { algorithm: string; fingerprint?: string | null; meta?: Record<string, unknown>; policy?: string; actor?: string },
): Promise<void> {
  // The policy a key is created under is stored with it (every policy a key names is in the vault).
  await keepPolicy(t, o.policy ?? config.defaultPolicy);
  await lifecycleStore.within(t, () =>
    lifecycle.create(keyId, {
      kind,
      activate: true,
      policy: o.policy ?? config.defaultPolicy,
      actor: o.actor ?? principalId(),
      algorithm: o.algorithm,
      fingerprint: o.fingerprint ?? null,
      ...(o.meta ? { meta: o.meta } : {}),
    }),
  );
}

export async function within<T>(t: Tx, fn: () => Promise<T>): Promise<T> {
  return lifecycleStore.within(t, fn);
}

export function forgetCached(keyId: string): void {
  lifecycleStore.cache.delete(keyId);
}

export function refreshCaches(): void {
  lifecycleStore.cache.clear();
  principalStore.cache.clear();
}

// ---- group commit: usage counts and audit entries ----

interface Pending {
  ev: AuditEvent;
  usage?: { keyId: string; op: KeyOperation };
  resolve: (r: LifecycleRecord | null) => void;
  reject: (e: unknown) => void;
}

let queue: Pending[] = [];
let committing = 0;
/**
 * Two commits may be in flight: while one transaction commits, the next batch
 * is already queued behind it in IndexedDB (which runs overlapping readwrite
 * transactions in creation order, so the second reads what the first wrote).
 */
const MAX_COMMITS = 2;

/**
 * Appends `ev` to the audit chain — with `usage`, also counts one use of the
 * key after re-checking its lifecycle state in the same transaction — and
 * resolves once committed. Concurrent callers share one transaction.
 */
export function append(ev: AuditEvent, usage?: { keyId: string; op: KeyOperation }): Promise<LifecycleRecord | null> {
  let checked: AuditEvent;
  try {
    checked = checkAuditEvent(ev);
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    queue.push({ ev: checked, ...(usage ? { usage } : {}), resolve, reject });
    if (committing < MAX_COMMITS) void flush();
  });
}

async function flush(): Promise<void> {
  committing++;
  try {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        const out = await commitBatch(batch);
        batch.forEach((p, i) => (out[i] instanceof Error ? p.reject(out[i]) : p.resolve(out[i] as LifecycleRecord | null)));
      } catch (e) {
        for (const p of batch) p.reject(e);
      }
    }
  } finally {
    committing--;
    // Retention runs after the commits it follows, never inside them (docs/security.md "Retention").
    if (committing === 0 && config.auditMaxEntries !== undefined) void maybePrune().catch(() => {});
  }
}

/**
 * Writes `principalName` (the principal's human name at that moment, from its
 * authenticated record: docs/security.md "Entry") on entries that lack it.
 * Done before the commit's transaction opens (awaiting another read inside it
 * would let it auto-commit). A principal that cannot be read (none, or a
 * record that fails authentication, which is reported where it is used) is
 * audited by id alone: the audit must not fail because of it.
 */
async function namePrincipals(batch: Pending[]): Promise<void> {
  const names = new Map<string, string | undefined>();
  for (const p of batch) {
    if (p.ev.principalName !== undefined) continue;
    const id = p.ev.principalId;
    if (!names.has(id))
      names.set(
        id,
        await principalStore.get(id).then(
          (x) => x?.name,
          () => undefined,
        ),
      );
    const name = names.get(id);
    if (name !== undefined) p.ev = { ...p.ev, principalName: name };
  }
}

async function commitBatch(batch: Pending[]): Promise<(LifecycleRecord | null | VaultkeyError)[]> {
  await namePrincipals(batch);
  const s = S.need();
  const at = S.now();
  const keys = [...new Set(batch.flatMap((p) => (p.usage ? [p.usage.keyId] : [])))];
  const touched = new Map<string, LifecycleRecord>();
  const d = await S.db();
  let results: (LifecycleRecord | null | VaultkeyError)[] = [];
  let wrote: Manifest | null = null;
  try {
    // Relaxed durability: atomic, but the commit does not wait for the disk flush (see records.ts mutate).
    const tx = d.transaction([STORES.meta, STORES.audit, STORES.lifecycle], 'readwrite', { durability: 'relaxed' });
    const meta = tx.objectStore(STORES.meta);
    const body = (async () => {
      // Every read this batch needs, in one round trip; each checked before use.
      const [rawM, head, ...rows] = await Promise.all([
        meta.get('manifest'),
        meta.get('audit-head') as Promise<HeadRecord | undefined>,
        ...keys.map((k) => tx.objectStore(STORES.lifecycle).get(k)),
      ]);
      const { m: current } = acceptManifest(rawM, s.macKey);
      const m: Manifest = { ...current, records: { ...current.records } };
      const t = new Tx(tx, m, s.macKey);
      assertHead(head, m.audit, s.auditKey);
      const recs = new Map<string, LifecycleRecord>();
      keys.forEach((k, i) => {
        const row = checkRow<LifecycleRow>(STORES.lifecycle, rows[i], k, m, s.macKey);
        if (row) recs.set(k, row.rec);
      });
      let seq = m.audit ? m.audit.seq + 1 : 0;
      let prev = m.audit?.mac ?? '';
      const first = seq;
      const page: AuditEntry[] = [];
      const puts: Promise<unknown>[] = [];
      for (const p of batch) {
        let ev = p.ev;
        let res: LifecycleRecord | null | VaultkeyError = null;
        if (p.usage) {
          const { keyId, op } = p.usage;
          let r = touched.get(keyId) ?? recs.get(keyId);
          const err = r ? checkUsable(r, op, at) : new VaultkeyError('NOT_FOUND', `no lifecycle record for key ${keyId}`);
          if (err) {
            // The signature made before this check is discarded; the refusal is what gets audited.
            res = err;
            ev = { ...ev, success: false, errorCode: err.code };
          } else if (op === 'sign') {
            r = { ...r!, usageCount: r!.usageCount + 1, lastUsedAt: at, revision: r!.revision + 1 };
            touched.set(keyId, r);
            res = r;
          } else res = r!;
        }
        const entryBody = { v: 1 as const, seq, ts: at, ...ev, mac: '' };
        const entry: AuditEntry = { ...entryBody, mac: auditMac(s.auditKey, entryMacInput(entryBody, prev)) };
        page.push(entry);
        prev = entry.mac;
        seq++;
        results.push(res);
      }
      puts.push(tx.objectStore(STORES.audit).add(page.length === 1 ? page[0] : { seq: first, entries: page }));
      for (const r of touched.values()) puts.push(t.put(STORES.lifecycle, { id: r.keyId, rec: r }));
      const last = seq - 1;
      puts.push(meta.put({ id: 'audit-head', seq: last, mac: prev, headMac: auditMac(s.auditKey, headMacInput(last, prev)) }));
      m.audit = { seq: last, mac: prev };
      wrote = sealManifest({ ...m, epoch: current.epoch + 1 }, s.macKey);
      puts.push(meta.put(wrote));
      await Promise.all(puts);
    })();
    await settle(tx, body);
  } catch (e) {
    results = [];
    throw storageError(e);
  }
  if (S.current() === s && wrote) setCachedManifest(wrote);
  for (const r of touched.values()) {
    lifecycleStore.cache.set(r.keyId, r);
    // After the commit: the policy's usage trigger and the detector's rate windows.
    void lifecycle
      .afterUsage(r, at)
      .catch((e) => S.emit({ type: 'scheduler-error', code: e?.code ?? 'UNEXPECTED_ERROR', message: String(e?.message) }));
    void detector?.recordUsage(r.keyId, { known: true }).catch(() => {
      // A detector action (suspend) that fails is retried at the next use; the indicator event was already sent.
    });
  }
  return results;
}

function assertHead(head: HeadRecord | undefined, want: { seq: number; mac: string } | null, key: Uint8Array): void {
  const why = headProblem(head, want, key);
  if (why) {
    auditBroken ??= {
      ok: false,
      index: want ? want.seq + 1 : 0,
      seq: want ? want.seq + 1 : 0,
      reason: head ? 'HEAD_MISMATCH' : 'HEAD_MISSING',
      message: why,
    };
    throw new VaultkeyError('AUDIT_TAMPERED', `${why}; verify and export the log, then call audit.reanchor`);
  }
}

function headProblem(head: HeadRecord | undefined, want: { seq: number; mac: string } | null, key: Uint8Array): string | null {
  if (!want) return head ? 'the audit head exists but the vault manifest has no audit entry' : null;
  if (!head) return 'the audit head record is missing';
  if (head.seq !== want.seq || head.mac !== want.mac) return 'the audit head does not match the vault manifest';
  if (typeof head.headMac !== 'string' || !bytesEqual(utf8(head.headMac), utf8(auditMac(key, headMacInput(head.seq, head.mac)))))
    return 'the audit head was forged';
  return null;
}

async function checkHead(): Promise<AuditVerification> {
  const s = S.need();
  const m = cachedManifest() ?? (await read([], async (t) => t.m));
  const head = (await (await S.db()).get(STORES.meta, 'audit-head')) as HeadRecord | undefined;
  const why = headProblem(head, m.audit, s.auditKey);
  if (!why) return { ok: true, entries: m.audit ? m.audit.seq + 1 : 0 };
  const n = m.audit ? m.audit.seq + 1 : 0;
  return { ok: false, index: n, seq: n, reason: head ? 'HEAD_MISMATCH' : 'HEAD_MISSING', message: why };
}

async function auditLog(): Promise<AuditLog> {
  const s = S.need();
  const key = await crypto.subtle.importKey(
    'raw',
    s.auditKey.slice() as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return new AuditLog(key, { store: auditStore, clock: S.now });
}

/** Walks the whole chain and the head (and the head against the manifest). */
export async function verifyAudit(): Promise<AuditVerification> {
  const h = await checkHead();
  if (!h.ok) return h;
  const [r, head, anchor] = await Promise.all([(await auditLog()).verify(), auditStore.head(), auditStore.anchor()]);
  lastWalk = { from: anchor ? anchor.seq + 1 : 0, checked: r.ok ? r.entries : -1, ok: r.ok, full: true };
  if (r.ok && head) await AuditSign.writeCheckpoint(head.seq, head.mac);
  return r;
}

// ---- retention and incremental verification (docs/security.md "Retention") ----

/** The last chain walk (at unlock, verify() or before a prune): where it started and how many entries it checked. */
let lastWalk: { from: number; checked: number; ok: boolean; full: boolean } | null = null;
let pruning: Promise<number> | null = null;

/** Prunes when the stored run exceeds maxEntries by more than a tenth (so a page is not rewritten on every append). */
export function maybePrune(): Promise<number> {
  if (config.auditMaxEntries === undefined) return Promise.resolve(0);
  pruning ??= AuditSign.prune().finally(() => {
    pruning = null;
  });
  return pruning;
}

/** What audit-sign.ts needs of this module's state. */
export const auditState = () => ({
  max: config.auditMaxEntries,
  broken: auditBroken !== null,
  lastWalk,
  flatten,
  setLastWalk: (w: typeof lastWalk) => {
    lastWalk = w;
  },
  store: auditStore,
  auditMac,
});

export async function auditReport(q: { since?: number; until?: number } = {}) {
  const r = await (await auditLog()).report(q);
  return r.integrity.ok ? { ...r, integrity: await verifyAudit() } : r;
}

export async function exportAudit(q?: Parameters<AuditLog['exportJsonl']>[0]): Promise<string> {
  return (await auditLog()).exportJsonl(q);
}

/** The stored entries and the pruned anchor, for the signed export (audit-sign.ts). */
export async function storedRun(): Promise<{ entries: AuditEntry[]; anchor: AuditAnchor | undefined }> {
  const [entries, anchor] = await Promise.all([auditStore.entries(), auditStore.anchor()]);
  return { entries: entries as AuditEntry[], anchor };
}

/**
 * The documented way on from a broken chain (docs/security.md): entries from
 * the first broken link on are moved, unchanged, to a quarantine record (kept
 * for forensics, exported by audit.exportQuarantine), the head is set to the
 * last entry that verifies, and an `audit:reanchor` entry chained to that
 * entry's MAC records what happened. Needs a fresh proof (the caller checked it).
 */
export async function reanchor(reason: string): Promise<{ brokenAt: number; quarantined: number }> {
  const s = S.need();
  const entries = (await auditStore.entries()) as AuditEntry[];
  const key = await crypto.subtle.importKey(
    'raw',
    s.auditKey.slice() as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  // After retention the stored run continues from the pruned anchor (docs/security.md "Retention").
  const anchor = await auditStore.anchor();
  const base = anchor ? anchor.seq + 1 : 0;
  // The longest prefix that verifies as a chain (entries only; the head is what is being replaced).
  let good = 0;
  for (let n = entries.length; n >= 0; n--) {
    const mac = n === 0 ? anchor?.mac : entries[n - 1]!.mac;
    const seq = base + n - 1;
    const head = mac === undefined ? undefined : { seq, mac, headMac: auditMac(s.auditKey, headMacInput(seq, mac)) };
    if ((await verifyAuditEntries(key, entries.slice(0, n), head, anchor)).ok) {
      good = n;
      break;
    }
  }
  const moved = entries.slice(good);
  const result = await mutate([STORES.audit], async (t) => {
    const waits: Promise<unknown>[] = [];
    if (moved.length) {
      waits.push(t.tx.objectStore(STORES.meta).put({ id: `audit-quarantine:${S.now()}`, entries: moved }));
      // The chain is rewritten as the verified prefix (entries unchanged) so no page mixes kept and moved entries.
      waits.push(t.tx.objectStore(STORES.audit).clear());
      if (good > 0) waits.push(t.tx.objectStore(STORES.audit).put({ seq: base, entries: entries.slice(0, good) }));
    }
    // The verified checkpoint may name a moved entry: the next unlock walks the whole run again.
    waits.push(t.tx.objectStore(STORES.meta).delete('audit-verified'));
    const lastGood = good > 0 ? entries[good - 1]! : null;
    const prev = lastGood?.mac ?? anchor?.mac ?? '';
    const seq = base + good;
    const body = {
      v: 1 as const,
      seq,
      ts: S.now(),
      principalId: principalId(),
      operation: 'audit:reanchor',
      success: true,
      metadata: { brokenAt: base + good, quarantined: moved.length, reason: reason.slice(0, 256) },
      mac: '',
    };
    const entry: AuditEntry = { ...body, mac: auditMac(s.auditKey, entryMacInput(body, prev)) };
    waits.push(t.tx.objectStore(STORES.audit).put(entry));
    waits.push(
      t.tx
        .objectStore(STORES.meta)
        .put({ id: 'audit-head', seq, mac: entry.mac, headMac: auditMac(s.auditKey, headMacInput(seq, entry.mac)) }),
    );
    t.m.audit = { seq, mac: entry.mac };
    await Promise.all(waits);
    return { brokenAt: base + good, quarantined: moved.length };
  });
  auditBroken = null;
  return result;
}

/** The entries a reanchor moved aside, as JSON Lines (unverified: they are what broke the chain). */
export async function exportQuarantine(): Promise<string> {
  const d = await S.db();
  const keys = (await d.getAllKeys(STORES.meta)).filter((k) => typeof k === 'string' && k.startsWith('audit-quarantine:'));
  const out: string[] = [];
  for (const k of keys)
    for (const e of ((await d.get(STORES.meta, k)) as { entries: unknown[] }).entries) out.push(`${JSON.stringify(e)}\n`);
  return out.join('');
}

/** Lifecycle records that came with a restored backup, written in the restore's transaction (a key's state travels with it). */
export async function adopt(
  t: Tx,
  keyIds: string[],
  records: unknown[],
  info: (id: string) => { kind: KeyKind; algorithm: string },
): Promise<void> {
  // The policies the backup brought (registered by the restore) are stored in its transaction.
  for (const n of unsaved) await keepPolicy(t, n);
  unsaved.clear();
  await lifecycleStore.within(t, async () => {
    for (const id of keyIds) {
      const r = records.find((x) => (x as LifecycleRecord)?.keyId === id) as LifecycleRecord | undefined;
      const existing = await lifecycleStore.get(id);
      const revision = (existing?.revision ?? 0) + 1;
      if (r && recordOk(r) && r.state !== 'destroyed') {
        const policy = policies.has(r.policy) ? r.policy : config.defaultPolicy;
        await keepPolicy(t, policy);
        await lifecycleStore.commit([{ ...structuredClone(r), policy, revision }]);
      } else if (!existing) {
        const i = info(id);
        await track(t, id, i.kind, { algorithm: i.algorithm, meta: { restored: true } });
      }
    }
  });
}

/** In memory only, for a restore (worker/vault/backup.ts): stored by the restore's transaction (adopt). */
export function registerPolicy(p: LifecyclePolicy, o: { replace?: boolean } = {}): Readonly<LifecyclePolicy> {
  const v = policies.register(p, o);
  unsaved.add(v.name);
  return v;
}

export async function principals(): Promise<Principal[]> {
  return principalStore.list();
}

const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown) => v === null || num(v);
const strOrNull = (v: unknown) => v === null || typeof v === 'string';

/** The shape LifecycleManager relies on (states.ts LifecycleRecord). */
export function recordOk(r: LifecycleRecord): boolean {
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.keyId === 'string' &&
    typeof r.baseId === 'string' &&
    Number.isSafeInteger(r.version) &&
    r.version >= 1 &&
    ['hd', 'imported', 'hardware'].includes(r.kind) &&
    strOrNull(r.algorithm) &&
    strOrNull(r.fingerprint) &&
    typeof r.policy === 'string' &&
    typeof r.state === 'string' &&
    num(r.createdAt) &&
    numOrNull(r.activatedAt) &&
    numOrNull(r.rotationDueAt) &&
    numOrNull(r.expiresAt) &&
    numOrNull(r.graceEndsAt) &&
    Number.isSafeInteger(r.usageCount) &&
    numOrNull(r.lastUsedAt) &&
    strOrNull(r.predecessor) &&
    strOrNull(r.successor) &&
    Array.isArray(r.notices) &&
    typeof r.meta === 'object' &&
    r.meta !== null &&
    Array.isArray(r.history)
  );
}
