// `vaultkey-bridge doctor` against a real SoftHSM2 token: a sound
// configuration passes every line (exit 0); a wrong token label, a wrong PIN,
// a taken port and a plain-http network origin each give a FAIL line saying
// what to fix (exit 1).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createSoftHsmToken, softHsmUnavailable, type SoftHsmToken } from './helpers/softhsm.js';

const ROOT = new URL('..', import.meta.url).pathname;

function doctor(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bridge/cli.ts'), 'doctor', ...args], {
      cwd: ROOT,
      env,
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

const unavailable = softHsmUnavailable();
describe('vaultkey-bridge doctor', { skip: unavailable ?? false }, () => {
  let token: SoftHsmToken;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    token = await createSoftHsmToken({ label: 'doctor-token' });
    dir = await mkdtemp(join(tmpdir(), 'vaultkey-doctor-'));
    env = { ...process.env, VK_DOCTOR_PIN: token.pin };
  });
  after(async () => {
    await token?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });
  const base = () => ['--pkcs11-module', token.modulePath, '--pin-env', 'VK_DOCTOR_PIN', '--state-file', join(dir, 'p.json')];

  test('a sound configuration: every line passes, exit 0', async () => {
    const r = await doctor([...base(), '--port', '0', '--token-label', token.label, '--allow-origin', 'https://app.example'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.length >= 6, r.stdout);
    for (const l of lines) assert.match(l, /^pass /);
    assert.match(r.stdout, /login .*accepted/);
    assert.ok(!r.stdout.includes(token.pin));
  });

  test('each mistake gives a FAIL line with a fix, exit 1', async () => {
    const taken = net.createServer();
    await new Promise<void>((res) => taken.listen(0, '127.0.0.1', res));
    const port = (taken.address() as AddressInfo).port;
    try {
      const r = await doctor(
        [...base(), '--port', String(port), '--token-label', 'no-such-token', '--allow-origin', 'http://wallet.example'],
        env,
      );
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^FAIL  port .*not free.*another --port/m);
      assert.match(r.stdout, /^FAIL  token .*--token-label/m);
      assert.match(r.stdout, /^FAIL  allowlist .*plain http.*use https/m);
      assert.match(r.stdout, /^pass  PKCS#11 module/m);
    } finally {
      await new Promise((res) => taken.close(res));
    }
    const wrongPin = await doctor([...base(), '--port', '0', '--token-label', token.label, '--allow-origin', 'https://app.example'], {
      ...env,
      VK_DOCTOR_PIN: '000000',
    });
    assert.equal(wrongPin.code, 1);
    assert.match(wrongPin.stdout, /^FAIL  login +BRIDGE_PIN_INCORRECT/m);
    assert.ok(!wrongPin.stdout.includes('000000'));
  });
});
