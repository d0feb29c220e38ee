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
