// Real Chromium (Debian, through playwright-core):
// - the audit chain in IndexedDB: edit, delete, reorder, insert (and truncate) entries directly
//   in IndexedDB -> verification fails at that entry; an untouched log verifies, also after reload;
// - principals in IndexedDB are MAC'd: promoting one by editing IndexedDB fails closed;
// - multisig envelope round trip between two separate browser contexts (separate IndexedDB,
//   separate keys): device A (CEO, secp256k1, weight 2) initiates and signs, device B (CTO,
//   Ed25519, weight 1) imports, signs and sends back; A reaches THRESHOLD_MET and completes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { init, secp256k1, ed25519 } from '../src/core/index.ts';

let dir: string;
let server: Server;
let origin: string;
let browser: Browser;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vk-security-'));
  await build({
    entryPoints: [new URL('./fixtures/security/page.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(dir, 'page.js'),
    logLevel: 'error',
  });
  await writeFile(
    join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>vk security</title><script type="module" src="/page.js"></script>',
  );
  server = createServer(async (req, res) => {
    const file = req.url === '/page.js' ? 'page.js' : 'index.html';
    res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
    res.end(await readFile(join(dir, file)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  // localhost is a secure context (WebCrypto, IndexedDB).
  origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function open(ctx: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(origin);
  await page.waitForFunction(() => (globalThis as { vkReady?: boolean }).vkReady === true);
  return { page, errors };
}

const IKM = '11'.repeat(32);
type Verification = { ok: boolean; seq?: number; index?: number; reason?: string; entries?: number };

test('audit chain in IndexedDB: each kind of direct tampering fails at that entry; untouched verifies', async () => {
  const ctx = await browser.newContext();
  const { page, errors } = await open(ctx);
  const kinds: [string, string, unknown[], Partial<Verification>][] = [
    ['untouched', '', [], { ok: true, entries: 8 }],
    ['edit', 'tamperEdit', [3], { ok: false, seq: 3, reason: 'MAC_MISMATCH' }],
    ['delete', 'tamperDelete', [5], { ok: false, seq: 5, reason: 'MISSING' }],
    ['reorder', 'tamperReorder', [2, 6], { ok: false, seq: 2, reason: 'MAC_MISMATCH' }],
    ['insert', 'tamperInsert', [4], { ok: false, seq: 4, reason: 'MAC_MISMATCH' }],
    ['truncate', 'tamperTruncate', [6], { ok: false, seq: 6, reason: 'TRUNCATED' }],
  ];
  for (const [name, fn, args, expected] of kinds) {
    const r = await page.evaluate(
      async ([name, ikm, fn, args]) => {
        const vk = (globalThis as any).vk;
        await vk.auditOpen(name, ikm);
        await vk.auditAppend(name, 8);
        const before = await vk.auditVerify(name);
        if (fn) await vk[fn](name, ...args);
        return { before, after: await vk.auditVerify(name) };
      },
      [name, IKM, fn, args] as const,
    );
    assert.deepEqual(r.before, { ok: true, entries: 8 }, `${name}: verifies before tampering`);
    for (const [k, v] of Object.entries(expected)) assert.equal((r.after as any)[k], v, `${name}: ${k} in ${JSON.stringify(r.after)}`);
  }
  // Reload: the untouched chain (same vault key -> same chain key) still verifies from IndexedDB,
  // the edited one still fails, and a report over the untouched one is sound.
  await page.reload();
  await page.waitForFunction(() => (globalThis as { vkReady?: boolean }).vkReady === true);
  const after = await page.evaluate(async (ikm) => {
    const vk = (globalThis as any).vk;
    await vk.auditOpen('untouched', ikm);
    await vk.auditOpen('edit', ikm);
    await vk.auditOpen('other-key', '22'.repeat(32));
    return { untouched: await vk.auditVerify('untouched'), edit: await vk.auditVerify('edit'), report: await vk.auditReport('untouched') };
  }, IKM);
  assert.deepEqual(after.untouched, { ok: true, entries: 8 });
  assert.equal(after.edit.ok, false);
  assert.equal(after.report.totalEvents, 8);
  assert.equal(after.report.failureCount, 1);
  assert.equal(after.report.integrity.ok, true);
  // Wrong vault key: the chain cannot be verified (or extended) without the right one.
  const wrong = await page.evaluate(async () => {
    const vk = (globalThis as any).vk;
    await vk.auditOpen('untouched', '33'.repeat(32));
    return vk.auditVerify('untouched');
  });
  assert.equal(wrong.ok, false);
  assert.equal(wrong.seq, 0);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('principals in IndexedDB: persist across reloads; a role edited in IndexedDB fails closed', async () => {
  const ctx = await browser.newContext();
  const { page, errors } = await open(ctx);
  const first = await page.evaluate((ikm) => (globalThis as any).vk.principalsRun('p1', ikm, false), IKM);
  assert.deepEqual(first, { ownerCanDelete: true, eveCanSign: false, eveCanRead: true });
  await page.reload();
  await page.waitForFunction(() => (globalThis as { vkReady?: boolean }).vkReady === true);
  // Same vault key after reload: the owner and eve are read back and verify.
  const second = await page.evaluate((ikm) => (globalThis as any).vk.principalsRun('p1', ikm, true), IKM);
  assert.deepEqual(second, { ownerCanDelete: true, eveCanSign: false, eveCanRead: true, afterTamper: 'CORRUPTED' });
  // Another vault key cannot read (or vouch for) these records.
  const other = await page.evaluate(async () => {
    try {
      return await (globalThis as any).vk.principalsRun('p1', '44'.repeat(32), false);
    } catch (e) {
      return (e as { code?: string }).code;
    }
  });
  assert.equal(other, 'CORRUPTED');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('multisig envelope round trip between two browser contexts, each signing with its own key', async () => {
  await init();
  const ceoPriv = '01'.repeat(32);
  const ctoPriv = '02'.repeat(32);
  const cfoPriv = '03'.repeat(32);
  const pub = (h: string, curve: 'secp256k1' | 'ed25519') => {
    const p = Uint8Array.from(Buffer.from(h, 'hex'));
    return Buffer.from(curve === 'secp256k1' ? secp256k1.getPublicKey(p) : ed25519.getPublicKey(p)).toString('hex');
  };
  const group = {
    name: 'Treasury Key',
    threshold: 3,
    timeoutMs: 3600_000,
    signers: [
      { label: 'CEO', curve: 'secp256k1', publicKey: pub(ceoPriv, 'secp256k1'), weight: 2 },
      { label: 'CTO', curve: 'ed25519', publicKey: pub(ctoPriv, 'ed25519'), weight: 1 },
      { label: 'CFO', curve: 'secp256k1', publicKey: pub(cfoPriv, 'secp256k1'), weight: 1 },
    ],
  };
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  const A = await open(ctxA);
  const B = await open(ctxB);
  const gA = await A.page.evaluate(([p, g]) => (globalThis as any).vk.msSetup('devA', p, 'secp256k1', g), [ceoPriv, group] as const);
  const gB = await B.page.evaluate(([p, g]) => (globalThis as any).vk.msSetup('devB', p, 'ed25519', g), [ctoPriv, group] as const);
  assert.equal(gA, gB, 'same definition -> same group fingerprint on both devices');

  const opId = await A.page.evaluate((g) => (globalThis as any).vk.msInitiate(g, 'Treasury withdrawal of 1000 VE'), gA);
  assert.equal(await A.page.evaluate((id) => (globalThis as any).vk.msSignOwn(id), opId), 'PENDING', 'CEO alone (2) is not enough');
  const env1: string = await A.page.evaluate((id) => (globalThis as any).vk.msExport(id), opId);
  assert.ok(!env1.includes(ceoPriv), 'the envelope carries no private key');

  // A tampered envelope is refused on device B; the genuine one imports.
  const tampered = env1.replace(Buffer.from('1000 VE').toString('hex'), Buffer.from('9000 VE').toString('hex'));
  assert.notEqual(tampered, env1);
  assert.deepEqual(await B.page.evaluate((t) => (globalThis as any).vk.msImport(t), tampered), { error: 'INVALID_ENVELOPE' });
  const onB = await B.page.evaluate((t) => (globalThis as any).vk.msImport(t), env1);
  assert.deepEqual(onB, { id: opId, status: 'PENDING', signatures: 1 });
  assert.equal(await B.page.evaluate((id) => (globalThis as any).vk.msSignOwn(id), opId), 'THRESHOLD_MET');
  const env2: string = await B.page.evaluate((id) => (globalThis as any).vk.msExport(id), opId);
  assert.ok(!env2.includes(ctoPriv));

  const backOnA = await A.page.evaluate((t) => (globalThis as any).vk.msImport(t), env2);
  assert.deepEqual(backOnA, { id: opId, status: 'THRESHOLD_MET', signatures: 2 });
  const done = await A.page.evaluate((id) => (globalThis as any).vk.msComplete(id), opId);
  assert.equal(done.status, 'COMPLETE');
  assert.deepEqual(done.signers.sort(), [group.signers[0]!.publicKey, group.signers[1]!.publicKey].sort());
  // Persisted in A's IndexedDB; B's copy is separate (its own context) and still THRESHOLD_MET.
  assert.deepEqual(await A.page.evaluate((id) => (globalThis as any).vk.msReopen('devA', id), opId), { status: 'COMPLETE', signatures: 2 });
  assert.deepEqual(await B.page.evaluate((id) => (globalThis as any).vk.msReopen('devB', id), opId), {
    status: 'THRESHOLD_MET',
    signatures: 2,
  });
  // The completed envelope brings B to COMPLETE too.
  const env3: string = await A.page.evaluate((id) => (globalThis as any).vk.msExport(id), opId);
  assert.deepEqual(await B.page.evaluate((t) => (globalThis as any).vk.msImport(t), env3), { id: opId, status: 'COMPLETE', signatures: 2 });
  assert.deepEqual([...A.errors, ...B.errors], []);
  await ctxA.close();
  await ctxB.close();
});
