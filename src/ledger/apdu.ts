// APDU building blocks for Ledger's Ethereum app (app-ethereum, doc/ethapp.adoc):
// BIP-32 path encoding, short APDUs (ISO 7816-4 case 3, at most 255 data
// bytes), payload chunking with P1 00 (first) / 80 (next), and the status
// word split of a reply.
import { VaultkeyError } from '../errors.js';
import { invalidResponse } from './errors.js';

export const CLA = 0xe0;
export const INS = {
  GET_ADDRESS: 0x02,
  SIGN_TX: 0x04,
  GET_APP_CONFIGURATION: 0x06,
  SIGN_PERSONAL_MESSAGE: 0x08,
  SIGN_EIP712: 0x0c,
} as const;
export const P1_FIRST = 0x00;
export const P1_MORE = 0x80;
/** Lc is one byte: ethapp.adoc "General purpose APDUs" allows 255 data bytes per command. */
export const MAX_APDU_DATA = 255;
/** app-ethereum keeps a fixed-size path buffer: MAX_BIP32_PATH = 10 levels. */
export const MAX_PATH_DEPTH = 10;
const HARDENED = 0x80000000;

export type PathInput = string | readonly number[];

/**
 * Parses "m/44'/60'/0'/0/0" (also without "m/", and with h/H for hardened)
 * into u32 indices. Strict: no empty segments, no whitespace, decimal only,
 * index < 2^31 before hardening, 1..10 levels. Arrays of u32 are accepted as-is
 * after the same range checks.
 */
export function parsePath(path: PathInput): number[] {
  if (Array.isArray(path)) {
    if (path.length < 1 || path.length > MAX_PATH_DEPTH) {
      throw new VaultkeyError('INVALID_PATH', `A Ledger path has 1 to ${MAX_PATH_DEPTH} levels`);
    }
    for (const n of path) {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
        throw new VaultkeyError('INVALID_PATH', 'Path indices must be integers in [0, 2^32)');
      }
    }
    return [...path];
  }
  if (typeof path !== 'string') throw new VaultkeyError('INVALID_PATH', "Path must be a string like \"m/44'/60'/0'/0/0\"");
  const body = path.startsWith('m/') ? path.slice(2) : path;
  if (body.length === 0) throw new VaultkeyError('INVALID_PATH', 'Path has no levels');
  const parts = body.split('/');
  if (parts.length > MAX_PATH_DEPTH) {
    throw new VaultkeyError('INVALID_PATH', `A Ledger path has at most ${MAX_PATH_DEPTH} levels`);
  }
  return parts.map((p) => {
    const m = /^(\d{1,10})(['hH]?)$/.exec(p);
    if (!m) throw new VaultkeyError('INVALID_PATH', "Path levels must be decimal numbers, optionally followed by ' or h");
    const n = Number(m[1]);
    if (n >= HARDENED) throw new VaultkeyError('INVALID_PATH', 'Path index out of range (must be < 2^31)');
    return m[2] ? n + HARDENED : n;
  });
}

/** Canonical text form, used as a cache key and in key descriptors: m/44'/60'/0'/0/0. */
export function formatPath(indices: readonly number[]): string {
  return 'm/' + indices.map((n) => (n >= HARDENED ? `${n - HARDENED}'` : `${n}`)).join('/');
}

/** ethapp.adoc: "Number of BIP 32 derivations (1 byte), then each index as big-endian u32". */
export function encodePath(path: PathInput): Uint8Array {
  const idx = parsePath(path);
  const out = new Uint8Array(1 + idx.length * 4);
  const view = new DataView(out.buffer);
  out[0] = idx.length;
  idx.forEach((n, i) => view.setUint32(1 + i * 4, n >>> 0, false));
  return out;
}

export function u32be(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new VaultkeyError('INVALID_LENGTH', 'Length does not fit in 4 bytes');
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

/** CLA INS P1 P2 Lc data. Lc is always present (Ledger's own host sends "e006000000"). */
export function buildApdu(cla: number, ins: number, p1: number, p2: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  for (const [name, v] of [
    ['CLA', cla],
    ['INS', ins],
    ['P1', p1],
    ['P2', p2],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new VaultkeyError('INVALID_ARGUMENT', `${name} must be a byte`);
  }
  if (!(data instanceof Uint8Array)) throw new VaultkeyError('INVALID_ARGUMENT', 'APDU data must be a Uint8Array');
  if (data.length > MAX_APDU_DATA) {
    throw new VaultkeyError('INVALID_LENGTH', `APDU data is limited to ${MAX_APDU_DATA} bytes, got ${data.length}`);
  }
  const out = new Uint8Array(5 + data.length);
  out.set([cla, ins, p1, p2, data.length]);
  out.set(data, 5);
  return out;
}

/** Splits a reply into data and status word; fewer than 2 bytes is a truncated reply. */
export function splitResponse(resp: unknown): { data: Uint8Array; sw: number } {
  if (!(resp instanceof Uint8Array)) throw invalidResponse('reply is not a byte array');
  if (resp.length < 2) throw invalidResponse(`reply of ${resp.length} byte(s) has no status word`);
  const n = resp.length;
  // Copy into a plain Uint8Array: transports hand back Node Buffers (or our
  // shim), whose slice() shares memory; callers get ordinary bytes.
  const data = new Uint8Array(n - 2);
  data.set(resp.subarray(0, n - 2));
  return { data, sw: (resp[n - 2]! << 8) | resp[n - 1]! };
}

/** Cuts `payload` into consecutive chunks of `size` bytes (the last one shorter). */
export function chunk(payload: Uint8Array, size: number): Uint8Array[] {
  if (!Number.isInteger(size) || size < 1 || size > MAX_APDU_DATA) {
    throw new VaultkeyError('INVALID_ARGUMENT', `Chunk size must be in [1, ${MAX_APDU_DATA}]`);
  }
  if (payload.length === 0) return [payload];
  const out: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += size) out.push(payload.subarray(off, off + size));
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Personal message (INS 08): first APDU = path || u32be(total length) || start
 * of the message, then raw continuation. Ledger's host library sends at most
 * 150 data bytes per APDU for this instruction (not 255), and a replay of its
 * transcripts only matches if we do the same, so this chunk size is
 * deliberate.
 */
export const PERSONAL_MESSAGE_CHUNK = 150;

export function personalMessageChunks(pathBytes: Uint8Array, message: Uint8Array): Uint8Array[] {
  const payload = concatBytes(pathBytes, u32be(message.length), message);
  return chunk(payload, PERSONAL_MESSAGE_CHUNK);
}
