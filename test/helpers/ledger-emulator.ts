// An emulated Ledger Nano running the Ethereum app, for tests. Written for
// vaultkey from Ledger's published protocol (app-ethereum doc/ethapp.adoc and
// the HID transport framing), not from Ledger's code.
//
//   FakeLedgerDevice  a WebHID HIDDevice look-alike (open/close/sendReport,
//                     "inputreport" events, vendorId 0x2c97, usage page 0xffa0)
//                     that speaks Ledger's HID framing: 64-byte reports
//                     channel(2) 0x05 seq(2) payload, the first payload
//                     starting with the 2-byte APDU length; replies echo the
//                     channel.
//   EthereumAppEmulator the APDU state machine of the Ethereum app, backed by
//                     a BIP-39 seed (BIP-32 via @scure/bip32, ECDSA via
//                     @noble/curves: RFC 6979, low-S).
//   FakeHID           a navigator.hid look-alike (getDevices, requestDevice,
//                     "disconnect" events) so the real
//                     @ledgerhq/hw-transport-webhid can open the device.
//
// Switches: locked, app ('ethereum' | 'dashboard' | 'bitcoin' | 'other'),
// reject, supportsEIP712, silent (never answers), unplugOnNextApdu,
// statusOverride, replyOverride, corruptSignature, highS, badAddress.
// Browser-safe: only Uint8Array, EventTarget, Event and DOMException.
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';

export const TEST_MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
export const LEDGER_VENDOR_ID = 0x2c97;
const REPORT = 64;
const TAG = 0x05;
const N = secp256k1.Point.CURVE().n;

const enc = new TextEncoder();
function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const sw = (code: number, data: Uint8Array = new Uint8Array(0)) => cat(data, Uint8Array.of(code >> 8, code & 0xff));
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function checksum(addrHexLower: string): string {
  const h = hex(keccak_256(enc.encode(addrHexLower)));
  let out = '';
  for (let i = 0; i < 40; i++) out += parseInt(h[i]!, 16) >= 8 ? addrHexLower[i]!.toUpperCase() : addrHexLower[i]!;
  return out;
}

/** Minimal RLP header reader: [offset of payload, payload length, isList]. */
function rlpHeader(b: Uint8Array, off: number): [number, number, boolean] | null {
  if (off >= b.length) return null;
  const x = b[off]!;
  if (x < 0x80) return [off, 1, false];
  if (x <= 0xb7) return [off + 1, x - 0x80, false];
  if (x <= 0xbf || x >= 0xf8) {
    const ll = x <= 0xbf ? x - 0xb7 : x - 0xf7;
    if (off + 1 + ll > b.length) return null;
    let n = 0;
    for (let i = 0; i < ll; i++) n = n * 256 + b[off + 1 + i]!;
    return [off + 1 + ll, n, x >= 0xf8];
  }
  return [off + 1, x - 0xc0, true];
}

/** Offset just past the 6th field of a legacy transaction, if its headers are already available. */
function legacyDataEnd(tx: Uint8Array): number | null {
  const h = rlpHeader(tx, 0);
  if (!h) return null;
  let off = h[0];
  for (let i = 0; i < 6; i++) {
    const f = rlpHeader(tx, off);
    if (!f) return null;
    off = f[0] + f[1];
  }
  return off;
}

export interface AppSwitches {
  locked: boolean;
  app: 'ethereum' | 'dashboard' | 'bitcoin' | 'other';
  reject: boolean;
  supportsEIP712: boolean;
  silent: boolean;
  unplugOnNextApdu: boolean;
  statusOverride: number | null;
  replyOverride: Uint8Array | null;
  corruptSignature: boolean;
  highS: boolean;
  badAddress: boolean;
  /** Answer 0x6A84 (insufficient memory) once this many EIP-712 struct definition/value APDUs were received. */
  eip712MemoryLimit: number | null;
}

/** One field of a struct definition as the app stores it (ethapp.adoc "EIP712 SEND STRUCT DEFINITION"). */
interface Def712Field {
  type: number;
  size: number | null;
  struct: string | null;
  levels: (number | null)[];
  key: string;
}
/** What the implementation APDUs delivered, in order; replayed against the definitions at signing. */
type Impl712 = { kind: 'root'; name: string } | { kind: 'array'; size: number } | { kind: 'value'; bytes: Uint8Array };

type Pending =
  | { kind: 'tx'; path: number[]; buf: Uint8Array[]; got: number; total: number; legacy: boolean }
  | { kind: 'msg'; path: number[]; buf: Uint8Array[]; got: number; total: number };

/** The Ethereum app's APDU handling. `handle` takes a command APDU and returns data || SW. */
export class EthereumAppEmulator {
  readonly switches: AppSwitches = {
    locked: false,
    app: 'ethereum',
    reject: false,
    supportsEIP712: true,
    silent: false,
    unplugOnNextApdu: false,
    statusOverride: null,
    replyOverride: null,
    corruptSignature: false,
    highS: false,
    badAddress: false,
    eip712MemoryLimit: null,
  };
  version: [number, number, number] = [1, 10, 3];
  /** Every APDU received, in order (hex), for chunking assertions. */
  readonly apdus: string[] = [];
  private readonly root: HDKey;
  private pending: Pending | null = null;
  private structs712 = new Map<string, Def712Field[]>();
  private currentStruct712: string | null = null;
  private impl712: Impl712[] = [];
  private partial712: Uint8Array[] = [];
  private count712 = 0;
  /** The fields the device showed in the last full-mode EIP-712 request ("Struct.field" -> display text). */
  readonly shown712: [string, string][] = [];

