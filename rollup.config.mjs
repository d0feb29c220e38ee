// Two self-contained ESM builds of the same sources (dependencies bundled, so
// a page can load them with no bundler):
//   dist/        browsers: index.js, core.js, worker.js (module Web Worker)
//   dist/node/   Node:     same names, worker.js for worker_threads, and bridge/ (the bridge process)
// package.json picks one with the "node" export condition. The WASM is inlined
// by build/wasm-inline.js (scripts/build-wasm.mjs).
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { dirname, resolve } from 'node:path';
import { build } from 'esbuild';

/** The node build swaps the browser worker spawner for the worker_threads one. */
const nodeSpawn = {
  name: 'vaultkey-node-spawn',
  resolveId(source, importer) {
    if (source === './spawn.js' && importer && importer.endsWith('pool.ts')) {
      return resolve(dirname(importer), 'spawn.node.ts');
    }
    return null;
  },
};

// Transpile only: type checking is the next build step (tsc -p tsconfig.build.json), which fails the build on any error.
/**
 * Ledger's WebHID transport ships CommonJS dependencies (semver, events);
 * pre-bundle it into one ESM module so rollup needs no CommonJS plugin.
 */
const ledgerTransport = () => ({
  name: 'vaultkey-ledger-transport',
  resolveId(source) {
    return source === '@ledgerhq/hw-transport-webhid' ? '\0ledger-transport-webhid' : null;
  },
  async load(id) {
    if (id !== '\0ledger-transport-webhid') return null;
    const r = await build({
      stdin: { contents: "export { default } from '@ledgerhq/hw-transport-webhid';", resolveDir: process.cwd() },
      bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, legalComments: 'inline',
    });
    return r.outputFiles[0].text;
  },
});

const ts = () => typescript({ tsconfig: './tsconfig.json', include: ['src/**/*.ts', 'worker/**/*.ts', 'bridge/**/*.ts', 'build/*'], noEmitOnError: false, compilerOptions: { noCheck: true } });

const output = (dir) => ({
  dir,
  format: 'es',
  entryFileNames: '[name].js',
  chunkFileNames: '[name]-[hash].js',
  sourcemap: true,
});

export default [
  {
    input: { index: 'src/index.ts', core: 'src/core/index.ts', worker: 'worker/browser.ts', 'bridge-client': 'src/bridge-client/index.ts', ledger: 'src/ledger/index.ts' },
    output: output('dist'),
    plugins: [ledgerTransport(), nodeResolve({ browser: true }), ts()],
  },
  {
    input: { index: 'src/index.ts', core: 'src/core/index.ts', worker: 'worker/node.ts', 'bridge-client': 'src/bridge-client/index.ts', ledger: 'src/ledger/index.ts' },
    output: output('dist/node'),
    external: [/^node:/],
    plugins: [nodeSpawn, ledgerTransport(), nodeResolve(), ts()],
  },
  {
    // The localhost bridge process (`vaultkey-bridge`); native bindings stay external.
    input: { 'bridge/cli': 'bridge/cli.ts', 'bridge/server': 'bridge/server.ts' },
    output: output('dist/node'),
    external: [/^node:/, 'pkcs11js', '@napi-rs/keyring'],
    plugins: [nodeResolve(), ts()],
  },
];
