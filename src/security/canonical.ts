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
      if (Array.isArray(value)) return `[${value.map((v, i) => canonicalJson(v, `${path}[${i}]`)).join(',')}]`;
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

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += HEX[x];
  return s;
}

/** Lower-case even-length hex only (one spelling per value, so ids stay canonical). */
export function fromHex(s: unknown, name: string, code: VaultkeyErrorCode = 'INVALID_ARGUMENT'): Uint8Array {
  if (typeof s !== 'string' || s.length % 2 !== 0 || !/^[0-9a-f]*$/.test(s)) {
    throw new VaultkeyError(code, `${name} must be lower-case hex`);
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function utf8(s: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(s) as Uint8Array<ArrayBuffer>;
}

/** Constant-time equality of two byte strings (length is not secret). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

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
