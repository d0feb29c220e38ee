// The README's ```js browser examples run as written in Debian's Chromium (a
// fresh profile each, with a virtual WebAuthn authenticator), importing the
// built bundles from dist/; `// 'value'` comments are asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { launch, serveRepo } from './helpers/browser.ts';
import { browserBlocks, browserImports, instrument, root } from './helpers/readme.ts';

test('README has browser examples', () => assert.ok(browserBlocks.length >= 1));

if (browserBlocks.length > 0) {
  test('README browser examples run in Chromium', async (t) => {
    const server = await serveRepo();
    const browser = await launch();
    const base = server.url.replace('127.0.0.1', 'localhost');
    try {
      for (const [i, code] of browserBlocks.entries()) {
        await t.test(`README browser example ${i + 1}`, async () => {
          assert.ok((code.match(/\/\/ '/g) ?? []).length > 0, 'each js example states at least one expected value');
          const rel = `test/fixtures/readme/.example-${i}-${process.pid}.mjs`;
          writeFileSync(root + rel, instrument(browserImports(code), true));
          const ctx = await browser.newContext();
          try {
            const page = await ctx.newPage();
            const errors: string[] = [];
            page.on('pageerror', (e) => errors.push(String(e)));
            const cdp = await ctx.newCDPSession(page);
            await cdp.send('WebAuthn.enable');
            await cdp.send('WebAuthn.addVirtualAuthenticator', {
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
            await page.goto(`${base}test/fixtures/readme/index.html?m=/${rel}`);
            await page.waitForFunction(() => (window as any).readme?.done === true, null, { timeout: 120_000 });
            const error = await page.evaluate(() => (window as any).readme.error);
            assert.equal(error, null);
            assert.deepEqual(errors, []);
          } finally {
            await ctx.close();
            rmSync(root + rel, { force: true });
          }
        });
      }
    } finally {
      await browser.close();
      await server.close();
    }
  });
}
