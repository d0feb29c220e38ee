// The lazy parts in Chromium (src/core/parts.ts, docs/vault.md "Lazy parts"):
// the Argon2id, Ed25519 and secp256k1 verification WASM modules and the
// SLIP-0039 and BIP-39 word lists are chunks the page fetches on first use and
// hands to the vault worker, which
// keeps one only if it hashes to the digest built into it. Two pieces of
// code load on first use too: the page's WebAuthn ceremonies, and the backup
// worker that the vault worker starts for the backup formats. Every request
// of the page and its workers is recorded, so the tests see which chunks a
// flow fetched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { launch, serveRepo, watchErrors, type Served } from './helpers/browser.ts';
import { addAuthenticator, call, fails, ok, reload } from './helpers/keystore-page.ts';

const PASS = 'correct horse battery staple';
const dist = new URL('../dist/', import.meta.url);

/** dist/ file name of each part's chunk (content-hashed: found by prefix). */
const PART_FILES = (() => {
  const files = readdirSync(dist);
  const one = (prefix: string) => {
    const hits = files.filter((f) => f.startsWith(prefix) && f.endsWith('.js'));
    assert.equal(hits.length, 1, `exactly one dist/${prefix}*.js (run npm run build)`);
    return hits[0]!;
  };
  return {
    argon2: one('argon2-inline-'),
    ed25519: one('ed25519-inline-'),
    'secp256k1-verify': one('secp256k1-verify-inline-'),
    'slip39-words': one('slip39-words-inline-'),
    'bip39-words': one('bip39-words-inline-'),
  };
})();
type Part = keyof typeof PART_FILES;

/** The page's own lazy chunk: the WebAuthn ceremonies (src/vault/passkey.ts), loaded by the first passkey method. */
const PASSKEY_FILE = (() => {
  const hits = readdirSync(dist).filter((f) => f.startsWith('passkey-') && f.endsWith('.js'));
  assert.equal(hits.length, 1, 'exactly one dist/passkey-*.js (run npm run build)');
  return hits[0]!;
})();
const passkeyFetches = (t: Tab) => t.paths.filter((x) => x.endsWith(`/dist/${PASSKEY_FILE}`)).length;
/** The backup worker (worker/backup-browser.ts), which the vault worker starts for the backup formats. */
const backupWorkerFetches = (t: Tab) => t.paths.filter((x) => x.endsWith('/dist/backup-worker.js')).length;

let browser: Browser;
let server: Served;
let base: string;
let n = 0;
const uniq = () => `lazy${process.pid}x${Date.now().toString(36)}x${n++}`;

before(async () => {
  server = await serveRepo();
  base = server.url.replace('127.0.0.1', 'localhost');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

interface Tab {
  ctx: BrowserContext;
  page: Page;
  errors: string[];
  /** Paths of every request so far (the page's and its workers'). */
  paths: string[];
}

/** A fresh profile (empty HTTP cache and IndexedDB) with the Keystore fixture page loaded. */
async function freshTab(): Promise<Tab> {
  const ctx = await browser.newContext();
  const paths: string[] = [];
  ctx.on('request', (r) => paths.push(new URL(r.url()).pathname));
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await reload(page, base);
  return { ctx, page, errors, paths };
}

/** Which parts' chunks were requested. */
const fetched = (t: Tab): Part[] =>
  (Object.keys(PART_FILES) as Part[]).filter((p) => t.paths.some((x) => x.endsWith(`/dist/${PART_FILES[p]}`)));

async function vaultWithKey(t: Tab, opts: object = {}): Promise<string> {
  assert.equal((await t.page.evaluate((o) => (window as any).vt.open(o), { name: uniq(), ...opts })).state, 'empty');
  assert.equal((await ok(t.page, 'create', { passphrase: PASS })).state, 'unlocked');
  return (await ok(t.page, 'generate', { label: 'lazy' })).id;
}

/** A new page in the same profile (so the same HTTP cache and routes) with a new vault and key. */
async function vaultInNewPage(t: Tab): Promise<string> {
  await t.page.close();
  t.page = await t.ctx.newPage();
  await reload(t.page, base);
  return vaultWithKey(t);
}

const unhex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/^hex:/, ''), 'hex'));

async function secpSign(t: Tab, id: string): Promise<void> {
  const digest = crypto.randomBytes(32);
  const s = await ok(t.page, 'sign', id, 'hex:' + digest.toString('hex'));
  assert.ok(
    secp256k1.verify(unhex(s.signature).slice(0, 64), digest, unhex(s.publicKey), { prehash: false }),
    'secp256k1 signature verifies',
  );
}

