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
