// Ledger's transport packages call Node's global `Buffer` (hid-framing even at
// module load). Browsers have none, and pulling the whole `buffer` polyfill
// into every page for the handful of calls they make is wasteful. This is a
// minimal Uint8Array subclass with exactly the surface
// @ledgerhq/hw-transport(-webhid) 6.x uses: alloc, from, concat, isBuffer,
// read/writeUInt8, read/writeUInt16BE, read/writeUInt32BE, toString('hex').
// It is installed on globalThis only when no Buffer exists (Node, or a page
// that already ships a polyfill, keeps its own).

type Encoding = 'hex' | 'utf8' | 'utf-8' | 'ascii' | 'latin1' | 'binary';

class ShimBuffer extends Uint8Array {
  static alloc(size: number, fill?: number): ShimBuffer {
    const b = new ShimBuffer(size);
    if (fill) b.fill(fill);
    return b;
  }

  static override from(value: unknown, encOrOffset?: unknown, length?: number): ShimBuffer {
    if (value instanceof ArrayBuffer) {
      // Node semantics: a view over the same memory.
      const off = typeof encOrOffset === 'number' ? encOrOffset : 0;
      return new ShimBuffer(value, off, length ?? value.byteLength - off);
    }
    if (typeof value === 'string') {
      const enc = (typeof encOrOffset === 'string' ? encOrOffset.toLowerCase() : 'utf8') as Encoding;
      if (enc === 'hex') {
        const n = Math.floor(value.length / 2);
        const b = new ShimBuffer(n);
        for (let i = 0; i < n; i++) {
          const byte = parseInt(value.slice(2 * i, 2 * i + 2), 16);
          if (Number.isNaN(byte)) return b.subarray(0, i) as ShimBuffer; // Node stops at the first bad pair
          b[i] = byte;
        }
        return b;
      }
      if (enc === 'ascii' || enc === 'latin1' || enc === 'binary') {
        return ShimBuffer.fromArrayLike(Array.from(value, (c) => c.charCodeAt(0) & 0xff));
      }
      return ShimBuffer.fromArrayLike(new TextEncoder().encode(value));
    }
    if (ArrayBuffer.isView(value)) {
      return ShimBuffer.fromArrayLike(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    }
    if (Array.isArray(value)) return ShimBuffer.fromArrayLike(value as number[]);
    throw new TypeError('Buffer.from: unsupported argument');
  }

  private static fromArrayLike(a: ArrayLike<number>): ShimBuffer {
    const b = new ShimBuffer(a.length);
    b.set(a);
    return b;
  }

  static concat(list: readonly Uint8Array[], totalLength?: number): ShimBuffer {
    const total = totalLength ?? list.reduce((n, x) => n + x.length, 0);
    const out = new ShimBuffer(total);
    let off = 0;
    for (const x of list) {
      if (off >= total) break;
      const part = x.subarray(0, total - off);
      out.set(part, off);
      off += part.length;
    }
    return out;
  }

  static isBuffer(x: unknown): boolean {
    return x instanceof ShimBuffer;
  }

  private view(): DataView {
    return new DataView(this.buffer, this.byteOffset, this.byteLength);
  }
  readUInt8(off = 0): number {
    return this.view().getUint8(off);
  }
  readUInt16BE(off = 0): number {
    return this.view().getUint16(off, false);
  }
  readUInt32BE(off = 0): number {
    return this.view().getUint32(off, false);
  }
  writeUInt8(v: number, off = 0): number {
    this.view().setUint8(off, v);
    return off + 1;
  }
  writeUInt16BE(v: number, off = 0): number {
    this.view().setUint16(off, v, false);
    return off + 2;
  }
  writeUInt32BE(v: number, off = 0): number {
    this.view().setUint32(off, v, false);
    return off + 4;
  }

  override toString(enc?: string): string {
    const e = (enc ?? 'utf8').toLowerCase();
    if (e === 'hex') {
      let s = '';
      for (const x of this) s += x.toString(16).padStart(2, '0');
      return s;
    }
    if (e === 'ascii' || e === 'latin1' || e === 'binary') return String.fromCharCode(...this);
    return new TextDecoder().decode(this);
  }
}

/** Installs the shim when the environment has no Buffer. Returns true if it did. */
export function ensureBuffer(): boolean {
  const g = globalThis as { Buffer?: unknown };
  if (typeof g.Buffer === 'function') return false;
  g.Buffer = ShimBuffer;
  return true;
}

export { ShimBuffer };
