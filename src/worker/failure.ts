// How a worker's death reaches its callers (shared by the browser and Node spawners).
import { VaultkeyError } from '../errors.js';

/** A promise that rejects once `fail` is called; never unhandled on its own. */
export function failure(): { failed: Promise<never>; fail: (message: string) => void } {
  let fail!: (message: string) => void;
  const failed = new Promise<never>((_resolve, reject) => {
    fail = (message) => reject(new VaultkeyError('WORKER_FAILED', message));
  });
  failed.catch(() => {}); // callers race against `failed`; a worker nobody is waiting on must not raise an unhandled rejection
  return { failed, fail };
}
