// `vaultkey-bridge install-service` / `uninstall-service` (docs/bridge.md §1):
// a systemd user unit on Linux, a launchd agent on macOS, running the bridge
// with the options given on the command line. The PIN must come from a file
// only its owner can read: a service has no terminal to prompt on, and an
// environment variable in a unit file would put the PIN in a world-readable file.
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const SERVICE_NAME = 'vaultkey-bridge';
export const LAUNCHD_LABEL = 'dev.vaultkey.bridge';

/** Flags whose value is a path: made absolute, since a service does not start in the current directory. */
const PATH_FLAGS = new Set(['--config', '--pkcs11-module', '--pin-file', '--state-file']);

export class ServiceError extends Error {}

/** The bridge's own arguments for the service: the install command's, paths made absolute. */
export function serviceArgs(argv: string[], cwd = process.cwd()): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === 'install-service' || a === 'uninstall-service') continue;
    if (a === '--pin-prompt') throw new ServiceError('a service has no terminal: use --pin-file FILE (mode 0600) instead of --pin-prompt');
    if (a === '--pin-env')
      throw new ServiceError('use --pin-file FILE (mode 0600) for a service: a PIN in the unit environment would be readable by others');
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0 && PATH_FLAGS.has(a.slice(0, eq))) {
      out.push(`${a.slice(0, eq)}=${resolve(cwd, a.slice(eq + 1))}`);
      continue;
    }
    out.push(a);
    if (PATH_FLAGS.has(a) && i + 1 < argv.length) out.push(resolve(cwd, argv[++i]!));
  }
  return out;
}

/** Refuses a PIN file that others can read or that another user owns. */
export function checkPinFile(file: string) {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch {
    throw new ServiceError(`cannot read the PIN file ${file}`);
  }
  if (st.mode & 0o077)
    throw new ServiceError(`the PIN file ${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}): chmod 600 it`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid())
    throw new ServiceError(`the PIN file ${file} belongs to another user`);
}

/** systemd.syntax(7) quoting: double quotes, backslash escapes, and %/$ doubled (specifiers, variables). */
const sdQuote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;

export function systemdUnit(node: string, cli: string, args: string[]): string {
  return `[Unit]
Description=vaultkey-bridge: PKCS#11 and OS keystore for paired web pages (loopback only)
Documentation=https://github.com/vaultkey/vaultkey/blob/main/docs/bridge.md

[Service]
Type=simple
ExecStart=${[node, cli, ...args].map(sdQuote).join(' ')}
Restart=on-failure
RestartSec=5
UMask=0077
NoNewPrivileges=yes
PrivateTmp=yes

[Install]
WantedBy=default.target
`;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function launchdPlist(node: string, cli: string, args: string[], logFile: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>${LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${[node, cli, ...args].map((a) => `    <string>${xml(a)}</string>`).join('\n')}
  </array>
  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>
  <key>Umask</key><integer>63</integer>
  <key>StandardErrorPath</key><string>${xml(logFile)}</string>
</dict>
</plist>
`;
}

export function servicePath(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || homedir();
  if (platform === 'darwin') return join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
  if (platform === 'linux') return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'systemd', 'user', `${SERVICE_NAME}.service`);
  throw new ServiceError(`install-service supports Linux (systemd) and macOS (launchd), not ${platform}`);
}

/** Removes the unit or plist. Stop the service first (docs/bridge.md §1). */
export const STOP_FIRST: Record<string, string> = {
  linux: `systemctl --user disable --now ${SERVICE_NAME}`,
  darwin: `launchctl bootout gui/$(id -u)/${LAUNCHD_LABEL}`,
};

/** Writes the unit or plist; returns its path and the commands that start it. */
export function installService(
  argv: string[],
  pinFile: string | undefined,
  opts: { node?: string; cli?: string; platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv } = {},
): { path: string; next: string[] } {
  const platform = opts.platform ?? process.platform;
  const env = opts.env ?? process.env;
  const args = serviceArgs(argv);
  if (pinFile) checkPinFile(resolve(pinFile));
  const node = opts.node ?? process.execPath;
  const cli = opts.cli ?? resolve(process.argv[1]!);
  const path = servicePath(platform, env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (platform === 'darwin') {
    const log = join(env.HOME || homedir(), 'Library', 'Logs', 'vaultkey-bridge.log');
    writeFileSync(path, launchdPlist(node, cli, args, log), { mode: 0o600 });
    return { path, next: [`launchctl bootstrap gui/$(id -u) ${path}`] };
  }
  writeFileSync(path, systemdUnit(node, cli, args), { mode: 0o600 });
  return { path, next: ['systemctl --user daemon-reload', `systemctl --user enable --now ${SERVICE_NAME}`] };
}

export function uninstallService(opts: { platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv } = {}): {
  path: string;
  removed: boolean;
  next: string[];
} {
  const platform = opts.platform ?? process.platform;
  const path = servicePath(platform, opts.env ?? process.env);
  const removed = existsSync(path);
  const next = platform === 'darwin' ? [] : ['systemctl --user daemon-reload'];
  rmSync(path, { force: true });
  return { path, removed, next };
}
