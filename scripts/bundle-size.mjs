#!/usr/bin/env node
// Bundle budget of the browser build (dist/): what a page downloads for each
// entry point, gzip -9 per file (that is how the files travel), counting a
// chunk shared by several files once.
//
//   main      the first load of `import { Keystore } from 'vaultkey'`:
//             dist/index.js + its static imports, plus dist/worker.js and its
//             static imports: the page reaches the worker through
//             `new URL('./worker.js', import.meta.url)`, and the WASM is
//             inlined (base64) in these files. This is what the budget covers.
//             A worker that a worker starts (its own new URL: the backup
//             worker, dist/backup-worker.js) is lazy, not main.
//   optional  core, ledger, bridge-client, viem, ethers, backup: each reported
//             on its own and as the extra cost on top of main (chunks already
//             in main are free). dist/node/cli.js (the `vaultkey` command) is
//             Node only and not measured.
//   lazy      chunks an entry reaches only through import(), and nested
//             workers: fetched on first use, listed under the entry that can
//             load them and not counted in it (each with what it adds over
//             that entry).
//
// A worker's graph (the vault worker's, the backup worker's) must have no
// import() at all: Vite bundles workers as IIFE by default, and IIFE cannot
// code-split, so one dynamic import there breaks every Vite app with a
// default config. That is checked here too.
//
// So the lazy parts of the vault (src/core/parts.ts, docs/vault.md "Lazy
// parts") are data, not code: the Argon2id, Ed25519 and secp256k1
// verification WASM modules and the word lists, each a chunk the PAGE imports
// on first use and hands to the worker, which keeps it only if its SHA-256
// matches the digest built into the worker. A secp256k1 dApp with the default
// KDF (PBKDF2-SHA512, WebCrypto) that signs with ECDSA never fetches any of them. Lazy code in the worker takes a
// second worker, which the vault worker starts itself: the backup worker
// (the backup formats, docs/vault.md "Lazy parts"). The page's own code may
// use import() (its WebAuthn ceremonies do).
//
// Imports are read with rollup's own parser, so this follows exactly what
// rollup wrote. `node scripts/bundle-size.mjs` prints the table and exits 1
// when main is over budget (npm run build runs it last); `--json` prints the
// measurement instead.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseAst } from 'rollup/parseAst';

