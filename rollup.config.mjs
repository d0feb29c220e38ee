// Two self-contained ESM builds of the same sources (dependencies bundled, so
// a page can load them with no bundler):
//   dist/        browsers: index.js, core.js, worker.js (module Web Worker),
//                ledger.js, bridge-client.js, viem.js, ethers.js
//   dist/node/   Node:     same names, worker.js for worker_threads
// (The bridge process is its own package, bridge/, built by bridge/build.mjs.)
// package.json picks one with the "node" export condition. The WASM is inlined
// by build/wasm-inline.js (scripts/build-wasm.mjs). viem and ethers are peer
// dependencies of the adapters: imported, never bundled. scripts/bundle-size.mjs
// measures and limits what the browser build costs a page.
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { dirname, resolve } from 'node:path';
import { rmSync } from 'node:fs';
import { build, transform } from 'esbuild';

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

/**
 * Empties dist/ once, before the first build of this run writes to it: chunk
 * names are content-hashed, so without this every build leaves its old chunks
 * behind. Only on the first config, so the node build of the same run
 * (dist/node/) is not wiped by it.
 */
const cleanDist = () => ({
  name: 'vaultkey-clean-dist',
  buildStart() {
    if (!this.meta.watchMode) rmSync('dist', { recursive: true, force: true });
  },
});

/**
 * Minifies the browser build (with source maps). dist/ is what a page loads
 * when it uses no bundler, and bundlers minify again anyway; the budget in
 * scripts/bundle-size.mjs is measured on these files. Licence comments stay.
 * The node build stays readable: its stack traces are read in terminals.
 */
const minify = () => ({
  name: 'vaultkey-minify',
  async renderChunk(code, chunk) {
    const r = await transform(code, {
      minify: true, format: 'esm', target: 'es2022', legalComments: 'inline', sourcemap: 'external', sourcefile: chunk.fileName,
    });
    return { code: r.code, map: r.map };
  },
});

/** The adapters' peer dependencies, with their subpaths (viem/accounts, viem/utils). */
const peers = [/^viem($|\/)/, /^ethers($|\/)/];

const ts = () => typescript({ tsconfig: './tsconfig.json', include: ['src/**/*.ts', 'worker/**/*.ts', 'build/*'], noEmitOnError: false, compilerOptions: { noCheck: true } });

const output = (dir) => ({
  dir,
  format: 'es',
  entryFileNames: '[name].js',
  chunkFileNames: '[name]-[hash].js',
  sourcemap: true,
});

const entries = {
  index: 'src/index.ts',
  core: 'src/core/index.ts',
  'bridge-client': 'src/bridge-client/index.ts',
  ledger: 'src/ledger/index.ts',
  viem: 'src/viem/index.ts',
  ethers: 'src/ethers/index.ts',
};

export default [
  {
    input: { ...entries, worker: 'worker/browser.ts' },
    output: output('dist'),
    external: peers,
    plugins: [cleanDist(), ledgerTransport(), nodeResolve({ browser: true }), ts(), minify()],
  },
  {
    input: { ...entries, worker: 'worker/node.ts' },
    output: output('dist/node'),
    external: [/^node:/, ...peers],
    plugins: [nodeSpawn, ledgerTransport(), nodeResolve(), ts()],
  },
];
