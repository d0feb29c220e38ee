// Bridge configuration: a JSON file plus command-line flags (flags win; allowed
// origins from both are combined). Unknown keys are errors: a typo in a
// security setting must not silently fall back to a default.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BridgeOptions } from './server.js';
import type { Pkcs11Config } from './pkcs11.js';

export interface FileConfig {
  port?: number;
  allowedOrigins?: string[];
  pkcs11?: Pkcs11Config;
  keystore?: boolean | { service?: string; maxSecretBytes?: number };
  tokenTtlSeconds?: number;
  pairingCodeTtlSeconds?: number;
  pairingAttempts?: number;
  maxBodyBytes?: number;
  rateLimit?: { burst: number; perSecond: number };
  requestTimeoutMs?: number;
  operationTimeoutMs?: number;
  stateFile?: string | null;
}

export class ConfigError extends Error {}

const TOP_KEYS = new Set([
  'port',
  'allowedOrigins',
  'pkcs11',
  'keystore',
  'tokenTtlSeconds',
  'pairingCodeTtlSeconds',
  'pairingAttempts',
  'maxBodyBytes',
  'rateLimit',
  'requestTimeoutMs',
  'operationTimeoutMs',
  'stateFile',
  '$schema',
  'comment',
]);
const PKCS11_KEYS = new Set(['module', 'tokenLabel', 'pin', 'pinEnv', 'pinFile', 'allowPagePin', 'poolSize', 'keyAccess']);

function posInt(v: unknown, name: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new ConfigError(`${name} must be an integer in [${min}, ${max}]`);
  return v;
}

export function parseFileConfig(data: unknown, source: string): FileConfig {
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(`${source}: the configuration must be a JSON object`);
  const c = data as Record<string, unknown>;
  for (const k of Object.keys(c)) if (!TOP_KEYS.has(k)) throw new ConfigError(`${source}: unknown setting "${k}"`);
  const out: FileConfig = {};
  if (c.port !== undefined) out.port = posInt(c.port, 'port', 0, 65535);
  if (c.allowedOrigins !== undefined) {
    if (!Array.isArray(c.allowedOrigins) || !c.allowedOrigins.every((o) => typeof o === 'string')) {
      throw new ConfigError(`${source}: allowedOrigins must be an array of strings`);
    }
    out.allowedOrigins = c.allowedOrigins as string[];
  }
  if (c.pkcs11 !== undefined && c.pkcs11 !== null) {
    const p = c.pkcs11 as Record<string, unknown>;
    if (typeof p !== 'object' || Array.isArray(p)) throw new ConfigError(`${source}: pkcs11 must be an object`);
    for (const k of Object.keys(p)) if (!PKCS11_KEYS.has(k)) throw new ConfigError(`${source}: unknown pkcs11 setting "${k}"`);
    if (typeof p.module !== 'string' || p.module === '')
      throw new ConfigError(`${source}: pkcs11.module must be the path of the PKCS#11 library`);
    for (const k of ['tokenLabel', 'pin', 'pinEnv', 'pinFile'] as const) {
      if (p[k] !== undefined && typeof p[k] !== 'string') throw new ConfigError(`${source}: pkcs11.${k} must be a string`);
    }
    if (p.allowPagePin !== undefined && typeof p.allowPagePin !== 'boolean')
      throw new ConfigError(`${source}: pkcs11.allowPagePin must be a boolean`);
    if (p.poolSize !== undefined) posInt(p.poolSize, 'pkcs11.poolSize', 1, 64);
    if (p.keyAccess !== undefined && p.keyAccess !== 'origin' && p.keyAccess !== 'all')
      throw new ConfigError(`${source}: pkcs11.keyAccess must be "origin" or "all"`);
    out.pkcs11 = p as unknown as Pkcs11Config;
  }
  if (c.keystore !== undefined) {
    if (typeof c.keystore !== 'boolean' && (typeof c.keystore !== 'object' || c.keystore === null)) {
      throw new ConfigError(`${source}: keystore must be true/false or { service, maxSecretBytes }`);
    }
    out.keystore = c.keystore as FileConfig['keystore'];
  }
  if (c.tokenTtlSeconds !== undefined) out.tokenTtlSeconds = posInt(c.tokenTtlSeconds, 'tokenTtlSeconds', 60);
  if (c.pairingCodeTtlSeconds !== undefined) out.pairingCodeTtlSeconds = posInt(c.pairingCodeTtlSeconds, 'pairingCodeTtlSeconds', 10, 3600);
  if (c.pairingAttempts !== undefined) out.pairingAttempts = posInt(c.pairingAttempts, 'pairingAttempts', 1, 10);
  if (c.maxBodyBytes !== undefined) out.maxBodyBytes = posInt(c.maxBodyBytes, 'maxBodyBytes', 1024, 16 * 1024 * 1024);
  if (c.requestTimeoutMs !== undefined) out.requestTimeoutMs = posInt(c.requestTimeoutMs, 'requestTimeoutMs', 100);
  if (c.operationTimeoutMs !== undefined) out.operationTimeoutMs = posInt(c.operationTimeoutMs, 'operationTimeoutMs', 100);
  if (c.rateLimit !== undefined) {
    const r = c.rateLimit as Record<string, unknown>;
    if (!r || typeof r !== 'object') throw new ConfigError(`${source}: rateLimit must be { burst, perSecond }`);
    posInt(r.burst, 'rateLimit.burst');
    if (typeof r.perSecond !== 'number' || !(r.perSecond > 0))
      throw new ConfigError(`${source}: rateLimit.perSecond must be a positive number`);
    out.rateLimit = { burst: r.burst as number, perSecond: r.perSecond };
  }
  if (c.stateFile !== undefined) {
    if (c.stateFile !== null && typeof c.stateFile !== 'string') throw new ConfigError(`${source}: stateFile must be a path or null`);
    out.stateFile = c.stateFile as string | null;
  }
  return out;
}

