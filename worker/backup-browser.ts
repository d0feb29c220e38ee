// The backup worker (browser build, dist/backup-worker.js): the backup
// formats (worker/vault/formats.ts) in a dedicated worker that the vault
// worker starts on first use and terminates once idle
// (worker/vault/formats-host.browser.ts). Only the vault worker holds its
// port: the page never sees what passes between them. Its code is fetched on
// the first backup, SLIP-0039 or keystore v3 call, not with the first load
// (docs/vault.md "Lazy parts").
//
// Secrets it receives are its own copies (the vault worker transfers them):
// it zeroes them when the call ends; the secrets it returns are copied and
// transferred, the originals zeroed. Its lazy parts (the Argon2id WASM, the
// SLIP-0039 words) come from the vault worker, checked by digest here again.
import { expose, transfer, wrap } from 'comlink';
import { installed } from '../src/worker/protocol.js';
import type { PartName } from '../src/core/parts.js';
import { wipePayload } from '../src/backup/payload.js';
import type { BackupPayload } from '../src/backup/format.js';
import type { DecryptBackupOptions, EncryptBackupOptions } from '../src/backup/file.js';
import type { CombineAsyncOptions, SplitAsyncOptions } from '../src/backup/slip39.js';
import type { ShareSplitOptions } from '../src/backup/shares.js';
import type { KeystoreV3DecryptOptions, KeystoreV3EncryptOptions } from '../src/backup/keystore-v3.js';
import { formats } from './vault/formats.js';
import { movable, movablePayload } from './moved.js';
import { partsFrom } from './parts.js';

void installed;

type Progress = ((f: number) => void) | undefined;
const withProgress = <O extends object>(o: O, onProgress: Progress): O => ({ ...(o ?? {}), ...(onProgress ? { onProgress } : {}) }) as O;

/** A secret result as a message: a movable copy, the original zeroed. (comlink transfers what a result lists at its top level only.) */
function secretOut(b: Uint8Array): Uint8Array {
  const t: Transferable[] = [];
  const c = movable(b, t);
  b.fill(0);
  return transfer(c, t);
}

export const backupApi = {
  /**
   * Where this worker gets its lazy parts: the vault worker's own, asked on the port it sends (each
   * checked against its digest here too).
   */
  parts(port: MessagePort): void {
    const fetchPart = wrap<(name: PartName) => Promise<unknown>>(port);
    partsFrom((name) => fetchPart(name));
  },
  async encryptBackup(payload: BackupPayload, passphrase: string, opts: EncryptBackupOptions, onProgress?: Progress): Promise<Uint8Array> {
    try {
      return await formats.encryptBackup(payload, passphrase, withProgress(opts, onProgress));
    } finally {
      wipePayload(payload);
    }
  },
  async decryptBackup(file: Uint8Array, passphrase: string, opts: DecryptBackupOptions, onProgress?: Progress): Promise<BackupPayload> {
    const p = await formats.decryptBackup(file, passphrase, withProgress(opts, onProgress));
    const t: Transferable[] = [];
    try {
      return transfer(movablePayload(p, t), t);
    } finally {
      wipePayload(p);
    }
  },
  async verifyBackup(file: Uint8Array, passphrase: string, opts: DecryptBackupOptions, onProgress?: Progress) {
    return formats.verifyBackup(file, passphrase, withProgress(opts, onProgress));
  },
  async splitSlip39(seed: Uint8Array, opts: SplitAsyncOptions): Promise<string[][]> {
    try {
      return await formats.splitSlip39(seed, opts);
    } finally {
      seed.fill(0);
    }
  },
  async combineSlip39(mnemonics: string[], opts: CombineAsyncOptions, onProgress?: Progress): Promise<Uint8Array> {
    return secretOut(await formats.combineSlip39(mnemonics, withProgress(opts, onProgress)));
  },
  async decryptKeystoreV3(json: string | object, password: string, opts: KeystoreV3DecryptOptions, onProgress?: Progress) {
    const r = await formats.decryptKeystoreV3(json, password, withProgress(opts, onProgress));
    const t: Transferable[] = [];
    const privateKey = movable(r.privateKey, t);
    r.privateKey.fill(0);
    return transfer({ ...r, privateKey }, t);
  },
  async encryptKeystoreV3(
    privateKey: Uint8Array,
    password: string,
    opts: KeystoreV3EncryptOptions,
    onProgress?: Progress,
  ): Promise<string> {
    try {
      return await formats.encryptKeystoreV3(privateKey, password, withProgress(opts, onProgress));
    } finally {
      privateKey.fill(0);
    }
  },
  async splitShares(key: Uint8Array, split: ShareSplitOptions) {
    try {
      const r = await formats.splitShares(key, split);
      const t: Transferable[] = [];
      const shares = r.shares.map((s) => {
        const c = movable(s, t);
        s.fill(0);
        return c;
      });
      return transfer({ shares, shareTexts: r.shareTexts }, t);
    } finally {
      key.fill(0);
    }
  },
  async combineShares(shares: Uint8Array[]): Promise<Uint8Array> {
    try {
      return secretOut(await formats.combineShares(shares));
    } finally {
      if (Array.isArray(shares)) for (const s of shares) if (s instanceof Uint8Array) s.fill(0);
    }
  },
};

export type BackupWorkerApi = typeof backupApi;

expose(backupApi);
