// Audit chain in Node with the in-memory store: appends, the first broken
// link for every kind of tampering (edit, delete, reorder, insert, truncate,
// forged head, wrong key), secret guards, JSON Lines export, period reports.
// The same attacks directly on IndexedDB: security-browser.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AuditLog,
  MemoryAuditStore,
  deriveAuditKey,
  deriveHmacKey,
  derivePrincipalKey,
  verifyAuditEntries,
  type AuditEntry,
} from '../src/security/index.ts';
import { VaultkeyError } from '../src/errors.ts';

const code = (c: string) => (e: unknown) => e instanceof VaultkeyError && e.code === c;
const rnd = (n: number) => crypto.getRandomValues(new Uint8Array(n));

async function fresh(n = 5, start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  const store = new MemoryAuditStore();
  const key = await deriveAuditKey(rnd(32));
  const log = new AuditLog(key, { store, clock: c.now });
  for (let i = 0; i < n; i++) {
    c.t += 1000;
    await log.append({
      principalId: 'owner',
      principalName: 'Owner',
      sessionId: 'ses_1',
      keyId: i % 2 ? 'key-a' : 'key-b',
      operation: i === 3 ? 'key:rotate' : 'key:sign',
      success: i !== 2,
      ...(i === 2 ? { errorCode: 'LOCKED' } : {}),
      metadata: { tx_hash: `0x${i}`, amount: '1000uve' },
    });
  }
  return { c, store, key, log };
}

test('appends chain and verify; entries carry who/session/key/op/success/error code', async () => {
  const { log, store } = await fresh();
  assert.deepEqual(await log.verify(), { ok: true, entries: 5 });
  const rows = (await store.entries()) as AuditEntry[];
  assert.deepEqual(
    rows.map((e) => e.seq),
    [0, 1, 2, 3, 4],
  );
  assert.equal(rows[2]!.success, false);
  assert.equal(rows[2]!.errorCode, 'LOCKED');
  assert.equal(rows[0]!.principalName, 'Owner');
  assert.equal(new Set(rows.map((e) => e.mac)).size, 5);
  assert.equal((await store.head())?.seq, 4);
  await log.assertIntact();
});

test('an empty log verifies; concurrent appends keep one chain', async () => {
  const { log } = await fresh(0);
  assert.deepEqual(await log.verify(), { ok: true, entries: 0 });
  await Promise.all(
    Array.from({ length: 20 }, (_, i) => log.append({ principalId: 'p', operation: 'key:read', success: true, metadata: { i } })),
  );
  assert.deepEqual(await log.verify(), { ok: true, entries: 20 });
});

test('edit an entry -> MAC_MISMATCH at that entry', async () => {
  for (const edit of [
    (e: any) => {
      e.success = true;
    },
    (e: any) => {
      e.metadata.amount = '9999uve';
    },
    (e: any) => {
      e.ts += 1;
    },
    (e: any) => {
      delete e.errorCode;
    },
    (e: any) => {
      e.principalId = 'mallory';
    },
  ]) {
    const { log, store } = await fresh();
    const e = store.rows.get(2) as AuditEntry;
    edit(e);
    const r = await log.verify();
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.seq === 2 && r.index === 2 && r.reason === 'MAC_MISMATCH', JSON.stringify(r));
    await assert.rejects(log.assertIntact(), code('AUDIT_TAMPERED'));
  }
});

test('delete an entry -> MISSING at that seq', async () => {
  const { log, store } = await fresh();
  store.rows.delete(1);
  const r = await log.verify();
  assert.ok(!r.ok && r.seq === 1 && r.reason === 'MISSING', JSON.stringify(r));
});

