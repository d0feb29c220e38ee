// The operation envelope: a self-describing, versioned JSON document that
// carries one operation (with its group) to signers on other devices, a
// Ledger host page or the bridge, and brings their signatures back.
//
// Nothing in it is secret and nothing in it is trusted on import: the group
// and the operation are content-addressed (their ids are SHA-256 fingerprints
// of their canonical JSON), every signature is verified again, and statuses
// are recomputed. So editing the message, the group (a signer, a weight, the
// threshold), the times or a signature makes the import fail with
// INVALID_ENVELOPE. See docs/security.md for the format.
import { VaultkeyError } from '../errors.js';
import { initEd25519 } from '../core/ed25519.js';
import { initSecp256k1Verify } from '../core/secp256k1-verify.js';
import { canonicalJson, fromHex, toHex } from '../security/canonical.js';
import {
  buildGroup,
  operationDigest,
  operationId,
  signedWeight,
  verifySignerSignature,
  MAX_MESSAGE,
  type MultisigManager,
} from './manager.js';
import type { CollectedSignature, DigestMode, KeyGroup, OperationRecord, OperationStatus } from './types.js';

export const ENVELOPE_TYPE = 'vaultkey.multisig.operation';
export const ENVELOPE_VERSION = 1;
const MAX_ENVELOPE = 4 * MAX_MESSAGE;

export interface OperationEnvelope {
  type: typeof ENVELOPE_TYPE;
  version: 1;
  group: KeyGroup;
  operation: OperationRecord;
}

const bad = (msg: string) => new VaultkeyError('INVALID_ENVELOPE', msg);

function exactKeys(o: unknown, required: string[], optional: string[], name: string): Record<string, unknown> {
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw bad(`${name} must be an object`);
  const allowed = new Set([...required, ...optional]);
  for (const k of Object.keys(o)) if (!allowed.has(k)) throw bad(`${name} has an unknown field ${JSON.stringify(k).slice(0, 40)}`);
  for (const k of required) if (!(k in o)) throw bad(`${name}.${k} is missing`);
  return o as Record<string, unknown>;
}

const isInt = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isStr = (v: unknown, max: number) => typeof v === 'string' && v.length <= max;

export async function exportEnvelope(m: MultisigManager, opId: string): Promise<string> {
  const operation = await m.get(opId);
  const group = await m.getGroup(operation.groupId);
  const env: OperationEnvelope = { type: ENVELOPE_TYPE, version: ENVELOPE_VERSION, group, operation };
  return canonicalJson(env);
}

