// Ed25519 in Chromium: vaultkey/core on the page and through the worker pool
// (the rollup bundle, under the strict CSP), against @noble/curves in Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ed25519 as noble } from '@noble/curves/ed25519.js';
import { hex, unhex } from './helpers/vectors.ts';

test('in Chromium: core on the page and the worker pool (rollup bundle, strict CSP)', async (t) => {
  const { launch, serveRepo, watchErrors, CHROMIUM } = await import('./helpers/browser.ts');
  const { existsSync } = await import('node:fs');
  if (!existsSync(CHROMIUM)) return t.skip(`no Chromium at ${CHROMIUM}`);
  const server = await serveRepo();
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    // The foundation's fixture page exposes window.vk = { core, pool, u, h }.
    await page.goto(server.url + 'test/fixtures/browser/hash.html');
    await page.waitForFunction(() => (window as any).vkReady === true, null, { timeout: 30_000 });
    const jobs = Array.from({ length: 12 }, (_, i) => [crypto.randomBytes(32).toString('hex'), crypto.randomBytes(i * 50).toString('hex')]);
    const got = await page.evaluate(async (js) => {
      const vk = (window as any).vk;
      const { u, h } = vk;
      const out = [];
      for (const [sk, msg] of js) {
        const pub = vk.core.ed25519.getPublicKey(u(sk));
        const sig = vk.core.ed25519.sign(u(msg), u(sk));
        out.push({
          pub: h(pub),
          sig: h(sig),
          ok: vk.core.ed25519.verify(sig, u(msg), pub),
          workerSig: h(await vk.pool.call('ed25519Sign', u(msg), u(sk))),
          workerOk: await vk.pool.call('ed25519Verify', sig, u(msg + '00'), pub),
        });
      }
      return out;
    }, jobs);
    jobs.forEach(([sk, msg], i) => {
      const secret = unhex(sk!),
        m = unhex(msg!);
      assert.equal(got[i]!.pub, hex(noble.getPublicKey(secret)));
      assert.equal(got[i]!.sig, hex(noble.sign(m, secret)));
      assert.equal(got[i]!.workerSig, got[i]!.sig);
      assert.equal(got[i]!.ok, true);
      assert.equal(got[i]!.workerOk, false);
    });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
