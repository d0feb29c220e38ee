// The WASM modules travel inside the JavaScript as base64 of their gzip
// (scripts/build-wasm.mjs): no side file for a bundler to lose, no fetch for a
// CSP to refuse, and about a quarter fewer bytes than base64 of the raw module
// once the bundle itself is compressed. DecompressionStream (every current
// browser, Node >= 18) inflates it; nothing here needs more than
// 'wasm-unsafe-eval' later, when the bytes are compiled.
import { VaultkeyError } from '../errors.js';

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The module bytes from an inlined `base64(gzip(wasm))` string. */
export async function inlineWasmBytes(b64: string): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof DecompressionStream !== 'function') {
    throw new VaultkeyError('UNSUPPORTED', 'this runtime has no DecompressionStream (needs a current browser or Node >= 18)');
  }
  const stream = new Blob([decodeBase64(b64)]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Every vaultkey module imports only `env.abort`, which AssemblyScript calls
 * on a failed assertion (release builds have none on input paths; the debug
 * build does): it becomes an error the caller can handle, not a crash.
 */
const IMPORTS = {
  env: {
    abort(): never {
      throw new VaultkeyError('INVALID_ARGUMENT', 'WASM rejected its input');
    },
  },
};

/**
 * The `init` of one module per realm: the first call instantiates it from
 * its inlined `base64(gzip(wasm))` (`source` may fetch it first, as a lazy
 * part does) and hands the exports to `ready`; concurrent calls share that
 * work, later ones resolve at once, and a failure lets the next call try
 * again. A VaultkeyError (PART_REJECTED, UNSUPPORTED) passes through; any
 * other failure becomes NOT_INITIALIZED naming `what`.
 */
export function lazyInstance<T>(source: () => string | Promise<string>, what: string, ready: (exports: T) => void): () => Promise<void> {
  let done = false;
  let loading: Promise<void> | undefined;
  return () => {
    if (done) return Promise.resolve();
    loading ??= (async () => {
      try {
        const { instance } = await WebAssembly.instantiate(await inlineWasmBytes(await source()), IMPORTS);
        ready(instance.exports as unknown as T);
        done = true;
      } catch (cause) {
        loading = undefined;
        if (cause instanceof VaultkeyError) throw cause;
        throw new VaultkeyError('NOT_INITIALIZED', `could not instantiate ${what}`, { cause });
      }
    })();
    return loading;
  };
}

/**
 * Most bytes one call can pass through a module's BUF: 4 GiB (the 32-bit
 * address space) less 16 MiB for everything below BUF (static data and
 * tables, under 1 MiB today). Lengths are checked against it before anything
 * is copied, so no length reaches the module's 32-bit arithmetic (or ToInt32
 * of its parameters) wrapped; bufPtr refuses what would pass 4 GiB as well.
 */
export const MAX_INPUT = 2 ** 32 - 2 ** 24;

/**
 * Reserves `len` bytes of a module's BUF (its `bufPtr` export, which may grow
 * memory: take views after this) and returns their address; OUT_OF_MEMORY,
 * before anything is written, when they cannot fit.
 */
export function reserveBuf(e: { bufPtr(len: number): number }, len: number): number {
  if (!(len >= 0 && len <= MAX_INPUT)) {
    throw new VaultkeyError('OUT_OF_MEMORY', `an input of ${len} bytes does not fit WASM memory (at most ${MAX_INPUT})`);
  }
  const p = e.bufPtr(len);
  if (p === 0) throw new VaultkeyError('OUT_OF_MEMORY', `cannot reserve ${len} bytes of WASM memory`);
  return p;
}
