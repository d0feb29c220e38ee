#!/usr/bin/env node
// Writes test/fixtures/vault/legacy-vault.json: every IndexedDB database that
// an OLD release of vaultkey writes for one small vault, so a test can load it
// (test/fixtures/vault/legacy.js) and check that the current code opens and
// migrates such a vault in place.
//
//   node scripts/make-legacy-vault-fixture.mjs [OLD_CHECKOUT] [OUT_JSON]
//
// OLD_CHECKOUT (default /tmp/vk-old) is a built copy of the old release, e.g.
//   mkdir /tmp/vk-old && git archive fdb752b | tar -x -C /tmp/vk-old
//   ln -s "$PWD/node_modules" /tmp/vk-old/node_modules && (cd /tmp/vk-old && npm run build)
// Its own scripts/serve.mjs serves it (strict CSP) and its dist/ is what runs
// in Chromium. Set VAULTKEY_LEGACY_COMMIT to record which commit that was.
//
// The dump's values are JSON with two tags: Uint8Array -> {"$u8": hex},
// ArrayBuffer -> {"$ab": hex}. Anything else that JSON cannot hold exactly
// (CryptoKey, Date, Map, other typed arrays, undefined, NaN, -0, ...) stops
// the script: the fixture must be a faithful image or nothing.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(process.argv[2] ?? '/tmp/vk-old');
const out = resolve(process.argv[3] ?? join(here, '../test/fixtures/vault/legacy-vault.json'));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (!existsSync(join(root, 'dist/index.js')) || !existsSync(join(root, 'scripts/serve.mjs'))) {
  console.error(`${root} is not a built vaultkey checkout (needs dist/index.js and scripts/serve.mjs): run npm run build there`);
  process.exit(2);
}

function commitOf(dir) {
  if (process.env.VAULTKEY_LEGACY_COMMIT) return process.env.VAULTKEY_LEGACY_COMMIT;
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

const INPUT = {
  name: 'legacy',
  passphrase: 'correct horse battery staple',
  kdf: { alg: 'PBKDF2-SHA512' },
  mnemonic: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
  hdLabel: 'legacy hd',
  importedLabel: 'legacy imported',
  importedPrivateKey: Array.from({ length: 32 }, (_, i) => i + 1), // 0x01..0x20
  account: { purpose: 84, coinType: 0, account: 0 },
  digestText: 'vaultkey legacy fixture digest', // signed digest = SHA-256 of this (UTF-8)
};

/** Runs in the page (served by the old checkout). Returns the whole fixture as a JSON string. */
async function inPage(input) {
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

  // ---- strict encoder: Uint8Array/ArrayBuffer tagged, everything non-JSON refused ----
  function enc(v, path) {
    const fail = (what) => {
      throw new Error(`legacy dump: ${path} holds ${what}, which the fixture cannot represent`);
    };
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail(String(v));
      if (Object.is(v, -0)) fail('-0');
      return v;
    }
    if (typeof v !== 'object') fail(typeof v); // undefined, bigint, symbol, function
    if (typeof CryptoKey !== 'undefined' && v instanceof CryptoKey) fail(`a CryptoKey (${v.algorithm?.name}, ${v.type})`);
    if (v instanceof ArrayBuffer) return { $ab: hex(new Uint8Array(v)) };
    if (ArrayBuffer.isView(v)) {
      if (Object.getPrototypeOf(v) !== Uint8Array.prototype) fail(`a ${v.constructor?.name ?? 'typed array'}`);
      if (!(v.buffer instanceof ArrayBuffer)) fail('a Uint8Array over a SharedArrayBuffer');
      return { $u8: hex(v) };
    }
    if (Array.isArray(v)) {
      const a = [];
      for (let i = 0; i < v.length; i++) {
        if (!(i in v)) fail('a sparse array');
        a.push(enc(v[i], `${path}[${i}]`));
      }
      if (Object.keys(v).length !== v.length) fail('an array with extra properties');
      return a;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) fail(`a ${v.constructor?.name ?? 'non-plain object'}`);
    const keys = Object.keys(v);
    if (keys.length === 1 && (keys[0] === '$u8' || keys[0] === '$ab')) fail(`a plain object shaped like the ${keys[0]} tag`);
    const o = {};
    for (const k of keys) o[k] = enc(v[k], `${path}.${k}`);
    return o;
  }

  const req = (r) =>
    new Promise((ok, fail) => {
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });

  async function dumpDatabase(name, version) {
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
      r.onupgradeneeded = () => {
        r.transaction.abort();
        fail(new Error(`database ${name} vanished before it was dumped`));
      };
    });
    try {
      if (db.version !== version) throw new Error(`database ${name}: version ${db.version}, databases() said ${version}`);
      const names = [...db.objectStoreNames];
      const stores = [];
      if (names.length) {
        const tx = db.transaction(names, 'readonly');
        const done = new Promise((ok, fail) => {
          tx.oncomplete = ok;
          tx.onerror = () => fail(tx.error);
          tx.onabort = () => fail(tx.error ?? new Error('aborted'));
        });
        for (const s of names) {
          const st = tx.objectStore(s);
          const keyPath = st.keyPath === null || typeof st.keyPath === 'string' ? st.keyPath : Array.from(st.keyPath);
          const indexes = [...st.indexNames].map((i) => {
            const ix = st.index(i);
            return {
              name: ix.name,
              keyPath: typeof ix.keyPath === 'string' ? ix.keyPath : Array.from(ix.keyPath),
              unique: ix.unique,
              multiEntry: ix.multiEntry,
            };
          });
          const [values, keys] = await Promise.all([req(st.getAll()), req(st.getAllKeys())]);
          const at = `${name}/${s}`;
          const records =
            keyPath === null
              ? values.map((v, i) => ({ key: enc(keys[i], `${at}#${i}.key`), value: enc(v, `${at}#${i}`) }))
              : values.map((v, i) => enc(v, `${at}#${i}`));
          stores.push({ name: s, keyPath, autoIncrement: st.autoIncrement, indexes, records });
        }
        await done;
      }
      return { name, version: db.version, stores };
    } finally {
      db.close();
    }
  }

  // ---- make the vault with the old release ----
  const { Keystore } = await import('/dist/index.js');
  const ks = await Keystore.open({ name: input.name });
  try {
    const stateAtOpen = ks.state;
    await ks.create({ passphrase: input.passphrase, kdf: input.kdf });
    const hd = await ks.createFromMnemonic(input.mnemonic, { label: input.hdLabel });
    const [imported] = await ks.importKeys([
      { privateKey: Uint8Array.from(input.importedPrivateKey), curve: 'secp256k1', label: input.importedLabel },
    ]);
    const next = await ks.nextAddress(hd.id, input.account);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(input.digestText)));
    const signed = await ks.sign(hd.id, digest);
    const suspended = await ks.suspendKey(imported.id);
    const ethereum = await ks.getAddress(hd.id, 'ethereum', 0);
    const keys = await ks.keys();
    const methods = await ks.methods();
    const lifecycle = { hd: (await ks.lifecycleRecord(hd.id)).state, imported: (await ks.lifecycleRecord(imported.id)).state };
    const audit = await ks.verifyAuditLog();
    if (!audit.ok) throw new Error('the fresh audit chain does not verify: ' + JSON.stringify(audit));
    if (suspended.state !== 'suspended' || lifecycle.imported !== 'suspended') throw new Error('the imported key is not suspended');

    // ---- dump every database of the origin ----
    const list = (await indexedDB.databases()).filter((d) => d.name).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const databases = [];
    for (const d of list) databases.push(await dumpDatabase(d.name, d.version));
    const auditDb = databases.find((d) => d.name === `vaultkey-audit:${input.name}`);
    const auditStore = auditDb?.stores.find((s) => s.name === 'entries');
    if (!auditStore) throw new Error('no audit entries store in the dump');

    const facts = {
      vaultName: input.name,
      passphrase: input.passphrase,
      kdf: input.kdf,
      mnemonic: input.mnemonic,
      stateAtOpen,
      methods: methods.map((m) => ({ id: m.id, kind: m.kind, ...(m.kdf ? { kdf: m.kdf } : {}) })),
      hdKeyId: hd.id,
      importedKeyId: imported.id,
      keys,
      ethereumAddress: ethereum.address,
      ethereumAddressPath: ethereum.path,
      nextAddress: { account: input.account, result: next },
      importedPrivateKeyHex: hex(Uint8Array.from(input.importedPrivateKey)),
      importedPublicKeyHex: hex(imported.publicKey),
      sign: {
        keyId: hd.id,
        digestText: input.digestText,
        digestHex: hex(digest),
        signatureHex: hex(signed.signature),
        recovery: signed.recovery ?? null,
        path: signed.path,
        publicKeyHex: hex(signed.publicKey),
      },
      lifecycle,
      // Entries in the audit store at dump time (the last one is the verifyAuditLog above, or its
      // count from verify if verify logs after it walks the chain).
      auditEntries: auditStore.records.length,
      auditVerifiedEntries: audit.entries,
    };
    return JSON.stringify({ facts: enc(facts, 'facts'), databases });
  } finally {
    ks.close();
  }
}

