// Argon2id: vaultkey's own WASM (assembly/argon2/, src/core/argon2-wasm.ts)
// and the argon2id() entry point of src/core/argon2.ts. The RFC 9106 vector,
// then properties against two independent implementations: hash-wasm (C
// ported from Go's x/crypto/argon2, in WASM; it takes the secret K but not
// associated data) and @noble/hashes (pure JS; it takes K and X).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { argon2id as hwArgon2id } from 'hash-wasm';
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import { argon2id } from '../src/core/argon2.ts';
import { argon2idWasm } from '../src/core/argon2-wasm.ts';
import { VaultkeyError } from '../src/errors.ts';
import argon2Base64 from '../build/argon2-inline.js';
import { hex } from './helpers/vectors.ts';
import { gunzipSync } from 'node:zlib';

const fill = (n: number, b: number) => new Uint8Array(n).fill(b);
const rnd = (n: number) => new Uint8Array(crypto.randomBytes(n));
const int = (lo: number, hi: number) => crypto.randomInt(lo, hi + 1);
const code = (c: string) => (e: unknown) => e instanceof VaultkeyError && e.code === c;

function hashWasm(password: Uint8Array, salt: Uint8Array, t: number, m: number, p: number, dkLen: number, secret?: Uint8Array) {
  return hwArgon2id({ password, salt, secret, iterations: t, memorySize: m, parallelism: p, hashLength: dkLen, outputType: 'binary' });
}

test('RFC 9106 §5.3 Argon2id test vector', async () => {
  // Version 0x13, memory 32 KiB, 3 passes, 4 lanes, 32-byte tag; P = 32 x 01,
  // S = 16 x 02, K = 8 x 03, X = 12 x 04 (RFC 9106 §5.3).
  const tag = await argon2idWasm(fill(32, 0x01), fill(16, 0x02), {
    t: 3,
    m: 32,
    p: 4,
    dkLen: 32,
    secret: fill(8, 0x03),
    ad: fill(12, 0x04),
  });
  assert.equal(hex(tag), '0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659');
});

test('matches hash-wasm on 50 random parameter sets', async () => {
  let withSecret = 0;
  for (let i = 0; i < 50; i++) {
    const p = int(1, 4);
    const t = int(1, 3);
    const m = int(8 * p, 1024);
    const dkLen = int(4, 100);
    const password = rnd(int(1, 64)); // hash-wasm refuses an empty password (the noble test has one)
    const salt = rnd(int(8, 32));
    const secret = i % 2 ? rnd(int(1, 32)) : undefined;
    const label = `case ${i}: t=${t} m=${m} p=${p} dkLen=${dkLen} |P|=${password.length} |S|=${salt.length} |K|=${secret?.length ?? 0}`;
    const want = hex(await hashWasm(password, salt, t, m, p, dkLen, secret));
    assert.equal(hex(await argon2idWasm(password, salt, { t, m, p, dkLen, secret })), want, label);
    if (secret) withSecret++;
    // The product entry point has no K; check it on the other half.
    else assert.equal(hex(await argon2id(password, salt, { t, m, p, dkLen })), want, label);
  }
  assert.equal(withSecret, 25);
});

test("associated data and long tags (H' beyond 64 bytes) match @noble/hashes", async () => {
  const cases = [
    { t: 1, m: 8, p: 1, dkLen: 65 },
    { t: 2, m: 64, p: 2, dkLen: 128 },
    { t: 1, m: 96, p: 3, dkLen: 129 },
    { t: 3, m: 256, p: 4, dkLen: 1024 },
    { t: 2, m: 37, p: 1, dkLen: 4 },
  ];
  for (const [i, c] of cases.entries()) {
    const password = rnd(i === 0 ? 0 : int(1, 40));
    const salt = rnd(16);
    const secret = rnd(int(0, 16));
    const ad = rnd(int(1, 48));
    const want = nobleArgon2id(password, salt, { ...c, key: secret, personalization: ad });
    assert.equal(hex(await argon2idWasm(password, salt, { ...c, secret, ad })), hex(want), JSON.stringify(c));
  }
});

