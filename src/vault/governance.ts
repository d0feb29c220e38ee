// The Keystore's governance: who may do what (RBAC sessions, fresh user
// verification), what happened (the HMAC-chained audit log), and what state
// each key is in (lifecycle, rotation scheduler, compromise detector).
//
// It lives on the page beside the Keystore and never sees a secret: the audit
// and principal MAC keys arrive from the vault worker as non-extractable
// CryptoKeys after unlock (worker/vault.ts governanceKeys), and rotation or
// destruction of a secret goes back to the worker through the hooks.
//
// Issue 7 (lifecycle) and issue 8 (RBAC, audit) wired together; the call
// sites are listed in docs/lifecycle.md and docs/security.md.
import { VaultkeyError } from '../errors.js';
import { AccessController, OWNER_ID, type Session, type VerifyUser } from '../security/sessions.js';
import { AuditLog } from '../security/audit.js';
import { IdbAuditStore } from '../security/audit-idb.js';
import { IdbPrincipalStore } from '../security/rbac-idb.js';
import { guarded, type GuardedOperation } from '../security/guard.js';
import type { Permission, PermissionPattern } from '../security/rbac.js';
import type { Json } from '../security/canonical.js';
import { LifecycleManager, LifecycleEvent, type LifecycleEventDetail, type LifecycleHooks } from '../lifecycle/manager.js';
import { IdbLifecycleStore } from '../lifecycle/idb-store.js';
import { LifecycleScheduler, SchedulerErrorEvent } from '../lifecycle/scheduler.js';
import { CompromiseDetector, DetectorEvent, type DetectorConfig } from '../lifecycle/detector.js';
import { PolicyRegistry, type LifecyclePolicy } from '../lifecycle/policy.js';
import { isKeyState, type KeyKind, type LifecycleRecord } from '../lifecycle/states.js';

export interface SecurityOptions {
  /**
   * Asked when a sensitive permission (rotate, backup, restore, delete, export)
   * has no user verification inside the window. Default: a WebAuthn assertion
   * (user verification required) with an enrolled passkey whose PRF output
   * unwraps the vault key, or UV_REQUIRED when no passkey is enrolled (then
   * pass `{ proof }` to the operation or call `keystore.reverify(proof)`).
   */
  verifyUser?: VerifyUser;
  /** How long a user verification counts as fresh (default 5 minutes). */
  uvWindowMs?: number;
  /** Session lifetime (default 30 minutes; a new session starts at every unlock). */
  sessionTtlMs?: number;
  /** Extra or overriding roles (see docs/security.md). */
  roles?: Record<string, PermissionPattern[]>;
  /** Record every operation in the audit log (default true). */
  audit?: boolean;
  /**
   * Walk the whole audit chain at every unlock and dispatch `audit-tampered`
   * (detail: the first broken link) if it does not verify. Default true; the
   * cost is one HMAC per entry.
   */
  verifyAuditOnUnlock?: boolean;
  /** Injectable clock (tests). */
  clock?: () => number;
}

export interface LifecycleOptions {
  /** Policy for new keys (default 'default'). */
  policy?: string;
  /** More named policies besides the built-in 'default' and 'high-security'. */
  policies?: LifecyclePolicy[];
  /** How often the scheduler evaluates due rotations/warnings while the page is open (default 60 s). */
  intervalMs?: number;
  /** Compromise detector thresholds, or false to run none. */
  detector?: Partial<DetectorConfig> | false;
  /** Injectable clock (tests). */
  clock?: () => number;
}

/** The secret-side operations the lifecycle needs; the Keystore sends them to its worker. */
export interface VaultHooks {
  rotateSecret(oldKeyId: string, newKeyId: string, fresh: boolean): Promise<{ algorithm: string; fingerprint: string; meta: Record<string, unknown> }>;
  destroySecret(keyId: string): Promise<void>;
}

const FORWARDED_DETECTOR = ['compromise-indicator', 'critical'] as const;
const MAX_PENDING_AUDIT = 1000;

/**
 * Lifecycle state changes not made by a guarded operation (the scheduler, the
 * detector) still belong in the audit log; while the vault is locked there is
 * no audit key, so they wait here (bounded) until the next unlock.
 */
interface PendingAudit {
  principalId: string;
  operation: string;
  keyId: string;
  metadata: { [k: string]: Json };
}

export class Governance {
  readonly lifecycle: LifecycleManager;
  readonly scheduler: LifecycleScheduler;
  readonly detector: CompromiseDetector | null;
  readonly policies: PolicyRegistry;
  readonly defaultPolicy: string;
  readonly #name: string;
  readonly #security: SecurityOptions;
  readonly #target: EventTarget;
  #access: AccessController | null = null;
  #audit: AuditLog | null = null;
  #session: Session | null = null;
  #pending: PendingAudit[] = [];
  #dropped = 0;

