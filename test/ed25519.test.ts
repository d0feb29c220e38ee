// Ed25519 (RFC 8032 §5.1) from the WASM core: the RFC's own test vectors,
// Wycheproof, properties against node's native crypto, @noble/curves and
// libsodium, the verification rules, bad-input codes and a memory-wipe check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ed25519 as noble } from '@noble/curves/ed25519.js';
import sodium from 'libsodium-wrappers';
import { init, ed25519, VaultkeyError } from 'vaultkey/core';
import { hex, unhex, wycheproof } from './helpers/vectors.ts';
import { compileHarness } from './helpers/asc-harness.ts';
import { readFileSync } from 'node:fs';
import { errorCode as code } from './helpers/errors.ts';
import { L, P, leToBig, bigToLe, sha512, smallOrderPoints, offCurveEncodings } from './helpers/ed25519.ts';

await init();
await sodium.ready;

// PKCS#8 wrapping of a raw 32-byte Ed25519 secret for node's crypto (RFC 8410 §7).
const PKCS8_PREFIX = unhex('302e020100300506032b657004220420');
const SPKI_PREFIX = unhex('302a300506032b6570032100');
const nodePriv = (secret: Uint8Array) =>
  crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' });
const nodePub = (pub: Uint8Array) => crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pub]), format: 'der', type: 'spki' });

test('RFC 8032 §7.1 test vectors (TEST 1, 2, 3, 1024, SHA(abc))', () => {
  // TEST 1024's 1023-byte message is taken from Wycheproof tcId 83, which is that same vector.
  const ktv = wycheproof('ed25519_test.json')
    .testGroups.flatMap((g: any) => g.tests)
    .find((t: any) => t.tcId === 83);
  const vectors = [
    {
      name: 'TEST 1',
      secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      msg: '',
      sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    },
    {
      name: 'TEST 2',
      secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      pub: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      msg: '72',
      sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    },
    {
      name: 'TEST 3',
      secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
      pub: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
      msg: 'af82',
      sig: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
    },
    {
      name: 'TEST 1024',
      secret: 'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5',
      pub: '278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e',
      msg: ktv.msg,
      sig: '0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03',
    },
    {
      name: 'TEST SHA(abc)',
      secret: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
      pub: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
      msg: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
      sig: 'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
    },
  ];
  assert.equal(ktv.msg.length, 2046);
  assert.equal(ktv.sig, vectors[3]!.sig);
  for (const v of vectors) {
    const secret = unhex(v.secret),
      msg = unhex(v.msg);
    assert.equal(hex(ed25519.getPublicKey(secret)), v.pub, `${v.name} public key`);
    assert.equal(hex(ed25519.sign(msg, secret)), v.sig, `${v.name} signature`);
    assert.equal(ed25519.verify(unhex(v.sig), msg, unhex(v.pub)), true, `${v.name} verifies`);
  }
});

test('Wycheproof ed25519_test.json: every valid accepted, every invalid rejected', () => {
  const file = wycheproof('ed25519_test.json');
  let valid = 0,
    invalid = 0,
    lengthErrors = 0;
  for (const group of file.testGroups as any[]) {
    const pub = unhex(group.publicKey.pk);
    for (const t of group.tests) {
      const sig = unhex(t.sig),
        msg = unhex(t.msg);
      let ok: boolean;
      if (sig.length !== 64) {
        // A signature of the wrong length is an argument error (INVALID_LENGTH), i.e. rejected.
        assert.throws(
          () => ed25519.verify(sig, msg, pub),
          (e: any) => e instanceof VaultkeyError && e.code === 'INVALID_LENGTH',
        );
        ok = false;
        lengthErrors++;
      } else {
        ok = ed25519.verify(sig, msg, pub);
      }
      assert.equal(ok, t.result === 'valid', `tcId ${t.tcId}: ${t.comment} [${t.flags}]`);
      if (t.result === 'valid') valid++;
      else invalid++;
    }
  }
  assert.equal(valid + invalid, file.numberOfTests);
  assert.equal(valid, 88);
  assert.equal(invalid, 63);
  assert.ok(lengthErrors > 0);
});

