// Audit retention and incremental verification (docs/security.md,
// "Retention"), in Debian's Chromium with a real IndexedDB: a vault with
// 5,000 entries is reopened with `auditRetention: { maxEntries }`; the oldest
// entries are pruned behind an anchor (the last pruned entry's seq and MAC, in
// the MAC'd manifest), the kept run still verifies, and the signed export
// carries the anchor that joins it to an earlier export. Unlock walks only the
// entries after the last verified checkpoint (asserted with `audit.stats()`'s
// counter, not with time); an edit before the checkpoint is still found by the
// full walk, and an edit of the first kept entry breaks its link to the anchor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { browserSuite, watchErrors } from './helpers/browser.ts';
import { fails, loadFixture, ok, reload } from './helpers/keystore-page.ts';

const BACKUP = new URL('../dist/node/backup.js', import.meta.url).href;
const PASS = 'audit retention passphrase';
const MAX = 1000;
const suite = browserSuite();

let ctx: BrowserContext;
let page: Page;
let errors: string[];
let name: string;
let keyId: string;
let verifyAuditExport: (file: string | object, key: string | Uint8Array) => Promise<any>;

const open = (o: object) => page.evaluate((x) => (window as any).vt.open(x), { name, ...o });
const raw = (store: string) => page.evaluate(([nm, st]) => (window as any).vt.rawAll(`vaultkey:${nm}`, st), [name, store] as const);
const rawPut = (store: string, rec: unknown) =>
  page.evaluate(([nm, st, r]) => (window as any).vt.rawPut(`vaultkey:${nm}`, st, r), [name, store, rec] as const);

/** `n` audited operations, many at once so the group commit pages them. */
async function writeEntries(n: number): Promise<void> {
  await page.evaluate(
    async ([id, count]) => {
      const vt = (window as any).vt;
      for (let done = 0; done < count; ) {
        const k = Math.min(250, count - done);
        const rs = await Promise.all(Array.from({ length: k }, () => vt.call('getAddress', id, 'ethereum')));
        if (rs.some((r: any) => !r.ok)) throw new Error('getAddress failed');
        done += k;
      }
    },
    [keyId, n] as const,
  );
}

let ready: Promise<void> | undefined;
let before5000: any;
const setup = () => (ready ??= makeVault());

async function makeVault(): Promise<void> {
  ({ verifyAuditExport } = await import(BACKUP));
  ctx = await suite.browser.newContext();
  page = await loadFixture(ctx, suite.base);
  errors = watchErrors(page);
  name = `retention-${process.pid}-${Date.now().toString(36)}`;
  await open({});
  await ok(page, 'create', { passphrase: PASS });
  keyId = (await ok(page, 'generate', {})).id;
  await writeEntries(5000);
  const s = await ok(page, 'auditStats');
  assert.ok(s.lastSeq >= 5000, JSON.stringify(s));
  assert.equal(s.pruned, 0);
  before5000 = JSON.parse(await ok(page, 'exportSignedAuditLog'));
  // Reopen with retention: the unlock prunes once the stored run is over MAX plus a tenth.
  await ok(page, 'lock');
  await reload(page, suite.base);
  await open({ security: { auditRetention: { maxEntries: MAX } } });
  await ok(page, 'unlock', { passphrase: PASS });
  await page.waitForFunction(async () => ((await (window as any).vt.call('auditStats')).value?.pruned ?? 0) > 0, null, { polling: 100 });
}

before(() => {});
after(async () => {
  if (errors) assert.deepEqual(errors, []);
  await ctx?.close().catch(() => {});
});

test('5,000 entries, then retention: the oldest are pruned behind an anchor and the kept run verifies, in the vault and in the signed export', async () => {
  await setup();
  const s = await ok(page, 'auditStats');
  assert.equal(s.maxEntries, MAX);
  assert.equal(s.anchor.seq, s.firstSeq - 1);
  assert.equal(s.pruned, s.firstSeq);
  assert.ok(s.stored >= MAX && s.stored <= MAX + MAX / 10 + 10, JSON.stringify(s));
  // Nothing older than the anchor is left in IndexedDB.
  const seqs = (await raw('audit')).flatMap((r: any) => (r.entries ?? [r]).map((e: any) => e.seq));
  assert.equal(Math.min(...seqs), s.firstSeq);
  // The anchor is the MAC of the last pruned entry, as an export made before the prune shows.
  const pruned = before5000.entries.find((e: any) => e.seq === s.anchor.seq);
  assert.equal(pruned.mac, s.anchor.mac);

  const v = await ok(page, 'verifyAuditLog');
  assert.equal(v.ok, true, JSON.stringify(v));
  const x = JSON.parse(await ok(page, 'exportSignedAuditLog'));
  assert.equal(x.head.firstSeq, s.firstSeq);
  assert.equal(x.head.anchorMac, s.anchor.mac);
  assert.equal(x.entries[0].seq, s.firstSeq);
  const r = await verifyAuditExport(x, await ok(page, 'auditPublicKey'));
  assert.equal(r.ok, true, JSON.stringify(r));
  // The anchor is signed: changing it breaks the signature.
  x.head.anchorMac = before5000.entries[0].mac;
  assert.equal((await verifyAuditExport(x, await ok(page, 'auditPublicKey'))).reason, 'BAD_SIGNATURE');
});

