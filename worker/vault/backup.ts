// Backups of the vault (docs/backup.md): encrypted backup files, binary
// Shamir shares of a backup key for custodians, SLIP-0039 shares of an HD
// seed, Ethereum keystore v3 import and export. Everything secret stays in
// this worker, or in the backup worker it starts for the formats themselves
// in the browser (./formats-host.ts); the operation table (operations.ts)
// has already checked the permission and, for anything that reveals a
// secret, a fresh proof on the call.
import { VaultkeyError, assertBytes } from '../../src/errors.js';
import { init } from '../../src/core/wasm.js';
import { secp256k1 } from '../../src/core/secp256k1.js';
import { ed25519, initEd25519 } from '../../src/core/ed25519.js';
import { validateMnemonic } from '../../src/core/bip39-phrase.js';
import { englishWords } from './words.js';
import { HDKey } from '../../src/hd/hdkey.js';
import { bytesEqual } from '../../src/security/canonical.js';
import type { BackupSummary } from '../../src/backup/file.js';
import type { BackupKey, BackupPayload, KdfParams } from '../../src/backup/format.js';
import { PAYLOAD_VERSION, wipePayload } from '../../src/backup/payload.js';
import type { SplitOptions as Slip39Options } from '../../src/backup/slip39.js';
import type { KdfLimits } from '../../src/backup/kdf-limits.js';
import type { KeystoreV3EncryptOptions } from '../../src/backup/keystore-v3.js';
import { formats } from './formats-host.js';
import { STORES, b64url, randomBytes, randomId, type AccountRecord, type SecretRecord } from '../../src/vault/format.js';
import { decryptSecret } from '../../src/vault/crypto.js';
import type { LifecycleRecord } from '../../src/lifecycle/states.js';
import * as S from './state.js';
import { mutate, read, type Row } from './records.js';
import * as K from './keys.js';
import * as G from './governance.js';
import { checkStrength, label } from './methods.js';

export type ConflictMode = 'fail' | 'skip' | 'overwrite';

export interface RestoreOptions {
  /** What to do when a key id already exists: 'fail' (default: the restore is refused), 'skip', or 'overwrite'. */
  conflict?: ConflictMode;
  /** Restore only these key ids (default: every key in the file). */
  keyIds?: string[];
  /** Write the keys that pass even if others fail (default false: all or nothing). */
  partial?: boolean;
  /** Caps on the file's Argon2id (default KDF_LIMITS: 256 MiB, t·m <= 2^20); beyond them KDF_LIMIT, before any work. */
  limits?: KdfLimits;
}

export interface RestoreResult {
  /** True when the vault was changed. */
  committed: boolean;
  restored: string[];
  skipped: { id: string; reason: 'exists' | 'filtered' }[];
  failed: { id: string; code: string }[];
}

export type BackupSecret = { passphrase: string } | { shares: Uint8Array[] };

function checkIds(ids: unknown): Set<string> | null {
  if (ids === undefined) return null;
  if (!Array.isArray(ids) || ids.length > 10_000) throw new VaultkeyError('INVALID_ARGUMENT', 'keyIds must be an array of key ids');
  return new Set(ids.map((i) => K.checkKeyId(i)));
}

function checkKdf(kdf: unknown): KdfParams | undefined {
  if (kdf === undefined) return undefined;
  const k = kdf as KdfParams;
  if (!k || typeof k !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'kdf must be { t, m, p }');
  return { t: k.t, m: k.m, p: k.p };
}

/** A full-entropy backup key as the file's passphrase (base64url, 43 characters). */
const keyPassphrase = (key: Uint8Array) => b64url(key);

async function passphraseOf(secret: BackupSecret): Promise<string> {
  if (secret && typeof secret === 'object' && 'shares' in secret) {
    if (!Array.isArray(secret.shares)) throw new VaultkeyError('INVALID_ARGUMENT', 'shares must be an array of Uint8Array');
    const key = await formats.combineShares(secret.shares);
    try {
      return keyPassphrase(key);
    } finally {
      key.fill(0);
    }
  }
  if (secret && typeof secret === 'object' && 'passphrase' in secret && typeof secret.passphrase === 'string') return secret.passphrase;
  throw new VaultkeyError('INVALID_ARGUMENT', 'expected { passphrase } or { shares }');
}

