#!/usr/bin/env node
// vaultkey-bridge: command-line entry. Exit codes: 0 ok, 1 runtime failure,
// 2 configuration error.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, parseCli, USAGE } from './config.js';
import { jsonLineLogger, silentLogger } from './log.js';
import { BRIDGE_VERSION, startBridge } from './server.js';
import { normalizeOrigin } from './security.js';
import { readState, revokeOriginInFile } from './state.js';
import { formatDoctor, runDoctor } from './doctor.js';
import { installService, ServiceError, uninstallService } from './service.js';

/** Reads a line from the terminal without echoing it (the PIN must not end up in scrollback). */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    if (!stdin.isTTY) return reject(new ConfigError('--pin-prompt needs an interactive terminal'));
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          done();
          return resolve(value);
        }
        if (ch === '\u0003') {
          done();
          return reject(new ConfigError('cancelled'));
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}

async function main(): Promise<number> {
  let cli;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`vaultkey-bridge: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (cli.action === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (cli.action === 'version') {
    process.stdout.write(`vaultkey-bridge ${BRIDGE_VERSION}\n`);
    return 0;
  }
  const stateFile = cli.options.stateFile;
  if (cli.action === 'install-service' || cli.action === 'uninstall-service') {
    try {
      if (cli.action === 'uninstall-service') {
        const r = uninstallService();
        process.stdout.write(`${r.removed ? 'removed' : 'nothing at'} ${r.path}\n${r.next.map((c) => `  ${c}\n`).join('')}`);
        return 0;
      }
      if (cli.options.pkcs11 && !cli.options.pkcs11.pinFile && !cli.options.pkcs11.allowPagePin)
        throw new ServiceError('a service needs the PIN from --pin-file FILE (mode 0600)');
      const r = installService(process.argv.slice(2), cli.options.pkcs11?.pinFile);
      process.stdout.write(`wrote ${r.path}\nstart it with:\n${r.next.map((c) => `  ${c}\n`).join('')}`);
      return 0;
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      process.stderr.write(`vaultkey-bridge: ${err.message}\n`);
      return 2;
    }
  }
  if (cli.action === 'doctor') {
    if (cli.pinPrompt && cli.options.pkcs11) cli.options.pkcs11.pin = await promptHidden('PKCS#11 user PIN: ');
    const lines = await runDoctor(cli.options);
    process.stdout.write(formatDoctor(lines));
    return lines.every((l) => l.ok) ? 0 : 1;
  }
  if (cli.action === 'list' || cli.action === 'revoke') {
    if (!stateFile) {
      process.stderr.write('vaultkey-bridge: pairings are only kept in memory (--no-state)\n');
      return 2;
    }
    if (cli.action === 'list') {
      let tokens: ReturnType<typeof readState>['tokens'];
      try {
        tokens = readState(stateFile).tokens;
      } catch (err) {
        process.stderr.write(`vaultkey-bridge: ${(err as Error).message}\n`);
        return 1;
      }
      for (const t of tokens)
        process.stdout.write(
          `${t.origin}\tpaired ${new Date(t.createdAt).toISOString()}\texpires ${new Date(t.expiresAt).toISOString()}\n`,
        );
      return 0;
    }
    let origin: string;
    try {
      origin = normalizeOrigin(cli.revokeOrigin!);
    } catch (err) {
      process.stderr.write(`vaultkey-bridge: ${(err as Error).message}\n`);
      return 2;
    }
    // Recorded as revoked token hashes under the state file's lock: a running
    // bridge applies them before its next request and never writes them back.
    let n: number;
    try {
      n = revokeOriginInFile(stateFile, origin, Date.now());
    } catch (err) {
      process.stderr.write(`vaultkey-bridge: ${(err as Error).message}\n`);
      return 1;
    }
    process.stdout.write(`revoked ${n} pairing(s) of ${origin}; a running bridge applies it at its next request\n`);
    return 0;
  }

  const opts = cli.options;
  if (stateFile) mkdirSync(dirname(stateFile), { recursive: true, mode: 0o700 });
  if (cli.pinPrompt && opts.pkcs11) opts.pkcs11.pin = await promptHidden('PKCS#11 user PIN: ');

  let bridge;
  try {
    bridge = await startBridge({ ...opts, logger: cli.quiet ? silentLogger : jsonLineLogger(process.stderr) });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    process.stderr.write(`vaultkey-bridge: cannot start: ${e.code ? `${e.code}: ` : ''}${e.message}\n`);
    return err instanceof Error && /invalid allowed origin/.test(err.message) ? 2 : 1;
  }
  process.stderr.write(
    `vaultkey-bridge ${BRIDGE_VERSION} listening on ${bridge.urls.join(', ')} for ${bridge.allowedOrigins.join(', ')}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await bridge.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`vaultkey-bridge: ${(err as Error)?.name ?? 'error'}: ${(err as Error)?.message ?? ''}\n`);
    process.exit(1);
  },
);
