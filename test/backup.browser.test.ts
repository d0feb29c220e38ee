// Backup and recovery through the Keystore in Debian's Chromium:
// vault -> encrypted backup -> a fresh browser profile -> identical addresses
// and signatures; conflict modes; every single-byte change and truncation of a
// real backup rejected with a code and the target vault unchanged; custodian
// shares; SLIP-0039 shares of a seed; Ethereum keystore v3 both ways (checked
// with ethers in Node).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { Wallet, decryptKeystoreJson, encryptKeystoreJson } from 'ethers';
import { browserSuite, watchErrors } from './helpers/browser.ts';
import { fails, loadFixture, ok } from './helpers/keystore-page.ts';

const MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const PASS = 'correct horse battery staple';
const BPASS = 'backup passphrase, long enough';
const FAST_KDF = { t: 1, m: 256, p: 1 };

let n = 0;
const uniq = () => `b${process.pid}x${Date.now().toString(36)}x${n++}`;

const suite = browserSuite();

/** A page in its own browser context: a fresh profile with empty IndexedDB, and a vault created in it. */
async function freshProfile(): Promise<{ page: Page; ctx: BrowserContext; errors: string[] }> {
  const ctx = await suite.browser.newContext();
  const page = await loadFixture(ctx, suite.base);
  const errors = watchErrors(page);
  await page.evaluate((o) => (window as any).vt.open(o), { name: uniq() });
  await ok(page, 'create', { passphrase: PASS });
  return { page, ctx, errors };
}

const DIGEST = 'hex:' + 'ab'.repeat(32);
const dump = (page: Page, name: string) => page.evaluate((nm) => (window as any).vt.rawDump(nm), name);
const vaultName = (page: Page) => page.evaluate(() => (window as any).vt.ks.name) as Promise<string>;

/** Addresses, signatures and lifecycle states of every key, to compare two vaults. */
async function fingerprint(page: Page, ids: string[]) {
  const out: Record<string, unknown> = {};
  for (const id of ids) {
    const keys = await ok(page, 'keys');
    const k = keys.find((x: any) => x.id === id);
    const curve = k.curve ?? 'secp256k1';
    const chain = curve === 'ed25519' ? 'solana' : 'ethereum';
    const addr = await ok(page, 'getAddress', id, chain);
    const rec = await ok(page, 'lifecycleRecord', id);
    const sig = rec.state === 'active' ? (await ok(page, 'sign', id, DIGEST)).signature : null;
    out[id] = { address: addr.address, path: addr.path, signature: sig, state: rec.state, policy: rec.policy, label: k.label };
  }
  return out;
}

test('round trip: vault -> backup -> fresh profile -> same keys, addresses, signatures, lifecycle states and account indices', async () => {
  const a = await freshProfile();
  const hd = (await ok(a.page, 'createFromMnemonic', MNEMONIC, { label: 'main wallet' })).id;
  const [sk, ek] = (
    await ok(a.page, 'importKeys', [
      { privateKey: 'hex:' + '11'.repeat(32), label: 'hot' },
      { privateKey: 'hex:' + '22'.repeat(32), curve: 'ed25519', label: 'sol' },
    ])
  ).map((k: any) => k.id);
  const { newKeyId: hd2 } = await ok(a.page, 'rotateKey', hd);
  await ok(a.page, 'suspendKey', sk);
  for (let i = 0; i < 3; i++) await ok(a.page, 'nextAddress', hd2, { purpose: 84, coinType: 0 });
  const ids = [hd, hd2, sk, ek];
  const before = await fingerprint(a.page, ids);

  const progress: number[] = [];
  await a.page.exposeFunction('onBackupProgress', (f: number) => progress.push(f));
  // Default KDF here (Argon2id t=3, m=64 MiB) to prove the production parameters run in a browser.
  const file: string = await a.page.evaluate(
    (pass) => (window as any).vt.backupWithProgress(pass, { passphrase: 'correct horse battery staple' }),
    BPASS,
  );
  assert.ok(progress.length >= 2 && progress[0] === 0 && progress.at(-1) === 1, `progress ${progress}`);
  assert.ok(progress.every((f, i) => i === 0 || f >= progress[i - 1]!));
  assert.ok(!file.includes(Buffer.from('legal winner').toString('hex')), 'no plaintext phrase in the file');

  const b = await freshProfile();
  await fails(b.page, 'WRONG_PASSPHRASE', 'verifyBackup', file, { passphrase: 'not the backup passphrase' });
  const summary = await ok(b.page, 'verifyBackup', file, { passphrase: BPASS });
  assert.deepEqual(summary.keys.map((k: any) => k.id).sort(), [...ids].sort());
  assert.equal(summary.header.kdf.m, 65536);
  assert.equal(summary.header.kdf.t, 3);
  assert.deepEqual(await ok(b.page, 'keys'), [], 'verify writes nothing');

  const r = await ok(b.page, 'restoreBackup', file, { passphrase: BPASS });
  assert.equal(r.committed, true);
  assert.deepEqual([...r.restored].sort(), [...ids].sort());
  assert.deepEqual(r.failed, []);
  const after = await fingerprint(b.page, ids);
  assert.deepEqual(after, before, 'identical addresses, signatures (RFC 6979 / RFC 8032 are deterministic), states, policies, labels');
  // The account's indices came along: the next receive address is index 3.
  assert.equal((await ok(b.page, 'nextAddress', hd2, { purpose: 84, coinType: 0 })).index, 3);
  assert.equal(await ok(b.page, 'exportMnemonic', hd, { passphrase: PASS }), MNEMONIC);
  await fails(b.page, 'KEY_SUSPENDED', 'sign', sk, DIGEST);
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  await a.ctx.close();
  await b.ctx.close();
});

