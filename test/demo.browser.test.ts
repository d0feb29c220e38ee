// The demo wallet (examples/) in Debian's Chromium, as `npm start` serves it:
// the QR code bundle built by scripts/demo-assets.mjs, the repository root
// served with the strict CSP, the page opened on localhost. Clicks through
// every flow a new user meets (empty profile, create, import a phrase, several
// wallets, keystore v3, rotation, emergency rotation, backup, lock, restore
// into a fresh profile, passkey prompt cancelled, pairing out of order), checks what
// each state enables, runs axe-core over each state (desktop and 375 px), and
// saves one screenshot per state under build/demo-screenshots/ for review.
// No console error and no CSP violation allowed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { HDNodeWallet } from 'ethers';
import { hashTypedData, parseTransaction, recoverTransactionAddress, verifyMessage, verifyTypedData, type Hex } from 'viem';
import { validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { launch, watchErrors } from './helpers/browser.ts';
// @ts-expect-error plain ESM helpers without types
import { serveStatic } from '../scripts/serve.mjs';
// @ts-expect-error plain ESM helpers without types
import { buildDemoAssets } from '../scripts/demo-assets.mjs';

const root = new URL('../', import.meta.url).pathname;
const SHOTS = root + 'build/demo-screenshots/';
const VAULT_PASS = 'demo vault passphrase';
const BACKUP_PASS = 'demo backup passphrase';
const V3_PASS = 'keystore password';
// BIP-39's published English test vector (trezor/python-mnemonic vectors.json, entropy 00…00).
const PHRASE = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

let browser: Browser;
let ctx: BrowserContext;
let server: { port: number; close(): Promise<void> };
let base: string;

before(async () => {
  assert.ok(existsSync(root + 'dist/index.js'), 'run `npm run build` first');
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  await buildDemoAssets({ root });
  server = await serveStatic({ root });
  // localhost, not 127.0.0.1, as `npm start` prints it (WebAuthn needs a domain).
  base = `http://localhost:${server.port}/examples/`;
  browser = await launch();
  ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1000, height: 900 } });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function open(c: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await c.newPage();
  const errors = watchErrors(page);
  const res = await page.goto(base);
  assert.match(res!.headers()['content-security-policy'] ?? '', /script-src 'self' 'wasm-unsafe-eval'/);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
  return { page, errors };
}

/** Clicks a button and waits for its step to end; resolves to what it wrote to `out`, its error code if any. */
async function click(page: Page, button: string, out: string, timeout = 60_000): Promise<{ text: string; code: string | null }> {
  assert.equal(await page.isEnabled(`#${button}`), true, `#${button} is enabled`);
  await page.click(`#${button}`);
  const h = await page.waitForFunction(
    (id) => {
      const el = document.getElementById(id)!;
      if (el.getAttribute('aria-busy') === 'true' || !el.textContent) return null;
      return { text: el.textContent, code: el.classList.contains('error') ? (el.dataset.code ?? 'ERROR') : null };
    },
    out,
    { timeout },
  );
  return (await h.jsonValue()) as { text: string; code: string | null };
}
async function run(page: Page, button: string, out: string, timeout = 60_000): Promise<string> {
  const r = await click(page, button, out, timeout);
  assert.equal(r.code, null, `#${button} failed: ${r.text}`);
  return r.text;
}

/** Which of these buttons are enabled. */
const enabled = (page: Page, ids: string[]) =>
  page.evaluate((list) => list.filter((id) => !(document.getElementById(id) as HTMLButtonElement).disabled), ids);
const VAULT_BUTTONS = [
  'vault-create',
  'vault-unlock',
  'vault-passkey-unlock',
  'vault-passkey-add',
  'vault-lock',
  'wallet-new',
  'vault-sign',
];

