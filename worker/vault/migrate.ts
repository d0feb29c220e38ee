// Databases written by the previous release (record format 1: the data key
// wrapped by each method, no MACs, lifecycle, principals and audit in their
// own databases) are migrated in place at their first unlock, in one
// transaction: the old data key becomes the vault key RK (so every enrolled
// method keeps opening the vault), a fresh data key re-encrypts every secret,
// a fresh record key MACs every record, and the lifecycle records, principals
// and audit chain move into the vault database. The old databases are left
// as they were (nothing reads them again); docs/vault.md "Migration".
import { openDB } from 'idb';
import { VaultkeyError } from '../../src/errors.js';
import { secp256k1 } from '../../src/core/secp256k1.js';
import { ed25519, initEd25519 } from '../../src/core/ed25519.js';
import { init } from '../../src/core/wasm.js';
import { hmacSha256, sha256 } from '../../src/core/hash.js';
import { canonicalJson } from '../../src/security/canonical.js';
import { b64url, bytesEqual, toHex, utf8 } from '../../src/bytes.js';
import { decryptSecret, encryptSecret } from '../../src/vault/crypto.js';
import { RECORD_FORMAT, STORES, randomBytes, type MethodRecord, type SecretRecord } from '../../src/vault/format.js';
import { storageError } from '../../src/vault/db.js';
import type { LifecycleRecord } from '../../src/lifecycle/states.js';
import * as S from './state.js';
import { legacyKeys, macOf, sealManifest, tampered, type Manifest } from './records.js';
import { importDek, sealKeyring, type Keyring } from './keyring.js';
import { newDeviceKey, sealThrottle, type ThrottleRecord } from './methods.js';
import { recordOk } from './governance.js';

async function legacyDb(
  name: string,
): Promise<{ rows: (store: string) => Promise<unknown[]>; one: (store: string, id: string) => Promise<unknown> } | null> {
  const list = await indexedDB.databases?.();
  if (list && !list.some((d) => d.name === name)) return null;
  try {
    const db = await openDB(name);
    return {
      rows: async (store) => (db.objectStoreNames.contains(store) ? db.getAll(store) : []),
      one: async (store, id) => (db.objectStoreNames.contains(store) ? db.get(store, id) : undefined),
    };
  } catch {
    return null;
  }
}

