// vaultkey-bridge against a real SoftHSM2 token: every PKCS#11 operation
// through the Node BridgeClient, then what a hostile page can try (wrong Host,
// foreign / missing / null Origin, stolen, revoked and expired tokens, bad
// bodies, a request flood). Signatures are checked with vaultkey/core and, independently, @noble/curves
// (to be switched to vaultkey/core's secp256k1/ed25519 once they land).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import * as vk from 'vaultkey/core';
import { p256 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { startBridge, type BridgeHandle } from '../bridge/server.js';
import type { LogEntry } from '../bridge/log.js';
import { BridgeClient, VaultkeyError } from '../src/bridge-client/index.js';
import { createSoftHsmToken, softHsmUnavailable, type SoftHsmToken } from './helpers/softhsm.js';

const ORIGIN_A = 'https://example.com';
const ORIGIN_B = 'http://localhost:5173';
const ORIGIN_C = 'https://burst.example.org';
const enc = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

/** Node's fetch with an Origin header, standing in for a page on `origin`. */
const originFetch =
  (origin: string): typeof fetch =>
  (input, init) =>
    fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), origin } });

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: { result?: unknown; error?: { code: string; message: string } } | null;
}

/** http.request, because fetch will not send a forged Host header. */
function raw(
  port: number,
  opts: { path?: string; method?: string; headers?: Record<string, string | number>; body?: string | Buffer; chunked?: Buffer[] } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: opts.path ?? '/v1/info', method: opts.method ?? 'POST', headers: opts.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body = null;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            body = null;
          }
          resolve({ status: res.statusCode!, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    if (opts.chunked) {
      for (const c of opts.chunked) req.write(c);
      req.end();
    } else req.end(opts.body);
  });
}

async function rejectsWith(p: Promise<unknown>, code: string) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof VaultkeyError, `expected VaultkeyError, got ${err}`);
    assert.equal(err.code, code);
    return true;
  });
}

const unavailable = softHsmUnavailable();
if (unavailable) console.log(`# skipping bridge tests: ${unavailable}`);

