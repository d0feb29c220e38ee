// A browser profile with no vault yet, as a new user meets it, and the calls
// the demo dApp's flows rely on: NO_VAULT (not LOCKED, not NOT_FOUND) before
// a vault exists, a backup restored into a new profile without an extra key,
// a keystore v3 file of a key the vault holds refused, and the idle timer reset by every Keystore call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite } from './helpers/browser.ts';
import { call, fails, loadFixture, ok } from './helpers/keystore-page.ts';

const s = browserSuite();
const PASS = 'empty profile passphrase';
const BACKUP = 'backup file passphrase';
// A valid secp256k1 private key (any value in [1, n-1]); a public test value, never a real key.
const PRIV = '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';

test('a profile without a vault answers NO_VAULT to unlock and to every call, and stays empty', async () => {
  const page = await loadFixture(s.context, s.base);
  assert.equal((await page.evaluate(() => (window as any).vt.open({ name: 'no-vault-yet' }))).state, 'empty');
  await fails(page, 'NO_VAULT', 'unlock', { passphrase: PASS });
  await fails(page, 'NO_VAULT', 'getAddress', 'k_000000000000000000000000', 'ethereum', 0);
  await fails(page, 'NO_VAULT', 'lifecycleReport');
  await fails(page, 'NO_VAULT', 'restoreBackup', 'hex:00', { passphrase: BACKUP });
  assert.equal((await ok(page, 'status')).state, 'empty', 'nothing was created by the refused calls');
  await page.close();
});

test('a backup restores into a new profile with createVault: the keys of the file and no other', async () => {
  const page = await loadFixture(s.context, s.base);
  await page.evaluate(() => (window as any).vt.open({ name: 'source-vault' }));
  await ok(page, 'create', { passphrase: PASS });
  const hd = await ok(page, 'generate', { label: 'wallet' });
  const [imported] = await ok(page, 'importKeys', [{ privateKey: 'hex:' + PRIV, label: 'raw' }]);
  // The same key again, as a keystore v3 file: refused with the id it already has, nothing added.
  const json = await ok(page, 'exportKeystoreV3', imported.id, 'keystore password', {
    scrypt: { n: 1024, r: 8, p: 1 },
    proof: { passphrase: PASS },
  });
  const dup = await call(page, 'importKeystoreV3', json, 'keystore password');
  assert.equal(!dup.ok && dup.code, 'ALREADY_EXISTS');
  assert.match(!dup.ok ? dup.message : '', new RegExp(`already in the vault as ${imported.id}`));
  assert.equal((await ok(page, 'listKeys')).length, 2);
  const file = await ok(page, 'backupFile', { passphrase: BACKUP, proof: { passphrase: PASS } });
  const want = [hd.id, imported.id].sort();
  const address = (await ok(page, 'getAddress', hd.id, 'ethereum', 0)).address;
  await page.close();

  // Another browser context is another profile: its IndexedDB is empty.
  const fresh = await s.browser.newContext();
  const p2 = await loadFixture(fresh, s.base);
  assert.equal((await p2.evaluate(() => (window as any).vt.open({ name: 'source-vault' }))).state, 'empty');
  await fails(p2, 'NO_VAULT', 'restoreBackup', file, { passphrase: BACKUP });
  // A wrong backup passphrase creates nothing: the file is opened before the vault is made.
  await fails(
    p2,
    'WRONG_PASSPHRASE',
    'restoreBackup',
    file,
    { passphrase: 'not the backup passphrase' },
    { createVault: { passphrase: PASS } },
  );
  assert.equal((await ok(p2, 'status')).state, 'empty');
  const r = await ok(p2, 'restoreBackup', file, { passphrase: BACKUP }, { createVault: { passphrase: PASS } });
  assert.equal(r.committed, true);
  assert.deepEqual([...r.restored].sort(), want);
  const st = await ok(p2, 'status');
  assert.equal(st.state, 'unlocked');
  assert.deepEqual(st.keys.map((k: { id: string }) => k.id).sort(), want, 'no key besides the restored ones');
  assert.equal((await ok(p2, 'getAddress', hd.id, 'ethereum', 0)).address, address);
  // createVault on a profile that has a vault is ignored: it restores into that vault (which holds the keys now).
  const again = await ok(p2, 'restoreBackup', file, { passphrase: BACKUP }, { conflict: 'skip', createVault: { passphrase: 'other' } });
  assert.equal(again.committed, false);
  await ok(p2, 'lock');
  await ok(p2, 'unlock', { passphrase: PASS });
  await fresh.close();
});

test('any Keystore call resets the idle timer, not only the calls that use a secret', async () => {
  const page = await loadFixture(s.context, s.base);
  await page.evaluate(() => (window as any).vt.open({ name: 'idle-vault', autoLockMs: 5000 }));
  await ok(page, 'create', { passphrase: PASS });
  // Read-only calls (lifecycle report, audit check) for twice the auto-lock delay: the vault stays unlocked.
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    await ok(page, 'lifecycleReport');
    await ok(page, 'verifyAuditLog');
    await page.waitForTimeout(1000);
    assert.equal((await ok(page, 'status')).state, 'unlocked');
  }
  // Then idle: it locks by itself.
  await page.waitForFunction(() => (window as any).vt.ks.state === 'locked', null, { timeout: 15_000 });
  await page.close();
});
