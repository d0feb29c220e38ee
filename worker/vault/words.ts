// The English BIP-39 word list (BIP-39 §Wordlist) in the vault worker: a lazy
// part (src/core/parts.ts), taken from the page on first use and kept only if
// it hashes to the digest built into this worker (worker/parts.ts). Only making
// a mnemonic key, importing one, rotating one and reading a backup's mnemonic
// need it; opening, unlocking and signing never do (docs/vault.md "Lazy parts").
import { checkWordlist } from '../../src/core/bip39-phrase.js';
import { part } from '../../src/core/parts.js';

let words: string[] | undefined;

/** The English list, 2048 words, frozen and checked once. */
export async function englishWords(): Promise<string[]> {
  if (!words) {
    const list = Object.freeze((await part('bip39-words')).split(' ')) as string[];
    checkWordlist(list);
    words = list;
  }
  return words;
}
