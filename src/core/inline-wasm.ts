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
