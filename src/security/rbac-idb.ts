// IndexedDB storage for principals (`vaultkey-principals:<name>`), each record
// MAC'd (HMAC-SHA256 under a key HKDF-derived from the vault key with its own
// info string), so script that can write IndexedDB but not unlock the vault
// cannot grant itself a role: a forged or edited record fails closed with
// CORRUPTED. Limit (docs/security.md): an older, genuine record can be
// written back (rollback) since nothing outside IndexedDB remembers versions.
import type { IDBPDatabase } from 'idb';
import { LazyDb, checkStoreName, storageError } from '../storage/idb.js';
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

export class IdbPrincipalStore implements PrincipalStore {
  readonly dbName: string;
  readonly #key: CryptoKey;
  readonly #conn: LazyDb;

  constructor(name: string, macKey: CryptoKey) {
    checkStoreName(name, 'principal');
    this.dbName = `vaultkey-principals:${name}`;
    this.#conn = new LazyDb(this.dbName, 1, 'principal', (db, oldVersion) => {
      if (oldVersion < 1) db.createObjectStore(STORE, { keyPath: 'id' });
    });
    this.#key = checkChainKey(macKey, 'the principal record key');
  }

  #open(): Promise<IDBPDatabase> {
    return this.#conn.open();
  }

  close(): void {
    this.#conn.close();
  }

  async #mac(p: Principal): Promise<string> {
    return b64url(await hmac(this.#key, canonicalJson({ principal: p })));
  }

  async #check(row: unknown, id?: string): Promise<Principal> {
    const r = row as Row;
    let ok = false;
    try {
      ok =
        !!r &&
        typeof r.mac === 'string' &&
        !!r.principal &&
        r.principal.id === r.id &&
        (id === undefined || r.id === id) &&
        bytesEqual(utf8(await this.#mac(r.principal)), utf8(r.mac));
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
      throw storageError(e, 'principal');
    }
    return row === undefined ? undefined : this.#check(row, id);
  }

  async put(p: Principal): Promise<void> {
    const row: Row = { id: p.id, principal: p, mac: await this.#mac(p) };
    try {
      await (await this.#open()).put(STORE, row);
    } catch (e) {
      throw storageError(e, 'principal');
    }
  }

  async delete(id: string): Promise<void> {
    try {
      await (await this.#open()).delete(STORE, id);
    } catch (e) {
      throw storageError(e, 'principal');
    }
  }

  async list(): Promise<Principal[]> {
    let rows: unknown[];
    try {
      rows = await (await this.#open()).getAll(STORE);
    } catch (e) {
      throw storageError(e, 'principal');
    }
    return Promise.all(rows.map((r) => this.#check(r)));
  }
}