  private resetEip712(): void {
    this.structs712 = new Map();
    this.currentStruct712 = null;
    this.impl712 = [];
    this.partial712 = [];
    this.count712 = 0;
  }

  /** Full mode landed in this app version (ethapp.adoc "SIGN ETH EIP 712"). */
  private hasEip712Full(): boolean {
    const [a, b, c] = this.version;
    return a > 1 || (a === 1 && (b > 9 || (b === 9 && c >= 19)));
  }

  constructor(mnemonic = TEST_MNEMONIC, passphrase = '') {
    this.root = HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic, passphrase));
  }

  reset(): void {
    Object.assign(this.switches, {
      locked: false,
      app: 'ethereum',
      reject: false,
      supportsEIP712: true,
      silent: false,
      unplugOnNextApdu: false,
      statusOverride: null,
      replyOverride: null,
      corruptSignature: false,
      highS: false,
      badAddress: false,
      eip712MemoryLimit: null,
    });
    this.pending = null;
    this.resetEip712();
    this.apdus.length = 0;
  }

  private key(path: number[]): HDKey {
    let k = this.root;
    for (const i of path) k = k.deriveChild(i);
    return k;
  }

  /** Reads count(1) + u32be*count; returns [indices, bytes consumed] or null. */
  private readPath(d: Uint8Array): [number[], number] | null {
    if (d.length < 1) return null;
    const n = d[0]!;
    if (n < 1 || n > 10 || d.length < 1 + 4 * n) return null;
    const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(v.getUint32(1 + 4 * i, false));
    return [out, 1 + 4 * n];
  }

  private sign(path: number[], digest: Uint8Array): { sig: Uint8Array; rec: number } {
    const priv = this.key(path).privateKey!;
    const s = secp256k1.sign(digest, priv, { prehash: false, format: 'recovered', lowS: true });
    let rec = s[0]!;
    const sig = s.slice(1);
    if (this.switches.highS) {
      // Same signature with s -> n - s: still verifies, but is not low-S (EIP-2).
      let sv = 0n;
      for (const x of sig.subarray(32)) sv = (sv << 8n) | BigInt(x);
      let hs = N - sv;
      for (let i = 63; i >= 32; i--) {
        sig[i] = Number(hs & 0xffn);
        hs >>= 8n;
      }
      rec ^= 1;
    }
    if (this.switches.corruptSignature) sig[5] = sig[5]! ^ 0x01;
    return { sig, rec };
  }

  /** Returns the reply (data || SW), or null to stay silent. */
  handle(apdu: Uint8Array): Uint8Array | null {
    this.apdus.push(hex(apdu));
    const s = this.switches;
    if (s.silent) return null;
    if (s.replyOverride) return s.replyOverride;
    if (s.statusOverride !== null) return sw(s.statusOverride);
    if (s.locked) return sw(0x5515);
    // BOLOS "get app and version" (CLA B0 INS 01) is answered whatever app is open.
    if (apdu[0] === 0xb0 && apdu[1] === 0x01) {
      const name = { ethereum: 'Ethereum', dashboard: 'BOLOS', bitcoin: 'Bitcoin', other: 'Solana' }[s.app];
      const ver = s.app === 'ethereum' ? this.version.join('.') : '2.1.0';
      return sw(
        0x9000,
        cat(Uint8Array.of(1, name.length), enc.encode(name), Uint8Array.of(ver.length), enc.encode(ver), Uint8Array.of(1, 0)),
      );
    }
    if (s.app === 'dashboard') return sw(0x6e01);
    if (s.app === 'other') return sw(0x6e00);
    if (apdu.length < 5) return sw(0x6700);
    const [cla, ins, p1, p2, lc] = apdu as unknown as number[];
    const data = apdu.subarray(5);
    if (data.length !== lc) return sw(0x6700);
    if (cla !== 0xe0) return sw(0x6e00);
    if (s.app === 'bitcoin') return sw(0x6d00);
    switch (ins) {
      case 0x02:
        return this.getAddress(p1!, p2!, data);
      case 0x04:
        return this.signTx(p1!, p2!, data);
      case 0x06:
        return sw(0x9000, Uint8Array.of(0x01, ...this.version));
      case 0x08:
        return this.signMessage(p1!, p2!, data);
      case 0x0c:
        return this.signEip712(p1!, p2!, data);
      case 0x1a:
      case 0x1c: {
        if (!this.switches.supportsEIP712 || !this.hasEip712Full()) return sw(0x6d00);
        this.count712++;
        const lim = this.switches.eip712MemoryLimit;
        if (lim !== null && this.count712 >= lim) {
          this.resetEip712();
          return sw(0x6a84);
        }
        return ins === 0x1a ? this.structDef712(p1!, p2!, data) : this.structImpl712(p1!, p2!, data);
      }
      default:
        return sw(0x6d00);
    }
  }

  private getAddress(p1: number, p2: number, data: Uint8Array): Uint8Array {
    if (p1 > 1 || p2 > 1) return sw(0x6b00);
    const p = this.readPath(data);
    if (!p || (data.length !== p[1] && data.length !== p[1] + 8)) return sw(0x6a80);
    if (p1 === 1 && this.switches.reject) return sw(0x6985);
    const k = this.key(p[0]);
    const pub = secp256k1.getPublicKey(k.privateKey!, false);
    let addr = checksum(hex(keccak_256(pub.subarray(1)).subarray(12)));
    if (this.switches.badAddress) addr = (addr[0] === '0' ? '1' : '0') + addr.slice(1);
    const parts: Uint8Array[] = [Uint8Array.of(65), pub, Uint8Array.of(40), enc.encode(addr)];
    if (p2 === 1) parts.push(k.chainCode!);
    return sw(0x9000, cat(...parts));
  }

  private signTx(p1: number, p2: number, data: Uint8Array): Uint8Array {
    if (p2 !== 0) return sw(0x6b00);
    if (p1 === 0x00) {
      this.pending = null;
      const p = this.readPath(data);
      if (!p) return sw(0x6a80);
      const tx = data.subarray(p[1]);
      const typed = tx[0] === 0x01 || tx[0] === 0x02;
      const h = rlpHeader(tx, typed ? 1 : 0);
      if (!h?.[2]) return sw(0x6a80);
      const total = h[0] + h[1];
      this.pending = { kind: 'tx', path: p[0], buf: [], got: 0, total, legacy: !typed };
      return this.txChunk(tx);
    }
    if (p1 === 0x80) {
      if (this.pending?.kind !== 'tx') return sw(0x6a80);
      return this.txChunk(data);
    }
    return sw(0x6b00);
  }

  private txChunk(part: Uint8Array): Uint8Array {
    const t = this.pending as Extract<Pending, { kind: 'tx' }>;
    t.buf.push(part.slice());
    t.got += part.length;
    if (t.got > t.total) {
      this.pending = null;
      return sw(0x6a80);
    }
    if (t.got < t.total) {
      // A legacy payload that stops at or after the end of its 6th field (data)
      // is ambiguous for the app (pre EIP-155 6 fields vs EIP-155 9 fields);
      // the host must not cut an APDU there, so the emulator refuses it.
      if (t.legacy) {
        const end = legacyDataEnd(cat(...t.buf));
        if (end !== null && t.got >= end) {
          this.pending = null;
          return sw(0x6a80);
        }
      }
      return sw(0x9000);
    }
    this.pending = null;
    if (this.switches.reject) return sw(0x6985);
    const tx = cat(...t.buf);
    const { sig, rec } = this.sign(t.path, keccak_256(tx));
    let v: number;
    if (!t.legacy) v = rec;
    else {
      // EIP-155 as the app computes it: the chain id's 4 most significant
      // bytes, * 2 + 35 + parity, truncated to one byte. No chain id in the
      // payload: the app's default chain id (1 for Ethereum).
      const h = rlpHeader(tx, 0)!;
      let off = h[0];
      const fields: Uint8Array[] = [];
      while (off < tx.length) {
        const f = rlpHeader(tx, off)!;
        fields.push(tx.subarray(f[0], f[0] + f[1]));
        off = f[0] + f[1];
      }
      let cid = 1n;
      if (fields.length === 9) {
        const c = fields[6]!.subarray(0, 4);
        cid = 0n;
        for (const x of c) cid = (cid << 8n) | BigInt(x);
      }
      v = Number((cid * 2n + 35n + BigInt(rec)) & 0xffn);
    }
    return sw(0x9000, cat(Uint8Array.of(v), sig));
  }

  private signMessage(p1: number, p2: number, data: Uint8Array): Uint8Array {
    if (p2 !== 0) return sw(0x6b00);
    if (p1 === 0x00) {
      this.pending = null;
      const p = this.readPath(data);
      if (!p || data.length < p[1] + 4) return sw(0x6a80);
      const total = new DataView(data.buffer, data.byteOffset + p[1], 4).getUint32(0, false);
      this.pending = { kind: 'msg', path: p[0], buf: [], got: 0, total };
      return this.msgChunk(data.subarray(p[1] + 4));
    }
    if (p1 === 0x80) {
      if (this.pending?.kind !== 'msg') return sw(0x6a80);
      return this.msgChunk(data);
    }
    return sw(0x6b00);
  }

  private msgChunk(part: Uint8Array): Uint8Array {
    const m = this.pending as Extract<Pending, { kind: 'msg' }>;
    m.buf.push(part.slice());
    m.got += part.length;
    if (m.got > m.total) {
      this.pending = null;
      return sw(0x6a80);
    }
    if (m.got < m.total) return sw(0x9000);
    this.pending = null;
    if (this.switches.reject) return sw(0x6985);
    const msg = cat(...m.buf);
    const digest = keccak_256(cat(enc.encode(`\x19Ethereum Signed Message:\n${msg.length}`), msg));
    const { sig, rec } = this.sign(m.path, digest);
    return sw(0x9000, cat(Uint8Array.of(27 + rec), sig));
  }

  private structDef712(p1: number, p2: number, d: Uint8Array): Uint8Array {
    if (p1 !== 0) return sw(0x6b00);
    const dec = new TextDecoder('utf-8', { fatal: true });
    if (p2 === 0x00) {
      // A definition after values starts a new message.
      if (this.impl712.length) this.resetEip712();
      if (d.length === 0) return sw(0x6a80);
      const name = dec.decode(d);
      this.structs712.set(name, []);
      this.currentStruct712 = name;
      return sw(0x9000);
    }
    if (p2 !== 0xff) return sw(0x6b00);
    if (this.currentStruct712 === null) return sw(0x6a80);
    let o = 0;
    const take = (n: number) => {
      if (o + n > d.length) throw new Error('short');
      const v = d.subarray(o, o + n);
      o += n;
      return v;
    };
    try {
      const desc = take(1)[0]!;
      const type = desc & 0x0f;
      if (type > 7 || (desc & 0x30) !== 0) return sw(0x6a80);
      const struct = type === 0 ? dec.decode(take(take(1)[0]!)) : null;
      const size = desc & 0x40 ? take(1)[0]! : null;
      // A size is given exactly for int, uint and bytesN.
      if ((size !== null) !== (type === 1 || type === 2 || type === 6)) return sw(0x6a80);
      const levels: (number | null)[] = [];
      if (desc & 0x80) {
        const n = take(1)[0]!;
        for (let i = 0; i < n; i++) {
          const k = take(1)[0]!;
          if (k === 0) levels.push(null);
          else if (k === 1) levels.push(take(1)[0]!);
          else return sw(0x6a80);
        }
      }
      const key = dec.decode(take(take(1)[0]!));
      if (o !== d.length) return sw(0x6a80);
      this.structs712.get(this.currentStruct712)!.push({ type, size, struct, levels, key });
    } catch {
      return sw(0x6a80);
    }
    return sw(0x9000);
  }

  private structImpl712(p1: number, p2: number, d: Uint8Array): Uint8Array {
    if (p1 > 1) return sw(0x6b00);
    if (p2 === 0x00) {
      const name = new TextDecoder().decode(d);
      if (!this.structs712.has(name)) return sw(0x6a80);
      this.impl712.push({ kind: 'root', name });
    } else if (p2 === 0x0f) {
      if (d.length !== 1) return sw(0x6a80);
      this.impl712.push({ kind: 'array', size: d[0]! });
    } else if (p2 === 0xff) {
      this.partial712.push(d.slice());
      if (p1 === 0x01) return sw(0x9000);
      const all = cat(...this.partial712);
      this.partial712 = [];
      if (all.length < 2 || ((all[0]! << 8) | all[1]!) !== all.length - 2) return sw(0x6a80);
      this.impl712.push({ kind: 'value', bytes: all.subarray(2) });
    } else return sw(0x6b00);
    return sw(0x9000);
  }

  /**
   * The app's hashing of what was streamed: walks the definitions, consumes
   * the implementation events in order, and encodes each value as
   * app-ethereum does (ints sign-extended only when sent at full size, bytesN
   * right-padded, string/bytes hashed). Returns [domainSeparator, messageHash] or an SW.
   */
  private hash712(): [Uint8Array, Uint8Array] | number {
    const ev = this.impl712;
    let i = 0;
    const next = () => (i < ev.length ? ev[i++]! : null);
    const typeString = (name: string): string => {
      const deps = new Set<string>();
      const walk = (n: string) => {
        for (const f of this.structs712.get(n) ?? []) {
          if (f.struct && f.struct !== name && !deps.has(f.struct)) {
            deps.add(f.struct);
            walk(f.struct);
          }
        }
      };
      walk(name);
      const base = ['', 'int', 'uint', 'address', 'bool', 'string', 'bytes', 'bytes'];
      const one = (n: string) =>
        `${n}(${(this.structs712.get(n) ?? [])
          .map((f) => {
            let t = f.struct ?? base[f.type]! + (f.size !== null ? String(f.type === 6 ? f.size : f.size * 8) : '');
            for (const l of f.levels) t += l === null ? '[]' : `[${l}]`;
            return `${t} ${f.key}`;
          })
          .join(',')})`;
      return one(name) + [...deps].sort().map(one).join('');
    };
    const fail = (code = 0x6a80) => {
      throw code;
    };
    const dec = new TextDecoder();
    const atom = (f: Def712Field, where: string): Uint8Array => {
      const e = next();
      if (e?.kind !== 'value') return fail();
      const v = (e as { bytes: Uint8Array }).bytes;
      const out = new Uint8Array(32);
      let shown = '';
      switch (f.type) {
        case 1:
        case 2: {
          if (v.length < 1 || v.length > f.size!) fail();
          const neg = f.type === 1 && v.length === f.size && (v[0]! & 0x80) !== 0;
          out.fill(neg ? 0xff : 0, 0, 32 - v.length);
          out.set(v, 32 - v.length);
          let n = 0n;
          for (const x of out) n = (n << 8n) | BigInt(x);
          if (neg) n -= 1n << 256n;
          shown = n.toString();
          break;
        }
        case 3:
          if (v.length !== 20) fail();
          out.set(v, 12);
          shown = '0x' + checksum(hex(v));
          break;
        case 4:
          if (v.length !== 1 || v[0]! > 1) fail();
          out[31] = v[0]!;
          shown = v[0] ? 'true' : 'false';
          break;
        case 5:
          this.shown712.push([where, dec.decode(v)]);
          return keccak_256(v);
        case 6:
          if (v.length > f.size!) fail();
          out.set(v);
          shown = '0x' + hex(v);
          break;
        case 7:
          this.shown712.push([where, '0x' + hex(v)]);
          return keccak_256(v);
        default:
          fail();
      }
      this.shown712.push([where, shown]);
      return out;
    };
    const member = (f: Def712Field, levels: (number | null)[], where: string): Uint8Array => {
      if (levels.length) {
        const e = next();
        if (e?.kind !== 'array') return fail();
        const n = (e as { size: number }).size;
        // The last level of the definition is the outermost (Solidity's "T[2][]").
        const lv = levels[levels.length - 1] as number | null;
        const rest = levels.slice(0, -1);
        if (lv !== null && lv !== n) fail();
        const parts: Uint8Array[] = [];
        for (let k = 0; k < n; k++) parts.push(member(f, rest, `${where}.[]`));
        return keccak_256(cat(...parts));
      }
      if (f.type === 0) return struct(f.struct!, where);
      return atom(f, where);
    };
    const struct = (name: string, where: string): Uint8Array => {
      const fields = this.structs712.get(name);
      if (!fields) return fail();
      const parts: Uint8Array[] = [keccak_256(enc.encode(typeString(name)))];
      for (const f of fields!) parts.push(member(f, f.levels, `${where}.${f.key}`));
      return keccak_256(cat(...parts));
    };
    const root = (want: string | null): [string, Uint8Array] => {
      const e = next();
      if (e?.kind !== 'root') return fail() as never;
      const name = (e as { name: string }).name;
      if (want !== null && name !== want) fail();
      return [name, struct(name, name)];
    };
    try {
      this.shown712.length = 0;
      const [, domain] = root('EIP712Domain');
      const [, msg] = root(null);
      if (i !== ev.length) fail();
      return [domain, msg];
    } catch (e) {
      if (typeof e === 'number') return e;
      throw e;
    }
  }

  private signEip712(p1: number, p2: number, data: Uint8Array): Uint8Array {
    if (!this.switches.supportsEIP712) return sw(0x6d00);
    if (p1 === 0 && p2 === 1) {
      if (!this.hasEip712Full()) return sw(0x6b00);
      const p = this.readPath(data);
      const hashes = this.hash712();
      this.resetEip712();
      if (!p || data.length !== p[1]) return sw(0x6a80);
      if (typeof hashes === 'number') return sw(hashes);
      if (this.switches.reject) return sw(0x6985);
      const digest = keccak_256(cat(Uint8Array.of(0x19, 0x01), ...hashes));
      const { sig, rec } = this.sign(p[0], digest);
      return sw(0x9000, cat(Uint8Array.of(27 + rec), sig));
    }
    if (p1 !== 0 || p2 !== 0) return sw(0x6b00);
    const p = this.readPath(data);
    if (!p || data.length !== p[1] + 64) return sw(0x6a80);
    if (this.switches.reject) return sw(0x6985);
    const digest = keccak_256(cat(Uint8Array.of(0x19, 0x01), data.subarray(p[1])));
    const { sig, rec } = this.sign(p[0], digest);
    return sw(0x9000, cat(Uint8Array.of(27 + rec), sig));
  }
}

