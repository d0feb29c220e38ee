// vaultkey/core: synchronous primitives after `await init()`, same results in
// Node and browsers (SPEC §3).
export { init } from './wasm.js';
export { sha256, sha512, hmacSha512, pbkdf2Sha512, ripemd160, hash160 } from './hash.js';
export { mnemonicToSeed, generateMnemonic, validateMnemonic, pbkdf2Backend } from './bip39.js';
export { VaultkeyError } from '../errors.js';
export type { VaultkeyErrorCode } from '../errors.js';
export { ed25519 } from './ed25519.js';
export { secp256k1 } from './secp256k1.js';
export * from '../hd/index.js';
