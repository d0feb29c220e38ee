#!/usr/bin/env node
// Generator of the Ed25519 constants in assembly/ed25519/.
//
// Inputs are the parameters of RFC 8032 §5.1 only: p = 2^255 - 19,
// d = -121665/121666, L = 2^252 + 27742317777372353535851937790883648493 and
// B = (x, 4/5) with x even ("positive"). Everything is derived here with
// BigInt and checked before anything is rendered (a failed check throws):
//   field.ts   D, D2 = 2d, SQRTM1 = 2^((p-1)/4) (RFC 8032 §5.1.3 step 3), as
//              ten radix-2^25.5 limbs (26, 25, 26, ... bits) of the reduced
//              value, i32 decimals. Checked, never rewritten by hand: the
//              rendering is exactly the committed text.
//   scalar.ts  C = L - 2^252 and LL = L as 21-bit limbs (i64), LB = the low
//              16 bytes of L, little endian.
//   dsm.ts     SMALL_Y, the y (32 bytes, little endian) of the points of
//              order 1, 2, 4 and 8: 0, 1, p - 1 and +-y8, each checked to
//              have 8 (x, y) = neutral.
//   base.ts    B_ENC, the encoding of B (RFC 8032 §5.1.2: y little endian,
//              the low bit of x in bit 255).
//   fpow.ts    the radix-2^21.25 double-precision field of the batch's paired
//              exponentiations: the rounding constants M0..M11 = 1.5 *
//              2^(52 + w_(k+1)) and W19 = 19 * 2^-255, and fpSqN / fpMul
//              written out limb by limb (column sums in pairwise trees, then
//              the carry chains), after checking the exactness bounds that
//              fpow.ts's header argues (limb weights superadditive, every
//              column below 2^53 units of its weight, carries >= 21 bits).
//
//   node scripts/gen-ed25519.mjs [--check]   compare with the files (exit 1 on a difference)
//   node scripts/gen-ed25519.mjs --write     put the generated text in place
import { pathToFileURL } from 'node:url';
import {
  assert,
  byteRows,
  bytesLE,
  checkTargets,
  hex,
  isProbablePrime,
  limbs,
  main,
  mod,
  modInv,
  modPow,
  sqrtMod5,
  writeTargets,
} from './codegen.mjs';

// ---- RFC 8032 §5.1 parameters

const p = 2n ** 255n - 19n;
const d = mod(-121665n * modInv(121666n, p), p);
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
// The coordinates of B as RFC 8032 §5.1 lists them, to cross-check the derivation.
const BX_RFC = 15112221349535400772501151409588531511454012693041857206046113283949847762202n;
const BY_RFC = 46316835694926478169428394003475163141307993866256225615783033603165251855960n;

assert(isProbablePrime(p) && isProbablePrime(L), 'p and L are prime');
assert(p % 8n === 5n, 'p = 5 (mod 8)');
const sqrtM1 = modPow(2n, (p - 1n) / 4n, p);
assert(mod(sqrtM1 * sqrtM1, p) === p - 1n, 'sqrt(-1)^2 = -1');
assert(modPow(d, (p - 1n) / 2n, p) === p - 1n, 'd is not a square (complete addition law)');

// Twisted Edwards -x^2 + y^2 = 1 + d x^2 y^2, affine, complete addition.
const onCurve = ([x, y]) => mod(-x * x + y * y - 1n - d * x * x * y * y, p) === 0n;
function add([x1, y1], [x2, y2]) {
  const t = mod(d * x1 * x2 * y1 * y2, p);
  return [mod((x1 * y2 + x2 * y1) * modInv(1n + t, p), p), mod((y1 * y2 + x1 * x2) * modInv(1n - t, p), p)];
}
function mul(k, P) {
  let R = [0n, 1n];
  for (let i = BigInt(k.toString(2).length) - 1n; i >= 0n; i--) {
    R = add(R, R);
    if ((k >> i) & 1n) R = add(R, P);
  }
  return R;
}