type InputReportListener = (e: Event & { data: DataView; device: unknown; reportId: number }) => void;

/** What FakeLedgerDevice needs of an app emulator. */
export interface EmulatedApp {
  readonly switches: { unplugOnNextApdu: boolean };
  readonly apdus: string[];
  handle(apdu: Uint8Array): Uint8Array | null;
}

/** WebHID HIDDevice look-alike in front of an app emulator (Ethereum by default). */
export class FakeLedgerDevice<A extends EmulatedApp = EthereumAppEmulator> extends EventTarget {
  readonly vendorId = LEDGER_VENDOR_ID;
  readonly productId: number;
  readonly productName = 'Nano S Plus (emulated)';
  readonly collections = [
    { usagePage: 0xffa0, usage: 0x01, type: 1, children: [], inputReports: [], outputReports: [], featureReports: [] },
  ];
  opened = false;
  plugged = true;
  oninputreport: InputReportListener | null = null;
  /** Every output report the host sent (for framing assertions). */
  readonly reports: Uint8Array[] = [];
  /** Called when the device unplugs itself (unplugOnNextApdu). Set by FakeHID. */
  onUnplug: (() => void) | null = null;
  private rx: { channel: number; expected: number; buf: Uint8Array[]; got: number; seq: number } | null = null;

