// The packages as a user gets them: `npm pack` of the library and of the
// bridge, installed with npm into scratch projects.
// - The library installs no native add-on (the PKCS#11 and keyring bindings
//   belong to vaultkey-bridge), and every export-map entry loads in Node with
//   `import` and with `require` (require(esm)), exporting the same names.
// - Each tarball holds the types for every entry and every file its README
//   links to.
// - The library's command (`vaultkey`, package.json "bin") is on the app's
//   PATH and recovers a backup file made with the installed vaultkey/backup.
// - The bridge installs on its own (optional native bindings left out, as on a
//   machine without a compiler), its command prints its usage, and
//   `startBridge` serves on loopback.
// The Vite and webpack builds of an app over the installed tarball run in
// Chromium in test/consumers.browser.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installInto, installedVersion, pack, repo, tarballFiles } from './helpers/packed.ts';

let tmp: string;
/** The scratch app the library test installs the library tarball into. */
let libApp: string | undefined;
let libTgz: string;
let bridgeTgz: string;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'vaultkey-install-'));
  libTgz = pack(join(tmp, 'packs'));
  bridgeTgz = pack(join(tmp, 'packs'), 'vaultkey-bridge');
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

/** Every file under dir (following no symlinks). */
function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Relative links in a markdown file, without their #fragment. */
const relativeLinks = (md: string) =>
  [...md.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/i.test(l));

