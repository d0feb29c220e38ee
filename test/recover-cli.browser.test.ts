// The `vaultkey recover` command (dist/node/cli.js, built from src/cli/) opens
// what the real vault wrote in Debian's Chromium, with no browser of its own:
// a backup file (default Argon2id parameters), the custodian shares of a
// backupToShares file (as bytes, as text, typed), SLIP-0039 shares of the
// seed, and a backup of two keys. The recovered phrase is the one the vault
// exports; a keystore v3 the command writes opens with ethers to the vault's
// address. The passphrase goes in on stdin (the command reads one line per
// question when stdin is not a terminal). Wrong passphrases, damaged files,
// too few shares and misuse exit with their codes, and no secret reaches stderr.
// docs/backup.md, "Recovering without the browser".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { Mnemonic, Wallet } from 'ethers';
import { browserSuite, watchErrors } from './helpers/browser.ts';
import { loadFixture, ok } from './helpers/keystore-page.ts';

const CLI = new URL('../dist/node/cli.js', import.meta.url).pathname;
const PASS = 'vault passphrase, long enough';
const BPASS = 'backup passphrase for the CLI';
const NEWPW = 'keystore password from the CLI';
const FAST_KDF = { t: 1, m: 256, p: 1 };
const PRIVATE_KEY = '42'.repeat(32);
const proof = { passphrase: PASS };

const suite = browserSuite();
let ctx: BrowserContext;
let page: Page;
let errors: string[];
let dir: string;
let hdId: string;
let pkId: string;
/** What the vault holds, read in the page: the phrase (exported with a proof) and the key's Ethereum address. */
let mnemonic: string;
let address: string;
/** Every secret of this suite, none of which may appear on stderr. */
const secrets: string[] = [PASS, BPASS, NEWPW, PRIVATE_KEY];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/node/cli.js ARGS...` in the suite's directory with `input` on stdin (a pipe, not a terminal). */
function cli(args: string[], input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.stdin.on('error', () => {}); // the command may exit before reading (usage errors)
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
    p.stdin.end(input);
  });
}

function assertNoSecretIn(stderr: string): void {
  for (const s of secrets) assert.ok(!stderr.includes(s), 'a secret reached stderr');
  // Any three consecutive words of the phrase.
  const words = mnemonic.split(' ');
  for (let i = 0; i + 3 <= words.length; i++) assert.ok(!stderr.includes(words.slice(i, i + 3).join(' ')), 'phrase words reached stderr');
}

/** Succeeds and prints exactly `expected` on stdout. */
async function recovers(args: string[], input: string, expected: string): Promise<Run> {
  const r = await cli(['recover', ...args], input);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, expected + '\n');
  assertNoSecretIn(r.stderr);
  return r;
}

/** Exits 1 with `code` on stderr, nothing on stdout. */
async function failsWith(code: string, args: string[], input = ''): Promise<Run> {
  const r = await cli(['recover', ...args], input);
  assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`^vaultkey: ${code}: `, 'm'));
  assert.equal(r.stdout, '');
  assertNoSecretIn(r.stderr);
  return r;
}

const save = (name: string, data: string | Uint8Array) => {
  writeFileSync(join(dir, name), typeof data === 'string' && data.startsWith('hex:') ? Buffer.from(data.slice(4), 'hex') : data);
  return name;
};

const seedHex = () => Mnemonic.fromPhrase(mnemonic).computeSeed().slice(2);

/** The vault and the temp dir, made once by the first test that needs them (the suite's browser exists by then). */
let ready: Promise<void> | undefined;
const setup = () => (ready ??= makeVault());

async function makeVault(): Promise<void> {
  assert.ok(existsSync(CLI), 'dist/node/cli.js is missing: run npm run build first');
  ctx = await suite.browser.newContext();
  page = await loadFixture(ctx, suite.base);
  errors = watchErrors(page);
  await page.evaluate((o) => (window as any).vt.open(o), { name: `recover-${process.pid}-${Date.now().toString(36)}` });
  await ok(page, 'create', { passphrase: PASS });
  hdId = (await ok(page, 'generate', { label: 'main wallet' })).id;
  pkId = (await ok(page, 'importKeys', [{ privateKey: 'hex:' + PRIVATE_KEY, label: 'hot' }]))[0].id;
  mnemonic = await ok(page, 'exportMnemonic', hdId, proof);
  address = (await ok(page, 'getAddress', hdId, 'ethereum')).address;
  assert.equal(mnemonic.split(' ').length, 12);
  secrets.push(seedHex());
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vaultkey-recover-'));
});

after(async () => {
  if (errors) assert.deepEqual(errors, []);
  await ctx?.close().catch(() => {}); // the suite's own after hook may have closed the browser first
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('--help and usage errors: exit 0 with the usage on stdout, exit 2 on misuse', async () => {
  const top = await cli(['--help']);
  assert.equal(top.status, 0);
  assert.match(top.stdout, /^Usage: vaultkey <command>/);
  const help = await cli(['recover', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: vaultkey recover \[options\] FILE\.\.\./);
  assert.match(help.stdout, /When\s+stdin is not a terminal, each question reads the next line of stdin/);
  for (const args of [
    [],
    ['recover'],
    ['restore', 'x'],
    ['recover', '--no-such-option', 'x'],
    ['recover', 'a', '--out', 'o', '--keystore-v3', 'k'],
  ]) {
    const r = await cli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
  }
  assert.equal((await cli(['recover', 'no-such-file.vkbk'])).status, 2);
});

test('a backup file from the vault (default Argon2id, 64 MiB) gives back the phrase the vault holds', async () => {
  await setup();
  const file = save('main.vkbk', await ok(page, 'backup', { passphrase: BPASS, keyIds: [hdId], proof }));
  const r = await recovers([file], BPASS + '\n', mnemonic);
  assert.match(r.stderr, /^Backup passphrase: $/m);
  assert.match(r.stderr, new RegExp(`BIP-39 mnemonic of key ${hdId} "main wallet"`));
  assert.ok(r.stderr.includes(`its Ethereum address at m/44'/60'/0'/0/0: ${address}`), 'the address is shown to check the wallet');
});

