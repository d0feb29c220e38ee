// Seeded PRNG for the fuzzer: SplitMix32 (Steele, Lea & Flood, "Fast splittable
// pseudorandom number generators", 2014, 32-bit variant). Not for keys: it only
// makes every fuzz input a pure function of (seed, target, iteration), so a
// reported failure replays exactly with `--seed S --target T --from I`.
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** The generator for one iteration: independent of how many draws earlier iterations made. */
  static forIteration(seed: number, target: string, iteration: number): Rng {
    let h = seed >>> 0;
    for (const c of `${target}/${iteration}`) h = Math.imul(h ^ c.charCodeAt(0), 0x9e3779b1) >>> 0;
    return new Rng(h);
  }
  u32(): number {
    this.#s = (this.#s + 0x9e3779b9) >>> 0;
    let z = this.#s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 0x100000000) * n);
  }
  bool(p = 0.5): boolean {
    return this.u32() / 0x100000000 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}
