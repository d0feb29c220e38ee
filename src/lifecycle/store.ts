// Where lifecycle records live. The manager only needs these three calls, so
// the vault can keep records next to its wrapped secrets (one database) or
// use IdbLifecycleStore (idb-store.ts); MemoryLifecycleStore serves tests.
import { VaultkeyError } from '../errors.js';
import type { LifecycleRecord } from './states.js';

export interface LifecycleStore {
  get(keyId: string): Promise<LifecycleRecord | undefined>;
  list(): Promise<LifecycleRecord[]>;
  /**
   * Writes every record in ONE atomic step (all or nothing). Compare-and-set:
   * a record with `revision` 1 must not exist yet; any other record must be
   * stored with `revision - 1`. Otherwise nothing is written and the store
   * throws VaultkeyError CONFLICT. This is what makes a rotation happen once
   * even when two tabs (or a tab without Web Locks) evaluate at the same time.
   */
  commit(records: LifecycleRecord[]): Promise<void>;
}

export function conflict(keyId: string): VaultkeyError {
  return new VaultkeyError('CONFLICT', `lifecycle record ${keyId} was changed by someone else; reload and retry`);
}

/** Checks one write against the stored copy (shared by the stores). */
export function checkRevision(next: LifecycleRecord, stored: LifecycleRecord | undefined): void {
  if (!Number.isSafeInteger(next.revision) || next.revision < 1) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'record revision must be a positive integer');
  }
  const expected = next.revision === 1 ? undefined : next.revision - 1;
  if ((stored?.revision ?? undefined) !== expected) throw conflict(next.keyId);
}

/** In-memory store; copies on the way in and out like IndexedDB does. */
export class MemoryLifecycleStore implements LifecycleStore {
  readonly #records = new Map<string, LifecycleRecord>();

  async get(keyId: string): Promise<LifecycleRecord | undefined> {
    const r = this.#records.get(keyId);
    return r && structuredClone(r);
  }

  async list(): Promise<LifecycleRecord[]> {
    return [...this.#records.values()].map((r) => structuredClone(r));
  }

  async commit(records: LifecycleRecord[]): Promise<void> {
    const ids = new Set<string>();
    for (const r of records) {
      if (ids.has(r.keyId)) throw new VaultkeyError('INVALID_ARGUMENT', `record ${r.keyId} twice in one commit`);
      ids.add(r.keyId);
      checkRevision(r, this.#records.get(r.keyId));
    }
    // All checks passed before the first write: all or nothing.
    for (const r of records) this.#records.set(r.keyId, structuredClone(r));
  }
}
