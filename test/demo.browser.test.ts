// The demo dApp (examples/) in Debian's Chromium, as `npm start` serves it:
// the QR code bundle built by scripts/demo-assets.mjs, the repository root
// served with the strict CSP, the page opened on localhost. Clicks through
// the lifecycle, audit and backup panels and checks what they show; no
// console error and no CSP violation allowed. The bridge is not started: the
// HSM panel has to live without it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { HDNodeWallet } from 'ethers';
import { validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { launch, watchErrors } from './helpers/browser.ts';
// @ts-expect-error plain ESM helpers without types
import { serveStatic } from '../scripts/serve.mjs';
// @ts-expect-error plain ESM helpers without types
import { buildDemoAssets } from '../scripts/demo-assets.mjs';

const root = new URL('../', import.meta.url).pathname;
const VAULT_PASS = 'demo vault passphrase';
const BACKUP_PASS = 'demo backup passphrase';

let browser: Browser;
let ctx: BrowserContext;
let server: { port: number; close(): Promise<void> };

before(async () => {
  assert.ok(existsSync(root + 'dist/index.js'), 'run `npm run build` first');
  await buildDemoAssets({ root });
  server = await serveStatic({ root });
  browser = await launch();
  ctx = await browser.newContext({ acceptDownloads: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Clicks a button whose handler writes to `out` (the page's show() helper); resolves to what it wrote and whether it was an error. */
async function click(page: Page, button: string, out: string, timeout = 30_000): Promise<{ text: string; error: boolean }> {
  await page.evaluate((id) => {
    document.getElementById(id)!.textContent = '';
  }, out);
  await page.click(`#${button}`);
  const handle = await page.waitForFunction(
    (id) => {
      const el = document.getElementById(id)!;
      return el.textContent ? { text: el.textContent, error: el.classList.contains('error') } : null;
    },
    out,
    { timeout },
  );
  return (await handle.jsonValue()) as { text: string; error: boolean };
}

/** As click(), for a step that must succeed: its text. */
async function run(page: Page, button: string, out: string, timeout = 30_000): Promise<string> {
  const r = await click(page, button, out, timeout);
  assert.equal(r.error, false, `#${button} failed: ${r.text}`);
  return r.text;
}

test('demo dApp: lifecycle, audit, backup/restore and the recovery phrase with its QR code, under the strict CSP', async () => {
  const t0 = Date.now();
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  // localhost, not 127.0.0.1, as `npm start` prints it (WebAuthn needs a domain).
  const res = await page.goto(`http://localhost:${server.port}/examples/`);
  assert.match(res!.headers()['content-security-policy'] ?? '', /script-src 'self' 'wasm-unsafe-eval'/);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
  assert.deepEqual(errors, [], 'the page loads without errors, with no bridge running');

  // HSM panel without a bridge: a plain message, nothing thrown.
  assert.deepEqual(await click(page, 'hsm-sign', 'hsm-out'), { text: 'Error: generate a key first', error: true });

  // Vault with a new HD wallet.
  await page.fill('#vault-pass', VAULT_PASS);
  const created = await run(page, 'vault-create', 'vault-out');
  const keyId = /key (k_[0-9a-f]{24})/.exec(created)?.[1];
  assert.ok(keyId, created);
  assert.match(created, /Ethereum address 0x[0-9a-fA-F]{40} \(m\/44'\/60'\/0'\/0\/0\)/);
  assert.match((await page.textContent('#vault-state')) ?? '', /unlocked, session as owner/);

  // Lifecycle record, then a manual rotation to <id>-v2, made from a fresh seed (its own account 0).
  const record = await run(page, 'lc-record', 'lc-out');
  assert.match(record, new RegExp(`^${keyId}  version 1, hd bip32`));
  assert.match(record, /state +active/);
  assert.match(record, /policy +default: rotate after 365 d/);
  assert.match(record, /rotation due +\d{4}-/);
  assert.match(record, /expires +\d{4}-/);
  assert.match(record, /used +0 time/);
  assert.match(record, /new -> created|new -> active/);
  const rotated = await run(page, 'lc-rotate', 'lc-out');
  assert.match(rotated, new RegExp(`^${keyId} -> ${keyId}-v2`));
  const newAddress = /new Ethereum address (0x[0-9a-fA-F]{40}) \(m\/44'\/60'\/0'\/0\/0\)/.exec(rotated)?.[1];
  assert.ok(newAddress, rotated);
  assert.match(rotated, new RegExp(`predecessor +${keyId}`));
  assert.equal(await page.inputValue('#key'), `${keyId}-v2`, 'the successor becomes the current key');
  await page.waitForFunction(() => /rotated/.test(document.getElementById('lc-events')!.textContent ?? ''), null, { timeout: 5_000 });
  const events = (await page.textContent('#lc-events')) ?? '';
  assert.match(events, new RegExp(`transition +${keyId}  active -> rotating`));
  assert.match(events, new RegExp(`rotated +${keyId}  successor ${keyId}-v2`));

  // Audit chain: intact, and it recorded the rotation.
  assert.match(await run(page, 'audit-verify', 'access-out'), /^audit chain intact: \d+ entries$/);
  assert.match(await run(page, 'audit-report', 'access-out'), /key:rotate +1 \(0 failed\)/);

  // Backup, downloaded as vault.vkbk with the progress bar at the end.
  await page.fill('#bk-pass', BACKUP_PASS);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), run(page, 'bk-make', 'bk-out', 60_000)]);
  assert.equal(download.suggestedFilename(), 'vault.vkbk');
  const file = await readFile((await download.path())!);
  assert.equal(file.subarray(0, 4).toString('latin1'), 'VKBK');
  assert.equal(await page.evaluate(() => (document.getElementById('bk-progress') as HTMLProgressElement).value), 1);

  // Restore it into the same vault, skipping keys that exist: nothing written, each key reported.
  await page.setInputFiles('#bk-file', { name: 'vault.vkbk', mimeType: 'application/octet-stream', buffer: file });
  await page.selectOption('#bk-conflict', 'skip');
  const restored = await run(page, 'bk-restore', 'bk-out', 60_000);
  assert.match(restored, /vault changed: no/);
  assert.match(restored, /restored +-/);
  assert.match(restored, new RegExp(`skipped .*${keyId} \\(exists\\)`));
  assert.match(restored, new RegExp(`skipped .*${keyId}-v2 \\(exists\\)`));
  assert.match(restored, /failed +-/);

  // The recovery phrase (passphrase asked again) and its QR code on a canvas; then hidden.
  await page.fill('#rp-pass', VAULT_PASS);
  const phrase = (await run(page, 'rp-show', 'rp-out')).trim();
  assert.equal(phrase.split(' ').length, 12);
  assert.ok(validateMnemonic(phrase, wordlist), 'a valid BIP-39 phrase');
  assert.equal(
    HDNodeWallet.fromPhrase(phrase, undefined, "m/44'/60'/0'/0/0").address,
    newAddress,
    'the phrase of the rotated key (its own seed, account 0)',
  );
  assert.equal(await page.inputValue('#rp-pass'), '', 'the passphrase field is cleared');
  const pixels = await page.evaluate(() => {
    const c = document.getElementById('rp-qr') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    let light = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3]! > 0 && d[i]! < 128) dark++;
      else if (d[i + 3]! > 0) light++;
    }
    return { width: c.width, height: c.height, dark, light };
  });
  assert.ok(pixels.width > 100 && pixels.width === pixels.height, `canvas ${pixels.width}x${pixels.height}`);
  assert.ok(pixels.dark > 1000 && pixels.light > 1000, `QR modules drawn: ${JSON.stringify(pixels)}`);
  await page.click('#rp-hide');
  assert.equal(await page.textContent('#rp-out'), '');
  assert.equal(await page.evaluate(() => (document.getElementById('rp-qr') as HTMLCanvasElement).width), 0);

  assert.deepEqual(errors, [], 'no console errors, no CSP violations');
  await page.close();
  assert.ok(Date.now() - t0 < 60_000, `took ${Date.now() - t0} ms`);
});
