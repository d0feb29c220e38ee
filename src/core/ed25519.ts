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
import { lazyInstance, reserveBuf } from './inline-wasm.js';
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
  ed25519VerifyBatch(n: number): number;
}

/** Size of the IO area (assembly/mem.ts IO_SIZE). */
const IO_SIZE = 1024;

let inst: Ed25519Exports | undefined;
let io = 0;

/** Instantiates the Ed25519 module once per realm, fetching its part first if needed. */
export const initEd25519: () => Promise<void> = lazyInstance<Ed25519Exports>(
  () => part('ed25519'),
  'the Ed25519 WASM module',
  (e) => {
    inst = e;
    io = e.ioPtr();
  },
);

function ex(): Ed25519Exports {
  if (!inst) throw new VaultkeyError('NOT_INITIALIZED', 'call `await init()` from vaultkey/core first');
  return inst;
}

/** A view of linear memory (a fresh one each call: bufPtr may have grown it). */
const mem = (e: Ed25519Exports) => new Uint8Array(e.memory.buffer);

/** Copies the public `message` into BUF (left there after the call, as public data). */
function putMessage(e: Ed25519Exports, message: Uint8Array): void {
  const p = reserveBuf(e, message.length); // may grow memory: take the view after it
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

/** One signature for `ed25519.verifyBatch` / `ed25519.findInvalid`: the three arguments of `verify`. */
export interface Ed25519BatchItem {
  /** 64 bytes R || S. */
  signature: Uint8Array;
  message: Uint8Array;
  /** 32 bytes. */
  publicKey: Uint8Array;
}

// Batch verification (assembly/ed25519/batch.ts explains the method and its proof).
//
// The contract: verifyBatch(items) === items.every(verify) and findInvalid(items)
// is exactly the indices where verify is false, except with probability below
// 2^-129 per WASM call that an invalid signature goes unnoticed (the random
// weights), and never the other way: a batch of valid signatures always passes. Argument errors (items
// not an array, an item not an object, a field not a Uint8Array or of the wrong
// length) throw VaultkeyError as verify does, for the whole batch before any
// check; malformed content makes its item invalid. An empty batch is true
// (every one of no signatures is valid).
//
// Exactness: verify is cofactorless, so the torsion of each R and A matters;
// the WASM side settles it per point (is it in the prime-order subgroup?)
// before one random combination checks the rest. Items whose key has a torsion
// component (no honest key has one) are settled exactly too. Measured at 64
// signatures (npm run bench -- ed25519-batch, per signature against the verify
// loop over the same items): 37.8k/s against 16.4k/s (2.30x) with one signer,
// 19.6k/s against 13.5k/s (1.45x) with 64 new signers, where single verify of
// a new key runs half-size scalars (assembly/ed25519/lattice.ts) and the batch
// pays the torsion tests that verify's own equation makes unnecessary; at 256
// with one signer, 2.00x. Another session, idle machine: 30.7k/s against
// 15.5k/s (1.97x), 16.4k/s against 11.4k/s (1.44x), at 256 2.06x; builds of
// five earlier commits measured beside it gave 1.84x-2.16x for one signer at
// 64, so the spread is the machine's. findInvalid bisects a failing call.

/** Items per WASM call (assembly/ed25519/batch.ts BATCH_MAX). */
const BATCH_MAX = 64;
/** Below this many items, one verify each is cheaper than the shared doubling chain. */
const BATCH_MIN = 4;
const ENTRY = 192;

/**
 * Runs ed25519VerifyBatch on items[idx] (1 <= idx.length <= BATCH_MAX): the
 * combination's result and each item's status (0 invalid, 1 in the
 * combination, 2 left to verify).
 */
function batchCall(items: readonly Ed25519BatchItem[], idx: readonly number[]): { ok: boolean; status: Uint8Array } {
  const e = ex();
  const n = idx.length;
  let total = ENTRY * n;
  for (const i of idx) total += items[i]!.message.length;
  const base = reserveBuf(e, total);
  const m = mem(e);
  const dv = new DataView(m.buffer);
  const rnd = globalThis.crypto.getRandomValues(new Uint8Array(64 * n)); // the weights' randomness
  let off = ENTRY * n;
  for (let t = 0; t < n; t++) {
    const it = items[idx[t]!]!;
    const p = base + ENTRY * t;
    m.set(it.signature, p);
    m.set(it.publicKey, p + 64);
    m.set(rnd.subarray(64 * t, 64 * t + 64), p + 128);
    dv.setUint32(p + 112, off, true);
    dv.setUint32(p + 116, it.message.length, true);
    m.set(it.message, base + off);
    off += it.message.length;
  }
  const ok = e.ed25519VerifyBatch(n) === 1;
  const status = new Uint8Array(n);
  const m2 = mem(e);
  for (let t = 0; t < n; t++) status[t] = m2[base + ENTRY * t + 120]!;
  return { ok, status };
}

/** Appends to `bad` the indices in idx that verify rejects; stops at the first when `all` is false. */
function collect(items: readonly Ed25519BatchItem[], idx: readonly number[], all: boolean, bad: number[]): void {
  if (idx.length < BATCH_MIN) {
    for (const i of idx) {
      const it = items[i]!;
      if (verify(it.signature, it.message, it.publicKey)) continue;
      bad.push(i);
      if (!all) return;
    }
    return;
  }
  const { ok, status } = batchCall(items, idx);
  const inCombination: number[] = [];
  for (let t = 0; t < idx.length; t++) {
    const i = idx[t]!;
    if (status[t] === 1) inCombination.push(i);
    else if (status[t] === 0) bad.push(i);
    else {
      const it = items[i]!;
      if (!verify(it.signature, it.message, it.publicKey)) bad.push(i);
    }
    if (!all && bad.length) return;
  }
  if (ok) return;
  if (!all) {
    bad.push(inCombination[0]!); // some item in the combination is invalid (which one does not matter here)
    return;
  }
  // Bisection (fresh weights at every call): the invalid items are among inCombination.
  const h = inCombination.length >> 1;
  collect(items, inCombination.slice(0, h), all, bad);
  collect(items, inCombination.slice(h), all, bad);
}

function checkItems(items: unknown): asserts items is readonly Ed25519BatchItem[] {
  if (!Array.isArray(items)) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'items must be an array of { signature, message, publicKey }');
  }
  for (let i = 0; i < items.length; i++) {
    const it: unknown = items[i];
    if (typeof it !== 'object' || it === null) throw new VaultkeyError('INVALID_ARGUMENT', `items[${i}] must be an object`);
    const { signature, message, publicKey } = it as Record<string, unknown>;
    assertBytes(signature, `items[${i}].signature`, 64);
    assertBytes(message, `items[${i}].message`);
    assertBytes(publicKey, `items[${i}].publicKey`, 32);
  }
}

/**
 * The indices of the items verify rejects, ascending; with `all` false, a
 * non-empty list means "some item is invalid". Calls of at most BATCH_MAX
 * items; the WASM side finds keys repeated within a call, and keeps the keys
 * of earlier calls, so items need no grouping by signer here.
 */
function rejected(items: unknown, all: boolean): number[] {
  checkItems(items);
  const bad: number[] = [];
  for (let c = 0; c < items.length; c += BATCH_MAX) {
    const idx: number[] = [];
    for (let i = c; i < Math.min(c + BATCH_MAX, items.length); i++) idx.push(i);
    collect(items, idx, all, bad);
    if (!all && bad.length) return bad;
  }
  return bad.sort((a, b) => a - b);
}

/** true iff every item verifies under `verify`'s rules (the header of this file); the empty batch is true. */
function verifyBatch(items: readonly Ed25519BatchItem[]): boolean {
  return rejected(items, false).length === 0;
}

/** The indices (ascending) of the items `verify` rejects: [] exactly when verifyBatch(items) is true. */
function findInvalid(items: readonly Ed25519BatchItem[]): number[] {
  return rejected(items, true);
}

export const ed25519 = { getPublicKey, sign, verify, verifyBatch, findInvalid, precompute };
