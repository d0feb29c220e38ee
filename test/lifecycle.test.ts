// Lifecycle states, policies and the manager, with an injected clock.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { VaultkeyError } from '../src/errors.ts';
import { KEY_STATES, TRANSITIONS, transition, canTransition, type KeyState, type LifecycleRecord } from '../src/lifecycle/states.ts';
import {
  DAY_MS,
  DEFAULT_POLICY,
  HIGH_SECURITY_POLICY,
  PolicyRegistry,
  validatePolicy,
  type LifecyclePolicy,
} from '../src/lifecycle/policy.ts';
import { MemoryLifecycleStore } from '../src/lifecycle/store.ts';
import { LifecycleManager, type LifecycleEventDetail, type LifecycleHooks, type LifecycleEvent } from '../src/lifecycle/manager.ts';

const T0 = Date.UTC(2026, 0, 1);

function code(c: string) {
  return (e: unknown) => {
    assert.ok(e instanceof VaultkeyError, `expected VaultkeyError, got ${String(e)}`);
    assert.equal(e.code, c, (e as Error).message);
    return true;
  };
}

// The main-path edges plus the special-state edges (docs/lifecycle.md), written
// out independently of src/ so the table in the code is checked, not reused.
const ALLOWED = new Set([
  'created>active',
  'active>suspended',
  'suspended>active',
  'active>rotating',
  'rotating>active',
  'rotating>deactivated',
  'deactivated>archived',
  'archived>destroyed',
  'created>compromised',
  'active>compromised',
  'suspended>compromised',
  'rotating>compromised',
  'deactivated>compromised',
  'archived>compromised',
  'expired>compromised',
  'active>expired',
  'suspended>expired',
  'expired>deactivated',
  // special: retirement without a successor (deactivate)
  'active>deactivated',
  'suspended>deactivated',
  'compromised>archived',
  'compromised>destroyed',
]);

interface Env {
  now: number;
  clock: () => number;
  store: MemoryLifecycleStore;
  manager: LifecycleManager;
  secrets: Map<string, string>;
  rotations: { old: string; newId: string; trigger: string }[];
  events: LifecycleEventDetail[];
  mfaAnswer: boolean;
  mfaCalls: string[];
  failRotate: boolean;
  failDestroy: boolean;
}

const OPEN_POLICY: LifecyclePolicy = {
  name: 'open',
  maxActiveAgeDays: 10,
  warningDays: 2,
  expirationDays: 20,
  gracePeriodDays: 3,
  autoRotate: false,
  requireMfa: false,
  rotateAfterUses: null,
};

function env(options: { store?: MemoryLifecycleStore; policies?: LifecyclePolicy[]; noMfaHook?: boolean } = {}): Env {
  const e = {
    now: T0,
    store: options.store ?? new MemoryLifecycleStore(),
    secrets: new Map<string, string>(),
    rotations: [],
    events: [],
    mfaAnswer: true,
    mfaCalls: [],
    failRotate: false,
    failDestroy: false,
  } as unknown as Env;
  e.clock = () => e.now;
  const hooks: LifecycleHooks = {
    async rotateKey(old, newId, trigger) {
      if (e.failRotate) throw new Error('hook failed');
      e.rotations.push({ old: old.keyId, newId, trigger });
      e.secrets.set(newId, `secret-of-${newId}`);
      return { algorithm: 'secp256k1', fingerprint: `fp-${newId}`, meta: { index: old.version } };
    },
    async destroySecret(keyId) {
      if (e.failDestroy) throw new Error('disk error');
      e.secrets.delete(keyId);
    },
  };
  if (!options.noMfaHook) {
    hooks.mfa = async ({ keyId, action }) => {
      e.mfaCalls.push(`${action}:${keyId}`);
      return e.mfaAnswer;
    };
  }
  const policies = new PolicyRegistry();
  for (const p of options.policies ?? [OPEN_POLICY]) policies.register(p);
  e.manager = new LifecycleManager({ store: e.store, hooks, policies, clock: e.clock });
  for (const t of ['warning', 'rotation-due', 'rotated', 'expired', 'deactivated', 'suspended', 'compromised', 'destroyed']) {
    e.manager.addEventListener(t, (ev) => e.events.push((ev as LifecycleEvent).detail));
  }
  return e;
}

async function newKey(e: Env, keyId: string, policy = 'open', activate = true): Promise<LifecycleRecord> {
  e.secrets.set(keyId, `secret-of-${keyId}`);
  return e.manager.create(keyId, { kind: 'hd', policy, algorithm: 'secp256k1', activate, actor: 'alice', reason: 'setup' });
}

function record(keyId: string, state: KeyState, extra: Partial<LifecycleRecord> = {}): LifecycleRecord {
  return {
    keyId,
    baseId: keyId,
    version: 1,
    kind: 'imported',
    algorithm: null,
    fingerprint: null,
    policy: 'open',
    state,
    createdAt: T0,
    activatedAt: T0,
    rotationDueAt: T0 + 10 * DAY_MS,
    expiresAt: T0 + 20 * DAY_MS,
    graceEndsAt: null,
    usageCount: 0,
    lastUsedAt: null,
    predecessor: null,
    successor: null,
    rotationTrigger: null,
    notices: [],
    meta: {},
    history: [],
    revision: 1,
    ...extra,
  };
}

