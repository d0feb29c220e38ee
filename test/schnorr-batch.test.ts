// BIP-340 batch verification (secp256k1.schnorr.verifyBatch / findInvalid,
// assembly/secp256k1/batch.ts), checked against the single-signature
// schnorr.verify on the same items: random valid batches, batches with bad
// signatures of every kind at random places, the official BIP-340 vectors as
// batches, repeated keys and signatures (the equal-point cases of the affine
// additions), every Pippenger window width, chunked batches and argument errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { schnorr as nobleSchnorr } from '@noble/curves/secp256k1.js';
import { hex, unhex, readVector } from './helpers/vectors.ts';
import { errorCode as code } from './helpers/errors.ts';

// The core instance, to force the window width through the raw export.
const instances: WebAssembly.Instance[] = [];
const realInstantiate = WebAssembly.instantiate;
(WebAssembly as any).instantiate = async (source: any, imports?: any) => {
  const result: any = await (realInstantiate as any)(source, imports);
  instances.push(result instanceof WebAssembly.Instance ? result : result.instance);
  return result;
};
const { init, secp256k1 } = await import('vaultkey/core');
await init();
const raw = instances.find((i) => 'secp256k1SchnorrVerifyBatch' in i.exports)!.exports as any;

const { schnorr } = secp256k1;
type Item = { signature: Uint8Array; message: Uint8Array; publicKey: Uint8Array };

const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const big = (b: Uint8Array) => BigInt('0x' + (hex(b) || '0'));
const be32 = (x: bigint) => unhex(x.toString(16).padStart(64, '0'));
const pow = (b: bigint, e: bigint, m: bigint) => {
  let r = 1n;
  b %= m;
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
};
/** A random x < p with x^3 + 7 not a square: no curve point has it. */
const offCurveX = (): Uint8Array => {
  for (;;) {
    const x = big(crypto.randomBytes(32)) % P;
    if (pow((x * x * x + 7n) % P, (P - 1n) / 2n, P) === P - 1n) return be32(x);
  }
};
const rnd = (n: number) => new Uint8Array(crypto.randomBytes(n));
const randInt = (n: number) => crypto.randomInt(n);

function makeItems(n: number, opts: { msgLen?: () => number; key?: Uint8Array } = {}): Item[] {
  const items: Item[] = [];
  for (let i = 0; i < n; i++) {
    const priv = opts.key ?? rnd(32);
    const message = rnd(opts.msgLen ? opts.msgLen() : 32);
    items.push({ signature: schnorr.sign(message, priv), message, publicKey: schnorr.getPublicKey(priv) });
  }
  return items;
}

/** The indices schnorr.verify rejects: what findInvalid must return. */
const singleBad = (items: Item[]) => items.flatMap((it, i) => (schnorr.verify(it.signature, it.message, it.publicKey) ? [] : [i]));

/** verifyBatch and findInvalid agree with schnorr.verify item by item. */
function agree(items: Item[], label: string): number[] {
  const expected = singleBad(items);
  assert.equal(schnorr.verifyBatch(items), expected.length === 0, `${label}: verifyBatch`);
  assert.deepEqual(schnorr.findInvalid(items), expected, `${label}: findInvalid`);
  return expected;
}

/** The raw export with a forced window width c (0: the module's choice). */
function rawBatch(items: Item[], c: number): boolean {
  const u = items.length;
  const total = items.reduce((s, it) => s + it.message.length, 0);
  const base = raw.bufPtr(raw.secp256k1SchnorrVerifyBatchSize(u, total, c));
  const m = new Uint8Array(raw.memory.buffer);
  const dv = new DataView(raw.memory.buffer);
  let off = base + 100 * u;
  items.forEach((it, k) => {
    m.set(it.signature, base + 64 * k);
    m.set(it.publicKey, base + 64 * u + 32 * k);
    dv.setUint32(base + 96 * u + 4 * k, it.message.length, true);
    m.set(it.message, off);
    off += it.message.length;
  });
  m.set(rnd(32), raw.ioPtr());
  return raw.secp256k1SchnorrVerifyBatch(u, total, c) === 1;
}

