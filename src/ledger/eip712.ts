// EIP-712 typed data for the Ethereum app's "full" (clear-signing) mode, and
// the host-side hashes the signature is checked against.
//
//   - parseTypedData: validates { types, primaryType, domain, message } and
//     resolves every field type (EIP-712 "Definition of typed structured data").
//   - typedDataHashes: domainSeparator, hashStruct(message) and the digest
//     keccak256(0x19 0x01 || domainSeparator || hashStruct(message)) (EIP-712
//     "Specification of the eth_signTypedData JSON RPC" / "encodeData").
//   - eip712Apdus: the APDU payloads of ethapp.adoc "EIP712 SEND STRUCT
//     DEFINITION" (INS 1A) and "EIP712 SEND STRUCT IMPLEMENTATION" (INS 1C).
//
// Bad input is a VaultkeyError('INVALID_ARGUMENT' | 'INVALID_LENGTH'), never a crash.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { fromHex as hexToBytes } from '../bytes.js';
import { VaultkeyError } from '../errors.js';
import { concatBytes, MAX_APDU_DATA } from './apdu.js';

/** INS values of ethapp.adoc's EIP-712 commands. */
export const INS_EIP712_STRUCT_DEF = 0x1a;
export const INS_EIP712_STRUCT_IMPL = 0x1c;

/** ethapp.adoc "SIGN ETH EIP 712": the full implementation exists since app version 1.9.19. */
export const EIP712_FULL_MIN_VERSION: readonly [number, number, number] = [1, 9, 19];

export interface TypedDataField {
  name: string;
  type: string;
}

/** The eth_signTypedData_v4 / viem / ethers shape. `EIP712Domain` may be omitted from types (derived from domain). */
export interface TypedDataInput {
  types: Record<string, readonly TypedDataField[]>;
  primaryType: string;
  domain: Record<string, unknown>;
  message: Record<string, unknown>;
}

/** ethapp.adoc "TypeDesc", the 4 low bits. */
export const TYPE_CODE = { custom: 0, int: 1, uint: 2, address: 3, bool: 4, string: 5, fixedBytes: 6, dynamicBytes: 7 } as const;
type Kind = keyof typeof TYPE_CODE;

/** One array level, in type-string order ("uint8[2][]" -> [2, null]); the LAST is the outermost. null = dynamic. */
type Level = number | null;

export interface ResolvedType {
  kind: Kind;
  /** Byte size for int/uint (bits / 8) and bytesN. */
  size?: number;
  /** Struct name for custom types. */
  struct?: string;
  levels: Level[];
}

export interface ParsedTypedData {
  structs: Map<string, { name: string; type: ResolvedType; rawType: string }[]>;
  primaryType: string;
  domain: Record<string, unknown>;
  message: Record<string, unknown>;
}

const bad = (m: string) => new VaultkeyError('INVALID_ARGUMENT', `Typed data: ${m}`);
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** EIP-712 "Definition of domainSeparator": the fields present, in this order (as eth_signTypedData_v4 does). */
const DOMAIN_FIELDS: readonly TypedDataField[] = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
  { name: 'salt', type: 'bytes32' },
];

function resolveType(t: string, structNames: Set<string>): ResolvedType {
  if (typeof t !== 'string') throw bad('a field type must be a string');
  const m = /^([A-Za-z_$][A-Za-z0-9_$]*)((?:\[\d*\])*)$/.exec(t);
  if (!m) throw bad(`unknown type "${t.slice(0, 64)}"`);
  const base = m[1]!;
  const levels: Level[] = [];
  for (const lv of m[2]!.matchAll(/\[(\d*)\]/g)) {
    if (lv[1] === '') levels.push(null);
    else {
      const n = Number(lv[1]);
      // ethapp.adoc "ArrayLevels": a fixed size is one byte.
      if (!Number.isSafeInteger(n) || n < 1 || n > 255) throw bad(`array size in "${t}" must be 1..255`);
      levels.push(n);
    }
  }
  if (structNames.has(base)) return { kind: 'custom', struct: base, levels };
  const int = /^(u?)int(\d{1,3})$/.exec(base);
  if (int) {
    const bits = Number(int[2]);
    if (bits < 8 || bits > 256 || bits % 8 !== 0) throw bad(`"${base}" is not an int size`);
    return { kind: int[1] ? 'uint' : 'int', size: bits / 8, levels };
  }
  const fb = /^bytes(\d{1,2})$/.exec(base);
  if (fb) {
    const n = Number(fb[1]);
    if (n < 1 || n > 32) throw bad(`"${base}" is not a bytesN size`);
    return { kind: 'fixedBytes', size: n, levels };
  }
  if (base === 'address' || base === 'bool' || base === 'string') return { kind: base, levels };
  if (base === 'bytes') return { kind: 'dynamicBytes', levels };
  throw bad(`unknown type "${base}"`);
}

