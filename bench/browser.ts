// `npm run bench -- browser`: the same kind of side-by-side rows, in Debian's
// Chromium. bench/browser/ (page, bench worker, row list) is bundled with
// esbuild into a temp dir next to a copy of the built dist/ browser bundles
// (loaded unbundled, as shipped: vaultkey's own worker is dist/worker.js),
// served with scripts/serve.mjs (strict CSP), and driven through
// playwright-core. The page reports each group as a `vkbench {json}` console
// line; we print it in bench/harness.ts's format.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import type { ConsoleMessage } from 'playwright-core';
import { CHROMIUM, launch } from '../test/helpers/browser.ts';
// @ts-expect-error plain ESM helper without types
import { serveStatic } from '../scripts/serve.mjs';
import type { GroupResult } from './browser/main.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `vaultkey` and `vaultkey/core` stay imports of the copied dist/ files. */
const vaultkeyDist: esbuild.Plugin = {
  name: 'vaultkey-dist',
  setup(b) {
    b.onResolve({ filter: /^vaultkey(\/core)?$/ }, (a) => ({
      path: a.path === 'vaultkey' ? './vaultkey/index.js' : './vaultkey/core.js',
      external: true,
    }));
  },
};

/**
 * tiny-secp256k1's browser entry imports its .wasm as an ES module (a bundler
 * feature esbuild lacks); this stands in a module that instantiates the same
 * bytes with the same imports and re-exports its exports.
 */
const tinySecpWasm: esbuild.Plugin = {
  name: 'tiny-secp256k1-wasm',
  setup(b) {
    b.onResolve({ filter: /\.wasm$/ }, (a) =>
      a.importer.includes('tiny-secp256k1') ? { path: join(a.resolveDir, a.path), namespace: 'tiny-wasm' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'tiny-wasm' }, async (a) => {
      const bin = await readFile(a.path);
      const names = WebAssembly.Module.exports(new WebAssembly.Module(bin)).map((e) => e.name);
      return {
        resolveDir: dirname(a.path),
        contents: [
          "import * as rand from './rand.browser.js';",
          "import * as validate_error from './validate_error.js';",
          `const bin = Uint8Array.from(atob(${JSON.stringify(bin.toString('base64'))}), (c) => c.charCodeAt(0));`,
          "const { instance } = await WebAssembly.instantiate(bin, { './rand.js': rand, './validate_error.js': validate_error });",
          'const x = instance.exports;',
          ...names.map((n) => `export const ${n} = x.${n};`),
        ].join('\n'),
      };
    });
  },
};

export async function bundle(dir: string): Promise<void> {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: 'bench/browser/main.ts', 'bench-worker': 'bench/browser/worker.ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: dir,
    logLevel: 'error',
    plugins: [vaultkeyDist, tinySecpWasm],
  });
  await copyFile(join(root, 'bench/browser/index.html'), join(dir, 'index.html'));
  await mkdir(join(dir, 'vaultkey'));
  const files = (await readdir(join(root, 'dist'))).filter((f) => f.endsWith('.js'));
  for (const f of files) await copyFile(join(root, 'dist', f), join(dir, 'vaultkey', f));
  // A copy taken halfway through a rebuild would hang the page on a missing chunk.
  for (const f of files) {
    for (const [, dep] of (await readFile(join(dir, 'vaultkey', f), 'utf8')).matchAll(/["']\.\/([\w.-]+\.js)["']/g)) {
      if (!files.includes(dep!)) throw new Error(`dist/${f} imports ./${dep}, which is missing: is a build running? (npm run build)`);
    }
  }
}

function fmt(n: number): string {
  if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + 'k';
  return n.toFixed(n >= 100 ? 0 : 1);
}

export const results: GroupResult[] = [];

/** Same layout as bench/harness.ts; the first row is the subject of the ratios. */
function print(g: GroupResult): void {
  const subject = g.rows[0]!;
  console.log(`\n[chromium] ${g.title}`);
  for (const r of g.rows) {
    const ratio = r === subject ? '' : `  ${subject.lib} is ${(subject.opsPerSec / r.opsPerSec).toFixed(2)}x`;
    console.log(`  ${r.lib.padEnd(34)} ${fmt(r.opsPerSec).padStart(9)} ops/s${ratio}`);
  }
  for (const s of g.skipped) console.log(`  ${s.lib.padEnd(34)}   skipped: ${s.reason}`);
  const call = g.rows.find((r) => r.lib === 'vaultkey worker: pool.call each');
  const local = g.rows.find((r) => r.lib === 'vaultkey/core, main thread');
  if (call && local) {
    const us = 1e6 / call.opsPerSec - 1e6 / local.opsPerSec;
    console.log(`  -> one comlink call to the vaultkey worker adds ~${us.toFixed(0)} us over the same op in-thread`);
  }
}

export default async function browserBench(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log(`\nbrowser: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
    return;
  }
  const t0 = performance.now();
  const dir = await mkdtemp(join(os.tmpdir(), 'vaultkey-bench-'));
  let server: { url: string; close(): Promise<void> } | undefined;
  let browser: Awaited<ReturnType<typeof launch>> | undefined;
  try {
    await bundle(dir);
    // The page's strict CSP also on the worker scripts: every row runs under it (peers included).
    const served: { url: string; close(): Promise<void> } = await serveStatic({ root: dir, cspOnScripts: true });
    server = served;
    browser = await launch();
    const page = await browser.newPage();
    // Fails fast when the page goes quiet (the slowest group reports well within this).
    let timer: NodeJS.Timeout | undefined;
    const finished = new Promise<void>((resolve, reject) => {
      const watchdog = () => {
        clearTimeout(timer);
        timer = setTimeout(() => reject(new Error('browser bench: no progress from the page for 90 s')), 90_000);
      };
      watchdog();
      page.on('pageerror', (e) => reject(e));
      page.on('response', (r) => {
        if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) reject(new Error(`browser bench: ${r.status()} for ${r.url()}`));
      });
      page.on('console', (m: ConsoleMessage) => {
        watchdog();
        const text = m.text();
        if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) console.error(`  [page] ${text} ${m.location().url}`);
        if (!text.startsWith('vkbench ')) return;
        const msg = JSON.parse(text.slice(8));
        if (msg.kind === 'env') {
          console.log(`\nChromium ${browser!.version()} (headless), ${msg.threads} threads, ${msg.ms} ms x ${msg.rounds} rounds per row`);
          console.log('rows run in one dedicated bench Web Worker holding vaultkey/core (dist/core.js) and the peers, except:');
          console.log('  "main thread": vaultkey/core on the page; "vaultkey worker"/"pool": calls from the page through comlink');
          console.log(`  to vaultkey's own worker (dist/index.js WorkerPool, 1 worker; ${msg.poolSize} for the pool scan)`);
        } else if (msg.kind === 'group') {
          results.push(msg);
          print(msg);
        } else if (msg.kind === 'done') resolve();
        else if (msg.kind === 'error') reject(new Error(`bench page: ${msg.message}`));
      });
    });
    const q = new URLSearchParams();
    if (process.env.BENCH_MS) q.set('ms', process.env.BENCH_MS);
    if (process.env.BENCH_ROUNDS) q.set('rounds', process.env.BENCH_ROUNDS);
    if (process.env.BENCH_GREP) q.set('grep', process.env.BENCH_GREP);
    await page.goto(`${served.url}index.html?${q}`);
    await finished.finally(() => clearTimeout(timer));
    console.log(`\n[chromium] done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    await browser?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
