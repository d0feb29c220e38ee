// Drives the Keystore fixture page (test/fixtures/vault/vault.js, `window.vt`)
// from Node: every call goes through `vt.call`, which converts 'hex:' strings
// to bytes and returns `{ ok, value }` (bytes as 'hex:' strings) or `{ ok: false, code }`.
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';

export type Res = { ok: true; value: any } | { ok: false; code: string | null; isVk: boolean; message: string };

export function call(page: Page, method: string, ...args: unknown[]): Promise<Res> {
  return page.evaluate(([m, a]) => (window as any).vt.call(m, ...(a as unknown[])), [method, args] as const);
}

/** The call's value; fails the test if it threw. */
export async function ok(page: Page, method: string, ...args: unknown[]): Promise<any> {
  const r = await call(page, method, ...args);
  assert.ok(r.ok, `${method} failed: ${!r.ok ? `${r.code} ${r.message}` : ''}`);
  return r.value;
}

/** Asserts the call threw a VaultkeyError with `code`. */
export async function fails(page: Page, code: string, method: string, ...args: unknown[]): Promise<void> {
  const r = await call(page, method, ...args);
  assert.equal(r.ok, false, `${method} should fail with ${code}`);
  if (!r.ok) {
    assert.equal(r.code, code, `${method}: ${r.message}`);
    assert.equal(r.isVk, true, 'errors are VaultkeyError instances');
  }
}

/** Loads the fixture page in a new tab of `ctx` and waits for `vt`. */
export async function loadFixture(ctx: BrowserContext, base: string): Promise<Page> {
  const page = await ctx.newPage();
  await reload(page, base);
  return page;
}

export async function reload(page: Page, base: string): Promise<void> {
  await page.goto(base + 'test/fixtures/vault/vault.html');
  await page.waitForFunction(() => (window as any).vtReady === true, null, { timeout: 20_000 });
}

/** Adds Chromium's virtual authenticator (CTAP2.1, UV, resident keys, PRF as given) to the page's tab. */
export async function addAuthenticator(page: Page, prf = true) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      hasPrf: prf,
      automaticPresenceSimulation: true,
    },
  });
  return cdp;
}