export function loadConfigFile(path: string): FileConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`cannot read configuration file ${path}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ConfigError(`${path} is not valid JSON`);
  }
  return parseFileConfig(data, path);
}

export function defaultStateFile(): string {
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'vaultkey-bridge', 'pairings.json');
}

export const USAGE = `Usage: vaultkey-bridge [options]

Serves PKCS#11 tokens and the platform keystore to allowlisted web pages,
on 127.0.0.1 and ::1 only. Protocol and security model: docs/bridge.md.

  --config FILE            JSON configuration file
  --port N                 port (default 21879; 0 = any free port)
  --allow-origin ORIGIN    allow a page origin, e.g. https://app.example (repeatable)
  --pkcs11-module PATH     PKCS#11 library (SoftHSM, CloudHSM, Luna, YubiHSM, ...)
  --token-label LABEL      token to use (default: first initialised token)
  --pin-env VAR            read the user PIN from environment variable VAR
  --pin-file FILE          read the user PIN from FILE (first line)
  --pin-prompt             ask for the PIN on this terminal at start-up
  --allow-page-pin         let a paired page send the PIN (off by default)
  --keystore               enable the platform keystore (Secret Service / Keychain / DPAPI)
  --state-file FILE        where pairing token hashes are kept (default ${defaultStateFile()})
  --no-state               keep pairings in memory only
  --list-pairings          print stored pairings (origins, expiry) and exit
  install-service          write a systemd user unit (Linux) or launchd agent (macOS)
                           running the bridge with these options; the PIN must
                           come from --pin-file (mode 0600)
  uninstall-service        remove it (stop the service first)
  doctor                   check the configuration (module, token, login, keystore,
                           port, allowlist, state file): one pass/FAIL line each
  --revoke ORIGIN          revoke every pairing of ORIGIN in the state file and exit
  --quiet                  no request logs (pairing codes are still shown)
  --help, --version
