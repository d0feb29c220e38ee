// The browser build's bundle budget (scripts/bundle-size.mjs, run on dist/
// after `npm run build`): main entry + worker + WASM (the first load) at most
// 94 KB gzipped, the lazy parts (src/core/parts.ts) outside it, the optional
// entry points reported on their own, and the structural rules that keep the
// number honest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
// @ts-expect-error plain ESM script without types
import { measure, formatTable, BUDGET_BYTES } from '../scripts/bundle-size.mjs';

const dist = new URL('../dist/', import.meta.url).pathname;

interface Group {
  files: string[];
  raw: number;
  gzip: number;
  extra?: Group;
  lazy?: Record<string, Group>;
}
interface Measurement {
  budget: number;
  main: Group;
  entries: Record<string, Group>;
  lazy: Record<string, Group>;
  workerLazy: string[];
  nestedWorkers: string[];
}

const m: Measurement = (() => {
  assert.ok(existsSync(dist + 'index.js'), 'dist/ is missing: run npm run build first');
  return measure(dist);
})();

test('main entry + worker + WASM fit in 94 KB gzipped', (t) => {
  t.diagnostic('\n' + formatTable(m));
  assert.equal(BUDGET_BYTES, 94 * 1024);
  assert.ok(m.main.files.includes('worker.js'), 'the worker is counted');
  assert.ok(
    m.main.gzip <= BUDGET_BYTES,
    `main is ${(m.main.gzip / 1024).toFixed(1)} KB gzipped, over the ${BUDGET_BYTES / 1024} KB budget: ${m.main.files.join(', ')}`,
  );
});

