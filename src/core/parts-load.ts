// Where a page or Node finds the lazy parts (./parts.ts): import() of the
// module that carries each one. Bundlers turn each import() into a chunk of
// its own, fetched on first use. Never in the browser vault worker's graph
// (see ./parts.ts).
import type { PartName } from './parts.js';
import { VaultkeyError } from '../errors.js';

/** Loads the string of part `name` from its chunk. */
export async function loadPart(name: PartName): Promise<string> {
  switch (name) {
    case 'argon2':
      return (await import('../../build/argon2-inline.js')).default;
    case 'ed25519':
      return (await import('../../build/ed25519-inline.js')).default;
    case 'secp256k1-verify':
      return (await import('../../build/secp256k1-verify-inline.js')).default;
    case 'slip39-words':
      return (await import('../../build/slip39-words-inline.js')).default;
    case 'bip39-words':
      return (await import('../../build/bip39-words-inline.js')).default;
    default:
      throw new VaultkeyError('INVALID_ARGUMENT', `unknown part ${String(name)}`);
  }
}
