// BIP-39 mnemonics (§Generating the mnemonic, checksum and word list).
// Reference: @scure/bip39's validateMnemonic on the same string.
import { validateMnemonic as scureValidate } from '@scure/bip39';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { generateMnemonic, validateMnemonic } from '../../src/core/index.ts';
import { VaultkeyError } from '../../src/errors.ts';
import { Disagreement, type Target } from '../harness.ts';
import { mutateString, mutateWords } from '../mutate.ts';

export const bip39: Target<string> = {
  name: 'bip39',
  gen(rng) {
    const strength = rng.pick([128, 160, 192, 224, 256] as const);
    const words = generateMnemonic(strength).split(' ');
    switch (rng.int(4)) {
      case 0:
        return words.join(' ');
      case 1:
        return mutateString(rng, words.join(' '));
      case 2:
        return Array.from({ length: rng.pick([12, 15, 18, 21, 24, rng.int(30)]) }, () => rng.pick(english)).join(' ');
      default:
        return mutateWords(rng, words, english).join(' ');
    }
  },
  run(m) {
    const ours = validateMnemonic(m);
    let ref = false;
    try {
      ref = scureValidate(m, english);
    } catch {
      ref = false;
    }
    if (ours !== ref) throw new Disagreement(`validateMnemonic ${ours}, @scure/bip39 ${ref}`);
    if (!ours) throw new VaultkeyError('INVALID_MNEMONIC', 'validateMnemonic returned false');
  },
};