test('reorder two entries (swap contents, keep keys) -> broken at the first moved one', async () => {
  const { log, store } = await fresh();
  const a = store.rows.get(1) as AuditEntry;
  const b = store.rows.get(3) as AuditEntry;
  store.rows.set(1, { ...b, seq: 1 });
  store.rows.set(3, { ...a, seq: 3 });
  const r = await log.verify();
  assert.ok(!r.ok && r.seq === 1 && r.reason === 'MAC_MISMATCH', JSON.stringify(r));
  // Swapping whole records (seq fields included) is caught by the sequence.
  const f = await fresh();
  const x = f.store.rows.get(1);
  f.store.rows.set(1, f.store.rows.get(3));
  f.store.rows.set(3, x);
  const r2 = await f.log.verify();
  assert.ok(!r2.ok && r2.seq === 1 && r2.reason === 'MISSING', JSON.stringify(r2));
});

test('insert an entry (forged, replayed, or appended at the end) -> broken at it', async () => {
  {
    const { log, store } = await fresh();
    const copy = structuredClone(store.rows.get(1)) as AuditEntry;
    // Insert between 1 and 2 by shifting the later ones up (what an attacker must do with integer keys).
    const rows = [...store.rows.values()] as AuditEntry[];
    store.rows.clear();
    [...rows.slice(0, 2), { ...copy, operation: 'key:delete' }, ...rows.slice(2)].forEach((e, i) => store.rows.set(i, { ...e, seq: i }));
    const r = await log.verify();
    assert.ok(!r.ok && r.seq === 2 && r.reason === 'MAC_MISMATCH', JSON.stringify(r));
  }
  {
    const { log, store } = await fresh();
    store.rows.set(2.5, { ...(store.rows.get(2) as AuditEntry), seq: 2.5 });
    const r = await log.verify();
    assert.ok(!r.ok && r.index === 3 && r.reason === 'MALFORMED', JSON.stringify(r));
  }
  {
    const { log, store } = await fresh();
    store.rows.set(5, { ...(store.rows.get(4) as AuditEntry), seq: 5 });
    const r = await log.verify();
    assert.ok(!r.ok && r.seq === 5 && r.reason === 'MAC_MISMATCH', JSON.stringify(r));
  }
});

test('truncating the tail, forging or dropping the head is detected', async () => {
  {
    const { log, store } = await fresh();
    store.rows.delete(4);
    store.rows.delete(3);
    const r = await log.verify();
    assert.ok(!r.ok && r.seq === 3 && r.reason === 'TRUNCATED', JSON.stringify(r));
  }
  {
    // Truncate and point the head at the new last entry (its MAC is public): the head MAC fails.
    const { log, store } = await fresh();
    store.rows.delete(4);
    const last = store.rows.get(3) as AuditEntry;
    store.headRecord = { ...store.headRecord!, seq: 3, mac: last.mac };
    const r = await log.verify();
    assert.ok(!r.ok && r.reason === 'HEAD_MISMATCH', JSON.stringify(r));
    // ...and appending on top of a forged head is refused.
    await assert.rejects(log.append({ principalId: 'p', operation: 'key:read', success: true }), code('AUDIT_TAMPERED'));
  }
  {
    const { log, store } = await fresh();
    store.headRecord = undefined;
    const r = await log.verify();
    assert.ok(!r.ok && r.seq === 5 && r.reason === 'HEAD_MISSING', JSON.stringify(r));
  }
  {
    const { log, store } = await fresh();
    store.rows.clear();
    const r = await log.verify();
    assert.ok(!r.ok && r.seq === 0 && r.reason === 'TRUNCATED', 'wiping entries but keeping the head is caught');
  }
});

test('another key (a rebuilt chain without the vault key) fails at entry 0', async () => {
  const { store } = await fresh();
  const other = await deriveAuditKey(rnd(32));
  const r = await verifyAuditEntries(other, await store.entries(), await store.head());
  assert.ok(!r.ok && r.seq === 0 && r.reason === 'MAC_MISMATCH');
});

