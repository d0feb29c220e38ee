// IndexedDB storage for the audit log, in its own database
// (`vaultkey-audit:<name>`) so it never touches the vault's schema.
// Same rules as src/vault/db.ts: cumulative upgrades, strict durability, and
// nothing but IndexedDB requests awaited inside a transaction (the HMACs are
// computed before the transaction opens; the head check makes it a CAS).
import { openDB, type IDBPDatabase } from 'idb';
import { VaultkeyError } from '../errors.js';
import type { AuditEntry, AuditHead, AuditStore } from './audit.js';

export const AUDIT_DB_VERSION = 1;
const ENTRIES = 'entries';
const META = 'meta';
const HEAD_ID = 'head';

function storageError(cause: unknown): VaultkeyError {
  if (cause instanceof VaultkeyError) return cause;
  const name = (cause as DOMException)?.name;
  if (name === 'QuotaExceededError') return new VaultkeyError('QUOTA_EXCEEDED', 'the browser refused to store more audit data for this site');
  if (name === 'VersionError') return new VaultkeyError('SCHEMA_TOO_NEW', 'this audit log was written by a newer vaultkey');
  return new VaultkeyError('STORAGE_FAILED', `the audit database failed (${name ?? 'error'})`);
}

export function auditDbName(name: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'audit log name must be 1-64 characters of [A-Za-z0-9_.-]');
  }
  return `vaultkey-audit:${name}`;
}

export class IdbAuditStore implements AuditStore {
  readonly dbName: string;
  #db: Promise<IDBPDatabase> | undefined;

  /** `name` is normally the vault name, so each vault has its own chain. */
  constructor(name: string) {
    this.dbName = auditDbName(name);
  }

  #open(): Promise<IDBPDatabase> {
    if (typeof indexedDB === 'undefined') return Promise.reject(new VaultkeyError('UNSUPPORTED', 'IndexedDB is not available here'));
    return (this.#db ??= openDB(this.dbName, AUDIT_DB_VERSION, {
      upgrade(db, oldVersion) {
        // v1: entries keyed by their seq (in-line key, so an entry cannot sit under another seq), one head record.
        if (oldVersion < 1) {
          db.createObjectStore(ENTRIES, { keyPath: 'seq' });
          db.createObjectStore(META, { keyPath: 'id' });
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

  async head(): Promise<AuditHead | undefined> {
    try {
      const rec = await (await this.#open()).get(META, HEAD_ID);
      if (!rec) return undefined;
      const { id: _id, ...h } = rec as AuditHead & { id: string };
      return h;
    } catch (e) {
      throw storageError(e);
    }
  }

  async append(entry: AuditEntry, head: AuditHead, expectedSeq: number): Promise<boolean> {
    const db = await this.#open();
    try {
      const tx = db.transaction([ENTRIES, META], 'readwrite', { durability: 'strict' });
      const cur = (await tx.objectStore(META).get(HEAD_ID)) as AuditHead | undefined;
      if ((cur?.seq ?? -1) !== expectedSeq || (await tx.objectStore(ENTRIES).getKey(entry.seq)) !== undefined) {
        tx.abort();
        await tx.done.catch(() => {});
        return false;
      }
      await tx.objectStore(ENTRIES).add(entry);
      await tx.objectStore(META).put({ id: HEAD_ID, ...head });
      await tx.done;
      return true;
    } catch (e) {
      throw storageError(e);
    }
  }

  async entries(): Promise<unknown[]> {
    try {
      return await (await this.#open()).getAll(ENTRIES);
    } catch (e) {
      throw storageError(e);
    }
  }
}
