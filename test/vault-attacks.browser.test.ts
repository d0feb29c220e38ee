// Attacks on the vault by someone with storage access (an extension, an XSS,
// a copied profile) or with page script but no vault key, each of which
// worked against the page-side governance of the previous release. In
// Debian's Chromium with a real IndexedDB: every test performs the attack and
// asserts that it now fails (docs/security.md, "Threats").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { browserSuite, watchErrors } from './helpers/browser.ts';
import { call, fails, ok, reload } from './helpers/keystore-page.ts';

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const PASS = 'correct horse battery staple';
const PASS2 = 'a different passphrase, also long';
const proof = { passphrase: PASS };

const suite = browserSuite();
let n = 0;
const uniq = () => `a${process.pid}x${Date.now().toString(36)}x${n++}`;

async function tab(): Promise<Page> {
  const page = await suite.context.newPage();
  watchErrors(page);
  await reload(page, suite.base);
  return page;
}

const open = (page: Page, name: string) => page.evaluate((nm) => (window as any).vt.open({ name: nm }), name);
const vt = <T>(page: Page, fn: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(([f, a]) => (window as any).vt[f as string](...(a as unknown[])), [fn, args] as const);
const events = (page: Page): Promise<any[]> => page.evaluate(() => (window as any).vt.events);
const tampers = async (page: Page) => (await events(page)).filter((e) => e.type === 'tamper').map((e) => `${e.record}: ${e.reason}`);
const digest = 'hex:' + '42'.repeat(32);

/** A vault with an HD key, an imported key and a BIP-84 account; returns ids. */
async function vault(page: Page, name: string) {
  await open(page, name);
  await ok(page, 'create', { passphrase: PASS });
  const hd = (await ok(page, 'createFromMnemonic', MNEMONIC, { label: 'main' })).id;
  const [imp] = await ok(page, 'importKeys', [{ privateKey: 'hex:' + '11'.repeat(32), label: 'imported' }]);
  await ok(page, 'nextAddress', hd, { purpose: 84, coinType: 0 });
  return { hd, imp: imp.id as string, db: `vaultkey:${name}` };
}

/** Edits one record in place (a JSON image in, bytes as 'hex:'). */
async function edit(page: Page, db: string, store: string, id: string, change: (r: any) => void) {
  const rows = await vt<any[]>(page, 'rawGetHex', db, store);
  const r = rows.find((x) => x.id === id);
  assert.ok(r, `${store} ${id} exists`);
  change(r);
  await vt(page, 'rawPutHex', db, store, r);
}

async function reopen(page: Page, name: string) {
  await reload(page, suite.base);
  await open(page, name);
}

test('tampered records: while locked nothing is shown as verified; after unlock each edit is CORRUPTED naming the record, with a tamper event', async () => {
  const page = await tab();
  const name = uniq();
  const { hd, imp, db } = await vault(page, name);
  const acct = `${hd}/84/0/0`;
  await ok(page, 'markCompromised', imp, { reason: 'leaked' });
  await ok(page, 'lock');

  const attacks: [string, string, (r: any) => void, string, unknown[]][] = [
    // [store, record id, edit, operation that must refuse, its arguments]
    ['secrets', imp, (r) => (r.publicKey = 'hex:02' + '77'.repeat(32)), 'getAddress', [imp, 'ethereum']],
    ['secrets', hd, (r) => (r.label = 'Attacker wallet'), 'getAddress', [hd, 'ethereum']],
    ['secrets', hd, (r) => (r.keyId = imp), 'getAddress', [hd, 'ethereum']],
    [
      'accounts',
      acct,
      (r) =>
        (r.state.xpub = 'xpub6BosfCnifzxcFwrSzQiqu2DBVTshkCXacvNsWGYJVVhhawA7d4R5WSWGFNbi8Aw6ZRc1brxMyWMzG3DSSSSoekkudhUd9yLb6qx39T9nMdj'),
      'markUsed',
      [hd, { purpose: 84, coinType: 0 }, 0, 0],
    ],
    ['lifecycle', imp, (r) => (r.rec.state = 'active'), 'sign', [imp, digest]],
    ['lifecycle', hd, (r) => (r.rec.expiresAt = null), 'sign', [hd, digest]], // 'never expires'
  ];
  for (const [store, id, change, op, args] of attacks) {
    const saved = (await vt<any[]>(page, 'rawGetHex', db, store)).find((x) => x.id === id);
    await edit(page, db, store, id, change);
    await reopen(page, name);
    const locked = await ok(page, 'status');
    assert.equal(locked.state, 'locked');
    assert.ok(
      locked.keys.every((k: any) => k.verified === false),
      'while locked, no public field is presented as verified',
    );
    await ok(page, 'unlock', { passphrase: PASS });
    const r = await call(page, op, ...args);
    assert.equal(r.ok, false, `${store} ${id}: ${op} must refuse the tampered record`);
    assert.equal(!r.ok && r.code, 'CORRUPTED', `${store} ${id}: ${!r.ok && r.message}`);
    assert.match(!r.ok ? r.message : '', new RegExp(`${store} ${id.replace(/[/]/g, '\\/')}`), 'the error names the record');
    assert.ok(
      (await tampers(page)).some((t) => t.startsWith(`${store} ${id}`)),
      `tamper event for ${store} ${id}`,
    );
    if (store === 'secrets') {
      const unverified = (await ok(page, 'keys')).filter((k: any) => !k.verified);
      assert.equal(unverified.length, 1, 'the tampered key is listed as unverified, never as trusted');
    }
    await vt(page, 'rawPutHex', db, store, saved);
    await reopen(page, name);
    await ok(page, 'unlock', { passphrase: PASS });
    await ok(page, 'getAddress', hd, 'ethereum');
    await ok(page, 'lock');
  }

  // An unlock method edited (its label): refused before any key is derived from it.
  await edit(page, db, 'methods', 'passphrase', (r) => (r.label = 'evil'));
  await reopen(page, name);
  await fails(page, 'CORRUPTED', 'unlock', { passphrase: PASS });
  await page.close();
});

test('the manifest and the throttle: an edited manifest opens nothing; a deleted or reset throttle imposes the longest back-off instead of a reset', async () => {
  const page = await tab();
  const name = uniq();
  const { db } = await vault(page, name);
  await ok(page, 'lock');
  for (let i = 0; i < 3; i++) await fails(page, 'WRONG_PASSPHRASE', 'unlock', { passphrase: 'not the passphrase' });
  await fails(page, 'RATE_LIMITED', 'unlock', { passphrase: PASS });

  // Attack 1: delete the throttle record (the previous release then reset the back-off).
  await vt(page, 'rawDelete', db, 'meta', 'throttle');
  await reopen(page, name);
  await fails(page, 'RATE_LIMITED', 'unlock', { passphrase: PASS });
  const st = await ok(page, 'status');
  assert.ok(st.retryAfterMs > 60_000, `tampering costs the longest back-off, got ${st.retryAfterMs} ms`);
  assert.ok((await tampers(page)).some((t) => t.startsWith('meta throttle')));

  // Attack 2: write a zeroed throttle without its MAC.
  await edit(page, db, 'meta', 'throttle', (r) => {
    r.failures = 0;
    r.lastFailureAt = 0;
  });
  await reopen(page, name);
  await fails(page, 'RATE_LIMITED', 'unlock', { passphrase: PASS });

  // Attack 3: the manifest edited (its epoch rolled back): nothing opens.
  const page2 = await tab();
  const name2 = uniq();
  const v2 = await vault(page2, name2);
  await ok(page2, 'lock');
  await edit(page2, v2.db, 'meta', 'manifest', (r) => (r.epoch -= 1));
  await reopen(page2, name2);
  const r = await call(page2, 'unlock', { passphrase: PASS });
  assert.equal(!r.ok && r.code, 'CORRUPTED');
  assert.equal(await page2.evaluate(() => (window as any).vt.state()), 'locked');
  await page.close();
  await page2.close();
});

test('an old method record written back after setPassphrase opens nothing: the old passphrase cannot unlock or export a key made after the change', async () => {
  const page = await tab();
  const name = uniq();
  const { hd, db } = await vault(page, name);
  const oldMethod = (await vt<any[]>(page, 'rawGetHex', db, 'methods')).find((m) => m.id === 'passphrase');
  await ok(page, 'setPassphrase', PASS2);
  const after = await ok(page, 'generate', { label: 'made after the change' });
  await ok(page, 'lock');
  await fails(page, 'WRONG_PASSPHRASE', 'unlock', { passphrase: PASS });
  await ok(page, 'unlock', { passphrase: PASS2 });
  assert.equal(await ok(page, 'exportMnemonic', hd, { passphrase: PASS2 }), MNEMONIC);
  await ok(page, 'lock');

  // The attack: the record from before the change, written back.
  await vt(page, 'rawPutHex', db, 'methods', oldMethod);
  await reopen(page, name);
  const r = await call(page, 'unlock', { passphrase: PASS });
  assert.equal(!r.ok && r.code, 'CORRUPTED', 'the old passphrase unwraps only a retired vault key');
  assert.equal(await page.evaluate(() => (window as any).vt.state()), 'locked');
  for (const id of [hd, after.id]) {
    const e = await call(page, 'exportMnemonic', id, { passphrase: PASS });
    assert.equal(e.ok, false, 'nothing is exported with the old passphrase');
  }
  assert.ok((await tampers(page)).some((t) => t.startsWith('methods passphrase')));
  await page.close();
});

test('a removed key written back is not listed, not signable, not exportable', async () => {
  const page = await tab();
  const name = uniq();
  const { hd, imp, db } = await vault(page, name);
  const saved: Record<string, any[]> = {};
  for (const store of ['secrets', 'lifecycle', 'accounts']) saved[store] = await vt<any[]>(page, 'rawGetHex', db, store);
  await ok(page, 'removeKey', hd, { proof });
  assert.ok(!(await ok(page, 'keys')).some((k: any) => k.id === hd));
  await ok(page, 'lock');

  // The attack: every record of the removed key, written back as it was.
  for (const store of Object.keys(saved)) {
    for (const r of saved[store]!)
      if (r.id === hd || r.id.startsWith(`${hd}#`) || r.id.startsWith(`${hd}/`) || r.keyId === hd)
        await vt(page, 'rawPutHex', db, store, r);
  }
  await reopen(page, name);
  await ok(page, 'unlock', { passphrase: PASS });
  const keys = await ok(page, 'keys');
  assert.deepEqual(
    keys.map((k: any) => k.id),
    [imp],
    'the removed key is not listed',
  );
  for (const [op, args] of [
    ['sign', [hd, digest]],
    ['getAddress', [hd, 'ethereum']],
    ['exportMnemonic', [hd, proof]],
    ['exportKeystoreV3', [hd, 'long enough password', { proof }]],
  ] as const) {
    const r = await call(page, op, ...args);
    assert.equal(r.ok, false, `${op} of the removed key must fail`);
  }
  assert.ok((await tampers(page)).some((t) => t.includes(hd) && t.includes('not in the vault manifest')));
  await page.close();
});

test('a page-spawned worker: refused while locked (and audited at the next unlock); after unlock every export still needs a proof and is audited', async () => {
  const page = await tab();
  const name = uniq();
  const { hd } = await vault(page, name);
  await page.evaluate(() => (window as any).vt.ks.close());

  await vt(page, 'rawWorker');
  const raw = (path: string[], ...args: unknown[]) =>
    page.evaluate(([p, a]) => (window as any).vt.raw.call(p, ...(a as unknown[])), [path, args] as const);
  assert.equal((await raw(['vault', 'open'], name)).ok, true);
  // The previous release exposed exportMnemonic and the like directly: gone.
  assert.equal((await raw(['vault', 'exportMnemonic'], hd)).ok, false);
  assert.equal((await raw(['backup', 'exportBackup'], { passphrase: 'x' })).ok, false);
  const locked = await raw(['vault', 'call'], 'exportMnemonic', [hd], { proof });
  assert.equal(!locked.ok && locked.code, 'LOCKED');
  const destroy = await raw(['vault', 'call'], 'removeKey', [hd], {});
  assert.equal(!destroy.ok && destroy.code, 'LOCKED');

  // Given the passphrase, the hostile worker gets a session — and the same rules as the Keystore.
  assert.equal((await raw(['vault', 'unlock'], { passphrase: PASS })).ok, true);
  const noProof = await raw(['vault', 'call'], 'exportMnemonic', [hd], {});
  assert.equal(!noProof.ok && noProof.code, 'UV_REQUIRED');
  const lines = String((await raw(['vault', 'call'], 'exportAuditLog', [], {})).value)
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const ops = lines.map((e: any) => `${e.operation}:${e.success ? 'ok' : e.errorCode}`);
  for (const want of ['vault:refused-locked:LOCKED', 'vault:unlock:ok', 'key:export:UV_REQUIRED'])
    assert.ok(ops.includes(want), `audited ${want}: ${ops.join(', ')}`);
  assert.equal(lines.filter((e: any) => e.operation === 'vault:refused-locked').length, 2, 'both locked calls');
  await page.close();
});

test('every secret-revealing call needs a proof on that call (UV_REQUIRED), even right after unlock; export passwords follow the passphrase rule', async () => {
  const page = await tab();
  const name = uniq();
  const { hd, imp } = await vault(page, name);
  await ok(page, 'lock');
  await ok(page, 'unlock', { passphrase: PASS });
  await fails(page, 'UV_REQUIRED', 'exportMnemonic', hd);
  await fails(page, 'UV_REQUIRED', 'exportSlip39', hd);
  await fails(page, 'UV_REQUIRED', 'exportKeystoreV3', imp, 'long enough password', { kdf: 'pbkdf2', pbkdf2: { c: 1000 } });
  await fails(page, 'UV_REQUIRED', 'backup', { passphrase: 'a long backup passphrase' });
  await fails(page, 'UV_REQUIRED', 'backupToShares', { threshold: 2, shares: 3 });
  await fails(page, 'WRONG_PASSPHRASE', 'exportMnemonic', hd, { passphrase: 'not the passphrase' });
  // The previous release exported under '' (which ethers decrypts): refused now.
  await fails(page, 'WEAK_PASSPHRASE', 'exportKeystoreV3', imp, '', { kdf: 'pbkdf2', pbkdf2: { c: 1000 }, proof });
  await fails(page, 'WEAK_PASSPHRASE', 'exportKeystoreV3', imp, 'short', { kdf: 'pbkdf2', pbkdf2: { c: 1000 }, proof });
  await fails(page, 'WEAK_PASSPHRASE', 'backup', { passphrase: '', proof });
  assert.equal(await ok(page, 'exportMnemonic', hd, proof), MNEMONIC);
  const lines = (await ok(page, 'exportAuditLog'))
    .trim()
    .split('\n')
    .map((l: string) => JSON.parse(l));
  const fail = lines.filter((e: any) => !e.success).map((e: any) => `${e.operation}:${e.errorCode}`);
  for (const want of ['key:export:UV_REQUIRED', 'key:backup:UV_REQUIRED', 'key:export:WRONG_PASSPHRASE'])
    assert.ok(fail.includes(want), `audited ${want}`);
  await page.close();
});

test('12 parallel wrong unlocks from two tabs are throttled exactly as 12 sequential ones; the failures are in the audit log', async () => {
  const name = uniq();
  const a = await tab();
  await vault(a, name);
  await ok(a, 'lock');
  const b = await tab();
  await open(b, name);
  const wrong = { passphrase: 'not the passphrase' };
  const all = await Promise.all([
    ...Array.from({ length: 6 }, () => call(a, 'unlock', wrong)),
    ...Array.from({ length: 6 }, () => call(b, 'unlock', wrong)),
  ]);
  const codes = all.map((r) => (!r.ok ? r.code : 'OK')).sort();
  // Sequentially: FREE_ATTEMPTS (3) are judged, then every attempt inside the 1 s back-off is refused unjudged.
  assert.deepEqual(codes, [...Array(9).fill('RATE_LIMITED'), ...Array(3).fill('WRONG_PASSPHRASE')].sort(), codes.join());
  await a.waitForTimeout(1100);
  await ok(a, 'unlock', { passphrase: PASS });
  const lines = (await ok(a, 'exportAuditLog'))
    .trim()
    .split('\n')
    .map((l: string) => JSON.parse(l));
  assert.equal(lines.filter((e: any) => e.operation === 'vault:unlock' && e.errorCode === 'WRONG_PASSPHRASE').length, 3);
  assert.ok(!JSON.stringify(lines).includes('not the passphrase'), 'no secret in the entries');
  await a.close();
  await b.close();
});

test('audit head deleted -> AUDIT_TAMPERED (not contention, not a lock-out); verify, export, reanchor, and work goes on', async () => {
  const page = await tab();
  const name = uniq();
  const { hd, db } = await vault(page, name);
  await ok(page, 'sign', hd, digest);
  await ok(page, 'lock');
  await vt(page, 'rawDelete', db, 'meta', 'audit-head');
  await reopen(page, name);
  await ok(page, 'unlock', { passphrase: PASS }); // no lock-out
  assert.ok((await events(page)).some((e) => e.type === 'audit-tampered'));
  await fails(page, 'AUDIT_TAMPERED', 'sign', hd, digest);
  const v = await ok(page, 'verifyAuditLog');
  assert.equal(v.ok, false);
  assert.equal(v.reason, 'HEAD_MISSING');
  const before = (await ok(page, 'exportAuditLog')).trim().split('\n');
  assert.ok(before.length >= 5, 'the log is still exportable');
  await fails(page, 'UV_REQUIRED', 'reanchorAuditLog');
  const r = await page.evaluate((p) => (window as any).vt.ks.audit.reanchor(p, { reason: 'head deleted' }), proof);
  assert.deepEqual(r, { brokenAt: before.length, quarantined: 0 });
  assert.equal((await ok(page, 'verifyAuditLog')).ok, true);
  await ok(page, 'sign', hd, digest);
  const after = (await ok(page, 'exportAuditLog'))
    .trim()
    .split('\n')
    .map((l: string) => JSON.parse(l));
  assert.ok(after.some((e: any) => e.operation === 'audit:reanchor' && e.metadata.reason === 'head deleted'));
  assert.equal((await ok(page, 'lifecycleRecord', hd)).usageCount, 2, 'no signature was counted while the log was broken');
  await page.close();
});

test('a vault written by the previous release (IndexedDB fixture) migrates in place at its first unlock', async () => {
  const dump = JSON.parse(readFileSync(new URL('./fixtures/vault/legacy-vault.json', import.meta.url), 'utf8'));
  const f = dump.facts;
  const page = await tab();
  const name = uniq();
  // The loader is a browser module of the fixture (raw IndexedDB, no vaultkey code).
  const loader = '/test/fixtures/vault/legacy.js';
  await page.evaluate(
    async ([d, nm, url]) => {
      const { loadLegacyDump } = await import(url);
      await loadLegacyDump(d, nm);
    },
    [dump, name, loader] as const,
  );
  await open(page, name);
  const locked = await ok(page, 'status');
  assert.equal(locked.state, 'locked');
  await ok(page, 'unlock', { passphrase: f.passphrase });
  const keys = await ok(page, 'keys');
  assert.deepEqual(keys.map((k: any) => k.id).sort(), [f.hdKeyId, f.importedKeyId].sort());
  assert.ok(keys.every((k: any) => k.verified));
  assert.equal((await ok(page, 'getAddress', f.hdKeyId, 'ethereum')).address, f.ethereumAddress);
  const sig = await ok(page, 'sign', f.hdKeyId, 'hex:' + f.sign.digestHex);
  assert.ok(
    secp256k1.verify(
      Buffer.from(sig.signature.slice(4), 'hex'),
      Buffer.from(f.sign.digestHex, 'hex'),
      Buffer.from(sig.publicKey.slice(4), 'hex'),
      { prehash: false },
    ),
  );
  assert.equal((await ok(page, 'lifecycleRecord', f.importedKeyId)).state, 'suspended', 'a key state survives the migration');
  await fails(page, 'KEY_SUSPENDED', 'sign', f.importedKeyId, digest);
  const next = await ok(page, 'nextAddress', f.hdKeyId, f.nextAddress.account);
  assert.equal(next.index, 1, 'account indices carried over');
  const audit = await ok(page, 'verifyAuditLog');
  assert.equal(audit.ok, true, JSON.stringify(audit));
  assert.ok(audit.entries >= f.auditEntries, 'the old chain continues');
  // The migrated vault is now format 2: the old passphrase still opens it, and records are authenticated.
  await ok(page, 'lock');
  await ok(page, 'unlock', { passphrase: f.passphrase });
  assert.equal(await ok(page, 'exportMnemonic', f.hdKeyId, { passphrase: f.passphrase }), f.mnemonic);
  void crypto;
  await page.close();
});

test('a passkey method record with credentialId or prfSalt removed reads as CORRUPTED at a passkey unlock (was INVALID_ARGUMENT)', async () => {
  const { addAuthenticator } = await import('./helpers/keystore-page.ts');
  const page = await tab();
  await addAuthenticator(page, true);
  const name = uniq();
  const { db } = await vault(page, name);
  const m = await ok(page, 'addPasskey', { userName: 'alice' });
  await ok(page, 'lock');
  const original = (await vt<any[]>(page, 'rawGetHex', db, 'methods')).find((x) => x.id === m.id);
  assert.ok(original, 'the passkey method record exists');
  for (const field of ['credentialId', 'prfSalt']) {
    await edit(page, db, 'methods', m.id, (r) => delete r[field]);
    await reopen(page, name);
    await fails(page, 'CORRUPTED', 'unlock', { passkey: true });
    await vt(page, 'rawPutHex', db, 'methods', original);
  }
  // Put back, the record opens the vault again: nothing was lost.
  await reopen(page, name);
  assert.equal((await ok(page, 'unlock', { passkey: true })).state, 'unlocked');
  await page.close();
});
