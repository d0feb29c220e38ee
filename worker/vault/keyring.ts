// The keyring: the data key (DEK), the record MAC key and the audit chain key,
// encrypted together under the vault key RK (AES-256-GCM, AAD naming the
// epoch) in one `meta` record whose epoch the manifest names. Rotating the
// DEK re-encrypts every secret; re-keying (a new RK because an unlock method
// went or changed) also takes a new record MAC key and re-MACs every record,
// all in one transaction, so an old method record or an old secret record
// opens nothing current (docs/vault.md "Key hierarchy").
import { VaultkeyError } from '../../src/errors.js';
import { decryptSecret, encryptSecret } from '../../src/vault/crypto.js';
import { STORES, randomBytes, type SecretRecord } from '../../src/vault/format.js';
import * as S from './state.js';
import { mutate, read, type Row, type Store } from './records.js';

export interface KeyringRecord {
  id: 'keyring';
  epoch: number;
  iv: Uint8Array;
  ct: Uint8Array;
}

export interface Keyring {
  dek: CryptoKey;
  macKey: Uint8Array;
  auditKey: Uint8Array;
}

const AES = { name: 'AES-GCM', length: 256 } as const;
const enc = new TextEncoder();
const aad = (epoch: number) => enc.encode(`vaultkey/keyring/v2/${epoch}`);
const buf = (b: Uint8Array) => b as Uint8Array<ArrayBuffer>;

/** A data key CryptoKey from 32 raw bytes (zeroed here); non-extractable: it is only ever used, never wrapped. */
export async function importDek(raw: Uint8Array): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey('raw', buf(raw), AES, false, ['encrypt', 'decrypt']);
  } finally {
    raw.fill(0);
  }
}

/** Encrypts the keyring under RK. Zeroes `dekRaw`; the MAC and audit keys stay with the caller. */
export async function sealKeyring(
  rk: CryptoKey,
  epoch: number,
  dekRaw: Uint8Array,
  macKey: Uint8Array,
  auditKey: Uint8Array,
): Promise<KeyringRecord> {
  const pt = new Uint8Array(96);
  pt.set(dekRaw, 0);
  pt.set(macKey, 32);
  pt.set(auditKey, 64);
  dekRaw.fill(0);
  try {
    const iv = randomBytes(12);
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(epoch) }, rk, pt));
    return { id: 'keyring', epoch, iv, ct };
  } finally {
    pt.fill(0);
  }
}

/** Opens the keyring; a record from another RK or epoch is a rollback or damage: null. */
export async function openKeyring(rk: CryptoKey, raw: unknown): Promise<Keyring | null> {
  const r = raw as KeyringRecord | undefined;
  if (!r || r.id !== 'keyring' || !Number.isSafeInteger(r.epoch) || !(r.iv instanceof Uint8Array) || !(r.ct instanceof Uint8Array))
    return null;
  let pt: Uint8Array;
  try {
    pt = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(r.iv), additionalData: aad(r.epoch) }, rk, buf(r.ct)));
  } catch {
    return null;
  }
  try {
    if (pt.length !== 96) return null;
    return { dek: await importDek(pt.slice(0, 32)), macKey: pt.slice(32, 64), auditKey: pt.slice(64, 96) };
  } finally {
    pt.fill(0);
  }
}

/** Every store whose rows carry a record MAC (re-MAC'd on a re-key). */
export const MAC_STORES: Store[] = [STORES.methods, STORES.secrets, STORES.accounts, STORES.lifecycle, STORES.principals];

/**
 * Rotates the DEK: every live secret except those of `dropKeyIds` is
 * decrypted under the current DEK and encrypted under a fresh one, and the
 * new keyring, the secrets and the deletions commit in one transaction. With
 * `rekey` (a new RK and the method records sealed under it) the record MAC key
 * is replaced too, every record is re-MAC'd, and `rekey.methods` replaces the
 * whole method store. Secrets are re-encrypted before the transaction opens
 * (WebCrypto is asynchronous); if another tab changed the secrets meanwhile
 * the transaction aborts with CONFLICT and nothing changes.
 */
export async function rotate(
  o: {
    dropKeyIds?: string[];
    rekey?: { rk: CryptoKey; methods: (object & { id: string })[] };
    also?: (t: import('./records.js').Tx) => Promise<void>;
  } = {},
): Promise<void> {
  const s = S.need();
  const drop = new Set(o.dropKeyIds ?? []);
  const secrets = await read([STORES.secrets], (t) => t.all<SecretRecord & Row>(STORES.secrets));
  const dekRaw = randomBytes(32);
  const dek = await importDek(dekRaw.slice());
  const macKey = o.rekey ? randomBytes(32) : s.macKey.slice();
  const rk = o.rekey?.rk ?? s.rk;
  const kept: (SecretRecord & Row)[] = [];
  for (const r of secrets) {
    if (drop.has(r.keyId)) continue;
    const pt = await decryptSecret(s.dek, r, r.kind);
    const { iv, ct } = await encryptSecret(dek, r.kind, r.id, 2, pt);
    pt.fill(0);
    kept.push({ ...r, v: 2, iv, ct });
  }
  const ids = secrets
    .map((r) => r.id)
    .sort()
    .join();
  let epoch = 0;
  const ring = await (async () => {
    const m = await read([], async (t) => t.m);
    epoch = m.keyring + 1;
    return sealKeyring(rk, epoch, dekRaw, macKey, s.auditKey);
  })();
  await mutate(
    [...MAC_STORES],
    async (t) => {
      if (t.m.keyring !== epoch - 1) throw new VaultkeyError('CONFLICT', 'the vault was re-keyed by another tab; retry');
      const now = (await t.all<SecretRecord & Row>(STORES.secrets))
        .map((r) => r.id)
        .sort()
        .join();
      if (now !== ids) throw new VaultkeyError('CONFLICT', 'the vault changed while its keys were rotated; retry');
      const waits: Promise<unknown>[] = [];
      for (const r of secrets) if (drop.has(r.keyId)) waits.push(t.delete(STORES.secrets, r.id));
      for (const r of kept) waits.push(t.put(STORES.secrets, r));
      if (o.rekey) {
        for (const store of [STORES.accounts, STORES.lifecycle, STORES.principals] as Store[]) {
          for (const r of await t.all<Row>(store)) waits.push(t.put(store, r));
        }
        // MAC'd records of the meta store (stored policies, kept compromise events) are listed by the manifest.
        for (const k of Object.keys(t.m.records)) {
          if (!k.startsWith(`${STORES.meta}/`)) continue;
          const r = await t.get<Row>(STORES.meta, k.slice(STORES.meta.length + 1));
          if (r) waits.push(t.put(STORES.meta, r));
        }
        for (const r of await t.all<Row>(STORES.methods)) waits.push(t.delete(STORES.methods, r.id));
        for (const m of o.rekey.methods) waits.push(t.put(STORES.methods, m));
      }
      if (o.also) await o.also(t);
      t.m.keyring = epoch;
      waits.push(t.tx.objectStore(STORES.meta).put(ring));
      await Promise.all(waits);
    },
    o.rekey ? { rekey: macKey } : {},
  );
  S.setDek(dek);
  if (o.rekey) S.setRootKeys(rk, macKey);
  else macKey.fill(0);
}
