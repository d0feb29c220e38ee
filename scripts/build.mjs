#!/usr/bin/env node
// `npm run build`, in the order the steps need each other, the independent
// ones side by side so both cores work:
//   1. the WASM modules (scripts/build-wasm.mjs), the type declarations (tsc)
//      and the bridge package (bridge/build.mjs): none needs another;
//   2. the rollup bundles, which inline the WASM;
//   3. the bundle budget (scripts/bundle-size.mjs).
// tsc reads only the declarations of the inline modules, which are fixed text:
// they are written first so a fresh clone's tsc need not wait for the WASM.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

process.chdir(new URL('..', import.meta.url).pathname);

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: 'inherit' });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;
// Stale declarations of removed sources would otherwise stay in the package.
rmSync('dist/types', { recursive: true, force: true });
mkdirSync('build', { recursive: true });
for (const name of [
  'wasm-inline',
  'argon2-inline',
  'p256-inline',
  'ed25519-inline',
  'secp256k1-verify-inline',
  'slip39-words-inline',
  'bip39-words-inline',
])
  writeFileSync(`build/${name}.d.ts`, 'declare const wasm: string;\nexport default wasm;\n');
writeFileSync(
  'build/parts-digest.d.ts',
  "declare const digests: Record<'argon2' | 'ed25519' | 'secp256k1-verify' | 'slip39-words' | 'bip39-words', string>;\nexport default digests;\n",
);
try {
  await Promise.all([
    run(process.execPath, ['scripts/build-wasm.mjs']),
    run(bin('tsc'), ['-p', 'tsconfig.build.json']),
    run(process.execPath, ['bridge/build.mjs']),
  ]);
  await run(bin('rollup'), ['-c', '--silent']);
  await run(process.execPath, ['scripts/bundle-size.mjs']);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