test('property: 10,000 random keys and messages (0..2,048 bytes) against node:crypto and @noble/curves', () => {
  const N = Number(process.env.ED25519_PROPERTY_N ?? 10_000);
  const NOBLE_VERIFY_EVERY = 10; // noble's pure-JS verify is slow: cross-verify with it on every 10th case
  const lengths = [0, 1, 63, 64, 65, 111, 112, 127, 128, 129, 2048];
  for (let i = 0; i < N; i++) {
    const secret = crypto.randomBytes(32);
    const msg = crypto.randomBytes(i < lengths.length ? lengths[i]! : crypto.randomInt(0, 2049));
    const pub = ed25519.getPublicKey(secret);
    const sig = ed25519.sign(msg, secret);
    const nodeKey = nodePriv(secret);
    const nodePubDer = crypto.createPublicKey(nodeKey).export({ format: 'der', type: 'spki' });
    assert.equal(hex(pub), hex(nodePubDer.subarray(12)), `public key vs node, case ${i}`);
    assert.equal(hex(sig), crypto.sign(null, msg, nodeKey).toString('hex'), `signature vs node, case ${i}`);
    assert.equal(hex(pub), hex(noble.getPublicKey(secret)), `public key vs noble, case ${i}`);
    assert.equal(hex(sig), hex(noble.sign(msg, secret)), `signature vs noble, case ${i}`);
    assert.equal(crypto.verify(null, msg, nodePub(pub), sig), true, `node verifies ours, case ${i}`);
    if (i % NOBLE_VERIFY_EVERY === 0) assert.equal(noble.verify(sig, msg, pub), true, `noble verifies ours, case ${i}`);
    assert.equal(ed25519.verify(sig, msg, pub), true, `we verify, case ${i}`);
    // A flipped bit in the signature, message or key must fail, as it does for node.
    const which = i % 3;
    const s2 = new Uint8Array(sig),
      m2 = new Uint8Array(msg),
      p2 = new Uint8Array(pub);
    if (which === 0) s2[crypto.randomInt(0, 64)]! ^= 1 << crypto.randomInt(0, 8);
    else if (which === 1 && m2.length) m2[crypto.randomInt(0, m2.length)]! ^= 1 << crypto.randomInt(0, 8);
    else p2[crypto.randomInt(0, 32)]! ^= 1 << crypto.randomInt(0, 8);
    let nodeSays = false;
    try {
      nodeSays = crypto.verify(null, m2, nodePub(p2), s2);
    } catch {
      nodeSays = false;
    }
    assert.equal(ed25519.verify(s2, m2, p2), nodeSays, `tampered (${which}) case ${i}`);
    if (which !== 1 || m2.length) assert.equal(nodeSays, false);
  }
});

test('verify rejects S >= L (RFC 8032 §5.1.7 step 1, malleability)', () => {
  for (let i = 0; i < 50; i++) {
    const secret = crypto.randomBytes(32),
      msg = crypto.randomBytes(i);
    const pub = ed25519.getPublicKey(secret),
      sig = ed25519.sign(msg, secret);
    const s = leToBig(sig.subarray(32));
    assert.ok(s < L);
    // S + L is the same scalar mod L: the equation would still hold if it were reduced.
    const forged = new Uint8Array(sig);
    forged.set(bigToLe(s + L), 32);
    assert.equal(ed25519.verify(forged, msg, pub), false);
    assert.equal(sodium.crypto_sign_verify_detached(forged, msg, pub), false);
    if (s + 2n * L < 2n ** 256n) {
      forged.set(bigToLe(s + 2n * L), 32);
      assert.equal(ed25519.verify(forged, msg, pub), false);
    }
  }
  // S = L exactly and S = 2^256 - 1
  const secret = crypto.randomBytes(32),
    msg = new Uint8Array(3);
  const pub = ed25519.getPublicKey(secret),
    sig = ed25519.sign(msg, secret);
  const f = new Uint8Array(sig);
  f.set(bigToLe(L), 32);
  assert.equal(ed25519.verify(f, msg, pub), false);
  f.fill(0xff, 32);
  assert.equal(ed25519.verify(f, msg, pub), false);
});

