// P-256 (secp256r1) from its constant-time WASM module: Wycheproof ECDSA
// (DER), properties against @noble/curves and node:crypto on random inputs
// (public keys, RFC 6979 signatures byte for byte, verification, the
// SLIP-0010 tweaks, key encodings), and the error codes of bad input.
//
// RFC 6979 §A.2.5 (the P-256 vectors) is not vendored in test/vectors/: the
// nonces are checked against @noble/curves, which implements RFC 6979 on
// its own, on 200 random keys and digests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { p256 as noble } from '@noble/curves/nist.js';
import { init, p256, sha256 } from 'vaultkey/core';
import { hex, unhex, wycheproof } from './helpers/vectors.ts';
import { errorCode as code } from './helpers/errors.ts';

await init();

// FIPS 186-4 §D.1.2.3
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const big = (b: Uint8Array) => BigInt('0x' + (hex(b) || '0'));
const be32 = (x: bigint) => unhex(x.toString(16).padStart(64, '0'));
const rnd = (n: number) => new Uint8Array(crypto.randomBytes(n));
const isHighS = (sig: Uint8Array) => big(sig.subarray(32)) > N / 2n;
/** A random private key in [1, n-1] (by rejection, as a key generator would). */
function randomKey(): Uint8Array {
  for (;;) {
    const k = rnd(32);
    const x = big(k);
    if (x > 0n && x < N) return k;
  }
}

test('Wycheproof ecdsa_secp256r1_sha256_test.json (DER signatures)', () => {
  // Every "valid" case verifies (with the compressed key too); every
  // "invalid" one is rejected, by the strict DER parser (INVALID_SIGNATURE)
  // or by verify. The file has no "acceptable" cases; any would count as rejected.
  const file = wycheproof('ecdsa_secp256r1_sha256_test.json');
  let checked = 0;
  let accepted = 0;
  let highS = 0;
  for (const group of file.testGroups) {
    const pub = unhex(group.publicKey.uncompressed);
    assert.equal(p256.isValidPublicKey(pub), true, 'group key parses');
    const pubC = p256.publicKeyConvert(pub, true);
    assert.equal(hex(pubC), hex(noble.Point.fromHex(group.publicKey.uncompressed).toBytes(true)));
    for (const t of group.tests) {
      const digest = sha256(unhex(t.msg));
      const want = t.result === 'valid';
      let ok = false;
      let okC = false;
      let sig: Uint8Array | undefined;
      try {
        sig = p256.signatureFromDER(unhex(t.sig));
      } catch {
        assert.equal(
          code(() => p256.signatureFromDER(unhex(t.sig))),
          'INVALID_SIGNATURE',
          `tcId ${t.tcId}`,
        );
      }
      if (sig) {
        ok = p256.verify(sig, digest, pub);
        okC = p256.verify(sig, digest, pubC);
        // The lowS option rejects exactly the high-S among the valid ones.
        assert.equal(p256.verify(sig, digest, pub, { lowS: true }), ok && !isHighS(sig), `tcId ${t.tcId} (lowS)`);
      }
      assert.equal(ok, want, `tcId ${t.tcId}: ${t.comment}`);
      assert.equal(okC, want, `tcId ${t.tcId} (compressed key)`);
      if (want) accepted++;
      if (want && isHighS(sig!)) highS++;
      checked++;
    }
  }
  assert.equal(checked, file.numberOfTests);
  assert.ok(accepted > 100 && highS > 0, `accepted ${accepted}, high-S valid ${highS}`);
});