test('--out writes the phrase with mode 0600 and never replaces a file without --force', async () => {
  await setup();
  const file = save('out.vkbk', await ok(page, 'backup', { passphrase: BPASS, keyIds: [hdId], kdf: FAST_KDF, proof }));
  const r = await cli(['recover', file, '--out', 'phrase.txt'], BPASS + '\n');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  assertNoSecretIn(r.stderr);
  assert.equal(readFileSync(join(dir, 'phrase.txt'), 'utf8'), mnemonic + '\n');
  assert.equal(statSync(join(dir, 'phrase.txt')).mode & 0o777, 0o600);

  writeFileSync(join(dir, 'phrase.txt'), 'keep me', { mode: 0o644 });
  const refused = await failsWith('ALREADY_EXISTS', [file, '--out', 'phrase.txt'], BPASS + '\n');
  assert.doesNotMatch(refused.stderr, /Backup passphrase/, 'refused before the passphrase is asked');
  assert.equal(readFileSync(join(dir, 'phrase.txt'), 'utf8'), 'keep me');
  const forced = await cli(['recover', file, '--out', 'phrase.txt', '--force'], BPASS + '\n');
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(readFileSync(join(dir, 'phrase.txt'), 'utf8'), mnemonic + '\n');
  assert.equal(statSync(join(dir, 'phrase.txt')).mode & 0o777, 0o600, 'a replaced file is made 0600 too');
  assert.equal((await cli(['recover', file, '--out', file, '--force'])).status, 2, 'an input is never an output');
});

