// LifecycleManager: the key lifecycle over a LifecycleStore.
//
// States, policies and the lifecycle report; rotation with triggers interval /
// usage / security-event / manual, advance warning, versioned ids
// `${base}-v${n}`, a grace period for the old key, and emergency rotation with
// no grace and the old key revoked. See docs/lifecycle.md.
//
// Storage-agnostic: every change is a compare-and-set commit (store.ts), so a
// change computed from a stale record is refused (CONFLICT) and recomputed
// from the fresh one. Time comes only from the injected clock or the `now`
// given to evaluate/runDue/report.
import { VaultkeyError } from '../errors.js';
import { DAY_MS, PolicyRegistry, type LifecyclePolicy } from './policy.js';
import {
  KEY_STATES,
  canTransition,
  transition,
  type KeyKind,
  type KeyState,
  type LifecycleRecord,
  type RotationTrigger,
  type TransitionInfo,
} from './states.js';
import type { LifecycleStore } from './store.js';

export type KeyOperation = 'sign' | 'verify';

/** What the vault's rotateKey hook returns about the key it made. */
export interface RotatedKey {
  algorithm?: string | null;
  fingerprint?: string | null;
  /** Stored in the new record's `meta` (e.g. `{ path: "m/44'/60'/1'/0/0" }`). */
  meta?: Record<string, unknown>;
}

export interface LifecycleHooks {
  /**
   * Makes the successor of `old` under `newKeyId` from new key material (or,
   * when `options.successor` is 'next-account', the next account of an HD
   * key's seed, retiring the old one: docs/lifecycle.md "Rotation, per kind").
   * Must be idempotent for one `newKeyId` (a failed or aborted rotation may
   * call it again).
   */
  rotateKey?(old: Readonly<LifecycleRecord>, newKeyId: string, trigger: RotationTrigger, options: RotateHookOptions): Promise<RotatedKey>;
  /** Deletes the wrapped secret of `keyId` from storage. Must be idempotent. */
  destroySecret?(keyId: string): Promise<void>;
  /**
   * Whether a successor can be made right now (the vault is unlocked). When it
   * returns false, due automatic rotations wait for a later evaluation instead
   * of claiming the key and failing (which would add two history entries on
   * every tick while the vault is locked).
   */
  canRotate?(): boolean;
  /** Runs the MFA check (e.g. WebAuthn user verification); true when it passed. */
  mfa?(request: { keyId: string; action: MfaAction }): Promise<boolean>;
}

export type MfaAction = 'rotate' | 'resume' | 'destroy' | 'policy';

/**
 * How an HD key's successor is made (docs/lifecycle.md "Rotation, per kind"):
 * 'fresh' (default) from new key material, 'next-account' at the next BIP-44
 * account of the same seed, the retired accounts then refused for signing.
 */
export type SuccessorMode = 'fresh' | 'next-account';

/** What a manual rotation asks of the vault's rotateKey hook; automatic rotations pass none. */
export interface RotateHookOptions {
  successor?: SuccessorMode;
}

export interface LifecycleChangeOptions {
  /** Who asks (user id, 'detector', 'system:scheduler'...). Default 'app'. */
  actor?: string;
  reason?: string;
}

export interface LifecycleCreateOptions extends LifecycleChangeOptions {
  kind: KeyKind;
  policy?: string;
  algorithm?: string | null;
  fingerprint?: string | null;
  meta?: Record<string, unknown>;
  /** Also activate in the same write (Created -> Active). */
  activate?: boolean;
}

export type LifecycleEventType =
  | 'transition'
  | 'warning'
  | 'rotation-due'
  | 'rotated'
  | 'expired'
  | 'deactivated'
  | 'suspended'
  | 'compromised'
  | 'destroyed';

export interface LifecycleEventDetail {
  type: LifecycleEventType;
  keyId: string;
  at: number;
  from?: KeyState | null;
  to?: KeyState;
  actor?: string;
  reason?: string;
  /** 'warning': what is coming; 'rotation-due': which trigger. */
  kind?: 'rotation' | 'expiry';
  dueAt?: number;
  trigger?: RotationTrigger;
  newKeyId?: string;
  emergency?: boolean;
  /** Set by the scheduler on events received from another tab. */
  remote?: boolean;
}

/** The event every listener receives; `detail` is structured-cloneable (BroadcastChannel). */
export class LifecycleEvent extends Event {
  readonly detail: LifecycleEventDetail;
  constructor(detail: LifecycleEventDetail) {
    super(detail.type);
    this.detail = detail;
  }
}

export type DueAction = 'warn' | 'notify-rotation' | 'rotate' | 'expire' | 'deactivate';

export interface DueItem {
  keyId: string;
  action: DueAction;
  dueAt: number;
  kind?: 'rotation' | 'expiry';
  trigger?: RotationTrigger;
}

