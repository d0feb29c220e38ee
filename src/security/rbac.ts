// Role-based access control: permissions, wildcard grants and the default
// roles (admin, operator, auditor, signer, owner). Pure and storage-agnostic:
// principals live behind a tiny PrincipalStore so the Keystore can keep them
// wherever it keeps its records.
//
// Threat model (docs/security.md): in a browser every caller shares the
// origin's JavaScript, so RBAC here is an application-level guard (delegated
// signer UIs, plug-ins, a read-only auditor view), not a sandbox; the hard
// boundary is still the vault key plus WebAuthn user verification for the
// sensitive permissions.
import { VaultkeyError } from '../errors.js';

/** Every concrete permission (docs/security.md "Operations" lists which calls need which). */
export const PERMISSIONS = [
  'key:create',
  'key:read',
  'key:sign',
  'key:rotate',
  'key:backup',
  'key:restore',
  'key:delete',
  'key:export',
  'hsm:access',
  'multisig:initiate',
  'multisig:sign',
  'multisig:complete',
  'multisig:cancel',
  'audit:read',
  'audit:export',
  'policy:manage',
] as const;

export type Permission = (typeof PERMISSIONS)[number];
/** What a role may grant: a concrete permission, `namespace:*`, `admin:*` (everything) or `*`. */
export type PermissionPattern = Permission | `${string}:*` | '*';

/**
 * Permissions that move or destroy key material: each needs a fresh user verification
 * (WebAuthn UV) within a window before it, even inside a valid session.
 */
export const SENSITIVE_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>([
  'key:rotate',
  'key:backup',
  'key:restore',
  'key:delete',
  'key:export',
]);

/** The default roles (admin, operator, auditor, signer), plus `owner` for single-user apps. */
export const DEFAULT_ROLES: Readonly<Record<string, readonly PermissionPattern[]>> = Object.freeze({
  admin: ['admin:*'],
  operator: ['key:create', 'key:read', 'key:sign', 'key:rotate', 'hsm:access'],
  auditor: ['key:read', 'audit:read', 'audit:export'],
  signer: ['key:read', 'key:sign', 'multisig:sign'],
  // The single-user app's one principal: everything, like admin (the app *is* the owner).
  owner: ['admin:*'],
});

const KNOWN = new Set<string>(PERMISSIONS);
const NAMESPACES = new Set(PERMISSIONS.map((p) => p.split(':')[0]!));

export function isPermission(p: unknown): p is Permission {
  return typeof p === 'string' && KNOWN.has(p);
}

/** Validates a grant pattern: INVALID_ARGUMENT for typos, so a misspelt grant cannot silently grant nothing (or everything). */
export function checkPattern(p: unknown): PermissionPattern {
  if (p === '*' || p === 'admin:*' || isPermission(p)) return p as PermissionPattern;
  if (typeof p === 'string' && p.endsWith(':*') && NAMESPACES.has(p.slice(0, -2))) return p as PermissionPattern;
  throw new VaultkeyError('INVALID_ARGUMENT', 'unknown permission pattern in a role definition');
}

/**
 * Wildcard semantics: `*` and `admin:*` match every permission; `ns:*` matches every `ns:<action>`; anything else matches only itself.
 */
export function patternMatches(pattern: PermissionPattern, permission: Permission): boolean {
  if (pattern === '*' || pattern === 'admin:*') return true;
  if (pattern.endsWith(':*')) return permission.startsWith(pattern.slice(0, -1));
  return pattern === permission;
}

export type PrincipalType = 'user' | 'service' | 'device';

export interface Principal {
  id: string;
  type: PrincipalType;
  name: string;
  roles: string[];
  /** Disabled principals cannot open sessions and their open sessions stop working. */
  disabled?: boolean;
}

/** Where principals live. The Keystore can back this with its own IndexedDB (see rbac-idb.ts). */
export interface PrincipalStore {
  get(id: string): Promise<Principal | undefined>;
  put(p: Principal): Promise<void>;
  delete(id: string): Promise<void>;
  list(): Promise<Principal[]>;
}

export class MemoryPrincipalStore implements PrincipalStore {
  #m = new Map<string, Principal>();
  async get(id: string) {
    const p = this.#m.get(id);
    return p && structuredClone(p);
  }
  async put(p: Principal) {
    this.#m.set(p.id, structuredClone(p));
  }
  async delete(id: string) {
    this.#m.delete(id);
  }
  async list() {
    return [...this.#m.values()].map((p) => structuredClone(p));
  }
}

const ID_RE = /^[A-Za-z0-9_.@:-]{1,128}$/;

export function checkId(id: unknown, name: string): string {
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    throw new VaultkeyError('INVALID_ARGUMENT', `${name} must be 1-128 characters of [A-Za-z0-9_.@:-]`);
  }
  return id;
}

/** Validates and normalises a principal (copy; the caller's object is not kept). */
export function checkPrincipal(p: unknown, roles: Readonly<Record<string, readonly PermissionPattern[]>>): Principal {
  if (!p || typeof p !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'principal must be an object');
  const x = p as Partial<Principal>;
  const id = checkId(x.id, 'principal.id');
  const type = x.type ?? 'user';
  if (type !== 'user' && type !== 'service' && type !== 'device') {
    throw new VaultkeyError('INVALID_ARGUMENT', 'principal.type must be user, service or device');
  }
  const name = x.name ?? id;
  if (typeof name !== 'string' || name.length > 256)
    throw new VaultkeyError('INVALID_ARGUMENT', 'principal.name must be a string of at most 256 characters');
  if (!Array.isArray(x.roles) || x.roles.length === 0)
    throw new VaultkeyError('INVALID_ARGUMENT', 'principal.roles must be a non-empty array');
  for (const r of x.roles) {
    if (typeof r !== 'string' || !Object.hasOwn(roles, r))
      throw new VaultkeyError('INVALID_ARGUMENT', 'principal.roles names a role that does not exist');
  }
  if (x.disabled !== undefined && typeof x.disabled !== 'boolean')
    throw new VaultkeyError('INVALID_ARGUMENT', 'principal.disabled must be a boolean');
  return { id, type, name, roles: [...new Set(x.roles)], ...(x.disabled ? { disabled: true } : {}) };
}

/** Validates a role table (defaults merged with custom roles). */
export function checkRoles(custom: unknown): Record<string, PermissionPattern[]> {
  const out: Record<string, PermissionPattern[]> = {};
  for (const [k, v] of Object.entries(DEFAULT_ROLES)) out[k] = [...v];
  if (custom === undefined) return out;
  if (!custom || typeof custom !== 'object' || Array.isArray(custom))
    throw new VaultkeyError('INVALID_ARGUMENT', 'roles must be an object of role name -> permission patterns');
  for (const [k, v] of Object.entries(custom)) {
    checkId(k, 'role name');
    if (!Array.isArray(v)) throw new VaultkeyError('INVALID_ARGUMENT', `role ${k} must be an array of permission patterns`);
    out[k] = v.map(checkPattern);
  }
  return out;
}

/** True iff any of `roles` grants `permission` under `table`. */
export function rolesGrant(
  table: Readonly<Record<string, readonly PermissionPattern[]>>,
  roles: readonly string[],
  permission: Permission,
): boolean {
  return roles.some((r) => (Object.hasOwn(table, r) ? table[r]! : []).some((p) => patternMatches(p, permission)));
}