export function parseTypedData(input: TypedDataInput): ParsedTypedData {
  if (input === null || typeof input !== 'object') throw bad('expected an object');
  const { types, primaryType, domain, message } = input;
  if (types === null || typeof types !== 'object') throw bad('types must be an object');
  if (typeof primaryType !== 'string' || !IDENT.test(primaryType)) throw bad('primaryType must be a struct name');
  if (primaryType === 'EIP712Domain') throw bad('primaryType EIP712Domain (a domain-only message) is not supported');
  if (domain === null || typeof domain !== 'object') throw bad('domain must be an object');
  if (message === null || typeof message !== 'object') throw bad('message must be an object');
  const all: Record<string, readonly TypedDataField[]> = { ...types };
  if (!Object.hasOwn(all, 'EIP712Domain')) all.EIP712Domain = DOMAIN_FIELDS.filter((f) => domain[f.name] !== undefined);
  const names = new Set(Object.keys(all));
  for (const n of names) if (!IDENT.test(n)) throw bad(`"${n.slice(0, 64)}" is not a valid struct name`);
  if (!names.has(primaryType)) throw bad(`primaryType "${primaryType}" has no definition`);
  const structs: ParsedTypedData['structs'] = new Map();
  for (const n of names) {
    const fields = all[n];
    if (!Array.isArray(fields)) throw bad(`types.${n} must be an array`);
    const seen = new Set<string>();
    structs.set(
      n,
      fields.map((f: TypedDataField) => {
        if (f === null || typeof f !== 'object' || typeof f.name !== 'string' || !IDENT.test(f.name)) {
          throw bad(`a field of ${n} has no valid name`);
        }
        if (seen.has(f.name)) throw bad(`${n}.${f.name} is defined twice`);
        seen.add(f.name);
        return { name: f.name, type: resolveType(f.type, names), rawType: f.type };
      }),
    );
  }
  // EIP-712 forbids recursive struct types only through arrays... a struct that
  // contains itself directly could never be given a finite value; refuse cycles.
  const visiting = new Set<string>();
  const done = new Set<string>();
  const walk = (n: string) => {
    if (done.has(n)) return;
    if (visiting.has(n)) throw bad(`struct ${n} contains itself`);
    visiting.add(n);
    for (const f of structs.get(n)!) if (f.type.struct) walk(f.type.struct);
    visiting.delete(n);
    done.add(n);
  };
  for (const n of names) walk(n);
  return { structs, primaryType, domain, message };
}

// --- EIP-712 hashing --------------------------------------------------------------------------

/** EIP-712 "encodeType": the struct, then its referenced structs sorted by name. */
function encodeType(p: ParsedTypedData, name: string): string {
  const deps = new Set<string>();
  const collect = (n: string) => {
    for (const f of p.structs.get(n)!) {
      const s = f.type.struct;
      if (s && s !== name && !deps.has(s)) {
        deps.add(s);
        collect(s);
      }
    }
  };
  collect(name);
  const one = (n: string) =>
    `${n}(${p.structs
      .get(n)!
      .map((f) => `${f.rawType} ${f.name}`)
      .join(',')})`;
  return one(name) + [...deps].sort().map(one).join('');
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Integer value of an int/uint field: bigint, safe integer, decimal or 0x-hex string. */
function toBigInt(v: unknown, where: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw bad(`${where} must be a safe integer (use a bigint or a string)`);
    return BigInt(v);
  }
  if (typeof v === 'string' && /^(-?[0-9]{1,80}|0x[0-9a-fA-F]{1,64})$/.test(v)) return BigInt(v);
  throw bad(`${where} must be an integer`);
}

function toBytes(v: unknown, where: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return hexToBytes(v, where, 'INVALID_ARGUMENT', { lenient: true });
  throw bad(`${where} must be bytes or a 0x-hex string`);
}