// The eight points of small order, [j]T8 (test/helpers/ed25519.ts).
const Pt = noble.Point;
const { T8, SMALL } = smallOrderPoints();

test('verify rejects public keys that are small-order or non-canonical encodings', () => {
  const msg = crypto.randomBytes(20);
  const encodings = new Set(SMALL.map((p) => hex(p.toBytes())));
  assert.equal(encodings.size, 8);
  for (const A of SMALL) {
    const pub = A.toBytes();
    // With a small-order A and R = identity, S = 0 satisfies every form of the
    // equation: [0]B = O + [k]A needs [k]A = O, true for k = 0 mod 8. Scan
    // for such messages so the only reason to reject is the key itself.
    const R = Pt.ZERO.toBytes();
    for (let i = 0; i < 40; i++) {
      const m = new Uint8Array([...msg, i]);
      const sig = new Uint8Array(64);
      sig.set(R);
      assert.equal(ed25519.verify(sig, m, pub), false, `small-order key ${hex(pub)}`);
      assert.equal(sodium.crypto_sign_verify_detached(sig, m, pub), false);
    }
  }
  // Non-canonical y (y + p < 2^255 only for y < 19): each decodes to a valid point once reduced.
  const secret = crypto.randomBytes(32);
  const sig = ed25519.sign(msg, secret);
  for (let y = 0n; y < 19n; y++) {
    for (const odd of [0, 0x80]) {
      const enc = bigToLe(y + P);
      enc[31]! |= odd;
      assert.equal(ed25519.verify(sig, msg, enc), false, `non-canonical y = p + ${y}`);
    }
  }
  // Not on the curve: y with no x.
  for (const { y, enc } of offCurveEncodings(20)) {
    assert.equal(ed25519.verify(sig, msg, enc), false, `y = ${y} is not on the curve`);
  }
});

test('verify: cofactorless equation, small-order R rejected, mixed-order keys as libsodium', () => {
  const secret = crypto.randomBytes(32);
  const h = sha512(secret);
  h[0]! &= 248;
  h[31]! &= 127;
  h[31]! |= 64;
  const a = leToBig(h.subarray(0, 32));
  const A = Pt.BASE.multiply(a % L);
  assert.equal(hex(A.toBytes()), hex(ed25519.getPublicKey(secret)));
  // A key with a torsion component (A + T8) is not of small order and is accepted by libsodium.
  const mixed = A.add(T8).toBytes();
  // (1) Signature whose R is of small order: with S = k a mod L, [S]B - [k]A' = -[k]T8.
  // Choose R = -[k]T8, which needs k to land right: try messages until it does.
  let craftedSmallR = 0;
  for (let i = 0; craftedSmallR < 3 && i < 2000; i++) {
    const msg = new TextEncoder().encode(`small R ${i}`);
    for (const R of SMALL) {
      const Rb = R.toBytes();
      const k = leToBig(sha512(Rb, mixed, msg)) % L;
      const kT = k % 8n === 0n ? Pt.ZERO : T8.multiplyUnsafe(k % 8n).negate();
      if (!kT.equals(R)) continue;
      const sig = new Uint8Array(64);
      sig.set(Rb);
      sig.set(bigToLe((k * a) % L), 32);
      // The cofactorless equation holds (noble's ZIP-215 mode accepts), but R has small order.
      assert.equal(noble.verify(sig, msg, mixed, { zip215: true }), true);
      assert.equal(ed25519.verify(sig, msg, mixed), false);
      assert.equal(sodium.crypto_sign_verify_detached(sig, msg, mixed), false);
      craftedSmallR++;
      break;
    }
  }
  assert.ok(craftedSmallR >= 3, `crafted ${craftedSmallR} small-R signatures`);
  // (2) Honest signatures under the mixed key: [S]B - [k]A' = R - [k]T8, so the
  // cofactorless check passes exactly when k = 0 mod 8. Same answer as libsodium.
  let agree = 0,
    accepted = 0;
  for (let i = 0; i < 400; i++) {
    const msg = crypto.randomBytes(16);
    const r = leToBig(sha512(h.subarray(32), msg)) % L;
    const Rb = Pt.BASE.multiply(r).toBytes();
    const k = leToBig(sha512(Rb, mixed, msg)) % L;
    const sig = new Uint8Array(64);
    sig.set(Rb);
    sig.set(bigToLe((r + k * a) % L), 32);
    const ours = ed25519.verify(sig, msg, mixed);
    assert.equal(ours, k % 8n === 0n);
    assert.equal(ours, sodium.crypto_sign_verify_detached(sig, msg, mixed));
    agree++;
    if (ours) accepted++;
  }
  assert.equal(agree, 400);
  assert.ok(accepted > 10 && accepted < 120, `accepted ${accepted} of 400 (expected about 50)`);
});

