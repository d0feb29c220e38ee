// Exports of build/ed25519.wasm: Ed25519 (RFC 8032 §5.1) keys, signing and
// verification, in the calling convention of ../mem.ts (layout in ./exports.ts).
//
// A module of its own, not part of build/vaultkey.wasm: a secp256k1-only
// page never needs it, so the browser build fetches it only on first use
// (the vault worker asks its page for it and checks its SHA-256 first:
// docs/vault.md "Lazy parts", scripts/bundle-size.mjs). It carries its own
// copy of SHA-512, the one hash RFC 8032 §5.1 needs.

export { ioPtr, bufPtr, wipe, wipeScratch } from '../mem';
export { ed25519PublicKey, ed25519Sign, ed25519Verify, ed25519Precompute } from './exports';
export { ed25519VerifyBatch } from './batch';
