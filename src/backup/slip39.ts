// SLIP-0039 Shamir mnemonic shares: a master secret split into groups of
// member shares (two-level M-of-N), each share a mnemonic of 20 (128-bit) or
// 33 (256-bit) words with an RS1024 checksum. Compatible with Trezor's
// reference implementation and vectors.
import { hmac } from '@noble/hashes/hmac.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { VaultkeyError, type VaultkeyErrorCode } from '../errors.js';
import { interpolate } from './gf256.js';
import { SLIP39_WORDS } from './slip39-wordlist.js';

export interface Slip39Group {
  /** Member shares needed to rebuild this group's share (T). */
  threshold: number;
  /** Member shares in this group (N). */
  count: number;
}

export interface SplitOptions {
  /** Groups needed to rebuild the secret (GT); default 1. */
  groupThreshold?: number;
  /** Member thresholds and sizes per group; default one group of 1-of-1. */
  groups?: Slip39Group[];
  /** Printable ASCII only (SLIP-0039 §Passphrase); default empty. */
  passphrase?: string;
  /** PBKDF2 runs 10000 * 2^e iterations in total (§Format); default 1. */
  iterationExponent?: number;
  /** Extendable backup flag (§Format, ext); default true, as in SLIP-0039's reference implementation (python-shamir-mnemonic). */
  extendable?: boolean;
  /** Randomness source (tests only); default crypto.getRandomValues. */
  random?: (n: number) => Uint8Array;
}

export interface Share {
  id: number;
  extendable: boolean;
  iterationExponent: number;
  groupIndex: number;
  groupThreshold: number;
  groupCount: number;
  memberIndex: number;
  memberThreshold: number;
  value: Uint8Array;
}

const RADIX_BITS = 10;
const ID_BITS = 15;
const CHECKSUM_WORDS = 3;
const DIGEST_LEN = 4;
const SECRET_INDEX = 255;
const DIGEST_INDEX = 254;
// id + ext + e + GI + Gt + g + I + t = 15+1+4+4+4+4+4+4 = 40 bits = 4 words.
const METADATA_WORDS = 4;
const MIN_WORDS = METADATA_WORDS + 13 + CHECKSUM_WORDS; // 128-bit secret: 130 bits of value

const WORD_INDEX = new Map(SLIP39_WORDS.map((w, i) => [w, i]));

const err = (code: VaultkeyErrorCode, message: string) => new VaultkeyError(code, message);

// ---- RS1024 checksum (§Checksum) ----

const GEN = [0xe0e040, 0x1c1c080, 0x3838100, 0x7070200, 0xe0e0009, 0x1c0c2412, 0x38086c24, 0x3090fc48, 0x21b1f890, 0x3f3f120];

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const b = chk >>> 20;
    chk = (((chk & 0xfffff) << 10) ^ v) >>> 0;
    for (let i = 0; i < 10; i++) if ((b >> i) & 1) chk = (chk ^ GEN[i]!) >>> 0;
  }
  return chk;
}

const customization = (ext: boolean) => Array.from(ext ? 'shamir_extendable' : 'shamir', (c) => c.charCodeAt(0));

function createChecksum(data: readonly number[], ext: boolean): number[] {
  const pm = polymod([...customization(ext), ...data, 0, 0, 0]) ^ 1;
  return [0, 1, 2].map((i) => (pm >> (10 * (2 - i))) & 1023);
}

// ---- bit packing ----

function bytesToWords(value: Uint8Array, words: number): number[] {
  // Left-pad with zero bits to a multiple of 10 (§Format, ps).
  let acc = 0n;
  for (const b of value) acc = (acc << 8n) | BigInt(b);
  const out: number[] = [];
  for (let i = words - 1; i >= 0; i--) out.push(Number((acc >> BigInt(i * RADIX_BITS)) & 1023n));
  return out;
}

// ---- encryption of the master secret (§Encryption, §Decryption) ----

