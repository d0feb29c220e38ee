#!/usr/bin/env node
// Builds the bridge package: esbuild bundles the two entries (the CLI and the
// programmatic `startBridge`) for Node, with every npm dependency left as an
// import (the native PKCS#11 and keyring bindings load at run time, only when
// configured), and tsc writes the declarations. The library's error class
// (../src/errors.ts) is bundled in, so the bridge needs no `vaultkey` install.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const here = new URL('.', import.meta.url).pathname.replace(/\/$/, '');
process.chdir(here);
rmSync('dist', { recursive: true, force: true });
// The package ships the protocol and security document and the licence, kept
// once at the repository root (the library ships them too).
mkdirSync('docs', { recursive: true });
copyFileSync('../docs/bridge.md', 'docs/bridge.md');
copyFileSync('../LICENSE', 'LICENSE');

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const types = new Promise((ok, fail) => {
  const p = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  p.on('error', fail);
  p.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`tsc exited with ${code}`))));
});

try {
  await Promise.all([
    build({
      entryPoints: { cli: './cli.ts', server: './server.ts' },
      absWorkingDir: here,
      outdir: 'dist',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      sourcemap: true,
      chunkNames: 'chunks/[name]-[hash]',
      logLevel: 'warning',
    }),
    types,
  ]);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
