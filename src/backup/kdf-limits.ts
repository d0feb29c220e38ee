// Caps, abort and progress for the long KDFs of src/backup/ (docs/backup.md
// §Bounds, caps, abort and progress): Argon2id of the backup file (RFC 9106),
// scrypt (RFC 7914) and PBKDF2 (RFC 8018) of keystore v3, and SLIP-0039's
// PBKDF2 Feistel rounds.
//
// Two layers bound what an input can make us do:
//   - the format bounds (KDF_BOUNDS in format.ts, KEYSTORE_BOUNDS, SLIP-0039's
//     4-bit exponent): what a file may ask at all (CORRUPTED / UNSUPPORTED);
//   - the caller's caps (KdfLimits below, defaults KDF_LIMITS): what this
//     caller agrees to spend on one derivation (KDF_LIMIT, naming the cap).
// Both are checked before any KDF work starts. The defaults are sized so a
// browser tab (or the vault worker) survives a hostile file: at most 256 MiB
// and about a second or three of CPU on a desktop.
import { VaultkeyError } from '../errors.js';

/** Caps on one derivation. Omitted fields take the KDF_LIMITS default; raise them explicitly. */
export interface KdfLimits {
  /** Largest KDF memory in bytes: Argon2id m·1024, scrypt 128·n·r. Default 268435456 (256 MiB). */
  maxMemoryBytes?: number;
  /** Largest Argon2id t·m: the 1 KiB blocks it computes. Default 1048576 (e.g. t=4 at 256 MiB; the default file is 196608). */
  maxArgon2Blocks?: number;
  /** Largest scrypt n·r·p. Default 4194304 = 2^22 (2× geth's standard n=2^18, r=8, p=1). */
  maxScryptWork?: number;
  /** Largest keystore v3 PBKDF2 iteration count c. Default 1000000. */
  maxPbkdf2Iterations?: number;
  /** Largest SLIP-0039 iteration exponent e (10000·2^e PBKDF2 iterations). Default 5; SLIP-0039 allows 0..15. */
  maxIterationExponent?: number;
}

/** The default caps (docs/backup.md §Bounds, caps, abort and progress). */
export const KDF_LIMITS: Readonly<Required<KdfLimits>> = Object.freeze({
  maxMemoryBytes: 256 * 1024 * 1024,
  maxArgon2Blocks: 1024 * 1024,
  maxScryptWork: 2 ** 22,
  maxPbkdf2Iterations: 1_000_000,
  maxIterationExponent: 5,
});

/** What a long-running backup call accepts besides its own options. */
export interface KdfControl {
  /** Aborts the call: it rejects with ABORTED and returns nothing. */
  signal?: AbortSignal;
  /** Called with non-decreasing fractions from 0 to 1. */
  onProgress?: (fraction: number) => void;
  /** Caps on the KDF's memory and work (KDF_LIMITS by default). */
  limits?: KdfLimits;
}

/**
 * How many derivations the backup KDFs have started in this realm, and how
 * many SLIP-0039 PBKDF2 iterations they ran: for tests (test/kdf-bounds.test.ts)
 * that show a refusal happened before any work. Not part of the public API.
 */
export const kdfWork = { argon2id: 0, scrypt: 0, pbkdf2: 0, slip39Iterations: 0 };

const LIMIT_KEYS = Object.keys(KDF_LIMITS) as (keyof KdfLimits)[];

/** The caps for one call: the defaults, with the caller's fields (each read once) on top. */
export function resolveLimits(limits: unknown): Required<KdfLimits> {
  const out = { ...KDF_LIMITS };
  if (limits === undefined) return out;
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'limits must be an object');
  }
  let keys: string[];
  try {
    keys = Object.keys(limits);
  } catch {
    throw new VaultkeyError('INVALID_ARGUMENT', 'limits must be a plain object');
  }
  for (const k of keys) {
    if (!(LIMIT_KEYS as string[]).includes(k)) throw new VaultkeyError('INVALID_ARGUMENT', `unknown limit ${k.slice(0, 32)}`);
    let v: unknown;
    try {
      v = (limits as Record<string, unknown>)[k];
    } catch {
      throw new VaultkeyError('INVALID_ARGUMENT', `limits.${k} could not be read`);
    }
    if (v === undefined) continue;
    const max = k === 'maxIterationExponent' ? 15 : Number.MAX_SAFE_INTEGER;
    const min = k === 'maxIterationExponent' ? 0 : 1;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new VaultkeyError('INVALID_ARGUMENT', `limits.${k} must be an integer in [${min}, ${max}]`);
    }
    out[k as keyof KdfLimits] = v;
  }
  return out;
}

/** KDF_LIMIT naming the cap: "<what> = <value> exceeds <cap> (<limit>)". Parameters are public, never secrets. */
export function overLimit(what: string, cap: keyof KdfLimits, limit: number): VaultkeyError {
  return new VaultkeyError('KDF_LIMIT', `${what} exceeds ${cap} (${limit})`);
}

/** The signal, if any, after checking it is one (an AbortSignal, or something shaped like it). */
export function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  const s = signal as AbortSignal;
  if (typeof s !== 'object' || s === null || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
    throw new VaultkeyError('INVALID_ARGUMENT', 'signal must be an AbortSignal');
  }
  return s;
}

export function aborted(signal: AbortSignal | undefined): VaultkeyError {
  return new VaultkeyError('ABORTED', 'the operation was aborted', signal?.reason === undefined ? undefined : { cause: signal.reason });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw aborted(signal);
}

/** Wraps a progress callback so the caller sees values in [0, 1] that never go back. */
export function progress(cb: unknown): (f: number) => void {
  if (cb === undefined) return () => {};
  if (typeof cb !== 'function') throw new VaultkeyError('INVALID_ARGUMENT', 'onProgress must be a function');
  let last = 0;
  let started = false;
  return (f: number) => {
    const v = Math.min(1, Math.max(last, Number.isFinite(f) ? f : last));
    if (started && v === last) return;
    started = true;
    last = v;
    cb(v);
  };
}

/** Reads signal, onProgress and limits from an options object, each once. */
export function readControl(opts: unknown): { signal?: AbortSignal; report: (f: number) => void; limits: Required<KdfLimits> } {
  if (opts === undefined) return { report: () => {}, limits: { ...KDF_LIMITS } };
  if (typeof opts !== 'object' || opts === null) throw new VaultkeyError('INVALID_ARGUMENT', 'options must be an object');
  let signal: unknown;
  let onProgress: unknown;
  let limits: unknown;
  try {
    ({ signal, onProgress, limits } = opts as KdfControl);
  } catch {
    throw new VaultkeyError('INVALID_ARGUMENT', 'options could not be read');
  }
  const s = checkSignal(signal);
  return { ...(s ? { signal: s } : {}), report: progress(onProgress), limits: resolveLimits(limits) };
}

/**
 * A macrotask boundary: setImmediate in Node; a MessageChannel message in
 * browsers and workers (setTimeout would be clamped to 4 ms once nested).
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') {
      setImmediate(resolve);
      return;
    }
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

/**
 * Settles with `work`, or rejects with ABORTED as soon as `signal` fires. For
 * work that cannot be interrupted (WebCrypto's PBKDF2): the caller stops
 * waiting at once, and a result that arrives later goes to `discard` (which
 * zeroes it), never to the caller.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, discard: (late: T) => void): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const onAbort = () => {
      if (done) return;
      done = true;
      reject(aborted(signal));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        if (done) discard(v);
        else {
          done = true;
          resolve(v);
        }
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        if (!done) {
          done = true;
          reject(e);
        }
      },
    );
  });
}
