// Signed audit export (docs/security.md, "Verifiable export"): a vault in
// Debian's Chromium (real IndexedDB) exports its audit log signed with its
// Ed25519 audit key; Node verifies it with only the public key, through the
// pure function of vaultkey/backup and through `vaultkey audit verify`
// (dist/node/cli.js). The signature is also checked with node:crypto, an
// implementation independent of the vault's WASM Ed25519. Each kind of
// tampering fails with its own reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { browserSuite, watchErrors } from './helpers/browser.ts';
import { fails, loadFixture, ok } from './helpers/keystore-page.ts';

const CLI = new URL('../dist/node/cli.js', import.meta.url).pathname;
const BACKUP = new URL('../dist/node/backup.js', import.meta.url).href;
const PASS = 'audit export passphrase';
const suite = browserSuite();

let ctx: BrowserContext;
let page: Page;
let errors: string[];
let dir: string;
let exported: string;
let publicKey: string;
let verifyAuditExport: (file: string | object, key: string | Uint8Array) => Promise<any>;

let ready: Promise<void> | undefined;
const setup = () => (ready ??= makeVault());

async function makeVault(): Promise<void> {
  ({ verifyAuditExport } = await import(BACKUP));
  ctx = await suite.browser.newContext();
  page = await loadFixture(ctx, suite.base);
  errors = watchErrors(page);
  await page.evaluate((o) => (window as any).vt.open(o), { name: `audit-export-${process.pid}-${Date.now().toString(36)}` });
  await ok(page, 'create', { passphrase: PASS });
  const id = (await ok(page, 'generate', { label: 'main' })).id;
  for (let i = 0; i < 4; i++) await ok(page, 'sign', id, 'hex:' + crypto.createHash('sha256').update(`m${i}`).digest('hex'));
  await ok(page, 'getAddress', id, 'ethereum');
  publicKey = await ok(page, 'auditPublicKey');
  exported = await ok(page, 'exportSignedAuditLog');
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vaultkey-audit-'));
});

