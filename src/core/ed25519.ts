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
// getPublicKey and sign run in withSecrets() below: the secret, its expansion
// and the nonce are zeroed in WASM memory before they return. The message is
// public and stays in BUF.
//
// Its own module and instance (build/ed25519.wasm, assembly/ed25519/index.ts),
// a lazy part (./parts.ts): initEd25519() fetches it on first use, so a page
// that never touches Ed25519 never loads it. init() of vaultkey/core awaits it.
import { assertBytes, VaultkeyError } from '../errors.js';
import { inlineWasmBytes } from './inline-wasm.js';
import { part } from './parts.js';

/** Raw exports of build/ed25519.wasm; IO layout in assembly/ed25519/exports.ts. */
interface Ed25519Exports {
  memory: WebAssembly.Memory;
  ioPtr(): number;
  bufPtr(len: number): number;
  wipeScratch(): void;
  ed25519PublicKey(): void;
  ed25519Sign(len: number): void;
  ed25519Verify(len: number): number;
  ed25519Precompute(): void;
}

/** Size of the IO area (assembly/mem.ts IO_SIZE). */
const IO_SIZE = 1024;
/** As MAX_INPUT of ./wasm.ts: the most bytes BUF can take (4 GiB less 16 MiB below it). */
const MAX_INPUT = 2 ** 32 - 2 ** 24;

let inst: Ed25519Exports | undefined;
let loading: Promise<void> | undefined;
let io = 0;

/** Instantiates the Ed25519 module once per realm, fetching its part first if needed. */
export function initEd25519(): Promise<void> {
  if (inst) return Promise.resolve();
  loading ??= (async () => {
    try {
      const bytes = await inlineWasmBytes(await part('ed25519'));
      const { instance } = await WebAssembly.instantiate(bytes, {
        env: {
          abort() {
            throw new VaultkeyError('INVALID_ARGUMENT', 'WASM rejected its input');
          },
        },
      });
      inst = instance.exports as unknown as Ed25519Exports;
      io = inst.ioPtr();
    } catch (cause) {
      loading = undefined;
      if (cause instanceof VaultkeyError) throw cause;
      throw new VaultkeyError('NOT_INITIALIZED', 'could not instantiate the Ed25519 WASM module', { cause });
    }
  })();
  return loading;
}

function ex(): Ed25519Exports {
  if (!inst) throw new VaultkeyError('NOT_INITIALIZED', 'call `await init()` from vaultkey/core first');
  return inst;
}

/** A view of linear memory (a fresh one each call: bufPtr may have grown it). */
const mem = (e: Ed25519Exports) => new Uint8Array(e.memory.buffer);

/** Copies the public `message` into BUF (left there after the call, as public data). */
function putMessage(e: Ed25519Exports, message: Uint8Array): void {
  if (message.length > MAX_INPUT) {
    throw new VaultkeyError('OUT_OF_MEMORY', `an input of ${message.length} bytes does not fit WASM memory (at most ${MAX_INPUT})`);
  }
  const p = e.bufPtr(message.length);
  if (p === 0) throw new VaultkeyError('OUT_OF_MEMORY', `cannot reserve ${message.length} bytes of WASM memory`);
  mem(e).set(message, p);
}

/**
 * Runs `body` and then, on every exit, zeroes IO; after a throw (a trap), also the scratch.
 * Exported for test/wasm-zeroing.test.ts only (not in vaultkey/core's exports).
 */
export function withEd25519Secrets<T>(body: (e: Ed25519Exports) => T): T {
  const e = ex();
  try {
    return body(e);
  } catch (err) {
    e.wipeScratch();
    throw err;
  } finally {
    mem(e).fill(0, io, io + IO_SIZE);
  }
}

/** The module's linear memory, for test/ed25519.test.ts's zeroing check (not in vaultkey/core's exports). */
export function ed25519Memory(): Uint8Array {
  return mem(ex());
}

const read = (e: Ed25519Exports, off: number, len: number) => mem(e).slice(io + off, io + off + len);

/** RFC 8032 §5.1.5: the 32-byte public key of a 32-byte secret. Also the SLIP-0010 ed25519 public key step. */
function getPublicKey(secret: Uint8Array): Uint8Array {
  assertBytes(secret, 'secret', 32);
  return withEd25519Secrets((e) => {
    mem(e).set(secret, io);
    e.ed25519PublicKey();
    return read(e, 32, 32);
  });
}

/** RFC 8032 §5.1.6: the 64-byte signature R || S of `message` under the 32-byte `secret`. */
function sign(message: Uint8Array, secret: Uint8Array): Uint8Array {
  assertBytes(message, 'message');
  assertBytes(secret, 'secret', 32);
  return withEd25519Secrets((e) => {
    putMessage(e, message); // may grow memory: write IO afterwards
    mem(e).set(secret, io);
    e.ed25519Sign(message.length);
    return read(e, 64, 64);
  });
}

/** RFC 8032 §5.1.7 with the rules above: true only for a valid signature. */
function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  assertBytes(signature, 'signature', 64);
  assertBytes(message, 'message');
  assertBytes(publicKey, 'publicKey', 32);
  const e = ex();
  putMessage(e, message);
  const m = mem(e);
  m.set(signature, io);
  m.set(publicKey, io + 64);
  const ok = e.ed25519Verify(message.length) === 1;
  m.fill(0, io, io + 160);
  return ok;
}

/** Builds the base-point tables now instead of on the first call (a few milliseconds, once). */
function precompute(): void {
  ex().ed25519Precompute();
}

export const ed25519 = { getPublicKey, sign, verify, precompute };
