// Side-by-side benchmark harness. Every row of a group runs in the same
// process, interleaved round by round (so a noisy neighbour hits all rows
// alike), and we report the median ops/s over the rounds and the ratio of
// vaultkey's median to each peer's. Ratios, not single times, are the claim.
import { median, timeRow } from './browser/timing.ts';

export interface Row {
  /** Library or path, e.g. 'vaultkey', '@noble/hashes', 'node:crypto'. */
  lib: string;
  /** One call; may be async. */
  fn: () => unknown;
  /**
   * Operations one call performs (default 1): a batch row that verifies 64
   * signatures per call says 64, and the group then reports and compares
   * signatures per second, not calls.
   */
  ops?: number;
}

export interface GroupOptions {
  /** Milliseconds per row per round (default 300, or BENCH_MS). */
  ms?: number;
  /** Rounds (default 5, or BENCH_ROUNDS). */
  rounds?: number;
  /** The row the ratios compare against peers (default: the first row). */
  subject?: string;
}

export interface GroupResult {
  title: string;
  rows: { lib: string; opsPerSec: number }[];
}

export const results: GroupResult[] = [];

function fmt(n: number): string {
  if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + 'k';
  return n.toFixed(n >= 100 ? 0 : 1);
}

export async function group(title: string, rows: Row[], options: GroupOptions = {}): Promise<GroupResult> {
  const ms = options.ms ?? Number(process.env.BENCH_MS ?? 300);
  const rounds = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 5);
  const samples = rows.map(() => [] as number[]);
  for (const row of rows) await timeRow(row.fn, 20); // warm up every JIT tier first
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < rows.length; i++) samples[i]!.push(await timeRow(rows[i]!.fn, ms));
  }
  const result: GroupResult = { title, rows: rows.map((row, i) => ({ lib: row.lib, opsPerSec: median(samples[i]!) * (row.ops ?? 1) })) };
  results.push(result);
  const subject = result.rows.find((r) => r.lib === (options.subject ?? rows[0]!.lib))!;
  console.log(`\n${title}`);
  for (const r of result.rows) {
    const ratio = r === subject ? '' : `  ${subject.lib} is ${(subject.opsPerSec / r.opsPerSec).toFixed(2)}x`;
    console.log(`  ${r.lib.padEnd(34)} ${fmt(r.opsPerSec).padStart(9)} ops/s${ratio}`);
  }
  return result;
}
