// secp256k1 from the WASM core: Wycheproof ECDSA (P1363 and Bitcoin/DER),
// BIP-340 vectors, properties against @noble/curves on random inputs, tweaks,
// bad input codes and the memory wipe after signing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { secp256k1 as noble, schnorr as nobleSchnorr } from '@noble/curves/secp256k1.js';
import { init, secp256k1, sha256, VaultkeyError } from 'vaultkey/core';
import { hex, unhex, readVector, wycheproof } from './helpers/vectors.ts';
import { errorCode as code } from './helpers/errors.ts';
import { compileHarness } from './helpers/asc-harness.ts';
import { readFileSync } from 'node:fs';

await init();

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const big = (b: Uint8Array) => BigInt('0x' + (hex(b) || '0'));
const be32 = (x: bigint) => unhex(x.toString(16).padStart(64, '0'));
const isHighS = (sig: Uint8Array) => big(sig.subarray(32)) > N / 2n;

test('Wycheproof ecdsa_secp256k1_sha256_p1363_test.json', () => {
  // P1363 is plain SEC 1 ECDSA: high-S signatures are valid there. We check
  // them with { lowS: false }, and check that the default (low-S) verify
  // accepts exactly the valid ones with s <= n/2. A signature of the wrong
  // size is an argument error (INVALID_LENGTH), which counts as rejected.
  // The file has no "acceptable" cases; any would be counted as rejected.
  const file = wycheproof('ecdsa_secp256k1_sha256_p1363_test.json');
  let checked = 0,
    accepted = 0,
    highS = 0;
  for (const group of file.testGroups) {
    const pub = unhex(group.publicKey.uncompressed);
    const pubC = secp256k1.publicKeyConvert(pub, true);
    for (const t of group.tests) {
      const sig = unhex(t.sig);
      const digest = sha256(unhex(t.msg));
      const want = t.result === 'valid';
      let plain = false,
        strict = false,
        strictC = false;
      if (sig.length === 64) {
        plain = secp256k1.verify(sig, digest, pub, { lowS: false });
        strict = secp256k1.verify(sig, digest, pub);
        strictC = secp256k1.verify(sig, digest, pubC);
      } else {
        assert.equal(
          code(() => secp256k1.verify(sig, digest, pub)),
          'INVALID_LENGTH',
        );
      }
      assert.equal(plain, want, `tcId ${t.tcId}: ${t.comment}`);
      const wantStrict = want && !isHighS(sig);
      assert.equal(strict, wantStrict, `tcId ${t.tcId} (low-S): ${t.comment}`);
      assert.equal(strictC, wantStrict, `tcId ${t.tcId} (compressed key)`);
      if (want) accepted++;
      if (want && isHighS(sig)) highS++;
      checked++;
    }
  }
  assert.equal(checked, file.numberOfTests);
  assert.ok(accepted > 100 && highS > 0, `accepted ${accepted}, high-S valid ${highS}`);
});

test('Wycheproof ecdsa_secp256k1_sha256_bitcoin_test.json (strict DER, low-S)', () => {
  // Bitcoin rules: strict DER (BIP-66) and low-S (BIP-146). A DER parse
  // failure (INVALID_SIGNATURE) counts as rejected; the file has no
  // "acceptable" cases.
  const file = wycheproof('ecdsa_secp256k1_sha256_bitcoin_test.json');
  let checked = 0,
    derRejected = 0,
    malleability = 0;
  for (const group of file.testGroups) {
    const pub = unhex(group.publicKey.uncompressed);
    for (const t of group.tests) {
      const digest = sha256(unhex(t.msg));
      let ok = false;
      let sig: Uint8Array | undefined;
      try {
        sig = secp256k1.signatureFromDER(unhex(t.sig));
      } catch (e) {
        assert.ok(e instanceof VaultkeyError && e.code === 'INVALID_SIGNATURE', `tcId ${t.tcId}: ${e}`);
        derRejected++;
      }
      if (sig) {
        ok = secp256k1.verify(sig, digest, pub);
        // Round trip: a strictly parsed signature re-encodes to the same bytes.
        assert.equal(hex(secp256k1.signatureToDER(sig)), t.sig, `tcId ${t.tcId}: DER round trip`);
      }
      assert.equal(ok, t.result === 'valid', `tcId ${t.tcId}: ${t.comment} [${t.flags}]`);
      if (t.flags.includes('SignatureMalleabilityBitcoin')) {
        assert.ok(sig && isHighS(sig) && !ok, 'high-S case parsed and rejected');
        assert.ok(secp256k1.verify(sig!, digest, pub, { lowS: false }), 'and valid without the low-S rule');
        malleability++;
      }
      checked++;
    }
  }
  assert.equal(checked, file.numberOfTests);
  assert.ok(derRejected > 50 && malleability >= 1, `DER rejected ${derRejected}, malleability ${malleability}`);
});

