// Ed25519 (RFC 8032 §5.1) from the WASM core: getPublicKey, sign, verify.
// Synchronous after `init()`; identical in Node and browsers.
//
// Verification rules (what `verify` accepts), the same as libsodium's
// crypto_sign_verify_detached:
//   - S is canonical: S < L (RFC 8032 §5.1.7 step 1), else false;
//   - A is a canonical encoding (y < p) of a curve point (RFC 8032 §5.1.3),
//     and not of small order (order 1, 2, 4 or 8), else false;
//   - the equation is the cofactorless one, checked on encodings:
//     encode([S]B - [k]A) == R byte for byte, k = SHA-512(R || A || M) mod L.
//     So a non-canonical R is rejected, and so is an R of small order.
// This rejects every "invalid" case of Wycheproof ed25519_test.json and
// accepts every "valid" one. It is stricter than ZIP-215 (which accepts
// non-canonical encodings and checks [8]([S]B - R - [k]A) = 0).
//
// Argument errors (not a Uint8Array, wrong length) throw VaultkeyError
// (INVALID_ARGUMENT / INVALID_LENGTH). In verify, a signature or key of the
// right length but malformed content (S >= L, not a point, small order, ...)
// gives false.
//
// getPublicKey and sign run in withSecrets() (./wasm.ts): the secret, its
// expansion and the nonce are zeroed in WASM memory before they return. The
// message is public and stays in BUF.
import { assertBytes } from '../errors.js';
import { ioAddr, putPublic, read, wasm, zero, mem, withSecrets, type WasmExports } from './wasm.js';

interface Ed25519Exports {
  ed25519PublicKey(): void;
  ed25519Sign(len: number): void;
  ed25519Verify(len: number): number;
  ed25519Precompute(): void;
}

type Ex = WasmExports & Ed25519Exports;

function ex(): Ex {
  return wasm() as Ex;
}

/** RFC 8032 §5.1.5: the 32-byte public key of a 32-byte secret. Also the SLIP-0010 ed25519 public key step. */
function getPublicKey(secret: Uint8Array): Uint8Array {
  assertBytes(secret, 'secret', 32);
  return withSecrets((e: Ex, io) => {
    mem().set(secret, io);
    e.ed25519PublicKey();
    return read(io + 32, 32);
  });
}

/** RFC 8032 §5.1.6: the 64-byte signature R || S of `message` under the 32-byte `secret`. */
function sign(message: Uint8Array, secret: Uint8Array): Uint8Array {
  assertBytes(message, 'message');
  assertBytes(secret, 'secret', 32);
  return withSecrets((e: Ex, io) => {
    putPublic(message); // may grow memory: write IO afterwards
    mem().set(secret, io);
    e.ed25519Sign(message.length);
    return read(io + 64, 64);
  });
}

/** RFC 8032 §5.1.7 with the rules above: true only for a valid signature. */
function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  assertBytes(signature, 'signature', 64);
  assertBytes(message, 'message');
  assertBytes(publicKey, 'publicKey', 32);
  const e = ex();
  putPublic(message);
  const io = ioAddr();
  const m = mem();
  m.set(signature, io);
  m.set(publicKey, io + 64);
  const ok = e.ed25519Verify(message.length) === 1;
  zero(io, 160);
  return ok;
}

/** Builds the base-point tables now instead of on the first call (about a millisecond). */
function precompute(): void {
  ex().ed25519Precompute();
}

export const ed25519 = { getPublicKey, sign, verify, precompute };
