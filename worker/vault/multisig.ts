// Multisig under the vault's governance (docs/security.md, "Multisig in the
// vault"): key groups and operations are authenticated records of the vault
// database (MAC'd and versioned in the manifest like policies: an edited
// approval, an older copy written back or a deleted operation is CORRUPTED),
// every call goes through the operation table (a `multisig:*` permission,
// audited), and a vault key adds its signature to an operation in one call.
import { VaultkeyError } from '../../src/errors.js';
import { MultisigManager, signingPayload } from '../../src/multisig/manager.js';
import type { KeyGroup, MultisigStore, OperationRecord } from '../../src/multisig/types.js';
import { STORES } from '../../src/vault/format.js';
import * as S from './state.js';
import { mutate, read, type Row } from './records.js';
import * as K from './keys.js';
import { principalId } from './governance.js';

const GROUP = 'msig-group:';
const OP = 'msig-op:';

type GroupRow = Row & { group: KeyGroup };
type OpRow = Row & { op: OperationRecord };

/** Ids are content hashes (`grp_`/`op_` + 40 hex); anything else is refused before it names a record. */
function idOf(id: unknown, prefix: 'grp_' | 'op_'): string {
  if (typeof id !== 'string' || !new RegExp(`^${prefix}[0-9a-f]{40}$`).test(id))
    throw new VaultkeyError('INVALID_ARGUMENT', `not a multisig ${prefix === 'grp_' ? 'group' : 'operation'} id`);
  return id;
}

/** The manifest lists every live record; listing walks its names (the meta store also holds unlisted rows). */
const listed = (records: Record<string, number>, prefix: string) =>
  Object.keys(records)
    .filter((k) => k.startsWith(`${STORES.meta}/${prefix}`))
    .map((k) => k.slice(STORES.meta.length + 1));

class VaultMultisigStore implements MultisigStore {
  async getGroup(id: string): Promise<KeyGroup | undefined> {
    const rid = `${GROUP}${idOf(id, 'grp_')}`;
    return (await read([], (t) => t.get<GroupRow>(STORES.meta, rid)))?.group;
  }

  async putGroup(g: KeyGroup): Promise<void> {
    await mutate([], async (t) => {
      await t.put(STORES.meta, { id: `${GROUP}${g.id}`, group: g });
    });
  }

  async listGroups(): Promise<KeyGroup[]> {
    return read([], async (t) => {
      const rows = await Promise.all(listed(t.m.records, GROUP).map((id) => t.get<GroupRow>(STORES.meta, id)));
      return rows.flatMap((r) => (r ? [r.group] : []));
    });
  }

  async getOperation(id: string): Promise<OperationRecord | undefined> {
    const rid = `${OP}${idOf(id, 'op_')}`;
    return (await read([], (t) => t.get<OpRow>(STORES.meta, rid)))?.op;
  }

  async listOperations(groupId?: string): Promise<OperationRecord[]> {
    return read([], async (t) => {
      const rows = await Promise.all(listed(t.m.records, OP).map((id) => t.get<OpRow>(STORES.meta, id)));
      return rows.flatMap((r) => (r && (groupId === undefined || r.op.groupId === groupId) ? [r.op] : []));
    });
  }

  /** One transaction: read, check (fn), write; another tab's concurrent approval is re-read, never lost. */
  async update(id: string, fn: (op: OperationRecord | undefined) => OperationRecord | undefined): Promise<OperationRecord | undefined> {
    const rid = `${OP}${idOf(id, 'op_')}`;
    return mutate([], async (t) => {
      const cur = (await t.get<OpRow>(STORES.meta, rid))?.op;
      const next = fn(cur === undefined ? undefined : structuredClone(cur));
      if (next === undefined) return cur;
      await t.put(STORES.meta, { id: rid, op: next });
      return next;
    });
  }
}

let manager: Promise<MultisigManager> | null = null;

/** The vault's manager: its clock is the vault's (the test clock when one is set). */
export function multisig(): Promise<MultisigManager> {
  S.need();
  manager ??= MultisigManager.create({ store: new VaultMultisigStore(), clock: S.now });
  return manager;
}

/**
 * Signs operation `opId` with vault key `keyId` (HD: at `o.path`, default the
 * key's default path for its curve) and adds the signature: one call, the
 * private key never leaves the worker. The key's public key must be one of
 * the group's signers (else NOT_FOUND, nothing is signed).
 */
export async function signWithKey(opId: unknown, keyId: string, o: { path?: string; curve?: 'secp256k1' | 'ed25519' } = {}) {
  const m = await multisig();
  const op = await m.get(idOf(opId, 'op_'));
  const g = await m.getGroup(op.groupId);
  const curve = o?.curve ?? 'secp256k1';
  const signOpts = { curve, ...(o?.path !== undefined ? { path: o.path } : {}) };
  const { publicKey } = await K.withPrivateKey(keyId, signOpts, (_priv, pub, c) => ({ publicKey: pub.slice(), curve: c }));
  const hex = Array.from(publicKey, (b) => b.toString(16).padStart(2, '0')).join('');
  const signer = g.signers.find((s) => s.curve === curve && s.publicKey === hex);
  if (!signer) throw new VaultkeyError('NOT_FOUND', 'this key is not a signer of the operation’s group');
  const { signature } = await K.sign(keyId, signingPayload(op, curve), signOpts);
  return m.addSignature(op.id, publicKey, signature);
}

/** The operation table's multisig calls (index.ts MULTISIG_OPS), by name. */
export async function run(name: string, a: unknown[]): Promise<unknown> {
  if (name === 'SignWithKey') return signWithKey(a[0], a[1] as string, (a[2] ?? {}) as never);
  const m = await multisig();
  switch (name) {
    case 'CreateGroup':
      return m.createGroup(a[0] as never);
    case 'Initiate':
      // The initiator is the session's principal, not a name the caller chooses.
      return m.initiate(a[0] as string, a[1] as Uint8Array, { ...((a[2] ?? {}) as object), initiator: principalId() } as never);
    case 'Get':
      return m.get(a[0] as string);
    case 'List':
      return m.list(a[0] === undefined ? undefined : (a[0] as string));
    case 'AddSignature':
      return m.addSignature(a[0] as string, a[1] as never, a[2] as never);
    case 'Complete':
      return m.complete(a[0] as string);
    default:
      return m.cancel(a[0] as string, a[1] as string);
  }
}