test('BIP-340 test vectors (all sign and verify rows)', () => {
  const rows = readVector('bip-0340-test-vectors.csv').trim().split(/\r?\n/).slice(1);
  let signed = 0,
    verified = 0;
  for (const line of rows) {
    const [index, sk, pk, aux, msg, sig, result, comment] = line.split(',');
    const pub = unhex(pk!);
    const message = unhex(msg!);
    const signature = unhex(sig!);
    if (sk) {
      const secret = unhex(sk);
      assert.equal(hex(secp256k1.schnorr.getPublicKey(secret)).toUpperCase(), pk, `row ${index}: public key`);
      assert.equal(hex(secp256k1.schnorr.sign(message, secret, unhex(aux!))).toUpperCase(), sig, `row ${index}: signature`);
      signed++;
    }
    assert.equal(secp256k1.schnorr.verify(signature, message, pub), result === 'TRUE', `row ${index}: ${comment}`);
    verified++;
  }
  assert.equal(verified, rows.length);
  assert.ok(signed >= 4 && verified >= 15, `signed ${signed}, verified ${verified}`);
});

const COUNT = Number(process.env.SECP_PROPERTY_COUNT ?? 10_000);

test(`property: ${COUNT} random keys and digests against @noble/curves`, () => {
  for (let i = 0; i < COUNT; i++) {
    const priv = noble.utils.randomSecretKey();
    const digest = crypto.randomBytes(32);
    const pubC = secp256k1.getPublicKey(priv);
    const pubU = secp256k1.getPublicKey(priv, false);
    assert.equal(hex(pubC), hex(noble.getPublicKey(priv, true)), 'compressed public key');
    assert.equal(hex(pubU), hex(noble.getPublicKey(priv, false)), 'uncompressed public key');
    const { signature, recovery } = secp256k1.sign(digest, priv);
    const theirs = noble.sign(digest, priv, { prehash: false, format: 'recovered' });
    assert.equal(hex(signature), hex(theirs.subarray(1)), 'RFC 6979 signature');
    assert.equal(recovery, theirs[0], 'recovery id');
    assert.ok(!isHighS(signature), 'low-S');
    // Cross-verification both ways, and a wrong digest fails for both.
    assert.ok(noble.verify(signature, digest, pubC, { prehash: false }), 'noble verifies ours');
    assert.ok(secp256k1.verify(theirs.subarray(1), digest, i & 1 ? pubU : pubC), 'we verify noble');
    if (i % 16 === 0) {
      const other = crypto.randomBytes(32);
      assert.equal(secp256k1.verify(signature, other, pubC), false);
      assert.equal(noble.verify(signature, other, pubC, { prehash: false }), false);
      // The malleated twin (n - s) is rejected by default.
      const twin = new Uint8Array(signature);
      twin.set(be32(N - big(signature.subarray(32))), 32);
      assert.equal(secp256k1.verify(twin, digest, pubC), false);
      assert.equal(secp256k1.verify(twin, digest, pubC, { lowS: false }), true);
    }
    // Recovery, both encodings.
    const rec = secp256k1.recoverPublicKey(signature, recovery, digest, i % 2 === 0);
    const nrec = noble.recoverPublicKey(theirs, digest, { prehash: false });
    assert.equal(hex(secp256k1.publicKeyConvert(rec, true)), hex(nrec), 'recovered key');
    assert.equal(hex(rec), hex(i % 2 === 0 ? pubC : pubU));
  }
});

test('property: tweak-add operations against @noble/curves', () => {
  const Point = noble.Point;
  for (let i = 0; i < 1000; i++) {
    const priv = noble.utils.randomSecretKey();
    const tweak = i % 50 === 0 ? new Uint8Array(32) : crypto.randomBytes(32);
    const t = big(tweak);
    const pub = noble.getPublicKey(priv, i % 2 === 0);
    if (t >= N) {
      assert.equal(
        code(() => secp256k1.privateAdd(priv, tweak)),
        'INVALID_KEY',
      );
      assert.equal(
        code(() => secp256k1.publicAdd(pub, tweak)),
        'INVALID_KEY',
      );
      continue;
    }
    const sum = (big(priv) + t) % N;
    assert.equal(hex(secp256k1.privateAdd(priv, tweak)), hex(be32(sum)));
    const want = Point.fromBytes(pub).add(t === 0n ? Point.ZERO : Point.BASE.multiply(t));
    assert.equal(hex(secp256k1.publicAdd(pub, tweak)), hex(want.toBytes(true)));
    assert.equal(hex(secp256k1.publicAdd(pub, tweak, false)), hex(want.toBytes(false)));
    // The tweaked private and public keys agree.
    assert.equal(hex(secp256k1.getPublicKey(secp256k1.privateAdd(priv, tweak))), hex(want.toBytes(true)));
  }
  // Edge cases: sum = 0 and point at infinity; tweak = n; tweak = n - 1.
  const priv = noble.utils.randomSecretKey();
  const neg = be32(N - big(priv));
  assert.equal(
    code(() => secp256k1.privateAdd(priv, neg)),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.publicAdd(secp256k1.getPublicKey(priv), neg)),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.privateAdd(priv, be32(N))),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.privateAdd(be32(N - 1n), be32(1n))),
    'INVALID_KEY',
    '(n - 1) + 1 = 0',
  );
  assert.equal(hex(secp256k1.privateAdd(be32(N - 1n), be32(2n))), hex(be32(1n)));
  // Doubling inside publicAdd: P + tweak*G where tweak*G = P.
  assert.equal(hex(secp256k1.publicAdd(secp256k1.getPublicKey(priv), priv)), hex(secp256k1.getPublicKey(be32((2n * big(priv)) % N))));
});