// B: y = 4/5, x from x^2 = (y^2 - 1) / (d y^2 + 1) (RFC 8032 §5.1.3), the even root.
const By = mod(4n * modInv(5n, p), p);
let Bx = sqrtMod5(mod((By * By - 1n) * modInv(d * By * By + 1n, p), p), p, sqrtM1);
assert(Bx !== null, 'B has an x coordinate');
if (Bx & 1n) Bx = p - Bx;
assert(Bx === BX_RFC && By === BY_RFC, 'B matches RFC 8032 §5.1');
assert(onCurve([Bx, By]), 'B is on the curve');
const LB_ = mul(L, [Bx, By]);
assert(LB_[0] === 0n && LB_[1] === 1n, 'L*B = neutral');

// The points of order dividing 8: y = 1 (order 1), y = -1 (2), y = 0 (x^2 =
// -1, order 4) and the four of order 8, y = +-y8 (doubling gives y = 0
// exactly when y^2 = -x^2, so d x^4 - 2 x^2 - 1 = 0: x^2 = (1 +- sqrt(1 + d)) / d,
// y = x sqrt(-1)). A canonical encoding is of small order iff its y is one of these five.
let y8 = null;
for (const sgn of [1n, -1n]) {
  const r = sqrtMod5(mod(1n + d, p), p, sqrtM1);
  if (r === null) break;
  const x = sqrtMod5(mod((1n + sgn * r) * modInv(d, p), p), p, sqrtM1);
  if (x !== null && y8 === null) y8 = mod(x * sqrtM1, p);
}
assert(y8 !== null, 'an order-8 point exists');
const smallY = [0n, 1n, p - 1n, y8, p - y8];
for (const y of smallY) {
  const x2 = mod((y * y - 1n) * modInv(d * y * y + 1n, p), p);
  const x = sqrtMod5(x2, p, sqrtM1);
  assert(x !== null && onCurve([x, y]), 'a small-order y is on the curve');
  const e = mul(8n, [x, y]);
  assert(e[0] === 0n && e[1] === 1n, '8 * (x, y) = neutral');
}
assert(new Set(smallY).size === 5, 'five distinct small-order y');

// ---- rendering, in the committed style

// Radix 2^25.5: limb i starts at bit ceil(25.5 i) and has 26 bits when i is even, 25 when odd.
function limbs255(x) {
  assert(x >= 0n && x < p, 'a reduced field element');
  let at = 0n;
  return Array.from({ length: 10 }, (_, i) => {
    const w = i % 2 === 0 ? 26n : 25n;
    const v = (x >> at) & ((1n << w) - 1n);
    at += w;
    return v;
  });
}
const feConst = (name, x) => `export const ${name}: usize = memory.data<i32>([${limbs255(x).join(', ')}]);`;

const c = L - 2n ** 252n;
assert(c < 2n ** 125n, 'c = L - 2^252 has 125 bits (six 21-bit limbs)');
const Lbytes = bytesLE(L, 32);
assert(Lbytes.slice(16, 31).every((b) => b === 0n) && Lbytes[31] === 0x10n, 'bytes 16..30 of L are 0, byte 31 is 0x10');
const encB = bytesLE(By | ((Bx & 1n) << 255n), 32);

// ---- fpow.ts: twelve limbs of radix 2^21.25 in doubles, two elements per f64x2

