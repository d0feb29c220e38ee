// Named lifecycle policies (docs/lifecycle.md "Policies"): when a key is due
// for rotation, when it expires, how long the old key keeps verifying after a
// rotation, whether rotation is automatic, whether user-initiated changes need
// MFA, and an optional usage-count rotation trigger.
import { VaultkeyError } from '../errors.js';

export interface LifecyclePolicy {
  name: string;
  /** Days after activation when rotation is due. */
  maxActiveAgeDays: number;
  /** Days before the rotation date and before the expiration date when a warning is emitted. */
  warningDays: number;
  /** Days after activation when the key expires and stops signing. */
  expirationDays: number;
  /** Days the old key keeps verifying after a rotation before it is deactivated. */
  gracePeriodDays: number;
  /** Rotate by itself when due (interval or usage count); otherwise only a 'rotation-due' event. */
  autoRotate: boolean;
  /** User-initiated rotation, resume and destroy need a passed MFA check (the `mfa` hook). */
  requireMfa: boolean;
  /** Rotation is due after this many recorded uses; null: no usage trigger. */
  rotateAfterUses: number | null;
  /**
   * A rotation that makes its successor from a fresh secret (new HD seed, new
   * random imported key) marks the successor "backup pending" and emits
   * 'backup-required'; until a backup holding the successor is made, the
   * predecessor is not removed nor deactivated by hand (BACKUP_REQUIRED) unless
   * `{ force: true, proof }`. Optional on input (false when left out), so
   * policies stored before this field still validate (docs/lifecycle.md
   * "Backup after rotation").
   */
  requireBackupAfterRotation?: boolean;
}

export const DAY_MS = 86_400_000;

// Built-in policies. Usage-count trigger (`rotateAfterUses`): none for
// `default`, 100 000 signatures for `high-security`.
export const DEFAULT_POLICY: Readonly<LifecyclePolicy> = Object.freeze({
  name: 'default',
  maxActiveAgeDays: 365, // rotate annually
  warningDays: 30,
  expirationDays: 730, // expire after 2 years
  gracePeriodDays: 90,
  autoRotate: false,
  requireMfa: true,
  rotateAfterUses: null,
  // Off: removing a rotated key after its grace period keeps working as before; opt in per policy (docs/lifecycle.md).
  requireBackupAfterRotation: false,
});

export const HIGH_SECURITY_POLICY: Readonly<LifecyclePolicy> = Object.freeze({
  name: 'high-security',
  maxActiveAgeDays: 90, // rotate quarterly
  warningDays: 14,
  expirationDays: 180,
  gracePeriodDays: 30,
  autoRotate: true,
  requireMfa: true,
  rotateAfterUses: 100_000,
  requireBackupAfterRotation: true,
});

const FIELDS = new Set<keyof LifecyclePolicy>([
  'name',
  'maxActiveAgeDays',
  'warningDays',
  'expirationDays',
  'gracePeriodDays',
  'autoRotate',
  'requireMfa',
  'rotateAfterUses',
  'requireBackupAfterRotation',
]);

// 100 years: longer than any key should live; also keeps day * DAY_MS exact.
const MAX_DAYS = 36_500;

function bad(message: string): never {
  throw new VaultkeyError('INVALID_POLICY', message);
}

function days(p: Record<string, unknown>, field: string, min: number, minInclusive: boolean): number {
  const v = p[field];
  if (typeof v !== 'number' || !Number.isFinite(v) || v > MAX_DAYS || (minInclusive ? v < min : v <= min)) {
    bad(`${field} must be a finite number of days ${minInclusive ? '>=' : '>'} ${min} and <= ${MAX_DAYS}`);
  }
  return v;
}

/**
 * Checks every field and the relations between them; returns a frozen copy.
 * Fractions of days are accepted (tests and short-lived keys); unknown
 * fields are refused so a typo ("autorotate") is not silently ignored.
 */
