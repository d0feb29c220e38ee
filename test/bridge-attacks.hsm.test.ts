// Attacks on vaultkey-bridge that a hostile-page probe found to work, each
// replayed against a real SoftHSM2 token (docs/bridge.md §3):
//  1. operator revocation undone by the running bridge rewriting its state file;
//  2. page PIN guesses compared with a cached PIN instead of reaching C_Login;
//  3. a local process forging the allowlisted Origin drains the paired page's
//     rate limit and supersedes its pairing in progress;
//  4. slow-header sockets held long past the request timeout, no connection cap;
//  5. slots of every token shown to any origin, control/bidi characters in key
//     labels, a deleted token reported as a generic HSM error, a pairing code
//     carrying less than the documented 40 bits.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { startBridge, type BridgeHandle, type BridgeOptions } from '../bridge/server.js';
import { PairingManager, CODE_ALPHABET } from '../bridge/security.js';
import { BridgeClient, VaultkeyError } from '../src/bridge-client/index.js';
import { createSoftHsmToken, softHsmUnavailable, type SoftHsmToken } from './helpers/softhsm.js';

const A = 'https://a.example';
const B = 'https://b.example';
const ROOT = new URL('..', import.meta.url).pathname;
const CKF_USER_PIN_COUNT_LOW = 0x10000; // PKCS#11 v2.40 §5.3.1 CK_TOKEN_INFO flags

const originFetch =
  (origin: string): typeof fetch =>
  (input, init) =>
    fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), origin } });

async function rejectsWith(p: Promise<unknown>, code: string) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof VaultkeyError, `expected VaultkeyError, got ${err}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** A raw POST as a non-browser local process would send it (any Origin it likes). */
function post(port: number, path: string, headers: Record<string, string>, body = '{}'): Promise<{ status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let code: string | undefined;
          try {
            code = JSON.parse(text).error?.code;
          } catch {
            code = undefined;
          }
          resolve({ status: res.statusCode!, code });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bridge/cli.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A second handle on the module, as an HSM admin tool in this process would open it. */
function adminHandle(token: SoftHsmToken) {
  const lib = new pkcs11js.PKCS11();
  lib.load(token.modulePath);
  try {
    lib.C_Initialize();
  } catch (e) {
    assert.match(String((e as Error).message), /ALREADY_INITIALIZED/);
  }
  const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === token.label)!;
  return { lib, slot, flags: () => lib.C_GetTokenInfo(slot).flags };
}

const unavailable = softHsmUnavailable();
if (unavailable) console.log(`# skipping bridge attack tests: ${unavailable}`);

