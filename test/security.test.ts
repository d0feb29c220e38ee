// RBAC and sessions: the full permission matrix (every default role x every
// permission, expected values written out by hand from
// the default roles' definitions, not derived from the code), wildcards, session expiry and
// fresh user verification for sensitive permissions, with an injected clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AccessController,
  MemoryPrincipalStore,
  PERMISSIONS,
  SENSITIVE_PERMISSIONS,
  patternMatches,
  type Permission,
} from '../src/security/index.ts';
import { VaultkeyError } from '../src/errors.ts';

const code = (c: string) => (e: unknown) => e instanceof VaultkeyError && e.code === c;

// Y = allowed. Written out by hand; owner = admin (single-user apps).
const MATRIX: Record<string, Permission[]> = {
  admin: [...PERMISSIONS],
  owner: [...PERMISSIONS],
  operator: ['key:create', 'key:read', 'key:sign', 'key:rotate', 'hsm:access'],
  auditor: ['key:read', 'audit:read', 'audit:export'],
  signer: ['key:read', 'key:sign', 'multisig:sign'],
};

function clock() {
  const c = { t: 1_700_000_000_000, now: () => c.t };
  return c;
}

test('the permission list is the table in docs/security.md, key:export and multisig:cancel included', () => {
  assert.deepEqual([...PERMISSIONS].sort(), [
    'audit:export',
    'audit:read',
    'hsm:access',
    'key:backup',
    'key:create',
    'key:delete',
    'key:export',
    'key:read',
    'key:restore',
    'key:rotate',
    'key:sign',
    'multisig:cancel',
    'multisig:complete',
    'multisig:initiate',
    'multisig:sign',
    'policy:manage',
  ]);
  assert.deepEqual([...SENSITIVE_PERMISSIONS].sort(), ['key:backup', 'key:delete', 'key:export', 'key:restore', 'key:rotate']);
});

test('permission matrix: every role x every permission', async () => {
  const c = clock();
  const access = new AccessController({ clock: c.now, sessionTtlMs: 7 * 24 * 3600_000 });
  let checked = 0;
  for (const [role, allowed] of Object.entries(MATRIX)) {
    await access.createPrincipal({ id: `p-${role}`, type: 'user', name: role, roles: [role] });
    const s = await access.createSession(`p-${role}`);
    for (const perm of PERMISSIONS) {
      const expect = allowed.includes(perm);
      assert.equal(await access.can(s, perm), expect, `${role} ${perm}`);
      if (!expect) {
        await assert.rejects(access.check(s, perm), code('PERMISSION_DENIED'), `${role} ${perm}`);
        // Denial wins over UV: a verified user still cannot use a permission the role lacks.
        access.recordUserVerification(s);
        await assert.rejects(access.check(s, perm), code('PERMISSION_DENIED'), `${role} ${perm} after UV`);
      } else if (SENSITIVE_PERMISSIONS.has(perm)) {
        c.t += 5 * 60_000 + 1; // any earlier UV is stale (default window: 5 minutes)
        await assert.rejects(access.check(s, perm), code('UV_REQUIRED'), `${role} ${perm}`);
        access.recordUserVerification(s);
        assert.equal((await access.check(s, perm)).id, s.id);
      } else {
        assert.equal((await access.check(s, perm)).id, s.id, `${role} ${perm}`);
      }
      checked++;
    }
  }
  assert.equal(checked, Object.keys(MATRIX).length * PERMISSIONS.length);
});

test('wildcards: *, admin:*, namespace:*', async () => {
  assert.ok(patternMatches('*', 'key:sign'));
  assert.ok(patternMatches('admin:*', 'policy:manage'));
  assert.ok(patternMatches('multisig:*', 'multisig:complete'));
  assert.ok(!patternMatches('multisig:*', 'key:sign'));
  assert.ok(!patternMatches('key:*', 'hsm:access'));
  assert.ok(!patternMatches('key:sign', 'key:signer' as Permission));
  const access = new AccessController({ roles: { approver: ['multisig:*', 'key:read'], keyman: ['key:*'] } });
  await access.createPrincipal({ id: 'ap', type: 'user', name: 'Approver', roles: ['approver'] });
  await access.createPrincipal({ id: 'km', type: 'service', name: 'Keyman', roles: ['keyman', 'auditor'] });
  const ap = await access.createSession('ap');
  const km = await access.createSession('km');
  for (const p of PERMISSIONS) {
    assert.equal(await access.can(ap, p), p.startsWith('multisig:') || p === 'key:read', `approver ${p}`);
    assert.equal(await access.can(km, p), p.startsWith('key:') || p.startsWith('audit:'), `keyman+auditor ${p}`);
  }
  assert.throws(() => new AccessController({ roles: { typo: ['key:sing' as Permission] } }), code('INVALID_ARGUMENT'));
  assert.throws(() => new AccessController({ roles: { typo: ['nothing:*' as Permission] } }), code('INVALID_ARGUMENT'));
  await assert.rejects(access.check(ap, 'key:fly' as Permission), code('INVALID_ARGUMENT'));
});