test('publicAddBatch (one inversion for many children) equals publicAdd', () => {
  const Point = noble.Point;
  for (const count of [1, 2, 7, 100]) {
    const priv = noble.utils.randomSecretKey();
    const pub = secp256k1.getPublicKey(priv, count % 2 === 0);
    const tweaks = Array.from({ length: count }, (_, i) => (i === 3 ? new Uint8Array(32) : (crypto.randomBytes(32) as Uint8Array))).map(
      (t) => (big(t) >= N ? be32(big(t) - N) : t),
    );
    for (const compressed of [true, false]) {
      const got = secp256k1.publicAddBatch(pub, tweaks, compressed);
      assert.equal(got.length, count);
      got.forEach((g, i) => {
        const t = big(tweaks[i]!);
        const want = Point.fromBytes(pub).add(t === 0n ? Point.ZERO : Point.BASE.multiply(t));
        assert.equal(hex(g), hex(want.toBytes(compressed)), `child ${i}`);
        assert.equal(hex(g), hex(secp256k1.publicAdd(pub, tweaks[i]!, compressed)));
      });
    }
  }
  const priv = noble.utils.randomSecretKey();
  const pub = secp256k1.getPublicKey(priv);
  assert.deepEqual(secp256k1.publicAddBatch(pub, []), []);
  const ok = crypto.randomBytes(32);
  assert.equal(
    code(() => secp256k1.publicAddBatch(pub, [ok, be32(N)])),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.publicAddBatch(pub, [ok, be32(N - big(priv))])),
    'INVALID_KEY',
    'infinity',
  );
  assert.equal(
    code(() => secp256k1.publicAddBatch(pub, [ok, ok.subarray(1)])),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => secp256k1.publicAddBatch(pub, ok as any)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => secp256k1.publicAddBatch(new Uint8Array(33), [ok])),
    'INVALID_KEY',
  );
});

test('property: BIP-340 against @noble/curves', () => {
  for (let i = 0; i < 500; i++) {
    const priv = noble.utils.randomSecretKey();
    const msg = crypto.randomBytes(i % 10 === 0 ? crypto.randomInt(0, 100) : 32);
    const aux = crypto.randomBytes(32);
    const pub = secp256k1.schnorr.getPublicKey(priv);
    assert.equal(hex(pub), hex(nobleSchnorr.getPublicKey(priv)));
    const sig = secp256k1.schnorr.sign(msg, priv, aux);
    assert.equal(hex(sig), hex(nobleSchnorr.sign(msg, priv, aux)));
    assert.ok(secp256k1.schnorr.verify(sig, msg, pub));
    assert.ok(nobleSchnorr.verify(sig, msg, pub));
    const bad = new Uint8Array(sig);
    bad[i % 64]! ^= 1 << (i % 8);
    assert.equal(secp256k1.schnorr.verify(bad, msg, pub), nobleSchnorr.verify(bad, msg, pub));
    assert.equal(secp256k1.schnorr.verify(bad, msg, pub), false);
  }
  // Without auxRand a fresh random one is used: still valid, different each time.
  const priv = noble.utils.randomSecretKey();
  const msg = crypto.randomBytes(32);
  const a = secp256k1.schnorr.sign(msg, priv);
  const b = secp256k1.schnorr.sign(msg, priv);
  assert.notEqual(hex(a), hex(b));
  assert.ok(nobleSchnorr.verify(a, msg, secp256k1.schnorr.getPublicKey(priv)));
});

