#!/usr/bin/env node
// `npm run gen:check`: runs every constant generator (scripts/gen-*.mjs) in
// check mode and fails when any generated span in assembly/ differs from what
// its generator renders, or when a generator's own derivation checks fail.
// Each generator runs in a process of its own, exactly as
// `node scripts/gen-<name>.mjs --check` would.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const self = basename(fileURLToPath(import.meta.url));
const generators = readdirSync(here)
  .filter((f) => /^gen-.*\.mjs$/.test(f) && f !== self)
  .sort();

if (generators.length === 0) {
  console.error('gen-check: no scripts/gen-*.mjs found');
  process.exit(1);
}

const failed = [];
for (const g of generators) {
  const r = spawnSync(process.execPath, [join(here, g), '--check'], { encoding: 'utf8' });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  if (r.status !== 0) failed.push(g);
}

if (failed.length) {
  console.error(`gen-check: ${failed.length} of ${generators.length} generators failed: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`gen-check: ${generators.length} generators, all generated spans match`);