test('a secp256k1-only flow: a new mnemonic key fetches only the BIP-39 words; opening, unlocking and signing fetch no part', async () => {
  const t = await freshTab();
  const name = uniq();
  assert.equal((await t.page.evaluate((o) => (window as any).vt.open(o), { name })).state, 'empty');
  await ok(t.page, 'create', { passphrase: PASS });
  const id = (await ok(t.page, 'generate', { label: 'lazy' })).id;
  assert.deepEqual(fetched(t), ['bip39-words'], 'making a mnemonic needs the word list, and nothing else');
  await secpSign(t, id);
  const kdf = (await ok(t.page, 'methods')).find((m: any) => m.kind === 'passphrase').kdf;
  assert.equal(kdf.alg, 'PBKDF2-SHA512', 'the default vault KDF is WebCrypto PBKDF2, not Argon2id');

  // The returning user: a new page and worker on the same vault.
  t.paths.length = 0;
  await reload(t.page, base);
  assert.equal((await t.page.evaluate((o) => (window as any).vt.open(o), { name })).state, 'locked');
  await ok(t.page, 'unlock', { passphrase: PASS });
  await secpSign(t, id);
  await ok(t.page, 'lock');
  await ok(t.page, 'unlock', { passphrase: PASS });
  await secpSign(t, id);
  assert.ok(
    t.paths.some((p) => p.endsWith('/dist/worker.js')),
    'the worker was loaded again (its requests are recorded too)',
  );
  assert.deepEqual(fetched(t), [], `no lazy part fetched; requests: ${t.paths.join(' ')}`);
  assert.equal(passkeyFetches(t), 0, 'a passphrase vault never loads the WebAuthn ceremonies');
  assert.equal(backupWorkerFetches(t), 0, 'nor the backup worker');
  assert.deepEqual(t.errors, []);
  await t.ctx.close();
});

test('the WebAuthn ceremonies are a lazy chunk of the page: fetched by the first passkey method, ahead of the prompt on a passkey vault', async () => {
  const t = await freshTab();
  await addAuthenticator(t.page);
  const name = uniq();
  assert.equal((await t.page.evaluate((o) => (window as any).vt.open(o), { name })).state, 'empty');
  await ok(t.page, 'create', { passphrase: PASS });
  const id = (await ok(t.page, 'generate', { label: 'lazy' })).id;
  await secpSign(t, id);
  assert.equal(passkeyFetches(t), 0, 'not before a passkey is used');
  assert.equal((await ok(t.page, 'addPasskey', { userName: 'lazy' })).kind, 'passkey');
  assert.equal(passkeyFetches(t), 1, 'enrolling a passkey loads them');

  // A new page on that vault: opening it starts the load (the vault has a passkey method), so the
  // unlock prompt does not wait for a fetch after the user's click; it is loaded once.
  t.paths.length = 0;
  await reload(t.page, base);
  assert.equal((await t.page.evaluate((o) => (window as any).vt.open(o), { name })).state, 'locked');
  await t.page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => /\/dist\/passkey-[^/]*\.js$/.test(e.name)));
  assert.equal(passkeyFetches(t), 1, 'opening a vault with a passkey method loads them');
  assert.equal((await ok(t.page, 'unlock', { passkey: true })).state, 'unlocked');
  await secpSign(t, id);
  assert.equal(passkeyFetches(t), 1, 'once per page');
  assert.deepEqual(fetched(t), [], 'and no vault part');
  assert.deepEqual(t.errors, []);
  await t.ctx.close();
});

