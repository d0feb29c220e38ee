// Browser build of ./formats-host.ts: the vault worker runs the backup
// formats in a backup worker that it starts itself on first use and
// terminates once idle (worker/backup-browser.ts). Its code is then
// not in the vault worker, whose graph cannot lazy-load code: Vite bundles
// workers as IIFE, which cannot split (docs/vault.md "Lazy parts").
//
// The vault worker creates it and alone holds its port, so the page cannot
// read or replace what passes between them (a worker the page started could
// not be told apart from one it made up). Secrets go over as copies in
// buffers of their own, transferred (worker/moved.ts); the vault worker
// still wipes its originals. The backup worker's lazy parts are this
// worker's, which it checks against the same digests.
import { expose, proxy, releaseProxy, transfer, wrap, type Remote } from 'comlink';
import { VaultkeyError } from '../../src/errors.js';
import { failure } from '../../src/worker/failure.js';
import { part, type PartName } from '../../src/core/parts.js';
import type { BackupWorkerApi } from '../backup-browser.js';
import { movable, movablePayload } from '../moved.js';
import type { Formats } from './formats.js';

type Progress = ((f: number) => void) | undefined;

/**
 * How long an idle backup worker is kept: a run of calls (a restore that is
 * retried, a batch of exports) reuses it; then it is terminated, and with it
 * whatever its heap still held (strings cannot be zeroed).
 */
const IDLE_MS = 2000;

interface Running {
  worker: Worker;
  remote: Remote<BackupWorkerApi>;
  /** This worker's end of the channel the backup worker asks for lazy parts on; closed with it. */
  partsPort: MessagePort;
  failed: Promise<never>;
  calls: number;
  idle: ReturnType<typeof setTimeout> | undefined;
}
let running: Running | null = null;

function stop(r: Running): void {
  if (running === r) running = null;
  clearTimeout(r.idle);
  r.remote[releaseProxy]();
  r.partsPort.close();
  r.worker.terminate();
}

/** The backup worker, started on first use; rejects with WORKER_FAILED if it cannot load or dies. */
function backupWorker(): Running {
  if (running) return running;
  // Nested dedicated workers are in the HTML standard and current engines; a browser without them
  // keeps every other vault operation.
  if (typeof Worker === 'undefined')
    throw new VaultkeyError('UNSUPPORTED', 'the backup formats need a worker started by the vault worker, which this browser cannot do');
  const worker = new Worker(new URL('./backup-worker.js', import.meta.url), { type: 'module', name: 'vaultkey-backup' });
  const { failed, fail } = failure();
  const remote = wrap<BackupWorkerApi>(worker);
  // The parts source on a channel of its own (not a comlink proxy, whose port this side could not
  // close), so that stopping the backup worker releases it.
  const channel = new MessageChannel();
  expose((name: PartName) => part(name), channel.port1);
  const r: Running = { worker, remote, partsPort: channel.port1, failed, calls: 0, idle: undefined };
  worker.addEventListener('error', (e) => {
    e.preventDefault();
    stop(r);
    fail('the vaultkey backup worker failed to load or crashed');
  });
  remote.parts(transfer(channel.port2, [channel.port2])).catch(() => {});
  running = r;
  return r;
}

/** Runs `call` in the backup worker; terminates it once it has been idle for IDLE_MS. */
async function inBackupWorker<T>(call: (w: Remote<BackupWorkerApi>) => Promise<T>): Promise<T> {
  const r = backupWorker();
  clearTimeout(r.idle);
  r.calls++;
  try {
    return (await Promise.race([call(r.remote), r.failed])) as T;
  } finally {
    if (--r.calls === 0 && running === r) r.idle = setTimeout(() => stop(r), IDLE_MS);
  }
}

/** The options without their progress callback (a function: it goes over as a proxy of its own). */
function split<O extends { onProgress?: (f: number) => void; signal?: AbortSignal }>(o: O): [Omit<O, 'onProgress' | 'signal'>, Progress] {
  const { onProgress, signal: _notSent, ...rest } = o ?? ({} as O);
  return [rest, onProgress ? proxy(onProgress) : undefined];
}

export const formats: Formats = {
  encryptBackup: (payload, passphrase, opts) =>
    inBackupWorker((w) => {
      const t: Transferable[] = [];
      const [o, onProgress] = split(opts);
      return w.encryptBackup(transfer(movablePayload(payload, t), t), passphrase, o, onProgress);
    }),
  decryptBackup: (file, passphrase, opts) =>
    inBackupWorker((w) => {
      const [o, onProgress] = split(opts);
      return w.decryptBackup(file, passphrase, o, onProgress) as Promise<Awaited<ReturnType<Formats['decryptBackup']>>>;
    }),
  verifyBackup: (file, passphrase, opts) =>
    inBackupWorker((w) => {
      const [o, onProgress] = split(opts);
      return w.verifyBackup(file, passphrase, o, onProgress);
    }),
  splitSlip39: (seed, opts) =>
    inBackupWorker((w) => {
      const t: Transferable[] = [];
      const { random: _local, onProgress: _p, signal: _s, ...o } = opts ?? {};
      return w.splitSlip39(transfer(movable(seed, t), t), o);
    }),
  combineSlip39: (mnemonics, opts) =>
    inBackupWorker((w) => {
      const [o, onProgress] = split(opts);
      return w.combineSlip39(mnemonics, o, onProgress);
    }),
  decryptKeystoreV3: (json, password, opts) =>
    inBackupWorker((w) => {
      const [o, onProgress] = split(opts);
      return w.decryptKeystoreV3(json, password, o, onProgress);
    }),
  encryptKeystoreV3: (privateKey, password, opts) =>
    inBackupWorker((w) => {
      const t: Transferable[] = [];
      const [o, onProgress] = split(opts);
      return w.encryptKeystoreV3(transfer(movable(privateKey, t), t), password, o, onProgress);
    }),
  splitShares: (key, split) =>
    inBackupWorker((w) => {
      const t: Transferable[] = [];
      return w.splitShares(transfer(movable(key, t), t), split);
    }),
  combineShares: (shares) =>
    inBackupWorker((w) => {
      const t: Transferable[] = [];
      // Anything but bytes goes as it is, for combineShares to refuse with its own code.
      const list = shares.map((s) => (s instanceof Uint8Array ? movable(s, t) : s));
      return w.combineShares(transfer(list, t));
    }),
};