// History: 124 KB since the vault's governance (records, manifest, keyring, RBAC, lifecycle, audit commit) runs in
// its worker: +9.6 KB gzipped over the page-side release. 130 KB since the worker also bounds every
// KDF (docs/backup.md), reads SLIP-0039 (its 1024-word list) and Ethereum keystore v3 (scrypt) files,
// and keeps key policies and compromise events as authenticated records: +3.9 KB. The worker cannot
// lazy-load (see above), so the way back down is a second, backup-only worker.
// 134 KB since the worker signs and prunes the audit log (Ed25519 export signature, retention anchor)
// and keeps multisig approvals as authenticated records: +1.4 KB gzipped.
// 122 KB since Argon2id, Ed25519 and the SLIP-0039 word list are lazy parts (132.5 -> 120.5 KB first
// load, the parts 14.7 KB on first use). What remains is mostly code the worker runs for every vault
// (its governance 26.5 KB; lifecycle, audit, RBAC and multisig 19.4 KB; the backup formats 15.1 KB),
// which only a second worker could defer (docs/vault.md "Lazy parts").
// 109 KB since the WebAuthn ceremonies are a lazy chunk of the page (119.1 -> 118.2 KB) and the backup
// formats (encrypted backup files, binary shares, SLIP-0039, keystore v3 with scrypt) run in a backup
// worker that the vault worker starts on first use (118.2 -> 107.3 KB; the backup worker 14.8 KB).
// 110 KB with the secp256k1 verify work beside it (SIMD-paired products, a width-8 table for a
// repeated key: +1.3 KB in the core WASM chunk): 108.6 KB.
// 102 KB since secp256k1 verification (ECDSA verify, recovery, BIP-340 verify and batch, their tables
// and the SIMD-paired products) is a lazy part, build/secp256k1-verify.wasm (108.6 -> 101.5 KB first
// load, the part 15.3 KB on first use): a dApp that only signs with ECDSA never fetches it.
// 96 KB since the worker hashes on the core WASM alone: its record MACs, HKDF subkeys, Keccak-256
// (addresses, EIP-191) and BIP-39 checksums no longer pull @noble/hashes' SHA-2, HMAC, HKDF and SHA-3
// nor @scure/bip39's code (with the verification part: 108.6 -> 95.2 KB first load, with the shared module helpers).
// 94 KB since terser minifies the browser build instead of esbuild (95.2 -> 93.7 KB first load).
export const BUDGET_BYTES = 94 * 1024;
export const OPTIONAL_ENTRIES = ['core', 'ledger', 'bridge-client', 'viem', 'ethers', 'eip1193', 'solana', 'bitcoin', 'backup'];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Relative module specifiers a file loads: static imports/re-exports, import(), and new URL(x, import.meta.url). */
function references(code) {
  const out = { static: new Set(), lazy: new Set(), url: new Set() };
  const isLocal = (s) => typeof s === 'string' && (s.startsWith('./') || s.startsWith('../'));
  const walk = (node) => {
    if (!node || typeof node.type !== 'string') return;
    switch (node.type) {
      case 'ImportDeclaration':
      case 'ExportNamedDeclaration':
      case 'ExportAllDeclaration':
        if (isLocal(node.source?.value)) out.static.add(node.source.value);
        break;
      case 'ImportExpression':
        if (isLocal(node.source?.value)) out.lazy.add(node.source.value);
        break;
      case 'NewExpression': {
        const [spec, base] = node.arguments;
        const isImportMetaUrl = base?.type === 'MemberExpression' && base.object?.type === 'MetaProperty' && base.property?.name === 'url';
        if (node.callee?.name === 'URL' && isImportMetaUrl && isLocal(spec?.value)) out.url.add(spec.value);
        break;
      }
    }
    for (const key in node) {
      const v = node[key];
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object' && typeof v.type === 'string') walk(v);
    }
  };
  walk(parseAst(code));
  return out;
}

/**
 * Measures dist/. Returns { budget, main, entries, lazy, workerLazy,
 * nestedWorkers }: every group is { files: string[], raw, gzip },
 * `entries[name]` also has `extra` (the group minus what main already loads),
 * `workerLazy` lists the chunks the workers' graphs load with import() (must
 * be empty), `nestedWorkers` the workers that the vault worker starts itself
 * (lazy chunks of main).
 */