/** Every text the page shows: no "null", "undefined" or "[object" leaks into it. */
async function noLeaks(page: Page) {
  const text = await page.evaluate(() => document.body.textContent ?? '');
  assert.doesNotMatch(text, /\bnull\b|\bundefined\b|\[object /, 'no null/undefined in the UI');
}

/** axe-core over the page as it is: no serious or critical violation. Loaded from 'self', so the CSP stays as it is. */
async function axe(page: Page, state: string) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ url: '/node_modules/axe-core/axe.min.js' });
  const found = await page.evaluate(async () => {
    const r = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: any) => `${v.id} (${v.impact}): ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(found, [], `axe, ${state}`);
}

let shot = 0;
async function snap(page: Page, name: string) {
  shot++;
  // From the top: a full-page capture would otherwise draw the sticky header where the page was scrolled to.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SHOTS}${String(shot).padStart(2, '0')}-${name}.png`, fullPage: true });
  await axe(page, name);
  await noLeaks(page);
}

const badge = (page: Page) => page.textContent('#state-badge');

let backupFile: Buffer;
let backupKeys: string[];

test('demo wallet: every flow of a new user, states, messages, accessibility and screenshots', async () => {
  const { page, errors } = await open(ctx);
  assert.deepEqual(errors, [], 'the page loads without errors, with no bridge running');

  // Empty profile: only "Create vault" makes sense among the vault controls.
  assert.equal(await badge(page), 'No vault');
  assert.deepEqual(await enabled(page, VAULT_BUTTONS), ['vault-create']);
  assert.equal(await page.isVisible('#vault [data-show="empty"]'), true, 'the empty-state hint is shown');
  assert.equal(await page.isVisible('#bk-newpass'), true, 'restoring offers a passphrase for the new vault');
  await snap(page, 'empty');

  // HSM panel: step 2 before step 1 says what to do (no request made: whatever listens on the bridge port is not involved).
  await page.fill('#pair-code', 'ABCD-EFGH');
  const early = await click(page, 'pair-done', 'hsm-out');
  assert.ok(early.code === 'ERROR' && /Press step 1 first/.test(early.text), early.text);
  await page.fill('#pair-code', '');

  // Create: a vault and no wallet in it.
  await page.fill('#vault-pass', VAULT_PASS);
  assert.match(await run(page, 'vault-create', 'vault-out'), /Vault created/);
  assert.equal(await badge(page), 'Unlocked');
  assert.deepEqual(await enabled(page, VAULT_BUTTONS), ['vault-passkey-add', 'vault-lock', 'wallet-new']);
  assert.equal(await page.locator('#key option').count(), 0, 'creating a vault adds no wallet');
  await snap(page, 'created-no-wallet');

  // Import an existing recovery phrase: in the worker; the address is the one ethers derives.
  await page.fill('#import-phrase', PHRASE);
  const imported = await run(page, 'import-mnemonic', 'import-out');
  const phraseKey = /\((k_[0-9a-f]{24})\)/.exec(imported)?.[1];
  assert.ok(phraseKey, imported);
  const expected = HDNodeWallet.fromPhrase(PHRASE, undefined, "m/44'/60'/0'/0/0").address;
  assert.ok(imported.includes(`Ethereum address ${expected} at m/44'/60'/0'/0/0`), imported);
  assert.equal(await page.inputValue('#key'), phraseKey, 'the imported wallet is the current one');
  assert.equal(await page.inputValue('#import-phrase'), '', 'the phrase field is cleared');
  // A wrong phrase: a message a person can act on.
  await page.fill('#import-phrase', PHRASE.replace(/about$/, 'abandon'));
  const bad = await click(page, 'import-mnemonic', 'import-out');
  assert.equal(bad.code, 'INVALID_MNEMONIC');
  assert.match(bad.text, /not a valid recovery phrase/);
  await page.fill('#import-phrase', '');

  // A second wallet: the picker holds both, the new one selected.
  const made = await run(page, 'wallet-new', 'wallet-out');
  const newKey = /\((k_[0-9a-f]{24})\)/.exec(made)?.[1];
  assert.ok(newKey && newKey !== phraseKey, made);
  assert.equal(await page.locator('#key option').count(), 2);
  assert.equal(await page.inputValue('#key'), newKey);

  // Addresses: from the worker (xpub + 5), then 10,000 on the pool with a progress bar.
  await page.selectOption('#key', phraseKey);
  await page.waitForFunction((id) => (document.getElementById('key') as HTMLSelectElement).value === id, phraseKey);
  const addrs = await run(page, 'addresses', 'hd-out');
  assert.ok(addrs.includes(`m/44'/60'/0'/0/4`) && addrs.includes(expected), addrs);
  assert.equal(
    addrs.split('\n')[5]!.split(/\s+/)[1],
    HDNodeWallet.fromPhrase(PHRASE, undefined, "m/44'/60'/0'/0/4").address,
    'the fifth address agrees with ethers',
  );
  await page.selectOption('#purpose', 'bitcoin-taproot');
  await page.click('#scan');
  await page.waitForSelector('#hd .waiting:not([hidden])');
  assert.equal(await page.isDisabled('#wallet-new'), true, 'vault controls are off while a step runs');
  await snap(page, 'busy-scan');
  await page.waitForFunction(() => document.getElementById('hd-out')!.getAttribute('aria-busy') !== 'true', null, { timeout: 120_000 });
  assert.match((await page.textContent('#hd-out'))!, /^10000 p2tr addresses on \d+ workers/);
  // The first Taproot address of the BIP-86 vector phrase (BIP-86 test vectors: m/86'/0'/0'/0/0).
  assert.match((await page.textContent('#hd-out'))!, /first: bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr /);

  // Keystore v3: export the phrase wallet's key (scrypt, busy state shown), import it, import it again.
  await page.fill('#v3-pass', V3_PASS);
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), run(page, 'v3-export', 'v3-out')]);
  const json = await readFile((await dl.path())!, 'utf8');
  assert.equal(`0x${JSON.parse(json).address}`.toLowerCase(), expected.toLowerCase());
  await page.fill('#v3-json', json);
  await page.fill('#v3-pass', V3_PASS);
  await page.click('#v3-import');
  await page.waitForSelector('#wallets .waiting:not([hidden])');
  assert.equal(await page.isDisabled('#v3-import'), true, 'no second click while scrypt runs');
  await snap(page, 'busy-keystore-import');
  await page.waitForFunction(() => document.getElementById('v3-out')!.getAttribute('aria-busy') !== 'true', null, { timeout: 60_000 });
  const v3 = (await page.textContent('#v3-out'))!;
  const v3Key = /selected: (k_[0-9a-f]{24})/.exec(v3)?.[1];
  assert.ok(v3Key, v3);
  assert.equal(await page.inputValue('#key'), v3Key, 'the output names the selected key');
  await page.fill('#v3-pass', V3_PASS);
  const again = await click(page, 'v3-import', 'v3-out');
  assert.equal(again.code, 'ALREADY_EXISTS');
  assert.match(again.text, new RegExp(`already in the vault as ${v3Key}`));
  assert.equal(await page.locator('#key option').count(), 3, 'nothing added by the duplicate');

  // Rotating an imported key: no "(null)" path.
  const rotImported = await run(page, 'lc-rotate', 'lc-out');
  assert.match(rotImported, new RegExp(`^${v3Key} -> ${v3Key}-v2`));
  assert.doesNotMatch(rotImported, /null/);
  // The rotated key cannot be rotated again: the button is off, not an error about states.
  await page.selectOption('#key', v3Key!);
  await page.waitForFunction(() => (document.getElementById('lc-rotate') as HTMLButtonElement).disabled);
  assert.equal(await page.isEnabled('#lc-record'), true);
  assert.match(await run(page, 'lc-record', 'lc-out'), /state +rotating/);

  // Emergency rotation of the phrase wallet: confirmed in an in-page dialog; the successor has its own phrase.
  await page.selectOption('#key', phraseKey!);
  await page.waitForFunction(() => !(document.getElementById('lc-emergency') as HTMLButtonElement).disabled);
  await page.click('#lc-emergency');
  await page.waitForSelector('#confirm[open]');
  await snap(page, 'confirm-emergency');
  await page.click('#confirm-ok');
  await page.waitForFunction(
    () => document.getElementById('lc-out')!.getAttribute('aria-busy') !== 'true' && !!document.getElementById('lc-out')!.textContent,
  );
  const emergency = (await page.textContent('#lc-out'))!;
  assert.match(emergency, new RegExp(`^${phraseKey} -> ${phraseKey}-v2, now the current wallet`));
  const successorAddress = /new Ethereum address (0x[0-9a-fA-F]{40}) \(m\/44'\/60'\/0'\/0\/0\)/.exec(emergency)?.[1];
  assert.ok(successorAddress, emergency);
  assert.notEqual(successorAddress, expected, 'a fresh seed, not the old phrase');
  await page.waitForFunction(() => /compromised/.test(document.getElementById('lc-events')!.textContent ?? ''), null, { timeout: 10_000 });

  // The successor's recovery phrase, with its derivation path; the phrase restores the address in ethers.
  await page.fill('#rp-pass', VAULT_PASS);
  const shown = await run(page, 'rp-show', 'rp-out');
  const [phrase] = shown.split('\n');
  assert.ok(validateMnemonic(phrase!, wordlist), 'a valid BIP-39 phrase');
  assert.notEqual(phrase, PHRASE);
  const path = /is at (m\/[0-9'/]+) of this phrase/.exec(shown)?.[1];
  assert.equal(path, "m/44'/60'/0'/0/0", shown);
  assert.equal(HDNodeWallet.fromPhrase(phrase!, undefined, path).address, successorAddress, 'the phrase shown restores the key');
  assert.equal(await page.inputValue('#rp-pass'), '', 'the passphrase field is cleared');
  const qr = await page.evaluate(() => {
    const c = document.getElementById('rp-qr') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 0 && d[i]! < 128) dark++;
    return { width: c.width, height: c.height, dark };
  });
  assert.ok(qr.width > 100 && qr.width === qr.height && qr.dark > 1000, `QR drawn: ${JSON.stringify(qr)}`);
  await snap(page, 'phrase-shown');
  await page.click('#rp-hide');
  assert.equal(await page.textContent('#rp-out'), '');
  assert.equal(await page.isHidden('#rp-qr'), true, 'the hidden QR code leaves no gap');

  // Audit: intact, and it recorded the rotations.
  assert.match(await run(page, 'audit-verify', 'access-out'), /^audit chain intact: \d+ entries$/);
  assert.match(await run(page, 'audit-report', 'access-out'), /key:rotate +\d+ \(0 failed\)/);

  // Backup with its progress bar, downloaded.
  await page.fill('#bk-pass', BACKUP_PASS);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 90_000 }), run(page, 'bk-make', 'bk-out', 90_000)]);
  assert.equal(download.suggestedFilename(), 'vault.vkbk');
  backupFile = await readFile((await download.path())!);
  assert.equal(backupFile.subarray(0, 4).toString('latin1'), 'VKBK');
  backupKeys = await page.evaluate(() => [...(document.getElementById('key') as HTMLSelectElement).options].map((o) => o.value).sort());

  // A passkey prompt nobody answers (no authenticator here): it says it is waiting, and Cancel ends it.
  await page.click('#vault-passkey-add');
  await page.waitForSelector('#vault .waiting:not([hidden])');
  assert.match((await page.textContent('#vault .waiting'))!, /Waiting for your authenticator/);
  await snap(page, 'waiting-passkey');
  // Headless Chromium's invisible WebAuthn sheet swallows real mouse input while the request is pending
  // (a person would use the browser's own sheet, or this button beside it), so the click is dispatched.
  await page.dispatchEvent('#vault-out-cancel', 'click');
  await page.waitForFunction(() => document.getElementById('vault-out')!.getAttribute('aria-busy') !== 'true', null, { timeout: 10_000 });
  const cancelled = (await page.textContent('#vault-out'))!;
  assert.equal(await page.evaluate(() => document.getElementById('vault-out')!.dataset.code), 'ABORTED', cancelled);
  assert.match(cancelled, /^Cancelled\./);

  // Lock: state shown, only unlock enabled; a wrong passphrase says so.
  assert.match(await run(page, 'vault-lock', 'vault-out'), /^Locked/);
  assert.equal(await badge(page), 'Locked');
  assert.deepEqual(await enabled(page, VAULT_BUTTONS), ['vault-unlock']);
  assert.doesNotMatch((await page.textContent('#vault-state'))!, /signed in|until/i, 'no session shown while locked');
  await snap(page, 'locked');
  await page.fill('#vault-pass', 'not the passphrase');
  const wrong = await click(page, 'vault-unlock', 'vault-out');
  assert.equal(wrong.code, 'WRONG_PASSPHRASE');
  assert.match(wrong.text, /does not open this vault/);
  await page.fill('#vault-pass', VAULT_PASS);
  await run(page, 'vault-unlock', 'vault-out');
  assert.equal(await badge(page), 'Unlocked');

  // Phone width: no sideways scrolling, still no serious accessibility finding.
  await page.setViewportSize({ width: 375, height: 800 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), 'fits 375 px');
  await snap(page, 'phone-unlocked');

  assert.deepEqual(errors, [], 'no console errors, no CSP violations');
  await page.close();
});