/** A primitive value as the app receives it (ethapp.adoc: "raw" value, "128" -> 0x80). */
export function rawValue(t: ResolvedType, v: unknown, where: string): Uint8Array {
  switch (t.kind) {
    case 'uint': {
      const n = toBigInt(v, where);
      if (n < 0n || n >= 1n << BigInt(8 * t.size!)) throw bad(`${where} is out of range for uint${8 * t.size!}`);
      return minimalBytes(n);
    }
    case 'int': {
      const n = toBigInt(v, where);
      const bits = BigInt(8 * t.size!);
      if (n < -(1n << (bits - 1n)) || n >= 1n << (bits - 1n)) throw bad(`${where} is out of range for int${bits}`);
      // The app sign-extends only a value sent at the full type size with its
      // top bit set (app-ethereum encode_int): negatives go as the whole
      // two's complement, non-negatives as minimal big-endian bytes.
      if (n < 0n) return fixedBytes((1n << bits) + n, t.size!);
      return minimalBytes(n);
    }
    case 'bool':
      if (typeof v !== 'boolean') throw bad(`${where} must be a boolean`);
      return Uint8Array.of(v ? 1 : 0);
    case 'address': {
      if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v)) throw bad(`${where} must be a 0x-prefixed 20-byte address`);
      return hexToBytes(v, where, 'INVALID_ARGUMENT', { lenient: true });
    }
    case 'fixedBytes': {
      const b = toBytes(v, where);
      if (b.length !== t.size) throw new VaultkeyError('INVALID_LENGTH', `Typed data: ${where} must be ${t.size} bytes, got ${b.length}`);
      return b;
    }
    case 'dynamicBytes':
      return toBytes(v, where);
    case 'string':
      if (typeof v !== 'string') throw bad(`${where} must be a string`);
      return utf8(v);
    default:
      throw bad(`${where}: a struct has no raw value`);
  }
}

function minimalBytes(n: bigint): Uint8Array {
  const out: number[] = [];
  for (let x = n; x > 0n; x >>= 8n) out.unshift(Number(x & 0xffn));
  return Uint8Array.from(out.length ? out : [0]);
}

function fixedBytes(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1, x = n; i >= 0; i--, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
}

/** EIP-712 "encodeData" of one member. */
function encodeValue(p: ParsedTypedData, t: ResolvedType, v: unknown, where: string): Uint8Array {
  if (t.levels.length > 0) {
    const lv = t.levels[t.levels.length - 1] as Level;
    const rest = t.levels.slice(0, -1);
    if (!Array.isArray(v)) throw bad(`${where} must be an array`);
    if (lv !== null && v.length !== lv) throw bad(`${where} must have ${lv} elements`);
    const inner = { ...t, levels: rest };
    return keccak_256(concatBytes(...v.map((x, i) => encodeValue(p, inner, x, `${where}[${i}]`))));
  }
  if (t.kind === 'custom') return hashStruct(p, t.struct!, v, where);
  const raw = rawValue(t, v, where);
  if (t.kind === 'string' || t.kind === 'dynamicBytes') return keccak_256(raw);
  if (t.kind === 'fixedBytes') return concatBytes(raw, new Uint8Array(32 - raw.length));
  if (t.kind === 'int' && toBigInt(v, where) < 0n) return concatBytes(new Uint8Array(32 - raw.length).fill(0xff), raw);
  return concatBytes(new Uint8Array(32 - raw.length), raw);
}

function hashStruct(p: ParsedTypedData, name: string, v: unknown, where: string): Uint8Array {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(`${where} must be an object`);
  const o = v as Record<string, unknown>;
  const parts: Uint8Array[] = [keccak_256(utf8(encodeType(p, name)))];
  for (const f of p.structs.get(name)!) {
    if (o[f.name] === undefined) throw bad(`${where}.${f.name} is missing`);
    parts.push(encodeValue(p, f.type, o[f.name], `${where}.${f.name}`));
  }
  return keccak_256(concatBytes(...parts));
}

export interface TypedDataHashes {
  domainSeparator: Uint8Array;
  messageHash: Uint8Array;
  /** keccak256(0x19 0x01 || domainSeparator || messageHash): what the signature covers. */
  digest: Uint8Array;
}

export function typedDataHashes(p: ParsedTypedData): TypedDataHashes {
  const domainSeparator = hashStruct(p, 'EIP712Domain', p.domain, 'domain');
  const messageHash = hashStruct(p, p.primaryType, p.message, 'message');
  const digest = keccak_256(concatBytes(Uint8Array.of(0x19, 0x01), domainSeparator, messageHash));
  return { domainSeparator, messageHash, digest };
}

// --- APDU payloads ----------------------------------------------------------------------------

export interface Eip712Apdu {
  ins: number;
  p1: number;
  p2: number;
  data: Uint8Array;
}

function lenPrefixed(s: string, what: string): Uint8Array {
  const b = utf8(s);
  if (b.length > 255) throw bad(`${what} is longer than 255 bytes`);
  return concatBytes(Uint8Array.of(b.length), b);
}

