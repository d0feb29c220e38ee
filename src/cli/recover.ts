// `vaultkey recover`: opens a backup with no browser and no vault
// (docs/backup.md, "Recovering without the browser"). The inputs are the
// storage-free formats of src/backup/: an encrypted backup file, the binary
// custodian shares of its key, or SLIP-0039 mnemonic shares of a seed. The
// result is the key's BIP-39 mnemonic (printed, or written with --out) or an
// Ethereum keystore v3 file (--keystore-v3).
//
// Secrets never reach stderr or an error message; stdout carries the secret
// only when it is the asked-for output. Files are written with mode 0600 and
// never replace an existing file without --force.
import { closeSync, existsSync, fchmodSync, fsyncSync, openSync, readFileSync, realpathSync, statSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { VaultkeyError } from '../errors.js';
import { b64url, fromHex, utf8 } from '../bytes.js';
import { init } from '../core/wasm.js';
import { mnemonicToSeed } from '../core/bip39.js';
import { HDKey } from '../hd/hdkey.js';
import { ethereumAddress, toChecksumAddress } from '../hd/addresses.js';
import {
  combineMnemonics,
  combineShares,
  decodeShareText,
  decryptBackup,
  encryptKeystoreV3,
  inspectBackup,
  MIN_PASSPHRASE_CHARS,
  verifyBackup,
  wipePayload,
  type BackupCurve,
  type BackupKey,
} from '../backup/index.js';
import { MAGIC as BACKUP_MAGIC } from '../backup/format.js';
import { VAULT_KEY_ID } from '../vault/format.js';
import type { Prompter } from './prompt.js';

export const RECOVER_USAGE = `Usage: vaultkey recover [options] FILE...

Opens a vaultkey backup without a browser or a vault, and prints the key's
BIP-39 mnemonic or writes an Ethereum keystore v3 file. Each FILE is one of:
  - an encrypted backup file (.vkbk, from Keystore backup.file or backup.toShares),
    opened with its passphrase, or with its binary custodian shares;
  - binary custodian shares of that file's key: a share's bytes, or share
    texts ("AS5N-6J01-...") one per line;
  - SLIP-0039 mnemonic shares of a seed, one per line (no backup file needed).

Output (default: the secret on stdout, what it is on stderr):
  -o, --out FILE        write the secret to FILE instead of printing it
  --keystore-v3 FILE    write the key's Ethereum keystore v3 JSON to FILE
                        (scrypt n=2^18 r=8 p=1); asks a new password twice
Options:
  --key ID              the key to recover when the backup holds several
  --path PATH           BIP-32 path for --keystore-v3 from an HD key
                        (default m/44'/60'/0'/0/0; account N-1 for a key's version -vN)
  --list                list the backup's keys (no secret) and exit
  --enter-shares        type the shares at prompts, one per line; an empty line ends
  -f, --force           replace an existing output file
  -h, --help            this text

The secret is the key's BIP-39 mnemonic. A key without one gives its seed
or private key in hex; SLIP-0039 shares hold a seed, not a mnemonic.

Passphrases and passwords are read from the terminal without echo. When
stdin is not a terminal, each question reads the next line of stdin instead,
in this order: the shares (--enter-shares; an empty line ends them), the
backup or SLIP-0039 passphrase, then the new keystore password twice.

Exit status: 0 recovered; 1 failed (the error code and message are printed,
never a secret); 2 usage error; 130 cancelled with Ctrl-C.
`;

/** A mistake in the command line itself: exit status 2, with the usage hint. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface RecoverOptions {
  files: string[];
  out?: string;
  keystoreV3?: string;
  key?: string;
  path?: string;
  list: boolean;
  enterShares: boolean;
  force: boolean;
}

const OPTIONS = {
  out: { type: 'string', short: 'o' },
  'keystore-v3': { type: 'string' },
  key: { type: 'string' },
  path: { type: 'string' },
  list: { type: 'boolean' },
  'enter-shares': { type: 'boolean' },
  force: { type: 'boolean', short: 'f' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: true, options: OPTIONS });
  } catch (e) {
    // parseArgs names the option at fault, never its value.
    throw new UsageError((e as Error).message);
  }
}

export function parseRecoverArgs(argv: string[]): RecoverOptions | 'help' {
  const parsed = parse(argv);
  const v = parsed.values;
  if (v.help) return 'help';
  const o: RecoverOptions = {
    files: parsed.positionals,
    list: v.list === true,
    enterShares: v['enter-shares'] === true,
    force: v.force === true,
  };
  if (v.out !== undefined) o.out = v.out;
  if (v['keystore-v3'] !== undefined) o.keystoreV3 = v['keystore-v3'];
  if (v.key !== undefined) o.key = v.key;
  if (v.path !== undefined) o.path = v.path;
  if (o.files.length === 0 && !o.enterShares) throw new UsageError('give a backup file or shares (FILE...), or --enter-shares');
  if (o.out !== undefined && o.keystoreV3 !== undefined) throw new UsageError('--out and --keystore-v3 cannot be combined');
  if (o.list && (o.out !== undefined || o.keystoreV3 !== undefined))
    throw new UsageError('--list writes nothing: drop --out / --keystore-v3');
  if (o.path !== undefined && o.keystoreV3 === undefined) throw new UsageError('--path is for --keystore-v3');
  for (const target of [o.out, o.keystoreV3]) {
    if (target === undefined) continue;
    if (target === '') throw new UsageError('an output FILE cannot be empty');
    if (o.files.some((f) => samePath(f, target))) throw new UsageError(`${target} is also an input`);
  }
  return o;
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

// ---- inputs ----

/** docs/backup.md, "Share layout": a binary share starts with ASCII VKSH. */
const SHARE_MAGIC = Uint8Array.of(0x56, 0x4b, 0x53, 0x48);
/** docs/backup.md, "File layout": at most 64 MiB + 16 of ciphertext, a header of at most 67 bytes and a 32-byte checksum. */
const MAX_INPUT_BYTES = 64 * 1024 * 1024 + 1024;

interface Inputs {
  backup?: { path: string; bytes: Uint8Array };
  shares: Uint8Array[];
  slip39: string[];
}

const startsWith = (b: Uint8Array, magic: Uint8Array) => b.length >= magic.length && magic.every((x, i) => b[i] === x);

/** A failure of one input, reported with its file name (never its content). */
function about<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VaultkeyError) throw new VaultkeyError(e.code, `${where}: ${e.message}`);
    throw e;
  }
}

