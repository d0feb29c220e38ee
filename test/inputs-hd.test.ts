// Every input of the HD, address and BIP-39 API typed: each reported attack
// (an untyped crash, a state that disables the gap limit, a silently wrong
// regtest address, a backup path that derive refuses) as a test that failed
// before its fix. Addresses on every (type x network) are checked against an
// independent implementation (@scure/base, @noble/hashes, @noble/curves) and
// the BIP-84 / BIP-86 vectors; network parameters per BIP-173 and Bitcoin
// Core's chainparams (regtest "bcrt", test networks 0x6f / 0xc4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { bech32, bech32m, createBase58check } from '@scure/base';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { secp256k1 as noble } from '@noble/curves/secp256k1.js';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { wordlist as japanese } from '@scure/bip39/wordlists/japanese.js';
import {
  init,
  Account,
  HDKey,
  addressOf,
  deriveAddresses,
  ethereumAddress,
  formatPath,
  generateMnemonic,
  mnemonicToSeed,
  p2pkhAddress,
  p2shP2wpkhAddress,
  p2trAddress,
  p2wpkhAddress,
  parsePath,
  solanaAddress,
  taggedHash,
  taprootOutputKey,
  toChecksumAddress,
  validateMnemonic,
  ADDRESS_NETWORKS,
  type AccountState,
  type AddressFormat,
  type AddressNetwork,
} from '../src/core/index.ts';
import { deriveAddressesParallel } from '../src/hd/parallel.ts';
import { encodePayload, PAYLOAD_VERSION } from '../src/backup/format.ts';
import { fromB64url as storedPasskeyField } from '../src/vault/format.ts';
import { b64url, bytesEqual, fromB64url, toHex, utf8 } from '../src/bytes.ts';
import { errorCode as code, rejectCode } from './helpers/errors.ts';
import { readVector, unhex } from './helpers/vectors.ts';

await init();

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const root = HDKey.fromMasterSeed(await mnemonicToSeed(MNEMONIC));

// ---------------------------------------------------------------------------
// Account.fromState
// ---------------------------------------------------------------------------

function state84(over: Partial<Record<keyof AccountState, unknown>> = {}): AccountState {
  const a = Account.fromRoot(root, { purpose: 84, coinType: 0, gapLimit: 20 });
  return { ...a.toJSON(), ...over } as AccountState;
}

test('fromState attack: used: null was a raw TypeError, now INVALID_ARGUMENT', () => {
  assert.equal(
    code(() => Account.fromState(state84({ used: null }))),
    'INVALID_ARGUMENT',
  );
});

test("fromState attack: next: ['a', 'b'] was accepted, now INVALID_ARGUMENT", () => {
  assert.equal(
    code(() => Account.fromState(state84({ next: ['a', 'b'] }))),
    'INVALID_ARGUMENT',
  );
});

test('fromState attack: used: [[2^40], []] handed out 1,000 unused addresses with gapLimit 20; now refused', () => {
  assert.equal(
    code(() => Account.fromState(state84({ used: [[2 ** 40], []] }))),
    'INVALID_ARGUMENT',
  );
  // The same trick inside the index range: a used index past `next` (lastUsed far ahead of the issued addresses).
  for (const used of [
    [[0x7fffffff], []],
    [[5], []],
    [[], [25]],
  ])
    assert.equal(
      code(() => Account.fromState(state84({ used }))),
      'INVALID_ARGUMENT',
      JSON.stringify(used),
    );
  // A next beyond gapLimit past the last used index would hand out addresses a restore never scans.
  for (const [next, used] of [
    [
      [21, 0],
      [[], []],
    ],
    [
      [0, 1000],
      [[], []],
    ],
    [
      [32, 0],
      [[10], []],
    ],
  ] as const)
    assert.equal(
      code(() => Account.fromState(state84({ next, used }))),
      'INVALID_ARGUMENT',
      JSON.stringify({ next, used }),
    );
  // At the limit it loads, and next() refuses with GAP_LIMIT as for an account that got there itself.
  const edge = Account.fromState(state84({ next: [31, 20], used: [[10], []] }));
  assert.equal(
    code(() => edge.nextReceive()),
    'GAP_LIMIT',
  );
  assert.equal(
    code(() => edge.nextChange()),
    'GAP_LIMIT',
  );
});