test('restore into a fresh browser profile: the restore creates the vault, with the backup’s wallets only', async () => {
  assert.ok(backupFile, 'the first test made a backup');
  const fresh = await browser.newContext({ viewport: { width: 375, height: 800 } });
  const { page, errors } = await open(fresh);
  assert.equal(await badge(page), 'No vault');
  assert.equal(await page.isDisabled('#bk-restore'), true, 'no file chosen yet');
  await page.setInputFiles('#bk-file', { name: 'vault.vkbk', mimeType: 'application/octet-stream', buffer: backupFile });
  await page.fill('#bk-pass', BACKUP_PASS);
  await page.fill('#bk-newpass', VAULT_PASS);
  await snap(page, 'phone-restore-empty');
  const r = await run(page, 'bk-restore', 'bk-out', 90_000);
  assert.match(r, /^New vault created\. Restored\./);
  assert.equal(await badge(page), 'Unlocked');
  const keys = await page.evaluate(() => [...(document.getElementById('key') as HTMLSelectElement).options].map((o) => o.value).sort());
  assert.deepEqual(keys, backupKeys, 'exactly the wallets of the backup');
  // It opens with the passphrase chosen for it (Enter in the field unlocks).
  await run(page, 'vault-lock', 'vault-out');
  await page.fill('#vault-pass', VAULT_PASS);
  await page.press('#vault-pass', 'Enter');
  await page.waitForFunction(() => document.getElementById('state-badge')!.textContent === 'Unlocked', null, { timeout: 30_000 });
  await snap(page, 'phone-restored');
  assert.deepEqual(errors, []);
  await fresh.close();
});

