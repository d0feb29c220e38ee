// Shared IndexedDB plumbing for the key-management stores (audit log,
// principals, multisig): one lazily opened connection that closes itself when
// another tab needs to upgrade the schema (`blocking`), and IndexedDB failures
// mapped to coded errors.
import { openDB, type IDBPDatabase } from 'idb';
import { VaultkeyError } from '../errors.js';

/** Wraps an IndexedDB failure (quota, newer schema, abort) in a coded error naming `what` failed. */
export function storageError(cause: unknown, what: string): VaultkeyError {
  if (cause instanceof VaultkeyError) return cause;
  const name = (cause as DOMException)?.name;
  if (name === 'QuotaExceededError')
    return new VaultkeyError('QUOTA_EXCEEDED', `the browser refused to store more ${what} data for this site`);
  if (name === 'VersionError') return new VaultkeyError('SCHEMA_TOO_NEW', `the ${what} database was written by a newer vaultkey`);
  return new VaultkeyError('STORAGE_FAILED', `the ${what} database failed (${name ?? 'error'})`);
}

/** Store names end up in database names: keep them short and plain. */
export function checkStoreName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw new VaultkeyError('INVALID_ARGUMENT', `${what} store name must be 1-64 characters of [A-Za-z0-9_.-]`);
  }
  return name;
}

export class LazyDb {
  #db: Promise<IDBPDatabase> | undefined;

  constructor(
    readonly name: string,
    readonly version: number,
    readonly what: string,
    private readonly upgrade: (db: IDBPDatabase, oldVersion: number) => void,
  ) {}

  open(): Promise<IDBPDatabase> {
    if (typeof indexedDB === 'undefined') return Promise.reject(new VaultkeyError('UNSUPPORTED', 'IndexedDB is not available here'));
    return (this.#db ??= openDB(this.name, this.version, {
      upgrade: (db, oldVersion) => this.upgrade(db, oldVersion),
      // Another tab wants a newer schema: let it proceed; we reopen on next use.
      blocking: () => this.close(),
      terminated: () => {
        this.#db = undefined;
      },
    }).catch((e) => {
      this.#db = undefined;
      throw storageError(e, this.what);
    }));
  }

  close(): void {
    const d = this.#db;
    this.#db = undefined;
    void d?.then(
      (db) => db.close(),
      () => {},
    );
  }
}
