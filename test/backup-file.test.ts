// Encrypted backup files (docs/backup.md): round trips, coded
// errors, a byte-level fuzz of a real file, hostile headers, progress, and
// an independent decryption (hash-wasm Argon2id + node:crypto AES-GCM) that
// follows the byte offsets documented in docs/backup.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { argon2id as hashWasmArgon2id } from 'hash-wasm';
import { VaultkeyError } from '../src/errors.ts';
import {
  decryptBackup,
  encryptBackup,
  inspectBackup,
  verifyBackup,
  wipePayload,
  type BackupKey,
  type BackupPayload,
} from '../src/backup/index.ts';
import { decodePayload, encodePayload } from '../src/backup/format.ts';
import { errorCode } from './helpers/errors.ts';
import { rejectCode } from './helpers/errors.ts';

const PASS = 'correct horse battery staple';
const TINY = { t: 1, m: 8, p: 1 }; // Argon2id's minimum (m >= 8p): keeps thousands of cases fast
const SMALL = { t: 1, m: 64, p: 1 };
/** Every code docs/backup.md §Errors lists for reading a file. */
const READ_CODES = new Set(['CORRUPTED', 'UNSUPPORTED_VERSION', 'WRONG_PASSPHRASE', 'INVALID_BACKUP']);

const rnd = (n: number) => new Uint8Array(crypto.randomBytes(n));
const utf8 = (s: string) => new TextEncoder().encode(s);

/** Recomputes the trailing SHA-256 so an edit reaches the checks behind the checksum. */
function rechecksum(file: Uint8Array): Uint8Array {
  const out = new Uint8Array(file);
  out.set(
    crypto
      .createHash('sha256')
      .update(out.subarray(0, out.length - 32))
      .digest(),
    out.length - 32,
  );
  return out;
}

function sampleKeys(): BackupKey[] {
  return [
    {
      id: 'seed-1',
      kind: 'seed',
      label: 'Main wallet',
      createdAt: 1_700_000_000_000,
      curve: 'secp256k1',
      publicKey: Uint8Array.of(2, ...rnd(32)),
      secret: rnd(64),
      mnemonic: utf8('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'),
      paths: ["m/44'/60'/0'/0/0", "m/44'/60'/0'/0/1", 'm/84h/0h/0h/0/5'],
    },
    { id: 'seed-2', kind: 'seed', label: 'Solana (SLIP-0010)', createdAt: 1_700_000_000_001, curve: 'ed25519', secret: rnd(32) },
    { id: 'seed:16', kind: 'seed', label: '', createdAt: 0, secret: rnd(16), mnemonic: utf8('きょうりゅう あいこくしん') },
    {
      id: 'pk.1',
      kind: 'privateKey',
      label: 'Imported 🔑',
      createdAt: 5,
      curve: 'secp256k1',
      publicKey: Uint8Array.of(4, ...rnd(64)),
      secret: rnd(32),
    },
    { id: 'pk_2', kind: 'privateKey', label: 'x'.repeat(100), createdAt: 6, curve: 'ed25519', publicKey: rnd(32), secret: rnd(32) },
    { id: 'pk-3', kind: 'privateKey', label: 'no curve', createdAt: 7, secret: rnd(32) },
  ];
}

function samplePayload(): BackupPayload {
  return {
    version: 1,
    createdAt: 1_720_000_000_000,
    vaultId: 'vault-A1',
    keys: sampleKeys(),
    lifecycle: [
      { keyId: 'seed-1', state: 'Active', history: [{ from: 'Created', to: 'Active', at: 1 }] },
      { keyId: 'pk.1', state: 'Suspended', reason: null },
    ],
    policies: [{ name: 'default', maxActiveAgeDays: 90, warningDays: 7.5, autoRotate: true }],
    accounts: [{ keyId: 'seed-1', nextReceive: 3, nextChange: 0 }],
  };
}

/** A deep copy (Uint8Arrays copied) to compare against after the original is wiped. */
const clone = (p: BackupPayload): BackupPayload => structuredClone(p);

