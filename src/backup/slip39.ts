// SLIP-0039 Shamir mnemonic shares: a master secret split into groups of
// member shares (two-level M-of-N), each share a mnemonic of 20 (128-bit) to
// 59 (512-bit) words with an RS1024 checksum. Compatible with Trezor's
// reference implementation and vectors.
//
// Bounded work (docs/backup.md §Bounds, caps, abort and progress): a share
// comes from outside, and it chooses both the secret length (its word count)
// and the PBKDF2 work (10000·2^e iterations, e up to 15: 3.3·10^8). Both are
// checked before any PBKDF2 runs: 20..59 words (16..64-byte secrets, the
// BIP-32 seed range of SLIP-0039 §BIP-32 wallets), and e <= the caller's
// maxIterationExponent (default 5; the reference implementation writes 1).
// combineMnemonicsAsync / splitMasterSecretAsync run the same rounds in
// steps, yielding to the event loop, reporting progress and honouring an
// AbortSignal between steps.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { VaultkeyError, type VaultkeyErrorCode } from '../errors.js';
import { interpolate } from './gf256.js';
import { part, partIfLoaded } from '../core/parts.js';
import {
  type KdfControl,
  type KdfLimits,
  aborted,
  kdfWork,
  nextTask,
  overLimit,
  readControl,
  resolveLimits,
  throwIfAborted,
} from './kdf-limits.js';

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
  /** PBKDF2 runs 10000 * 2^e iterations in total (§Format); default 1. At most `limits.maxIterationExponent` (default 5). */
  iterationExponent?: number;
  /** Extendable backup flag (§Format, ext); default true, as in SLIP-0039's reference implementation (python-shamir-mnemonic). */
  extendable?: boolean;
  /** Randomness source (tests only); default crypto.getRandomValues. */
  random?: (n: number) => Uint8Array;
  /** Caps; SLIP-0039 reads maxIterationExponent (default 5): shares we write open with the default caps. */
  limits?: KdfLimits;
}

/** splitMasterSecretAsync: SplitOptions plus an AbortSignal and progress. */
export interface SplitAsyncOptions extends SplitOptions, KdfControl {}

export interface CombineOptions {
  /** Printable ASCII only (SLIP-0039 §Passphrase); default empty. */
  passphrase?: string;
  /** Caps; SLIP-0039 reads maxIterationExponent (default 5). */
  limits?: KdfLimits;
}

/** combineMnemonicsAsync: CombineOptions plus an AbortSignal and progress. */
export interface CombineAsyncOptions extends CombineOptions, KdfControl {}

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
// SLIP-0039 §BIP-32 wallets: the master secret of an HD wallet is its BIP-32
// seed, 128 to 512 bits; 512 bits pad to 520 = 52 words (§Format, ps).
const MAX_SECRET_BYTES = 64;
const MAX_WORDS = METADATA_WORDS + 52 + CHECKSUM_WORDS; // 59
// 59 words of at most 8 letters and room for generous whitespace; read before splitting.
const MAX_SHARE_CHARS = 2048;
// 16 groups of at most 16 members (§Format: 4-bit indices) is the most a recovery can use.
const MAX_SHARES = 256;
// PBKDF2 iterations between two steps of the async drivers (a few ms of work).
const STEP = 8192;

// The word list (§Wordlist) is a lazy part (src/core/parts.ts): the async
// functions load it; the synchronous ones need it loaded already (vaultkey/backup
// registers it with the entry, src/backup/index.ts).
let WORDS: readonly string[] | undefined;
let WORD_INDEX = new Map<string, number>();

function useWords(list: string): void {
  const w = list.split(' ');
  if (w.length !== 1024) throw new VaultkeyError('CORRUPTED', 'the SLIP-0039 word list does not have 1024 words');
  WORDS = w;
  WORD_INDEX = new Map(w.map((x, i) => [x, i]));
}

function words(): readonly string[] {
  if (!WORDS) {
    const list = partIfLoaded('slip39-words');
    if (list === undefined) throw new VaultkeyError('NOT_INITIALIZED', 'the SLIP-0039 word list is not loaded here');
    useWords(list);
  }
  return WORDS!;
}

/** Throws NOT_INITIALIZED unless the word list is loaded (decodeShare's WORD_INDEX is empty before). */
function wordsLoaded(): void {
  words();
}

async function loadWords(): Promise<void> {
  if (!WORDS) useWords(await part('slip39-words'));
}

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

