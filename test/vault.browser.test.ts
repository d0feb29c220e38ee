// The vault in Debian's Chromium: real IndexedDB, real WebCrypto, Chromium's
// virtual WebAuthn authenticator over CDP, pages under the strict CSP of
// scripts/serve.mjs on http://localhost (a valid WebAuthn RP ID).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { HDKey as ScureHDKey } from '@scure/bip32';
import { launch, serveRepo, watchErrors, type Served } from './helpers/browser.ts';
import { addAuthenticator, call, fails, ok, reload } from './helpers/keystore-page.ts';

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const SEED = crypto.pbkdf2Sync(MNEMONIC, 'mnemonic', 2048, 64, 'sha512');
const PASS = 'correct horse battery staple';

let browser: Browser;
let server: Served;
let base: string;
let context: BrowserContext;
let n = 0;
const uniq = () => `t${process.pid}x${Date.now().toString(36)}x${n++}`;

interface Tab {
  page: Page;
  errors: string[];
  cdp?: CDPSession;
}

async function tab(o: { prf?: boolean; ctx?: BrowserContext } = {}): Promise<Tab> {
  const page = await (o.ctx ?? context).newPage();
  const errors = watchErrors(page);
  // Authenticators are per tab; WebAuthn.enable must come first.
  const cdp = o.prf !== undefined ? await addAuthenticator(page, o.prf) : undefined;
  await load(page);
  return { page, errors, cdp };
}

/**
 * A raw dump without what every operation legitimately moves: the audit chain, its head, the last
 * verified audit checkpoint (written after an unlock's incremental check), the manifest epoch, the
 * throttle sequence.
 */
function stable(d: any): any {
  const meta = JSON.parse(d.meta).filter((r: any) => !['audit-head', 'audit-verified', 'manifest', 'throttle'].includes(r.id));
  return { ...d, audit: undefined, meta: JSON.stringify(meta) };
}

const load = (page: Page) => reload(page, base);

function open(page: Page, opts: object): Promise<{ state: string; persisted: boolean | null }> {
  return page.evaluate((o) => (window as any).vt.open(o), opts);
}

const vt = <T>(page: Page, fn: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(([f, a]) => (window as any).vt[f as string](...(a as unknown[])), [fn, args] as const);

const unhex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/^hex:/, ''), 'hex'));
const ethAddress = (pub: Uint8Array) => {
  const un = secp256k1.Point.fromBytes(pub).toBytes(false);
  return '0x' + Buffer.from(keccak_256(un.slice(1)).slice(-20)).toString('hex');
};

/** A vault with the BIP-39 test mnemonic under PASS (PBKDF2 at the 210,000 floor). */
async function vaultWithMnemonic(page: Page, name: string, opts: object = {}): Promise<string> {
  assert.equal((await open(page, { name, ...opts })).state, 'empty');
  const st = await ok(page, 'create', { passphrase: PASS });
  assert.equal(st.state, 'unlocked');
  const key = await ok(page, 'createFromMnemonic', MNEMONIC, { label: 'main' });
  assert.match(key.id, /^k_[0-9a-f]{24}$/);
  return key.id;
}