test('verify reuses the last decoded key only for the same key bytes', () => {
  const k1 = crypto.randomBytes(32),
    k2 = crypto.randomBytes(32),
    msg = crypto.randomBytes(40);
  const p1 = ed25519.getPublicKey(k1),
    p2 = ed25519.getPublicKey(k2);
  const s1 = ed25519.sign(msg, k1),
    s2 = ed25519.sign(msg, k2);
  const smallOrder = SMALL[3]!.toBytes();
  const sequence: [Uint8Array, Uint8Array, boolean][] = [
    [s1, p1, true],
    [s1, p1, true],
    [s2, p1, false],
    [s2, p2, true],
    [s1, p2, false],
    [s1, smallOrder, false],
    [s1, p1, true],
    [s2, smallOrder, false],
    [s2, smallOrder, false],
    [s2, p2, true],
    [s1, new Uint8Array(32).fill(0xff), false],
    [s1, p1, true],
  ];
  for (const [sig, pub, want] of sequence) assert.equal(ed25519.verify(sig, msg, pub), want);
  // A key that differs from the cached one only in its last byte (sign bit) is decoded afresh.
  const flipped = new Uint8Array(p1);
  flipped[31]! ^= 0x80;
  assert.equal(ed25519.verify(s1, msg, p1), true);
  assert.equal(ed25519.verify(s1, msg, flipped), false);
  assert.equal(ed25519.verify(s1, msg, p1), true);
});

test('sign keeps A only for the same secret: interleaved and repeated keys match @noble/curves', () => {
  // The module keeps the last signing key's A beside a one-way tag of its
  // secret; a key that differs in any bit, including the one next call,
  // must be signed with its own A.
  const k1 = crypto.randomBytes(32);
  const k2 = new Uint8Array(k1);
  k2[31]! ^= 0x80; // k1 but its last bit
  const k3 = new Uint8Array(k1);
  k3[0]! ^= 0x01; // k1 but its first bit
  const k4 = crypto.randomBytes(32);
  const keys = [k1, k1, k2, k1, k3, k3, k4, k1, k4, k4, k2, k1];
  for (const [i, k] of keys.entries()) {
    const msg = crypto.randomBytes(i * 7);
    const sig = ed25519.sign(msg, k);
    assert.equal(hex(sig), hex(noble.sign(msg, k)), `signature ${i}`);
    assert.equal(ed25519.verify(sig, msg, noble.getPublicKey(k)), true, `verifies ${i}`);
  }
});

