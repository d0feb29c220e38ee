// Two self-contained ESM builds of the same sources (dependencies bundled, so
// a page can load them with no bundler):
//   dist/        browsers: index.js, core.js, worker.js (module Web Worker),
//                backup-worker.js (the worker that worker.js starts for the
//                backup formats, worker/backup-browser.ts),
//                ledger.js, bridge-client.js, viem.js, ethers.js, backup.js
//                (built on its own, see sharedErrors), errors.js (shared)
//   dist/node/   Node:     same names, worker.js for worker_threads, and cli.js
//                (the `vaultkey` command, package.json "bin")
// (The bridge process is its own package, bridge/, built by bridge/build.mjs.)
// package.json picks one with the "node" export condition. The WASM is inlined
// by build/wasm-inline.js (scripts/build-wasm.mjs). viem and ethers are peer
// dependencies of the adapters: imported, never bundled. scripts/bundle-size.mjs
// measures and limits what the browser build costs a page.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { dirname, resolve } from 'node:path';
import { chmodSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { build, transform } from 'esbuild';
import { minify as terser } from 'terser';

/**
 * A plugin that gives one build its own version of a module: `source`, when
 * imported by a file whose name ends with `importer`, resolves to
 * `replacement` beside that file.
 */
function swapModule(name, source, importer, replacement) {
  return {
    name,
    resolveId(src, from) {
      return src === source && from && from.endsWith(importer) ? resolve(dirname(from), replacement) : null;
    },
  };
}

/** The node build swaps the browser worker spawner for the worker_threads one. */
const nodeSpawn = swapModule('vaultkey-node-spawn', './spawn.js', 'pool.ts', 'spawn.node.ts');

/**
 * The browser build has no default source of the lazy parts
 * (src/core/parts-default.browser.ts): the vault worker's graph must have no
 * import(), and its parts come from its page, checked by digest.
 */
const browserParts = swapModule('vaultkey-browser-parts', './parts-default.js', 'parts.ts', 'parts-default.browser.ts');

/**
 * The browser build's vault worker runs the backup formats in a backup worker
 * it starts itself (worker/vault/formats-host.browser.ts, dist/backup-worker.js),
 * so that their code is not in the first load; Node runs them in place.
 */
const browserFormats = swapModule('vaultkey-browser-formats', './formats-host.js', 'backup.ts', 'formats-host.browser.ts');

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
 * Empties dist/ (all but tsc's dist/types/) once, before the first build of this run writes to it: chunk
 * names are content-hashed, so without this every build leaves its old chunks
 * behind. Only on the first config, so the node build of the same run
 * (dist/node/) is not wiped by it.
 */
const cleanDist = () => ({
  name: 'vaultkey-clean-dist',
  buildStart() {
    if (this.meta.watchMode || !existsSync('dist')) return;
    // dist/types/ is tsc's, written before the bundles (scripts/build.mjs cleans it).
    for (const name of readdirSync('dist')) if (name !== 'types') rmSync(`dist/${name}`, { recursive: true, force: true });
  },
});

/**
 * Minifies the browser build (with source maps). dist/ is what a page loads
 * when it uses no bundler, and bundlers minify again anyway; the budget in
 * scripts/bundle-size.mjs is measured on these files. Licence comments stay.
 * The node build stays readable: its stack traces are read in terminals.
 * Terser with two compress passes rather than esbuild's minifier: measured on
 * this build, the first load is 1.6% smaller gzipped (95.2 -> 93.7 KB: its
 * inlining and dead-code passes), for about five more seconds of build; a third
 * pass or esbuild then terser changed nothing. Only safe transforms (no
 * `unsafe*` options). Local names are mangled as esbuild did; nothing reads
 * them (VaultkeyError sets its own name; errors carry codes).
 */
const minify = () => ({
  name: 'vaultkey-minify',
  async renderChunk(code, chunk) {
    const r = await terser(code, {
      module: true,
      ecma: 2020,
      compress: { passes: 2 },
      mangle: true,
      format: { comments: 'some' },
      sourceMap: { filename: chunk.fileName },
    });
    return { code: r.code, map: r.map };
  },
});

/** The adapters' peer dependencies, with their subpaths (viem/accounts, viem/utils). */
const peers = [/^viem($|\/)/, /^ethers($|\/)/, /^@solana\/kit($|\/)/];

/**
 * TypeScript to JavaScript with esbuild, file by file (types are only
 * stripped: tsconfig has isolatedModules). Type checking is the build's tsc
 * step (tsconfig.build.json), which fails the build on any error. esbuild
 * instead of @rollup/plugin-typescript: the same output, in a fraction of the time.
 */
const ts = () => ({
  name: 'vaultkey-esbuild-ts',
  resolveId(source, importer) {
    // Sources import siblings as './x.js' (what tsc and Node expect); the file is './x.ts'.
    if (!importer || !source.startsWith('.') || !source.endsWith('.js')) return null;
    const candidate = resolve(dirname(importer), source.slice(0, -3) + '.ts');
    return existsSync(candidate) ? candidate : null;
  },
  async transform(code, id) {
    if (!id.endsWith('.ts')) return null;
    const r = await transform(code, { loader: 'ts', format: 'esm', target: 'es2022', sourcemap: true, sourcefile: id, tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } } });
    return { code: r.code, map: r.map };
  },
});

