// A browser page's source of the lazy parts (./parts.ts): its own chunks,
// through ./parts-load.ts. Set by the page's entry points (vaultkey,
// vaultkey/core's init(), vaultkey/backup); Node needs none of this, its
// default source is the same loader (./parts-default.ts).
import { loadPart } from './parts-load.js';
import { setPartSource } from './parts.js';

/** Makes loadPart this realm's source of parts (idempotent; a source set before stays). */
export function usePartLoader(): void {
  setPartSource(loadPart);
}
