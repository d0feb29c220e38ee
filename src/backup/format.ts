// The bytes of an encrypted backup file and of the payload inside it
// (docs/backup.md is the byte-by-byte description and the list
// of error codes). No cryptography happens here: this module lays out and
// parses bytes, and validates what they mean. file.ts runs the KDF and
// AES-GCM around it.
//
// Two rules shape everything below:
//   - A hostile file must not make us do unbounded work: every length and
//     every KDF parameter is bounded before anything is allocated or run.
//   - Secrets (seeds, private keys, mnemonic phrases) never become JS
//     strings, which cannot be zeroed: they travel as length-prefixed binary
//     blobs beside a JSON section that holds only public metadata.
import { sha256 } from '@noble/hashes/sha2.js';
import { VaultkeyError, type VaultkeyErrorCode } from '../errors.js';
import { bytesEqual, fromHex, toHex } from '../security/canonical.js';
import { PAYLOAD_VERSION, wipePayload } from './payload.js';

// ---------------------------------------------------------------------------
// File layout (docs/backup.md §File layout). Big-endian integers.
// ---------------------------------------------------------------------------

/** "VKBK": vaultkey backup. */
export const MAGIC = Uint8Array.of(0x56, 0x4b, 0x42, 0x4b);
/** Version of the file layout; a new KDF, cipher or layout means a new version. */
export const FILE_VERSION = 1;
/** KDF identifiers of file version 1. */
export const KDF_ARGON2ID = 1;

export const NONCE_LEN = 12; // AES-GCM 96-bit IV (NIST SP 800-38D §8.2.2)
export const TAG_LEN = 16; // 128-bit GCM tag
export const CHECKSUM_LEN = 32; // SHA-256
export const SALT_MIN = 16; // RFC 9106 §3.1 recommends 128 bits
export const SALT_MAX = 32;
export const SALT_LEN = 16; // what we write

// Fixed part of the header before the salt: magic, version, kdf id, t, m, p, salt length.
const OFF_VERSION = 4;
const OFF_KDF = 5;
const OFF_T = 6;
const OFF_M = 10;
const OFF_P = 14;
const OFF_SALT_LEN = 18;
const OFF_SALT = 19;
/** Header length for a salt of `s` bytes: fixed part, salt, nonce, ciphertext length. */
const headerLen = (s: number) => OFF_SALT + s + NONCE_LEN + 4;

/**
 * Bounds on the Argon2id parameters a file may ask for, checked before the
 * KDF runs (a hostile file must not make us allocate gigabytes or spin for
 * hours). The writer uses the same bounds, so every file we write opens.
 * These are what the format allows (beyond them: CORRUPTED); what one call
 * agrees to spend is lower by default, the caller's caps in kdf-limits.ts
 * (m <= 256 MiB, t·m <= 2^20 blocks; beyond them: KDF_LIMIT).
 */
export const KDF_BOUNDS = { tMin: 1, tMax: 10, pMin: 1, pMax: 16, mMax: 1024 * 1024 /* KiB = 1 GiB */ } as const;
/** RFC 9106 §4 second recommended option: t=3, 64 MiB, one lane. */
export const DEFAULT_KDF: Readonly<KdfParams> = Object.freeze({ t: 3, m: 65536, p: 1 });

/** Largest plaintext (the encoded payload) a file may carry: 64 MiB. */
export const MAX_PLAINTEXT = 64 * 1024 * 1024;

export interface KdfParams {
  /** Argon2id passes (RFC 9106 t). */
  t: number;
  /** Argon2id memory in KiB (RFC 9106 m). */
  m: number;
  /** Argon2id lanes (RFC 9106 p). */
  p: number;
}

/** What `inspectBackup` learns from a file without the passphrase. */
export interface BackupHeader {
  /** File layout version (FILE_VERSION). */
  version: number;
  kdf: { alg: 'argon2id' } & KdfParams;
  salt: Uint8Array;
  nonce: Uint8Array;
  /** Bytes of AES-GCM output, tag included. */
  ciphertextLength: number;
  /** Bytes of the encoded payload (ciphertextLength - 16). */
  plaintextLength: number;
  fileLength: number;
}

