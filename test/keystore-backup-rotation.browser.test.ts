// Backup after rotation (docs/lifecycle.md "Backup after rotation"), through
// the Keystore in Debian's Chromium with real IndexedDB: under a policy with
// `requireBackupAfterRotation`, a rotation that makes a fresh secret marks the
// successor "backup pending" in its MAC'd lifecycle record and emits
// 'backup-required'; the predecessor is then neither removed nor deactivated
// (BACKUP_REQUIRED) until a backup holding the successor is made. Time is the
// page's test clock (`vt.advance`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserSuite, watchErrors } from './helpers/browser.ts';
import { fails, ok, reload } from './helpers/keystore-page.ts';

const PASS = 'correct horse battery staple';
const BPASS = 'backup passphrase, long enough';
const FAST_KDF = { t: 1, m: 256, p: 1 };
const DAY = 86_400_000;

const suite = browserSuite();
let n = 0;
const uniq = () => `br${process.pid}x${Date.now().toString(36)}x${n++}`;

async function tab(): Promise<{ page: Page; errors: string[] }> {
  const page = await suite.context.newPage();
  const errors = watchErrors(page);
  await reload(page, suite.base);
  return { page, errors };
}

const open = (page: Page, opts: object) => page.evaluate((o) => (window as any).vt.open(o), opts);
const advance = (page: Page, ms: number) => page.evaluate((x) => (window as any).vt.advance(x), ms);
const events = (page: Page): Promise<any[]> => page.evaluate(() => (window as any).vt.events);
const pending = async (page: Page, id: string) => (await ok(page, 'lifecycleRecord', id)).meta.backupPending === true;

test('high-security: a fresh-seed rotation asks for a backup; the old key is kept until a backup file holds the successor, also across a reload', async () => {
  const { page, errors } = await tab();
  const name = uniq();
  await open(page, { name, fakeClock: true });
  await ok(page, 'create', { passphrase: PASS });
  const id = (await ok(page, 'generate', { policy: 'high-security' })).id;
  const other = (await ok(page, 'generate', { policy: 'high-security' })).id;
  const { newKeyId } = await ok(page, 'rotateKey', id, { reason: 'quarterly' });
  await page.waitForFunction(() => (window as any).vt.events.some((e: any) => e.type === 'backup-required'));
  const ev = (await events(page)).filter((e) => e.type === 'backup-required');
  assert.equal(ev.length, 1);
  assert.equal(ev[0].keyId, newKeyId);
  assert.equal(ev[0].predecessor, id);
  assert.equal(await pending(page, newKeyId), true);
  assert.equal(await pending(page, other), false, 'a key that was not rotated is not pending');

  // Past the 30-day grace period: not KEY_IN_GRACE, but the successor has no backup yet.
  await advance(page, 31 * DAY);
  await ok(page, 'unlock', { passphrase: PASS });
  await ok(page, 'runLifecycle');
  assert.equal((await ok(page, 'lifecycleRecord', id)).state, 'deactivated', 'the scheduler still ends the grace period');
  await fails(page, 'BACKUP_REQUIRED', 'removeKey', id);
  await fails(page, 'BACKUP_REQUIRED', 'removeKey', id, { proof: { passphrase: PASS } });

  // Stored, not in memory: a new worker reads the same answer.
  await reload(page, suite.base);
  await open(page, { name, fakeClock: true });
  await ok(page, 'unlock', { passphrase: PASS });
  assert.equal(await pending(page, newKeyId), true);
  await fails(page, 'BACKUP_REQUIRED', 'removeKey', id);

  // A backup of another key only does not count; one that holds the successor does.
  await ok(page, 'backup', { passphrase: BPASS, kdf: FAST_KDF, keyIds: [other], proof: { passphrase: PASS } });
  assert.equal(await pending(page, newKeyId), true);
  await fails(page, 'BACKUP_REQUIRED', 'removeKey', id);
  const file = await ok(page, 'backup', { passphrase: BPASS, kdf: FAST_KDF, proof: { passphrase: PASS } });
  assert.equal(await pending(page, newKeyId), false);
  // Restored elsewhere, the file's own copy of the record does not ask for a backup again (it is one).
  const b = await tab();
  await open(b.page, { name: uniq(), fakeClock: true });
  await ok(b.page, 'create', { passphrase: PASS });
  assert.equal((await ok(b.page, 'restoreBackup', file, { passphrase: BPASS })).committed, true);
  assert.equal((await ok(b.page, 'lifecycleRecord', newKeyId)).keyId, newKeyId);
  assert.equal(await pending(b.page, newKeyId), false);
  await b.page.close();
  assert.equal(typeof (await ok(page, 'lifecycleRecord', newKeyId)).meta.backedUpAt, 'number');
  await ok(page, 'removeKey', id);
  assert.equal((await ok(page, 'lifecycleRecord', id)).state, 'destroyed');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a custom policy with requireBackupAfterRotation: deactivateKey and removeKey refused, force needs a proof, a mnemonic export of the successor clears it', async () => {
  const { page, errors } = await tab();
  await open(page, { name: uniq(), fakeClock: true });
  await ok(page, 'create', { passphrase: PASS });
  await ok(page, 'registerPolicy', {
    name: 'backup-first',
    maxActiveAgeDays: 30,
    warningDays: 1,
    expirationDays: 60,
    gracePeriodDays: 0.001, // 86.4 s
    autoRotate: false,
    requireMfa: false,
    rotateAfterUses: null,
    requireBackupAfterRotation: true,
  });
  await fails(page, 'INVALID_POLICY', 'registerPolicy', {
    name: 'bad',
    maxActiveAgeDays: 30,
    warningDays: 1,
    expirationDays: 60,
    gracePeriodDays: 1,
    autoRotate: false,
    requireMfa: false,
    rotateAfterUses: null,
    requireBackupAfterRotation: 'yes',
  });
  const id = (await ok(page, 'generate', { policy: 'backup-first' })).id;
  const { newKeyId } = await ok(page, 'rotateKey', id);
  await advance(page, 100_000);
  assert.equal((await ok(page, 'lifecycleRecord', id)).state, 'rotating');
  await fails(page, 'BACKUP_REQUIRED', 'deactivateKey', id);
  await fails(page, 'BACKUP_REQUIRED', 'removeKey', id);
  await fails(page, 'UV_REQUIRED', 'deactivateKey', id, { force: true });
  // The predecessor's own mnemonic is not the successor's backup.
  await ok(page, 'exportMnemonic', id, { passphrase: PASS });
  await fails(page, 'BACKUP_REQUIRED', 'deactivateKey', id);
  // A keystore v3 file of an HD key holds one derived key, not the seed: not a backup of it.
  await ok(page, 'exportKeystoreV3', newKeyId, 'export password', { kdf: 'pbkdf2', pbkdf2: { c: 1000 }, proof: { passphrase: PASS } });
  assert.equal(await pending(page, newKeyId), true);
  await fails(page, 'BACKUP_REQUIRED', 'removeKey', id);
  await ok(page, 'exportMnemonic', newKeyId, { passphrase: PASS });
  assert.equal(await pending(page, newKeyId), false);
  assert.equal((await ok(page, 'deactivateKey', id)).state, 'deactivated');
  await ok(page, 'removeKey', id);
  assert.deepEqual(errors, []);
  await page.close();
});

