// Key states and the transitions between them.
//
// The main path is Created -> Active -> Rotating -> Deactivated -> Archived
// -> Destroyed, with Active <-> Suspended beside it. Two special states
// (Compromised, Expired) sit off that path; the edges we chose for them are
// marked "special" below and listed in docs/lifecycle.md "States and
// transitions".
//
//   from         -> to            name         kind
//   created      -> active        activate     main path
//   active       -> suspended     suspend      main path
//   suspended    -> active        reactivate   main path
//   active       -> rotating      rotate       main path
//   rotating     -> active        abort        main path (for the OLD key this edge means
//                                              "rotation did not complete": the new key
//                                              has its own record, Created -> Active)
//   rotating     -> deactivated   complete     main path (grace period over)
//   deactivated  -> archived      archive      main path
//   archived     -> destroyed     destroy      main path
//   created|active|suspended|rotating|deactivated|archived|expired
//                -> compromised   compromise   special: a key can be found leaked at any time
//                                              while its secret still exists
//   active|suspended -> expired   expire       special: the key is past its expiration date
//   expired      -> deactivated   retire       special: an expired key leaves service
//   compromised  -> archived      archive      special: kept (unusable) for investigation
//   compromised  -> destroyed     destroy      special: secret deleted at once
//
// Everything else, including staying in the same state, is INVALID_TRANSITION.
// Destroyed is terminal.
import { VaultkeyError } from '../errors.js';

export const KEY_STATES = [
  'created',
  'active',
  'suspended',
  'rotating',
  'deactivated',
  'archived',
  'destroyed',
  'compromised',
  'expired',
] as const;

export type KeyState = (typeof KEY_STATES)[number];

/** Allowed next states for each state (see the table at the top of this file). */
export const TRANSITIONS: Readonly<Record<KeyState, readonly KeyState[]>> = Object.freeze({
  created: Object.freeze(['active', 'compromised'] as const),
  active: Object.freeze(['suspended', 'rotating', 'deactivated', 'compromised', 'expired'] as const),
  suspended: Object.freeze(['active', 'deactivated', 'compromised', 'expired'] as const),
  rotating: Object.freeze(['active', 'deactivated', 'compromised'] as const),
  deactivated: Object.freeze(['archived', 'compromised'] as const),
  archived: Object.freeze(['destroyed', 'compromised'] as const),
  destroyed: Object.freeze([] as const),
  compromised: Object.freeze(['archived', 'destroyed'] as const),
  expired: Object.freeze(['deactivated', 'compromised'] as const),
});

export function isKeyState(value: unknown): value is KeyState {
  return typeof value === 'string' && (KEY_STATES as readonly string[]).includes(value);
}

export function assertKeyState(value: unknown, name = 'state'): asserts value is KeyState {
  if (!isKeyState(value)) {
    throw new VaultkeyError('INVALID_STATE', `${name} must be one of ${KEY_STATES.join(', ')}`);
  }
}

export function canTransition(from: KeyState, to: KeyState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** One entry of a record's history: who moved the key, when, and why. */
export interface TransitionEntry {
  from: KeyState | null; // null for the creation entry
  to: KeyState;
  actor: string;
  reason: string;
  at: number; // ms since the epoch, from the injected clock
}

export type KeyKind = 'hd' | 'imported' | 'hardware';

export type RotationTrigger = 'interval' | 'usage' | 'security-event' | 'manual';

/**
 * The lifecycle record of one managed key. Storage-agnostic plain data
 * (structured-cloneable), never holds secret material.
 */
export interface LifecycleRecord {
  keyId: string;
  /** Id without the version suffix: `treasury` for `treasury-v3`. */
  baseId: string;
  /** 1 for the first key; the id of version n > 1 is `${baseId}-v${n}`. */
  version: number;
  kind: KeyKind;
  algorithm: string | null;
  fingerprint: string | null;
  policy: string;
  state: KeyState;
  createdAt: number;
  activatedAt: number | null;
  /** activatedAt + maxActiveAgeDays. */
  rotationDueAt: number | null;
  /** activatedAt + expirationDays. */
  expiresAt: number | null;
  /** While rotating: when the old key stops verifying and is deactivated. */
  graceEndsAt: number | null;
  usageCount: number;
  lastUsedAt: number | null;
  predecessor: string | null;
  successor: string | null;
  rotationTrigger: RotationTrigger | null;
  /** Notices already emitted for this record (so one event per notice, across tabs). */
  notices: string[];
  /** Opaque to the lifecycle: what the vault needs (HD path/index, vault record id...). */
  meta: Record<string, unknown>;
  history: TransitionEntry[];
  /** Incremented on every write; stores compare it to refuse lost updates (CONFLICT). */
  revision: number;
}

export interface TransitionInfo {
  actor: string;
  reason: string;
  at: number;
}

function checkInfo(info: TransitionInfo): void {
  if (!info || typeof info !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'transition info is required');
  if (typeof info.actor !== 'string' || info.actor.length === 0 || info.actor.length > 256) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'actor must be a non-empty string of at most 256 characters');
  }
  if (typeof info.reason !== 'string' || info.reason.length > 1024) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'reason must be a string of at most 1024 characters');
  }
  if (typeof info.at !== 'number' || !Number.isFinite(info.at)) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'at must be a finite timestamp in ms');
  }
}

/**
 * Returns a copy of `record` moved to `to`, with the move appended to its
 * history. The input is not modified, so a failed store write leaves the
 * caller's copy intact. Forbidden moves throw INVALID_TRANSITION.
 */
export function transition(record: LifecycleRecord, to: KeyState, info: TransitionInfo): LifecycleRecord {
  assertKeyState(record?.state, 'record.state');
  assertKeyState(to, 'target state');
  checkInfo(info);
  const from = record.state;
  if (!canTransition(from, to)) {
    throw new VaultkeyError('INVALID_TRANSITION', `key ${record.keyId} cannot go from ${from} to ${to}`);
  }
  return {
    ...record,
    state: to,
    notices: [...record.notices],
    meta: { ...record.meta },
    history: [...record.history, { from, to, actor: info.actor, reason: info.reason, at: info.at }],
  };
}
