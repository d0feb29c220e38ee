// The bridge's platform keystore provider against a real Secret Service: a
// private D-Bus session bus plus gnome-keyring-daemon, both started here with a
// temp HOME so the user's own keyring is never touched. Skipped, with the
// reason printed, where those programs are missing or cannot start.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge, type BridgeHandle } from '../bridge/server.js';
import type { LogEntry } from '../bridge/log.js';
import { BridgeClient, VaultkeyError } from '../src/bridge-client/index.js';

const run = promisify(execFile);
const ORIGIN_A = 'https://wallet.example';
const ORIGIN_B = 'https://other.example';
const originFetch =
  (origin: string): typeof fetch =>
  (input, init) =>
    fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), origin } });

async function rejectsWith(p: Promise<unknown>, code: string) {
  await assert.rejects(p, (err: unknown) => err instanceof VaultkeyError && err.code === code);
}

/** Reads a child's stdout until `match` appears (or the child dies / time runs out). */
function waitForOutput(child: ChildProcess, match: RegExp, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${match}`)), ms);
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = match.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ?? m[0]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing ${match}`));
    });
  });
}

interface SecretService {
  stop(): Promise<void>;
}

async function startSecretService(dir: string): Promise<SecretService> {
  const children: ChildProcess[] = [];
  const previous = process.env.DBUS_SESSION_BUS_ADDRESS;
  const stop = async () => {
    for (const c of children.reverse()) {
      if (c.exitCode === null && c.signalCode === null) {
        const gone = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 2000))]);
        if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      }
    }
    if (previous === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = previous;
  };
  try {
    const env = {
      ...process.env,
      HOME: dir,
      XDG_RUNTIME_DIR: join(dir, 'run'),
      XDG_DATA_HOME: join(dir, 'data'),
      XDG_CONFIG_HOME: join(dir, 'config'),
    };
    await mkdir(join(dir, 'run'), { mode: 0o700 });
    const bus = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', '--print-address=1'], {
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(bus);
    const address = (await waitForOutput(bus, /^(unix:[^\n]+)\n/m, 10_000)).trim();
    const kenv = { ...env, DBUS_SESSION_BUS_ADDRESS: address };
    // --foreground keeps the daemon our child (so we can stop it by pid); it prints nothing then.
    const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
      env: kenv,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    children.push(keyring);
    keyring.stdin!.end('test-keyring-password'); // --unlock reads the login keyring password from stdin
    // Ready once it owns org.freedesktop.secrets. Asking before that would make
    // the bus auto-start a second, locked daemon from its service file.
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (keyring.exitCode !== null) throw new Error(`gnome-keyring-daemon exited with ${keyring.exitCode}`);
      const r = await run(
        'dbus-send',
        [
          '--session',
          '--print-reply',
          '--dest=org.freedesktop.DBus',
          '/org/freedesktop/DBus',
          'org.freedesktop.DBus.NameHasOwner',
          'string:org.freedesktop.secrets',
        ],
        { env: kenv, timeout: 2000 },
      ).catch(() => ({ stdout: '' }));
      if (/boolean true/.test(r.stdout)) break;
      if (Date.now() > deadline) throw new Error('gnome-keyring-daemon did not register org.freedesktop.secrets');
      await new Promise((res) => setTimeout(res, 100));
    }
    // The bridge runs in this process, so the binding must see this bus.
    process.env.DBUS_SESSION_BUS_ADDRESS = address;
    return { stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

let skipReason: string | false = false;
for (const bin of ['/usr/bin/dbus-daemon', '/usr/bin/dbus-send', '/usr/bin/gnome-keyring-daemon']) {
  if (!skipReason && !existsSync(bin)) skipReason = `${bin} not installed (apt-get install dbus gnome-keyring)`;
}
if (!skipReason && process.platform !== 'linux') skipReason = 'the Secret Service test is Linux-only';
let dir = '';
let service: SecretService | null = null;
if (!skipReason) {
  dir = await mkdtemp(join(tmpdir(), 'vaultkey-keyring-'));
  try {
    service = await startSecretService(dir);
  } catch (err) {
    skipReason = `cannot start a headless Secret Service: ${(err as Error).message}`;
    await rm(dir, { recursive: true, force: true });
  }
}
if (skipReason) console.log(`# skipping Secret Service tests: ${skipReason}`);

describe('vaultkey-bridge platform keystore (Secret Service)', { skip: skipReason }, () => {
  let bridge: BridgeHandle;
  const logs: LogEntry[] = [];
  const codes = new Map<string, (c: string) => void>();
  let a: BridgeClient;
  let b: BridgeClient;
  const secret = new Uint8Array(randomBytes(32));

  async function paired(origin: string) {
    const c = new BridgeClient({ url: `http://127.0.0.1:${bridge.port}`, fetch: originFetch(origin) });
    const code = new Promise<string>((r) => codes.set(origin, r));
    await c.pair();
    await c.completePairing(await code);
    return c;
  }

  before(async () => {
    bridge = await startBridge({
      port: 0,
      allowedOrigins: [ORIGIN_A, ORIGIN_B],
      keystore: { service: 'vaultkey-bridge-test' },
      onPairingCode: (e) => codes.get(e.origin)?.(e.code),
      logger: (e) => logs.push(e),
    });
    a = await paired(ORIGIN_A);
    b = await paired(ORIGIN_B);
  });

  after(async () => {
    await bridge?.close();
    await service?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('store, read back, overwrite and delete a secret blob', async () => {
    assert.equal((await a.info()).providers?.keystore, true);
    await a.setSecret('wrapping-key', secret);
    assert.deepEqual(await a.getSecret('wrapping-key'), secret);
    const next = new Uint8Array(randomBytes(48));
    await a.setSecret('wrapping-key', next);
    assert.deepEqual(await a.getSecret('wrapping-key'), next);
    await a.deleteSecret('wrapping-key');
    await rejectsWith(a.getSecret('wrapping-key'), 'BRIDGE_SECRET_NOT_FOUND');
    await rejectsWith(a.deleteSecret('wrapping-key'), 'BRIDGE_SECRET_NOT_FOUND');
  });

  test('secrets are per origin: another paired origin cannot read or delete them', async () => {
    await a.setSecret('shared-name', secret);
    await rejectsWith(b.getSecret('shared-name'), 'BRIDGE_SECRET_NOT_FOUND');
    await rejectsWith(b.deleteSecret('shared-name'), 'BRIDGE_SECRET_NOT_FOUND');
    await b.setSecret('shared-name', new Uint8Array([1, 2, 3]));
    assert.deepEqual(await a.getSecret('shared-name'), secret);
    assert.deepEqual(await b.getSecret('shared-name'), new Uint8Array([1, 2, 3]));
    await a.deleteSecret('shared-name');
    await b.deleteSecret('shared-name');
  });

  test('bad names and sizes get coded errors; unpaired pages get BRIDGE_UNPAIRED', async () => {
    for (const name of ['', '../etc', 'a b', 'x'.repeat(129), 42 as unknown as string]) {
      await rejectsWith(a.getSecret(name), 'INVALID_ARGUMENT');
    }
    await rejectsWith(a.setSecret('empty', new Uint8Array(0)), 'INVALID_LENGTH');
    await rejectsWith(a.setSecret('huge', new Uint8Array(4097)), 'INVALID_LENGTH');
    await rejectsWith(a.setSecret('typed', [1, 2] as unknown as Uint8Array), 'INVALID_ARGUMENT');
    await rejectsWith(a.listKeys(), 'BRIDGE_NOT_CONFIGURED'); // no PKCS#11 module in this bridge
    const stranger = new BridgeClient({ url: `http://127.0.0.1:${bridge.port}`, fetch: originFetch(ORIGIN_A) });
    await rejectsWith(stranger.getSecret('wrapping-key'), 'BRIDGE_UNPAIRED');
  });

  test('no secret bytes in the logs', () => {
    const text = JSON.stringify(logs);
    assert.ok(logs.some((l) => l.event === 'keystore.set'));
    assert.ok(!text.includes(Buffer.from(secret).toString('hex')));
  });
});
