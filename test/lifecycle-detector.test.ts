// Compromise detector: each indicator, acknowledgement, automatic response.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VaultkeyError } from '../src/errors.ts';
import { PolicyRegistry } from '../src/lifecycle/policy.ts';
import { MemoryLifecycleStore } from '../src/lifecycle/store.ts';
import { LifecycleManager } from '../src/lifecycle/manager.ts';
import {
  CompromiseDetector,
  DEFAULT_SEVERITIES,
  type CompromiseEvent,
  type DetectorConfig,
  type DetectorEvent,
} from '../src/lifecycle/detector.ts';

const NOON = Date.UTC(2026, 0, 1, 12);

function code(c: string) {
  return (e: unknown) => {
    assert.ok(e instanceof VaultkeyError, `expected VaultkeyError, got ${String(e)}`);
    assert.equal(e.code, c, (e as Error).message);
    return true;
  };
}

async function setup(config: Partial<DetectorConfig> = {}) {
  const t = { now: NOON };
  const clock = () => t.now;
  const policies = new PolicyRegistry();
  policies.register({
    name: 'open',
    maxActiveAgeDays: 10,
    warningDays: 1,
    expirationDays: 20,
    gracePeriodDays: 1,
    autoRotate: false,
    requireMfa: false,
    rotateAfterUses: null,
  });
  const manager = new LifecycleManager({ store: new MemoryLifecycleStore(), policies, clock });
  await manager.create('k', { kind: 'hd', policy: 'open', activate: true });
  const detector = new CompromiseDetector({ manager, clock, config, hourOf: (at) => new Date(at).getUTCHours() });
  const seen: DetectorEvent[] = [];
  detector.addEventListener('compromise-indicator', (e) => seen.push(e as DetectorEvent));
  const critical: DetectorEvent[] = [];
  detector.addEventListener('critical', (e) => critical.push(e as DetectorEvent));
  return { t, manager, detector, seen, critical };
}

test('defaults are the documented configuration and indicator table (docs/lifecycle.md)', () => {
  const d = new CompromiseDetector();
  assert.deepEqual(
    { ...d.config, allowedHours: { ...d.config.allowedHours! } },
    {
      usagePerMinute: 10,
      usagePerHour: 100,
      allowedHours: { start: 6, end: 22 },
      failedVerificationThreshold: 5,
      failedVerificationWindowMs: 3_600_000,
      failedUnlockThreshold: 5,
      failedUnlockWindowMs: 3_600_000,
      onCritical: 'suspend',
    },
  );
  assert.equal(DEFAULT_SEVERITIES['rapid-usage'], 'medium');
  assert.equal(DEFAULT_SEVERITIES['anomalous-time'], 'low');
  assert.equal(DEFAULT_SEVERITIES['failed-verifications'], 'high');
  assert.equal(DEFAULT_SEVERITIES['key-leakage'], 'critical');
});

test('bad configuration and bad reports are INVALID_ARGUMENT; unknown keys NOT_FOUND', async () => {
  const bad: Partial<DetectorConfig>[] = [
    { usagePerMinute: 0 },
    { usagePerHour: 1.5 },
    { usagePerMinute: 50, usagePerHour: 10 },
    { allowedHours: { start: 6, end: 6 } },
    { allowedHours: { start: -1, end: 6 } },
    { allowedHours: { start: 6, end: 25 } },
    { failedVerificationThreshold: -2 },
    { failedVerificationWindowMs: 0 },
    { onCritical: 'explode' as never },
    { severities: { 'rapid-usage': 'apocalyptic' as never } },
  ];
  for (const c of bad) assert.throws(() => new CompromiseDetector({ config: c }), code('INVALID_ARGUMENT'), JSON.stringify(c));
  const { detector } = await setup();
  await assert.rejects(detector.recordUsage('ghost'), code('NOT_FOUND'));
  await assert.rejects(detector.recordFailedVerification('ghost'), code('NOT_FOUND'));
  await assert.rejects(detector.report('ghost', { severity: 'low', details: 'x', reportedBy: 'me' }), code('NOT_FOUND'));
  await assert.rejects(detector.report('k', { severity: 'urgent' as never, details: 'x', reportedBy: 'me' }), code('INVALID_ARGUMENT'));
  await assert.rejects(
    detector.report('k', { indicator: 'bad-vibes' as never, severity: 'low', details: 'x', reportedBy: 'me' }),
    code('INVALID_ARGUMENT'),
  );
  await assert.rejects(detector.report('k', { severity: 'low', details: 'x', reportedBy: '' }), code('INVALID_ARGUMENT'));
  assert.throws(() => detector.acknowledge('ce-none', 'me'), code('NOT_FOUND'));
});