after(async () => {
  if (errors) assert.deepEqual(errors, []);
  await ctx?.close().catch(() => {});
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const b64 = (s: string) => Buffer.from(s, 'base64url');
/** Sorted-key JSON, written here independently of src/security/canonical.ts. */
const canon = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canon).join(',')}]`
    : v && typeof v === 'object'
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canon((v as any)[k])}`)
          .join(',')}}`
      : JSON.stringify(v);

test('an export made in Chromium verifies in Node with only the public key; node:crypto agrees on the signature', async () => {
  await setup();
  const x = JSON.parse(exported);
  assert.equal(b64(publicKey).length, 32);
  assert.equal(x.publicKey, publicKey);
  // The vault's unlock, create, generate, 4 signs and getAddress are in the chain, each linked by hash.
  const ops = x.entries.map((e: any) => e.operation);
  assert.ok(ops.filter((o: string) => o === 'key:sign').length === 4, ops.join(','));
  assert.equal(x.head.count, x.entries.length);
  assert.equal(x.head.hash, x.entries.at(-1).hash);
  for (let i = 1; i < x.entries.length; i++) assert.equal(x.entries[i].prev, x.entries[i - 1].hash);

  const r = await verifyAuditExport(exported, publicKey);
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.entries, x.entries.length);
  // The same key as hex is accepted.
  assert.equal((await verifyAuditExport(exported, b64(publicKey).toString('hex'))).ok, true);

  // Independent check of the signed header and each hash with node:crypto (RFC 8032 Ed25519, FIPS 180-4 SHA-256).
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), b64(publicKey)]);
  const key = crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const header = `vaultkey audit export v1\n${canon({ format: x.format, version: x.version, publicKey: x.publicKey, exportedAt: x.exportedAt, head: x.head })}`;
  assert.equal(crypto.verify(null, Buffer.from(header), key, b64(x.signature)), true);
  let prev = '';
  for (const e of x.entries) {
    const { hash, prev: p, ...entry } = e;
    assert.equal(p, prev);
    assert.equal(crypto.createHash('sha256').update(canon({ entry, prev })).digest('base64url'), hash);
    prev = hash;
  }
  // The export was audited after it was made.
  const last = (await ok(page, 'exportAuditLog'))
    .trim()
    .split('\n')
    .map((l: string) => JSON.parse(l))
    .at(-1);
  assert.equal(last.operation, 'audit:export-signed');
  assert.equal(last.success, true);
});

test('a changed, removed or reordered entry, a truncated tail and a wrong key each fail with their own reason', async () => {
  await setup();
  const fresh = () => JSON.parse(exported);
  const reasons: Record<string, string> = {};
  const check = async (name: string, x: unknown, key = publicKey) => {
    const r = await verifyAuditExport(JSON.stringify(x), key);
    assert.equal(r.ok, false, name);
    reasons[name] = r.reason;
  };

  let x = fresh();
  x.entries[3].success = !x.entries[3].success;
  await check('changed', x);

  x = fresh();
  x.entries.splice(3, 1);
  await check('removed', x);

  x = fresh();
  [x.entries[3], x.entries[4]] = [x.entries[4], x.entries[3]];
  await check('reordered', x);

  x = fresh();
  x.entries.splice(-2);
  await check('truncated', x);

  const other = crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  await check('wrong key', fresh(), Buffer.from(other).toString('base64url'));

  // Recomputing every hash after an edit moves the head, which the signature covers.
  x = fresh();
  x.entries[2].operation = 'key:export';
  let prev = '';
  for (const e of x.entries) {
    const { hash: _h, prev: _p, ...entry } = e;
    e.prev = prev;
    e.hash = crypto.createHash('sha256').update(canon({ entry, prev })).digest('base64url');
    prev = e.hash;
  }
  x.head.hash = prev;
  await check('rehashed', x);

  assert.deepEqual(reasons, {
    changed: 'ENTRY_MODIFIED',
    removed: 'MISSING',
    reordered: 'OUT_OF_ORDER',
    truncated: 'TRUNCATED',
    'wrong key': 'WRONG_KEY',
    rehashed: 'BAD_SIGNATURE',
  });
  assert.equal((await verifyAuditExport('not json', publicKey)).reason, 'MALFORMED');
  await assert.rejects(verifyAuditExport(exported, 'short'), { code: 'INVALID_ARGUMENT' });
});

test('`vaultkey audit verify FILE --public-key KEY`: exit 0 when it verifies, 1 with the reason when not, 2 on misuse', async () => {
  await setup();
  writeFileSync(join(dir, 'good.json'), exported);
  const good = await cli(['audit', 'verify', 'good.json', '--public-key', publicKey]);
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /^verified: \d+ entries \(entries 0\.\.\d+\), exported /);

  const x = JSON.parse(exported);
  x.entries.splice(1, 1);
  writeFileSync(join(dir, 'bad.json'), JSON.stringify(x));
  const bad = await cli(['audit', 'verify', 'bad.json', '--public-key', publicKey, '--json']);
  assert.equal(bad.status, 1);
  assert.equal(JSON.parse(bad.stdout).reason, 'MISSING');

  assert.equal((await cli(['audit', 'verify', 'good.json'])).status, 2);
  assert.equal((await cli(['audit', 'sign', 'good.json'])).status, 2);
  const wrongKey = await cli(['audit', 'verify', 'good.json', '--public-key', 'nope']);
  assert.equal(wrongKey.status, 1);
  assert.match(wrongKey.stderr, /^vaultkey: INVALID_ARGUMENT: /m);
  const help = await cli(['audit', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: vaultkey audit verify FILE --public-key KEY/);
});

test('the public key is the same after lock and unlock; a later export verifies with it', async () => {
  await setup();
  await ok(page, 'lock');
  await fails(page, 'LOCKED', 'auditPublicKey');
  await ok(page, 'unlock', { passphrase: PASS });
  assert.equal(await ok(page, 'auditPublicKey'), publicKey);
  const again = await ok(page, 'exportSignedAuditLog');
  const r = await verifyAuditExport(again, publicKey);
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.ok(r.entries > JSON.parse(exported).entries.length);
});

test('entries carry principalName from the principal record at that moment; the signed export and the report show it', async () => {
  await setup();
  await ok(page, 'addPrincipal', { id: 'bot', type: 'service', name: 'Signing bot', roles: ['signer'] });
  const id = (await ok(page, 'generate', { label: 'bot key' })).id;
  await ok(page, 'lock');
  await ok(page, 'unlock', { passphrase: PASS }, { principalId: 'bot' });
  await ok(page, 'sign', id, 'hex:' + '11'.repeat(32));
  await fails(page, 'PERMISSION_DENIED', 'generate');
  await ok(page, 'lock');
  await ok(page, 'unlock', { passphrase: PASS });
  await ok(page, 'updatePrincipal', { id: 'bot', type: 'service', name: 'Renamed bot', roles: ['signer'] });
  await ok(page, 'lock');
  await ok(page, 'unlock', { passphrase: PASS }, { principalId: 'bot' });
  await ok(page, 'sign', id, 'hex:' + '22'.repeat(32));
  await ok(page, 'lock');
  await ok(page, 'unlock', { passphrase: PASS });

  const x = JSON.parse(await ok(page, 'exportSignedAuditLog'));
  assert.equal((await verifyAuditExport(x, publicKey)).ok, true);
  const bot = x.entries
    .filter((e: any) => e.principalId === 'bot')
    .map((e: any) => `${e.operation}:${e.success ? 'ok' : e.errorCode}:${e.principalName}`);
  assert.deepEqual(bot, [
    'vault:unlock:ok:Signing bot',
    'key:sign:ok:Signing bot',
    'key:create:PERMISSION_DENIED:Signing bot',
    'vault:unlock:ok:Renamed bot',
    'key:sign:ok:Renamed bot',
  ]);
  // The name is part of what the HMAC chain covers: the vault's own walk still verifies.
  assert.equal((await ok(page, 'verifyAuditLog')).ok, true);
  const report = await ok(page, 'auditReport', {});
  assert.equal(report.principalNames.bot, 'Renamed bot');
  assert.equal(report.byPrincipal.bot.total, 5);
});
