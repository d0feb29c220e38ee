// Address ranges from an extended public key: one WASM child step per index
// from the chain key (m/.../change), which is derived once.
import { VaultkeyError } from '../errors.js';
import { HDKey } from './hdkey.js';
import { addressOf, ethereumAddress, type AddressFormat, ADDRESS_FORMATS } from './addresses.js';
import { bip32Step } from './step.js';

export const MAX_BATCH = 1_000_000;

function checkRange(start: unknown, count: unknown): void {
  if (typeof start !== 'number' || !Number.isInteger(start) || start < 0 || start >= 0x80000000) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'start must be an index in [0, 2^31)');
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_BATCH || start + count > 0x80000000) {
    throw new VaultkeyError('INVALID_ARGUMENT', `count must be in [0, ${MAX_BATCH}] and stay below 2^31`);
  }
}

/**
 * Addresses for children [start, start + count) of `xpub` (any SLIP-0132
 * variant, or an HDKey), e.g. an account's receive chain key m/84'/0'/0'/0.
 * A child index that BIP-32 marks invalid is skipped, as the spec says, so the
 * result can then hold an address for index start + count (never observed: p < 2^-127).
 */
export function deriveAddresses(xpub: string | HDKey, start: number, count: number, format: AddressFormat,
  network: 'mainnet' | 'testnet' = 'mainnet'): string[] {
  checkRange(start, count);
  if (!ADDRESS_FORMATS.includes(format) || format === 'solana') {
    throw new VaultkeyError('INVALID_ARGUMENT', 'format must be a secp256k1 address format');
  }
  const key = typeof xpub === 'string' ? HDKey.fromExtendedKey(xpub) : xpub;
  if (key.curve !== 'secp256k1') throw new VaultkeyError('INVALID_ARGUMENT', 'batch derivation is for secp256k1 keys');
  const parent = { privateKey: null, publicKey: key.publicKey, chainCode: key.chainCode };
  const out: string[] = [];
  for (let i = start; out.length < count; i++) {
    const child = bip32Step(parent, i, false);
    if (!child) continue;
    out.push(format === 'ethereum' ? ethereumAddress(child.publicKey65) : addressOf(child.publicKey, format, network));
  }
  return out;
}
