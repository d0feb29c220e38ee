#!/usr/bin/env node
// `npm test`: checks the system packages the suite needs, builds, then runs
// every test/**/*.test.ts with node's test runner (tsx strips the types).
// One naming rule picks the subsets: `*.browser.test.ts` drive Debian's
// Chromium, `*.hsm.test.ts` need SoftHSM2; everything else needs neither.
//   --node     the rest only (`npm run test:node`: no browser, no HSM)
//   --browser  `*.browser.test.ts` only (`npm run test:browser`)
//   --hsm      `*.hsm.test.ts` only (`npm run test:hsm`)
//   files...   just these
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);

const args = process.argv.slice(2);
const mode = ['--node', '--browser', '--hsm'].find((m) => args.includes(m)) ?? null;
const only = args.filter((a) => !a.startsWith('--'));
const kind = (f) => (f.endsWith('.browser.test.ts') ? 'browser' : f.endsWith('.hsm.test.ts') ? 'hsm' : 'node');

const missing = [];
const needs = (k) => mode === null || mode === `--${k}` || only.some((f) => kind(f) === k);
// The bridge's browser test also drives SoftHSM2, so browser suites need both.
if (needs('browser') && !existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) missing.push('chromium');
if ((needs('hsm') || needs('browser')) && !existsSync('/usr/bin/softhsm2-util')) missing.push('softhsm2');
if (missing.length) {
  console.error(`vaultkey tests need Debian packages that are not installed: ${missing.join(', ')}`);
  console.error(`install them with:  sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}

if (!existsSync('node_modules')) execFileSync('npm', ['ci'], { stdio: 'inherit' });
execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });

function collect(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== 'fixtures' && e.name !== 'consumers') out.push(...collect(p));
    else if (e.isFile() && e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const files = only.length
  ? only
  : collect('test')
      .sort()
      .filter((f) => mode === null || `--${kind(f)}` === mode);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
