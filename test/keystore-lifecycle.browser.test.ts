// Key lifecycle that means what it says (docs/lifecycle.md), through the
// Keystore in Debian's Chromium: an HD rotation retires the old key (a fresh
// seed by default; the "next account" option refuses the retired accounts'
// paths), `activeKey` resolves a base id to its current version, policies
// are authenticated vault records (they survive a reload and a restore, and a
// key can move to another one), a key in its grace period verifies but does
// not sign and is not deleted unless forced with a fresh proof, and
// compromise is durable and shared between tabs, with failed unlocks counted
// by the detector. Time is the page's test clock (`vt.now`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { HDKey as ScureHDKey } from '@scure/bip32';
import { browserSuite, watchErrors } from './helpers/browser.ts';
import { call, fails, ok, reload } from './helpers/keystore-page.ts';

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const SEED = crypto.pbkdf2Sync(MNEMONIC, 'mnemonic', 2048, 64, 'sha512');
const PASS = 'correct horse battery staple';
const BPASS = 'backup passphrase, long enough';
const FAST_KDF = { t: 1, m: 256, p: 1 };
const DAY = 86_400_000;

const suite = browserSuite();
let n = 0;
const uniq = () => `lc${process.pid}x${Date.now().toString(36)}x${n++}`;

async function tab(ctx?: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await (ctx ?? suite.context).newPage();
  const errors = watchErrors(page);
  await reload(page, suite.base);
  return { page, errors };
}

const open = (page: Page, opts: object) => page.evaluate((o) => (window as any).vt.open(o), opts);
const advance = (page: Page, ms: number) => page.evaluate((x) => (window as any).vt.advance(x), ms);
const events = (page: Page): Promise<any[]> => page.evaluate(() => (window as any).vt.events);
const digest = (i: number) => 'hex:' + crypto.createHash('sha256').update(`message ${i}`).digest('hex');
const audit = async (page: Page) =>
  (await ok(page, 'exportAuditLog'))
    .trim()
    .split('\n')
    .map((l: string) => JSON.parse(l));

function pubAt(path: string, seed: Uint8Array = SEED): string {
  return Buffer.from(secp256k1.getPublicKey(ScureHDKey.fromMasterSeed(seed).derive(path).privateKey!, true)).toString('hex');
}

function ethAddress(path: string, seed: Uint8Array = SEED): string {
  const pub = secp256k1.getPublicKey(ScureHDKey.fromMasterSeed(seed).derive(path).privateKey!, false);
  return Buffer.from(keccak_256(pub.subarray(1)).subarray(12)).toString('hex');
}

async function hdVault(page: Page, opts: object = {}): Promise<{ name: string; id: string }> {
  const name = uniq();
  await open(page, { name, fakeClock: true, ...opts });
  await ok(page, 'create', { passphrase: PASS });
  return { name, id: (await ok(page, 'createFromMnemonic', MNEMONIC)).id };
}

test('HD rotation retires: the successor is made from a fresh seed by default, so no path of it reaches the rotated key', async () => {
  const { page, errors } = await tab();
  const { id } = await hdVault(page);
  const { newKeyId } = await ok(page, 'rotateKey', id, { reason: 'yearly' });
  assert.equal(newKeyId, `${id}-v2`);
  const phrase = await ok(page, 'exportMnemonic', newKeyId, { passphrase: PASS });
  assert.notEqual(phrase, MNEMONIC, 'new key material');
  assert.equal(phrase.split(' ').length, 12, 'same strength as the old phrase');
  // Its own account 0, derived from its own seed (checked with @scure/bip32).
  const seed2 = crypto.pbkdf2Sync(phrase, 'mnemonic', 2048, 64, 'sha512');
  const a = await ok(page, 'getAddress', newKeyId, 'ethereum');
  assert.equal(a.path, "m/44'/60'/0'/0/0");
  assert.equal(a.address.toLowerCase().slice(2), ethAddress("m/44'/60'/0'/0/0", seed2));
  // The rotated key's own path, asked of the successor, is the successor's key, never the old one.
  for (const path of ["m/44'/60'/0'/0/0", "m/44'/60'/1'/0/0"]) {
    const s = await ok(page, 'sign', newKeyId, digest(1), { path });
    assert.notEqual(s.publicKey.slice(4), pubAt(path), `${path} is not the rotated seed's`);
    assert.equal(s.publicKey.slice(4), pubAt(path, seed2));
  }
  const rec = await ok(page, 'lifecycleRecord', newKeyId);
  assert.equal(rec.meta.account, 0);
  assert.deepEqual(rec.meta.retiredAccounts, []);
  assert.equal(rec.meta.freshSecret, true);
  assert.ok(
    (await audit(page)).some((e: any) => e.operation === 'key:rotate' && e.success),
    'the rotation is audited',
  );
  assert.deepEqual(errors, []);
  await page.close();
});

