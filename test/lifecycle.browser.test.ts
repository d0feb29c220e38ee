// Two tabs of one browser profile on the same IndexedDB: when a rotation
// comes due, exactly one rotation happens (Web Locks + the store's
// compare-and-set), and both tabs hear about it (BroadcastChannel).
// Debian's Chromium through playwright-core; the page is bundled with esbuild.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

let dir: string;
let server: http.Server;
let base: string;
let browser: Browser;
let context: BrowserContext;
let tabA: Page;
let tabB: Page;
const pageErrors: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vk-lifecycle-'));
  await build({
    entryPoints: [new URL('./fixtures/lifecycle/page.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(dir, 'page.js'),
    logLevel: 'silent',
  });
  await writeFile(
    join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>lifecycle</title><script type="module" src="page.js"></script>',
  );
  server = http.createServer(async (req, res) => {
    const name = req.url === '/page.js' ? 'page.js' : 'index.html';
    res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/html', 'cache-control': 'no-store' });
    res.end(await readFile(join(dir, name)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  // localhost is a secure context: Web Locks need one.
  base = `http://localhost:${(server.address() as AddressInfo).port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--no-first-run'],
  });
  context = await browser.newContext();
  tabA = await context.newPage();
  tabB = await context.newPage();
  for (const p of [tabA, tabB]) {
    p.on('pageerror', (e) => pageErrors.push(String(e)));
    await p.goto(base);
    await p.waitForFunction(() => (window as any).lcReady === true, null, { timeout: 20_000 });
  }
});

after(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Summary = {
  rotateCalls: string[];
  refused: number;
  granted: number;
  events: { type: string; keyId: string; newKeyId: string | null; remote: boolean }[];
};
const summary = (p: Page) => p.evaluate(() => (window as any).lc.summary()) as Promise<Summary>;

test('a due rotation happens exactly once across two tabs', async () => {
  // Both tabs open the same vault's lifecycle and start their schedulers
  // (evaluate on open, then every 100 ms).
  await Promise.all([tabA, tabB].map((p) => p.evaluate(() => (window as any).lc.open(100))));
  await tabA.evaluate(() => (window as any).lc.create('treasury'));
  const T0: number = await tabA.evaluate(() => (window as any).lc.T0);
  const DAY: number = await tabA.evaluate(() => (window as any).lc.DAY);

  // A day later in both tabs: rotation is due (policy: maxActiveAgeDays 1, autoRotate).
  await Promise.all([tabA, tabB].map((p) => p.evaluate((t) => (window as any).lc.setNow(t), T0 + DAY)));
  await tabA.waitForFunction(() => (window as any).lc.state.events.some((e: any) => e.type === 'rotated'), null, { timeout: 20_000 });
  await tabB.waitForFunction(() => (window as any).lc.state.events.some((e: any) => e.type === 'rotated'), null, { timeout: 20_000 });
  // Let both timers tick some more: nothing else may happen.
  await new Promise((r) => setTimeout(r, 800));

  const [a, b] = await Promise.all([summary(tabA), summary(tabB)]);
  assert.deepEqual([...a.rotateCalls, ...b.rotateCalls], ['treasury-v2'], 'the vault hook ran once, in one tab');
  assert.ok(a.refused + b.refused >= 1, 'the other tab found the lock taken while the rotation ran');
  for (const s of [a, b]) {
    const rotated = s.events.filter((e) => e.type === 'rotated');
    assert.equal(rotated.length, 1, 'each tab hears the rotation once');
    assert.equal(rotated[0]!.newKeyId, 'treasury-v2');
  }
  const actor = a.rotateCalls.length === 1 ? a : b;
  const other = actor === a ? b : a;
  assert.equal(actor.events.find((e) => e.type === 'rotated')!.remote, false);
  assert.equal(other.events.find((e) => e.type === 'rotated')!.remote, true, 'told through BroadcastChannel');

  // The store's history, read back from IndexedDB in the other tab.
  const records = await (actor === a ? tabB : tabA).evaluate(() => (window as any).lc.records());
  assert.deepEqual(records.map((r: any) => `${r.keyId}:${r.state}`).sort(), ['treasury-v2:active', 'treasury:rotating']);
  const old = records.find((r: any) => r.keyId === 'treasury');
  assert.deepEqual(
    old.history.map((h: any) => h.to),
    ['created', 'active', 'rotating'],
  );
  assert.equal(old.successor, 'treasury-v2');
  assert.equal(old.graceEndsAt, T0 + 2 * DAY);
  const v2 = records.find((r: any) => r.keyId === 'treasury-v2');
  assert.deepEqual([v2.predecessor, v2.version, v2.meta.account], ['treasury', 2, 1]);

  // Grace over: the old key is deactivated, once.
  await Promise.all([tabA, tabB].map((p) => p.evaluate((t) => (window as any).lc.setNow(t), T0 + 2 * DAY)));
  await tabB.waitForFunction(() => (window as any).lc.state.events.some((e: any) => e.type === 'deactivated'), null, { timeout: 20_000 });
  await tabA.waitForFunction(() => (window as any).lc.state.events.some((e: any) => e.type === 'deactivated'), null, { timeout: 20_000 });
  await new Promise((r) => setTimeout(r, 500));
  const after = await tabA.evaluate(() => (window as any).lc.records());
  const oldAfter = after.find((r: any) => r.keyId === 'treasury');
  assert.deepEqual(
    oldAfter.history.map((h: any) => h.to),
    ['created', 'active', 'rotating', 'deactivated'],
  );
  assert.equal(after.length, 2, 'no third key');
  const [a2, b2] = await Promise.all([summary(tabA), summary(tabB)]);
  assert.equal(a2.events.filter((e) => e.type === 'deactivated').length, 1);
  assert.equal(b2.events.filter((e) => e.type === 'deactivated').length, 1);
  assert.deepEqual(pageErrors, []);
});

test('IndexedDB store: compare-and-set, and a failed batch writes nothing', async () => {
  const r = await tabA.evaluate(() => (window as any).lc.casCheck());
  assert.deepEqual(r, { first: 'ok', again: 'CONFLICT', batch: 'CONFLICT', bAfterBatch: 'absent', next: 'ok', stored: 2 });
});
