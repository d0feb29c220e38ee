// Peer libraries, loaded only in the bench worker (the main-thread bundle
// imports this module's types, never its code). Each one here bundled with
// esbuild for the browser without shims; tiny-secp256k1's `.wasm` ES-module
// import is bridged by a small esbuild plugin in bench/browser.ts.
export { hmac } from '@noble/hashes/hmac.js';
export { sha512 } from '@noble/hashes/sha2.js';
export { pbkdf2 } from '@noble/hashes/pbkdf2.js';
export { keccak_256 } from '@noble/hashes/sha3.js';
export { hexToBytes } from '@noble/hashes/utils.js';
export { secp256k1, schnorr } from '@noble/curves/secp256k1.js';
export { ed25519 } from '@noble/curves/ed25519.js';
export { HDKey as ScureHDKey } from '@scure/bip32';
export * as hashWasm from 'hash-wasm';
export * as tiny from 'tiny-secp256k1';
export { BIP32Factory } from 'bip32';
export { HDNodeWallet, SigningKey, Signature, hexlify } from 'ethers';
export { SLIP10Node } from '@metamask/key-tree';
export { default as sodium } from 'libsodium-wrappers';