test('sessions expire; ended and unknown sessions are refused', async () => {
  const c = clock();
  const access = new AccessController({ clock: c.now, sessionTtlMs: 60_000 });
  await access.createPrincipal({ id: 'u', type: 'user', name: 'U', roles: ['signer'] });
  const s = await access.createSession('u', { client: 'Mozilla/5.0' });
  assert.equal(s.expiresAt - s.createdAt, 60_000);
  c.t += 59_999;
  await access.check(s, 'key:sign');
  c.t += 1;
  await assert.rejects(access.check(s, 'key:sign'), code('SESSION_EXPIRED'));
  await assert.rejects(access.check(s, 'key:sign'), code('NOT_FOUND'), 'an expired session is forgotten');
  const s2 = await access.createSession('u', { ttlMs: 5_000 });
  access.endSession(s2);
  assert.throws(() => access.validateSession(s2.id), code('NOT_FOUND'));
  assert.throws(() => access.validateSession(42 as never), code('INVALID_ARGUMENT'));
  await assert.rejects(access.createSession('nobody'), code('NOT_FOUND'));
  await assert.rejects(access.createSession('u', { ttlMs: -1 }), code('INVALID_ARGUMENT'));
});

test('sensitive permissions: UV window, verifyUser callback, refusal', async () => {
  const c = clock();
  const calls: string[] = [];
  let answer: boolean | 'throw' = true;
  const access = new AccessController({
    clock: c.now,
    uvWindowMs: 60_000,
    verifyUser: async ({ permission, principalId }) => {
      calls.push(`${principalId} ${permission}`);
      if (answer === 'throw') throw new Error('NotAllowedError');
      return answer;
    },
  });
  await access.createPrincipal({ id: 'op', type: 'user', name: 'Op', roles: ['operator'] });
  const s = await access.createSession('op');
  await assert.rejects(access.check(s, 'key:rotate'), code('UV_REQUIRED'));
  assert.equal(calls.length, 0, 'check never prompts');
  const v = await access.authorize(s, 'key:rotate');
  assert.equal(v.verifiedAt, c.t);
  assert.deepEqual(calls, ['op key:rotate']);
  c.t += 60_000;
  await access.authorize(s, 'key:rotate');
  assert.equal(calls.length, 1, 'still fresh at the window edge: no second prompt');
  c.t += 1;
  answer = false;
  await assert.rejects(access.authorize(s, 'key:rotate'), code('UV_REQUIRED'));
  answer = 'throw';
  await assert.rejects(access.authorize(s, 'key:rotate'), code('UV_REQUIRED'));
  await assert.rejects(access.authorize(s, 'key:delete'), code('PERMISSION_DENIED'));
  assert.equal(calls.length, 3, 'no prompt for a permission the role lacks');
  // Non-sensitive permissions never prompt.
  await access.authorize(s, 'key:sign');
  assert.equal(calls.length, 3);
  // Without a callback, authorize reports UV_REQUIRED for the Keystore to handle.
  const bare = new AccessController({ clock: c.now });
  await bare.createPrincipal({ id: 'x', type: 'user', name: 'X', roles: ['admin'] });
  await assert.rejects(bare.authorize(await bare.createSession('x'), 'key:backup'), code('UV_REQUIRED'));
});

test('single-user apps: an owner principal and session in one call', async () => {
  const c = clock();
  const { access, session } = await AccessController.singleUser({ clock: c.now, verifyUser: async () => true });
  assert.equal(session.principalId, 'owner');
  assert.equal((await access.getPrincipal('owner'))?.roles[0], 'owner');
  for (const p of PERMISSIONS) assert.ok(await access.can(session, p), p);
  await access.authorize(session, 'key:sign');
  await assert.rejects(access.check(session, 'key:export'), code('UV_REQUIRED'));
  await access.authorize(session, 'key:export');
  // A persistent store already holding the owner (next page load): reused, not an ALREADY_EXISTS.
  const principals = new MemoryPrincipalStore();
  await AccessController.singleUser({ principals, name: 'Alice' });
  const again = await AccessController.singleUser({ principals });
  assert.equal((await again.access.getPrincipal('owner'))?.name, 'Alice');
  assert.equal((await principals.list()).length, 1);
});