test('HD rotation to the next account of the same seed (opt-in): the retired accounts are refused by sign, signMessage, verify and getAddress; the refusal is in the authenticated record', async () => {
  const { page } = await tab();
  const { name, id } = await hdVault(page);
  const { newKeyId: v2 } = await ok(page, 'rotateKey', id, { successor: 'next-account' });
  await fails(page, 'INVALID_ARGUMENT', 'rotateKey', v2, { successor: 'sideways' });
  const a = await ok(page, 'getAddress', v2, 'ethereum');
  assert.equal(a.path, "m/44'/60'/1'/0/0");
  assert.equal(a.address.toLowerCase().slice(2), ethAddress("m/44'/60'/1'/0/0"));
  assert.equal(await ok(page, 'exportMnemonic', v2, { passphrase: PASS }), MNEMONIC, 'same seed');
  const s = await ok(page, 'sign', v2, digest(2));
  assert.equal(s.path, "m/44'/60'/1'/0/0");
  assert.equal(s.publicKey.slice(4), pubAt("m/44'/60'/1'/0/0"));
  // Account 0 was the rotated key's: refused at every entry point, for every coin.
  const retired = "m/44'/60'/0'/0/0";
  await fails(page, 'KEY_ROTATED', 'sign', v2, digest(3), { path: retired });
  await fails(page, 'KEY_ROTATED', 'sign', v2, digest(3), { path: "m/84'/0'/0'/0/0" });
  await fails(page, 'KEY_ROTATED', 'signMessage', v2, 'hello', { path: retired });
  await fails(page, 'KEY_ROTATED', 'sign', v2, digest(3), { path: "m/44'/501'/0'/0'", curve: 'ed25519' });
  await fails(page, 'KEY_ROTATED', 'verify', v2, digest(3), 'hex:' + '11'.repeat(64), { path: retired });
  await fails(page, 'KEY_ROTATED', 'getAddress', v2, 'ethereum', 0, { account: 0 });
  await fails(page, 'KEY_ROTATED', 'getAddress', v2, 'bitcoin', 0, { account: 0 });
  // A path outside any BIP-44 account could be the rotated key's too.
  await fails(page, 'INVALID_PATH', 'sign', v2, digest(3), { path: 'm/0/1' });
  await ok(page, 'sign', v2, digest(3), { path: "m/44'/60'/5'/0/0" });
  assert.deepEqual((await ok(page, 'lifecycleRecord', v2)).meta.retiredAccounts, [0]);

  // v3: account 2; accounts 0 and 1 are both retired.
  const { newKeyId: v3 } = await ok(page, 'rotateKey', v2, { successor: 'next-account' });
  assert.equal((await ok(page, 'getAddress', v3, 'ethereum')).path, "m/44'/60'/2'/0/0");
  for (const acct of [0, 1]) await fails(page, 'KEY_ROTATED', 'sign', v3, digest(4), { path: `m/44'/60'/${acct}'/0/0` });
  const rec3 = await ok(page, 'lifecycleRecord', v3);
  assert.equal(rec3.meta.account, 2);
  assert.deepEqual(rec3.meta.retiredAccounts, [0, 1]);

  // The retired list lives in the key's lifecycle record, MAC'd and in the manifest: cleared on disk, it is CORRUPTED, not obeyed.
  const rows = await page.evaluate((nm) => (window as any).vt.rawAll(`vaultkey:${nm}`, 'lifecycle'), name);
  const row = rows.find((r: any) => r.id === v3);
  row.rec.meta.retiredAccounts = [];
  await page.evaluate(([nm, r]) => (window as any).vt.rawPut(`vaultkey:${nm}`, 'lifecycle', r), [name, row] as const);
  await reload(page, suite.base);
  await open(page, { name, fakeClock: true });
  await ok(page, 'unlock', { passphrase: PASS });
  await fails(page, 'CORRUPTED', 'sign', v3, digest(5), { path: "m/44'/60'/0'/0/0" });
  await page.close();
});