test('passkeys in the demo, on a virtual authenticator: add, unlock, and a passkey this authenticator does not hold', async () => {
  const c = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await c.newPage();
  const errors = watchErrors(page);
  const cdp = await c.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      hasPrf: true,
      automaticPresenceSimulation: true,
    },
  });
  await page.goto(base);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
  await page.fill('#vault-pass', VAULT_PASS);
  await run(page, 'vault-create', 'vault-out');
  assert.match(await run(page, 'vault-passkey-add', 'vault-out'), /^Passkey added/);
  await run(page, 'vault-lock', 'vault-out');
  assert.deepEqual(await enabled(page, VAULT_BUTTONS), ['vault-unlock', 'vault-passkey-unlock'], 'a vault with a passkey offers it');
  assert.match(await run(page, 'vault-passkey-unlock', 'vault-out'), /^Unlocked with your passkey/);
  await run(page, 'vault-lock', 'vault-out');
  // The authenticator loses the credential: WebAuthn answers NotAllowedError, exactly as for a cancelled
  // prompt (WebAuthn L3 §14.5.2 keeps them indistinguishable), so the message names both and what to do.
  await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
  const r = await click(page, 'vault-passkey-unlock', 'vault-out');
  assert.equal(r.code, 'USER_REJECTED');
  assert.match(r.text, /this device holds no passkey for this vault/);
  assert.match(r.text, /unlock with the passphrase/);
  assert.equal(await badge(page), 'Locked');
  await snap(page, 'passkey-not-here');
  assert.deepEqual(errors, []);
  await c.close();
});