test('chain key: HKDF from bytes or an extractable vault key, deterministic, non-extractable only', async () => {
  const ikm = rnd(32);
  const k = await deriveAuditKey(ikm);
  assert.equal(k.extractable, false);
  assert.deepEqual((k.algorithm as HmacKeyAlgorithm).hash.name, 'SHA-256');
  // Same vault key -> same chain key: a log written before a reload verifies after it.
  const { store } = await fresh(0);
  const log1 = new AuditLog(k, { store });
  await log1.append({ principalId: 'p', operation: 'key:read', success: true });
  assert.deepEqual(await new AuditLog(await deriveAuditKey(ikm), { store }).verify(), { ok: true, entries: 1 });
  // From an extractable AES vault key (what the vault's DEK is).
  const dek = await crypto.subtle.importKey('raw', ikm, { name: 'AES-GCM' }, true, ['encrypt']);
  assert.deepEqual(await new AuditLog(await deriveAuditKey(dek), { store }).verify(), { ok: true, entries: 1 });
  const hkdfBase = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveKey']);
  assert.deepEqual(await new AuditLog(await deriveAuditKey(hkdfBase), { store }).verify(), { ok: true, entries: 1 });
  // Domain separation: the principal-record key from the same vault key is a different key.
  assert.equal((await new AuditLog(await derivePrincipalKey(ikm), { store }).verify()).ok, false);
  assert.equal((await new AuditLog(await deriveHmacKey(ikm, 'vaultkey/v1 audit-chain HMAC-SHA256'), { store }).verify()).ok, true);
  await assert.rejects(deriveHmacKey(ikm, ''), code('INVALID_ARGUMENT'));
  await assert.rejects(deriveAuditKey(rnd(16)), code('INVALID_LENGTH'));
  await assert.rejects(deriveAuditKey('secret' as never), code('INVALID_ARGUMENT'));
  const nonExtractable = await crypto.subtle.importKey('raw', ikm, { name: 'AES-GCM' }, false, ['encrypt']);
  await assert.rejects(deriveAuditKey(nonExtractable), code('INVALID_KEY'));
  const extractableHmac = await crypto.subtle.importKey('raw', ikm, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
  assert.throws(() => new AuditLog(extractableHmac), code('INVALID_KEY'));
  assert.throws(() => new AuditLog(nonExtractable), code('INVALID_KEY'));
  assert.throws(() => new AuditLog({} as never), code('INVALID_KEY'));
});

test('events are validated; secrets are refused and never echoed', async () => {
  const { log } = await fresh(0);
  const base = { principalId: 'p', operation: 'key:sign', success: true };
  const bad: [unknown, string][] = [
    [null, 'INVALID_ARGUMENT'],
    [{ ...base, principalId: '' }, 'INVALID_ARGUMENT'],
    [{ ...base, operation: 'sign everything now!' }, 'INVALID_ARGUMENT'],
    [{ ...base, success: 'yes' }, 'INVALID_ARGUMENT'],
    [{ ...base, success: false, errorCode: 'wrong passphrase "hunter2"' }, 'INVALID_ARGUMENT'],
    [{ ...base, metadata: { privateKey: 'abc' } }, 'INVALID_ARGUMENT'],
    [{ ...base, metadata: { nested: { mnemonic: 'abandon abandon' } } }, 'INVALID_ARGUMENT'],
    [{ ...base, metadata: { Pass_Phrase: 'x' } }, 'INVALID_ARGUMENT'],
    [{ ...base, metadata: { key: new Uint8Array(32) } }, 'INVALID_ARGUMENT'],
    [
      {
        ...base,
        metadata: {
          note: 'xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi',
        },
      },
      'INVALID_ARGUMENT',
    ],
    [{ ...base, metadata: { ratio: 0.5 } }, 'INVALID_ARGUMENT'],
    [{ ...base, metadata: { big: 'x'.repeat(5000) } }, 'INVALID_ARGUMENT'],
    [{ ...base, metadata: [1, 2] }, 'INVALID_ARGUMENT'],
    [{ ...base, metadata: { a: { b: { c: { d: { e: { f: 1 } } } } } } }, 'INVALID_ARGUMENT'],
  ];
  for (const [ev, c] of bad) {
    await assert.rejects(log.append(ev as never), (e: unknown) => {
      assert.ok(code(c)(e), JSON.stringify(ev));
      const msg = (e as Error).message;
      for (const leak of ['hunter2', 'abandon', 'xprv9s21']) assert.ok(!msg.includes(leak), `message leaks ${leak}`);
      return true;
    });
  }
  assert.deepEqual(await log.verify(), { ok: true, entries: 0 }, 'nothing was written');
  assert.throws(() => new AuditLog(null as never), code('INVALID_KEY'));
});

test('export as JSON Lines (canonical, MACs included, filter by period); the export verifies offline', async () => {
  const { log, key, store } = await fresh();
  const text = await log.exportJsonl();
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 5);
  assert.ok(text.endsWith('\n'));
  const parsed = lines.map((l) => JSON.parse(l) as AuditEntry);
  assert.deepEqual(
    parsed.map((e) => e.seq),
    [0, 1, 2, 3, 4],
  );
  for (const l of lines) {
    const keys = Object.keys(JSON.parse(l));
    assert.deepEqual(keys, [...keys].sort(), 'sorted keys');
    assert.ok(!/[\n\r]|": | ,/.test(l), 'no whitespace between tokens');
  }
  assert.deepEqual(parsed, await log.query());
  // With the key and the head, an exported full log verifies offline; an edited line does not.
  assert.deepEqual(await verifyAuditEntries(key, parsed, await store.head()), { ok: true, entries: 5 });
  parsed[3]!.operation = 'key:read';
  const r = await verifyAuditEntries(key, parsed, await store.head());
  assert.ok(!r.ok && r.seq === 3);
  const period = await log.exportJsonl({ since: 1_700_000_002_000, until: 1_700_000_004_000 });
  assert.deepEqual(
    period
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).seq),
    [1, 2],
  );
  assert.equal(await log.exportJsonl({ since: 2_000_000_000_000 }), '');
  const byKey = await log.exportJsonl({ keyId: 'key-a' });
  assert.deepEqual(
    byKey
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).seq),
    [1, 3],
  );
  await assert.rejects(log.exportJsonl({ since: 'yesterday' } as never), code('INVALID_ARGUMENT'));
});