test('activeKey: a stored base id resolves to the current version after an automatic rotation', async () => {
  const { page } = await tab();
  const name = uniq();
  await open(page, { name, fakeClock: true });
  await ok(page, 'create', { passphrase: PASS });
  const id = (await ok(page, 'generate', { policy: 'high-security' })).id;
  assert.equal(await ok(page, 'activeKey', id), id);
  await advance(page, 91 * DAY);
  await ok(page, 'unlock', { passphrase: PASS }); // the scheduler evaluates at unlock: auto-rotation
  await page.waitForFunction(() => (window as any).vt.events.some((e: any) => e.type === 'rotated'));
  await fails(page, 'KEY_ROTATED', 'sign', id, digest(1));
  const current = await ok(page, 'activeKey', id);
  assert.equal(current, `${id}-v2`);
  assert.equal(await ok(page, 'activeKey', current), current);
  assert.equal(await page.evaluate((k) => (window as any).vt.ks.keys.active(k), id), current, 'keys facet');
  assert.equal(await page.evaluate((k) => (window as any).vt.ks.lifecycle.active(k), id), current, 'lifecycle facet');
  await ok(page, 'sign', current, digest(2));
  await fails(page, 'NOT_FOUND', 'activeKey', 'k_' + '0'.repeat(24));
  await fails(page, 'INVALID_ARGUMENT', 'activeKey', '../etc');
  await page.close();
});

