// BIP-39 phrases and seeds for a given word list. A phrase is entropy plus a
// checksum from the WASM SHA-256, cut into 11-bit word indexes (BIP-39
// §Generating the mnemonic); the seed (BIP-39 §From mnemonic to seed) is
// PBKDF2-HMAC-SHA512 with 2048 iterations, run on whichever of WebCrypto or
// our WASM is faster here. No word list is imported here: ./bip39.ts adds the
// English one for vaultkey/core, and the vault worker takes it as a lazy part
// (worker/vault/words.ts), so that unlocking and signing never load it.
import { VaultkeyError } from '../errors.js';
import { pbkdf2Sha512, sha256 } from './hash.js';
import { wasm } from './wasm.js';

export type Pbkdf2Backend = 'webcrypto' | 'wasm';

const STRENGTHS = [128, 160, 192, 224, 256];
/** Phrase lengths for those strengths: (ENT + ENT/32) / 11 words. */
const PHRASE_WORDS = [12, 15, 18, 21, 24];

// Frozen lists already checked (the bundled ones, or a caller's frozen list):
// a frozen array cannot change after its check.
const checkedLists = new WeakSet<readonly string[]>();

/**
 * A BIP-39 word list (BIP-39 §Wordlist): exactly 2048 distinct words, each a
 * non-empty NFKD string without spaces. Fewer words, or a repeated word, give
 * phrases that do not round-trip (two indexes, one word); a word not in NFKD
 * never matches the NFKD-normalized phrase that validation reads.
 */
export function checkWordlist(wordlist: unknown): asserts wordlist is string[] {
  if (Array.isArray(wordlist) && checkedLists.has(wordlist)) return;
  if (!Array.isArray(wordlist) || wordlist.length !== 2048) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'wordlist must be an array of exactly 2048 words (BIP-39)');
  }
  const seen = new Set<string>();
  for (const w of wordlist as unknown[]) {
    if (typeof w !== 'string' || w.length === 0 || /\s/u.test(w) || lone(w) || w.normalize('NFKD') !== w) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'wordlist words must be non-empty NFKD strings without spaces (BIP-39)');
    }
    seen.add(w);
  }
  if (seen.size !== 2048) throw new VaultkeyError('INVALID_ARGUMENT', 'wordlist words must be distinct (BIP-39)');
  if (Object.isFrozen(wordlist)) checkedLists.add(wordlist);
}

/** True if `s` holds an unpaired UTF-16 surrogate, which has no UTF-8 encoding (TextEncoder would swap in U+FFFD). */
function lone(s: string): boolean {
  return /\p{Cs}/u.test(s);
}

/** The first word of the Japanese list (BIP-39 §Wordlists): its phrases are joined by U+3000 IDEOGRAPHIC SPACE. */
const JAPANESE_FIRST = '\u3042\u3044\u3053\u304f\u3057\u3093';

/**
 * The 11-bit word indexes of `entropy` (16 to 32 bytes, a multiple of 4)
 * followed by its checksum, the first ENT/32 bits of SHA-256(entropy)
 * (BIP-39 §Generating the mnemonic): (ENT + ENT/32) / 11 words.
 */
function wordIndexes(entropy: Uint8Array): number[] {
  const checksum = sha256(entropy);
  const bits = new Uint8Array(entropy.length + 1); // entropy || the checksum's first byte
  bits.set(entropy);
  bits[entropy.length] = checksum[0]!;
  const words = (entropy.length * 8 + entropy.length / 4) / 11;
  const out: number[] = [];
  for (let k = 0; k < words; k++) {
    // Word k is bits [11k, 11k + 11): read the 24 bits from its first byte
    // (zeros past the end) and take 11 of them.
    const at = 11 * k;
    const i = at >>> 3;
    const window = (bits[i]! << 16) | ((bits[i + 1] ?? 0) << 8) | (bits[i + 2] ?? 0);
    out.push((window >>> (13 - (at & 7))) & 0x7ff);
  }
  bits.fill(0);
  checksum.fill(0);
  return out;
}

/** A new phrase of `strength` bits of entropy from the CSPRNG (BIP-39 §Generating the mnemonic). */
export function generateMnemonic(strength: 128 | 160 | 192 | 224 | 256, wordlist: string[]): string {
  if (!STRENGTHS.includes(strength)) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'strength must be one of 128, 160, 192, 224, 256');
  }
  checkWordlist(wordlist);
  wasm(); // NOT_INITIALIZED before `init()`: the checksum is the WASM SHA-256
  const entropy = globalThis.crypto.getRandomValues(new Uint8Array(strength / 8));
  try {
    const words = wordIndexes(entropy).map((i) => wordlist[i]!);
    return words.join(wordlist[0] === JAPANESE_FIRST ? '\u3000' : ' ');
  } finally {
    entropy.fill(0);
  }
}

/**
 * True if `mnemonic` is a BIP-39 phrase of `wordlist` (words and checksum).
 * A phrase that is not a string is false; a word list that is not one is INVALID_ARGUMENT.
 */
