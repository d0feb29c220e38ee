// Browser build of ./parts-default.ts: no default source. A page sets its
// loader (./parts-page.ts); the vault worker takes parts from its page,
// checked by digest (worker/parts.ts).
import type { PartSource } from './parts.js';

export const defaultPartSource: PartSource | undefined = undefined;
