// Encrypted backup files (docs/backup.md): Argon2id (t=3, 64 MiB, p=1 by default)
// turns the passphrase into an AES-256-GCM key; the whole header is the
// GCM additional data, and a SHA-256 checksum over everything before it
// tells a damaged file from a wrong passphrase without running the KDF.
// format.ts owns the bytes; docs/backup.md "File layout" describes them.
//
// AES-GCM per NIST SP 800-38D: a fresh random 96-bit nonce (§8.2.2) under a
// key that is itself fresh for every file (new random salt), 128-bit tag.
import { VaultkeyError } from '../errors.js';
import { argon2id } from '../core/argon2.js';
import { subtle } from '../security/canonical.js';
import { type KdfControl, type KdfLimits, aborted, kdfWork, overLimit, readControl, throwIfAborted } from './kdf-limits.js';
import {
  DEFAULT_KDF,
  NONCE_LEN,
  SALT_LEN,
  TAG_LEN,
  assembleFile,
  decodePayload,
  encodeHeader,
  encodePayload,
  kdfInBounds,
  parseBackupFile,
  wipePayload,
  type BackupHeader,
  type BackupKey,
  type BackupPayload,
  type KdfParams,
} from './format.js';

export { wipePayload };

/** Shortest passphrase we encrypt under, in characters after NFKC. */
export const MIN_PASSPHRASE_CHARS = 8;
const MAX_PASSPHRASE_BYTES = 4096;

export interface EncryptBackupOptions extends KdfControl {
  /**
   * Argon2id parameters; default { t: 3, m: 65536, p: 1 }. Bounded: t 1..10, p 1..16, m 8p..1048576 KiB,
   * and by `limits` (default m <= 256 MiB, t·m <= 1048576): a file we write opens with the default caps.
   */
  kdf?: KdfParams;
}

/** `limits` caps what the file's header may make us spend (docs/backup.md §Bounds, caps, abort and progress). */
export interface DecryptBackupOptions extends KdfControl {}

/** The public part of a backed-up key: everything but the secret and mnemonic. */
export type BackupKeySummary = Omit<BackupKey, 'secret' | 'mnemonic'> & { hasMnemonic: boolean };

/** What `verifyBackup` reports: the file opens, and what it holds, without secrets. */
export interface BackupSummary {
  header: BackupHeader;
  version: number;
  createdAt: number;
  vaultId?: string;
  keys: BackupKeySummary[];
  lifecycleRecords: number;
  policies: number;
  accounts: number;
}

const buf = (b: Uint8Array) => b as Uint8Array<ArrayBuffer>;

/**
 * UTF-8 bytes of the NFKC form of the passphrase, so the same passphrase
 * typed with another keyboard or IME opens the file. The caller zeroes them.
 */
function passphraseBytes(passphrase: unknown, enforceMinimum: boolean): Uint8Array {
  if (typeof passphrase !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'passphrase must be a string');
  const normalized = passphrase.normalize('NFKC');
  if (enforceMinimum && [...normalized].length < MIN_PASSPHRASE_CHARS) {
    throw new VaultkeyError('WEAK_PASSPHRASE', `a backup passphrase needs at least ${MIN_PASSPHRASE_CHARS} characters`);
  }
  const bytes = new TextEncoder().encode(normalized);
  if (bytes.length > MAX_PASSPHRASE_BYTES) {
    bytes.fill(0);
    throw new VaultkeyError('INVALID_ARGUMENT', `passphrase must be at most ${MAX_PASSPHRASE_BYTES} bytes`);
  }
  return bytes;
}

/**
 * The caller's caps on Argon2id, checked before it runs: memory m KiB, and
 * work t·m (the 1 KiB blocks computed; lanes run one after another here, so
 * p does not change it). KDF_LIMIT names the cap.
 */
function checkArgon2Limits(kdf: KdfParams, limits: Required<KdfLimits>): void {
  if (kdf.m * 1024 > limits.maxMemoryBytes) {
    throw overLimit(`Argon2id memory m = ${kdf.m} KiB (${kdf.m * 1024} bytes)`, 'maxMemoryBytes', limits.maxMemoryBytes);
  }
  if (kdf.t * kdf.m > limits.maxArgon2Blocks) {
    throw overLimit(`Argon2id work t·m = ${kdf.t * kdf.m} blocks`, 'maxArgon2Blocks', limits.maxArgon2Blocks);
  }
}

/**
 * Argon2id(passphrase, salt) → non-extractable AES-256-GCM key. The raw key
 * bytes and the passphrase bytes are zeroed before returning. The KDF takes
 * 95% of the reported progress; the caller reports 1 when done.
 */
async function deriveKey(
  pass: Uint8Array,
  salt: Uint8Array,
  kdf: KdfParams,
  report: (f: number) => void,
  usage: KeyUsage,
  signal: AbortSignal | undefined,
): Promise<CryptoKey> {
  let raw: Uint8Array | undefined;
  try {
    throwIfAborted(signal);
    kdfWork.argon2id++;
    raw = await argon2id(pass, salt, {
      t: kdf.t,
      m: kdf.m,
      p: kdf.p,
      dkLen: 32,
      onProgress: (f) => report(0.95 * f),
      ...(signal ? { signal } : {}),
    });
    return await subtle().importKey('raw', buf(raw), { name: 'AES-GCM', length: 256 }, false, [usage]);
  } finally {
    raw?.fill(0);
    pass.fill(0);
  }
}