test('--keystore-v3 writes a file ethers opens to the vault address; the password is asked twice', async () => {
  await setup();
  const file = save('ks.vkbk', await ok(page, 'backup', { passphrase: BPASS, keyIds: [hdId], kdf: FAST_KDF, proof }));
  const r = await cli(['recover', file, '--keystore-v3', 'wallet.json'], `${BPASS}\n${NEWPW}\n${NEWPW}\n`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  assertNoSecretIn(r.stderr);
  assert.match(r.stderr, /New keystore password: \nRepeat the keystore password: \n/);
  assert.ok(r.stderr.includes(`wrote the keystore v3 of ${address} (m/44'/60'/0'/0/0)`));
  assert.equal(statSync(join(dir, 'wallet.json')).mode & 0o777, 0o600);
  const json = readFileSync(join(dir, 'wallet.json'), 'utf8');
  assert.equal((await Wallet.fromEncryptedJson(json, NEWPW)).address, address);
  // The vault's own export of the same key agrees.
  const fromVault: string = await ok(page, 'exportKeystoreV3', hdId, NEWPW, { kdf: 'pbkdf2', pbkdf2: { c: 1000 }, proof });
  assert.equal(JSON.parse(fromVault).address, JSON.parse(json).address);

  await failsWith('INVALID_ARGUMENT', [file, '--keystore-v3', 'other.json'], `${BPASS}\n${NEWPW}\n${NEWPW}x\n`);
  await failsWith('WEAK_PASSPHRASE', [file, '--keystore-v3', 'other.json'], `${BPASS}\nshort\n`);
  assert.ok(!existsSync(join(dir, 'other.json')), 'nothing written on failure');
});

test('wrong passphrase: exit 1 with WRONG_PASSPHRASE, nothing printed', async () => {
  await setup();
  const file = save('wrong.vkbk', await ok(page, 'backup', { passphrase: BPASS, keyIds: [hdId], kdf: FAST_KDF, proof }));
  const r = await failsWith('WRONG_PASSPHRASE', [file], 'not the backup passphrase\n');
  assert.ok(!r.stderr.includes('not the backup passphrase'));
  const ended = await cli(['recover', file], '');
  assert.equal(ended.status, 2, 'stdin ended before the passphrase: usage error');
  assert.match(ended.stderr, /stdin ended before the backup passphrase was given/);
});

test('a damaged or tampered file: exit 1 with its code, before any KDF', async () => {
  await setup();
  const hex: string = await ok(page, 'backup', { passphrase: BPASS, keyIds: [hdId], kdf: FAST_KDF, proof });
  const good = Buffer.from(hex.slice(4), 'hex');
  const flip = (at: number) => {
    const b = Buffer.from(good);
    b[at]! ^= 0x01;
    return b;
  };
  const damaged = await failsWith('CORRUPTED', [save('flip-ct.vkbk', flip(good.length - 60))], BPASS + '\n');
  assert.doesNotMatch(damaged.stderr, /passphrase:/, 'reported before the passphrase is asked');
  await failsWith('CORRUPTED', [save('flip-sum.vkbk', flip(good.length - 1))], BPASS + '\n');
  await failsWith('CORRUPTED', [save('short.vkbk', good.subarray(0, good.length - 1))], BPASS + '\n');
  await failsWith('CORRUPTED', [save('long.vkbk', Buffer.concat([good, Buffer.of(0)]))], BPASS + '\n');
  await failsWith(
    'UNSUPPORTED_VERSION',
    [save('v2.vkbk', Buffer.concat([good.subarray(0, 4), Buffer.of(2), good.subarray(5)]))],
    BPASS + '\n',
  );
  // A file that is neither a backup nor a share.
  await failsWith('INVALID_SHARE', [save('junk.bin', Buffer.from([0xff, 0xfe, 0x00, 0x01]))]);
});

test('custodian shares: bytes, text and typed shares open a backupToShares file; too few or foreign shares are refused', async () => {
  await setup();
  const s = await ok(page, 'backupToShares', { threshold: 2, shares: 3, keyIds: [hdId], proof });
  const other = await ok(page, 'backupToShares', { threshold: 2, shares: 3, keyIds: [hdId], proof });
  const file = save('custody.vkbk', s.file);
  const share0 = save('share-0.bin', s.shares[0]);
  const share2 = save('share-2.txt', s.shareTexts[2] + '\n');
  const both = save('shares-1-2.txt', `# two custodians\n${s.shareTexts[1]}\n\n${s.shareTexts[2]}\n`);
  secrets.push(...s.shareTexts);

  const r = await recovers([file, share0, share2], '', mnemonic);
  assert.doesNotMatch(r.stderr, /passphrase:/, 'no passphrase is asked: the shares are the key');
  await recovers([file, both], '', mnemonic);
  const typed = await recovers([file, share0, '--enter-shares'], `${s.shareTexts[1]}\n\n`, mnemonic);
  assert.match(typed.stderr, /Share 1 \(empty line to end\): \nShare 2 \(empty line to end\): \n/);

  await failsWith('INSUFFICIENT_SHARES', [file, share0]);
  await failsWith('MIXED_SHARE_SETS', [file, share0, save('other-1.bin', other.shares[1])]);
  await failsWith('WRONG_PASSPHRASE', [file, save('other-0.bin', other.shares[0]), save('other-2.bin', other.shares[2])]);
  const t = s.shareTexts[2] as string;
  const typo = t.slice(0, 10) + (t[10] === '0' ? '1' : '0') + t.slice(11);
  const bad = await failsWith('INVALID_SHARE', [file, share0, save('typo.txt', typo + '\n')]);
  assert.match(bad.stderr, /typo\.txt line 1: /, 'the file and line at fault are named');
  assert.equal((await cli(['recover', share0, share2])).status, 2, 'shares without their backup file: usage error');
});

test('SLIP-0039 shares of the seed give the seed and the same Ethereum key, with or without a SLIP-0039 passphrase', async () => {
  await setup();
  const [group] = await ok(page, 'exportSlip39', hdId, proof, { groups: [{ threshold: 2, count: 3 }] });
  secrets.push(...group);
  const a = save('slip-a.txt', group[0] + '\n');
  const c = save('slip-c.txt', group[2] + '\n');
  const r = await recovers([a, c], '\n', seedHex());
  assert.match(r.stderr, /SLIP-0039 passphrase \(empty if none\): /);
  assert.ok(r.stderr.includes(`its Ethereum address at m/44'/60'/0'/0/0: ${address}`));

  const ks = await cli(['recover', a, c, '--keystore-v3', 'slip.json'], `\n${NEWPW}\n${NEWPW}\n`);
  assert.equal(ks.status, 0, ks.stderr);
  assertNoSecretIn(ks.stderr);
  assert.equal((await Wallet.fromEncryptedJson(readFileSync(join(dir, 'slip.json'), 'utf8'), NEWPW)).address, address);

  const [withPass] = await ok(page, 'exportSlip39', hdId, proof, { groups: [{ threshold: 2, count: 3 }], passphrase: 'TREZOR' });
  secrets.push(...withPass);
  const both = save('slip-pass.txt', `${withPass[1]}\n${withPass[0]}\n`);
  await recovers([both], 'TREZOR\n', seedHex());
  const wrong = await cli(['recover', both], 'not it\n');
  assert.equal(wrong.status, 0, 'SLIP-0039 cannot tell a wrong passphrase: another wallet comes out');
  assert.notEqual(wrong.stdout, seedHex() + '\n');
  assert.match(wrong.stderr, /a wrong one gives another wallet/);

  const one = await failsWith('INSUFFICIENT_SHARES', [a]);
  assert.doesNotMatch(one.stderr, /passphrase/, 'the shares are checked before the passphrase is asked');
  assert.equal(
    (await cli(['recover', a, c, save('with-file.vkbk', (await ok(page, 'backupToShares', { threshold: 2, shares: 2, proof })).file)]))
      .status,
    2,
  );
});

test('a backup of two keys: --list shows them without secrets, --key picks one (a private key comes out in hex or as keystore v3)', async () => {
  await setup();
  const file = save('two.vkbk', await ok(page, 'backup', { passphrase: BPASS, kdf: FAST_KDF, proof }));
  const list = await cli(['recover', file, '--list'], BPASS + '\n');
  assert.equal(list.status, 0, list.stderr);
  assert.deepEqual(
    list.stdout.trim().split('\n').sort(),
    [`${hdId}\tseed\tmnemonic\t"main wallet"`, `${pkId}\tprivateKey secp256k1\tno mnemonic\t"hot"`].sort(),
  );
  assertNoSecretIn(list.stderr);

  const choose = await cli(['recover', file], BPASS + '\n');
  assert.equal(choose.status, 2, 'several keys and no --key: usage error');
  assert.match(choose.stderr, /holds 2 keys: choose one with --key ID/);
  assert.equal(choose.stdout, '');

  await recovers([file, '--key', hdId], BPASS + '\n', mnemonic);
  const pk = await cli(['recover', file, '--key', pkId], BPASS + '\n');
  assert.equal(pk.status, 0, pk.stderr);
  assert.equal(pk.stdout, PRIVATE_KEY + '\n');
  assertNoSecretIn(pk.stderr);
  assert.match(pk.stderr, /secp256k1 private key \(hex\) of key/);
  await failsWith('NOT_FOUND', [file, '--key', 'k_ffffffffffffffffffffffff'], BPASS + '\n');

  const ks = await cli(['recover', file, '--key', pkId, '--keystore-v3', 'hot.json'], `${BPASS}\n${NEWPW}\n${NEWPW}\n`);
  assert.equal(ks.status, 0, ks.stderr);
  const wallet = await Wallet.fromEncryptedJson(readFileSync(join(dir, 'hot.json'), 'utf8'), NEWPW);
  assert.equal(wallet.privateKey, '0x' + PRIVATE_KEY);
  assert.equal(wallet.address, (await ok(page, 'getAddress', pkId, 'ethereum')).address);
});
