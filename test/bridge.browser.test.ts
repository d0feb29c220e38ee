// The browser client in real Chromium: a page served on an allowlisted origin
// loads the bundled vaultkey/bridge-client, pairs by typing the code the
// bridge "printed" (delivered here by onPairingCode), generates keys in SoftHSM
// and signs through the bridge. A page on another origin is stopped by CORS.
// Signatures are checked with @noble/curves (vaultkey/core once it has curves).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { p256 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { startBridge, type BridgeHandle } from '../bridge/server.js';
import { createSoftHsmToken, softHsmUnavailable, type SoftHsmToken } from './helpers/softhsm.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = softHsmUnavailable() ?? (existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM}`);
if (skip) console.log(`# skipping bridge browser test: ${skip}`);

const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

const PAGE = (bridgeUrl: string) => `<!doctype html>
<meta charset="utf-8">
<title>vaultkey bridge test page</title>
<p>Pairing code from the bridge terminal: <input id="code" autocomplete="off"> <button id="pair">Pair</button></p>
<pre id="status">idle</pre>
<script type="module">
  import { BridgeClient } from './bridge-client.js';
  const client = new BridgeClient({ url: ${JSON.stringify(bridgeUrl)}, tokenStorage: 'session' });
  const status = document.getElementById('status');
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  document.getElementById('pair').addEventListener('click', async () => {
    try {
      await client.completePairing(document.getElementById('code').value);
      status.textContent = 'paired';
    } catch (e) {
      status.textContent = 'error ' + e.code;
    }
  });
  // Small helpers the test drives with page.evaluate; errors come back as their code.
  const wrap = (fn) => async (...a) => { try { return { ok: await fn(...a) }; } catch (e) { return { code: e.code, name: e.name }; } };
  window.vk = {
    info: wrap(() => client.info()),
    startPairing: wrap(() => client.pair()),
    generate: wrap(async (alg) => { const k = await client.generateKey(alg, { label: 'from the browser' }); return { id: k.id, publicKey: hex(k.publicKey) }; }),
    sign: wrap(async (id, text, prehashed) => {
      const data = prehashed ? new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))) : new TextEncoder().encode(text);
      const s = await client.sign(id, data, { prehashed });
      return { signature: hex(s.signature), recovery: s.recovery ?? null };
    }),
    verify: wrap(async (id, text, sig) => client.verify(id, new TextEncoder().encode(text), new Uint8Array(sig.match(/../g).map((h) => parseInt(h, 16))))),
    list: wrap(async () => (await client.listKeys()).map((k) => k.id)),
    hasToken: () => client.hasToken,
  };
  status.dataset.ready = '1';
</script>`;

