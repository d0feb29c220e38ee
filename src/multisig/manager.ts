// Weighted M-of-N approval of a message (docs/security.md "Multisig"):
// create a group, initiate an operation, add signatures, complete or cancel
// it; statuses PENDING -> THRESHOLD_MET -> COMPLETE, plus CANCELLED and
// EXPIRED on timeout.
//
// There is no aggregate signature: "complete" means the collected, individually
// verified signatures reach the threshold weight, and the final result is that
// set (what a contract-based or script multisig consumes).
import { VaultkeyError, type VaultkeyErrorCode } from '../errors.js';
// From the modules, not vaultkey/core's index: its init() also loads nist256p1, which this never uses.
import { init } from '../core/wasm.js';
import { sha256 } from '../core/hash.js';
import { ed25519, initEd25519 } from '../core/ed25519.js';
import { secp256k1 } from '../core/secp256k1.js';
import { initSecp256k1Verify } from '../core/secp256k1-verify.js';
import { type Clock, canonicalJson, fromHex, randomHex, systemClock, toHex, utf8 } from '../security/canonical.js';
import type { CollectedSignature, DigestMode, KeyGroup, MultisigStore, OperationRecord, Signer, SignerCurve } from './types.js';

export class MemoryMultisigStore implements MultisigStore {
  readonly #groups = new Map<string, KeyGroup>();
  readonly #ops = new Map<string, OperationRecord>();
  async getGroup(id: string) {
    const g = this.#groups.get(id);
    return g && structuredClone(g);
  }
  async putGroup(g: KeyGroup) {
    this.#groups.set(g.id, structuredClone(g));
  }
  async listGroups() {
    return [...this.#groups.values()].map((g) => structuredClone(g));
  }
  async getOperation(id: string) {
    const o = this.#ops.get(id);
    return o && structuredClone(o);
  }
  async listOperations(groupId?: string) {
    return [...this.#ops.values()].filter((o) => groupId === undefined || o.groupId === groupId).map((o) => structuredClone(o));
  }
  async update(id: string, fn: (op: OperationRecord | undefined) => OperationRecord | undefined) {
    const cur = this.#ops.get(id);
    const next = fn(cur && structuredClone(cur));
    if (next) this.#ops.set(id, structuredClone(next));
    return next ?? (cur && structuredClone(cur));
  }
}

export const MAX_SIGNERS = 64;
export const MAX_MESSAGE = 1 << 20;
const MAX_WEIGHT = 1000;
const MAX_TIMEOUT = 365 * 24 * 3600_000;

const hash20 = (prefix: string, v: unknown) => prefix + toHex(sha256(utf8(canonicalJson(v)))).slice(0, 40);

function bytesOrHex(v: unknown, name: string, code: VaultkeyErrorCode = 'INVALID_ARGUMENT'): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return fromHex(v, name, code);
  throw new VaultkeyError(code, `${name} must be a Uint8Array or lower-case hex`);
}

function str(v: unknown, name: string, max: number, code: VaultkeyErrorCode = 'INVALID_ARGUMENT', allowEmpty = false): string {
  if (typeof v !== 'string' || (!allowEmpty && v.length === 0) || v.length > max) {
    throw new VaultkeyError(code, `${name} must be a ${allowEmpty ? '' : 'non-empty '}string of at most ${max} characters`);
  }
  return v;
}

function int(v: unknown, name: string, min: number, max: number, code: VaultkeyErrorCode = 'INVALID_ARGUMENT'): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new VaultkeyError(code, `${name} must be an integer in [${min}, ${max}]`);
  }
  return v;
}

/** Canonical public key: secp256k1 compressed (so both SEC 1 encodings are one signer), Ed25519 as is. */
function normalizeKey(curve: SignerCurve, pub: Uint8Array, name: string, code: VaultkeyErrorCode): string {
  if (curve === 'secp256k1') {
    if ((pub.length !== 33 && pub.length !== 65) || !secp256k1.isValidPublicKey(pub)) {
      throw new VaultkeyError(code === 'INVALID_ARGUMENT' ? 'INVALID_KEY' : code, `${name} is not a valid secp256k1 public key`);
    }
    return toHex(secp256k1.publicKeyConvert(pub, true));
  }
  if (pub.length !== 32)
    throw new VaultkeyError(code === 'INVALID_ARGUMENT' ? 'INVALID_KEY' : code, `${name} must be a 32-byte Ed25519 public key`);
  return toHex(pub);
}