  constructor(
    readonly app: A = new EthereumAppEmulator() as unknown as A,
    productId = 0x5011,
  ) {
    super();
    this.productId = productId;
  }

  async open(): Promise<void> {
    if (!this.plugged) throw new DOMException('Failed to open the device.', 'NotFoundError');
    this.opened = true;
  }

  async close(): Promise<void> {
    this.opened = false;
    this.rx = null;
  }

  async forget(): Promise<void> {
    this.opened = false;
  }

  async sendReport(reportId: number, data: BufferSource): Promise<void> {
    // Chrome rejects writes to a closed or unplugged device with this message
    // (TransportWebHID maps "write" errors to DisconnectedDeviceDuringOperation).
    if (!this.plugged || !this.opened) throw new DOMException('Failed to write the report.', 'NotAllowedError');
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const r = bytes.slice();
    this.reports.push(r);
    if (reportId !== 0 || r.length !== REPORT) return; // a real device ignores malformed reports
    const channel = (r[0]! << 8) | r[1]!;
    const seq = (r[3]! << 8) | r[4]!;
    if (r[2] !== TAG) return;
    if (seq === 0) {
      const expected = (r[5]! << 8) | r[6]!;
      this.rx = { channel, expected, buf: [r.subarray(7)], got: REPORT - 7, seq: 0 };
    } else {
      if (!this.rx || this.rx.channel !== channel || seq !== this.rx.seq + 1) {
        this.rx = null;
        return;
      }
      this.rx.seq = seq;
      this.rx.buf.push(r.subarray(5));
      this.rx.got += REPORT - 5;
    }
    if (this.rx.got < this.rx.expected) return;
    const apdu = cat(...this.rx.buf).subarray(0, this.rx.expected);
    const ch = this.rx.channel;
    this.rx = null;
    if (this.app.switches.unplugOnNextApdu) {
      this.app.switches.unplugOnNextApdu = false;
      this.app.apdus.push(hex(apdu));
      setTimeout(() => this.unplug(), 5);
      return;
    }
    const reply = this.app.handle(apdu);
    if (reply) setTimeout(() => this.respond(ch, reply), 1);
  }

