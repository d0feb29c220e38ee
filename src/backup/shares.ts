// Binary Shamir M-of-N shares of a backup key or seed, for custodians
// (docs/backup.md "Binary Shamir shares"). SLIP-0039 mnemonics
// (slip39.ts) are the word-based option; these are compact, self-describing
// byte strings with a printable Crockford Base32 form.
//
// Sharing (Shamir 1979, over GF(2^8) as in SLIP-0039 §Shamir's secret
// sharing): the shared vector is v = secret || D, where D is a 16-byte
// digest binding the secret to its share set. Each byte of v is the
// constant term of its own random polynomial of degree M-1; share x holds
// the values at x (x = 1..N). Any M shares interpolate v at 0; fewer reveal
// nothing about v, digest included. After combining, D is recomputed: a
// share that passes its checksum but carries wrong data (a bit flip after
// the checksum was made, or a custodian adding a chosen offset) changes v
// and is caught with probability 1 - 2^-128.
//
// The arithmetic is gf256.ts's constant-time multiply (the operands are
// secret); interpolation's basis coefficients depend only on the public
// indexes.
import { sha256 } from '@noble/hashes/sha2.js';
import { base32crockford } from '@scure/base';
import { VaultkeyError } from '../errors.js';
import { bytesEqual, toHex } from '../security/canonical.js';
import { gfMul, interpolate } from './gf256.js';

/** "VKSH": vaultkey share. */
const MAGIC = Uint8Array.of(0x56, 0x4b, 0x53, 0x48);
export const SHARE_VERSION = 1;
const SET_ID_LEN = 8;
const DIGEST_LEN = 16;
const CHECKSUM_LEN = 8;
export const SHARE_SECRET_MIN = 16;
export const SHARE_SECRET_MAX = 64;
// magic 4 | version 1 | set id 8 | threshold 1 | total 1 | index 1 | secret length 1
const HEADER_LEN = 17;
const DIGEST_TAG = new TextEncoder().encode('vaultkey/share-digest/v1');

/** Total bytes of a share of an `l`-byte secret. */
export const shareLength = (l: number) => HEADER_LEN + l + DIGEST_LEN + CHECKSUM_LEN;

export interface ShareSplitOptions {
  /** Shares needed to recover (M), 2..shares. */
  threshold: number;
  /** Shares made (N), threshold..255. */
  shares: number;
}

/** The public fields of a share, as `inspectShare` reads them. */
export interface ShareInfo {
  version: number;
  /** Random identifier common to the shares of one split (16 hex digits). */
  setId: string;
  threshold: number;
  total: number;
  /** This share's x coordinate, 1..total. */
  index: number;
  secretLength: number;
}

interface Parsed extends ShareInfo {
  setIdBytes: Uint8Array;
  /** The polynomial values at `index`: a view into the share. */
  y: Uint8Array;
}

const invalid = (message: string) => new VaultkeyError('INVALID_SHARE', message);
const isInt = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

/** D = SHA-256(tag || version || set id || M || secret)[0..16]. */
function digest(setId: Uint8Array, threshold: number, secret: Uint8Array): Uint8Array {
  const pre = new Uint8Array(DIGEST_TAG.length + 1 + SET_ID_LEN + 1 + secret.length);
  pre.set(DIGEST_TAG, 0);
  pre[DIGEST_TAG.length] = SHARE_VERSION;
  pre.set(setId, DIGEST_TAG.length + 1);
  pre[DIGEST_TAG.length + 1 + SET_ID_LEN] = threshold;
  pre.set(secret, DIGEST_TAG.length + 2 + SET_ID_LEN);
  const h = sha256(pre);
  pre.fill(0);
  const d = h.slice(0, DIGEST_LEN);
  h.fill(0);
  return d;
}

/**
 * Splits a 16..64-byte secret into `shares` shares, any `threshold` of which
 * recover it. 1-of-N is refused: it would be N plain copies of the secret.
 */
export function splitSecret(secret: Uint8Array, opts: ShareSplitOptions): Uint8Array[] {
  if (!(secret instanceof Uint8Array)) throw new VaultkeyError('INVALID_ARGUMENT', 'secret must be a Uint8Array');
  if (secret.length < SHARE_SECRET_MIN || secret.length > SHARE_SECRET_MAX) {
    throw new VaultkeyError('INVALID_LENGTH', `secret must be ${SHARE_SECRET_MIN} to ${SHARE_SECRET_MAX} bytes`);
  }
  const m = opts?.threshold;
  const n = opts?.shares;
  if (!isInt(n, 2, 255) || !isInt(m, 2, n)) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'need 2 <= threshold <= shares <= 255 (for 1-of-N, copy the secret instead)');
  }
  const l = secret.length;
  const width = l + DIGEST_LEN;
  const setId = globalThis.crypto.getRandomValues(new Uint8Array(SET_ID_LEN));
  const d = digest(setId, m, secret);
  // Coefficients: coef[0] = v (the constant terms), coef[1..m-1] uniformly random.
  const coef: Uint8Array[] = [new Uint8Array(width)];
  coef[0]!.set(secret, 0);
  coef[0]!.set(d, l);
  d.fill(0);
  for (let j = 1; j < m; j++) coef.push(globalThis.crypto.getRandomValues(new Uint8Array(width)));
  const out: Uint8Array[] = [];
  for (let x = 1; x <= n; x++) {
    const share = new Uint8Array(shareLength(l));
    share.set(MAGIC, 0);
    share[4] = SHARE_VERSION;
    share.set(setId, 5);
    share[13] = m;
    share[14] = n;
    share[15] = x;
    share[16] = l;
    for (let k = 0; k < width; k++) {
      // Horner: f(x) = (...(c[m-1] x + c[m-2]) x + ...) x + c[0].
      let acc = coef[m - 1]![k]!;
      for (let j = m - 2; j >= 0; j--) acc = gfMul(acc, x) ^ coef[j]![k]!;
      share[HEADER_LEN + k] = acc;
    }
    const body = share.subarray(0, HEADER_LEN + width);
    share.set(sha256(body).subarray(0, CHECKSUM_LEN), HEADER_LEN + width);
    out.push(share);
  }
  for (const c of coef) c.fill(0);
  return out;
}