function assertShipsEntriesAndLinks(tgz: string, pkgDir: string): void {
  const files = new Set(tarballFiles(tgz));
  const pkg = readJson(join(pkgDir, 'package.json'));
  for (const [entry, target] of Object.entries<Record<string, string> | string>(pkg.exports)) {
    if (typeof target === 'string') {
      assert.ok(files.has(target.slice(2)), `${pkg.name} ${entry}: ${target}`);
      continue;
    }
    for (const [cond, path] of Object.entries(target))
      assert.ok(files.has(path.slice(2)), `${pkg.name} ${entry} (${cond}): ${path} is in the tarball`);
    assert.ok(target.types, `${pkg.name} ${entry} has types`);
  }
  for (const bin of Object.values<string>(pkg.bin ?? {})) assert.ok(files.has(bin.replace(/^\.\//, '')), `${pkg.name} bin ${bin}`);
  assert.ok(files.has('LICENSE') && files.has('README.md'), `${pkg.name} ships LICENSE and README.md`);
  const links = relativeLinks(readFileSync(join(pkgDir, 'README.md'), 'utf8'));
  assert.ok(links.length > 0, `${pkg.name}'s README links somewhere`);
  for (const l of links) assert.ok(files.has(l), `${pkg.name}'s README links ${l}, which the tarball holds`);
}

test('each tarball holds every entry with its types, its bin, LICENSE and what its README links to', () => {
  assertShipsEntriesAndLinks(libTgz, repo);
  assertShipsEntriesAndLinks(bridgeTgz, join(repo, 'bridge'));
  const lib = tarballFiles(libTgz);
  assert.ok(!lib.some((f) => f.startsWith('bridge/') || f.includes('/bridge/cli')), 'the library tarball carries no bridge process');
  assert.ok(!lib.some((f) => /^(src|worker|assembly|test)\//.test(f)), 'no sources or tests in the library tarball');
});

test('the library installs with no native add-on, and every entry loads with import and require', () => {
  const app = join(tmp, 'app');
  installInto(app, [
    libTgz,
    `viem@${installedVersion('viem')}`,
    `ethers@${installedVersion('ethers')}`,
    `@solana/kit@${installedVersion('@solana/kit')}`,
  ]);
  libApp = app;
  const installed = walk(join(app, 'node_modules'));
  const native = installed.filter((f) => f.endsWith('.node') || f.endsWith('binding.gyp'));
  assert.deepEqual(native, [], 'no native add-on or node-gyp build in a browser app');
  for (const name of ['pkcs11js', '@napi-rs/keyring', 'vaultkey-bridge'])
    assert.ok(!existsSync(join(app, 'node_modules', name)), `${name} is not installed`);

  const pkg = readJson(join(app, 'node_modules/vaultkey/package.json'));
  const entries = Object.keys(pkg.exports)
    .filter((k) => k !== './package.json')
    .map((k) => (k === '.' ? 'vaultkey' : `vaultkey/${k.slice(2)}`));
  assert.deepEqual(entries.sort(), [
    'vaultkey',
    'vaultkey/backup',
    'vaultkey/bitcoin',
    'vaultkey/bridge-client',
    'vaultkey/core',
    'vaultkey/eip1193',
    'vaultkey/ethers',
    'vaultkey/ledger',
    'vaultkey/solana',
    'vaultkey/viem',
  ]);
  writeFileSync(
    join(app, 'esm.mjs'),
    `const out = {};\nfor (const n of ${JSON.stringify(entries)}) out[n] = Object.keys(await import(n)).sort();\nconsole.log(JSON.stringify(out));\n`,
  );
  writeFileSync(
    join(app, 'cjs.cjs'),
    `const out = {};\nfor (const n of ${JSON.stringify(entries)}) out[n] = Object.keys(require(n)).sort();\nconsole.log(JSON.stringify(out));\n`,
  );
  // require(esm) prints an ExperimentalWarning on Node 20; stderr is not the result.
  const run = (file: string) =>
    JSON.parse(execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const esm = run('esm.mjs');
  const cjs = run('cjs.cjs');
  for (const n of entries) assert.ok(esm[n].length > 0, `${n} exports something`);
  assert.deepEqual(cjs, esm, 'require and import see the same exports');
  assert.ok(esm['vaultkey/core'].includes('secp256k1') && esm.vaultkey.includes('Keystore'));

  // The installed library computes: one call through the Node build, worker included.
  writeFileSync(
    join(app, 'use.mjs'),
    [
      "import { init, sha256 } from 'vaultkey/core';",
      "import { WorkerPool } from 'vaultkey';",
      'await init();',
      'const pool = await WorkerPool.create({ size: 1 });',
      "const viaWorker = await pool.call('sha256', new TextEncoder().encode('abc'));",
      'await pool.terminate();',
      "console.log(Buffer.from(sha256(new TextEncoder().encode('abc'))).toString('hex'), Buffer.from(viaWorker).toString('hex'));",
    ].join('\n'),
  );
  const [direct, pooled] = execFileSync(process.execPath, ['use.mjs'], { cwd: app, encoding: 'utf8' }).trim().split(' ');
  const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'; // FIPS 180-2, appendix B.1
  assert.equal(direct, abc);
  assert.equal(pooled, abc);
});

test('the bridge installs on its own, prints its usage and serves on loopback', () => {
  const ops = join(tmp, 'ops');
  // --omit=optional: as on a machine that cannot build pkcs11js; the bridge still starts.
  installInto(ops, [bridgeTgz], ['--omit=optional']);
  assert.ok(!existsSync(join(ops, 'node_modules/vaultkey')), 'the bridge does not pull the browser library');
  const help = execFileSync(join(ops, 'node_modules/.bin/vaultkey-bridge'), ['--help'], { encoding: 'utf8' });
  assert.match(help, /^Usage: vaultkey-bridge/);
  writeFileSync(
    join(ops, 'serve.mjs'),
    [
      "import { startBridge } from 'vaultkey-bridge';",
      "const b = await startBridge({ port: 0, allowedOrigins: ['https://wallet.example'], logger: () => {} });",
      "const r = await fetch(`http://127.0.0.1:${b.port}/v1/info`, { method: 'POST', headers: { origin: 'https://wallet.example', 'content-type': 'application/json' }, body: '{}' });",
      'console.log(JSON.stringify({ status: r.status, body: await r.json() }));',
      'await b.close();',
    ].join('\n'),
  );
  const r = JSON.parse(execFileSync(process.execPath, ['serve.mjs'], { cwd: ops, encoding: 'utf8' }));
  assert.equal(r.status, 200);
  assert.equal(r.body.result.name, 'vaultkey-bridge');
  assert.equal(r.body.result.version, readJson(join(repo, 'bridge/package.json')).version);
  assert.equal(r.body.result.paired, false);
});

test('the installed library has its command: vaultkey --help, and recover opens a backup file made with vaultkey/backup', () => {
  const app = libApp ?? join(tmp, 'app-bin');
  if (!libApp) installInto(app, [libTgz]);
  const bin = join(app, 'node_modules/.bin/vaultkey');
  assert.match(execFileSync(bin, ['--help'], { encoding: 'utf8' }), /^Usage: vaultkey <command>/);
  assert.match(execFileSync(bin, ['recover', '--help'], { encoding: 'utf8' }), /^Usage: vaultkey recover \[options\] FILE\.\.\./);
  // The form the docs give: `npx --no` runs the installed command and never fetches a registry package of that name.
  const viaNpx = execFileSync('npx', ['--no', 'vaultkey', 'recover', '--help'], {
    cwd: app,
    encoding: 'utf8',
    env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false' },
  });
  assert.match(viaNpx, /^Usage: vaultkey recover /);
  const usage = spawnSync(bin, ['recover'], { encoding: 'utf8' });
  assert.equal(usage.status, 2, 'no FILE: usage error');

  const phrase = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
  writeFileSync(
    join(app, 'make-backup.mjs'),
    [
      "import { writeFileSync } from 'node:fs';",
      "import { init, mnemonicToSeed } from 'vaultkey/core';",
      "import { encryptBackup } from 'vaultkey/backup';",
      'await init();',
      `const phrase = ${JSON.stringify(phrase)};`,
      "const key = { id: 'k_000000000000000000000001', kind: 'seed', label: 'main', createdAt: 1, secret: await mnemonicToSeed(phrase), mnemonic: new TextEncoder().encode(phrase) };",
      "const file = await encryptBackup({ version: 1, createdAt: Date.now(), keys: [key] }, 'installed backup passphrase', { kdf: { t: 1, m: 256, p: 1 } });",
      "writeFileSync('installed.vkbk', file);",
    ].join('\n'),
  );
  execFileSync(process.execPath, ['make-backup.mjs'], { cwd: app });
  const r = spawnSync(bin, ['recover', 'installed.vkbk'], { cwd: app, input: 'installed backup passphrase\n', encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, phrase + '\n');
  assert.ok(!r.stderr.includes('installed backup passphrase') && !r.stderr.includes('abandon'), 'no secret on stderr');
});