export function validatePolicy(input: unknown): Readonly<LifecyclePolicy> {
  if (!input || typeof input !== 'object' || Array.isArray(input)) bad('policy must be an object');
  const p = input as Record<string, unknown>;
  for (const k of Object.keys(p)) if (!FIELDS.has(k as keyof LifecyclePolicy)) bad(`unknown policy field ${JSON.stringify(k)}`);
  if (typeof p.name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(p.name)) {
    bad('policy name must be 1-64 characters of [A-Za-z0-9_.-]');
  }
  const maxActiveAgeDays = days(p, 'maxActiveAgeDays', 0, false);
  const warningDays = days(p, 'warningDays', 0, true);
  const expirationDays = days(p, 'expirationDays', 0, false);
  const gracePeriodDays = days(p, 'gracePeriodDays', 0, true);
  if (typeof p.autoRotate !== 'boolean') bad('autoRotate must be a boolean');
  if (typeof p.requireMfa !== 'boolean') bad('requireMfa must be a boolean');
  const uses = p.rotateAfterUses;
  if (uses !== null && (typeof uses !== 'number' || !Number.isSafeInteger(uses) || uses < 1)) {
    bad('rotateAfterUses must be null or a positive integer');
  }
  const backupFirst = p.requireBackupAfterRotation ?? false;
  if (typeof backupFirst !== 'boolean') bad('requireBackupAfterRotation must be a boolean');
  // A key that expires before it is due for rotation would stop signing with
  // no successor: rotation must come first (`default`: rotate 365 d, expire 730 d).
  if (maxActiveAgeDays > expirationDays) bad('maxActiveAgeDays must not exceed expirationDays');
  // The warning must fall after activation, or it would fire at once.
  if (warningDays >= maxActiveAgeDays) bad('warningDays must be smaller than maxActiveAgeDays');
  return Object.freeze({
    name: p.name as string,
    maxActiveAgeDays,
    warningDays,
    expirationDays,
    gracePeriodDays,
    autoRotate: p.autoRotate as boolean,
    requireMfa: p.requireMfa as boolean,
    rotateAfterUses: uses as number | null,
    // Kept only when given: a policy written without it reads back as written (its stored, MAC'd copy included).
    ...(p.requireBackupAfterRotation !== undefined ? { requireBackupAfterRotation: backupFirst } : {}),
  });
}

/** The named policies a manager knows; always holds the two built-ins. */
export class PolicyRegistry {
  readonly #policies = new Map<string, Readonly<LifecyclePolicy>>([
    [DEFAULT_POLICY.name, DEFAULT_POLICY],
    [HIGH_SECURITY_POLICY.name, HIGH_SECURITY_POLICY],
  ]);

  /** Adds (or with `replace`, updates) a policy. Built-ins cannot be replaced. */
  register(policy: LifecyclePolicy, options: { replace?: boolean } = {}): Readonly<LifecyclePolicy> {
    const valid = validatePolicy(policy);
    if (valid.name === DEFAULT_POLICY.name || valid.name === HIGH_SECURITY_POLICY.name) {
      bad(`the built-in policy ${valid.name} cannot be replaced`);
    }
    if (this.#policies.has(valid.name) && !options.replace) {
      throw new VaultkeyError('ALREADY_EXISTS', `policy ${valid.name} is already registered`);
    }
    this.#policies.set(valid.name, valid);
    return valid;
  }

  get(name: string): Readonly<LifecyclePolicy> {
    const p = typeof name === 'string' ? this.#policies.get(name) : undefined;
    if (!p) throw new VaultkeyError('UNKNOWN_POLICY', `no policy named ${JSON.stringify(String(name))}`);
    return p;
  }

  has(name: string): boolean {
    return this.#policies.has(name);
  }

  list(): Readonly<LifecyclePolicy>[] {
    return [...this.#policies.values()];
  }
}