test('sign requests: each is reviewed in a dialog; Reject signs nothing, Approve signs what was shown', async () => {
  const c = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const { page, errors } = await open(c);
  await page.fill('#vault-pass', VAULT_PASS);
  await run(page, 'vault-create', 'vault-out');
  await page.fill('#import-phrase', PHRASE);
  await run(page, 'import-mnemonic', 'import-out');
  const address = HDNodeWallet.fromPhrase(PHRASE, undefined, "m/44'/60'/0'/0/0").address as Hex;

  /** Opens the review of `button`; resolves to its text once it is open and focused. */
  const openReview = async (button: string) => {
    await page.click(`#${button}`);
    await page.waitForSelector('#review[open]');
    const inside = await page.evaluate(() => document.getElementById('review')!.contains(document.activeElement));
    assert.equal(inside, true, 'focus moves into the review');
    // A <dialog> has the dialog role; its accessible name is its heading (aria-labelledby).
    const heading = (await page.textContent('#review-h'))!;
    assert.equal(await page.getByRole('dialog', { name: heading, exact: true }).count(), 1, 'a dialog named by its heading');
    return (await page.textContent('#review'))!;
  };
  const settled = async () => {
    await page.waitForFunction(() => {
      const o = document.getElementById('sign-out')!;
      return o.getAttribute('aria-busy') !== 'true' && !!o.textContent;
    });
    const o = await page.evaluate(() => ({
      text: document.getElementById('sign-out')!.textContent!,
      error: document.getElementById('sign-out')!.classList.contains('error'),
    }));
    assert.equal(o.error, false, o.text);
    return o.text;
  };
  const signature = (text: string) => /^signature (0x[0-9a-f]{130})$/m.exec(text)?.[1] as Hex | undefined;

  // 1. A personal message: shown as its UTF-8 text.
  let shown = await openReview('sign-message');
  assert.match(shown, /Sign a message/);
  assert.match(shown, /text \(UTF-8\)/);
  assert.ok(shown.includes('Sign in to vaultkey demo dApp'), shown);
  assert.ok(shown.includes(address), 'the signer is named');
  await axe(page, 'review: message');
  await snap(page, 'review-message');
  await page.click('#review-reject');
  let out = await settled();
  assert.match(out, /^rejected: nothing was signed/);
  assert.equal(signature(out), undefined, 'no signature after Reject');
  await openReview('sign-message');
  await page.click('#review-approve');
  out = await settled();
  const msgSig = signature(out);
  assert.ok(msgSig, out);
  const message = 'Sign in to vaultkey demo dApp\nNonce: 8f3a1c\nIssued: 2026-12-05';
  assert.equal(await verifyMessage({ address, message, signature: msgSig }), true, 'the EIP-191 signature verifies in viem');
  assert.equal(await verifyMessage({ address, message: 'something else', signature: msgSig }), false);

  // 2. An EIP-712 Permit: domain and message fields listed; Escape rejects.
  shown = await openReview('sign-typed');
  assert.match(shown, /Sign typed data: Permit/);
  for (const s of [
    'USD Coin',
    'chainId: 1',
    '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48',
    'spender (address): 0x1111111254EEB25477B68fb85Ed929f73A960582',
    'value (uint256): 250000000',
    `owner (address): ${address}`,
  ]) {
    assert.ok(shown.includes(s), `review shows ${s}: ${shown}`);
  }
  await axe(page, 'review: EIP-712');
  await snap(page, 'review-typed-data');
  await page.keyboard.press('Escape');
  out = await settled();
  assert.match(out, /^rejected: nothing was signed/);
  assert.equal(await page.isVisible('#review'), false, 'Escape closes the review');
  await openReview('sign-typed');
  await page.click('#review-approve');
  out = await settled();
  const typedSig = signature(out);
  assert.ok(typedSig, out);
  const permit = {
    domain: { name: 'USD Coin', version: '2', chainId: 1, verifyingContract: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48' },
    types: {
      Permit: [
        { name: 'owner', type: 'address' },
        { name: 'spender', type: 'address' },
        { name: 'value', type: 'uint256' },
        { name: 'nonce', type: 'uint256' },
        { name: 'deadline', type: 'uint256' },
      ],
    },
    primaryType: 'Permit',
    message: { owner: address, spender: '0x1111111254EEB25477B68fb85Ed929f73A960582', value: 250000000n, nonce: 0n, deadline: 1798761600n },
  } as const;
  assert.equal(await verifyTypedData({ address, signature: typedSig, ...permit }), true, 'the EIP-712 signature verifies in viem');
  assert.equal(
    await verifyTypedData({ address, signature: typedSig, ...permit, message: { ...permit.message, value: 250000001n } }),
    false,
  );

  // 3. An EIP-1559 transfer, at phone width.
  await page.setViewportSize({ width: 375, height: 800 });
  shown = await openReview('sign-tx');
  for (const s of [
    'to: 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    'value: 0.0123 ETH',
    'chainId: 1',
    'nonce: 7',
    'gas limit: 21000',
    'max fee per gas: 30 gwei',
    'max priority fee per gas: 1.5 gwei',
    'data: none',
  ]) {
    assert.ok(shown.includes(s), `review shows ${s}: ${shown}`);
  }
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), 'the review fits 375 px');
  const box = (await page.locator('#review').boundingBox())!;
  assert.ok(box.x >= 0 && box.x + box.width <= 375, `dialog within the screen: ${JSON.stringify(box)}`);
  await axe(page, 'review: transaction, 375 px');
  await snap(page, 'phone-review-transaction');
  await page.click('#review-reject');
  out = await settled();
  assert.match(out, /^rejected: nothing was signed/);
  assert.doesNotMatch(out, /0x02/);
  await openReview('sign-tx');
  await page.click('#review-approve');
  out = await settled();
  const raw = /^raw (0x02[0-9a-f]+)$/m.exec(out)?.[1] as Hex | undefined;
  assert.ok(raw, out);
  const tx = parseTransaction(raw);
  assert.equal(tx.type, 'eip1559');
  assert.equal(tx.to?.toLowerCase(), '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'.toLowerCase());
  assert.equal(tx.value, 12_300_000_000_000_000n);
  assert.equal(tx.chainId, 1);
  assert.equal(tx.nonce, 7);
  assert.equal(tx.gas, 21000n);
  assert.equal(tx.maxFeePerGas, 30_000_000_000n);
  assert.equal(tx.maxPriorityFeePerGas, 1_500_000_000n);
  assert.equal(
    await recoverTransactionAddress({ serializedTransaction: raw as any }),
    address,
    'the transaction recovers to the wallet in viem',
  );

  assert.deepEqual(errors, [], 'no console errors, no CSP violations');
  await c.close();
});

