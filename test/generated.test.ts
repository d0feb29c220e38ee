// Generated constants and unrolled code in assembly/ (scripts/gen-*.mjs):
// the committed sources are exactly what the generators render from SEC 2
// §2.4.1 and RFC 8032 §5.1, and the check notices a one-character change.
// Mutations are fed to the generators' check functions as in-memory text, or
// made in a temporary copy: the real files are never touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error plain ESM script without types
import * as secpGenerator from '../scripts/gen-secp256k1.mjs';
// @ts-expect-error plain ESM script without types
import * as edGenerator from '../scripts/gen-ed25519.mjs';
// @ts-expect-error plain ESM script without types
import * as p256Generator from '../scripts/gen-p256.mjs';

type ReadFile = (file: string) => string;
/** What each scripts/gen-*.mjs exports. */
interface Generator {
  targets: { file: string; name: string; kind: 'const' | 'function'; render: () => string }[];
  check(readFile: ReadFile): string[];
  write(readFile: ReadFile, writeFile: (file: string, text: string) => void): string[];
}
const secp256k1: Generator = secpGenerator;
const ed25519: Generator = edGenerator;
const p256: Generator = p256Generator;

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string): string => readFileSync(join(root, file), 'utf8');

/** A readFile that returns `file` with `from` (which must occur exactly once) replaced by `to`. */
function mutated(file: string, from: string, to: string): ReadFile {
  const original = read(file);
  assert.equal(original.split(from).length, 2, `${JSON.stringify(from)} occurs once in ${file}`);
  const text = original.replace(from, to);
  return (f) => (f === file ? text : read(f));
}

const lineOf = (file: string, needle: string): number =>
  read(file)
    .split('\n')
    .findIndex((l) => l.includes(needle)) + 1;

const SCALAR = 'assembly/secp256k1/scalar.ts';

test('scripts/gen-check.mjs (npm run gen:check) passes on the committed files', () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts/gen-check.mjs')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /scripts\/gen-secp256k1\.mjs: \d+ generated spans match/);
  assert.match(r.stdout, /scripts\/gen-ed25519\.mjs: \d+ generated spans match/);
  assert.match(r.stdout, /scripts\/gen-p256\.mjs: \d+ generated spans match/);
  assert.match(r.stdout, /all generated spans match/);
});

test('every generator agrees with the committed files', () => {
  assert.deepEqual(secp256k1.check(read), []);
  assert.deepEqual(ed25519.check(read), []);
  const names = secp256k1.targets.map((t) => t.name);
  for (const n of [
    'N',
    'HALF',
    'R2',
    'N0INV',
    'LAMBDA',
    'G1',
    'G2',
    'MB1',
    'MB2',
    'scMontMul',
    'NBYTES',
    'G_BYTES',
    'BETA_BYTES',
    'P0',
    'P1',
    'PM',
    'P9',
    'MOD_P30',
    'MOD_N30',
  ]) {
    assert.ok(names.includes(n), `gen-secp256k1 covers ${n}`);
  }
  const edNames = ed25519.targets.map((t) => t.name);
  for (const n of ['D', 'D2', 'SQRTM1', 'C', 'LL', 'LB', 'B_ENC']) assert.ok(edNames.includes(n), `gen-ed25519 covers ${n}`);
  assert.deepEqual(p256.check(read), []);
  const p256Names = p256.targets.map((t) => t.name);
  for (const n of ['P', 'R2P', 'ONE_P', 'SQRT_EXP', 'fpMontMul', 'fpAdd', 'fpSub', 'N', 'R2N', 'NM2', 'scMontMul', 'G_BYTES', 'B_BYTES']) {
    assert.ok(p256Names.includes(n), `gen-p256 covers ${n}`);
  }
});

test('P-256: a changed constant or a changed line of an unrolled product is reported', () => {
  const field = 'assembly/p256/field.ts';
  const r2 = p256.check(
    mutated(field, 'const R2P: usize = memory.data<u32>([0x00000003,', 'const R2P: usize = memory.data<u32>([0x00000002,'),
  );
  assert.equal(r2.length, 1, r2.join('\n'));
  assert.match(r2[0]!, new RegExp(`^assembly/p256/field\\.ts:${lineOf(field, 'const R2P:')} R2P: differs`));
  const scalar = 'assembly/p256/scalar.ts';
  const line = '  bi = <u64>load<u32>(b, 12);';
  const mm = p256.check((f) => (f === scalar ? read(scalar).replace(line, '  bi = <u64>load<u32>(b, 16);') : read(f)));
  assert.equal(mm.length, 1, mm.join('\n'));
  assert.match(mm[0]!, new RegExp(`^assembly/p256/scalar\\.ts:${lineOf(scalar, line)} scMontMul: differs`));
});

