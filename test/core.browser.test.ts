// The rollup bundle in Debian's Chromium: the core on the page and the worker
// pool through comlink, under `script-src 'self' 'wasm-unsafe-eval'`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { launch, serveRepo, watchErrors, type Served } from './helpers/browser.ts';
import { wycheproof } from './helpers/vectors.ts';
import { slip10Vectors } from './helpers/hd-vectors.ts';

let browser: Browser;
let server: Served;
let page: Page;
let errors: string[];

before(async () => {
  server = await serveRepo();
  browser = await launch();
  page = await browser.newPage();
  errors = watchErrors(page);
  await page.goto(server.url + 'test/fixtures/browser/hash.html');
  await page.waitForFunction(() => (window as any).vkReady === true, null, { timeout: 20_000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('page is served with a strict CSP and loads without errors', async () => {
  const res = await page.request.get(server.url + 'test/fixtures/browser/hash.html');
  assert.match(res.headers()['content-security-policy'] ?? '', /script-src 'self' 'wasm-unsafe-eval'/);
  assert.deepEqual(errors, []);
});

test('core and worker pool match node:crypto on random inputs', async () => {
  const inputs = Array.from({ length: 40 }, (_, i) => crypto.randomBytes(i * 13));
  const got = await page.evaluate(
    async (hexes) => {
      const vk = (window as any).vk;
      const { u, h } = vk;
      const out = [];
      for (const x of hexes) {
        const d = u(x);
        out.push({
          sha256: h(vk.core.sha256(d)),
          sha512: h(vk.core.sha512(d)),
          hmac: h(vk.core.hmacSha512(d, d)),
          workerSha512: h(await vk.pool.call('sha512', d)),
        });
      }
      const batch = await vk.pool.batch(
        'hash160',
        hexes.map((x: string) => [u(x)]),
      );
      return { out, batch: batch.map(h) };
    },
    inputs.map((b) => b.toString('hex')),
  );
  inputs.forEach((d, i) => {
    const want512 = crypto.createHash('sha512').update(d).digest('hex');
    assert.equal(got.out[i]!.sha256, crypto.createHash('sha256').update(d).digest('hex'));
    assert.equal(got.out[i]!.sha512, want512);
    assert.equal(got.out[i]!.workerSha512, want512);
    assert.equal(got.out[i]!.hmac, crypto.createHmac('sha512', d).update(d).digest('hex'));
    const h160 = crypto.createHash('ripemd160').update(crypto.createHash('sha256').update(d).digest()).digest('hex');
    assert.equal(got.batch[i], h160);
  });
});

test('Wycheproof PBKDF2 vectors through the worker', async () => {
  const file = wycheproof('pbkdf2_hmacsha512_test.json');
  const cases = file.testGroups
    .flatMap((g: any) => g.tests)
    .filter((t: any) => t.iterationCount <= 4096)
    .slice(0, 40);
  const got: string[] = await page.evaluate(async (cs) => {
    const vk = (window as any).vk;
    const { u, h } = vk;
    const res = await vk.pool.batch(
      'pbkdf2Sha512',
      cs.map((t: any) => [u(t.password), u(t.salt), t.iterationCount, t.dkLen]),
    );
    return res.map(h);
  }, cases);
  assert.ok(cases.length >= 10);
  cases.forEach((t: any, i: number) => assert.equal(got[i] === t.dk, t.result === 'valid', `tcId ${t.tcId}`));
});

test('BIP-39 seed in the page equals the Trezor vector and node:crypto', async () => {
  const mnemonic = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
  const seed = await page.evaluate(async (m) => {
    const vk = (window as any).vk;
    const s = await vk.core.mnemonicToSeed(m, 'TREZOR');
    return { hex: vk.h(s), backend: vk.core.pbkdf2Backend() };
  }, mnemonic);
  assert.equal(seed.hex, crypto.pbkdf2Sync(mnemonic, 'mnemonicTREZOR', 2048, 64, 'sha512').toString('hex'));
  assert.ok(seed.backend === 'webcrypto' || seed.backend === 'wasm');
});

test('bad input through the worker comes back as VaultkeyError with its code', async () => {
  const r = await page.evaluate(async () => {
    const vk = (window as any).vk;
    try {
      await vk.pool.call('pbkdf2Sha512', new Uint8Array(1), new Uint8Array(1), 0, 64);
      return null;
    } catch (e: any) {
      return { isVk: e instanceof vk.VaultkeyError, code: e.code, message: e.message };
    }
  });
  assert.deepEqual(r && { isVk: r.isVk, code: r.code }, { isVk: true, code: 'INVALID_ARGUMENT' });
});

test('secp256k1 in Chromium: page core and worker pool agree with @noble/curves (RFC 6979, recovery, verify)', async () => {
  const { secp256k1: noble } = await import('@noble/curves/secp256k1.js');
  const cases = Array.from({ length: 20 }, () => ({
    priv: crypto.randomBytes(32).toString('hex'),
    digest: crypto.randomBytes(32).toString('hex'),
  })).filter((c) => noble.utils.isValidSecretKey(Buffer.from(c.priv, 'hex')));
  const got = await page.evaluate(async (cs) => {
    const vk = (window as any).vk;
    const out = [];
    for (const c of cs) {
      const priv = vk.u(c.priv);
      const digest = vk.u(c.digest);
      const pub = vk.core.secp256k1.getPublicKey(priv);
      const page = vk.core.secp256k1.sign(digest, priv);
      const worker = await vk.pool.call('secp256k1Sign', digest, priv);
      out.push({
        pub: vk.h(pub),
        sig: vk.h(page.signature),
        recovery: page.recovery,
        workerSig: vk.h(worker.signature),
        verified: await vk.pool.call('secp256k1Verify', page.signature, digest, pub),
        recovered: vk.h(vk.core.secp256k1.recoverPublicKey(page.signature, page.recovery, digest)),
      });
    }
    return out;
  }, cases);
  assert.ok(cases.length >= 15);
  cases.forEach((c, i) => {
    const priv = Buffer.from(c.priv, 'hex');
    const digest = Buffer.from(c.digest, 'hex');
    const want = noble.sign(digest, priv, { prehash: false, format: 'recovered' });
    const pub = Buffer.from(noble.getPublicKey(priv, true)).toString('hex');
    assert.equal(got[i]!.pub, pub);
    assert.equal(got[i]!.sig, Buffer.from(want.subarray(1)).toString('hex'));
    assert.equal(got[i]!.recovery, want[0]);
    assert.equal(got[i]!.workerSig, got[i]!.sig);
    assert.equal(got[i]!.verified, true);
    assert.equal(got[i]!.recovered, pub);
  });
});

test('P-256 in Chromium: the core p256 module agrees with @noble/curves (RFC 6979, verify, SLIP-0010 nist256p1)', async () => {
  const { p256: noble } = await import('@noble/curves/nist.js');
  const cases = Array.from({ length: 20 }, () => ({
    priv: Buffer.from(noble.utils.randomSecretKey()).toString('hex'),
    digest: crypto.randomBytes(32).toString('hex'),
  }));
  const got = await page.evaluate(async (cs) => {
    const vk = (window as any).vk;
    const out = [];
    for (const c of cs) {
      const priv = vk.u(c.priv);
      const digest = vk.u(c.digest);
      const pub = vk.core.p256.getPublicKey(priv, false);
      const sig = vk.core.p256.sign(digest, priv);
      out.push({ pub: vk.h(pub), sig: vk.h(sig), verified: vk.core.p256.verify(sig, digest, pub) });
    }
    const node = vk.core.HDKey.fromMasterSeed(vk.u('000102030405060708090a0b0c0d0e0f'), 'nist256p1').derive("m/0'/1/2'");
    return { out, slip10: vk.h(node.privateKey) };
  }, cases);
  cases.forEach((c, i) => {
    const priv = Buffer.from(c.priv, 'hex');
    const digest = Buffer.from(c.digest, 'hex');
    assert.equal(got.out[i]!.pub, Buffer.from(noble.getPublicKey(priv, false)).toString('hex'));
    assert.equal(got.out[i]!.sig, Buffer.from(noble.sign(digest, priv, { prehash: false, lowS: false })).toString('hex'));
    assert.equal(got.out[i]!.verified, true);
  });
  // SLIP-0010 test vector 1 for nist256p1, chain m/0H/1/2H (test/vectors/slip-0010.md).
  const v = slip10Vectors().find((x) => x.curve === 'nist256p1' && x.seed === '000102030405060708090a0b0c0d0e0f')!;
  assert.equal(got.slip10, v.chains.find((c) => c.path === "m/0'/1/2'")!.private);
  assert.deepEqual(errors, []);
});
