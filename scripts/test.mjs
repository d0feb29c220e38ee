#!/usr/bin/env node
// `npm test`: checks the system packages the suite needs, builds, then runs
// every test/**/*.test.ts with node's test runner (tsx strips the types).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);

const missing = [];
if (!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) missing.push('chromium');
if (!existsSync('/usr/bin/softhsm2-util')) missing.push('softhsm2');
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
const only = process.argv.slice(2);
const files = only.length ? only : collect('test').sort();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
