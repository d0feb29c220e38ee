// Keccak-256 from the WASM core (Ethereum's: the original Keccak padding, not
// SHA3-256): the Keccak team's known answers, known Ethereum values, then
// random inputs against @noble/hashes across the 136-byte rate boundary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { secp256k1 as noble } from '@noble/curves/secp256k1.js';
import { init, keccak256, toChecksumAddress } from 'vaultkey/core';
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

test('EIP-55 examples: the checksum casing is the Keccak-256 of the lowercase hex', () => {
  // The examples of EIP-55 §Test Cases (all caps, all lower, mixed).
  for (const addr of [
    '0x52908400098527886E0F7030069857D2E4169EE7',
    '0x8617E340B3D01FA5F11F306F4090FD50E238070D',
    '0xde709f2102306220921060314715629080e2fb77',
    '0x27b1fdb04752bbc536007a920d24acb045561c26',
    '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
    '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
    '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
  ]) {
    assert.equal(toChecksumAddress(unhex(addr.slice(2).toLowerCase())), addr);
  }
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
