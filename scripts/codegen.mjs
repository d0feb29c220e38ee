// Shared by the constant generators (scripts/gen-*.mjs): BigInt number theory,
// limb and byte rendering in the exact style of assembly/, and the machinery
// that finds a generated declaration in its file, compares it with what the
// generator renders (check) or puts the rendering in its place (--write).
//
// A target is { file, name, kind, render }: `file` relative to the repository
// root, `kind` 'const' (a `const NAME: T = ...;` statement, optionally
// exported, up to its `;`) or 'function' (`function NAME(` up to the first `}`
// at column 0), and `render()` the expected text of exactly that span.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Reads a repository file (path relative to the root). */
export const readRepoFile = (file) => readFileSync(join(root, file), 'utf8');
/** Writes a repository file (path relative to the root). */
export const writeRepoFile = (file, text) => writeFileSync(join(root, file), text);

/** Throws unless `ok`: a derivation that disagrees with its definition must stop the generator. */
export function assert(ok, what) {
  if (!ok) throw new Error(`generator self-check failed: ${what}`);
}

// ---- BigInt arithmetic

export const mod = (a, m) => ((a % m) + m) % m;

export function modPow(b, e, m) {
  let r = 1n;
  b = mod(b, m);
  for (; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
  }
  return r;
}

/** a^-1 mod m by the extended Euclidean algorithm (m need not be prime). */
export function modInv(a, m) {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  assert(r0 === 1n, `${a} is invertible mod ${m}`);
  return mod(s0, m);
}

/** Miller-Rabin with the first 20 primes as bases (error below 4^-20 for any input). */
export function isProbablePrime(n) {
  const bases = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n, 53n, 59n, 61n, 67n, 71n];
  if (n < 2n) return false;
  for (const p of bases) if (n % p === 0n) return n === p;
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  outer: for (const a of bases) {
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let i = 1; i < s; i++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

/** The smaller of the two primitive cube roots of unity mod a prime q = 1 (mod 3). */
export function cubeRootOfUnity(q) {
  assert(q % 3n === 1n, 'q = 1 (mod 3), so cube roots of unity exist');
  for (let g = 2n; ; g++) {
    const w = modPow(g, (q - 1n) / 3n, q);
    if (w !== 1n) {
      const w2 = (w * w) % q;
      assert(modPow(w, 3n, q) === 1n && (1n + w + w2) % q === 0n, 'w^3 = 1 and 1 + w + w^2 = 0');
      // biome-ignore lint/complexity/useMathMinMax: BigInt operands (Math.min takes numbers)
      return w < w2 ? w : w2;
    }
  }
}

/** Square root mod a prime q = 5 (mod 8) (RFC 8032 §5.1.3 step 3), or null. */
export function sqrtMod5(a, q, sqrtM1) {
  let x = modPow(a, (q + 3n) / 8n, q);
  if ((x * x - a) % q === 0n) return x;
  x = (x * sqrtM1) % q;
  return (x * x - a) % q === 0n ? x : null;
}

// ---- shared renderers

/**
 * An unrolled CIOS Montgomery product r = a b / 2^256 mod `modulus` over 8x32-bit limbs (u64
 * products), inputs below the modulus, output fully reduced by one constant-time subtraction.
 * `q` names the per-round quotient variable, `qLine` computes it from t0, `m` names the modulus
 * in the closing comment. Used for the secp256k1 scalar (gen-secp256k1.mjs) and both P-256
 * fields (gen-p256.mjs).
 */
export function renderCios8x32({ name, modulus, q, qLine, m }) {
  const N = limbs(modulus, 32, 8);
  const range = (k) => Array.from({ length: k }, (_, i) => i);
  const L = [`export function ${name}(r: usize, a: usize, b: usize): void {`];
  for (const i of range(8)) L.push(`  const a${i}: u64 = <u64>load<u32>(a, ${4 * i});`);
  for (const i of range(10)) L.push(`  let t${i}: u64 = 0;`);
  L.push(`  let s: u64, c: u64, ${q}: u64, bi: u64;`);
  for (const r of range(8)) {
    L.push(`  // round ${r}`, `  bi = <u64>load<u32>(b, ${4 * r});`);
    L.push('  s = t0 + a0 * bi; t0 = s & M32; c = s >> 32;');
    for (let j = 1; j < 8; j++) L.push(`  s = t${j} + a${j} * bi + c; t${j} = s & M32; c = s >> 32;`);
    L.push('  s = t8 + c; t8 = s & M32; t9 = s >> 32;', `  ${qLine}`);
    L.push(`  s = t0 + ${q} * ${hex(N[0], 8)}; c = s >> 32;`);
    for (let j = 1; j < 8; j++) L.push(`  s = t${j} + ${q} * ${hex(N[j], 8)} + c; t${j - 1} = s & M32; c = s >> 32;`);
    L.push('  s = t8 + c; t7 = s & M32; t8 = t9 + (s >> 32);');
  }
  L.push(`  // t8:t7..t0 < 2${m}: subtract ${m} once when t >= ${m} (constant time).`, '  let d: u64, bw: u64 = 0;');
  for (const j of range(8)) L.push(`  d = t${j} - ${hex(N[j], 8)} - bw; const d${j} = d & M32; bw = d >> 63;`);
  L.push('  const keep = <u64>0 - ((t8 | (bw ^ 1)) & 1);');
  for (const j of range(8)) L.push(`  store<u32>(r, <u32>((d${j} & keep) | (t${j} & ~keep)), ${4 * j});`);
  L.push('}');
  return L.join('\n');
}

// ---- limbs and bytes

/** `count` limbs of `bits` bits (little endian); the value must fit. */
export function limbs(x, bits, count) {
  assert(x >= 0n && x < 1n << BigInt(bits * count), `${x.toString(16)} fits ${count} limbs of ${bits} bits`);
  const m = (1n << BigInt(bits)) - 1n;
  return Array.from({ length: count }, (_, i) => (x >> BigInt(bits * i)) & m);
}

export function bytesLE(x, len) {
  assert(x >= 0n && x < 1n << BigInt(8 * len), `${x.toString(16)} fits ${len} bytes`);
  return Array.from({ length: len }, (_, i) => (x >> BigInt(8 * i)) & 0xffn);
}

export const bytesBE = (x, len) => bytesLE(x, len).reverse();

/** 0x-prefixed lowercase hex, zero-padded to `width` digits. */
export const hex = (x, width = 0) => '0x' + x.toString(16).padStart(width, '0');

/** Rows of `perRow` hex bytes, each row indented two spaces and ending with a comma. */
export function byteRows(bytes, perRow = 16) {
  const rows = [];
  for (let i = 0; i < bytes.length; i += perRow) {
    rows.push(
      '  ' +
        bytes
          .slice(i, i + perRow)
          .map((b) => hex(b, 2))
          .join(', ') +
        ',',
    );
  }
  return rows.join('\n');
}

// ---- locate, check, write

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function pattern(target) {
  const name = escapeRegExp(target.name);
  if (target.kind === 'const') return new RegExp(`^(?:export )?const ${name}: [^=\\n]+ = [^;]*;`, 'gm');
  if (target.kind === 'function') return new RegExp(`^(?:export )?function ${name}\\([\\s\\S]*?\\n\\}$`, 'gm');
  throw new Error(`unknown target kind ${target.kind}`);
}

/** Finds the one span of `text` that `target` generates: { start, end, text } or an error string. */
function locate(target, text) {
  const found = [...text.matchAll(pattern(target))];
  if (found.length !== 1) return `${found.length} declarations of ${target.kind} ${target.name} (expected exactly 1)`;
  const m = found[0];
  return { start: m.index, end: m.index + m[0].length, text: m[0] };
}

const lineOf = (text, index) => text.slice(0, index).split('\n').length;

/** First differing line of two renderings, for a readable report. */
function firstDifference(expected, actual) {
  const e = expected.split('\n');
  const a = actual.split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) return { line: i, expected: e[i] ?? '<end>', actual: a[i] ?? '<end>' };
  }
  return null;
}

