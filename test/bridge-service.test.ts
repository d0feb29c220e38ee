// `vaultkey-bridge install-service` / `uninstall-service`: the systemd user
// unit it writes is accepted by `systemd-analyze verify` (when installed) and
// runs the bridge with the given options, paths made absolute; the PIN must
// come from a file only its owner can read; the launchd plist for macOS
// carries the same arguments, XML-escaped.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { installService, launchdPlist, serviceArgs } from '../bridge/service.js';

const ROOT = new URL('..', import.meta.url).pathname;
const ANALYZE = '/usr/bin/systemd-analyze';

function cli(args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'bridge/cli.ts'), ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('vaultkey-bridge install-service', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vaultkey-service-'));
    env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config') };
    await mkdir(join(dir, 'work'));
    await writeFile(join(dir, 'work', 'pin'), '246813\n', { mode: 0o600 });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes a systemd user unit that systemd-analyze accepts, with absolute paths', async () => {
    const r = await cli(
      [
        'install-service',
        '--allow-origin',
        'https://app.example',
        '--pkcs11-module',
        '/usr/lib/softhsm/libsofthsm2.so',
        '--pin-file',
        'pin',
        '--state-file',
        'state/p%$.json',
      ],
      env,
      join(dir, 'work'),
    );
    assert.equal(r.code, 0, r.stderr);
    const unitPath = join(dir, 'config', 'systemd', 'user', 'vaultkey-bridge.service');
    assert.match(r.stdout, /systemctl --user enable --now vaultkey-bridge/);
    const unit = await readFile(unitPath, 'utf8');
    assert.ok(unit.includes(`"--pin-file" "${join(dir, 'work', 'pin')}"`), unit);
    // % and $ are doubled so systemd reads them literally (systemd.syntax(7)).
    assert.ok(unit.includes(`"${join(dir, 'work', 'state', 'p%%$$.json')}"`), unit);
    assert.ok(!unit.includes('246813'));
    if (existsSync(ANALYZE)) {
      const v = await promisify(execFile)(ANALYZE, ['verify', '--man=no', unitPath], { env }).catch((e) => e);
      assert.equal(v.code ?? 0, 0, `${v.stderr}`);
    }
    const u = await cli(['uninstall-service'], env);
    assert.equal(u.code, 0);
    assert.equal(existsSync(unitPath), false);
  });

  test('refuses a PIN file others can read, a prompt, or a PIN from the environment', async () => {
    const pin = join(dir, 'work', 'pin');
    await chmod(pin, 0o644);
    const base = ['install-service', '--allow-origin', 'https://app.example', '--pkcs11-module', '/usr/lib/softhsm/libsofthsm2.so'];
    const open = await cli([...base, '--pin-file', pin], env);
    assert.equal(open.code, 2);
    assert.match(open.stderr, /readable by others.*chmod 600/);
    await chmod(pin, 0o600);
    const envPin = await cli([...base, '--pin-env', 'X'], env);
    assert.equal(envPin.code, 2);
    assert.match(envPin.stderr, /--pin-file/);
    assert.throws(() => serviceArgs(['--pin-prompt']), /no terminal/);
  });

  test('the launchd plist for macOS carries the same arguments, XML-escaped', async () => {
    const r = installService(['install-service', '--allow-origin', 'https://a.example', '--config', 'a&b<c>.json'], undefined, {
      platform: 'darwin',
      env: { HOME: dir },
      node: '/usr/local/bin/node',
      cli: '/opt/vaultkey-bridge/dist/cli.js',
    });
    assert.equal(r.path, join(dir, 'Library', 'LaunchAgents', 'dev.vaultkey.bridge.plist'));
    const plist = await readFile(r.path, 'utf8');
    assert.match(plist, /<string>dev\.vaultkey\.bridge<\/string>/);
    assert.ok(plist.includes('<string>--config</string>'));
    assert.ok(plist.includes('a&amp;b&lt;c&gt;.json</string>'));
    assert.ok(!/&(?!amp;|lt;|gt;|quot;)/.test(plist));
    assert.equal(launchdPlist('n', 'c', [], 'l').match(/<string>/g)!.length, 4);
  });
});
