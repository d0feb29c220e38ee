// Sign requests for the demo wallet: what a person reviews before a key signs.
// Decoding and hashing run on this page (public data only); the signature is a
// Keystore call in the vault worker, made only after Approve.
//   personal_sign: EIP-191 version 0x45, hashed by the worker (signMessage).
//   typed data:    EIP-712 §"Definition of hashStruct"/"encodeData"/"encodeType", digest 0x1901 ‖ domainSeparator ‖ hashStruct(message).
//   transaction:   EIP-1559 type-2 envelope, 0x02 ‖ RLP([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas, to, value, data, accessList]).
// Keccak-256 is @noble/hashes (audited, dependency-free ESM the page can load as is under the CSP);
// viem's own encoders are not loadable here: the page has no bundler and viem is a peer dependency.
import { keccak_256 } from '../node_modules/@noble/hashes/sha3.js';

const enc = new TextEncoder();
export const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
export const fromHex = (h) => {
  const s = h.startsWith('0x') ? h.slice(2) : h;
  if (s.length % 2 || /[^0-9a-fA-F]/.test(s)) throw new Error(`not hex: ${h}`);
  return Uint8Array.from(s.match(/../g) ?? [], (x) => Number.parseInt(x, 16));
};
const concat = (...a) => {
  const out = new Uint8Array(a.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of a) {
    out.set(x, o);
    o += x.length;
  }
  return out;
};
/** Big-endian bytes of a non-negative integer, no leading zeros (RLP's scalar form, Yellow Paper appendix B). */
const intBytes = (v) => {
  let n = BigInt(v);
  if (n < 0n) throw new Error('negative');
  const out = [];
  while (n > 0n) {
    out.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  return Uint8Array.from(out);
};
const word = (v) => {
  const b = intBytes(v);
  if (b.length > 32) throw new Error('over 256 bits');
  return concat(new Uint8Array(32 - b.length), b);
};

// ---- RLP (Ethereum Yellow Paper, appendix B) ----
const rlpLength = (len, short) => {
  if (len < 56) return Uint8Array.of(short + len);
  const l = intBytes(len);
  return concat(Uint8Array.of(short + 55 + l.length), l);
};
export function rlp(x) {
  if (Array.isArray(x)) {
    const body = concat(...x.map(rlp));
    return concat(rlpLength(body.length, 0xc0), body);
  }
  if (x.length === 1 && x[0] < 0x80) return x;
  return concat(rlpLength(x.length, 0x80), x);
}

// ---- EIP-712 ----
function deps(types, name, found = new Set()) {
  if (found.has(name) || !types[name]) return found;
  found.add(name);
  for (const f of types[name]) deps(types, f.type.replace(/\[\d*\]$/, ''), found);
  return found;
}
/** encodeType: the primary type, then its dependencies sorted by name. */
function encodeType(types, name) {
  const [, ...rest] = [...deps(types, name)];
  return [name, ...rest.sort()].map((t) => `${t}(${types[t].map((f) => `${f.type} ${f.name}`).join(',')})`).join('');
}
function encodeValue(types, type, v) {
  if (types[type]) return hashStruct(types, type, v);
  const arr = /^(.*)\[\d*\]$/.exec(type);
  if (arr) return keccak_256(concat(...v.map((x) => encodeValue(types, arr[1], x))));
  if (type === 'string') return keccak_256(enc.encode(v));
  if (type === 'bytes') return keccak_256(fromHex(v));
  if (type === 'bool') return word(v ? 1 : 0);
  if (type === 'address') return word(BigInt(v));
  if (/^uint\d+$/.test(type)) return word(BigInt(v));
  if (/^int(\d+)$/.test(type)) return word(BigInt.asUintN(256, BigInt(v)));
  const fixed = /^bytes(\d+)$/.exec(type);
  if (fixed) return concat(fromHex(v), new Uint8Array(32 - Number(fixed[1])));
  throw new Error(`EIP-712 type not supported by the demo: ${type}`);
}
const hashStruct = (types, name, data) =>
  keccak_256(concat(keccak_256(enc.encode(encodeType(types, name))), ...types[name].map((f) => encodeValue(types, f.type, data[f.name]))));
const DOMAIN_FIELDS = [
  ['name', 'string'],
  ['version', 'string'],
  ['chainId', 'uint256'],
  ['verifyingContract', 'address'],
  ['salt', 'bytes32'],
];
/** The EIP-712 digest of a typed-data request ({ domain, types, primaryType, message }). */
export function typedDataDigest({ domain, types, primaryType, message }) {
  const all = { ...types, EIP712Domain: DOMAIN_FIELDS.filter(([n]) => domain[n] !== undefined).map(([name, type]) => ({ name, type })) };
  return keccak_256(concat(Uint8Array.of(0x19, 0x01), hashStruct(all, 'EIP712Domain', domain), hashStruct(all, primaryType, message)));
}

// ---- EIP-1559 transactions ----
const txFields = (t) => [
  intBytes(t.chainId),
  intBytes(t.nonce),
  intBytes(t.maxPriorityFeePerGas),
  intBytes(t.maxFeePerGas),
  intBytes(t.gas),
  fromHex(t.to),
  intBytes(t.value),
  fromHex(t.data ?? '0x'),
  [], // accessList: the samples use none
];
/** keccak256(0x02 ‖ rlp(fields)): the digest the sender signs (EIP-1559 "signature_y_parity, signature_r, signature_s are ... over keccak256(0x02 || rlp([...]))"). */
export const txDigest = (t) => keccak_256(concat(Uint8Array.of(2), rlp(txFields(t))));
/** The signed type-2 transaction, hex, ready for eth_sendRawTransaction. */
export const serializeSigned = (t, sig64, yParity) =>
  `0x02${hex(rlp([...txFields(t), intBytes(yParity), intBytes(BigInt(`0x${hex(sig64.subarray(0, 32))}`)), intBytes(BigInt(`0x${hex(sig64.subarray(32, 64))}`))]))}`;

// ---- what the review shows ----
/** Wei as ETH, exact (no float rounding): 12300000000000000 -> "0.0123". */
export function formatEth(wei) {
  const w = BigInt(wei);
  const whole = w / 10n ** 18n;
  const frac = (w % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return `${whole}${frac ? `.${frac}` : ''} ETH`;
}
const gwei = (wei) => {
  const w = BigInt(wei);
  const frac = (w % 10n ** 9n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${w / 10n ** 9n}${frac ? `.${frac}` : ''} gwei`;
};
/** A message as text when it is printable UTF-8, else as hex. */
export function messageText(bytes) {
  try {
    const s = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    // Printable: no control character (Unicode Cc) other than tab and line breaks.
    if (!/\p{Cc}/u.test(s.replace(/[\t\n\r]/g, ''))) return { kind: 'text (UTF-8)', text: s };
  } catch {
    // not UTF-8: shown as hex below
  }
  return { kind: 'hex (not printable text)', text: `0x${hex(bytes)}` };
}
/** Rows for the review: [label, value] where value is a string or nested rows. */
export function describe(req) {
  if (req.kind === 'message') {
    const m = messageText(req.bytes);
    return {
      title: 'Sign a message',
      rows: [
        ['format', m.kind],
        ['message', m.text],
      ],
    };
  }
  if (req.kind === 'typed') {
    const { domain, primaryType, message, types } = req.typedData;
    const nest = (type, v) =>
      types[type]
        ? types[type].map((f) => [`${f.name} (${f.type})`, nest(f.type, v[f.name])])
        : Array.isArray(v)
          ? v.map((x, i) => [String(i), nest(type.replace(/\[\d*\]$/, ''), x)])
          : String(v);
    return {
      title: `Sign typed data: ${primaryType}`,
      rows: [
        ['domain', DOMAIN_FIELDS.filter(([n]) => domain[n] !== undefined).map(([n]) => [n, String(domain[n])])],
        [`message: ${primaryType}`, nest(primaryType, message)],
      ],
    };
  }
  const t = req.tx;
  const data = fromHex(t.data ?? '0x');
  return {
    title: 'Sign a transaction (EIP-1559)',
    rows: [
      ['to', t.to],
      ['value', formatEth(t.value)],
      ['chainId', String(t.chainId)],
      ['nonce', String(t.nonce)],
      ['gas limit', String(t.gas)],
      ['max fee per gas', gwei(t.maxFeePerGas)],
      ['max priority fee per gas', gwei(t.maxPriorityFeePerGas)],
      [
        'data',
        data.length === 0 ? 'none (a plain ETH transfer)' : `selector 0x${hex(data.subarray(0, 4))}, ${data.length} bytes: 0x${hex(data)}`,
      ],
    ],
  };
}
/** The rows as a nested definition-style list (ul > li > strong + value). */
export function renderRows(rows) {
  const ul = document.createElement('ul');
  for (const [label, value] of rows) {
    const li = document.createElement('li');
    const k = document.createElement('span');
    k.className = 'k';
    k.textContent = `${label}: `;
    li.append(k);
    if (Array.isArray(value)) li.append(renderRows(value));
    else {
      const v = document.createElement('span');
      v.className = 'v';
      v.textContent = value;
      li.append(v);
    }
    ul.append(li);
  }
  return ul;
}
