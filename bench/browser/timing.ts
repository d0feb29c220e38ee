// The timed loop of every bench row, in Node (bench/harness.ts) and in
// Chromium (bench/browser/*): one batch calibration and loop, so a Chromium
// row and a Node row measure the same way.

export async function timeRow(fn: () => unknown, ms: number): Promise<number> {
  // Calibrate a batch size so timer reads are a negligible part of the loop
  // (browsers coarsen performance.now() to 0.1 ms without cross-origin isolation).
  let batch = 1;
  let isAsync = false;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) {
      const r = fn();
      if (r instanceof Promise) {
        isAsync = true;
        await r;
      }
    }
    if (performance.now() - t0 > 5 || batch > 1 << 20) break;
    batch *= 2;
  }
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) {
      if (isAsync) await fn();
      else fn();
    }
    ops += batch;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
