// Unsigned Ethereum transactions as the Ledger Ethereum app expects them
// (ethapp.adoc "SIGN ETH TRANSACTION"): the exact bytes that get hashed.
//   legacy   rlp([nonce, gasPrice, gasLimit, to, value, data])                 (pre EIP-155)
//            rlp([nonce, gasPrice, gasLimit, to, value, data, chainId, 0, 0])  (EIP-155)
//   type 1   0x01 || rlp([chainId, nonce, gasPrice, gasLimit, to, value, data, accessList])   (EIP-2930)
//   type 2   0x02 || rlp([chainId, nonce, maxPriorityFee, maxFee, gasLimit, to, value, data, accessList]) (EIP-1559)
// We decode only to validate the shape, read the chain id (needed to turn
// the device's one-byte v into a recovery id) and to chunk legacy payloads
// safely. A small RLP decoder, written for this purpose: structurally strict
// (no truncation, no trailing bytes, items inside their list) but it accepts
// non-canonical length forms, because the app does and hashes the bytes
// exactly as sent (one of Ledger's recorded transactions uses them).
import { VaultkeyError } from '../errors.js';
import { concatBytes, MAX_APDU_DATA } from './apdu.js';

export type RlpItem = Uint8Array | RlpItem[];

interface Decoded {
  item: RlpItem;
  raw: Uint8Array;
  end: number;
}

const bad = (why: string) => new VaultkeyError('INVALID_TRANSACTION', `Invalid transaction RLP: ${why}`);

function readLength(buf: Uint8Array, off: number, lenOfLen: number): number {
  if (off + lenOfLen > buf.length) throw bad('truncated length');
  if (lenOfLen > 4) throw bad('length too large');
  let n = 0;
  for (let i = 0; i < lenOfLen; i++) n = n * 256 + buf[off + i]!;
  return n;
}

function decodeAt(buf: Uint8Array, off: number, depth: number): Decoded {
  if (depth > 16) throw bad('nesting too deep');
  if (off >= buf.length) throw bad('truncated');
  const b = buf[off]!;
  let start: number;
  let len: number;
  let list: boolean;
  if (b < 0x80) {
    return { item: buf.subarray(off, off + 1), raw: buf.subarray(off, off + 1), end: off + 1 };
  }
  if (b <= 0xb7) {
    list = false;
    len = b - 0x80;
    start = off + 1;
  } else if (b <= 0xbf) {
    list = false;
    const ll = b - 0xb7;
    len = readLength(buf, off + 1, ll);
    start = off + 1 + ll;
  } else if (b <= 0xf7) {
    list = true;
    len = b - 0xc0;
    start = off + 1;
  } else {
    list = true;
    const ll = b - 0xf7;
    len = readLength(buf, off + 1, ll);
    start = off + 1 + ll;
  }
  const end = start + len;
  if (end > buf.length) throw bad('truncated');
  if (!list) return { item: buf.subarray(start, end), raw: buf.subarray(off, end), end };
  const items: RlpItem[] = [];
  const raws: Uint8Array[] = [];
  let p = start;
  while (p < end) {
    const d = decodeAt(buf, p, depth + 1);
    if (d.end > end) throw bad('item overruns its list');
    items.push(d.item);
    raws.push(d.raw);
    p = d.end;
  }
  const out = { item: items, raw: buf.subarray(off, end), end };
  (out as { raws?: Uint8Array[] }).raws = raws;
  return out;
}

/** Decodes exactly one RLP item spanning all of `buf`. */
export function rlpDecode(buf: Uint8Array): RlpItem {
  const d = decodeAt(buf, 0, 0);
  if (d.end !== buf.length) throw bad('trailing bytes');
  return d.item;
}

function rlpLengthPrefix(len: number, base: number): Uint8Array {
  if (len < 56) return Uint8Array.of(base + len);
  const bytes: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.of(base + 55 + bytes.length, ...bytes);
}

export function rlpEncode(item: RlpItem): Uint8Array {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0]! < 0x80) return item.slice();
    return concatBytes(rlpLengthPrefix(item.length, 0x80), item);
  }
  const body = concatBytes(...item.map(rlpEncode));
  return concatBytes(rlpLengthPrefix(body.length, 0xc0), body);
}