const FP_N = 12;
const fpW = Array.from({ length: FP_N + 1 }, (_, i) => Math.ceil(21.25 * i)); // w_i; w_12 = 255
assert(fpW[FP_N] === 255, 'twelve limbs of radix 2^21.25 span 255 bits');
for (let i = 0; i < FP_N; i++) {
  for (let j = 0; j < FP_N; j++) {
    const k = (i + j) % FP_N;
    const wk = fpW[k] + (i + j >= FP_N ? 255 : 0);
    assert(fpW[i] + fpW[j] >= wk, `w_${i} + w_${j} >= w of column ${k} (products land on multiples of the column weight)`);
    // |limb_i| < 2^w_(i+1): a product is below 2^(w_(i+1) + w_(j+1)), times 19 when it wraps.
    assert(fpW[i + 1] + fpW[j + 1] - wk < 44.5, `product ${i} x ${j} below 2^44.5 units of its column`);
  }
}
assert(12 * 19 * 2 ** 44.5 < 2 ** 52.4, 'a column of twelve products is below 2^52.4 units: exact in a 53-bit significand');
for (let k = 0; k < FP_N; k++) assert(fpW[k + 1] - fpW[k] >= 21, `limb ${k} is at least 21 bits wide`);

const f64 = (x) => {
  const t = String(x);
  return t.includes('e') || t.includes('.') ? t : `${t}.0`;
};
const fpM = (k) => `const M${k}: v128 = f64x2.splat(${f64(1.5 * 2 ** (52 + fpW[k + 1]))});`;
const fpW19 = () => `const W19: v128 = f64x2.splat(${f64(19 * 2 ** -255)});`;

/** Pairwise sum tree of the terms (fewer dependent additions than a chain). */
function fpTree(terms) {
  let t = terms;
  while (t.length > 1) {
    const next = [];
    for (let a = 0; a + 1 < t.length; a += 2) next.push(`f64x2.add(${t[a]}, ${t[a + 1]})`);
    if (t.length % 2) next.push(t[t.length - 1]);
    t = next;
  }
  return t[0];
}

/** Carries: two interleaved chains (limbs 0..5 and 6..11), then limbs 6 and 0 once more. */
function fpCarry(ind) {
  const one = (k) => {
    const nk = (k + 1) % FP_N;
    const round = `c = f64x2.sub(f64x2.add(h${k}, M${k}), M${k}); h${k} = f64x2.sub(h${k}, c);`;
    return k === FP_N - 1 ? `${round} h0 = f64x2.add(h0, f64x2.mul(c, W19));` : `${round} h${nk} = f64x2.add(h${nk}, c);`;
  };
  const out = ['let c: v128;'];
  for (let x = 0; x < 6; x++) out.push(one(x), one(x + 6));
  out.push(one(6), one(0));
  return out.map((l) => ind + l);
}

function renderFpSqN() {
  const L = [];
  for (let i = 0; i < FP_N; i++) L.push(`const f${i}_2 = f64x2.add(f${i}, f${i});`);
  for (let i = 1; i < FP_N; i++) L.push(`const f${i}_w = f64x2.mul(f${i}, W19);`);
  for (let i = 1; i < FP_N; i++) L.push(`const f${i}_w2 = f64x2.add(f${i}_w, f${i}_w);`);
  for (let k = 0; k < FP_N; k++) {
    const t = [];
    for (let i = 0; i <= k && i <= k - i; i++) t.push(i === k - i ? `f64x2.mul(f${i}, f${i})` : `f64x2.mul(f${i}_2, f${k - i})`);
    for (let i = k + 1; i < FP_N && k + FP_N - i >= i; i++) {
      const j = k + FP_N - i;
      t.push(i === j ? `f64x2.mul(f${i}_w, f${i})` : `f64x2.mul(f${i}_w2, f${j})`);
    }
    L.push(`let h${k} = ${fpTree(t)};`);
  }
  const o = ['export function fpSqN(h: usize, f: usize, n: i32): void {'];
  for (let i = 0; i < FP_N; i++) o.push(`  let f${i} = v128.load(f, ${16 * i});`);
  o.push('  for (let r = 0; r < n; r++) {');
  o.push(...L.map((l) => `    ${l}`), ...fpCarry('    '));
  o.push(`    ${Array.from({ length: FP_N }, (_, i) => `f${i} = h${i};`).join(' ')}`);
  o.push('  }');
  for (let i = 0; i < FP_N; i++) o.push(`  v128.store(h, f${i}, ${16 * i});`);
  o.push('}');
  return o.join('\n');
}