function roundKey(i: number, passphrase: Uint8Array, e: number, salt: Uint8Array, r: Uint8Array): Uint8Array {
  const pw = new Uint8Array(1 + passphrase.length);
  pw[0] = i;
  pw.set(passphrase, 1);
  const s = new Uint8Array(salt.length + r.length);
  s.set(salt);
  s.set(r, salt.length);
  return pbkdf2(sha256, pw, s, { c: 2500 << e, dkLen: r.length });
}

function feistel(input: Uint8Array, passphrase: string, e: number, id: number, ext: boolean, rounds: number[]): Uint8Array {
  const pass = new TextEncoder().encode(passphrase);
  const salt = ext ? new Uint8Array(0) : Uint8Array.from([...'shamir'].map((c) => c.charCodeAt(0)).concat([id >> 8, id & 0xff]));
  const half = input.length / 2;
  // Copies, not views: the caller's array may be a Node Buffer, whose slice() aliases.
  let l = Uint8Array.prototype.slice.call(input, 0, half);
  let r = Uint8Array.prototype.slice.call(input, half);
  for (const i of rounds) {
    const f = roundKey(i, pass, e, salt, r);
    const next = l.map((b, k) => b ^ f[k]!);
    l.fill(0);
    f.fill(0);
    l = r;
    r = next;
  }
  const out = new Uint8Array(input.length);
  out.set(r);
  out.set(l, half);
  l.fill(0);
  r.fill(0);
  return out;
}

// ---- SplitSecret / RecoverSecret (§Sharing a secret) ----

function splitSecret(t: number, n: number, secret: Uint8Array, random: (n: number) => Uint8Array): Uint8Array[] {
  if (t === 1) return Array.from({ length: n }, () => Uint8Array.from(secret));
  const len = secret.length;
  const r = random(len - DIGEST_LEN);
  const digest = new Uint8Array(len);
  digest.set(hmac(sha256, r, secret).subarray(0, DIGEST_LEN));
  digest.set(r, DIGEST_LEN);
  const xs: number[] = [];
  const ys: Uint8Array[] = [];
  for (let i = 0; i < t - 2; i++) {
    xs.push(i);
    ys.push(random(len));
  }
  xs.push(DIGEST_INDEX, SECRET_INDEX);
  ys.push(digest, secret);
  const shares: Uint8Array[] = ys.slice(0, t - 2);
  for (let i = t - 2; i < n; i++) shares.push(interpolate(i, xs, ys));
  digest.fill(0);
  r.fill(0);
  return shares;
}

function recoverSecret(t: number, xs: number[], ys: Uint8Array[]): Uint8Array {
  if (t === 1) return Uint8Array.from(ys[0]!);
  const secret = interpolate(SECRET_INDEX, xs, ys);
  const digest = interpolate(DIGEST_INDEX, xs, ys);
  const check = hmac(sha256, digest.subarray(DIGEST_LEN), secret).subarray(0, DIGEST_LEN);
  let diff = 0;
  for (let i = 0; i < DIGEST_LEN; i++) diff |= check[i]! ^ digest[i]!;
  digest.fill(0);
  if (diff !== 0) {
    secret.fill(0);
    throw err('CORRUPTED', 'the shares do not reconstruct a consistent secret (digest mismatch)');
  }
  return secret;
}

// ---- mnemonics ----

export function encodeShare(s: Share): string {
  const valueWords = Math.ceil((s.value.length * 8) / RADIX_BITS);
  let meta = BigInt(s.id);
  meta = (meta << 1n) | BigInt(s.extendable ? 1 : 0);
  for (const v of [s.iterationExponent, s.groupIndex, s.groupThreshold - 1, s.groupCount - 1, s.memberIndex, s.memberThreshold - 1]) {
    meta = (meta << 4n) | BigInt(v);
  }
  const data = [3, 2, 1, 0].map((i) => Number((meta >> BigInt(i * 10)) & 1023n)).concat(bytesToWords(s.value, valueWords));
  return [...data, ...createChecksum(data, s.extendable)].map((i) => SLIP39_WORDS[i]).join(' ');
}