function toBigInt(b: Uint8Array, what: string): bigint {
  if (b.length > 32) throw bad(`${what} longer than 32 bytes`);
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

export interface TxInfo {
  /** 0 = legacy, 1 = EIP-2930, 2 = EIP-1559. */
  type: 0 | 1 | 2;
  /** null for a pre-EIP-155 legacy transaction (no chain id in the payload). */
  chainId: bigint | null;
  /** Legacy only: bytes of the last three list items re-encoded as Ledger's host measures them (see legacyChunkSize). */
  legacyTailLength: number;
}

/** Validates an unsigned transaction and reads what signing needs. */
export function inspectTransaction(raw: Uint8Array): TxInfo {
  if (!(raw instanceof Uint8Array))
    throw new VaultkeyError('INVALID_ARGUMENT', 'Transaction must be a Uint8Array of unsigned transaction bytes');
  if (raw.length === 0) throw bad('empty');
  const first = raw[0]!;
  if (first >= 0xc0) {
    const d = decodeAt(raw, 0, 0);
    if (d.end !== raw.length) throw bad('trailing bytes');
    const items = d.item as RlpItem[];
    const raws = (d as { raws?: Uint8Array[] }).raws!;
    if (items.length !== 6 && items.length !== 9) throw bad(`a legacy transaction has 6 or 9 fields, got ${items.length}`);
    for (const it of items) if (!(it instanceof Uint8Array)) throw bad('legacy transaction fields must be byte strings');
    let chainId: bigint | null = null;
    if (items.length === 9) {
      // EIP-155: the signed payload ends with chainId, 0, 0; non-empty r/s means it is already signed.
      if ((items[7] as Uint8Array).length !== 0 || (items[8] as Uint8Array).length !== 0) {
        throw bad('transaction is already signed (EIP-155 r and s must be empty)');
      }
      chainId = toBigInt(items[6] as Uint8Array, 'chainId');
    }
    // Ledger's host measures "the encoded v,r,s list minus its first byte":
    // the last three items' encodings plus any extra length bytes of that list prefix.
    const tail = raws.slice(-3).reduce((n, r) => n + r.length, 0);
    const legacyTailLength = tail + rlpLengthPrefix(tail, 0xc0).length - 1;
    return { type: 0, chainId, legacyTailLength };
  }
  if (first === 0x01 || first === 0x02) {
    const body = raw.subarray(1);
    if (body.length === 0 || body[0]! < 0xc0) throw bad('typed transaction payload must be an RLP list');
    const items = rlpDecode(body);
    if (!Array.isArray(items)) throw bad('typed transaction payload must be an RLP list');
    const want = first === 0x01 ? 8 : 9;
    if (items.length !== want) {
      throw bad(
        `an unsigned type ${first} transaction has ${want} fields, got ${items.length}` +
          (items.length === want + 3 ? ' (it looks already signed)' : ''),
      );
    }
    const c = items[0];
    if (!(c instanceof Uint8Array)) throw bad('chainId must be a byte string');
    return { type: first as 1 | 2, chainId: toBigInt(c, 'chainId'), legacyTailLength: 0 };
  }
  throw new VaultkeyError(
    'INVALID_TRANSACTION',
    `Unsupported transaction type 0x${first.toString(16).padStart(2, '0')} (legacy, EIP-2930 and EIP-1559 are supported)`,
  );
}

/**
 * Chunk size for INS 04. Typed transactions are cut every 255 bytes. For a
 * legacy transaction the app cannot tell a pre-EIP-155 transaction (6 fields)
 * from an EIP-155 one (9 fields) until it sees more data: when an APDU ends
 * just before the trailing (chainId, 0, 0) fields, it may take the payload as
 * complete and sign the 6-field form. Ledger's host therefore shrinks the
 * chunk size until the last APDU is either full or longer than that tail;
 * we follow the same rule so the device sees the same APDUs as with Ledger's
 * own library (and transcripts replay byte for byte).
 */
export function txChunkSize(payloadLength: number, info: TxInfo): number {
  if (payloadLength <= MAX_APDU_DATA || info.type !== 0) return MAX_APDU_DATA;
  for (let size = MAX_APDU_DATA; size > 0; size--) {
    const last = payloadLength % size;
    if (last === 0 || last > info.legacyTailLength) return size;
  }
  return MAX_APDU_DATA; // unreachable: size 1 always divides
}

/**
 * Recovery id from the v byte the app returns for INS 04.
 * Typed (EIP-2930/1559): v is the y parity itself (0 or 1).
 * Legacy: v = chainId * 2 + 35 + parity (EIP-155), truncated to one byte, where
 * the app only keeps the 4 most significant bytes of a longer chain id; or
 * 27 + parity. 35 and 27 are odd and truncation mod 256 keeps parity, so the
 * y parity is always the inverted low bit; we additionally check the full
 * byte against the EIP-155 formula when the chain id is known.
 */
export function recoveryFromTxV(vByte: number, info: TxInfo): 0 | 1 | null {
  if (info.type !== 0) return vByte === 0 || vByte === 1 ? vByte : null;
  const parity = (vByte & 1 ? 0 : 1) as 0 | 1;
  if (info.chainId === null) return parity; // the app applies its own default chain id
  if (vByte === 27 + parity) return parity;
  const expected = Number((chainIdAsUint32(info.chainId) * 2n + 35n + BigInt(parity)) & 0xffn);
  return expected === vByte ? parity : null;
}

/** The app reads at most 4 bytes of chain id: the most significant ones of its minimal big-endian form. */
export function chainIdAsUint32(chainId: bigint): bigint {
  let bytes = 0;
  for (let n = chainId; n > 0n; n >>= 8n) bytes++;
  return bytes <= 4 ? chainId : chainId >> BigInt(8 * (bytes - 4));
}

/** The v that belongs in the signed transaction: EIP-155 for legacy with chain id, 27/28 without, parity for typed. */
export function txV(recovery: 0 | 1, info: TxInfo): bigint {
  if (info.type !== 0) return BigInt(recovery);
  if (info.chainId === null) return 27n + BigInt(recovery);
  return info.chainId * 2n + 35n + BigInt(recovery);
}