test('round trip: every kind of key, with and without mnemonic, lifecycle/policy/account JSON', async () => {
  const p = samplePayload();
  const before = clone(p);
  const file = await encryptBackup(p, PASS, { kdf: SMALL });
  assert.deepEqual(p, before, 'encryptBackup must not modify the payload');
  const out = await decryptBackup(file, PASS);
  assert.deepEqual(out, before);
  // Fresh arrays: wiping the result touches neither the input nor the file.
  const fileCopy = new Uint8Array(file);
  wipePayload(out);
  for (const k of out.keys) {
    assert.ok(k.secret.every((b) => b === 0));
    if (k.mnemonic) assert.ok(k.mnemonic.every((b) => b === 0));
  }
  assert.deepEqual(p, before);
  assert.deepEqual(file, fileCopy);
});

test('round trip: minimal payloads (no keys; no optional fields) come back without extra fields', async () => {
  for (const p of [
    { version: 1, createdAt: 0, keys: [] },
    { version: 1, createdAt: 42, keys: [{ id: 'a', kind: 'privateKey' as const, label: 'l', createdAt: 1, secret: rnd(32) }] },
  ]) {
    const out = await decryptBackup(await encryptBackup(p, PASS, { kdf: TINY }), PASS);
    assert.deepEqual(out, p);
    assert.deepEqual(Object.keys(out).sort(), Object.keys(p).sort());
  }
});

test('a Node Buffer file and passphrases that differ only by NFKC open the same backup', async () => {
  const p = samplePayload();
  const file = await encryptBackup(p, 'ｐａｓｓｗｏｒｄ１２', { kdf: TINY }); // full-width forms
  const out = await decryptBackup(Buffer.from(file), 'password12');
  assert.deepEqual(out, p);
});

test('wrong passphrase → WRONG_PASSPHRASE; short passphrase on encrypt → WEAK_PASSPHRASE', async () => {
  const file = await encryptBackup(samplePayload(), PASS, { kdf: TINY });
  assert.equal(await rejectCode(decryptBackup(file, PASS + '!')), 'WRONG_PASSPHRASE');
  assert.equal(await rejectCode(decryptBackup(file, 'short')), 'WRONG_PASSPHRASE');
  assert.equal(await rejectCode(decryptBackup(file, '')), 'WRONG_PASSPHRASE');
  assert.equal(await rejectCode(verifyBackup(file, 'Correct horse battery staple')), 'WRONG_PASSPHRASE');
  assert.equal(await rejectCode(encryptBackup(samplePayload(), '1234567', { kdf: TINY })), 'WEAK_PASSPHRASE');
  // Eight code points, though more UTF-16 units / bytes: accepted.
  await encryptBackup(samplePayload(), '🔑🔑🔑🔑🔑🔑🔑🔑', { kdf: TINY });
  // Seven code points written as 14 UTF-16 units: refused.
  assert.equal(await rejectCode(encryptBackup(samplePayload(), '🔑🔑🔑🔑🔑🔑🔑', { kdf: TINY })), 'WEAK_PASSPHRASE');
  assert.equal(await rejectCode(decryptBackup(file, 123 as unknown as string)), 'INVALID_ARGUMENT');
});

test('verifyBackup reports what a backup holds and hands out no secret', async () => {
  const p = samplePayload();
  const file = await encryptBackup(p, PASS, { kdf: TINY });
  const s = await verifyBackup(file, PASS);
  assert.equal(s.keys.length, 6);
  assert.equal(s.vaultId, 'vault-A1');
  assert.equal(s.lifecycleRecords, 2);
  assert.equal(s.policies, 1);
  assert.equal(s.accounts, 1);
  assert.deepEqual(
    s.keys.map((k) => k.hasMnemonic),
    [true, false, true, false, false, false],
  );
  for (const k of s.keys) {
    assert.equal('secret' in k, false);
    assert.equal('mnemonic' in k, false);
  }
  assert.deepEqual(s.header, inspectBackup(file));
});

test('inspectBackup: header fields without passphrase or KDF; defaults are t=3, 64 MiB, p=1', async () => {
  const file = await encryptBackup(samplePayload(), PASS); // production defaults (one ~0.5 s KDF)
  const h = inspectBackup(file);
  assert.deepEqual(h.kdf, { alg: 'argon2id', t: 3, m: 65536, p: 1 });
  assert.equal(h.version, 1);
  assert.equal(h.salt.length, 16);
  assert.equal(h.nonce.length, 12);
  assert.equal(h.fileLength, file.length);
  assert.equal(h.ciphertextLength, h.plaintextLength + 16);
  assert.equal(file.length, 35 + 16 + h.ciphertextLength + 32);
  assert.equal(
    errorCode(() => inspectBackup('VKBK' as unknown as Uint8Array)),
    'INVALID_ARGUMENT',
  );
});

