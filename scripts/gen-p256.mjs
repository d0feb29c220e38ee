#!/usr/bin/env node
// Generator of the P-256 constants and unrolled Montgomery products in assembly/p256/.
//
// Inputs are the domain parameters of FIPS 186-4 §D.1.2.3 (curve P-256, also
// SEC 2 v2 §2.4.2 secp256r1) only: p, a = -3, b, G, n, h = 1. Everything
// else is derived here with BigInt and checked before anything is rendered:
//   field.ts   P (8x32 limbs), R2P = 2^512 mod p, ONE_P = 2^256 mod p, SQRT_EXP = (p + 1) / 4
//              (big-endian exponent bytes), and the fully unrolled fpMontMul
//              (CIOS, R = 2^256, -p^-1 mod 2^32 = 1), the unrolled fpAdd and
//              fpSub (p inlined as constants). The addition chain of
//              fpInv is written by hand; its exponent is recomputed here.
//   scalar.ts  N, R2N = 2^512 mod n, N0INV = -n^-1 mod 2^32, NM2 = n - 2, and
//              the unrolled scMontMul.
//   ecmult.ts  G_BYTES (G, big-endian x then y), B_BYTES (b, big-endian).
//
//   node scripts/gen-p256.mjs [--check]   compare with the files (exit 1 on a difference)
//   node scripts/gen-p256.mjs --write     put the generated text in place
import { pathToFileURL } from 'node:url';
import {
  assert,
  byteRows,
  bytesBE,
  checkTargets,
  hex,
  isProbablePrime,
  limbs,
  main,
  mod,
  modInv,
  modPow,
  renderCios8x32,
  writeTargets,
} from './codegen.mjs';

// ---- FIPS 186-4 §D.1.2.3 domain parameters

const p = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
const A = p - 3n;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const Gx = 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n;
const Gy = 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n;
const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

// Affine arithmetic on y^2 = x^3 - 3x + b (null is the point at infinity).
function add(P, Q) {
  if (P === null) return Q;
  if (Q === null) return P;
  const [x1, y1] = P;
  const [x2, y2] = Q;
  if (x1 === x2 && mod(y1 + y2, p) === 0n) return null;
  const l = x1 === x2 ? mod((3n * x1 * x1 + A) * modInv(2n * y1, p), p) : mod((y2 - y1) * modInv(x2 - x1, p), p);
  const x3 = mod(l * l - x1 - x2, p);
  return [x3, mod(l * (x1 - x3) - y1, p)];
}

function mul(k, P) {
  let R = null;
  for (let i = BigInt(k.toString(2).length) - 1n; i >= 0n; i--) {
    R = add(R, R);
    if ((k >> i) & 1n) R = add(R, P);
  }
  return R;
}

const onCurve = ([x, y]) => mod(y * y - x * x * x - A * x - B, p) === 0n;

assert(p === 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn, 'p matches FIPS 186-4 D.1.2.3');
assert(isProbablePrime(p) && isProbablePrime(n), 'p and n are prime');
assert(onCurve([Gx, Gy]), 'G is on the curve');
assert(mul(n, [Gx, Gy]) === null, 'n*G = infinity');
assert(n < p && p + 1n - n < 2n * 2n ** 128n, 'n = #E (h = 1) within the Hasse bound');
assert(p % 4n === 3n, 'p = 3 (mod 4): square roots are a^((p+1)/4)');

// ---- Montgomery constants (R = 2^256)

const R = 2n ** 256n;
const R2P = mod(R * R, p);
const R2N = mod(R * R, n);
const N0P = mod(-modInv(p, 2n ** 32n), 2n ** 32n);
const N0N = mod(-modInv(n, 2n ** 32n), 2n ** 32n);
assert(N0P === 1n, '-p^-1 = 1 (mod 2^32), since p = -1 (mod 2^32)');
assert(mod(N0N * n, 2n ** 32n) === 2n ** 32n - 1n, 'N0INV * n = -1 (mod 2^32)');
assert(modPow(2n, p - 1n, p) === 1n && modPow(2n, n - 1n, n) === 1n, 'Fermat exponents');
// CIOS with inputs below the modulus m leaves t < 2m in nine words; one conditional subtraction.
assert(2n * p < 2n ** 257n && 2n * n < 2n ** 257n, '2m fits nine 32-bit words with a one-bit top');

// fpInv's addition chain (field.ts), replayed on exponents: xk = 2^k - 1.
const x = (k) => 2n ** BigInt(k) - 1n;
{
  let t = x(32);
  t = t * 2n ** 32n + 1n; // word 00000001
  t = t * 2n ** 96n; // three zero words
  t = t * 2n ** 32n + x(32);
  t = t * 2n ** 32n + x(32);
  t = t * 2n ** 30n + x(30);
  t = t * 2n ** 2n + 1n;
  assert(t === p - 2n, 'the fpInv chain computes a^(p-2)');
  assert(x(30) === x(15) * 2n ** 15n + x(15) && x(32) === x(30) * 4n + x(2), 'x30 and x32 of the chain');
  assert(x(15) === x(12) * 8n + x(3) && x(12) === x(6) * 64n + x(6) && x(6) === x(3) * 8n + x(3), 'x6, x12, x15');
}