test('Ed25519, SLIP-0039 and Argon2id each fetch their part on first use, and work', async () => {
  const t = await freshTab();
  const id = await vaultWithKey(t);
  assert.deepEqual(fetched(t), ['bip39-words']);

  // Ed25519 (SLIP-0010 path of the HD key): RFC 8032 signature checked by @noble/curves.
  const msg = crypto.randomBytes(40);
  const e = await ok(t.page, 'sign', id, 'hex:' + msg.toString('hex'), { curve: 'ed25519' });
  assert.ok(ed25519.verify(unhex(e.signature), msg, unhex(e.publicKey)), 'Ed25519 signature verifies');
  assert.deepEqual(fetched(t).sort(), ['bip39-words', 'ed25519']);

  // SLIP-0039: 2-of-3 shares of the seed; two of them restore the same wallet in another profile.
  assert.equal(backupWorkerFetches(t), 0);
  const groups = await ok(t.page, 'exportSlip39', id, { passphrase: PASS }, { groups: [{ threshold: 2, count: 3 }] });
  assert.equal(groups[0].length, 3);
  assert.deepEqual(fetched(t).sort(), ['bip39-words', 'ed25519', 'slip39-words']);
  assert.equal(backupWorkerFetches(t), 1, 'the SLIP-0039 code runs in the backup worker, started by the vault worker on first use');
  const other = await freshTab();
  assert.equal((await other.page.evaluate((o) => (window as any).vt.open(o), { name: uniq() })).state, 'empty');
  await ok(other.page, 'create', { passphrase: PASS });
  const k = await ok(other.page, 'importSlip39', [groups[0][0], groups[0][2]], { label: 'from shares' });
  assert.deepEqual(fetched(other), ['slip39-words']);
  assert.equal(backupWorkerFetches(other), 1);
  for (const chain of ['ethereum', 'solana']) {
    assert.equal((await ok(other.page, 'getAddress', k.id, chain)).address, (await ok(t.page, 'getAddress', id, chain)).address);
  }

  // Argon2id: re-enrol the passphrase under it, then unlock with it.
  const pm = await ok(t.page, 'setPassphrase', 'a new passphrase!', { alg: 'argon2id' });
  assert.equal(pm.kdf.alg, 'argon2id');
  assert.deepEqual(fetched(t).sort(), ['argon2', 'bip39-words', 'ed25519', 'slip39-words']);
  await ok(t.page, 'lock');
  await fails(t.page, 'WRONG_PASSPHRASE', 'unlock', { passphrase: PASS });
  await ok(t.page, 'unlock', { passphrase: 'a new passphrase!' });
  await secpSign(t, id);

  // Each part is fetched once per page, however often it is used.
  for (const p of ['argon2', 'bip39-words', 'ed25519', 'slip39-words'] as const)
    assert.equal(t.paths.filter((x) => x.endsWith(`/dist/${PART_FILES[p]}`)).length, 1, p);
  assert.deepEqual(t.errors, []);
  assert.deepEqual(other.errors, []);
  await t.ctx.close();
  await other.ctx.close();
});