test('the file is what docs/backup.md says: hash-wasm Argon2id + node:crypto AES-256-GCM decrypt it by hand', async () => {
  const p = samplePayload();
  const file = await encryptBackup(p, PASS, { kdf: { t: 2, m: 256, p: 2 } });
  const b = Buffer.from(file);
  // docs/backup.md §File layout, big-endian.
  assert.equal(b.subarray(0, 4).toString('latin1'), 'VKBK');
  assert.equal(b[4], 1); // version
  assert.equal(b[5], 1); // KDF id: Argon2id
  const t = b.readUInt32BE(6);
  const m = b.readUInt32BE(10);
  const par = b.readUInt32BE(14);
  assert.deepEqual([t, m, par], [2, 256, 2]);
  const S = b[18]!;
  const salt = b.subarray(19, 19 + S);
  const nonce = b.subarray(19 + S, 31 + S);
  const L = b.readUInt32BE(31 + S);
  const ct = b.subarray(35 + S, 35 + S + L - 16);
  const tag = b.subarray(35 + S + L - 16, 35 + S + L);
  const checksum = b.subarray(35 + S + L);
  assert.equal(checksum.length, 32);
  assert.deepEqual(
    checksum,
    crypto
      .createHash('sha256')
      .update(b.subarray(0, 35 + S + L))
      .digest(),
  );
  const key = await hashWasmArgon2id({
    password: PASS.normalize('NFKC'),
    salt,
    iterations: t,
    memorySize: m,
    parallelism: par,
    hashLength: 32,
    outputType: 'binary',
  });
  const d = crypto.createDecipheriv('aes-256-gcm', key, nonce);
  d.setAAD(b.subarray(0, 35 + S)); // the whole header
  d.setAuthTag(tag);
  const plain = Buffer.concat([d.update(ct), d.final()]);
  // §Payload: version byte, metadata JSON, blob table.
  assert.equal(plain[0], 1);
  const J = plain.readUInt32BE(1);
  const meta = JSON.parse(plain.subarray(5, 5 + J).toString('utf8'));
  assert.equal(meta.keys.length, 6);
  assert.equal(meta.keys[0].secret, 0);
  assert.equal(meta.keys[0].mnemonic, 1);
  assert.equal(meta.keys[1].secret, 2);
  assert.equal(meta.keys[0].publicKey, Buffer.from(p.keys[0]!.publicKey!).toString('hex'));
  assert.doesNotMatch(plain.subarray(5, 5 + J).toString('utf8'), /abandon/, 'no secret in the JSON section');
  let o = 5 + J;
  const count = plain.readUInt32BE(o);
  o += 4;
  const blobs: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const len = plain.readUInt32BE(o);
    blobs.push(plain.subarray(o + 4, o + 4 + len));
    o += 4 + len;
  }
  assert.equal(o, plain.length);
  assert.deepEqual(new Uint8Array(blobs[0]!), p.keys[0]!.secret);
  assert.equal(blobs[1]!.toString('utf8'), new TextDecoder().decode(p.keys[0]!.mnemonic));
  // And an edited header is refused by GCM even with node's own AES (AAD binds it).
  const d2 = crypto.createDecipheriv('aes-256-gcm', key, nonce);
  const aad = Buffer.from(b.subarray(0, 35 + S));
  aad[9]! ^= 1; // t's low byte
  d2.setAAD(aad);
  d2.setAuthTag(tag);
  d2.update(ct);
  assert.throws(() => d2.final());
});

