// ed25519.verifyBatch / ed25519.findInvalid: the batch must agree with the
// single-signature verify on every input (verifyBatch === items.every(verify),
// findInvalid === the indices where verify is false), valid and invalid,
// including the torsion cases where a cofactorless random-linear-combination
// batch would disagree with verify (an R or A off the prime-order subgroup by
// a point of order 2, 4 or 8). Differential against verify itself and, for
// the crafted cases, against libsodium's crypto_sign_verify_detached (the
// rules verify documents).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ed25519 as noble } from '@noble/curves/ed25519.js';
import sodium from 'libsodium-wrappers';
import { init, ed25519 } from 'vaultkey/core';
import type { Ed25519BatchItem } from 'vaultkey/core';
import { unhex, wycheproof } from './helpers/vectors.ts';
import { errorCode as code } from './helpers/errors.ts';
import { L, P, leToBig, bigToLe, sha512, smallOrderPoints } from './helpers/ed25519.ts';
import asc from 'assemblyscript/asc';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

await init();
await sodium.ready;

const Pt = noble.Point;
type Point = InstanceType<typeof Pt>;
const { SMALL } = smallOrderPoints();

/**
 * RFC 8032 §5.1.6 by hand, for keys and nonces no honest signer would use: r from the nonce prefix
 * and m, R = [r]B + torsionR, S = r + k a with k = H(R || A || m), under the public point A (which
 * may carry torsion of its own).
 */
function signByHand(prefix: Uint8Array, A: Point, a: bigint, m: Uint8Array, torsionR = Pt.ZERO): Ed25519BatchItem {
  const pub = A.toBytes();
  const r = leToBig(sha512(prefix, m)) % L;
  const Rb = Pt.BASE.multiply(r).add(torsionR).toBytes();
  const k = leToBig(sha512(Rb, pub, m)) % L;
  const signature = new Uint8Array(64);
  signature.set(Rb);
  signature.set(bigToLe((r + k * a) % L), 32);
  return { signature, message: m, publicKey: pub };
}

/** A signer whose scalar we know, so that tests can sign under A + T (RFC 8032 §5.1.6 by hand). */
function signer(seed = crypto.randomBytes(32)) {
  const h = sha512(seed);
  h[0]! &= 248;
  h[31]! &= 127;
  h[31]! |= 64;
  const a = leToBig(h.subarray(0, 32)) % L;
  const prefix = h.subarray(32);
  const A = Pt.BASE.multiply(a);
  return { seed, a, prefix, A, pub: ed25519.getPublicKey(seed) };
}

const singles = (items: Ed25519BatchItem[]) => items.map((it) => ed25519.verify(it.signature, it.message, it.publicKey));
const badOf = (ok: boolean[]) => ok.flatMap((v, i) => (v ? [] : [i]));

/** The whole contract on one batch; returns the single results. */
function agree(items: Ed25519BatchItem[], what: string): boolean[] {
  const ok = singles(items);
  assert.equal(ed25519.verifyBatch(items), ok.every(Boolean), `verifyBatch vs verify: ${what}`);
  assert.deepEqual(ed25519.findInvalid(items), badOf(ok), `findInvalid vs verify: ${what}`);
  return ok;
}

/** n valid items over `keys` signers (round robin), messages of random lengths. */
function validBatch(n: number, keys: number): Ed25519BatchItem[] {
  const signers = Array.from({ length: Math.max(1, keys) }, () => crypto.randomBytes(32));
  const pubs = signers.map((s) => ed25519.getPublicKey(s));
  return Array.from({ length: n }, (_, i) => {
    const s = i % signers.length;
    const message = crypto.randomBytes(crypto.randomInt(0, 200));
    return { signature: ed25519.sign(message, signers[s]!), message, publicKey: pubs[s]! };
  });
}

test('valid batches of 0, 1, 2, 3, 8, 64 and 100 items (one signer, a few, all distinct) are accepted', () => {
  assert.equal(ed25519.verifyBatch([]), true);
  assert.deepEqual(ed25519.findInvalid([]), []);
  for (const n of [1, 2, 3, 8, 64, 100]) {
    for (const keys of [1, 3, n]) {
      const ok = agree(validBatch(n, keys), `${n} valid, ${keys} keys`);
      assert.ok(ok.every(Boolean));
    }
  }
});