/** ethapp.adoc "EIP712 SEND STRUCT DEFINITION", P2 FF: TypeDesc [TypeName] [TypeSize] [ArrayLevels] KeyName. */
export function fieldDefinition(name: string, t: ResolvedType): Uint8Array {
  const parts: Uint8Array[] = [];
  const hasSize = t.kind === 'int' || t.kind === 'uint' || t.kind === 'fixedBytes';
  parts.push(Uint8Array.of((t.levels.length ? 0x80 : 0) | (hasSize ? 0x40 : 0) | TYPE_CODE[t.kind]));
  if (t.kind === 'custom') parts.push(lenPrefixed(t.struct!, 'a struct name'));
  if (hasSize) parts.push(Uint8Array.of(t.size!));
  if (t.levels.length) {
    if (t.levels.length > 255) throw bad('too many array levels');
    parts.push(Uint8Array.of(t.levels.length));
    for (const lv of t.levels) parts.push(lv === null ? Uint8Array.of(0) : Uint8Array.of(1, lv));
  }
  parts.push(lenPrefixed(name, 'a field name'));
  const out = concatBytes(...parts);
  if (out.length > MAX_APDU_DATA) throw bad(`the definition of field "${name.slice(0, 32)}" does not fit one APDU`);
  return out;
}

/**
 * Every APDU of the full mode before the final INS 0C, in the order the app
 * expects: all struct definitions (sorted by name, as Ledger's host library
 * sends them), then the root "EIP712Domain" with its values, then the root
 * primaryType with its values, depth-first in definition order.
 *
 * Arrays: one "array" APDU (P2 0F, one size byte) per level before its
 * elements. Levels are defined in type-string order and the last one is the
 * outermost (Solidity's reading: "uint8[2][]" is a dynamic array of 2-element
 * arrays), which is the level app-ethereum checks a fixed size against first.
 *
 * Field values: u16be(length) || raw value, cut into 255-byte APDUs; every
 * APDU but the last has P1 01 ("partial send, more to come").
 */
export function eip712Apdus(p: ParsedTypedData): Eip712Apdu[] {
  const out: Eip712Apdu[] = [];
  for (const name of [...p.structs.keys()].sort()) {
    out.push({ ins: INS_EIP712_STRUCT_DEF, p1: 0x00, p2: 0x00, data: lenPrefixed(name, 'a struct name').subarray(1) });
    for (const f of p.structs.get(name)!)
      out.push({ ins: INS_EIP712_STRUCT_DEF, p1: 0x00, p2: 0xff, data: fieldDefinition(f.name, f.type) });
  }
  const value = (t: ResolvedType, v: unknown, where: string): void => {
    if (t.levels.length > 0) {
      const lv = t.levels[t.levels.length - 1] as Level;
      const rest = t.levels.slice(0, -1);
      if (!Array.isArray(v)) throw bad(`${where} must be an array`);
      if (v.length > 255) throw bad(`${where} has more than 255 elements (the app takes one size byte)`);
      if (lv !== null && v.length !== lv) throw bad(`${where} must have ${lv} elements`);
      out.push({ ins: INS_EIP712_STRUCT_IMPL, p1: 0x00, p2: 0x0f, data: Uint8Array.of(v.length) });
      for (let i = 0; i < v.length; i++) value({ ...t, levels: rest }, v[i], `${where}[${i}]`);
      return;
    }
    if (t.kind === 'custom') {
      struct(t.struct!, v, where);
      return;
    }
    const raw = rawValue(t, v, where);
    if (raw.length > 0xffff) throw new VaultkeyError('INVALID_LENGTH', `Typed data: ${where} is longer than 65535 bytes`);
    const payload = concatBytes(Uint8Array.of(raw.length >> 8, raw.length & 0xff), raw);
    for (let off = 0; off < payload.length; off += MAX_APDU_DATA) {
      const last = off + MAX_APDU_DATA >= payload.length;
      out.push({ ins: INS_EIP712_STRUCT_IMPL, p1: last ? 0x00 : 0x01, p2: 0xff, data: payload.subarray(off, off + MAX_APDU_DATA) });
    }
  };
  const struct = (name: string, v: unknown, where: string): void => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(`${where} must be an object`);
    const o = v as Record<string, unknown>;
    for (const f of p.structs.get(name)!) {
      if (o[f.name] === undefined) throw bad(`${where}.${f.name} is missing`);
      value(f.type, o[f.name], `${where}.${f.name}`);
    }
  };
  for (const [root, v, where] of [
    ['EIP712Domain', p.domain, 'domain'],
    [p.primaryType, p.message, 'message'],
  ] as const) {
    out.push({ ins: INS_EIP712_STRUCT_IMPL, p1: 0x00, p2: 0x00, data: utf8(root) });
    struct(root, v, where);
  }
  return out;
}

/** "a.b.c" >= "x.y.z", numerically; pre-release or build suffixes are ignored. */
export function versionAtLeast(version: string, min: readonly [number, number, number]): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i]! > min[i]!;
  return true;
}