/**
 * PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) into `out`, in steps: after every STEP
 * iterations it yields how many it did, so the async driver can report
 * progress and see an abort; the sync driver runs it through. Stopping it
 * early (return()) zeroes its state.
 */
function* pbkdf2Steps(password: Uint8Array, salt: Uint8Array, c: number, out: Uint8Array): Generator<number, void, void> {
  const prf = hmac.create(sha256, password);
  const work = prf._cloneInto();
  const u = new Uint8Array(32);
  const ctr = new Uint8Array(4);
  try {
    for (let block = 1, pos = 0; pos < out.length; block++, pos += 32) {
      ctr[0] = block >>> 24;
      ctr[1] = (block >>> 16) & 0xff;
      ctr[2] = (block >>> 8) & 0xff;
      ctr[3] = block & 0xff;
      // U1 = PRF(P, S || INT(block)); T = U1 ^ U2 ^ ... ^ Uc, Ui = PRF(P, Ui-1).
      prf._cloneInto(work).update(salt).update(ctr).digestInto(u);
      const t = out.subarray(pos, pos + 32);
      t.set(u.subarray(0, t.length));
      let done = 1;
      while (done < c) {
        const n = Math.min(STEP, c - done);
        for (let i = 0; i < n; i++) {
          prf._cloneInto(work).update(u).digestInto(u);
          for (let k = 0; k < t.length; k++) t[k]! ^= u[k]!;
        }
        done += n;
        kdfWork.slip39Iterations += n;
        yield n;
      }
      kdfWork.slip39Iterations += 1;
    }
  } finally {
    u.fill(0);
    prf.destroy();
    work.destroy();
  }
}

/**
 * The 4-round Feistel network of §Encryption (rounds 0..3) or §Decryption
 * (3..0): round i XORs PBKDF2(i || P, salt || R, 2500·2^e, n/2) into L.
 * In steps (see pbkdf2Steps); every intermediate is zeroed on any exit.
 */
function* feistelSteps(
  input: Uint8Array,
  passphrase: string,
  e: number,
  id: number,
  ext: boolean,
  rounds: number[],
): Generator<number, Uint8Array, void> {
  const pass = new TextEncoder().encode(passphrase);
  const salt = ext ? new Uint8Array(0) : Uint8Array.from([...'shamir'].map((c) => c.charCodeAt(0)).concat([id >> 8, id & 0xff]));
  const half = input.length / 2;
  // Copies, not views: the caller's array may be a Node Buffer, whose slice() aliases.
  let l = Uint8Array.prototype.slice.call(input, 0, half);
  let r = Uint8Array.prototype.slice.call(input, half);
  const pw = new Uint8Array(1 + pass.length);
  pw.set(pass, 1);
  const s = new Uint8Array(salt.length + half);
  s.set(salt);
  const f = new Uint8Array(half);
  try {
    for (const i of rounds) {
      pw[0] = i;
      s.set(r, salt.length);
      yield* pbkdf2Steps(pw, s, 2500 << e, f);
      const next = l.map((b, k) => b ^ f[k]!);
      l.fill(0);
      l = r;
      r = next;
    }
    const out = new Uint8Array(input.length);
    out.set(r);
    out.set(l, half);
    return out;
  } finally {
    for (const b of [l, r, f, pw, s, pass]) b.fill(0);
  }
}

/** PBKDF2 iterations of one encryption or decryption: 4 rounds of 2500·2^e (§Format, e). */
const feistelWork = (e: number) => 4 * (2500 << e);

function checkExponent(e: number, limits: Required<KdfLimits>): void {
  if (e > limits.maxIterationExponent) {
    throw overLimit(
      `SLIP-0039 iteration exponent e = ${e} (${feistelWork(e)} PBKDF2 iterations)`,
      'maxIterationExponent',
      limits.maxIterationExponent,
    );
  }
}

