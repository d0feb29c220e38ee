// secp256k1 verification: ECDSA verification (SEC 1 §4.1.4), public-key
// recovery (SEC 1 §4.1.6) and BIP-340 verification, single and batched. The
// rules are those listed in ./secp256k1.ts, which re-exports these functions
// in its `secp256k1` object. Synchronous once the module is loaded.
//
// Its own module and instance (build/secp256k1-verify.wasm,
// assembly/secp256k1/verify-index.ts), a lazy part (./parts.ts):
// initSecp256k1Verify() fetches it on first use, so a page that only signs
// never loads it. init() of vaultkey/core awaits it; the vault worker loads it
// before verifying (its own Schnorr signatures, verifySignature, multisig).
//
// Every input here is public (signatures, digests, messages, public keys):
// nothing is zeroed, and a message is left in BUF as public data.
import { assertBytes, assertInt, optionalFlag, VaultkeyError } from '../errors.js';
import { lazyInstance, reserveBuf } from './inline-wasm.js';
import { part } from './parts.js';

/** Raw exports of build/secp256k1-verify.wasm; IO layout in assembly/secp256k1/verify-exports.ts. */
interface VerifyExports {
  memory: WebAssembly.Memory;
  ioPtr(): number;
  bufPtr(len: number): number;
  wipeScratch(): void;
  secp256k1VerifyPrecompute(): void;
  secp256k1Verify(pubLen: number, lowS: number): number;
  secp256k1Recover(recid: number, compressed: number): number;
  secp256k1SchnorrVerify(msgLen: number): number;
  secp256k1SchnorrVerifyBatch(u: number, msgTotal: number, c: number): number;
  secp256k1SchnorrVerifyBatchSize(u: number, msgTotal: number, c: number): number;
}

let inst: VerifyExports | undefined;
let io = 0;

/** Instantiates the verification module once per realm, fetching its part first if needed. */
export const initSecp256k1Verify: () => Promise<void> = lazyInstance<VerifyExports>(
  () => part('secp256k1-verify'),
  'the secp256k1 verification WASM module',
  (e) => {
    inst = e;
    io = e.ioPtr();
  },
);

function ex(): VerifyExports {
  if (!inst)
    throw new VaultkeyError('NOT_INITIALIZED', 'secp256k1 verification is not loaded: call `await init()` from vaultkey/core first');
  return inst;
}

/** A view of linear memory (a fresh one each call: bufPtr may have grown it). */
const mem = (e: VerifyExports) => new Uint8Array(e.memory.buffer);

/** The generator tables of verification, built now (otherwise on first use); a no-op before the module is loaded. */
export function precomputeVerify(): void {
  inst?.secp256k1VerifyPrecompute();
}

/**
 * ECDSA verification (SEC 1 §4.1.4) of a 64-byte r || s; false for high-S, out-of-range r/s or a bad key.
 * `{ lowS: false }` also accepts s > n/2 (plain SEC 1 / IEEE P1363 semantics).
 */
export function verify(signature: Uint8Array, digest: Uint8Array, pub: Uint8Array, options?: { lowS?: boolean }): boolean {
  assertBytes(signature, 'signature', 64);
  assertBytes(digest, 'digest', 32);
  assertBytes(pub, 'publicKey');
  if (pub.length !== 33 && pub.length !== 65) {
    throw new VaultkeyError('INVALID_LENGTH', `publicKey must be 33 or 65 bytes, got ${pub.length}`);
  }
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'options must be an object');
  }
  const lowS = optionalFlag(options?.lowS, 'lowS', true);
  const e = ex();
  const m = mem(e);
  m.set(signature, io);
  m.set(digest, io + 64);
  m.set(pub, io + 96);
  return e.secp256k1Verify(pub.length, lowS ? 1 : 0) === 1;
}

/** Public key recovery (SEC 1 §4.1.6) from r || s, the recovery id and the digest. */
export function recoverPublicKey(signature: Uint8Array, recovery: number, digest: Uint8Array, compressed?: boolean): Uint8Array {
  assertBytes(signature, 'signature', 64);
  assertInt(recovery, 'recovery', 0, 3);
  assertBytes(digest, 'digest', 32);
  const c = optionalFlag(compressed, 'compressed', true);
  const e = ex();
  const m = mem(e);
  m.set(signature, io);
  m.set(digest, io + 64);
  const n = e.secp256k1Recover(recovery, c ? 1 : 0);
  if (n === 0) throw new VaultkeyError('INVALID_SIGNATURE', 'no public key can be recovered from this signature');
  return mem(e).slice(io + 128, io + 128 + n);
}