test('a part that is not the one the worker was built with is refused: PART_REJECTED, and the vault keeps working', async () => {
  const t = await freshTab();
  // The Ed25519 chunk answered with the Argon2id one (valid WASM, wrong part), then with one base64 character changed.
  const argon2Chunk = readFileSync(new URL(PART_FILES.argon2, dist), 'utf8');
  const edChunk = readFileSync(new URL(PART_FILES.ed25519, dist), 'utf8');
  const flipped = edChunk.replace(/"([A-Za-z0-9+/]{100})([A-Za-z0-9+/])/, (_m, a: string, c: string) => `"${a}${c === 'A' ? 'B' : 'A'}`);
  assert.notEqual(flipped, edChunk);
  let body = argon2Chunk;
  await t.ctx.route(`**/dist/${PART_FILES.ed25519}`, (r) => r.fulfill({ status: 200, contentType: 'text/javascript', body }));
  const id = await vaultWithKey(t);
  const msg = 'hex:' + '42'.repeat(32);
  const r = await call(t.page, 'sign', id, msg, { curve: 'ed25519' });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.code, 'PART_REJECTED', r.message);
    assert.equal(r.isVk, true, 'a VaultkeyError on the page');
  }
  // secp256k1 is untouched, and asking again asks again (nothing bad was kept): still refused.
  await secpSign(t, id);
  await fails(t.page, 'PART_REJECTED', 'sign', id, msg, { curve: 'ed25519' });

  // A fresh page whose chunk has one character changed: refused the same way.
  body = flipped;
  const id2 = await vaultInNewPage(t);
  await fails(t.page, 'PART_REJECTED', 'sign', id2, msg, { curve: 'ed25519' });
  await secpSign(t, id2);
  await t.ctx.close();
});

/** A BIP-341 key-path signature by the key's default path, checked by @noble/curves against its output key. */
async function schnorrSign(t: Tab, id: string): Promise<void> {
  const digest = crypto.randomBytes(32);
  const s = await ok(t.page, 'signSchnorr', id, 'hex:' + digest.toString('hex'));
  assert.ok(schnorr.verify(unhex(s.signature), digest, unhex(s.outputKey)), 'BIP-340 signature verifies');
}

/** An ECDSA signature of the key and the vault's own verdict on it (Keystore.verify) and on a changed digest. */
async function secpVerify(t: Tab, id: string): Promise<void> {
  const digest = crypto.randomBytes(32);
  const s = await ok(t.page, 'sign', id, 'hex:' + digest.toString('hex'));
  const sig = 'hex:' + Buffer.from(unhex(s.signature).subarray(0, 64)).toString('hex');
  assert.equal(await ok(t.page, 'verify', id, 'hex:' + digest.toString('hex'), sig), true);
  digest[0]! ^= 1;
  assert.equal(await ok(t.page, 'verify', id, 'hex:' + digest.toString('hex'), sig), false);
}

const verifyFetches = (t: Tab) => t.paths.filter((x) => x.endsWith(`/dist/${PART_FILES['secp256k1-verify']}`)).length;

test('secp256k1 verification is a lazy part: ECDSA signing never fetches it; verify and BIP-340 signing (which verifies its signature) do, once', async () => {
  const t = await freshTab();
  const name = uniq();
  const id = await vaultWithKey(t, { name });
  await secpSign(t, id);
  await secpSign(t, id);
  assert.deepEqual(fetched(t), ['bip39-words'], 'ECDSA signing runs in the core module');
  await secpVerify(t, id);
  assert.deepEqual(fetched(t).sort(), ['bip39-words', 'secp256k1-verify']);
  await schnorrSign(t, id);
  await secpVerify(t, id);
  assert.equal(verifyFetches(t), 1, 'fetched once per page');

  // A new page on the same vault: BIP-340 signing alone fetches it (BIP-340 "Default Signing" verifies first).
  t.paths.length = 0;
  await reload(t.page, base);
  assert.equal((await t.page.evaluate((o) => (window as any).vt.open(o), { name })).state, 'locked');
  await ok(t.page, 'unlock', { passphrase: PASS });
  await secpSign(t, id);
  assert.deepEqual(fetched(t), []);
  await schnorrSign(t, id);
  assert.deepEqual(fetched(t), ['secp256k1-verify']);
  assert.deepEqual(t.errors, []);
  await t.ctx.close();
});

test('a swapped or tampered secp256k1-verify part is refused: verify and signSchnorr get PART_REJECTED, ECDSA signing keeps working', async () => {
  const t = await freshTab();
  // The verification chunk answered with the Ed25519 one (valid WASM, wrong part), then with one base64 character changed.
  const edChunk = readFileSync(new URL(PART_FILES.ed25519, dist), 'utf8');
  const verifyChunk = readFileSync(new URL(PART_FILES['secp256k1-verify'], dist), 'utf8');
  const flipped = verifyChunk.replace(
    /"([A-Za-z0-9+/]{100})([A-Za-z0-9+/])/,
    (_m, a: string, c: string) => `"${a}${c === 'A' ? 'B' : 'A'}`,
  );
  assert.notEqual(flipped, verifyChunk);
  let body = edChunk;
  await t.ctx.route(`**/dist/${PART_FILES['secp256k1-verify']}`, (r) => r.fulfill({ status: 200, contentType: 'text/javascript', body }));
  const id = await vaultWithKey(t);
  const digest = 'hex:' + '42'.repeat(32);
  const s = await ok(t.page, 'sign', id, digest);
  const sig = 'hex:' + Buffer.from(unhex(s.signature).subarray(0, 64)).toString('hex');
  const r = await call(t.page, 'verify', id, digest, sig);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.code, 'PART_REJECTED', r.message);
    assert.equal(r.isVk, true, 'a VaultkeyError on the page');
  }
  await fails(t.page, 'PART_REJECTED', 'signSchnorr', id, digest);
  // ECDSA signing is untouched, and asking again asks again (nothing bad was kept): still refused.
  await secpSign(t, id);
  await fails(t.page, 'PART_REJECTED', 'signSchnorr', id, digest);
  await fails(t.page, 'PART_REJECTED', 'verify', id, digest, sig);

  // A fresh page whose chunk has one character changed: refused the same way.
  body = flipped;
  const id2 = await vaultInNewPage(t);
  await fails(t.page, 'PART_REJECTED', 'signSchnorr', id2, digest);
  await fails(t.page, 'PART_REJECTED', 'verify', id2, digest, sig);
  await secpSign(t, id2);
  await t.ctx.close();
});

test('a part the backup worker needs goes through the vault worker: a swapped SLIP-0039 word list is refused with PART_REJECTED', async () => {
  const t = await freshTab();
  const argon2Chunk = readFileSync(new URL(PART_FILES.argon2, dist), 'utf8');
  await t.ctx.route(`**/dist/${PART_FILES['slip39-words']}`, (r) =>
    r.fulfill({ status: 200, contentType: 'text/javascript', body: argon2Chunk }),
  );
  const id = await vaultWithKey(t);
  await fails(t.page, 'PART_REJECTED', 'exportSlip39', id, { passphrase: PASS }, { groups: [{ threshold: 2, count: 3 }] });
  // The words are read only in the backup worker now; the vault worker refused the page's copy, and its
  // PART_REJECTED reached the page as such (not as the backup worker's NOT_INITIALIZED). (With a route set,
  // Chromium does not report the nested worker's own script request to Playwright, so it is not counted here.)
  // The vault keeps working, backup formats included.
  await secpSign(t, id);
  const ks: string = await ok(t.page, 'exportKeystoreV3', id, 'a keystore password', {
    kdf: 'pbkdf2',
    pbkdf2: { c: 1000 },
    proof: { passphrase: PASS },
  });
  assert.equal(JSON.parse(ks).version, 3);
  await t.ctx.close();
});