test('sign review decoding on the page: nested EIP-712 structs hash as EIP-712 and viem do; non-text messages show as hex', async () => {
  const c = await browser.newContext();
  const { page, errors } = await open(c);
  // EIP-712's own example (the Mail/Person structs of the EIP's reference test), whose digest the EIP states.
  const mail = {
    domain: { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
    types: {
      Person: [
        { name: 'name', type: 'string' },
        { name: 'wallet', type: 'address' },
      ],
      Mail: [
        { name: 'from', type: 'Person' },
        { name: 'to', type: 'Person' },
        { name: 'contents', type: 'string' },
      ],
    },
    primaryType: 'Mail',
    message: {
      from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
      to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
      contents: 'Hello, Bob!',
    },
  } as const;
  const got = await page.evaluate(
    `import('./sign-review.js').then((m) => ({
      digest: '0x' + m.hex(m.typedDataDigest(${JSON.stringify(mail)})),
      list: (() => { const d = document.createElement('div'); d.append(m.renderRows(m.describe({ kind: 'typed', typedData: ${JSON.stringify(mail)} }).rows)); return d.textContent; })(),
      binary: m.messageText(Uint8Array.of(0xde, 0xad, 0x00, 0xff)),
      control: m.messageText(Uint8Array.of(0x68, 0x69, 0x07)),
      text: m.messageText(new TextEncoder().encode('héllo\\nwörld')),
    }))`,
  );
  const { digest, list, binary, control, text } = got as {
    digest: string;
    list: string;
    binary: { kind: string; text: string };
    control: { kind: string; text: string };
    text: { kind: string; text: string };
  };
  assert.equal(digest, '0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2', 'the digest EIP-712 gives for its example');
  assert.equal(digest, hashTypedData(mail), 'and viem agrees');
  assert.match(list, /from \(Person\): name \(string\): Cow/, 'nested structs are listed inside their field');
  assert.deepEqual(binary, { kind: 'hex (not printable text)', text: '0xdead00ff' });
  assert.deepEqual(control, { kind: 'hex (not printable text)', text: '0x686907' });
  assert.deepEqual(text, { kind: 'text (UTF-8)', text: 'héllo\nwörld' });
  assert.deepEqual(errors, []);
  await c.close();
});