test('fromState checks every field: shape, types, BIP-32 index ranges, order, and that the xpub is this account', () => {
  const bad: [string, unknown][] = [
    ['null state', null],
    ['array state', []],
    ['string state', 'state'],
    ['no xpub', state84({ xpub: undefined })],
    ['xpub number', state84({ xpub: 7 })],
    ['no next', state84({ next: undefined })],
    ['no used', state84({ used: undefined })],
    ['no gapLimit', state84({ gapLimit: undefined })],
    ['no account', state84({ account: undefined })],
    ['gapLimit 0', state84({ gapLimit: 0 })],
    ['gapLimit string', state84({ gapLimit: '20' })],
    ['coinType string', state84({ coinType: '0' })],
    ['purpose 45', state84({ purpose: 45 })],
    ['next object', state84({ next: { 0: 0, 1: 0 } })],
    ['next length 1', state84({ next: [0] })],
    ['next length 3', state84({ next: [0, 0, 0] })],
    ['next negative', state84({ next: [-1, 0] })],
    ['next fraction', state84({ next: [0.5, 0] })],
    ['next NaN', state84({ next: [Number.NaN, 0] })],
    ['next string', state84({ next: ['0', 0] })],
    ['next past 2^31', state84({ next: [2 ** 31 + 1, 0], used: [[2 ** 31 - 1], []] })],
    ['used length 1', state84({ used: [[]] })],
    ['used chain null', state84({ used: [null, []] })],
    ['used chain object', state84({ used: [{}, []] })],
    ['used string index', state84({ next: [3, 0], used: [['1'], []] })],
    ['used negative', state84({ next: [3, 0], used: [[-1], []] })],
    ['used fraction', state84({ next: [3, 0], used: [[1.5], []] })],
    ['used hardened', state84({ next: [3, 0], used: [[2 ** 31], []] })],
    ['used duplicate', state84({ next: [3, 0], used: [[1, 1], []] })],
    ['used descending', state84({ next: [3, 0], used: [[2, 1], []] })],
    // biome-ignore lint/suspicious/noSparseArray: a hole is the attack (JSON would make it null)
    ['used hole', state84({ next: [3, 0], used: [[1, , 2], []] })],
  ];
  for (const [what, s] of bad)
    assert.equal(
      code(() => Account.fromState(s as AccountState)),
      'INVALID_ARGUMENT',
      what,
    );
  // The xpub must be the key of m/84'/0'/0' in the version toJSON writes (zpub for 84 on coin 0).
  const other = Account.fromRoot(root, { purpose: 84, coinType: 0, account: 1 });
  assert.equal(
    code(() => Account.fromState(state84({ xpub: other.xpub }))),
    'INVALID_ARGUMENT',
    'account 1 key under account 0',
  );
  const acct = root.derive("m/84'/0'/0'");
  for (const [script, network] of [
    ['p2pkh', 'mainnet'],
    ['p2wpkh', 'testnet'],
  ] as const) {
    const xpub = acct.toExtendedKey(false, { script, network });
    assert.equal(
      code(() => Account.fromState(state84({ xpub }))),
      'INVALID_ARGUMENT',
      `${script}/${network} version`,
    );
  }
  assert.equal(
    code(() => Account.fromState(state84({ xpub: acct.toExtendedKey(true, { script: 'p2wpkh' }) }))),
    'INVALID_KEY',
    'a private key is never a state',
  );
  assert.equal(
    code(() => Account.fromState(state84({ xpub: root.derive("m/84'/0'").toExtendedKey(false, { script: 'p2wpkh' }) }))),
    'INVALID_KEY',
    'depth 2',
  );
});

test('fromState loads every state the API can produce: random next/markUsed/scan sequences round-trip', async () => {
  for (let round = 0; round < 60; round++) {
    const gapLimit = 1 + crypto.randomInt(0, 8);
    const a = Account.fromRoot(root, { purpose: ([44, 49, 84, 86] as const)[round % 4]!, coinType: round % 3 === 0 ? 1 : 0, gapLimit });
    for (let step = 0; step < 30; step++) {
      const chain = crypto.randomInt(0, 2) as 0 | 1;
      const r = crypto.randomInt(0, 10);
      if (r < 6) {
        try {
          a.next(chain);
        } catch (e) {
          // GAP_LIMIT, or INVALID_PATH once index 2^31 - 1 was used (the chain is exhausted).
          const exhausted = a.toJSON().next[chain] === 2 ** 31;
          assert.equal((e as { code?: string }).code, exhausted ? 'INVALID_PATH' : 'GAP_LIMIT');
        }
      } else if (r < 9) {
        a.markUsed(chain, crypto.randomInt(0, a.toJSON().next[chain] + 40));
      } else {
        a.markUsed(chain, 0x7fffffff); // the last index: next becomes 2^31
      }
      const s = JSON.parse(JSON.stringify(a.toJSON())) as AccountState;
      const b = Account.fromState(s);
      assert.deepEqual(b.toJSON(), s);
    }
  }
  // scan() marks what it finds; the result loads too.
  const a = Account.fromRoot(root, { purpose: 84, coinType: 0, gapLimit: 3 });
  const hits = new Set([a.address(0, 1).address, a.address(0, 4).address, a.address(1, 2).address]);
  await a.scan((addr) => hits.has(addr));
  assert.deepEqual(Account.fromState(a.toJSON()).toJSON(), a.toJSON());
});

