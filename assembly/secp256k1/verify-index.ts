// Exports of build/secp256k1-verify.wasm: secp256k1 ECDSA verification and
// public-key recovery, BIP-340 verification and batch verification, in the
// calling convention of ../mem.ts (layout in ./verify-exports.ts).
//
// A module of its own, not part of build/vaultkey.wasm: a page that only
// signs with secp256k1 keys never needs it, so the browser build fetches it
// on first use (the vault worker asks its page for it and checks its SHA-256
// first: docs/vault.md "Lazy parts", scripts/bundle-size.mjs). It holds the
// verification tables (./ecmult-verify.ts) and the SIMD-paired field products
// (./pair.ts) that the core module, built with VAULTKEY_SECP_SCALAR_PAIRS,
// leaves out.

export { ioPtr, bufPtr, wipe, wipeScratch } from '../mem';
export {
  secp256k1VerifyPrecompute, secp256k1Verify, secp256k1Recover, secp256k1SchnorrVerify,
  secp256k1SchnorrVerifyBatch, secp256k1SchnorrVerifyBatchSize,
} from './verify-exports';
