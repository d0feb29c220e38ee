// The vault worker's operation table, walked: every operation × every default
// role × locked / unlocked, and the lifecycle gate × key states. The expected
// permission of each operation is written out here from docs/security.md,
// independently of worker/vault/index.ts, and the table must list exactly
// these operations (a new one must be documented and given a permission).
// Calls go straight to the worker in comlink's wire format (vt.rawWorker), so
// nothing on the page can be what enforces them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserSuite } from './helpers/browser.ts';
import { ok, reload } from './helpers/keystore-page.ts';

const PASS = 'correct horse battery staple';
const suite = browserSuite();

/** docs/security.md "Operations": operation -> permission; true = a proof must come with the call. */
const EXPECTED: Record<string, [string, boolean?]> = {
  generate: ['key:create'],
  createFromMnemonic: ['key:create'],
  importKeys: ['key:create'],
  importSlip39: ['key:create'],
  importKeystoreV3: ['key:create'],
  registerHardwareKey: ['key:create'],
  removeKey: ['key:delete'],
  sign: ['key:sign'],
  signMessage: ['key:sign'],
  signSchnorr: ['key:sign'],
  verify: ['key:read'],
  getAddress: ['key:read'],
  deriveXpub: ['key:read'],
  nextAddress: ['key:read'],
  markUsed: ['key:read'],
  accounts: ['key:read'],
  lifecycleRecord: ['key:read'],
  activeKey: ['key:read'],
  isCompromised: ['key:read'],
  lifecycleReport: ['key:read'],
  policies: ['key:read'],
  reportCompromise: ['key:read'],
  compromiseEvents: ['key:read'],
  hardwareKeys: ['key:read'],
  reverify: ['key:read', true],
  exportMnemonic: ['key:export', true],
  exportSlip39: ['key:export', true],
  exportKeystoreV3: ['key:export', true],
  backup: ['key:backup', true],
  backupToShares: ['key:backup', true],
  restoreBackup: ['key:restore'],
  rotateKey: ['key:rotate'],
  emergencyRotate: ['key:rotate'],
  suspendKey: ['key:rotate'],
  resumeKey: ['key:rotate'],
  deactivateKey: ['key:rotate'],
  archiveKey: ['key:rotate'],
  markCompromised: ['key:rotate'],
  acknowledgeCompromise: ['key:rotate'],
  useHardwareKey: ['hsm:access'],
  registerPolicy: ['policy:manage'],
  setKeyPolicy: ['policy:manage'],
  addPasskey: ['policy:manage'],
  setPassphrase: ['policy:manage'],
  removeMethod: ['policy:manage'],
  principals: ['policy:manage'],
  addPrincipal: ['policy:manage'],
  updatePrincipal: ['policy:manage'],
  removePrincipal: ['policy:manage'],
  verifyAuditLog: ['audit:read'],
  auditReport: ['audit:read'],
  auditPublicKey: ['audit:read'],
  auditStats: ['audit:read'],
  exportAuditLog: ['audit:export'],
  exportSignedAuditLog: ['audit:export'],
  exportAuditQuarantine: ['audit:export'],
  multisigCreateGroup: ['multisig:initiate'],
  multisigInitiate: ['multisig:initiate'],
  multisigGet: ['key:read'],
  multisigList: ['key:read'],
  multisigAddSignature: ['multisig:sign'],
  multisigSignWithKey: ['multisig:sign'],
  multisigComplete: ['multisig:complete'],
  multisigCancel: ['multisig:cancel'],
  reanchorAuditLog: ['audit:export', true],
};

/** docs/security.md "Roles". */
const GRANTS: Record<string, string[] | '*'> = {
  owner: '*',
  admin: '*',
  operator: ['key:create', 'key:read', 'key:sign', 'key:rotate', 'hsm:access'],
  auditor: ['key:read', 'audit:read', 'audit:export'],
  signer: ['key:read', 'key:sign', 'multisig:sign'],
};

const NO_KEY = 'k_' + '0'.repeat(24);
const raw = (page: Page, path: string[], ...args: unknown[]): Promise<any> =>
  page.evaluate(([p, a]) => (window as any).vt.raw.call(p, ...(a as unknown[])), [path, args] as const);
/** Arguments that reach the permission check and then fail harmlessly (a key id that is not in the vault). */
const argsFor = (op: string): unknown[] =>
  op === 'multisigSignWithKey'
    ? ['op_' + '0'.repeat(40), NO_KEY]
    : ['reportCompromise', 'useHardwareKey'].includes(op)
      ? [op === 'useHardwareKey' ? 'x_' + '0'.repeat(24) : NO_KEY]
      : [NO_KEY];

