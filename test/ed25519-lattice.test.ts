// Ed25519 verification with a new key by half-size scalars
// (assembly/ed25519/lattice.ts, tripleScalarVartimeKey in dsm.ts): the
// reduction alone against BigInt, and verify with a different key on every
// call (the path that uses it) against @noble/curves and libsodium on valid
// and invalid signatures, torsion in A and R, and non-canonical encodings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ed25519 as noble } from '@noble/curves/ed25519.js';
import sodium from 'libsodium-wrappers';
import { init, ed25519 } from 'vaultkey/core';
import { compileHarness } from './helpers/asc-harness.ts';
import { L, P, leToBig, bigToLe, sha512, smallOrderPoints, offCurveEncodings } from './helpers/ed25519.ts';

await init();
await sodium.ready;

const N8 = 8n * L;
const Pt = noble.Point;

test('halfSize: v odd, 0 < v, |u| and v < 2^250, u = v k mod 8L; edge and random k vs BigInt', async () => {
  const harness = `
    import { halfSize } from './lattice';
    export const IO: usize = memory.data(128, 16);
    export function io(): usize { return IO; }
    export function run(): i32 { return halfSize(IO + 32, IO + 64, IO); }`;
  const src = readFileSync(new URL('../assembly/ed25519/lattice.ts', import.meta.url), 'utf8');
  const x = await compileHarness({ 'h.ts': harness, 'lattice.ts': src });
  const io = x.io();
  const m = () => new Uint8Array(x.memory.buffer);
  let maxBits = 0,
    over128 = 0;
  let none = 0;
  const check = (k: bigint, mustFind: boolean, random = false) => {
    m().set(bigToLe(k), io);
    const neg = x.run();
    if (neg === -1 && !mustFind) {
      none++;
      return;
    }
    assert.ok(neg === 0 || neg === 1, `k = ${k.toString(16)}: no short pair`);
    const v = leToBig(m().slice(io + 32, io + 64));
    const ua = leToBig(m().slice(io + 64, io + 96));
    const u = neg ? -ua : ua;
    assert.equal(v & 1n, 1n, `v odd for k = ${k.toString(16)}`);
    assert.ok(v > 0n && v < 2n ** 250n && ua < 2n ** 250n);
    assert.equal((((v * k - u) % N8) + N8) % N8, 0n, `u = v k mod 8L for k = ${k.toString(16)}`);
    const bits = Math.max(v.toString(2).length, ua.toString(2).length);
    if (!random) return; // the statistics below are for random k
    maxBits = Math.max(maxBits, bits);
    if (bits > 128) over128++;
  };
  const edges = [
    0n,
    1n,
    2n,
    3n,
    7n,
    8n,
    64n,
    2n ** 127n,
    2n ** 128n,
    2n ** 128n + 1n,
    2n ** 200n,
    2n ** 251n,
    2n ** 252n,
    L - 1n,
    L - 2n,
    L - 8n,
  ];
  for (let e = 1n; e < 253n; e += 3n) edges.push(2n ** e, (2n ** e * 3n) % L, L - 2n ** e);
  for (let i = 1n; i < 200n; i++) edges.push(i, (L - 1n) / i, (N8 / (2n * i + 1n)) % L);
  // Some structured k have no short pair with v odd: k = L - 1 needs u = -v (mod L)
  // and u = 4v (mod 8), so |u| >= L - v; verify then takes the full-size path.
  m().set(bigToLe(L - 1n), io);
  assert.equal(x.run(), -1);
  for (const k of edges) if (k >= 0n && k < L) check(k, k < 2n ** 128n);
  const RANDOM = 5000;
  for (let i = 0; i < RANDOM; i++) check(leToBig(crypto.randomBytes(32)) % L, true, true);
  // informational: how often a random k's pair is longer than 128 bits (an odd v may need a longer vector)
  console.log(
    `halfSize: random k: longest pair ${maxBits} bits, ${over128} of ${RANDOM} over 128; ${none} of ${edges.length} edge k without a pair`,
  );
});