test('200 random keys: public keys, RFC 6979 signatures and verification match @noble/curves and node:crypto', () => {
  for (let i = 0; i < 200; i++) {
    const sk = randomKey();
    const pub = p256.getPublicKey(sk);
    const pubU = p256.getPublicKey(sk, false);
    assert.equal(hex(pub), hex(noble.getPublicKey(sk, true)), 'compressed public key');
    assert.equal(hex(pubU), hex(noble.getPublicKey(sk, false)), 'uncompressed public key');
    assert.equal(hex(p256.publicKeyConvert(pubU, true)), hex(pub));
    assert.equal(hex(p256.publicKeyConvert(pub, false)), hex(pubU));
    assert.equal(p256.isValidPrivateKey(sk), true);

    const msg = rnd(1 + (i % 80));
    const digest = sha256(msg);
    // RFC 6979 makes the signature a function of (key, digest): byte-identical.
    const sig = p256.sign(digest, sk);
    assert.equal(hex(sig), hex(noble.sign(digest, sk, { prehash: false, lowS: false })), 'RFC 6979 signature');
    const low = p256.sign(digest, sk, { lowS: true });
    assert.equal(hex(low), hex(noble.sign(digest, sk, { prehash: false, lowS: true })), 'low-S signature');
    assert.ok(!isHighS(low));
    assert.equal(hex(low.subarray(0, 32)), hex(sig.subarray(0, 32)));

    assert.equal(p256.verify(sig, digest, pub), true);
    assert.equal(p256.verify(sig, digest, pubU), true);
    // node:crypto verifies our signature over the message (its SHA-256 is the digest).
    const spki = crypto.createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: b64u(pubU.subarray(1, 33)), y: b64u(pubU.subarray(33)) },
      format: 'jwk',
    });
    assert.equal(crypto.verify('sha256', msg, { key: spki, dsaEncoding: 'ieee-p1363' }, sig), true, 'node:crypto accepts it');
    // And we accept node:crypto's (random-nonce) signature of the same message.
    const jwk = { kty: 'EC', crv: 'P-256', d: b64u(sk), x: b64u(pubU.subarray(1, 33)), y: b64u(pubU.subarray(33)) };
    const theirs = crypto.sign('sha256', msg, { key: crypto.createPrivateKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' });
    assert.equal(p256.verify(new Uint8Array(theirs), digest, pub), true, 'a node:crypto signature verifies');

    // Any change is rejected: one bit of the digest, of r, of s, another key.
    const bad = Uint8Array.from(digest);
    bad[i % 32]! ^= 1 << (i % 8);
    assert.equal(p256.verify(sig, bad, pub), false);
    const badSig = Uint8Array.from(sig);
    badSig[(i * 7) % 64]! ^= 1;
    assert.equal(p256.verify(badSig, digest, pub), noble.verify(badSig, digest, pub, { prehash: false, lowS: false }));
    assert.equal(p256.verify(sig, digest, noble.getPublicKey(randomKey())), false);

    // DER round trip (the same strict X.690 codec as secp256k1).
    assert.equal(hex(p256.signatureFromDER(p256.signatureToDER(sig))), hex(sig));
  }
});

function b64u(b: Uint8Array): string {
  return Buffer.from(b).toString('base64url');
}

test('200 random SLIP-0010 tweaks: privateAdd and publicAdd match BigInt and @noble/curves', () => {
  for (let i = 0; i < 200; i++) {
    const sk = randomKey();
    const tweak = i % 50 === 0 ? new Uint8Array(32) : randomKey();
    const sum = p256.privateAdd(sk, tweak);
    assert.equal(big(sum), (big(sk) + big(tweak)) % N);
    const pub = p256.getPublicKey(sk, i % 2 === 0);
    const t = big(tweak);
    const K = noble.Point.fromBytes(pub);
    const want = t === 0n ? K : K.add(noble.Point.BASE.multiply(t)); // noble refuses multiply(0)
    assert.equal(hex(p256.publicAdd(pub, tweak)), hex(want.toBytes(true)));
    assert.equal(hex(p256.publicAdd(pub, tweak, false)), hex(want.toBytes(false)));
    // The two steps agree: (k + t) G = K + t G.
    assert.equal(hex(p256.publicAdd(pub, tweak)), hex(p256.getPublicKey(sum)));
  }
});

test('edge cases of the tweaks: tweak >= n, a zero sum, the point at infinity, t G = K (doubling)', () => {
  const sk = randomKey();
  const pub = p256.getPublicKey(sk);
  assert.equal(
    code(() => p256.privateAdd(sk, be32(N))),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => p256.privateAdd(sk, be32(N - big(sk)))),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => p256.privateAdd(be32(N), be32(1n))),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => p256.publicAdd(pub, be32(N))),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => p256.publicAdd(pub, be32(N - big(sk)))),
    'INVALID_KEY',
    'K + (n - k) G is the point at infinity',
  );
  // t = k: K + kG = 2K, the doubling case the complete formula covers without a branch.
  assert.equal(hex(p256.publicAdd(pub, sk)), hex(noble.Point.fromBytes(pub).double().toBytes(true)));
  assert.equal(hex(p256.privateAdd(sk, be32(N - 1n))), hex(be32(big(sk) - 1n)));
});

