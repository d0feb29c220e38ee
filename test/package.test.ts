// Every entry of the package's export map loads by its public name, as an app
// would load it: with `import` (ESM) and with `require` (CommonJS, through
// Node's require(esm), Node >= 20.19), and both give the same module. The
// package references itself by name, so this reads package.json's `exports`
// and the built dist/, not the sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const require = createRequire(import.meta.url);
const entries = Object.keys(pkg.exports)
  .filter((k) => k !== './package.json')
  .map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`));

test('every export-map entry loads with import and with require, to the same module', async () => {
  assert.deepEqual(entries.sort(), [
    'vaultkey',
    'vaultkey/backup',
    'vaultkey/bitcoin',
    'vaultkey/bridge-client',
    'vaultkey/core',
    'vaultkey/eip1193',
    'vaultkey/ethers',
    'vaultkey/ledger',
    'vaultkey/solana',
    'vaultkey/viem',
  ]);
  for (const name of entries) {
    const esm = await import(name);
    const cjs = require(name);
    assert.ok(Object.keys(esm).length > 0, `${name} exports something`);
    assert.deepEqual(Object.keys(cjs).sort(), Object.keys(esm).sort(), `${name}: require and import see the same exports`);
  }
});

test('the package ships what the README links to', () => {
  assert.ok(pkg.files.includes('docs') && pkg.files.includes('LICENSE') && pkg.files.includes('CHANGELOG.md'));
  assert.match(pkg.engines.node, /^>=20\.19/, 'require(esm) needs Node 20.19');
});
