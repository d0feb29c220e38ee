// JSON deserializers: Ethereum keystore v3 (Web3 Secret Storage definition;
// tiny scrypt / PBKDF2 parameters and tight caps so each try is fast) and
// Account.fromState (BIP-44 account state, docs in src/hd/accounts.ts).
import { decryptKeystoreV3, encryptKeystoreV3 } from '../../src/backup/keystore-v3.ts';
import { Account, HDKey, type AccountState } from '../../src/core/index.ts';
import { bytesEqual } from '../../src/bytes.ts';
import { secp256k1 as nobleK } from '@noble/curves/secp256k1.js';
import { Disagreement, type Target } from '../harness.ts';
import { mutateJson, mutateString } from '../mutate.ts';
import type { Rng } from '../prng.ts';

// Caps far below the defaults: a mutated cost parameter is refused (KDF_LIMIT) instead of run.
const LIMITS = { maxScryptWork: 1 << 10, maxPbkdf2Iterations: 1000, maxMemoryBytes: 1 << 20 };

interface KeystoreInput {
  json: unknown;
  password: string;
  key: Uint8Array;
  intact: boolean;
}

function privKey(rng: Rng): Uint8Array {
  for (;;) {
    const k = rng.bytes(32);
    if (nobleK.utils.isValidSecretKey(k)) return k;
  }
}

export const keystoreV3: Target<KeystoreInput> = {
  name: 'keystore-v3',
  async gen(rng) {
    const key = privKey(rng);
    const password = rng.bool() ? 'fuzz' : String.fromCharCode(...rng.bytes(rng.int(12)));
    const kdf = rng.pick(['scrypt', 'pbkdf2'] as const);
    const text = await encryptKeystoreV3(key, password, {
      kdf,
      scrypt: { n: 2 ** (1 + rng.int(4)), r: 1 + rng.int(2), p: 1 },
      pbkdf2: { c: 1 + rng.int(16) },
      salt: rng.bytes(16 + rng.int(49)),
      iv: rng.bytes(16),
      limits: LIMITS,
    });
    const r = rng.int(5);
    if (r === 0) return { json: text, password, key, intact: true };
    if (r === 1) return { json: mutateString(rng, text), password, key, intact: false };
    return { json: mutateJson(rng, JSON.parse(text)), password, key, intact: false };
  },
  async run({ json, password, key, intact }) {
    const acct = await decryptKeystoreV3(json as object, password, { limits: LIMITS });
    if (intact && !bytesEqual(acct.privateKey, key)) throw new Disagreement('intact keystore decrypted to another key');
  },
};

let account: Account | undefined;
export const accountState: Target<unknown> = {
  name: 'account-state',
  gen(rng) {
    account ??= Account.fromRoot(HDKey.fromMasterSeed(new Uint8Array(32).fill(7)), { purpose: 84, coinType: 0, gapLimit: 20 });
    const a = Account.fromState(account.toJSON());
    for (let i = rng.int(5); i > 0; i--) a.markUsed(rng.int(2) as 0 | 1, rng.int(25));
    const state = a.toJSON();
    return rng.int(4) === 0 ? state : mutateJson(rng, state);
  },
  run(state) {
    const a = Account.fromState(state as AccountState);
    // What loads must serialize back to a state that loads to the same JSON.
    const back = JSON.stringify(Account.fromState(a.toJSON()).toJSON());
    if (back !== JSON.stringify(a.toJSON())) throw new Disagreement('fromState(toJSON()) does not round-trip');
  },
};