test('scalar arithmetic mod L (assembly/ed25519/scalar.ts alone): edge cases and random values vs BigInt', async () => {
  // scalar.ts has no imports, so it compiles on its own with a small harness.
  const harness = `
    import { scReduce64, scMulAdd } from './scalar';
    export const IO: usize = memory.data(256, 16);
    export function io(): usize { return IO; }
    export function reduce(): void { scReduce64(IO + 128, IO); }
    export function muladd(): void { scMulAdd(IO + 128, IO, IO + 32, IO + 64); }`;
  const scalarSrc = readFileSync(new URL('../assembly/ed25519/scalar.ts', import.meta.url), 'utf8');
  const x = await compileHarness({ 'h.ts': harness, 'scalar.ts': scalarSrc });
  const io = x.io();
  const m = () => new Uint8Array(x.memory.buffer);
  const reduce = (v: bigint) => {
    m().set(bigToLe(v, 64), io);
    x.reduce();
    return leToBig(m().slice(io + 128, io + 160));
  };
  const muladd = (r: bigint, k: bigint, s: bigint) => {
    m().set(bigToLe(r), io);
    m().set(bigToLe(k), io + 32);
    m().set(bigToLe(s), io + 64);
    x.muladd();
    return leToBig(m().slice(io + 128, io + 160));
  };
  const M512 = 2n ** 512n - 1n,
    M256 = 2n ** 256n - 1n;
  const edges = [
    0n,
    1n,
    L - 1n,
    L,
    L + 1n,
    2n * L - 1n,
    2n * L,
    2n * L + 1n,
    2n ** 252n,
    2n ** 252n - 1n,
    2n ** 253n - 1n,
    2n ** 255n,
    M256,
    M256 * L,
    L * L,
    L * L - 1n,
    (M512 / L) * L,
    (M512 / L) * L - 1n,
    M512,
    M512 - 1n,
    2n ** 511n,
  ];
  for (let i = 0; i < 2000; i++) edges.push(leToBig(crypto.randomBytes(64)));
  for (let i = 0; i < 200; i++) edges.push(BigInt(crypto.randomInt(0, 2 ** 40)) * L + BigInt(crypto.randomInt(0, 3)) - 1n);
  for (const v of edges) if (v >= 0n && v <= M512) assert.equal(reduce(v), v % L, `reduce ${v.toString(16)}`);
  const vals = [0n, 1n, L - 1n, L, 2n ** 252n, 2n ** 254n + 2n ** 253n, 2n ** 255n - 8n, M256];
  for (const r of vals) for (const k of vals) for (const s of vals) assert.equal(muladd(r, k, s), (r + k * s) % L);
  for (let i = 0; i < 2000; i++) {
    const r = leToBig(crypto.randomBytes(32)),
      k = leToBig(crypto.randomBytes(32)),
      s = leToBig(crypto.randomBytes(32));
    assert.equal(muladd(r, k, s), (r + k * s) % L);
  }
});