async function aboutAsync<T>(where: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof VaultkeyError) throw new VaultkeyError(e.code, `${where}: ${e.message}`);
    throw e;
  }
}

/**
 * One line of text: a SLIP-0039 mnemonic (20 or more words of the SLIP-0039
 * list, which are 4 to 8 letters) or a binary share's text form (Crockford
 * Base32 in groups of at most 4 characters). Returns false for a blank line.
 */
function addTextShare(line: string, into: Inputs): boolean {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return false;
  const words = t.split(/\s+/);
  if (words.length >= 20 && words.every((w) => /^[a-z]+$/i.test(w)) && words.some((w) => w.length > 4)) {
    into.slip39.push(words.join(' ').toLowerCase());
  } else {
    into.shares.push(decodeShareText(t));
  }
  return true;
}

function readInput(path: string, into: Inputs): void {
  let buf: Buffer;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UsageError(`${path} is not a file`);
    if (st.size > MAX_INPUT_BYTES) throw new VaultkeyError('CORRUPTED', `${path} is larger than any backup file or share`);
    buf = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('E')) throw new UsageError(`cannot read ${path} (${code})`);
    throw e;
  }
  const bytes = new Uint8Array(buf);
  buf.fill(0);
  if (startsWith(bytes, BACKUP_MAGIC)) {
    if (into.backup) throw new UsageError(`two backup files given (${into.backup.path}, ${path}): recover one at a time`);
    into.backup = { path, bytes };
    return;
  }
  if (startsWith(bytes, SHARE_MAGIC)) {
    into.shares.push(bytes);
    return;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new VaultkeyError('INVALID_SHARE', `${path} is neither a backup file, a share nor share text`);
  } finally {
    bytes.fill(0);
  }
  let found = 0;
  text.split('\n').forEach((line, i) => {
    if (about(`${path} line ${i + 1}`, () => addTextShare(line, into))) found++;
  });
  if (found === 0) throw new VaultkeyError('INVALID_SHARE', `${path} holds no share`);
}