export interface ParsedFile {
  header: BackupHeader;
  /** Every header byte: the AES-GCM additional data. A view into the file. */
  aad: Uint8Array;
  /** Ciphertext with the tag at its end. A view into the file. */
  ciphertext: Uint8Array;
}

const corrupted = (message: string) => new VaultkeyError('CORRUPTED', message);
const isInt = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

/** A copy that owns its memory (a Node Buffer's slice() would alias the file). */
const copy = (b: Uint8Array) => new Uint8Array(b);
const u32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/** True when Argon2id parameters are within KDF_BOUNDS (RFC 9106 §3.1 also needs m >= 8p). */
export function kdfInBounds(k: KdfParams): boolean {
  const b = KDF_BOUNDS;
  return isInt(k.t, b.tMin, b.tMax) && isInt(k.p, b.pMin, b.pMax) && isInt(k.m, 8 * k.p, b.mMax);
}

/** Header bytes for the given parameters; `plaintextLength` fixes the ciphertext length field. */
export function encodeHeader(kdf: KdfParams, salt: Uint8Array, nonce: Uint8Array, plaintextLength: number): Uint8Array {
  if (!kdfInBounds(kdf)) throw new VaultkeyError('INVALID_ARGUMENT', 'KDF parameters out of bounds');
  if (salt.length < SALT_MIN || salt.length > SALT_MAX || nonce.length !== NONCE_LEN) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'bad salt or nonce length');
  }
  if (!isInt(plaintextLength, 0, MAX_PLAINTEXT)) throw new VaultkeyError('INVALID_ARGUMENT', 'backup payload is too large');
  const h = new Uint8Array(headerLen(salt.length));
  h.set(MAGIC, 0);
  h[OFF_VERSION] = FILE_VERSION;
  h[OFF_KDF] = KDF_ARGON2ID;
  putU32(h, OFF_T, kdf.t);
  putU32(h, OFF_M, kdf.m);
  putU32(h, OFF_P, kdf.p);
  h[OFF_SALT_LEN] = salt.length;
  h.set(salt, OFF_SALT);
  h.set(nonce, OFF_SALT + salt.length);
  putU32(h, OFF_SALT + salt.length + NONCE_LEN, plaintextLength + TAG_LEN);
  return h;
}

/** header || ciphertext || SHA-256(header || ciphertext). */
export function assembleFile(header: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length + ciphertext.length + CHECKSUM_LEN);
  out.set(header, 0);
  out.set(ciphertext, header.length);
  out.set(sha256(out.subarray(0, header.length + ciphertext.length)), header.length + ciphertext.length);
  return out;
}

/**
 * Strict parse of a backup file: magic, version, checksum, then every field
 * within its bounds and every byte accounted for. Runs no KDF and needs no
 * passphrase. The checksum covers every byte before it (header included),
 * so accidental damage anywhere reads as CORRUPTED, never as a wrong
 * passphrase; deliberate edits with a recomputed checksum are caught by
 * AES-GCM, whose additional data is the whole header.
 */