describe('bridge-client in Chromium', { skip: skip ?? false }, () => {
  let token: SoftHsmToken;
  let bridge: BridgeHandle;
  let browser: Browser;
  let site: http.Server;
  let sitePort = 0;
  let bundleDir: string;
  let page: Page;
  let nextCode: ((code: string) => void) | null = null;

  before(async () => {
    token = await createSoftHsmToken();
    bundleDir = await mkdtemp(join(tmpdir(), 'vaultkey-bridge-page-'));
    await build({
      entryPoints: [new URL('../src/bridge-client/index.ts', import.meta.url).pathname],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outfile: join(bundleDir, 'bridge-client.js'),
      logLevel: 'silent',
    });
    const bundle = await readFile(join(bundleDir, 'bridge-client.js'));

    // The page's server: its origin (http://127.0.0.1:sitePort) is the one on the allowlist.
    site = http.createServer((req, res) => {
      if (req.url === '/bridge-client.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(bundle);
      } else if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(PAGE(`http://127.0.0.1:${bridge.port}`));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    sitePort = (site.address() as AddressInfo).port;

    bridge = await startBridge({
      port: 0,
      allowedOrigins: [`http://127.0.0.1:${sitePort}`],
      pkcs11: { module: token.modulePath, tokenLabel: token.label, pin: token.pin },
      onPairingCode: (e) => nextCode?.(e.code),
      logger: () => {},
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--no-first-run'],
    });
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    await bridge?.close();
    if (site) await new Promise((r) => site.close(r));
    await token?.cleanup();
    if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
  });

  test('the page pairs by typing the terminal code, then generates and signs through the bridge', async () => {
    await page.goto(`http://127.0.0.1:${sitePort}/`);
    await page.waitForSelector('#status[data-ready="1"]');
    const before = await page.evaluate(() => (window as any).vk.list());
    assert.equal(before.code, 'BRIDGE_UNPAIRED');

    const shown = new Promise<string>((r) => (nextCode = r));
    const started = await page.evaluate(() => (window as any).vk.startPairing());
    assert.ok(started.ok, JSON.stringify(started));
    await page.fill('#code', 'WRONG-CODE');
    await page.click('#pair');
    await page.waitForFunction(() => document.getElementById('status')!.textContent !== 'idle');
    assert.equal(await page.textContent('#status'), 'error BRIDGE_PAIRING_FAILED');
    await page.fill('#code', await shown);
    await page.click('#pair');
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'paired');
    assert.equal((await page.evaluate(() => (window as any).vk.info())).ok.paired, true);

    // secp256k1, Ethereum style: the page hashes, the bridge signs the digest.
    const k1 = await page.evaluate(() => (window as any).vk.generate('secp256k1'));
    assert.ok(k1.ok, JSON.stringify(k1));
    const msg = 'sign me from Chromium';
    const s1 = await page.evaluate(([id, m]) => (window as any).vk.sign(id, m, true), [k1.ok.id, msg]);
    assert.ok(s1.ok, JSON.stringify(s1));
    const digest = new Uint8Array(createHash('sha256').update(msg).digest());
    const sig = unhex(s1.ok.signature);
    assert.ok(secp256k1.verify(sig, digest, unhex(k1.ok.publicKey), { prehash: false }));
    const recovered = secp256k1.Signature.fromBytes(sig, 'compact').addRecoveryBit(s1.ok.recovery).recoverPublicKey(digest).toBytes(true);
    assert.equal(Buffer.from(recovered).toString('hex'), k1.ok.publicKey);

    const ed = await page.evaluate(() => (window as any).vk.generate('ed25519'));
    const s2 = await page.evaluate(([id, m]) => (window as any).vk.sign(id, m, false), [ed.ok.id, msg]);
    assert.ok(ed25519.verify(unhex(s2.ok.signature), new TextEncoder().encode(msg), unhex(ed.ok.publicKey)));
    assert.equal((await page.evaluate(([id, m, sg]) => (window as any).vk.verify(id, m, sg), [ed.ok.id, msg, s2.ok.signature])).ok, true);

    const p = await page.evaluate(() => (window as any).vk.generate('p256'));
    const s3 = await page.evaluate(([id, m]) => (window as any).vk.sign(id, m, false), [p.ok.id, msg]);
    assert.ok(p256.verify(unhex(s3.ok.signature), new TextEncoder().encode(msg), unhex(p.ok.publicKey), { lowS: false }));

    // Bad input from the page is a coded error, not a crash.
    const bad = await page.evaluate(() => (window as any).vk.sign('zz', 'x', false));
    assert.equal(bad.code, 'INVALID_KEY_ID');
    assert.equal(bad.name, 'VaultkeyError');
  });

  test('the token survives a reload in sessionStorage', async () => {
    await page.reload();
    await page.waitForSelector('#status[data-ready="1"]');
    assert.equal(await page.evaluate(() => (window as any).vk.hasToken()), true);
    const list = await page.evaluate(() => (window as any).vk.list());
    assert.ok(Array.isArray(list.ok) && list.ok.length === 3, JSON.stringify(list));
  });

  test('a page on an origin that is not allowlisted cannot use the bridge (CORS refuses it)', async () => {
    // Same server, other origin: http://localhost:PORT is not http://127.0.0.1:PORT.
    const other = await browser.newPage();
    try {
      await other.goto(`http://localhost:${sitePort}/`);
      await other.waitForSelector('#status[data-ready="1"]');
      const r = await other.evaluate(() => (window as any).vk.info());
      assert.equal(r.code, 'BRIDGE_UNREACHABLE');
      const started = await other.evaluate(() => (window as any).vk.startPairing());
      assert.equal(started.code, 'BRIDGE_UNREACHABLE');
    } finally {
      await other.close();
    }
  });
});