const days = (n: number) => T0 + n * DAY_MS;
const ofType = (e: Env, type: string) => e.events.filter((x) => x.type === type);

describe('states', () => {
  test('the transition table is exactly the documented one (full 9x9 matrix through transition())', () => {
    assert.equal(KEY_STATES.length, 9);
    let allowed = 0;
    for (const from of KEY_STATES) {
      for (const to of KEY_STATES) {
        const r = record('k', from);
        const info = { actor: 'bob', reason: `${from} to ${to}`, at: T0 + 5 };
        if (ALLOWED.has(`${from}>${to}`)) {
          allowed++;
          assert.equal(canTransition(from, to), true, `${from}>${to}`);
          const next = transition(r, to, info);
          assert.equal(next.state, to);
          assert.deepEqual(next.history.at(-1), { from, to, actor: 'bob', reason: `${from} to ${to}`, at: T0 + 5 });
          assert.equal(r.state, from, 'input record unchanged');
          assert.equal(r.history.length, 0);
        } else {
          assert.equal(canTransition(from, to), false, `${from}>${to}`);
          assert.throws(() => transition(r, to, info), code('INVALID_TRANSITION'), `${from}>${to}`);
        }
      }
    }
    assert.equal(allowed, ALLOWED.size);
    assert.deepEqual(TRANSITIONS.destroyed, []);
  });

  test('unknown states and bad transition info are coded errors', () => {
    assert.throws(() => transition(record('k', 'active'), 'frozen' as KeyState, { actor: 'a', reason: '', at: T0 }), code('INVALID_STATE'));
    assert.throws(() => transition(record('k', 'paused' as KeyState), 'active', { actor: 'a', reason: '', at: T0 }), code('INVALID_STATE'));
    assert.throws(() => transition(record('k', 'active'), 'suspended', { actor: '', reason: '', at: T0 }), code('INVALID_ARGUMENT'));
    assert.throws(
      () => transition(record('k', 'active'), 'suspended', { actor: 'a', reason: 'x', at: Number.NaN }),
      code('INVALID_ARGUMENT'),
    );
    assert.throws(() => transition(record('k', 'active'), 'suspended', undefined as never), code('INVALID_ARGUMENT'));
  });
});

describe('policies', () => {
  test('built-in policies carry the documented values (docs/lifecycle.md)', () => {
    const reg = new PolicyRegistry();
    assert.deepEqual(
      { ...reg.get('default') },
      {
        name: 'default',
        maxActiveAgeDays: 365,
        warningDays: 30,
        expirationDays: 730,
        gracePeriodDays: 90,
        autoRotate: false,
        requireMfa: true,
        rotateAfterUses: null,
        requireBackupAfterRotation: false,
      },
    );
    assert.deepEqual(
      { ...reg.get('high-security') },
      {
        name: 'high-security',
        maxActiveAgeDays: 90,
        warningDays: 14,
        expirationDays: 180,
        gracePeriodDays: 30,
        autoRotate: true,
        requireMfa: true,
        rotateAfterUses: 100_000,
        requireBackupAfterRotation: true,
      },
    );
    assert.ok(Object.isFrozen(DEFAULT_POLICY) && Object.isFrozen(HIGH_SECURITY_POLICY));
    assert.deepEqual(
      reg.list().map((p) => p.name),
      ['default', 'high-security'],
    );
  });

  test('every bad policy value is INVALID_POLICY', () => {
    const ok = { ...OPEN_POLICY, name: 'x' };
    assert.equal(validatePolicy(ok).name, 'x');
    const cases: [string, unknown][] = [
      ['not an object', 42],
      ['null', null],
      ['array', []],
      ['bad name', { ...ok, name: 'has space' }],
      ['empty name', { ...ok, name: '' }],
      ['zero max age', { ...ok, maxActiveAgeDays: 0 }],
      ['negative max age', { ...ok, maxActiveAgeDays: -1 }],
      ['NaN max age', { ...ok, maxActiveAgeDays: Number.NaN }],
      ['infinite expiration', { ...ok, expirationDays: Infinity }],
      ['string days', { ...ok, warningDays: '2' }],
      ['negative warning', { ...ok, warningDays: -1 }],
      ['negative grace', { ...ok, gracePeriodDays: -0.5 }],
      ['too long', { ...ok, expirationDays: 40_000, maxActiveAgeDays: 10 }],
      ['rotate after expiry', { ...ok, maxActiveAgeDays: 30, expirationDays: 20 }],
      ['warning not before rotation', { ...ok, warningDays: 10 }],
      ['autoRotate not boolean', { ...ok, autoRotate: 'yes' }],
      ['requireMfa missing', { ...ok, requireMfa: undefined }],
      ['zero uses', { ...ok, rotateAfterUses: 0 }],
      ['fractional uses', { ...ok, rotateAfterUses: 1.5 }],
      ['unknown field', { ...ok, autorotate: true }],
    ];
    for (const [what, p] of cases) assert.throws(() => validatePolicy(p), code('INVALID_POLICY'), what);
  });

  test('registry: unknown name, duplicates, built-ins protected, replace', () => {
    const reg = new PolicyRegistry();
    assert.throws(() => reg.get('nope'), code('UNKNOWN_POLICY'));
    reg.register({ ...OPEN_POLICY, name: 'team' });
    assert.throws(() => reg.register({ ...OPEN_POLICY, name: 'team' }), code('ALREADY_EXISTS'));
    assert.equal(reg.register({ ...OPEN_POLICY, name: 'team', gracePeriodDays: 5 }, { replace: true }).gracePeriodDays, 5);
    assert.throws(() => reg.register({ ...DEFAULT_POLICY, autoRotate: true }, { replace: true }), code('INVALID_POLICY'));
    assert.throws(() => reg.register({ ...OPEN_POLICY, maxActiveAgeDays: -3, name: 'neg' }), code('INVALID_POLICY'));
  });
});