describe('vaultkey-bridge with SoftHSM2', { skip: unavailable ?? false }, () => {
  let token: SoftHsmToken;
  let bridge: BridgeHandle;
  let stateDir: string;
  let skew = 0; // moves the bridge's clock for expiry tests
  const logs: LogEntry[] = [];
  const codes: string[] = []; // every pairing code shown, for the no-secrets-in-logs check
  const tokens: string[] = [];
  const pending = new Map<string, (code: string) => void>();
  const clientFor = (origin: string) => new BridgeClient({ url: `http://127.0.0.1:${bridge.port}`, fetch: originFetch(origin) });

  /** Runs the whole pairing flow for `origin` and returns a paired client. */
  async function paired(origin: string): Promise<BridgeClient> {
    const c = clientFor(origin);
    const code = new Promise<string>((r) => pending.set(origin, r));
    await c.pair();
    await c.completePairing(await code);
    return c;
  }
  const tokenOf = (c: BridgeClient) => (c as unknown as { token: string }).token;

  before(async () => {
    token = await createSoftHsmToken();
    stateDir = await mkdtemp(join(tmpdir(), 'vaultkey-bridge-state-'));
  });

  after(async () => {
    await bridge?.close();
    await token?.cleanup();
    await rm(stateDir, { recursive: true, force: true });
  });

  test('a wrong PIN in the bridge config is refused by the token, with no PIN in the error', async () => {
    let code = '';
    const wrong = await startBridge({
      port: 0,
      allowedOrigins: [ORIGIN_A],
      pkcs11: { module: token.modulePath, tokenLabel: token.label, pin: '000000' },
      onPairingCode: (e) => (code = e.code),
      logger: (e) => logs.push(e),
    });
    try {
      const c = new BridgeClient({ url: `http://127.0.0.1:${wrong.port}`, fetch: originFetch(ORIGIN_A) });
      await c.pair();
      await c.completePairing(code);
      const err = await c.listKeys().catch((e) => e);
      assert.ok(err instanceof VaultkeyError);
      assert.equal(err.code, 'BRIDGE_PIN_INCORRECT');
      assert.ok(!err.message.includes('000000'));
    } finally {
      await wrong.close();
    }
  });

  test('startBridge refuses a wildcard or path in the allowlist, and a missing token label', async () => {
    await assert.rejects(startBridge({ port: 0, allowedOrigins: ['*'] }), /invalid allowed origin/);
    await assert.rejects(startBridge({ port: 0, allowedOrigins: ['https://example.com/app'] }), /invalid allowed origin/);
    await assert.rejects(startBridge({ port: 0, allowedOrigins: ['null'] }), /invalid allowed origin/);
    await assert.rejects(
      startBridge({
        port: 0,
        allowedOrigins: [ORIGIN_A],
        pkcs11: { module: token.modulePath, tokenLabel: 'no-such-token', pin: token.pin },
      }),
      (e: VaultkeyError) => e.code === 'BRIDGE_HSM_UNAVAILABLE',
    );
    await assert.rejects(
      startBridge({ port: 0, allowedOrigins: [ORIGIN_A], pkcs11: { module: '/nonexistent/libpkcs11.so', pin: token.pin } }),
      (e: VaultkeyError) => e.code === 'BRIDGE_HSM_UNAVAILABLE',
    );
  });

  test('start the bridge on a free port, 127.0.0.1 and ::1', async () => {
    bridge = await startBridge({
      port: 0,
      allowedOrigins: [ORIGIN_A, ORIGIN_B, ORIGIN_C],
      pkcs11: { module: token.modulePath, tokenLabel: token.label, pinEnv: 'VAULTKEY_TEST_PIN', poolSize: 3 },
      // Roomy enough for everything origin A does in this file; slow refill so the burst test's
      // numbers hold even on a loaded machine.
      rateLimit: { burst: 200, perSecond: 20 },
      pairingRateLimit: { burst: 5, perSecond: 1 / 60 },
      stateFile: join(stateDir, 'pairings.json'),
      onPairingCode: (e) => {
        codes.push(e.code);
        pending.get(e.origin)?.(e.code);
      },
      logger: (e) => logs.push(e),
      now: () => Date.now() + skew,
    });
    process.env.VAULTKEY_TEST_PIN = token.pin;
    assert.ok(bridge.port > 0);
    assert.equal(bridge.urls[0], `http://127.0.0.1:${bridge.port}`);
    // ::1 is served too when the machine has IPv6 loopback.
    if (bridge.urls.length > 1) {
      const r = await fetch(`http://[::1]:${bridge.port}/v1/info`, {
        method: 'POST',
        headers: { origin: ORIGIN_A, 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(r.status, 200);
    }
  });

  test('pairing: unpaired origin gets BRIDGE_UNPAIRED, wrong code is counted, right code gives a token stored hashed', async () => {
    const c = clientFor(ORIGIN_A);
    assert.equal((await c.info()).paired, false);
    await rejectsWith(c.listKeys(), 'BRIDGE_UNPAIRED');
    await rejectsWith(c.completePairing('ABCD-EFGH'), 'BRIDGE_PAIRING_FAILED'); // before pair()
    const code = new Promise<string>((r) => pending.set(ORIGIN_A, r));
    const start = await c.pair();
    assert.equal(start.attempts, 5);
    const shown = await code;
    assert.match(shown, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/); // Crockford base32, 40 bits
    const err = await c.completePairing(shown === 'ABCD-EFGH' ? 'ABCD-EFGJ' : 'ABCD-EFGH').catch((e) => e);
    assert.equal(err.code, 'BRIDGE_PAIRING_FAILED');
    assert.match(err.message, /4 attempt/);
    // Lower case and no dash are accepted: people type what they see.
    const { expiresAt } = await c.completePairing(shown.toLowerCase().replace('-', ''));
    assert.ok(expiresAt > Date.now() + 6 * 24 * 3600_000);
    assert.equal((await c.info()).paired, true);
    tokens.push(tokenOf(c));

    const state = JSON.parse(await readFile(join(stateDir, 'pairings.json'), 'utf8'));
    assert.equal(state.tokens.length, 1);
    assert.equal(state.tokens[0].hash, createHash('sha256').update(tokenOf(c)).digest('hex'));
    assert.equal(state.tokens[0].origin, ORIGIN_A);
    assert.ok(!JSON.stringify(state).includes(tokenOf(c)));
    assert.equal((await stat(join(stateDir, 'pairings.json'))).mode & 0o777, 0o600);
  });

  test('a pairing code dies after the allowed number of wrong attempts', async () => {
    const c = clientFor(ORIGIN_B);
    const code = new Promise<string>((r) => pending.set(ORIGIN_B, r));
    await c.pair();
    const right = await code;
    for (let i = 0; i < 5; i++)
      await rejectsWith(c.completePairing(right.replace(/.$/, (ch) => (ch === '2' ? '3' : '2'))), 'BRIDGE_PAIRING_FAILED');
    await rejectsWith(c.completePairing(right), 'BRIDGE_PAIRING_FAILED'); // the right code is void now
    assert.equal((await c.info()).paired, false);
  });

  let client: BridgeClient;
  const keys: Record<string, { id: string; publicKey: Uint8Array }> = {};

  test('slots: shows the configured token only (keyAccess origin), marked selected', async () => {
    client = await paired(ORIGIN_A);
    tokens.push(tokenOf(client));
    const slots = await client.slots();
    const sel = slots.filter((s) => s.selected);
    assert.equal(sel.length, 1);
    assert.equal(sel[0]!.token?.label, token.label);
    assert.equal(sel[0]!.token?.initialized, true);
    // SoftHSM always adds a fresh uninitialised slot; a page is not told about it.
    assert.equal(slots.length, 1);
  });

  test('generate + sign + verify: Ed25519', async () => {
    const k = await client.generateKey('ed25519', { label: 'ed key' });
    assert.equal(k.algorithm, 'ed25519');
    assert.equal(k.publicKey.length, 32);
    assert.equal(k.label, 'ed key');
    keys.ed25519 = k;
    const msg = enc('vaultkey bridge ed25519');
    const { signature, recovery } = await client.sign(k.id, msg);
    assert.equal(signature.length, 64);
    assert.equal(recovery, undefined);
    assert.ok(ed25519.verify(signature, msg, k.publicKey));
    await vk.init();
    assert.ok(vk.ed25519.verify(signature, msg, k.publicKey), 'vaultkey/core verifies the HSM signature');
    assert.equal(await client.verify(k.id, msg, signature), true);
    const bad = signature.slice();
    bad[5]! ^= 1;
    assert.equal(await client.verify(k.id, msg, bad), false);
    assert.equal(await client.verify(k.id, enc('other'), signature), false);
  });

  test('generate + sign + verify: secp256k1 is low-S with a recovery id that recovers the key', async () => {
    const k = await client.generateKey('secp256k1', { label: 'eth' });
    assert.equal(k.publicKey.length, 33);
    assert.equal(hex(secp256k1.Point.fromBytes(k.publicKeyUncompressed!).toBytes(true)), hex(k.publicKey));
    keys.secp256k1 = k;
    const half = secp256k1.Point.CURVE().n >> 1n;
    // CKM_ECDSA picks a random nonce, so high-S turns up about half the time: 12 runs exercise both branches.
    for (let i = 0; i < 12; i++) {
      const msg = enc(`message ${i}`);
      const { signature, recovery } = await client.sign(k.id, msg);
      assert.equal(signature.length, 64);
      assert.ok(recovery === 0 || recovery === 1);
      assert.ok(BigInt('0x' + hex(signature.subarray(32))) <= half, 'low-S');
      const digest = sha256(msg);
      assert.ok(secp256k1.verify(signature, digest, k.publicKey, { prehash: false, lowS: true }));
      await vk.init();
      assert.ok(vk.secp256k1.verify(signature, digest, k.publicKey), 'vaultkey/core verifies (low-S) the HSM signature');
      assert.equal(
        hex(vk.secp256k1.recoverPublicKey(signature, recovery!, digest)),
        hex(k.publicKey),
        'recovery id from the bridge works with vaultkey/core',
      );
      const rec = secp256k1.Signature.fromBytes(signature, 'compact').addRecoveryBit(recovery!).recoverPublicKey(digest).toBytes(true);
      assert.equal(hex(rec), hex(k.publicKey));
      assert.equal(await client.verify(k.id, msg, signature), true);
    }
    // Ethereum style: the caller passes a 32-byte digest.
    const digest = sha256(enc('already hashed'));
    const s = await client.sign(k.id, digest, { prehashed: true });
    assert.ok(secp256k1.verify(s.signature, digest, k.publicKey, { prehash: false }));
    assert.equal(await client.verify(k.id, digest, s.signature, { prehashed: true }), true);
    // The high-S twin of a valid signature is refused, like vaultkey/core does.
    const n = secp256k1.Point.CURVE().n;
    const r = s.signature.subarray(0, 32);
    const highS = Buffer.from((n - BigInt('0x' + hex(s.signature.subarray(32)))).toString(16).padStart(64, '0'), 'hex');
    assert.equal(await client.verify(k.id, digest, new Uint8Array([...r, ...highS]), { prehashed: true }), false);
  });

  test('generate + sign + verify: P-256 (SHA-256 of the message)', async () => {
    const k = await client.generateKey('p256');
    assert.equal(k.label, 'vaultkey');
    assert.equal(k.publicKeyUncompressed!.length, 65);
    keys.p256 = k;
    const msg = enc('p-256 through the bridge');
    const { signature } = await client.sign(k.id, msg);
    assert.ok(p256.verify(signature, msg, k.publicKey, { lowS: false })); // noble hashes with SHA-256 by default
    assert.equal(await client.verify(k.id, msg, signature), true);
    assert.equal(await client.verify(k.id, enc('tampered'), signature), false);
  });

  test('import: secp256k1, P-256 and Ed25519 private keys become token keys with the same public key', async () => {
    const cases = [
      { alg: 'secp256k1' as const, sk: secp256k1.utils.randomSecretKey(), pub: (sk: Uint8Array) => secp256k1.getPublicKey(sk, true) },
      { alg: 'p256' as const, sk: p256.utils.randomSecretKey(), pub: (sk: Uint8Array) => p256.getPublicKey(sk, true) },
      { alg: 'ed25519' as const, sk: ed25519.utils.randomSecretKey(), pub: (sk: Uint8Array) => ed25519.getPublicKey(sk) },
    ];
    for (const { alg, sk, pub } of cases) {
      const k = await client.importKey(alg, sk, { label: `imported ${alg}` });
      assert.equal(hex(k.publicKey), hex(pub(sk)), alg);
      const msg = enc(`imported ${alg}`);
      const s = await client.sign(k.id, msg);
      if (alg === 'ed25519') assert.ok(ed25519.verify(s.signature, msg, k.publicKey));
      else if (alg === 'p256') assert.ok(p256.verify(s.signature, msg, k.publicKey, { lowS: false }));
      else assert.ok(secp256k1.verify(s.signature, sha256(msg), k.publicKey, { prehash: false }));
      codes.push(hex(sk)); // must never show up in a log line
      await client.deleteKey(k.id);
    }
    await rejectsWith(client.importKey('secp256k1', new Uint8Array(32)), 'INVALID_KEY'); // zero scalar
    await rejectsWith(client.importKey('p256', new Uint8Array(31).fill(1)), 'INVALID_LENGTH');
  });

  test('private keys on the token are sensitive and non-extractable', async () => {
    // A second handle on the same library, as an HSM admin tool would open it.
    const lib = new pkcs11js.PKCS11();
    lib.load(token.modulePath);
    try {
      lib.C_Initialize();
    } catch (e) {
      assert.match(String((e as Error).message), /ALREADY_INITIALIZED/);
    }
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === token.label)!;
    const s = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      for (const k of Object.values(keys)) {
        lib.C_FindObjectsInit(s, [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
          { type: pkcs11js.CKA_ID, value: Buffer.from(k.id, 'hex') },
        ]);
        const [h] = lib.C_FindObjects(s, 2);
        lib.C_FindObjectsFinal(s);
        assert.ok(h, 'private key object found');
        const [sens, extr] = lib.C_GetAttributeValue(s, h!, [{ type: pkcs11js.CKA_SENSITIVE }, { type: pkcs11js.CKA_EXTRACTABLE }]);
        assert.equal((sens!.value as Buffer)[0], 1);
        assert.equal((extr!.value as Buffer)[0], 0);
        assert.throws(() => lib.C_GetAttributeValue(s, h!, [{ type: pkcs11js.CKA_VALUE }]), /CKR_ATTRIBUTE_SENSITIVE/);
      }
    } finally {
      lib.C_CloseSession(s); // no C_Finalize: the bridge in this process still uses the module
    }
  });

  test('list, export public key, delete', async () => {
    const list = await client.listKeys();
    for (const [alg, k] of Object.entries(keys)) {
      const found = list.find((x) => x.id === k.id);
      assert.ok(found, `${alg} key listed`);
      assert.equal(found!.algorithm, alg);
      assert.equal(hex((await client.getPublicKey(k.id)).publicKey), hex(k.publicKey));
    }
    const doomed = await client.generateKey('p256', { label: 'doomed' });
    await client.deleteKey(doomed.id);
    assert.ok(!(await client.listKeys()).some((x) => x.id === doomed.id));
    await rejectsWith(client.sign(doomed.id, enc('x')), 'BRIDGE_KEY_NOT_FOUND');
    await rejectsWith(client.deleteKey(doomed.id), 'BRIDGE_KEY_NOT_FOUND');
    await rejectsWith(client.getPublicKey(doomed.id), 'BRIDGE_KEY_NOT_FOUND');
  });

  test('keys belong to their origin: another paired origin can neither see nor use them', async () => {
    const other = await paired(ORIGIN_B);
    tokens.push(tokenOf(other));
    const mine = await other.generateKey('ed25519', { label: 'b key' });
    const seenByB = (await other.listKeys()).map((k) => k.id);
    assert.deepEqual(seenByB, [mine.id]);
    assert.ok(!(await client.listKeys()).some((k) => k.id === mine.id));
    const a = keys.ed25519!.id;
    await rejectsWith(other.sign(a, enc('x')), 'BRIDGE_KEY_NOT_FOUND');
    await rejectsWith(other.verify(a, enc('x'), new Uint8Array(64)), 'BRIDGE_KEY_NOT_FOUND');
    await rejectsWith(other.getPublicKey(a), 'BRIDGE_KEY_NOT_FOUND');
    await rejectsWith(other.deleteKey(a), 'BRIDGE_KEY_NOT_FOUND');
    await rejectsWith(client.sign(mine.id, enc('x')), 'BRIDGE_KEY_NOT_FOUND');
    assert.ok(
      (await client.listKeys()).some((k) => k.id === a),
      'A still has its key',
    );

    // keyAccess 'all' (single-app deployments, admin-provisioned keys): every key is usable.
    let code = '';
    const shared = await startBridge({
      port: 0,
      allowedOrigins: [ORIGIN_A],
      pkcs11: { module: token.modulePath, tokenLabel: token.label, pin: token.pin, keyAccess: 'all' },
      onPairingCode: (e) => (code = e.code),
      logger: (e) => logs.push(e),
    });
    try {
      const c = new BridgeClient({ url: `http://127.0.0.1:${shared.port}`, fetch: originFetch(ORIGIN_A) });
      await c.pair();
      await c.completePairing(code);
      tokens.push(tokenOf(c));
      codes.push(code);
      const all = (await c.listKeys()).map((k) => k.id);
      assert.ok(all.includes(mine.id) && all.includes(a));
      const s = await c.sign(mine.id, enc('shared'));
      assert.ok(ed25519.verify(s.signature, enc('shared'), mine.publicKey));
    } finally {
      await shared.close();
    }
    await other.deleteKey(mine.id);
  });

  test('page PIN: only when allowed; a bridge without its own login cannot ride on another one', async () => {
    let code = '';
    let pinSkew = 0;
    const pagePin = await startBridge({
      port: 0,
      allowedOrigins: [ORIGIN_A],
      now: () => Date.now() + pinSkew,
      pkcs11: { module: token.modulePath, tokenLabel: token.label, allowPagePin: true }, // no PIN source
      onPairingCode: (e) => (code = e.code),
      logger: (e) => logs.push(e),
    });
    try {
      const c = new BridgeClient({ url: `http://127.0.0.1:${pagePin.port}`, fetch: originFetch(ORIGIN_A) });
      await c.pair();
      await c.completePairing(code);
      tokens.push(tokenOf(c));
      codes.push(code);
      assert.equal((await c.info()).providers?.pkcs11?.pagePin, true);
      // The main bridge has the token logged in, yet this one has proved nothing.
      await rejectsWith(c.listKeys(), 'BRIDGE_LOGIN_REQUIRED');
      await rejectsWith(c.login('999999'), 'BRIDGE_PIN_INCORRECT');
      await rejectsWith(c.listKeys(), 'BRIDGE_LOGIN_REQUIRED');
      await rejectsWith(c.login(token.pin), 'BRIDGE_RATE_LIMITED'); // back-off after a wrong PIN
      pinSkew += 2_000;
      await c.login(token.pin);
      assert.ok(Array.isArray(await c.listKeys()));
    } finally {
      await pagePin.close();
    }
  });

  test('concurrent signing shares the session pool', async () => {
    const k = keys.ed25519!;
    const sigs = await Promise.all(Array.from({ length: 12 }, (_, i) => client.sign(k.id, enc(`parallel ${i}`))));
    sigs.forEach((s, i) => assert.ok(ed25519.verify(s.signature, enc(`parallel ${i}`), k.publicKey)));
  });

  test('bad parameters get coded errors: key id, algorithm, data, lengths, label, page PIN', async () => {
    const ed = keys.ed25519!.id;
    const k1 = keys.secp256k1!.id;
    await rejectsWith(client.sign('not-hex', enc('x')), 'INVALID_KEY_ID');
    await rejectsWith(client.sign('', enc('x')), 'INVALID_KEY_ID');
    await rejectsWith(client.sign('ab'.repeat(65), enc('x')), 'INVALID_KEY_ID');
    await rejectsWith(client.sign('00'.repeat(16), enc('x')), 'BRIDGE_KEY_NOT_FOUND');
    await rejectsWith(client.generateKey('rsa' as never), 'BRIDGE_UNSUPPORTED_ALGORITHM');
    await rejectsWith(client.generateKey('ed25519', { label: 'x'.repeat(65) }), 'INVALID_ARGUMENT');
    await rejectsWith(client.generateKey('ed25519', { label: 'bad\nlabel' }), 'INVALID_ARGUMENT');
    await rejectsWith(client.sign(k1, new Uint8Array(31), { prehashed: true }), 'INVALID_LENGTH');
    await rejectsWith(client.sign(ed, new Uint8Array(32), { prehashed: true }), 'INVALID_ARGUMENT');
    await rejectsWith(client.verify(ed, enc('x'), new Uint8Array(63)), 'INVALID_LENGTH');
    await rejectsWith(client.sign(ed, 'text' as never), 'INVALID_ARGUMENT'); // client-side check
    await rejectsWith(client.login(token.pin), 'PERMISSION_DENIED'); // PIN from the page is off by default
    // The same checks server-side, for callers that skip the client.
    const auth = { origin: ORIGIN_A, 'content-type': 'application/json', authorization: `Bearer ${tokenOf(client)}` };
    const r = await raw(bridge.port, { path: '/v1/pkcs11/sign', headers: auth, body: JSON.stringify({ keyId: ed, data: 'zz' }) });
    assert.equal(r.status, 400);
    assert.equal(r.body?.error?.code, 'INVALID_ARGUMENT');
    const r2 = await raw(bridge.port, {
      path: '/v1/pkcs11/sign',
      headers: auth,
      body: JSON.stringify({ keyId: ed, data: '00', prehashed: 'yes' }),
    });
    assert.equal(r2.body?.error?.code, 'INVALID_ARGUMENT');
    const r3 = await raw(bridge.port, { path: '/v1/keystore/get', headers: auth, body: JSON.stringify({ name: 'x' }) });
    assert.equal(r3.status, 503);
    assert.equal(r3.body?.error?.code, 'BRIDGE_NOT_CONFIGURED');
  });

  // ---- hostile pages ----------------------------------------------------------

  const json = { 'content-type': 'application/json' };

  test('DNS rebinding: any Host but our loopback names is refused', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${bridge.port}`,
      `127.0.0.1:${bridge.port + 1}`,
      `127.0.0.1`,
      `localhost.evil.example:${bridge.port}`,
      `0.0.0.0:${bridge.port}`,
    ]) {
      const r = await raw(bridge.port, { headers: { ...json, host, origin: ORIGIN_A }, body: '{}' });
      assert.equal(r.status, 403, host);
      assert.equal(r.body?.error?.code, 'BRIDGE_BAD_HOST', host);
      assert.equal(r.headers['access-control-allow-origin'], undefined);
    }
    for (const host of [`127.0.0.1:${bridge.port}`, `localhost:${bridge.port}`, `[::1]:${bridge.port}`]) {
      const r = await raw(bridge.port, { headers: { ...json, host, origin: ORIGIN_A }, body: '{}' });
      assert.equal(r.status, 200, host);
    }
  });

  test('Origin: foreign, look-alike, missing and null origins are refused without CORS headers', async () => {
    const cases: [string | undefined, string][] = [
      ['https://evil.example', 'foreign'],
      ['https://evil-example.com', 'suffix look-alike'],
      ['https://example.com.evil.net', 'prefix look-alike'],
      ['http://example.com', 'wrong scheme'],
      ['https://example.com:8443', 'wrong port'],
      ['https://sub.example.com', 'subdomain'],
      ['null', 'opaque null origin'],
      [undefined, 'no origin'],
    ];
    for (const [origin, why] of cases) {
      const headers: Record<string, string> = { ...json, authorization: `Bearer ${tokenOf(client)}` };
      if (origin !== undefined) headers.origin = origin;
      const r = await raw(bridge.port, { path: '/v1/pkcs11/list', headers, body: '{}' });
      assert.equal(r.status, 403, why);
      assert.equal(r.body?.error?.code, 'BRIDGE_ORIGIN_DENIED', why);
      assert.equal(r.headers['access-control-allow-origin'], undefined, why);
    }
    // WebSocket upgrades walk the same checks (and the bridge offers no WebSocket at all).
    const ws = {
      host: `127.0.0.1:${bridge.port}`,
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
    };
    const wsForeign = await raw(bridge.port, { method: 'GET', path: '/v1/info', headers: { ...ws, origin: 'https://evil-example.com' } });
    assert.equal(wsForeign.status, 403);
    assert.equal(wsForeign.body?.error?.code, 'BRIDGE_ORIGIN_DENIED');
    const wsRebind = await raw(bridge.port, {
      method: 'GET',
      path: '/v1/info',
      headers: { ...ws, host: `evil.example:${bridge.port}`, origin: ORIGIN_A },
    });
    assert.equal(wsRebind.body?.error?.code, 'BRIDGE_BAD_HOST');
    const wsAllowed = await raw(bridge.port, { method: 'GET', path: '/v1/info', headers: { ...ws, origin: ORIGIN_A } });
    assert.notEqual(wsAllowed.status, 101);
    // Through the client the refusal is a VaultkeyError as well.
    await rejectsWith(clientFor('https://evil-example.com').info(), 'BRIDGE_ORIGIN_DENIED');
  });

  test('CORS and Private Network Access preflight are answered for allowed origins only', async () => {
    const pre = {
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
      'access-control-request-private-network': 'true',
    };
    const ok = await raw(bridge.port, { method: 'OPTIONS', path: '/v1/pkcs11/sign', headers: { ...pre, origin: ORIGIN_A } });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers['access-control-allow-origin'], ORIGIN_A);
    assert.equal(ok.headers['access-control-allow-private-network'], 'true');
    assert.match(String(ok.headers['access-control-allow-headers']), /authorization/);
    assert.equal(ok.headers['access-control-allow-credentials'], undefined);
    const bad = await raw(bridge.port, {
      method: 'OPTIONS',
      path: '/v1/pkcs11/sign',
      headers: { ...pre, origin: 'https://evil-example.com' },
    });
    assert.equal(bad.status, 403);
    assert.equal(bad.headers['access-control-allow-origin'], undefined);
    assert.equal(bad.headers['access-control-allow-private-network'], undefined);
    // Successful responses echo the exact origin, never '*'.
    const r = await raw(bridge.port, { headers: { ...json, origin: ORIGIN_A }, body: '{}' });
    assert.equal(r.headers['access-control-allow-origin'], ORIGIN_A);
  });

  test('tokens are bound to their origin; unpaired allowed origins get BRIDGE_UNPAIRED', async () => {
    const stolen = tokenOf(client);
    const r = await raw(bridge.port, {
      path: '/v1/pkcs11/list',
      headers: { ...json, origin: ORIGIN_B, authorization: `Bearer ${stolen}` },
      body: '{}',
    });
    assert.equal(r.status, 401);
    assert.equal(r.body?.error?.code, 'BRIDGE_UNPAIRED');
    const r2 = await raw(bridge.port, { path: '/v1/pkcs11/list', headers: { ...json, origin: ORIGIN_B }, body: '{}' });
    assert.equal(r2.body?.error?.code, 'BRIDGE_UNPAIRED');
    const r3 = await raw(bridge.port, {
      path: '/v1/pkcs11/list',
      headers: { ...json, origin: ORIGIN_A, authorization: 'Bearer ' + 'A'.repeat(43) },
      body: '{}',
    });
    assert.equal(r3.body?.error?.code, 'BRIDGE_UNPAIRED');
    const r4 = await raw(bridge.port, {
      path: '/v1/pkcs11/list',
      headers: { ...json, origin: ORIGIN_A, authorization: 'Basic Zm9vOmJhcg==' },
      body: '{}',
    });
    assert.equal(r4.body?.error?.code, 'BRIDGE_UNPAIRED');
  });

  test('revoked tokens stop working (by the page and by the operator)', async () => {
    const c = await paired(ORIGIN_B);
    tokens.push(tokenOf(c));
    const old = tokenOf(c);
    assert.ok(Array.isArray(await c.listKeys()));
    await c.revoke();
    assert.equal(c.hasToken, false);
    const again = new BridgeClient({ url: `http://127.0.0.1:${bridge.port}`, fetch: originFetch(ORIGIN_B), token: old });
    await rejectsWith(again.listKeys(), 'BRIDGE_UNPAIRED');

    const d = await paired(ORIGIN_B);
    tokens.push(tokenOf(d));
    assert.equal(bridge.revokeOrigin(ORIGIN_B), 2); // d and the client paired in the key-ownership test
    await rejectsWith(d.listKeys(), 'BRIDGE_UNPAIRED');
    assert.equal(d.hasToken, false); // the client dropped the dead token
  });

  test('expired tokens are refused with BRIDGE_TOKEN_EXPIRED', async () => {
    const c = await paired(ORIGIN_B);
    tokens.push(tokenOf(c));
    assert.ok(Array.isArray(await c.listKeys()));
    skew = 8 * 24 * 3600_000; // past the 7-day default lifetime
    try {
      await rejectsWith(c.listKeys(), 'BRIDGE_TOKEN_EXPIRED');
      assert.equal(c.hasToken, false);
    } finally {
      skew = 0;
    }
    assert.ok(Array.isArray(await client.listKeys())); // A's token was not presented while expired: still fine
  });

  test('HTTP-level abuse: oversize body, malformed JSON, unknown method, wrong verb, content type, version', async () => {
    const auth = { ...json, origin: ORIGIN_A, authorization: `Bearer ${tokenOf(client)}` };
    const big = await raw(bridge.port, { path: '/v1/pkcs11/sign', headers: auth, body: JSON.stringify({ data: 'ab'.repeat(40_000) }) });
    assert.equal(big.status, 413);
    assert.equal(big.body?.error?.code, 'BRIDGE_PAYLOAD_TOO_LARGE');
    // Chunked, so no Content-Length to reject up front: the stream counter catches it.
    const chunked = await raw(bridge.port, {
      path: '/v1/pkcs11/sign',
      headers: { ...auth, 'transfer-encoding': 'chunked' },
      chunked: Array.from({ length: 10 }, () => Buffer.alloc(10_000, 0x20)),
    });
    assert.equal(chunked.status, 413);
    assert.equal(chunked.body?.error?.code, 'BRIDGE_PAYLOAD_TOO_LARGE');
    for (const body of ['{"keyId":', 'null', '[1,2]', '"str"', '\u0000\u0001']) {
      const r = await raw(bridge.port, { path: '/v1/pkcs11/list', headers: auth, body });
      assert.equal(r.status, 400, body);
      assert.equal(r.body?.error?.code, 'BRIDGE_BAD_JSON', body);
    }
    const unknown = await raw(bridge.port, { path: '/v1/pkcs11/exportPrivateKey', headers: auth, body: '{}' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body?.error?.code, 'BRIDGE_UNKNOWN_METHOD');
    const proto = await raw(bridge.port, { path: '/v1/__proto__', headers: auth, body: '{}' });
    assert.equal(proto.body?.error?.code, 'BRIDGE_UNKNOWN_METHOD');
    const traversal = await raw(bridge.port, { path: '/v1/../v1/info', headers: auth, body: '{}' });
    assert.equal(traversal.body?.error?.code, 'BRIDGE_UNKNOWN_METHOD');
    const verb = await raw(bridge.port, { method: 'GET', path: '/v1/pkcs11/list', headers: auth });
    assert.equal(verb.status, 405);
    assert.equal(verb.body?.error?.code, 'BRIDGE_METHOD_NOT_ALLOWED');
    const form = await raw(bridge.port, { path: '/v1/pkcs11/list', headers: { ...auth, 'content-type': 'text/plain' }, body: '{}' });
    assert.equal(form.status, 415);
    assert.equal(form.body?.error?.code, 'BRIDGE_BAD_CONTENT_TYPE');
    const v2 = await raw(bridge.port, { path: '/v2/info', headers: auth, body: '{}' });
    assert.equal(v2.body?.error?.code, 'BRIDGE_UNSUPPORTED_VERSION');
    // The bridge is still fine.
    assert.ok(Array.isArray(await client.listKeys()));
  });

  test('a 1,000-request burst from one origin is rate limited while a second paired origin keeps working', async () => {
    const flooder = await paired(ORIGIN_C);
    tokens.push(tokenOf(flooder));
    const headers = { ...json, origin: ORIGIN_C, authorization: `Bearer ${tokenOf(flooder)}` };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const statuses = new Map<number, number>();
    let limitedOk = true;
    const one = () =>
      new Promise<void>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: bridge.port, path: '/v1/info', method: 'POST', headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            statuses.set(res.statusCode!, (statuses.get(res.statusCode!) ?? 0) + 1);
            if (res.statusCode === 429) {
              const b = JSON.parse(Buffer.concat(chunks).toString());
              if (b.error?.code !== 'BRIDGE_RATE_LIMITED' || !Number(res.headers['retry-after'])) limitedOk = false;
            }
            resolve();
          });
        });
        req.on('error', reject);
        req.end('{}');
      });
    const started = Date.now();
    const burst = Promise.all(Array.from({ length: 1000 }, one));
    // Meanwhile the paired page on origin A signs normally.
    const k = keys.ed25519!;
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await client.sign(k.id, enc(`during burst ${i}`)));
    await burst;
    agent.destroy();
    assert.ok(Date.now() - started < 20_000);
    assert.equal((statuses.get(200) ?? 0) + (statuses.get(429) ?? 0), 1000, JSON.stringify([...statuses]));
    assert.ok((statuses.get(429) ?? 0) >= 300, `expected most of the burst limited, got ${JSON.stringify([...statuses])}`);
    assert.ok((statuses.get(200) ?? 0) >= 200, 'the burst allowance was served');
    assert.ok(limitedOk, '429 responses carry BRIDGE_RATE_LIMITED and Retry-After');
    during.forEach((s, i) => assert.ok(ed25519.verify(s.signature, enc(`during burst ${i}`), k.publicKey)));
  });

  test('pair/start is limited separately (each one prints to the terminal)', async () => {
    const c = clientFor(ORIGIN_B);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => c.pair()));
    const limited = results.filter((r) => r.status === 'rejected' && (r.reason as VaultkeyError).code === 'BRIDGE_RATE_LIMITED');
    assert.ok(limited.length >= 1);
  });

  test('logs are structured and hold no PIN, token, pairing code or key material', () => {
    const text = logs.map((l) => JSON.stringify(l)).join('\n');
    assert.ok(logs.some((l) => l.event === 'request' && l.status === 429));
    assert.ok(logs.some((l) => l.event === 'pair.complete'));
    for (const l of logs) assert.equal(typeof l.event, 'string');
    assert.ok(!text.includes(token.pin), 'PIN');
    for (const t of tokens) assert.ok(!text.includes(t), 'token');
    for (const c of codes) {
      assert.ok(!text.includes(c), 'pairing code or key');
      assert.ok(!text.includes(c.replace('-', '')), 'pairing code');
    }
  });
});