function checkKdfOption(kdf: unknown): KdfParams {
  if (kdf === undefined) return { ...DEFAULT_KDF };
  const k = kdf as KdfParams;
  // Copied once, then checked: what is checked is what runs.
  const c = typeof k === 'object' && k !== null ? { t: k.t, m: k.m, p: k.p } : undefined;
  if (!c || !kdfInBounds(c)) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'kdf must be { t: 1..10, m: 8p..1048576 (KiB), p: 1..16 }');
  }
  return c;
}

/**
 * Encrypts a backup payload under a passphrase (NFKC, at least 8
 * characters). Returns the file bytes (docs/backup.md §File layout).
 * The payload is not modified; its secrets stay the caller's to wipe.
 */
export async function encryptBackup(payload: BackupPayload, passphrase: string, opts: EncryptBackupOptions = {}): Promise<Uint8Array> {
  const { signal, report, limits } = readControl(opts);
  const kdf = checkKdfOption((opts as EncryptBackupOptions).kdf);
  checkArgon2Limits(kdf, limits);
  throwIfAborted(signal);
  // Validate everything before spending a second on the KDF.
  const pass = passphraseBytes(passphrase, true);
  let plaintext: Uint8Array;
  try {
    plaintext = encodePayload(payload);
  } catch (e) {
    pass.fill(0);
    throw e;
  }
  try {
    report(0);
    const salt = globalThis.crypto.getRandomValues(new Uint8Array(SALT_LEN));
    const nonce = globalThis.crypto.getRandomValues(new Uint8Array(NONCE_LEN));
    const header = encodeHeader(kdf, salt, nonce, plaintext.length);
    const key = await deriveKey(pass, salt, kdf, report, 'encrypt', signal);
    const ct = new Uint8Array(
      await subtle().encrypt({ name: 'AES-GCM', iv: nonce, additionalData: buf(header), tagLength: TAG_LEN * 8 }, key, buf(plaintext)),
    );
    throwIfAborted(signal);
    const file = assembleFile(header, ct);
    report(1);
    return file;
  } finally {
    pass.fill(0);
    plaintext.fill(0);
  }
}

/**
 * Reads a backup file's header and checks its checksum: no passphrase, no
 * KDF. Throws CORRUPTED / UNSUPPORTED_VERSION (docs/backup.md §Errors).
 */
export function inspectBackup(file: Uint8Array): BackupHeader {
  return parseBackupFile(file).header;
}

/**
 * Decrypts and validates a backup file. The returned payload's secrets are
 * fresh arrays owned by the caller: wipe them with `wipePayload` when done.
 * Errors: CORRUPTED, UNSUPPORTED_VERSION, KDF_LIMIT (all before any KDF),
 * WRONG_PASSPHRASE, INVALID_BACKUP, ABORTED (docs/backup.md §Errors).
 */
export async function decryptBackup(file: Uint8Array, passphrase: string, opts: DecryptBackupOptions = {}): Promise<BackupPayload> {
  const { signal, report, limits } = readControl(opts);
  throwIfAborted(signal);
  const { header, aad, ciphertext } = parseBackupFile(file);
  // The format bounds (t <= 10, m <= 1 GiB) held; now what this caller agrees to spend.
  checkArgon2Limits(header.kdf, limits);
  // encryptBackup never accepts a passphrase under the minimum, so a short
  // one cannot be right: say so without spending a KDF run on it.
  const pass = passphraseBytes(passphrase, false);
  if ([...passphrase.normalize('NFKC')].length < MIN_PASSPHRASE_CHARS) {
    pass.fill(0);
    throw new VaultkeyError('WRONG_PASSPHRASE', 'wrong passphrase for this backup');
  }
  report(0);
  const key = await deriveKey(pass, header.salt, header.kdf, report, 'decrypt', signal);
  let plaintext: Uint8Array;
  try {
    plaintext = new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: buf(header.nonce), additionalData: buf(aad), tagLength: TAG_LEN * 8 },
        key,
        buf(ciphertext),
      ),
    );
  } catch (e) {
    // The checksum held, so the bytes are as written: a failed tag means the
    // key is wrong, i.e. the passphrase (or a deliberate edit that also
    // recomputed the checksum, which no passphrase could tell apart).
    if ((e as Error)?.name === 'OperationError') throw new VaultkeyError('WRONG_PASSPHRASE', 'wrong passphrase for this backup');
    throw new VaultkeyError('UNSUPPORTED', 'AES-GCM is not available', { cause: e });
  }
  try {
    const payload = decodePayload(plaintext);
    if (signal?.aborted) {
      // Aborted while AES-GCM ran: nothing is handed out.
      wipePayload(payload);
      throw aborted(signal);
    }
    report(1);
    return payload;
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Proves a backup opens with this passphrase and reports what it holds,
 * without handing out any secret (they are zeroed before returning).
 */
export async function verifyBackup(file: Uint8Array, passphrase: string, opts: DecryptBackupOptions = {}): Promise<BackupSummary> {
  const header = inspectBackup(file);
  const p = await decryptBackup(file, passphrase, opts);
  try {
    const summary: BackupSummary = {
      header,
      version: p.version,
      createdAt: p.createdAt,
      keys: p.keys.map(({ secret: _s, mnemonic, ...pub }) => ({ ...pub, hasMnemonic: mnemonic !== undefined })),
      lifecycleRecords: p.lifecycle?.length ?? 0,
      policies: p.policies?.length ?? 0,
      accounts: p.accounts?.length ?? 0,
    };
    if (p.vaultId !== undefined) summary.vaultId = p.vaultId;
    return summary;
  } finally {
    wipePayload(p);
  }
}
