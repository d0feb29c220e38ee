// Argon2id (RFC 9106) for the vault's passphrase KEK and the backup file key.
//
// One entry point so callers never care which engine runs it. The engine is
// vaultkey's own WASM (assembly/argon2/ via ./argon2-wasm.ts): in Node 20 it
// runs t=3, m=64 MiB, p=1 1.5-1.7x faster than hash-wasm's (medians of
// interleaved runs, `npm run bench -- kdf`), it reports progress after every
// slice (4t steps), and its 64 MiB is zeroed and dropped after each call
// instead of staying allocated. test/argon2.test.ts checks it against the
// RFC 9106 vector, hash-wasm and @noble/hashes.
import { argon2idWasm } from './argon2-wasm.js';
import { VaultkeyError, assertBytes } from '../errors.js';

/** Which implementation argon2id() runs (the benchmark prints it). */
export const argon2Engine = 'vaultkey-wasm';

export interface Argon2idOptions {
  /** Passes (RFC 9106 t), >= 1. */
  t: number;
  /** Memory in KiB (RFC 9106 m), >= 8 * p. */
  m: number;
  /** Lanes (RFC 9106 p), 1..16. */
  p: number;
  /** Output length in bytes, 4..1024. Default 32. */
  dkLen?: number;
  /** Called with a fraction in [0, 1] as the passes progress. */
  onProgress?: (fraction: number) => void;
  /**
   * Stops the derivation: checked before it starts and after every slice
   * (1/4t of the work), then it rejects with ABORTED. The engine zeroes its
   * memory on the way out, so nothing derived is left or returned.
   */
  signal?: AbortSignal;
}

function checkOptions(o: Argon2idOptions): Required<Omit<Argon2idOptions, 'onProgress' | 'signal'>> {
  if (!o || typeof o !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'argon2id options { t, m, p } are required');
  const dkLen = o.dkLen ?? 32;
  const ok = (v: unknown, lo: number, hi: number) => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
  if (!ok(o.t, 1, 100)) throw new VaultkeyError('INVALID_ARGUMENT', 'argon2id t must be an integer in [1, 100]');
  if (!ok(o.p, 1, 16)) throw new VaultkeyError('INVALID_ARGUMENT', 'argon2id p must be an integer in [1, 16]');
  if (!ok(o.m, 8 * o.p, 4 * 1024 * 1024))
    throw new VaultkeyError('INVALID_ARGUMENT', 'argon2id m (KiB) must be an integer in [8p, 4194304]');
  if (!ok(dkLen, 4, 1024)) throw new VaultkeyError('INVALID_ARGUMENT', 'argon2id dkLen must be an integer in [4, 1024]');
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function')
    throw new VaultkeyError('INVALID_ARGUMENT', 'onProgress must be a function');
  return { t: o.t, m: o.m, p: o.p, dkLen };
}

/** Argon2id(password, salt) → dkLen bytes. The caller owns (and zeroes) `password`. */
export async function argon2id(password: Uint8Array, salt: Uint8Array, options: Argon2idOptions): Promise<Uint8Array> {
  assertBytes(password, 'password');
  assertBytes(salt, 'salt');
  if (salt.length < 8) throw new VaultkeyError('INVALID_LENGTH', 'argon2id salt must be at least 8 bytes');
  const { t, m, p, dkLen } = checkOptions(options);
  const signal = options.signal;
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof signal.aborted !== 'boolean'))
    throw new VaultkeyError('INVALID_ARGUMENT', 'signal must be an AbortSignal');
  const user = options.onProgress;
  const aborted = () =>
    new VaultkeyError('ABORTED', 'the operation was aborted', signal?.reason === undefined ? {} : { cause: signal.reason });
  if (signal?.aborted) throw aborted();
  user?.(0);
  // The engine reports k/4t after each slice and 1 with the tag; it throws
  // only VaultkeyErrors (OUT_OF_MEMORY when m KiB cannot be allocated) or
  // whatever onProgress throws, and zeroes its memory when it does. With a
  // signal it always gets a callback, so it yields between slices and the
  // abort is seen after the next one.
  const onProgress = signal
    ? (f: number) => {
        if (signal.aborted) throw aborted();
        user?.(f);
      }
    : user;
  return argon2idWasm(password, salt, { t, m, p, dkLen, ...(onProgress ? { onProgress } : {}) });
}
