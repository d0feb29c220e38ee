// The dedicated bench worker: vaultkey/core (dist/core.js, as an app loads it)
// and every peer on one thread, so their rows compare like with like. The
// page drives it through comlink: set up once, then time one row at a time.
import { expose } from 'comlink';
import * as vk from 'vaultkey/core';
import * as P from './peers.ts';
import { build, data, peerState, MNEMONIC, type Ctx, type PlanGroup } from './suites.ts';
import { timeRow } from './timing.ts';

let fns: ((() => unknown) | null)[][] = [];

const api = {
  async setup(): Promise<PlanGroup[]> {
    await vk.init();
    vk.secp256k1.precompute();
    await vk.mnemonicToSeed(MNEMONIC, 'TREZOR'); // settles the run-time PBKDF2 choice (its label)
    const d = data(vk);
    const c: Ctx = { at: 'worker', vk, d, P, s: await peerState(P, d) };
    const built = build(c);
    fns = built.fns;
    return built.plan;
  },
  /** ops/s of one row over `ms` milliseconds (the caller multiplies batch rows). */
  time(g: number, r: number, ms: number): Promise<number> {
    const fn = fns[g]?.[r];
    if (!fn) throw new Error(`no worker row ${g}/${r}`);
    return timeRow(fn, ms);
  },
};

export type BenchWorker = typeof api;
expose(api);
// Module evaluation waits on top-level awaits (tiny-secp256k1's WASM), and a
// message posted before expose() ran is dropped: tell the page we listen now.
postMessage('vkbench-ready');