describe('store', () => {
  test('commit is compare-and-set and all-or-nothing', async () => {
    const s = new MemoryLifecycleStore();
    await s.commit([record('a', 'active')]);
    await assert.rejects(s.commit([record('a', 'active')]), code('CONFLICT'), 'revision 1 must be new');
    await assert.rejects(s.commit([record('b', 'active'), record('a', 'suspended', { revision: 3 })]), code('CONFLICT'));
    assert.equal(await s.get('b'), undefined, 'nothing of the failed batch was written');
    await s.commit([record('a', 'suspended', { revision: 2 })]);
    assert.equal((await s.get('a'))!.state, 'suspended');
    const copy = (await s.get('a'))!;
    copy.state = 'destroyed';
    assert.equal((await s.get('a'))!.state, 'suspended', 'reads are copies');
    await assert.rejects(s.commit([record('c', 'active', { revision: 0 })]), code('INVALID_ARGUMENT'));
  });
});

describe('manager: states through the API', () => {
  const METHODS: [string, KeyState][] = [
    ['activate', 'active'],
    ['suspend', 'suspended'],
    ['resume', 'active'],
    ['deactivate', 'deactivated'],
    ['archive', 'archived'],
    ['markCompromised', 'compromised'],
    ['destroy', 'destroyed'],
  ];
  // activate only from created, resume only from suspended (both go to active).
  const expectOk = (method: string, from: KeyState, to: KeyState) => {
    if (method === 'activate') return from === 'created';
    if (method === 'resume') return from === 'suspended';
    return ALLOWED.has(`${from}>${to}`);
  };

  test('every method from every state: allowed moves happen with history, others INVALID_TRANSITION and change nothing', async () => {
    for (const from of KEY_STATES) {
      for (const [method, to] of METHODS) {
        const e = env();
        e.secrets.set('k', 's');
        await e.store.commit([record('k', from, { successor: from === 'rotating' ? 'k-v2' : null })]);
        e.now = T0 + 1000;
        const call = (e.manager as any)[method]('k', { actor: 'carol', reason: 'matrix' }) as Promise<LifecycleRecord>;
        if (expectOk(method, from, to)) {
          const r = await call;
          assert.equal(r.state, to, `${method} from ${from}`);
          const stored = (await e.store.get('k'))!;
          assert.equal(stored.state, to);
          assert.equal(stored.revision, 2);
          assert.deepEqual(stored.history.at(-1), { from, to, actor: 'carol', reason: 'matrix', at: T0 + 1000 });
          if (to === 'destroyed') assert.equal(e.secrets.has('k'), false, 'destroy deletes the secret');
        } else {
          await assert.rejects(call, code('INVALID_TRANSITION'), `${method} from ${from}`);
          const stored = (await e.store.get('k'))!;
          assert.equal(stored.state, from);
          assert.equal(stored.revision, 1);
          assert.equal(e.secrets.has('k'), true);
        }
      }
    }
  });

  test('create: validation, duplicates, activation sets the policy dates', async () => {
    const e = env();
    await assert.rejects(e.manager.create('bad id!', { kind: 'hd' }), code('INVALID_ARGUMENT'));
    await assert.rejects(e.manager.create('k', { kind: 'paper' as never }), code('INVALID_ARGUMENT'));
    await assert.rejects(e.manager.create('k', { kind: 'hd', policy: 'nope' }), code('UNKNOWN_POLICY'));
    await assert.rejects(e.manager.create('k', { kind: 'hd', actor: '' }), code('INVALID_ARGUMENT'));
    const r = await e.manager.create('k', { kind: 'hd', policy: 'default', activate: true, actor: 'alice' });
    assert.equal(r.state, 'active');
    assert.equal(r.rotationDueAt, days(365));
    assert.equal(r.expiresAt, days(730));
    assert.deepEqual(
      r.history.map((h) => [h.from, h.to, h.actor]),
      [
        [null, 'created', 'alice'],
        ['created', 'active', 'alice'],
      ],
    );
    await assert.rejects(e.manager.create('k', { kind: 'hd' }), code('ALREADY_EXISTS'));
    const c = await e.manager.create('later', { kind: 'imported' });
    assert.equal(c.state, 'created');
    e.now = days(3);
    assert.equal((await e.manager.activate('later')).expiresAt, days(3 + 730));
  });

  test('unknown key ids and bad operations are coded errors', async () => {
    const e = env();
    await assert.rejects(e.manager.get('ghost'), code('NOT_FOUND'));
    await assert.rejects(e.manager.assertUsable('ghost', 'sign'), code('NOT_FOUND'));
    await assert.rejects(e.manager.suspend('ghost'), code('NOT_FOUND'));
    await assert.rejects(e.manager.rotate('ghost'), code('NOT_FOUND'));
    await assert.rejects(e.manager.emergencyRotate('ghost'), code('NOT_FOUND'));
    await assert.rejects(e.manager.recordUsage('ghost'), code('NOT_FOUND'));
    await assert.rejects(e.manager.destroy('ghost'), code('NOT_FOUND'));
    await newKey(e, 'k');
    await assert.rejects(e.manager.assertUsable('k', 'encrypt' as never), code('INVALID_ARGUMENT'));
    await assert.rejects(e.manager.rotate('k', { trigger: 'lunar' as never }), code('INVALID_ARGUMENT'));
    assert.throws(() => new LifecycleManager({} as never), code('INVALID_ARGUMENT'));
  });

  test('assertUsable: sign only when Active; verify also during grace; each state its code', async () => {
    const cases: [KeyState, string, string][] = [
      ['created', 'KEY_NOT_ACTIVE', 'KEY_NOT_ACTIVE'],
      ['suspended', 'KEY_SUSPENDED', 'KEY_SUSPENDED'],
      ['compromised', 'KEY_COMPROMISED', 'KEY_COMPROMISED'],
      ['expired', 'KEY_EXPIRED', 'KEY_EXPIRED'],
      ['deactivated', 'KEY_DEACTIVATED', 'KEY_DEACTIVATED'],
      ['archived', 'KEY_DEACTIVATED', 'KEY_DEACTIVATED'],
      ['destroyed', 'KEY_DESTROYED', 'KEY_DESTROYED'],
    ];
    const e = env();
    for (const [state, signCode, verifyCode] of cases) {
      await e.store.commit([record(state, state)]);
      await assert.rejects(e.manager.assertUsable(state, 'sign'), code(signCode), state);
      await assert.rejects(e.manager.assertUsable(state, 'verify'), code(verifyCode), state);
    }
    await e.store.commit([record('act', 'active')]);
    assert.equal((await e.manager.assertUsable('act', 'sign')).keyId, 'act');
    await e.store.commit([record('grace', 'rotating', { successor: 'grace-v2', graceEndsAt: T0 + 100 })]);
    await assert.rejects(e.manager.assertUsable('grace', 'sign'), code('KEY_ROTATED'));
    assert.equal((await e.manager.assertUsable('grace', 'verify')).state, 'rotating');
    e.now = T0 + 100;
    await assert.rejects(e.manager.assertUsable('grace', 'verify'), code('KEY_DEACTIVATED'), 'grace over even before evaluate');
  });
});

