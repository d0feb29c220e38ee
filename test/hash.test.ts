// SHA-256, SHA-512, RIPEMD-160, HMAC-SHA256/512, HKDF-SHA256 and
// PBKDF2-HMAC-SHA512 from the WASM core: official vectors, then properties
// against node's crypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { init, sha256, sha512, hmacSha256, hmacSha512, hkdfSha256, pbkdf2Sha512, ripemd160, hash160 } from 'vaultkey/core';
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

test('RFC 4231 §4.2-4.8: HMAC-SHA-256 test cases 1-7', () => {
  const seq = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => from + i);
  const cases: [Uint8Array, Uint8Array, string][] = [
    [new Uint8Array(20).fill(0x0b), ascii('Hi There'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
    [ascii('Jefe'), ascii('what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
    [new Uint8Array(20).fill(0xaa), new Uint8Array(50).fill(0xdd), '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe'],
    [seq(1, 25), new Uint8Array(50).fill(0xcd), '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b'],
    // Test case 5 gives the tag truncated to 128 bits (RFC 4231 §4.6).
    [new Uint8Array(20).fill(0x0c), ascii('Test With Truncation'), 'a3b6167473100ee06e0c796c2955552b'],
    // 131-byte keys: longer than the 64-byte block, hashed first (RFC 2104 §2).
    [
      new Uint8Array(131).fill(0xaa),
      ascii('Test Using Larger Than Block-Size Key - Hash Key First'),
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    ],
    [
      new Uint8Array(131).fill(0xaa),
      ascii(
        'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
      ),
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    ],
  ];
  for (const [i, [key, data, want]] of cases.entries()) {
    assert.equal(hex(hmacSha256(key, data)).slice(0, want.length), want, `test case ${i + 1}`);
  }
});

test('Wycheproof hmac_sha256_test.json', () => {
  const file = wycheproof('hmac_sha256_test.json');
  let checked = 0;
  for (const group of file.testGroups) {
    for (const t of group.tests) {
      const tag = hmacSha256(unhex(t.key), unhex(t.msg)).subarray(0, group.tagSize / 8);
      // Full-length and truncated tags; every "valid" must match, every "invalid" must not.
      assert.equal(hex(tag) === t.tag, t.result === 'valid', `tcId ${t.tcId}: ${t.comment}`);
      checked++;
    }
  }
  assert.equal(checked, file.numberOfTests);
});

test('RFC 5869 Appendix A.1-A.3: HKDF-SHA-256 test cases 1-3 (PRK and OKM)', () => {
  const seq = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => from + i);
  const ikm = new Uint8Array(22).fill(0x0b);
  const cases: { ikm: Uint8Array; salt: Uint8Array; info: Uint8Array; L: number; prk: string; okm: string }[] = [
    {
      ikm,
      salt: seq(0x00, 13),
      info: seq(0xf0, 10),
      L: 42,
      prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
      okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    },
    {
      ikm: seq(0x00, 80),
      salt: seq(0x60, 80),
      info: seq(0xb0, 80),
      L: 82,
      prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
      okm: 'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
    },
    {
      // Salt and info empty: the salt acts as HashLen zero bytes (RFC 5869 §2.2).
      ikm,
      salt: new Uint8Array(0),
      info: new Uint8Array(0),
      L: 42,
      prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
      okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    },
  ];
  for (const [i, c] of cases.entries()) {
    // PRK = HMAC-Hash(salt, IKM) (§2.2): the extract step on its own.
    assert.equal(hex(hmacSha256(c.salt, c.ikm)), c.prk, `test case ${i + 1} PRK`);
    assert.equal(hex(hkdfSha256(c.ikm, c.salt, c.info, c.L)), c.okm, `test case ${i + 1} OKM`);
  }
  assert.equal(hex(hkdfSha256(ikm, new Uint8Array(32), new Uint8Array(0), 42)), cases[2]!.okm, 'empty salt = 32 zero bytes');
});

test('Wycheproof hkdf_sha256_test.json', () => {
  const file = wycheproof('hkdf_sha256_test.json');
  let checked = 0;
  for (const group of file.testGroups) {
    for (const t of group.tests) {
      const args = [unhex(t.ikm), unhex(t.salt), unhex(t.info), t.size] as const;
      if (t.result === 'valid') {
        assert.equal(hex(hkdfSha256(...args)), t.okm, `tcId ${t.tcId}: ${t.comment}`);
      } else {
        // The invalid cases ask for more than 255 blocks (RFC 5869 §2.3): refused, never truncated.
        assert.deepEqual(t.flags, ['SizeTooLarge'], `tcId ${t.tcId}`);
        assert.equal(
          code(() => hkdfSha256(...args)),
          'INVALID_ARGUMENT',
          `tcId ${t.tcId}: ${t.comment}`,
        );
      }
      checked++;
    }
  }
  assert.equal(checked, file.numberOfTests);
});

test('property: HMAC-SHA256 and HKDF-SHA256 against node:crypto on random inputs', () => {
  // Key lengths around the 64-byte block (63/64/65: padded, exact, hashed first) are forced in.
  const keyLens = [0, 1, 32, 63, 64, 65, 128, 200];
  for (let i = 0; i < 500; i++) {
    const key = crypto.randomBytes(keyLens[i] ?? crypto.randomInt(0, 300));
    const data = crypto.randomBytes(crypto.randomInt(0, 1001));
    assert.equal(
      hex(hmacSha256(key, data)),
      crypto.createHmac('sha256', key).update(data).digest('hex'),
      `hmac key ${key.length} data ${data.length}`,
    );
  }
  // Lengths that end inside, at and after a 32-byte block, and the 255-block maximum.
  const lens = [1, 31, 32, 33, 64, 65, 8159, 8160];
  for (let i = 0; i < 300; i++) {
    const ikm = crypto.randomBytes(crypto.randomInt(1, 200));
    const salt = crypto.randomBytes(crypto.randomInt(0, 150));
    const info = crypto.randomBytes(crypto.randomInt(0, 300));
    const L = lens[i] ?? crypto.randomInt(1, 400);
    assert.equal(
      hex(hkdfSha256(ikm, salt, info, L)),
      Buffer.from(crypto.hkdfSync('sha256', ikm, salt, info, L)).toString('hex'),
      `hkdf ikm ${ikm.length} salt ${salt.length} info ${info.length} L ${L}`,
    );
  }
});

test('HKDF-SHA256 output length bounds (RFC 5869 §2.3: L <= 255 * HashLen)', () => {
  const b = new Uint8Array(16);
  assert.equal(hkdfSha256(b, b, b, 0).length, 0);
  assert.equal(hkdfSha256(b, b, b, 8160).length, 8160);
  for (const bad of [8161, -1, 1.5, NaN, 2 ** 32]) {
    assert.equal(
      code(() => hkdfSha256(b, b, b, bad)),
      'INVALID_ARGUMENT',
      String(bad),
    );
  }
  for (const [name, args] of [
    ['ikm', ['x', b, b, 32]],
    ['salt', [b, undefined, b, 32]],
    ['info', [b, b, [1], 32]],
  ] as const) {
    assert.equal(
      code(() => (hkdfSha256 as any)(...args)),
      'INVALID_ARGUMENT',
      name,
    );
  }
  assert.equal(
    code(() => hmacSha256(b, 'data' as any)),
    'INVALID_ARGUMENT',
  );
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
  const ref256 = hashMod.hmacSha256(marker, ascii('data'));
  const okm = hashMod.hkdfSha256(marker, ascii('salt'), ascii('info'), 100);
  const prk = crypto.createHmac('sha256', 'salt').update(marker).digest();
  const memory = Buffer.from(wasmMod.mem());
  assert.equal(memory.indexOf(marker), -1, 'key bytes left in linear memory');
  assert.equal(memory.indexOf(Buffer.from(ref)), -1, 'HMAC output left in linear memory');
  assert.equal(memory.indexOf(Buffer.from(ref256)), -1, 'HMAC-SHA256 output left in linear memory');
  assert.equal(memory.indexOf(prk), -1, 'HKDF pseudorandom key left in linear memory');
  assert.equal(memory.indexOf(Buffer.from(okm.subarray(64))), -1, 'HKDF output left in linear memory');
  // Control: the same search finds a value that is deliberately left in memory (publicKeyConvert
  // takes public data only, so its input stays in this module's IO area).
  const secpMod = await import('../src/core/secp256k1.ts');
  const pub = secpMod.secp256k1.getPublicKey(crypto.randomBytes(32), false);
  secpMod.secp256k1.publicKeyConvert(pub);
  assert.notEqual(Buffer.from(wasmMod.mem()).indexOf(Buffer.from(pub)), -1);
  // ...and hash inputs are treated as secret (a seed or a key is often hashed): gone too.
  const hashed = crypto.randomBytes(24);
  hashMod.sha256(hashed);
  assert.equal(Buffer.from(wasmMod.mem()).indexOf(hashed), -1);
});
