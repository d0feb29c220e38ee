// Ed25519 verification with a new key by half-size scalars
// (assembly/ed25519/lattice.ts, tripleScalarVartimeKey in dsm.ts): the
// reduction alone against BigInt, and verify with a different key on every
// call (the path that uses it) against @noble/curves and libsodium on valid
// and invalid signatures, torsion in A and R, and non-canonical encodings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ed25519 as noble } from '@noble/curves/ed25519.js';
import sodium from 'libsodium-wrappers';
import { init, ed25519 } from 'vaultkey/core';
import { compileHarness } from './helpers/asc-harness.ts';
import { L, P, leToBig, bigToLe, sha512 } from './helpers/ed25519.ts';

await init();
await sodium.ready;

const N8 = 8n * L;
const Pt = noble.Point;

test('halfSize: v odd, 0 < v, |u| and v < 2^250, u = v k mod 8L; edge and random k vs BigInt', async () => {
  const harness = `
    import { halfSize } from './lattice';
    export const IO: usize = memory.data(128, 16);
    export function io(): usize { return IO; }
    export function run(): i32 { return halfSize(IO + 32, IO + 64, IO); }`;
  const src = readFileSync(new URL('../assembly/ed25519/lattice.ts', import.meta.url), 'utf8');
  const x = await compileHarness({ 'h.ts': harness, 'lattice.ts': src });
  const io = x.io();
  const m = () => new Uint8Array(x.memory.buffer);
  let maxBits = 0,
    over128 = 0;
  let none = 0;
  const check = (k: bigint, mustFind: boolean, random = false) => {
    m().set(bigToLe(k), io);
    const neg = x.run();
    if (neg === -1 && !mustFind) {
      none++;
      return;
    }
    assert.ok(neg === 0 || neg === 1, `k = ${k.toString(16)}: no short pair`);
    const v = leToBig(m().slice(io + 32, io + 64));
    const ua = leToBig(m().slice(io + 64, io + 96));
    const u = neg ? -ua : ua;
    assert.equal(v & 1n, 1n, `v odd for k = ${k.toString(16)}`);
    assert.ok(v > 0n && v < 2n ** 250n && ua < 2n ** 250n);
    assert.equal((((v * k - u) % N8) + N8) % N8, 0n, `u = v k mod 8L for k = ${k.toString(16)}`);
    const bits = Math.max(v.toString(2).length, ua.toString(2).length);
    if (!random) return; // the statistics below are for random k
    maxBits = Math.max(maxBits, bits);
    if (bits > 128) over128++;
  };
  const edges = [0n, 1n, 2n, 3n, 7n, 8n, 64n, 2n ** 127n, 2n ** 128n, 2n ** 128n + 1n, 2n ** 200n, 2n ** 251n, 2n ** 252n, L - 1n, L - 2n, L - 8n];
  for (let e = 1n; e < 253n; e += 3n) edges.push(2n ** e, (2n ** e) * 3n % L, L - 2n ** e);
  for (let i = 1n; i < 200n; i++) edges.push(i, (L - 1n) / i, (N8 / (2n * i + 1n)) % L);
  // Some structured k have no short pair with v odd: k = L - 1 needs u = -v (mod L)
  // and u = 4v (mod 8), so |u| >= L - v; verify then takes the full-size path.
  m().set(bigToLe(L - 1n), io);
  assert.equal(x.run(), -1);
  for (const k of edges) if (k >= 0n && k < L) check(k, k < 2n ** 128n);
  const RANDOM = 5000;
  for (let i = 0; i < RANDOM; i++) check(leToBig(crypto.randomBytes(32)) % L, true, true);
  // informational: how often a random k's pair is longer than 128 bits (an odd v may need a longer vector)
  console.log(`halfSize: random k: longest pair ${maxBits} bits, ${over128} of ${RANDOM} over 128; ${none} of ${edges.length} edge k without a pair`);
});
