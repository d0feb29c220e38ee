// Browser scheduling of the lifecycle (docs/lifecycle.md "Scheduling in a
// browser"): advance warnings, automatic rotation and grace-period expiry,
// evaluated periodically.
//
// - Due work is evaluated when the scheduler starts (the vault opens) and then
//   on a timer while the page is open.
// - Exactly one tab acts: the run happens inside a Web Lock taken with
//   `ifAvailable`, so a tab that finds another tab running skips this round
//   instead of queueing behind it and repeating the work. The store's
//   compare-and-set (store.ts) is the second line: even without Web Locks a
//   change is committed once.
// - Events: every manager event is re-dispatched here and posted on a
//   BroadcastChannel; other tabs' schedulers dispatch what they receive with
//   `remote: true`, so each tab's listeners hear about every change once.
import { VaultkeyError } from '../errors.js';
import { LifecycleEvent, type LifecycleEventDetail, type LifecycleManager, type RunResult } from './manager.js';

export interface LockManagerLike {
  request<T>(name: string, options: { ifAvailable: true }, callback: (lock: unknown | null) => Promise<T>): Promise<T>;
}

export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  close(): void;
}

export interface TimerLike {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface SchedulerOptions {
  /** Vault name: the lock is `vaultkey-lifecycle:${name}`, the channel too. */
  name: string;
  /** Default 60 s. */
  intervalMs?: number;
  /** Default `navigator.locks`; null: no Web Locks (the store's CAS still holds). */
  locks?: LockManagerLike | null;
  /** Default a BroadcastChannel named after the vault; null: single tab. */
  channel?: ChannelLike | null;
  timers?: TimerLike;
}

export interface RunOnceResult {
  /** False when another tab held the lock, so this tab did nothing. */
  acted: boolean;
  result: RunResult | null;
}

const FORWARDED = [
  'transition',
  'warning',
  'rotation-due',
  'rotated',
  'expired',
  'deactivated',
  'suspended',
  'compromised',
  'destroyed',
] as const;

/** Dispatched when a timer run fails (runOnce callers get the error instead). */
export class SchedulerErrorEvent extends Event {
  readonly error: unknown;
  constructor(error: unknown) {
    super('error');
    this.error = error;
  }
}

export class LifecycleScheduler extends EventTarget {
  readonly #manager: LifecycleManager;
  readonly #lockName: string;
  readonly #intervalMs: number;
  readonly #locks: LockManagerLike | null;
  readonly #channel: ChannelLike | null;
  readonly #timers: TimerLike;
  readonly #tab = Math.random().toString(36).slice(2);
  #timer: unknown = null;
  #running: Promise<RunOnceResult> | null = null;
  #started = false;

  constructor(manager: LifecycleManager, options: SchedulerOptions) {
    super();
    if (!manager) throw new VaultkeyError('INVALID_ARGUMENT', 'a LifecycleManager is required');
    if (typeof options?.name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(options.name)) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'scheduler name must be 1-64 characters of [A-Za-z0-9_.-]');
    }
    const interval = options.intervalMs ?? 60_000;
    if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 10 || interval > 86_400_000) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'intervalMs must be between 10 ms and one day');
    }
    this.#manager = manager;
    this.#lockName = `vaultkey-lifecycle:${options.name}`;
    this.#intervalMs = interval;
    const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
    this.#locks = options.locks !== undefined ? options.locks : (nav?.locks ?? null);
    this.#channel =
      options.channel !== undefined
        ? options.channel
        : typeof BroadcastChannel === 'function'
          ? (new BroadcastChannel(this.#lockName) as unknown as ChannelLike)
          : null;
    this.#timers = options.timers ?? { setInterval: (f, ms) => setInterval(f, ms), clearInterval: (h) => clearInterval(h as never) };
  }

  /** Starts listening, evaluates once now (vault open), then on every tick. */
  async start(): Promise<RunOnceResult> {
    if (!this.#started) {
      this.#started = true;
      for (const t of FORWARDED) this.#manager.addEventListener(t, this.#forward);
      this.#channel?.addEventListener('message', this.#onMessage);
      this.#timer = this.#timers.setInterval(() => {
        this.runOnce().catch((e) => this.dispatchEvent(new SchedulerErrorEvent(e)));
      }, this.#intervalMs);
    }
    return this.runOnce();
  }

  stop(): void {
    if (!this.#started) return;
    this.#started = false;
    this.#timers.clearInterval(this.#timer);
    this.#timer = null;
    for (const t of FORWARDED) this.#manager.removeEventListener(t, this.#forward);
    this.#channel?.removeEventListener('message', this.#onMessage);
  }

  /** stop() and close the channel (the scheduler cannot be restarted). */
  close(): void {
    this.stop();
    this.#channel?.close();
  }

  /** One evaluation, if no other tab is running one right now. */
  runOnce(): Promise<RunOnceResult> {
    // Same tab: a tick while the previous run is still going joins it.
    this.#running ??= this.#run().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #run(): Promise<RunOnceResult> {
    const work = async (): Promise<RunOnceResult> => ({ acted: true, result: await this.#manager.runDue() });
    if (!this.#locks) return work();
    return this.#locks.request(this.#lockName, { ifAvailable: true }, async (lock) => {
      if (!lock) return { acted: false, result: null };
      return work();
    });
  }

  readonly #forward = (e: Event): void => {
    const detail = (e as LifecycleEvent).detail;
    this.dispatchEvent(new LifecycleEvent(detail));
    try {
      this.#channel?.postMessage({ kind: 'vaultkey-lifecycle', tab: this.#tab, detail });
    } catch {
      // a closed channel must not break the change that already committed
    }
  };

  readonly #onMessage = (e: MessageEvent): void => {
    const m = e.data as { kind?: string; tab?: string; detail?: LifecycleEventDetail } | null;
    if (!m || m.kind !== 'vaultkey-lifecycle' || m.tab === this.#tab || !m.detail || typeof m.detail.type !== 'string') return;
    if (!(FORWARDED as readonly string[]).includes(m.detail.type)) return;
    this.dispatchEvent(new LifecycleEvent({ ...m.detail, remote: true }));
  };
}
