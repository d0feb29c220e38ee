// Sessions and permission checks (AccessController: createPrincipal,
// createSession, validateSession, check, endSession), plus fresh user
// verification for sensitive permissions. See docs/security.md "Sessions and
// user verification".
//
// Sessions live in memory only, on purpose: a session is a capability of
// this page load, and persisting it would let anyone who can write
// IndexedDB mint one. Principals are persisted through a PrincipalStore.
import { VaultkeyError } from '../errors.js';
import { type Clock, systemClock, randomHex } from './canonical.js';
import {
  type Permission,
  type PermissionPattern,
  type Principal,
  type PrincipalStore,
  MemoryPrincipalStore,
  SENSITIVE_PERMISSIONS,
  checkPrincipal,
  checkRoles,
  isPermission,
  rolesGrant,
} from './rbac.js';

export interface Session {
  readonly id: string;
  readonly principalId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** When the user last passed user verification in this session (ms), if ever. */
  readonly verifiedAt?: number;
  /** Free-form client description (e.g. the user agent). Not secret. */
  readonly client?: string;
}

/**
 * The Keystore's user-verification callback (in the browser: a WebAuthn assertion with
 * `userVerification: 'required'` whose `flags.uv` is checked). Resolve true only if the
 * user was verified; false or a throw means no.
 */
export type VerifyUser = (ctx: { principalId: string; sessionId: string; permission: Permission }) => Promise<boolean>;

export interface AccessControllerOptions {
  clock?: Clock;
  /** Session lifetime (default 30 minutes). */
  sessionTtlMs?: number;
  /** How long a user verification counts as fresh for sensitive permissions (default 5 minutes). */
  uvWindowMs?: number;
  /** Extra roles (or overrides of the defaults). */
  roles?: Record<string, PermissionPattern[]>;
  principals?: PrincipalStore;
  verifyUser?: VerifyUser;
}

export const OWNER_ID = 'owner';

const MAX_TTL = 7 * 24 * 3600_000;

function checkMs(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_TTL) {
    throw new VaultkeyError('INVALID_ARGUMENT', `${name} must be an integer number of milliseconds in [0, 7 days]`);
  }
  return v;
}

export class AccessController {
  readonly #clock: Clock;
  readonly #ttl: number;
  readonly #uvWindow: number;
  readonly #roles: Record<string, PermissionPattern[]>;
  readonly #principals: PrincipalStore;
  readonly #verifyUser?: VerifyUser;
  readonly #sessions = new Map<string, Session>();