// Ways to break item i; each must make schnorr.verify false.
const breakers: Record<string, (it: Item, other: Item) => Item> = {
  'bit flipped in s': (it) => {
    const s = Uint8Array.from(it.signature);
    s[32 + randInt(32)]! ^= 1 << randInt(8);
    return { ...it, signature: s };
  },
  'bit flipped in r': (it) => {
    const s = Uint8Array.from(it.signature);
    s[randInt(32)]! ^= 1 << randInt(8);
    return { ...it, signature: s };
  },
  'wrong message': (it) => ({ ...it, message: rnd(it.message.length || 1) }),
  'wrong key': (it, other) => ({ ...it, publicKey: other.publicKey }),
  'r not on the curve': (it) => {
    const s = Uint8Array.from(it.signature);
    s.set(offCurveX(), 0);
    return { ...it, signature: s };
  },
  'r >= p': (it) => {
    const s = Uint8Array.from(it.signature);
    s.set(be32(P + BigInt(randInt(100))), 0);
    return { ...it, signature: s };
  },
  's = n': (it) => {
    const s = Uint8Array.from(it.signature);
    s.set(be32(N), 32);
    return { ...it, signature: s };
  },
  's + n (same s mod n)': (it) => {
    const sv = big(it.signature.subarray(32)) + N;
    if (sv >= 2n ** 256n) return breakers['s = n']!(it, it);
    const s = Uint8Array.from(it.signature);
    s.set(be32(sv), 32);
    return { ...it, signature: s };
  },
  'public key not on the curve': (it) => ({ ...it, publicKey: offCurveX() }),
  'public key >= p': (it) => ({ ...it, publicKey: be32(P + 1n) }),
  "another item's signature": (it, other) => ({ ...it, signature: other.signature }),
};

test('valid batches of 0, 1, 2, 3, 8, 64, 100 signatures agree with schnorr.verify', () => {
  for (const n of [0, 1, 2, 3, 8, 64, 100]) {
    const items = makeItems(n);
    assert.deepEqual(agree(items, `n=${n}`), [], `n=${n}: all valid`);
  }
  // Messages of any length, as schnorr.verify takes them (BIP-340 allows it).
  const lens = [0, 1, 17, 32, 100, 1000];
  assert.deepEqual(agree(makeItems(20, { msgLen: () => lens[randInt(lens.length)]! }), 'mixed lengths'), []);
  // Signatures made by @noble/curves.
  const noble: Item[] = [];
  for (let i = 0; i < 10; i++) {
    const priv = nobleSchnorr.utils.randomSecretKey();
    const message = rnd(32);
    noble.push({ signature: nobleSchnorr.sign(message, priv), message, publicKey: nobleSchnorr.getPublicKey(priv) });
  }
  assert.deepEqual(agree(noble, 'noble signatures'), []);
});

test('one bad signature of each kind at a random place: the batch fails and findInvalid names it', () => {
  for (const n of [1, 2, 3, 8, 64, 100]) {
    for (const [kind, breakIt] of Object.entries(breakers)) {
      const items = makeItems(n);
      const j = randInt(n);
      items[j] = breakIt(items[j]!, makeItems(1)[0]!);
      assert.equal(schnorr.verify(items[j]!.signature, items[j]!.message, items[j]!.publicKey), false, `${kind}: single verify rejects`);
      assert.deepEqual(agree(items, `n=${n}, ${kind} at ${j}`), [j]);
    }
  }
});

test('several bad signatures: findInvalid returns exactly the ones schnorr.verify rejects', () => {
  const kinds = Object.values(breakers);
  for (const [n, k] of [
    [8, 2],
    [64, 3],
    [100, 7],
    [64, 64],
    [33, 16],
  ] as const) {
    const items = makeItems(n);
    const spare = makeItems(1)[0]!;
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(randInt(n));
    for (const j of chosen) items[j] = kinds[randInt(kinds.length)]!(items[j]!, spare);
    const bad = agree(items, `n=${n}, ${k} bad`);
    assert.deepEqual(
      bad,
      [...chosen].sort((a, b) => a - b),
      `n=${n}: the broken ones`,
    );
  }
});

