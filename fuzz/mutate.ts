// Mutations of valid encodings: the classic byte-level moves (flip, set to an
// edge value, insert, delete, truncate, extend, splice) plus string and word
// moves for the text formats. Several small moves per input, chosen by the Rng.
import type { Rng } from './prng.ts';

const EDGE = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x02, 0x30, 0x04, 0x03];

export function mutateBytes(rng: Rng, input: Uint8Array, moves = 1 + rng.int(3)): Uint8Array {
  let b = Array.from(input);
  for (let k = 0; k < moves; k++) {
    const at = rng.int(b.length + 1);
    switch (rng.int(7)) {
      case 0:
        if (b.length) b[at % b.length]! ^= 1 << rng.int(8);
        break;
      case 1:
        if (b.length) b[at % b.length] = rng.pick(EDGE);
        break;
      case 2:
        b.splice(at, 0, rng.u32() & 0xff);
        break;
      case 3:
        b.splice(at, 1 + rng.int(4));
        break;
      case 4:
        b = b.slice(0, rng.int(b.length + 1));
        break;
      case 5:
        b.push(...rng.bytes(1 + rng.int(8)));
        break;
      default:
        if (b.length) b[at % b.length] = rng.u32() & 0xff;
    }
  }
  return Uint8Array.from(b);
}

const CHARS = ['', ' ', '  ', '\t', '\n', '/', "'", 'h', 'H', '0', '9', '-', '+', 'm', 'M', '\u3000', '\u00e9', '\u0000', 'x', 'Z'];

export function mutateString(rng: Rng, s: string, moves = 1 + rng.int(3)): string {
  let out = s;
  for (let k = 0; k < moves; k++) {
    const at = rng.int(out.length + 1);
    switch (rng.int(6)) {
      case 0:
        out = out.slice(0, at) + rng.pick(CHARS) + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + 1 + rng.int(3));
        break;
      case 2:
        out = out.slice(0, at) + String.fromCharCode(32 + rng.int(95)) + out.slice(at + 1);
        break;
      case 3:
        out = out.slice(0, rng.int(out.length + 1));
        break;
      case 4:
        out = rng.bool() ? out.toUpperCase() : out.toLowerCase();
        break;
      default:
        out = out.slice(0, at) + String.fromCodePoint(rng.int(0x10ffff + 1) & ~0x800) + out.slice(at);
    }
  }
  return out;
}

/** Word-level moves for mnemonics: replace, swap, drop, duplicate a word. */
export function mutateWords(rng: Rng, words: string[], dict: readonly string[]): string[] {
  const w = [...words];
  const i = rng.int(w.length);
  switch (rng.int(5)) {
    case 0:
      w[i] = rng.pick(dict);
      break;
    case 1: {
      const j = rng.int(w.length);
      [w[i], w[j]] = [w[j]!, w[i]!];
      break;
    }
    case 2:
      w.splice(i, 1);
      break;
    case 3:
      w.splice(i, 0, w[i] ?? rng.pick(dict));
      break;
    default:
      w[i] = mutateString(rng, w[i] ?? '', 1);
  }
  return w;
}

const ODD_VALUES: unknown[] = [null, true, 0, -1, 1.5, 2 ** 31, 2 ** 53, Number.NaN, '', 'x', [], {}, [0], '0x', '00', 'ff'.repeat(40)];

/** Structure moves on a JSON value: change, drop or add a field, swap a type, mutate a string or number in place. */
export function mutateJson(rng: Rng, value: unknown, moves = 1 + rng.int(2)): unknown {
  // JSON round trip, not structuredClone: it keeps an own "__proto__" key a plain property.
  let v = JSON.parse(JSON.stringify(value)) as unknown;
  for (let k = 0; k < moves; k++) v = mutateNode(rng, v, 0);
  return v;
}

function mutateNode(rng: Rng, v: unknown, depth: number): unknown {
  if (Array.isArray(v) || (v !== null && typeof v === 'object')) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length && rng.int(4) !== 0 && depth < 6) {
      const key = rng.pick(keys);
      Object.defineProperty(o, key, { value: mutateNode(rng, o[key], depth + 1), enumerable: true, writable: true, configurable: true });
      return o;
    }
    switch (rng.int(3)) {
      case 0:
        if (keys.length) delete o[rng.pick(keys)];
        return o;
      case 1:
        // An own data property, as JSON.parse makes it (even for "__proto__").
        Object.defineProperty(o, rng.pick(['extra', '__proto__', 'constructor', '0', keys[0] ?? 'a']), {
          value: structuredClone(rng.pick(ODD_VALUES)),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        return o;
      default:
        return rng.pick(ODD_VALUES);
    }
  }
  if (typeof v === 'string') return rng.bool(0.8) ? mutateString(rng, v) : rng.pick(ODD_VALUES);
  if (typeof v === 'number') return rng.bool(0.7) ? rng.pick([v + 1, v - 1, -v, v * 2 ** rng.int(40), 0]) : rng.pick(ODD_VALUES);
  return rng.pick(ODD_VALUES);
}