test('the kept last key and last table answer only for the same bytes and point', () => {
  // verify and publicAdd keep the last parsed public key, and ecmultV keeps
  // the odd-multiples table of its last point: alternate keys, repeat them,
  // change one byte, switch encodings, and compare every answer with noble.
  const keys = [0, 1, 2].map(() => {
    const sk = noble.utils.randomSecretKey();
    const digest = crypto.randomBytes(32);
    const { signature, recovery } = secp256k1.sign(digest, sk);
    return { pub: noble.getPublicKey(sk, true), pubU: noble.getPublicKey(sk, false), digest, signature, recovery };
  });
  const tweak = crypto.randomBytes(32);
  const order = [0, 0, 1, 0, 2, 2, 1, 1, 0, 2];
  for (const i of order) {
    const k = keys[i]!;
    for (const j of [0, 1, 2]) {
      const o = keys[j]!;
      assert.equal(secp256k1.verify(k.signature, k.digest, o.pub), i === j, `verify sig ${i} with key ${j}`);
      assert.equal(secp256k1.verify(k.signature, k.digest, o.pubU), i === j, `verify sig ${i} with key ${j} (65 bytes)`);
    }
    assert.equal(hex(secp256k1.recoverPublicKey(k.signature, k.recovery, k.digest)), hex(k.pub), `recover ${i}`);
    const want = noble.Point.fromBytes(k.pub)
      .add(noble.Point.BASE.multiply(big(tweak)))
      .toBytes(true);
    assert.equal(hex(secp256k1.publicAdd(k.pub, tweak)), hex(want), `publicAdd ${i}`);
    // The same key with its last byte changed: a different point, or no point at all.
    const bent = Uint8Array.from(k.pub);
    bent[32]! ^= 1;
    let other: InstanceType<typeof noble.Point> | undefined;
    try {
      other = noble.Point.fromBytes(bent);
    } catch {}
    assert.equal(secp256k1.verify(k.signature, k.digest, bent), false, `verify ${i} with a changed key`);
    if (other) {
      const wantBent = other.add(noble.Point.BASE.multiply(big(tweak))).toBytes(true);
      assert.equal(hex(secp256k1.publicAdd(bent, tweak)), hex(wantBent), `publicAdd ${i} with a changed key`);
    } else {
      assert.equal(
        code(() => secp256k1.publicAdd(bent, tweak)),
        'INVALID_KEY',
      );
    }
  }
});

test('RFC 6979 / known answer: private key 1 and n - 1', () => {
  // Key 1: the public key is G itself (SEC 2 §2.4.1); key n-1: -G.
  const G = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
  assert.equal(hex(secp256k1.getPublicKey(be32(1n))), G);
  assert.equal(hex(secp256k1.getPublicKey(be32(N - 1n))), '03' + G.slice(2));
  for (const k of [1n, 2n, N - 1n, N - 2n, 2n ** 128n, P - N]) {
    const d = crypto.randomBytes(32);
    const { signature, recovery } = secp256k1.sign(d, be32(k));
    const theirs = noble.sign(d, be32(k), { prehash: false, format: 'recovered' });
    assert.equal(hex(signature), hex(theirs.subarray(1)));
    assert.equal(recovery, theirs[0]);
    assert.equal(hex(secp256k1.getPublicKey(be32(k), false)), hex(noble.getPublicKey(be32(k), false)));
  }
});