export function parseBackupFile(file: Uint8Array): ParsedFile {
  if (!(file instanceof Uint8Array)) throw new VaultkeyError('INVALID_ARGUMENT', 'a backup file must be a Uint8Array');
  const n = file.length;
  for (let i = 0; i < MAGIC.length; i++) {
    if (i >= n || file[i] !== MAGIC[i]) throw corrupted('not a vaultkey backup file (bad magic or truncated)');
  }
  if (n <= OFF_VERSION) throw corrupted('backup file is truncated');
  if (file[OFF_VERSION] !== FILE_VERSION) {
    throw new VaultkeyError(
      'UNSUPPORTED_VERSION',
      `backup file version ${file[OFF_VERSION]} is not supported (this library reads version ${FILE_VERSION})`,
    );
  }
  if (n < headerLen(SALT_MIN) + TAG_LEN + CHECKSUM_LEN) throw corrupted('backup file is truncated');
  const body = file.subarray(0, n - CHECKSUM_LEN);
  if (!bytesEqual(sha256(body), file.subarray(n - CHECKSUM_LEN))) {
    throw corrupted('backup file checksum mismatch (the file is damaged or truncated)');
  }
  if (file[OFF_KDF] !== KDF_ARGON2ID) throw corrupted('unknown KDF in backup header');
  const kdf = { t: u32(file, OFF_T), m: u32(file, OFF_M), p: u32(file, OFF_P) };
  if (!kdfInBounds(kdf)) throw corrupted('backup header asks for KDF parameters out of bounds (t 1..10, p 1..16, m 8p..1 GiB)');
  const s = file[OFF_SALT_LEN]!;
  if (s < SALT_MIN || s > SALT_MAX) throw corrupted('backup header has a bad salt length');
  const hl = headerLen(s);
  const ctLen = u32(file, hl - 4);
  if (ctLen <= TAG_LEN || ctLen > MAX_PLAINTEXT + TAG_LEN || hl + ctLen + CHECKSUM_LEN !== n) {
    throw corrupted('backup ciphertext length does not match the file length');
  }
  const header: BackupHeader = {
    version: FILE_VERSION,
    kdf: { alg: 'argon2id', ...kdf },
    salt: copy(file.subarray(OFF_SALT, OFF_SALT + s)),
    nonce: copy(file.subarray(OFF_SALT + s, OFF_SALT + s + NONCE_LEN)),
    ciphertextLength: ctLen,
    plaintextLength: ctLen - TAG_LEN,
    fileLength: n,
  };
  return { header, aad: file.subarray(0, hl), ciphertext: file.subarray(hl, hl + ctLen) };
}

// ---------------------------------------------------------------------------
// Payload (docs/backup.md §Payload): what the ciphertext decrypts to.
// ---------------------------------------------------------------------------