  private constructor(name: string, security: SecurityOptions, lifecycle: LifecycleManager, scheduler: LifecycleScheduler,
    detector: CompromiseDetector | null, policies: PolicyRegistry, defaultPolicy: string, target: EventTarget) {
    this.#name = name;
    this.#security = security;
    this.lifecycle = lifecycle;
    this.scheduler = scheduler;
    this.detector = detector;
    this.policies = policies;
    this.defaultPolicy = defaultPolicy;
    this.#target = target;
  }

  /**
   * Opens the lifecycle store of vault `name` and starts the scheduler (one
   * evaluation now, then on a timer; one tab acts). Events are re-dispatched
   * on `target` (the Keystore).
   */
  static async open(name: string, target: EventTarget, hooks: VaultHooks, security: SecurityOptions = {}, lo: LifecycleOptions = {}): Promise<Governance> {
    if (security === null || typeof security !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'security options must be an object');
    if (lo === null || typeof lo !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'lifecycle options must be an object');
    const policies = new PolicyRegistry();
    for (const p of lo.policies ?? []) policies.register(p);
    const defaultPolicy = policies.get(lo.policy ?? 'default').name;
    // Set once the Governance exists: the MFA hook needs its session.
    let self: Governance | null = null;
    const lifecycleHooks: LifecycleHooks = {
      // Emergency rotation (a security event) gets a fresh secret: the old one must be presumed known.
      rotateKey: async (old, newKeyId, trigger) => {
        // A device key cannot be re-made from here: enrol its replacement (registerHardwareKey).
        if (old.kind === 'hardware') throw new VaultkeyError('UNSUPPORTED', 'a hardware key is rotated by registering its replacement');
        return hooks.rotateSecret(old.keyId, newKeyId, trigger === 'security-event');
      },
      // Hardware keys have no secret here (the device keeps it; wipe it there).
      // Automatic rotation needs this tab's vault unlocked (the successor's secret is made in the worker).
      canRotate: () => !!self?.session,
      destroySecret: async (keyId) => {
        if (!keyId.startsWith('x_')) await hooks.destroySecret(keyId);
      },
      // Policies with requireMfa: the session must hold a fresh user verification for the action's permission.
      mfa: async ({ action }) => {
        if (!self) return false;
        await self.authorize(action === 'destroy' ? 'key:delete' : 'key:rotate');
        return true;
      },
    };
    const store = await IdbLifecycleStore.open(name);
    const lifecycle = new LifecycleManager({ store, hooks: lifecycleHooks, policies, ...(lo.clock ? { clock: lo.clock } : {}) });
    const scheduler = new LifecycleScheduler(lifecycle, { name, ...(lo.intervalMs !== undefined ? { intervalMs: lo.intervalMs } : {}) });
    const detector = lo.detector === false ? null : new CompromiseDetector({ manager: lifecycle, config: lo.detector ?? {}, ...(lo.clock ? { clock: lo.clock } : {}) });
    const g = new Governance(name, security, lifecycle, scheduler, detector, policies, defaultPolicy, target);
    self = g;
    for (const t of ['transition', 'warning', 'rotation-due', 'rotated', 'expired', 'deactivated', 'suspended', 'compromised', 'destroyed']) {
      scheduler.addEventListener(t, g.#onLifecycle);
    }
    scheduler.addEventListener('error', (e) => target.dispatchEvent(new SchedulerErrorEvent((e as SchedulerErrorEvent).error)));
    for (const t of FORWARDED_DETECTOR) detector?.addEventListener(t, g.#onDetector);
    await scheduler.start().catch((e) => target.dispatchEvent(new SchedulerErrorEvent(e)));
    return g;
  }

  get session(): Session | null {
    return this.#session;
  }

  get access(): AccessController | null {
    return this.#access;
  }

  get audit(): AuditLog | null {
    return this.#audit;
  }

  /**
   * Starts a session after unlock: the principal store and audit chain keyed
   * by the vault, the owner principal (single-user default) created if
   * missing, and a session for `principalId`. The unlock itself is a fresh
   * verification of the user (passphrase, or a passkey with UV), so it counts.
   */
  async begin(keys: { audit: CryptoKey; principals: CryptoKey }, principalId: string, verifyUser: VerifyUser): Promise<Session> {
    const s = this.#security;
    const access = new AccessController({
      principals: new IdbPrincipalStore(this.#name, keys.principals),
      verifyUser: s.verifyUser ?? verifyUser,
      ...(s.uvWindowMs !== undefined ? { uvWindowMs: s.uvWindowMs } : {}),
      ...(s.sessionTtlMs !== undefined ? { sessionTtlMs: s.sessionTtlMs } : {}),
      ...(s.roles !== undefined ? { roles: s.roles } : {}),
      ...(s.clock ? { clock: s.clock } : {}),
    });
    if (!(await access.getPrincipal(OWNER_ID))) {
      await access.createPrincipal({ id: OWNER_ID, type: 'user', name: 'Owner', roles: ['owner'] });
    }
    const audit = s.audit === false ? null : new AuditLog(keys.audit, { store: new IdbAuditStore(this.#name), ...(s.clock ? { clock: s.clock } : {}) });
    const session = access.recordUserVerification(await access.createSession(principalId));
    this.#access = access;
    this.#audit = audit;
    this.#session = session;
    if (audit && s.verifyAuditOnUnlock !== false) {
      // Appends only check the head; an edit further back is found by walking the chain.
      const v = await audit.verify();
      if (!v.ok) this.#target.dispatchEvent(new CustomEvent('audit-tampered', { detail: v }));
    }
    await this.#flush();
    return session;
  }

  /** Ends the session (lock): no permission, no audit key until the next unlock. */
  end(): void {
    if (this.#access && this.#session) this.#access.endSession(this.#session);
    this.#session = null;
    this.#access = null;
    this.#audit = null;
  }

  close(): void {
    this.end();
    this.scheduler.close();
  }

  #live(): { access: AccessController; session: Session } {
    if (!this.#access || !this.#session) throw new VaultkeyError('LOCKED', 'the vault is locked');
    return { access: this.#access, session: this.#session };
  }

  /** authorize (RBAC + fresh UV for sensitive permissions) -> run -> audit, as docs/security.md describes. */
  run<T>(op: GuardedOperation, fn: () => Promise<T> | T): Promise<T> {
    const { access, session } = this.#live();
    return guarded({ access, session, ...(this.#audit ? { audit: this.#audit } : {}) }, op, fn);
  }

  async authorize(permission: Permission): Promise<void> {
    const { access, session } = this.#live();
    this.#session = await access.authorize(session, permission);
  }

  /** Records a user verification the Keystore performed (a proof checked by the worker). */
  verified(): void {
    const { access, session } = this.#live();
    this.#session = access.recordUserVerification(session);
  }

  /** Appends an event outside `run` (vault:lock, vault:unlock). */
  async record(operation: string, success = true, metadata?: { [k: string]: Json }): Promise<void> {
    if (!this.#audit || !this.#session) return;
    await this.#audit.append({ principalId: this.#session.principalId, sessionId: this.#session.id, operation, success, ...(metadata ? { metadata } : {}) });
  }

  /** Lifecycle record for a key made by the vault (activated at once, under the default or given policy). */
  async track(keyId: string, kind: KeyKind, o: { algorithm: string; fingerprint?: string; meta?: Record<string, unknown>; policy?: string }): Promise<void> {
    await this.lifecycle.create(keyId, {
      kind, activate: true, policy: o.policy ?? this.defaultPolicy, actor: this.#session?.principalId ?? 'app',
      algorithm: o.algorithm, fingerprint: o.fingerprint ?? null, ...(o.meta ? { meta: o.meta } : {}),
    });
  }

  /**
   * The lifecycle record of `keyId`, created (Active, default policy) for a key
   * that predates lifecycle tracking, so vaults made by earlier releases keep working.
   */
  async ensureTracked(keyId: string, info: () => Promise<{ kind: KeyKind; algorithm: string }>): Promise<void> {
    try {
      await this.lifecycle.get(keyId);
    } catch (e) {
      if ((e as VaultkeyError)?.code !== 'NOT_FOUND') throw e;
      const i = await info();
      await this.lifecycle.create(keyId, { kind: i.kind, algorithm: i.algorithm, policy: this.defaultPolicy, activate: true, actor: 'system:migration', reason: 'key predates lifecycle tracking' })
        .catch((err) => {
          if ((err as VaultkeyError)?.code !== 'ALREADY_EXISTS') throw err;
        });
    }
  }

  /**
   * Lifecycle records and policies that came with a restored backup. Records
   * are checked field by field (a backup is the user's own, but a record must
   * not break the manager); a key's state travels with it, so restoring never
   * launders a Compromised key. Keys with no usable record start Active.
   */
  async adopt(keyIds: string[], records: unknown[], policies: unknown[], info: (id: string) => { kind: KeyKind; algorithm: string }): Promise<void> {
    for (const p of policies) {
      const name = (p as LifecyclePolicy)?.name;
      if (typeof name === 'string' && !this.policies.has(name)) {
        try {
          this.policies.register(p as LifecyclePolicy);
        } catch {
          // An invalid policy is ignored; its keys fall back to the default policy below.
        }
      }
    }
    const writes: LifecycleRecord[] = [];
    for (const id of keyIds) {
      const r = records.find((x) => (x as LifecycleRecord)?.keyId === id) as LifecycleRecord | undefined;
      const existing = await this.lifecycle.store.get(id);
      const revision = (existing?.revision ?? 0) + 1;
      if (r && recordOk(r) && r.state !== 'destroyed') {
        writes.push({ ...structuredClone(r), policy: this.policies.has(r.policy) ? r.policy : this.defaultPolicy, revision });
      } else if (existing) {
        continue;
      } else {
        const i = info(id);
        await this.track(id, i.kind, { algorithm: i.algorithm, meta: { restored: true } });
      }
    }
    if (writes.length) await this.lifecycle.store.commit(writes);
  }

  readonly #onLifecycle = (e: Event): void => {
    const d = (e as LifecycleEvent).detail;
    this.#target.dispatchEvent(new LifecycleEvent(d));
    // Changes the scheduler or detector made on their own: audit them here (guarded operations audit themselves).
    if (d.type === 'transition' && !d.remote && d.actor && (d.actor.startsWith('system:') || d.actor === 'detector')) {
      this.#queue({
        principalId: d.actor, operation: 'lifecycle:transition', keyId: d.keyId,
        metadata: { from: d.from ?? null, to: d.to ?? null, reason: (d.reason ?? '').slice(0, 256) },
      });
    }
  };

  readonly #onDetector = (e: Event): void => {
    const de = e as DetectorEvent;
    this.#target.dispatchEvent(new DetectorEvent(de.type as 'compromise-indicator' | 'critical', de.detail));
    if (de.type === 'compromise-indicator') {
      this.#queue({
        principalId: 'detector', operation: 'security:compromise-indicator', keyId: de.detail.keyId,
        metadata: { indicator: de.detail.indicator, severity: de.detail.severity, action: de.detail.action, eventId: de.detail.id },
      });
    }
  };

  #queue(p: PendingAudit): void {
    if (this.#pending.length >= MAX_PENDING_AUDIT) {
      this.#pending.shift();
      this.#dropped++;
    }
    this.#pending.push(p);
    if (this.#audit) void this.#flush().catch(() => {});
  }

  async #flush(): Promise<void> {
    const audit = this.#audit;
    if (!audit) return;
    if (this.#dropped > 0) {
      const dropped = this.#dropped;
      this.#dropped = 0;
      await audit.append({ principalId: 'system:audit', operation: 'audit:dropped', success: false, errorCode: 'QUOTA_EXCEEDED', metadata: { count: dropped } });
    }
    while (this.#pending.length > 0) {
      const p = this.#pending[0]!;
      await audit.append({ ...p, success: true });
      this.#pending.shift();
    }
  }
}

export type { LifecycleEventDetail };

const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown) => v === null || num(v);
const strOrNull = (v: unknown) => v === null || typeof v === 'string';

/** The shape LifecycleManager relies on (states.ts LifecycleRecord). */
function recordOk(r: LifecycleRecord): boolean {
  return typeof r === 'object' && r !== null && typeof r.keyId === 'string' && typeof r.baseId === 'string' && Number.isSafeInteger(r.version) && r.version >= 1
    && ['hd', 'imported', 'hardware'].includes(r.kind) && strOrNull(r.algorithm) && strOrNull(r.fingerprint) && typeof r.policy === 'string'
    && isKeyState(r.state) && num(r.createdAt) && numOrNull(r.activatedAt) && numOrNull(r.rotationDueAt) && numOrNull(r.expiresAt)
    && numOrNull(r.graceEndsAt) && Number.isSafeInteger(r.usageCount) && numOrNull(r.lastUsedAt) && strOrNull(r.predecessor) && strOrNull(r.successor)
    && (r.rotationTrigger === null || ['interval', 'usage', 'security-event', 'manual'].includes(r.rotationTrigger))
    && Array.isArray(r.notices) && r.notices.every((n) => typeof n === 'string') && typeof r.meta === 'object' && r.meta !== null
    && Array.isArray(r.history) && r.history.every((h) => h && typeof h === 'object' && isKeyState(h.to) && (h.from === null || isKeyState(h.from))
      && typeof h.actor === 'string' && typeof h.reason === 'string' && num(h.at));
}