/**
 * Compares every target with its file as `readFile(file)` returns it. Returns
 * one message per mismatch ("file:line NAME: ..."), empty when all agree.
 */
export function checkTargets(targets, readFile = readRepoFile) {
  const texts = new Map();
  const problems = [];
  for (const t of targets) {
    if (!texts.has(t.file)) texts.set(t.file, readFile(t.file));
    const text = texts.get(t.file);
    const at = locate(t, text);
    if (typeof at === 'string') {
      problems.push(`${t.file} ${t.name}: ${at}`);
      continue;
    }
    const expected = t.render();
    if (at.text === expected) continue;
    const d = firstDifference(expected, at.text);
    const line = lineOf(text, at.start) + (d?.line ?? 0);
    problems.push(
      `${t.file}:${line} ${t.name}: differs from the generated text\n    expected: ${d?.expected.trim()}\n    found:    ${d?.actual.trim()}`,
    );
  }
  return problems;
}

/** Puts each target's rendering in place; returns the names of the targets that changed. */
export function writeTargets(targets, readFile = readRepoFile, writeFile = writeRepoFile) {
  const changed = [];
  const files = [...new Set(targets.map((t) => t.file))];
  for (const file of files) {
    let text = readFile(file);
    const before = text;
    for (const t of targets.filter((x) => x.file === file)) {
      const at = locate(t, text);
      if (typeof at === 'string') throw new Error(`${file}: ${at}`);
      const expected = t.render();
      if (at.text === expected) continue;
      text = text.slice(0, at.start) + expected + text.slice(at.end);
      changed.push(`${file} ${t.name}`);
    }
    if (text !== before) writeFile(file, text);
  }
  return changed;
}

/** Command line of a generator: default / --check compares, --write rewrites the spans. */
export function main(targets, scriptUrl) {
  const self = relative(root, fileURLToPath(scriptUrl));
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--check' && a !== '--write');
  if (unknown.length || (args.includes('--check') && args.includes('--write'))) {
    console.error(`usage: node ${self} [--check | --write]`);
    process.exit(2);
  }
  if (args.includes('--write')) {
    const changed = writeTargets(targets);
    for (const c of changed) console.log(`rewrote ${c}`);
    console.log(`${self}: ${changed.length} of ${targets.length} generated spans rewritten`);
    return;
  }
  const problems = checkTargets(targets);
  if (problems.length) {
    for (const p of problems) console.error(p);
    console.error(`${self}: ${problems.length} of ${targets.length} generated spans differ; run node ${self} --write to regenerate`);
    process.exit(1);
  }
  console.log(`${self}: ${targets.length} generated spans match`);
}