test('conflicts: fail (default, nothing written), skip, overwrite; keyIds filter; partial', async () => {
  const a = await freshProfile();
  const [k1, k2] = (
    await ok(a.page, 'importKeys', [{ privateKey: 'hex:' + '33'.repeat(32) }, { privateKey: 'hex:' + '44'.repeat(32) }])
  ).map((k: any) => k.id);
  const file = await ok(a.page, 'backup', { passphrase: BPASS, kdf: FAST_KDF, proof: { passphrase: PASS } });
  const only1 = await ok(a.page, 'backup', { passphrase: BPASS, kdf: FAST_KDF, keyIds: [k1], proof: { passphrase: PASS } });
  assert.equal((await ok(a.page, 'verifyBackup', only1, { passphrase: BPASS })).keys.length, 1);

  const b = await freshProfile();
  assert.deepEqual((await ok(b.page, 'restoreBackup', only1, { passphrase: BPASS })).restored, [k1]);
  const name = await vaultName(b.page);
  const snap = await dump(b.page, name);
  const r1 = await ok(b.page, 'restoreBackup', file, { passphrase: BPASS });
  assert.equal(r1.committed, false);
  assert.deepEqual(r1.failed, [{ id: k1, code: 'ALREADY_EXISTS' }]);
  assert.deepEqual(await dump(b.page, name), snap, 'all or nothing: k2 was not written either');
  const r2 = await ok(b.page, 'restoreBackup', file, { passphrase: BPASS }, { partial: true });
  assert.deepEqual(r2.restored, [k2]);
  assert.deepEqual(r2.failed, [{ id: k1, code: 'ALREADY_EXISTS' }]);
  const r3 = await ok(b.page, 'restoreBackup', file, { passphrase: BPASS }, { conflict: 'skip' });
  assert.equal(r3.committed, false);
  assert.deepEqual(
    r3.skipped.map((s: any) => s.reason),
    ['exists', 'exists'],
  );
  const r4 = await ok(b.page, 'restoreBackup', file, { passphrase: BPASS }, { conflict: 'overwrite', keyIds: [k2] });
  assert.deepEqual(r4.restored, [k2]);
  assert.deepEqual(r4.skipped, [{ id: k1, reason: 'filtered' }]);
  await fails(b.page, 'INVALID_ARGUMENT', 'restoreBackup', file, { passphrase: BPASS }, { conflict: 'merge' });
  assert.equal((await ok(b.page, 'sign', k2, DIGEST)).signature, (await ok(a.page, 'sign', k2, DIGEST)).signature);
  await a.ctx.close();
  await b.ctx.close();
});

