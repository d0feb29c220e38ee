// `vaultkey audit verify FILE --public-key KEY`: checks a signed audit export
// (docs/security.md, "Verifiable export") with only the vault's audit public
// key, the one `keystore.audit.publicKey()` shows. Prints what was verified,
// or the reason the export does not verify.
import { readFile } from 'node:fs/promises';
import { VaultkeyError } from '../errors.js';
import { verifyAuditExport, parseAuditPublicKey } from '../security/audit-export.js';
import { UsageError } from './recover.js';

export const AUDIT_USAGE = `Usage: vaultkey audit verify FILE --public-key KEY

Verifies a signed audit export (keystore.audit.exportSigned()) offline: the
Ed25519 signature over its head, then every entry's hash link.

Options:
  --public-key KEY   the vault's audit public key (keystore.audit.publicKey()):
                     base64url or 64 hex digits
  --json             print the verification result as JSON
  -h, --help         this text

Exit status: 0 the export verifies; 1 it does not (the reason is printed);
2 usage error.
`;

export interface AuditVerifyOptions {
  file: string;
  publicKey: string;
  json: boolean;
}

export function parseAuditArgs(argv: string[]): AuditVerifyOptions | 'help' {
  const [sub, ...rest] = argv;
  if (sub === '-h' || sub === '--help' || sub === undefined) return 'help';
  if (sub !== 'verify') throw new UsageError(`unknown audit command "${sub}" (the only one is verify)`);
  let file: string | undefined;
  let publicKey: string | undefined;
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '-h' || a === '--help') return 'help';
    if (a === '--json') json = true;
    else if (a === '--public-key' || a.startsWith('--public-key=')) {
      const v = a === '--public-key' ? rest[++i] : a.slice('--public-key='.length);
      if (v === undefined || v === '') throw new UsageError('--public-key needs a value');
      publicKey = v;
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (file === undefined) file = a;
    else throw new UsageError('one FILE only');
  }
  if (file === undefined) throw new UsageError('FILE is missing');
  if (publicKey === undefined) throw new UsageError('--public-key is required: an export is only as good as the key it is checked against');
  return { file, publicKey, json };
}

/** Returns the exit status: 0 verified, 1 not. */
export async function auditVerify(o: AuditVerifyOptions, out: (s: string) => void): Promise<number> {
  const key = parseAuditPublicKey(o.publicKey);
  let text: string;
  try {
    text = await readFile(o.file, 'utf8');
  } catch (e) {
    throw new VaultkeyError('INVALID_ARGUMENT', `cannot read ${o.file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const r = await verifyAuditExport(text, key);
  if (o.json) out(`${JSON.stringify(r)}\n`);
  else if (r.ok) {
    const span = r.entries ? `entries ${r.head.firstSeq}..${r.head.lastSeq}` : 'no entries';
    out(`verified: ${r.entries} entries (${span}), exported ${new Date(r.exportedAt).toISOString()}\n`);
  } else out(`NOT verified: ${r.reason}: ${r.message}\n`);
  return r.ok ? 0 : 1;
}
