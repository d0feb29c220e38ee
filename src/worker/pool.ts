// A pool of vaultkey workers (size = hardware concurrency by default). `call`
// goes to the least busy worker; `batch` splits a list of calls into one
// contiguous slice per worker and reassembles the results in order.
import { VaultkeyError } from '../errors.js';
import { installed } from './protocol.js';
import { defaultPoolSize, spawnWorker, type Spawned } from './spawn.js';
import type { MethodName, WorkerMethods } from '../../worker/api.js';

void installed;

type Result<K extends MethodName> = Awaited<ReturnType<WorkerMethods[K]>>;

interface Slot {
  w: Spawned;
  pending: number;
}

export interface PoolOptions {
  /** Number of workers; defaults to the hardware concurrency (at most 8). */
  size?: number;
}

export class WorkerPool {
  private slots: Slot[];
  private closed = false;

  private constructor(slots: Slot[]) {
    this.slots = slots;
  }

  /** Starts the workers and waits until each has instantiated its WASM. */
  static async create(options: PoolOptions = {}): Promise<WorkerPool> {
    const size = options.size ?? defaultPoolSize();
    if (!Number.isInteger(size) || size < 1 || size > 64) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'pool size must be an integer in [1, 64]');
    }
    const slots: Slot[] = [];
    try {
      for (let i = 0; i < size; i++) slots.push({ w: spawnWorker(), pending: 0 });
      const pool = new WorkerPool(slots);
      await Promise.all(slots.map((s) => pool.run(s, () => s.w.remote.ready())));
      return pool;
    } catch (cause) {
      for (const s of slots) s.w.terminate();
      if (cause instanceof VaultkeyError) throw cause;
      throw new VaultkeyError('WORKER_FAILED', 'could not start the vaultkey workers', { cause });
    }
  }

  get size(): number {
    return this.slots.length;
  }

  private async run<T>(slot: Slot, job: () => Promise<T>): Promise<T> {
    if (this.closed) throw new VaultkeyError('WORKER_FAILED', 'the worker pool was terminated');
    if (slot.pending++ === 0) slot.w.hold(true);
    try {
      return await Promise.race([job(), slot.w.failed]);
    } finally {
      if (--slot.pending === 0) slot.w.hold(false);
    }
  }

  /** Runs one method on the least busy worker. */
  call<K extends MethodName>(name: K, ...args: Parameters<WorkerMethods[K]>): Promise<Result<K>> {
    let best = this.slots[0]!;
    for (const s of this.slots) if (s.pending < best.pending) best = s;
    return this.run(best, () => best.w.remote.call(name, args) as Promise<Result<K>>);
  }

  /** Runs one method over many argument lists, spread across all workers; results keep input order. */
  async batch<K extends MethodName>(name: K, calls: Parameters<WorkerMethods[K]>[]): Promise<Result<K>[]> {
    if (!Array.isArray(calls)) throw new VaultkeyError('INVALID_ARGUMENT', 'batch takes an array of argument lists');
    const n = this.slots.length;
    const per = Math.ceil(calls.length / n);
    const parts = await Promise.all(
      this.slots.map((s, i) => {
        const slice = calls.slice(i * per, (i + 1) * per);
        return slice.length === 0 ? Promise.resolve([]) : this.run(s, () => s.w.remote.batch(name, slice) as Promise<Result<K>[]>);
      }),
    );
    return parts.flat() as Result<K>[];
  }

  terminate(): void {
    this.closed = true;
    for (const s of this.slots) s.w.terminate();
  }
}
