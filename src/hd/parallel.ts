// Large address scans spread across the worker pool: the range is cut into
// one contiguous slice per worker, each derived with deriveAddresses there.
import { VaultkeyError } from '../errors.js';
import type { WorkerPool } from '../worker/pool.js';
import type { AddressFormat } from './addresses.js';

export async function deriveAddressesParallel(
  pool: WorkerPool,
  xpub: string,
  start: number,
  count: number,
  format: AddressFormat,
  network: 'mainnet' | 'testnet' = 'mainnet',
): Promise<string[]> {
  if (typeof xpub !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'xpub must be a string');
  if (!Number.isInteger(count) || count < 0) throw new VaultkeyError('INVALID_ARGUMENT', 'count must be a non-negative integer');
  const slices = Math.max(1, Math.min(pool.size, Math.ceil(count / 256)));
  const per = Math.ceil(count / slices);
  const calls: [string, number, number, AddressFormat, 'mainnet' | 'testnet'][] = [];
  for (let s = 0; s < slices; s++) {
    const a = start + s * per;
    const n = Math.min(per, start + count - a);
    if (n > 0) calls.push([xpub, a, n, format, network]);
  }
  const parts = await pool.batch('deriveAddresses', calls);
  return parts.flat();
}
