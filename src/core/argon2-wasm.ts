// Engine for build/argon2.wasm (assembly/argon2/): Argon2id of RFC 9106 with
// the secret key K and associated data X, progress per slice, and a fresh
// WASM instance per derivation.
//
// Why an instance per call: the module grows its memory to m KiB, and a
// WebAssembly.Memory never shrinks. Dropping the instance is the only way to
// give 64 MiB back to the engine. Compiling is the costly part, so the
// Module is compiled once per realm and only instantiated per call.
//
// CSP: the bytes are inlined (build/argon2-inline.js) and compiled with
// WebAssembly.compile/instantiate on a buffer, which needs only
// 'wasm-unsafe-eval' (no fetch, no instantiateStreaming from a URL). They are
// a lazy part (./parts.ts): loaded on the first derivation, not with the page.
import { VaultkeyError, assertBytes } from '../errors.js';
import { inlineWasmBytes } from './inline-wasm.js';
import { part } from './parts.js';

/** Raw exports of build/argon2.wasm; see assembly/argon2/index.ts for the protocol. */
interface Argon2Exports {
  memory: WebAssembly.Memory;
  setup(t: number, m: number, p: number, tagLen: number, pwLen: number, saltLen: number, keyLen: number, adLen: number): number;
  start(): number;
  fillSlices(n: number): number;
  finish(): number;
  wipeTag(): void;
  reset(): void;
}

export interface Argon2idWasmOptions {
  /** Passes t, 1..2^24-1. */
  t: number;
  /** Memory m in KiB, 8p..2^32-1 (and what the engine can allocate). */
  m: number;
  /** Lanes p, 1..2^24-1 (computed one after another: the result is the same). */
  p: number;
  /** Tag length T in bytes, 4..1024. */
  dkLen: number;
  /** Secret value K (RFC 9106 §3.1), optional. */
  secret?: Uint8Array;
  /** Associated data X (RFC 9106 §3.1), optional. */
  ad?: Uint8Array;
  /**
   * Called with (slices done) / 4t after each slice but the last, then with
   * 1 once the tag is ready. When given, the computation yields to the event
   * loop between slices so a page can repaint.
   */
  onProgress?: (fraction: number) => void;
}

const U32_MAX = 0xffffffff;
const EMPTY = new Uint8Array(0);

let compiled: Promise<WebAssembly.Module> | undefined;

function argon2Module(): Promise<WebAssembly.Module> {
  compiled ??= part('argon2')
    .then(async (b64) => {
      try {
        return await WebAssembly.compile(await inlineWasmBytes(b64));
      } catch (cause) {
        throw new VaultkeyError('NOT_INITIALIZED', 'could not compile the Argon2 WASM module', { cause });
      }
    })
    .catch((e: unknown) => {
      compiled = undefined;
      throw e;
    });
  return compiled;
}

/**
 * A macrotask boundary: setImmediate in Node; a MessageChannel message in
 * browsers and workers (setTimeout would be clamped to 4 ms once nested).
 */
function nextTask(): Promise<void> {
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

function checkInt(v: unknown, name: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new VaultkeyError('INVALID_ARGUMENT', `argon2id ${name} must be an integer in [${lo}, ${hi}]`);
  }
  return v;
}

/**
 * Argon2id (RFC 9106, version 0x13) in vaultkey's own WASM: `dkLen` bytes
 * from password P, salt S, optional secret K and associated data X. Ranges
 * are RFC 9106 §3.1's except T <= 1024 and t < 2^24; product policy such
 * as a minimum salt length belongs to the caller (src/core/argon2.ts). The
 * caller owns and zeroes `password` and `secret`; their copies in WASM
 * memory are zeroed as soon as H0 is computed, and every block before this
 * returns.
 */
export async function argon2idWasm(password: Uint8Array, salt: Uint8Array, options: Argon2idWasmOptions): Promise<Uint8Array> {
  assertBytes(password, 'password');
  assertBytes(salt, 'salt');
  if (!options || typeof options !== 'object')
    throw new VaultkeyError('INVALID_ARGUMENT', 'argon2id options { t, m, p, dkLen } are required');
  const secret = options.secret ?? EMPTY;
  const ad = options.ad ?? EMPTY;
  assertBytes(secret, 'secret');
  assertBytes(ad, 'ad');
  const t = checkInt(options.t, 't', 1, 0xffffff);
  const p = checkInt(options.p, 'p', 1, 0xffffff);
  const m = checkInt(options.m, 'm (KiB)', 8 * p, U32_MAX);
  const dkLen = checkInt(options.dkLen, 'dkLen', 4, 1024);
  const onProgress = options.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function')
    throw new VaultkeyError('INVALID_ARGUMENT', 'onProgress must be a function');
  for (const [b, name] of [
    [password, 'password'],
    [salt, 'salt'],
    [secret, 'secret'],
    [ad, 'ad'],
  ] as const) {
    if (b.length > U32_MAX) throw new VaultkeyError('INVALID_LENGTH', `argon2id ${name} must be shorter than 2^32 bytes`);
  }

  const mod = await argon2Module();
  let ex: Argon2Exports;
  try {
    ex = (await WebAssembly.instantiate(mod, {})).exports as unknown as Argon2Exports;
  } catch (cause) {
    throw new VaultkeyError('OUT_OF_MEMORY', 'argon2id could not instantiate its WASM module', { cause });
  }
  try {
    // The parameters were checked above, so a refusal here is memory.grow
    // failing: m KiB (plus the inputs) is more than the engine will give.
    const at = ex.setup(t, m, p, dkLen, password.length, salt.length, secret.length, ad.length);
    if (at === 0) throw new VaultkeyError('OUT_OF_MEMORY', 'argon2id could not allocate its memory');
    const view = new Uint8Array(ex.memory.buffer); // after the growth, which detached any earlier view
    let off = at;
    for (const b of [password, salt, secret, ad]) {
      view.set(b, off);
      off += b.length;
    }
    ex.start(); // hashes H0, then zeroes the password and secret copies

    const total = 4 * t;
    if (onProgress) {
      for (let left = total; left > 0; ) {
        left = ex.fillSlices(1);
        if (left > 0) {
          onProgress((total - left) / total);
          await nextTask();
        }
      }
    } else {
      ex.fillSlices(total);
    }

    const tagAt = ex.finish(); // zeroes every block and scratch area
    const tag = new Uint8Array(ex.memory.buffer).slice(tagAt, tagAt + dkLen);
    ex.wipeTag();
    try {
      onProgress?.(1);
    } catch (e) {
      tag.fill(0);
      throw e;
    }
    return tag;
  } finally {
    // On any exit (a throwing onProgress included): zero whatever is left.
    // After a normal finish this only clears small scratch areas again.
    ex.reset();
  }
}