const range = (k) => Array.from({ length: k }, (_, i) => i);
const u32s = (xs) => xs.map((x) => hex(x, 8)).join(', ');
const u32Const = (name, x) => `const ${name}: usize = memory.data<u32>([${u32s(limbs(x, 32, 8))}]);`;
const u8Const = (name, bytes) => `const ${name}: usize = memory.data<u8>([\n${byteRows(bytes)}\n]);`;

/** Unrolled CIOS Montgomery product r = a b / 2^256 mod m (codegen.mjs renderCios8x32); n0 = -m^-1 mod 2^32. */
const renderMontMul = (name, m, n0) =>
  renderCios8x32({ name, modulus: m, q: 'q', qLine: n0 === 1n ? 'q = t0;' : `q = (t0 * ${hex(n0, 8)}) & M32;`, m: 'm' });

/** Unrolled r = (a + b) mod p: the sum, then the sum minus p kept when it carried or did not borrow. */
function renderFpAdd() {
  const P32 = limbs(p, 32, 8);
  const L = ['export function fpAdd(r: usize, a: usize, b: usize): void {', '  let c: u64 = 0;', '  let w: u64;', '  let bw: u64 = 0;'];
  for (const i of range(8)) L.push(`  c += <u64>load<u32>(a, ${4 * i}) + <u64>load<u32>(b, ${4 * i}); const s${i} = c & M32; c >>= 32;`);
  for (const i of range(8)) L.push(`  w = s${i} - ${hex(P32[i], 8)} - bw; const d${i} = w & M32; bw = w >> 63;`);
  L.push('  const keep = <u64>0 - ((c | (bw ^ 1)) & 1);');
  for (const i of range(8)) L.push(`  store<u32>(r, <u32>((d${i} & keep) | (s${i} & ~keep)), ${4 * i});`);
  L.push('}');
  return L.join('\n');
}

/** Unrolled r = (a - b) mod p: the difference, plus p when it borrowed. */
function renderFpSub() {
  const P32 = limbs(p, 32, 8);
  const L = ['export function fpSub(r: usize, a: usize, b: usize): void {', '  let w: u64;', '  let bw: u64 = 0;'];
  for (const i of range(8))
    L.push(`  w = <u64>load<u32>(a, ${4 * i}) - <u64>load<u32>(b, ${4 * i}) - bw; const d${i} = w & M32; bw = w >> 63;`);
  L.push('  const m = <u64>0 - bw;', '  let c: u64 = 0;');
  for (const i of range(8)) L.push(`  c += d${i} + (${hex(P32[i], 8)} & m); store<u32>(r, <u32>c, ${4 * i}); c >>= 32;`);
  L.push('}');
  return L.join('\n');
}

const FIELD = 'assembly/p256/field.ts';
const SCALAR = 'assembly/p256/scalar.ts';
const ECMULT = 'assembly/p256/ecmult.ts';
const c = (file, name, render) => ({ file, name, kind: 'const', render });
const f = (file, name, render) => ({ file, name, kind: 'function', render });

export const targets = [
  c(FIELD, 'P', () => u32Const('P', p)),
  c(FIELD, 'R2P', () => u32Const('R2P', R2P)),
  c(FIELD, 'ONE_P', () => u32Const('ONE_P', mod(R, p))),
  c(FIELD, 'SQRT_EXP', () => u8Const('SQRT_EXP', bytesBE((p + 1n) / 4n, 32))),
  f(FIELD, 'fpMontMul', () => renderMontMul('fpMontMul', p, N0P)),
  f(FIELD, 'fpAdd', renderFpAdd),
  f(FIELD, 'fpSub', renderFpSub),
  c(SCALAR, 'N', () => u32Const('N', n)),
  c(SCALAR, 'R2N', () => u32Const('R2N', R2N)),
  c(SCALAR, 'NM2', () => u8Const('NM2', bytesBE(n - 2n, 32))),
  f(SCALAR, 'scMontMul', () => renderMontMul('scMontMul', n, N0N)),
  c(ECMULT, 'G_BYTES', () => u8Const('G_BYTES', [...bytesBE(Gx, 32), ...bytesBE(Gy, 32)])),
  c(ECMULT, 'B_BYTES', () => u8Const('B_BYTES', bytesBE(B, 32))),
];

/** Mismatches between the files (as `readFile(path)` returns them) and the generated text; empty when all agree. */
export const check = (readFile) => checkTargets(targets, readFile);
/** Rewrites every generated span through readFile/writeFile; returns what changed. */
export const write = (readFile, writeFile) => writeTargets(targets, readFile, writeFile);

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(targets, import.meta.url);