test('private keys: 0, n and above are INVALID_KEY; n - 1 and 1 work', () => {
  for (const k of [0n, N, N + 1n, 2n ** 256n - 1n]) {
    const b = be32(k);
    assert.equal(p256.isValidPrivateKey(b), false);
    assert.equal(
      code(() => p256.getPublicKey(b)),
      'INVALID_KEY',
    );
    assert.equal(
      code(() => p256.sign(new Uint8Array(32), b)),
      'INVALID_KEY',
    );
  }
  for (const k of [1n, 2n, N - 1n]) {
    assert.equal(hex(p256.getPublicKey(be32(k), false)), hex(noble.getPublicKey(be32(k), false)));
    const d = rnd(32);
    assert.equal(hex(p256.sign(d, be32(k))), hex(noble.sign(d, be32(k), { prehash: false, lowS: false })));
  }
  // A digest >= n is reduced (RFC 6979 §2.3.4 bits2octets, SEC 1 §4.1.3 step 5).
  const sk = randomKey();
  const d = be32(2n ** 256n - 1n);
  assert.equal(hex(p256.sign(d, sk)), hex(noble.sign(d, sk, { prehash: false, lowS: false })));
  assert.equal(p256.verify(p256.sign(d, sk), d, p256.getPublicKey(sk)), true);
});

test('public keys: prefixes, coordinates >= p, points off the curve, x with no square root', () => {
  const pubU = p256.getPublicKey(randomKey(), false);
  const bad: [string, Uint8Array][] = [
    ['prefix 05', Uint8Array.of(5, ...pubU.subarray(1, 33))],
    ['hybrid 06', Uint8Array.of(6, ...pubU.subarray(1))],
    ['identity 00', new Uint8Array(33)],
    ['x = p', Uint8Array.of(2, ...be32(P))],
    ['x = 2^256 - 1', Uint8Array.of(3, ...be32(2n ** 256n - 1n))],
    ['y + p', Uint8Array.of(4, ...pubU.subarray(1, 33), ...be32(big(pubU.subarray(33)) + P < 2n ** 256n ? big(pubU.subarray(33)) + P : P))],
    ['y + 1 (off the curve)', Uint8Array.of(4, ...pubU.subarray(1, 33), ...be32((big(pubU.subarray(33)) + 1n) % P))],
    ['02 with 65 bytes', Uint8Array.of(2, ...pubU.subarray(1))],
    ['04 with 33 bytes', Uint8Array.of(4, ...pubU.subarray(1, 33))],
  ];
  // An x for which x^3 - 3x + b is not a square (about half of all x).
  for (let x = 1n; ; x++) {
    let on = true;
    try {
      noble.Point.fromBytes(Uint8Array.of(2, ...be32(x)));
    } catch {
      on = false;
    }
    if (!on) {
      bad.push([`x = ${x} (no square root)`, Uint8Array.of(2, ...be32(x))]);
      break;
    }
  }
  const sig = p256.sign(new Uint8Array(32), randomKey());
  for (const [what, key] of bad) {
    assert.equal(p256.isValidPublicKey(key), false, what);
    assert.equal(
      code(() => p256.publicKeyConvert(key)),
      'INVALID_KEY',
      what,
    );
    assert.equal(
      code(() => p256.publicAdd(key, be32(1n))),
      'INVALID_KEY',
      what,
    );
    assert.equal(p256.verify(sig, new Uint8Array(32), key), false, what);
  }
  assert.equal(
    code(() => p256.publicKeyConvert(new Uint8Array(34))),
    'INVALID_LENGTH',
  );
  assert.equal(p256.isValidPublicKey(new Uint8Array(34)), false);
});

test('verify: r or s of 0 or >= n is false; argument errors are typed', () => {
  const sk = randomKey();
  const pub = p256.getPublicKey(sk);
  const d = rnd(32);
  const sig = p256.sign(d, sk);
  const r = sig.subarray(0, 32);
  const s = sig.subarray(32);
  for (const [rr, ss] of [
    [new Uint8Array(32), s],
    [r, new Uint8Array(32)],
    [be32(big(r) + N < 2n ** 256n ? big(r) + N : N), s],
    [r, be32(big(s) + N < 2n ** 256n ? big(s) + N : N)],
  ]) {
    assert.equal(p256.verify(Uint8Array.of(...rr!, ...ss!), d, pub), false);
  }
  // The negated s is valid too (no low-S rule), unless lowS is asked for.
  const neg = Uint8Array.of(...r, ...be32(N - big(s)));
  assert.equal(p256.verify(neg, d, pub), true);
  assert.equal(p256.verify(neg, d, pub, { lowS: true }), !isHighS(neg));
  assert.equal(
    code(() => p256.verify(sig.subarray(1), d, pub)),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => p256.verify(sig, d.subarray(1), pub)),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => p256.verify(sig, d, pub, null as any)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => p256.sign(d, sk, { lowS: 1 as any })),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => p256.sign('x' as any, sk)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => p256.getPublicKey(sk, 'yes' as any)),
    'INVALID_ARGUMENT',
  );
  p256.precompute();
});