describe('policy timelines', () => {
  test('default: warning at 335 d, rotation-due notice at 365 d (no auto-rotate), expiry warning at 700 d, Expired at 730 d', async () => {
    const e = env();
    await newKey(e, 'treasury', 'default');
    e.now = days(334);
    assert.deepEqual(await e.manager.evaluate(), []);
    e.now = days(335);
    assert.deepEqual(await e.manager.evaluate(), [{ keyId: 'treasury', action: 'warn', kind: 'rotation', dueAt: days(365) }]);
    await e.manager.runDue();
    await e.manager.runDue();
    assert.deepEqual(
      ofType(e, 'warning').map((w) => [w.kind, w.dueAt]),
      [['rotation', days(365)]],
      'warned once',
    );
    assert.deepEqual((await e.manager.report()).rotationDueSoon, ['treasury']);

    e.now = days(365);
    await e.manager.runDue();
    await e.manager.runDue();
    assert.deepEqual(
      ofType(e, 'rotation-due').map((x) => x.trigger),
      ['interval'],
    );
    assert.equal(e.rotations.length, 0, 'default policy does not rotate by itself');
    assert.equal((await e.manager.assertUsable('treasury', 'sign')).state, 'active');
    assert.deepEqual((await e.manager.report()).needingRotation, ['treasury']);

    e.now = days(700);
    await e.manager.runDue();
    assert.deepEqual(
      ofType(e, 'warning').map((w) => w.kind),
      ['rotation', 'expiry'],
    );
    assert.deepEqual((await e.manager.report()).expiringSoon, ['treasury']);

    e.now = days(730);
    // The date alone already stops signing, before any evaluation.
    await assert.rejects(e.manager.assertUsable('treasury', 'sign'), code('KEY_EXPIRED'));
    assert.deepEqual((await e.manager.report()).expired, ['treasury']);
    await e.manager.runDue();
    const r = await e.manager.get('treasury');
    assert.equal(r.state, 'expired');
    assert.deepEqual(r.history.at(-1), {
      from: 'active',
      to: 'expired',
      actor: 'system:lifecycle',
      reason: 'past expiration date',
      at: days(730),
    });
    assert.equal(ofType(e, 'expired').length, 1);
    const rep = await e.manager.report();
    assert.equal(rep.byState.expired, 1);
    assert.equal(rep.activeKeys, 0);
  });

  test('high-security: warning at 76 d, auto-rotation at 90 d to treasury-v2, old verifies for 30 d then Deactivated', async () => {
    const e = env({ policies: [] });
    await newKey(e, 'treasury', 'high-security');
    e.now = days(75);
    assert.deepEqual(await e.manager.evaluate(), []);
    e.now = days(76);
    await e.manager.runDue();
    assert.deepEqual(
      ofType(e, 'warning').map((w) => [w.keyId, w.kind]),
      [['treasury', 'rotation']],
    );

    e.now = days(90);
    const run = await e.manager.runDue();
    assert.deepEqual(run.errors, []);
    assert.deepEqual(e.rotations, [{ old: 'treasury', newId: 'treasury-v2', trigger: 'interval' }]);
    assert.deepEqual(
      ofType(e, 'rotated').map((x) => [x.keyId, x.newKeyId, x.trigger]),
      [['treasury', 'treasury-v2', 'interval']],
    );
    const old = await e.manager.get('treasury');
    const v2 = await e.manager.get('treasury-v2');
    assert.equal(old.state, 'rotating');
    assert.equal(old.successor, 'treasury-v2');
    assert.equal(old.graceEndsAt, days(120));
    assert.deepEqual(
      {
        state: v2.state,
        baseId: v2.baseId,
        version: v2.version,
        predecessor: v2.predecessor,
        policy: v2.policy,
        fingerprint: v2.fingerprint,
        meta: v2.meta,
      },
      {
        state: 'active',
        baseId: 'treasury',
        version: 2,
        predecessor: 'treasury',
        policy: 'high-security',
        fingerprint: 'fp-treasury-v2',
        meta: { index: 1 },
      },
    );
    assert.equal(v2.rotationDueAt, days(180));
    assert.equal(v2.expiresAt, days(270));
    assert.ok(
      run.events.some((x) => x.type === 'rotated'),
      'runDue reports what it did',
    );

    e.now = days(119);
    await assert.rejects(e.manager.assertUsable('treasury', 'sign'), code('KEY_ROTATED'));
    assert.equal((await e.manager.assertUsable('treasury', 'verify')).keyId, 'treasury');
    assert.deepEqual((await e.manager.report()).inGrace, ['treasury']);
    await e.manager.runDue();
    assert.equal((await e.manager.get('treasury')).state, 'rotating');

    e.now = days(120);
    await e.manager.runDue();
    const done = await e.manager.get('treasury');
    assert.equal(done.state, 'deactivated');
    assert.deepEqual(
      done.history.map((h) => h.to),
      ['created', 'active', 'rotating', 'deactivated'],
    );
    await assert.rejects(e.manager.assertUsable('treasury', 'verify'), code('KEY_DEACTIVATED'));
    assert.equal(ofType(e, 'deactivated').length, 1);

    // v2 rotates in its turn to v3 (versioned from the base id, not v2-v2).
    e.now = days(180);
    await e.manager.runDue();
    assert.deepEqual(
      e.rotations.map((x) => x.newId),
      ['treasury-v2', 'treasury-v3'],
    );
    // Then the retired key can be archived and destroyed (MFA, secret deleted).
    await e.manager.archive('treasury', { actor: 'alice' });
    await e.manager.destroy('treasury', { actor: 'alice', reason: 'retention over' });
    assert.deepEqual(e.mfaCalls, ['destroy:treasury']);
    assert.equal(e.secrets.has('treasury'), false);
    assert.equal(e.secrets.has('treasury-v3'), true);
    const rep = await e.manager.report();
    assert.deepEqual(
      { total: rep.totalKeys, active: rep.activeKeys, destroyed: rep.byState.destroyed, rotating: rep.byState.rotating },
      { total: 3, active: 1, destroyed: 1, rotating: 1 },
    );
  });

  test('a key overdue for both rotation and expiry (tab closed for years) is rotated, and gets no grace past its expiry', async () => {
    const e = env({ policies: [] });
    await newKey(e, 'k', 'high-security');
    e.now = days(400);
    await e.manager.runDue();
    const old = await e.manager.get('k');
    assert.equal(old.state, 'deactivated', 'expired long ago: no grace');
    assert.equal((await e.manager.get('k-v2')).state, 'active');
    assert.equal(ofType(e, 'expired').length, 0);
  });

  test('grace period is capped at the old key expiry', async () => {
    const e = env();
    await newKey(e, 'k', 'open'); // rotate 10 d, expire 20 d, grace 3 d
    e.now = days(19);
    await e.manager.rotate('k', { actor: 'alice' });
    assert.equal((await e.manager.get('k')).graceEndsAt, days(20));
  });
});

