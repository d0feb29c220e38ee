// BIP-39 phrases (generateMnemonic, validateMnemonic): our encoder and
// checksum (src/core/bip39-phrase.ts, SHA-256 from the WASM core) against
// the Trezor vectors and, on random entropy and random or damaged phrases,
// against @scure/bip39 in all ten of its word lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as scure from '@scure/bip39';
import { init, generateMnemonic, validateMnemonic } from 'vaultkey/core';
import { unhex, readVector } from './helpers/vectors.ts';
import { errorCode as code } from './helpers/errors.ts';

const ABOUT = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

// Before init(): the checksum needs the WASM SHA-256, so both refuse with a
// code, whatever the phrase, rather than answer without checking it.
const beforeInit = {
  generate: code(() => generateMnemonic()),
  validate: code(() => validateMnemonic(ABOUT)),
  validateNotAString: code(() => validateMnemonic(42 as never)),
  badStrength: code(() => generateMnemonic(100 as never)),
};
await init();

const LISTS = [
  'czech',
  'english',
  'french',
  'italian',
  'japanese',
  'korean',
  'portuguese',
  'simplified-chinese',
  'spanish',
  'traditional-chinese',
] as const;
const lists = new Map<string, string[]>();
for (const l of LISTS) lists.set(l, (await import(`@scure/bip39/wordlists/${l}.js`)).wordlist);
const STRENGTHS = [128, 160, 192, 224, 256] as const;

/** Runs `f` with the CSPRNG answering `entropy` (once, for exactly its length). */
function withEntropy<T>(entropy: Uint8Array, f: () => T): T {
  const c = globalThis.crypto;
  let calls = 0;
  c.getRandomValues = (<A extends ArrayBufferView | null>(a: A): A => {
    assert.ok(a instanceof Uint8Array && a.length === entropy.length, 'asked for the entropy length');
    a.set(entropy);
    calls++;
    return a;
  }) as Crypto['getRandomValues'];
  try {
    return f();
  } finally {
    delete (c as { getRandomValues?: unknown }).getRandomValues; // back to Crypto.prototype's
    assert.equal(calls, 1);
  }
}

test('before init(): generateMnemonic and validateMnemonic throw NOT_INITIALIZED (argument errors first)', () => {
  assert.deepEqual(beforeInit, {
    generate: 'NOT_INITIALIZED',
    validate: 'NOT_INITIALIZED',
    validateNotAString: 'NOT_INITIALIZED',
    badStrength: 'INVALID_ARGUMENT',
  });
});

test('Trezor BIP-39 vectors: generateMnemonic encodes each entropy to its phrase; validateMnemonic accepts it', () => {
  const all = JSON.parse(readVector('bip39-trezor-vectors.json')) as Record<string, string[][]>;
  let checked = 0;
  for (const [lang, vectors] of Object.entries(all)) {
    const file = lang === 'chinese_simplified' ? 'simplified-chinese' : lang === 'chinese_traditional' ? 'traditional-chinese' : lang;
    const wordlist = lists.get(file);
    if (!wordlist) continue; // Russian and Turkish are Trezor-only lists, not BIP-39's
    for (const [entropy, mnemonic] of vectors) {
      const e = unhex(entropy!);
      const got: string = withEntropy(e, () => generateMnemonic((e.length * 8) as 128, wordlist));
      // The vector text may be NFC; the word lists are NFKD.
      assert.equal(got.normalize('NFKD'), mnemonic!.normalize('NFKD'), `${lang} ${entropy}`);
      // Japanese phrases are joined by U+3000 IDEOGRAPHIC SPACE (BIP-39 §Wordlists), the others by U+0020.
      assert.equal(got.split(lang === 'japanese' ? '\u3000' : ' ').length, (e.length * 3) / 4, `${lang} separator`);
      assert.ok(validateMnemonic(mnemonic!, wordlist), `${lang} valid`);
      checked++;
    }
  }
  assert.equal(checked, 10 * 24);
});

test('differential: generateMnemonic equals @scure/bip39 entropyToMnemonic on random entropy, every list and strength', () => {
  for (const [name, wordlist] of lists) {
    for (const strength of STRENGTHS) {
      for (let i = 0; i < 40; i++) {
        const e = new Uint8Array(crypto.randomBytes(strength / 8));
        const ours: string = withEntropy(e, () => generateMnemonic(strength, wordlist));
        assert.equal(ours, scure.entropyToMnemonic(e, wordlist), `${name} ${strength} ${Buffer.from(e).toString('hex')}`);
        assert.equal(validateMnemonic(ours, wordlist), true);
      }
    }
    // Without a stub: a fresh phrase of each strength that scure accepts too.
    for (const strength of STRENGTHS) {
      const m = generateMnemonic(strength, wordlist);
      assert.equal(scure.validateMnemonic(m, wordlist), true, `${name} ${strength}`);
      assert.deepEqual(scure.mnemonicToEntropy(m, wordlist).length, strength / 8);
    }
  }
});

test('differential: validateMnemonic agrees with @scure/bip39 on valid, damaged and random phrases, every list', () => {
  const pick = <T>(xs: readonly T[]): T => xs[crypto.randomInt(xs.length)]!;
  let valid = 0;
  let cases = 0;
  for (const [name, wordlist] of lists) {
    const phrases: string[] = [];
    for (let i = 0; i < 60; i++) {
      const words = scure
        .entropyToMnemonic(crypto.randomBytes(pick([16, 20, 24, 28, 32])), wordlist)
        .normalize('NFKD')
        .split(' ');
      const sep = pick([' ', ' ', '\u3000']);
      phrases.push(words.join(sep));
      // One word changed: usually a bad checksum, sometimes (1 in 2^(ENT/32)) still valid.
      const j = crypto.randomInt(words.length);
      phrases.push(words.map((w, k) => (k === j ? pick(wordlist) : w)).join(' '));
      // Last word changed: only the checksum bits and a few entropy bits differ.
      phrases.push([...words.slice(0, -1), pick(wordlist)].join(' '));
      // Random words, every count from 11 to 25.
      phrases.push(Array.from({ length: 11 + (i % 15) }, () => pick(wordlist)).join(' '));
      // Separators and forms that must not pass (or pass only as scure lets them).
      const s = words.join(' ');
      phrases.push(
        ` ${s}`,
        `${s} `,
        s.replace(' ', '  '),
        s.replace(' ', '\t'),
        s.toUpperCase(),
        s.normalize('NFC'),
        `${s}\ud800`,
        words.slice(0, -1).join(' '),
      );
    }
    phrases.push('', ' ', ABOUT, `${ABOUT} ${ABOUT}`);
    for (const p of phrases) {
      const want = scure.validateMnemonic(p, wordlist);
      assert.equal(validateMnemonic(p, wordlist), want, `${name}: ${JSON.stringify(p)}`);
      if (want) valid++;
      cases++;
    }
  }
  // Both outcomes are well represented, so agreement is not agreement on "false".
  assert.ok(valid > cases / 5 && valid < (cases * 4) / 5, `${valid} valid of ${cases}`);
});