export function decodeShare(mnemonic: string): Share {
  if (typeof mnemonic !== 'string') throw err('INVALID_SHARE', 'a share must be a string of words');
  const words = mnemonic.trim().toLowerCase().split(/\s+/);
  const idx = words.map((w, i) => {
    const v = WORD_INDEX.get(w);
    if (v === undefined) throw err('INVALID_SHARE', `word ${i + 1} is not in the SLIP-0039 word list`);
    return v;
  });
  if (idx.length < MIN_WORDS) throw err('INVALID_SHARE', `a share has at least ${MIN_WORDS} words`);
  const ext = ((idx[1]! >> 4) & 1) === 1;
  if (polymod([...customization(ext), ...idx]) !== 1) throw err('INVALID_SHARE', 'share checksum is wrong (a word is mistyped)');
  let meta = 0n;
  for (let i = 0; i < METADATA_WORDS; i++) meta = (meta << 10n) | BigInt(idx[i]!);
  const field = (shift: number, bits: number) => Number((meta >> BigInt(shift)) & ((1n << BigInt(bits)) - 1n));
  const valueWords = idx.slice(METADATA_WORDS, idx.length - CHECKSUM_WORDS);
  const valueBits = valueWords.length * RADIX_BITS;
  const padding = valueBits % 16;
  if (padding > 8) throw err('INVALID_SHARE', 'share value has an invalid length');
  let acc = 0n;
  for (const w of valueWords) acc = (acc << 10n) | BigInt(w);
  const nBytes = (valueBits - padding) / 8;
  if (acc >> BigInt(nBytes * 8) !== 0n) throw err('INVALID_SHARE', 'share padding bits are not zero');
  const value = new Uint8Array(nBytes);
  for (let i = nBytes - 1; i >= 0; i--) {
    value[i] = Number(acc & 0xffn);
    acc >>= 8n;
  }
  return {
    id: field(25, ID_BITS),
    extendable: field(24, 1) === 1,
    iterationExponent: field(20, 4),
    groupIndex: field(16, 4),
    groupThreshold: field(12, 4) + 1,
    groupCount: field(8, 4) + 1,
    memberIndex: field(4, 4),
    memberThreshold: field(0, 4) + 1,
    value,
  };
}

function defaultRandom(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

function checkPassphrase(p: unknown): string {
  if (p === undefined) return '';
  if (typeof p !== 'string' || !/^[\x20-\x7e]*$/.test(p)) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'SLIP-0039 passphrases are printable ASCII');
  }
  return p;
}

/**
 * GenerateShares (§Generating the shares): returns the member mnemonics, one
 * array per group.
 */
export function splitMasterSecret(masterSecret: Uint8Array, options: SplitOptions = {}): string[][] {
  if (!(masterSecret instanceof Uint8Array)) throw new VaultkeyError('INVALID_ARGUMENT', 'master secret must be a Uint8Array');
  // §Master secret: at least 128 bits, a multiple of 16 bits. Capped at 512 bits, a BIP-39 seed
  // (Trezor devices take 128 or 256 bits only; longer secrets recover with software such as this one).
  if (masterSecret.length < 16 || masterSecret.length % 2 !== 0 || masterSecret.length > 64) {
    throw new VaultkeyError('INVALID_LENGTH', 'master secret must be 16 to 64 bytes, an even number');
  }
  const groups = options.groups ?? [{ threshold: 1, count: 1 }];
  const gt = options.groupThreshold ?? 1;
  const e = options.iterationExponent ?? 1;
  const ext = options.extendable ?? true;
  const random = options.random ?? defaultRandom;
  const passphrase = checkPassphrase(options.passphrase);
  const int = (v: unknown, lo: number, hi: number) => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
  if (!Array.isArray(groups) || !int(groups.length, 1, 16)) throw new VaultkeyError('INVALID_ARGUMENT', 'between 1 and 16 groups');
  if (!int(gt, 1, groups.length)) throw new VaultkeyError('INVALID_ARGUMENT', 'group threshold must be in [1, number of groups]');
  if (!int(e, 0, 15)) throw new VaultkeyError('INVALID_ARGUMENT', 'iteration exponent must be in [0, 15]');
  for (const g of groups) {
    if (!g || !int(g.count, 1, 16) || !int(g.threshold, 1, g.count)) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'each group needs 1 <= threshold <= count <= 16');
    }
    // §GenerateShares step 1: a 1-of-N group (N > 1) would just copy the group share.
    if (g.threshold === 1 && g.count > 1)
      throw new VaultkeyError('INVALID_ARGUMENT', 'a group with threshold 1 must have exactly 1 member');
  }
  const id = ((random(2)[0]! << 8) | random(1)[0]!) & 0x7fff;
  const ems = feistel(masterSecret, passphrase, e, id, ext, [0, 1, 2, 3]);
  const groupShares = splitSecret(gt, groups.length, ems, random);
  ems.fill(0);
  const out = groups.map((g, gi) => {
    const members = splitSecret(g.threshold, g.count, groupShares[gi]!, random);
    const words = members.map((value, mi) =>
      encodeShare({
        id,
        extendable: ext,
        iterationExponent: e,
        groupIndex: gi,
        groupThreshold: gt,
        groupCount: groups.length,
        memberIndex: mi,
        memberThreshold: g.threshold,
        value,
      }),
    );
    for (const m of members) m.fill(0);
    return words;
  });
  for (const s of groupShares) s.fill(0);
  return out;
}