test('policies are authenticated vault records: a custom policy survives a reload, keys under it sign and are scheduled; a key can move to another policy (policy:manage, audited)', async () => {
  const { page, errors } = await tab();
  const name = uniq();
  await open(page, { name, fakeClock: true });
  await ok(page, 'create', { passphrase: PASS });
  const daily = {
    name: 'daily',
    maxActiveAgeDays: 1,
    warningDays: 0.5,
    expirationDays: 10,
    gracePeriodDays: 1,
    autoRotate: true,
    requireMfa: false,
    rotateAfterUses: null,
  };
  await ok(page, 'registerPolicy', daily);
  const id = (await ok(page, 'generate', { policy: 'daily' })).id;
  await ok(page, 'sign', id, digest(1));

  // A reload: a new worker, opened without any policy in the options.
  await reload(page, suite.base);
  await open(page, { name, fakeClock: true });
  await ok(page, 'unlock', { passphrase: PASS });
  assert.ok((await ok(page, 'policies')).some((p: any) => p.name === 'daily' && p.maxActiveAgeDays === 1));
  await ok(page, 'sign', id, digest(2));
  assert.equal((await ok(page, 'lifecycleRecord', id)).usageCount, 2, 'the use was counted under the stored policy');
  const report = await ok(page, 'lifecycleReport');
  assert.ok(!report.needingRotation.includes(id));

  // The scheduler acts on it: a day later the key is rotated automatically, its successor under the same policy.
  await advance(page, 2 * DAY);
  await ok(page, 'unlock', { passphrase: PASS });
  await page.waitForFunction(() => (window as any).vt.events.some((e: any) => e.type === 'rotated'));
  const v2 = await ok(page, 'activeKey', id);
  assert.equal(v2, `${id}-v2`);
  assert.equal((await ok(page, 'lifecycleRecord', v2)).policy, 'daily');

  // Moving a key to another policy: dates recomputed from activation, audited; unknown policy refused.
  const before = await ok(page, 'lifecycleRecord', v2);
  const moved = await ok(page, 'setKeyPolicy', v2, 'default', { reason: 'standard keys' });
  assert.equal(moved.policy, 'default');
  assert.equal(moved.rotationDueAt, before.activatedAt + 365 * DAY);
  assert.equal(moved.expiresAt, before.activatedAt + 730 * DAY);
  assert.equal((await ok(page, 'lifecycleRecord', v2)).policy, 'default');
  await fails(page, 'UNKNOWN_POLICY', 'setKeyPolicy', v2, 'nope');
  await fails(page, 'INVALID_ARGUMENT', 'setKeyPolicy', v2, 42);
  await ok(page, 'addPrincipal', { id: 'bot', type: 'service', name: 'Bot', roles: ['operator'] });
  await ok(page, 'unlock', { passphrase: PASS }, { principalId: 'bot' });
  await fails(page, 'PERMISSION_DENIED', 'setKeyPolicy', v2, 'daily');
  await ok(page, 'unlock', { passphrase: PASS });
  const lines = await audit(page);
  assert.ok(lines.some((e: any) => e.operation === 'key:set-policy' && e.success && e.keyId === v2 && e.metadata.policy === 'default'));
  assert.ok(lines.some((e: any) => e.operation === 'key:set-policy' && e.errorCode === 'PERMISSION_DENIED' && e.principalId === 'bot'));

  // The stored policy is MAC'd like every record: an edit is CORRUPTED (and a tamper event), never obeyed.
  const daily2 = (await ok(page, 'generate', { policy: 'daily' })).id;
  const meta = await page.evaluate((nm) => (window as any).vt.rawAll(`vaultkey:${nm}`, 'meta'), name);
  const stored = meta.find((r: any) => r.id === 'policy:daily');
  assert.ok(stored, 'stored in the meta store as policy:daily');
  stored.policy = JSON.stringify({ ...JSON.parse(stored.policy), expirationDays: 3650 }); // kept as JSON text (fractional days)
  await page.evaluate(([nm, r]) => (window as any).vt.rawPut(`vaultkey:${nm}`, 'meta', r), [name, stored] as const);
  await reload(page, suite.base);
  await open(page, { name, fakeClock: true });
  await ok(page, 'unlock', { passphrase: PASS });
  await fails(page, 'CORRUPTED', 'sign', daily2, digest(3));
  assert.ok((await events(page)).some((e) => e.type === 'tamper' && e.record === 'meta policy:daily'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('policies come back with a restore and stay after a reload', async () => {
  const a = await tab();
  await open(a.page, { name: uniq(), fakeClock: true });
  await ok(a.page, 'create', { passphrase: PASS });
  const weekly = {
    name: 'weekly',
    maxActiveAgeDays: 7,
    warningDays: 1,
    expirationDays: 30,
    gracePeriodDays: 2,
    autoRotate: true,
    requireMfa: true,
    rotateAfterUses: 1000,
  };
  await ok(a.page, 'registerPolicy', weekly);
  const id = (await ok(a.page, 'generate', { policy: 'weekly' })).id;
  const file = await ok(a.page, 'backup', { passphrase: BPASS, kdf: FAST_KDF, proof: { passphrase: PASS } });
  await a.page.close();

  const b = await tab();
  const name = uniq();
  await open(b.page, { name, fakeClock: true });
  await ok(b.page, 'create', { passphrase: PASS });
  assert.equal((await ok(b.page, 'restoreBackup', file, { passphrase: BPASS })).committed, true);
  await reload(b.page, suite.base);
  await open(b.page, { name, fakeClock: true });
  await ok(b.page, 'unlock', { passphrase: PASS });
  assert.deepEqual(
    (await ok(b.page, 'policies')).find((p: any) => p.name === 'weekly'),
    weekly,
  );
  assert.equal((await ok(b.page, 'lifecycleRecord', id)).policy, 'weekly');
  await ok(b.page, 'sign', id, digest(1));
  await b.page.close();
});

test('grace period: a rotated key verifies and shows its address but does not sign; removeKey and deactivateKey refuse it until the grace ends unless forced with a fresh proof, audited', async () => {
  const { page } = await tab();
  await open(page, { name: uniq(), fakeClock: true });
  await ok(page, 'create', { passphrase: PASS });
  const [k1, k2] = (await ok(page, 'importKeys', [{ privateKey: 'hex:' + '0b'.repeat(32) }, { privateKey: 'hex:' + '0c'.repeat(32) }])).map(
    (k: any) => k.id,
  );
  const sig = (await ok(page, 'sign', k1, digest(1))).signature;
  const addr = (await ok(page, 'getAddress', k1, 'ethereum')).address;
  await ok(page, 'rotateKey', k1);
  await ok(page, 'rotateKey', k2);
  // In grace: verify and public data yes, sign no.
  await fails(page, 'KEY_ROTATED', 'sign', k1, digest(2));
  await fails(page, 'KEY_ROTATED', 'signMessage', k1, 'hello');
  assert.equal(await ok(page, 'verify', k1, digest(1), sig), true);
  assert.equal((await ok(page, 'getAddress', k1, 'ethereum')).address, addr);
  assert.ok((await ok(page, 'lifecycleReport')).inGrace.includes(k1));

  // Not deleted, and the grace not ended early, without force and a proof on the call.
  await fails(page, 'KEY_IN_GRACE', 'removeKey', k1);
  await fails(page, 'KEY_IN_GRACE', 'removeKey', k1, { proof: { passphrase: PASS } });
  await fails(page, 'KEY_IN_GRACE', 'deactivateKey', k1);
  await fails(page, 'UV_REQUIRED', 'removeKey', k1, { force: true });
  await fails(page, 'WRONG_PASSPHRASE', 'removeKey', k1, { force: true, proof: { passphrase: 'not the passphrase' } });
  assert.equal((await ok(page, 'lifecycleRecord', k1)).state, 'rotating', 'still there, still verifying');
  assert.equal(await ok(page, 'verify', k1, digest(1), sig), true);
  await ok(page, 'removeKey', k1, { force: true, proof: { passphrase: PASS }, reason: 'key file leaked' });
  assert.equal((await ok(page, 'lifecycleRecord', k1)).state, 'destroyed');
  const lines = await audit(page);
  const del = lines.filter((e: any) => e.operation === 'key:delete' && e.keyId === k1);
  assert.deepEqual(
    del.map((e: any) => `${e.success ? 'ok' : e.errorCode}${e.metadata?.forced ? ' forced' : ''}`),
    ['KEY_IN_GRACE', 'KEY_IN_GRACE', 'UV_REQUIRED forced', 'WRONG_PASSPHRASE forced', 'ok forced'],
  );
  assert.ok(lines.some((e: any) => e.operation === 'key:deactivate' && e.keyId === k1 && e.errorCode === 'KEY_IN_GRACE'));

  // After the grace period (default policy: 90 days) it goes without force.
  await advance(page, 91 * DAY);
  await ok(page, 'unlock', { passphrase: PASS });
  await ok(page, 'runLifecycle');
  assert.equal((await ok(page, 'lifecycleRecord', k2)).state, 'deactivated');
  await ok(page, 'removeKey', k2);
  assert.equal((await ok(page, 'lifecycleRecord', k2)).state, 'destroyed');
  await page.close();
});

test('compromise is durable and shared: markCompromised, emergencyRotate and a critical report read as compromised in another tab and after a reload; failed unlocks and failed proofs reach the detector', async () => {
  const ctx = await suite.browser.newContext();
  const name = uniq();
  const opts = { name, fakeClock: true, lifecycle: { detector: { onCritical: 'none', allowedHours: null, failedUnlockThreshold: 3 } } };
  const a = await tab(ctx);
  await open(a.page, opts);
  await ok(a.page, 'create', { passphrase: PASS });
  const [k1, k2, k3, k4] = (
    await ok(
      a.page,
      'importKeys',
      [1, 2, 3, 4].map((i) => ({ privateKey: 'hex:' + `0${i}`.repeat(32) })),
    )
  ).map((k: any) => k.id);
  await ok(a.page, 'markCompromised', k1, { reason: 'found on a paste site' });
  await ok(a.page, 'emergencyRotate', k2);
  for (const k of [k1, k2]) assert.equal(await ok(a.page, 'isCompromised', k), true, `${k} marked in this tab`);
  assert.equal(await ok(a.page, 'isCompromised', k4), false);
  await ok(a.page, 'reportCompromise', k3, { severity: 'critical', details: 'key seen in a log', indicator: 'key-leakage' });
  await a.page.waitForFunction(() => (window as any).vt.state() === 'locked'); // a critical event locks (onCritical: 'none' leaves the key Active)

  // Another tab of the same profile: the state comes from the vault's records, not from tab A's memory.
  const b = await tab(ctx);
  await open(b.page, opts);
  await ok(b.page, 'unlock', { passphrase: PASS });
  for (const k of [k1, k2, k3]) assert.equal(await ok(b.page, 'isCompromised', k), true, `${k} in tab B`);
  assert.equal(await ok(b.page, 'isCompromised', k4), false);
  assert.equal((await ok(b.page, 'lifecycleRecord', k3)).state, 'active');
  const ev3 = await ok(b.page, 'compromiseEvents', k3);
  assert.equal(ev3.length, 1);
  assert.equal(ev3[0].severity, 'critical');
  assert.equal(ev3[0].indicator, 'key-leakage');
  assert.equal(await page2Compromised(b.page, k3), true, 'lifecycle facet');
  await ok(b.page, 'acknowledgeCompromise', ev3[0].id);
  await ok(b.page, 'lock'); // locks tab A too (already locked)

  // Tab A reloaded: same answers.
  await reload(a.page, suite.base);
  await open(a.page, opts);
  await ok(a.page, 'unlock', { passphrase: PASS });
  for (const k of [k1, k2, k3]) assert.equal(await ok(a.page, 'isCompromised', k), true, `${k} after a reload`);
  assert.equal((await ok(a.page, 'compromiseEvents', k3))[0].acknowledged.by, 'owner', 'the acknowledgement from tab B is kept');

  // Failed unlocks (kept in the throttle while locked) and a failed proof while unlocked count in one window.
  await ok(a.page, 'lock');
  for (let i = 0; i < 2; i++) await fails(a.page, 'WRONG_PASSPHRASE', 'unlock', { passphrase: `wrong guess ${i}` });
  await ok(a.page, 'unlock', { passphrase: PASS });
  assert.ok(!(await events(a.page)).some((e) => e.type === 'compromise-indicator' && e.indicator === 'failed-unlocks'), '2 < 3');
  await fails(a.page, 'WRONG_PASSPHRASE', 'reverify', { passphrase: 'wrong guess 3' });
  await a.page.waitForFunction(() =>
    (window as any).vt.events.some((e: any) => e.type === 'compromise-indicator' && e.indicator === 'failed-unlocks'),
  );
  const ind = (await events(a.page)).filter((e) => e.type === 'compromise-indicator' && e.indicator === 'failed-unlocks');
  assert.equal(ind.length, 1);
  assert.equal(ind[0].keyId, '*', 'the whole vault, not one key');
  assert.equal(ind[0].severity, 'high');
  assert.ok((await ok(a.page, 'compromiseEvents')).some((e: any) => e.indicator === 'failed-unlocks'));
  assert.ok(
    (await audit(a.page)).some((e: any) => e.operation === 'security:compromise-indicator' && e.metadata.indicator === 'failed-unlocks'),
  );
  // Kept in the vault: another tab sees it after its next unlock.
  await ok(b.page, 'unlock', { passphrase: PASS });
  assert.ok((await ok(b.page, 'compromiseEvents')).some((e: any) => e.indicator === 'failed-unlocks'));
  await ctx.close();
});

async function page2Compromised(page: Page, keyId: string): Promise<boolean> {
  const r = await page.evaluate((k) => (window as any).vt.ks.lifecycle.isCompromised(k), keyId);
  return r;
}

const HOURLY = {
  name: 'hourly',
  maxActiveAgeDays: 1,
  warningDays: 0,
  expirationDays: 2,
  gracePeriodDays: 0,
  autoRotate: false,
  requireMfa: false,
  rotateAfterUses: null,
};

test('a re-key (setPassphrase) re-MACs the stored policies and kept events: they still open under the new record key', async () => {
  const { page } = await tab();
  const name = uniq();
  await open(page, { name, fakeClock: true, lifecycle: { detector: { onCritical: 'none', allowedHours: null } } });
  await ok(page, 'create', { passphrase: PASS });
  await ok(page, 'registerPolicy', { ...HOURLY });
  const [k] = await ok(page, 'importKeys', [{ privateKey: 'hex:' + '0d'.repeat(32) }], { policy: 'hourly' });
  await ok(page, 'reportCompromise', k.id, { severity: 'critical', details: 'test', indicator: 'key-leakage' });
  await page.waitForFunction(() => (window as any).vt.state() === 'locked');
  await ok(page, 'unlock', { passphrase: PASS });
  const NEW = 'another passphrase, long enough';
  await ok(page, 'setPassphrase', NEW);
  await reload(page, suite.base);
  await open(page, { name, fakeClock: true });
  await ok(page, 'unlock', { passphrase: NEW });
  assert.ok((await ok(page, 'policies')).some((p: any) => p.name === 'hourly'));
  assert.equal(await ok(page, 'isCompromised', k.id), true);
  await ok(page, 'sign', k.id, digest(1));
  assert.ok(!(await events(page)).some((e) => e.type === 'tamper'), 'nothing reads as tampered');
  await page.close();
});

test('bad input to the new calls -> coded errors', async () => {
  const { page } = await tab();
  const { id } = await hdVault(page);
  for (const [code, method, ...args] of [
    ['INVALID_ARGUMENT', 'isCompromised', 'nope'],
    ['NOT_FOUND', 'isCompromised', 'k_' + '1'.repeat(24)],
    ['INVALID_ARGUMENT', 'setKeyPolicy', id, 'default', { reason: 'x'.repeat(2000) }],
    ['INVALID_ARGUMENT', 'removeKey', id, { force: 'yes' }],
  ] as [string, string, ...unknown[]][]) {
    const r = await call(page, method, ...args);
    assert.equal(r.ok ? 'ok' : r.code, code, `${method} ${JSON.stringify(args).slice(0, 60)}`);
  }
  await page.close();
});