export interface SignerInput {
  label: string;
  curve: SignerCurve;
  publicKey: Uint8Array | string;
  /** Default 1. */
  weight?: number;
}

export interface GroupInput {
  name: string;
  threshold: number;
  signers: SignerInput[];
  /** Default 24 hours. */
  timeoutMs?: number;
}

/** Validates a group definition and computes its id. `code` is INVALID_ENVELOPE when checking an import. */
export function buildGroup(input: unknown, code: VaultkeyErrorCode = 'INVALID_ARGUMENT'): KeyGroup {
  if (!input || typeof input !== 'object') throw new VaultkeyError(code, 'group must be an object');
  const g = input as GroupInput;
  const name = str(g.name, 'group name', 256, code);
  if (!Array.isArray(g.signers) || g.signers.length === 0 || g.signers.length > MAX_SIGNERS) {
    throw new VaultkeyError(code, `signers must be an array of 1..${MAX_SIGNERS} signers`);
  }
  const seenKeys = new Set<string>();
  const seenLabels = new Set<string>();
  // Array.from, not .map: map builds its result through input.constructor[Symbol.species], which an
  // imported object (structured clone keeps an array's own "constructor" field) can make a non-constructor.
  const signers: Signer[] = Array.from(g.signers, (s, i) => {
    if (!s || typeof s !== 'object') throw new VaultkeyError(code, `signers[${i}] must be an object`);
    const label = str(s.label, `signers[${i}].label`, 128, code);
    if (s.curve !== 'secp256k1' && s.curve !== 'ed25519') throw new VaultkeyError(code, `signers[${i}].curve must be secp256k1 or ed25519`);
    const publicKey = normalizeKey(s.curve, bytesOrHex(s.publicKey, `signers[${i}].publicKey`, code), `signers[${i}].publicKey`, code);
    const weight = int(s.weight ?? 1, `signers[${i}].weight`, 1, MAX_WEIGHT, code);
    if (seenKeys.has(publicKey))
      throw new VaultkeyError(code === 'INVALID_ARGUMENT' ? 'ALREADY_EXISTS' : code, `signers[${i}] repeats a public key`);
    if (seenLabels.has(label))
      throw new VaultkeyError(code === 'INVALID_ARGUMENT' ? 'ALREADY_EXISTS' : code, `signers[${i}] repeats a label`);
    seenKeys.add(publicKey);
    seenLabels.add(label);
    return { label, curve: s.curve, publicKey, weight };
  });
  const total = signers.reduce((n, s) => n + s.weight, 0);
  const threshold = int(g.threshold, 'threshold', 1, total, code);
  const timeoutMs = int(g.timeoutMs ?? 24 * 3600_000, 'timeoutMs', 1, MAX_TIMEOUT, code);
  const body = { v: 1 as const, name, threshold, timeoutMs, signers };
  return { ...body, id: hash20('grp_', body) };
}

export function totalWeight(g: KeyGroup): number {
  return g.signers.reduce((n, s) => n + s.weight, 0);
}

/** The 32-byte digest secp256k1 signers sign (see DigestMode). */
export function operationDigest(message: Uint8Array, mode: DigestMode, code: VaultkeyErrorCode = 'INVALID_ARGUMENT'): Uint8Array {
  if (mode === 'sha256') return sha256(message);
  if (mode === 'prehashed') {
    if (message.length !== 32)
      throw new VaultkeyError(code === 'INVALID_ARGUMENT' ? 'INVALID_LENGTH' : code, 'a prehashed message must be exactly 32 bytes');
    return message.slice();
  }
  throw new VaultkeyError(code, 'digestMode must be sha256 or prehashed');
}

export function operationId(
  op: Pick<OperationRecord, 'groupId' | 'message' | 'digestMode' | 'initiator' | 'description' | 'createdAt' | 'expiresAt' | 'nonce'>,
): string {
  const { groupId, message, digestMode, initiator, description, createdAt, expiresAt, nonce } = op;
  return hash20('op_', { v: 1, groupId, message, digestMode, initiator, description, createdAt, expiresAt, nonce });
}

/** What signer `s` signs for operation `op` (the bytes handed to its device). */
export function signingPayload(op: Pick<OperationRecord, 'message' | 'digest'>, curve: SignerCurve): Uint8Array {
  return curve === 'secp256k1' ? fromHex(op.digest, 'digest') : fromHex(op.message, 'message');
}

