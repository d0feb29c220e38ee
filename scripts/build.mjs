#!/usr/bin/env node
// `npm run build`: the WASM modules first (the bundles inline them), then the
// rollup bundles, the type declarations and the bridge package (bridge/) side
// by side (independent of each other, so the two cores both work), then the
// bundle budget.
import { spawn } from 'node:child_process';

process.chdir(new URL('..', import.meta.url).pathname);

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: 'inherit' });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;
try {
  await run(process.execPath, ['scripts/build-wasm.mjs']);
  await Promise.all([
    run(bin('rollup'), ['-c', '--silent']),
    run(bin('tsc'), ['-p', 'tsconfig.build.json']),
    run(process.execPath, ['bridge/build.mjs']),
  ]);
  await run(process.execPath, ['scripts/bundle-size.mjs']);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
