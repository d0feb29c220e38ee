// Starts one worker in a browser. The `new Worker(new URL(..., import.meta.url))`
// form is the one Vite, webpack 5 and Parcel recognise and bundle.
import { wrap, type Remote } from 'comlink';
import type { WorkerApi } from '../../worker/api.js';

export interface Spawned {
  remote: Remote<WorkerApi>;
  /** Lets an idle Node process exit; no-op in browsers. */
  hold(busy: boolean): void;
  terminate(): void;
}

export function spawnWorker(): Spawned {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'vaultkey' });
  return {
    remote: wrap<WorkerApi>(worker),
    hold() {},
    terminate: () => worker.terminate(),
  };
}

export function defaultPoolSize(): number {
  return Math.max(1, Math.min(globalThis.navigator?.hardwareConcurrency ?? 2, 8));
}
