// Binary custodian shares (docs/backup.md §Shares) and SLIP-0039 mnemonic
// shares (iteration exponent 0, so each combine is 10000 PBKDF2 rounds).
import { combineShares, decodeShareText, encodeShareText, inspectShare, splitSecret } from '../../src/backup/shares.ts';
// Through vaultkey/backup's entry: it carries the SLIP-0039 word list the synchronous functions need (src/core/parts.ts).
import { combineMnemonics, decodeSlip39Share as decodeShare, splitMasterSecret } from '../../src/backup/index.ts';
import { SLIP39_WORDS } from '../../src/backup/slip39-wordlist.ts';
import { bytesEqual } from '../../src/bytes.ts';
import { Disagreement, type Target } from '../harness.ts';
import { mutateBytes, mutateString, mutateWords } from '../mutate.ts';

interface SharesInput {
  secret: Uint8Array;
  shares: Uint8Array[];
  text: string;
  intact: boolean;
}

export const binaryShares: Target<SharesInput> = {
  name: 'shares',
  gen(rng) {
    const secret = rng.bytes(16 + rng.int(49));
    const n = 2 + rng.int(4);
    const m = 2 + rng.int(n - 1);
    const all = splitSecret(secret, { threshold: m, shares: n });
    const shares = all.slice(0, m + rng.int(n - m + 1));
    const intact = rng.int(4) === 0;
    if (!intact) {
      const i = rng.int(shares.length);
      if (rng.int(4) === 0) shares.splice(i, 1);
      else shares[i] = mutateBytes(rng, shares[i]!);
    }
    const text = rng.bool(0.7) ? mutateString(rng, encodeShareText(all[0]!)) : encodeShareText(all[0]!);
    return { secret, shares, text, intact };
  },
  run({ secret, shares, text, intact }) {
    const fromText = decodeShareText(text);
    inspectShare(fromText);
    for (const s of shares) inspectShare(s);
    const got = combineShares(shares);
    if (intact && !bytesEqual(got, secret)) throw new Disagreement('intact shares did not give back the secret');
  },
};

interface Slip39Input {
  secret: Uint8Array;
  mnemonics: string[];
  intact: boolean;
}

export const slip39: Target<Slip39Input> = {
  name: 'slip39',
  gen(rng) {
    const secret = rng.bytes(rng.pick([16, 32]));
    const n = 1 + rng.int(3);
    const m = n === 1 ? 1 : 2 + rng.int(n - 1);
    const groups = splitMasterSecret(secret, { iterationExponent: 0, groups: [{ threshold: m, count: n }], extendable: rng.bool() });
    const mnemonics = groups[0]!.slice(0, m);
    const intact = rng.int(4) === 0;
    if (!intact) {
      const i = rng.int(mnemonics.length);
      mnemonics[i] = rng.bool() ? mutateWords(rng, mnemonics[i]!.split(' '), SLIP39_WORDS).join(' ') : mutateString(rng, mnemonics[i]!);
    }
    return { secret, mnemonics, intact };
  },
  run({ secret, mnemonics, intact }) {
    for (const s of mnemonics) decodeShare(s);
    const got = combineMnemonics(mnemonics);
    if (intact && !bytesEqual(got, secret)) throw new Disagreement('intact SLIP-0039 shares did not give back the secret');
  },
};