test('vault default t=3, m=64 MiB, p=1 matches hash-wasm', async () => {
  const password = rnd(24);
  const salt = rnd(16);
  const want = hex(await hashWasm(password, salt, 3, 65536, 1, 32));
  assert.equal(hex(await argon2idWasm(password, salt, { t: 3, m: 65536, p: 1, dkLen: 32 })), want);
  assert.equal(hex(await argon2id(password, salt, { t: 3, m: 65536, p: 1 })), want);
});

test('progress is monotone, ends at 1, and does not change the result', async () => {
  const password = rnd(16);
  const salt = rnd(16);
  const seen: number[] = [];
  const tag = await argon2idWasm(password, salt, { t: 2, m: 256, p: 2, dkLen: 32, onProgress: (f) => seen.push(f) });
  assert.equal(hex(tag), hex(await hashWasm(password, salt, 2, 256, 2, 32)));
  // One report per slice but the last (k / 4t), then 1 once the tag exists.
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7].map((k) => k / 8).concat(1));

  const outer: number[] = [];
  await argon2id(password, salt, { t: 3, m: 64, p: 1, onProgress: (f) => outer.push(f) });
  assert.equal(outer[0], 0);
  assert.equal(outer.at(-1), 1);
  for (let i = 1; i < outer.length; i++) assert.ok(outer[i]! >= outer[i - 1]!, `progress went back: ${outer}`);
  assert.ok(outer.every((f) => f >= 0 && f <= 1));
});

test('a throwing onProgress aborts the derivation with its own error', async () => {
  const boom = new Error('stop');
  await assert.rejects(
    argon2idWasm(rnd(8), rnd(16), {
      t: 1,
      m: 64,
      p: 1,
      dkLen: 32,
      onProgress: () => {
        throw boom;
      },
    }),
    (e) => e === boom,
  );
});

test('bad arguments are VaultkeyErrors with codes', async () => {
  const pw = rnd(8);
  const salt = rnd(16);
  const ok = { t: 1, m: 64, p: 1 };
  // src/core/argon2.ts checks
  await assert.rejects(argon2id('pw' as any, salt, ok), code('INVALID_ARGUMENT'));
  await assert.rejects(argon2id(pw, [1, 2, 3] as any, ok), code('INVALID_ARGUMENT'));
  await assert.rejects(argon2id(pw, rnd(7), ok), code('INVALID_LENGTH'));
  await assert.rejects(argon2id(pw, salt, undefined as any), code('INVALID_ARGUMENT'));
  for (const bad of [
    { t: 0 },
    { t: 1.5 },
    { t: 101 },
    { t: '3' },
    { p: 0 },
    { p: 17 },
    { p: 2, m: 15 },
    { m: 7 },
    { m: 4 * 1024 * 1024 + 1 },
    { m: NaN },
    { dkLen: 3 },
    { dkLen: 1025 },
    { dkLen: 32.5 },
    { onProgress: 'yes' },
  ]) {
    await assert.rejects(argon2id(pw, salt, { ...ok, ...bad } as any), code('INVALID_ARGUMENT'), JSON.stringify(bad));
  }
  // 4 GiB of blocks cannot fit a 32-bit WASM memory: refused, not crashed.
  await assert.rejects(argon2id(pw, salt, { t: 1, m: 4 * 1024 * 1024, p: 1 }), code('OUT_OF_MEMORY'));

  // argon2idWasm (RFC 9106 §3.1 ranges)
  const wok = { ...ok, dkLen: 32 };
  await assert.rejects(argon2idWasm(pw, salt, { ...wok, secret: 'k' as any }), code('INVALID_ARGUMENT'));
  await assert.rejects(argon2idWasm(pw, salt, { ...wok, ad: [4] as any }), code('INVALID_ARGUMENT'));
  for (const bad of [{ t: 0 }, { t: 2 ** 24 }, { p: 2 ** 24 }, { p: 4, m: 31 }, { dkLen: 3 }, { dkLen: 1025 }, { m: 2 ** 32 }]) {
    await assert.rejects(argon2idWasm(pw, salt, { ...wok, ...bad }), code('INVALID_ARGUMENT'), JSON.stringify(bad));
  }
  await assert.rejects(argon2idWasm(pw, salt, { ...wok, m: 2 ** 32 - 1 }), code('OUT_OF_MEMORY'));
  // The RFC allows an empty salt; the product entry point does not.
  assert.equal((await argon2idWasm(pw, new Uint8Array(0), wok)).length, 32);
});