test('fuzz through the Keystore: every single-byte change and every truncation of a real backup is refused with a code; the vault is unchanged', async () => {
  const a = await freshProfile();
  await ok(a.page, 'importKeys', [{ privateKey: 'hex:' + '55'.repeat(32), label: 'k' }]);
  const file: string = await ok(a.page, 'backup', { passphrase: BPASS, kdf: FAST_KDF, proof: { passphrase: PASS } });
  const b = await freshProfile();
  await ok(b.page, 'importKeys', [{ privateKey: 'hex:' + '66'.repeat(32) }]);
  const name = await vaultName(b.page);
  const snap = await dump(b.page, name);
  const r = await b.page.evaluate(([f, p]) => (window as any).vt.fuzzRestore(f, p), [file.slice(4), BPASS] as const);
  assert.deepEqual(r.odd, [], 'nothing else thrown, nothing restored');
  const total = Object.values(r.codes as Record<string, number>).reduce((x, y) => x + y, 0);
  assert.equal(total, (2 * (file.length - 4)) / 2 + 1);
  for (const code of Object.keys(r.codes)) assert.ok(['CORRUPTED', 'UNSUPPORTED_VERSION'].includes(code), `code ${code}`);
  assert.deepEqual(await dump(b.page, name), snap);
  await a.ctx.close();
  await b.ctx.close();
});

test('custodian shares: 2-of-3 binary shares of a random backup key; too few, mixed or damaged shares are refused', async () => {
  const a = await freshProfile();
  const id = (await ok(a.page, 'createFromMnemonic', MNEMONIC)).id;
  const s1 = await ok(a.page, 'backupToShares', { threshold: 2, shares: 3, proof: { passphrase: PASS } });
  const s2 = await ok(a.page, 'backupToShares', { threshold: 2, shares: 3, proof: { passphrase: PASS } });
  assert.equal(s1.shares.length, 3);
  assert.equal(s1.shareTexts.length, 3);
  const b = await freshProfile();
  await fails(b.page, 'INSUFFICIENT_SHARES', 'restoreBackup', s1.file, { shares: [s1.shares[0]] });
  await fails(b.page, 'MIXED_SHARE_SETS', 'restoreBackup', s1.file, { shares: [s1.shares[0], s2.shares[1]] });
  const bad = s1.shares[2].slice(0, 20) + (s1.shares[2][20] === '0' ? '1' : '0') + s1.shares[2].slice(21);
  await fails(b.page, 'INVALID_SHARE', 'restoreBackup', s1.file, { shares: [s1.shares[0], bad] });
  await fails(b.page, 'WRONG_PASSPHRASE', 'restoreBackup', s1.file, { shares: [s2.shares[0], s2.shares[1]] });
  const r = await ok(b.page, 'restoreBackup', s1.file, { shares: [s1.shares[2], s1.shares[0]] });
  assert.deepEqual(r.restored, [id]);
  assert.equal((await ok(b.page, 'getAddress', id, 'ethereum')).address, (await ok(a.page, 'getAddress', id, 'ethereum')).address);
  await a.ctx.close();
  await b.ctx.close();
});

test('SLIP-0039: shares of an HD seed (2-of-3) recover the same wallet in another profile; export needs a fresh proof', async () => {
  const a = await freshProfile();
  const id = (await ok(a.page, 'createFromMnemonic', MNEMONIC)).id;
  await fails(a.page, 'WRONG_PASSPHRASE', 'exportSlip39', id, { passphrase: 'wrong wrong wrong' }, {});
  const groups = await ok(a.page, 'exportSlip39', id, { passphrase: PASS }, { groups: [{ threshold: 2, count: 3 }] });
  assert.equal(groups.length, 1);
  assert.equal(groups[0].length, 3);
  assert.equal(groups[0][0].split(' ').length, 59, '64-byte seed -> 59-word shares');
  const b = await freshProfile();
  await fails(b.page, 'INSUFFICIENT_SHARES', 'importSlip39', [groups[0][1]]);
  const k = await ok(b.page, 'importSlip39', [groups[0][1], groups[0][2]], { label: 'from shares' });
  for (const chain of ['ethereum', 'bitcoin', 'solana']) {
    assert.equal((await ok(b.page, 'getAddress', k.id, chain)).address, (await ok(a.page, 'getAddress', id, chain)).address);
  }
  await a.ctx.close();
  await b.ctx.close();
});