test('every operation x every default role x locked/unlocked: the worker applies the table, whatever the page does', async () => {
  const page = await suite.context.newPage();
  await reload(page, suite.base);
  const name = `ops${process.pid}x${Date.now().toString(36)}`;
  await page.evaluate((nm) => (window as any).vt.open({ name: nm }), name);
  await ok(page, 'create', { passphrase: PASS });
  for (const role of Object.keys(GRANTS).filter((r) => r !== 'owner'))
    await ok(page, 'addPrincipal', { id: `p-${role}`, type: 'user', name: role, roles: [role] });
  await page.evaluate(() => (window as any).vt.ks.close());
  await page.evaluate(() => (window as any).vt.rawWorker());
  assert.equal((await raw(page, ['vault', 'open'], name)).ok, true);

  const table = (await raw(page, ['vault', 'operations'])).value as {
    name: string;
    permission: string;
    proof: boolean;
    gate: string | null;
  }[];
  assert.deepEqual(table.map((o) => o.name).sort(), Object.keys(EXPECTED).sort(), 'the table lists exactly the documented operations');
  for (const o of table) {
    assert.equal(o.permission, EXPECTED[o.name]![0], `${o.name} needs ${EXPECTED[o.name]![0]}`);
    assert.equal(o.proof, EXPECTED[o.name]![1] === true, `${o.name}: proof on the call`);
  }

  // Locked: every operation is refused before anything else is looked at.
  for (const o of table) {
    const r = await raw(page, ['vault', 'call'], o.name, argsFor(o.name), {});
    assert.equal(!r.ok && r.code, 'LOCKED', `${o.name} while locked`);
  }

  let checked = 0;
  for (const role of Object.keys(GRANTS)) {
    const u = await raw(page, ['vault', 'unlock'], { passphrase: PASS }, { principalId: role === 'owner' ? 'owner' : `p-${role}` });
    assert.equal(u.ok, true, `unlock as ${role}: ${u.message}`);
    const grants = GRANTS[role]!;
    for (const o of table) {
      const allowed = grants === '*' || grants.includes(o.permission);
      const r = await raw(page, ['vault', 'call'], o.name, argsFor(o.name), {});
      if (!allowed) assert.equal(!r.ok && r.code, 'PERMISSION_DENIED', `${role} may not ${o.name}`);
      else assert.ok(r.ok || !['PERMISSION_DENIED', 'LOCKED'].includes(r.code), `${role} may ${o.name}: ${r.code} ${r.message}`);
      if (allowed && o.proof) assert.equal(!r.ok && r.code, 'UV_REQUIRED', `${o.name} without a proof`);
      checked++;
    }
    await raw(page, ['vault', 'lock']);
  }
  assert.equal(checked, table.length * Object.keys(GRANTS).length);
  await page.close();
});

test('the lifecycle gate x key states: sign and verify are allowed or refused by state, in the worker; refusals are not counted', async () => {
  const page = await suite.context.newPage();
  await reload(page, suite.base);
  await page.evaluate((nm) => (window as any).vt.open({ name: nm }), `gate${process.pid}x${Date.now().toString(36)}`);
  await ok(page, 'create', { passphrase: PASS });
  const digest = 'hex:' + '33'.repeat(32);
  const cases: [string, string | null, string, string][] = [
    // [how the key gets there, call on the key, sign result, verify result]
    ['active', null, 'ok', 'ok'],
    ['suspended', 'suspendKey', 'KEY_SUSPENDED', 'KEY_SUSPENDED'],
    ['compromised', 'markCompromised', 'KEY_COMPROMISED', 'KEY_COMPROMISED'],
    ['deactivated', 'deactivateKey', 'KEY_DEACTIVATED', 'KEY_DEACTIVATED'],
    ['rotating (grace)', 'rotateKey', 'KEY_ROTATED', 'ok'],
  ];
  for (const [state, how, signWant, verifyWant] of cases) {
    const [k] = await ok(page, 'importKeys', [{ privateKey: 'hex:' + '0a'.repeat(31) + '01' }]);
    const sig = (await ok(page, 'sign', k.id, digest)).signature;
    if (how) await ok(page, how, k.id);
    const s = await page.evaluate(([id, d]) => (window as any).vt.call('sign', id, d), [k.id, digest] as const);
    assert.equal(s.ok ? 'ok' : s.code, signWant, `sign, ${state}`);
    const v = await page.evaluate(([id, d, g]) => (window as any).vt.call('verify', id, d, g), [k.id, digest, sig] as const);
    assert.equal(v.ok ? 'ok' : v.code, verifyWant, `verify, ${state}`);
    const rec = await ok(page, 'lifecycleRecord', k.id);
    assert.equal(rec.usageCount, signWant === 'ok' ? 2 : 1, `${state}: a refused signature is not counted`);
  }
  await page.close();
});