test('bad input gives VaultkeyError codes (or false in verify)', () => {
  const priv = noble.utils.randomSecretKey();
  const pub = secp256k1.getPublicKey(priv);
  const pubU = secp256k1.getPublicKey(priv, false);
  const digest = crypto.randomBytes(32);
  const { signature, recovery } = secp256k1.sign(digest, priv);
  const zero = new Uint8Array(32);
  const nKey = be32(N);
  const b31 = new Uint8Array(31);

  // getPublicKey
  assert.equal(
    code(() => secp256k1.getPublicKey('00' as any)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => secp256k1.getPublicKey(b31)),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => secp256k1.getPublicKey(new Uint8Array(33))),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => secp256k1.getPublicKey(zero)),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.getPublicKey(nKey)),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.getPublicKey(be32(2n ** 256n - 1n))),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.getPublicKey(priv, 1 as any)),
    'INVALID_ARGUMENT',
  );
  // sign
  assert.equal(
    code(() => secp256k1.sign(digest, zero)),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.sign(digest, nKey)),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.sign(b31, priv)),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => secp256k1.sign(digest, [...priv] as any)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => secp256k1.sign(null as any, priv)),
    'INVALID_ARGUMENT',
  );
  // verify: argument errors throw, bad values are false
  assert.equal(
    code(() => secp256k1.verify(signature.subarray(0, 63), digest, pub)),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => secp256k1.verify(signature, b31, pub)),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => secp256k1.verify(signature, digest, pub.subarray(0, 32))),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => secp256k1.verify(signature, digest, 'pub' as any)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => secp256k1.verify(signature, digest, pub, { lowS: 'no' } as any)),
    'INVALID_ARGUMENT',
  );
  const withRS = (r: bigint, s: bigint) => {
    const x = new Uint8Array(64);
    x.set(be32(r));
    x.set(be32(s), 32);
    return x;
  };
  const r = big(signature.subarray(0, 32)),
    s = big(signature.subarray(32));
  for (const [rr, ss] of [
    [0n, s],
    [r, 0n],
    [N, s],
    [r, N],
    [r + N < 2n ** 256n ? r + N : N + 1n, s],
    [2n ** 256n - 1n, s],
    [r, 2n ** 256n - 1n],
  ] as const) {
    assert.equal(secp256k1.verify(withRS(rr, ss), digest, pub), false);
    assert.equal(secp256k1.verify(withRS(rr, ss), digest, pub, { lowS: false }), false);
  }
  assert.equal(secp256k1.verify(withRS(r, N - s), digest, pub), false, 'high-S');
  const notOnCurve = new Uint8Array(pubU);
  notOnCurve[64]! ^= 1;
  assert.equal(secp256k1.verify(signature, digest, notOnCurve), false);
  const badPrefix = new Uint8Array(pub);
  badPrefix[0] = 5;
  assert.equal(secp256k1.verify(signature, digest, badPrefix), false);
  const hybrid = new Uint8Array(pubU);
  hybrid[0] = 6 | (pubU[64]! & 1);
  assert.equal(secp256k1.verify(signature, digest, hybrid), false, 'hybrid keys are not accepted');
  const yIsP = new Uint8Array(pubU);
  yIsP.set(be32(P), 33);
  assert.equal(secp256k1.verify(signature, digest, yIsP), false, 'y >= p');
  assert.equal(secp256k1.isValidPublicKey(yIsP), false);
  const xTooBig = new Uint8Array(33);
  xTooBig[0] = 2;
  xTooBig.set(be32(P + 1n > 2n ** 256n - 1n ? P : P), 1);
  assert.equal(secp256k1.verify(signature, digest, xTooBig), false, 'x >= p');
  // A compressed key whose x has no curve point (x = 5: 5^3 + 7 = 132 is not a square mod p).
  const noPoint = new Uint8Array(33);
  noPoint[0] = 2;
  noPoint[32] = 5;
  assert.equal(secp256k1.isValidPublicKey(noPoint), false);
  assert.equal(secp256k1.verify(signature, digest, noPoint), false);
  assert.equal(secp256k1.verify(signature, digest, pub), true, 'control');
  // recoverPublicKey
  assert.equal(
    code(() => secp256k1.recoverPublicKey(signature, 4, digest)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => secp256k1.recoverPublicKey(signature, -1, digest)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => secp256k1.recoverPublicKey(signature, 1.5, digest)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => secp256k1.recoverPublicKey(signature.subarray(1), recovery, digest)),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => secp256k1.recoverPublicKey(signature, recovery, b31)),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => secp256k1.recoverPublicKey(withRS(0n, s), recovery, digest)),
    'INVALID_SIGNATURE',
  );
  assert.equal(
    code(() => secp256k1.recoverPublicKey(withRS(r, 0n), recovery, digest)),
    'INVALID_SIGNATURE',
  );
  assert.equal(
    code(() => secp256k1.recoverPublicKey(withRS(N, s), recovery, digest)),
    'INVALID_SIGNATURE',
  );
  assert.equal(
    code(() => secp256k1.recoverPublicKey(withRS(r, N), recovery, digest)),
    'INVALID_SIGNATURE',
  );
  // r + n >= p for any r >= p - n: recovery ids 2 and 3 then have no point.
  assert.equal(
    code(() => secp256k1.recoverPublicKey(withRS(P - N, s), 2, digest)),
    'INVALID_SIGNATURE',
  );
  // r = 5 has no curve point (see above).
  assert.equal(
    code(() => secp256k1.recoverPublicKey(withRS(5n, s), 0, digest)),
    'INVALID_SIGNATURE',
  );
  // tweaks
  assert.equal(
    code(() => secp256k1.privateAdd(zero, be32(1n))),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.privateAdd(nKey, be32(1n))),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.privateAdd(priv, b31)),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => secp256k1.privateAdd(priv, 7 as any)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => secp256k1.publicAdd(notOnCurve, be32(1n))),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.publicAdd(badPrefix, be32(1n))),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.publicAdd(pub.subarray(1), be32(1n))),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => secp256k1.publicAdd(pub, nKey)),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.publicKeyConvert(notOnCurve)),
    'INVALID_KEY',
  );
  // validators
  assert.equal(secp256k1.isValidPrivateKey(priv), true);
  assert.equal(secp256k1.isValidPrivateKey(zero), false);
  assert.equal(secp256k1.isValidPrivateKey(nKey), false);
  assert.equal(secp256k1.isValidPrivateKey(be32(N - 1n)), true);
  assert.equal(secp256k1.isValidPrivateKey(b31), false);
  assert.equal(
    code(() => secp256k1.isValidPrivateKey({} as any)),
    'INVALID_ARGUMENT',
  );
  assert.equal(secp256k1.isValidPublicKey(pub), true);
  assert.equal(secp256k1.isValidPublicKey(pubU), true);
  assert.equal(secp256k1.isValidPublicKey(notOnCurve), false);
  assert.equal(secp256k1.isValidPublicKey(xTooBig), false);
  assert.equal(secp256k1.isValidPublicKey(pub.subarray(1)), false);
  // DER
  assert.equal(
    code(() => secp256k1.signatureFromDER(new Uint8Array([0x30, 0x00]))),
    'INVALID_SIGNATURE',
  );
  assert.equal(
    code(() => secp256k1.signatureFromDER('30' as any)),
    'INVALID_ARGUMENT',
  );
  // Schnorr
  assert.equal(
    code(() => secp256k1.schnorr.getPublicKey(zero)),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.schnorr.getPublicKey(nKey)),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.schnorr.getPublicKey(b31)),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => secp256k1.schnorr.sign(digest, zero)),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.schnorr.sign(digest, priv, b31)),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => secp256k1.schnorr.sign('m' as any, priv)),
    'INVALID_ARGUMENT',
  );
  const xo = secp256k1.schnorr.getPublicKey(priv);
  const ssig = secp256k1.schnorr.sign(digest, priv, zero);
  assert.equal(
    code(() => secp256k1.schnorr.verify(ssig.subarray(1), digest, xo)),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => secp256k1.schnorr.verify(ssig, digest, pub)),
    'INVALID_LENGTH',
  );
  assert.equal(secp256k1.schnorr.verify(ssig, digest, be32(P)), false, 'x-only key >= p');
  assert.equal(secp256k1.schnorr.verify(ssig, digest, be32(5n)), false, 'x-only key not on the curve');
  const sHigh = new Uint8Array(ssig);
  sHigh.set(be32(N), 32);
  assert.equal(secp256k1.schnorr.verify(sHigh, digest, xo), false, 's = n');
  assert.equal(secp256k1.schnorr.verify(ssig, digest, xo), true, 'control');
});