test('random bytes as signatures and keys: every one rejected, as by schnorr.verify', () => {
  // Random r and p are x coordinates about half the time: both outcomes of
  // the square roots (two at once in the batch, one in single verify).
  const good = makeItems(40);
  const items = good.map((it, i) =>
    i % 3 === 0
      ? { ...it, publicKey: rnd(32) }
      : i % 3 === 1
        ? { ...it, signature: Uint8Array.from([...rnd(32), ...it.signature.subarray(32)]) }
        : it,
  );
  const bad = agree(items, 'random r or key');
  assert.equal(bad.length, items.filter((_, i) => i % 3 !== 2).length, 'every altered item');
  assert.deepEqual(
    agree(
      Array.from({ length: 12 }, () => ({ signature: rnd(64), message: rnd(32), publicKey: rnd(32) })),
      'all random',
    ).length,
    12,
  );
});

test('BIP-340 test vectors as batches', () => {
  const rows = readVector('bip-0340-test-vectors.csv').trim().split(/\r?\n/).slice(1);
  const all = rows.map((line) => {
    const [index, , pk, , msg, sig, result] = line.split(',');
    return {
      index: Number(index),
      valid: result === 'TRUE',
      item: { signature: unhex(sig!), message: unhex(msg!), publicKey: unhex(pk!) },
    };
  });
  const valid = all.filter((v) => v.valid);
  const invalid = all.filter((v) => !v.valid);
  assert.ok(valid.length >= 8 && invalid.length >= 10, `${valid.length} valid, ${invalid.length} invalid rows`);
  assert.equal(schnorr.verifyBatch(valid.map((v) => v.item)), true, 'the valid rows together');
  assert.deepEqual(schnorr.findInvalid(valid.map((v) => v.item)), []);
  for (const bad of invalid) {
    for (const at of [0, 3, valid.length]) {
      const items = valid.map((v) => v.item);
      items.splice(at, 0, bad.item);
      assert.equal(schnorr.verifyBatch(items), false, `row ${bad.index} at ${at}`);
      assert.deepEqual(schnorr.findInvalid(items), [at], `row ${bad.index} at ${at} is found`);
      // With fresh random signatures too, and alone.
      const mixed = [...makeItems(10), bad.item, ...makeItems(5)];
      assert.deepEqual(schnorr.findInvalid(mixed), [10], `row ${bad.index} among random signatures`);
    }
    assert.equal(schnorr.verifyBatch([bad.item]), false, `row ${bad.index} alone`);
  }
  // Every invalid row at once.
  const items = [...valid.map((v) => v.item), ...invalid.map((v) => v.item)];
  assert.deepEqual(
    schnorr.findInvalid(items),
    invalid.map((_, k) => valid.length + k),
  );
});

test('repeated keys and signatures (equal and opposite points in one bucket)', () => {
  // One key for the whole batch: P and -P meet in buckets (sum infinity), P and P (doubling).
  const key = rnd(32);
  assert.deepEqual(agree(makeItems(64, { key }), 'one key'), []);
  // The same signature many times: R, P and their halves repeat.
  const one = makeItems(1)[0]!;
  assert.deepEqual(agree(Array(40).fill(one), 'one signature x40'), []);
  // Key 1 (P = G) and key n - 1 (P = -G, whose x-only key is G's): collide with the G term.
  const g = be32(1n);
  const mg = be32(N - 1n);
  assert.deepEqual(agree([...makeItems(8, { key: g }), ...makeItems(8, { key: mg }), ...makeItems(8)], 'keys G and -G'), []);
  // And with a bad one among the repeats.
  const rep = Array(30).fill(one);
  rep[17] = breakers['bit flipped in s']!(one, one);
  assert.deepEqual(agree(rep, 'repeats with one bad'), [17]);
});

