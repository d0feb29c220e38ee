// The backup service of the vault worker (exposed as `api.backup`): encrypted
// backup files of the vault's keys (src/backup/file.ts, docs/backup.md),
// restore with conflict options in one transaction, binary Shamir shares of a
// backup key for custodians, SLIP-0039 shares of an HD seed, and Ethereum
// keystore v3 import/export.
//
// Everything secret stays in this worker: the page hands in passphrases and
// files, and gets back ciphertext (a backup file, a keystore JSON), shares the
// user asked to export, key handles and per-key results. The Keystore checks
// permissions (key:backup, key:restore, key:export, key:create) and the fresh
// user verification before calling in.
import { VaultkeyError, assertBytes } from '../src/errors.js';
import { init } from '../src/core/wasm.js';
import { secp256k1 } from '../src/core/secp256k1.js';
import { ed25519 } from '../src/core/ed25519.js';
import { validateMnemonic } from '../src/core/bip39.js';
import { HDKey } from '../src/hd/hdkey.js';
import { encryptBackup, decryptBackup, verifyBackup, wipePayload, type BackupSummary } from '../src/backup/file.js';
import { PAYLOAD_VERSION, type BackupKey, type BackupPayload, type KdfParams } from '../src/backup/format.js';
import { splitSecret, combineShares, encodeShareText } from '../src/backup/shares.js';
import { splitMasterSecret, combineMnemonics, type SplitOptions as Slip39Options } from '../src/backup/slip39.js';
import { decryptKeystoreV3, encryptKeystoreV3, type KeystoreV3EncryptOptions } from '../src/backup/keystore-v3.js';
import { STORES, b64url, keyInfo, randomBytes, randomId, type AccountRecord, type KeyInfo, type SecretRecord } from '../src/vault/format.js';
import { decryptSecret } from '../src/vault/crypto.js';
import { vaultInternals as V } from './vault.js';

export type ConflictMode = 'fail' | 'skip' | 'overwrite';

export interface RestoreOptions {
  /** What to do when a key id already exists: 'fail' (default: the restore is refused), 'skip', or 'overwrite'. */
  conflict?: ConflictMode;
  /** Restore only these key ids (default: every key in the file). */
  keyIds?: string[];
  /** Write the keys that pass even if others fail (default false: all or nothing). */
  partial?: boolean;
}

export interface RestoreResult {
  /** True when the vault was changed. */
  committed: boolean;
  restored: string[];
  skipped: { id: string; reason: 'exists' | 'filtered' }[];
  failed: { id: string; code: string }[];
  /** Lifecycle records and policies of the restored keys, for the page's lifecycle store (public data). */
  lifecycle: unknown[];
  policies: unknown[];
  /** Hands the page a way to undo this restore if its lifecycle write fails (see undoRestore). */
  token: string | null;
}

export type BackupSecret = { passphrase: string } | { shares: Uint8Array[] };

const MAX_UNDO = 4;
const undo = new Map<string, { added: string[]; previous: SecretRecord[]; previousAccounts: AccountRecord[] }>();

function checkIds(ids: unknown): Set<string> | null {
  if (ids === undefined) return null;
  if (!Array.isArray(ids) || ids.length > 10_000) throw new VaultkeyError('INVALID_ARGUMENT', 'keyIds must be an array of key ids');
  return new Set(ids.map((i) => V.checkKeyId(i)));
}

function checkKdf(kdf: unknown): KdfParams | undefined {
  if (kdf === undefined) return undefined;
  const k = kdf as KdfParams;
  if (!k || typeof k !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'kdf must be { t, m, p }');
  return { t: k.t, m: k.m, p: k.p };
}

/** A full-entropy backup key as the file's passphrase (base64url, 43 characters). */
const keyPassphrase = (key: Uint8Array) => b64url(key);