test('field arithmetic mod p (assembly/ed25519/field.ts alone): edge cases and random values vs BigInt', async () => {
  const harness = `
    import { feFromBytes, feToBytes, feMul, feSq, feAdd, feSub, feInvert, fePow22523, feIsZero, feIsNegative } from './field';
    export const IO: usize = memory.data(512, 16);
    export function io(): usize { return IO; }
    const A: usize = memory.data(40, 16); const B: usize = memory.data(40, 16); const C: usize = memory.data(40, 16);
    const D: usize = memory.data(40, 16); const E: usize = memory.data(40, 16);
    function load4(): void { feFromBytes(A, IO); feFromBytes(B, IO + 32); feFromBytes(C, IO + 64); feFromBytes(D, IO + 96); }
    export function roundtrip(): void { feFromBytes(A, IO); feToBytes(IO + 256, A); }
    export function mul(): void { load4(); feMul(E, A, B); feToBytes(IO + 256, E); }
    export function sq(): void { load4(); feSq(E, A); feToBytes(IO + 256, E); }
    export function inv(): void { load4(); feInvert(E, A); feToBytes(IO + 256, E); }
    export function pow(): void { load4(); fePow22523(E, A); feToBytes(IO + 256, E); }
    // (a + b + c + d) * (a - b - c - d) and its pieces: the largest operands the point formulas build.
    export function mix(): void {
      load4();
      feMul(A, A, A); feMul(B, B, B); feMul(C, C, C); feMul(D, D, D); // carried, signed limbs
      feAdd(E, A, B); feAdd(E, E, C); feAdd(E, E, D);
      feToBytes(IO + 288, E);
      feSub(IO + 400, A, B); feSub(IO + 400, IO + 400, C); feSub(IO + 400, IO + 400, D);
      feToBytes(IO + 320, IO + 400);
      feMul(E, E, IO + 400); feToBytes(IO + 256, E);
      store<i32>(IO + 352, feIsZero(IO + 400)); store<i32>(IO + 356, feIsNegative(IO + 400));
    }`;
  const fieldSrc = readFileSync(new URL('../assembly/ed25519/field.ts', import.meta.url), 'utf8');
  const x = await compileHarness({ 'h.ts': harness, 'field.ts': fieldSrc });
  const io = x.io();
  const m = () => new Uint8Array(x.memory.buffer);
  const md = (v: bigint) => ((v % P) + P) % P;
  const pow = (b: bigint, e: bigint) => {
    let r = 1n;
    b = md(b);
    while (e > 0n) {
      if (e & 1n) r = (r * b) % P;
      b = (b * b) % P;
      e >>= 1n;
    }
    return r;
  };
  const put = (...v: bigint[]) => v.forEach((val, i) => m().set(bigToLe(val), io + 32 * i));
  const get = (off = 256) => leToBig(m().slice(io + off, io + off + 32));
  const M255 = 2n ** 255n - 1n;
  const edges = [
    0n,
    1n,
    2n,
    18n,
    19n,
    20n,
    P - 20n,
    P - 2n,
    P - 1n,
    P,
    P + 1n,
    P + 18n,
    M255,
    2n ** 254n,
    2n ** 255n - 2n ** 230n,
    (1n << 26n) - 1n,
    2n ** 128n - 1n,
    2n ** 204n + 2n ** 230n,
  ];
  for (let i = 0; i < 40; i++) edges.push(leToBig(crypto.randomBytes(32)) & M255);
  for (const a of edges) {
    put(a);
    x.roundtrip();
    assert.equal(get(), md(a), `canonical ${a.toString(16)}`);
    x.sq();
    assert.equal(get(), md(a * a), `sq ${a.toString(16)}`);
    x.inv();
    assert.equal(get(), pow(a, P - 2n), `inv ${a.toString(16)}`);
    x.pow();
    assert.equal(get(), pow(a, (P - 5n) / 8n), `pow22523 ${a.toString(16)}`);
    for (const b of edges.slice(0, 24)) {
      put(a, b);
      x.mul();
      assert.equal(get(), md(a * b), `mul ${a.toString(16)} ${b.toString(16)}`);
    }
  }
  for (let i = 0; i < 3000; i++) {
    const pick = () => (i % 3 === 0 ? edges[crypto.randomInt(0, edges.length)]! : leToBig(crypto.randomBytes(32)) & M255);
    const [a, b, c, d] = [pick(), pick(), pick(), pick()];
    put(a, b, c, d);
    x.mix();
    const [a2, b2, c2, d2] = [a * a, b * b, c * c, d * d];
    const sum = md(a2 + b2 + c2 + d2),
      dif = md(a2 - b2 - c2 - d2);
    assert.equal(get(288), sum);
    assert.equal(get(320), dif);
    assert.equal(get(256), md(sum * dif));
    const v = new DataView(x.memory.buffer);
    assert.equal(v.getInt32(io + 352, true), dif === 0n ? 1 : 0);
    assert.equal(v.getInt32(io + 356, true), Number(dif & 1n));
  }
  // Zero differences: a - a and the like.
  put(5n, 5n, 0n, 0n);
  x.mix();
  assert.equal(get(320), 0n);
  assert.equal(new DataView(x.memory.buffer).getInt32(io + 352, true), 1);
});

test('bad input gives VaultkeyError with a code; malformed content in verify gives false', () => {
  const k = new Uint8Array(32).fill(7),
    m = new Uint8Array(5),
    sig = ed25519.sign(m, k),
    pub = ed25519.getPublicKey(k);
  assert.equal(
    code(() => ed25519.getPublicKey('x'.repeat(32) as any)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => ed25519.getPublicKey(Array(32).fill(0) as any)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => ed25519.getPublicKey(new Uint8Array(31))),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => ed25519.getPublicKey(new Uint8Array(64))),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => ed25519.sign('hi' as any, k)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => ed25519.sign(m, null as any)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => ed25519.sign(m, new Uint8Array(33))),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => ed25519.verify(sig.subarray(0, 63), m, pub)),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => ed25519.verify(new Uint8Array(65), m, pub)),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => ed25519.verify(sig, m, pub.subarray(1))),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => ed25519.verify(sig, 'm' as any, pub)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => ed25519.verify(Array.from(sig) as any, m, pub)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => ed25519.verify(sig, m, undefined as any)),
    'INVALID_ARGUMENT',
  );
  // Right lengths, wrong content: false, never a throw.
  assert.equal(ed25519.verify(sig, m, pub), true);
  assert.equal(ed25519.verify(new Uint8Array(64), m, pub), false);
  assert.equal(ed25519.verify(new Uint8Array(64).fill(0xff), m, pub), false);
  assert.equal(ed25519.verify(sig, m, new Uint8Array(32).fill(0xff)), false);
  assert.equal(ed25519.verify(sig, m, new Uint8Array(32)), false);
  // Buffers and subarray views are Uint8Arrays too.
  const big = Buffer.alloc(100);
  big.set(k, 10);
  assert.equal(hex(ed25519.getPublicKey(big.subarray(10, 42))), hex(pub));
});