/** The payload of the chosen keys: decrypted secrets and mnemonics, account states, lifecycle records and policies. */
async function buildPayload(o: { keyIds?: string[] }): Promise<BackupPayload> {
  const s = S.need();
  const want = checkIds(o.keyIds);
  const { all, accounts, lifecycle, vaultId } = await read([STORES.secrets, STORES.accounts, STORES.lifecycle], async (t) => ({
    all: await t.all<SecretRecord & Row>(STORES.secrets),
    accounts: await t.all<AccountRecord & Row>(STORES.accounts),
    lifecycle: (await t.all<Row & { rec: LifecycleRecord }>(STORES.lifecycle)).map((r) => r.rec),
    vaultId: t.m.vaultId,
  }));
  const mains = all.filter((r) => (r.kind === 'seed' || r.kind === 'privateKey') && (!want || want.has(r.keyId)));
  if (want)
    for (const id of want) if (!mains.some((r) => r.keyId === id)) throw new VaultkeyError('NOT_FOUND', 'no such key in this vault');
  const accts = accounts.filter((a) => mains.some((r) => r.keyId === a.keyId)).map(({ ver: _v, mac: _m, ...a }) => a as AccountRecord);
  const keys: BackupKey[] = [];
  const payload: BackupPayload = { version: PAYLOAD_VERSION, createdAt: S.now(), keys, accounts: accts, vaultId };
  try {
    for (const r of mains) {
      const k: BackupKey = {
        id: r.keyId,
        kind: r.kind as 'seed' | 'privateKey',
        label: r.label,
        createdAt: r.createdAt,
        secret: new Uint8Array(0),
      };
      keys.push(k);
      k.secret = await decryptSecret(s.dek, r, r.kind);
      if (r.kind === 'privateKey') {
        k.curve = r.curve!;
        k.publicKey = (await K.importedOf(r.keyId)).pub.slice();
      } else {
        const m = all.find((x) => x.id === `${r.keyId}#mnemonic`);
        if (m) k.mnemonic = await decryptSecret(s.dek, m, 'mnemonic');
        const paths = accts
          .filter((a) => a.keyId === r.keyId)
          .map((a) => {
            const st = a.state as { purpose?: number; coinType?: number; account?: number };
            return `m/${st.purpose}'/${st.coinType}'/${st.account}'`;
          });
        if (paths.length) k.paths = paths;
      }
    }
    const ids = new Set(keys.map((k) => k.id));
    // docs/lifecycle.md "Backup after rotation": this file holds these keys, so a restore of it must not ask for their backup again.
    payload.lifecycle = lifecycle
      .filter((x) => ids.has(x.keyId))
      .map((x) => {
        if (x.meta?.backupPending !== true) return x;
        const { backupPending: _held, ...meta } = x.meta;
        return { ...x, meta };
      });
    payload.policies = G.policies.list().map((p) => ({ ...p }));
    return payload;
  } catch (e) {
    wipePayload(payload);
    throw e;
  }
}

/** Checks a backed-up key against itself (curve, length, public key) before anything is written. */
function checkKey(k: BackupKey, words: string[] | undefined): void {
  K.checkKeyId(k.id);
  if (k.kind === 'privateKey') {
    if (k.secret.length !== 32) throw new VaultkeyError('CORRUPTED', 'a private key in the backup has the wrong length');
    if (k.curve === 'secp256k1' && !secp256k1.isValidPrivateKey(k.secret))
      throw new VaultkeyError('INVALID_KEY', 'a private key in the backup is not in [1, n-1]');
    const pub = k.curve === 'ed25519' ? ed25519.getPublicKey(k.secret) : secp256k1.getPublicKey(k.secret, true);
    if (k.publicKey && !bytesEqual(pub, k.publicKey))
      throw new VaultkeyError('CORRUPTED', 'a public key in the backup does not belong to its private key');
  } else {
    if (k.secret.length < 16 || k.secret.length > 64) throw new VaultkeyError('CORRUPTED', 'a seed in the backup has an impossible length');
    if (k.mnemonic && !validateMnemonic(new TextDecoder().decode(k.mnemonic), words!))
      throw new VaultkeyError('CORRUPTED', 'a mnemonic in the backup is not valid BIP-39');
  }
}

