// Keccak-256 from the WASM core (Ethereum's: the original Keccak padding, not
// SHA3-256): the Keccak team's known answers, known Ethereum values, then
// random inputs against @noble/hashes across the 136-byte rate boundary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { secp256k1 as noble } from '@noble/curves/secp256k1.js';
import { init, keccak256 } from 'vaultkey/core';
import { hex, readVector, unhex } from './helpers/vectors.ts';
import { errorCode as code } from './helpers/errors.ts';

await init();
const ascii = (s: string) => new TextEncoder().encode(s);

test('ShortMsgKAT_256 (Keccak team, round-3 KAT): every byte-aligned message of 0 to 255 bytes', () => {
  const kat = readVector('keccak/ShortMsgKAT_256.txt');
  let checked = 0;
  for (const m of kat.matchAll(/^Len = (\d+)\r?\nMsg = ([0-9A-F]+)\r?\nMD = ([0-9A-F]{64})$/gm)) {
    const bits = Number(m[1]);
    assert.equal(bits % 8, 0, 'this file holds byte-aligned messages only');
    // Len = 0 is written with Msg = 00: the length decides how many bytes count.
    const msg = unhex(m[2]!).subarray(0, bits / 8);
    assert.equal(hex(keccak256(msg)), m[3]!.toLowerCase(), `Len = ${bits}`);
    checked++;
  }
  assert.equal(checked, 256);
});

test('known Ethereum values', () => {
  assert.equal(hex(keccak256(new Uint8Array(0))), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
  assert.equal(hex(keccak256(ascii('hello'))), '1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8');
  // The ERC-20 selectors: the first 4 bytes of the hash of the signature.
  assert.equal(hex(keccak256(ascii('transfer(address,uint256)')).subarray(0, 4)), 'a9059cbb');
  assert.equal(hex(keccak256(ascii('balanceOf(address)')).subarray(0, 4)), '70a08231');
  // The address of private key 1: the last 20 bytes of the hash of the uncompressed point without 0x04.
  const pub = noble.getPublicKey(unhex('00'.repeat(31) + '01'), false);
  assert.equal(hex(keccak256(pub.subarray(1)).subarray(12)), '7e5f4552091a69125d5dfcb7b8c2659029395bdf');
});

test('not SHA3-256: the padding differs, so every digest does', () => {
  for (const n of [0, 1, 32, 135, 136, 137]) {
    const data = crypto.randomBytes(n);
    assert.notEqual(hex(keccak256(data)), crypto.createHash('sha3-256').update(data).digest('hex'), `len ${n}`);
  }
});

test('property: every length 0..600 against @noble/hashes keccak_256 (rate 136: one to five blocks)', () => {
  for (let n = 0; n <= 600; n++) {
    const data = crypto.randomBytes(n);
    assert.equal(hex(keccak256(data)), hex(keccak_256(data)), `len ${n}`);
  }
  // Longer inputs and unaligned views (the WASM copy starts at BUF either way).
  for (const n of [1087, 1088, 4096, 65_537]) {
    const buf = crypto.randomBytes(n + 3);
    const data = new Uint8Array(buf.buffer, buf.byteOffset + 3, n);
    assert.equal(hex(keccak256(data)), hex(keccak_256(data)), `len ${n}`);
  }
});

test('the input is not modified, and bad input gives INVALID_ARGUMENT', () => {
  const data = crypto.randomBytes(200);
  const copy = Uint8Array.from(data);
  keccak256(data);
  assert.deepEqual(new Uint8Array(data), copy);
  assert.equal(
    code(() => keccak256('abc' as any)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => keccak256([1, 2] as any)),
    'INVALID_ARGUMENT',
  );
});
