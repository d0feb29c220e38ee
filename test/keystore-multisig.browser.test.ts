// Multisig under the vault's governance (docs/security.md, "Multisig in the
// vault"), in Debian's Chromium with a real IndexedDB: a 2-of-3 group whose
// signers are two vault keys and one outside key (@noble/curves); vault keys
// sign an operation in one call, the outside signature is added and verified;
// every call needs its `multisig:*` permission and is audited; the records are
// authenticated, so an approval edited in IndexedDB is CORRUPTED.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { Page } from 'playwright-core';
import { browserSuite, watchErrors } from './helpers/browser.ts';
import { loadFixture, ok } from './helpers/keystore-page.ts';

const PASS = 'multisig vault passphrase';
const suite = browserSuite();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Calls `keystore.multisig[name]` in the page ('hex:' strings become bytes): its value, or the error code. */
function ms(page: Page, name: string, ...args: unknown[]): Promise<{ ok: boolean; value?: any; code?: string }> {
  return page.evaluate(
    ([n, a]) => {
      return (window as any).vt.ks.multisig[n as string](
        ...(a as unknown[]).map((x: unknown) =>
          typeof x === 'string' && x.startsWith('hex:') ? Uint8Array.from(x.slice(4).match(/../g) ?? [], (h) => Number.parseInt(h, 16)) : x,
        ),
      ).then(
        (value: unknown) => ({ ok: true, value }),
        (e: any) => ({ ok: false, code: e?.code }),
      );
    },
    [name, args] as const,
  );
}
const msOk = async (page: Page, name: string, ...args: unknown[]) => {
  const r = await ms(page, name, ...args);
  assert.ok(r.ok, `${name} failed: ${r.code}`);
  return r.value;
};
const msFails = async (page: Page, code: string, name: string, ...args: unknown[]) => {
  const r = await ms(page, name, ...args);
  assert.equal(r.ok, false, `${name} should fail`);
  assert.equal(r.code, code, name);
};

test('a vault key signs a multisig operation in one call; outside signatures are verified; permissions, audit and tamper-evidence hold', async () => {
  const ctx = await suite.browser.newContext();
  const page = await loadFixture(ctx, suite.base);
  const errors = watchErrors(page);
  const name = `msig-${process.pid}-${Date.now().toString(36)}`;
  await page.evaluate((o) => (window as any).vt.open(o), { name });
  await ok(page, 'create', { passphrase: PASS });
  const a = (await ok(page, 'generate', {})).id;
  const b = (await ok(page, 'generate', {})).id;
  const pubOf = async (id: string) => {
    const { publicKey } = await ok(page, 'sign', id, 'hex:' + '00'.repeat(32));
    return publicKey.slice(4);
  };
  const outside = secp256k1.utils.randomSecretKey();
  const group = await msOk(page, 'createGroup', {
    name: 'treasury',
    threshold: 2,
    timeoutMs: 3_600_000,
    signers: [
      { label: 'a', curve: 'secp256k1', publicKey: await pubOf(a), weight: 1 },
      { label: 'b', curve: 'secp256k1', publicKey: await pubOf(b), weight: 1 },
      { label: 'outside', curve: 'secp256k1', publicKey: hex(secp256k1.getPublicKey(outside, true)), weight: 1 },
    ],
  });
  const message = crypto.randomBytes(48);
  const op = await msOk(page, 'initiate', group.id, 'hex:' + message.toString('hex'), { description: 'pay' });
  assert.equal(op.status, 'PENDING');
  assert.equal(op.initiator, 'owner', 'the initiator is the session principal');

  // One call: the vault key signs op.digest (SHA-256 of the message) and the signature is added.
  const one = await msOk(page, 'signWithKey', op.id, a);
  assert.equal(one.signatures.length, 1);
  const sig = Buffer.from(one.signatures[0].signature, 'hex');
  const digest = crypto.createHash('sha256').update(message).digest();
  assert.equal(secp256k1.verify(sig, digest, Buffer.from(await pubOf(a), 'hex'), { prehash: false }), true);

  // A wrong outside signature is refused; a right one reaches the threshold.
  const bad = secp256k1.sign(crypto.randomBytes(32), outside, { prehash: false });
  await msFails(page, 'INVALID_SIGNATURE', 'addSignature', op.id, hex(secp256k1.getPublicKey(outside, true)), hex(bad));
  const good = secp256k1.sign(digest, outside, { prehash: false });
  const two = await msOk(page, 'addSignature', op.id, hex(secp256k1.getPublicKey(outside, true)), hex(good));
  assert.equal(two.status, 'THRESHOLD_MET');
  assert.equal((await msOk(page, 'complete', op.id)).status, 'COMPLETE');

  // Audited, with the operation id, and the key's use counted.
  const lines = (await ok(page, 'exportAuditLog'))
    .trim()
    .split('\n')
    .map((l: string) => JSON.parse(l));
  const ops = lines
    .filter((e: any) => e.operation.startsWith('multisig:'))
    .map((e: any) => `${e.operation}:${e.success ? 'ok' : e.errorCode}`);
  assert.deepEqual(ops, [
    'multisig:create-group:ok',
    'multisig:initiate:ok',
    'multisig:sign-with-key:ok',
    'multisig:sign:INVALID_SIGNATURE',
    'multisig:sign:ok',
    'multisig:complete:ok',
  ]);
  assert.equal(lines.find((e: any) => e.operation === 'multisig:sign-with-key').keyId, a);

  // Permissions: a signer may sign but not initiate, complete or cancel.
  await ok(page, 'addPrincipal', { id: 'bot', type: 'service', name: 'Bot', roles: ['signer'] });
  const op2 = await msOk(page, 'initiate', group.id, 'hex:' + message.toString('hex'));
  await ok(page, 'lock');
  await ok(page, 'unlock', { passphrase: PASS }, { principalId: 'bot' });
  await msFails(page, 'PERMISSION_DENIED', 'initiate', group.id, 'hex:00');
  await msFails(page, 'PERMISSION_DENIED', 'cancel', op2.id, 'no');
  assert.equal((await msOk(page, 'signWithKey', op2.id, b)).signatures.length, 1);
  await msFails(page, 'PERMISSION_DENIED', 'complete', op2.id);
  await ok(page, 'lock');
  await ok(page, 'unlock', { passphrase: PASS });

  // Tamper: an approval added to the stored record by hand is not accepted.
  const rows = await page.evaluate((nm) => (window as any).vt.rawAll(`vaultkey:${nm}`, 'meta'), name);
  const row = rows.find((r: any) => r.id === `msig-op:${op2.id}`);
  assert.ok(row, 'the operation is a record of the vault database');
  const forged = { ...row, op: { ...row.op, status: 'THRESHOLD_MET', signatures: [...row.op.signatures, { ...row.op.signatures[0] }] } };
  await page.evaluate(([nm, r]) => (window as any).vt.rawPut(`vaultkey:${nm}`, 'meta', r), [name, forged] as const);
  await msFails(page, 'CORRUPTED', 'get', op2.id);
  await msFails(page, 'CORRUPTED', 'complete', op2.id);
  // Put back, it verifies again.
  await page.evaluate(([nm, r]) => (window as any).vt.rawPut(`vaultkey:${nm}`, 'meta', r), [name, row] as const);
  assert.equal((await msOk(page, 'get', op2.id)).signatures.length, 1);
  assert.equal((await msOk(page, 'cancel', op2.id, 'changed plan')).status, 'CANCELLED');
  assert.deepEqual(errors, []);
  await ctx.close();
});
