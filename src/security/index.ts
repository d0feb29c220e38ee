// Security layer: RBAC, sessions with user verification, keyed audit chain. See docs/security.md.
export {
  PERMISSIONS,
  SENSITIVE_PERMISSIONS,
  DEFAULT_ROLES,
  MemoryPrincipalStore,
  patternMatches,
  isPermission,
  rolesGrant,
  type Permission,
  type PermissionPattern,
  type Principal,
  type PrincipalType,
  type PrincipalStore,
} from './rbac.js';
export { AccessController, OWNER_ID, type Session, type VerifyUser, type AccessControllerOptions } from './sessions.js';
export {
  AuditLog,
  MemoryAuditStore,
  deriveAuditKey,
  deriveHmacKey,
  verifyAuditEntries,
  AUDIT_HKDF_INFO,
  type AuditEntry,
  type AuditEvent,
  type AuditHead,
  type AuditStore,
  type AuditVerification,
  type AuditBreak,
  type AuditQuery,
  type AuditReport,
  type AuditCounts,
  type AuditLogOptions,
  type AuditAnchor,
} from './audit.js';
export { IdbAuditStore } from './audit-idb.js';
export { IdbPrincipalStore, derivePrincipalKey, PRINCIPALS_HKDF_INFO } from './rbac-idb.js';
export { guarded, type GuardContext, type GuardedOperation } from './guard.js';
export { canonicalJson } from './canonical.js';
