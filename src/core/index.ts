// vaultkey/core: synchronous primitives after `await init()`, same results in
// Node and browsers.
import { init as initWasm } from './wasm.js';
import { registerCurve } from '../hd/curves.js';
import { VaultkeyError } from '../errors.js';

export { sha256, sha512, hmacSha512, pbkdf2Sha512, ripemd160, hash160 } from './hash.js';
export { mnemonicToSeed, generateMnemonic, validateMnemonic, pbkdf2Backend } from './bip39.js';
export type { Pbkdf2Backend } from './bip39.js';
export { VaultkeyError } from '../errors.js';
export type { VaultkeyErrorCode } from '../errors.js';
export { ed25519 } from './ed25519.js';
export { secp256k1 } from './secp256k1.js';
export * from '../hd/index.js';

let nist: Promise<void> | undefined;

/**
 * Instantiates the WASM once, and loads nist256p1 for HDKey. P-256 runs on
 * @noble/curves, too big for the vault worker's bundle, so it is a separate
 * chunk that only this entry point fetches (see scripts/bundle-size.mjs).
 */
export async function init(): Promise<void> {
  nist ??= import('../hd/nist256p1.js').then(
    (m) => registerCurve(m.nist256p1),
    (cause) => {
      nist = undefined;
      throw new VaultkeyError('NOT_INITIALIZED', 'could not load the nist256p1 module', { cause });
    },
  );
  await Promise.all([initWasm(), nist]);
}
