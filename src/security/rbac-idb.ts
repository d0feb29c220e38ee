// IndexedDB storage for principals (`vaultkey-principals:<name>`), each record
// MAC'd (HMAC-SHA256 under a key HKDF-derived from the vault key with its own
// info string), so script that can write IndexedDB but not unlock the vault
// cannot grant itself a role: a forged or edited record fails closed with
// CORRUPTED. Limit (docs/security.md): an older, genuine record can be
// written back (rollback) since nothing outside IndexedDB remembers versions.
import { openDB, type IDBPDatabase } from 'idb';
import { VaultkeyError } from '../errors.js';
import { b64url, bytesEqual, canonicalJson, utf8 } from './canonical.js';
import { checkChainKey, deriveHmacKey, hmac } from './audit.js';
import type { Principal, PrincipalStore } from './rbac.js';

export const PRINCIPALS_HKDF_INFO = 'vaultkey/v1 principals HMAC-SHA256';
const STORE = 'principals';

/** The principal-record key: deriveHmacKey(vault key, PRINCIPALS_HKDF_INFO). */
export function derivePrincipalKey(ikm: Uint8Array | CryptoKey): Promise<CryptoKey> {
  return deriveHmacKey(ikm, PRINCIPALS_HKDF_INFO);
}

interface Row {
  id: string;
  principal: Principal;
  mac: string;
}

function storageError(cause: unknown): VaultkeyError {
  if (cause instanceof VaultkeyError) return cause;
  const name = (cause as DOMException)?.name;
  if (name === 'QuotaExceededError') return new VaultkeyError('QUOTA_EXCEEDED', 'the browser refused to store more data for this site');
  return new VaultkeyError('STORAGE_FAILED', `the principal database failed (${name ?? 'error'})`);
}

export class IdbPrincipalStore implements PrincipalStore {
  readonly dbName: string;
  readonly #key: CryptoKey;
  #db: Promise<IDBPDatabase> | undefined;

  constructor(name: string, macKey: CryptoKey) {
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'principal store name must be 1-64 characters of [A-Za-z0-9_.-]');
    }
    this.dbName = `vaultkey-principals:${name}`;
    this.#key = checkChainKey(macKey, 'the principal record key');
  }

  #open(): Promise<IDBPDatabase> {
    if (typeof indexedDB === 'undefined') return Promise.reject(new VaultkeyError('UNSUPPORTED', 'IndexedDB is not available here'));
    return (this.#db ??= openDB(this.dbName, 1, {
      upgrade(db, oldVersion) {
        if (oldVersion < 1) db.createObjectStore(STORE, { keyPath: 'id' });
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

  async #mac(p: Principal): Promise<string> {
    return b64url(await hmac(this.#key, canonicalJson({ principal: p })));
  }

  async #check(row: unknown, id?: string): Promise<Principal> {
    const r = row as Row;
    let ok = false;
    try {
      ok = !!r && typeof r.mac === 'string' && !!r.principal && r.principal.id === r.id && (id === undefined || r.id === id)
        && bytesEqual(utf8(await this.#mac(r.principal)), utf8(r.mac));
    } catch {
      ok = false;
    }
    if (!ok) throw new VaultkeyError('CORRUPTED', 'a principal record failed its integrity check (edited outside vaultkey?)');
    return r.principal;
  }

  async get(id: string): Promise<Principal | undefined> {
    let row: unknown;
    try {
      row = await (await this.#open()).get(STORE, id);
    } catch (e) {
      throw storageError(e);
    }
    return row === undefined ? undefined : this.#check(row, id);
  }

  async put(p: Principal): Promise<void> {
    const row: Row = { id: p.id, principal: p, mac: await this.#mac(p) };
    try {
      await (await this.#open()).put(STORE, row);
    } catch (e) {
      throw storageError(e);
    }
  }

  async delete(id: string): Promise<void> {
    try {
      await (await this.#open()).delete(STORE, id);
    } catch (e) {
      throw storageError(e);
    }
  }

  async list(): Promise<Principal[]> {
    let rows: unknown[];
    try {
      rows = await (await this.#open()).getAll(STORE);
    } catch (e) {
      throw storageError(e);
    }
    return Promise.all(rows.map((r) => this.#check(r)));
  }
}