  /** Simulates pulling the cable. */
  unplug(): void {
    this.plugged = false;
    this.opened = false;
    this.rx = null;
    this.onUnplug?.();
  }

  private respond(channel: number, reply: Uint8Array): void {
    if (!this.plugged || !this.opened) return;
    const payload = cat(Uint8Array.of(reply.length >> 8, reply.length & 0xff), reply);
    for (let seq = 0, off = 0; off < payload.length; seq++) {
      const report = new Uint8Array(REPORT);
      report.set([channel >> 8, channel & 0xff, TAG, seq >> 8, seq & 0xff]);
      const part = payload.subarray(off, off + REPORT - 5);
      report.set(part, 5);
      off += part.length;
      const ev = new Event('inputreport') as Event & { data: DataView; device: unknown; reportId: number };
      Object.defineProperties(ev, {
        data: { value: new DataView(report.buffer) },
        device: { value: this },
        reportId: { value: 0 },
      });
      this.oninputreport?.(ev);
      this.dispatchEvent(ev);
    }
  }
}

/** navigator.hid look-alike. `requireUserGesture` mimics Chrome's transient activation rule when the page has one. */
export class FakeHID extends EventTarget {
  readonly devices: FakeLedgerDevice<EmulatedApp>[] = [];
  readonly granted = new Set<FakeLedgerDevice<EmulatedApp>>();
  requireUserGesture = true;
  /** What the chooser "picks": the first plugged device, or nothing (user closed it). */
  chooserPicks: 'first' | 'none' = 'first';

