// Canonical JSON and small encoders shared by the audit chain and the
// multisig envelope. A MAC or a content-addressed id is only meaningful if
// every implementation serialises a value to the same bytes, so: object keys
// sorted by UTF-16 code unit, no whitespace, only JSON types (no undefined,
// NaN, Infinity, functions, typed arrays, class instances). This is the subset
// of RFC 8785 (JCS) we need: we never hash non-integer numbers, so JCS's
// number formatting rules reduce to JSON.stringify of safe integers.
import { VaultkeyError, type VaultkeyErrorCode } from '../errors.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Canonical JSON text of a JSON value; INVALID_ARGUMENT (naming the path) for anything else. */
export function canonicalJson(value: unknown, path = 'value'): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new VaultkeyError('INVALID_ARGUMENT', `${path} must be a safe integer (canonical JSON carries no floats)`);
      }
      return String(value);
    case 'object': {
      // Array.from, not .map: map would build through value.constructor[Symbol.species], which an own
      // "constructor" field of an imported array can make a non-constructor (an untyped TypeError).
      if (Array.isArray(value)) return `[${Array.from(value, (v, i) => canonicalJson(v, `${path}[${i}]`)).join(',')}]`;
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new VaultkeyError('INVALID_ARGUMENT', `${path} must be a plain object, array or JSON primitive`);
      }
      const keys = Object.keys(value).sort();
      const parts: string[] = [];
      for (const k of keys) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined) continue; // like JSON.stringify: absent and undefined are the same
        parts.push(`${JSON.stringify(k)}:${canonicalJson(v, `${path}.${k}`)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new VaultkeyError('INVALID_ARGUMENT', `${path} is not JSON (${typeof value})`);
  }
}

// Bytes helpers live in src/bytes.ts; re-exported here for the modules that import them from canonical.
export { b64url, bytesEqual, fromHex, toHex, utf8 } from '../bytes.js';
import { toHex } from '../bytes.js';

export function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new VaultkeyError('UNSUPPORTED', 'WebCrypto is not available (needs a secure context)');
  return s;
}

export function randomHex(n: number): string {
  return toHex(globalThis.crypto.getRandomValues(new Uint8Array(n)));
}

/** Injectable clock: milliseconds since the epoch (tests pass a fake). */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();
