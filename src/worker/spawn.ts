// Starts one worker in a browser. The `new Worker(new URL(..., import.meta.url))`
// form is the one Vite, webpack 5 and Parcel recognise and bundle.
import { wrap, type Remote } from 'comlink';
import type { WorkerApi } from '../../worker/api.js';
import { failure } from './failure.js';

export interface Spawned {
  remote: Remote<WorkerApi>;
  /** Lets an idle Node process exit; no-op in browsers. */
  hold(busy: boolean): void;
  terminate(): void;
  /**
   * Rejects (WORKER_FAILED) if the worker script fails to load or the worker
   * dies: a comlink call to a dead worker would otherwise wait forever, so
   * callers race their calls against it.
   */
  failed: Promise<never>;
}

export function spawnWorker(): Spawned {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'vaultkey' });
  const { failed, fail } = failure();
  // 'error' fires when the script cannot be fetched or parsed (a CSP refusal, a
  // bundler that lost the file) and on an uncaught error inside the worker.
  worker.addEventListener('error', (e) => {
    e.preventDefault();
    worker.terminate();
    fail('the vaultkey worker failed to load or crashed');
  });
  return {
    remote: wrap<WorkerApi>(worker),
    hold() {},
    terminate: () => {
      worker.terminate();
      fail('the vaultkey worker was terminated');
    },
    failed,
  };
}

export function defaultPoolSize(): number {
  return Math.max(1, Math.min(globalThis.navigator?.hardwareConcurrency ?? 2, 8));
}