const { serveStatic } = await import(pathToFileURL(join(root, 'scripts/serve.mjs')).href);
const server = await serveStatic({ root });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-gpu',
    '--no-first-run',
    '--disable-sync',
    '--disable-quic',
  ],
});
try {
  const context = await browser.newContext(); // a fresh, empty profile: no other database in the origin
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  const base = server.url.replace('127.0.0.1', 'localhost');
  await page.goto(base + 'test/fixtures/vault/vault.html');
  const { facts, databases } = JSON.parse(await page.evaluate(inPage, INPUT));
  await context.close();
  if (errors.length) throw new Error('page errors:\n' + errors.join('\n'));

  const expected = ['vaultkey:legacy', 'vaultkey-lifecycle:legacy', 'vaultkey-audit:legacy', 'vaultkey-principals:legacy'];
  const missing = expected.filter((n) => !databases.some((d) => d.name === n));
  if (missing.length) throw new Error('missing databases: ' + missing.join(', '));
  const foreign = databases.filter((d) => !d.name.endsWith(':legacy'));
  if (foreign.length) throw new Error('databases without the :legacy suffix: ' + foreign.map((d) => d.name).join(', '));

  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const fixture = {
    format: 'vaultkey-legacy-idb-dump/1',
    tags: { $u8: 'Uint8Array as hex', $ab: 'ArrayBuffer as hex' },
    source: {
      package: `${pkg.name}@${pkg.version}`,
      commit: commitOf(root),
      chromium: browser.version(),
      madeAt: new Date().toISOString(),
    },
    facts,
    databases,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(fixture, null, 2) + '\n');
  console.log(`wrote ${out}`);
  for (const d of databases) {
    console.log(`  ${d.name} v${d.version}: ` + d.stores.map((s) => `${s.name}=${s.records.length}`).join(', '));
  }
  console.log(`  hd ${facts.hdKeyId} ${facts.ethereumAddress}; imported ${facts.importedKeyId}; audit entries ${facts.auditEntries}`);
} finally {
  await browser.close();
  await server.close();
}