function passphraseOf(secret: BackupSecret): string {
  if (secret && typeof secret === 'object' && 'shares' in secret) {
    if (!Array.isArray(secret.shares)) throw new VaultkeyError('INVALID_ARGUMENT', 'shares must be an array of Uint8Array');
    const key = combineShares(secret.shares);
    try {
      return keyPassphrase(key);
    } finally {
      key.fill(0);
    }
  }
  if (secret && typeof secret === 'object' && 'passphrase' in secret && typeof secret.passphrase === 'string') return secret.passphrase;
  throw new VaultkeyError('INVALID_ARGUMENT', 'expected { passphrase } or { shares }');
}

/** The payload of the chosen keys: decrypted secrets and mnemonics, account states, and what the page adds (lifecycle, policies). */
async function buildPayload(o: { keyIds?: string[]; lifecycle?: unknown[]; policies?: unknown[] }): Promise<BackupPayload> {
  const s = V.need();
  const want = checkIds(o.keyIds);
  const d = await V.db();
  const all = (await d.getAll(STORES.secrets)) as SecretRecord[];
  const mains = all.filter((r) => (r.kind === 'seed' || r.kind === 'privateKey') && (!want || want.has(r.keyId)));
  if (want) for (const id of want) if (!mains.some((r) => r.keyId === id)) throw new VaultkeyError('NOT_FOUND', 'no such key in this vault');
  const accounts = ((await d.getAll(STORES.accounts)) as AccountRecord[]).filter((a) => mains.some((r) => r.keyId === a.keyId));
  const keys: BackupKey[] = [];
  const payload: BackupPayload = { version: PAYLOAD_VERSION, createdAt: Date.now(), keys, accounts };
  const vaultId = await V.vaultId();
  if (vaultId) payload.vaultId = vaultId;
  try {
    for (const r of mains) {
      const k: BackupKey = { id: r.keyId, kind: r.kind as 'seed' | 'privateKey', label: r.label, createdAt: r.createdAt, secret: new Uint8Array(0) };
      keys.push(k);
      k.secret = await decryptSecret(s.dek, r, r.kind);
      if (r.kind === 'privateKey') {
        k.curve = r.curve!;
        k.publicKey = (await V.importedOf(s, r.keyId)).pub.slice();
      } else {
        const m = all.find((x) => x.id === `${r.keyId}#mnemonic`);
        if (m) k.mnemonic = await decryptSecret(s.dek, m, 'mnemonic');
        const paths = accounts.filter((a) => a.keyId === r.keyId).map((a) => {
          const st = a.state as { purpose?: number; coinType?: number; account?: number };
          return `m/${st.purpose}'/${st.coinType}'/${st.account}'`;
        });
        if (paths.length) k.paths = paths;
      }
    }
    const ids = new Set(keys.map((k) => k.id));
    payload.lifecycle = (o.lifecycle ?? []).filter((x) => ids.has((x as { keyId?: string })?.keyId ?? ''));
    payload.policies = o.policies ?? [];
    return payload;
  } catch (e) {
    wipePayload(payload);
    throw e;
  }
}

/** Checks a backed-up key against itself (curve, length, public key) before anything is written. */
async function checkKey(k: BackupKey): Promise<void> {
  V.checkKeyId(k.id);
  if (k.kind === 'privateKey') {
    if (k.secret.length !== 32) throw new VaultkeyError('CORRUPTED', 'a private key in the backup has the wrong length');
    if (k.curve === 'secp256k1' && !secp256k1.isValidPrivateKey(k.secret)) throw new VaultkeyError('INVALID_KEY', 'a private key in the backup is not in [1, n-1]');
    const pub = k.curve === 'ed25519' ? ed25519.getPublicKey(k.secret) : secp256k1.getPublicKey(k.secret, true);
    if (k.publicKey && !V.sameBytes(pub, k.publicKey)) {
      throw new VaultkeyError('CORRUPTED', 'a public key in the backup does not belong to its private key');
    }
  } else {
    if (k.secret.length < 16 || k.secret.length > 64) throw new VaultkeyError('CORRUPTED', 'a seed in the backup has an impossible length');
    if (k.mnemonic && !validateMnemonic(new TextDecoder().decode(k.mnemonic))) throw new VaultkeyError('CORRUPTED', 'a mnemonic in the backup is not valid BIP-39');
  }
}