describe('rotation', () => {
  test('manual rotation needs MFA when the policy says so', async () => {
    const e = env({ policies: [] });
    await newKey(e, 'k', 'default');
    e.mfaAnswer = false;
    await assert.rejects(e.manager.rotate('k'), code('MFA_REQUIRED'));
    assert.equal((await e.manager.get('k')).state, 'active');
    e.mfaAnswer = true;
    assert.deepEqual(await e.manager.rotate('k', { actor: 'alice', reason: 'staff change' }), { oldKeyId: 'k', newKeyId: 'k-v2' });
    assert.deepEqual(e.mfaCalls, ['rotate:k', 'rotate:k']);
    const old = await e.manager.get('k');
    assert.deepEqual(old.history.at(-1), { from: 'active', to: 'rotating', actor: 'alice', reason: 'staff change', at: T0 });
    assert.equal(old.graceEndsAt, days(90));

    const noHook = env({ policies: [], noMfaHook: true });
    await newKey(noHook, 'k', 'default');
    await assert.rejects(noHook.manager.rotate('k'), code('MFA_REQUIRED'), 'no MFA hook: refused, not skipped');
  });

  test('rotating a key twice, a suspended key, or onto an existing id is refused', async () => {
    const e = env();
    await newKey(e, 'k');
    await e.manager.rotate('k');
    await assert.rejects(e.manager.rotate('k'), code('INVALID_TRANSITION'));
    await newKey(e, 's');
    await e.manager.suspend('s');
    await assert.rejects(e.manager.rotate('s'), code('INVALID_TRANSITION'));
    await newKey(e, 'x');
    await newKey(e, 'x-v2');
    await assert.rejects(e.manager.rotate('x'), code('ALREADY_EXISTS'));
    assert.equal((await e.manager.get('x')).state, 'active');
  });

  test('a failing rotateKey hook returns the key to Active (the Rotating -> Active edge)', async () => {
    const e = env();
    await newKey(e, 'k');
    e.failRotate = true;
    await assert.rejects(e.manager.rotate('k'), code('ROTATION_FAILED'));
    const r = await e.manager.get('k');
    assert.equal(r.state, 'active');
    assert.deepEqual(
      r.history.slice(-2).map((h) => [h.from, h.to, h.reason]),
      [
        ['active', 'rotating', 'manual rotation'],
        ['rotating', 'active', 'rotation failed'],
      ],
    );
    assert.equal(await e.store.get('k-v2'), undefined);
    e.failRotate = false;
    assert.equal((await e.manager.rotate('k')).newKeyId, 'k-v2');
  });

  test('abortRotation only for a rotation without successor', async () => {
    const e = env();
    await e.store.commit([record('stuck', 'rotating'), record('done', 'rotating', { successor: 'done-v2', graceEndsAt: days(30) })]);
    assert.equal((await e.manager.abortRotation('stuck', { actor: 'alice' })).state, 'active');
    await assert.rejects(e.manager.abortRotation('done'), code('INVALID_TRANSITION'));
  });

  test('an Expired key can be replaced: the successor is Active, the old key Deactivated at once', async () => {
    const e = env();
    await newKey(e, 'k');
    e.now = days(20);
    await e.manager.runDue();
    assert.equal((await e.manager.get('k')).state, 'expired');
    assert.equal((await e.manager.rotate('k', { actor: 'alice' })).newKeyId, 'k-v2');
    assert.equal((await e.manager.get('k')).state, 'deactivated');
    assert.equal((await e.manager.get('k-v2')).state, 'active');
  });

  test('emergency rotation: old key Compromised at once, no grace, successor Active', async () => {
    const e = env({ policies: [] });
    await newKey(e, 'vault', 'default');
    e.now = days(10);
    const res = await e.manager.emergencyRotate('vault', { actor: 'security', reason: 'seed phrase photographed' });
    assert.deepEqual(res, { oldKeyId: 'vault', newKeyId: 'vault-v2' });
    assert.deepEqual(e.mfaCalls, [], 'no MFA gate in an incident');
    const old = await e.manager.get('vault');
    assert.equal(old.state, 'compromised');
    assert.equal(old.graceEndsAt, null);
    assert.equal(old.successor, 'vault-v2');
    assert.deepEqual(old.history.at(-1), {
      from: 'active',
      to: 'compromised',
      actor: 'security',
      reason: 'seed phrase photographed',
      at: days(10),
    });
    await assert.rejects(e.manager.assertUsable('vault', 'sign'), code('KEY_COMPROMISED'));
    await assert.rejects(e.manager.assertUsable('vault', 'verify'), code('KEY_COMPROMISED'));
    assert.equal((await e.manager.assertUsable('vault-v2', 'sign')).predecessor, 'vault');
    assert.deepEqual(e.rotations, [{ old: 'vault', newId: 'vault-v2', trigger: 'security-event' }]);
    assert.deepEqual(
      ofType(e, 'rotated').map((x) => [x.trigger, x.emergency]),
      [['security-event', true]],
    );
    assert.equal(ofType(e, 'compromised').length, 1);
    // The compromised key's secret can then be destroyed straight away.
    await e.manager.destroy('vault', { actor: 'security' });
    assert.equal(e.secrets.has('vault'), false);
    assert.equal((await e.manager.get('vault')).state, 'destroyed');
  });

  test('emergency rotation of a key in grace ends its grace; of a retired key only marks it; a failed hook is retried', async () => {
    const e = env();
    await newKey(e, 'a');
    await e.manager.rotate('a');
    assert.deepEqual(await e.manager.emergencyRotate('a'), { oldKeyId: 'a', newKeyId: 'a-v2' });
    await assert.rejects(e.manager.assertUsable('a', 'verify'), code('KEY_COMPROMISED'));
    assert.equal(e.rotations.length, 1, 'no third key');

    await e.store.commit([record('old', 'archived')]);
    assert.deepEqual(await e.manager.emergencyRotate('old'), { oldKeyId: 'old', newKeyId: null });
    assert.equal((await e.manager.get('old')).state, 'compromised');

    await newKey(e, 'b');
    e.failRotate = true;
    await assert.rejects(e.manager.emergencyRotate('b'), code('ROTATION_FAILED'));
    assert.equal((await e.manager.get('b')).state, 'compromised', 'compromised even though no successor could be made');
    e.failRotate = false;
    assert.deepEqual(await e.manager.emergencyRotate('b'), { oldKeyId: 'b', newKeyId: 'b-v2' });
    assert.deepEqual(await e.manager.emergencyRotate('b'), { oldKeyId: 'b', newKeyId: 'b-v2' }, 'idempotent');
    assert.equal(e.rotations.filter((x) => x.old === 'b').length, 1);

    await e.store.commit([record('gone', 'destroyed')]);
    await assert.rejects(e.manager.emergencyRotate('gone'), code('INVALID_TRANSITION'));
  });

  test('usage-count rotation: automatic at the threshold', async () => {
    const e = env({ policies: [{ ...OPEN_POLICY, name: 'uses', autoRotate: true, rotateAfterUses: 3 }] });
    await newKey(e, 'hot', 'uses');
    e.now = T0 + 1;
    assert.deepEqual(await e.manager.recordUsage('hot'), { usageCount: 1, rotationDue: false });
    assert.deepEqual(await e.manager.recordUsage('hot'), { usageCount: 2, rotationDue: false });
    assert.deepEqual(await e.manager.recordUsage('hot'), { usageCount: 3, rotationDue: true, newKeyId: 'hot-v2' });
    assert.deepEqual(e.rotations, [{ old: 'hot', newId: 'hot-v2', trigger: 'usage' }]);
    const old = await e.manager.get('hot');
    assert.equal(old.state, 'rotating');
    assert.equal(old.rotationTrigger, 'usage');
    assert.equal(old.lastUsedAt, T0 + 1);
    assert.equal((await e.manager.get('hot-v2')).usageCount, 0);
  });

  test('usage-count trigger without auto-rotate: one rotation-due event, shown in the report', async () => {
    const e = env({ policies: [{ ...OPEN_POLICY, name: 'uses', rotateAfterUses: 2 }] });
    await newKey(e, 'hot', 'uses');
    await e.manager.recordUsage('hot');
    await e.manager.recordUsage('hot');
    await e.manager.recordUsage('hot');
    assert.deepEqual(
      ofType(e, 'rotation-due').map((x) => x.trigger),
      ['usage'],
    );
    assert.equal(e.rotations.length, 0);
    assert.deepEqual((await e.manager.report()).needingRotation, ['hot']);
    await e.manager.runDue();
    assert.equal(ofType(e, 'rotation-due').length, 1, 'not repeated by the scheduler');
  });

  test('two managers on one store running due work together rotate once (compare-and-set, no locks)', async () => {
    const store = new MemoryLifecycleStore();
    const a = env({ store, policies: [{ ...OPEN_POLICY, name: 'auto', autoRotate: true }] });
    const b = env({ store, policies: [{ ...OPEN_POLICY, name: 'auto', autoRotate: true }] });
    await newKey(a, 'k', 'auto');
    a.now = b.now = days(10);
    const [ra, rb] = await Promise.all([a.manager.runDue(), b.manager.runDue()]);
    assert.deepEqual([...ra.errors, ...rb.errors], []);
    assert.equal(a.rotations.length + b.rotations.length, 1);
    const all = await store.list();
    assert.deepEqual(all.map((r) => `${r.keyId}:${r.state}`).sort(), ['k-v2:active', 'k:rotating']);
    assert.equal((await store.get('k'))!.history.filter((h) => h.to === 'rotating').length, 1);
  });

  test('destroy: only after archive/compromise, MFA, secret deleted first, a failing hook changes nothing', async () => {
    const e = env({ policies: [] });
    await newKey(e, 'k', 'default');
    await assert.rejects(e.manager.destroy('k'), code('INVALID_TRANSITION'));
    assert.equal(e.secrets.has('k'), true);
    await e.store.commit([record('arch', 'archived', { policy: 'default' })]);
    e.secrets.set('arch', 's');
    e.mfaAnswer = false;
    await assert.rejects(e.manager.destroy('arch'), code('MFA_REQUIRED'));
    e.mfaAnswer = true;
    e.failDestroy = true;
    await assert.rejects(e.manager.destroy('arch'));
    assert.equal((await e.manager.get('arch')).state, 'archived');
    e.failDestroy = false;
    await e.manager.destroy('arch', { actor: 'alice' });
    assert.equal(e.secrets.has('arch'), false);
    assert.equal(ofType(e, 'destroyed').length, 1);
  });

  test('resume after suspension needs MFA under the default policy', async () => {
    const e = env({ policies: [] });
    await newKey(e, 'k', 'default');
    await e.manager.suspend('k', { actor: 'detector', reason: 'rapid usage' });
    await assert.rejects(e.manager.assertUsable('k', 'sign'), code('KEY_SUSPENDED'));
    e.mfaAnswer = false;
    await assert.rejects(e.manager.resume('k'), code('MFA_REQUIRED'));
    e.mfaAnswer = true;
    assert.equal((await e.manager.resume('k', { actor: 'alice' })).state, 'active');
    assert.deepEqual(
      (await e.manager.get('k')).history.slice(-2).map((h) => [h.to, h.actor]),
      [
        ['suspended', 'detector'],
        ['active', 'alice'],
      ],
    );
  });
});