function runSync<T>(steps: Generator<number, T, void>): T {
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/**
 * Runs the steps with a macrotask between them: progress after each, the
 * signal checked before each. On abort (or a throwing onProgress) the
 * generator is stopped, which zeroes its state, and nothing is returned.
 */
async function runAsync<T>(
  steps: Generator<number, T, void>,
  total: number,
  signal: AbortSignal | undefined,
  report: (f: number) => void,
): Promise<T> {
  let done = 0;
  let finished = false;
  try {
    for (;;) {
      throwIfAborted(signal);
      const s = steps.next();
      if (s.done) {
        finished = true;
        return s.value;
      }
      done += s.value;
      report((0.99 * done) / total);
      await nextTask();
    }
  } finally {
    if (!finished) steps.return(undefined as never);
  }
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
  return [...data, ...createChecksum(data, s.extendable)].map((i) => words()[i]).join(' ');
}

export function decodeShare(mnemonic: string): Share {
  if (typeof mnemonic !== 'string') throw err('INVALID_SHARE', 'a share must be a string of words');
  // Lengths first, before any per-word work: 20..59 words (16..64-byte secrets).
  if (mnemonic.length > MAX_SHARE_CHARS) throw err('INVALID_SHARE', `a share has at most ${MAX_WORDS} words`);
  const words = mnemonic.trim().toLowerCase().split(/\s+/);
  if (words.length < MIN_WORDS) throw err('INVALID_SHARE', `a share has at least ${MIN_WORDS} words`);
  if (words.length > MAX_WORDS) throw err('INVALID_SHARE', `a share has at most ${MAX_WORDS} words`);
  wordsLoaded();
  const idx = words.map((w, i) => {
    const v = WORD_INDEX.get(w);
    if (v === undefined) throw err('INVALID_SHARE', `word ${i + 1} is not in the SLIP-0039 word list`);
    return v;
  });
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
  // §Format: a multiple of 16 bits (the padding rule above), at least 128; at most 512 (MAX_WORDS).
  if (nBytes < 16 || nBytes > MAX_SECRET_BYTES || nBytes % 2 !== 0) throw err('INVALID_SHARE', 'share value has an invalid length');
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

interface SplitPlan {
  masterSecret: Uint8Array;
  groups: Slip39Group[];
  gt: number;
  e: number;
  ext: boolean;
  random: (n: number) => Uint8Array;
  passphrase: string;
  id: number;
}

/** Every check of GenerateShares before the KDF: lengths, groups, thresholds, the exponent and its cap. */
function planSplit(masterSecret: Uint8Array, options: SplitOptions, limits: Required<KdfLimits>): SplitPlan {
  if (!(masterSecret instanceof Uint8Array)) throw new VaultkeyError('INVALID_ARGUMENT', 'master secret must be a Uint8Array');
  // §Master secret: at least 128 bits, a multiple of 16 bits. Capped at 512 bits, a BIP-39 seed
  // (Trezor devices take 128 or 256 bits only; longer secrets recover with software such as this one).
  if (masterSecret.length < 16 || masterSecret.length % 2 !== 0 || masterSecret.length > MAX_SECRET_BYTES) {
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
  // Shares we write must open within the reader's default caps, unless the caller raised them knowingly.
  checkExponent(e, limits);
  if (typeof random !== 'function') throw new VaultkeyError('INVALID_ARGUMENT', 'random must be a function');
  const id = ((random(2)[0]! << 8) | random(1)[0]!) & 0x7fff;
  return { masterSecret, groups, gt, e, ext, random, passphrase, id };
}

/** GenerateShares after the encryption: the encrypted master secret split into groups of member mnemonics. */
function sharesOf(ems: Uint8Array, plan: SplitPlan): string[][] {
  const { groups, gt, e, ext, random, id } = plan;
  const groupShares = splitSecret(gt, groups.length, ems, random);
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

const encryptionOf = (p: SplitPlan) => feistelSteps(p.masterSecret, p.passphrase, p.e, p.id, p.ext, [0, 1, 2, 3]);

/**
 * GenerateShares (§Generating the shares): returns the member mnemonics, one
 * array per group. Synchronous: the PBKDF2 work (10000·2^e iterations) runs
 * at once; splitMasterSecretAsync runs it in steps.
 */
export function splitMasterSecret(masterSecret: Uint8Array, options: SplitOptions = {}): string[][] {
  wordsLoaded();
  const plan = planSplit(masterSecret, options ?? {}, resolveLimits(options?.limits));
  const ems = runSync(encryptionOf(plan));
  try {
    return sharesOf(ems, plan);
  } finally {
    ems.fill(0);
  }
}

/**
 * splitMasterSecret in steps: yields to the event loop, reports progress
 * (`onProgress`, 0 to 1) and stops with ABORTED when `signal` fires, before
 * any share exists.
 */
export async function splitMasterSecretAsync(masterSecret: Uint8Array, options: SplitAsyncOptions = {}): Promise<string[][]> {
  const { signal, report, limits } = readControl(options);
  await loadWords();
  throwIfAborted(signal);
  const plan = planSplit(masterSecret, options, limits);
  report(0);
  const ems = await runAsync(encryptionOf(plan), feistelWork(plan.e), signal, report);
  try {
    throwIfAborted(signal);
    const out = sharesOf(ems, plan);
    report(1);
    return out;
  } finally {
    ems.fill(0);
  }
}

interface CombinePlan {
  /** The encrypted master secret, recovered from the shares: the caller zeroes it. */
  ems: Uint8Array;
  first: Share;
}

/**
 * Combining the shares (§Combining the shares) up to the encrypted master
 * secret: every check, the interpolations and the digests, then the cap on
 * the exponent. No PBKDF2 has run when this returns or throws.
 */
function planCombine(mnemonics: unknown, limits: Required<KdfLimits>): CombinePlan {
  if (!Array.isArray(mnemonics) || mnemonics.length === 0) throw err('INSUFFICIENT_SHARES', 'no shares given');
  if (mnemonics.length > MAX_SHARES) throw new VaultkeyError('INVALID_ARGUMENT', `at most ${MAX_SHARES} shares (16 groups of 16)`);
  const shares = Array.from(mnemonics as unknown[], (m) => decodeShare(m as string));
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
  try {
    for (const [gi, members] of groups) {
      const t = members[0]!.memberThreshold;
      if (members.some((m) => m.memberThreshold !== t)) throw err('SHARE_MISMATCH', 'member thresholds differ within a group');
      if (new Set(members.map((m) => m.memberIndex)).size !== members.length)
        throw err('DUPLICATE_SHARE', 'the same share was given twice');
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
    try {
      checkExponent(first.iterationExponent, limits);
    } catch (e) {
      ems.fill(0);
      throw e;
    }
    return { ems, first };
  } finally {
    for (const y of gy) y.fill(0);
    for (const s of shares) s.value.fill(0);
  }
}

const decryptionOf = ({ ems, first }: CombinePlan, pass: string) =>
  feistelSteps(ems, pass, first.iterationExponent, first.id, first.extendable, [3, 2, 1, 0]);

/** The passphrase and caps of a combine call: a passphrase string (as before) or { passphrase, limits }. */
function combineOptions(o: unknown): { pass: string; limits: Required<KdfLimits> } {
  if (typeof o === 'string' || o === undefined) return { pass: checkPassphrase(o), limits: resolveLimits(undefined) };
  if (typeof o !== 'object' || o === null) throw new VaultkeyError('INVALID_ARGUMENT', 'expected a passphrase or { passphrase, limits }');
  const { passphrase, limits } = o as CombineOptions;
  return { pass: checkPassphrase(passphrase), limits: resolveLimits(limits) };
}

/**
 * Combining the shares (§Combining the shares): the master secret, or a coded
 * error. Every share is checked, and the exponent against
 * `limits.maxIterationExponent` (default 5: KDF_LIMIT beyond), before any
 * PBKDF2 runs; the rest runs at once (combineMnemonicsAsync runs it in steps).
 */
export function combineMnemonics(mnemonics: string[], passphrase: string | CombineOptions = ''): Uint8Array {
  const { pass, limits } = combineOptions(passphrase);
  const plan = planCombine(mnemonics, limits);
  try {
    return runSync(decryptionOf(plan, pass));
  } finally {
    plan.ems.fill(0);
  }
}

/**
 * combineMnemonics in steps: yields to the event loop between PBKDF2 steps,
 * reports progress (`onProgress`, 0 to 1) and stops with ABORTED when
 * `signal` fires, returning nothing and zeroing what it had derived.
 */
export async function combineMnemonicsAsync(mnemonics: string[], options: CombineAsyncOptions = {}): Promise<Uint8Array> {
  const { signal, report, limits } = readControl(options);
  const { pass } = combineOptions({ passphrase: (options as CombineOptions).passphrase });
  await loadWords();
  throwIfAborted(signal);
  const plan = planCombine(mnemonics, limits);
  let ms: Uint8Array;
  try {
    report(0);
    ms = await runAsync(decryptionOf(plan, pass), feistelWork(plan.first.iterationExponent), signal, report);
  } finally {
    plan.ems.fill(0);
  }
  if (signal?.aborted) {
    ms.fill(0);
    throw aborted(signal);
  }
  report(1);
  return ms;
}