test('fuzz: every single-byte change, every truncation and an appended byte are refused with a documented code', async () => {
  const p: BackupPayload = {
    version: 1,
    createdAt: 1,
    keys: [{ id: 'k', kind: 'seed', label: 'l', createdAt: 1, secret: rnd(32), mnemonic: utf8('zoo zoo') }],
  };
  const file = await encryptBackup(p, PASS, { kdf: TINY });
  const n = file.length;
  const seen = new Map<string, number>();
  const expectRefused = async (f: Uint8Array, what: string) => {
    let code: string;
    try {
      await decryptBackup(f, PASS);
      assert.fail(`${what}: accepted`);
    } catch (e) {
      assert.ok(e instanceof VaultkeyError, `${what}: threw ${e}`);
      code = e.code;
    }
    assert.ok(READ_CODES.has(code), `${what}: undocumented code ${code}`);
    seen.set(code, (seen.get(code) ?? 0) + 1);
    // inspectBackup agrees without the passphrase (every one of these is structural).
    const c2 = errorCode(() => inspectBackup(f));
    assert.equal(c2, code, `${what}: inspectBackup says ${c2}`);
  };
  for (let i = 0; i < n; i++) {
    for (const x of [0x01, 0xff]) {
      const f = new Uint8Array(file);
      f[i]! ^= x;
      await expectRefused(f, `byte ${i} ^ ${x}`);
    }
  }
  for (let len = 0; len < n; len++) await expectRefused(file.slice(0, len), `truncated to ${len}`);
  for (const extra of [0x00, 0xff]) {
    const f = new Uint8Array(n + 1);
    f.set(file);
    f[n] = extra;
    await expectRefused(f, `appended ${extra}`);
  }
  // The version byte reads as an unknown version; everything else as damage.
  assert.deepEqual([...seen.keys()].sort(), ['CORRUPTED', 'UNSUPPORTED_VERSION']);
  assert.equal(seen.get('UNSUPPORTED_VERSION'), 2);
  assert.equal((await decryptBackup(file, PASS)).keys[0]!.id, 'k', 'the unmodified file still opens');
});

test('fuzz behind the checksum: edits with a recomputed checksum are caught by AES-GCM (the header is AAD)', async () => {
  const p: BackupPayload = { version: 1, createdAt: 1, keys: [{ id: 'k', kind: 'privateKey', label: 'l', createdAt: 1, secret: rnd(32) }] };
  const file = await encryptBackup(p, PASS, { kdf: { t: 1, m: 16, p: 1 } });
  const n = file.length;
  const S = file[18]!;
  const headerEnd = 35 + S;
  const allowed = new Set(['CORRUPTED', 'UNSUPPORTED_VERSION', 'WRONG_PASSPHRASE']);
  const counts = new Map<string, number>();
  for (let i = 0; i < n - 32; i++) {
    for (const x of [0x01, 0xff]) {
      const f = new Uint8Array(file);
      f[i]! ^= x;
      const code = await rejectCode(decryptBackup(rechecksum(f), PASS));
      assert.ok(allowed.has(code), `byte ${i} ^ ${x}: ${code}`);
      counts.set(code, (counts.get(code) ?? 0) + 1);
      // Salt, nonce and ciphertext/tag edits leave a well-formed file: only GCM can see them.
      if (i >= 19 && i < 31 + S) assert.equal(code, 'WRONG_PASSPHRASE', `salt/nonce byte ${i}`);
      if (i >= headerEnd) assert.equal(code, 'WRONG_PASSPHRASE', `ciphertext byte ${i}`);
    }
  }
  // KDF parameters that stay in bounds change the key; GCM refuses (e.g. m 16 → 17, p 1 → 0 is out of bounds).
  const m17 = new Uint8Array(file);
  m17[13] = 17;
  assert.equal(await rejectCode(decryptBackup(rechecksum(m17), PASS)), 'WRONG_PASSPHRASE');
  assert.ok((counts.get('WRONG_PASSPHRASE') ?? 0) > 0 && (counts.get('CORRUPTED') ?? 0) > 0);
});