/** Migrates a format-1 vault opened with `rk` (its old data key). Returns the new keyring and manifest. */
export async function migrate(rk: CryptoKey): Promise<{ ring: Keyring; manifest: Manifest }> {
  await init(); // the HKDF, HMACs and key checks below are WASM
  const name = S.vaultName();
  const d = await S.db();
  const [secrets, accounts, methods, meta] = await Promise.all([
    d.getAll(STORES.secrets) as Promise<SecretRecord[]>,
    d.getAll(STORES.accounts) as Promise<{ id: string; keyId: string }[]>,
    d.getAll(STORES.methods) as Promise<MethodRecord[]>,
    d.get(STORES.meta, 'vault') as Promise<{ vaultId: string; createdAt: number } | undefined>,
  ]);
  if (!meta) throw new VaultkeyError('NOT_FOUND', 'there is no vault to open');
  const rkRaw = new Uint8Array(await crypto.subtle.exportKey('raw', rk));
  const { auditKey, principalKey } = legacyKeys(rkRaw);
  const macKey = randomBytes(32);
  const dekRaw = randomBytes(32);
  const dek = await importDek(dekRaw.slice());
  const m: Manifest = {
    id: 'manifest',
    v: 2,
    vaultId: meta.vaultId,
    epoch: 1,
    keyring: 1,
    records: {},
    audit: null,
    throttleSeq: 0,
    mac: '',
  };
  const rows: { store: (typeof STORES)[keyof typeof STORES]; row: Record<string, unknown> }[] = [];
  const put = (store: (typeof STORES)[keyof typeof STORES], row: Record<string, unknown> & { id: string }) => {
    const full = { ...row, ver: 1, mac: '' };
    full.mac = macOf(macKey, store, full);
    m.records[`${store}/${row.id}`] = 1;
    rows.push({ store, row: full });
  };
  if (secrets.some((r) => r.kind === 'privateKey' && r.curve === 'ed25519')) await initEd25519();
  // Secrets: decrypted under the old key (authenticating them), checked, re-encrypted under the new data key.
  for (const r of secrets) {
    const pt = await decryptSecret(rk, r, r.kind);
    if (r.kind === 'privateKey') {
      let pub: Uint8Array | null = null;
      try {
        pub = r.curve === 'ed25519' ? ed25519.getPublicKey(pt) : secp256k1.getPublicKey(pt, true);
      } catch {
        pub = null;
      }
      if (!pub || !(r.publicKey instanceof Uint8Array) || !bytesEqual(pub, r.publicKey)) {
        pt.fill(0);
        throw tampered(`secrets ${r.id}`, 'has a public key that does not belong to its private key');
      }
    }
    const { iv, ct } = await encryptSecret(dek, r.kind, r.id, RECORD_FORMAT, pt);
    pt.fill(0);
    put(STORES.secrets, { ...r, v: RECORD_FORMAT, iv, ct } as unknown as Record<string, unknown> & { id: string });
  }
  for (const a of accounts) put(STORES.accounts, a as unknown as Record<string, unknown> & { id: string });
  for (const x of methods) put(STORES.methods, x as unknown as Record<string, unknown> & { id: string });
  // Lifecycle records (public, unauthenticated until now: taken as they are, shape-checked).
  const lc = await legacyDb(`vaultkey-lifecycle:${name}`);
  const keyIds = new Set(secrets.filter((r) => r.kind !== 'mnemonic').map((r) => r.keyId));
  for (const r of ((await lc?.rows('records')) ?? []) as LifecycleRecord[]) {
    if (recordOk(r)) put(STORES.lifecycle, { id: r.keyId, rec: r });
  }
  for (const id of keyIds) {
    if (m.records[`${STORES.lifecycle}/${id}`] !== undefined) continue;
    const s = secrets.find((r) => r.keyId === id && r.kind !== 'mnemonic')!;
    const at = S.now();
    const rec: LifecycleRecord = {
      keyId: id,
      baseId: id.replace(/-v\d+$/, ''),
      version: 1,
      kind: s.kind === 'seed' ? 'hd' : 'imported',
      algorithm: s.kind === 'seed' ? 'bip32' : (s.curve ?? 'secp256k1'),
      fingerprint: s.publicKey ? toHex(sha256(s.publicKey).subarray(0, 8)) : null,
      policy: 'default',
      state: 'active',
      createdAt: s.createdAt,
      activatedAt: at,
      rotationDueAt: null,
      expiresAt: null,
      graceEndsAt: null,
      usageCount: 0,
      lastUsedAt: null,
      predecessor: null,
      successor: null,
      rotationTrigger: null,
      notices: [],
      meta: { label: s.label },
      history: [
        { from: null, to: 'created', actor: 'system:migration', reason: 'key predates lifecycle tracking', at },
        { from: 'created', to: 'active', actor: 'system:migration', reason: 'activated at migration', at },
      ],
      revision: 1,
    };
    put(STORES.lifecycle, { id, rec });
  }
  // Principals: their old MACs checked under the old principal key; a forged one is dropped and reported.
  const pr = await legacyDb(`vaultkey-principals:${name}`);
  for (const row of ((await pr?.rows('principals')) ?? []) as { id: string; principal: { id: string }; mac: string }[]) {
    const want = b64url(hmacSha256(principalKey, utf8(canonicalJson({ principal: row?.principal }))));
    if (row && row.principal?.id === row.id && typeof row.mac === 'string' && bytesEqual(utf8(want), utf8(row.mac)))
      put(STORES.principals, { id: row.id, principal: row.principal });
    else
      S.emit({
        type: 'tamper',
        detail: { record: `principals ${String(row?.id).slice(0, 64)}`, reason: 'failed its integrity check and was not migrated' },
      });
  }
  principalKey.fill(0);
  // The audit chain moves as it is (same chain key); its head is checked like any other.
  const au = await legacyDb(`vaultkey-audit:${name}`);
  const entries = ((await au?.rows('entries')) ?? []) as { seq: number; mac: string }[];
  const head = (await au?.one('meta', 'head')) as { seq: number; mac: string; headMac: string } | undefined;
  if (head) m.audit = { seq: head.seq, mac: head.mac };
  else if (entries.length) m.audit = { seq: entries[entries.length - 1]!.seq, mac: entries[entries.length - 1]!.mac };
  const ring = await sealKeyring(rk, 1, dekRaw, macKey, auditKey);
  const device = await newDeviceKey();
  const throttle: ThrottleRecord = await sealThrottle(device, { id: 'throttle', failures: 0, lastFailureAt: 0, seq: 0, recent: [] });
  const manifest = sealManifest(m, macKey);
  try {
    const stores: (typeof STORES)[keyof typeof STORES][] = [
      STORES.meta,
      STORES.secrets,
      STORES.accounts,
      STORES.methods,
      STORES.lifecycle,
      STORES.principals,
      STORES.audit,
    ];
    const tx = d.transaction(stores, 'readwrite', { durability: 'strict' });
    const w: Promise<unknown>[] = [];
    if (await tx.objectStore(STORES.meta).get('manifest'))
      throw new VaultkeyError('CONFLICT', 'another tab migrated this vault; unlock again');
    for (const { store, row } of rows) w.push(tx.objectStore(store).put(row));
    for (const e of entries) w.push(tx.objectStore(STORES.audit).put(e));
    if (head) w.push(tx.objectStore(STORES.meta).put({ ...head, id: 'audit-head' }));
    w.push(tx.objectStore(STORES.meta).put({ ...meta, id: 'vault', v: RECORD_FORMAT }));
    w.push(tx.objectStore(STORES.meta).put(ring), tx.objectStore(STORES.meta).put({ id: 'device', key: device }));
    w.push(tx.objectStore(STORES.meta).put(throttle), tx.objectStore(STORES.meta).put(manifest));
    await Promise.all([...w, tx.done]);
  } catch (e) {
    macKey.fill(0);
    auditKey.fill(0);
    throw storageError(e);
  }
  return { ring: { dek, macKey, auditKey }, manifest };
}