/** Combining the shares (§Combining the shares): the master secret, or a coded error. */
export function combineMnemonics(mnemonics: string[], passphrase = ''): Uint8Array {
  if (!Array.isArray(mnemonics) || mnemonics.length === 0) throw err('INSUFFICIENT_SHARES', 'no shares given');
  const pass = checkPassphrase(passphrase);
  const shares = mnemonics.map(decodeShare);
  const first = shares[0]!;
  for (const s of shares) {
    if (s.id !== first.id || s.extendable !== first.extendable || s.iterationExponent !== first.iterationExponent) {
      throw err('SHARE_MISMATCH', 'shares come from different backups (identifier or parameters differ)');
    }
    if (s.groupThreshold !== first.groupThreshold || s.groupCount !== first.groupCount || s.value.length !== first.value.length) {
      throw err('SHARE_MISMATCH', 'shares disagree on the group threshold, group count or length');
    }
  }
  if (first.groupThreshold > first.groupCount) throw err('INVALID_SHARE', 'group threshold exceeds the group count');
  const groups = new Map<number, Share[]>();
  for (const s of shares) groups.set(s.groupIndex, [...(groups.get(s.groupIndex) ?? []), s]);
  if (groups.size < first.groupThreshold) {
    throw err('INSUFFICIENT_SHARES', `shares from ${first.groupThreshold} groups are needed, got ${groups.size}`);
  }
  if (groups.size > first.groupThreshold) throw err('SHARE_MISMATCH', 'shares from more groups than the group threshold');
  const gx: number[] = [];
  const gy: Uint8Array[] = [];
  for (const [gi, members] of groups) {
    const t = members[0]!.memberThreshold;
    if (members.some((m) => m.memberThreshold !== t)) throw err('SHARE_MISMATCH', 'member thresholds differ within a group');
    if (new Set(members.map((m) => m.memberIndex)).size !== members.length) throw err('DUPLICATE_SHARE', 'the same share was given twice');
    if (members.length < t) throw err('INSUFFICIENT_SHARES', `group ${gi + 1} needs ${t} shares, got ${members.length}`);
    if (members.length > t) throw err('SHARE_MISMATCH', `group ${gi + 1} has more shares than its threshold`);
    gx.push(gi);
    gy.push(
      recoverSecret(
        t,
        members.map((m) => m.memberIndex),
        members.map((m) => m.value),
      ),
    );
  }
  const ems = recoverSecret(first.groupThreshold, gx, gy);
  for (const y of gy) y.fill(0);
  const ms = feistel(ems, pass, first.iterationExponent, first.id, first.extendable, [3, 2, 1, 0]);
  ems.fill(0);
  return ms;
}