describe('vaultkey-bridge: attacks that used to work', { skip: unavailable ?? false }, () => {
  let token: SoftHsmToken;
  let dir: string;
  let clock = Date.now();
  const codes = new Map<string, (code: string) => void>();
  const open: BridgeHandle[] = [];

  async function bridgeWith(extra: Partial<BridgeOptions>): Promise<BridgeHandle> {
    const b = await startBridge({
      port: 0,
      allowedOrigins: [A, B],
      pkcs11: { module: token.modulePath, tokenLabel: token.label, pin: token.pin },
      onPairingCode: (e) => codes.get(e.origin)?.(e.code),
      logger: () => {},
      ...extra,
    });
    open.push(b);
    return b;
  }
  async function pair(bridge: BridgeHandle, origin: string): Promise<BridgeClient> {
    const c = new BridgeClient({ url: `http://127.0.0.1:${bridge.port}`, fetch: originFetch(origin) });
    const code = new Promise<string>((r) => codes.set(origin, r));
    await c.pair();
    await c.completePairing(await code);
    return c;
  }
  const tokenOf = (c: BridgeClient) => (c as unknown as { token: string }).token;
  const withToken = (bridge: BridgeHandle, origin: string, t: string) =>
    new BridgeClient({ url: `http://127.0.0.1:${bridge.port}`, fetch: originFetch(origin), token: t });

  before(async () => {
    token = await createSoftHsmToken();
    dir = await mkdtemp(join(tmpdir(), 'vaultkey-bridge-attacks-'));
  });
  after(async () => {
    for (const b of open) await b.close();
    await token?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test('1. --revoke sticks: revoke A, then B pairs, then a restart: A stays revoked', async () => {
    const stateFile = join(dir, 'revoke.json');
    const first = await bridgeWith({ stateFile });
    const a = await pair(first, A);
    const tokenA = tokenOf(a);
    assert.ok(Array.isArray(await a.listKeys()));

    const r = await cli(['--state-file', stateFile, '--revoke', A]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /revoked 1 pairing/);

    // The running bridge honours it at once...
    await rejectsWith(withToken(first, A, tokenA).listKeys(), 'BRIDGE_UNPAIRED');
    // ...and a later token change (B pairs) does not write A's token back.
    const b = await pair(first, B);
    const tokenB = tokenOf(b);
    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    assert.deepEqual(
      state.tokens.map((t: { origin: string }) => t.origin),
      [B],
    );
    await first.close();

    const second = await bridgeWith({ stateFile });
    await rejectsWith(withToken(second, A, tokenA).listKeys(), 'BRIDGE_UNPAIRED');
    assert.ok(Array.isArray(await withToken(second, B, tokenB).listKeys()));
    // Revocation voids the tokens A had, not A's right to pair again.
    const again = await pair(second, A);
    await second.close();
    const third = await bridgeWith({ stateFile });
    assert.ok(Array.isArray(await withToken(third, A, tokenOf(again)).listKeys()));
    await rejectsWith(withToken(third, A, tokenA).listKeys(), 'BRIDGE_UNPAIRED');
    await third.close();
  });

  test('2. every wrong page PIN reaches C_Login: the token counts it, and the bridge backs off', async () => {
    let now = clock;
    const bridge = await bridgeWith({
      pkcs11: { module: token.modulePath, tokenLabel: token.label, allowPagePin: true },
      now: () => now,
    });
    const admin = adminHandle(token);
    const c = await pair(bridge, A);
    await c.login(token.pin);
    assert.ok(Array.isArray(await c.listKeys()));
    assert.equal(admin.flags() & CKF_USER_PIN_COUNT_LOW, 0);

    await rejectsWith(c.login('000000'), 'BRIDGE_PIN_INCORRECT');
    // Exactly what a wrong C_Login does to the token: the count is shown.
    assert.notEqual(admin.flags() & CKF_USER_PIN_COUNT_LOW, 0);
    // The guess also logged the bridge out: nothing rides on the old login.
    await rejectsWith(c.listKeys(), 'BRIDGE_LOGIN_REQUIRED');
    // Back-off: the next guess is refused before it costs the token a try.
    await rejectsWith(c.login(token.pin), 'BRIDGE_RATE_LIMITED');
    now += 60_000;
    await c.login(token.pin);
    assert.equal(admin.flags() & CKF_USER_PIN_COUNT_LOW, 0); // a right PIN resets the token's count
    assert.ok(Array.isArray(await c.listKeys()));
    await bridge.close();
  });

  test('3a. a forged Origin without a token cannot drain the paired page rate limit', async () => {
    const bridge = await bridgeWith({ rateLimit: { burst: 10, perSecond: 1 }, now: () => clock });
    const page = await pair(bridge, A);
    // A local process sends the allowlisted Origin with no token (it has none).
    const forged = await Promise.all(Array.from({ length: 30 }, () => post(bridge.port, '/v1/info', { origin: A })));
    assert.ok(forged.filter((r) => r.code === 'BRIDGE_RATE_LIMITED').length >= 19);
    // The paired page still has its whole allowance (the clock is frozen: no refill).
    for (let i = 0; i < 10; i++) assert.equal((await page.info()).paired, true);
    // ...and is itself limited per token.
    await rejectsWith(page.info(), 'BRIDGE_RATE_LIMITED');
    await bridge.close();
  });

  test('3b. a second pair/start for the same origin does not supersede the pairing in progress', async () => {
    const bridge = await bridgeWith({ pairingRateLimit: { burst: 10, perSecond: 1 }, now: () => clock });
    const page = new BridgeClient({ url: `http://127.0.0.1:${bridge.port}`, fetch: originFetch(A) });
    const shown: string[] = [];
    codes.set(A, (c) => shown.push(c));
    await page.pair();
    const forged = await post(bridge.port, '/v1/pair/start', { origin: A });
    assert.equal(forged.status, 200);
    assert.equal(shown.length, 2);
    // The code of the forger's pairing does not complete the page's...
    await rejectsWith(page.completePairing(shown[1]!), 'BRIDGE_PAIRING_FAILED');
    // ...and the page's own code still does.
    await page.completePairing(shown[0]!);
    assert.equal((await page.info()).paired, true);
    // Pending pairings per origin are capped: past the cap, a coded refusal.
    const more = [];
    for (let i = 0; i < 4; i++) more.push(await post(bridge.port, '/v1/pair/start', { origin: B }));
    assert.deepEqual(
      more.map((r) => r.code ?? r.status),
      [200, 200, 200, 'BRIDGE_PAIRING_IN_PROGRESS'],
    );
    await bridge.close();
  });

  test('4a. a socket that never finishes its headers is closed after requestTimeoutMs', { timeout: 8_000 }, async () => {
    const bridge = await bridgeWith({ requestTimeoutMs: 500 });
    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect(bridge.port, '127.0.0.1', () => s.write(`POST /v1/info HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\n`));
      let text = '';
      s.on('data', (d) => (text += d));
      s.on('close', () => resolve(text));
      s.on('error', reject);
    });
    assert.match(reply, /^HTTP\/1\.1 408 /);
    assert.match(reply, /BRIDGE_TIMEOUT/);
    await bridge.close();
  });

  test('4b. with 1,000 idle connections open, a paired request is still served; idle ones are capped', async () => {
    const bridge = await bridgeWith({ maxConnections: 128 });
    const page = await pair(bridge, A);
    const idle: net.Socket[] = [];
    let closedByBridge = 0;
    await Promise.all(
      Array.from(
        { length: 1000 },
        () =>
          new Promise<void>((resolve) => {
            const s = net.connect(bridge.port, '127.0.0.1', () => resolve());
            s.on('close', () => closedByBridge++);
            s.on('error', () => resolve());
            idle.push(s);
          }),
      ),
    );
    try {
      assert.equal((await page.info()).paired, true);
      assert.ok(Array.isArray(await page.listKeys()));
      // The bridge dropped the oldest idle sockets rather than holding 1,000.
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(closedByBridge >= 1000 - 128, `bridge closed ${closedByBridge} idle sockets`);
    } finally {
      for (const s of idle) s.destroy();
      await bridge.close();
    }
  });

  test('5a. pkcs11/slots shows only the configured token to a paired origin', async () => {
    const bridge = await bridgeWith({});
    const page = await pair(bridge, A);
    const slots = await page.slots();
    assert.equal(slots.length, 1);
    assert.equal(slots[0]!.selected, true);
    assert.equal(slots[0]!.token?.label, token.label);
    await bridge.close();
  });

  test('5b. key labels: control characters and bidi overrides are refused with a code; others pass', async () => {
    const bridge = await bridgeWith({});
    const page = await pair(bridge, A);
    for (const bad of [
      'a\u0007b',
      'a\u007fb',
      'a\u0085b',
      'a\u009bb',
      '\u202eevil',
      'a\u202ab',
      'a\u2066b',
      'a\u2069b',
      'a\u200fb',
      'a\u061cb',
      'a\nb',
    ]) {
      await rejectsWith(page.generateKey('ed25519', { label: bad }), 'INVALID_ARGUMENT');
    }
    const ok = await page.generateKey('ed25519', { label: 'Trésor ключ 钱包 🔑' });
    assert.equal(ok.label, 'Trésor ключ 钱包 🔑');
    await page.deleteKey(ok.id);
    await bridge.close();
  });

  test('5b2. a label another tool wrote with a bidi override is shown with U+FFFD in its place', async () => {
    const bridge = await bridgeWith({ pkcs11: { module: token.modulePath, tokenLabel: token.label, pin: token.pin, keyAccess: 'all' } });
    const page = await pair(bridge, A);
    await page.listKeys(); // the bridge logs the token in for this process
    const { lib, slot } = adminHandle(token);
    const s = lib.C_OpenSession(slot, pkcs11js.CKF_RW_SESSION | pkcs11js.CKF_SERIAL_SESSION);
    const id = Buffer.from('a11ce0000000000000000000000000bd', 'hex');
    const label = 'pay \u202etxt.exe';
    const p256 = Buffer.from('06082a8648ce3d030107', 'hex');
    try {
      lib.C_GenerateKeyPair(
        s,
        { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
        [
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_VERIFY, value: true },
          { type: pkcs11js.CKA_EC_PARAMS, value: p256 },
          { type: pkcs11js.CKA_ID, value: id },
          { type: pkcs11js.CKA_LABEL, value: label },
        ],
        [
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SIGN, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: true },
          { type: pkcs11js.CKA_ID, value: id },
          { type: pkcs11js.CKA_LABEL, value: label },
        ],
      );
    } finally {
      lib.C_CloseSession(s);
    }
    const k = (await page.listKeys()).find((x) => x.id === id.toString('hex'));
    assert.ok(k, 'the provisioned key is listed');
    assert.equal(k.label, 'pay \ufffdtxt.exe');
    await page.deleteKey(k.id);
    await bridge.close();
  });

  test('5c. the pairing code carries at least 40 bits: 8 symbols from a 32-symbol alphabet', () => {
    assert.equal(new Set(CODE_ALPHABET).size, 32);
    const m = new PairingManager({ now: Date.now, tokenTtlMs: 1000, codeTtlMs: 1000, maxAttempts: 1 });
    const seen = Array.from({ length: 8 }, () => new Set<string>());
    for (let i = 0; i < 1500; i++) {
      const code = m.start(`https://o${i}.example`).code.replace('-', '');
      assert.equal(code.length, 8);
      [...code].forEach((ch, j) => seen[j]!.add(ch));
    }
    // Every symbol shows up at every position: 32^8 = 2^40 codes are reachable.
    for (const s of seen) assert.equal(s.size, 32);
    // Read-alike letters typed for digits are accepted (Crockford base32).
    const p = m.start('https://typo.example');
    const typed = p.code.replace(/0/g, 'o').replace(/1/g, 'l').toLowerCase();
    assert.ok(m.complete('https://typo.example', p.pairingId, typed).token);
  });

  test('5d. a token deleted after start-up answers BRIDGE_HSM_UNAVAILABLE', async () => {
    const bridge = await bridgeWith({});
    const page = await pair(bridge, A);
    const k = await page.generateKey('ed25519');
    await promisify(execFile)('/usr/bin/softhsm2-util', ['--delete-token', '--token', token.label], { env: process.env });
    await rejectsWith(page.sign(k.id, new Uint8Array([1, 2, 3])), 'BRIDGE_HSM_UNAVAILABLE');
    await rejectsWith(page.listKeys(), 'BRIDGE_HSM_UNAVAILABLE');
    await rejectsWith(page.slots(), 'BRIDGE_HSM_UNAVAILABLE');
    await bridge.close();
  });
});