test('hostile headers (t=1000, m=16 GiB, p=17, m < 8p, t=0, unknown KDF) are refused before any KDF runs', async () => {
  const file = await encryptBackup(samplePayload(), PASS, { kdf: TINY });
  const edit = (f: (b: Buffer) => void) => {
    const b = Buffer.from(file);
    f(b);
    return rechecksum(new Uint8Array(b));
  };
  const hostile = [
    edit((b) => {
      b.writeUInt32BE(1000, 6);
      b.writeUInt32BE(65536, 10);
    }), // minutes of work if run
    edit((b) => b.writeUInt32BE(16 * 1024 * 1024, 10)), // 16 GiB
    edit((b) => b.writeUInt32BE(0xffffffff, 10)),
    edit((b) => b.writeUInt32BE(1024 * 1024 + 1, 10)), // 1 GiB + 1 KiB
    edit((b) => b.writeUInt32BE(17, 14)),
    edit((b) => {
      b.writeUInt32BE(4, 14);
      b.writeUInt32BE(31, 10);
    }), // m < 8p
    edit((b) => b.writeUInt32BE(0, 6)),
    edit((b) => b.writeUInt32BE(11, 6)),
    edit((b) => {
      b[5] = 2;
    }),
    edit((b) => {
      b[18] = 15;
    }), // salt length
    edit((b) => {
      b[18] = 33;
    }),
    edit((b) => b.writeUInt32BE(0xffffffff, 31 + 16)), // ciphertext length
    edit((b) => b.writeUInt32BE(b.readUInt32BE(31 + 16) - 1, 31 + 16)),
  ];
  for (const [i, f] of hostile.entries()) {
    const t0 = performance.now();
    assert.equal(await rejectCode(decryptBackup(f, PASS)), 'CORRUPTED', `case ${i}`);
    assert.equal(
      errorCode(() => inspectBackup(f)),
      'CORRUPTED',
      `case ${i}`,
    );
    assert.ok(performance.now() - t0 < 100, `case ${i} took ${performance.now() - t0} ms`);
  }
  // A future version is reported as such, before the checksum or anything else.
  assert.equal(
    errorCode(() =>
      inspectBackup(
        edit((b) => {
          b[4] = 2;
        }),
      ),
    ),
    'UNSUPPORTED_VERSION',
  );
  assert.equal(
    await rejectCode(
      decryptBackup(
        edit((b) => {
          b[4] = 2;
        }),
        PASS,
      ),
    ),
    'UNSUPPORTED_VERSION',
  );
});

test('onProgress: starts at 0, ends at 1, never goes back (encrypt and decrypt)', async () => {
  for (const op of ['encrypt', 'decrypt'] as const) {
    const seen: number[] = [];
    const onProgress = (f: number) => seen.push(f);
    const file = await encryptBackup(samplePayload(), PASS, { kdf: SMALL, onProgress: op === 'encrypt' ? onProgress : undefined });
    if (op === 'decrypt') await decryptBackup(file, PASS, { onProgress });
    assert.ok(seen.length >= 2, op);
    assert.equal(seen[0], 0, op);
    assert.equal(seen.at(-1), 1, op);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]! && seen[i]! <= 1, `${op}: ${seen}`);
  }
  assert.equal(
    await rejectCode(encryptBackup(samplePayload(), PASS, { kdf: TINY, onProgress: 1 as unknown as () => void })),
    'INVALID_ARGUMENT',
  );
});

test('encryptBackup refuses KDF parameters out of bounds (INVALID_ARGUMENT), before any work', async () => {
  for (const kdf of [
    { t: 0, m: 64, p: 1 },
    { t: 11, m: 64, p: 1 },
    { t: 1, m: 7, p: 1 },
    { t: 1, m: 1024 * 1024 + 1, p: 1 },
    { t: 1, m: 64, p: 0 },
    { t: 1, m: 64, p: 17 },
    { t: 1, m: 64, p: 9 },
    { t: 1.5, m: 64, p: 1 },
    null,
  ]) {
    assert.equal(await rejectCode(encryptBackup(samplePayload(), PASS, { kdf: kdf as never })), 'INVALID_ARGUMENT', JSON.stringify(kdf));
  }
});

