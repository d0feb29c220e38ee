// The backup formats the vault uses (./backup.ts): encrypted backup files
// (docs/backup.md), binary Shamir shares of a backup key, SLIP-0039 shares of
// a seed, Ethereum keystore v3. They
// are pure functions of their arguments: no vault state, no storage. In Node
// and the tests they run in the vault worker itself (./formats-host.ts); in
// the browser build, in a backup worker that the vault worker starts for each
// call (./formats-host.browser.ts, worker/backup-browser.ts), so their code
// is not part of the first load (docs/vault.md "Lazy parts").
//
// Ownership: a caller keeps its arguments (and wipes its secrets itself); the
// secrets a call returns are the caller's.
import {
  decryptBackup,
  encryptBackup,
  verifyBackup,
  type BackupSummary,
  type DecryptBackupOptions,
  type EncryptBackupOptions,
} from '../../src/backup/file.js';
import type { BackupPayload } from '../../src/backup/format.js';
import { combineShares, encodeShareText, splitSecret, type ShareSplitOptions } from '../../src/backup/shares.js';
import {
  combineMnemonicsAsync,
  splitMasterSecretAsync,
  type CombineAsyncOptions,
  type SplitAsyncOptions,
} from '../../src/backup/slip39.js';
import {
  decryptKeystoreV3,
  encryptKeystoreV3,
  type KeystoreV3Account,
  type KeystoreV3DecryptOptions,
  type KeystoreV3EncryptOptions,
} from '../../src/backup/keystore-v3.js';

export interface Formats {
  encryptBackup(payload: BackupPayload, passphrase: string, opts: EncryptBackupOptions): Promise<Uint8Array>;
  decryptBackup(file: Uint8Array, passphrase: string, opts: DecryptBackupOptions): Promise<BackupPayload>;
  verifyBackup(file: Uint8Array, passphrase: string, opts: DecryptBackupOptions): Promise<BackupSummary>;
  splitSlip39(seed: Uint8Array, opts: SplitAsyncOptions): Promise<string[][]>;
  combineSlip39(mnemonics: string[], opts: CombineAsyncOptions): Promise<Uint8Array>;
  decryptKeystoreV3(json: string | object, password: string, opts: KeystoreV3DecryptOptions): Promise<KeystoreV3Account>;
  encryptKeystoreV3(privateKey: Uint8Array, password: string, opts: KeystoreV3EncryptOptions): Promise<string>;
  /** Binary Shamir shares of a backup key, and their text form. */
  splitShares(key: Uint8Array, split: ShareSplitOptions): Promise<{ shares: Uint8Array[]; shareTexts: string[] }>;
  /** The backup key from its shares. */
  combineShares(shares: Uint8Array[]): Promise<Uint8Array>;
}

export const formats: Formats = {
  encryptBackup,
  decryptBackup,
  verifyBackup,
  splitSlip39: splitMasterSecretAsync,
  combineSlip39: combineMnemonicsAsync,
  decryptKeystoreV3,
  encryptKeystoreV3,
  async splitShares(key, split) {
    const shares = splitSecret(key, split);
    return { shares, shareTexts: shares.map(encodeShareText) };
  },
  async combineShares(shares) {
    return combineShares(shares);
  },
};