/**
 * The `vaultkey` command (src/cli/): its entry chunk starts with the shebang
 * npm's bin link needs, and is executable so `./dist/node/cli.js` runs from a
 * checkout too (npm sets the mode itself when it installs the package).
 */
const CLI_SHEBANG = '#!/usr/bin/env node';
const cliExecutable = () => ({
  name: 'vaultkey-cli-executable',
  writeBundle(opts, bundle) {
    for (const chunk of Object.values(bundle))
      if (chunk.type === 'chunk' && chunk.isEntry && chunk.name === 'cli') chmodSync(resolve(opts.dir, chunk.fileName), 0o755);
  },
});

const output = (dir) => ({
  dir,
  format: 'es',
  entryFileNames: '[name].js',
  chunkFileNames: '[name]-[hash].js',
  sourcemap: true,
});

/**
 * vaultkey/backup in the browser build is built on its own (the second config
 * below), so the main entry's chunks stay as they are: sharing its modules
 * with the worker would cut those into more chunks, and the main entry would
 * pay gzip's per-file cost for each (about 1.8 KB gzipped, past the budget of
 * scripts/bundle-size.mjs). It shares one module with the rest of dist/:
 * src/errors.ts, which the main build writes as its own entry (errors.js, its
 * export names kept), so a VaultkeyError thrown by it is the same class as
 * everywhere else and `instanceof` works.
 */
const SHARED_ERRORS = '\0vaultkey-errors';
const sharedErrors = () => ({
  name: 'vaultkey-shared-errors',
  resolveId(source, importer) {
    if (!importer || !source.startsWith('.') || !source.endsWith('/errors.js')) return null;
    return resolve(dirname(importer), source) === resolve('src/errors.js') ? { id: SHARED_ERRORS, external: true } : null;
  },
});

const entries = {
  index: 'src/index.ts',
  core: 'src/core/index.ts',
  'bridge-client': 'src/bridge-client/index.ts',
  ledger: 'src/ledger/index.ts',
  viem: 'src/viem/index.ts',
  ethers: 'src/ethers/index.ts',
  eip1193: 'src/eip1193/index.ts',
  solana: 'src/solana/index.ts',
  bitcoin: 'src/bitcoin/index.ts',
  backup: 'src/backup/index.ts',
};

// vaultkey/solana and vaultkey/bitcoin too: their @noble/curves verifiers would
// otherwise split noble's modules out of the main entry's chunks (the same per-file cost).
const { backup: _ownBuild, solana: _solana, bitcoin: _bitcoin, ...withoutBackup } = entries;

export default [
  {
    input: { ...withoutBackup, worker: 'worker/browser.ts', 'backup-worker': 'worker/backup-browser.ts', errors: 'src/errors.ts' },
    output: output('dist'),
    external: peers,
    plugins: [cleanDist(), browserParts, browserFormats, ledgerTransport(), nodeResolve({ browser: true }), ts(), minify()],
  },
  {
    input: { backup: entries.backup },
    output: { ...output('dist'), paths: { [SHARED_ERRORS]: './errors.js' } },
    external: peers,
    plugins: [sharedErrors(), browserParts, nodeResolve({ browser: true }), ts(), minify()],
  },
  // Each on its own as well, so they share no chunk with backup's or each other's.
  ...['solana', 'bitcoin'].map((name) => ({
    input: { [name]: entries[name] },
    output: { ...output('dist'), paths: { [SHARED_ERRORS]: './errors.js' } },
    external: peers,
    plugins: [sharedErrors(), browserParts, nodeResolve({ browser: true }), ts(), minify()],
  })),
  {
    input: { ...entries, worker: 'worker/node.ts', cli: 'src/cli/index.ts' },
    output: { ...output('dist/node'), banner: (chunk) => (chunk.isEntry && chunk.name === 'cli' ? CLI_SHEBANG : '') },
    external: [/^node:/, ...peers],
    plugins: [nodeSpawn, ledgerTransport(), nodeResolve(), ts(), cliExecutable()],
  },
];