function accountOk(a: unknown, keyId: string): a is AccountRecord {
  const x = a as AccountRecord;
  return (
    !!x &&
    typeof x === 'object' &&
    typeof x.id === 'string' &&
    x.keyId === keyId &&
    x.id.startsWith(`${keyId}/`) &&
    x.id.length <= 200 &&
    typeof x.updatedAt === 'number' &&
    !!x.state &&
    typeof x.state === 'object'
  );
}

/** An encrypted backup file of the chosen keys (default all). The file passphrase follows the unlock passphrase rule. */
export async function backup(
  secret: BackupSecret,
  o: { keyIds?: string[]; kdf?: KdfParams; limits?: KdfLimits } = {},
  onProgress?: (f: number) => void,
): Promise<Uint8Array> {
  const passphrase = await passphraseOf(secret);
  checkStrength(passphrase);
  const payload = await buildPayload(o ?? {});
  try {
    return await formats.encryptBackup(payload, passphrase, {
      ...(o?.kdf ? { kdf: checkKdf(o.kdf) } : {}),
      ...(o?.limits !== undefined ? { limits: o.limits } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
  } finally {
    wipePayload(payload);
  }
}

/**
 * A backup for custodians: a random 256-bit backup key encrypts the file and
 * is split into binary Shamir shares (M of N); the key itself is never
 * returned. Argon2id runs with light parameters: the key is full-entropy.
 */
export async function backupToShares(
  split: { threshold: number; shares: number },
  o: { keyIds?: string[] } = {},
  onProgress?: (f: number) => void,
): Promise<{ file: Uint8Array; shares: Uint8Array[]; shareTexts: string[] }> {
  const key = randomBytes(32);
  try {
    const { shares, shareTexts } = await formats.splitShares(key, split);
    const payload = await buildPayload(o ?? {});
    try {
      const file = await formats.encryptBackup(payload, keyPassphrase(key), {
        kdf: { t: 1, m: 1024, p: 1 },
        ...(onProgress ? { onProgress } : {}),
      });
      return { file, shares, shareTexts };
    } finally {
      wipePayload(payload);
    }
  } finally {
    key.fill(0);
  }
}

/** Opens a backup and reports what it holds: no secret returned, nothing written. */
export async function verifyBackup(file: Uint8Array, secret: BackupSecret, onProgress?: (f: number) => void): Promise<BackupSummary> {
  assertBytes(file, 'file');
  return formats.verifyBackup(file, await passphraseOf(secret), onProgress ? { onProgress } : {});
}

/**
 * Restores keys from a backup. Every key is checked first; then the keys,
 * their accounts and lifecycle records are written in ONE transaction (with
 * `partial`, the ones that passed), so a failure leaves the vault as it was.
 */
export async function restore(
  file: Uint8Array,
  secret: BackupSecret,
  o: RestoreOptions = {},
  onProgress?: (f: number) => void,
): Promise<RestoreResult> {
  S.need();
  assertBytes(file, 'file');
  const conflict = o?.conflict ?? 'fail';
  if (!['fail', 'skip', 'overwrite'].includes(conflict))
    throw new VaultkeyError('INVALID_ARGUMENT', "conflict must be 'fail', 'skip' or 'overwrite'");
  const want = checkIds(o?.keyIds);
  const payload = await formats.decryptBackup(file, await passphraseOf(secret), {
    ...(onProgress ? { onProgress } : {}),
    ...(o?.limits !== undefined ? { limits: o.limits } : {}),
  });
  await init();
  // Ed25519 is a lazy part (src/core/parts.ts): loaded before checkKey() needs it synchronously.
  if (payload.keys.some((k) => k.kind === 'privateKey' && k.curve === 'ed25519')) await initEd25519();
  // So is the BIP-39 word list, for the mnemonics checkKey() reads.
  const words = payload.keys.some((k) => k.kind !== 'privateKey' && k.mnemonic) ? await englishWords() : undefined;
  const result: RestoreResult = { committed: false, restored: [], skipped: [], failed: [] };
  try {
    const present = new Set((await read([STORES.secrets], (t) => t.all<SecretRecord & Row>(STORES.secrets))).map((r) => r.keyId));
    const take: BackupKey[] = [];
    for (const k of payload.keys) {
      if (want && !want.has(k.id)) {
        result.skipped.push({ id: k.id, reason: 'filtered' });
        continue;
      }
      try {
        checkKey(k, words);
        if (present.has(k.id)) {
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
    if ((result.failed.length > 0 && !o?.partial) || take.length === 0) return result;
    const recs: SecretRecord[] = [];
    for (const k of take) {
      if (k.kind === 'privateKey') {
        const publicKey = k.curve === 'ed25519' ? ed25519.getPublicKey(k.secret) : secp256k1.getPublicKey(k.secret, true);
        recs.push(
          await K.sealSecret(
            'privateKey',
            k.id,
            k.id,
            { label: k.label, createdAt: k.createdAt, curve: k.curve!, publicKey },
            k.secret.slice(),
          ),
        );
      } else {
        recs.push(
          await K.sealSecret('seed', k.id, k.id, { label: k.label, createdAt: k.createdAt, hasMnemonic: !!k.mnemonic }, k.secret.slice()),
        );
        if (k.mnemonic)
          recs.push(
            await K.sealSecret('mnemonic', `${k.id}#mnemonic`, k.id, { label: k.label, createdAt: k.createdAt }, k.mnemonic.slice()),
          );
      }
    }
    const ids = new Set(take.map((k) => k.id));
    const accounts = (payload.accounts ?? []).filter(
      (a) => ids.has((a as AccountRecord)?.keyId) && accountOk(a, (a as AccountRecord).keyId),
    ) as AccountRecord[];
    for (const p of (payload.policies ?? []) as { name?: string }[]) {
      if (typeof p?.name === 'string' && !G.policies.has(p.name)) {
        try {
          G.registerPolicy(p as never);
        } catch {
          // An invalid policy is ignored; its keys fall back to the default policy.
        }
      }
    }
    await mutate([STORES.secrets, STORES.accounts, STORES.lifecycle], async (t) => {
      // Overwrite: the key's old records and accounts go in the same transaction.
      for (const r of await t.all<SecretRecord & Row>(STORES.secrets)) if (ids.has(r.keyId)) await t.delete(STORES.secrets, r.id);
      for (const a of await t.all<AccountRecord & Row>(STORES.accounts)) if (ids.has(a.keyId)) await t.delete(STORES.accounts, a.id);
      await Promise.all([...recs.map((r) => t.put(STORES.secrets, r)), ...accounts.map((a) => t.put(STORES.accounts, a))]);
      await G.adopt(t, [...ids], payload.lifecycle ?? [], (id) => {
        const k = take.find((x) => x.id === id)!;
        return {
          kind: k.kind === 'privateKey' ? 'imported' : 'hd',
          algorithm: k.kind === 'privateKey' ? (k.curve ?? 'secp256k1') : 'bip32',
        };
      });
    });
    for (const id of ids) {
      S.forget(id);
      G.forgetCached(id);
    }
    result.committed = true;
    result.restored = [...ids];
    S.emit({ type: 'change' });
    return result;
  } finally {
    wipePayload(payload);
  }
}

/** SLIP-0039 mnemonic shares of an HD key's seed (the seed is the master secret). */
export async function exportSlip39(keyId: string, options: Slip39Options = {}): Promise<string[][]> {
  K.checkKeyId(keyId);
  const rec = await K.secretRow(keyId);
  if (rec.kind !== 'seed') throw new VaultkeyError('INVALID_ARGUMENT', "SLIP-0039 shares are made of an HD key's seed");
  const seed = (await K.seedOf(keyId)).slice();
  try {
    // Async: the PBKDF2 rounds yield between steps, so the worker keeps answering.
    const { random: _ignored, ...opts } = options ?? {};
    return await formats.splitSlip39(seed, opts);
  } finally {
    seed.fill(0);
  }
}

/** The records of a seed recovered from SLIP-0039 shares (no BIP-39 mnemonic). */
export async function slip39Records(
  mnemonics: string[],
  o: { passphrase?: string; label?: string; limits?: KdfLimits } = {},
  onProgress?: (f: number) => void,
): Promise<SecretRecord[]> {
  // Share lengths and the iteration exponent are checked against the caps (default e <= 5) before any
  // PBKDF2 work, which then runs in steps: a hostile share cannot hold the worker for minutes.
  const seed = await formats.combineSlip39(mnemonics, {
    passphrase: o?.passphrase ?? '',
    ...(o?.limits !== undefined ? { limits: o.limits } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  try {
    await init();
    HDKey.fromMasterSeed(seed).wipe(); // refuses a seed whose master key is invalid (BIP-32: IL = 0 or >= n)
    const keyId = randomId('k_');
    return [await K.sealSecret('seed', keyId, keyId, { label: label(o?.label, 'SLIP-0039 wallet'), hasMnemonic: false }, seed.slice())];
  } finally {
    seed.fill(0);
  }
}

/** The record of a key imported from an Ethereum keystore v3 JSON (geth, ethers, MetaMask). */
export async function keystoreV3Records(
  json: string | object,
  password: string,
  o: { label?: string; limits?: KdfLimits; normalization?: 'NFKC' | 'none' } = {},
  onProgress?: (f: number) => void,
): Promise<{ recs: SecretRecord[]; address: string }> {
  const { privateKey, address } = await formats.decryptKeystoreV3(json, password, {
    ...(o?.limits !== undefined ? { limits: o.limits } : {}),
    ...(o?.normalization !== undefined ? { normalization: o.normalization } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  try {
    await init();
    const publicKey = secp256k1.getPublicKey(privateKey, true);
    await K.assertNewKey('secp256k1', publicKey);
    const keyId = randomId('k_');
    const rec = await K.sealSecret(
      'privateKey',
      keyId,
      keyId,
      { label: label(o?.label, 'Imported keystore'), curve: 'secp256k1', publicKey },
      privateKey.slice(),
    );
    return { recs: [rec], address };
  } finally {
    privateKey.fill(0);
  }
}

/**
 * A keystore v3 JSON of a secp256k1 key: an imported key, or an HD key at
 * `path` (default its Ethereum path). The password follows the passphrase
 * rule: an empty or short one would make the file a plaintext key.
 */
export async function exportKeystoreV3(
  keyId: string,
  password: string,
  o: { path?: string } & KeystoreV3EncryptOptions = {},
  onProgress?: (f: number) => void,
): Promise<string> {
  K.checkKeyId(keyId);
  checkStrength(password);
  const rec = await K.secretRow(keyId);
  await init();
  const { path, ...opts } = o ?? {};
  const enc = { ...opts, ...(onProgress ? { onProgress } : {}) };
  if (rec.kind === 'privateKey') {
    const k = await K.importedOf(keyId);
    if (k.curve !== 'secp256k1') throw new VaultkeyError('INVALID_ARGUMENT', 'keystore v3 holds secp256k1 keys only');
    return formats.encryptKeystoreV3(k.priv, password, enc);
  }
  const key = HDKey.fromMasterSeed(await K.seedOf(keyId)).derive(path ?? K.defaultPath('secp256k1', K.accountOffset(keyId)));
  try {
    return await formats.encryptKeystoreV3(key.privateKey!, password, enc);
  } finally {
    key.wipe();
  }
}
