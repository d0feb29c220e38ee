// `vaultkey`: the library's command (package.json "bin", built by rollup into
// dist/node/cli.js with its shebang). `recover`: opening a backup when the
// browser profile that made it is gone (docs/backup.md, "Recovering without
// the browser"); `audit verify`: checking a signed audit export offline
// (docs/security.md, "Verifiable export").
//
// Exit status: 0 done; 1 failed, with the VaultkeyError code and message on
// stderr (never a secret: the messages name fields and files, not values);
// 2 usage error; 130 cancelled with Ctrl-C at a hidden prompt.
import { createRequire } from 'node:module';
import { VaultkeyError } from '../errors.js';
import { Cancelled, InputEnded, Prompter } from './prompt.js';
import { parseRecoverArgs, recover, RECOVER_USAGE, UsageError } from './recover.js';
import { AUDIT_USAGE, auditVerify, parseAuditArgs } from './audit.js';

export const USAGE = `Usage: vaultkey <command> [options]

Commands:
  recover FILE...   open a backup file, its custodian shares or SLIP-0039 shares
                    without a browser; print the mnemonic or write a keystore v3
  audit verify FILE --public-key KEY
                    check a signed audit export with the vault's audit public key

Options:
  -h, --help        this text; \`vaultkey recover --help\` describes the command
  --version         the package version

Backup formats and recovery: docs/backup.md in the package.
`;

function version(): string {
  // dist/node/cli.js and src/cli/index.ts are both two levels below the package root.
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

function usageError(message: string, hint: string): number {
  process.stderr.write(`vaultkey: ${message}\n${hint}\n`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === '--version') {
    process.stdout.write(`vaultkey ${version()}\n`);
    return 0;
  }
  if (command === 'audit') return audit(rest);
  if (command !== 'recover') return usageError('unknown command (recover or audit)', 'Run `vaultkey --help` for usage.');

  const hint = 'Run `vaultkey recover --help` for usage.';
  const io = new Prompter();
  try {
    const o = parseRecoverArgs(rest);
    if (o === 'help') {
      process.stdout.write(RECOVER_USAGE);
      return 0;
    }
    await recover(o, io);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputEnded) return usageError(e.message, hint);
    if (e instanceof Cancelled) {
      process.stderr.write('vaultkey: cancelled\n');
      return 130;
    }
    if (e instanceof VaultkeyError) {
      process.stderr.write(`vaultkey: ${e.code}: ${e.message}\n`);
      return 1;
    }
    // Not ours: its message could quote a value (a third-party check), so only its kind is shown.
    process.stderr.write(`vaultkey: unexpected ${(e as Error)?.name ?? 'error'}\n`);
    return 1;
  } finally {
    io.close();
  }
}

async function audit(argv: string[]): Promise<number> {
  try {
    const o = parseAuditArgs(argv);
    if (o === 'help') {
      process.stdout.write(AUDIT_USAGE);
      return 0;
    }
    return await auditVerify(o, (s) => process.stdout.write(s));
  } catch (e) {
    if (e instanceof UsageError) return usageError(e.message, 'Run `vaultkey audit --help` for usage.');
    if (e instanceof VaultkeyError) {
      process.stderr.write(`vaultkey: ${e.code}: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`vaultkey: unexpected ${(e as Error)?.name ?? 'error'}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
