// Hashing rows: HMAC-SHA512 on 37 bytes (a BIP-32 step's
// input), HMAC-SHA256 on 256 bytes (a vault record MAC over its canonical
// JSON), HKDF-SHA256 of a 32-byte key to 32 bytes (a vault subkey),
// SHA-512 on 1 KiB, Keccak-256 on 64 bytes (an Ethereum address's input) and
// 1 KiB, PBKDF2-HMAC-SHA512 x2048 (a BIP-39 seed).
import crypto from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import { pbkdf2 as noblePbkdf2 } from '@noble/hashes/pbkdf2.js';
import { createHMAC, createKeccak, createSHA512, pbkdf2 as hwPbkdf2, sha512 as hwSha512 } from 'hash-wasm';
import * as vk from 'vaultkey/core';
import { group } from './harness.ts';

export default async function hashBench(): Promise<void> {
  await vk.init();
  const key = crypto.randomBytes(32);
  const msg37 = crypto.randomBytes(37);
  const kib = crypto.randomBytes(1024);
  const hwHmac = await createHMAC(createSHA512(), key);
  const subtle = globalThis.crypto.subtle;
  const hmacKey = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-512' }, false, ['sign']);

  await group('HMAC-SHA512, 37-byte message', [
    { lib: 'vaultkey (wasm)', fn: () => vk.hmacSha512(key, msg37) },
    { lib: '@noble/hashes', fn: () => hmac(nobleSha512, key, msg37) },
    { lib: 'hash-wasm', fn: () => (hwHmac.init(), hwHmac.update(msg37), hwHmac.digest('binary')) },
    { lib: 'node:crypto', fn: () => crypto.createHmac('sha512', key).update(msg37).digest() },
    { lib: 'WebCrypto (async)', fn: () => subtle.sign('HMAC', hmacKey, msg37) },
  ]);

  const msg256 = crypto.randomBytes(256);
  const hmac256Key = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  await group('HMAC-SHA256, 256-byte message', [
    { lib: 'vaultkey (wasm)', fn: () => vk.hmacSha256(key, msg256) },
    { lib: '@noble/hashes', fn: () => hmac(nobleSha256, key, msg256) },
    { lib: 'node:crypto', fn: () => crypto.createHmac('sha256', key).update(msg256).digest() },
    { lib: 'WebCrypto (async)', fn: () => subtle.sign('HMAC', hmac256Key, msg256) },
  ]);

  const info = new TextEncoder().encode('vaultkey/v1 bench subkey');
  const noSalt = new Uint8Array(0);
  const hkdfKey = await subtle.importKey('raw', key, 'HKDF', false, ['deriveBits']);
  await group('HKDF-SHA256, 32-byte key to 32 bytes', [
    { lib: 'vaultkey (wasm)', fn: () => vk.hkdfSha256(key, noSalt, info, 32) },
    { lib: '@noble/hashes', fn: () => nobleHkdf(nobleSha256, key, noSalt, info, 32) },
    { lib: 'node:crypto hkdfSync', fn: () => crypto.hkdfSync('sha256', key, noSalt, info, 32) },
    {
      lib: 'WebCrypto deriveBits (async)',
      fn: () => subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: noSalt, info }, hkdfKey, 256),
    },
  ]);

  await group('SHA-512, 1 KiB', [
    { lib: 'vaultkey (wasm)', fn: () => vk.sha512(kib) },
    { lib: '@noble/hashes', fn: () => nobleSha512(kib) },
    { lib: 'hash-wasm', fn: () => hwSha512(kib) },
    { lib: 'node:crypto', fn: () => crypto.createHash('sha512').update(kib).digest() },
    { lib: 'WebCrypto (async)', fn: () => subtle.digest('SHA-512', kib) },
  ]);

  // node:crypto and WebCrypto have SHA3-256 only, not Ethereum's Keccak-256.
  const hwKeccak = await createKeccak(256);
  const pub64 = crypto.randomBytes(64);
  for (const [name, data] of [
    ['Keccak-256, 64 bytes (an Ethereum address)', pub64],
    ['Keccak-256, 1 KiB', kib],
  ] as const) {
    await group(name, [
      { lib: 'vaultkey (wasm)', fn: () => vk.keccak256(data) },
      { lib: '@noble/hashes', fn: () => keccak_256(data) },
      { lib: 'hash-wasm', fn: () => hwKeccak.init().update(data).digest('binary') },
    ]);
  }

  const mnemonic = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
  const pw = new TextEncoder().encode(mnemonic);
  const salt = new TextEncoder().encode('mnemonicTREZOR');
  const pwKey = await subtle.importKey('raw', pw, 'PBKDF2', false, ['deriveBits']);
  await vk.mnemonicToSeed(mnemonic, 'TREZOR'); // settles the run-time PBKDF2 choice
  await group(
    'PBKDF2-HMAC-SHA512 x2048 (BIP-39 seed)',
    [
      { lib: 'vaultkey pbkdf2Sha512 (wasm)', fn: () => vk.pbkdf2Sha512(pw, salt, 2048, 64) },
      { lib: `vaultkey mnemonicToSeed (${vk.pbkdf2Backend()})`, fn: () => vk.mnemonicToSeed(mnemonic, 'TREZOR') },
      { lib: '@noble/hashes', fn: () => noblePbkdf2(nobleSha512, pw, salt, { c: 2048, dkLen: 64 }) },
      {
        lib: 'hash-wasm',
        fn: () => hwPbkdf2({ password: pw, salt, iterations: 2048, hashLength: 64, hashFunction: createSHA512(), outputType: 'binary' }),
      },
      { lib: 'node:crypto pbkdf2Sync', fn: () => crypto.pbkdf2Sync(pw, salt, 2048, 64, 'sha512') },
      {
        lib: 'WebCrypto deriveBits (async)',
        fn: () => subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-512', salt, iterations: 2048 }, pwKey, 512),
      },
    ],
    { ms: 400 },
  );
}