/** Verifies one signature of `signer` on `op`; 65-byte secp256k1 signatures (r||s||v) drop v. */
export function verifySignerSignature(op: Pick<OperationRecord, 'message' | 'digest'>, signer: Signer, signature: Uint8Array): boolean {
  const pub = fromHex(signer.publicKey, 'publicKey');
  if (signer.curve === 'secp256k1') {
    const sig = signature.length === 65 ? signature.subarray(0, 64) : signature;
    return sig.length === 64 && secp256k1.verify(sig, signingPayload(op, 'secp256k1'), pub);
  }
  return signature.length === 64 && ed25519.verify(signature, fromHex(op.message, 'message'), pub);
}

export function signedWeight(g: KeyGroup, sigs: readonly CollectedSignature[]): number {
  return sigs.reduce((n, s) => n + (g.signers.find((x) => x.publicKey === s.publicKey)?.weight ?? 0), 0);
}

const OPEN = new Set(['PENDING', 'THRESHOLD_MET']);

export interface InitiateOptions {
  initiator: string;
  description?: string;
  /** Default `sha256`; see DigestMode. */
  digestMode?: DigestMode;
  /** Overrides the group's timeout for this operation. */
  timeoutMs?: number;
}

export interface MultisigManagerOptions {
  store?: MultisigStore;
  clock?: Clock;
}

export class MultisigManager {
  readonly store: MultisigStore;
  readonly #clock: Clock;