/** Parses one share strictly and checks its checksum (INVALID_SHARE / UNSUPPORTED_VERSION). */
function parseShare(share: unknown): Parsed {
  if (!(share instanceof Uint8Array)) throw new VaultkeyError('INVALID_ARGUMENT', 'a share must be a Uint8Array');
  for (let i = 0; i < MAGIC.length; i++) {
    if (i >= share.length || share[i] !== MAGIC[i]) throw invalid('not a vaultkey share (bad magic or truncated)');
  }
  if (share.length <= 4) throw invalid('share is truncated');
  if (share[4] !== SHARE_VERSION) throw new VaultkeyError('UNSUPPORTED_VERSION', `share version ${share[4]} is not supported`);
  if (share.length < HEADER_LEN) throw invalid('share is truncated');
  const l = share[16]!;
  if (share.length !== shareLength(l)) throw invalid('share length does not match its secret length (truncated or extended)');
  const end = share.length - CHECKSUM_LEN;
  if (!bytesEqual(sha256(share.subarray(0, end)).subarray(0, CHECKSUM_LEN), share.subarray(end))) {
    throw invalid('share checksum mismatch (the share is damaged or mistyped)');
  }
  const threshold = share[13]!;
  const total = share[14]!;
  const index = share[15]!;
  if (l < SHARE_SECRET_MIN || l > SHARE_SECRET_MAX || threshold < 2 || total < threshold || index < 1 || index > total) {
    throw invalid('share header fields are out of range');
  }
  const setIdBytes = share.subarray(5, 5 + SET_ID_LEN);
  return {
    version: SHARE_VERSION,
    setId: toHex(setIdBytes),
    setIdBytes,
    threshold,
    total,
    index,
    secretLength: l,
    y: share.subarray(HEADER_LEN, end),
  };
}

/** The public fields of a share, after checking its format and checksum. */
export function inspectShare(share: Uint8Array): ShareInfo {
  const { setIdBytes: _s, y: _y, ...info } = parseShare(share);
  return info;
}

/**
 * Recovers the secret from at least `threshold` shares of one set. All the
 * given shares are used, so one inconsistent share (even with a valid
 * checksum) fails the digest instead of being silently ignored.
 */
export function combineShares(shares: Uint8Array[]): Uint8Array {
  if (!Array.isArray(shares)) throw new VaultkeyError('INVALID_ARGUMENT', 'shares must be an array of Uint8Array');
  if (shares.length === 0) throw new VaultkeyError('INSUFFICIENT_SHARES', 'no shares given');
  if (shares.length > 255) throw new VaultkeyError('INVALID_ARGUMENT', 'at most 255 shares');
  const parsed = shares.map(parseShare);
  const first = parsed[0]!;
  for (const s of parsed) {
    if (!bytesEqual(s.setIdBytes, first.setIdBytes)) throw new VaultkeyError('MIXED_SHARE_SETS', 'the shares come from different splits');
    if (s.threshold !== first.threshold || s.total !== first.total || s.secretLength !== first.secretLength) {
      throw invalid('shares of one set disagree on threshold, total or length');
    }
  }
  const seen = new Set<number>();
  for (const s of parsed) {
    if (seen.has(s.index)) throw new VaultkeyError('DUPLICATE_SHARE', `share ${s.index} was given twice`);
    seen.add(s.index);
  }
  if (parsed.length < first.threshold) {
    throw new VaultkeyError('INSUFFICIENT_SHARES', `${first.threshold} shares are needed, got ${parsed.length}`);
  }
  const v = interpolate(
    0,
    parsed.map((s) => s.index),
    parsed.map((s) => s.y),
  );
  const l = first.secretLength;
  const secret = v.slice(0, l);
  const expected = digest(first.setIdBytes, first.threshold, secret);
  const ok = bytesEqual(expected, v.subarray(l));
  v.fill(0);
  expected.fill(0);
  if (!ok) {
    secret.fill(0);
    throw invalid('the shares do not combine to a consistent secret (a share holds wrong data)');
  }
  return secret;
}

/** Printable form: Crockford Base32 (no I, L, O, U; case-insensitive), in groups of four. */
export function encodeShareText(share: Uint8Array): string {
  parseShare(share);
  return base32crockford
    .encode(share)
    .match(/.{1,4}/g)!
    .join('-');
}

/**
 * Parses the printable form back to bytes and checks the share's checksum,
 * so a mistyped character is reported at entry. Spaces and dashes are
 * ignored; O/I/L are read as 0/1/1 (Crockford).
 */
export function decodeShareText(text: string): Uint8Array {
  if (typeof text !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'share text must be a string');
  if (text.length > 1024) throw invalid('share text is too long');
  const compact = text.replace(/[\s-]/g, '');
  let bytes: Uint8Array;
  try {
    bytes = base32crockford.decode(compact);
  } catch {
    throw invalid('share text is not Crockford Base32 (a character is mistyped or missing)');
  }
  parseShare(bytes);
  return bytes;
}