// Ways to break one item; each returns the broken copy. Most make verify
// false; the torsion ones make it true or false by verify's own rule, and the
// batch must follow either way.
const tamper: Record<string, (it: Ed25519BatchItem) => Ed25519BatchItem> = {
  'bit flip in R': (it) => {
    const s = new Uint8Array(it.signature);
    s[crypto.randomInt(0, 32)]! ^= 1 << crypto.randomInt(0, 8);
    return { ...it, signature: s };
  },
  'bit flip in S': (it) => {
    const s = new Uint8Array(it.signature);
    s[32 + crypto.randomInt(0, 32)]! ^= 1 << crypto.randomInt(0, 8);
    return { ...it, signature: s };
  },
  'bit flip in the message': (it) => {
    const m = it.message.length ? new Uint8Array(it.message) : new Uint8Array(1);
    m[crypto.randomInt(0, m.length)]! ^= 1 << crypto.randomInt(0, 8);
    return { ...it, message: m };
  },
  'bit flip in the key': (it) => {
    const k = new Uint8Array(it.publicKey);
    k[crypto.randomInt(0, 32)]! ^= 1 << crypto.randomInt(0, 8);
    return { ...it, publicKey: k };
  },
  'S + L (same scalar mod L, not canonical)': (it) => {
    const s = new Uint8Array(it.signature);
    s.set(bigToLe(leToBig(s.subarray(32)) + L), 32);
    return { ...it, signature: s };
  },
  'non-canonical R (y + p)': (it) => {
    const s = new Uint8Array(it.signature);
    const enc = bigToLe(BigInt(crypto.randomInt(0, 19)) + P);
    enc[31]! |= crypto.randomInt(0, 2) << 7;
    s.set(enc);
    return { ...it, signature: s };
  },
  'small-order R': (it) => {
    const s = new Uint8Array(it.signature);
    s.set(SMALL[crypto.randomInt(0, 8)]!.toBytes());
    return { ...it, signature: s };
  },
  'small-order key': (it) => ({ ...it, publicKey: SMALL[crypto.randomInt(0, 8)]!.toBytes() }),
};

test('one bad item at a random position: batch false, findInvalid finds exactly it', () => {
  for (const [name, fn] of Object.entries(tamper)) {
    for (const n of [1, 2, 3, 8, 64]) {
      const items = validBatch(n, n > 8 ? 5 : n);
      const at = crypto.randomInt(0, n);
      items[at] = fn(items[at]!);
      const ok = agree(items, `${name}, ${n} items, at ${at}`);
      // Everything but a flip that happens to leave a valid signature is rejected.
      if (name !== 'bit flip in the message' || ok[at] === false) assert.deepEqual(badOf(ok), [at], name);
    }
  }
});

test('several bad items among valid ones, and all bad: findInvalid returns every bad index', () => {
  const names = Object.keys(tamper);
  for (const n of [2, 8, 64, 100]) {
    const items = validBatch(n, 4);
    const want = new Set<number>();
    for (let j = 0; j < Math.max(2, n >> 3); j++) {
      const at = crypto.randomInt(0, n);
      items[at] = tamper[names[crypto.randomInt(0, names.length)]!]!(items[at]!);
      want.add(at);
    }
    const ok = agree(items, `${n} items, ${want.size} tampered`);
    for (const i of badOf(ok)) assert.ok(want.has(i));
  }
  const allBad = validBatch(8, 8).map(tamper['bit flip in S']!);
  assert.deepEqual(agree(allBad, 'all bad'), Array(8).fill(false));
});

