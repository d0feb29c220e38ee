// The vault's IndexedDB database (through `idb`), opened inside the vault worker.
//
// Rules this file follows (IndexedDB 3.0):
// - migrations are cumulative `oldVersion < N` steps in the upgrade transaction,
//   so a database from any older release walks every step in order;
// - a database newer than this code (VersionError on open) is reported as
//   SCHEMA_TOO_NEW and left untouched;
// - `blocking` (another tab wants to upgrade) closes our connection, so that
//   tab's upgrade is not stuck behind us; the next call reopens;
// - write transactions use `durability: 'strict'` (flushed to disk before
//   `complete`), and nothing but IndexedDB requests is awaited inside one,
//   since a transaction auto-commits as soon as it has no pending request.
import { openDB, type IDBPDatabase } from 'idb';
import { VaultkeyError } from '../errors.js';
import { DB_VERSION, STORES } from './format.js';
import { storageError as sharedStorageError } from '../storage/idb.js';

export type VaultDB = IDBPDatabase<unknown>;

export function dbName(name: string): string {
  return `vaultkey:${name}`;
}

export function checkName(name: unknown): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'vault name must be 1-64 characters of [A-Za-z0-9_.-]');
  }
  return name;
}

export interface DbHandle {
  get(): Promise<VaultDB>;
  close(): void;
}

/** A lazily (re)opened connection. */
export function database(name: string): DbHandle {
  let current: Promise<VaultDB> | undefined;
  const open = async (): Promise<VaultDB> => {
    if (typeof indexedDB === 'undefined') throw new VaultkeyError('UNSUPPORTED', 'IndexedDB is not available here');
    try {
      const db = await openDB(dbName(name), DB_VERSION, {
        upgrade(db, oldVersion) {
          // v1: the vault record, unlock methods and encrypted secrets.
          if (oldVersion < 1) {
            db.createObjectStore(STORES.meta, { keyPath: 'id' });
            db.createObjectStore(STORES.methods, { keyPath: 'id' });
            const secrets = db.createObjectStore(STORES.secrets, { keyPath: 'id' });
            secrets.createIndex('keyId', 'keyId');
          }
          // v2: persisted BIP-44 account state (public: xpub and next/used indices).
          if (oldVersion < 2) {
            const accounts = db.createObjectStore(STORES.accounts, { keyPath: 'id' });
            accounts.createIndex('keyId', 'keyId');
          }
          // v3: governance beside the secrets (lifecycle records, principals, the audit chain), so
          // a signature's usage count and audit entry commit in the same transaction.
          if (oldVersion < 3) {
            db.createObjectStore(STORES.lifecycle, { keyPath: 'id' });
            db.createObjectStore(STORES.principals, { keyPath: 'id' });
            db.createObjectStore(STORES.audit, { keyPath: 'seq' });
          }
        },
        blocking() {
          db.close();
          current = undefined;
        },
        terminated() {
          current = undefined;
        },
      });
      return db;
    } catch (cause) {
      current = undefined;
      if ((cause as DOMException)?.name === 'VersionError') {
        throw new VaultkeyError('SCHEMA_TOO_NEW', 'this vault was written by a newer vaultkey; update the app (the data is untouched)');
      }
      if (cause instanceof VaultkeyError) throw cause;
      throw new VaultkeyError('STORAGE_FAILED', `could not open the vault database (${(cause as Error)?.name ?? 'error'})`);
    }
  };
  return {
    get: () => (current ??= open()),
    close() {
      const c = current;
      current = undefined;
      void c?.then(
        (db) => db.close(),
        () => {},
      );
    },
  };
}

/** Wraps IndexedDB failures (quota, abort) in a coded error (src/storage/idb.ts). */
export function storageError(cause: unknown): VaultkeyError {
  return sharedStorageError(cause, 'vault');
}