test('Account: bad options, roots, chains and callbacks are typed errors, not TypeErrors', async () => {
  const a = Account.fromRoot(root, { purpose: 84, coinType: 0 });
  const cases: [string, () => unknown, string][] = [
    ['fromRoot(null root)', () => Account.fromRoot(null as never, { purpose: 84, coinType: 0 }), 'INVALID_ARGUMENT'],
    [
      'fromRoot({} root)',
      () => Account.fromRoot({ depth: 0, curve: 'secp256k1' } as never, { purpose: 84, coinType: 0 }),
      'INVALID_ARGUMENT',
    ],
    ['fromRoot(null options)', () => Account.fromRoot(root, null as never), 'INVALID_ARGUMENT'],
    ['fromRoot(string options)', () => Account.fromRoot(root, '84' as never), 'INVALID_ARGUMENT'],
    ['fromRoot(coinType string)', () => Account.fromRoot(root, { purpose: 84, coinType: '0' as never }), 'INVALID_ARGUMENT'],
    ['fromExtendedPublicKey(null)', () => Account.fromExtendedPublicKey(null as never, { purpose: 84, coinType: 0 }), 'INVALID_KEY'],
    ['fromExtendedPublicKey(xpub, null)', () => Account.fromExtendedPublicKey(a.xpub, null as never), 'INVALID_ARGUMENT'],
    ['lastUsed(2)', () => a.lastUsed(2 as never), 'INVALID_ARGUMENT'],
    ['next(5)', () => a.next(5 as never), 'INVALID_ARGUMENT'],
    ["next('0')", () => a.next('0' as never), 'INVALID_ARGUMENT'],
    ['isUsed(2, 0)', () => a.isUsed(2 as never, 0), 'INVALID_ARGUMENT'],
    ['markUsed(7, 0)', () => a.markUsed(7 as never, 0), 'INVALID_ARGUMENT'],
    ['markUsed(0, 2^31)', () => a.markUsed(0, 2 ** 31), 'INVALID_PATH'],
    ["markUsed(0, '3')", () => a.markUsed(0, '3' as never), 'INVALID_PATH'],
    ['address(null, 0)', () => a.address(null as never, 0), 'INVALID_ARGUMENT'],
    ['address(0, -1)', () => a.address(0, -1), 'INVALID_PATH'],
    ['path(3, 0)', () => a.path(3 as never, 0), 'INVALID_ARGUMENT'],
    ['path(0, 2^31)', () => a.path(0, 2 ** 31), 'INVALID_PATH'],
  ];
  for (const [what, f, want] of cases) assert.equal(code(f), want, what);
  assert.equal(await rejectCode(a.scan(null as never)), 'INVALID_ARGUMENT');
  // Nothing above changed the account.
  assert.deepEqual(a.toJSON().used, [[], []]);
  assert.deepEqual(a.toJSON().next, [0, 0]);
});

// ---------------------------------------------------------------------------
// Addresses on every network
// ---------------------------------------------------------------------------

const b58c = createBase58check(nobleSha256);
const h160 = (b: Uint8Array) => ripemd160(nobleSha256(b));
const NETS: Record<AddressNetwork, { p2pkh: number; p2sh: number; hrp: string }> = {
  mainnet: { p2pkh: 0x00, p2sh: 0x05, hrp: 'bc' },
  testnet: { p2pkh: 0x6f, p2sh: 0xc4, hrp: 'tb' },
  regtest: { p2pkh: 0x6f, p2sh: 0xc4, hrp: 'bcrt' },
  signet: { p2pkh: 0x6f, p2sh: 0xc4, hrp: 'tb' },
};
const BTC_FORMATS = ['p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr'] as const;

function nobleTagged(tag: string, msg: Uint8Array): Uint8Array {
  const t = nobleSha256(new TextEncoder().encode(tag));
  return nobleSha256(Uint8Array.from([...t, ...t, ...msg]));
}

/** BIP-86 / BIP-341 output key on @noble/curves: x(lift_x(x(P)) + int(hashTapTweak(x(P)))·G). */
function nobleTaproot(pub: Uint8Array): Uint8Array {
  const x = pub.slice(1);
  const P = noble.Point.fromBytes(Uint8Array.from([2, ...x]));
  const t = BigInt('0x' + Buffer.from(nobleTagged('TapTweak', x)).toString('hex'));
  return P.add(noble.Point.BASE.multiply(t)).toBytes(true).slice(1);
}

function independent(pub: Uint8Array, format: (typeof BTC_FORMATS)[number], network: AddressNetwork): string {
  const n = NETS[network];
  switch (format) {
    case 'p2pkh':
      return b58c.encode(Uint8Array.from([n.p2pkh, ...h160(pub)]));
    case 'p2sh-p2wpkh':
      return b58c.encode(Uint8Array.from([n.p2sh, ...h160(Uint8Array.from([0, 0x14, ...h160(pub)]))]));
    case 'p2wpkh':
      return bech32.encode(n.hrp, [0, ...bech32.toWords(h160(pub))]);
    case 'p2tr':
      return bech32m.encode(n.hrp, [1, ...bech32m.toWords(nobleTaproot(pub))]);
  }
}

test('regtest attacks: p2pkh gave a mainnet 1… address, p2sh-p2wpkh a P2SH hash under the P2PKH byte, p2wpkh a TypeError', () => {
  const pub = noble.getPublicKey(noble.utils.randomSecretKey(), true);
  const p2pkh = addressOf(pub, 'p2pkh', 'regtest');
  assert.match(p2pkh, /^[mn]/);
  assert.equal(b58c.decode(p2pkh)[0], 0x6f);
  const p2sh = addressOf(pub, 'p2sh-p2wpkh', 'regtest');
  assert.match(p2sh, /^2/);
  assert.equal(b58c.decode(p2sh)[0], 0xc4);
  const p2wpkh = addressOf(pub, 'p2wpkh', 'regtest');
  assert.match(p2wpkh, /^bcrt1q/);
  assert.equal(bech32.decode(p2wpkh as `${string}1${string}`).prefix, 'bcrt');
  const p2tr = addressOf(pub, 'p2tr', 'regtest');
  assert.match(p2tr, /^bcrt1p/);
  assert.equal(bech32m.decode(p2tr as `${string}1${string}`).prefix, 'bcrt');
});