// The cases a cofactorless batch equation Σ z_i([S_i]B - R_i - [k_i]A_i) = 0
// gets wrong with probability up to 1/2 per call: D_i of small order.
test('torsion: R + T and A + T, accepted or rejected exactly as verify does', () => {
  const sg = signer();
  const msgs = Array.from({ length: 64 }, (_, i) => new TextEncoder().encode(`torsion ${i}`));
  const honest = (A: Point, m: Uint8Array, torsionR = Pt.ZERO) => signByHand(sg.prefix, A, sg.a, m, torsionR);
  const valid = msgs.map((m) => honest(sg.A, m));
  for (const it of valid) assert.equal(ed25519.verify(it.signature, it.message, it.publicKey), true);
  let accepted = 0,
    rejected = 0;
  for (let t = 1; t < 8; t++) {
    const T = SMALL[t]!;
    // R + T with an honest key: [S]B - [k]A = R != R + T, always rejected (T = the order-2
    // point included: the case a torsion test that stops at E/4E would miss).
    for (let rep = 0; rep < 3; rep++) {
      const items = valid.slice();
      const at = crypto.randomInt(0, items.length);
      items[at] = honest(sg.A, crypto.randomBytes(20), T);
      assert.deepEqual(badOf(agree(items, `R + T${t}`)), [at]);
      assert.equal(sodium.crypto_sign_verify_detached(items[at]!.signature, items[at]!.message, items[at]!.publicKey), false);
    }
    // A + T (not small order): [S]B - [k](A + T) = R - [k]T, so verify accepts exactly when
    // [k]T = O; a batch of such signatures mixes accepted and rejected ones.
    const mixedItems = msgs.map((m) => honest(sg.A.add(T), m));
    const ok = agree(mixedItems, `A + T${t}`);
    for (const it of mixedItems) {
      const single = ed25519.verify(it.signature, it.message, it.publicKey);
      assert.equal(single, sodium.crypto_sign_verify_detached(it.signature, it.message, it.publicKey));
    }
    accepted += ok.filter(Boolean).length;
    rejected += ok.filter((v) => !v).length;
    // Only the accepted ones: the batch must be true.
    const good = mixedItems.filter((_, i) => ok[i]);
    if (good.length) assert.equal(ed25519.verifyBatch([...good, ...valid.slice(0, 8)]), true);
    // R + T' chosen so that the torsion cancels, -[k]T = T': verify accepts these.
    for (let i = 0, found = 0; found < 2 && i < 400; i++) {
      const m = crypto.randomBytes(12);
      const Tr = SMALL[crypto.randomInt(1, 8)]!;
      const it = honest(sg.A.add(T), m, Tr);
      const k = leToBig(sha512(it.signature.subarray(0, 32), it.publicKey, m)) % L;
      if (
        !T.multiplyUnsafe(k % 8n === 0n ? 8n : k % 8n)
          .negate()
          .equals(Tr)
      )
        continue;
      assert.equal(ed25519.verify(it.signature, m, it.publicKey), true);
      assert.equal(ed25519.verifyBatch([...valid.slice(0, 5), it, ...good.slice(0, 3)]), true);
      found++;
    }
  }
  assert.ok(accepted > 0 && rejected > 0, `accepted ${accepted}, rejected ${rejected}`);
});

test('RFC 8032 §7.1 and Wycheproof ed25519_test.json as batches', () => {
  const rfc: Ed25519BatchItem[] = [
    [
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      '',
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    ],
    [
      '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      '72',
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    ],
    [
      'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
      'af82',
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
    ],
  ].map(([pub, msg, sig]) => ({ publicKey: unhex(pub!), message: unhex(msg!), signature: unhex(sig!) }));
  assert.equal(ed25519.verifyBatch(rfc), true);
  const file = wycheproof('ed25519_test.json');
  const items: Ed25519BatchItem[] = [];
  const want: boolean[] = [];
  for (const group of file.testGroups as any[]) {
    for (const t of group.tests) {
      const sig = unhex(t.sig);
      if (sig.length !== 64) continue; // an argument error, tested below
      items.push({ signature: sig, message: unhex(t.msg), publicKey: unhex(group.publicKey.pk) });
      want.push(t.result === 'valid');
    }
  }
  assert.deepEqual(agree(items, 'Wycheproof'), want);
  const valid = items.filter((_, i) => want[i]);
  assert.equal(ed25519.verifyBatch([...rfc, ...valid]), true);
  // Every invalid vector, alone among the valid ones, is found at its place.
  for (let i = 0; i < items.length; i++) {
    if (want[i]) continue;
    const at = crypto.randomInt(0, valid.length + 1);
    const batch = [...valid.slice(0, at), items[i]!, ...valid.slice(at)];
    assert.equal(ed25519.verifyBatch(batch), false);
    assert.deepEqual(ed25519.findInvalid(batch), [at]);
  }
});