test('encryptBackup validates the payload strictly (INVALID_ARGUMENT naming the field)', async () => {
  const key = (o: Partial<BackupKey> & Record<string, unknown>) => ({
    id: 'k',
    kind: 'seed',
    label: 'l',
    createdAt: 1,
    secret: rnd(32),
    ...o,
  });
  const withKey = (o: Partial<BackupKey> & Record<string, unknown>) => ({ version: 1, createdAt: 1, keys: [key(o)] });
  const cases: [string, unknown][] = [
    ['not an object', null],
    ['version 2', { version: 2, createdAt: 1, keys: [] }],
    ['no keys', { version: 1, createdAt: 1 }],
    ['createdAt float', { version: 1, createdAt: 1.5, keys: [] }],
    ['bad vaultId', { version: 1, createdAt: 1, vaultId: 'a b', keys: [] }],
    ['unknown payload field', { version: 1, createdAt: 1, keys: [], extra: 1 }],
    ['id with space', withKey({ id: 'a b' })],
    ['id too long', withKey({ id: 'a'.repeat(129) })],
    ['empty id', withKey({ id: '' })],
    ['kind', withKey({ kind: 'xprv' as never })],
    ['label 101 chars', withKey({ label: 'x'.repeat(101) })],
    ['seed 15 bytes', withKey({ secret: rnd(15) })],
    ['seed 65 bytes', withKey({ secret: rnd(65) })],
    ['privateKey 31 bytes', withKey({ kind: 'privateKey', secret: rnd(31) })],
    ['privateKey 33 bytes', withKey({ kind: 'privateKey', secret: rnd(33) })],
    ['secret as array', withKey({ secret: [1, 2, 3] as never })],
    ['mnemonic on a private key', withKey({ kind: 'privateKey', mnemonic: utf8('a b c') })],
    ['empty mnemonic', withKey({ mnemonic: new Uint8Array(0) })],
    ['mnemonic as string', withKey({ mnemonic: 'abandon' as never })],
    ['curve', withKey({ curve: 'p256' as never })],
    ['ed25519 public key of 33 bytes', withKey({ curve: 'ed25519', publicKey: Uint8Array.of(2, ...rnd(32)) })],
    ['secp256k1 public key with bad prefix', withKey({ curve: 'secp256k1', publicKey: Uint8Array.of(5, ...rnd(32)) })],
    ['bad path', withKey({ paths: ["m/44'/x"] })],
    ['path index 2^31', withKey({ paths: ['m/2147483648'] })],
    ['unknown key field', withKey({ handle: 3 })],
    ['duplicate ids', { version: 1, createdAt: 1, keys: [key({}), key({})] }],
    ['lifecycle not an array', { version: 1, createdAt: 1, keys: [], lifecycle: {} }],
    ['lifecycle with NaN', { version: 1, createdAt: 1, keys: [], lifecycle: [NaN] }],
    ['lifecycle with a Date', { version: 1, createdAt: 1, keys: [], lifecycle: [new Date()] }],
    ['lifecycle with a function', { version: 1, createdAt: 1, keys: [], policies: [{ f: () => 1 }] }],
    ['accounts with undefined', { version: 1, createdAt: 1, keys: [], accounts: [undefined] }],
    // biome-ignore lint/suspicious/noSparseArray: a sparse array is the malformed input under test.
    ['sparse array', { version: 1, createdAt: 1, keys: [], accounts: [1, , 3] }],
    ['accounts nested too deep', { version: 1, createdAt: 1, keys: [], accounts: [JSON.parse('['.repeat(80) + ']'.repeat(80))] }],
    [
      '10,001 keys',
      { version: 1, createdAt: 1, keys: Array.from({ length: 10_001 }, (_, i) => key({ id: `k${i}`, secret: new Uint8Array(16) })) },
    ],
  ];
  for (const [what, p] of cases) {
    assert.equal(await rejectCode(encryptBackup(p as BackupPayload, PASS, { kdf: TINY })), 'INVALID_ARGUMENT', what);
  }
  // Messages name fields, never secret bytes.
  try {
    await encryptBackup(withKey({ kind: 'privateKey', secret: Uint8Array.from({ length: 31 }, () => 0xab) }) as BackupPayload, PASS, {
      kdf: TINY,
    });
  } catch (e) {
    assert.doesNotMatch((e as Error).message, /ab|171/);
  }
  // 10,000 keys is the limit, and it encodes.
  const big = {
    version: 1,
    createdAt: 1,
    keys: Array.from({ length: 10_000 }, (_, i) => key({ id: `k${i}`, secret: new Uint8Array(16) })),
  };
  const bytes = encodePayload(big as BackupPayload);
  assert.equal(decodePayload(bytes).keys.length, 10_000);
});