/** BIP-340 Verify against a 32-byte x-only key; false for any malformed signature or key. */
export function schnorrVerify(signature: Uint8Array, message: Uint8Array, pub: Uint8Array): boolean {
  assertBytes(signature, 'signature', 64);
  assertBytes(message, 'message');
  assertBytes(pub, 'publicKey', 32);
  const e = ex();
  const p = reserveBuf(e, message.length); // may grow memory: write IO afterwards
  const m = mem(e);
  m.set(message, p);
  m.set(signature, io);
  m.set(pub, io + 64);
  return e.secp256k1SchnorrVerify(message.length) === 1;
}

/** One signature of a BIP-340 batch: the arguments of `schnorr.verify`. */
export interface SchnorrBatchItem {
  signature: Uint8Array;
  message: Uint8Array;
  publicKey: Uint8Array;
}

/**
 * Signatures per call into WASM: a batch is verified in chunks of at most this
 * many (and of at most BATCH_BYTES message bytes), each with its own
 * randomizers. The WASM working memory is about 1 MB for a full chunk.
 */
const BATCH_CHUNK = 256;
const BATCH_BYTES = 1 << 24;

function assertItems(items: unknown): asserts items is SchnorrBatchItem[] {
  if (!Array.isArray(items)) throw new VaultkeyError('INVALID_ARGUMENT', 'items must be an array of { signature, message, publicKey }');
  for (let i = 0; i < items.length; i++) {
    const it: unknown = items[i];
    if (it === null || typeof it !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', `items[${i}] must be an object`);
    const { signature, message, publicKey } = it as Record<string, unknown>;
    assertBytes(signature, `items[${i}].signature`, 64);
    assertBytes(message, `items[${i}].message`);
    assertBytes(publicKey, `items[${i}].publicKey`, 32);
  }
}

/**
 * True iff items[lo..hi) all verify: one WASM batch per chunk. One or two
 * items take schnorr.verify (measured: a batch of 2 costs 1.1x two single
 * verifications, its fixed cost of some 130 doublings not yet amortized).
 */
function batchOk(items: SchnorrBatchItem[], lo: number, hi: number): boolean {
  while (lo < hi) {
    if (hi - lo <= 2) {
      for (; lo < hi; lo++) if (!schnorrVerify(items[lo]!.signature, items[lo]!.message, items[lo]!.publicKey)) return false;
      return true;
    }
    let end = lo;
    let bytes = 0;
    while (end < hi && end - lo < BATCH_CHUNK && (end === lo || bytes + items[end]!.message.length <= BATCH_BYTES)) {
      bytes += items[end]!.message.length;
      end++;
    }
    const u = end - lo;
    const e = ex();
    const base = reserveBuf(e, e.secp256k1SchnorrVerifyBatchSize(u, bytes, 0));
    const m = mem(e);
    let off = base + 100 * u;
    for (let k = 0; k < u; k++) {
      const { signature, message, publicKey } = items[lo + k]!;
      const len = message.length;
      m.set(signature, base + 64 * k);
      m.set(publicKey, base + 64 * u + 32 * k);
      m.set([len & 255, (len >>> 8) & 255, (len >>> 16) & 255, len >>> 24], base + 96 * u + 4 * k);
      m.set(message, off);
      off += len;
    }
    m.set(globalThis.crypto.getRandomValues(new Uint8Array(32)), io);
    if (e.secp256k1SchnorrVerifyBatch(u, bytes, 0) !== 1) return false;
    lo = end;
  }
  return true;
}

/**
 * BIP-340 batch verification ("Batch Verification"): true iff every item
 * passes `schnorr.verify`, faster per signature as the batch grows (about
 * 1.5-2x at 8 signatures, 2-3x from 64 on; one or two items simply take
 * `verify`). Same arguments and errors as `verify` for each item;
 * a malformed signature or key makes the batch false. An empty batch is true.
 * A false batch holds at least one invalid signature; a true one is all
 * valid except with probability at most 2^-128 (random 128-bit multipliers).
 */
export function schnorrVerifyBatch(items: SchnorrBatchItem[]): boolean {
  assertItems(items);
  return batchOk(items, 0, items.length);
}

/**
 * Indices (ascending) of the items `schnorr.verify` rejects, found by
 * bisecting failing batches; [] when the batch verifies. Each index returned
 * is confirmed by `schnorr.verify` itself.
 */
export function schnorrFindInvalid(items: SchnorrBatchItem[]): number[] {
  assertItems(items);
  const bad: number[] = [];
  // [lo, hi) is known to fail (`known`) or inferred to: its sibling passed and its parent failed.
  const search = (lo: number, hi: number, known: boolean): void => {
    if (hi - lo === 1) {
      if (known || !batchOk(items, lo, hi)) bad.push(lo);
      return;
    }
    const mid = (lo + hi) >>> 1;
    const leftOk = batchOk(items, lo, mid);
    if (!leftOk) search(lo, mid, true);
    if (leftOk) search(mid, hi, false);
    else if (!batchOk(items, mid, hi)) search(mid, hi, true);
  };
  if (!batchOk(items, 0, items.length)) search(0, items.length, true);
  return bad;
}