test('rapid usage per minute: raised once when the threshold is crossed, again after it calms down', async () => {
  const { t, detector, seen, manager } = await setup();
  for (let i = 0; i < 10; i++) {
    assert.deepEqual(await detector.recordUsage('k'), []);
    t.now += 1000;
  }
  const [ev] = await detector.recordUsage('k'); // 11th within a minute
  assert.equal(ev!.indicator, 'rapid-usage');
  assert.equal(ev!.severity, 'medium');
  assert.match(ev!.details, /11 operations within a minute/);
  assert.deepEqual(await detector.recordUsage('k'), [], 'not once per extra operation');
  assert.equal(seen.length, 1);
  assert.equal((await manager.get('k')).state, 'active', 'medium: no automatic response');
  t.now += 120_000;
  assert.deepEqual(await detector.recordUsage('k'), []);
  for (let i = 0; i < 10; i++) await detector.recordUsage('k');
  assert.equal(detector.eventsFor('k').filter((e) => e.indicator === 'rapid-usage').length, 2);
});

test('rapid usage per hour', async () => {
  const { t, detector } = await setup();
  const raised = [];
  for (let i = 0; i < 101; i++) {
    raised.push(...(await detector.recordUsage('k')));
    t.now += 30_000; // 2 per minute: under the minute threshold
  }
  assert.equal(raised.length, 1);
  assert.match(raised[0]!.details, /101 operations within an hour/);
});

test('operations outside the allowed hours (also a window that wraps midnight)', async () => {
  const { t, detector } = await setup();
  assert.deepEqual(await detector.recordUsage('k'), []);
  t.now = Date.UTC(2026, 0, 2, 3);
  const [ev] = await detector.recordUsage('k');
  assert.deepEqual([ev!.indicator, ev!.severity], ['anomalous-time', 'low']);
  assert.match(ev!.details, /hour 3/);
  t.now = Date.UTC(2026, 0, 2, 22);
  assert.equal((await detector.recordUsage('k')).length, 1, 'end hour is exclusive');

  const night = await setup({ allowedHours: { start: 22, end: 6 } });
  night.t.now = Date.UTC(2026, 0, 2, 23);
  assert.deepEqual(await night.detector.recordUsage('k'), []);
  night.t.now = Date.UTC(2026, 0, 2, 12);
  assert.equal((await night.detector.recordUsage('k'))[0]!.indicator, 'anomalous-time');

  const any = await setup({ allowedHours: null });
  any.t.now = Date.UTC(2026, 0, 2, 3);
  assert.deepEqual(await any.detector.recordUsage('k'), []);
});

test('failed verifications within the window', async () => {
  const { t, detector, manager } = await setup();
  for (let i = 0; i < 4; i++) assert.deepEqual(await detector.recordFailedVerification('k'), []);
  t.now += 3_600_001; // the first four fall out of the window
  for (let i = 0; i < 4; i++) assert.deepEqual(await detector.recordFailedVerification('k'), []);
  const [ev] = await detector.recordFailedVerification('k');
  assert.deepEqual([ev!.indicator, ev!.severity], ['failed-verifications', 'high']);
  assert.deepEqual(await detector.recordFailedVerification('k'), []);
  assert.equal((await manager.get('k')).state, 'active', 'high: no automatic response');
  assert.equal(detector.isCompromised('k'), false);
});

test('manual report with severity; critical auto-suspends the key; acknowledge', async () => {
  const { detector, manager, seen, critical, t } = await setup();
  const low = await detector.report('k', {
    indicator: 'anomalous-location',
    severity: 'low',
    details: 'login from new device',
    reportedBy: 'alice',
  });
  assert.equal(low.action, null);
  assert.equal((await manager.get('k')).state, 'active');
  const ev = await detector.report('k', { severity: 'critical', details: 'key found in a public repository', reportedBy: 'security-team' });
  assert.deepEqual([ev.indicator, ev.severity, ev.reportedBy, ev.action], ['external-report', 'critical', 'security-team', 'suspended']);
  const r = await manager.get('k');
  assert.equal(r.state, 'suspended');
  assert.equal(r.history.at(-1)!.actor, 'detector');
  assert.match(r.history.at(-1)!.reason, /external-report \(critical\): key found/);
  await assert.rejects(manager.assertUsable('k', 'sign'), code('KEY_SUSPENDED'));
  assert.equal(detector.isCompromised('k'), true);
  assert.deepEqual(
    seen.map((e) => e.detail.severity),
    ['low', 'critical'],
  );
  assert.deepEqual(
    critical.map((e) => e.detail.id),
    [ev.id],
  );

  assert.equal(detector.unacknowledged().length, 2);
  t.now += 5000;
  const acked = detector.acknowledge(ev.id, 'bob');
  assert.deepEqual(acked.acknowledged, { by: 'bob', at: NOON + 5000 });
  assert.deepEqual(detector.acknowledge(ev.id, 'carol').acknowledged, { by: 'bob', at: NOON + 5000 }, 'first acknowledgement kept');
  assert.deepEqual(
    detector.unacknowledged().map((e) => e.id),
    [low.id],
  );
  assert.equal(detector.isCompromised('k'), true, 'acknowledging does not clear it');

  // A second critical event on the already suspended key changes nothing more.
  assert.equal(
    (await detector.report('k', { indicator: 'key-leakage', severity: 'critical', details: 'again', reportedBy: 'x' })).action,
    null,
  );
  assert.equal((await manager.get('k')).state, 'suspended');
});