`;

export interface CliResult {
  action: 'run' | 'help' | 'version' | 'list' | 'revoke' | 'doctor' | 'install-service' | 'uninstall-service';
  options: Omit<BridgeOptions, 'logger' | 'onPairingCode'>;
  pinPrompt: boolean;
  quiet: boolean;
  revokeOrigin?: string;
}

export function parseCli(argv: string[]): CliResult {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        port: { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        'pkcs11-module': { type: 'string' },
        'token-label': { type: 'string' },
        'pin-env': { type: 'string' },
        'pin-file': { type: 'string' },
        'pin-prompt': { type: 'boolean' },
        'allow-page-pin': { type: 'boolean' },
        keystore: { type: 'boolean' },
        'state-file': { type: 'string' },
        'no-state': { type: 'boolean' },
        'list-pairings': { type: 'boolean' },
        revoke: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const v = parsed.values;
  const pos = parsed.positionals;
  const COMMANDS = ['doctor', 'install-service', 'uninstall-service'];
  if (pos.length > 1 || (pos.length === 1 && !COMMANDS.includes(pos[0]!)))
    throw new ConfigError(`unexpected argument ${JSON.stringify(pos.find((p) => !COMMANDS.includes(p)) ?? pos[1])}`);
  const file = v.config ? loadConfigFile(v.config) : {};
  const port = v.port !== undefined ? Number(v.port) : file.port;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
    throw new ConfigError('--port must be an integer in [0, 65535]');

  let pkcs11: Pkcs11Config | undefined = file.pkcs11 ? { ...file.pkcs11 } : undefined;
  if (v['pkcs11-module']) pkcs11 = { ...(pkcs11 ?? {}), module: v['pkcs11-module'] };
  const needsModule = ['token-label', 'pin-env', 'pin-file', 'pin-prompt', 'allow-page-pin'] as const;
  for (const f of needsModule)
    if (v[f] !== undefined && !pkcs11) throw new ConfigError(`--${f} needs --pkcs11-module (or pkcs11 in the config file)`);
  if (pkcs11) {
    if (v['token-label']) pkcs11.tokenLabel = v['token-label'];
    // A PIN source given on the command line replaces the file's.
    if (v['pin-env'] || v['pin-file'] || v['pin-prompt']) {
      delete pkcs11.pin;
      delete pkcs11.pinEnv;
      delete pkcs11.pinFile;
    }
    if (v['pin-env']) pkcs11.pinEnv = v['pin-env'];
    if (v['pin-file']) pkcs11.pinFile = v['pin-file'];
    if (v['allow-page-pin']) pkcs11.allowPagePin = true;
  }
  if (v['no-state'] && v['state-file']) throw new ConfigError('--state-file and --no-state contradict each other');
  const stateFile = v['no-state']
    ? undefined
    : (v['state-file'] ?? (file.stateFile === null ? undefined : (file.stateFile ?? defaultStateFile())));

  const options: CliResult['options'] = {
    port: port ?? undefined,
    allowedOrigins: [...new Set([...(file.allowedOrigins ?? []), ...(v['allow-origin'] ?? [])])],
    pkcs11,
    keystore: v.keystore ? (typeof file.keystore === 'object' ? file.keystore : true) : file.keystore,
    tokenTtlMs: file.tokenTtlSeconds ? file.tokenTtlSeconds * 1000 : undefined,
    pairingCodeTtlMs: file.pairingCodeTtlSeconds ? file.pairingCodeTtlSeconds * 1000 : undefined,
    pairingAttempts: file.pairingAttempts,
    maxBodyBytes: file.maxBodyBytes,
    rateLimit: file.rateLimit,
    requestTimeoutMs: file.requestTimeoutMs,
    operationTimeoutMs: file.operationTimeoutMs,
    stateFile,
  };
  const action = v.help
    ? 'help'
    : v.version
      ? 'version'
      : pos.length === 1
        ? (pos[0] as 'doctor' | 'install-service' | 'uninstall-service')
        : v['list-pairings']
          ? 'list'
          : v.revoke !== undefined
            ? 'revoke'
            : 'run';
  if ((action === 'run' || action === 'install-service') && options.allowedOrigins.length === 0) {
    throw new ConfigError('no allowed origins: pass --allow-origin https://your.app (or allowedOrigins in --config)');
  }
  return { action, options, pinPrompt: v['pin-prompt'] === true, quiet: v.quiet === true, revokeOrigin: v.revoke };
}