/** Parses and fully checks an envelope against the schema, the fingerprints and the signatures. */
export function parseEnvelope(input: string | object, now: number): OperationEnvelope {
  let raw: unknown = input;
  if (typeof input === 'string') {
    if (input.length > MAX_ENVELOPE) throw bad('envelope is too large');
    try {
      raw = JSON.parse(input);
    } catch {
      throw bad('envelope is not JSON');
    }
  }
  const env = exactKeys(raw, ['type', 'version', 'group', 'operation'], [], 'envelope');
  if (env.type !== ENVELOPE_TYPE) throw bad(`envelope type must be ${ENVELOPE_TYPE}`);
  if (typeof env.version === 'number' && Number.isInteger(env.version) && env.version > ENVELOPE_VERSION) {
    throw new VaultkeyError('SCHEMA_TOO_NEW', 'this envelope was written by a newer vaultkey');
  }
  if (env.version !== ENVELOPE_VERSION) throw bad('envelope version is not supported');

  // Group: rebuilt from its definition; the stated id must be the fingerprint of that definition.
  const gIn = exactKeys(env.group, ['v', 'id', 'name', 'threshold', 'timeoutMs', 'signers'], [], 'group');
  if (gIn.v !== 1) throw bad('group.v must be 1');
  const group = buildGroup(gIn, 'INVALID_ENVELOPE');
  if (!Array.isArray(gIn.signers)) throw bad('group.signers must be an array');
  gIn.signers.forEach((s, i) => {
    exactKeys(s, ['label', 'curve', 'publicKey', 'weight'], [], `group.signers[${i}]`);
  });
  if (group.id !== gIn.id || canonicalJson(group) !== canonicalJson(gIn))
    throw bad('the group does not match its fingerprint (it was modified)');

  const o = exactKeys(
    env.operation,
    [
      'v',
      'id',
      'groupId',
      'message',
      'digestMode',
      'digest',
      'initiator',
      'description',
      'createdAt',
      'expiresAt',
      'nonce',
      'status',
      'signatures',
    ],
    ['completedAt', 'cancelledAt', 'cancelReason'],
    'operation',
  );
  if (o.v !== 1) throw bad('operation.v must be 1');
  if (o.groupId !== group.id) throw bad('operation.groupId does not name the enclosed group');
  if (!isStr(o.message, 2 * MAX_MESSAGE) || (o.message as string).length === 0) throw bad('operation.message must be hex');
  const message = fromHex(o.message, 'operation.message', 'INVALID_ENVELOPE');
  if (o.digestMode !== 'sha256' && o.digestMode !== 'prehashed') throw bad('operation.digestMode must be sha256 or prehashed');
  const digest = toHex(operationDigest(message, o.digestMode, 'INVALID_ENVELOPE'));
  if (o.digest !== digest) throw bad('operation.digest does not match the message (it was modified)');
  if (!isStr(o.initiator, 256) || !isStr(o.description, 1024)) throw bad('operation.initiator/description must be strings');
  if (!isInt(o.createdAt) || !isInt(o.expiresAt) || (o.expiresAt as number) <= (o.createdAt as number))
    throw bad('operation times are invalid');
  if (typeof o.nonce !== 'string' || !/^[0-9a-f]{32}$/.test(o.nonce)) throw bad('operation.nonce must be 16 bytes of hex');
  const idFields = {
    groupId: group.id,
    message: o.message as string,
    digestMode: o.digestMode as DigestMode,
    initiator: o.initiator as string,
    description: o.description as string,
    createdAt: o.createdAt as number,
    expiresAt: o.expiresAt as number,
    nonce: o.nonce,
  };
  if (o.id !== operationId(idFields)) throw bad('the operation does not match its id (message, group, parties or times were modified)');

  if (!Array.isArray(o.signatures) || o.signatures.length > group.signers.length)
    throw bad('operation.signatures must be an array of at most one per signer');
  const seen = new Set<string>();
  // Array.from, not .map: see buildGroup (an own "constructor" field must not pick the result's class).
  const signatures: CollectedSignature[] = Array.from(o.signatures, (x, i) => {
    const s = exactKeys(x, ['publicKey', 'signature', 'addedAt'], [], `operation.signatures[${i}]`);
    const signer = group.signers.find((g) => g.publicKey === s.publicKey);
    if (!signer) throw bad(`operation.signatures[${i}] is from a key that is not in the group`);
    if (seen.has(signer.publicKey)) throw bad(`operation.signatures[${i}] duplicates a signer`);
    seen.add(signer.publicKey);
    if (!isInt(s.addedAt)) throw bad(`operation.signatures[${i}].addedAt is invalid`);
    const sig = fromHex(s.signature, `operation.signatures[${i}].signature`, 'INVALID_ENVELOPE');
    if (sig.length !== 64 || !verifySignerSignature({ message: o.message as string, digest }, signer, sig)) {
      throw bad(`operation.signatures[${i}] (${signer.label}) does not verify`);
    }
    return { publicKey: signer.publicKey, signature: toHex(sig), addedAt: s.addedAt as number };
  });

  // Status is recomputed, never believed: COMPLETE only with the weight behind it; CANCELLED is
  // unauthenticated but can only ever stop an operation (fail-safe).
  const weight = signedWeight(group, signatures);
  const stated = o.status as OperationStatus;
  if (!['PENDING', 'THRESHOLD_MET', 'COMPLETE', 'CANCELLED', 'EXPIRED'].includes(stated)) throw bad('operation.status is not a status');
  let status: OperationStatus = weight >= group.threshold ? 'THRESHOLD_MET' : 'PENDING';
  const op: OperationRecord = { v: 1, id: o.id as string, ...idFields, digest, status, signatures };
  if (stated === 'COMPLETE') {
    if (status !== 'THRESHOLD_MET') throw bad('operation claims COMPLETE without reaching the threshold');
    status = 'COMPLETE';
    if (isInt(o.completedAt)) op.completedAt = o.completedAt as number;
  } else if (stated === 'CANCELLED') {
    if (!isStr(o.cancelReason, 1024)) throw bad('a cancelled operation needs its reason');
    status = 'CANCELLED';
    op.cancelReason = o.cancelReason as string;
    if (isInt(o.cancelledAt)) op.cancelledAt = o.cancelledAt as number;
  } else if (now >= op.expiresAt) status = 'EXPIRED';
  op.status = status;
  return { type: ENVELOPE_TYPE, version: 1, group, operation: op };
}

export interface ImportOptions {
  /**
   * Accept a group this device does not know yet. Off by default: otherwise anyone could send an
   * envelope with a group of their own keys. Compare the group id (its fingerprint) out of band first.
   */
  trustGroup?: boolean;
}

/**
 * Imports an envelope into `m`, merging its verified signatures with the local copy of the
 * operation (if any). Local terminal states (COMPLETE, CANCELLED, EXPIRED) win.
 */
export async function importEnvelope(m: MultisigManager, input: string | object, opts: ImportOptions = {}): Promise<OperationRecord> {
  let env: OperationEnvelope;
  try {
    env = parseEnvelope(input, m.now());
  } catch (e) {
    // Checking a signature needs its curve's verification module, a lazy part (src/core/parts.ts):
    // load both and parse again (parsing changes nothing).
    if (!(e instanceof VaultkeyError && e.code === 'NOT_INITIALIZED')) throw e;
    await Promise.all([initEd25519(), initSecp256k1Verify()]);
    env = parseEnvelope(input, m.now());
  }
  const known = await m.store.getGroup(env.group.id);
  if (!known) {
    if (!opts.trustGroup)
      throw new VaultkeyError(
        'UNKNOWN_GROUP',
        'the envelope names a key group this device does not know (pass trustGroup after checking its id)',
      );
    await m.store.putGroup(env.group);
  }
  const g = env.group;
  const incoming = env.operation;
  const out = await m.store.update(incoming.id, (local) => {
    if (!local) return incoming;
    const sigs = [...local.signatures];
    for (const s of incoming.signatures) if (!sigs.some((x) => x.publicKey === s.publicKey)) sigs.push(s);
    const merged: OperationRecord = { ...local, signatures: sigs };
    if (local.status === 'PENDING' || local.status === 'THRESHOLD_MET') {
      if (incoming.status === 'CANCELLED' || incoming.status === 'COMPLETE' || incoming.status === 'EXPIRED') {
        merged.status = incoming.status;
        if (incoming.cancelReason !== undefined) merged.cancelReason = incoming.cancelReason;
        if (incoming.cancelledAt !== undefined) merged.cancelledAt = incoming.cancelledAt;
        if (incoming.completedAt !== undefined) merged.completedAt = incoming.completedAt;
      } else merged.status = signedWeight(g, sigs) >= g.threshold ? 'THRESHOLD_MET' : 'PENDING';
    }
    return merged;
  });
  return out!;
}