test('unlock walks only the entries after the last verified checkpoint; verifyAuditOnUnlock "full" walks the whole kept run', async () => {
  await setup();
  const before = await ok(page, 'auditStats');
  await writeEntries(7);
  await ok(page, 'lock');
  await ok(page, 'unlock', { passphrase: PASS });
  const s = await ok(page, 'auditStats');
  assert.equal(s.lastWalk.ok, true);
  assert.equal(s.lastWalk.full, false);
  // The walk started after the checkpoint and covered exactly the entries written since.
  assert.equal(s.lastWalk.from, before.verifiedThrough + 1);
  assert.equal(s.lastWalk.checked, s.verifiedThrough - before.verifiedThrough);
  assert.ok(s.lastWalk.checked >= 7 && s.lastWalk.checked < 20, JSON.stringify(s.lastWalk));

  await ok(page, 'lock');
  await reload(page, suite.base);
  await open({ security: { auditRetention: { maxEntries: MAX }, verifyAuditOnUnlock: 'full' } });
  await ok(page, 'unlock', { passphrase: PASS });
  const f = await ok(page, 'auditStats');
  assert.equal(f.lastWalk.full, true);
  assert.equal(f.lastWalk.from, f.firstSeq);
  assert.ok(f.lastWalk.checked >= MAX, JSON.stringify(f.lastWalk));
});

test('tampering: an entry edited before the checkpoint is found by the full walk (and refused for a signed export); the first kept entry no longer links to the anchor', async () => {
  await setup();
  // The default unlock check again (the test before opened with 'full').
  await ok(page, 'lock');
  await reload(page, suite.base);
  await open({ security: { auditRetention: { maxEntries: MAX } } });
  await ok(page, 'unlock', { passphrase: PASS });
  const s = await ok(page, 'auditStats');
  const rows = await raw('audit');
  // An entry well before the checkpoint: the incremental unlock does not walk it, verify() does.
  const target = s.firstSeq + 10;
  const row = rows.find((r: any) => (r.entries ?? [r]).some((e: any) => e.seq === target));
  const edit = (r: any, seq: number) =>
    r.entries ? { ...r, entries: r.entries.map((e: any) => (e.seq === seq ? { ...e, success: false } : e)) } : { ...r, success: false };
  await rawPut('audit', edit(row, target));
  await ok(page, 'lock');
  await ok(page, 'unlock', { passphrase: PASS });
  const u = await ok(page, 'auditStats');
  assert.ok(u.lastWalk.ok && u.lastWalk.checked < 20, 'the unlock walked only the tail');
  const v = await ok(page, 'verifyAuditLog');
  assert.equal(v.ok, false);
  assert.equal(v.reason, 'MAC_MISMATCH');
  assert.equal(v.seq, target);
  await fails(page, 'AUDIT_TAMPERED', 'exportSignedAuditLog');
  await rawPut('audit', row); // put it back

  // The first kept entry: its MAC links it to the anchor's.
  const first = (await raw('audit')).find((r: any) => (r.entries ?? [r]).some((e: any) => e.seq === s.firstSeq));
  await rawPut('audit', edit(first, s.firstSeq));
  const w = await ok(page, 'verifyAuditLog');
  assert.equal(w.ok, false);
  assert.equal(w.seq, s.firstSeq);
  assert.equal(w.reason, 'MAC_MISMATCH');
  await rawPut('audit', first);
  assert.equal((await ok(page, 'verifyAuditLog')).ok, true);
});

test('retention options are checked', async () => {
  await setup();
  for (const bad of [{ maxEntries: 0 }, { maxEntries: 1.5 }, { maxEntries: '10' }]) {
    const r = await page.evaluate(
      (o) =>
        (window as any).vt.open(o).then(
          () => 'opened',
          (e: any) => e.code,
        ),
      { name: `${name}-bad`, security: { auditRetention: bad } },
    );
    assert.equal(r, 'INVALID_ARGUMENT', JSON.stringify(bad));
  }
});
