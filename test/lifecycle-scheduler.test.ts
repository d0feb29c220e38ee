// Scheduler logic in Node: a fake Web Locks manager, Node's BroadcastChannel,
// fake timers. The same flow in Chromium is test/lifecycle.browser.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VaultkeyError } from '../src/errors.ts';
import { DAY_MS, PolicyRegistry } from '../src/lifecycle/policy.ts';
import { MemoryLifecycleStore } from '../src/lifecycle/store.ts';
import { LifecycleManager, type LifecycleEvent, type LifecycleEventDetail } from '../src/lifecycle/manager.ts';
import { LifecycleScheduler, type LockManagerLike, type TimerLike } from '../src/lifecycle/scheduler.ts';

const T0 = Date.UTC(2026, 0, 1);

/** Web Locks semantics for `ifAvailable`: null when the name is held. */
function fakeLocks(): LockManagerLike & { granted: number; refused: number } {
  const held = new Set<string>();
  const l = {
    granted: 0,
    refused: 0,
    async request<T>(name: string, _o: { ifAvailable: true }, cb: (lock: unknown | null) => Promise<T>): Promise<T> {
      if (held.has(name)) {
        l.refused++;
        return cb(null);
      }
      held.add(name);
      l.granted++;
      try {
        return await cb({ name });
      } finally {
        held.delete(name);
      }
    },
  };
  return l;
}

function fakeTimers(): TimerLike & { tick(): void; active: boolean; ms: number } {
  let fn: (() => void) | null = null;
  const t = {
    active: false,
    ms: 0,
    setInterval(f: () => void, ms: number) {
      fn = f;
      t.active = true;
      t.ms = ms;
      return 1;
    },
    clearInterval() {
      fn = null;
      t.active = false;
    },
    tick() {
      fn?.();
    },
  };
  return t;
}

function tab(
  store: MemoryLifecycleStore,
  clock: () => number,
  made: string[],
  channelName: string,
  locks: LockManagerLike,
  timers = fakeTimers(),
) {
  const policies = new PolicyRegistry();
  policies.register({
    name: 'auto',
    maxActiveAgeDays: 1,
    warningDays: 0.5,
    expirationDays: 2,
    gracePeriodDays: 1,
    autoRotate: true,
    requireMfa: false,
    rotateAfterUses: null,
  });
  const manager = new LifecycleManager({
    store,
    policies,
    clock,
    hooks: {
      async rotateKey(_old, newId) {
        made.push(newId);
        await new Promise((r) => setTimeout(r, 50)); // the other tab runs meanwhile
        return {};
      },
    },
  });
  const scheduler = new LifecycleScheduler(manager, { name: 'wallet', locks, timers, channel: new BroadcastChannel(channelName) as never });
  const events: LifecycleEventDetail[] = [];
  for (const t of ['warning', 'rotated', 'expired', 'deactivated', 'suspended']) {
    scheduler.addEventListener(t, (e) => events.push((e as LifecycleEvent).detail));
  }
  return { manager, scheduler, events, timers };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), 'condition not reached');
};

test('two tabs evaluate together: one acts under the lock, one rotation, both hear the events', async () => {
  const store = new MemoryLifecycleStore();
  let now = T0;
  const clock = () => now;
  const made: string[] = [];
  const locks = fakeLocks();
  const a = tab(store, clock, made, 'vk-test-1', locks);
  const b = tab(store, clock, made, 'vk-test-1', locks);
  await a.manager.create('treasury', { kind: 'hd', policy: 'auto', activate: true });
  try {
    const first = await Promise.all([a.scheduler.start(), b.scheduler.start()]);
    assert.deepEqual(
      first.map((r) => r.result?.events.length ?? null).filter((x) => x !== null && x > 0),
      [],
      'nothing due at open',
    );
    now = T0 + DAY_MS;
    a.timers.tick();
    b.timers.tick();
    const both = await Promise.all([a.scheduler.runOnce(), b.scheduler.runOnce()]);
    assert.deepEqual(both.map((r) => r.acted).sort(), [false, true], 'exactly one tab acted');
    assert.deepEqual(made, ['treasury-v2']);
    assert.ok(locks.refused >= 1);
    await until(() => a.events.some((e) => e.type === 'rotated') && b.events.some((e) => e.type === 'rotated'));
    const rotatedA = a.events.filter((e) => e.type === 'rotated');
    const rotatedB = b.events.filter((e) => e.type === 'rotated');
    assert.equal(rotatedA.length, 1);
    assert.equal(rotatedB.length, 1);
    assert.deepEqual([rotatedA[0]!.remote, rotatedB[0]!.remote].sort(), [true, undefined].sort(), 'one local, one from the other tab');
    assert.equal(rotatedB[0]!.newKeyId, 'treasury-v2');
    // Grace over: deactivation also happens once.
    now = T0 + 2 * DAY_MS;
    await Promise.all([a.scheduler.runOnce(), b.scheduler.runOnce()]);
    assert.equal((await store.get('treasury'))!.history.filter((h) => h.to === 'deactivated').length, 1);
  } finally {
    a.scheduler.close();
    b.scheduler.close();
  }
});

test('timer runs, manual changes are forwarded, stop() detaches', async () => {
  const store = new MemoryLifecycleStore();
  let now = T0;
  const a = tab(store, () => now, [], 'vk-test-2', fakeLocks());
  await a.manager.create('k', { kind: 'imported', policy: 'auto', activate: true });
  await a.scheduler.start();
  assert.equal(a.timers.active, true);
  assert.equal(a.timers.ms, 60_000);
  now = T0 + 0.6 * DAY_MS;
  a.timers.tick();
  await until(() => a.events.some((e) => e.type === 'warning'));
  await a.manager.suspend('k', { actor: 'alice' });
  assert.equal(a.events.at(-1)!.type, 'suspended');
  a.scheduler.stop();
  assert.equal(a.timers.active, false);
  await a.manager.resume('k');
  await a.manager.suspend('k');
  assert.equal(a.events.filter((e) => e.type === 'suspended').length, 1, 'no events after stop');
  a.scheduler.close();
});

test('without Web Locks the store still makes the rotation happen once', async () => {
  const store = new MemoryLifecycleStore();
  let now = T0;
  const made: string[] = [];
  const a = tab(store, () => now, made, 'vk-test-3', null as never); // locks: null = no Web Locks
  const b = tab(store, () => now, made, 'vk-test-3', null as never);
  const [sa, sb] = [a.scheduler, b.scheduler];
  await a.manager.create('k', { kind: 'hd', policy: 'auto', activate: true });
  now = T0 + DAY_MS;
  const res = await Promise.all([sa.runOnce(), sb.runOnce()]);
  assert.deepEqual(
    res.map((r) => r.acted),
    [true, true],
  );
  assert.deepEqual(made, ['k-v2']);
  assert.deepEqual([...res[0]!.result!.errors, ...res[1]!.result!.errors], []);
  sa.close();
  sb.close();
});

test('bad scheduler options are INVALID_ARGUMENT', () => {
  const m = new LifecycleManager({ store: new MemoryLifecycleStore() });
  const is = (e: unknown) => e instanceof VaultkeyError && e.code === 'INVALID_ARGUMENT';
  assert.throws(() => new LifecycleScheduler(m, { name: 'bad name' }), is);
  assert.throws(() => new LifecycleScheduler(m, { name: 'ok', intervalMs: 0, channel: null }), is);
  assert.throws(() => new LifecycleScheduler(undefined as never, { name: 'ok' }), is);
});
