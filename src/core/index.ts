// vaultkey/core: synchronous primitives after `await init()`, same results in
// Node and browsers.
import { init as initWasm } from './wasm.js';
import { registerCurve } from '../hd/curves.js';
import { initP256 } from './p256.js';
import { nist256p1 } from '../hd/nist256p1.js';
import { initEd25519 } from './ed25519.js';
import { initSecp256k1Verify } from './secp256k1-verify.js';
import { usePartLoader } from './parts-page.js';

export { sha256, sha512, keccak256, hmacSha256, hmacSha512, hkdfSha256, pbkdf2Sha512, ripemd160, hash160 } from './hash.js';
export { mnemonicToSeed, generateMnemonic, validateMnemonic, pbkdf2Backend } from './bip39.js';
export type { Pbkdf2Backend } from './bip39.js';
export { VaultkeyError } from '../errors.js';
export type { VaultkeyErrorCode } from '../errors.js';
export { ed25519 } from './ed25519.js';
export type { Ed25519BatchItem } from './ed25519.js';
export { secp256k1 } from './secp256k1.js';
export type { SchnorrBatchItem } from './secp256k1.js';
export { p256 } from './p256.js';
export * from '../hd/index.js';

/**
 * Instantiates the WASM modules once: the core module, the P-256 one
 * (build/p256.wasm, which only this entry point carries: the vault worker
 * never uses P-256, see scripts/bundle-size.mjs), and the Ed25519 and
 * secp256k1 verification ones (lazy parts, src/core/parts.ts: fetched here
 * from their own chunks), and registers nist256p1 for HDKey.
 */
export async function init(): Promise<void> {
  usePartLoader();
  await Promise.all([initWasm(), initP256(), initEd25519(), initSecp256k1Verify()]);
  registerCurve(nist256p1);
}
