// The Keystore with its governance wired in (RBAC, audit, lifecycle), in Debian's
// Chromium with real IndexedDB, WebCrypto, Web Locks and Chromium's virtual
// WebAuthn authenticator: every operation checks a permission and lands in
// the HMAC-chained audit log; keys have lifecycle records that gate signing,
// rotate (HD: a fresh mnemonic, or the next account on request), expire and get
// suspended by the compromise detector. Time is a test clock in the page
// (`vt.now`, opened with { fakeClock: true }).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { HDKey as ScureHDKey } from '@scure/bip32';
import { browserSuite, watchErrors } from './helpers/browser.ts';
import { addAuthenticator, call, fails, ok, reload, type Res } from './helpers/keystore-page.ts';

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const SEED = crypto.pbkdf2Sync(MNEMONIC, 'mnemonic', 2048, 64, 'sha512');
const PASS = 'correct horse battery staple';
const DAY = 86_400_000;

const suite = browserSuite();
let n = 0;
const uniq = () => `g${process.pid}x${Date.now().toString(36)}x${n++}`;

async function tab(o: { passkey?: boolean; ctx?: BrowserContext } = {}): Promise<{ page: Page; errors: string[] }> {
  const page = await (o.ctx ?? suite.context).newPage();
  const errors = watchErrors(page);
  if (o.passkey) await addAuthenticator(page);
  await reload(page, suite.base);
  return { page, errors };
}

const open = (page: Page, opts: object) => page.evaluate((o) => (window as any).vt.open(o), opts);
const advance = (page: Page, ms: number) => page.evaluate((x) => (window as any).vt.advance(x), ms);
const events = (page: Page): Promise<any[]> => page.evaluate(() => (window as any).vt.events);

async function vault(page: Page, opts: object = {}, create: object = { passphrase: PASS }): Promise<string> {
  await open(page, { name: uniq(), fakeClock: true, ...opts });
  await ok(page, 'create', create);
  return (await ok(page, 'createFromMnemonic', MNEMONIC)).id;
}

const digest = (i: number) => 'hex:' + crypto.createHash('sha256').update(`message ${i}`).digest('hex');

function ethAddress(path: string, seed: Uint8Array = SEED): string {
  const pub = secp256k1.getPublicKey(ScureHDKey.fromMasterSeed(seed).derive(path).privateKey!, false);
  const addr = Buffer.from(keccak_256(pub.subarray(1)).subarray(12)).toString('hex');
  return addr;
}

