// Large address scans spread across the worker pool: the range is cut into
// one contiguous slice per worker, each derived with deriveAddresses there.
// Arguments are checked here, before any worker is busy, with the rules of
// deriveAddresses (batch.ts); this module stays free of the derivation code.
import { VaultkeyError } from '../errors.js';
import { WorkerPool } from '../worker/pool.js';
import type { AddressFormat, AddressNetwork } from './addresses.js';

// Tied to the unions: a format or network added there fails to compile here until listed.
const BATCH_FORMATS = {
  ethereum: true,
  p2pkh: true,
  'p2sh-p2wpkh': true,
  p2wpkh: true,
  p2tr: true,
  solana: false,
} as const satisfies Record<AddressFormat, boolean>;
const NETWORKS = { mainnet: true, testnet: true, regtest: true, signet: true } as const satisfies Record<AddressNetwork, true>;

export async function deriveAddressesParallel(
  pool: WorkerPool,
  xpub: string,
  start: number,
  count: number,
  format: AddressFormat,
  network: AddressNetwork = 'mainnet',
): Promise<string[]> {
  if (!(pool instanceof WorkerPool)) throw new VaultkeyError('INVALID_ARGUMENT', 'pool must be a WorkerPool');
  if (typeof xpub !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'xpub must be a string');
  if (typeof start !== 'number' || !Number.isInteger(start) || start < 0 || start >= 0x80000000) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'start must be an index in [0, 2^31)');
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || start + count > 0x80000000) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'count must be a non-negative integer and stay below 2^31');
  }
  if (typeof format !== 'string' || !Object.hasOwn(BATCH_FORMATS, format) || !BATCH_FORMATS[format]) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'format must be a secp256k1 address format');
  }
  if (typeof network !== 'string' || !Object.hasOwn(NETWORKS, network)) {
    throw new VaultkeyError('INVALID_ARGUMENT', `network must be one of ${Object.keys(NETWORKS).join(', ')}`);
  }
  const slices = Math.max(1, Math.min(pool.size, Math.ceil(count / 256)));
  const per = Math.ceil(count / slices);
  const calls: [string, number, number, AddressFormat, AddressNetwork][] = [];
  for (let s = 0; s < slices; s++) {
    const a = start + s * per;
    const n = Math.min(per, start + count - a);
    if (n > 0) calls.push([xpub, a, n, format, network]);
  }
  const parts = await pool.batch('deriveAddresses', calls);
  return parts.flat();
}
