// IndexedDB storage for key groups and operations, in its own database
// (`vaultkey-multisig:<name>`). `update` runs get -> fn -> put in one
// readwrite transaction: fn is synchronous (signature checks are synchronous
// WASM calls after init()), so nothing but IndexedDB requests is awaited
// inside it and two tabs adding signatures cannot lose one another's.
import type { IDBPDatabase } from 'idb';
import { LazyDb, checkStoreName, storageError } from '../storage/idb.js';
import type { KeyGroup, MultisigStore, OperationRecord } from './types.js';

export const MULTISIG_DB_VERSION = 1;
const GROUPS = 'groups';
const OPS = 'operations';

export class IdbMultisigStore implements MultisigStore {
  readonly dbName: string;
  readonly #conn: LazyDb;

  constructor(name: string) {
    checkStoreName(name, 'multisig');
    this.dbName = `vaultkey-multisig:${name}`;
    this.#conn = new LazyDb(this.dbName, MULTISIG_DB_VERSION, 'multisig', (db, oldVersion) => {
      if (oldVersion < 1) {
        db.createObjectStore(GROUPS, { keyPath: 'id' });
        db.createObjectStore(OPS, { keyPath: 'id' }).createIndex('groupId', 'groupId');
      }
    });
  }

  #open(): Promise<IDBPDatabase> {
    return this.#conn.open();
  }

  close(): void {
    this.#conn.close();
  }

  async #run<T>(f: (db: IDBPDatabase) => Promise<T>): Promise<T> {
    try {
      return await f(await this.#open());
    } catch (e) {
      throw storageError(e, 'multisig');
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
    return this.#run(
      (db) => (groupId === undefined ? db.getAll(OPS) : db.getAllFromIndex(OPS, 'groupId', groupId)) as Promise<OperationRecord[]>,
    );
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
        await tx.done.catch(() => {}); // the abort we just asked for rejects `done`; the original error is rethrown below
        throw e;
      }
      if (next) await tx.store.put(next);
      await tx.done;
      return next ?? cur;
    });
  }
}
