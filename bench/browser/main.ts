// The Chromium bench page. It owns the schedule: for each group it warms every
// row up, then runs the rows round by round (one thread busy at a time, so a
// noisy moment hits all rows alike), exactly like bench/harness.ts in Node.
// Rows marked 'worker' are timed inside the bench worker; 'main' rows here.
// Results go to the console as `vkbench {json}` lines (bench/browser.ts
// prints them as tables) and into the page for anyone watching.
import { wrap } from 'comlink';
import * as vk from 'vaultkey/core';
import { Keystore, WorkerPool, deriveAddressesParallel } from 'vaultkey';
import { build, data, type PlanRow } from './suites.ts';
import { median, timeRow } from './timing.ts';
import type { BenchWorker } from './worker.ts';

const q = new URLSearchParams(location.search);
const MS = Number(q.get('ms') || 200); // a little under Node's 300: the whole run stays near 2 minutes on 2 cores
const ROUNDS = Number(q.get('rounds') || 5);
const GREP = q.get('grep')?.toLowerCase();
const out = document.getElementById('out')!;

export interface GroupResult {
  title: string;
  rows: { lib: string; at: PlanRow['at']; opsPerSec: number }[];
  skipped: { lib: string; reason: string }[];
}

function emit(kind: string, payload: object): void {
  console.log('vkbench ' + JSON.stringify({ kind, ...payload }));
  out.textContent += `${kind} ${JSON.stringify(payload)}\n`;
}

async function run(): Promise<void> {
  await vk.init();
  vk.secp256k1.precompute();
  // WorkerPool.create waits for each worker's ready(); a worker script that fails to load never answers.
  const [one, all] = await Promise.race([
    Promise.all([WorkerPool.create({ size: 1 }), WorkerPool.create()]),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the vaultkey worker pool did not start in 30 s')), 30_000)),
  ]);
  const d = data(vk);
  const vaults = { audited: await benchVault(d.priv) };
  const mine = build({ at: 'main', vk, d, pools: { one, all, parallel: deriveAddressesParallel }, vaults });
  const worker = new Worker(new URL('./bench-worker.js', import.meta.url), { type: 'module', name: 'vaultkey-bench' });
  // A module worker that fails to load only fires 'error' (comlink would wait forever).
  const failed = new Promise<never>((_, reject) =>
    worker.addEventListener('error', (e) => reject(new Error(`bench worker: ${e.message || 'failed to load'}`))),
  );
  const listening = new Promise<void>((resolve) => worker.addEventListener('message', (e) => e.data === 'vkbench-ready' && resolve()));
  await Promise.race([listening, failed]);
  const bw = wrap<BenchWorker>(worker);
  const theirs = await Promise.race([bw.setup(), failed]);
  emit('env', { userAgent: navigator.userAgent, threads: navigator.hardwareConcurrency, poolSize: all.size, ms: MS, rounds: ROUNDS });

  for (let g = 0; g < mine.plan.length; g++) {
    const title = mine.plan[g]!.title;
    if (GREP && !title.toLowerCase().includes(GREP)) continue;
    const rows = mine.plan[g]!.rows.map((r, i) => (r.at === 'main' ? r : theirs[g]!.rows[i]!));
    const live = rows.map((r, i) => i).filter((i) => !rows[i]!.skip);
    const ms = mine.plan[g]!.ms ?? MS;
    const rounds = mine.plan[g]!.rounds ?? ROUNDS;
    const timeOf = async (r: number, t: number) =>
      (rows[r]!.at === 'worker' ? await bw.time(g, r, t) : await timeRow(mine.fns[g]![r]!, t)) * rows[r]!.per;
    for (const r of live) await timeOf(r, 20); // warm up every JIT tier first
    const samples = new Map(live.map((r) => [r, [] as number[]]));
    for (let k = 0; k < rounds; k++) {
      for (const r of live) samples.get(r)!.push(await timeOf(r, ms));
      console.log('vkbench {"kind":"tick"}'); // keeps the runner's watchdog fed
    }
    const result: GroupResult = {
      title,
      rows: live.map((r) => ({ lib: rows[r]!.lib!, at: rows[r]!.at, opsPerSec: median(samples.get(r)!) })),
      skipped: rows.filter((r) => r.skip).map((r) => ({ lib: r.lib!, reason: r.skip! })),
    };
    emit('group', result);
  }
  one.terminate();
  all.terminate();
  emit('done', {});
}

/** A fresh vault with the bench key imported; the detector's rate thresholds are raised so the bench is not a compromise. */
async function benchVault(priv: Uint8Array): Promise<{ ks: Keystore; keyId: string }> {
  const ks = await Keystore.open({
    name: `bench-${Date.now().toString(36)}`,
    requestPersistence: false,
    autoLockMs: 0,
    lifecycle: { detector: { usagePerMinute: 1e9, usagePerHour: 1e9, allowedHours: null } },
  });
  await ks.create({ passphrase: 'vaultkey bench passphrase' });
  const [k] = await ks.importKeys([{ privateKey: priv.slice() }]);
  return { ks, keyId: k!.id };
}

run().catch((e) => emit('error', { message: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) }));