test('forced removal with a proof goes through (audited as forced); without the flag nothing changes', async () => {
  const { page, errors } = await tab();
  await open(page, { name: uniq(), fakeClock: true });
  await ok(page, 'create', { passphrase: PASS });
  const hs = (await ok(page, 'generate', { policy: 'high-security' })).id;
  const dflt = (await ok(page, 'generate')).id;
  const { newKeyId: hs2 } = await ok(page, 'rotateKey', hs);
  const { newKeyId: d2 } = await ok(page, 'rotateKey', dflt);
  assert.equal(await pending(page, d2), false, 'default policy: no backup asked');
  assert.equal(await pending(page, hs2), true);
  await advance(page, 91 * DAY);
  await ok(page, 'unlock', { passphrase: PASS });
  await ok(page, 'runLifecycle');
  await ok(page, 'removeKey', dflt);
  await fails(page, 'BACKUP_REQUIRED', 'removeKey', hs);
  await ok(page, 'removeKey', hs, { force: true, proof: { passphrase: PASS } });
  assert.equal((await ok(page, 'lifecycleRecord', hs)).state, 'destroyed');
  const lines = (await ok(page, 'exportAuditLog'))
    .trim()
    .split('\n')
    .map((l: string) => JSON.parse(l))
    .filter((e: any) => e.operation === 'key:delete' && e.keyId === hs);
  assert.deepEqual(
    lines.map((e: any) => `${e.success ? 'ok' : e.errorCode}${e.metadata?.forced ? ' forced' : ''}`),
    ['BACKUP_REQUIRED', 'ok forced'],
  );
  const ev = (await events(page)).filter((e) => e.type === 'backup-required');
  // The manual rotation, then the automatic one of its successor (high-security rotates after 90 days): each asks.
  assert.deepEqual(
    ev.map((e) => `${e.predecessor}>${e.keyId}`),
    [`${hs}>${hs2}`, `${hs2}>${hs}-v3`],
  );
  assert.deepEqual(errors, []);
  await page.close();
});

test('imported keys: the random successor asks for a backup; custodian shares that hold it clear the flag, so does a keystore v3 export', async () => {
  const { page, errors } = await tab();
  await open(page, { name: uniq(), fakeClock: true });
  await ok(page, 'create', { passphrase: PASS });
  const [a, b] = (
    await ok(page, 'importKeys', [{ privateKey: 'hex:' + '0b'.repeat(32) }, { privateKey: 'hex:' + '0c'.repeat(32) }], {
      policy: 'high-security',
    })
  ).map((k: any) => k.id);
  const { newKeyId: a2 } = await ok(page, 'rotateKey', a);
  const { newKeyId: b2 } = await ok(page, 'rotateKey', b);
  assert.equal(await pending(page, a2), true);
  assert.equal(await pending(page, b2), true);
  await advance(page, 31 * DAY);
  await ok(page, 'unlock', { passphrase: PASS });
  await ok(page, 'runLifecycle');
  await fails(page, 'BACKUP_REQUIRED', 'removeKey', a);
  await fails(page, 'BACKUP_REQUIRED', 'removeKey', b);
  const out = await ok(page, 'backupToShares', { threshold: 2, shares: 3, keyIds: [a2], proof: { passphrase: PASS } });
  assert.equal(out.shares.length, 3);
  assert.equal(await pending(page, a2), false);
  assert.equal(await pending(page, b2), true, 'not in those shares');
  await ok(page, 'removeKey', a);
  await fails(page, 'BACKUP_REQUIRED', 'removeKey', b);
  await ok(page, 'exportKeystoreV3', b2, 'export password', { kdf: 'pbkdf2', pbkdf2: { c: 1000 }, proof: { passphrase: PASS } });
  assert.equal(await pending(page, b2), false);
  await ok(page, 'removeKey', b);
  assert.deepEqual(errors, []);
  await page.close();
});
