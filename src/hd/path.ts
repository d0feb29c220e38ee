// BIP-32 path strings (BIP-32 §The key tree; BIP-44 §Path levels):
// "m/44'/60'/0'/0/0", with ', h or H as the hardened mark.
import { VaultkeyError } from '../errors.js';

export const HARDENED = 0x80000000;

/**
 * Parses a path into child indexes (hardened ones with HARDENED added).
 * Strict: must start with "m" (or "M"), components are plain decimal numbers
 * below 2^31 without signs, spaces or leading zeros, and at most 255 levels
 * (the depth byte of BIP-32 §Serialization format).
 */
export function parsePath(path: string): number[] {
  if (typeof path !== 'string') throw new VaultkeyError('INVALID_PATH', 'path must be a string');
  const parts = path.split('/');
  if (parts[0] !== 'm' && parts[0] !== 'M') throw new VaultkeyError('INVALID_PATH', 'path must start with "m"');
  if (parts.length === 1) return [];
  if (parts.length - 1 > 255) throw new VaultkeyError('INVALID_PATH', 'path is deeper than 255 levels');
  return parts.slice(1).map((part, i) => {
    const m = /^(0|[1-9][0-9]{0,9})(['hH]?)$/.exec(part);
    if (!m) throw new VaultkeyError('INVALID_PATH', `path component ${i + 1} is not an index`);
    const n = Number(m[1]);
    if (n >= HARDENED) throw new VaultkeyError('INVALID_PATH', `path component ${i + 1} is 2^31 or more`);
    return m[2] ? n + HARDENED : n;
  });
}

/** The path string of child indexes (hardened ones >= 2^31, written with '), as parsePath reads it back. */
export function formatPath(indexes: readonly number[]): string {
  if (!Array.isArray(indexes)) throw new VaultkeyError('INVALID_PATH', 'indexes must be an array');
  if (indexes.length > 255) throw new VaultkeyError('INVALID_PATH', 'path is deeper than 255 levels');
  for (const i of indexes) assertIndex(i);
  return ['m', ...indexes.map((i) => (i >= HARDENED ? `${i - HARDENED}'` : String(i)))].join('/');
}

export function isHardened(index: number): boolean {
  return index >= HARDENED;
}

/** Checks a child index for deriveChild: an integer in [0, 2^32). */
export function assertIndex(index: unknown): asserts index is number {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new VaultkeyError('INVALID_PATH', 'child index must be an integer in [0, 2^32)');
  }
}
