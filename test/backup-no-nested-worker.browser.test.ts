// A browser whose workers cannot start workers of their own: the backup
// formats (which run in a backup worker that the vault worker starts,
// docs/vault.md "Lazy parts") refuse with UNSUPPORTED, and every other vault
// operation still works. No engine here lacks nested workers, so the vault
// worker is served with its `Worker` global removed before its code runs: the
// rest of the page, the worker and IndexedDB are the real ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite, watchErrors } from './helpers/browser.ts';
import { fails, loadFixture, ok } from './helpers/keystore-page.ts';

const PASS = 'correct horse battery staple';
const FAST_KDF = { t: 1, m: 256, p: 1 };
const MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';

const suite = browserSuite();

test('without nested workers: backup formats give UNSUPPORTED, signing and key management keep working', async () => {
  const ctx = await suite.browser.newContext();
  let served = 0;
  // Module code runs after its imports, and before the worker handles any message.
  await ctx.route('**/dist/worker.js', async (route) => {
    const response = await route.fetch();
    served++;
    const body = `Object.defineProperty(globalThis, 'Worker', { value: undefined, configurable: true });\n${await response.text()}`;
    await route.fulfill({ response, body });
  });
  try {
    const page = await loadFixture(ctx, suite.base);
    const errors = watchErrors(page);
    await page.evaluate((o) => (window as any).vt.open(o), { name: `nw${process.pid}x${Date.now().toString(36)}` });
    await ok(page, 'create', { passphrase: PASS });
    assert.equal(served, 1, 'the vault worker was served without its Worker global');

    const hd = (await ok(page, 'createFromMnemonic', MNEMONIC, { label: 'main' })).id;
    const [imported] = (await ok(page, 'importKeys', [{ privateKey: 'hex:' + '11'.repeat(32) }])).map((k: any) => k.id);
    const sig = await ok(page, 'sign', imported, 'hex:' + 'ab'.repeat(32));
    assert.match(sig.signature, /^hex:[0-9a-f]{128}$/);
    assert.ok((await ok(page, 'getAddress', hd, 'ethereum')).address.startsWith('0x'));

    const proof = { passphrase: PASS };
    await fails(page, 'UNSUPPORTED', 'backup', { passphrase: 'backup passphrase, long enough', kdf: FAST_KDF, proof });
    await fails(page, 'UNSUPPORTED', 'exportSlip39', hd, proof, { groups: [{ threshold: 2, count: 3 }] });

    // The refusal left the vault as it was: the same keys, and the mnemonic export (no backup worker) works.
    assert.deepEqual((await ok(page, 'keys')).map((k: any) => k.id).sort(), [hd, imported].sort());
    assert.equal(await ok(page, 'exportMnemonic', hd, proof), MNEMONIC);
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});
