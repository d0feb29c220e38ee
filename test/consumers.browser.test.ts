// Loading friction, the usual complaint about WASM crypto on npm: a fresh Vite
// app and a fresh webpack 5 app (test/consumers/) import `vaultkey`,
// `vaultkey/core`, `vaultkey/viem` and `vaultkey/ethers` through the package's
// export map, build with their bundler's defaults, and run in Chromium under
//   script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; default-src 'self'
// (no eval, no inline script), sent with the pages and with every script, so
// workers are held to it too. The app opens a real Keystore, signs with the
// viem account and the ethers signer and with Ed25519 (a lazy part), writes and reads a backup file (in the
// backup worker that the vault worker starts), uses the worker pool and vaultkey/core;
// every signature is verified here with viem and ethers.
//
// The apps get the package as a user does: `npm pack` of the repository,
// installed with npm (with viem and ethers, its peers) into the temp folder
// that holds both apps, then built with the repository's own vite and webpack.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { isAddressEqual, parseTransaction, recoverTransactionAddress, verifyMessage, verifyTypedData, type Hex } from 'viem';
import { Transaction, verifyMessage as ethersVerifyMessage, verifyTypedData as ethersVerifyTypedData } from 'ethers';
import { ed25519 as nobleEd } from '@noble/curves/ed25519.js';
import { init, secp256k1, sha256 } from 'vaultkey/core';
import { launch, type Served } from './helpers/browser.ts';
import { installInto, installedVersion, pack } from './helpers/packed.ts';
// @ts-expect-error plain ESM helper without types
import { serveStatic } from '../scripts/serve.mjs';
// @ts-expect-error plain ESM fixture without types
import { ETHERS_TX, MESSAGE, TYPED, VIEM_TXS, TO } from './consumers/shared.js';

export const CONSUMER_CSP = "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; default-src 'self'";

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);

let tmp: string;
let browser: Browser;
let context: BrowserContext;
const servers: Served[] = [];
const builds: Record<string, Promise<{ out: string; ms: number }>> = {};

async function buildVite(): Promise<{ out: string; ms: number }> {
  const t0 = Date.now();
  const { build } = await import('vite');
  const out = join(tmp, 'vite-out');
  await build({ root: join(tmp, 'vite'), configFile: join(tmp, 'vite/vite.config.mjs'), build: { outDir: out } });
  return { out, ms: Date.now() - t0 };
}

async function buildWebpack(): Promise<{ out: string; ms: number }> {
  const t0 = Date.now();
  const webpack = (await import('webpack')).default;
  const config = (await import(join(tmp, 'webpack/webpack.config.mjs'))).default;
  const out = join(tmp, 'webpack-out');
  config.output.path = out;
  // Terser over viem + ethers costs ~25 s on a 2-core CI machine and tests
  // nothing here: workers, URLs and exports are resolved before it runs.
  config.optimization = { ...config.optimization, minimize: false };
  const stats = await new Promise<import('webpack').Stats>((ok, fail) => webpack(config, (err, s) => (err || !s ? fail(err) : ok(s))));
  assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
  assert.ok(!stats.hasWarnings(), stats.toString({ all: false, warnings: true }));
  return { out, ms: Date.now() - t0 };
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'vaultkey-consumers-'));
  cpSync(new URL('./consumers', import.meta.url).pathname, tmp, { recursive: true });
  const tgz = pack(join(tmp, 'packs'));
  installInto(tmp, [tgz, `viem@${installedVersion('viem')}`, `ethers@${installedVersion('ethers')}`]);
  // Both builds start now and overlap; each test awaits its own.
  builds.vite = buildVite();
  builds.webpack = buildWebpack();
  for (const b of Object.values(builds)) b.catch(() => {}); // reported by the test that awaits it
  browser = await launch();
  context = await browser.newContext();
  await init();
});

after(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.close()));
  await Promise.allSettled(Object.values(builds));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Result {
  bundler: string;
  sha256abc: string;
  core: { publicKey: string; digest: string; signature: string; recovery: number };
  poolSha256: string;
  poolBatch: string[];
  viem: { address: Hex; message: Hex; typed: Hex; tx: Hex; legacyTx: Hex };
  ethers: { address: string; expected: string; message: string; typed: string; tx: string };
  ed25519: { message: string; signature: string; publicKey: string };
  backup: { keyId: string; keys: string[] };
  lockedError: string | null;
}

