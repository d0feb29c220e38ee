// Starts one worker_threads worker in Node (swapped in for spawn.ts by the node build).
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { WorkerApi } from '../../worker/api.js';
import type { Spawned } from './spawn.js';
import { failure } from './failure.js';

export function spawnWorker(): Spawned {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { name: 'vaultkey' });
  worker.unref();
  const { failed, fail } = failure();
  worker.on('error', () => fail('the vaultkey worker failed to load or crashed'));
  worker.on('exit', () => fail('the vaultkey worker exited'));
  return {
    remote: wrap<WorkerApi>(nodeEndpoint(worker)),
    // An idle pool must not keep the process alive; a pending call must.
    hold: (busy) => (busy ? worker.ref() : worker.unref()),
    terminate: () => void worker.terminate(),
    failed,
  };
}

export function defaultPoolSize(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}