export { PAYLOAD_VERSION, wipePayload };
export const MAX_KEYS = 10_000;
export const MAX_LABEL = 100; // code points
export const MAX_MNEMONIC = 1024; // UTF-8 bytes; 24 words of any BIP-39 list fit easily
export const MAX_PATHS = 1000; // per key
const ID_RE = /^[A-Za-z0-9_.:-]{1,128}$/;
const PATH_RE = /^m(\/(0|[1-9][0-9]{0,9})['hH]?){0,255}$/;
const JSON_DEPTH = 64;

export type BackupKeyKind = 'seed' | 'privateKey';
export type BackupCurve = 'secp256k1' | 'ed25519';

export interface BackupKey {
  /** Vault record id: /^[A-Za-z0-9_.:-]{1,128}$/. */
  id: string;
  kind: BackupKeyKind;
  /** At most 100 characters. */
  label: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  curve?: BackupCurve;
  /** Public key (secp256k1: 33 or 65 bytes, ed25519: 32). Not secret. */
  publicKey?: Uint8Array;
  /** Seed (16..64 bytes) or private key (32 bytes). Zero it with wipePayload. */
  secret: Uint8Array;
  /** UTF-8 bytes of the BIP-39 phrase of an HD seed, if kept. Zero it with wipePayload. */
  mnemonic?: Uint8Array;
  /** Derivation paths in use ("m/44'/60'/0'/0/0"). */
  paths?: string[];
}

export interface BackupPayload {
  /** Payload encoding version (PAYLOAD_VERSION). */
  version: number;
  /** Milliseconds since the epoch. */
  createdAt: number;
  vaultId?: string;
  keys: BackupKey[];
  /** Lifecycle records: JSON, carried opaquely. */
  lifecycle?: unknown[];
  /** Policies: JSON, carried opaquely. */
  policies?: unknown[];
  /** Account states: JSON, carried opaquely. */
  accounts?: unknown[];
}

const PAYLOAD_FIELDS = new Set(['version', 'createdAt', 'vaultId', 'keys', 'lifecycle', 'policies', 'accounts']);
// Also the field names of a key in the metadata JSON, where `secret` and
// `mnemonic` are blob indexes and `publicKey` is lower-case hex.
const KEY_FIELDS = new Set(['id', 'kind', 'label', 'createdAt', 'curve', 'publicKey', 'secret', 'mnemonic', 'paths']);
const OPAQUE = ['lifecycle', 'policies', 'accounts'] as const;

const has = (o: object, k: string) => Object.hasOwn(o, k);
const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** Plain JSON data only (finite numbers, no undefined/functions/class instances), bounded depth. */
function isJson(v: unknown, depth: number): boolean {
  if (depth > JSON_DEPTH) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) {
    // An index loop, not every(): a hole would silently become null in JSON.
    for (let i = 0; i < v.length; i++) if (!isJson(v[i], depth + 1)) return false;
    return true;
  }
  if (isPlainObject(v)) return Object.values(v).every((x) => isJson(x, depth + 1));
  return false;
}

function validPath(p: unknown): boolean {
  if (typeof p !== 'string' || !PATH_RE.test(p)) return false;
  // Each index below 2^31 (BIP-32 §Child key derivation: the top bit is the hardened flag).
  return p
    .split('/')
    .slice(1)
    .every((seg) => parseInt(seg, 10) < 0x80000000);
}

function validPublicKey(pub: Uint8Array, curve: BackupCurve | undefined): boolean {
  const secp = (pub.length === 33 && (pub[0] === 2 || pub[0] === 3)) || (pub.length === 65 && pub[0] === 4);
  if (curve === 'secp256k1') return secp;
  if (curve === 'ed25519') return pub.length === 32;
  return secp || pub.length === 32;
}

/**
 * Checks one key against the rules of docs/backup.md §Payload; throws
 * `code` naming the field (never its value).
 */
function checkKey(k: unknown, i: number, code: VaultkeyErrorCode): asserts k is BackupKey {
  const bad = (what: string): never => {
    throw new VaultkeyError(code, `keys[${i}]: ${what}`);
  };
  if (!isPlainObject(k)) bad('must be an object');
  const key = k as Record<string, unknown>;
  for (const f of Object.keys(key)) if (!KEY_FIELDS.has(f) && key[f] !== undefined) bad(`unknown field ${JSON.stringify(f.slice(0, 40))}`);
  if (typeof key.id !== 'string' || !ID_RE.test(key.id)) bad('id must match /^[A-Za-z0-9_.:-]{1,128}$/');
  if (key.kind !== 'seed' && key.kind !== 'privateKey') bad("kind must be 'seed' or 'privateKey'");
  if (typeof key.label !== 'string' || [...key.label].length > MAX_LABEL) bad(`label must be a string of at most ${MAX_LABEL} characters`);
  if (!isInt(key.createdAt, 0, Number.MAX_SAFE_INTEGER)) bad('createdAt must be a non-negative integer');
  if (key.curve !== undefined && key.curve !== 'secp256k1' && key.curve !== 'ed25519') bad("curve must be 'secp256k1' or 'ed25519'");
  if (!(key.secret instanceof Uint8Array)) bad('secret must be a Uint8Array');
  const len = (key.secret as Uint8Array).length;
  if (key.kind === 'seed' && (len < 16 || len > 64)) bad('a seed must be 16 to 64 bytes');
  if (key.kind === 'privateKey' && len !== 32) bad('a private key must be 32 bytes');
  if (key.publicKey !== undefined) {
    if (!(key.publicKey instanceof Uint8Array) || !validPublicKey(key.publicKey, key.curve as BackupCurve | undefined)) {
      bad('publicKey must be a 32-byte Ed25519 or 33/65-byte SEC1 secp256k1 key matching curve');
    }
  }
  if (key.mnemonic !== undefined) {
    if (key.kind !== 'seed') bad('only a seed may carry a mnemonic');
    if (!(key.mnemonic instanceof Uint8Array) || key.mnemonic.length < 1 || key.mnemonic.length > MAX_MNEMONIC) {
      bad(`mnemonic must be 1 to ${MAX_MNEMONIC} UTF-8 bytes`);
    }
  }
  if (key.paths !== undefined) {
    if (!Array.isArray(key.paths) || key.paths.length > MAX_PATHS || !key.paths.every(validPath)) {
      bad(`paths must be at most ${MAX_PATHS} BIP-32 paths like "m/44'/60'/0'/0/0"`);
    }
  }
}

/**
 * Validates a whole payload (docs/backup.md §Payload rules). `code` is
 * INVALID_ARGUMENT when a caller hands us a payload to encrypt, and
 * INVALID_BACKUP when one came out of a file.
 */
export function checkPayload(p: unknown, code: VaultkeyErrorCode): asserts p is BackupPayload {
  const bad = (what: string): never => {
    throw new VaultkeyError(code, `backup payload: ${what}`);
  };
  if (!isPlainObject(p)) bad('must be an object');
  const o = p as Record<string, unknown>;
  for (const f of Object.keys(o)) if (!PAYLOAD_FIELDS.has(f) && o[f] !== undefined) bad(`unknown field ${JSON.stringify(f.slice(0, 40))}`);
  if (o.version !== PAYLOAD_VERSION) bad(`version must be ${PAYLOAD_VERSION}`);
  if (!isInt(o.createdAt, 0, Number.MAX_SAFE_INTEGER)) bad('createdAt must be a non-negative integer');
  if (o.vaultId !== undefined && (typeof o.vaultId !== 'string' || !ID_RE.test(o.vaultId)))
    bad('vaultId must match /^[A-Za-z0-9_.:-]{1,128}$/');
  if (!Array.isArray(o.keys) || o.keys.length > MAX_KEYS) bad(`keys must be an array of at most ${MAX_KEYS} keys`);
  const keys = o.keys as unknown[];
  const ids = new Set<string>();
  keys.forEach((k, i) => {
    checkKey(k, i, code);
    if (ids.has(k.id)) bad(`keys[${i}]: duplicate id`);
    ids.add(k.id);
  });
  for (const f of OPAQUE) {
    if (o[f] !== undefined && (!Array.isArray(o[f]) || !isJson(o[f], 0))) bad(`${f} must be an array of plain JSON values`);
  }
}

/**
 * Encodes a (validated) payload:
 *   version u8 | metadata length u32 | metadata JSON (UTF-8) | blob count u32 | (length u32 | bytes)*
 * The caller owns the result, which contains secrets: zero it after use.
 */
export function encodePayload(p: BackupPayload): Uint8Array {
  checkPayload(p, 'INVALID_ARGUMENT');
  const blobs: Uint8Array[] = [];
  const blob = (b: Uint8Array) => blobs.push(b) - 1;
  const keys = p.keys.map((k) => {
    // Fixed field order, only present fields: one payload, one encoding.
    const m: Record<string, unknown> = { id: k.id, kind: k.kind, label: k.label, createdAt: k.createdAt };
    if (k.curve !== undefined) m.curve = k.curve;
    if (k.publicKey !== undefined) m.publicKey = toHex(k.publicKey);
    m.secret = blob(k.secret);
    if (k.mnemonic !== undefined) m.mnemonic = blob(k.mnemonic);
    if (k.paths !== undefined) m.paths = k.paths;
    return m;
  });
  const meta: Record<string, unknown> = { createdAt: p.createdAt };
  if (p.vaultId !== undefined) meta.vaultId = p.vaultId;
  meta.keys = keys;
  for (const f of OPAQUE) if (p[f] !== undefined) meta[f] = p[f];
  const json = new TextEncoder().encode(JSON.stringify(meta));
  let size = 1 + 4 + json.length + 4;
  for (const b of blobs) size += 4 + b.length;
  if (size > MAX_PLAINTEXT) throw new VaultkeyError('INVALID_ARGUMENT', 'backup payload is larger than 64 MiB');
  const out = new Uint8Array(size);
  out[0] = PAYLOAD_VERSION;
  putU32(out, 1, json.length);
  out.set(json, 5);
  let o = 5 + json.length;
  putU32(out, o, blobs.length);
  o += 4;
  for (const b of blobs) {
    putU32(out, o, b.length);
    out.set(b, o + 4);
    o += 4 + b.length;
  }
  return out;
}

/**
 * Decodes and validates a payload (INVALID_BACKUP on anything else). Secrets
 * are copied out into fresh arrays owned by the caller; the input is left
 * for the caller to zero. On failure every copy made so far is zeroed.
 */
export function decodePayload(bytes: Uint8Array): BackupPayload {
  const invalid = (what: string): never => {
    throw new VaultkeyError('INVALID_BACKUP', `backup payload: ${what}`);
  };
  const n = bytes.length;
  if (n < 9) invalid('truncated');
  if (bytes[0] !== PAYLOAD_VERSION) invalid(`unknown payload version ${bytes[0]}`);
  const jsonLen = u32(bytes, 1);
  if (jsonLen > n - 9) invalid('metadata length out of range');
  let meta: unknown;
  try {
    meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(5, 5 + jsonLen)));
  } catch {
    invalid('metadata is not UTF-8 JSON');
  }
  let o = 5 + jsonLen;
  const count = u32(bytes, o);
  o += 4;
  if (count > 2 * MAX_KEYS) invalid('too many blobs');
  const blobs: Uint8Array[] = [];
  try {
    for (let i = 0; i < count; i++) {
      if (o + 4 > n) invalid('truncated blob table');
      const len = u32(bytes, o);
      if (len > n - o - 4) invalid('blob length out of range');
      blobs.push(copy(bytes.subarray(o + 4, o + 4 + len)));
      o += 4 + len;
    }
    if (o !== n) invalid('trailing bytes after the last blob');
    const payload = fromMeta(meta, blobs, invalid);
    checkPayload(payload, 'INVALID_BACKUP');
    return payload;
  } catch (e) {
    for (const b of blobs) b.fill(0);
    throw e;
  }
}