async function typedShares(io: Prompter, into: Inputs): Promise<void> {
  for (let i = 1; ; i++) {
    const line = await io.ask(`Share ${i} (empty line to end): `, { hidden: false, what: `share ${i}` });
    if (line.trim() === '') return;
    about(`share ${i}`, () => addTextShare(line, into));
  }
}

// ---- outputs ----

/** Fails before any passphrase is asked if an output exists and may not be replaced. */
function checkTarget(path: string | undefined, force: boolean): void {
  if (path !== undefined && !force && existsSync(path)) throw new VaultkeyError('ALREADY_EXISTS', `${path} exists; --force replaces it`);
}

/** Writes `data` to `path` with mode 0600: a new file, or with `force` a replaced one (its mode set to 0600 before a byte is written). */
function writeSecretFile(path: string, data: Uint8Array, force: boolean): void {
  let fd: number;
  try {
    fd = openSync(path, force ? 'w' : 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'EEXIST') throw new VaultkeyError('ALREADY_EXISTS', `${path} exists; --force replaces it`);
    throw new VaultkeyError('STORAGE_FAILED', `cannot write ${path} (${code})`);
  }
  try {
    fchmodSync(fd, 0o600);
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
    fsyncSync(fd);
  } catch (e) {
    throw new VaultkeyError('STORAGE_FAILED', `cannot write ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    closeSync(fd);
  }
}

/** Writes to stdout and waits until the stream has taken the bytes, so the caller may zero them. */
function toStdout(data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(data, (e) => (e ? reject(e) : resolve())));
}

const info = (line: string) => process.stderr.write(line + '\n');

/** Lower-case hex as bytes, so the copy can be zeroed (a string could not). */
function hexBytes(b: Uint8Array): Uint8Array {
  const digits = utf8('0123456789abcdef');
  const out = new Uint8Array(b.length * 2);
  b.forEach((x, i) => {
    out[2 * i] = digits[x >> 4]!;
    out[2 * i + 1] = digits[x & 15]!;
  });
  return out;
}

function withNewline(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  out[b.length] = 0x0a;
  return out;
}

// ---- the key ----

interface Recovered {
  /** Where it came from, for the messages: `key <id> "label"` or `the SLIP-0039 seed`. */
  name: string;
  id?: string;
  kind: 'seed' | 'privateKey';
  curve?: BackupCurve;
  secret: Uint8Array;
  mnemonic?: Uint8Array;
}

/** The vault's own default (worker/vault/keys.ts): account N-1 for a rotated key's version N (`<id>-vN`). */
function defaultEthereumPath(id: string | undefined): string {
  const n = id ? VAULT_KEY_ID.exec(id)?.[1] : undefined;
  return `m/44'/60'/${n ? Number(n) - 1 : 0}'/0/0`;
}

function chooseKey(keys: BackupKey[], id: string | undefined): BackupKey {
  if (id !== undefined) {
    const k = keys.find((x) => x.id === id);
    if (!k) throw new VaultkeyError('NOT_FOUND', 'the backup holds no key with this id (--list shows its keys)');
    return k;
  }
  if (keys.length === 1) return keys[0]!;
  if (keys.length === 0) throw new VaultkeyError('NOT_FOUND', 'the backup holds no key');
  throw new UsageError(`the backup holds ${keys.length} keys: choose one with --key ID (--list shows them)`);
}

/** The secp256k1 private key a keystore v3 holds: the key itself, or the HD key at `path`. */
async function privateKeyOf(k: Recovered, path: string | undefined): Promise<{ key: Uint8Array; path: string | null }> {
  if (k.kind === 'privateKey') {
    if (path !== undefined) throw new UsageError(`--path is for HD keys; ${k.name} is a private key`);
    if (k.curve === 'ed25519') throw new VaultkeyError('INVALID_ARGUMENT', 'keystore v3 holds secp256k1 keys only');
    return { key: k.secret.slice(), path: null };
  }
  await init();
  const p = path ?? defaultEthereumPath(k.id);
  const root = HDKey.fromMasterSeed(k.secret);
  try {
    const child = root.derive(p);
    try {
      return { key: child.privateKey!.slice(), path: p };
    } finally {
      child.wipe();
    }
  } finally {
    root.wipe();
  }
}

async function newPassword(io: Prompter): Promise<string> {
  const a = await io.ask('New keystore password: ', { hidden: true, what: 'the new keystore password' });
  // The vault's rule for export passwords (docs/backup.md, "In the Keystore"): an empty one would leave the key in plaintext.
  if (Array.from(a.normalize('NFKC')).length < MIN_PASSPHRASE_CHARS)
    throw new VaultkeyError('WEAK_PASSPHRASE', `the keystore password needs at least ${MIN_PASSPHRASE_CHARS} characters`);
  const b = await io.ask('Repeat the keystore password: ', { hidden: true, what: 'the repeated keystore password' });
  if (a !== b) throw new VaultkeyError('INVALID_ARGUMENT', 'the two keystore passwords differ');
  return a;
}

/** The HD seed's first Ethereum address, a public fingerprint to check the right wallet came back. */
async function describeSeed(k: Recovered): Promise<void> {
  await init();
  const p = defaultEthereumPath(k.id);
  const root = HDKey.fromMasterSeed(k.secret);
  const child = root.derive(p);
  root.wipe();
  try {
    info(`its Ethereum address at ${p}: ${ethereumAddress(child.publicKey)}`);
  } finally {
    child.wipe();
  }
  if (k.mnemonic) {
    const seed = await mnemonicToSeed(new TextDecoder().decode(k.mnemonic));
    const same = seed.length === k.secret.length && seed.every((x, i) => x === k.secret[i]);
    seed.fill(0);
    if (!same) info('note: this seed also needs the BIP-39 passphrase the phrase was imported with; the phrase alone gives another wallet');
  }
}

async function deliver(k: Recovered, o: RecoverOptions, io: Prompter): Promise<void> {
  if (o.keystoreV3 !== undefined) {
    const { key, path } = await privateKeyOf(k, o.path);
    try {
      const password = await newPassword(io);
      info('encrypting (scrypt n=2^18, r=8, p=1)...');
      const json = await encryptKeystoreV3(key, password);
      const data = utf8(json + '\n');
      writeSecretFile(o.keystoreV3, data, o.force);
      const address = toChecksumAddress(fromHex((JSON.parse(json) as { address: string }).address, 'address'));
      info(`wrote the keystore v3 of ${address}${path ? ` (${path})` : ''}, ${k.name}, to ${o.keystoreV3}`);
    } finally {
      key.fill(0);
    }
    return;
  }
  const what = k.mnemonic ? 'BIP-39 mnemonic' : k.kind === 'seed' ? 'seed (hex)' : `${k.curve ?? 'secp256k1'} private key (hex)`;
  const text = k.mnemonic ?? hexBytes(k.secret);
  const secret = withNewline(text);
  if (text !== k.mnemonic) text.fill(0);
  try {
    if (o.out !== undefined) {
      writeSecretFile(o.out, secret, o.force);
      info(`wrote the ${what} of ${k.name} to ${o.out}`);
    } else {
      info(`the ${what} of ${k.name}:`);
      await toStdout(secret);
    }
  } finally {
    secret.fill(0);
  }
  if (k.kind === 'seed') await describeSeed(k);
}

// ---- the command ----

export async function recover(o: RecoverOptions, io: Prompter): Promise<void> {
  const inputs: Inputs = { shares: [], slip39: [] };
  try {
    for (const f of o.files) readInput(f, inputs);
    if (o.enterShares) await typedShares(io, inputs);
    if (inputs.slip39.length && (inputs.backup || inputs.shares.length))
      throw new UsageError('SLIP-0039 shares recover a seed on their own: give them without a backup file or binary shares');
    if (inputs.shares.length && !inputs.backup) throw new UsageError('binary custodian shares open a backup file: give the .vkbk file too');
    if (!inputs.backup && !inputs.slip39.length) throw new UsageError('no backup file and no shares given');
    if (o.list && !inputs.backup) throw new UsageError('--list is for backup files');
    checkTarget(o.out, o.force);
    checkTarget(o.keystoreV3, o.force);

    if (inputs.backup) {
      const { path, bytes } = inputs.backup;
      // Header and checksum first (docs/backup.md, "Reading order" 1-5): a damaged file is reported before a passphrase is typed.
      about(path, () => inspectBackup(bytes));
      const passphrase = inputs.shares.length
        ? about('shares', () => sharesPassphrase(inputs.shares))
        : await io.ask('Backup passphrase: ', { hidden: true, what: 'the backup passphrase' });
      if (o.list) {
        const s = await aboutAsync(path, () => verifyBackup(bytes, passphrase));
        info(`${path}: made ${new Date(s.createdAt).toISOString()}, ${s.keys.length} key(s)${s.vaultId ? ` of vault ${s.vaultId}` : ''}`);
        for (const k of s.keys)
          process.stdout.write(
            `${k.id}\t${k.kind}${k.curve ? ` ${k.curve}` : ''}\t${k.hasMnemonic ? 'mnemonic' : 'no mnemonic'}\t${JSON.stringify(k.label)}\n`,
          );
        return;
      }
      const payload = await aboutAsync(path, () => decryptBackup(bytes, passphrase));
      try {
        const k = chooseKey(payload.keys, o.key);
        await deliver(
          {
            name: `key ${k.id}${k.label ? ` ${JSON.stringify(k.label)}` : ''}`,
            id: k.id,
            kind: k.kind,
            ...(k.curve ? { curve: k.curve } : {}),
            secret: k.secret,
            ...(k.mnemonic ? { mnemonic: k.mnemonic } : {}),
          },
          o,
          io,
        );
      } finally {
        wipePayload(payload);
      }
      return;
    }

    // The shares' checks (SLIP-0039, "Combining the shares") come before the question; the
    // passphrase only enters the last step, the Feistel decryption.
    combineMnemonics(inputs.slip39, '').fill(0);
    const passphrase = await io.ask('SLIP-0039 passphrase (empty if none): ', { hidden: true, what: 'the SLIP-0039 passphrase' });
    const seed = combineMnemonics(inputs.slip39, passphrase);
    try {
      await init();
      HDKey.fromMasterSeed(seed).wipe(); // BIP-32: refuses a seed whose master key is invalid, as the vault's import does
      if (passphrase !== '')
        info('note: SLIP-0039 does not check the passphrase: a wrong one gives another wallet (SLIP-0039, "Passphrase")');
      await deliver({ name: 'the SLIP-0039 shares', kind: 'seed', secret: seed }, o, io);
    } finally {
      seed.fill(0);
    }
  } finally {
    inputs.backup?.bytes.fill(0);
    for (const s of inputs.shares) s.fill(0);
  }
}

/**
 * The passphrase of a custodian-share backup: the 256-bit key the shares
 * rebuild, in unpadded base64url (RFC 4648 §5), as the vault encrypted it
 * (worker/vault/backup.ts; docs/backup.md, "Recovering without the browser").
 */
function sharesPassphrase(shares: Uint8Array[]): string {
  const key = combineShares(shares);
  try {
    return b64url(key);
  } finally {
    key.fill(0);
  }
}