export interface LifecycleReport {
  at: number;
  totalKeys: number;
  activeKeys: number;
  byState: Record<KeyState, number>;
  /** Active/suspended keys within warningDays of expiry. */
  expiringSoon: string[];
  /** Keys in Expired, or active/suspended past their expiry date not yet evaluated. */
  expired: string[];
  /** Active keys past their rotation date or usage limit. */
  needingRotation: string[];
  /** Active keys within warningDays of their rotation date. */
  rotationDueSoon: string[];
  /** Old keys still verifying in their grace period. */
  inGrace: string[];
}

export interface RunResult {
  events: LifecycleEventDetail[];
  /** Items that failed for a reason other than another tab having acted first. */
  errors: { item: DueItem; error: unknown }[];
}

export interface ManagerOptions {
  store: LifecycleStore;
  hooks?: LifecycleHooks;
  policies?: PolicyRegistry;
  /** ms since the epoch. Injected so tests (and the scheduler) control time. */
  clock?: () => number;
}

interface Plan {
  writes: LifecycleRecord[];
  events: LifecycleEventDetail[];
}

const KEY_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const KINDS: readonly KeyKind[] = ['hd', 'imported', 'hardware'];
const SYSTEM = 'system:lifecycle';
// Notice set on a key compromised while in service until its successor exists.
const NEEDS_SUCCESSOR = 'needs-successor';

function checkKeyId(keyId: unknown): asserts keyId is string {
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'key id must be 1-128 characters of [A-Za-z0-9_.:-]');
  }
}

function bump(r: LifecycleRecord): LifecycleRecord {
  return { ...r, revision: r.revision + 1 };
}

function transitionEvents(before: LifecycleRecord | null, after: LifecycleRecord): LifecycleEventDetail[] {
  const start = before ? before.history.length : 0;
  return after.history.slice(start).map((h) => ({
    type: 'transition' as const,
    keyId: after.keyId,
    at: h.at,
    from: h.from,
    to: h.to,
    actor: h.actor,
    reason: h.reason,
  }));
}

/** The error signing/verifying with a key in `state` gets (see assertUsable). */
function unusable(r: LifecycleRecord, op: KeyOperation, expiredByDate: boolean): VaultkeyError {
  const id = r.keyId;
  if (expiredByDate || r.state === 'expired') return new VaultkeyError('KEY_EXPIRED', `key ${id} is past its expiration date`);
  switch (r.state) {
    case 'suspended':
      return new VaultkeyError('KEY_SUSPENDED', `key ${id} is suspended`);
    case 'compromised':
      return new VaultkeyError('KEY_COMPROMISED', `key ${id} is marked compromised`);
    case 'rotating':
      return op === 'sign'
        ? new VaultkeyError('KEY_ROTATED', `key ${id} was rotated${r.successor ? `; sign with ${r.successor}` : ''}`)
        : new VaultkeyError('KEY_DEACTIVATED', `key ${id} is past its grace period`);
    case 'deactivated':
    case 'archived':
      return new VaultkeyError('KEY_DEACTIVATED', `key ${id} is ${r.state}`);
    case 'destroyed':
      return new VaultkeyError('KEY_DESTROYED', `key ${id} is destroyed`);
    case 'created':
      return new VaultkeyError('KEY_NOT_ACTIVE', `key ${id} is not activated yet`);
    default:
      return new VaultkeyError('INVALID_STATE', `key ${id} has an unknown state`);
  }
}

/**
 * assertUsable on a record already in hand (the vault's signing path re-checks
 * inside its commit transaction): null if `op` is allowed at `now`, else the error.
 */
export function checkUsable(r: LifecycleRecord, op: KeyOperation, now: number): VaultkeyError | null {
  if (op !== 'sign' && op !== 'verify') return new VaultkeyError('INVALID_ARGUMENT', "operation must be 'sign' or 'verify'");
  const pastExpiry = (r.state === 'active' || r.state === 'suspended') && r.expiresAt !== null && now >= r.expiresAt;
  if (r.state === 'active' && !pastExpiry) return null;
  if (op === 'verify' && r.state === 'rotating' && r.successor && r.graceEndsAt !== null && now < r.graceEndsAt) return null;
  return unusable(r, op, pastExpiry && r.state === 'active');
}

export class LifecycleManager extends EventTarget {
  readonly store: LifecycleStore;
  readonly policies: PolicyRegistry;
  readonly #hooks: LifecycleHooks;
  readonly #clock: () => number;

  constructor(options: ManagerOptions) {
    super();
    if (!options?.store) throw new VaultkeyError('INVALID_ARGUMENT', 'a LifecycleStore is required');
    this.store = options.store;
    this.policies = options.policies ?? new PolicyRegistry();
    this.#hooks = options.hooks ?? {};
    // The only place a real clock appears; everything below uses #clock().
    this.#clock = options.clock ?? (() => Date.now());
  }

  now(): number {
    return this.#clock();
  }

  // ---------------------------------------------------------------- reads

