// A bounded LRU of derived nodes keyed by absolute path, so deriving
// m/44'/60'/0'/0/i for many i does the four shared steps once. The cache owns
// its copies of private keys and chain codes and zeroes them on eviction.
import type { Node } from './curves.js';

interface Entry {
  node: Node;
  meta: { depth: number; index: number; parentFingerprint: number; fingerprint: number };
}

export class DerivationCache {
  #map = new Map<string, Entry>();
  constructor(readonly capacity = 64) {}

  put(path: readonly number[], node: Node, meta: Entry['meta']): void {
    const k = path.join('/');
    const old = this.#map.get(k);
    if (old) {
      this.#map.delete(k);
      wipe(old);
    }
    this.#map.set(k, {
      node: { privateKey: node.privateKey && node.privateKey.slice(), publicKey: node.publicKey, chainCode: node.chainCode.slice() },
      meta,
    });
    while (this.#map.size > this.capacity) {
      const [oldest, e] = this.#map.entries().next().value as [string, Entry];
      this.#map.delete(oldest);
      wipe(e);
    }
  }

  /** Deepest cached node on base + steps (at most steps.length - 1 deep, the leaf is never cached). */
  longestPrefix(base: readonly number[], steps: readonly number[]): (Entry & { length: number }) | null {
    for (let n = steps.length - 1; n > 0; n--) {
      const k = [...base, ...steps.slice(0, n)].join('/');
      const e = this.#map.get(k);
      if (e) {
        this.#map.delete(k); // refresh LRU position
        this.#map.set(k, e);
        return { ...e, length: n };
      }
    }
    return null;
  }

  get size(): number {
    return this.#map.size;
  }

  clear(): void {
    for (const e of this.#map.values()) wipe(e);
    this.#map.clear();
  }
}

function wipe(e: Entry): void {
  e.node.privateKey?.fill(0);
  e.node.chainCode.fill(0);
}
