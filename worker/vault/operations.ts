// The operation table: every Keystore operation the page may ask for, with
// the permission it needs, whether it needs a fresh proof ON THIS CALL (every
// call that reveals a secret), its lifecycle gate, and its audit name. One
// dispatcher (`dispatch`) applies the table; no operation has a path around it.
import { VaultkeyError } from '../../src/errors.js';
import type { Permission } from '../../src/security/rbac.js';
import type { Json } from '../../src/security/canonical.js';
import type { KeyOperation } from '../../src/lifecycle/manager.js';
import type { CallContext, Proof } from '../../src/vault/contract.js';
import { HARDWARE_KEY_ID, VAULT_KEY_ID } from '../../src/vault/format.js';
import * as S from './state.js';
import * as G from './governance.js';

export interface Op {
  permission: Permission;
  /** Audit operation name (default: the table key). */
  audit?: string;
  /** A proof must come with the call itself (not an earlier verification): secret-revealing calls. */
  proof?: true;
  /** The argument holding the key id (audited, gated). */
  key?: number;
  /** Lifecycle gate on that key; 'sign' also counts a use in the audit commit. */
  gate?: KeyOperation;
  /** Public facts for the audit entry (never secrets). */
  meta?: (args: unknown[]) => { [k: string]: Json } | undefined;
  /** Audit reads and the way out of a broken chain still work while it is broken. */
  whileTampered?: true;
  run: (args: unknown[], ctx: CallContext, progress?: (f: number) => void) => Promise<unknown> | unknown;
}

export type OpTable = Record<string, Op>;

/** Checks a proof given on a call; wired by the vault service (index.ts). */
export const proofs = {
  check: async (_proof: Proof, _permission: string): Promise<void> => {
    throw new VaultkeyError('UNSUPPORTED', 'proof checking is not wired');
  },
  /** A locked worker was asked for an operation: remembered (without secrets) for the audit log. */
  lockedRefusal: async (_op: string): Promise<void> => {},
};

function keyIdOf(v: unknown): string {
  if (typeof v !== 'string' || !(VAULT_KEY_ID.test(v) || HARDWARE_KEY_ID.test(v)))
    throw new VaultkeyError('INVALID_ARGUMENT', 'not a key id of this vault');
  return v;
}

function errorCode(e: unknown): string {
  return e instanceof VaultkeyError && /^[A-Z0-9_]{1,64}$/.test(e.code) ? e.code : 'UNEXPECTED_ERROR';
}

/**
 * authorize (session, RBAC, fresh UV) -> proof on the call -> lifecycle gate
 * -> run -> audit (with the use counted, for signing). A failure at any step
 * is audited with its code and rethrown; a success is returned only after its
 * audit entry (and usage count) committed.
 */
export async function dispatch(
  table: OpTable,
  name: unknown,
  args: unknown,
  ctx: CallContext = {},
  progress?: (f: number) => void,
): Promise<unknown> {
  S.advanceClock(ctx?.now);
  if (typeof name !== 'string' || !Object.hasOwn(table, name))
    throw new VaultkeyError('INVALID_ARGUMENT', `unknown operation ${String(name).slice(0, 64)}`);
  if (!Array.isArray(args)) throw new VaultkeyError('INVALID_ARGUMENT', 'operation arguments must be an array');
  const op = table[name]!;
  if (!S.current()) {
    // No vault at all is its own answer: there is nothing to unlock (docs/vault.md).
    if (!(await S.exists()))
      throw new VaultkeyError('NO_VAULT', 'there is no vault here yet: create one, or restore a backup into a new one');
    await proofs.lockedRefusal(name).catch(() => {
      // Storage refused the note; the call is refused all the same.
    });
    throw new VaultkeyError('LOCKED', 'the vault is locked');
  }
  const { session } = G.live();
  // Any call is activity: the auto-lock counts idle time from the last call, not from the last secret use.
  S.touch();
  G.opStarted();
  try {
    return await governed(op, name, args, ctx, session, progress);
  } finally {
    G.opEnded();
  }
}

async function governed(
  op: Op,
  name: string,
  args: unknown[],
  ctx: CallContext,
  session: { id: string; principalId: string },
  progress?: (f: number) => void,
): Promise<unknown> {
  let keyId: string | undefined;
  let metadata: { [k: string]: Json } | undefined;
  try {
    if (op.key !== undefined) keyId = keyIdOf(args[op.key]);
    metadata = op.meta?.(args);
  } catch (e) {
    await audit(op, name, session.principalId, session.id, undefined, undefined, e);
    throw e;
  }
  try {
    if (!op.whileTampered) G.assertAuditIntact();
    // A proof given with any other call counts as the fresh user verification for it.
    if (ctx?.proof && !op.proof) await proofs.check(ctx.proof, op.permission);
    await G.authorize(op.permission);
    if (op.proof) {
      if (!ctx?.proof)
        throw new VaultkeyError('UV_REQUIRED', `${name} reveals a secret: it needs a fresh proof (passphrase or passkey) on this call`);
      await proofs.check(ctx.proof, op.permission);
    }
    if (op.gate) await G.gate(keyId!, op.gate);
  } catch (e) {
    await audit(op, name, G.principalId(), session.id, keyId, metadata, e);
    throw e;
  }
  let result: unknown;
  try {
    result = await op.run(args, ctx ?? {}, progress);
  } catch (e) {
    await audit(op, name, G.principalId(), session.id, keyId, metadata, e);
    throw e;
  }
  const ev = {
    principalId: G.principalId(),
    sessionId: session.id,
    operation: op.audit ?? name,
    success: true,
    ...(keyId ? { keyId } : {}),
    ...(metadata ? { metadata } : {}),
  };
  if (op.whileTampered) {
    // While the chain is broken these are the way out; recorded once it is re-anchored.
    await G.append(ev).catch((e) => {
      if ((e as VaultkeyError)?.code !== 'AUDIT_TAMPERED') throw e;
    });
  } else {
    // Signing: the usage count and the entry commit together, after the lifecycle state is re-checked.
    await G.append(ev, op.gate === 'sign' ? { keyId: keyId!, op: 'sign' } : undefined);
  }
  return result;
}

async function audit(
  op: Op,
  name: string,
  principalId: string,
  sessionId: string,
  keyId: string | undefined,
  metadata: { [k: string]: Json } | undefined,
  e: unknown,
): Promise<void> {
  await G.append({
    principalId,
    sessionId,
    operation: op.audit ?? name,
    success: false,
    errorCode: errorCode(e),
    ...(keyId ? { keyId } : {}),
    ...(metadata ? { metadata } : {}),
  }).catch(() => {
    // The operation's own error is what the caller must see; an audit that also fails (a broken chain) was reported by its event.
  });
}
