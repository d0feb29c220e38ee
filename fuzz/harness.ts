// The fuzz loop and its classifier. Each try of a target ends in exactly one
// outcome; the run fails on 'untyped', 'slow' or 'disagree' (README §Fuzzing).
//   accepted  the input was taken, and agrees with the independent reference
//             where the target has one
//   rejected  a VaultkeyError with a stable code (src/errors.ts)
//   untyped   anything else thrown (TypeError, RangeError, DOMException, ...)
//   slow      one input took longer than SLOW_MS (a hang in the making)
//   disagree  accepted, but the reference library decodes it differently
import { VaultkeyError } from '../src/errors.ts';
import { toHex } from '../src/bytes.ts';
import { Rng } from './prng.ts';

export const SLOW_MS = 2000;

export type Outcome = 'accepted' | 'rejected' | 'untyped' | 'slow' | 'disagree';
export const FAILING: readonly Outcome[] = ['untyped', 'slow', 'disagree'];

/** Thrown by a target when vaultkey accepted an input the reference reads differently. */
export class Disagreement extends Error {}

export interface Target<I = unknown> {
  name: string;
  /** Draws one input: random bytes, or a mutation of a valid encoding vaultkey made itself. */
  gen(rng: Rng): I | Promise<I>;
  /** Feeds the input to vaultkey; throws what vaultkey throws, or a Disagreement. */
  run(input: I): unknown;
  /** The input for the failure report (inputs are random: no user secret can appear). */
  show?(input: I): string;
  /** Releases what gen started (a server); called once after the target's run. */
  teardown?(): Promise<void>;
}

export interface Failure {
  seed: number;
  target: string;
  iteration: number;
  outcome: Outcome;
  error: string;
  input: string;
}

export interface TargetReport {
  target: string;
  iterations: number;
  counts: Record<Outcome, number>;
  codes: Record<string, number>;
  failures: Failure[];
  ms: number;
}

const STABLE_CODE = /^[A-Z][A-Z0-9_]*$/;

export function classifyError(e: unknown): { outcome: Outcome; code: string } {
  if (e instanceof Disagreement) return { outcome: 'disagree', code: e.message };
  if (e instanceof VaultkeyError && typeof e.code === 'string' && STABLE_CODE.test(e.code)) {
    return { outcome: 'rejected', code: e.code };
  }
  const name = e instanceof Error ? e.name : typeof e;
  return { outcome: 'untyped', code: name };
}

export function show(v: unknown, max = 400): string {
  let s: string;
  if (v instanceof Uint8Array) s = `hex:${toHex(v)}`;
  else if (typeof v === 'string') s = JSON.stringify(v);
  else {
    try {
      s = JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? `hex:${toHex(x)}` : typeof x === 'bigint' ? String(x) : x));
    } catch {
      s = String(v);
    }
  }
  return s.length > max ? `${s.slice(0, max)}... (${s.length} chars)` : s;
}

export async function runOne<I>(t: Target<I>, input: I): Promise<{ outcome: Outcome; code: string; error: string; ms: number }> {
  const start = performance.now();
  let r: { outcome: Outcome; code: string; error: string };
  try {
    await t.run(input);
    r = { outcome: 'accepted', code: '', error: '' };
  } catch (e) {
    const c = classifyError(e);
    r = { ...c, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  const ms = performance.now() - start;
  if (ms > SLOW_MS && r.outcome !== 'untyped' && r.outcome !== 'disagree') {
    r = { outcome: 'slow', code: r.code, error: `took ${ms.toFixed(0)} ms (bound ${SLOW_MS} ms)` };
  }
  return { ...r, ms };
}

export interface RunOptions {
  seed: number;
  /** Stop after this many iterations ... */
  iterations?: number;
  /** ... or after this many seconds, whichever is first. */
  seconds?: number;
  /** First iteration (to replay one failure). */
  from?: number;
  maxFailures?: number;
}

export async function fuzzTarget<I>(t: Target<I>, o: RunOptions): Promise<TargetReport> {
  const counts: Record<Outcome, number> = { accepted: 0, rejected: 0, untyped: 0, slow: 0, disagree: 0 };
  const codes: Record<string, number> = {};
  const failures: Failure[] = [];
  const start = performance.now();
  const deadline = o.seconds === undefined ? Infinity : start + o.seconds * 1000;
  const last = o.iterations === undefined ? Infinity : (o.from ?? 0) + o.iterations;
  let i = o.from ?? 0;
  try {
    await loop();
  } finally {
    await t.teardown?.();
  }
  return { target: t.name, iterations: i - (o.from ?? 0), counts, codes, failures, ms: performance.now() - start };

  async function loop(): Promise<void> {
    for (; i < last && performance.now() < deadline; i++) {
      const rng = Rng.forIteration(o.seed, t.name, i);
      let input: I;
      try {
        input = await t.gen(rng);
      } catch (e) {
        // A generator builds valid encodings with vaultkey itself; its failure is a finding too.
        const c = classifyError(e);
        counts[c.outcome === 'rejected' ? 'untyped' : c.outcome]++;
        failures.push({ seed: o.seed, target: t.name, iteration: i, outcome: 'untyped', error: `generator: ${String(e)}`, input: '' });
        continue;
      }
      const r = await runOne(t, input);
      counts[r.outcome]++;
      if (r.code) codes[r.code] = (codes[r.code] ?? 0) + 1;
      if (FAILING.includes(r.outcome) && failures.length < (o.maxFailures ?? 20)) {
        failures.push({ seed: o.seed, target: t.name, iteration: i, outcome: r.outcome, error: r.error, input: (t.show ?? show)(input) });
      }
    }
  }
}

export function formatReport(r: TargetReport): string {
  const c = r.counts;
  const lines = [
    `${r.target.padEnd(14)} ${String(r.iterations).padStart(7)} tries ${(r.ms / 1000).toFixed(1).padStart(6)} s  ` +
      `accepted ${c.accepted}  rejected ${c.rejected}  untyped ${c.untyped}  slow ${c.slow}  disagree ${c.disagree}`,
  ];
  for (const f of r.failures) {
    lines.push(`  FAIL ${f.outcome} seed=${f.seed} target=${f.target} iteration=${f.iteration}: ${f.error}`);
    lines.push(`    input ${f.input}`);
    lines.push(`    replay: npm run fuzz -- --seed ${f.seed} --target ${f.target} --from ${f.iteration} --iterations 1`);
  }
  return lines.join('\n');
}
