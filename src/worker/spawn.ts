// Starts one worker in a browser. The `new Worker(new URL(..., import.meta.url))`
// form is the one Vite, webpack 5 and Parcel recognise and bundle.
import { proxy, wrap, type Remote } from 'comlink';
import type { WorkerApi } from '../../worker/api.js';
import { failure } from './failure.js';
import { loadPart } from '../core/parts-load.js';

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
  const remote = wrap<WorkerApi>(worker);
  // The worker's source of the lazy parts (src/core/parts.ts): this page loads a part's chunk when the
  // worker asks, and the worker keeps it only if it hashes to the digest built into it (worker/parts.ts).
  // Sent first, so it arrives before any call. A dead worker is reported through `failed`.
  remote.parts(proxy(loadPart)).catch(() => {});
  return {
    remote,
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