test('the worker pool (worker_threads + comlink) gives the same results as the core', async () => {
  const { WorkerPool } = await import('vaultkey');
  const pool = await WorkerPool.create({ size: 2 });
  try {
    const jobs = Array.from({ length: 20 }, () => [noble.utils.randomSecretKey(), crypto.randomBytes(32) as Uint8Array] as const);
    const sigs = await pool.batch(
      'secp256k1Sign',
      jobs.map(([priv, digest]) => [digest, priv]),
    );
    const pubs = await pool.batch(
      'secp256k1GetPublicKey',
      jobs.map(([priv]) => [priv]),
    );
    jobs.forEach(([priv, digest], i) => {
      const { signature, recovery } = secp256k1.sign(digest, priv);
      assert.equal(hex(sigs[i]!.signature), hex(signature));
      assert.equal(sigs[i]!.recovery, recovery);
      assert.equal(hex(pubs[i]!), hex(secp256k1.getPublicKey(priv)));
    });
    const [priv, digest] = jobs[0]!;
    assert.equal(await pool.call('secp256k1Verify', sigs[0]!.signature, digest, pubs[0]!), true);
    const rec = await pool.call('secp256k1RecoverPublicKey', sigs[0]!.signature, sigs[0]!.recovery, digest);
    assert.equal(hex(rec), hex(pubs[0]!));
    const aux = new Uint8Array(32);
    assert.equal(hex(await pool.call('secp256k1SchnorrSign', digest, priv, aux)), hex(secp256k1.schnorr.sign(digest, priv, aux)));
    // Errors cross the worker boundary with their code.
    await assert.rejects(pool.call('secp256k1Sign', digest, new Uint8Array(32)), (e: any) => e.code === 'INVALID_KEY');
  } finally {
    pool.terminate();
  }
});