// A fresh key for every call, so that verify never reuses the decoded key
// (the half-size path runs only for a key other than the last one).
function freshKey() {
  const secret = crypto.randomBytes(32);
  const h = sha512(secret);
  h[0]! &= 248;
  h[31]! &= 127;
  h[31]! |= 64;
  return { secret, a: leToBig(h.subarray(0, 32)) % L, prefix: h.subarray(32), pub: ed25519.getPublicKey(secret) };
}

const { SMALL } = smallOrderPoints();

const sodiumVerify = (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array) => sodium.crypto_sign_verify_detached(sig, msg, pub);

test('verify, new key on every call: valid, wrong message, wrong R, flipped R sign, S + L vs @noble/curves and libsodium', () => {
  for (let i = 0; i < 300; i++) {
    const { secret, pub } = freshKey();
    const msg = crypto.randomBytes(i % 100);
    const sig = ed25519.sign(msg, secret);
    assert.equal(ed25519.verify(sig, msg, pub), true, `valid ${i}`);
    if (i % 10 === 0) assert.equal(noble.verify(sig, msg, pub), true);
    const { pub: pub2 } = freshKey();
    assert.equal(ed25519.verify(sig, msg, pub2), false, `other key ${i}`);
    const cases: Uint8Array[][] = [];
    const m2 = Uint8Array.from(msg.length ? msg : [0]);
    m2[0]! ^= 1;
    cases.push([sig, m2]);
    const otherR = sig.slice();
    otherR.set(Pt.BASE.multiply(BigInt(i + 2)).toBytes());
    cases.push([otherR, msg]);
    const flipped = sig.slice();
    flipped[31]! ^= 0x80;
    cases.push([flipped, msg]);
    const bitR = sig.slice();
    bitR[i % 31]! ^= 1 << (i % 8);
    cases.push([bitR, msg]);
    const bitS = sig.slice();
    bitS[32 + (i % 31)]! ^= 1 << (i % 8);
    cases.push([bitS, msg]);
    const sPlusL = sig.slice();
    sPlusL.set(bigToLe(leToBig(sig.subarray(32)) + L), 32);
    cases.push([sPlusL, msg]);
    for (const [s, m] of cases) {
      ed25519.verify(sig, msg, pub2); // another key in between: pub is new again
      const ours = ed25519.verify(s!, m!, pub);
      assert.equal(ours, sodiumVerify(s!, m!, pub), `case ${i}`);
      assert.equal(ours, false);
      if (i % 10 === 0) assert.equal(noble.verify(s!, m!, pub), false);
    }
  }
});

test('verify, new key on every call: torsion in A and R (accepted iff the cofactorless equation holds), as libsodium', () => {
  let valid = 0,
    invalid = 0;
  for (let i = 0; i < 240; i++) {
    const { a, prefix } = freshKey();
    const tA = SMALL[1 + (i % 7)]!;
    const A = Pt.BASE.multiply(a).add(tA);
    const pub = A.toBytes();
    const msg = crypto.randomBytes(24);
    const r = leToBig(sha512(prefix, msg)) % L;
    const rB = Pt.BASE.multiply(r);
    // R = [r]B + T_j; [S]B - [k]A = [r]B - [k]tA with S = r + k a: valid iff T_j = -[k]tA
    for (let j = 0; j < 8; j++) {
      const R = rB.add(SMALL[j]!);
      const Rb = R.toBytes();
      const k = leToBig(sha512(Rb, pub, msg)) % L;
      const sig = new Uint8Array(64);
      sig.set(Rb);
      sig.set(bigToLe((r + k * a) % L), 32);
      const want = R.equals(rB.subtract(tA.multiplyUnsafe(k % 8n === 0n ? 8n : k % 8n)));
      const ours = ed25519.verify(sig, msg, pub);
      assert.equal(ours, want, `case ${i}, T_${j}`);
      assert.equal(ours, sodiumVerify(sig, msg, pub));
      if (ours) valid++;
      else invalid++;
      ed25519.verify(sig, msg, freshKey().pub); // the next call sees pub as new
    }
  }
  assert.ok(valid > 100, `${valid} valid signatures with torsion in A and R`);
  assert.ok(invalid > 1000);
});

