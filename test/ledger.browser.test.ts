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
import { HDNodeWallet, verifyMessage, verifyTypedData } from 'ethers';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { hashTypedData } from 'viem';
import { SolanaAppEmulator, TEST_MNEMONIC } from './helpers/ledger-emulator.ts';

const root = new URL('..', import.meta.url).pathname;
let dir = '';
let server: Server;
let browser: Browser;
let url = '';

// The page: emulator installed as navigator.hid, a button whose click handler connects.
const entry = `
import { connectLedger, LedgerSolana, VaultkeyError } from './src/ledger/index.ts';
import { EthereumAppEmulator, FakeHID, FakeLedgerDevice, LedgerDeviceEmulator } from './test/helpers/ledger-emulator.ts';
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
// Second scenario: one device with the Ethereum and Solana apps and the dashboard open.
const MAIL = {
  types: {
    Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }],
    Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person[]' }, { name: 'contents', type: 'string' }],
  },
  primaryType: 'Mail',
  domain: { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: [{ name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' }],
    contents: 'Hello from Chromium! '.repeat(20),
  },
};
w.__mail = MAIL;
const runBoth = async () => {
  try {
    const multi = new LedgerDeviceEmulator();
    const dev2 = new FakeLedgerDevice(multi);
    Object.defineProperty(navigator, 'hid', { value: new FakeHID([dev2]), configurable: true });
    const eth = await connectLedger({ openTimeoutMs: 5000, userTimeoutMs: 5000 });
    let wrong = null;
    try { await eth.ensureApp(); } catch (e) { wrong = { code: e.code, expectedApp: e.expectedApp, currentApp: e.currentApp }; }
    const opened = await eth.ensureApp({ open: true });
    const t = await eth.signTypedData("m/44'/60'/0'/0/0", MAIL);
    const sol = new LedgerSolana(eth.transport);
    let wrongSol = null;
    try { await sol.getAddress("m/44'/501'/0'"); } catch (e) { wrongSol = e.code; }
    await sol.ensureApp({ open: true });
    const o = await sol.signOffchainMessage("m/44'/501'/0'", 'gm from chromium');
    w.__both = { wrong, opened: opened.opened, wrongSol, mode: t.mode, r: t.r, s: t.s, v: t.v, digest: t.digest,
      solSig: Array.from(o.signature), solPub: Array.from(o.publicKey), solSigned: Array.from(o.signedBytes), solAddress: o.address,
      full712: multi.ethereum.shown712.length, apdus: multi.apdus.length };
  } catch (e) {
    w.__both = { error: (e && e.code) || String(e) };
  }
};
document.getElementById('both').addEventListener('click', runBoth);
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
    '<!doctype html><meta charset="utf-8"><title>ledger</title><button id="connect">Connect Ledger</button><button id="both">Ethereum and Solana</button><script type="module" src="/page.js"></script>',
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

test('Chromium: one device, both apps: WRONG_APP, open the Ethereum app, clear-signed EIP-712, then the Solana app', {
  timeout: 60_000,
}, async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.click('#both');
  await page.waitForFunction(() => (window as unknown as { __both?: unknown }).__both !== undefined, null, { timeout: 30_000 });
  const r = await page.evaluate(() => (window as unknown as { __both: Record<string, unknown> }).__both);
  assert.equal(r.error, undefined, `page error: ${String(r.error)}`);
  assert.deepEqual(r.wrong, { code: 'WRONG_APP', expectedApp: 'Ethereum', currentApp: 'BOLOS' });
  assert.equal(r.opened, true);
  assert.equal(r.mode, 'full');
  assert.ok((r.full712 as number) > 0, 'the device hashed and showed the fields');
  const mail = (await page.evaluate(() => (window as unknown as { __mail: never }).__mail)) as {
    domain: never;
    types: Record<string, { name: string; type: string }[]>;
    message: Record<string, unknown>;
    primaryType: string;
  };
  assert.equal(r.digest, hashTypedData(mail as never));
  const w = HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, "m/44'/60'/0'/0/0");
  assert.equal(verifyTypedData(mail.domain, mail.types, mail.message, { r: r.r as string, s: r.s as string, v: r.v as number }), w.address);
  assert.equal(r.wrongSol, 'WRONG_APP', 'the Solana client refused while the Ethereum app was open');
  const sig = Uint8Array.from(r.solSig as number[]);
  const pub = Uint8Array.from(r.solPub as number[]);
  assert.ok(ed25519.verify(sig, Uint8Array.from(r.solSigned as number[]), pub));
  assert.equal(r.solAddress, base58.encode(pub));
  // The key the page got is the seed's m/44'/501'/0' (SLIP-0010, computed here in Node).
  assert.deepEqual(pub, new SolanaAppEmulator().publicKey([0x8000002c, 0x800001f5, 0x80000000]));
  assert.deepEqual(errors, []);
  await page.close();
});
