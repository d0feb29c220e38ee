// vaultkey/ledger in Debian's Chromium: the page's navigator.hid is replaced by
// the emulated Nano (test/helpers/ledger-emulator.ts); a real click starts
// connectLedger() -> the real @ledgerhq/hw-transport-webhid (bundled with
// esbuild, running on the page, with no Node Buffer) -> getAddress and
// signPersonalMessage. Results are checked in Node with ethers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { HDNodeWallet, verifyMessage } from 'ethers';
import { TEST_MNEMONIC } from './helpers/ledger-emulator.ts';

const root = new URL('..', import.meta.url).pathname;
let dir = '';
let server: Server;
let browser: Browser;
let url = '';

// The page: emulator installed as navigator.hid, a button whose click handler connects.
const entry = `
import { connectLedger, VaultkeyError } from './src/ledger/index.ts';
import { EthereumAppEmulator, FakeHID, FakeLedgerDevice } from './test/helpers/ledger-emulator.ts';
const w = window;
w.__bufferBefore = typeof globalThis.Buffer;
const device = new FakeLedgerDevice(new EthereumAppEmulator());
const hid = new FakeHID([device]);
Object.defineProperty(navigator, 'hid', { value: hid, configurable: true });
w.__device = device;
const run = async () => {
  try {
    const eth = await connectLedger({ openTimeoutMs: 5000, userTimeoutMs: 5000 });
    const a = await eth.getAddress("m/44'/60'/0'/0/0", { display: true });
    const s = await eth.signPersonalMessage("m/44'/60'/0'/0/0", 'hello from chromium');
    device.app.switches.reject = true;
    let rejected = null;
    try { await eth.signPersonalMessage("m/44'/60'/0'/0/0", 'no'); } catch (e) { rejected = e instanceof VaultkeyError ? e.code : String(e); }
    device.app.switches.reject = false;
    device.app.switches.unplugOnNextApdu = true;
    let unplugged = null;
    try { await eth.getAddress("m/44'/60'/0'/0/1"); } catch (e) { unplugged = e instanceof VaultkeyError ? e.code : String(e); }
    w.__result = { address: a.address, publicKey: Array.from(a.publicKey), r: s.r, s: s.s, v: s.v, rejected, unplugged,
      connected: eth.connected, bufferAfter: typeof globalThis.Buffer, framesSent: device.reports.length };
  } catch (e) {
    w.__result = { error: (e && e.code) || String(e) };
  }
};
document.getElementById('connect').addEventListener('click', run);
// At load time the page has no user activation: the chooser must be refused.
connectLedger({ openTimeoutMs: 2000 }).then(() => 'connected', (e) => e instanceof VaultkeyError ? e.code : String(e))
  .then((code) => { w.__noGesture = { code, activeAtCall: navigator.userActivation ? navigator.userActivation.isActive : null }; });
`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vaultkey-ledger-'));
  await build({
    stdin: { contents: entry, resolveDir: root, sourcefile: 'ledger-page.ts', loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome110',
    outfile: join(dir, 'page.js'),
    logLevel: 'silent',
  });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>ledger</title><button id="connect">Connect Ledger</button><script type="module" src="/page.js"></script>',
  );
  server = createServer((req, res) => {
    const name = req.url === '/' ? 'index.html' : req.url === '/page.js' ? 'page.js' : null;
    if (!name) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/html' });
    res.end(readFileSync(join(dir, name)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  // localhost is a secure context, as WebHID requires.
  url = `http://localhost:${(server.address() as AddressInfo).port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Chromium: click -> connectLedger -> getAddress + signPersonalMessage through the real TransportWebHID', {
  timeout: 60_000,
}, async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  // Chrome only shows the WebHID chooser during a user gesture; without one we say so.
  await page.waitForFunction(() => (window as unknown as { __noGesture?: unknown }).__noGesture !== undefined);
  const ng = await page.evaluate(() => (window as unknown as { __noGesture: { code: string; activeAtCall: boolean | null } }).__noGesture);
  assert.deepEqual(ng, { code: 'PERMISSION_DENIED', activeAtCall: false });
  await page.click('#connect');
  await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, null, { timeout: 30_000 });
  const r = await page.evaluate(() => (window as unknown as { __result: Record<string, unknown> }).__result);
  assert.equal(r.error, undefined, `page error: ${String(r.error)}`);
  const w = HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, "m/44'/60'/0'/0/0");
  assert.equal(r.address, w.address);
  assert.equal('0x' + Buffer.from(r.publicKey as number[]).toString('hex'), w.signingKey.publicKey);
  const flat = (r.r as string) + (r.s as string).slice(2) + (r.v as number).toString(16);
  assert.equal(verifyMessage('hello from chromium', flat), w.address);
  assert.equal(flat, await w.signMessage('hello from chromium'));
  assert.equal(r.rejected, 'USER_REJECTED');
  assert.equal(r.unplugged, 'DEVICE_DISCONNECTED');
  assert.equal(r.connected, false);
  // The page had no Buffer: our shim carried Ledger's transport.
  assert.equal(await page.evaluate(() => (window as unknown as { __bufferBefore: string }).__bufferBefore), 'undefined');
  assert.equal(r.bufferAfter, 'function');
  assert.ok((r.framesSent as number) >= 4, 'HID reports went through the fake device');
  assert.deepEqual(errors, []);
  await page.close();
});
