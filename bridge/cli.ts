#!/usr/bin/env node
// vaultkey-bridge: command-line entry. Exit codes: 0 ok, 1 runtime failure,
// 2 configuration error.
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, parseCli, USAGE } from './config.js';
import { jsonLineLogger, silentLogger } from './log.js';
import { BRIDGE_VERSION, startBridge } from './server.js';
import { normalizeOrigin, type TokenRecord } from './security.js';

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

function readState(file: string): TokenRecord[] {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { tokens?: TokenRecord[] };
    return Array.isArray(data.tokens) ? data.tokens : [];
  } catch {
    return [];
  }
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
  if (cli.action === 'list' || cli.action === 'revoke') {
    if (!stateFile) {
      process.stderr.write('vaultkey-bridge: pairings are only kept in memory (--no-state)\n');
      return 2;
    }
    const tokens = readState(stateFile);
    if (cli.action === 'list') {
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
    const kept = tokens.filter((t) => t.origin !== origin);
    const tmp = `${stateFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, tokens: kept }, null, 2), { mode: 0o600 });
    renameSync(tmp, stateFile);
    process.stdout.write(`revoked ${tokens.length - kept.length} pairing(s) of ${origin}; restart a running bridge to apply\n`);
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