test('argument errors throw VaultkeyError like verify, for the whole batch, before any check', () => {
  const [good] = validBatch(1, 1);
  const batchCalls = [ed25519.verifyBatch, ed25519.findInvalid] as ((x: unknown) => unknown)[];
  for (const f of batchCalls) {
    assert.equal(
      code(() => f(undefined)),
      'INVALID_ARGUMENT',
    );
    assert.equal(
      code(() => f({ length: 1, 0: good })),
      'INVALID_ARGUMENT',
    );
    assert.equal(
      code(() => f([good, null])),
      'INVALID_ARGUMENT',
    );
    assert.equal(
      code(() => f([good, 7])),
      'INVALID_ARGUMENT',
    );
    assert.equal(
      code(() => f([{ ...good, signature: Array.from(good!.signature) }])),
      'INVALID_ARGUMENT',
    );
    assert.equal(
      code(() => f([{ ...good, message: 'abc' }])),
      'INVALID_ARGUMENT',
    );
    assert.equal(
      code(() => f([{ ...good, publicKey: undefined }])),
      'INVALID_ARGUMENT',
    );
    assert.equal(
      code(() => f([good, { ...good, signature: good!.signature.subarray(0, 63) }])),
      'INVALID_LENGTH',
    );
    assert.equal(
      code(() => f([good, { ...good, publicKey: new Uint8Array(33) }])),
      'INVALID_LENGTH',
    );
    // A bad item first and an argument error later: the argument error wins (checked first).
    const bad = tamper['bit flip in S']!(good!);
    assert.equal(
      code(() => f([bad, { ...good, publicKey: new Uint8Array(31) }])),
      'INVALID_LENGTH',
    );
  }
  // verify says the same about the same fields.
  assert.equal(
    code(() => ed25519.verify(good!.signature.subarray(0, 63), good!.message, good!.publicKey)),
    'INVALID_LENGTH',
  );
});

test('random batches with random damage: verifyBatch and findInvalid agree with verify', () => {
  const names = Object.keys(tamper);
  for (let round = 0; round < 30; round++) {
    const n = crypto.randomInt(0, 40);
    const items = validBatch(n, crypto.randomInt(1, 6));
    for (let i = 0; i < n; i++) if (crypto.randomInt(0, 10) === 0) items[i] = tamper[names[crypto.randomInt(0, names.length)]!]!(items[i]!);
    agree(items, `round ${round}`);
  }
});