test('owner path: new keys are Active under the default policy; every operation is audited; the chain verifies and holds no secret', async () => {
  const { page, errors } = await tab();
  // No allowed hours: the default (06-22 local) would add a detector entry when the suite runs at night.
  const id = await vault(page, { lifecycle: { detector: { allowedHours: null } } });
  const rec = await ok(page, 'lifecycleRecord', id);
  assert.equal(rec.state, 'active');
  assert.equal(rec.policy, 'default');
  assert.equal(rec.kind, 'hd', JSON.stringify(rec));
  assert.deepEqual(
    rec.history.map((h: any) => h.to),
    ['created', 'active'],
  );
  assert.equal(rec.history[0].actor, 'owner');

  const sig = await ok(page, 'sign', id, digest(1));
  assert.equal((await ok(page, 'lifecycleRecord', id)).usageCount, 1);
  assert.equal(await ok(page, 'verify', id, digest(1), sig.signature), true);
  await ok(page, 'getAddress', id, 'ethereum');
  await fails(page, 'INVALID_PATH', 'sign', id, digest(2), { path: 'm/x' });

  const v = await ok(page, 'verifyAuditLog');
  assert.equal(v.ok, true);
  const lines = (await ok(page, 'exportAuditLog'))
    .trim()
    .split('\n')
    .map((l: string) => JSON.parse(l));
  const ops = lines.map((e: any) => `${e.operation}:${e.success ? 'ok' : e.errorCode}`);
  for (const want of [
    'vault:create:ok',
    'key:create:ok',
    'lifecycle:read:ok',
    'key:sign:ok',
    'key:verify:ok',
    'key:address:ok',
    'key:sign:INVALID_PATH',
  ]) {
    assert.ok(ops.includes(want), `audit has ${want}: ${ops.join(', ')}`);
  }
  const odd = lines.filter((e: any) => !(e.principalId === 'owner' && typeof e.sessionId === 'string' && typeof e.mac === 'string'));
  assert.deepEqual(odd, [], 'every entry: owner, session, MAC');
  assert.deepEqual(
    lines.map((e: any) => e.seq),
    lines.map((_: unknown, i: number) => i),
    'consecutive seq',
  );
  const dump = JSON.stringify(lines);
  for (const w of ['abandon', SEED.toString('hex').slice(0, 32), PASS]) assert.ok(!dump.includes(w), 'no secret in the audit log');

  const report = await ok(page, 'auditReport', {});
  assert.equal(report.integrity.ok, true);
  assert.ok(report.totalEvents >= lines.length, JSON.stringify(report));
  assert.equal(report.byOperation['key:sign'].failure, 1);
  assert.equal(report.byOperation['key:sign'].success, 1);
  const lr = await ok(page, 'lifecycleReport');
  assert.equal(lr.totalKeys, 1);
  assert.equal(lr.activeKeys, 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('RBAC through the Keystore: a signer may sign but not delete, export or read the audit log; denials are audited', async () => {
  const { page } = await tab();
  const name = uniq();
  await open(page, { name, fakeClock: true });
  await ok(page, 'create', { passphrase: PASS });
  const id = (await ok(page, 'createFromMnemonic', MNEMONIC)).id;
  await ok(page, 'addPrincipal', { id: 'bob', type: 'service', name: 'Bot', roles: ['signer'] });
  await ok(page, 'addPrincipal', { id: 'ann', type: 'user', name: 'Auditor', roles: ['auditor'] });
  await fails(page, 'ALREADY_EXISTS', 'addPrincipal', { id: 'bob', type: 'service', name: 'Bot', roles: ['signer'] });
  await fails(page, 'INVALID_ARGUMENT', 'addPrincipal', { id: 'eve', type: 'user', name: 'Eve', roles: ['no-such-role'] });

  await ok(page, 'lock');
  await fails(page, 'NOT_FOUND', 'unlock', { passphrase: PASS }, { principalId: 'nobody' });
  assert.equal(await page.evaluate(() => (window as any).vt.state()), 'locked', 'no session, no open vault');
  await ok(page, 'unlock', { passphrase: PASS }, { principalId: 'bob' });
  await ok(page, 'sign', id, digest(1));
  await ok(page, 'getAddress', id, 'ethereum');
  await fails(page, 'PERMISSION_DENIED', 'removeKey', id, { proof: { passphrase: PASS } });
  await fails(page, 'PERMISSION_DENIED', 'exportMnemonic', id, { passphrase: PASS });
  await fails(page, 'PERMISSION_DENIED', 'rotateKey', id);
  await fails(page, 'PERMISSION_DENIED', 'generate');
  await fails(page, 'PERMISSION_DENIED', 'verifyAuditLog');
  await fails(page, 'PERMISSION_DENIED', 'addPrincipal', { id: 'mal', type: 'user', name: 'M', roles: ['admin'] });

  await ok(page, 'lock');
  await ok(page, 'unlock', { passphrase: PASS }, { principalId: 'ann' });
  await fails(page, 'PERMISSION_DENIED', 'sign', id, digest(2));
  const lines = (await ok(page, 'exportAuditLog'))
    .trim()
    .split('\n')
    .map((l: string) => JSON.parse(l));
  const bob = lines.filter((e: any) => e.principalId === 'bob').map((e: any) => `${e.operation}:${e.success ? 'ok' : e.errorCode}`);
  for (const want of [
    'vault:unlock:ok',
    'key:sign:ok',
    'key:delete:PERMISSION_DENIED',
    'key:export:PERMISSION_DENIED',
    'key:rotate:PERMISSION_DENIED',
    'audit:verify:PERMISSION_DENIED',
  ]) {
    assert.ok(bob.includes(want), `audit has bob's ${want}: ${bob.join(', ')}`);
  }
  assert.equal((await ok(page, 'verifyAuditLog')).ok, true);
  assert.equal((await ok(page, 'lifecycleRecord', id)).usageCount, 1, "the signer's use was counted");
  await page.close();
});

test('sensitive permissions need a fresh verification: the unlock counts for uvWindowMs; then a proof (passphrase) or the passkey', async () => {
  const { page } = await tab();
  const name = uniq();
  await open(page, { name, fakeClock: true, security: { uvWindowMs: 60_000 } });
  await ok(page, 'create', { passphrase: PASS });
  const a = await ok(page, 'importKeys', [{ privateKey: 'hex:' + '01'.repeat(32) }, { privateKey: 'hex:' + '02'.repeat(32) }]);
  await ok(page, 'removeKey', a[0].id); // inside the window opened by create
  await advance(page, 61_000);
  await fails(page, 'UV_REQUIRED', 'removeKey', a[1].id);
  await fails(page, 'WRONG_PASSPHRASE', 'removeKey', a[1].id, { proof: { passphrase: 'not it at all' } });
  await ok(page, 'sign', a[1].id, digest(1)); // not sensitive: no UV needed
  await ok(page, 'removeKey', a[1].id, { proof: { passphrase: PASS }, reason: 'test' });

  // Destroyed means gone from IndexedDB, with the allowed path in the history.
  const secrets = await page.evaluate((nm) => (window as any).vt.rawAll(`vaultkey:${nm}`, 'secrets'), name);
  assert.deepEqual(secrets, []);
  const rec = await ok(page, 'lifecycleRecord', a[1].id);
  assert.equal(rec.state, 'destroyed');
  assert.deepEqual(
    rec.history.map((h: any) => h.to),
    ['created', 'active', 'deactivated', 'archived', 'destroyed'],
  );
  assert.ok(rec.history.slice(2).every((h: any) => h.reason === 'test' && h.actor === 'owner'));
  await fails(page, 'KEY_DESTROYED', 'sign', a[1].id, digest(2));
  await page.close();

  // A passkey vault: past the window, the default verifyUser runs a WebAuthn assertion (UV) whose PRF must unwrap the vault.
  const t2 = await tab({ passkey: true });
  await open(t2.page, { name: uniq(), fakeClock: true, security: { uvWindowMs: 60_000 } });
  await ok(t2.page, 'create', { passkey: true });
  const [k] = await ok(t2.page, 'importKeys', [{ privateKey: 'hex:' + '03'.repeat(32) }]);
  await advance(t2.page, 120_000);
  assert.ok(!(await t2.page.evaluate(() => (window as any).vt.ks.session.verifiedAt > (window as any).vt.now - 60_000)));
  await ok(t2.page, 'removeKey', k.id);
  assert.equal((await ok(t2.page, 'lifecycleRecord', k.id)).state, 'destroyed');
  await t2.page.close();
});

test('rotation to the next account (opt-in): an HD key moves to the next account as <id>-v2; the old key verifies in its grace period, then is deactivated', async () => {
  const { page } = await tab();
  const id = await vault(page);
  const sig0 = await ok(page, 'sign', id, digest(0));
  const { oldKeyId, newKeyId } = await ok(page, 'rotateKey', id, { reason: 'yearly', successor: 'next-account' });
  assert.equal(oldKeyId, id);
  assert.equal(newKeyId, `${id}-v2`);
  // v2 is account 1 of the same seed (BIP-44: m/44'/60'/1'/0/0), checked with @scure/bip32.
  const v2 = await ok(page, 'getAddress', newKeyId, 'ethereum');
  assert.equal(v2.path, "m/44'/60'/1'/0/0");
  assert.equal(v2.address.toLowerCase().slice(2), ethAddress("m/44'/60'/1'/0/0"));
  const s2 = await ok(page, 'sign', newKeyId, digest(3));
  assert.equal(s2.path, "m/44'/60'/1'/0/0");
  assert.equal(await ok(page, 'exportMnemonic', newKeyId, { passphrase: PASS }), MNEMONIC);

  await fails(page, 'KEY_ROTATED', 'sign', id, digest(1));
  const sigHex = sig0.signature;
  assert.equal(await ok(page, 'verify', id, digest(0), sigHex), true, 'grace period: old signatures still verify');
  const old = await ok(page, 'lifecycleRecord', id);
  assert.equal(old.state, 'rotating');
  assert.equal(old.successor, newKeyId);
  const ev = (await events(page)).filter((e) => e.type === 'rotated');
  assert.equal(ev.length, 1);
  assert.equal(ev[0].newKeyId, newKeyId);

  await advance(page, 91 * DAY); // default policy: 90-day grace
  await ok(page, 'runLifecycle');
  await fails(page, 'SESSION_EXPIRED', 'lifecycleRecord', id); // sessions last 30 minutes
  await ok(page, 'unlock', { passphrase: PASS });
  assert.equal((await ok(page, 'lifecycleRecord', id)).state, 'deactivated');
  await fails(page, 'KEY_DEACTIVATED', 'verify', id, digest(0), sigHex);
  await ok(page, 'sign', newKeyId, digest(4));

  // An imported key is replaced by a new random key on the same curve.
  const [imp] = await ok(page, 'importKeys', [{ privateKey: 'hex:' + '05'.repeat(32), curve: 'ed25519' }]);
  const r = await ok(page, 'rotateKey', imp.id);
  const keys = await ok(page, 'keys');
  const nk = keys.find((k: any) => k.id === r.newKeyId);
  assert.equal(nk.curve, 'ed25519');
  assert.notDeepEqual(nk.publicKey, imp.publicKey);
  await page.close();
});

test('emergency rotation: old key Compromised at once, no grace; the HD successor has a fresh mnemonic', async () => {
  const { page } = await tab();
  const id = await vault(page);
  const r = await ok(page, 'emergencyRotate', id, { reason: 'phrase photographed' });
  assert.equal(r.newKeyId, `${id}-v2`);
  const old = await ok(page, 'lifecycleRecord', id);
  assert.equal(old.state, 'compromised');
  assert.equal(old.graceEndsAt, null);
  await fails(page, 'KEY_COMPROMISED', 'sign', id, digest(1));
  await fails(page, 'KEY_COMPROMISED', 'verify', id, digest(1), 'hex:' + '00'.repeat(64));
  const fresh = await ok(page, 'exportMnemonic', r.newKeyId, { passphrase: PASS });
  assert.notEqual(fresh, MNEMONIC);
  assert.equal(fresh.split(' ').length, 12, 'same strength as the old phrase');
  const addr = await ok(page, 'getAddress', r.newKeyId, 'ethereum');
  assert.notEqual(addr.address.toLowerCase().slice(2), ethAddress("m/44'/60'/1'/0/0"), 'not derived from the leaked seed');
  assert.equal((await ok(page, 'lifecycleRecord', r.newKeyId)).meta.freshSecret, true);
  await page.close();
});

test('policies on a timeline: high-security auto-rotates at 90 days; default warns, then expires at 730 days (signing -> KEY_EXPIRED)', async () => {
  const { page } = await tab();
  await open(page, { name: uniq(), fakeClock: true });
  await ok(page, 'create', { passphrase: PASS });
  const hs = (await ok(page, 'generate', { policy: 'high-security' })).id;
  const df = (await ok(page, 'generate')).id;
  await fails(page, 'UNKNOWN_POLICY', 'generate', { policy: 'nope' });
  assert.equal((await ok(page, 'keys')).length, 2, 'a key refused for its policy is not left behind');

  await advance(page, 80 * DAY);
  await ok(page, 'runLifecycle');
  await ok(page, 'unlock', { passphrase: PASS }); // a new session: the old one expired with the clock
  let ev = await events(page);
  assert.ok(
    ev.some((e) => e.type === 'warning' && e.keyId === hs && e.kind === 'rotation'),
    'rotation warning inside warningDays',
  );
  await advance(page, 11 * DAY); // day 91
  await ok(page, 'runLifecycle');
  await ok(page, 'unlock', { passphrase: PASS });
  ev = await events(page);
  const rot = ev.filter((e) => e.type === 'rotated' && e.keyId === hs);
  assert.equal(rot.length, 1, 'auto-rotated once');
  assert.equal((await ok(page, 'lifecycleRecord', `${hs}-v2`)).state, 'active');
  assert.equal((await ok(page, 'lifecycleRecord', df)).state, 'active', 'default policy does not auto-rotate');

  await advance(page, 640 * DAY); // day 731
  await ok(page, 'unlock', { passphrase: PASS });
  await fails(page, 'KEY_EXPIRED', 'sign', df, digest(1));
  await ok(page, 'runLifecycle');
  assert.equal((await ok(page, 'lifecycleRecord', df)).state, 'expired');
  const report = await ok(page, 'lifecycleReport');
  assert.ok(report.expired.includes(df));
  // Scheduler changes are audited under their system actor.
  const lines = (await ok(page, 'exportAuditLog'))
    .trim()
    .split('\n')
    .map((l: string) => JSON.parse(l));
  assert.ok(
    lines.some(
      (e: any) =>
        e.operation === 'lifecycle:transition' && e.keyId === df && e.metadata.to === 'expired' && e.principalId.startsWith('system:'),
    ),
  );
  await page.close();

  // While locked nothing is evaluated (the records cannot be authenticated without the vault key):
  // a due auto-rotation waits, with no claim-and-fail churn in the history, and happens once at the next unlock.
  const t2 = await tab();
  await open(t2.page, { name: uniq(), fakeClock: true });
  await ok(t2.page, 'create', { passphrase: PASS });
  const hs2 = (await ok(t2.page, 'generate', { policy: 'high-security' })).id;
  await ok(t2.page, 'lock');
  await advance(t2.page, 95 * DAY);
  assert.equal((await ok(t2.page, 'runLifecycle')).acted, false);
  assert.equal((await ok(t2.page, 'runLifecycle')).acted, false);
  await ok(t2.page, 'unlock', { passphrase: PASS });
  await t2.page.waitForFunction(() => (window as any).vt.events.some((e: any) => e.type === 'rotated'));
  assert.deepEqual(
    (await ok(t2.page, 'lifecycleRecord', hs2)).history.map((h: any) => h.to),
    ['created', 'active', 'rotating'],
    'rotated once, at unlock',
  );
  await t2.page.close();
});

test('compromise detector: rapid use (made critical) suspends the key and ends the session; failed verifications and manual reports raise events', async () => {
  const { page } = await tab();
  const id = await vault(page, {
    lifecycle: { detector: { usagePerMinute: 3, usagePerHour: 100, allowedHours: null, severities: { 'rapid-usage': 'critical' } } },
  });
  for (let i = 0; i < 3; i++) await ok(page, 'sign', id, digest(i));
  await ok(page, 'sign', id, digest(3)); // the 4th use inside a minute: critical -> suspend -> lock
  await page.waitForFunction(() => (window as any).vt.state() === 'locked');
  let ev = await events(page);
  const crit = ev.find((e) => e.type === 'critical');
  assert.equal(crit.indicator, 'rapid-usage');
  assert.equal(crit.action, 'suspended');
  assert.ok(ev.some((e) => e.type === 'lock' && e.reason === 'compromise'));
  await ok(page, 'unlock', { passphrase: PASS });
  await fails(page, 'KEY_SUSPENDED', 'sign', id, digest(9));
  await ok(page, 'resumeKey', id, { reason: 'investigated' });
  await advance(page, 120_000);
  await ok(page, 'sign', id, digest(10));
  const events1 = await ok(page, 'compromiseEvents', id);
  assert.equal(events1.length, 1);
  await ok(page, 'acknowledgeCompromise', events1[0].id);
  assert.equal((await ok(page, 'compromiseEvents', id))[0].acknowledged.by, 'owner');

  for (let i = 0; i < 5; i++) assert.equal(await ok(page, 'verify', id, digest(i), 'hex:' + '11'.repeat(64)), false);
  ev = await events(page);
  assert.ok(ev.some((e) => e.type === 'compromise-indicator' && e.indicator === 'failed-verifications' && e.severity === 'high'));

  await ok(page, 'reportCompromise', id, { severity: 'critical', details: 'seen on a paste site', indicator: 'key-leakage' });
  await page.waitForFunction(() => (window as any).vt.state() === 'locked');
  await ok(page, 'unlock', { passphrase: PASS });
  assert.equal((await ok(page, 'lifecycleRecord', id)).state, 'suspended');
  const lines = (await ok(page, 'exportAuditLog'))
    .trim()
    .split('\n')
    .map((l: string) => JSON.parse(l));
  assert.ok(lines.some((e: any) => e.operation === 'security:compromise-indicator' && e.metadata.indicator === 'key-leakage'));
  assert.equal((await ok(page, 'verifyAuditLog')).ok, true);
  await page.close();
});

test('two tabs on one vault: a due rotation happens exactly once; both tabs hear the event', async () => {
  const ctx = await suite.browser.newContext();
  const name = uniq();
  const a = await tab({ ctx });
  await open(a.page, { name, fakeClock: true });
  await ok(a.page, 'create', { passphrase: PASS });
  const id = (await ok(a.page, 'generate', { policy: 'high-security' })).id;
  const b = await tab({ ctx });
  await open(b.page, { name, fakeClock: true });
  await ok(b.page, 'unlock', { passphrase: PASS });
  await advance(a.page, 91 * DAY);
  await advance(b.page, 91 * DAY);
  await Promise.all([ok(a.page, 'runLifecycle'), ok(b.page, 'runLifecycle')]);
  await ok(a.page, 'runLifecycle');
  await ok(b.page, 'runLifecycle');
  const keys = (await ok(a.page, 'keys')).map((k: any) => k.id).sort();
  assert.deepEqual(keys, [id, `${id}-v2`].sort(), 'one successor, no v3');
  const evA = (await events(a.page)).filter((e) => e.type === 'rotated');
  const evB = (await events(b.page)).filter((e) => e.type === 'rotated');
  assert.equal(evA.length + evB.length, 2, 'one rotation, heard by both tabs');
  assert.equal([...evA, ...evB].filter((e) => e.remote).length, 1);
  await ctx.close();
});

test('audit tampering through IndexedDB is found at the edited entry, by verifyAuditLog and at the next unlock', async () => {
  const { page } = await tab();
  const name = uniq();
  await open(page, { name, fakeClock: true });
  await ok(page, 'create', { passphrase: PASS });
  const id = (await ok(page, 'createFromMnemonic', MNEMONIC)).id;
  for (let i = 0; i < 3; i++) await ok(page, 'sign', id, digest(i));
  // Rows are single entries or a group commit's page of entries ({ seq, entries }).
  const rows = await page.evaluate((nm) => (window as any).vt.rawAll(`vaultkey:${nm}`, 'audit'), name);
  const row = rows.find((r: any) => (r.entries ?? [r]).some((e: any) => e.operation === 'key:sign'));
  const victim = (row.entries ?? [row]).find((e: any) => e.operation === 'key:sign');
  const edited = row.entries
    ? { ...row, entries: row.entries.map((e: any) => (e === victim ? { ...e, success: false } : e)) }
    : { ...victim, success: false };
  await page.evaluate(([nm, r]) => (window as any).vt.rawPut(`vaultkey:${nm}`, 'audit', r), [name, edited] as const);
  const v = await ok(page, 'verifyAuditLog');
  assert.equal(v.ok, false);
  assert.equal(v.seq, victim.seq);
  assert.equal(v.reason, 'MAC_MISMATCH');
  // The next unlock walks the chain and tells the app.
  await ok(page, 'lock');
  await ok(page, 'unlock', { passphrase: PASS });
  const t = (await events(page)).filter((e) => e.type === 'audit-tampered');
  assert.equal(t.length, 1);
  assert.equal(t[0].seq, victim.seq);
  await page.close();
});

test('permission matrix through the Keystore: every default role × every guarded operation', async () => {
  // Written out from docs/security.md's tables, independently of src/security/rbac.ts.
  const GRANTS: Record<string, string[]> = {
    admin: ['key:create', 'key:read', 'key:sign', 'key:rotate', 'key:delete', 'key:export', 'policy:manage', 'audit:read', 'audit:export'],
    operator: ['key:create', 'key:read', 'key:sign', 'key:rotate'],
    auditor: ['key:read', 'audit:read', 'audit:export'],
    signer: ['key:read', 'key:sign'],
  };
  const { page } = await tab();
  await open(page, { name: uniq(), fakeClock: true });
  await ok(page, 'create', { passphrase: PASS });
  for (const role of Object.keys(GRANTS)) await ok(page, 'addPrincipal', { id: `p-${role}`, type: 'user', name: role, roles: [role] });
  for (const role of Object.keys(GRANTS)) {
    await ok(page, 'unlock', { passphrase: PASS }); // owner: fresh keys for this role's destructive calls
    const hd = (await ok(page, 'createFromMnemonic', MNEMONIC)).id;
    const [k1, k2] = (
      await ok(page, 'importKeys', [{ privateKey: 'hex:' + '07'.repeat(32) }, { privateKey: 'hex:' + '08'.repeat(32) }])
    ).map((k: any) => k.id);
    await ok(page, 'unlock', { passphrase: PASS }, { principalId: `p-${role}` });
    const OPS: [string, string, unknown[]][] = [
      ['key:create', 'generate', []],
      ['key:read', 'getAddress', [hd, 'ethereum']],
      ['key:read', 'deriveXpub', [hd, "m/44'/60'/0'"]],
      ['key:read', 'lifecycleRecord', [hd]],
      ['key:sign', 'sign', [hd, digest(1)]],
      ['key:sign', 'signMessage', [hd, 'hello']],
      ['key:rotate', 'rotateKey', [k1]],
      ['key:rotate', 'suspendKey', [hd]],
      ['key:delete', 'removeKey', [k2]],
      ['key:export', 'exportMnemonic', [hd, { passphrase: PASS }]],
      ['policy:manage', 'addPrincipal', [{ id: `x-${role}`, type: 'user', name: 'x', roles: ['signer'] }]],
      ['audit:read', 'verifyAuditLog', []],
      ['audit:export', 'exportAuditLog', []],
    ];
    for (const [perm, method, args] of OPS) {
      const r = await call(page, method, ...args);
      const allowed = GRANTS[role]!.includes(perm);
      if (allowed) assert.ok(r.ok, `${role} may ${method}: ${!r.ok ? r.code : ''}`);
      else assert.equal(!r.ok && r.code, 'PERMISSION_DENIED', `${role} may not ${method}`);
    }
  }
  await page.close();
});

test('hardware keys (Ledger path, HSM handle) are managed keys: lifecycle-gated, permission-checked, counted; rotation means enrolling a replacement', async () => {
  const { page } = await tab();
  await open(page, { name: uniq(), fakeClock: true });
  await ok(page, 'create', { passphrase: PASS });
  const pub = 'hex:' + Buffer.from(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)).toString('hex');
  const hw = await ok(page, 'registerHardwareKey', {
    device: 'ledger',
    curve: 'secp256k1',
    publicKey: pub,
    path: "m/44'/60'/0'/0/0",
    label: 'Nano',
  });
  assert.match(hw.id, /^x_[0-9a-f]{24}$/);
  await fails(page, 'INVALID_KEY', 'registerHardwareKey', { device: 'ledger', curve: 'secp256k1', publicKey: 'hex:00' });
  await fails(page, 'INVALID_ARGUMENT', 'registerHardwareKey', { device: 'usb-stick', curve: 'secp256k1', publicKey: pub });
  const listed = await ok(page, 'hardwareKeys');
  assert.equal(listed.length, 1);
  assert.equal(listed[0].state, 'active');
  assert.equal(listed[0].publicKey, pub);

  const use = () => page.evaluate((id) => (window as any).vt.useHardware(id), hw.id) as Promise<Res>;
  const r = await use();
  assert.ok(r.ok);
  assert.equal((r as any).value.path, "m/44'/60'/0'/0/0");
  assert.equal((await ok(page, 'lifecycleRecord', hw.id)).usageCount, 1);
  await ok(page, 'suspendKey', hw.id);
  const denied = await use();
  assert.equal(!denied.ok && denied.code, 'KEY_SUSPENDED');
  assert.equal(await page.evaluate(() => (window as any).vt.hardwareCalls), 1, 'the device was not asked');
  await ok(page, 'resumeKey', hw.id);
  await fails(page, 'UNSUPPORTED', 'rotateKey', hw.id);
  assert.equal((await ok(page, 'lifecycleRecord', hw.id)).state, 'active', 'a failed rotation leaves the key as it was');

  await ok(page, 'addPrincipal', { id: 'sig', type: 'service', name: 'signer', roles: ['signer'] });
  await ok(page, 'unlock', { passphrase: PASS }, { principalId: 'sig' });
  const noHsm = await use();
  assert.equal(!noHsm.ok && noHsm.code, 'PERMISSION_DENIED', 'signer has no hsm:access');
  await ok(page, 'unlock', { passphrase: PASS });
  await ok(page, 'removeKey', hw.id);
  assert.equal((await ok(page, 'lifecycleRecord', hw.id)).state, 'destroyed');
  await page.close();
});

test('bad input to the governance, backup and hardware calls -> coded errors, nothing written', async () => {
  const { page } = await tab();
  await open(page, { name: uniq(), fakeClock: true });
  await ok(page, 'create', { passphrase: PASS });
  const id = (await ok(page, 'createFromMnemonic', MNEMONIC)).id;
  const before = (await ok(page, 'exportAuditLog')).trim().split('\n').length;
  const cases: [string, string, ...unknown[]][] = [
    ['INVALID_ARGUMENT', 'sign', 'k_not-a-key', 'hex:' + '00'.repeat(32)],
    ['INVALID_ARGUMENT', 'rotateKey', '../../etc/passwd'],
    ['INVALID_ARGUMENT', 'rotateKey', id, { reason: 'x'.repeat(2000) }],
    ['NOT_FOUND', 'lifecycleRecord', 'k_' + '0'.repeat(24)],
    ['INVALID_ARGUMENT', 'reportCompromise', id, { severity: 'apocalyptic', details: 'x' }],
    ['NOT_FOUND', 'acknowledgeCompromise', 'ce-nope'],
    ['INVALID_ARGUMENT', 'addPrincipal', { id: 'bad id with spaces', type: 'user', name: 'x', roles: ['signer'] }],
    ['INVALID_ARGUMENT', 'removePrincipal', 'owner'],
    ['INVALID_POLICY', 'registerPolicy', { name: 'weird', maxActiveAgeDays: -1 }],
    ['INVALID_ARGUMENT', 'backup', null],
    ['UV_REQUIRED', 'backup', { passphrase: 'long enough passphrase' }], // every secret-revealing call needs a proof on the call
    ['WEAK_PASSPHRASE', 'backup', { passphrase: 'short', proof: { passphrase: PASS } }],
    ['WEAK_PASSPHRASE', 'backup', { passphrase: '', proof: { passphrase: PASS } }],
    ['NOT_FOUND', 'backup', { passphrase: 'long enough passphrase', keyIds: ['k_' + '1'.repeat(24)], proof: { passphrase: PASS } }],
    ['UV_REQUIRED', 'backupToShares', { threshold: 2, shares: 3 }],
    ['INVALID_ARGUMENT', 'backupToShares', { threshold: 5, shares: 3, proof: { passphrase: PASS } }],
    ['INVALID_ARGUMENT', 'restoreBackup', 'not bytes', { passphrase: 'long enough passphrase' }],
    ['CORRUPTED', 'restoreBackup', 'hex:' + '00'.repeat(100), { passphrase: 'long enough passphrase' }],
    ['INVALID_ARGUMENT', 'restoreBackup', 'hex:00', { nothing: true }],
    ['INVALID_KEYSTORE', 'importKeystoreV3', 'not json', 'pw'],
  ];
  for (const [code, method, ...args] of cases) await fails(page, code, method, ...args);
  await fails(page, 'UV_REQUIRED', 'exportKeystoreV3', id, 'long enough password', { kdf: 'pbkdf2', pbkdf2: { c: 1000 } });
  await fails(page, 'WEAK_PASSPHRASE', 'exportKeystoreV3', id, '', { kdf: 'pbkdf2', pbkdf2: { c: 1000 }, proof: { passphrase: PASS } });
  await fails(page, 'INVALID_PATH', 'exportKeystoreV3', id, 'long enough password', {
    path: 'm/x',
    kdf: 'pbkdf2',
    pbkdf2: { c: 1000 },
    proof: { passphrase: PASS },
  });
  assert.equal((await ok(page, 'keys')).length, 1, 'nothing added');
  assert.equal((await ok(page, 'lifecycleRecord', id)).state, 'active', 'nothing changed');
  const after = (await ok(page, 'exportAuditLog'))
    .trim()
    .split('\n')
    .map((l: string) => JSON.parse(l));
  assert.ok(after.length > before, 'failures are audited');
  assert.equal((await ok(page, 'verifyAuditLog')).ok, true);
  await page.close();
});