  private constructor(opts: MultisigManagerOptions) {
    this.store = opts.store ?? new MemoryMultisigStore();
    this.#clock = opts.clock ?? systemClock;
    if (typeof this.#clock !== 'function') throw new VaultkeyError('INVALID_ARGUMENT', 'clock must be a function');
  }

  /** Async because signature checks run in vaultkey/core's WASM, which needs `init()`. */
  static async create(opts: MultisigManagerOptions = {}): Promise<MultisigManager> {
    await init();
    return new MultisigManager(opts);
  }

  now(): number {
    return this.#clock();
  }

  /** CreateMultiSigKey. Idempotent: the id is the definition's fingerprint, so the same definition on two devices is the same group. */
  async createGroup(input: GroupInput): Promise<KeyGroup> {
    const g = buildGroup(input);
    await this.store.putGroup(g);
    return g;
  }

  async getGroup(id: string): Promise<KeyGroup> {
    const g = await this.store.getGroup(str(id, 'group id', 64));
    if (!g) throw new VaultkeyError('NOT_FOUND', 'no key group with this id');
    return g;
  }

  /** InitiateOperation: opens an operation on `message`, status PENDING, expiring after the group's timeout. */
  async initiate(groupId: string, message: Uint8Array, opts: InitiateOptions): Promise<OperationRecord> {
    const g = await this.getGroup(groupId);
    if (!(message instanceof Uint8Array) || message.length === 0 || message.length > MAX_MESSAGE) {
      throw new VaultkeyError('INVALID_ARGUMENT', `message must be a Uint8Array of 1..${MAX_MESSAGE} bytes`);
    }
    if (!opts || typeof opts !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'options with an initiator are required');
    const initiator = str(opts.initiator, 'initiator', 256);
    const description = str(opts.description ?? '', 'description', 1024, 'INVALID_ARGUMENT', true);
    const digestMode = opts.digestMode ?? 'sha256';
    const digest = operationDigest(message, digestMode);
    const timeout = int(opts.timeoutMs ?? g.timeoutMs, 'timeoutMs', 1, MAX_TIMEOUT);
    const createdAt = this.#clock();
    const base = {
      groupId: g.id,
      message: toHex(message),
      digestMode,
      initiator,
      description,
      createdAt,
      expiresAt: createdAt + timeout,
      nonce: randomHex(16),
    };
    const op: OperationRecord = { v: 1, id: operationId(base), ...base, digest: toHex(digest), status: 'PENDING', signatures: [] };
    await this.store.update(op.id, (cur) => {
      if (cur) throw new VaultkeyError('ALREADY_EXISTS', 'operation id collision');
      return op;
    });
    return op;
  }

  /** GetOperation, moving an open operation past its deadline to EXPIRED first. */
  async get(opId: string): Promise<OperationRecord> {
    return this.#mutate(opId, null);
  }

  async list(groupId?: string): Promise<OperationRecord[]> {
    return this.store.listOperations(groupId);
  }

  /**
   * AddSignature: `signer` is the signer's public key (bytes or hex) or label. Verified against
   * the signer's key before it counts. UNKNOWN_SIGNER, DUPLICATE_SIGNATURE, INVALID_SIGNATURE,
   * OPERATION_EXPIRED, OPERATION_CLOSED (complete or cancelled).
   */
  async addSignature(opId: string, signer: Uint8Array | string, signature: Uint8Array | string): Promise<OperationRecord> {
    const sig = bytesOrHex(signature, 'signature');
    const op0 = await this.get(opId);
    const g = await this.getGroup(op0.groupId);
    const s = this.#findSigner(g, signer);
    await (s.curve === 'ed25519' ? initEd25519() : initSecp256k1Verify()); // lazy parts (src/core/parts.ts)
    return this.#mutate(opId, (op) => {
      if (op.signatures.some((x) => x.publicKey === s.publicKey)) {
        throw new VaultkeyError('DUPLICATE_SIGNATURE', `signer ${s.label} has already signed this operation`);
      }
      if (!verifySignerSignature(op, s, sig))
        throw new VaultkeyError('INVALID_SIGNATURE', `the signature of ${s.label} does not verify for this operation`);
      op.signatures.push({
        publicKey: s.publicKey,
        signature: toHex(sig.length === 65 && s.curve === 'secp256k1' ? sig.subarray(0, 64) : sig),
        addedAt: this.#clock(),
      });
      if (op.status === 'PENDING' && signedWeight(g, op.signatures) >= g.threshold) op.status = 'THRESHOLD_MET';
      return op;
    });
  }

  /** CompleteOperation: THRESHOLD_MET -> COMPLETE; the result carries the verified signature set. */
  async complete(opId: string): Promise<OperationRecord> {
    return this.#mutate(opId, (op) => {
      if (op.status !== 'THRESHOLD_MET')
        throw new VaultkeyError('THRESHOLD_NOT_MET', 'the signatures collected do not reach the threshold yet');
      op.status = 'COMPLETE';
      op.completedAt = this.#clock();
      return op;
    });
  }

  /** CancelOperation with a reason (kept on the record and in the envelope). */
  async cancel(opId: string, reason: string): Promise<OperationRecord> {
    const r = str(reason, 'reason', 1024);
    return this.#mutate(opId, (op) => {
      op.status = 'CANCELLED';
      op.cancelReason = r;
      op.cancelledAt = this.#clock();
      return op;
    });
  }

  #findSigner(g: KeyGroup, signer: unknown): Signer {
    let s: Signer | undefined;
    if (signer instanceof Uint8Array) {
      const hex = toHex(signer);
      s = g.signers.find(
        (x) =>
          x.publicKey === hex ||
          (x.curve === 'secp256k1' &&
            signer.length === 65 &&
            secp256k1.isValidPublicKey(signer) &&
            toHex(secp256k1.publicKeyConvert(signer, true)) === x.publicKey),
      );
    } else if (typeof signer === 'string') {
      s = g.signers.find((x) => x.publicKey === signer.toLowerCase() || x.label === signer);
    } else throw new VaultkeyError('INVALID_ARGUMENT', 'signer must be a public key (bytes or hex) or a label');
    if (!s) throw new VaultkeyError('UNKNOWN_SIGNER', "this key is not a signer of the operation's group");
    return s;
  }

  /**
   * Atomic read-modify-write of an open operation (`fn` null: just read). Expiry is applied (and persisted) first:
   * an operation past its deadline becomes EXPIRED and `fn` is not run for it.
   */
  async #mutate(opId: string, fn: ((op: OperationRecord) => OperationRecord | undefined) | null): Promise<OperationRecord> {
    str(opId, 'operation id', 64);
    let err: unknown;
    const out = await this.store.update(opId, (op) => {
      if (!op) {
        err = new VaultkeyError('NOT_FOUND', 'no multisig operation with this id');
        return undefined;
      }
      if (OPEN.has(op.status) && this.#clock() >= op.expiresAt) {
        op.status = 'EXPIRED';
        if (fn) err = new VaultkeyError('OPERATION_EXPIRED', 'the operation timed out before it was completed');
        return op;
      }
      if (!fn) return undefined; // a read
      if (op.status === 'EXPIRED') {
        err = new VaultkeyError('OPERATION_EXPIRED', 'the operation timed out before it was completed');
        return undefined;
      }
      if (!OPEN.has(op.status)) {
        err = new VaultkeyError('OPERATION_CLOSED', `the operation is ${op.status.toLowerCase()}`);
        return undefined;
      }
      try {
        return fn(op);
      } catch (e) {
        err = e;
        return undefined;
      }
    });
    if (err) throw err;
    return out!;
  }
}