test('Ethereum keystore v3: import a file made by ethers; export one that ethers decrypts to the same key', async () => {
  const wallet = new Wallet('0x' + '77'.repeat(32));
  const json = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, 'pw for ethers', {
    scrypt: { N: 1024 },
  });
  const a = await freshProfile();
  await fails(a.page, 'WRONG_PASSPHRASE', 'importKeystoreV3', json, 'wrong password');
  await fails(a.page, 'INVALID_KEYSTORE', 'importKeystoreV3', '{"version":3}', 'x');
  const k = await ok(a.page, 'importKeystoreV3', json, 'pw for ethers', { label: 'from geth' });
  assert.equal(k.address, wallet.address);
  assert.equal((await ok(a.page, 'getAddress', k.id, 'ethereum')).address, wallet.address);
  assert.equal((await ok(a.page, 'lifecycleRecord', k.id)).state, 'active');

  const out: string = await ok(a.page, 'exportKeystoreV3', k.id, 'export password', {
    kdf: 'scrypt',
    scrypt: { n: 1024, r: 8, p: 1 },
    proof: { passphrase: PASS },
  });
  const back = await decryptKeystoreJson(out, 'export password');
  assert.equal(back.privateKey, wallet.privateKey);
  // An HD key exports the key at its default Ethereum path.
  const hd = (await ok(a.page, 'createFromMnemonic', MNEMONIC)).id;
  const hdOut: string = await ok(a.page, 'exportKeystoreV3', hd, 'export password', {
    kdf: 'pbkdf2',
    pbkdf2: { c: 1000 },
    proof: { passphrase: PASS },
  });
  assert.equal((await decryptKeystoreJson(hdOut, 'export password')).address, (await ok(a.page, 'getAddress', hd, 'ethereum')).address);
  // A rotated HD key (<id>-v2) exports its own key (account 0 of its fresh seed, read from its record), not its predecessor's.
  const { newKeyId } = await ok(a.page, 'rotateKey', hd);
  const v2Out: string = await ok(a.page, 'exportKeystoreV3', newKeyId, 'export password', {
    kdf: 'pbkdf2',
    pbkdf2: { c: 1000 },
    proof: { passphrase: PASS },
  });
  assert.equal(
    (await decryptKeystoreJson(v2Out, 'export password')).address,
    (await ok(a.page, 'getAddress', newKeyId, 'ethereum')).address,
  );
  const lines = (await ok(a.page, 'exportAuditLog'))
    .trim()
    .split('\n')
    .map((l: string) => JSON.parse(l));
  assert.ok(lines.some((e: any) => e.operation === 'key:export-keystore-v3' && e.success));
  await a.ctx.close();
});

test('KDF bounds in the vault worker: a SLIP-0039 share with e = 15 or 10,022 words, a 1 GiB scrypt keystore and a t = 10, 1 GiB backup header are refused before any work', async () => {
  // docs/backup.md §Bounds, caps, abort and progress. Without the bounds each call held the worker for seconds to minutes.
  const { encodeSlip39Share, encryptBackup, encryptKeystoreV3 } = await import('../src/backup/index.ts');
  const share = (e: number, value: Uint8Array) =>
    encodeSlip39Share({
      id: 99,
      extendable: true,
      iterationExponent: e,
      groupIndex: 0,
      groupThreshold: 1,
      groupCount: 1,
      memberIndex: 0,
      memberThreshold: 1,
      value,
    });
  const hex = (b: Uint8Array) => 'hex:' + Buffer.from(b).toString('hex');
  const a = await freshProfile();
  await fails(a.page, 'KDF_LIMIT', 'importSlip39', [share(15, new Uint8Array(32).fill(5))]);
  await fails(a.page, 'INVALID_SHARE', 'importSlip39', [share(0, new Uint8Array(12518).fill(1))]);
  const ks = JSON.parse(await encryptKeystoreV3(new Uint8Array(32).fill(0x11), 'a keystore password', { scrypt: { n: 1024, r: 8, p: 1 } }));
  Object.assign(ks.crypto.kdfparams, { n: 2 ** 20, r: 8, p: 2 });
  await fails(a.page, 'KDF_LIMIT', 'importKeystoreV3', JSON.stringify(ks), 'a keystore password');
  const file = Buffer.from(await encryptBackup({ version: 1, createdAt: 1, keys: [] }, BPASS, { kdf: FAST_KDF }));
  file.writeUInt32BE(10, 6);
  file.writeUInt32BE(1024 * 1024, 10);
  const { createHash } = await import('node:crypto');
  file.set(
    createHash('sha256')
      .update(file.subarray(0, file.length - 32))
      .digest(),
    file.length - 32,
  );
  await fails(a.page, 'KDF_LIMIT', 'restoreBackup', hex(file), { passphrase: BPASS });
  // A share within the caps still imports, and the vault answers as before.
  const k = await ok(a.page, 'importSlip39', [share(1, new Uint8Array(32).fill(5))], { label: 'e = 1' });
  assert.equal((await ok(a.page, 'keys')).filter((x: any) => x.id === k.id).length, 1);
  assert.deepEqual(a.errors, []);
  await a.ctx.close();
});