test('report by period: counts, success rate, by key, by operation, by principal, integrity', async () => {
  const { log, c, store } = await fresh();
  const all = await log.report();
  assert.equal(all.totalEvents, 5);
  assert.equal(all.successCount, 4);
  assert.equal(all.failureCount, 1);
  assert.equal(all.successRate, 0.8);
  assert.deepEqual(all.byKey, { 'key-b': { total: 3, success: 2, failure: 1 }, 'key-a': { total: 2, success: 2, failure: 0 } });
  assert.deepEqual(all.byOperation, {
    'key:sign': { total: 4, success: 3, failure: 1 },
    'key:rotate': { total: 1, success: 1, failure: 0 },
  });
  assert.deepEqual(all.byPrincipal, { owner: { total: 5, success: 4, failure: 1 } });
  assert.equal(all.integrity.ok, true);
  assert.equal(all.end, c.t);
  const part = await log.report({ since: 1_700_000_003_000, until: 1_700_000_005_000 });
  assert.equal(part.totalEvents, 2);
  assert.equal(part.start, 1_700_000_003_000);
  assert.deepEqual(part.byOperation, {
    'key:sign': { total: 1, success: 0, failure: 1 },
    'key:rotate': { total: 1, success: 1, failure: 0 },
  });
  const none = await log.report({ since: 2_000_000_000_000 });
  assert.equal(none.totalEvents, 0);
  assert.equal(none.successRate, null);
  (store.rows.get(0) as AuditEntry).success = false;
  assert.equal((await log.report()).integrity.ok, false, 'a report over a tampered log says so');
});