test('the WASM is inside the measured files (inlined, not a separate fetch)', () => {
  const wasmB64 = readFileSync(new URL('../build/wasm-inline.js', import.meta.url), 'utf8').match(/"([A-Za-z0-9+/=]{64})/)?.[1];
  assert.ok(wasmB64, 'build/wasm-inline.js holds the base64 WASM');
  assert.ok(
    m.main.files.some((f) => readFileSync(dist + f, 'utf8').includes(wasmB64)),
    'the WASM base64 is in the main graph',
  );
});

test("the workers' graphs have no import(): Vite's default IIFE worker build cannot code-split", () => {
  assert.deepEqual(m.workerLazy, []);
});

test('the backup formats run in a backup worker that the vault worker starts: a lazy chunk of main, not in the first load', () => {
  assert.deepEqual(m.nestedWorkers, ['backup-worker.js']);
  assert.ok(!m.main.files.includes('backup-worker.js'));
  assert.match(readFileSync(dist + 'worker.js', 'utf8'), /new URL\(\s*["']\.\/backup-worker\.js["']\s*,\s*import\.meta\.url\s*\)/);
  const lazy = m.main.lazy?.['backup-worker.js'];
  assert.ok(lazy && lazy.gzip > 4 * 1024, 'listed as a lazy chunk of main, with what it adds');
  // A message each of the keystore v3, SLIP-0039, backup payload and binary share code: in the backup worker's graph only.
  const mainCode = m.main.files.map((f) => readFileSync(dist + f, 'utf8')).join('\n');
  const lazyCode = lazy.files.map((f) => readFileSync(dist + f, 'utf8')).join('\n');
  for (const probe of [
    'keystore is nested too deeply',
    'SLIP-0039 passphrases are printable ASCII',
    "kind must be 'seed' or 'privateKey'",
    'no shares given',
  ]) {
    assert.ok(lazyCode.includes(probe), `the backup worker has "${probe}"`);
    assert.ok(!mainCode.includes(probe), `the first load does not have "${probe}"`);
  }
});

test('every optional entry is reported on its own; the Ledger transport loads on demand', () => {
  for (const name of ['core', 'ledger', 'bridge-client', 'viem', 'ethers']) assert.ok(m.entries[name], `vaultkey/${name} measured`);
  assert.ok(
    Object.keys(m.lazy).some((f) => f.includes('ledger-transport-webhid')),
    'the WebHID transport is a lazy chunk of vaultkey/ledger',
  );
});

test('the P-256 WASM (nist256p1, p256) is in vaultkey/core and not in the main graph', () => {
  const p256B64 = readFileSync(new URL('../build/p256-inline.js', import.meta.url), 'utf8').match(/"([A-Za-z0-9+/=]{64})/)?.[1];
  assert.ok(p256B64, 'build/p256-inline.js holds the base64 WASM');
  const has = (files: string[]) => files.some((f) => readFileSync(dist + f, 'utf8').includes(p256B64));
  assert.ok(has(m.entries.core!.files), 'vaultkey/core carries the P-256 module');
  assert.ok(!has(m.main.files), 'the main entry (page + vault worker) does not');
});

test('viem and ethers stay external peer dependencies of their adapters', () => {
  for (const [name, peer] of [
    ['viem', 'viem'],
    ['ethers', 'ethers'],
  ] as const) {
    const g = m.entries[name]!;
    const code = g.files.map((f) => readFileSync(dist + f, 'utf8')).join('\n');
    assert.match(code, new RegExp(`from\\s*["']${peer}["']`), `${name}.js imports ${peer}`);
    // A bundled copy would be tens of KB; the adapter itself is a few.
    assert.ok(g.extra!.gzip < 8 * 1024, `vaultkey/${name} adds ${(g.extra!.gzip / 1024).toFixed(1)} KB over main`);
  }
  for (const f of m.main.files)
    assert.doesNotMatch(readFileSync(dist + f, 'utf8'), /from\s*["'](viem|ethers)["']/, `${f} must not import viem/ethers`);
});

/** The exported string of build/<name>.js (a lazy part, see scripts/build-wasm.mjs). */
const partText = (name: string) => {
  const m = readFileSync(new URL(`../build/${name}-inline.js`, import.meta.url), 'utf8').match(/export default ("[^"]*");/);
  assert.ok(m, `build/${name}-inline.js exports one string`);
  return JSON.parse(m[1]!) as string;
};

test('the lazy parts (Argon2id, Ed25519 and secp256k1 verification WASM, SLIP-0039 and BIP-39 words) are outside the first load, each a lazy chunk of main', () => {
  const mainCode = m.main.files.map((f) => readFileSync(dist + f, 'utf8')).join('\n');
  const lazyFiles = Object.keys(m.main.lazy ?? {});
  for (const name of ['argon2', 'ed25519', 'secp256k1-verify', 'slip39-words', 'bip39-words']) {
    const text = partText(name);
    // A 64-character slice of the part (words or base64): enough to be found only where the part is.
    const probe = text.slice(text.length >> 1, (text.length >> 1) + 64);
    assert.ok(!mainCode.includes(probe), `the ${name} part is not in the first load`);
    const holders = lazyFiles.filter((f) => readFileSync(dist + f, 'utf8').includes(probe));
    assert.equal(holders.length, 1, `the ${name} part is in one lazy chunk of main (${lazyFiles.join(', ')})`);
    assert.ok(m.main.lazy![holders[0]!]!.gzip > 0);
  }
});

/** The code of a file and of everything it imports statically. */
const graphCode = (start: string): string => {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const [, spec] of readFileSync(dist + f, 'utf8').matchAll(/(?:import|export)\s*(?:[\w*{}\s,$]*from\s*)?["']\.\/([^"']+\.js)["']/g))
      stack.push(spec!);
  }
  return [...seen].map((f) => readFileSync(dist + f, 'utf8')).join('\n');
};

test("the vault worker and the backup worker carry each part's SHA-256, and the parts hash to it", async () => {
  const { createHash } = await import('node:crypto');
  const worker = graphCode('worker.js');
  const backupWorker = graphCode('backup-worker.js');
  for (const name of ['argon2', 'ed25519', 'secp256k1-verify', 'slip39-words', 'bip39-words']) {
    const digest = createHash('sha256').update(partText(name), 'utf8').digest('hex');
    assert.ok(worker.includes(digest), `dist/worker.js's graph holds the digest of ${name}`);
    assert.ok(backupWorker.includes(digest), `dist/backup-worker.js's graph holds the digest of ${name}`);
  }
});
