// IndexedDB (through `idb`) store for lifecycle records: its own database,
// one object store keyed by keyId, each commit in one readwrite transaction
// (compare-and-set of every record, then the puts; abort on any mismatch, so
// no partial write). Only IndexedDB requests are awaited inside the
// transaction, since it auto-commits as soon as none is pending.
import { openDB, type IDBPDatabase } from 'idb';
import { VaultkeyError } from '../errors.js';
import type { LifecycleRecord } from './states.js';
import { checkRevision, type LifecycleStore } from './store.js';

const DB_VERSION = 1;
const RECORDS = 'records';

export function lifecycleDbName(name: string): string {
  return `vaultkey-lifecycle:${name}`;
}

export class IdbLifecycleStore implements LifecycleStore {
  readonly #db: IDBPDatabase<unknown>;

  private constructor(db: IDBPDatabase<unknown>) {
    this.#db = db;
  }

  /** Opens (creating on first use) the lifecycle database of vault `name`. */
  static async open(name: string): Promise<IdbLifecycleStore> {
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'store name must be 1-64 characters of [A-Za-z0-9_.-]');
    }
    if (typeof indexedDB === 'undefined') throw new VaultkeyError('UNSUPPORTED', 'IndexedDB is not available here');
    let store: IdbLifecycleStore | undefined;
    try {
      const db = await openDB(lifecycleDbName(name), DB_VERSION, {
        upgrade(db, oldVersion) {
          // v1: one object store of LifecycleRecord, keyPath keyId.
          if (oldVersion < 1) db.createObjectStore(RECORDS, { keyPath: 'keyId' });
        },
        // Another tab upgrading: let it, we are closed from now on.
        blocking() {
          store?.close();
        },
      });
      store = new IdbLifecycleStore(db);
      return store;
    } catch (cause) {
      if ((cause as DOMException)?.name === 'VersionError') {
        throw new VaultkeyError('SCHEMA_TOO_NEW', 'lifecycle records were written by a newer vaultkey');
      }
      throw new VaultkeyError('STORAGE_FAILED', `could not open the lifecycle database (${(cause as Error)?.name ?? 'error'})`);
    }
  }

  close(): void {
    this.#db.close();
  }

  async get(keyId: string): Promise<LifecycleRecord | undefined> {
    return (await this.#db.get(RECORDS, keyId)) as LifecycleRecord | undefined;
  }

  async list(): Promise<LifecycleRecord[]> {
    return (await this.#db.getAll(RECORDS)) as LifecycleRecord[];
  }

  async commit(records: LifecycleRecord[]): Promise<void> {
    const tx = this.#db.transaction(RECORDS, 'readwrite', { durability: 'strict' });
    const os = tx.objectStore(RECORDS);
    try {
      const stored = await Promise.all(records.map((r) => os.get(r.keyId) as Promise<LifecycleRecord | undefined>));
      const seen = new Set<string>();
      records.forEach((r, i) => {
        if (seen.has(r.keyId)) throw new VaultkeyError('INVALID_ARGUMENT', `record ${r.keyId} twice in one commit`);
        seen.add(r.keyId);
        checkRevision(r, stored[i]);
      });
      await Promise.all(records.map((r) => os.put(r)));
      await tx.done;
    } catch (cause) {
      try {
        tx.abort();
      } catch {
        // already finished or aborted
      }
      await tx.done.catch(() => {}); // rejects because of the abort above; the cause is rethrown below
      if (cause instanceof VaultkeyError) throw cause;
      if ((cause as DOMException)?.name === 'QuotaExceededError') {
        throw new VaultkeyError('QUOTA_EXCEEDED', 'no storage space left for lifecycle records');
      }
      throw new VaultkeyError('STORAGE_FAILED', `lifecycle write failed (${(cause as Error)?.name ?? 'error'})`);
    }
  }
}