function renderFpMul() {
  const o = ['export function fpMul(h: usize, f: usize, g: usize): void {'];
  for (let i = 0; i < FP_N; i++) o.push(`  const f${i} = v128.load(f, ${16 * i});`);
  for (let i = 0; i < FP_N; i++) o.push(`  const g${i} = v128.load(g, ${16 * i});`);
  for (let j = 1; j < FP_N; j++) o.push(`  const g${j}_w = f64x2.mul(g${j}, W19);`);
  for (let k = 0; k < FP_N; k++) {
    const t = Array.from({ length: FP_N }, (_, i) => (k - i >= 0 ? `f64x2.mul(f${i}, g${k - i})` : `f64x2.mul(f${i}, g${k - i + FP_N}_w)`));
    o.push(`  let h${k} = ${fpTree(t)};`);
  }
  o.push(...fpCarry('  '));
  for (let i = 0; i < FP_N; i++) o.push(`  v128.store(h, h${i}, ${16 * i});`);
  o.push('}');
  return o.join('\n');
}

export const targets = [
  { file: 'assembly/ed25519/field.ts', name: 'D', kind: 'const', render: () => feConst('D', d) },
  { file: 'assembly/ed25519/field.ts', name: 'D2', kind: 'const', render: () => feConst('D2', mod(2n * d, p)) },
  { file: 'assembly/ed25519/field.ts', name: 'SQRTM1', kind: 'const', render: () => feConst('SQRTM1', sqrtM1) },
  {
    file: 'assembly/ed25519/scalar.ts',
    name: 'C',
    kind: 'const',
    render: () => `const C: usize = memory.data<i64>([${limbs(c, 21, 6).join(', ')}]);`,
  },
  {
    file: 'assembly/ed25519/scalar.ts',
    name: 'LL',
    kind: 'const',
    render: () => `const LL: usize = memory.data<i64>([${limbs(L, 21, 13).join(', ')}]);`,
  },
  {
    file: 'assembly/ed25519/scalar.ts',
    name: 'LB',
    kind: 'const',
    render: () =>
      `const LB: usize = memory.data<u8>([${Lbytes.slice(0, 16)
        .map((b) => hex(b, 2))
        .join(', ')}]);`,
  },
  {
    file: 'assembly/ed25519/dsm.ts',
    name: 'SMALL_Y',
    kind: 'const',
    render: () => `const SMALL_Y: usize = memory.data<u8>([\n${byteRows(smallY.flatMap((y) => bytesLE(y, 32)))}\n]);`,
  },
  {
    file: 'assembly/ed25519/base.ts',
    name: 'B_ENC',
    kind: 'const',
    render: () => `const B_ENC: usize = memory.data<u8>([\n${byteRows(encB)}\n]);`,
  },
  ...Array.from({ length: FP_N }, (_, k) => ({ file: 'assembly/ed25519/fpow.ts', name: `M${k}`, kind: 'const', render: () => fpM(k) })),
  { file: 'assembly/ed25519/fpow.ts', name: 'W19', kind: 'const', render: fpW19 },
  { file: 'assembly/ed25519/fpow.ts', name: 'fpSqN', kind: 'function', render: renderFpSqN },
  { file: 'assembly/ed25519/fpow.ts', name: 'fpMul', kind: 'function', render: renderFpMul },
];

/** Mismatches between the files (as `readFile(path)` returns them) and the generated text; empty when all agree. */
export const check = (readFile) => checkTargets(targets, readFile);
/** Rewrites every generated span through readFile/writeFile; returns what changed. */
export const write = (readFile, writeFile) => writeTargets(targets, readFile, writeFile);

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(targets, import.meta.url);