// The two pieces the batch's exactness and soundness rest on, compiled alone
// from assembly/ed25519/batch.ts: in8E (is a point in the prime-order
// subgroup?) on points of every torsion class, and drawWeight (the random
// weights) against an independent derivation of the same draw.
test('assembly: in8E on every torsion class, drawWeight against a JS derivation', async () => {
  const root = new URL('../', import.meta.url);
  const harnessPath = fileURLToPath(new URL('assembly/ed25519/batch-harness.ts', root));
  const harness = `
    import { in8E, drawWeight, smallOrderY } from './batch';
    import { decode, isSmallOrder } from './point';
    import { feFromBytes, feMul, feToBytes, fePow22523 } from './field';
    import { fePow22523x2 } from './fpow';
    const LAMBDA: usize = memory.data(40, 16);
    const PA: usize = memory.data(40, 16);
    const PB: usize = memory.data(40, 16);
    const PC: usize = memory.data(40, 16);
    const PD: usize = memory.data(40, 16);
    const PE: usize = memory.data(128, 16);
    // fePow22523x2 (two exponentiations in f64x2 lanes) against fePow22523 on both inputs
    export function pow2(): i32 {
      feFromBytes(PA, IN); feFromBytes(PB, IN + 32);
      fePow22523(PC, PA); fePow22523(PD, PB);
      feToBytes(PE, PC); feToBytes(PE + 32, PD);
      fePow22523x2(PA, PA, PB, PB);
      feToBytes(PE + 64, PA); feToBytes(PE + 96, PB);
      for (let i = 0; i < 64; i++) if (load<u8>(PE + i) != load<u8>(PE + 64 + i)) return 0;
      return 1;
    }
    export const IN: usize = memory.data(64, 16);
    export const OUT: usize = memory.data(32, 16);
    const PT: usize = memory.data(160, 16);
    export function classify(): i32 { if (!decode(PT, IN) || isSmallOrder(PT)) return -1; return in8E(PT) ? 1 : 0; }
    // the same point with every coordinate times lambda (bytes 32..63 of IN): Z != 1
    export function classifyScaled(): i32 {
      if (!decode(PT, IN) || isSmallOrder(PT)) return -1;
      feFromBytes(LAMBDA, IN + 32);
      feMul(PT, PT, LAMBDA); feMul(PT + 40, PT + 40, LAMBDA); feMul(PT + 80, PT + 80, LAMBDA); feMul(PT + 120, PT + 120, LAMBDA);
      return in8E(PT) ? 1 : 0;
    }
    export function draw(): i32 { return drawWeight(OUT, IN, 0, 0) ? 1 : 0; }
    export function smallY(): i32 { return smallOrderY(IN) ? 1 : 0; }
    export function smallPt(): i32 { return decode(PT, IN) && isSmallOrder(PT) ? 1 : 0; }`;
  let binary: Uint8Array | undefined;
  const { error, stderr } = await asc.main(
    [harnessPath, '--outFile', 'h.wasm', '--runtime', 'stub', '--optimizeLevel', '3', '--noAssert', '--enable', 'simd'],
    {
      readFile: (name: string, dir: string) => {
        const p = resolve(dir, name);
        if (p === harnessPath) return harness;
        try {
          return readFileSync(p, 'utf8');
        } catch {
          return null;
        }
      },
      writeFile: (name: string, data: Uint8Array | string) => {
        if (name.endsWith('.wasm')) binary = data as Uint8Array;
      },
    },
  );
  assert.equal(error, null, String(stderr));
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(new Uint8Array(binary!)), {
    env: { abort: () => assert.fail('abort') },
  });
  const x = instance.exports as any;
  const m = () => new Uint8Array(x.memory.buffer);
  // fePow22523x2: the 12-limb f64 chain of fpow.ts gives fePow22523's results, on
  // values at the edges (0, 1, p - 1, p and above, 2^255 - 1, limbs all ones,
  // powers of two) and random ones.
  const edges = [0n, 1n, 2n, 19n, P - 1n, P, P + 1n, 2n ** 255n - 1n, 2n ** 254n, (1n << 22n) - 1n, 2n ** 234n - 1n, P - (1n << 128n)];
  for (const a of edges) {
    for (const b of edges) {
      m().set(bigToLe(a), x.IN.value);
      m().set(bigToLe(b), x.IN.value + 32);
      assert.equal(x.pow2(), 1, `pow pair ${a} ${b}`);
    }
  }
  for (let i = 0; i < 300; i++) {
    const v = crypto.randomBytes(64);
    if (i % 3 === 0) v.fill(0xff, 0, 28);
    m().set(v, x.IN.value);
    assert.equal(x.pow2(), 1, 'pow pair, random');
  }
  // in8E: [r]B + T for every torsion point T (order 1, 2, 4, 8): true exactly for
  // T = O, also with Z != 1 (every coordinate times a random lambda), as
  // torsionFree calls it on X = R + [m]A.
  for (let i = 0; i < 40; i++) {
    const P = Pt.BASE.multiply((leToBig(crypto.randomBytes(32)) % (L - 1n)) + 1n);
    for (let t = 0; t < 8; t++) {
      m().set(P.add(SMALL[t]!).toBytes(), x.IN.value);
      assert.equal(x.classify(), t === 0 ? 1 : 0, `[r]B + T${t}`);
      m().set(bigToLe((leToBig(crypto.randomBytes(32)) % (2n ** 255n - 20n)) + 1n), x.IN.value + 32);
      assert.equal(x.classifyScaled(), t === 0 ? 1 : 0, `lambda ([r]B + T${t})`);
    }
  }
  // smallOrderY (bytes) and isSmallOrder (three doublings) agree: on the 8 points of small order, and off them.
  for (const T of SMALL) {
    m().set(T.toBytes(), x.IN.value);
    assert.equal(x.smallY(), 1);
    assert.equal(x.smallPt(), 1);
  }
  for (let i = 0; i < 50; i++) {
    const P = Pt.BASE.multiply((leToBig(crypto.randomBytes(32)) % (L - 1n)) + 1n).add(SMALL[i % 8]!);
    m().set(P.toBytes(), x.IN.value);
    assert.equal(x.smallY(), 0);
    assert.equal(x.smallPt(), 0);
  }
  // drawWeight: Floyd's 24-subset of [0, 229) from 16-bit draws, position s_k + k, signs from bytes 0..2.
  for (let i = 0; i < 500; i++) {
    const rnd = crypto.randomBytes(64);
    m().set(rnd, x.IN.value);
    let pos = 3;
    const set = new Set<number>();
    let ranOut = false;
    for (let j = 229 - 24; j < 229 && !ranOut; j++) {
      const lim = 65536 - (65536 % (j + 1));
      let v = 65536;
      while (pos + 2 <= 64) {
        v = rnd[pos]! | (rnd[pos + 1]! << 8);
        pos += 2;
        if (v < lim) break;
        v = 65536;
      }
      if (v === 65536) ranOut = true;
      let t = v % (j + 1);
      if (set.has(t)) t = j;
      set.add(t);
    }
    assert.equal(x.draw(), ranOut ? 0 : 1);
    if (ranOut) continue;
    const positions = [...set].sort((a, b) => a - b).map((s, k) => s + k);
    assert.equal(positions.length, 24);
    assert.ok(
      positions.every((p, k) => p < 252 && (k === 0 || p > positions[k - 1]! + 1)),
      'non-adjacent, below 252',
    );
    let z = 0n;
    positions.forEach((p, k) => {
      z += (rnd[k >> 3]! >> (k & 7)) & 1 ? -(1n << BigInt(p)) : 1n << BigInt(p);
    });
    assert.equal(leToBig(m().slice(x.OUT.value, x.OUT.value + 32)), ((z % L) + L) % L);
  }
});