export function validateMnemonic(mnemonic: string, wordlist: string[]): boolean {
  checkWordlist(wordlist);
  wasm(); // NOT_INITIALIZED before `init()`, whatever the phrase
  if (typeof mnemonic !== 'string' || lone(mnemonic)) return false;
  // Words are split on single spaces of the NFKD form (which maps U+3000 to U+0020):
  // 12, 15, 18, 21 or 24 of them, each in the list.
  const words = mnemonic.normalize('NFKD').split(' ');
  if (!PHRASE_WORDS.includes(words.length)) return false;
  const indexes = words.map((w) => wordlist.indexOf(w));
  if (indexes.includes(-1)) return false;
  // Each 3 words carry 32 bits of entropy and 1 of checksum: rebuild the
  // entropy and compare the words that the checksum gives with these.
  const entropy = new Uint8Array((words.length / 3) * 4);
  let acc = 0;
  let have = 0;
  let at = 0;
  for (const i of indexes) {
    acc = ((acc << 11) | i) & 0x7ffff;
    have += 11;
    while (have >= 8 && at < entropy.length) {
      have -= 8;
      entropy[at++] = (acc >>> have) & 0xff;
    }
  }
  try {
    const again = wordIndexes(entropy);
    let diff = 0;
    for (let k = 0; k < indexes.length; k++) diff |= again[k]! ^ indexes[k]!;
    return diff === 0;
  } finally {
    entropy.fill(0);
  }
}

const encoder = new TextEncoder();

let chosen: Pbkdf2Backend | undefined;

/** Which PBKDF2 path `mnemonicToSeed` settled on in this realm (undefined before its first call). */
export function pbkdf2Backend(): Pbkdf2Backend | undefined {
  return chosen;
}

async function webcryptoPbkdf2(password: Uint8Array, salt: Uint8Array, iterations: number, dkLen: number): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey('raw', password as BufferSource, 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-512', salt: salt as BufferSource, iterations }, key, dkLen * 8);
  return new Uint8Array(bits);
}

/**
 * PBKDF2-HMAC-SHA512 on the faster of native WebCrypto and the WASM loop.
 * The first call runs both, checks they agree (a self-test of both paths),
 * and keeps the faster for the life of the realm; `pbkdf2Backend()` says which.
 */
export async function pbkdf2Sha512Fast(password: Uint8Array, salt: Uint8Array, iterations: number, dkLen: number): Promise<Uint8Array> {
  if (chosen === 'wasm' || !globalThis.crypto?.subtle) return pbkdf2Sha512(password, salt, iterations, dkLen);
  if (chosen === 'webcrypto') return webcryptoPbkdf2(password, salt, iterations, dkLen);
  // Interleaved runs, then medians: V8 starts WASM on its baseline compiler and
  // tiers up after the first hot call (so run 0 of each is a warm-up), and on a
  // shared machine a load spike must hit both paths alike, not one block of runs.
  const RUNS = 6;
  let native: Uint8Array | undefined;
  let nativeOk = true;
  let wasmOut: Uint8Array = new Uint8Array(0);
  const nativeMs: number[] = [];
  const wasmMs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    if (nativeOk) {
      const t0 = performance.now();
      try {
        const out = await webcryptoPbkdf2(password, salt, iterations, dkLen);
        native?.fill(0); // every calibration copy of the seed is zeroed, not only the last
        native = out;
        if (run > 0) nativeMs.push(performance.now() - t0);
      } catch {
        nativeOk = false; // e.g. an empty password some engines refuse: WASM handles every input
        native?.fill(0);
        native = undefined;
      }
    }
    const t1 = performance.now();
    const out = pbkdf2Sha512(password, salt, iterations, dkLen);
    wasmOut.fill(0);
    wasmOut = out;
    if (run > 0) wasmMs.push(performance.now() - t1);
  }
  if (native && !equal(native, wasmOut)) {
    throw new VaultkeyError('SELF_TEST_FAILED', 'WebCrypto and WASM PBKDF2 disagree');
  }
  chosen = native && medianOf(nativeMs) <= medianOf(wasmMs) ? 'webcrypto' : 'wasm';
  if (native) native.fill(0);
  return wasmOut;
}

function medianOf(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? s[s.length >> 1]! : Infinity;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/**
 * BIP-39 seed: PBKDF2-HMAC-SHA512(NFKD(mnemonic), "mnemonic" + NFKD(passphrase), 2048, 64).
 * Does not check the word list or checksum (BIP-39 defines the seed for any
 * sentence); call `validateMnemonic` first to catch typos.
 */
export async function mnemonicToSeed(mnemonic: string, passphrase = ''): Promise<Uint8Array> {
  if (typeof mnemonic !== 'string') throw new VaultkeyError('INVALID_MNEMONIC', 'mnemonic must be a string');
  if (typeof passphrase !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'passphrase must be a string');
  // BIP-39 hashes UTF-8 NFKD text; an unpaired surrogate has no UTF-8 form and
  // TextEncoder would make it U+FFFD, so two different strings would share a seed.
  if (lone(mnemonic)) throw new VaultkeyError('INVALID_MNEMONIC', 'mnemonic is not well-formed Unicode (unpaired surrogate)');
  if (lone(passphrase)) throw new VaultkeyError('INVALID_ARGUMENT', 'passphrase is not well-formed Unicode (unpaired surrogate)');
  const password = encoder.encode(mnemonic.normalize('NFKD'));
  const salt = encoder.encode('mnemonic' + passphrase.normalize('NFKD'));
  try {
    return await pbkdf2Sha512Fast(password, salt, 2048, 64);
  } finally {
    password.fill(0);
    salt.fill(0);
  }
}