  constructor(devices: FakeLedgerDevice<EmulatedApp>[] = []) {
    super();
    for (const d of devices) this.attach(d);
  }

  attach(d: FakeLedgerDevice<EmulatedApp>): void {
    this.devices.push(d);
    d.onUnplug = () => {
      const ev = new Event('disconnect') as Event & { device: unknown };
      Object.defineProperty(ev, 'device', { value: d });
      this.dispatchEvent(ev);
    };
  }

  /** Plugs an unplugged device back in and fires navigator.hid "connect" (a granted device reappearing). */
  replug(d: FakeLedgerDevice<EmulatedApp>): void {
    d.plugged = true;
    const ev = new Event('connect') as Event & { device: unknown };
    Object.defineProperty(ev, 'device', { value: d });
    this.dispatchEvent(ev);
  }

  async getDevices(): Promise<FakeLedgerDevice<EmulatedApp>[]> {
    return this.devices.filter((d) => d.plugged && this.granted.has(d));
  }

  async requestDevice(opts: { filters: { vendorId?: number }[] }): Promise<FakeLedgerDevice<EmulatedApp>[]> {
    const ua = (globalThis as { navigator?: { userActivation?: { isActive: boolean } } }).navigator?.userActivation;
    if (this.requireUserGesture && ua && !ua.isActive) {
      throw new DOMException('Must be handling a user gesture to show a permission request.', 'SecurityError');
    }
    if (this.chooserPicks === 'none') throw new DOMException('No device selected.', 'NotFoundError');
    const d = this.devices.find((x) => x.plugged && opts.filters.some((f) => f.vendorId === undefined || f.vendorId === x.vendorId));
    if (!d) throw new DOMException('No device selected.', 'NotFoundError');
    this.granted.add(d);
    return [d];
  }
}

