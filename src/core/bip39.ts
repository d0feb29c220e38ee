// BIP-39 mnemonics with the English word list (BIP-39 §Wordlist) as the
// default; the phrase and seed logic is ./bip39-phrase.ts, which takes any list.
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { generateMnemonic as generateFrom, validateMnemonic as validateIn } from './bip39-phrase.js';

export { mnemonicToSeed, pbkdf2Backend, pbkdf2Sha512Fast, type Pbkdf2Backend } from './bip39-phrase.js';

/**
 * A new phrase of `strength` bits of entropy (default 128: 12 words) from
 * `wordlist` (default English). Needs `await init()` first (the checksum is
 * the WASM SHA-256): NOT_INITIALIZED before.
 */
export function generateMnemonic(strength: 128 | 160 | 192 | 224 | 256 = 128, wordlist: string[] = english): string {
  return generateFrom(strength, wordlist);
}

/**
 * True if `mnemonic` is a BIP-39 phrase of `wordlist` (default English): words and checksum.
 * A phrase that is not a string is false; a word list that is not one is INVALID_ARGUMENT.
 * Needs `await init()` first (the checksum is the WASM SHA-256): NOT_INITIALIZED before, for any phrase.
 */
export function validateMnemonic(mnemonic: string, wordlist: string[] = english): boolean {
  return validateIn(mnemonic, wordlist);
}