test('private key and nonce are wiped from WASM memory after signing', async () => {
  // The source modules give direct access to their own instance's linear memory.
  const wasmMod = await import('../src/core/wasm.ts');
  const mod = await import('../src/core/secp256k1.ts');
  await wasmMod.init();
  const priv = noble.utils.randomSecretKey();
  const digest = crypto.randomBytes(32);
  const { signature } = mod.secp256k1.sign(digest, priv);
  assert.equal(hex(signature), hex(noble.sign(digest, priv, { prehash: false })));
  // The RFC 6979 nonce k, recomputed independently: s = k^-1 (z + r d), so k = (z + r d) / s.
  const z = big(digest) % N,
    r = big(signature.subarray(0, 32)),
    s = big(signature.subarray(32));
  const inv = (a: bigint) => {
    let [x, y, u, v] = [a % N, N, 1n, 0n];
    while (x !== 0n) {
      const q = y / x;
      [x, y, u, v] = [y - q * x, x, v - q * u, u];
    }
    return ((v % N) + N) % N;
  };
  const k = (((z + r * big(priv)) % N) * inv(s)) % N;
  // Low-S may have negated s (and so k); the nonce is one of k, n - k.
  const ks = [k, N - k].map(be32);
  const scan = () => {
    const memory = Buffer.from(wasmMod.mem());
    assert.equal(memory.indexOf(Buffer.from(priv)), -1, 'private key left in linear memory');
    for (const kb of ks) assert.equal(memory.indexOf(Buffer.from(kb)), -1, 'nonce left in linear memory');
  };
  scan();
  mod.secp256k1.schnorr.sign(digest, priv, new Uint8Array(32));
  mod.secp256k1.getPublicKey(priv);
  mod.secp256k1.privateAdd(priv, be32(1n));
  const memory = Buffer.from(wasmMod.mem());
  assert.equal(memory.indexOf(Buffer.from(priv)), -1, 'private key left after schnorr / getPublicKey / privateAdd');
  assert.equal(memory.indexOf(Buffer.from(be32((big(priv) + 1n) % N))), -1, 'tweaked key left in memory');
  // Control: a public value that is deliberately left in memory is found by the same search
  // (publicKeyConvert takes public data only: its input stays in IO; verification runs in its own module).
  const pub = mod.secp256k1.getPublicKey(priv, false);
  mod.secp256k1.publicKeyConvert(pub);
  assert.notEqual(Buffer.from(wasmMod.mem()).indexOf(Buffer.from(pub)), -1);
});