test('a flipped hex digit in a constant is reported with its file, line and name', () => {
  const problems = secp256k1.check(mutated(SCALAR, '0x45dbb031', '0x45dbb021'));
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, new RegExp(`^assembly/secp256k1/scalar\\.ts:${lineOf(SCALAR, 'const G1:')} G1: differs`));
  assert.match(problems[0]!, /found: +const G1: usize = memory\.data<u32>\(\[0x45dbb021,/);
});

test('a changed line of an unrolled function is reported at that line', () => {
  const line = '  bi = <u64>load<u32>(b, 20);';
  const problems = secp256k1.check(mutated(SCALAR, line, '  bi = <u64>load<u32>(b, 24);'));
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, new RegExp(`^assembly/secp256k1/scalar\\.ts:${lineOf(SCALAR, line)} scMontMul: differs`));
});

test('the field constants (field.ts of both curves) are checked too', () => {
  const p0 = secp256k1.check(mutated('assembly/secp256k1/field.ts', 'const P0: u32 = 0x3fffc2f;', 'const P0: u32 = 0x3fffc2e;'));
  assert.equal(p0.length, 1);
  assert.match(p0[0]!, /field\.ts:\d+ P0: differs/);
  const sqrtm1 = ed25519.check(mutated('assembly/ed25519/field.ts', '[34513072,', '[34513073,'));
  assert.equal(sqrtm1.length, 1);
  assert.match(sqrtm1[0]!, /ed25519\/field\.ts:\d+ SQRTM1: differs/);
});

test('a missing or duplicated declaration is reported', () => {
  const gone = secp256k1.check(mutated(SCALAR, 'const HALF: usize', 'const HALF_: usize'));
  assert.equal(gone.length, 1);
  assert.match(gone[0]!, /HALF: 0 declarations of const HALF \(expected exactly 1\)/);
  const ll = 'const LL: usize';
  const twice = ed25519.check(mutated('assembly/ed25519/scalar.ts', ll, `${ll} = memory.data<i64>([]);\n${ll}`));
  assert.match(twice.join('\n'), /LL: 2 declarations of const LL/);
});

test('write() puts back exactly the committed text', () => {
  const files = new Map<string, string>();
  const readMutated = mutated(SCALAR, '0x0abfe4c3', '0x0abfe4c4');
  const readMap = (f: string): string => files.get(f) ?? readMutated(f);
  const changed = secp256k1.write(readMap, (f, text) => files.set(f, text));
  assert.deepEqual(changed, [`${SCALAR} MB1`]);
  assert.equal(files.get(SCALAR), read(SCALAR));
  assert.deepEqual(secp256k1.check(readMap), []);
});

test('scripts/gen-check.mjs fails on a mutated copy of the repository', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'vaultkey-gen-'));
  try {
    mkdirSync(join(tmp, 'scripts'));
    for (const f of readdirSync(join(root, 'scripts'))) {
      if (f === 'codegen.mjs' || f.startsWith('gen-')) cpSync(join(root, 'scripts', f), join(tmp, 'scripts', f));
    }
    const targetFiles = new Set([...secp256k1.targets, ...ed25519.targets, ...p256.targets].map((t) => t.file));
    for (const f of targetFiles) {
      mkdirSync(dirname(join(tmp, f)), { recursive: true });
      cpSync(join(root, f), join(tmp, f));
    }
    const copy = join(tmp, 'assembly/ed25519/base.ts');
    writeFileSync(copy, readFileSync(copy, 'utf8').replace('0x58, 0x66,', '0x58, 0x67,'));

    const r = spawnSync(process.execPath, [join(tmp, 'scripts/gen-check.mjs')], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /assembly\/ed25519\/base\.ts:\d+ B_ENC: differs/);
    assert.match(r.stderr, /gen-check: 1 of \d+ generators failed: gen-ed25519\.mjs/);
    assert.match(r.stdout, /gen-secp256k1\.mjs: \d+ generated spans match/);

    // --write in the copy restores the committed text.
    const w = spawnSync(process.execPath, [join(tmp, 'scripts/gen-ed25519.mjs'), '--write'], { encoding: 'utf8' });
    assert.equal(w.status, 0, w.stdout + w.stderr);
    assert.equal(readFileSync(copy, 'utf8'), read('assembly/ed25519/base.ts'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
