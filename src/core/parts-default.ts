// The default source of the lazy parts (./parts.ts) in Node: the package's
// own files, through import(). The browser build swaps this file for
// ./parts-default.browser.ts (rollup.config.mjs), so that the vault worker's
// graph has no import() (its parts come from its page, worker/parts.ts).
import { loadPart } from './parts-load.js';
import type { PartSource } from './parts.js';

export const defaultPartSource: PartSource | undefined = loadPart;