test('every (address type x network) equals an independent @scure/base + @noble implementation', () => {
  assert.deepEqual([...ADDRESS_NETWORKS], ['mainnet', 'testnet', 'regtest', 'signet']);
  const fns = { p2pkh: p2pkhAddress, 'p2sh-p2wpkh': p2shP2wpkhAddress, p2wpkh: p2wpkhAddress, p2tr: p2trAddress } as const;
  let checked = 0;
  for (let i = 0; i < 40; i++) {
    const pub = noble.getPublicKey(noble.utils.randomSecretKey(), true);
    for (const network of ADDRESS_NETWORKS) {
      for (const format of BTC_FORMATS) {
        const want = independent(pub, format, network);
        assert.equal(addressOf(pub, format, network), want, `${format} ${network}`);
        assert.equal(fns[format](pub, network), want, `${format} ${network} (direct)`);
        checked++;
      }
      // Network-independent formats accept every network name and ignore it.
      assert.equal(addressOf(pub, 'ethereum', network), ethereumAddress(pub));
    }
  }
  assert.equal(checked, 40 * 4 * 4);
});

test('BIP-173, BIP-84 and BIP-86 vectors on mainnet; the same keys on the test networks', () => {
  // BIP-173 §Examples: the generator point's key as P2WPKH on mainnet and testnet.
  const g = unhex('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');
  assert.equal(addressOf(g, 'p2wpkh', 'mainnet'), 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
  assert.equal(addressOf(g, 'p2wpkh', 'testnet'), 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx');
  assert.equal(addressOf(g, 'p2wpkh', 'signet'), 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx');
  assert.equal(addressOf(g, 'p2wpkh', 'regtest'), independent(g, 'p2wpkh', 'regtest'));

  const b84 = readVector('bip-0084.mediawiki');
  const pubs84 = [...b84.matchAll(/pubkey {2}= (\w+)/g)].map((m) => unhex(m[1]!));
  const addrs84 = [...b84.matchAll(/address = (bc1\w+)/g)].map((m) => m[1]);
  assert.equal(pubs84.length, 3);
  assert.deepEqual(
    pubs84.map((p) => addressOf(p, 'p2wpkh')),
    addrs84,
  );
  const b86 = readVector('bip-0086.mediawiki');
  const internal86 = [...b86.matchAll(/internal_key = (\w+)/g)].map((m) => m[1]!);
  const output86 = [...b86.matchAll(/output_key {3}= (\w+)/g)].map((m) => m[1]!);
  const addrs86 = [...b86.matchAll(/address {6}= (\w+)/g)].map((m) => m[1]);
  assert.equal(internal86.length, 3);
  const acct86 = Account.fromRoot(root, { purpose: 86, coinType: 0 });
  const keys86 = [acct86.address(0, 0), acct86.address(0, 1), acct86.address(1, 0)].map((a) => a.publicKey);
  assert.deepEqual(
    keys86.map((k) => toHex(k.subarray(1))),
    internal86,
  );
  if (output86.length)
    assert.deepEqual(
      output86,
      keys86.map((k) => toHex(taprootOutputKey(k))),
    );
  assert.deepEqual(
    keys86.map((k) => addressOf(k, 'p2tr')),
    addrs86,
  );
  for (const network of ADDRESS_NETWORKS) {
    for (const k of keys86) {
      const a = addressOf(k, 'p2tr', network);
      assert.equal(a, independent(k, 'p2tr', network));
      const d = bech32m.decode(a as `${string}1${string}`);
      assert.equal(d.prefix, NETS[network].hrp);
      assert.equal(d.words[0], 1);
      assert.equal(toHex(bech32m.fromWords(d.words.slice(1))), toHex(taprootOutputKey(k)));
    }
    for (const p of pubs84) {
      const d = bech32.decode(addressOf(p, 'p2wpkh', network) as `${string}1${string}`);
      assert.equal(d.prefix, NETS[network].hrp);
      assert.deepEqual(bech32.fromWords(d.words.slice(1)), h160(p));
    }
  }
});

test('addresses refuse an unknown network (never a default) and keys that are not curve points', () => {
  const pub = noble.getPublicKey(noble.utils.randomSecretKey(), true);
  for (const network of ['bitcoin', 'Mainnet', 'testnet4', '', null, 0, {}, '__proto__', 'toString', 'constructor'])
    for (const format of ['ethereum', 'p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr', 'solana'] as AddressFormat[])
      assert.equal(
        code(() => addressOf(format === 'solana' ? pub.subarray(1) : pub, format, network as never)),
        'INVALID_ARGUMENT',
        `${format} on ${String(network)}`,
      );
  for (const f of [p2pkhAddress, p2shP2wpkhAddress, p2wpkhAddress, p2trAddress])
    assert.equal(
      code(() => f(pub, 'regtest ' as never)),
      'INVALID_ARGUMENT',
    );
  for (const format of ['P2PKH', 'bech32', null, 1])
    assert.equal(
      code(() => addressOf(pub, format as never)),
      'INVALID_ARGUMENT',
      String(format),
    );
  // x = 5 is not the x of a secp256k1 point (5^3 + 7 = 132 is not a square mod p): no key can spend its address.
  const offCurve = Uint8Array.from([2, ...new Uint8Array(31), 5]);
  assert.equal(secpHasX(5n), false);
  for (const format of ['ethereum', 'p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr'] as const)
    assert.equal(
      code(() => addressOf(offCurve, format)),
      'INVALID_KEY',
      format,
    );
  const full = noble.getPublicKey(noble.utils.randomSecretKey(), false);
  const bent = full.slice();
  bent[64]! ^= 1;
  assert.equal(
    code(() => ethereumAddress(bent)),
    'INVALID_KEY',
  );
  const hybrid = full.slice();
  hybrid[0] = 6 + (full[64]! & 1);
  assert.equal(
    code(() => ethereumAddress(hybrid)),
    'INVALID_KEY',
  );
  for (const bad of [null, 'key', [2, 3], new ArrayBuffer(33)]) {
    for (const format of ['ethereum', 'p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr', 'solana'] as const)
      assert.equal(
        code(() => addressOf(bad as never, format)),
        'INVALID_ARGUMENT',
        `${format} of ${String(bad)}`,
      );
    assert.equal(
      code(() => taprootOutputKey(bad as never)),
      'INVALID_ARGUMENT',
    );
  }
  assert.equal(
    code(() => solanaAddress(new Uint8Array(33))),
    'INVALID_LENGTH',
  );
});

function secpHasX(x: bigint): boolean {
  const p = 2n ** 256n - 2n ** 32n - 977n;
  const pow = (b: bigint, e: bigint) => {
    let r = 1n;
    b %= p;
    while (e > 0n) {
      if (e & 1n) r = (r * b) % p;
      b = (b * b) % p;
      e >>= 1n;
    }
    return r;
  };
  return pow((x ** 3n + 7n) % p, (p - 1n) / 2n) === 1n;
}

test('toChecksumAddress and taggedHash: wrong types and lengths were accepted or TypeErrors, now typed', () => {
  for (const [bad, want] of [
    [null, 'INVALID_ARGUMENT'],
    ['00'.repeat(20), 'INVALID_ARGUMENT'],
    [new Uint8Array(3), 'INVALID_LENGTH'],
    [new Uint8Array(32), 'INVALID_LENGTH'],
  ] as const)
    assert.equal(
      code(() => toChecksumAddress(bad as never)),
      want,
      String(bad),
    );
  assert.equal(toChecksumAddress(new Uint8Array(20)), '0x0000000000000000000000000000000000000000');
  assert.equal(
    code(() => taggedHash(5 as never)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => taggedHash('TapTweak', null as never)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => taggedHash('TapTweak', 'abc' as never)),
    'INVALID_ARGUMENT',
  );
  assert.equal(toHex(taggedHash('TapTweak', new Uint8Array(32))), toHex(nobleTagged('TapTweak', new Uint8Array(32))));
});

// ---------------------------------------------------------------------------
// deriveAddresses and the parallel variant
// ---------------------------------------------------------------------------

test('deriveAddresses attack: deriveAddresses(null, …) was a TypeError; every argument is now typed', () => {
  const xpub = root.derive("m/84'/0'/0'/0").publicExtendedKey;
  const cases: [string, () => unknown, string][] = [
    ['null xpub', () => deriveAddresses(null as never, 0, 5, 'p2wpkh'), 'INVALID_ARGUMENT'],
    ['undefined xpub', () => deriveAddresses(undefined as never, 0, 5, 'p2wpkh'), 'INVALID_ARGUMENT'],
    [
      'object xpub',
      () => deriveAddresses({ curve: 'secp256k1', publicKey: new Uint8Array(33) } as never, 0, 5, 'p2wpkh'),
      'INVALID_ARGUMENT',
    ],
    ['number xpub', () => deriveAddresses(7 as never, 0, 5, 'p2wpkh'), 'INVALID_ARGUMENT'],
    ['string start', () => deriveAddresses(xpub, '0' as never, 5, 'p2wpkh'), 'INVALID_ARGUMENT'],
    ['null count', () => deriveAddresses(xpub, 0, null as never, 'p2wpkh'), 'INVALID_ARGUMENT'],
    ['null format', () => deriveAddresses(xpub, 0, 5, null as never), 'INVALID_ARGUMENT'],
    ['solana format', () => deriveAddresses(xpub, 0, 5, 'solana'), 'INVALID_ARGUMENT'],
    ['bogus network', () => deriveAddresses(xpub, 0, 5, 'p2wpkh', 'bitcoin' as never), 'INVALID_ARGUMENT'],
    ['null network', () => deriveAddresses(xpub, 0, 5, 'p2wpkh', null as never), 'INVALID_ARGUMENT'],
    ['bad key string', () => deriveAddresses('xpub-not-a-key', 0, 5, 'p2wpkh'), 'INVALID_KEY'],
  ];
  for (const [what, f, want] of cases) assert.equal(code(f), want, what);
  const ed = HDKey.fromMasterSeed(new Uint8Array(32), 'ed25519');
  assert.equal(
    code(() => deriveAddresses(ed, 0, 5, 'p2wpkh')),
    'INVALID_ARGUMENT',
  );
});

test('deriveAddresses on every network equals per-index addresses (regtest threw a TypeError before)', () => {
  const chain = root.derive("m/84'/1'/0'/0");
  const xpub = chain.publicExtendedKey;
  for (const network of ADDRESS_NETWORKS) {
    for (const format of ['ethereum', ...BTC_FORMATS] as const) {
      const got = deriveAddresses(xpub, 1022, 4, format, network);
      assert.deepEqual(
        got,
        [1022, 1023, 1024, 1025].map((i) => addressOf(chain.deriveChild(i).publicKey, format, network)),
        `${format} ${network}`,
      );
      if (format !== 'ethereum') {
        for (const [k, a] of got.entries())
          assert.equal(a, independent(chain.deriveChild(1022 + k).publicKey, format, network), `${format} ${network} independent`);
      }
    }
  }
  // An HDKey works as well as its string.
  assert.deepEqual(deriveAddresses(chain, 0, 3, 'p2tr', 'signet'), deriveAddresses(xpub, 0, 3, 'p2tr', 'signet'));
});

test('deriveAddressesParallel: a null or fake pool, and bad arguments, are typed before any worker runs', async () => {
  const xpub = root.derive("m/84'/0'/0'/0").publicExtendedKey;
  let called = 0;
  const fake = {
    size: 2,
    batch: async () => {
      called++;
      return [];
    },
  };
  assert.equal(await rejectCode(deriveAddressesParallel(null as never, xpub, 0, 5, 'p2wpkh')), 'INVALID_ARGUMENT');
  assert.equal(await rejectCode(deriveAddressesParallel(fake as never, xpub, 0, 5, 'p2wpkh')), 'INVALID_ARGUMENT');
  assert.equal(called, 0);
});

test('deriveAddressesParallel: argument checks (real pool, the built package), and regtest through the workers', async () => {
  const { WorkerPool, deriveAddressesParallel: parallel } = await import('vaultkey');
  const chain = root.derive("m/84'/1'/0'/0");
  const xpub = chain.publicExtendedKey;
  const pool = await WorkerPool.create({ size: 2 });
  try {
    for (const [what, args] of [
      ['null xpub', [null, 0, 5, 'p2wpkh']],
      ['string start', [xpub, '0', 5, 'p2wpkh']],
      ['negative start', [xpub, -1, 5, 'p2wpkh']],
      ['start 2^31', [xpub, 2 ** 31, 5, 'p2wpkh']],
      ['fraction count', [xpub, 0, 1.5, 'p2wpkh']],
      ['past 2^31', [xpub, 2 ** 31 - 2, 5, 'p2wpkh']],
      ['solana', [xpub, 0, 5, 'solana']],
      ['unknown format', [xpub, 0, 5, 'p2sh']],
      ['proto format', [xpub, 0, 5, '__proto__']],
      ['unknown network', [xpub, 0, 5, 'p2wpkh', 'bitcoin']],
    ] as const)
      assert.equal(await rejectCode((parallel as (...a: unknown[]) => Promise<string[]>)(pool, ...args)), 'INVALID_ARGUMENT', what);
    const got = await parallel(pool, xpub, 0, 600, 'p2wpkh', 'regtest');
    assert.equal(got.length, 600);
    for (const k of [0, 299, 300, 599]) assert.equal(got[k], independent(chain.deriveChild(k).publicKey, 'p2wpkh', 'regtest'));
  } finally {
    pool.terminate();
  }
});

// ---------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------

test('formatPath: a non-array or an index outside [0, 2^32) was a TypeError or a wrong path; now INVALID_PATH', () => {
  for (const bad of [null, 'm/0', [0, -1], [0, 2 ** 32], [0.5], ['1'], new Array(256).fill(0)])
    assert.equal(
      code(() => formatPath(bad as never)),
      'INVALID_PATH',
      JSON.stringify(bad)?.slice(0, 40),
    );
  const p = [44 + 2 ** 31, 2 ** 31, 2 ** 31, 0, 7];
  assert.equal(formatPath(p), "m/44'/0'/0'/0/7");
  assert.deepEqual(parsePath(formatPath(p)), p);
});

test("backup attack: paths accepted 'm/01', which derive refuses; now the backup takes exactly what derive takes", () => {
  const payload = (paths: string[]) => ({
    version: PAYLOAD_VERSION,
    createdAt: 1,
    keys: [{ id: 'k1', kind: 'seed' as const, label: 'k', createdAt: 1, secret: new Uint8Array(32), paths }],
  });
  const derives = (p: string) => {
    try {
      root.derive(p);
      return true;
    } catch {
      return false;
    }
  };
  const backs = (p: string) => {
    try {
      encodePayload(payload([p]));
      return true;
    } catch (e) {
      assert.equal((e as { code?: string }).code, 'INVALID_ARGUMENT');
      return false;
    }
  };
  assert.equal(derives('m/01'), false);
  assert.equal(backs('m/01'), false, "the backup refuses 'm/01'");
  const corpus = [
    'm',
    'm/0',
    'm/00',
    'm/01',
    "m/01'",
    "m/0/00'",
    "m/44'/60'/0'/0/0",
    "m/44h/60H/0'/0/0",
    "m/44'/060'/0'",
    'm/2147483647',
    'm/2147483648',
    "m/2147483647'",
    'm/4294967295',
    'm/1234567890',
    'm/12345678901',
    'm/-1',
    'm/+1',
    'm/ 1',
    'm//1',
    'm/1/',
    "m/1''",
    `m${'/0'.repeat(255)}`,
    `m${'/0'.repeat(256)}`,
  ];
  for (const p of corpus) {
    // The backup accepts only the lower-case "m" form; within it, exactly the paths derive accepts.
    assert.equal(backs(p), derives(p), p.slice(0, 40));
  }
});

// ---------------------------------------------------------------------------
// BIP-39
// ---------------------------------------------------------------------------

test('generateMnemonic attack: generateMnemonic(128, []) was an untyped TypeError; a word list is exactly 2048 distinct words', () => {
  const dup = [...english];
  dup[2047] = dup[0]!;
  const spaced = [...english];
  spaced[5] = 'two words';
  const empty = [...english];
  empty[9] = '';
  const nfc = [...english];
  nfc[3] = 'caf\u00e9'; // NFC; BIP-39 compares NFKD
  const surrogate = [...english];
  surrogate[1] = 'a\ud800';
  const numbers = [...english] as unknown[];
  numbers[100] = 100;
  const bad: [string, unknown][] = [
    ['empty', []],
    ['null', null],
    ['string', english.join(' ')],
    ['2047 words', english.slice(1)],
    ['2049 words', [...english, 'zzz']],
    ['a repeated word', dup],
    ['a word with a space', spaced],
    ['an empty word', empty],
    ['a non-NFKD word', nfc],
    ['an unpaired surrogate', surrogate],
    ['a number', numbers],
    ['a Set', new Set(english)],
  ];
  for (const [what, wl] of bad) {
    assert.equal(
      code(() => generateMnemonic(128, wl as never)),
      'INVALID_ARGUMENT',
      `generateMnemonic: ${what}`,
    );
    assert.equal(
      code(() => validateMnemonic(MNEMONIC, wl as never)),
      'INVALID_ARGUMENT',
      `validateMnemonic: ${what}`,
    );
  }
  // The bundled lists and a caller's copy of one (not frozen: checked on every call) work.
  const copy = [...english];
  const m = generateMnemonic(160, copy);
  assert.equal(m.split(' ').length, 15);
  assert.equal(validateMnemonic(m, copy), true);
  assert.equal(validateMnemonic(m), true);
  const jp = generateMnemonic(128, japanese);
  assert.equal(validateMnemonic(jp, japanese), true);
  // A list mutated after one call is checked again on the next.
  copy[7] = copy[8]!;
  assert.equal(
    code(() => generateMnemonic(128, copy)),
    'INVALID_ARGUMENT',
  );
});

test('BIP-39 strings: an unpaired surrogate no longer shares a seed with U+FFFD; bad types are typed', async () => {
  // TextEncoder turns a lone surrogate into U+FFFD: two different passphrases, one seed.
  assert.equal(await rejectCode(mnemonicToSeed(MNEMONIC, 'pass\ud800')), 'INVALID_ARGUMENT');
  assert.equal(await rejectCode(mnemonicToSeed(`${MNEMONIC}\udc00`)), 'INVALID_MNEMONIC');
  assert.equal(validateMnemonic(`${MNEMONIC}\udc00`), false);
  // A well-formed pair (an emoji) is fine.
  assert.equal((await mnemonicToSeed(MNEMONIC, 'pass \u{1F511}')).length, 64);
  assert.equal(generateMnemonic(undefined).split(' ').length, 12);
  for (const s of [128n, '256', 256.5, null])
    assert.equal(
      code(() => generateMnemonic(s as never)),
      'INVALID_ARGUMENT',
      String(s),
    );
});

// ---------------------------------------------------------------------------
// Bytes helpers and the stored passkey fields
// ---------------------------------------------------------------------------

test("fromB64url('AAAAA') is typed; a stored passkey field that does not decode reads as CORRUPTED", () => {
  assert.equal(
    code(() => fromB64url('AAAAA')),
    'INVALID_ARGUMENT',
  );
  // keystore.ts decodes status().methods[].credentialId / prfSalt with this: a tampered
  // or missing one was INVALID_ARGUMENT (as if the caller erred), now CORRUPTED.
  for (const bad of ['AAAAA', 'a+b/', '!!', undefined, null, 7])
    assert.equal(
      code(() => storedPasskeyField(bad as never)),
      'CORRUPTED',
      String(bad),
    );
  assert.deepEqual(storedPasskeyField(b64url(Uint8Array.of(1, 2, 3))), Uint8Array.of(1, 2, 3));
});

test('b64url, toHex, bytesEqual, utf8: wrong types were TypeErrors or silent garbage, now INVALID_ARGUMENT', () => {
  // b64url('abc') used to encode three zero bytes (String.fromCharCode of a letter is NUL).
  for (const bad of ['abc', null, [1, 2], 7, new ArrayBuffer(2)]) {
    assert.equal(
      code(() => b64url(bad as never)),
      'INVALID_ARGUMENT',
      `b64url ${String(bad)}`,
    );
    assert.equal(
      code(() => toHex(bad as never)),
      'INVALID_ARGUMENT',
      `toHex ${String(bad)}`,
    );
    assert.equal(
      code(() => bytesEqual(bad as never, new Uint8Array(2))),
      'INVALID_ARGUMENT',
      `bytesEqual ${String(bad)}`,
    );
    assert.equal(
      code(() => bytesEqual(new Uint8Array(2), bad as never)),
      'INVALID_ARGUMENT',
      `bytesEqual ${String(bad)}`,
    );
  }
  for (const bad of [null, 7, Uint8Array.of(1)])
    assert.equal(
      code(() => utf8(bad as never)),
      'INVALID_ARGUMENT',
      `utf8 ${String(bad)}`,
    );
  assert.equal(b64url(Buffer.from('hi')), 'aGk');
});

// ---------------------------------------------------------------------------
// HDKey (hdkey.ts is not changed here: these already held and must keep holding)
// ---------------------------------------------------------------------------

test('HDKey entry points: wrong types are typed errors', () => {
  const cases: [string, () => unknown, string][] = [
    ['fromMasterSeed(null)', () => HDKey.fromMasterSeed(null as never), 'INVALID_ARGUMENT'],
    ['fromMasterSeed(string)', () => HDKey.fromMasterSeed('00'.repeat(32) as never), 'INVALID_ARGUMENT'],
    ['fromMasterSeed(curve)', () => HDKey.fromMasterSeed(new Uint8Array(32), 'ed448' as never), 'INVALID_ARGUMENT'],
    ['fromExtendedKey(null)', () => HDKey.fromExtendedKey(null as never), 'INVALID_KEY'],
    ['derive(null)', () => root.derive(null as never), 'INVALID_PATH'],
    ["deriveChild('1')", () => root.deriveChild('1' as never), 'INVALID_PATH'],
    ['parsePath(7)', () => parsePath(7 as never), 'INVALID_PATH'],
  ];
  for (const [what, f, want] of cases) assert.equal(code(f), want, what);
});

test('toExtendedKey types its arguments: a null or non-object format and a non-boolean isPrivate are INVALID_ARGUMENT', () => {
  const k = root.derive("m/84'/0'/0'");
  for (const format of [null, 'p2wpkh', 7, []]) {
    assert.equal(
      code(() => k.toExtendedKey(false, format as never)),
      'INVALID_ARGUMENT',
      String(format),
    );
  }
  for (const isPrivate of ['true', 1, null, undefined]) {
    assert.equal(
      code(() => k.toExtendedKey(isPrivate as never, {})),
      'INVALID_ARGUMENT',
      String(isPrivate),
    );
  }
  // The format may be left out: the key's own version (xpub here).
  assert.equal(k.toExtendedKey(false), k.publicExtendedKey);
  assert.equal(
    code(() => k.toExtendedKey(false, { network: 'moonnet' as never })),
    'INVALID_ARGUMENT',
  );
});

test('an account whose coin has no address encoding here is UNSUPPORTED, never Bitcoin addresses under another coin', () => {
  for (const coinType of [2, 3, 145, 501, 714]) {
    assert.equal(
      code(() => Account.fromRoot(root, { purpose: 44, coinType })),
      'UNSUPPORTED',
      `coin ${coinType}`,
    );
    const xpub = root.derive(`m/44'/${coinType}'/0'`).publicExtendedKey;
    assert.equal(
      code(() => Account.fromExtendedPublicKey(xpub, { purpose: 44, coinType })),
      'UNSUPPORTED',
      `coin ${coinType} from xpub`,
    );
  }
  // The supported coins still work and encode their own addresses.
  assert.match(Account.fromRoot(root, { purpose: 84, coinType: 0 }).next(0).address, /^bc1q/);
  assert.match(Account.fromRoot(root, { purpose: 84, coinType: 1 }).next(0).address, /^tb1q/);
  assert.match(Account.fromRoot(root, { purpose: 44, coinType: 60 }).next(0).address, /^0x[0-9a-fA-F]{40}$/);
});

test('fromExtendedPublicKey checks the key is this account: its index, its network and its SLIP-0132 script', () => {
  const acct = root.derive("m/84'/0'/0'");
  const zpub = acct.toExtendedKey(false, { script: 'p2wpkh' });
  const ok = Account.fromExtendedPublicKey(zpub, { purpose: 84, coinType: 0 });
  assert.equal(ok.next(0).address, Account.fromRoot(root, { purpose: 84, coinType: 0 }).next(0).address);
  // A plain xpub is accepted for BIP-84 too (many wallets export that) and gives the same addresses.
  const viaXpub = Account.fromExtendedPublicKey(acct.publicExtendedKey, { purpose: 84, coinType: 0 });
  assert.equal(viaXpub.next(0).address, ok.address(0, 0).address);
  assert.equal(viaXpub.xpub, zpub);
  const cases: [string, string, AccountOptionsLike, string][] = [
    [
      'vpub (testnet) for coin 0',
      acct.toExtendedKey(false, { script: 'p2wpkh', network: 'testnet' }),
      { purpose: 84, coinType: 0 },
      'INVALID_VERSION',
    ],
    ['zpub (mainnet) for coin 1', zpub, { purpose: 84, coinType: 1 }, 'INVALID_VERSION'],
    ['ypub for purpose 84', acct.toExtendedKey(false, { script: 'p2sh-p2wpkh' }), { purpose: 84, coinType: 0 }, 'INVALID_VERSION'],
    ['zpub for purpose 44', zpub, { purpose: 44, coinType: 0 }, 'INVALID_VERSION'],
    ['account 0 key as account 1', zpub, { purpose: 84, coinType: 0, account: 1 }, 'INVALID_KEY'],
    [
      'a non-hardened depth-3 key',
      root.derive("m/84'/0'/0").toExtendedKey(false, { script: 'p2wpkh' }),
      { purpose: 84, coinType: 0 },
      'INVALID_KEY',
    ],
  ];
  for (const [what, xpub, options, want] of cases) {
    assert.equal(
      code(() => Account.fromExtendedPublicKey(xpub, options as never)),
      want,
      what,
    );
  }
});

type AccountOptionsLike = { purpose: number; coinType: number; account?: number };
