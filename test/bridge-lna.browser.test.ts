// Chromium's Local Network Access (docs/bridge.md, "Browser notes"): a page
// Chromium treats as public needs the user's "local network access"
// permission before its fetch to the loopback bridge goes out. The test dApp
// is served over HTTPS (self-signed certificate, --ignore-certificate-errors)
// on 127.0.0.1, and --ip-address-space-overrides makes Chromium treat that
// port as public, as it would a real site. With the permission granted the
// page pairs and signs; denied, the client says so with its own code instead
// of BRIDGE_UNREACHABLE; a bridge that is simply down stays BRIDGE_UNREACHABLE.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { ed25519 } from '@noble/curves/ed25519.js';
import { startBridge, type BridgeHandle } from '../bridge/server.js';
import { createSoftHsmToken, softHsmUnavailable, type SoftHsmToken } from './helpers/softhsm.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OPENSSL = '/usr/bin/openssl';
const skip =
  softHsmUnavailable() ??
  (existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM}`) ??
  (existsSync(OPENSSL) ? null : `${OPENSSL} not found (self-signed certificate for the test site)`);
if (skip) console.log(`# skipping Local Network Access test: ${skip}`);

const PAGE = (bridgeUrl: string) => `<!doctype html>
<meta charset="utf-8">
<title>vaultkey LNA test page</title>
<script type="module">
  import { BridgeClient, localNetworkAccess } from './bridge-client.js';
  const wrap = (fn) => async (...a) => { try { return { ok: await fn(...a) }; } catch (e) { return { code: e.code, message: e.message }; } };
  const make = (url) => new BridgeClient({ url });
  const client = make(${JSON.stringify(bridgeUrl)});
  window.vk = {
    permission: () => localNetworkAccess(),
    info: wrap(() => client.info()),
    infoAt: wrap((url) => make(url).info()),
    pair: wrap(() => client.pair()),
    complete: wrap((code) => client.completePairing(code)),
    signEd: wrap(async (text) => {
      const k = await client.generateKey('ed25519');
      const s = await client.sign(k.id, new TextEncoder().encode(text));
      const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
      return { publicKey: hex(k.publicKey), signature: hex(s.signature) };
    }),
  };
  document.body.dataset.ready = '1';
</script>`;

describe('Local Network Access in Chromium', { skip: skip ?? false }, () => {
  let token: SoftHsmToken;
  let bridge: BridgeHandle;
  let browser: Browser;
  let site: https.Server;
  let origin = '';
  let dir: string;
  let nextCode: ((code: string) => void) | null = null;
  const contexts: BrowserContext[] = [];

  before(async () => {
    token = await createSoftHsmToken();
    dir = await mkdtemp(join(tmpdir(), 'vaultkey-lna-'));
    await promisify(execFile)(OPENSSL, [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    await build({
      entryPoints: [new URL('../src/bridge-client/index.ts', import.meta.url).pathname],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outfile: join(dir, 'bridge-client.js'),
      logLevel: 'silent',
    });
    const bundle = await readFile(join(dir, 'bridge-client.js'));
    site = https.createServer({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }, (req, res) => {
      if (req.url === '/bridge-client.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(bundle);
      } else if (req.url === '/') {
        // What docs/bridge.md asks of an app: allow the feature for the page (and
        // for iframes that need it, with allow="local-network-access").
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'permissions-policy': 'local-network-access=(self)' });
        res.end(PAGE(`http://127.0.0.1:${bridge.port}`));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    const sitePort = (site.address() as AddressInfo).port;
    origin = `https://127.0.0.1:${sitePort}`;
    bridge = await startBridge({
      port: 0,
      allowedOrigins: [origin],
      pkcs11: { module: token.modulePath, tokenLabel: token.label, pin: token.pin },
      onPairingCode: (e) => nextCode?.(e.code),
      logger: () => {},
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-gpu',
        '--no-first-run',
        '--ignore-certificate-errors',
        // The test site is on 127.0.0.1 but must count as a public website.
        `--ip-address-space-overrides=127.0.0.1:${sitePort}=public`,
      ],
    });
  });

  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await bridge?.close();
    if (site) await new Promise((r) => site.close(r));
    await token?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(grant: boolean) {
    const ctx = await browser.newContext();
    contexts.push(ctx);
    if (grant) await ctx.grantPermissions(['local-network-access'], { origin });
    const page = await ctx.newPage();
    await page.goto(`${origin}/`);
    await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
    return page;
  }

  test('permission granted: the public HTTPS page pairs and signs through the loopback bridge', async () => {
    const page = await open(true);
    assert.equal(await page.evaluate(() => (window as any).vk.permission()), 'granted');
    assert.equal((await page.evaluate(() => (window as any).vk.info())).ok.paired, false);
    const shown = new Promise<string>((r) => (nextCode = r));
    assert.ok((await page.evaluate(() => (window as any).vk.pair())).ok);
    const done = await page.evaluate((c) => (window as any).vk.complete(c), await shown);
    assert.ok(done.ok, JSON.stringify(done));
    const r = await page.evaluate(() => (window as any).vk.signEd('over LNA'));
    assert.ok(r.ok, JSON.stringify(r));
    const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
    assert.ok(ed25519.verify(unhex(r.ok.signature), new TextEncoder().encode('over LNA'), unhex(r.ok.publicKey)));
    // Granted, but nothing listening: that is still "not running".
    const down = await page.evaluate(() => (window as any).vk.infoAt('http://127.0.0.1:1'));
    assert.equal(down.code, 'BRIDGE_UNREACHABLE');
  });

  test('permission not granted: BRIDGE_PERMISSION_DENIED with a message a person can act on', async () => {
    const page = await open(false);
    // Not asked yet; headless Chromium answers the prompt with a denial.
    assert.equal(await page.evaluate(() => (window as any).vk.permission()), 'prompt');
    const r = await page.evaluate(() => (window as any).vk.info());
    assert.equal(r.code, 'BRIDGE_PERMISSION_DENIED');
    assert.match(r.message, /Local network access/);
    assert.equal(await page.evaluate(() => (window as any).vk.permission()), 'denied');
    // The request never reached the bridge: pairing cannot even start.
    let shown = false;
    nextCode = () => (shown = true);
    assert.equal((await page.evaluate(() => (window as any).vk.pair())).code, 'BRIDGE_PERMISSION_DENIED');
    assert.equal(shown, false);
  });
});