  async get(keyId: string): Promise<LifecycleRecord> {
    checkKeyId(keyId);
    const r = await this.store.get(keyId);
    if (!r) throw new VaultkeyError('NOT_FOUND', `no lifecycle record for key ${keyId}`);
    return r;
  }

  list(): Promise<LifecycleRecord[]> {
    return this.store.list();
  }

  /**
   * The check the vault runs before using a key. Signing needs Active and not
   * past expiry; verifying is also allowed for the old key of a rotation
   * until its grace period ends (an old key stays valid for verification and
   * is never deleted before its grace period is over). The date is
   * checked here too, so a key whose expiry passed while no tab evaluated
   * cannot sign. Returns the record.
   */
  async assertUsable(keyId: string, op: KeyOperation): Promise<LifecycleRecord> {
    const r = await this.get(keyId);
    const e = checkUsable(r, op, this.#clock());
    if (e) throw e;
    return r;
  }

  // -------------------------------------------------------------- changes

  async create(keyId: string, options: LifecycleCreateOptions): Promise<LifecycleRecord> {
    checkKeyId(keyId);
    if (!options || !KINDS.includes(options.kind)) {
      throw new VaultkeyError('INVALID_ARGUMENT', `kind must be one of ${KINDS.join(', ')}`);
    }
    const policy = this.policies.get(options.policy ?? 'default');
    if (options.meta !== undefined && (typeof options.meta !== 'object' || options.meta === null)) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'meta must be an object');
    }
    const info = this.#info(options, 'created');
    let r: LifecycleRecord = {
      keyId,
      baseId: keyId,
      version: 1,
      kind: options.kind,
      algorithm: options.algorithm ?? null,
      fingerprint: options.fingerprint ?? null,
      policy: policy.name,
      state: 'created',
      createdAt: info.at,
      activatedAt: null,
      rotationDueAt: null,
      expiresAt: null,
      graceEndsAt: null,
      usageCount: 0,
      lastUsedAt: null,
      predecessor: null,
      successor: null,
      rotationTrigger: null,
      notices: [],
      meta: { ...(options.meta ?? {}) },
      history: [{ from: null, to: 'created', actor: info.actor, reason: info.reason, at: info.at }],
      revision: 1,
    };
    if (options.activate) r = this.#activated(r, policy, { ...info, reason: 'activated at creation' });
    try {
      await this.store.commit([r]);
    } catch (e) {
      if ((e as VaultkeyError)?.code === 'CONFLICT')
        throw new VaultkeyError('ALREADY_EXISTS', `key ${keyId} already has a lifecycle record`);
      throw e;
    }
    this.#emit(transitionEvents(null, r));
    return r;
  }

  activate(keyId: string, options: LifecycleChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#simple(keyId, 'active', options, 'activate', (r, info) => {
      if (r.state !== 'created') throw this.#forbidden(r, 'active');
      return this.#activated(r, this.policies.get(r.policy), info);
    });
  }

  suspend(keyId: string, options: LifecycleChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#simple(keyId, 'suspended', options, 'suspend');
  }

  /** Suspended -> Active ("reactivate"); MFA when the policy requires it. */
  async resume(keyId: string, options: LifecycleChangeOptions = {}): Promise<LifecycleRecord> {
    await this.#mfa(await this.get(keyId), 'resume');
    return this.#simple(keyId, 'active', options, 'resume', (r, info) => {
      if (r.state !== 'suspended') throw this.#forbidden(r, 'active');
      return transition(r, 'active', info);
    });
  }

  /**
   * Rotating -> Deactivated (ends the grace period now), Expired -> Deactivated, or
   * Active/Suspended -> Deactivated: retirement without a successor (DeactivateKey).
   */
  deactivate(keyId: string, options: LifecycleChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#simple(keyId, 'deactivated', options, 'deactivate');
  }

  archive(keyId: string, options: LifecycleChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#simple(keyId, 'archived', options, 'archive');
  }

  markCompromised(keyId: string, options: LifecycleChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#simple(keyId, 'compromised', options, 'compromise');
  }

  /** Rotating -> Active for a rotation that never produced its successor. */
  abortRotation(keyId: string, options: LifecycleChangeOptions = {}): Promise<LifecycleRecord> {
    return this.#simple(keyId, 'active', options, 'abort rotation', (r, info) => {
      if (r.state !== 'rotating' || r.successor) throw this.#forbidden(r, 'active');
      return { ...transition(r, 'active', info), rotationTrigger: null };
    });
  }

  /**
   * Archived/Compromised -> Destroyed. The vault's destroySecret hook deletes
   * the wrapped secret FIRST; only then is the record marked, so a record
   * never says Destroyed while the secret exists (a failed commit after the
   * hook is repaired by calling destroy again: the hook is idempotent).
   */
  async destroy(keyId: string, options: LifecycleChangeOptions = {}): Promise<LifecycleRecord> {
    const r = await this.get(keyId);
    if (!canTransition(r.state, 'destroyed')) throw this.#forbidden(r, 'destroyed');
    if (!this.#hooks.destroySecret) throw new VaultkeyError('UNSUPPORTED', 'no destroySecret hook: the secret cannot be deleted');
    await this.#mfa(r, 'destroy');
    await this.#hooks.destroySecret(keyId);
    return this.#simple(keyId, 'destroyed', options, 'destroy');
  }

  /**
   * Records one use (call after each signature). Counts toward the policy's
   * usage trigger: when reached, rotates (autoRotate) or emits 'rotation-due'
   * once.
   */
  async recordUsage(keyId: string): Promise<{ usageCount: number; rotationDue: boolean; newKeyId?: string }> {
    checkKeyId(keyId);
    const at = this.#clock();
    const plan = await this.#update(keyId, (r) => {
      if (r.state === 'destroyed') throw unusable(r, 'sign', false);
      return { writes: [bump({ ...r, usageCount: r.usageCount + 1, lastUsedAt: at })], events: [] };
    });
    return this.afterUsage(plan.writes[0]!, at);
  }

  /**
   * The policy's usage trigger for a record whose use was just committed (by
   * recordUsage, or by the vault's batched commit): rotates (autoRotate) or
   * emits 'rotation-due' once when the count is reached.
   */
  async afterUsage(
    r: LifecycleRecord,
    at: number = this.#clock(),
  ): Promise<{ usageCount: number; rotationDue: boolean; newKeyId?: string }> {
    const keyId = r.keyId;
    const policy = this.policies.get(r.policy);
    const rotationDue = r.state === 'active' && policy.rotateAfterUses !== null && r.usageCount >= policy.rotateAfterUses;
    if (!rotationDue) return { usageCount: r.usageCount, rotationDue };
    if (policy.autoRotate) {
      try {
        const { newKeyId } = await this.#rotate(keyId, 'usage', {
          actor: SYSTEM,
          reason: `usage count reached ${policy.rotateAfterUses}`,
          at,
        });
        return { usageCount: r.usageCount, rotationDue, newKeyId };
      } catch (e) {
        // Someone else (another tab) is already rotating this key.
        if ((e as VaultkeyError)?.code !== 'INVALID_TRANSITION' && (e as VaultkeyError)?.code !== 'CONFLICT') throw e;
        return { usageCount: r.usageCount, rotationDue };
      }
    }
    await this.#notice(keyId, 'rotation-due:usage', at, () => [{ type: 'rotation-due', keyId, at, trigger: 'usage', dueAt: at }]);
    return { usageCount: r.usageCount, rotationDue };
  }

  /**
   * Manual (or trigger-given) rotation: Active -> Rotating, the vault makes
   * `${baseId}-v${version + 1}`, the new record becomes Active, the old one
   * keeps verifying until graceEndsAt (never past its own expiry), then
   * evaluate/runDue deactivates it. An Expired key can be rotated too: it is
   * retired (Deactivated) at once since it may no longer verify.
   */
  async rotate(
    keyId: string,
    options: LifecycleChangeOptions & { trigger?: RotationTrigger; successor?: SuccessorMode } = {},
  ): Promise<{ oldKeyId: string; newKeyId: string }> {
    const trigger = options.trigger ?? 'manual';
    if (!['interval', 'usage', 'security-event', 'manual'].includes(trigger)) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'trigger must be interval, usage, security-event or manual');
    }
    const successor = options.successor;
    if (successor !== undefined && successor !== 'fresh' && successor !== 'next-account') {
      throw new VaultkeyError('INVALID_ARGUMENT', "successor must be 'fresh' or 'next-account'");
    }
    const r = await this.get(keyId);
    if (r.state !== 'active' && r.state !== 'expired') throw this.#forbidden(r, 'rotating');
    if (trigger === 'manual') await this.#mfa(r, 'rotate');
    return this.#rotate(keyId, trigger, this.#info(options, `${trigger} rotation`), successor ? { successor } : {});
  }

  /**
   * Moves a key in service (Created, Active, Suspended) to another policy: its
   * rotation and expiry dates are recomputed from its activation under the new
   * policy, and the warnings and rotation-due notices fire again for them.
   * MFA when either policy requires it (a policy no longer known counts as
   * requiring it). The same policy again changes nothing.
   */
  async setPolicy(keyId: string, policy: string, options: LifecycleChangeOptions = {}): Promise<LifecycleRecord> {
    const next = this.policies.get(policy);
    this.#info(options, `policy ${policy}`); // the actor and reason are checked like any change's (the vault audits them)
    const r = await this.get(keyId);
    if (r.policy === next.name) return r;
    if (!['created', 'active', 'suspended'].includes(r.state)) {
      throw new VaultkeyError('INVALID_STATE', `key ${keyId} is ${r.state}: only a key in service changes policy`);
    }
    const old = this.policies.has(r.policy) ? this.policies.get(r.policy) : null;
    if (!old || old.requireMfa || next.requireMfa) {
      const ok = this.#hooks.mfa ? await this.#hooks.mfa({ keyId, action: 'policy' }) : false;
      if (ok !== true) throw new VaultkeyError('MFA_REQUIRED', `changing the policy of key ${keyId} requires MFA`);
    }
    const plan = await this.#update(keyId, (cur) => {
      if (!['created', 'active', 'suspended'].includes(cur.state)) {
        throw new VaultkeyError('INVALID_STATE', `key ${keyId} is ${cur.state}: only a key in service changes policy`);
      }
      const dates =
        cur.activatedAt === null
          ? {}
          : {
              rotationDueAt: cur.activatedAt + next.maxActiveAgeDays * DAY_MS,
              expiresAt: cur.activatedAt + next.expirationDays * DAY_MS,
            };
      const notices = cur.notices.filter((x) => !x.startsWith('warn:') && !x.startsWith('rotation-due:'));
      return { writes: [bump({ ...cur, ...dates, policy: next.name, notices })], events: [] };
    });
    return plan.writes[0]!;
  }

  /**
   * Emergency rotation (docs/lifecycle.md "Rotation"): the old key
   * is marked Compromised FIRST (so it stops signing and verifying even if
   * making the successor fails), no grace period; then the successor is made.
   * A key already retired (Deactivated/Archived) or whose successor exists is
   * only marked Compromised. No MFA: it must not be blockable in an incident
   * and it only takes capability away.
   */
  async emergencyRotate(keyId: string, options: LifecycleChangeOptions = {}): Promise<{ oldKeyId: string; newKeyId: string | null }> {
    const info = this.#info(options, 'emergency rotation');
    const plan = await this.#update(keyId, (r) => {
      if (r.state === 'compromised') return null; // already; maybe only the successor is missing
      // A key still in service gets a successor; a retired one is only marked.
      const inService = ['active', 'suspended', 'expired', 'rotating'].includes(r.state) && !r.successor;
      const moved = transition(r, 'compromised', info);
      const next = bump({
        ...moved,
        rotationTrigger: 'security-event',
        graceEndsAt: null,
        notices: inService ? [...moved.notices, NEEDS_SUCCESSOR] : moved.notices,
      });
      return {
        writes: [next],
        events: [...transitionEvents(r, next), { type: 'compromised', keyId, at: info.at, actor: info.actor, reason: info.reason }],
      };
    });
    const old = plan.writes[0] ?? (await this.get(keyId));
    // Also reached when an earlier emergency rotation's hook failed: retry the successor.
    if (old.successor || !old.notices.includes(NEEDS_SUCCESSOR)) return { oldKeyId: keyId, newKeyId: old.successor };
    let newKeyId: string;
    try {
      newKeyId = await this.#makeSuccessor(old, 'security-event', { ...info, at: this.#clock() }, 0, true);
    } catch (e) {
      // The old key stays Compromised; calling emergencyRotate again retries the successor.
      if (e instanceof VaultkeyError) throw e;
      throw new VaultkeyError('ROTATION_FAILED', `making the successor of ${keyId} failed`, { cause: e });
    }
    return { oldKeyId: keyId, newKeyId };
  }

  // ---------------------------------------------------------- scheduling

  /** What is due at `now` (read only). The scheduler's runDue applies it. */
  async evaluate(now: number = this.#clock()): Promise<DueItem[]> {
    const due: DueItem[] = [];
    for (const r of await this.store.list()) due.push(...this.#dueFor(r, now));
    return due;
  }

  /**
   * Applies what is due: warnings and rotation-due notices (once each),
   * automatic rotations, expiries, end of grace periods. Each item is a
   * compare-and-set commit, so when two tabs run this together each item
   * happens once; the loser's CONFLICT/INVALID_TRANSITION is not an error.
   */
  async runDue(now: number = this.#clock()): Promise<RunResult> {
    const result: RunResult = { events: [], errors: [] };
    const collect = (e: Event) => result.events.push((e as LifecycleEvent).detail);
    const types: LifecycleEventType[] = [
      'warning',
      'rotation-due',
      'rotated',
      'expired',
      'deactivated',
      'compromised',
      'suspended',
      'destroyed',
      'transition',
    ];
    for (const t of types) this.addEventListener(t, collect);
    try {
      for (const item of await this.evaluate(now)) {
        try {
          await this.#apply(item, now);
        } catch (error) {
          const code = (error as VaultkeyError)?.code;
          if (code !== 'CONFLICT' && code !== 'INVALID_TRANSITION') result.errors.push({ item, error });
        }
      }
    } finally {
      for (const t of types) this.removeEventListener(t, collect);
    }
    return result;
  }

  async report(now: number = this.#clock()): Promise<LifecycleReport> {
    const byState = Object.fromEntries(KEY_STATES.map((s) => [s, 0])) as Record<KeyState, number>;
    const rep: LifecycleReport = {
      at: now,
      totalKeys: 0,
      activeKeys: 0,
      byState,
      expiringSoon: [],
      expired: [],
      needingRotation: [],
      rotationDueSoon: [],
      inGrace: [],
    };
    for (const r of await this.store.list()) {
      rep.totalKeys++;
      byState[r.state]++;
      const live = r.state === 'active' || r.state === 'suspended';
      const policy = this.policies.has(r.policy) ? this.policies.get(r.policy) : null;
      const warn = (policy?.warningDays ?? 0) * DAY_MS;
      if (r.state === 'active' && !(r.expiresAt !== null && now >= r.expiresAt)) rep.activeKeys++;
      if (r.state === 'expired' || (live && r.expiresAt !== null && now >= r.expiresAt)) rep.expired.push(r.keyId);
      else if (live && r.expiresAt !== null && now >= r.expiresAt - warn) rep.expiringSoon.push(r.keyId);
      if (r.state === 'active' && policy) {
        const byAge = r.rotationDueAt !== null && now >= r.rotationDueAt;
        const byUse = policy.rotateAfterUses !== null && r.usageCount >= policy.rotateAfterUses;
        if (byAge || byUse) rep.needingRotation.push(r.keyId);
        else if (r.rotationDueAt !== null && now >= r.rotationDueAt - warn) rep.rotationDueSoon.push(r.keyId);
      }
      if (r.state === 'rotating' && r.successor && r.graceEndsAt !== null && now < r.graceEndsAt) rep.inGrace.push(r.keyId);
    }
    return rep;
  }

  // ------------------------------------------------------------ internals

  #info(options: LifecycleChangeOptions | undefined, defaultReason: string): TransitionInfo {
    const actor = options?.actor ?? 'app';
    const reason = options?.reason ?? defaultReason;
    if (typeof actor !== 'string' || actor.length === 0 || actor.length > 256) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'actor must be a non-empty string of at most 256 characters');
    }
    if (typeof reason !== 'string' || reason.length > 1024) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'reason must be a string of at most 1024 characters');
    }
    return { actor, reason, at: this.#clock() };
  }

  #forbidden(r: LifecycleRecord, to: KeyState): VaultkeyError {
    return new VaultkeyError('INVALID_TRANSITION', `key ${r.keyId} cannot go from ${r.state} to ${to}`);
  }

  #activated(r: LifecycleRecord, policy: Readonly<LifecyclePolicy>, info: TransitionInfo): LifecycleRecord {
    return {
      ...transition(r, 'active', info),
      activatedAt: info.at,
      rotationDueAt: info.at + policy.maxActiveAgeDays * DAY_MS,
      expiresAt: info.at + policy.expirationDays * DAY_MS,
    };
  }

  async #mfa(r: LifecycleRecord, action: MfaAction): Promise<void> {
    if (!this.policies.get(r.policy).requireMfa) return;
    const ok = this.#hooks.mfa ? await this.#hooks.mfa({ keyId: r.keyId, action }) : false;
    if (ok !== true) throw new VaultkeyError('MFA_REQUIRED', `policy ${r.policy} requires MFA to ${action} key ${r.keyId}`);
  }

  /** Read, build, compare-and-set; on CONFLICT re-read and rebuild (the build re-validates). */
  async #update(keyId: string, build: (r: LifecycleRecord) => Plan | null, attempts = 5): Promise<Plan> {
    for (let i = 0; ; i++) {
      const r = await this.get(keyId);
      const plan = build(r);
      if (!plan) return { writes: [], events: [] };
      try {
        await this.store.commit(plan.writes);
      } catch (e) {
        if ((e as VaultkeyError)?.code === 'CONFLICT' && i + 1 < attempts) continue;
        throw e;
      }
      this.#emit(plan.events);
      return plan;
    }
  }

  async #simple(
    keyId: string,
    to: KeyState,
    options: LifecycleChangeOptions,
    verb: string,
    make?: (r: LifecycleRecord, info: TransitionInfo) => LifecycleRecord,
  ): Promise<LifecycleRecord> {
    const info = this.#info(options, verb);
    const plan = await this.#update(keyId, (r) => {
      const moved = make ? make(r, info) : transition(r, to, info);
      const next = bump(to === 'deactivated' ? { ...moved, graceEndsAt: null } : moved);
      const events = transitionEvents(r, next);
      const special: Partial<Record<KeyState, LifecycleEventType>> = {
        suspended: 'suspended',
        compromised: 'compromised',
        deactivated: 'deactivated',
        expired: 'expired',
        destroyed: 'destroyed',
      };
      const type = special[to];
      if (type) events.push({ type, keyId, at: info.at, actor: info.actor, reason: info.reason });
      return { writes: [next], events };
    });
    return plan.writes[0]!;
  }

  /** Adds a notice once (CAS) and emits its events only if this call added it. */
  async #notice(keyId: string, notice: string, at: number, events: (r: LifecycleRecord) => LifecycleEventDetail[]): Promise<void> {
    await this.#update(keyId, (r) => {
      if (r.notices.includes(notice)) return null;
      return { writes: [bump({ ...r, notices: [...r.notices, notice] })], events: events(r) };
    });
  }

  async #rotate(
    keyId: string,
    trigger: RotationTrigger,
    info: TransitionInfo,
    hook: RotateHookOptions = {},
  ): Promise<{ oldKeyId: string; newKeyId: string }> {
    const current = await this.get(keyId);
    const newKeyId = `${current.baseId}-v${current.version + 1}`;
    if (await this.store.get(newKeyId)) throw new VaultkeyError('ALREADY_EXISTS', `key ${newKeyId} already exists`);
    if (current.state === 'expired') {
      // No claim state exists for Expired (Expired -> Rotating is not an
      // allowed transition); the successor's revision-1 commit still makes it exactly-once.
      return { oldKeyId: keyId, newKeyId: await this.#makeSuccessor(current, trigger, info, 0, false, hook) };
    }
    // Claim: Active -> Rotating. Compare-and-set, so of two tabs only one gets here.
    const claim = await this.#update(keyId, (r) => {
      if (r.state !== 'active') throw this.#forbidden(r, 'rotating');
      const next = bump({ ...transition(r, 'rotating', info), rotationTrigger: trigger });
      return { writes: [next], events: transitionEvents(r, next) };
    });
    const policy = this.policies.get(claim.writes[0]!.policy);
    try {
      const made = await this.#makeSuccessor(claim.writes[0]!, trigger, info, policy.gracePeriodDays * DAY_MS, false, hook);
      return { oldKeyId: keyId, newKeyId: made };
    } catch (e) {
      // The Rotating -> Active edge: the rotation did not complete.
      await this.#update(keyId, (r) => {
        if (r.state !== 'rotating' || r.successor) return null;
        const next = bump({
          ...transition(r, 'active', { actor: SYSTEM, reason: 'rotation failed', at: this.#clock() }),
          rotationTrigger: null,
        });
        return { writes: [next], events: transitionEvents(r, next) };
      }).catch(() => {}); // the rotation's own error is what the caller gets; putting the key back Active is best effort
      if (e instanceof VaultkeyError) throw e;
      throw new VaultkeyError('ROTATION_FAILED', `rotating key ${keyId} failed`, { cause: e });
    }
  }

  /**
   * Calls the vault's rotateKey hook, then commits old (successor, grace or
   * retirement) and new (Created -> Active) records in one atomic write.
   */
  async #makeSuccessor(
    old: LifecycleRecord,
    trigger: RotationTrigger,
    info: TransitionInfo,
    graceMs: number,
    emergency: boolean,
    hook: RotateHookOptions = {},
  ): Promise<string> {
    if (!this.#hooks.rotateKey) throw new VaultkeyError('UNSUPPORTED', 'no rotateKey hook: a successor key cannot be made');
    const newKeyId = `${old.baseId}-v${old.version + 1}`;
    const made = await this.#hooks.rotateKey(structuredClone(old), newKeyId, trigger, hook);
    const at = this.#clock();
    const policy = this.policies.get(old.policy);
    await this.#update(old.keyId, (r) => {
      if (r.successor) throw this.#forbidden(r, 'rotating');
      const expected: KeyState[] = emergency ? ['compromised'] : old.state === 'expired' ? ['expired'] : ['rotating'];
      if (!expected.includes(r.state)) throw this.#forbidden(r, 'rotating');
      let next: LifecycleRecord = {
        ...r,
        successor: newKeyId,
        rotationTrigger: trigger,
        notices: r.notices.filter((n) => n !== NEEDS_SUCCESSOR),
      };
      const events: LifecycleEventDetail[] = [];
      if (r.state === 'rotating') {
        // Grace, but never past the old key's own expiry.
        const graceEndsAt = Math.min(at + graceMs, r.expiresAt ?? Infinity);
        next.graceEndsAt = graceEndsAt;
        if (graceEndsAt <= at)
          next = { ...transition(next, 'deactivated', { actor: SYSTEM, reason: 'no grace period', at }), graceEndsAt: null };
      } else if (r.state === 'expired') {
        next = transition(next, 'deactivated', { actor: info.actor, reason: 'replaced after expiry', at });
      }
      next = bump(next);
      const base: LifecycleRecord = {
        keyId: newKeyId,
        baseId: r.baseId,
        version: r.version + 1,
        kind: r.kind,
        algorithm: made?.algorithm !== undefined ? made.algorithm : r.algorithm,
        fingerprint: made?.fingerprint ?? null,
        policy: r.policy,
        state: 'created',
        createdAt: at,
        activatedAt: null,
        rotationDueAt: null,
        expiresAt: null,
        graceEndsAt: null,
        usageCount: 0,
        lastUsedAt: null,
        predecessor: r.keyId,
        successor: null,
        rotationTrigger: null,
        notices: [],
        meta: { ...(made?.meta ?? {}) },
        history: [{ from: null, to: 'created', actor: info.actor, reason: `successor of ${r.keyId} (${trigger})`, at }],
        revision: 1,
      };
      const created = this.#activated(base, policy, { actor: info.actor, reason: `replaces ${r.keyId}`, at });
      events.push(...transitionEvents(r, next), ...transitionEvents(null, created));
      events.push({
        type: 'rotated',
        keyId: r.keyId,
        newKeyId,
        trigger,
        at,
        actor: info.actor,
        reason: info.reason,
        ...(emergency ? { emergency: true } : {}),
      });
      if (next.state === 'deactivated')
        events.push({ type: 'deactivated', keyId: r.keyId, at, actor: SYSTEM, reason: 'rotated without grace' });
      return { writes: [next, created], events };
    });
    return newKeyId;
  }

  #dueFor(r: LifecycleRecord, now: number): DueItem[] {
    if (!this.policies.has(r.policy)) return [];
    const policy = this.policies.get(r.policy);
    const warn = policy.warningDays * DAY_MS;
    const out: DueItem[] = [];
    if (r.state === 'rotating') {
      if (r.successor && r.graceEndsAt !== null && now >= r.graceEndsAt)
        out.push({ keyId: r.keyId, action: 'deactivate', dueAt: r.graceEndsAt });
      return out;
    }
    if (r.state !== 'active' && r.state !== 'suspended') return out;
    const expired = r.expiresAt !== null && now >= r.expiresAt;
    if (r.state === 'active') {
      const byAge = r.rotationDueAt !== null && now >= r.rotationDueAt;
      const byUse = policy.rotateAfterUses !== null && r.usageCount >= policy.rotateAfterUses;
      if (byAge || byUse) {
        const trigger: RotationTrigger = byAge ? 'interval' : 'usage';
        if (policy.autoRotate) {
          // Rotation wins over expiry: the key is replaced rather than left dead.
          out.push({ keyId: r.keyId, action: 'rotate', dueAt: byAge ? r.rotationDueAt! : now, trigger });
          return out;
        }
        if (!r.notices.includes(`rotation-due:${trigger}`)) {
          out.push({ keyId: r.keyId, action: 'notify-rotation', dueAt: byAge ? r.rotationDueAt! : now, trigger });
        }
      } else if (r.rotationDueAt !== null && now >= r.rotationDueAt - warn && !r.notices.includes('warn:rotation')) {
        out.push({ keyId: r.keyId, action: 'warn', kind: 'rotation', dueAt: r.rotationDueAt });
      }
    }
    if (expired) out.push({ keyId: r.keyId, action: 'expire', dueAt: r.expiresAt! });
    else if (r.expiresAt !== null && now >= r.expiresAt - warn && !r.notices.includes('warn:expiry')) {
      out.push({ keyId: r.keyId, action: 'warn', kind: 'expiry', dueAt: r.expiresAt });
    }
    return out;
  }

  async #apply(item: DueItem, now: number): Promise<void> {
    const at = now;
    const still = (r: LifecycleRecord) =>
      this.#dueFor(r, now).some((d) => d.action === item.action && d.kind === item.kind && d.trigger === item.trigger);
    switch (item.action) {
      case 'warn':
        await this.#update(item.keyId, (r) => {
          if (!still(r)) return null;
          return {
            writes: [bump({ ...r, notices: [...r.notices, `warn:${item.kind}`] })],
            events: [{ type: 'warning', keyId: r.keyId, at, kind: item.kind!, dueAt: item.dueAt }],
          };
        });
        return;
      case 'notify-rotation':
        await this.#update(item.keyId, (r) => {
          if (!still(r)) return null;
          return {
            writes: [bump({ ...r, notices: [...r.notices, `rotation-due:${item.trigger}`] })],
            events: [{ type: 'rotation-due', keyId: r.keyId, at, trigger: item.trigger!, dueAt: item.dueAt }],
          };
        });
        return;
      case 'rotate': {
        const r = await this.get(item.keyId);
        if (!still(r)) return;
        if (this.#hooks.canRotate && !this.#hooks.canRotate()) return;
        await this.#rotate(item.keyId, item.trigger!, { actor: SYSTEM, reason: `${item.trigger} rotation due`, at });
        return;
      }
      case 'expire':
      case 'deactivate': {
        const to: KeyState = item.action === 'expire' ? 'expired' : 'deactivated';
        const reason = item.action === 'expire' ? 'past expiration date' : 'grace period ended';
        await this.#update(item.keyId, (r) => {
          if (!still(r)) return null;
          const next = bump({
            ...transition(r, to, { actor: SYSTEM, reason, at }),
            ...(to === 'deactivated' ? { graceEndsAt: null } : {}),
          });
          return {
            writes: [next],
            events: [
              ...transitionEvents(r, next),
              { type: item.action === 'expire' ? 'expired' : 'deactivated', keyId: r.keyId, at, actor: SYSTEM, reason },
            ],
          };
        });
        return;
      }
    }
  }

  #emit(events: LifecycleEventDetail[]): void {
    for (const d of events) this.dispatchEvent(new LifecycleEvent(d));
  }
}