test('auto-revoke policy marks the key Compromised; severities can be raised; a key in grace escalates to Compromised', async () => {
  const revoke = await setup({ onCritical: 'compromise' });
  const ev = await revoke.detector.report('k', {
    indicator: 'key-leakage',
    severity: 'critical',
    details: 'paste site',
    reportedBy: 'monitor',
  });
  assert.equal(ev.action, 'compromised');
  assert.equal((await revoke.manager.get('k')).state, 'compromised');
  await assert.rejects(revoke.manager.assertUsable('k', 'verify'), code('KEY_COMPROMISED'));

  // Rapid usage made critical by configuration: a script draining the key is stopped.
  const strict = await setup({ usagePerMinute: 3, severities: { 'rapid-usage': 'critical' } });
  for (let i = 0; i < 3; i++) await strict.detector.recordUsage('k');
  const [burst] = await strict.detector.recordUsage('k');
  assert.deepEqual([burst!.severity, burst!.action], ['critical', 'suspended']);
  assert.equal((await strict.manager.get('k')).state, 'suspended');

  const none = await setup({ onCritical: 'none' });
  assert.equal((await none.detector.report('k', { severity: 'critical', details: 'x', reportedBy: 'y' })).action, null);
  assert.equal((await none.manager.get('k')).state, 'active');

  const grace = await setup();
  await grace.manager.store.commit([
    { ...(await grace.manager.get('k')), state: 'rotating', successor: 'k-v2', graceEndsAt: NOON + 1e9, revision: 2 },
  ]);
  const g = await grace.detector.report('k', { severity: 'critical', details: 'old key leaked', reportedBy: 'z' });
  assert.equal(g.action, 'compromised');
  await assert.rejects(grace.manager.assertUsable('k', 'verify'), code('KEY_COMPROMISED'));
});

test('isCompromised also holds for keys the manager marked (markCompromised, emergencyRotate), and after a reload through load()', async () => {
  const { manager, detector } = await setup();
  await manager.create('j', { kind: 'imported', policy: 'open', activate: true });
  await manager.create('x', { kind: 'imported', policy: 'open', activate: true });
  await manager.markCompromised('k', { reason: 'leaked' });
  // Marked Compromised first; this manager has no hook to make the successor.
  await assert.rejects(manager.emergencyRotate('j'), code('UNSUPPORTED'));
  assert.equal(detector.isCompromised('k'), true);
  assert.equal(detector.isCompromised('j'), true);
  assert.equal(detector.isCompromised('x'), false);

  // A new detector over the same records (a reload): load() reads the lifecycle states and the stored events.
  const saved: CompromiseEvent[] = [];
  const store = { load: async () => saved.map((e) => structuredClone(e)), save: async (e: CompromiseEvent) => void saved.push(e) };
  const first = new CompromiseDetector({ manager, store });
  await first.report('x', { severity: 'critical', details: 'seen', reportedBy: 'me' });
  await first.report('x', { severity: 'low', details: 'minor', reportedBy: 'me' });
  assert.deepEqual(
    saved.map((e) => e.severity),
    ['critical'],
    'events of severity high and critical are kept',
  );
  const fresh = new CompromiseDetector({ manager, store });
  assert.equal(fresh.isCompromised('k'), false, 'nothing known before load()');
  await fresh.load();
  for (const k of ['k', 'j', 'x']) assert.equal(fresh.isCompromised(k), true, k);
  assert.equal(fresh.eventsFor('x').length, 1);
});

test('failed unlocks: a vault-wide indicator (key id *) once the threshold is reached within the window', async () => {
  const { detector, t, seen } = await setup({ failedUnlockThreshold: 3, failedUnlockWindowMs: 60_000 });
  assert.deepEqual(await detector.recordFailedUnlock({ at: t.now - 120_000 }), [], 'outside the window');
  assert.deepEqual(await detector.recordFailedUnlock({ at: t.now - 30_000 }), []);
  assert.deepEqual(await detector.recordFailedUnlock(), []);
  const [ev] = await detector.recordFailedUnlock();
  assert.deepEqual([ev!.keyId, ev!.indicator, ev!.severity, ev!.action], ['*', 'failed-unlocks', 'high', null]);
  assert.deepEqual(await detector.recordFailedUnlock(), [], 'once per excursion');
  assert.equal(seen.at(-1)!.detail.indicator, 'failed-unlocks');
  assert.equal(DEFAULT_SEVERITIES['failed-unlocks'], 'high');
  // Made critical, it still acts on no key (there is none to suspend); the vault locks on any critical event.
  const c = await setup({ failedUnlockThreshold: 1, severities: { 'failed-unlocks': 'critical' } });
  const [crit] = await c.detector.recordFailedUnlock();
  assert.deepEqual([crit!.severity, crit!.action], ['critical', null]);
  assert.equal((await c.manager.get('k')).state, 'active');
});
