// IndexedDB storage for key groups and operations, in its own database
// (`vaultkey-multisig:<name>`). `update` runs get -> fn -> put in one
// readwrite transaction: fn is synchronous (signature checks are synchronous
// WASM calls after init()), so nothing but IndexedDB requests is awaited
// inside it and two tabs adding signatures cannot lose one another's.
import { openDB, type IDBPDatabase } from 'idb';
import { VaultkeyError } from '../errors.js';
import type { KeyGroup, MultisigStore, OperationRecord } from './types.js';

export const MULTISIG_DB_VERSION = 1;
const GROUPS = 'groups';
const OPS = 'operations';

function storageError(cause: unknown): VaultkeyError {
  if (cause instanceof VaultkeyError) return cause;
  const name = (cause as DOMException)?.name;
  if (name === 'QuotaExceededError') return new VaultkeyError('QUOTA_EXCEEDED', 'the browser refused to store more multisig data for this site');
  if (name === 'VersionError') return new VaultkeyError('SCHEMA_TOO_NEW', 'this multisig database was written by a newer vaultkey');
  return new VaultkeyError('STORAGE_FAILED', `the multisig database failed (${name ?? 'error'})`);
}

export class IdbMultisigStore implements MultisigStore {
  readonly dbName: string;
  #db: Promise<IDBPDatabase> | undefined;

  constructor(name: string) {
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'multisig store name must be 1-64 characters of [A-Za-z0-9_.-]');
    }
    this.dbName = `vaultkey-multisig:${name}`;
  }

  #open(): Promise<IDBPDatabase> {
    if (typeof indexedDB === 'undefined') return Promise.reject(new VaultkeyError('UNSUPPORTED', 'IndexedDB is not available here'));
    return (this.#db ??= openDB(this.dbName, MULTISIG_DB_VERSION, {
      upgrade(db, oldVersion) {
        if (oldVersion < 1) {
          db.createObjectStore(GROUPS, { keyPath: 'id' });
          db.createObjectStore(OPS, { keyPath: 'id' }).createIndex('groupId', 'groupId');
        }
      },
      blocking: () => this.close(),
      terminated: () => {
        this.#db = undefined;
      },
    }).catch((e) => {
      this.#db = undefined;
      throw storageError(e);
    }));
  }

  close(): void {
    const d = this.#db;
    this.#db = undefined;
    void d?.then((db) => db.close(), () => {});
  }

  async #run<T>(f: (db: IDBPDatabase) => Promise<T>): Promise<T> {
    try {
      return await f(await this.#open());
    } catch (e) {
      throw storageError(e);
    }
  }

  getGroup(id: string) {
    return this.#run((db) => db.get(GROUPS, id) as Promise<KeyGroup | undefined>);
  }
  putGroup(g: KeyGroup) {
    return this.#run(async (db) => {
      await db.put(GROUPS, g);
    });
  }
  listGroups() {
    return this.#run((db) => db.getAll(GROUPS) as Promise<KeyGroup[]>);
  }
  getOperation(id: string) {
    return this.#run((db) => db.get(OPS, id) as Promise<OperationRecord | undefined>);
  }
  listOperations(groupId?: string) {
    return this.#run((db) => (groupId === undefined ? db.getAll(OPS) : db.getAllFromIndex(OPS, 'groupId', groupId)) as Promise<OperationRecord[]>);
  }
  update(id: string, fn: (op: OperationRecord | undefined) => OperationRecord | undefined) {
    return this.#run(async (db) => {
      const tx = db.transaction(OPS, 'readwrite', { durability: 'strict' });
      const cur = (await tx.store.get(id)) as OperationRecord | undefined;
      let next: OperationRecord | undefined;
      try {
        next = fn(cur && structuredClone(cur));
      } catch (e) {
        tx.abort();
        await tx.done.catch(() => {});
        throw e;
      }
      if (next) await tx.store.put(next);
      await tx.done;
      return next ?? cur;
    });
  }
}