// The module's own protocol, driven directly so its memory can be inspected.
interface Raw {
  memory: WebAssembly.Memory;
  setup(t: number, m: number, p: number, T: number, pw: number, s: number, k: number, x: number): number;
  start(): number;
  fillSlices(n: number): number;
  finish(): number;
  wipeTag(): void;
  reset(): void;
}
const rawModule = new WebAssembly.Module(gunzipSync(Buffer.from(argon2Base64, 'base64')));
const raw = () => new WebAssembly.Instance(rawModule, {}).exports as unknown as Raw;

test('linear memory is zero again after finish() and after reset()', () => {
  const pristine = new Uint8Array(raw().memory.buffer).slice();
  const password = fill(32, 0xa5);
  const m = 512;
  for (const abandon of [false, true]) {
    const ex = raw();
    const at = ex.setup(2, m, 2, 64, password.length, 16, 8, 4);
    assert.ok(at > 0);
    new Uint8Array(ex.memory.buffer).set([...password, ...fill(16, 2), ...fill(8, 3), ...fill(4, 4)], at);
    assert.equal(ex.start(), 1);
    if (abandon) {
      assert.equal(ex.fillSlices(3), 5);
      ex.reset();
    } else {
      assert.equal(ex.fillSlices(100), 0);
      const tagAt = ex.finish();
      assert.ok(tagAt > 0);
      assert.ok(new Uint8Array(ex.memory.buffer, tagAt, 64).some((b) => b !== 0));
      ex.wipeTag();
    }
    // Everything below the blocks is the module's constant data again; the
    // blocks and the input area are zero.
    const mem = new Uint8Array(ex.memory.buffer);
    const blocks = at - m * 1024;
    const lo = Math.min(blocks, pristine.length);
    assert.ok(Buffer.from(mem.subarray(0, lo)).equals(pristine.subarray(0, lo)), 'static data and scratch');
    assert.ok(
      mem.subarray(blocks).every((b) => b === 0),
      abandon ? 'after reset' : 'after finish',
    );
  }
});

test('the module refuses calls out of order and bad parameters', () => {
  const ex = raw();
  assert.equal(ex.start(), 0);
  assert.equal(ex.fillSlices(1), -1);
  assert.equal(ex.finish(), 0);
  assert.equal(ex.setup(0, 64, 1, 32, 0, 0, 0, 0), 0); // t = 0
  assert.equal(ex.setup(1, 15, 2, 32, 0, 0, 0, 0), 0); // m < 8p
  assert.equal(ex.setup(1, 64, 1, 3, 0, 0, 0, 0), 0); // T < 4
  assert.equal(ex.setup(1, 64, 1, 1025, 0, 0, 0, 0), 0); // T > 1024
  assert.equal(ex.setup(1, 0xffffffff, 1, 32, 0, 0, 0, 0), 0); // 4 GiB
  assert.ok(ex.setup(1, 64, 1, 32, 0, 0, 0, 0) > 0);
  assert.equal(ex.finish(), 0); // not started
  assert.equal(ex.start(), 1);
  assert.equal(ex.start(), 0); // already started
  assert.equal(ex.fillSlices(2), 2);
  assert.equal(ex.finish(), 0); // not filled
  assert.equal(ex.fillSlices(2), 0);
  assert.ok(ex.finish() > 0);
});