before(async () => {
  server = await serveRepo();
  // WebAuthn needs a valid RP ID: localhost, not 127.0.0.1.
  base = server.url.replace('127.0.0.1', 'localhost');
  browser = await launch();
  context = await browser.newContext();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('create with a passphrase, reload, unlock: same addresses and xpub as an independent BIP-32', async () => {
  const { page, errors } = await tab();
  const name = uniq();
  const id = await vaultWithMnemonic(page, name);
  const before = {
    eth: await ok(page, 'getAddress', id, 'ethereum', 0),
    btc: await ok(page, 'getAddress', id, 'bitcoin', 0),
    sol: await ok(page, 'getAddress', id, 'solana', 0),
    xpub: await ok(page, 'deriveXpub', id, "m/44'/60'/0'"),
  };
  // Published vectors for this mnemonic (BIP-44 ETH, BIP-84 test vector).
  assert.equal(before.eth.address, '0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
  assert.equal(before.eth.path, "m/44'/60'/0'/0/0");
  assert.equal(before.btc.address, 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
  assert.equal(before.xpub, ScureHDKey.fromMasterSeed(SEED).derive("m/44'/60'/0'").publicExtendedKey);
  assert.equal(before.sol.path, "m/44'/501'/0'/0'");

  await load(page);
  assert.equal((await open(page, { name })).state, 'locked');
  await fails(page, 'LOCKED', 'getAddress', id, 'ethereum', 0);
  const keys = await ok(page, 'keys');
  assert.deepEqual(
    keys.map((k: any) => [k.id, k.type, k.label, k.hasMnemonic]),
    [[id, 'hd', 'main', true]],
  );
  assert.equal((await ok(page, 'unlock', { passphrase: PASS })).state, 'unlocked');
  assert.deepEqual(
    {
      eth: await ok(page, 'getAddress', id, 'ethereum', 0),
      btc: await ok(page, 'getAddress', id, 'bitcoin', 0),
      sol: await ok(page, 'getAddress', id, 'solana', 0),
      xpub: await ok(page, 'deriveXpub', id, "m/44'/60'/0'"),
    },
    before,
  );
  const methods = await ok(page, 'methods');
  assert.equal(methods.length, 1);
  assert.deepEqual(methods[0].kdf, { alg: 'PBKDF2-SHA512', iterations: 210000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('signatures verify in Node with @noble/curves; EIP-191 recovers the vault address', async () => {
  const { page } = await tab();
  const id = await vaultWithMnemonic(page, uniq());
  const digest = crypto.randomBytes(32);
  const s = await ok(page, 'sign', id, 'hex:' + digest.toString('hex'));
  const sig = unhex(s.signature);
  const pub = unhex(s.publicKey);
  assert.equal(sig.length, 64);
  assert.ok(secp256k1.verify(sig, digest, pub, { prehash: false }));
  // The key at the default path is the independent BIP-32 key at m/44'/60'/0'/0/0.
  const want = ScureHDKey.fromMasterSeed(SEED).derive("m/44'/60'/0'/0/0");
  assert.deepEqual(pub, want.publicKey);

  const m = await ok(page, 'signMessage', id, 'hello vault');
  const sig65 = unhex(m.signature);
  assert.equal(sig65.length, 65);
  const prefixed = Buffer.concat([Buffer.from('\x19Ethereum Signed Message:\n11'), Buffer.from('hello vault')]);
  const h = keccak_256(prefixed);
  const rec = secp256k1.Signature.fromBytes(sig65.slice(0, 64), 'compact')
    .addRecoveryBit(sig65[64]! - 27)
    .recoverPublicKey(h);
  assert.equal(ethAddress(rec.toBytes(true)), '0x9858EfFD232B4033E47d90003D41EC34EcaEda94'.toLowerCase());
  assert.equal(m.address, '0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
  await fails(page, 'INVALID_LENGTH', 'sign', id, 'hex:' + '00'.repeat(31));

  // Ed25519 (SLIP-0010, Solana path): RFC 8032 signature over the message, the key behind the Solana address.
  const msg = crypto.randomBytes(50);
  const e = await ok(page, 'sign', id, 'hex:' + msg.toString('hex'), { curve: 'ed25519' });
  assert.equal(e.path, "m/44'/501'/0'/0'");
  assert.ok(ed25519.verify(unhex(e.signature), msg, unhex(e.publicKey)));
  const sol = await ok(page, 'getAddress', id, 'solana', 0);
  assert.equal(sol.publicKey, e.publicKey);
  assert.equal(sol.address, base58.encode(unhex(e.publicKey)));
  await page.close();
});

test('wrong passphrase -> WRONG_PASSPHRASE, back-off after 3 failures survives a reload, then unlock works', async () => {
  const { page } = await tab();
  const name = uniq();
  const id = await vaultWithMnemonic(page, name);
  await ok(page, 'lock');
  const waitOut = async () => {
    const ms = (await ok(page, 'status')).retryAfterMs;
    await new Promise((r) => setTimeout(r, ms + 50));
  };
  for (let i = 0; i < 3; i++) await fails(page, 'WRONG_PASSPHRASE', 'unlock', { passphrase: 'not the passphrase' });
  await fails(page, 'RATE_LIMITED', 'unlock', { passphrase: PASS }); // 1 s back-off, even for the right one
  await waitOut();
  await fails(page, 'WRONG_PASSPHRASE', 'unlock', { passphrase: 'not the passphrase' });
  await waitOut(); // 2 s
  await fails(page, 'WRONG_PASSPHRASE', 'unlock', { passphrase: 'not the passphrase' }); // now 4 s
  await load(page);
  await open(page, { name });
  const st = await ok(page, 'status');
  assert.ok(st.retryAfterMs > 0 && st.retryAfterMs <= 4000, `retryAfterMs ${st.retryAfterMs}`);
  await fails(page, 'RATE_LIMITED', 'unlock', { passphrase: PASS });
  // An export needs a session (RBAC: key:export) and so an unlocked vault, whatever the proof.
  await fails(page, 'LOCKED', 'exportMnemonic', id, { passphrase: PASS });
  await waitOut();
  assert.equal((await ok(page, 'unlock', { passphrase: PASS })).state, 'unlocked');
  assert.equal((await ok(page, 'status')).retryAfterMs, 0);
  assert.equal((await ok(page, 'getAddress', id, 'ethereum')).address, '0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
  await page.close();
});

test('lock zeroes the session: sign -> LOCKED; auto-lock after idle time fires a lock event', async () => {
  const { page } = await tab();
  const id = await vaultWithMnemonic(page, uniq(), { autoLockMs: 1500 });
  await ok(page, 'sign', id, 'hex:' + '11'.repeat(32));
  await ok(page, 'lock');
  assert.equal(await vt(page, 'state'), 'locked');
  await fails(page, 'LOCKED', 'sign', id, 'hex:' + '11'.repeat(32));
  await fails(page, 'LOCKED', 'deriveXpub', id, 'm');
  await ok(page, 'unlock', { passphrase: PASS });
  await ok(page, 'sign', id, 'hex:' + '11'.repeat(32));
  await new Promise((r) => setTimeout(r, 2200));
  await fails(page, 'LOCKED', 'sign', id, 'hex:' + '11'.repeat(32));
  const events = await page.evaluate(() => (window as any).vt.events);
  assert.deepEqual(
    events.filter((e: any) => e.type === 'lock').map((e: any) => e.reason),
    ['manual', 'idle'],
  );
  assert.equal(await vt(page, 'state'), 'locked');
  await page.close();
});

test('pagehide locks: the worker (and every secret in its heap) is gone; the next call starts a locked one', async () => {
  const { page } = await tab();
  const id = await vaultWithMnemonic(page, uniq());
  await ok(page, 'sign', id, 'hex:' + '12'.repeat(32));
  await page.evaluate(() => dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })));
  assert.equal(await vt(page, 'state'), 'locked');
  await fails(page, 'LOCKED', 'sign', id, 'hex:' + '12'.repeat(32));
  const events = await page.evaluate(() => (window as any).vt.events);
  assert.ok(events.some((e: any) => e.type === 'lock' && e.reason === 'pagehide'));
  await ok(page, 'unlock', { passphrase: PASS });
  await ok(page, 'sign', id, 'hex:' + '12'.repeat(32));
  await page.close();
});

test('passkey with PRF: enroll, lock, unlock with it, sign; remove the passphrase; export needs a fresh assertion', async () => {
  const { page, errors } = await tab({ prf: true });
  const name = uniq();
  const id = await vaultWithMnemonic(page, name);
  const m = await ok(page, 'addPasskey', { userName: 'alice' });
  assert.equal(m.kind, 'passkey');
  assert.equal(m.rpId, 'localhost');
  await ok(page, 'lock');
  await fails(page, 'LOCKED', 'sign', id, 'hex:' + '22'.repeat(32));

  // A reload: the passkey method comes from IndexedDB, the credential from the tab's authenticator.
  await load(page);
  await open(page, { name });
  assert.equal((await ok(page, 'unlock', { passkey: true })).state, 'unlocked');
  const digest = crypto.randomBytes(32);
  const s = await ok(page, 'sign', id, 'hex:' + digest.toString('hex'));
  assert.ok(secp256k1.verify(unhex(s.signature), digest, unhex(s.publicKey), { prehash: false }));

  // Several methods at once; removing one leaves the other working, and the last one cannot go.
  const methods = await ok(page, 'methods');
  assert.deepEqual(methods.map((x: any) => x.kind).sort(), ['passkey', 'passphrase']);
  await ok(page, 'removeMethod', 'passphrase');
  await fails(page, 'LAST_METHOD', 'removeMethod', m.id);
  await ok(page, 'lock');
  await fails(page, 'NOT_FOUND', 'unlock', { passphrase: PASS });
  await ok(page, 'unlock', { passkey: true });
  assert.equal((await ok(page, 'getAddress', id, 'ethereum')).address, '0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
  assert.equal(await ((await call(page, 'exportMnemonic', id, { passkey: true })) as any).value, MNEMONIC);
  // A passphrase can be enrolled again (Argon2id this time) without re-encrypting the secrets.
  const pm = await ok(page, 'setPassphrase', 'a new passphrase!', { alg: 'argon2id' });
  assert.deepEqual(pm.kdf, { alg: 'argon2id', t: 3, m: 65536, p: 1 });
  await ok(page, 'lock');
  await ok(page, 'unlock', { passphrase: 'a new passphrase!' });
  assert.equal((await ok(page, 'getAddress', id, 'bitcoin')).address, 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
  assert.deepEqual(errors, []);
  await page.close();
});

test('authenticator without PRF -> PRF_UNSUPPORTED and the passphrase path stays', async () => {
  const { page } = await tab({ prf: false });
  const name = uniq();
  const id = await vaultWithMnemonic(page, name);
  await fails(page, 'PRF_UNSUPPORTED', 'addPasskey', {});
  const methods = await ok(page, 'methods');
  assert.deepEqual(
    methods.map((x: any) => x.kind),
    ['passphrase'],
  );
  await ok(page, 'lock');
  await fails(page, 'NOT_FOUND', 'unlock', { passkey: true });
  await ok(page, 'unlock', { passphrase: PASS });
  await ok(page, 'sign', id, 'hex:' + '33'.repeat(32));
  await page.close();
});

test('a passkey-only vault: create({ passkey: true }) with PRF', async () => {
  const { page } = await tab({ prf: true });
  const name = uniq();
  await open(page, { name });
  assert.equal((await ok(page, 'create', { passkey: true })).state, 'unlocked');
  const key = await ok(page, 'generate', {});
  await ok(page, 'lock');
  await ok(page, 'unlock', { passkey: true });
  const a = await ok(page, 'getAddress', key.id, 'ethereum');
  assert.match(a.address, /^0x[0-9a-fA-F]{40}$/);
  await page.close();
});

test('the main thread never holds a seed, a private key or the mnemonic', async () => {
  const { page } = await tab();
  const name = uniq();
  const id = await vaultWithMnemonic(page, name);
  const gen = await ok(page, 'generate', { strength: 256 });
  for (const k of [id, gen.id]) {
    for (const chain of [
      'ethereum',
      'bitcoin',
      'bitcoin-legacy',
      'bitcoin-nested-segwit',
      'bitcoin-taproot',
      'bitcoin-testnet',
      'solana',
    ]) {
      await ok(page, 'getAddress', k, chain, 1);
    }
    await ok(page, 'deriveXpub', k, "m/84'/0'/0'");
    await ok(page, 'sign', k, 'hex:' + '44'.repeat(32));
    await ok(page, 'signMessage', k, 'hi');
    await ok(page, 'sign', k, 'hex:' + '55'.repeat(32), { curve: 'ed25519' });
    await ok(page, 'nextAddress', k, { purpose: 84, coinType: 0 });
    await ok(page, 'accounts', k);
  }
  await ok(page, 'keys');
  await ok(page, 'status');
  await fails(page, 'WRONG_PASSPHRASE', 'exportMnemonic', gen.id, { passphrase: 'wrong wrong wrong' });
  // Now (outside the log) the generated phrase, to know what to look for.
  const phrase = ((await call(page, 'exportMnemonic', gen.id, { passphrase: PASS })) as any).value as string;
  assert.equal(phrase.split(' ').length, 24);
  const genSeed = crypto.pbkdf2Sync(phrase, 'mnemonic', 2048, 64, 'sha512');

  const seen = (await page.evaluate(() => (window as any).vt.seen)).join('\n').toLowerCase();
  assert.ok(seen.length > 1000);
  const secrets: string[] = [];
  for (const seed of [SEED, genSeed]) {
    secrets.push(seed.toString('hex'), seed.subarray(0, 16).toString('hex'), seed.subarray(32).toString('hex'));
    const root = ScureHDKey.fromMasterSeed(seed);
    for (const p of ['m', "m/44'/60'/0'/0/0", "m/44'/60'/0'/0/1", "m/84'/0'/0'/0/1", "m/84'/0'/0'/0/0"]) {
      secrets.push(Buffer.from(root.derive(p).privateKey!).toString('hex'));
      secrets.push(root.derive(p).privateExtendedKey.toLowerCase());
    }
  }
  for (const s of secrets) assert.equal(seen.includes(s), false, 'a secret reached the page');
  for (const words of [MNEMONIC.split(' '), phrase.split(' ')]) {
    assert.equal(seen.includes(words.join(' ')), false);
    for (let i = 0; i + 1 < words.length; i++) {
      assert.equal(seen.includes(`${words[i]} ${words[i + 1]}`), false, 'two consecutive mnemonic words reached the page');
    }
  }
  // And the database holds only ciphertext: no seed bytes, no words.
  const dump = JSON.stringify(await vt(page, 'rawDump', `vaultkey:${name}`)).toLowerCase();
  for (const s of secrets) assert.equal(dump.includes(s), false, 'a secret is in IndexedDB in the clear');
  assert.equal(dump.includes('abandon abandon'), false);
  await page.close();
});

test('corrupted ciphertext, moved ciphertext (wrong AAD), truncated records -> CORRUPTED; nothing lost', async () => {
  const { page } = await tab();
  const name = uniq();
  const db = `vaultkey:${name}`;
  const id = await vaultWithMnemonic(page, name);
  const other = await ok(page, 'generate', {});
  const [imp] = await ok(page, 'importKeys', await vt(page, 'randomKeys', 1));
  const addr = (await ok(page, 'getAddress', id, 'ethereum')).address;
  const dump0 = await vt(page, 'rawDump', db);

  const check = async (store: string, rid: string, edit: string, from?: string) => {
    await vt(page, 'damage', db, store, rid, edit, from);
    await load(page); // a fresh worker: nothing cached
    await open(page, { name });
    if (store === 'methods') {
      await fails(page, 'CORRUPTED', 'unlock', { passphrase: PASS });
    } else {
      await ok(page, 'unlock', { passphrase: PASS });
      await fails(
        page,
        'CORRUPTED',
        rid.endsWith('#mnemonic') ? 'exportMnemonic' : rid === imp.id ? 'sign' : 'getAddress',
        ...(rid.endsWith('#mnemonic')
          ? [id, { passphrase: PASS }]
          : rid === imp.id
            ? [imp.id, 'hex:' + '66'.repeat(32)]
            : [rid, 'ethereum']),
      );
      if (rid === imp.id) await fails(page, 'CORRUPTED', 'getAddress', imp.id, 'ethereum');
      // The other keys still work: damage is contained to the record.
      if (rid !== id) assert.equal((await ok(page, 'getAddress', id, 'ethereum')).address, addr);
    }
    await vt(page, 'restore');
    // The failure itself is audited (and the unlock counted): everything else is as it was.
    assert.deepEqual(
      stable(await vt(page, 'rawDump', db)),
      stable(dump0),
      'the failed operation changed nothing on disk but the audit log',
    );
  };
  await check('secrets', id, 'flip');
  await check('secrets', id, 'truncate');
  await check('secrets', id, 'drop-iv');
  await check('secrets', other.id, 'move', id); // a valid ciphertext under another record's AAD
  await check('secrets', `${id}#mnemonic`, 'flip');
  await check('secrets', imp.id, 'truncate');
  await check('secrets', imp.id, 'swap-pub'); // public key in the clear, swapped for another key's
  await check('methods', 'passphrase', 'flip'); // checksum tells damage from a wrong passphrase
  await check('methods', 'passphrase', 'truncate');

  await load(page);
  await open(page, { name });
  await ok(page, 'unlock', { passphrase: PASS });
  assert.equal((await ok(page, 'getAddress', id, 'ethereum')).address, addr);
  await page.close();
});

test('a database from a newer release -> SCHEMA_TOO_NEW, data untouched; an open vault does not block the upgrade', async () => {
  const { page } = await tab();
  const name = uniq();
  const db = `vaultkey:${name}`;
  const id = await vaultWithMnemonic(page, name);
  const dump0 = await vt<any>(page, 'rawDump', db);
  assert.equal(dump0.version, 3);
  // The keystore's connection is still open: it must close on `versionchange` (idb's `blocking`), or this hangs.
  const v = await vt(page, 'bumpVersion', db);
  await fails(page, 'SCHEMA_TOO_NEW', 'getAddress', id, 'ethereum');
  await load(page);
  const r = await page.evaluate(
    (o) =>
      (window as any).vt.open(o).then(
        () => null,
        (e: any) => e.code,
      ),
    { name },
  );
  assert.equal(r, 'SCHEMA_TOO_NEW');
  const dump1 = await vt<any>(page, 'rawDump', db);
  assert.equal(dump1.version, v);
  assert.deepEqual({ ...dump1, version: 3 }, dump0);
  await page.close();
});

test('a v1 database is migrated to v3 in place', async () => {
  const { page } = await tab();
  const name = uniq();
  const db = `vaultkey:${name}`;
  // What a v1 release made: three stores, no accounts store.
  await page.evaluate(
    (n) =>
      new Promise<void>((done, fail) => {
        const r = indexedDB.open(n, 1);
        r.onupgradeneeded = () => {
          r.result.createObjectStore('meta', { keyPath: 'id' });
          r.result.createObjectStore('methods', { keyPath: 'id' });
          r.result.createObjectStore('secrets', { keyPath: 'id' }).createIndex('keyId', 'keyId');
        };
        r.onsuccess = () => {
          r.result.close();
          done();
        };
        r.onerror = () => fail(r.error);
      }),
    db,
  );
  const id = await vaultWithMnemonic(page, name);
  const a = await ok(page, 'nextAddress', id, { purpose: 44, coinType: 60 });
  assert.equal(a.address, '0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
  const dump = await vt<any>(page, 'rawDump', db);
  assert.equal(dump.version, 3);
  for (const store of ['accounts', 'lifecycle', 'principals', 'audit']) assert.ok(store in dump, store);
  await page.close();
});

test('records built in Node from docs/vault.md open; old KDF parameters are raised on unlock', async () => {
  // An independent writer of the documented format (node:crypto): a vault an
  // older release might have left, with PBKDF2 at 100,000 iterations.
  const { page } = await tab();
  const name = uniq();
  const db = `vaultkey:${name}`;
  assert.equal((await open(page, { name })).state, 'empty'); // creates the v2 stores
  const h = (b: Uint8Array) => 'hex:' + Buffer.from(b).toString('hex');
  const gcm = (key: Uint8Array, aad: string, pt: Uint8Array) => {
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(Buffer.from(aad));
    return { iv, ct: Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]) };
  };
  const lp = (parts: Uint8Array[]) =>
    Buffer.concat(
      parts.flatMap((p) => {
        const n = Buffer.alloc(4);
        n.writeUInt32BE(p.length);
        return [n, Buffer.from(p)];
      }),
    );
  const dek = crypto.randomBytes(32);
  const salt = crypto.randomBytes(32);
  const kek = crypto.pbkdf2Sync(Buffer.from(PASS.normalize('NFKC')), salt, 100_000, 32, 'sha512');
  const w = gcm(kek, 'vaultkey/dek/v1/passphrase', dek);
  const createdAt = 1_700_000_000_000;
  const e = (x: string) => Buffer.from(x);
  const checksum = crypto
    .createHash('sha256')
    .update(
      lp([
        e('passphrase'),
        e('passphrase'),
        e('1'),
        e(String(createdAt)),
        e('Passphrase'),
        e('PBKDF2-SHA512/100000'),
        salt,
        Buffer.alloc(0),
        e(''),
        Buffer.alloc(0),
        Buffer.alloc(0),
        w.iv,
        w.ct,
      ]),
    )
    .digest();
  const keyId = 'k_' + crypto.randomBytes(12).toString('hex');
  const seed = gcm(dek, `vaultkey/secret/v1/seed/${keyId}`, SEED);
  const words = gcm(dek, `vaultkey/secret/v1/mnemonic/${keyId}#mnemonic`, Buffer.from(MNEMONIC));
  const put = (store: string, rec: object) =>
    page.evaluate(([d, st, r]) => (window as any).vt.rawPutHex(d, st, r), [db, store, rec] as const);
  await put('meta', { id: 'vault', v: 1, createdAt, vaultId: 'v_handmade' });
  await put('methods', {
    id: 'passphrase',
    kind: 'passphrase',
    v: 1,
    createdAt,
    label: 'Passphrase',
    kdf: { alg: 'PBKDF2-SHA512', iterations: 100000, salt: h(salt) },
    iv: h(w.iv),
    wrappedDek: h(w.ct),
    checksum: h(checksum),
  });
  await put('secrets', {
    id: keyId,
    kind: 'seed',
    v: 1,
    keyId,
    createdAt,
    label: 'old',
    hasMnemonic: true,
    iv: h(seed.iv),
    ct: h(seed.ct),
  });
  await put('secrets', {
    id: `${keyId}#mnemonic`,
    kind: 'mnemonic',
    v: 1,
    keyId,
    createdAt,
    label: 'old',
    iv: h(words.iv),
    ct: h(words.ct),
  });

  await load(page);
  assert.equal((await open(page, { name })).state, 'locked');
  assert.deepEqual((await ok(page, 'methods'))[0].kdf, { alg: 'PBKDF2-SHA512', iterations: 100000 });
  await ok(page, 'unlock', { passphrase: PASS });
  assert.equal((await ok(page, 'getAddress', keyId, 'ethereum')).address, '0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
  assert.deepEqual((await ok(page, 'methods'))[0].kdf, { alg: 'PBKDF2-SHA512', iterations: 210000 });
  await ok(page, 'lock');
  await fails(page, 'WRONG_PASSPHRASE', 'unlock', { passphrase: 'not it at all' });
  await ok(page, 'unlock', { passphrase: PASS });
  assert.equal(await ((await call(page, 'exportMnemonic', keyId, { passphrase: PASS })) as any).value, MNEMONIC);
  await page.close();
});

test('a tab closed in the middle of a batch write leaves the old or the new state, never a mix', async () => {
  const name = uniq();
  const first = await tab();
  const id = await vaultWithMnemonic(first.page, name);
  const N = 400;
  // How long a whole batch takes here, to aim the closes across it.
  const t0 = Date.now();
  await ok(first.page, 'importKeys', await vt(first.page, 'randomKeys', N));
  const full = Date.now() - t0;
  await first.page.close();
  let expected = 1 + N;
  const outcomes = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const t = await tab();
    await open(t.page, { name });
    await ok(t.page, 'unlock', { passphrase: PASS });
    const keys = await vt(t.page, 'randomKeys', N);
    await vt(t.page, 'fire', 'importKeys', keys);
    await new Promise((r) => setTimeout(r, Math.round((full * 1.3 * i) / 6)));
    await t.page.close();
    const check = await tab();
    await open(check.page, { name });
    const count = (await ok(check.page, 'keys')).length;
    assert.ok(
      count === expected || count === expected + N,
      `after a close at step ${i}: ${count} keys (expected ${expected} or ${expected + N})`,
    );
    outcomes.add(count === expected ? 'old' : 'new');
    expected = count;
    await ok(check.page, 'unlock', { passphrase: PASS });
    assert.equal((await ok(check.page, 'getAddress', id, 'ethereum')).address, '0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    await check.page.close();
  }
  // Which outcomes occurred depends on timing; each one was checked above to be whole.
  console.log(`# batch-close outcomes: ${[...outcomes].join(', ')} (a full batch took ${full} ms)`);
});

test('two tabs: a lock in one locks the other; a change in one is seen by the other', async () => {
  const name = uniq();
  const a = await tab();
  const b = await tab();
  const id = await vaultWithMnemonic(a.page, name);
  await open(b.page, { name });
  await ok(b.page, 'unlock', { passphrase: PASS });
  await ok(b.page, 'sign', id, 'hex:' + '77'.repeat(32));
  const [imp] = await ok(a.page, 'importKeys', await vt(a.page, 'randomKeys', 1));
  await b.page.waitForFunction(() => (window as any).vt.events.some((e: any) => e.type === 'change' && e.remote), null, { timeout: 5000 });
  const keysB = await ok(b.page, 'keys');
  assert.ok(keysB.some((k: any) => k.id === imp.id));
  await ok(b.page, 'sign', imp.id, 'hex:' + '78'.repeat(32)); // b decrypts the new record with its own DEK copy
  await ok(b.page, 'lock'); // b's lock locks a too
  await a.page.waitForFunction(() => (window as any).vt.events.some((e: any) => e.type === 'lock' && e.reason === 'remote'), null, {
    timeout: 5000,
  });
  await fails(a.page, 'LOCKED', 'sign', id, 'hex:' + '77'.repeat(32));
  await ok(a.page, 'unlock', { passphrase: PASS });
  // An unlock is news for the other tab, not a key: b stays locked until it unlocks itself.
  await b.page.waitForFunction(() => (window as any).vt.events.some((e: any) => e.type === 'unlock' && e.remote), null, { timeout: 5000 });
  await fails(b.page, 'LOCKED', 'sign', id, 'hex:' + '77'.repeat(32));
  await ok(b.page, 'unlock', { passphrase: PASS });
  await ok(a.page, 'lock');
  await b.page.waitForFunction(() => (window as any).vt.events.some((e: any) => e.type === 'lock' && e.reason === 'remote'), null, {
    timeout: 5000,
  });
  await fails(b.page, 'LOCKED', 'sign', id, 'hex:' + '77'.repeat(32));
  assert.equal(await vt(b.page, 'state'), 'locked');
  await a.page.close();
  await b.page.close();
});

test('BIP-44 account indices persist in the vault; a swapped xpub on disk is refused', async () => {
  const { page } = await tab();
  const name = uniq();
  const id = await vaultWithMnemonic(page, name);
  const spec = { purpose: 84, coinType: 0 };
  const a0 = await ok(page, 'nextAddress', id, spec);
  const a1 = await ok(page, 'nextAddress', id, spec);
  assert.deepEqual([a0.index, a1.index], [0, 1]);
  assert.equal(a0.address, 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
  await ok(page, 'markUsed', id, spec, 0, 1);
  await load(page);
  await open(page, { name });
  await fails(page, 'LOCKED', 'nextAddress', id, spec);
  await ok(page, 'unlock', { passphrase: PASS });
  const a2 = await ok(page, 'nextAddress', id, spec);
  assert.equal(a2.index, 2);
  assert.equal(a2.path, "m/84'/0'/0'/0/2");
  const [state] = await ok(page, 'accounts', id);
  assert.deepEqual(state.next, [3, 0]);
  assert.deepEqual(state.used, [[1], []]);
  // BIP-84 accounts carry a SLIP-0132 zpub: same key as the independent derivation.
  assert.match(state.xpub, /^zpub/);
  const zpub = ScureHDKey.fromExtendedKey(state.xpub, { private: 0x04b2430c, public: 0x04b24746 });
  assert.deepEqual(zpub.publicKey, ScureHDKey.fromMasterSeed(SEED).derive("m/84'/0'/0'").publicKey);

  // Someone with write access to the disk swaps in another wallet's zpub: no address comes out of it.
  const other = await ok(page, 'generate', {});
  await ok(page, 'nextAddress', other.id, spec);
  const [otherState] = await ok(page, 'accounts', other.id);
  const recs = await vt<any[]>(page, 'rawAll', `vaultkey:${name}`, 'accounts');
  const mine = recs.find((r) => r.keyId === id);
  await page.evaluate(([db, rec]) => (window as any).vt.rawPut(db, 'accounts', rec), [
    `vaultkey:${name}`,
    { ...mine, state: { ...mine.state, xpub: otherState.xpub } },
  ] as const);
  await fails(page, 'CORRUPTED', 'nextAddress', id, spec);
  await page.evaluate(([db, rec]) => (window as any).vt.rawPut(db, 'accounts', rec), [`vaultkey:${name}`, mine] as const);
  assert.equal((await ok(page, 'nextAddress', id, spec)).index, 3);
  await page.close();
});

test('storage persistence is requested and its result exposed', async () => {
  // Headless Chromium answers persist() with false unless the durableStorage
  // permission is granted (Playwright has no name for it: CDP directly).
  const ctx = await browser.newContext();
  const t = await tab({ ctx });
  const s = await ctx.newCDPSession(t.page);
  const { targetInfo } = await s.send('Target.getTargetInfo');
  const bcdp = await browser.newBrowserCDPSession();
  await bcdp.send('Browser.grantPermissions', {
    permissions: ['durableStorage'],
    origin: base.replace(/\/$/, ''),
    browserContextId: targetInfo.browserContextId,
  } as any);
  assert.equal((await open(t.page, { name: uniq() })).persisted, true);
  await ctx.close();
  const { page: p2 } = await tab();
  assert.equal((await open(p2, { name: uniq() })).persisted, false);
  await load(p2);
  assert.equal((await open(p2, { name: uniq(), requestPersistence: false })).persisted, null);
  await p2.close();
});

test('bad input -> coded errors', async () => {
  const { page } = await tab();
  const name = uniq();
  const r = await page.evaluate(() =>
    (window as any).vt.open({ name: 'bad name!' }).then(
      () => null,
      (e: any) => e.code,
    ),
  );
  assert.equal(r, 'INVALID_ARGUMENT');
  await open(page, { name });
  await fails(page, 'NO_VAULT', 'generate', {});
  await fails(page, 'WEAK_PASSPHRASE', 'create', { passphrase: 'short' });
  await fails(page, 'INVALID_ARGUMENT', 'create', { passphrase: PASS, kdf: { alg: 'PBKDF2-SHA512', iterations: 1000 } });
  await fails(page, 'INVALID_ARGUMENT', 'create', {});
  await ok(page, 'create', { passphrase: PASS });
  await fails(page, 'ALREADY_EXISTS', 'create', { passphrase: PASS });
  await fails(page, 'INVALID_MNEMONIC', 'createFromMnemonic', 'abandon '.repeat(12).trim());
  const key = await ok(page, 'createFromMnemonic', MNEMONIC);
  await fails(page, 'INVALID_ARGUMENT', 'sign', 'k_nope', 'hex:' + '00'.repeat(32));
  await fails(page, 'NOT_FOUND', 'sign', 'k_' + '0'.repeat(24), 'hex:' + '00'.repeat(32));
  await fails(page, 'INVALID_ARGUMENT', 'getAddress', key.id, 'dogecoin');
  await fails(page, 'INVALID_PATH', 'getAddress', key.id, 'ethereum', -1);
  await fails(page, 'INVALID_PATH', 'deriveXpub', key.id, 'x/1');
  await fails(page, 'INVALID_KEY', 'importKeys', [{ privateKey: 'hex:' + 'ff'.repeat(32) }]);
  await fails(page, 'INVALID_LENGTH', 'importKeys', [{ privateKey: 'hex:' + '01'.repeat(31) }]);
  await fails(page, 'INVALID_ARGUMENT', 'unlock', {});
  await fails(page, 'NOT_FOUND', 'removeMethod', 'passkey:xyz');
  await fails(page, 'LAST_METHOD', 'removeMethod', 'passphrase');
  assert.equal((await ok(page, 'keys')).length, 1, 'failed calls stored nothing');
  await page.close();
});