test('verify, new key on every call: small-order A and R, R off the curve or non-canonical, as libsodium', () => {
  const msg = Uint8Array.of(1, 2, 3);
  for (let i = 0; i < 60; i++) {
    const { secret, pub } = freshKey();
    const sig = ed25519.sign(msg, secret);
    // small-order R (each of the 8, and with the sign bit flipped)
    for (const T of SMALL) {
      for (const flip of [0, 0x80]) {
        const s = sig.slice();
        s.set(T.toBytes());
        s[31]! ^= flip;
        ed25519.verify(sig, msg, freshKey().pub);
        const ours = ed25519.verify(s, msg, pub);
        assert.equal(ours, false);
        assert.equal(ours, sodiumVerify(s, msg, pub));
      }
    }
    // non-canonical R: y + p for y < 19, and y >= p in general
    for (let y = 0n; y < 19n; y++) {
      const s = sig.slice();
      s.set(bigToLe(y + P));
      if (i % 2) s[31]! |= 0x80;
      ed25519.verify(sig, msg, freshKey().pub);
      const ours = ed25519.verify(s, msg, pub);
      assert.equal(ours, false);
      assert.equal(ours, sodiumVerify(s, msg, pub));
    }
    // R not on the curve
    for (const { enc } of offCurveEncodings(16)) {
      const s = sig.slice();
      s.set(enc);
      ed25519.verify(sig, msg, freshKey().pub);
      assert.equal(ed25519.verify(s, msg, pub), false);
    }
    // small-order A
    const T = SMALL[i % 8]!.toBytes();
    assert.equal(ed25519.verify(sig, msg, T), false);
    assert.equal(sodiumVerify(sig, msg, T), false);
  }
});

test('verify, new key on every call, agrees with libsodium on random signature bytes and keys', () => {
  for (let i = 0; i < 2000; i++) {
    const { secret, pub } = freshKey();
    const msg = crypto.randomBytes(8);
    const sig = ed25519.sign(msg, secret);
    // random S below L with the right R, and random R with the right S
    const s1 = sig.slice();
    s1.set(bigToLe(leToBig(crypto.randomBytes(32)) % L), 32);
    const s2 = sig.slice();
    s2.set(crypto.randomBytes(32));
    for (const s of [s1, s2]) {
      ed25519.verify(sig, msg, freshKey().pub);
      assert.equal(ed25519.verify(s, msg, pub), sodiumVerify(s, msg, pub));
    }
  }
});

test('verify, new key: R decoded beside A (one paired square root) leaves the kept key as A alone decides', () => {
  const msg = Uint8Array.of(7, 8, 9);
  // y values that are not on the curve (no x), for R and for A
  const offCurve: Uint8Array[] = [];
  for (let y = 2n; offCurve.length < 4; y++) {
    const enc = bigToLe(y);
    try {
      Pt.fromBytes(enc);
    } catch {
      offCurve.push(enc);
    }
  }
  for (let i = 0; i < 40; i++) {
    const { secret, pub } = freshKey();
    const sig = ed25519.sign(msg, secret);
    // A decodes, R does not (off the curve, non-canonical, small order): false
    // as libsodium; then the same key again (now kept) accepts its signature
    // and rejects the bad R, the key's split tables built from the kept A.
    const badR = sig.slice();
    if (i % 3 === 0) badR.set(offCurve[i % 4]!);
    else if (i % 3 === 1) badR.set(bigToLe(BigInt(i % 19) + P));
    else badR.set(SMALL[i % 8]!.toBytes());
    ed25519.verify(sig, msg, freshKey().pub);
    assert.equal(ed25519.verify(badR, msg, pub), false);
    assert.equal(sodiumVerify(badR, msg, pub), false);
    assert.equal(ed25519.verify(sig, msg, pub), true);
    assert.equal(ed25519.verify(badR, msg, pub), false);
    // A off the curve with a valid R: false, and still false for that key
    const badA = offCurve[i % 4]!;
    assert.equal(ed25519.verify(sig, msg, badA), false);
    assert.equal(sodiumVerify(sig, msg, badA), false);
    assert.equal(ed25519.verify(sig, msg, badA), false);
    assert.equal(ed25519.verify(sig, msg, pub), true);
  }
});