// A key met once in a call is not classified on its own: the item's torsion is
// settled on R + [k mod 8]A. Many signers, each with a key A + T (T of any
// order), one signature each, some accepted by verify ([k]T = O, or R carrying
// the cancelling torsion), the others not: the batch must follow verify.
test('torsion: one signature per signer under keys A + T (each key once per call)', () => {
  const items: Ed25519BatchItem[] = [];
  for (let s = 0; s < 96; s++) {
    const sg = signer();
    const T = SMALL[crypto.randomInt(0, 8)]!;
    const pub = sg.A.add(T).toBytes();
    const m = crypto.randomBytes(24);
    const r = leToBig(sha512(sg.prefix, m)) % L;
    // a third of them carry a torsion point in R too
    const Tr = s % 3 === 0 ? SMALL[crypto.randomInt(0, 8)]! : Pt.ZERO;
    const Rb = Pt.BASE.multiply(r).add(Tr).toBytes();
    const k = leToBig(sha512(Rb, pub, m)) % L;
    const signature = new Uint8Array(64);
    signature.set(Rb);
    signature.set(bigToLe((r + k * sg.a) % L), 32);
    items.push({ signature, message: m, publicKey: pub });
  }
  const honest = validBatch(20, 20);
  for (let round = 0; round < 4; round++) {
    const batch = [...items.slice(round * 24, round * 24 + 24), ...honest].sort(() => crypto.randomInt(0, 3) - 1);
    const ok = agree(batch, `keys A + T, round ${round}`);
    const good = batch.filter((_, i) => ok[i]);
    assert.ok(good.length > 20, 'some torsion-key signatures verify');
    assert.equal(ed25519.verifyBatch(good), true);
  }
  // The same keys again, now twice each in one call: classified this time
  // (after being only decoded and kept by the calls above).
  const twice = items.slice(0, 30).flatMap((it) => [it, it]);
  agree(twice, 'keys A + T, twice each');
  agree([...twice.slice(0, 40), ...honest, ...honest], 'keys A + T and honest keys, twice each');
  for (const it of items) {
    assert.equal(
      ed25519.verify(it.signature, it.message, it.publicKey),
      sodium.crypto_sign_verify_detached(it.signature, it.message, it.publicKey),
    );
  }
});