test('principals: validation, duplicates, disable and delete take effect on open sessions', async () => {
  const access = new AccessController();
  const bad: unknown[] = [
    null,
    { id: '', roles: ['admin'] },
    { id: 'a b', roles: ['admin'] },
    { id: 'a', roles: [] },
    { id: 'a', roles: ['root'] },
    { id: 'a', roles: ['admin'], type: 'robot' },
    { id: 'a', roles: 'admin' },
    { id: 'a', roles: ['admin'], disabled: 'yes' },
  ];
  for (const p of bad) await assert.rejects(access.createPrincipal(p as never), code('INVALID_ARGUMENT'), JSON.stringify(p));
  await access.createPrincipal({ id: 'a', type: 'user', name: 'A', roles: ['signer'] });
  await assert.rejects(access.createPrincipal({ id: 'a', type: 'user', name: 'A', roles: ['signer'] }), code('ALREADY_EXISTS'));
  await assert.rejects(access.updatePrincipal({ id: 'zz', type: 'user', name: 'Z', roles: ['signer'] }), code('NOT_FOUND'));
  const s = await access.createSession('a');
  await access.updatePrincipal({ id: 'a', type: 'user', name: 'A', roles: ['auditor'] });
  assert.equal(await access.can(s, 'key:sign'), false, 'role change applies to the open session');
  assert.equal(await access.can(s, 'audit:read'), true);
  await access.updatePrincipal({ id: 'a', type: 'user', name: 'A', roles: ['auditor'], disabled: true });
  await assert.rejects(access.check(s, 'audit:read'), code('PERMISSION_DENIED'));
  await assert.rejects(access.createSession('a'), code('PERMISSION_DENIED'));
  await access.updatePrincipal({ id: 'a', type: 'user', name: 'A', roles: ['auditor'] });
  const s2 = await access.createSession('a');
  await access.deletePrincipal('a');
  await assert.rejects(access.check(s2, 'audit:read'), code('NOT_FOUND'));
  assert.throws(() => new AccessController({ uvWindowMs: -5 }), code('INVALID_ARGUMENT'));
  assert.throws(() => new AccessController({ clock: 5 as never }), code('INVALID_ARGUMENT'));
});

test('guarded(): authorize -> run -> audit, denials and failures audited with their code', async () => {
  const { AuditLog, MemoryAuditStore, deriveAuditKey, guarded } = await import('../src/security/index.ts');
  const c = clock();
  const access = new AccessController({ clock: c.now, verifyUser: async () => false });
  await access.createPrincipal({ id: 'sig', type: 'user', name: 'Signer', roles: ['signer'] });
  const session = await access.createSession('sig');
  const store = new MemoryAuditStore();
  const audit = new AuditLog(await deriveAuditKey(crypto.getRandomValues(new Uint8Array(32))), { store, clock: c.now });
  const ctx = { access, audit, session };
  let ran = 0;
  assert.equal(await guarded(ctx, { permission: 'key:sign', keyId: 'k1', metadata: { chain: 'eth' } }, () => (ran++, 'sig')), 'sig');
  await assert.rejects(
    guarded(ctx, { permission: 'key:delete', keyId: 'k1' }, () => ran++),
    code('PERMISSION_DENIED'),
  );
  await assert.rejects(
    guarded(ctx, { permission: 'key:sign', keyId: 'k1' }, () => {
      throw new VaultkeyError('LOCKED', 'vault is locked');
    }),
    code('LOCKED'),
  );
  await assert.rejects(
    guarded(ctx, { permission: 'key:sign', metadata: { mnemonic: 'abandon' } }, () => ran++),
    code('INVALID_ARGUMENT'),
  );
  await assert.rejects(
    guarded(ctx, { permission: 'key:sign' }, () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(ran, 1, 'denied and invalid operations never ran');
  const rows = await audit.query();
  assert.deepEqual(
    rows.map((e) => [e.operation, e.success, e.errorCode ?? null, e.principalId, e.sessionId]),
    [
      ['key:sign', true, null, 'sig', session.id],
      ['key:delete', false, 'PERMISSION_DENIED', 'sig', session.id],
      ['key:sign', false, 'LOCKED', 'sig', session.id],
      ['key:sign', false, 'UNEXPECTED_ERROR', 'sig', session.id],
    ],
  );
  assert.ok(!JSON.stringify(rows).includes('vault is locked'), 'messages are not logged');
  assert.deepEqual(await audit.verify(), { ok: true, entries: 4 });
  // Expired session: audited as a failure with SESSION_EXPIRED.
  c.t += 31 * 60_000;
  await assert.rejects(
    guarded(ctx, { permission: 'key:read' }, () => ran++),
    code('SESSION_EXPIRED'),
  );
  assert.equal((await audit.query()).at(-1)?.errorCode, 'SESSION_EXPIRED');
  // A tampered audit log blocks reporting success.
  store.headRecord = { ...store.headRecord!, headMac: 'forged' };
  const s2 = await access.createSession('sig');
  await assert.rejects(
    guarded({ access, audit, session: s2 }, { permission: 'key:read' }, () => 1),
    code('AUDIT_TAMPERED'),
  );
});