/** Rebuilds the typed payload from the metadata JSON and the blob table; each blob used once, in order. */
function fromMeta(meta: unknown, blobs: Uint8Array[], invalid: (what: string) => never): BackupPayload {
  if (!isPlainObject(meta)) invalid('metadata must be an object');
  const m = meta as Record<string, unknown>;
  for (const f of Object.keys(m)) if (!PAYLOAD_FIELDS.has(f) || f === 'version') invalid('unknown metadata field');
  if (!Array.isArray(m.keys) || m.keys.length > MAX_KEYS) invalid('keys must be an array');
  let next = 0;
  const take = (ref: unknown, what: string): Uint8Array => {
    // Blobs are referenced in order of appearance, so the encoding is canonical
    // and no blob is shared, skipped or left over.
    if (ref !== next || next >= blobs.length) invalid(`${what} must reference blob ${next}`);
    return blobs[next++]!;
  };
  const keys = (m.keys as unknown[]).map((raw, i): BackupKey => {
    if (!isPlainObject(raw)) invalid(`keys[${i}] must be an object`);
    const k = raw as Record<string, unknown>;
    for (const f of Object.keys(k)) if (!KEY_FIELDS.has(f)) invalid(`keys[${i}]: unknown field`);
    const key: Record<string, unknown> = { id: k.id, kind: k.kind, label: k.label, createdAt: k.createdAt };
    if (has(k, 'curve')) key.curve = k.curve;
    if (has(k, 'publicKey')) key.publicKey = fromHex(k.publicKey, `keys[${i}].publicKey`, 'INVALID_BACKUP');
    key.secret = take(k.secret, `keys[${i}].secret`);
    if (has(k, 'mnemonic')) key.mnemonic = take(k.mnemonic, `keys[${i}].mnemonic`);
    if (has(k, 'paths')) key.paths = k.paths;
    return key as unknown as BackupKey;
  });
  if (next !== blobs.length) invalid('unreferenced blobs');
  const out: BackupPayload = { version: PAYLOAD_VERSION, createdAt: m.createdAt as number, keys };
  if (has(m, 'vaultId')) out.vaultId = m.vaultId as string;
  for (const f of OPAQUE) if (has(m, f)) out[f] = m[f] as unknown[];
  return out;
}
