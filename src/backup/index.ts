// Backup & recovery, the storage-free parts: the encrypted backup
// file, binary Shamir shares, SLIP-0039 mnemonic shares and Ethereum keystore
// v3 import/export. docs/backup.md describes the formats and error codes.
import slip39Words from '../../build/slip39-words-inline.js';
import { registerPart } from '../core/parts.js';
import { usePartLoader } from '../core/parts-page.js';

// The synchronous SLIP-0039 functions below need the word list at once, so
// this entry carries it (it is a lazy part only for the vault worker,
// src/core/parts.ts); Argon2id and Ed25519 load from their chunks on first use.
registerPart('slip39-words', slip39Words);
usePartLoader();

export {
  encryptBackup,
  decryptBackup,
  inspectBackup,
  verifyBackup,
  wipePayload,
  MIN_PASSPHRASE_CHARS,
  type EncryptBackupOptions,
  type DecryptBackupOptions,
  type BackupSummary,
  type BackupKeySummary,
} from './file.js';
export {
  DEFAULT_KDF as BACKUP_DEFAULT_KDF,
  KDF_BOUNDS as BACKUP_KDF_BOUNDS,
  PAYLOAD_VERSION as BACKUP_PAYLOAD_VERSION,
  FILE_VERSION as BACKUP_FILE_VERSION,
  MAX_KEYS as BACKUP_MAX_KEYS,
  type BackupPayload,
  type BackupKey,
  type BackupKeyKind,
  type BackupCurve,
  type BackupHeader,
  type KdfParams as BackupKdfParams,
} from './format.js';
export {
  splitSecret,
  combineShares,
  inspectShare,
  encodeShareText,
  decodeShareText,
  type ShareSplitOptions,
  type ShareInfo,
} from './shares.js';
export {
  decryptKeystoreV3,
  encryptKeystoreV3,
  KEYSTORE_BOUNDS,
  KEYSTORE_SCRYPT_DEFAULT,
  type KeystoreV3EncryptOptions,
  type KeystoreV3DecryptOptions,
  type KeystorePasswordNormalization,
  type KeystoreV3Account,
} from './keystore-v3.js';
// SLIP-0039; its single-share codec is renamed here so it is not mistaken
// for the binary shares above.
export {
  splitMasterSecret,
  splitMasterSecretAsync,
  combineMnemonics,
  combineMnemonicsAsync,
  encodeShare as encodeSlip39Share,
  decodeShare as decodeSlip39Share,
  type SplitOptions as Slip39SplitOptions,
  type SplitAsyncOptions as Slip39SplitAsyncOptions,
  type CombineOptions as Slip39CombineOptions,
  type CombineAsyncOptions as Slip39CombineAsyncOptions,
  type Slip39Group,
  type Share as Slip39Share,
} from './slip39.js';
// Caps, abort and progress of the long KDFs above (docs/backup.md §Bounds, caps, abort and progress).
export { KDF_LIMITS, type KdfLimits, type KdfControl } from './kdf-limits.js';
// Offline check of a signed audit export (docs/security.md, "Verifiable
// export"): it lives here, beside the other files an outsider opens without
// the vault, so the main entry does not carry it.
export {
  verifyAuditExport,
  parseAuditPublicKey,
  AUDIT_EXPORT_FORMAT,
  AUDIT_EXPORT_VERSION,
  type SignedAuditExport,
  type ExportedAuditEntry,
  type AuditExportHead,
  type AuditExportVerification,
  type AuditExportFailure,
} from '../security/audit-export.js';
