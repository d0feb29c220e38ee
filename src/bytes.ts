// Bytes helpers, one home for the whole code base: hex, base64url, UTF-8 and
// constant-time equality. Decoders take the error code their caller reports,
// so bad input from anywhere becomes a VaultkeyError with a stable code.
import { VaultkeyError, assertBytes, type VaultkeyErrorCode } from './errors.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(b: Uint8Array): string {
  assertBytes(b, 'bytes');
  let s = '';
  for (const x of b) s += HEX[x];
  return s;
}

/**
 * Hex to bytes. Strict by default: lower-case, even length, no prefix (one
 * spelling per value, so ids and MAC inputs stay canonical). `lenient` also
 * takes upper case and a `0x` prefix (values from devices and other software).
 */
export function fromHex(s: unknown, name: string, code: VaultkeyErrorCode = 'INVALID_ARGUMENT', o: { lenient?: boolean } = {}): Uint8Array {
  let h = s;
  if (o.lenient && typeof h === 'string' && (h.startsWith('0x') || h.startsWith('0X'))) h = h.slice(2);
  if (typeof h !== 'string' || h.length % 2 !== 0 || !(o.lenient ? /^[0-9a-fA-F]*$/ : /^[0-9a-f]*$/).test(h)) {
    throw new VaultkeyError(code, `${name} must be ${o.lenient ? '' : 'lower-case '}hex`);
  }
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** base64url without padding (RFC 4648 §5). */
export function b64url(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes');
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url (padding optional) to bytes; anything else, including an impossible length, is `code`. */
export function fromB64url(s: unknown, name = 'value', code: VaultkeyErrorCode = 'INVALID_ARGUMENT'): Uint8Array {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*={0,2}$/.test(s) || s.replace(/=+$/, '').length % 4 === 1) {
    throw new VaultkeyError(code, `${name} must be base64url`);
  }
  const t = s.replace(/=+$/, '');
  const bin = atob(t.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (t.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function utf8(s: string): Uint8Array<ArrayBuffer> {
  if (typeof s !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'utf8 takes a string');
  return new TextEncoder().encode(s) as Uint8Array<ArrayBuffer>;
}

/** Constant-time equality of two byte strings (the length is not secret). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  assertBytes(a, 'a');
  assertBytes(b, 'b');
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
