// src/bytes.ts, the one home of the byte helpers, against node's Buffer on
// random inputs, and bad input -> a VaultkeyError with the caller's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { b64url, bytesEqual, fromB64url, fromHex, toHex, utf8 } from '../src/bytes.ts';
import { VaultkeyError } from '../src/errors.ts';

test('hex and base64url round-trip and match Buffer on random inputs', () => {
  for (let n = 0; n < 300; n++) {
    const b = randomBytes(n % 97);
    assert.equal(toHex(b), b.toString('hex'));
    assert.deepEqual(fromHex(b.toString('hex'), 'x'), new Uint8Array(b));
    assert.deepEqual(fromHex('0x' + b.toString('hex').toUpperCase(), 'x', 'INVALID_ARGUMENT', { lenient: true }), new Uint8Array(b));
    assert.equal(b64url(b), b.toString('base64url'));
    assert.deepEqual(fromB64url(b.toString('base64url')), new Uint8Array(b));
  }
  assert.deepEqual(utf8('é'), new Uint8Array([0xc3, 0xa9]));
});

test('bad hex and base64url are VaultkeyErrors with the code the caller gives', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof VaultkeyError);
      return e.code;
    }
    return 'accepted';
  };
  for (const bad of ['abc', 'zz', 'AB', '0xab', null, 42, {}])
    assert.equal(
      code(() => fromHex(bad, 'x')),
      'INVALID_ARGUMENT',
      String(bad),
    );
  assert.equal(
    code(() => fromHex('AB', 'x', 'CORRUPTED')),
    'CORRUPTED',
  );
  assert.equal(
    code(() => fromHex('0xg0', 'x', 'INVALID_ARGUMENT', { lenient: true })),
    'INVALID_ARGUMENT',
  );
  // 'AAAAA' has an impossible length (a DOMException from atob before): now typed, with the caller's code.
  for (const bad of ['AAAAA', 'a+b/', '!!', null, 7])
    assert.equal(
      code(() => fromB64url(bad, 'credentialId', 'CORRUPTED')),
      'CORRUPTED',
      String(bad),
    );
});

test('bytesEqual: equal, different, different lengths', () => {
  const a = randomBytes(32);
  assert.equal(bytesEqual(a, Uint8Array.from(a)), true);
  for (let i = 0; i < 32; i++) {
    const b = Uint8Array.from(a);
    b[i]! ^= 1;
    assert.equal(bytesEqual(a, b), false);
  }
  assert.equal(bytesEqual(a, a.subarray(1)), false);
  assert.equal(bytesEqual(new Uint8Array(0), new Uint8Array(0)), true);
});