export function measure(dist = join(root, 'dist')) {
  const files = new Map(); // path relative to dist -> { raw, gzip, refs }
  const info = (rel) => {
    let f = files.get(rel);
    if (!f) {
      const buf = readFileSync(join(dist, rel));
      f = { raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length, refs: references(buf.toString('utf8')) };
      files.set(rel, f);
    }
    return f;
  };
  const resolveRef = (from, spec) => relative(dist, resolve(dist, dirname(from), spec));

  /** Static closure of `starts`: `lazy` its import()s, `urls` the .js files it starts with new URL(...) (workers). */
  const closure = (starts) => {
    const seen = new Set();
    const lazy = new Set();
    const urls = new Set();
    const stack = [...starts];
    while (stack.length) {
      const rel = stack.pop();
      if (seen.has(rel)) continue;
      seen.add(rel);
      const { refs } = info(rel);
      for (const s of refs.static) stack.push(resolveRef(rel, s));
      for (const s of refs.url) if (s.endsWith('.js')) urls.add(resolveRef(rel, s));
      for (const s of refs.lazy) lazy.add(resolveRef(rel, s));
    }
    return { seen, lazy, urls };
  };
  const group = (set) => {
    const list = [...set].sort();
    return { files: list, raw: list.reduce((n, f) => n + info(f).raw, 0), gzip: list.reduce((n, f) => n + info(f).gzip, 0) };
  };

  // The page and the workers it starts (new URL in the page's graph) are the first load; a worker
  // that a worker starts (the backup worker) is a lazy chunk of main, like an import() of the page.
  const page = closure(['index.js']);
  if (!page.urls.has('worker.js')) throw new Error('dist/index.js does not reference ./worker.js through new URL(..., import.meta.url)');
  const workers = closure([...page.urls]);
  const main = { seen: new Set([...page.seen, ...workers.seen]), lazy: new Set([...page.lazy, ...workers.lazy, ...workers.urls]) };
  const nested = [...workers.urls].filter((f) => !main.seen.has(f)).sort();
  // Every worker's graph, nested ones included: none may use import().
  const workerLazy = [...closure(['worker.js', ...nested]).lazy].sort();
  /** An entry's lazy chunks, each with its full closure minus what the entry (and main) already load. */
  const lazyOf = (c, loaded) => {
    const out = {};
    for (const f of [...c.lazy].sort()) {
      if (loaded.has(f)) continue;
      out[f] = group([...closure([f]).seen].filter((x) => !loaded.has(x)));
    }
    return out;
  };
  const mainGroup = { ...group(main.seen), lazy: lazyOf(main, main.seen) };
  const entries = {};
  const lazy = { ...mainGroup.lazy };
  for (const name of OPTIONAL_ENTRIES) {
    const file = `${name}.js`;
    if (!existsSync(join(dist, file))) continue;
    const c = closure([file]);
    const entryLazy = lazyOf(c, new Set([...c.seen, ...main.seen]));
    entries[name] = { ...group(c.seen), extra: group([...c.seen].filter((f) => !main.seen.has(f))), lazy: entryLazy };
    for (const [f, g] of Object.entries(entryLazy)) lazy[f] ??= g;
  }
  return { budget: BUDGET_BYTES, main: mainGroup, entries, lazy, workerLazy, nestedWorkers: nested };
}

const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KB';

/** What a lazy chunk is, by its name (the parts of src/core/parts.ts, else the file name). */
const LAZY_LABELS = [
  [/^argon2-inline-/, 'Argon2id WASM'],
  [/^ed25519-inline-/, 'Ed25519 WASM'],
  [/^secp256k1-verify-inline-/, 'secp256k1 verify WASM'],
  [/^slip39-words-inline-/, 'SLIP-0039 words'],
  [/^bip39-words-inline-/, 'BIP-39 words'],
  [/^passkey-/, 'WebAuthn ceremonies'],
  [/^backup-worker\.js$/, 'backup worker'],
];
const lazyLabel = (file) => {
  const hit = LAZY_LABELS.find(([re]) => re.test(file));
  return hit ? `${hit[1]} (${file})` : file;
};

export function formatTable(m) {
  const rows = [['entry', 'raw', 'gzip -9', 'extra over main (gz)']];
  const lazyRows = (lazy) => {
    for (const [file, g] of Object.entries(lazy ?? {})) rows.push([`  lazy: ${lazyLabel(file)}`, kb(g.raw), kb(g.gzip), '']);
  };
  rows.push(['vaultkey (index + worker + WASM)', kb(m.main.raw), kb(m.main.gzip), '']);
  lazyRows(m.main.lazy);
  for (const [name, g] of Object.entries(m.entries)) {
    rows.push([`vaultkey/${name}`, kb(g.raw), kb(g.gzip), kb(g.extra.gzip)]);
    lazyRows(g.lazy);
  }
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  const pct = ((m.main.gzip / m.budget) * 100).toFixed(0);
  return [
    line(rows[0]),
    ...rows.slice(1).map(line),
    '',
    `main budget: ${kb(m.main.gzip).trim()} of ${kb(m.budget).trim()} gzipped (${pct}%), first load; lazy parts not counted`,
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const m = measure();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(m, null, 2));
  } else {
    console.log(formatTable(m));
  }
  if (m.main.gzip > m.budget) {
    console.error(
      `\nvaultkey main entry is over its bundle budget by ${((m.main.gzip - m.budget) / 1024).toFixed(1)} KB gzipped: ${m.main.files.join(', ')}`,
    );
    process.exitCode = 1;
  }
  if (m.workerLazy.length) {
    console.error(`\na worker's graph uses import() (${m.workerLazy.join(', ')}): Vite's default IIFE worker build cannot split it`);
    process.exitCode = 1;
  }
}