test('every window width (the raw export with c forced) agrees with schnorr.verify', () => {
  for (const n of [1, 2, 5, 16, 40]) {
    const items = makeItems(n, { key: n === 16 ? rnd(32) : undefined });
    for (let c = 2; c <= 7; c++) assert.equal(rawBatch(items, c), true, `n=${n}, c=${c}: valid`);
    for (const kind of ['bit flipped in s', 'wrong message', 'r not on the curve']) {
      const bad = items.slice();
      const j = randInt(n);
      bad[j] = breakers[kind]!(bad[j]!, makeItems(1)[0]!);
      for (let c = 2; c <= 7; c++) assert.equal(rawBatch(bad, c), false, `n=${n}, c=${c}: ${kind} at ${j}`);
    }
  }
  // The same signature many times at every width.
  const rep = Array(24).fill(makeItems(1)[0]!);
  for (let c = 2; c <= 7; c++) assert.equal(rawBatch(rep, c), true, `repeated, c=${c}`);
});

test('batches over one chunk (256 signatures) are verified chunk by chunk', () => {
  const items = makeItems(600);
  assert.equal(schnorr.verifyBatch(items), true);
  items[3] = breakers['wrong message']!(items[3]!, items[0]!);
  items[300] = breakers['bit flipped in s']!(items[300]!, items[0]!);
  items[599] = breakers['s = n']!(items[599]!, items[0]!);
  assert.equal(schnorr.verifyBatch(items), false);
  assert.deepEqual(schnorr.findInvalid(items), [3, 300, 599]);
});

test('argument errors: the codes of schnorr.verify', () => {
  const [good] = makeItems(1) as [Item];
  for (const bad of [undefined, null, 1, 'x', {}, good] as unknown[]) {
    assert.equal(
      code(() => schnorr.verifyBatch(bad as any)),
      'INVALID_ARGUMENT',
    );
    assert.equal(
      code(() => schnorr.findInvalid(bad as any)),
      'INVALID_ARGUMENT',
    );
  }
  for (const bad of [null, 1, 'x', undefined]) {
    assert.equal(
      code(() => schnorr.verifyBatch([good, bad as any])),
      'INVALID_ARGUMENT',
    );
  }
  const cases: [Partial<Record<keyof Item, unknown>>, string][] = [
    [{ signature: new Uint8Array(63) }, 'INVALID_LENGTH'],
    [{ signature: new Uint8Array(65) }, 'INVALID_LENGTH'],
    [{ signature: Array.from(good.signature) }, 'INVALID_ARGUMENT'],
    [{ signature: undefined }, 'INVALID_ARGUMENT'],
    [{ message: 'abc' }, 'INVALID_ARGUMENT'],
    [{ message: undefined }, 'INVALID_ARGUMENT'],
    [{ publicKey: new Uint8Array(33) }, 'INVALID_LENGTH'],
    [{ publicKey: new Uint8Array(31) }, 'INVALID_LENGTH'],
    [{ publicKey: good.publicKey.buffer }, 'INVALID_ARGUMENT'],
  ];
  for (const [patch, expected] of cases) {
    const it = { ...good, ...patch } as any;
    assert.equal(
      code(() => schnorr.verify(it.signature, it.message, it.publicKey)),
      expected,
      `single verify: ${Object.keys(patch)}`,
    );
    assert.equal(
      code(() => schnorr.verifyBatch([good, good, it])),
      expected,
      `verifyBatch: ${Object.keys(patch)}`,
    );
    assert.equal(
      code(() => schnorr.findInvalid([it])),
      expected,
      `findInvalid: ${Object.keys(patch)}`,
    );
  }
  // Content errors are not argument errors: false, like schnorr.verify.
  assert.equal(schnorr.verifyBatch([{ ...good, publicKey: new Uint8Array(32) }]), false);
  assert.equal(schnorr.verifyBatch([]), true, 'an empty batch is true');
  assert.deepEqual(schnorr.findInvalid([]), []);
});