test('payload decoder: every mutation, truncation and extension gives INVALID_BACKUP or a valid payload, nothing else', () => {
  const p = samplePayload();
  const bytes = encodePayload(p);
  assert.deepEqual(decodePayload(bytes), p);
  let accepted = 0;
  for (let i = 0; i < bytes.length; i++) {
    for (const x of [0x01, 0x80, 0xff]) {
      const f = new Uint8Array(bytes);
      f[i]! ^= x;
      try {
        const out = decodePayload(f);
        accepted++; // e.g. a label letter changed: still a valid payload (GCM is what prevents this in a file)
        assert.equal(out.version, 1);
      } catch (e) {
        assert.ok(e instanceof VaultkeyError && e.code === 'INVALID_BACKUP', `byte ${i} ^ ${x}: ${e}`);
      }
    }
  }
  for (let len = 0; len < bytes.length; len++)
    assert.equal(
      errorCode(() => decodePayload(bytes.subarray(0, len))),
      'INVALID_BACKUP',
      `len ${len}`,
    );
  assert.equal(
    errorCode(() => decodePayload(Uint8Array.of(...bytes, 0))),
    'INVALID_BACKUP',
  );
  assert.ok(accepted < bytes.length, 'most mutations are refused');
});

test('payload decoder: hand-made hostile payloads are INVALID_BACKUP', () => {
  const enc = (meta: unknown, blobs: Uint8Array[] = [], version = 1) => {
    const json = Buffer.from(JSON.stringify(meta));
    const parts = [Buffer.from([version]), Buffer.alloc(4), json, Buffer.alloc(4)];
    parts[1]!.writeUInt32BE(json.length);
    parts[3]!.writeUInt32BE(blobs.length);
    for (const b of blobs) {
      const l = Buffer.alloc(4);
      l.writeUInt32BE(b.length);
      parts.push(l, Buffer.from(b));
    }
    return new Uint8Array(Buffer.concat(parts));
  };
  const k = { id: 'a', kind: 'seed', label: '', createdAt: 1, secret: 0 };
  assert.equal(decodePayload(enc({ createdAt: 1, keys: [k] }, [rnd(16)])).keys.length, 1);
  const cases: [string, Uint8Array][] = [
    ['payload version 2', enc({ createdAt: 1, keys: [] }, [], 2)],
    ['JSON array', enc([], [])],
    ['version inside JSON', enc({ version: 1, createdAt: 1, keys: [] })],
    ['blob referenced twice', enc({ createdAt: 1, keys: [k, { ...k, id: 'b' }] }, [rnd(16)])],
    ['blob out of order', enc({ createdAt: 1, keys: [{ ...k, secret: 1 }] }, [rnd(16), rnd(16)])],
    ['unreferenced blob', enc({ createdAt: 1, keys: [k] }, [rnd(16), rnd(16)])],
    ['secret as a string index', enc({ createdAt: 1, keys: [{ ...k, secret: '0' }] }, [rnd(16)])],
    ['secret inline (base64)', enc({ createdAt: 1, keys: [{ ...k, secret: 'AAAAAAAAAAAAAAAAAAAAAA==' }] }, [])],
    ['public key upper-case hex', enc({ createdAt: 1, keys: [{ ...k, publicKey: 'AB'.repeat(32) }] }, [rnd(16)])],
    ['seed 8 bytes', enc({ createdAt: 1, keys: [k] }, [rnd(8)])],
    ['__proto__ field', enc(JSON.parse('{"createdAt":1,"keys":[],"__proto__":{"x":1}}'))],
    [
      'deep JSON',
      new Uint8Array(
        Buffer.concat([Buffer.from([1, 0, 0, 0x4e, 0x20]), Buffer.from('['.repeat(10000) + ']'.repeat(10000)), Buffer.alloc(4)]),
      ),
    ],
    ['not UTF-8', new Uint8Array([1, 0, 0, 0, 2, 0xc3, 0x28, 0, 0, 0, 0])],
    ['blob count 2^32-1', new Uint8Array([...enc({ createdAt: 1, keys: [] }).subarray(0, -4), 0xff, 0xff, 0xff, 0xff])],
  ];
  for (const [what, bytes] of cases)
    assert.equal(
      errorCode(() => decodePayload(bytes)),
      'INVALID_BACKUP',
      what,
    );
});

test('decryptBackup and inspectBackup reject non-files with INVALID_ARGUMENT or CORRUPTED, never a TypeError', async () => {
  for (const f of [undefined, null, 'VKBK', [86, 75, 66, 75], new ArrayBuffer(100)]) {
    assert.equal(await rejectCode(decryptBackup(f as never, PASS)), 'INVALID_ARGUMENT');
  }
  for (const f of [new Uint8Array(0), utf8('VKBK'), utf8('PK\x03\x04 a zip file'), rnd(500)]) {
    assert.equal(await rejectCode(decryptBackup(f, PASS)), 'CORRUPTED');
  }
});
