// Address ranges from an extended public key: one WASM child step per index
// from the chain key (m/.../change), which is derived once.
import { VaultkeyError } from '../errors.js';
import { HDKey } from './hdkey.js';
import { addressOfDerived, networkParams, type AddressFormat, type AddressNetwork, ADDRESS_FORMATS } from './addresses.js';
import { bip32Step } from './step.js';
import { hmacSha512 } from '../core/hash.js';
import { secp256k1 } from '../core/secp256k1.js';
import { SECP_N, toBig } from './curves.js';

/** Indices per WASM batch: one field inversion normalizes this many children. */
const CHUNK = 1024;

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
 * A child index that BIP-32 marks invalid is skipped, as BIP-32 says, so the
 * result can then hold an address for index start + count (never observed: p < 2^-127).
 */
export function deriveAddresses(
  xpub: string | HDKey,
  start: number,
  count: number,
  format: AddressFormat,
  network: AddressNetwork = 'mainnet',
): string[] {
  if (typeof xpub !== 'string' && !(xpub instanceof HDKey)) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'xpub must be an extended key string or an HDKey');
  }
  checkRange(start, count);
  if (typeof format !== 'string' || !ADDRESS_FORMATS.includes(format) || format === 'solana') {
    throw new VaultkeyError('INVALID_ARGUMENT', 'format must be a secp256k1 address format');
  }
  const net = networkParams(network);
  const key = typeof xpub === 'string' ? HDKey.fromExtendedKey(xpub) : xpub;
  if (key.curve !== 'secp256k1') throw new VaultkeyError('INVALID_ARGUMENT', 'batch derivation is for secp256k1 keys');
  const parent = { privateKey: null, publicKey: key.publicKey, chainCode: key.chainCode };
  const eth = format === 'ethereum';
  // Children come from publicAddBatch or bip32Step, so they are valid points: no per-key check.
  const toAddress = (pub: Uint8Array) => addressOfDerived(pub, format, net);
  const out: string[] = [];
  const data = new Uint8Array(37);
  data.set(key.publicKey);
  const view = new DataView(data.buffer);
  let i = start;
  while (out.length < count && i <= 0x7fffffff) {
    // BIP-32 CKDpub for a run of indexes: IL_i = HMAC-SHA512(c, serP(K) || ser32(i))[0..32),
    // then K_i = K + IL_i*G for all of them with one shared inversion (publicAddBatch).
    const want = Math.min(CHUNK, count - out.length, 0x80000000 - i);
    const tweaks: Uint8Array[] = [];
    for (let j = 0; j < want; j++, i++) {
      view.setUint32(33, i);
      const il = hmacSha512(key.chainCode, data).subarray(0, 32);
      // IL >= n: BIP-32 says this index is invalid; skip it (p < 2^-127).
      if (toBig(il) >= SECP_N) continue;
      tweaks.push(il);
    }
    let pubs: Uint8Array[];
    try {
      pubs = secp256k1.publicAddBatch(key.publicKey, tweaks, !eth);
    } catch {
      // A child at infinity (p < 2^-127): redo this run one step at a time, which skips it.
      pubs = [];
      for (let k = i - want; k < i; k++) {
        const child = bip32Step(parent, k, false);
        if (child) pubs.push(eth ? child.publicKey65 : child.publicKey);
      }
    }
    for (const pub of pubs) out.push(toAddress(pub));
  }
  return out;
}