test('pair arithmetic (assembly/secp256k1/pair.ts): feMul2 / feSqr2 against BigInt and feMul / feSqr at the input bounds', async () => {
  // Compiled twice: with the debug checks on (VAULTKEY_VERIFY=1, asserts
  // kept: an input outside pair.ts's bounds or an output above magnitude 1
  // traps) and as the release build compiles it.
  const harness = `
    import { feMul, feSqr } from './field';
    import { feMul2, feSqr2 } from './pair';
    export const IO: usize = memory.data(512, 16);
    export function io(): usize { return IO; }
    // IO: x1 @0, y1 @40, x2 @80, y2 @120; results @200 (r1), @240 (r2), @280, @320 (scalar references).
    export function mul2(): void {
      feMul(IO + 280, IO, IO + 40); feMul(IO + 320, IO + 80, IO + 120);
      feMul2(IO + 200, IO, IO + 40, IO + 240, IO + 80, IO + 120);
    }
    export function sqr2(): void {
      feSqr(IO + 280, IO); feSqr(IO + 320, IO + 80);
      feSqr2(IO + 200, IO, IO + 240, IO + 80);
    }
    // Results written over the inputs: r1 = x1, r2 = y2.
    export function mul2Alias(): void { feMul2(IO, IO, IO + 40, IO + 120, IO + 80, IO + 120); }
    export function sqr2Alias(): void { feSqr2(IO + 80, IO + 80, IO, IO); }`;
  const read = (f: string) => readFileSync(new URL(`../assembly/${f}`, import.meta.url), 'utf8');
  const files = {
    'secp256k1/h.ts': harness,
    'secp256k1/field.ts': read('secp256k1/field.ts'),
    'secp256k1/pair.ts': read('secp256k1/pair.ts'),
    'verify.ts': read('verify.ts'),
  };
  const M26 = 2 ** 26;
  const rnd = (n: number) => crypto.randomInt(0, n);
  const rndLimbs = (max: (i: number) => number) => Array.from({ length: 10 }, (_, i) => rnd(max(i) + 1));
  const val = (l: number[]) => l.reduce((acc, x, i) => acc + (BigInt(x) << BigInt(26 * i)), 0n);
  const mod = (v: bigint) => ((v % P) + P) % P;
  // Limbs below 2^30; top limbs below 2^28 keep a9 b9 < 2^56 (magnitude 15 is 15 2^22 < 2^26).
  const lim = (i: number) => (i === 9 ? 2 ** 28 - 1 : 2 ** 30 - 1);
  const mag = (m: number) => (i: number) => (i === 9 ? m * 2 ** 22 : m * M26);
  const pLimbs = [0x3fffc2f, 0x3ffffbf, ...Array(7).fill(M26 - 1), 0x3fffff];
  const edges: number[][] = [
    Array(10).fill(0),
    [1, ...Array(9).fill(0)],
    pLimbs,
    Array.from({ length: 10 }, (_, i) => lim(i)),
    Array.from({ length: 10 }, (_, i) => mag(15)(i)),
    Array.from({ length: 10 }, (_, i) => (i === 9 ? 2 ** 22 - 1 : M26 - 1)),
  ];
  for (const verify of [true, false]) {
    const x = await compileHarness(files, { verify });
    const io: number = x.io();
    const dv = () => new DataView(x.memory.buffer);
    const put = (at: number, l: number[]) => l.forEach((v, i) => dv().setUint32(io + at + 4 * i, v, true));
    const get = (at: number) => Array.from({ length: 10 }, (_, i) => dv().getUint32(io + at + 4 * i, true));
    const magnitude1 = (l: number[]) => l.every((v, i) => v <= (i === 9 ? 2 ** 22 : M26 + 64));
    const cases: number[][][] = [];
    for (const a of edges) for (const b of edges) cases.push([a, b, b, a]);
    for (let n = 0; n < 3000; n++) {
      const pick = (k: number) => (k === 0 ? rndLimbs(lim) : rndLimbs(mag(1 + rnd(15))));
      cases.push([pick(n & 1), pick((n >> 1) & 1), pick((n >> 2) & 1), pick((n >> 3) & 1)]);
    }
    for (const [x1, y1, x2, y2] of cases) {
      put(0, x1!);
      put(40, y1!);
      put(80, x2!);
      put(120, y2!);
      x.mul2();
      assert.equal(mod(val(get(200))), mod(val(x1!) * val(y1!)), 'feMul2 lane 0');
      assert.equal(mod(val(get(240))), mod(val(x2!) * val(y2!)), 'feMul2 lane 1');
      assert.deepEqual(get(200), get(280), 'feMul2 lane 0 = feMul');
      assert.deepEqual(get(240), get(320), 'feMul2 lane 1 = feMul');
      assert.ok(magnitude1(get(200)) && magnitude1(get(240)), 'feMul2 output magnitude 1');
      x.sqr2();
      assert.equal(mod(val(get(200))), mod(val(x1!) ** 2n), 'feSqr2 lane 0');
      assert.equal(mod(val(get(240))), mod(val(x2!) ** 2n), 'feSqr2 lane 1');
      assert.deepEqual(get(200), get(280), 'feSqr2 lane 0 = feSqr');
      assert.deepEqual(get(240), get(320), 'feSqr2 lane 1 = feSqr');
      x.mul2Alias();
      assert.equal(mod(val(get(0))), mod(val(x1!) * val(y1!)), 'feMul2 aliased lane 0');
      assert.equal(mod(val(get(120))), mod(val(x2!) * val(y2!)), 'feMul2 aliased lane 1');
      const r1 = get(0);
      x.sqr2Alias();
      assert.equal(mod(val(get(80))), mod(val(x2!) ** 2n), 'feSqr2 aliased lane 0');
      assert.equal(mod(val(get(0))), mod(val(r1) ** 2n), 'feSqr2 aliased lane 1');
    }
  }
});

test('verify / recover with the same key repeated (the wider kept table) and switching keys, against @noble/curves', () => {
  // ecmultV keeps the table of its last point and widens it when the point
  // comes again: runs of 1..7 calls per key, valid and invalid signatures,
  // both encodings, and recovery of a repeated signature, all against noble.
  const keys = Array.from({ length: 4 }, () => noble.utils.randomSecretKey());
  for (let round = 0; round < 40; round++) {
    const sk = keys[round % keys.length]!;
    const pubC = noble.getPublicKey(sk, true);
    const pubU = noble.getPublicKey(sk, false);
    const run = 1 + (round % 7);
    for (let i = 0; i < run; i++) {
      const digest = crypto.randomBytes(32);
      const sig = noble.sign(digest, sk, { prehash: false, format: 'recovered' });
      const compact = sig.subarray(1);
      assert.equal(secp256k1.verify(compact, digest, i & 1 ? pubU : pubC), true, `verify round ${round} call ${i}`);
      const bad = crypto.randomBytes(32);
      assert.equal(secp256k1.verify(compact, bad, pubC), noble.verify(compact, bad, pubC, { prehash: false }));
      assert.equal(hex(secp256k1.recoverPublicKey(compact, sig[0]!, digest)), hex(pubC), `recover round ${round} call ${i}`);
    }
    // One signature recovered again and again: its R point's table is kept and widened.
    const digest = crypto.randomBytes(32);
    const sig = noble.sign(digest, sk, { prehash: false, format: 'recovered' });
    for (let i = 0; i < run; i++) {
      assert.equal(hex(secp256k1.recoverPublicKey(sig.subarray(1), sig[0]!, digest, false)), hex(pubU), `recover again ${i}`);
    }
  }
});