describe('successor options and moving a key between policies', () => {
  test('rotate passes the successor option to the vault hook (manual only; automatic rotations pass none)', async () => {
    const e = env();
    const seen: unknown[] = [];
    const m = new LifecycleManager({
      store: e.store,
      policies: e.manager.policies,
      clock: e.clock,
      hooks: {
        async rotateKey(_old, _newId, trigger, options) {
          seen.push([trigger, options]);
          return {};
        },
      },
    });
    await m.create('k', { kind: 'hd', policy: 'open', activate: true });
    await m.rotate('k', { successor: 'next-account' });
    await m.create('j', { kind: 'hd', policy: 'open', activate: true });
    await m.rotate('j');
    assert.deepEqual(seen, [
      ['manual', { successor: 'next-account' }],
      ['manual', {}],
    ]);
    await m.create('i', { kind: 'hd', policy: 'open', activate: true });
    await assert.rejects(m.rotate('i', { successor: 'sideways' as never }), code('INVALID_ARGUMENT'));
  });

  test('setPolicy: dates recomputed from activation, notices reset, MFA when either policy needs it, unknown policy and retired keys refused', async () => {
    const e = env({ policies: [OPEN_POLICY, { ...OPEN_POLICY, name: 'long', maxActiveAgeDays: 100, expirationDays: 200 }] });
    await newKey(e, 'k');
    e.now = days(9);
    await e.manager.runDue(); // rotation warning (2 days before day 10)
    assert.ok((await e.manager.get('k')).notices.includes('warn:rotation'));
    const r = await e.manager.setPolicy('k', 'long', { actor: 'alice', reason: 'longer life' });
    assert.equal(r.policy, 'long');
    assert.equal(r.rotationDueAt, days(100));
    assert.equal(r.expiresAt, days(200));
    assert.deepEqual(r.notices, [], 'warnings fire again for the new dates');
    assert.deepEqual(e.mfaCalls, [], 'neither policy requires MFA');
    await assert.rejects(e.manager.setPolicy('k', 'nope'), code('UNKNOWN_POLICY'));
    assert.equal((await e.manager.setPolicy('k', 'long')).revision, r.revision, 'already under it: nothing written');

    const d = env({ policies: [OPEN_POLICY] });
    await newKey(d, 'k');
    d.mfaAnswer = false;
    await assert.rejects(d.manager.setPolicy('k', 'default'), code('MFA_REQUIRED'), 'the new policy requires MFA');
    d.mfaAnswer = true;
    assert.equal((await d.manager.setPolicy('k', 'default')).policy, 'default');
    d.mfaAnswer = false;
    await assert.rejects(d.manager.setPolicy('k', 'open'), code('MFA_REQUIRED'), 'leaving a policy that requires MFA');
    d.mfaAnswer = true;
    await d.manager.deactivate('k');
    await d.manager.archive('k');
    await assert.rejects(d.manager.setPolicy('k', 'open'), code('INVALID_STATE'));
  });
});