  constructor(opts: AccessControllerOptions = {}) {
    this.#clock = opts.clock ?? systemClock;
    if (typeof this.#clock !== 'function') throw new VaultkeyError('INVALID_ARGUMENT', 'clock must be a function');
    this.#ttl = checkMs(opts.sessionTtlMs, 'sessionTtlMs', 30 * 60_000);
    this.#uvWindow = checkMs(opts.uvWindowMs, 'uvWindowMs', 5 * 60_000);
    this.#roles = checkRoles(opts.roles);
    this.#principals = opts.principals ?? new MemoryPrincipalStore();
    if (opts.verifyUser !== undefined && typeof opts.verifyUser !== 'function')
      throw new VaultkeyError('INVALID_ARGUMENT', 'verifyUser must be a function');
    this.#verifyUser = opts.verifyUser;
  }

  /**
   * Single-user apps: a controller with one `owner` principal (all permissions) and an open
   * session for it, so the simple path is `const { access, session } = await AccessController.singleUser()`.
   * Sensitive permissions still need user verification.
   */
  static async singleUser(opts: AccessControllerOptions & { name?: string } = {}): Promise<{ access: AccessController; session: Session }> {
    const access = new AccessController(opts);
    // With a persistent PrincipalStore the owner already exists from an earlier page load.
    if (!(await access.getPrincipal(OWNER_ID))) {
      await access.createPrincipal({ id: OWNER_ID, type: 'user', name: opts.name ?? 'Owner', roles: ['owner'] });
    }
    return { access, session: await access.createSession(OWNER_ID) };
  }

  get roles(): Readonly<Record<string, readonly PermissionPattern[]>> {
    return this.#roles;
  }

  async createPrincipal(p: Principal): Promise<Principal> {
    const clean = checkPrincipal(p, this.#roles);
    if (await this.#principals.get(clean.id)) throw new VaultkeyError('ALREADY_EXISTS', 'a principal with this id already exists');
    await this.#principals.put(clean);
    return clean;
  }

  async updatePrincipal(p: Principal): Promise<Principal> {
    const clean = checkPrincipal(p, this.#roles);
    if (!(await this.#principals.get(clean.id))) throw new VaultkeyError('NOT_FOUND', 'no principal with this id');
    await this.#principals.put(clean);
    return clean;
  }

  getPrincipal(id: string): Promise<Principal | undefined> {
    return this.#principals.get(id);
  }

  async deletePrincipal(id: string): Promise<void> {
    await this.#principals.delete(id);
    for (const [sid, s] of this.#sessions) if (s.principalId === id) this.#sessions.delete(sid);
  }

  async createSession(principalId: string, opts: { ttlMs?: number; client?: string } = {}): Promise<Session> {
    const p = await this.#principals.get(principalId);
    if (!p) throw new VaultkeyError('NOT_FOUND', 'no principal with this id');
    if (p.disabled) throw new VaultkeyError('PERMISSION_DENIED', 'this principal is disabled');
    const ttl = checkMs(opts.ttlMs, 'ttlMs', this.#ttl);
    if (opts.client !== undefined && (typeof opts.client !== 'string' || opts.client.length > 512)) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'client must be a string of at most 512 characters');
    }
    const now = this.#clock();
    const s: Session = Object.freeze({
      id: `ses_${randomHex(16)}`,
      principalId,
      createdAt: now,
      expiresAt: now + ttl,
      ...(opts.client !== undefined ? { client: opts.client } : {}),
    });
    this.#sessions.set(s.id, s);
    return s;
  }

  /** The live session: NOT_FOUND if unknown or ended, SESSION_EXPIRED (and forgotten) past its expiry. */
  validateSession(session: string | Session): Session {
    const id = typeof session === 'string' ? session : session?.id;
    if (typeof id !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'session must be a session or its id');
    const s = this.#sessions.get(id);
    if (!s) throw new VaultkeyError('NOT_FOUND', 'no open session with this id');
    if (this.#clock() >= s.expiresAt) {
      this.#sessions.delete(id);
      throw new VaultkeyError('SESSION_EXPIRED', 'the session has expired; open a new one');
    }
    return s;
  }

  endSession(session: string | Session): void {
    const id = typeof session === 'string' ? session : session?.id;
    if (typeof id === 'string') this.#sessions.delete(id);
  }

  /** Records a successful user verification the caller performed itself (e.g. at unlock). */
  recordUserVerification(session: string | Session): Session {
    const s = this.validateSession(session);
    const next = Object.freeze({ ...s, verifiedAt: this.#clock() });
    this.#sessions.set(s.id, next);
    return next;
  }

  /** True if `session` may use `permission` by role alone (no UV considered, never throws for denial). */
  async can(session: string | Session, permission: Permission): Promise<boolean> {
    try {
      await this.#checkRole(this.validateSession(session), permission);
      return true;
    } catch (e) {
      if (e instanceof VaultkeyError && e.code === 'PERMISSION_DENIED') return false;
      throw e;
    }
  }

  /**
   * The permission check, without prompting: SESSION_EXPIRED / NOT_FOUND for a bad
   * session, PERMISSION_DENIED if no role grants it, UV_REQUIRED for a sensitive permission
   * without a user verification inside the window.
   */
  async check(session: string | Session, permission: Permission): Promise<Session> {
    const s = this.validateSession(session);
    await this.#checkRole(s, permission);
    if (SENSITIVE_PERMISSIONS.has(permission) && !this.#uvFresh(s)) {
      throw new VaultkeyError('UV_REQUIRED', `${permission} needs a fresh user verification`);
    }
    return s;
  }

  /**
   * `check`, but when only the user verification is missing, runs the `verifyUser` callback
   * once and retries. What the Keystore calls before every operation.
   */
  async authorize(session: string | Session, permission: Permission): Promise<Session> {
    try {
      return await this.check(session, permission);
    } catch (e) {
      if (!(e instanceof VaultkeyError) || e.code !== 'UV_REQUIRED' || !this.#verifyUser) throw e;
      const s = this.validateSession(session);
      let ok = false;
      try {
        ok = (await this.#verifyUser({ principalId: s.principalId, sessionId: s.id, permission })) === true;
      } catch {
        ok = false;
      }
      if (!ok) throw new VaultkeyError('UV_REQUIRED', `user verification for ${permission} failed or was cancelled`);
      return this.recordUserVerification(s);
    }
  }

  #uvFresh(s: Session): boolean {
    return s.verifiedAt !== undefined && this.#clock() - s.verifiedAt <= this.#uvWindow;
  }

  async #checkRole(s: Session, permission: Permission): Promise<void> {
    if (!isPermission(permission)) throw new VaultkeyError('INVALID_ARGUMENT', 'unknown permission');
    const p = await this.#principals.get(s.principalId);
    // A principal deleted or disabled after the session opened loses access at once.
    if (!p || p.disabled) {
      this.#sessions.delete(s.id);
      throw new VaultkeyError('PERMISSION_DENIED', 'the session principal no longer exists or is disabled');
    }
    if (!rolesGrant(this.#roles, p.roles, permission)) {
      throw new VaultkeyError('PERMISSION_DENIED', `principal lacks ${permission}`);
    }
  }
}