test('through the worker pool: ed25519GetPublicKey / ed25519Sign / ed25519Verify', async () => {
  const { WorkerPool } = await import('vaultkey');
  const pool = await WorkerPool.create({ size: 2 });
  try {
    const jobs = Array.from({ length: 16 }, (_, i) => [crypto.randomBytes(32), crypto.randomBytes(i * 37)] as const);
    const sigs = await pool.batch(
      'ed25519Sign',
      jobs.map(([secret, msg]) => [msg, secret]),
    );
    const pubs = await pool.batch(
      'ed25519GetPublicKey',
      jobs.map(([secret]) => [secret]),
    );
    jobs.forEach(([secret, msg], i) => {
      assert.equal(hex(pubs[i]!), hex(noble.getPublicKey(secret)));
      assert.equal(hex(sigs[i]!), hex(noble.sign(msg, secret)));
    });
    assert.equal(await pool.call('ed25519Verify', sigs[1]!, jobs[1]![1], pubs[1]!), true);
    assert.equal(await pool.call('ed25519Verify', sigs[1]!, jobs[2]![1], pubs[1]!), false);
    await assert.rejects(pool.call('ed25519Sign', jobs[0]![1], new Uint8Array(31)), (e: any) => e?.code === 'INVALID_LENGTH');
  } finally {
    pool.terminate();
  }
});

test('secret, expanded key and nonce are wiped from WASM memory after sign', async () => {
  const edMod = await import('../src/core/ed25519.ts');
  await edMod.initEd25519();
  const secret = crypto.randomBytes(32);
  const msg = crypto.randomBytes(200);
  const sig = edMod.ed25519.sign(msg, secret);
  assert.equal(hex(sig), hex(noble.sign(msg, secret)));
  const h = sha512(secret);
  const clamped = new Uint8Array(h.subarray(0, 32));
  clamped[0]! &= 248;
  clamped[31]! &= 127;
  clamped[31]! |= 64;
  const nonceHash = sha512(h.subarray(32), msg);
  const r = bigToLe(leToBig(nonceHash) % L);
  const memory = Buffer.from(edMod.ed25519Memory());
  const find = (x: Uint8Array, what: string) => {
    // 16-byte windows: a partial copy is as bad as a whole one.
    for (let i = 0; i + 16 <= x.length; i += 8)
      assert.equal(memory.indexOf(x.subarray(i, i + 16)), -1, `${what} [${i}..] left in linear memory`);
  };
  find(secret, 'secret');
  find(h.subarray(0, 32), 'SHA-512(secret) low half');
  find(clamped, 'secret scalar');
  find(h.subarray(32), 'nonce prefix');
  find(nonceHash, 'nonce hash');
  find(r, 'nonce r');
  // Also after getPublicKey.
  edMod.ed25519.getPublicKey(secret);
  const memory2 = Buffer.from(edMod.ed25519Memory());
  assert.equal(memory2.indexOf(secret.subarray(0, 16)), -1);
  assert.equal(memory2.indexOf(clamped.subarray(0, 16)), -1);
  // Control: the message (public) is deliberately left in BUF, and the search finds it.
  assert.notEqual(memory.indexOf(msg.subarray(0, 16)), -1);
});
