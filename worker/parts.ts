// The browser worker's side of the lazy parts (src/core/parts.ts): the
// worker has no import() (Vite's default IIFE worker build cannot split), so
// it asks its page for a part's string the first time it needs one, and
// keeps it only if its SHA-256 is the digest built into this worker
// (build/parts-digest.js, written with the parts by scripts/build-wasm.mjs).
// The page delivers; the worker decides: a page, an extension or a network
// path that swaps a chunk gets PART_REJECTED, never its bytes run.
// docs/vault.md "Lazy parts".
import digests from '../build/parts-digest.js';
import { VaultkeyError } from '../src/errors.js';
import { PART_NAMES, setPartSource, type PartName } from '../src/core/parts.js';

async function sha256Hex(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  let out = '';
  for (const b of d) out += b.toString(16).padStart(2, '0');
  return out;
}

/**
 * Takes the parts from `fetchPart` (a comlink proxy to the page's loader, or for the backup worker to
 * the vault worker's parts), each checked against its digest.
 */
export function partsFrom(fetchPart: (name: PartName) => Promise<unknown>): void {
  if (typeof fetchPart !== 'function') throw new VaultkeyError('INVALID_ARGUMENT', 'parts takes a function');
  setPartSource(async (name) => {
    if (!PART_NAMES.includes(name)) throw new VaultkeyError('INVALID_ARGUMENT', `unknown part ${String(name)}`);
    let data: unknown;
    try {
      data = await fetchPart(name);
    } catch (cause) {
      // The backup worker's source is the vault worker, which may have refused the page's copy already.
      if (cause instanceof VaultkeyError && cause.code === 'PART_REJECTED') throw cause;
      throw new VaultkeyError('NOT_INITIALIZED', `the page could not load vaultkey's ${name} part`, { cause });
    }
    if (typeof data !== 'string' || (await sha256Hex(data)) !== digests[name]) {
      throw new VaultkeyError('PART_REJECTED', `vaultkey's ${name} part from the page is not the one this worker was built with`);
    }
    return data;
  });
}
