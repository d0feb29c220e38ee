// IndexedDB storage for the audit log, in its own database
// (`vaultkey-audit:<name>`) so it never touches the vault's schema.
// Same rules as src/vault/db.ts: cumulative upgrades, strict durability, and
// nothing but IndexedDB requests awaited inside a transaction (the HMACs are
// computed before the transaction opens; the head check makes it a CAS).
import type { IDBPDatabase } from 'idb';
import { LazyDb, checkStoreName, storageError } from '../storage/idb.js';
import type { AuditEntry, AuditHead, AuditStore } from './audit.js';

export const AUDIT_DB_VERSION = 1;
const ENTRIES = 'entries';
const META = 'meta';
const HEAD_ID = 'head';

export function auditDbName(name: string): string {
  return `vaultkey-audit:${checkStoreName(name, 'audit log')}`;
}

export class IdbAuditStore implements AuditStore {
  readonly dbName: string;
  readonly #conn: LazyDb;

  /** `name` is normally the vault name, so each vault has its own chain. */
  constructor(name: string) {
    this.dbName = auditDbName(name);
    this.#conn = new LazyDb(this.dbName, AUDIT_DB_VERSION, 'audit', (db, oldVersion) => {
      // v1: entries keyed by their seq (in-line key, so an entry cannot sit under another seq), one head record.
      if (oldVersion < 1) {
        db.createObjectStore(ENTRIES, { keyPath: 'seq' });
        db.createObjectStore(META, { keyPath: 'id' });
      }
    });
  }

  #open(): Promise<IDBPDatabase> {
    return this.#conn.open();
  }

  close(): void {
    this.#conn.close();
  }

  async head(): Promise<AuditHead | undefined> {
    try {
      const rec = await (await this.#open()).get(META, HEAD_ID);
      if (!rec) return undefined;
      const { id: _id, ...h } = rec as AuditHead & { id: string };
      return h;
    } catch (e) {
      throw storageError(e, 'audit');
    }
  }

  async append(entry: AuditEntry, head: AuditHead, expectedSeq: number): Promise<boolean> {
    const db = await this.#open();
    try {
      const tx = db.transaction([ENTRIES, META], 'readwrite', { durability: 'strict' });
      const cur = (await tx.objectStore(META).get(HEAD_ID)) as AuditHead | undefined;
      if ((cur?.seq ?? -1) !== expectedSeq || (await tx.objectStore(ENTRIES).getKey(entry.seq)) !== undefined) {
        tx.abort();
        await tx.done.catch(() => {}); // rejects because of the abort above: the CAS lost, reported as false
        return false;
      }
      await tx.objectStore(ENTRIES).add(entry);
      await tx.objectStore(META).put({ id: HEAD_ID, ...head });
      await tx.done;
      return true;
    } catch (e) {
      throw storageError(e, 'audit');
    }
  }

  async entries(): Promise<unknown[]> {
    try {
      return await (await this.#open()).getAll(ENTRIES);
    } catch (e) {
      throw storageError(e, 'audit');
    }
  }
}