// ---------------------------------------------------------------------------------------------
// The Solana app (app-solana doc/api.md, src/apdu.c), backed by the same BIP-39
// seed: SLIP-0010 Ed25519 derivation (hardened only), RFC 8032 signatures via
// @noble/curves.

export interface SolanaSwitches {
  locked: boolean;
  app: 'solana' | 'dashboard' | 'ethereum';
  reject: boolean;
  /** The app's "allow blind signing" setting (needed for UTF-8 off-chain messages). */
  blindSigning: boolean;
  corruptSignature: boolean;
  /** Return another path's key from GET PUBKEY (a device lying about its key). */
  wrongKey: boolean;
  unplugOnNextApdu: boolean;
}

export class SolanaAppEmulator implements EmulatedApp {
  readonly switches: SolanaSwitches = {
    locked: false,
    app: 'solana',
    reject: false,
    blindSigning: false,
    corruptSignature: false,
    wrongKey: false,
    unplugOnNextApdu: false,
  };
  version: [number, number, number] = [1, 4, 1];
  readonly apdus: string[] = [];
  /** What the device showed for the last off-chain message: the text (ASCII) or 'hash'. */
  lastShown: string | null = null;
  private readonly seed: Uint8Array;
  private buf: { ins: number; path: number[]; data: Uint8Array[] } | null = null;

  constructor(mnemonic = TEST_MNEMONIC, passphrase = '') {
    this.seed = mnemonicToSeedSync(mnemonic, passphrase);
  }

  /** SLIP-0010 for ed25519: master = HMAC-SHA512("ed25519 seed", seed); hardened children only. */
  private secret(path: number[]): Uint8Array {
    let I = hmac(sha512, enc.encode('ed25519 seed'), this.seed);
    for (const i of path) {
      const h = i | 0x80000000; // the app derives every level hardened
      const data = new Uint8Array(37);
      data.set(I.subarray(0, 32), 1);
      new DataView(data.buffer).setUint32(33, h >>> 0, false);
      I = hmac(sha512, I.subarray(32), data);
    }
    return I.slice(0, 32);
  }

  publicKey(path: number[]): Uint8Array {
    return ed25519.getPublicKey(this.secret(path));
  }

  handle(apdu: Uint8Array): Uint8Array | null {
    this.apdus.push(hex(apdu));
    const s = this.switches;
    if (s.locked) return sw(0x5515);
    if (apdu[0] === 0xb0 && apdu[1] === 0x01) {
      const name = { solana: 'Solana', dashboard: 'BOLOS', ethereum: 'Ethereum' }[s.app];
      const ver = s.app === 'solana' ? this.version.join('.') : '1.10.3';
      return sw(
        0x9000,
        cat(Uint8Array.of(1, name.length), enc.encode(name), Uint8Array.of(ver.length), enc.encode(ver), Uint8Array.of(1, 0)),
      );
    }
    if (s.app === 'dashboard') return sw(0x6e01);
    if (apdu.length < 5) return sw(0x6a83);
    const [cla, ins, p1, p2, lc] = apdu as unknown as number[];
    const data = apdu.subarray(5);
    if (cla !== 0xe0) return sw(0x6e00);
    if (s.app === 'ethereum') return ins === 0x04 ? sw(0x9000, Uint8Array.of(1, 1, 10, 3)) : sw(0x6d00);
    if (data.length !== lc) return sw(0x6a83);
    switch (ins) {
      case 0x04:
        return sw(0x9000, Uint8Array.of(s.blindSigning ? 1 : 0, 0, ...this.version));
      case 0x05: {
        const p = this.readPath(data, 0);
        if (!p || p[1] !== data.length) return sw(0x6a80);
        if (p1 === 1 && s.reject) return sw(0x6985);
        return sw(0x9000, this.publicKey(s.wrongKey ? [...p[0], 0x80000007] : p[0]));
      }
      case 0x06:
      case 0x07:
        return this.signChunk(ins, p1!, p2!, data);
      default:
        return sw(0x6d00);
    }
  }

  private readPath(d: Uint8Array, off: number): [number[], number] | null {
    if (d.length <= off) return null;
    const n = d[off]!;
    if (n < 1 || n > 5 || d.length < off + 1 + 4 * n) return null;
    const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(v.getUint32(off + 1 + 4 * i, false));
    return [out, off + 1 + 4 * n];
  }