function accountOk(a: unknown, keyId: string): a is AccountRecord {
  const x = a as AccountRecord;
  return !!x && typeof x === 'object' && typeof x.id === 'string' && x.keyId === keyId && x.id.startsWith(`${keyId}/`) && x.id.length <= 200
    && typeof x.updatedAt === 'number' && !!x.state && typeof x.state === 'object';
}

export const backupService = {
  /** An encrypted backup file (docs/backup.md) of the chosen keys (default all), with the page's lifecycle records and policies. */
  async exportBackup(secret: BackupSecret, o: { keyIds?: string[]; kdf?: KdfParams; lifecycle?: unknown[]; policies?: unknown[] } = {}, onProgress?: (f: number) => void): Promise<Uint8Array> {
    const passphrase = passphraseOf(secret);
    const payload = await buildPayload(o ?? {});
    try {
      return await encryptBackup(payload, passphrase, { ...(o?.kdf ? { kdf: checkKdf(o.kdf) } : {}), ...(onProgress ? { onProgress } : {}) });
    } finally {
      wipePayload(payload);
    }
  },

  /**
   * A backup for custodians: a random 256-bit backup key encrypts the file and
   * is split into binary Shamir shares (M of N). The key itself is never
   * returned. Argon2id still runs (the file format has one KDF), with light
   * parameters: the key is full-entropy, so stretching it buys nothing.
   */
  async exportBackupWithShares(split: { threshold: number; shares: number }, o: { keyIds?: string[]; lifecycle?: unknown[]; policies?: unknown[] } = {}, onProgress?: (f: number) => void): Promise<{ file: Uint8Array; shares: Uint8Array[]; shareTexts: string[] }> {
    const key = randomBytes(32);
    try {
      const shares = splitSecret(key, split);
      const payload = await buildPayload(o ?? {});
      try {
        const file = await encryptBackup(payload, keyPassphrase(key), { kdf: { t: 1, m: 1024, p: 1 }, ...(onProgress ? { onProgress } : {}) });
        return { file, shares, shareTexts: shares.map(encodeShareText) };
      } finally {
        wipePayload(payload);
      }
    } finally {
      key.fill(0);
    }
  },

  /** Opens a backup with its passphrase (or shares) and reports what it holds, no secret returned, nothing written. */
  async verifyBackup(file: Uint8Array, secret: BackupSecret, onProgress?: (f: number) => void): Promise<BackupSummary> {
    assertBytes(file, 'file');
    return verifyBackup(file, passphraseOf(secret), onProgress ? { onProgress } : {});
  },

  /**
   * Restores keys from a backup into this (unlocked) vault. Every key is
   * checked first; then all of them are written in ONE IndexedDB transaction
   * (with `partial`, the ones that passed), so a failure leaves the vault as
   * it was. Per-key results come back either way.
   */
  async restoreBackup(file: Uint8Array, secret: BackupSecret, o: RestoreOptions = {}, onProgress?: (f: number) => void): Promise<RestoreResult> {
    const s = V.need();
    assertBytes(file, 'file');
    const conflict = o?.conflict ?? 'fail';
    if (!['fail', 'skip', 'overwrite'].includes(conflict)) throw new VaultkeyError('INVALID_ARGUMENT', "conflict must be 'fail', 'skip' or 'overwrite'");
    const want = checkIds(o?.keyIds);
    const payload = await decryptBackup(file, passphraseOf(secret), onProgress ? { onProgress } : {});
    await init();
    const result: RestoreResult = { committed: false, restored: [], skipped: [], failed: [], lifecycle: [], policies: [], token: null };
    const recs: SecretRecord[] = [];
    try {
      const d = await V.db();
      const take: BackupKey[] = [];
      for (const k of payload.keys) {
        if (want && !want.has(k.id)) {
          result.skipped.push({ id: k.id, reason: 'filtered' });
          continue;
        }
        try {
          await checkKey(k);
          if (await d.get(STORES.secrets, k.id)) {
            if (conflict === 'skip') {
              result.skipped.push({ id: k.id, reason: 'exists' });
              continue;
            }
            if (conflict === 'fail') throw new VaultkeyError('ALREADY_EXISTS', 'a key with this id is already in the vault');
          }
          take.push(k);
        } catch (e) {
          result.failed.push({ id: k.id, code: e instanceof VaultkeyError ? e.code : 'CORRUPTED' });
        }
      }
      if (want) for (const id of want) if (!payload.keys.some((k) => k.id === id)) result.failed.push({ id, code: 'NOT_FOUND' });
      if (result.failed.length > 0 && !o?.partial) return result;
      for (const k of take) {
        if (k.kind === 'privateKey') {
          recs.push(await V.sealSecret(s, 'privateKey', k.id, k.id, { label: k.label, createdAt: k.createdAt, curve: k.curve!, publicKey: k.curve === 'ed25519' ? ed25519.getPublicKey(k.secret) : secp256k1.getPublicKey(k.secret, true) }, k.secret.slice()));
        } else {
          recs.push(await V.sealSecret(s, 'seed', k.id, k.id, { label: k.label, createdAt: k.createdAt, hasMnemonic: !!k.mnemonic }, k.secret.slice()));
          if (k.mnemonic) recs.push(await V.sealSecret(s, 'mnemonic', `${k.id}#mnemonic`, k.id, { label: k.label, createdAt: k.createdAt }, k.mnemonic.slice()));
        }
      }
      const ids = new Set(take.map((k) => k.id));
      const accounts = (payload.accounts ?? []).filter((a) => ids.has((a as AccountRecord)?.keyId) && accountOk(a, (a as AccountRecord).keyId)) as AccountRecord[];
      if (take.length > 0) {
        const token = randomId('r_');
        const u = { added: [...ids], previous: [] as SecretRecord[], previousAccounts: [] as AccountRecord[] };
        await V.exclusive(async () => {
          const db = await V.db();
          const tx = db.transaction([STORES.secrets, STORES.accounts], 'readwrite', V.STRICT);
          const secrets = tx.objectStore(STORES.secrets);
          const accts = tx.objectStore(STORES.accounts);
          // Overwrite: the key's old records (and accounts) go in the same transaction; kept (encrypted) for undo.
          for (const id of ids) {
            for (const old of (await secrets.index('keyId').getAll(id)) as SecretRecord[]) {
              u.previous.push(old);
              await secrets.delete(old.id);
            }
            for (const old of (await accts.index('keyId').getAll(id)) as AccountRecord[]) {
              u.previousAccounts.push(old);
              await accts.delete(old.id);
            }
          }
          await Promise.all([...recs.map((r) => secrets.add(r)), ...accounts.map((a) => accts.put(a)), tx.done]);
        }).catch((e) => {
          throw e instanceof VaultkeyError ? e : new VaultkeyError('STORAGE_FAILED', 'the restore could not be written');
        });
        // Cached plaintext of overwritten keys is stale.
        for (const id of ids) V.forget(id);
        if (undo.size >= MAX_UNDO) undo.delete(undo.keys().next().value!);
        undo.set(token, u);
        result.token = token;
        result.committed = true;
        result.restored = [...ids];
        await V.notifyChange();
      }
      result.lifecycle = (payload.lifecycle ?? []).filter((x) => ids.has((x as { keyId?: string })?.keyId ?? ''));
      result.policies = payload.policies ?? [];
      return result;
    } finally {
      wipePayload(payload);
    }
  },

  /** Puts the vault back as it was before restore `token` (the page calls this if its lifecycle write failed). */
  async undoRestore(token: string): Promise<void> {
    V.need();
    const u = undo.get(token);
    if (!u) throw new VaultkeyError('NOT_FOUND', 'no restore to undo with this token');
    await V.exclusive(async () => {
      const db = await V.db();
      const tx = db.transaction([STORES.secrets, STORES.accounts], 'readwrite', V.STRICT);
      const secrets = tx.objectStore(STORES.secrets);
      const accts = tx.objectStore(STORES.accounts);
      for (const id of u.added) {
        for (const k of await secrets.index('keyId').getAllKeys(id)) await secrets.delete(k);
        for (const k of await accts.index('keyId').getAllKeys(id)) await accts.delete(k);
      }
      await Promise.all([...u.previous.map((r) => secrets.put(r)), ...u.previousAccounts.map((a) => accts.put(a)), tx.done]);
    });
    undo.delete(token);
    await V.notifyChange();
  },

  /** Forgets the undo data of a restore that the page completed. */
  finishRestore(token: string): void {
    undo.delete(token);
  },

  /** SLIP-0039 mnemonic shares of an HD key's seed (the seed is the master secret). */
  async exportSlip39(keyId: string, options: Slip39Options = {}): Promise<string[][]> {
    const s = V.need();
    V.checkKeyId(keyId);
    V.consumeFresh(); // like exportMnemonic: one fresh proof per export
    const rec = await V.secretRecord(keyId);
    if (rec.kind !== 'seed') throw new VaultkeyError('INVALID_ARGUMENT', 'SLIP-0039 shares are made of an HD key\'s seed');
    const seed = (await V.seedOf(s, keyId)).slice();
    try {
      const { random: _ignored, ...opts } = options ?? {};
      return splitMasterSecret(seed, opts);
    } finally {
      seed.fill(0);
    }
  },

  /** Recovers a seed from SLIP-0039 shares and stores it as an HD key (no BIP-39 mnemonic). */
  async importSlip39(mnemonics: string[], o: { passphrase?: string; label?: string } = {}): Promise<KeyInfo> {
    const s = V.need();
    const seed = combineMnemonics(mnemonics, o?.passphrase ?? '');
    try {
      await init();
      HDKey.fromMasterSeed(seed).wipe(); // refuses a seed whose master key is invalid (BIP-32: IL = 0 or >= n)
      const keyId = randomId('k_');
      const rec = await V.sealSecret(s, 'seed', keyId, keyId, { label: V.label(o?.label, 'SLIP-0039 wallet'), hasMnemonic: false }, seed.slice());
      await V.storeKeys([{ recs: [rec] }]);
      await V.notifyChange();
      return keyInfo(rec);
    } finally {
      seed.fill(0);
    }
  },

  /** Imports an Ethereum keystore v3 JSON (geth, ethers, MetaMask) as an imported secp256k1 key. */
  async importKeystoreV3(json: string | object, password: string, o: { label?: string } = {}): Promise<KeyInfo & { address: string }> {
    const s = V.need();
    const { privateKey, address } = await decryptKeystoreV3(json, password);
    try {
      await init();
      const keyId = randomId('k_');
      const rec = await V.sealSecret(s, 'privateKey', keyId, keyId, { label: V.label(o?.label, 'Imported keystore'), curve: 'secp256k1', publicKey: secp256k1.getPublicKey(privateKey, true) }, privateKey.slice());
      await V.storeKeys([{ recs: [rec] }]);
      await V.notifyChange();
      return { ...keyInfo(rec), address };
    } finally {
      privateKey.fill(0);
    }
  },

  /** A keystore v3 JSON of a secp256k1 key: an imported key, or an HD key at `path` (default: its Ethereum path, m/44'/60'/<N-1>'/0/0 for version N). */
  async exportKeystoreV3(keyId: string, password: string, o: { path?: string } & KeystoreV3EncryptOptions = {}): Promise<string> {
    const s = V.need();
    V.checkKeyId(keyId);
    const rec = await V.secretRecord(keyId);
    await init();
    const { path, ...enc } = o ?? {};
    if (rec.kind === 'privateKey') {
      const k = await V.importedOf(s, keyId);
      if (k.curve !== 'secp256k1') throw new VaultkeyError('INVALID_ARGUMENT', 'keystore v3 holds secp256k1 keys only');
      return encryptKeystoreV3(k.priv, password, enc);
    }
    const key = HDKey.fromMasterSeed(await V.seedOf(s, keyId)).derive(path ?? V.defaultPath('secp256k1', V.accountOffset(keyId)));
    try {
      return await encryptKeystoreV3(key.privateKey!, password, enc);
    } finally {
      key.wipe();
    }
  },
};


export type BackupService = typeof backupService;