// The WASM side runs the exponentiations of a call two at a time (fpow.ts), in
// passes: decoding every R (and every key not kept from earlier calls), then
// in8E's root, then its quartic character, each over the items still in. An
// item can drop out at any pass, so the pairs form anew each time, and odd
// counts leave one exponentiation alone. Batches of every size from 4 to 21,
// mixing items that fail at each pass (y not on the curve, R of small order,
// R + T of every order, keys A + T met once and twice, undecodable keys) with
// valid ones, must follow verify item by item.
test('passes and pairs: items failing at every stage, batches of odd and even size, against verify', () => {
  const sg = signer();
  const sign = (A: Point, a: bigint, m: Uint8Array, torsionR = Pt.ZERO) => signByHand(sg.prefix, A, a, m, torsionR);
  const others = Array.from({ length: 6 }, () => signer());
  const kinds: (() => Ed25519BatchItem)[] = [
    () => sign(sg.A, sg.a, crypto.randomBytes(16)),
    () => sign(sg.A, sg.a, crypto.randomBytes(16), SMALL[crypto.randomInt(1, 8)]!),
    () => {
      const o = others[crypto.randomInt(0, others.length)]!;
      return sign(o.A.add(SMALL[crypto.randomInt(0, 8)]!), o.a, crypto.randomBytes(16), SMALL[crypto.randomInt(0, 8)]!);
    },
    () => {
      const it = sign(sg.A, sg.a, crypto.randomBytes(16));
      it.signature.set(SMALL[crypto.randomInt(0, 8)]!.toBytes(), 0); // R of small order
      return it;
    },
    () => {
      const it = sign(sg.A, sg.a, crypto.randomBytes(16));
      for (;;) {
        const y = crypto.randomBytes(32);
        try {
          Pt.fromBytes(y);
        } catch {
          it.signature.set(y, 0); // no x for this y
          return it;
        }
      }
    },
    () => {
      const it = validBatch(1, 1)[0]!;
      for (;;) {
        const y = crypto.randomBytes(32);
        try {
          Pt.fromBytes(y);
        } catch {
          return { ...it, publicKey: new Uint8Array(y) }; // a key that does not decode
        }
      }
    },
    () => validBatch(1, 1)[0]!,
  ];
  for (let n = 4; n <= 21; n++) {
    for (let rep = 0; rep < 2; rep++) {
      const items = Array.from({ length: n }, () => kinds[crypto.randomInt(0, kinds.length)]!());
      agree(items, `${n} mixed items`);
    }
  }
});

// Keys share a cache slot when bytes 0..3, 12..15 and 24..27 xor to the same
// low byte: two such keys in one call, one with two items (classified by in8E
// after both are decoded), must not leave the slot holding one key's point
// under the other's class.
test('kept keys: two keys of one call in the same cache slot', () => {
  const slot = (k: Uint8Array) => (k[0]! ^ k[12]! ^ k[24]!) & 255;
  const pool = Array.from({ length: 80 }, () => signer());
  const bySlot = new Map<number, ReturnType<typeof signer>[]>();
  for (const s of pool) bySlot.set(slot(s.pub), [...(bySlot.get(slot(s.pub)) ?? []), s]);
  const pairs = [...bySlot.values()].filter((v) => v.length >= 2);
  assert.ok(pairs.length > 0, 'some slot is shared');
  for (const [s1, s2] of pairs.slice(0, 4)) {
    const msg = () => crypto.randomBytes(10);
    const one = (s: ReturnType<typeof signer>, T: Point) => {
      const pub = s.A.add(T).toBytes();
      const m = msg();
      const r = leToBig(sha512(s.prefix, m)) % L;
      const Rb = Pt.BASE.multiply(r).toBytes();
      const k = leToBig(sha512(Rb, pub, m)) % L;
      const signature = new Uint8Array(64);
      signature.set(Rb);
      signature.set(bigToLe((r + k * s.a) % L), 32);
      return { signature, message: m, publicKey: pub };
    };
    for (const T of [Pt.ZERO, SMALL[4]!, SMALL[crypto.randomInt(1, 8)]!]) {
      const batch = [one(s1!, T), one(s2!, Pt.ZERO), one(s1!, T), ...validBatch(3, 3)];
      agree(batch, 'slot shared, first call');
      agree(batch, 'slot shared, again');
      agree([one(s2!, Pt.ZERO), one(s2!, Pt.ZERO), one(s1!, T), ...validBatch(2, 1)], 'slot shared, roles swapped');
    }
  }
});
