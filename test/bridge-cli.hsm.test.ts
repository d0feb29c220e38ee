// The vaultkey-bridge command: configuration errors exit 2 with a message,
// a real run prints the pairing code on its terminal (stderr) and nothing
// secret in its logs, --revoke edits the state file, SIGTERM stops it cleanly.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BridgeClient } from '../src/bridge-client/index.js';
import { createSoftHsmToken, softHsmUnavailable, type SoftHsmToken } from './helpers/softhsm.js';

const ROOT = new URL('..', import.meta.url).pathname;
const CLI = join(ROOT, 'bridge/cli.ts');
const ORIGIN = 'https://app.example';

function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000); // never hang the suite
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, done, stderr: () => stderr };
}

async function waitFor<T>(fn: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('vaultkey-bridge CLI', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vaultkey-bridge-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('configuration mistakes exit with status 2 and say what is wrong', async () => {
    const noOrigins = await runCli(['--port', '0', '--no-state']).done;
    assert.equal(noOrigins.code, 2);
    assert.match(noOrigins.stderr, /no allowed origins/);

    const wildcard = await runCli(['--port', '0', '--no-state', '--allow-origin', '*']).done;
    assert.equal(wildcard.code, 2);
    assert.match(wildcard.stderr, /invalid allowed origin/);

    const cfg = join(dir, 'typo.json');
    await writeFile(cfg, JSON.stringify({ allowedOrigins: [ORIGIN], alowPagePin: true }));
    const typo = await runCli(['--config', cfg]).done;
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown setting "alowPagePin"/);

    const orphan = await runCli(['--allow-origin', ORIGIN, '--pin-env', 'X']).done;
    assert.equal(orphan.code, 2);
    assert.match(orphan.stderr, /needs --pkcs11-module/);

    const help = await runCli(['--help']).done;
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--allow-origin/);
  });

  const unavailable = softHsmUnavailable();
  test('runs from a config file, shows the pairing code on its terminal, stops on SIGTERM', { skip: unavailable ?? false }, async () => {
    const token: SoftHsmToken = await createSoftHsmToken();
    const state = join(dir, 'pairings.json');
    const cfg = join(dir, 'bridge.json');
    await writeFile(
      cfg,
      JSON.stringify({
        port: 0,
        allowedOrigins: [ORIGIN],
        pkcs11: { module: token.modulePath, tokenLabel: token.label, pinEnv: 'VK_BRIDGE_PIN' },
        stateFile: state,
      }),
    );
    const run = runCli(['--config', cfg], { ...process.env, VK_BRIDGE_PIN: token.pin });
    try {
      const port = await waitFor(() => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(run.stderr())?.[1]);
      const client = new BridgeClient({
        url: `http://127.0.0.1:${port}`,
        fetch: (i, init) => fetch(i, { ...init, headers: { ...(init?.headers as Record<string, string>), origin: ORIGIN } }),
      });
      await client.pair();
      const code = await waitFor(() => /Pairing code: ([0-9A-Z]{4}-[0-9A-Z]{4})/.exec(run.stderr())?.[1]);
      assert.match(run.stderr(), new RegExp(`${ORIGIN.replace(/\./g, '\\.')} asks to pair`));
      await client.completePairing(code);
      const k = await client.generateKey('secp256k1');
      assert.equal((await client.listKeys())[0]!.id, k.id);
      const token1 = (client as unknown as { token: string }).token;

      run.child.kill('SIGTERM');
      const { code: exit, stderr } = await run.done;
      assert.equal(exit, 0);
      // Logs are JSON lines; none of them carries the PIN, the token or the code.
      const logLines = stderr.split('\n').filter((l) => l.startsWith('{'));
      assert.ok(logLines.length > 3);
      for (const l of logLines) JSON.parse(l);
      const logs = logLines.join('\n');
      assert.ok(!stderr.includes(token.pin));
      assert.ok(!stderr.includes(token1));
      assert.ok(!logs.includes(code) && !logs.includes(code.replace('-', '')));

      // Operator revocation through the state file.
      assert.equal(JSON.parse(await readFile(state, 'utf8')).tokens.length, 1);
      const list = await runCli(['--config', cfg, '--list-pairings']).done;
      assert.match(list.stdout, /https:\/\/app\.example\tpaired/);
      const revoke = await runCli(['--config', cfg, '--revoke', ORIGIN]).done;
      assert.equal(revoke.code, 0);
      assert.match(revoke.stdout, /revoked 1 pairing/);
      assert.equal(JSON.parse(await readFile(state, 'utf8')).tokens.length, 0);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await token.cleanup();
    }
  });
});