  private signChunk(ins: number, p1: number, p2: number, data: Uint8Array): Uint8Array {
    if (p1 !== 1) return sw(0x6808); // non-confirm signing is not supported
    if (!(p2 & 0x01)) {
      // First chunk: signer count (1), path, data.
      if (data[0] !== 1) return sw(0x6a80);
      const p = this.readPath(data, 1);
      if (!p) return sw(0x6a80);
      this.buf = { ins, path: p[0], data: [data.slice(p[1])] };
    } else {
      if (!this.buf || this.buf.ins !== ins) return sw(0x6a80);
      this.buf.data.push(data.slice());
    }
    if (p2 & 0x02) return sw(0x9000);
    const { path, data: parts } = this.buf;
    this.buf = null;
    const msg = cat(...parts);
    const pub = this.publicKey(path);
    if (ins === 0x07) {
      // libsol parse_offchain_message_header + handle_sign_offchain_message checks.
      if (msg.length < 85 || msg[0] !== 0xff || new TextDecoder().decode(msg.subarray(1, 16)) !== 'solana offchain') return sw(0x6a81);
      const version = msg[16]!;
      const format = msg[49]!;
      const count = msg[50]!;
      if (count !== 1) return sw(0x6a81);
      const signer = msg.subarray(51, 83);
      const len = msg[83]! | (msg[84]! << 8);
      const body = msg.subarray(85);
      if (version !== 0 || format > 1 || len === 0 || len !== body.length) return sw(0x6a81);
      if (hex(signer) !== hex(pub)) return sw(0x6a81);
      const ascii = body.every((b) => b >= 0x20 && b <= 0x7e);
      if (!ascii && format !== 1) return sw(0x6a82);
      if (!ascii && !this.switches.blindSigning) return sw(0x6808);
      this.lastShown = ascii ? new TextDecoder().decode(body) : 'hash';
    } else {
      // A message the app can parse: legacy or v0 header, and this key among the signers.
      let off = 0;
      if (msg[0]! & 0x80) {
        if ((msg[0]! & 0x7f) !== 0) return sw(0x6a81);
        off = 1;
      }
      const required = msg[off]!;
      const n = msg[off + 3]!; // fits one compact-u16 byte in these tests (< 128 keys)
      if (n & 0x80 || required > n || msg.length < off + 4 + 32 * n + 32) return sw(0x6a81);
      let found = false;
      for (let i = 0; i < required; i++) if (hex(msg.subarray(off + 4 + 32 * i, off + 36 + 32 * i)) === hex(pub)) found = true;
      if (!found) return sw(0x6a81);
    }
    if (this.switches.reject) return sw(0x6985);
    const sig = ed25519.sign(msg, this.secret(path));
    if (this.switches.corruptSignature) sig[7] = sig[7]! ^ 0x40;
    return sw(0x9000, sig);
  }
}

// ---------------------------------------------------------------------------------------------
// A device with several apps installed and the dashboard (BOLOS): GET APP AND
// VERSION (CLA B0 INS 01) names whichever is open, QUIT APP (B0 A7) returns to
// the dashboard, OPEN APP (E0 D8, the app name as data) is answered by the
// dashboard only and asks the user (0x5501 refused, 0x6807 not installed).
// Other APDUs go to the open app's emulator, or get the dashboard's 0x6E01.

export class LedgerDeviceEmulator implements EmulatedApp {
  /** reenumerate: like a real device, drop off USB after QUIT APP (the next APDU is never answered). */
  readonly switches = { unplugOnNextApdu: false, locked: false, refuseOpen: false, reenumerate: false };
  readonly apdus: string[] = [];
  readonly ethereum = new EthereumAppEmulator();
  readonly solana = new SolanaAppEmulator();
  current: 'BOLOS' | 'Ethereum' | 'Solana' = 'BOLOS';

  handle(apdu: Uint8Array): Uint8Array | null {
    this.apdus.push(hex(apdu));
    if (this.switches.locked) return sw(0x5515);
    const [cla, ins] = apdu as unknown as number[];
    if (cla === 0xb0 && ins === 0x01 && this.current === 'BOLOS') {
      const v = '2.2.3';
      return sw(0x9000, cat(Uint8Array.of(1, 5), enc.encode('BOLOS'), Uint8Array.of(v.length), enc.encode(v), Uint8Array.of(1, 0)));
    }
    if (cla === 0xb0 && ins === 0xa7) {
      if (this.current === 'BOLOS') return sw(0x6e01);
      this.current = 'BOLOS';
      if (this.switches.reenumerate) this.switches.unplugOnNextApdu = true;
      return sw(0x9000);
    }
    if (cla === 0xe0 && ins === 0xd8) {
      if (this.current !== 'BOLOS') return sw(0x6e00); // only the dashboard opens apps
      const name = new TextDecoder().decode(apdu.subarray(5));
      if (name !== 'Ethereum' && name !== 'Solana') return sw(0x6807);
      if (this.switches.refuseOpen) return sw(0x5501);
      this.current = name;
      return sw(0x9000);
    }
    if (this.current === 'BOLOS') return sw(0x6e01);
    const app = this.current === 'Ethereum' ? this.ethereum : this.solana;
    const r = app.handle(apdu);
    app.apdus.length = 0; // one ordered log lives here
    return r;
  }
}
