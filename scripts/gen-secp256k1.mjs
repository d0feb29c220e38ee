#!/usr/bin/env node
// Generator of the secp256k1 constants and unrolled code in assembly/secp256k1/.
//
// Inputs are the domain parameters of SEC 2 (v2) §2.4.1 only: p, the curve
// y^2 = x^3 + 7, G, n, h = 1. Everything else is derived here with BigInt and
// checked before anything is rendered (a failed check throws, so neither the
// check nor --write can run on a wrong derivation):
//   scalar.ts  N, HALF = (n-1)/2, R2 = 2^512 mod n, N0INV = -n^-1 mod 2^32;
//              the GLV endomorphism (Gallant, Lambert, Vanstone, "Faster
//              point multiplication on elliptic curves with efficient
//              endomorphisms", CRYPTO 2001, §4): LAMBDA, the short lattice
//              basis from the extended Euclidean algorithm on (n, lambda),
//              G1, G2, MB1, MB2 as the GLV section of scalar.ts defines them;
//              and the fully unrolled scMontMul (CIOS, 8x32 limbs).
//   ecdsa.ts   NBYTES (n as 8x32 limbs).
//   ecmult.ts  G_BYTES (G, big-endian x then y).
//   ecmult-verify.ts  BETA_BYTES (beta, the cube root of unity mod p with
//              lambda*(x, y) = (beta*x, y)).
//   field.ts   P0, P1, PM, P9 (p in 10x26 limbs; checked, never rewritten by
//              hand: the rendering is exactly the committed text); MOD_P30,
//              MOD_N30: the safegcd modulus descriptors (p and n in nine
//              30-bit limbs, then the modulus' inverse mod 2^30).
//
//   node scripts/gen-secp256k1.mjs [--check]   compare with the files (exit 1 on a difference)
//   node scripts/gen-secp256k1.mjs --write     put the generated text in place
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import {
  assert,
  byteRows,
  bytesBE,
  checkTargets,
  cubeRootOfUnity,
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

// ---- SEC 2 §2.4.1 domain parameters

const p = 2n ** 256n - 2n ** 32n - 2n ** 9n - 2n ** 8n - 2n ** 7n - 2n ** 6n - 2n ** 4n - 1n;
const B = 7n;
const Gx = 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n;
const Gy = 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n;
const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

// Affine arithmetic on y^2 = x^3 + 7 (null is the point at infinity).
function add(P, Q) {
  if (P === null) return Q;
  if (Q === null) return P;
  const [x1, y1] = P;
  const [x2, y2] = Q;
  if (x1 === x2 && mod(y1 + y2, p) === 0n) return null;
  const l = x1 === x2 ? mod(3n * x1 * x1 * modInv(2n * y1, p), p) : mod((y2 - y1) * modInv(x2 - x1, p), p);
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

const onCurve = ([x, y]) => mod(y * y - x * x * x - B, p) === 0n;

assert(p === 2n ** 256n - 2n ** 32n - 977n, 'p = 2^256 - 2^32 - 977');
assert(isProbablePrime(p) && isProbablePrime(n), 'p and n are prime');
assert(onCurve([Gx, Gy]), 'G is on the curve');
assert(mul(n, [Gx, Gy]) === null, 'n*G = infinity');
assert(n < p && p + 1n - n < 2n * 2n ** 128n, 'n = #E (h = 1) within the Hasse bound');

// ---- GLV endomorphism (Gallant-Lambert-Vanstone 2001, §4)

// lambda: the smaller cube root of unity mod n; beta: the cube root of unity
// mod p with lambda*G = (beta*Gx, Gy).
const lambda = cubeRootOfUnity(n);
const lambdaG = mul(lambda, [Gx, Gy]);
const betaMin = cubeRootOfUnity(p);
const beta = [betaMin, mod(-1n - betaMin, p)].find((b) => lambdaG[0] === mod(b * Gx, p));
assert(modPow(lambda, 3n, n) === 1n && lambda !== 1n, 'lambda^3 = 1 (mod n), lambda != 1');
assert(beta !== undefined && modPow(beta, 3n, p) === 1n && beta !== 1n, 'beta^3 = 1 (mod p), beta != 1');
assert(lambdaG[0] === mod(beta * Gx, p) && lambdaG[1] === Gy, 'lambda*G = (beta*Gx, Gy)');

// Short basis of {(i, j): i + j*lambda = 0 (mod n)} (GLV §4): run the extended
// Euclidean algorithm on (n, lambda), r_i = s_i*n + t_i*lambda; with l the last
// index where r_l >= sqrt(n), (a1, b1) = (r_{l+1}, -t_{l+1}) and (a2, b2) is the
// shorter of (r_l, -t_l) and (r_{l+2}, -t_{l+2}).
function isqrt(x) {
  let y = 1n << BigInt((x.toString(2).length + 1) >> 1);
  for (;;) {
    const z = (y + x / y) >> 1n;
    if (z >= y) return y;
    y = z;
  }
}
const rs = [n, lambda];
const ts = [0n, 1n];
while (rs.at(-1) !== 0n) {
  const q = rs.at(-2) / rs.at(-1);
  rs.push(rs.at(-2) - q * rs.at(-1));
  ts.push(ts.at(-2) - q * ts.at(-1));
}
const sqrtN = isqrt(n);
const l = rs.findLastIndex((r) => r >= sqrtN);
const v = (i) => [rs[i], -ts[i]];
const norm2 = ([a, b]) => a * a + b * b;
const [a1, b1] = v(l + 1);
const [a2, b2] = norm2(v(l)) <= norm2(v(l + 2)) ? v(l) : v(l + 2);
for (const [a, b] of [
  [a1, b1],
  [a2, b2],
])
  assert(mod(a + b * lambda, n) === 0n, 'a_i + b_i*lambda = 0 (mod n)');
assert(a1 * b2 - a2 * b1 === n || a2 * b1 - a1 * b2 === n, 'the basis spans the lattice (determinant +-n)');

// g1 = round(2^384 b2 / n), g2 = round(2^384 (-b1) / n); MB1 = -b1, MB2 = -b2 (mod n).
const roundDiv = (x, d) => (2n * x + d) / (2n * d);
const g1 = roundDiv(2n ** 384n * b2, n);
const g2 = roundDiv(2n ** 384n * -b1, n);
const mb1 = mod(-b1, n);
const mb2 = mod(-b2, n);

// scSplitLambda as scalar.ts computes it (mulShift384 rounds on bit 383):
// k1 + k2*lambda = k (mod n) with |k1|, |k2| < 2^128.
function split(k) {
  const c1 = (k * g1 + 2n ** 383n) >> 384n;
  const c2 = (k * g2 + 2n ** 383n) >> 384n;
  const k2 = mod(c1 * mb1 + c2 * mb2, n);
  const k1 = mod(k - k2 * lambda, n);
  const mag = (x) => (x > n / 2n ? n - x : x);
  return [k1, k2, mag(k1), mag(k2)];
}
const samples = [0n, 1n, 2n, n - 1n, n - 2n, n / 2n, n / 2n + 1n, lambda, n - lambda, 2n ** 255n, 2n ** 128n - 1n];
for (let i = 0; i < 2000; i++) samples.push(mod(BigInt('0x' + createHash('sha256').update(`glv ${i}`).digest('hex')), n));
for (const k of samples) {
  const [k1, k2, m1, m2] = split(k);
  assert(mod(k1 + k2 * lambda - k, n) === 0n, `k1 + k2*lambda = k for k = ${hex(k)}`);
  assert(m1 < 2n ** 128n && m2 < 2n ** 128n, `|k1|, |k2| < 2^128 for k = ${hex(k)}`);
}

// ---- Montgomery constants

const R2 = 2n ** 512n % n;
const N0INV = mod(-modInv(n, 2n ** 32n), 2n ** 32n);

// ---- feMul/feSqr reduction bounds (field.ts): inputs with limbs below 2^30,
// columns as u64. Carry c10..c18, fold by 2^260 = 0x3D10 + 2^10 * 2^26, carry
// c0..c9, fold the top bits by 2^256 = 0x3D1 + 2^6 * 2^26, carry c0..c2:
// upper bounds (every operation is monotone on these non-negative values)
// show no u64 overflows and the output has magnitude 1 (limb 3 at most 1 over).
{
  const L = 2n ** 30n - 1n;
  const M26 = 2n ** 26n - 1n;
  const M22 = 2n ** 22n - 1n;
  const c = Array.from({ length: 19 }, (_, k) => BigInt(Math.min(k, 18 - k, 9) + 1) * L * L);
  const fits = (what) =>
    assert(
      c.every((x) => x < 2n ** 64n),
      `feMul bounds: ${what} stays below 2^64`,
    );
  const carry = (k) => {
    c[k + 1] = (c[k + 1] ?? 0n) + (c[k] >> 26n);
    c[k] = c[k] < M26 ? c[k] : M26;
    fits(`carry from column ${k}`);
  };
  fits('the columns');
  for (let k = 10; k < 19; k++) carry(k);
  c[9] += c[19] * 0x3d10n;
  c[10] += c[19] << 10n;
  for (let k = 0; k < 9; k++) {
    c[k] += c[k + 10] * 0x3d10n;
    c[k + 1] += c[k + 10] << 10n;
  }
  fits('the fold by 2^260');
  c.length = 10;
  for (let k = 0; k < 9; k++) carry(k);
  const t = c[9] >> 22n;
  c[9] = c[9] < M22 ? c[9] : M22;
  c[0] += t * 0x3d1n;
  c[1] += t << 6n;
  for (const k of [0, 1, 2]) carry(k);
  c.length = 10;
  assert(c.slice(0, 9).every((x) => x <= M26 + 1n) && c[9] <= M22, 'feMul output: magnitude 1, limbs 0..8 at most 1 over');
}

// ---- safegcd descriptors (field.ts modInv30): M in 9 x 30-bit limbs, M^-1 mod 2^30

const INV30P = modInv(p, 2n ** 30n);
const INV30N = modInv(n, 2n ** 30n);
assert(mod(p * INV30P, 2n ** 30n) === 1n && mod(n * INV30N, 2n ** 30n) === 1n, 'M * M^-1 = 1 (mod 2^30)');
assert(p < 2n ** 256n && n < 2n ** 256n, 'moduli fit 8 x 30 + 16 bits (590 divsteps bound for 256 bits)');
const mod30Const = (name, m, inv, exported) =>
  `${exported ? 'export ' : ''}const ${name}: usize = memory.data<i32>([${[...limbs(m, 30, 9), inv].map((x) => hex(x)).join(', ')}]);`;

// ---- rendering, in the committed style

const P26 = limbs(p, 26, 10);
assert(
  P26.slice(2, 9).every((x) => x === P26[2]),
  'limbs 2..8 of p are equal (one PM)',
);

// 8x32 limbs: 0x%08x, zero limbs as a bare 0.
const u32s = (xs) => xs.map((x) => (x === 0n ? '0' : hex(x, 8))).join(', ');
const u32Const = (name, x) => `const ${name}: usize = memory.data<u32>([${u32s(limbs(x, 32, 8))}]);`;
const u8Const = (name, bytes) => `const ${name}: usize = memory.data<u8>([\n${byteRows(bytes)}\n]);`;

/** CIOS Montgomery product over 8x32 limbs, every round unrolled (codegen.mjs renderCios8x32). */
const renderScMontMul = () => renderCios8x32({ name: 'scMontMul', modulus: n, q: 'm', qLine: 'm = (t0 * N0INV) & M32;', m: 'n' });

const SCALAR = 'assembly/secp256k1/scalar.ts';
const c = (file, name, render) => ({ file, name, kind: 'const', render });
const f = (file, name, render) => ({ file, name, kind: 'function', render });

export const targets = [
  c(SCALAR, 'N', () => u32Const('N', n)),
  c(SCALAR, 'HALF', () => u32Const('HALF', (n - 1n) / 2n)),
  c(SCALAR, 'R2', () => u32Const('R2', R2)),
  c(SCALAR, 'N0INV', () => `const N0INV: u64 = ${hex(N0INV, 8)};`),
  f(SCALAR, 'scMontMul', renderScMontMul),
  c(SCALAR, 'LAMBDA', () => u32Const('LAMBDA', lambda)),
  c(SCALAR, 'G1', () => u32Const('G1', g1)),
  c(SCALAR, 'G2', () => u32Const('G2', g2)),
  c(SCALAR, 'MB1', () => u32Const('MB1', mb1)),
  c(SCALAR, 'MB2', () => u32Const('MB2', mb2)),
  c('assembly/secp256k1/ecdsa.ts', 'NBYTES', () => u32Const('NBYTES', n)),
  c('assembly/secp256k1/ecmult.ts', 'G_BYTES', () => u8Const('G_BYTES', [...bytesBE(Gx, 32), ...bytesBE(Gy, 32)])),
  c('assembly/secp256k1/ecmult-verify.ts', 'BETA_BYTES', () => u8Const('BETA_BYTES', bytesBE(beta, 32))),
  c('assembly/secp256k1/field.ts', 'P0', () => `const P0: u32 = ${hex(P26[0])};`),
  c('assembly/secp256k1/field.ts', 'P1', () => `const P1: u32 = ${hex(P26[1])};`),
  c('assembly/secp256k1/field.ts', 'PM', () => `const PM: u32 = ${hex(P26[2])};`),
  c('assembly/secp256k1/field.ts', 'P9', () => `const P9: u32 = ${hex(P26[9])};`),
  c('assembly/secp256k1/field.ts', 'MOD_P30', () => mod30Const('MOD_P30', p, INV30P, false)),
  c('assembly/secp256k1/field.ts', 'MOD_N30', () => mod30Const('MOD_N30', n, INV30N, true)),
];

/** Mismatches between the files (as `readFile(path)` returns them) and the generated text; empty when all agree. */
export const check = (readFile) => checkTargets(targets, readFile);
/** Rewrites every generated span through readFile/writeFile; returns what changed. */
export const write = (readFile, writeFile) => writeTargets(targets, readFile, writeFile);

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(targets, import.meta.url);
