// The one call the Keystore wraps around every operation: authorize (RBAC,
// session, fresh UV for sensitive permissions), run, and record the outcome in
// the audit chain, success or failure, with the error code only. Denials are
// audited too: failed operations belong in an audit log, and repeated denials are what a compromise detector looks for.
import { VaultkeyError } from '../errors.js';
import type { Json } from './canonical.js';
import { checkAuditEvent, type AuditLog } from './audit.js';
import type { Permission } from './rbac.js';
import type { AccessController, Session } from './sessions.js';

export interface GuardContext {
  access: AccessController;
  audit?: AuditLog;
  session: Session | string;
}

export interface GuardedOperation {
  permission: Permission;
  keyId?: string;
  /** Audit operation name; defaults to the permission. */
  operation?: string;
  /** Public facts only (tx hash, path, chain); never secrets (the audit log refuses obvious ones). */
  metadata?: { [k: string]: Json };
}

/**
 * authorize -> run -> audit. Rethrows the operation's (or the denial's) error after auditing
 * it; if that audit write fails too, the original error still wins (nothing happened that
 * could be misreported). An audit failure after a successful operation is thrown
 * (AUDIT_TAMPERED / STORAGE_FAILED): the caller must not report success for an operation it
 * could not record. Metadata is validated before anything runs.
 */
export async function guarded<T>(ctx: GuardContext, op: GuardedOperation, run: () => Promise<T> | T): Promise<T> {
  if (!ctx || typeof ctx !== 'object' || !op || typeof op !== 'object')
    throw new VaultkeyError('INVALID_ARGUMENT', 'guarded needs a context and an operation');
  if (typeof run !== 'function') throw new VaultkeyError('INVALID_ARGUMENT', 'run must be a function');
  checkAuditEvent({
    principalId: 'check',
    operation: op.operation ?? op.permission,
    success: true,
    keyId: op.keyId,
    metadata: op.metadata,
  });
  const sid = typeof ctx.session === 'string' ? ctx.session : ctx.session?.id;
  let principalId = typeof ctx.session === 'object' && ctx.session ? ctx.session.principalId : 'unknown';
  const record = async (success: boolean, err?: unknown) => {
    if (!ctx.audit) return;
    const code = err instanceof VaultkeyError ? err.code : err === undefined ? undefined : 'UNEXPECTED_ERROR';
    await ctx.audit.append({
      principalId,
      operation: op.operation ?? op.permission,
      success,
      ...(typeof sid === 'string' && sid.length > 0 && sid.length <= 128 ? { sessionId: sid } : {}),
      ...(op.keyId !== undefined ? { keyId: op.keyId } : {}),
      ...(code !== undefined && /^[A-Z0-9_]{1,64}$/.test(code) ? { errorCode: code } : {}),
      ...(op.metadata !== undefined ? { metadata: op.metadata } : {}),
    });
  };
  try {
    principalId = (await ctx.access.authorize(ctx.session, op.permission)).principalId;
  } catch (e) {
    await record(false, e).catch(() => {}); // the operation's own error wins over a failed audit write (documented above)
    throw e;
  }
  let result: T;
  try {
    result = await run();
  } catch (e) {
    await record(false, e).catch(() => {}); // the operation's own error wins over a failed audit write (documented above)
    throw e;
  }
  await record(true);
  return result;
}