async function runApp(bundler: string, t: { diagnostic(m: string): void }): Promise<Result> {
  const { out, ms } = await builds[bundler]!;
  t.diagnostic(`${bundler} build: ${(ms / 1000).toFixed(1)} s`);
  const server: Served = await serveStatic({ root: out, csp: CONSUMER_CSP, cspOnScripts: true });
  servers.push(server);
  const page = await context.newPage();
  const errors: string[] = [];
  const workers: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e}`));
  page.on('console', (m) => {
    // The browser's own favicon request is not the app's (a fresh app has no favicon).
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(`console: ${m.text()}`);
  });
  page.on('worker', (w) => {
    workers.push(w.url());
    w.on('console', (m) => {
      if (m.type() === 'error') errors.push(`worker console: ${m.text()}`);
    });
  });
  // Records CSP violations from the first byte on (init scripts are not subject to the page's CSP).
  await page.addInitScript({
    content:
      "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
  });
  // IndexedDB and WebCrypto want a secure context: http://localhost is one.
  const res = await page.goto(server.url.replace('127.0.0.1', 'localhost'));
  assert.equal(res?.headers()['content-security-policy'], CONSUMER_CSP);
  await page.waitForFunction(() => (window as any).consumer !== undefined, null, { timeout: 90_000 });
  const r = await page.evaluate(() => (window as any).consumer);
  const violations: string[] = await page.evaluate(() => (window as any).__csp);
  await page.close();
  assert.ok(r.ok, `the ${bundler} app failed: ${r.error}`);
  assert.deepEqual(violations, [], 'no CSP violations');
  assert.deepEqual(errors, [], 'no console errors');
  // The pool's two workers and the vault's.
  assert.ok(workers.length >= 3, `workers started: ${workers.join(', ')}`);
  return r.result as Result;
}

async function verify(r: Result, bundler: string): Promise<void> {
  // vaultkey/core in the page: the same bytes as in Node (RFC 6979).
  assert.equal(r.sha256abc, hex(sha256(utf8('abc'))));
  const priv = sha256(utf8('consumer test key'));
  const digest = sha256(utf8('consumer test digest'));
  const mine = secp256k1.sign(digest, priv);
  assert.deepEqual(r.core, {
    publicKey: hex(secp256k1.getPublicKey(priv)),
    digest: hex(digest),
    signature: hex(mine.signature),
    recovery: mine.recovery,
  });

  // The worker pool.
  assert.equal(r.poolSha256, r.sha256abc);
  assert.deepEqual(
    r.poolBatch,
    ['a', 'b', 'c'].map((s) => hex(sha256(utf8(s)))),
  );

  // viem account on the Keystore key (m/44'/60'/0'/0/0).
  const v = r.viem;
  assert.ok(await verifyMessage({ address: v.address, message: MESSAGE(bundler), signature: v.message }), 'viem verifyMessage');
  assert.equal(ethersVerifyMessage(MESSAGE(bundler), v.message), v.address, 'ethers verifyMessage');
  assert.ok(await verifyTypedData({ address: v.address, ...TYPED, signature: v.typed }), 'viem verifyTypedData');
  assert.equal(ethersVerifyTypedData(TYPED.domain, TYPED.types, TYPED.message, v.typed), v.address, 'ethers verifyTypedData');
  for (const [signed, input] of [
    [v.tx, VIEM_TXS.eip1559],
    [v.legacyTx, VIEM_TXS.legacy],
  ] as const) {
    assert.ok(
      isAddressEqual(await recoverTransactionAddress({ serializedTransaction: signed as never }), v.address),
      `${input.type}: viem recovers the sender`,
    );
    const p = parseTransaction(signed);
    assert.equal(p.type, input.type);
    assert.equal(p.chainId, input.chainId);
    assert.equal(p.nonce, input.nonce);
    assert.equal(p.value, input.value);
    assert.ok(isAddressEqual(p.to!, TO));
    if (input.type === 'legacy') assert.ok(p.v === 37n || p.v === 38n, 'EIP-155 v for chain 1');
    assert.equal(Transaction.from(signed).from, v.address, `${input.type}: ethers recovers the sender`);
  }

  // ethers signer on the same key at index 1.
  const e = r.ethers;
  assert.equal(e.address, e.expected, 'index 1 is the Keystore address at index 1');
  assert.notEqual(e.address, v.address);
  assert.equal(ethersVerifyMessage(MESSAGE(bundler), e.message), e.address);
  assert.ok(await verifyMessage({ address: e.address as Hex, message: MESSAGE(bundler), signature: e.message as Hex }));
  assert.equal(ethersVerifyTypedData(TYPED.domain, TYPED.types, TYPED.message, e.typed), e.address);
  const tx = Transaction.from(e.tx);
  assert.equal(tx.from, e.address, 'ethers recovers the sender');
  assert.equal(tx.type, ETHERS_TX.type);
  assert.equal(tx.chainId, BigInt(ETHERS_TX.chainId));
  assert.equal(tx.nonce, ETHERS_TX.nonce);
  assert.ok(
    isAddressEqual(await recoverTransactionAddress({ serializedTransaction: e.tx as never }), e.address as Hex),
    'viem recovers the sender',
  );

  // Ed25519 from the vault worker (its module a lazy part of the app's bundle), checked with @noble/curves.
  const unhex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
  assert.ok(nobleEd.verify(unhex(r.ed25519.signature), unhex(r.ed25519.message), unhex(r.ed25519.publicKey)), 'Ed25519 signature');

  // A backup file made and read in the backup worker (started by the vault worker: a nested worker the bundler emitted).
  assert.deepEqual(r.backup.keys, [r.backup.keyId], 'the backup file holds the vault key');

  assert.equal(r.lockedError, 'LOCKED', 'a locked vault refuses through the adapter with its own error');
}

describe('fresh consumer apps in Chromium under a strict CSP', () => {
  for (const bundler of ['vite', 'webpack']) {
    test(`${bundler}: builds, loads the worker and the WASM, signs with viem and ethers`, async (t) => {
      await verify(await runApp(bundler, t), bundler);
    });
  }
});
