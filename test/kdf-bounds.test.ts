// Bounded work for every long KDF of src/backup/ (docs/backup.md §Bounds,
// caps, abort and progress): the reported attacks (a SLIP-0039 share with
// e = 15 or 10,022 words, a backup header asking Argon2id for t = 10 and
// 1 GiB, a keystore asking scrypt for 1 GiB, PBKDF2 run twice for a non-NFKC
// password, getters and Proxies in keystore input, misspelt keystore fields)
// and the caps, abort and progress that answer them. No timings: the work
// counter (kdfWork) shows a refusal came before any KDF work, and aborts are
// asserted by code and by how much work ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { decryptKeystoreJson } from 'ethers';
import {
  BACKUP_DEFAULT_KDF,
  KDF_LIMITS,
  combineMnemonics,
  combineMnemonicsAsync,
  decodeSlip39Share,
  decryptBackup,
  decryptKeystoreV3,
  encodeSlip39Share,
  encryptBackup,
  encryptKeystoreV3,
  inspectBackup,
  splitMasterSecret,
  splitMasterSecretAsync,
  type BackupPayload,
} from '../src/backup/index.ts';
import { kdfWork, untilAborted } from '../src/backup/kdf-limits.ts';
import { argon2id } from '../src/core/argon2.ts';
import { errorCode, rejectCode } from './helpers/errors.ts';

const PASS = 'correct horse battery staple';
const TINY = { t: 1, m: 8, p: 1 };
const KEY = new Uint8Array(Buffer.from('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318', 'hex'));
const FAST = { scrypt: { n: 1024, r: 8, p: 1 } };

/** The rejection itself, to read its code and message. */
async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; message: string };
  }
  assert.fail('resolved instead of rejecting');
}
function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    return e as { code: string; message: string };
  }
  assert.fail('did not throw');
}

/** A snapshot of the work counter, and the work done since. */
function work() {
  const before = { ...kdfWork };
  return () => ({
    argon2id: kdfWork.argon2id - before.argon2id,
    scrypt: kdfWork.scrypt - before.scrypt,
    pbkdf2: kdfWork.pbkdf2 - before.pbkdf2,
    slip39Iterations: kdfWork.slip39Iterations - before.slip39Iterations,
  });
}
const NONE = { argon2id: 0, scrypt: 0, pbkdf2: 0, slip39Iterations: 0 };

/** A well-formed 1-of-1 SLIP-0039 share (checksum and all) of any exponent and value, without running PBKDF2. */
function share(e: number, value: Uint8Array, id = 4321): string {
  return encodeSlip39Share({
    id,
    extendable: true,
    iterationExponent: e,
    groupIndex: 0,
    groupThreshold: 1,
    groupCount: 1,
    memberIndex: 0,
    memberThreshold: 1,
    value,
  });
}

// ---------------------------------------------------------------------------
// SLIP-0039
// ---------------------------------------------------------------------------

test('SLIP-0039: e = 6, one above the default cap, is refused with KDF_LIMIT before any PBKDF2, sync and async', async () => {
  const s = share(6, new Uint8Array(16).fill(7));
  const done = work();
  const e = thrown(() => combineMnemonics([s]));
  assert.equal(e.code, 'KDF_LIMIT');
  assert.match(e.message, /maxIterationExponent \(5\)/);
  assert.equal(await rejectCode(combineMnemonicsAsync([s])), 'KDF_LIMIT');
  assert.deepEqual(done(), NONE);
});

test('SLIP-0039 attack: a 1-of-1 share with e = 15 (3.3·10^8 PBKDF2 iterations) is refused before any PBKDF2', async () => {
  const s = share(15, crypto.getRandomValues(new Uint8Array(32)));
  assert.equal(decodeSlip39Share(s).iterationExponent, 15);
  const done = work();
  assert.equal(await rejectCode(combineMnemonicsAsync([s])), 'KDF_LIMIT');
  assert.equal(
    errorCode(() => combineMnemonics([s], 'TREZOR')),
    'KDF_LIMIT',
  );
  assert.equal(
    errorCode(() => combineMnemonics([s], { passphrase: 'TREZOR', limits: { maxIterationExponent: 14 } })),
    'KDF_LIMIT',
  );
  assert.deepEqual(done(), NONE);
});

test('SLIP-0039 attack: a 10,022-word share (a 12,518-byte "secret") is refused as INVALID_SHARE before any PBKDF2', async () => {
  const long = share(0, new Uint8Array(12518).fill(1));
  assert.equal(long.split(' ').length, 10022);
  const done = work();
  assert.equal(
    errorCode(() => combineMnemonics([long])),
    'INVALID_SHARE',
  );
  assert.equal(await rejectCode(combineMnemonicsAsync([long])), 'INVALID_SHARE');
  assert.equal(
    errorCode(() => decodeSlip39Share(long)),
    'INVALID_SHARE',
  );
  assert.deepEqual(done(), NONE);
});

test('SLIP-0039 share lengths: 20..59 words (16..64-byte secrets, even), checked before word lookup', () => {
  // 64 bytes (a BIP-39 seed, 59 words) is the longest; 66 bytes (60 words) and 14 bytes (19 words) are refused.
  const s64 = share(0, new Uint8Array(64).fill(9));
  assert.equal(s64.split(' ').length, 59);
  assert.equal(decodeSlip39Share(s64).value.length, 64);
  const s66 = share(0, new Uint8Array(66).fill(9));
  assert.equal(
    errorCode(() => decodeSlip39Share(s66)),
    'INVALID_SHARE',
  );
  assert.equal(
    errorCode(() => decodeSlip39Share(share(0, new Uint8Array(14).fill(9)))),
    'INVALID_SHARE',
  );
  // Over-long text is refused before it is split into words; too many shares before any is decoded.
  assert.equal(
    errorCode(() => decodeSlip39Share(`academic ${' '.repeat(5000)}academic`)),
    'INVALID_SHARE',
  );
  assert.equal(
    errorCode(() => decodeSlip39Share('nonsense '.repeat(100_000))),
    'INVALID_SHARE',
  );
  const s16 = share(0, new Uint8Array(16).fill(3));
  assert.equal(
    errorCode(() => combineMnemonics(Array.from({ length: 257 }, () => s16))),
    'INVALID_ARGUMENT',
  );
  // The vault's own 64-byte seeds still round-trip.
  const seed = crypto.getRandomValues(new Uint8Array(64));
  const [[m]] = splitMasterSecret(seed, { iterationExponent: 0 }) as [[string]];
  assert.deepEqual(combineMnemonics([m]), seed);
});

test('SLIP-0039 caps: split refuses e above the cap too (shares it writes open with the default caps); callers can lower or raise it', async () => {
  const ms = crypto.getRandomValues(new Uint8Array(16));
  const done = work();
  assert.equal(
    errorCode(() => splitMasterSecret(ms, { iterationExponent: 6 })),
    'KDF_LIMIT',
  );
  assert.equal(await rejectCode(splitMasterSecretAsync(ms, { iterationExponent: 8 })), 'KDF_LIMIT');
  assert.equal(
    errorCode(() => splitMasterSecret(ms, { iterationExponent: 1, limits: { maxIterationExponent: 0 } })),
    'KDF_LIMIT',
  );
  assert.deepEqual(done(), NONE);
  // e = 16 is not SLIP-0039 (4 bits) whatever the cap; bad limits are argument errors.
  assert.equal(
    errorCode(() => splitMasterSecret(ms, { iterationExponent: 16, limits: { maxIterationExponent: 15 } })),
    'INVALID_ARGUMENT',
  );
  for (const limits of [{ maxIterationExponent: 16 }, { maxIterationExponent: -1 }, { maxIterationExponet: 6 }, { maxMemoryBytes: 0 }, 5]) {
    assert.equal(
      errorCode(() => combineMnemonics([share(0, ms)], { limits: limits as never })),
      'INVALID_ARGUMENT',
      JSON.stringify(limits),
    );
  }
  // Raised explicitly, e = 6 runs: exactly 4 · 2500 · 2^6 PBKDF2 iterations.
  const s6 = share(6, ms);
  const ran = work();
  const out = combineMnemonics([s6], { limits: { maxIterationExponent: 6 } });
  assert.equal(out.length, 16);
  assert.equal(ran().slip39Iterations, 4 * 2500 * 2 ** 6);
});

test('SLIP-0039 async: same result as sync, progress from 0 to 1 that never goes back', async () => {
  const ms = crypto.getRandomValues(new Uint8Array(32));
  const seen: number[] = [];
  const groups = await splitMasterSecretAsync(ms, {
    groups: [{ threshold: 2, count: 3 }],
    iterationExponent: 1,
    onProgress: (f) => seen.push(f),
  });
  const seen2: number[] = [];
  const a = await combineMnemonicsAsync([groups[0]![2]!, groups[0]![0]!], { onProgress: (f) => seen2.push(f) });
  assert.deepEqual(a, ms);
  assert.deepEqual(combineMnemonics([groups[0]![1]!, groups[0]![2]!]), ms);
  for (const s of [seen, seen2]) {
    assert.ok(s.length >= 4, `${s}`);
    assert.equal(s[0], 0);
    assert.equal(s.at(-1), 1);
    for (let i = 1; i < s.length; i++) assert.ok(s[i]! >= s[i - 1]! && s[i]! <= 1, `${s}`);
  }
  // The official vectors' passphrase path agrees between the two.
  const s = share(0, ms);
  assert.deepEqual(await combineMnemonicsAsync([s], { passphrase: 'TREZOR' }), combineMnemonics([s], 'TREZOR'));
  assert.equal(await rejectCode(combineMnemonicsAsync([s], { passphrase: 'naïve' })), 'INVALID_ARGUMENT');
});

test('SLIP-0039 abort: ABORTED, nothing returned, PBKDF2 stops within one step; an aborted signal stops it before any', async () => {
  const s5 = share(5, crypto.getRandomValues(new Uint8Array(32)));
  const ctrl = new AbortController();
  const done = work();
  const e = await rejection(combineMnemonicsAsync([s5], { signal: ctrl.signal, onProgress: (f) => f > 0 && ctrl.abort() }));
  assert.equal(e.code, 'ABORTED');
  const ran = done().slip39Iterations;
  assert.ok(ran > 0 && ran <= 2 * 8192, `ran ${ran} of ${4 * 2500 * 32} iterations`);

  const pre = new AbortController();
  pre.abort(new Error('user cancelled'));
  const none = work();
  assert.equal(await rejectCode(combineMnemonicsAsync([s5], { signal: pre.signal })), 'ABORTED');
  assert.equal(await rejectCode(splitMasterSecretAsync(new Uint8Array(16), { signal: pre.signal })), 'ABORTED');
  assert.deepEqual(none(), NONE);

  const split = new AbortController();
  const e2 = await rejection(
    splitMasterSecretAsync(new Uint8Array(32).fill(1), {
      iterationExponent: 5,
      signal: split.signal,
      onProgress: (f) => f > 0 && split.abort(),
    }),
  );
  assert.equal(e2.code, 'ABORTED');
  assert.equal(await rejectCode(combineMnemonicsAsync([s5], { signal: 'stop' as never })), 'INVALID_ARGUMENT');
});

// ---------------------------------------------------------------------------
// Backup file (Argon2id)
// ---------------------------------------------------------------------------

function payload(): BackupPayload {
  return {
    version: 1,
    createdAt: 1,
    keys: [{ id: 'k', kind: 'privateKey', label: '', createdAt: 1, curve: 'secp256k1', secret: new Uint8Array(32).fill(1) }],
  };
}
/** The file with its header's t and m replaced and the checksum recomputed: within the format's bounds, hostile in cost. */
function withKdf(file: Uint8Array, t: number, m: number): Uint8Array {
  const b = Buffer.from(file);
  b.writeUInt32BE(t, 6);
  b.writeUInt32BE(m, 10);
  b.set(
    crypto
      .createHash('sha256')
      .update(b.subarray(0, b.length - 32))
      .digest(),
    b.length - 32,
  );
  return new Uint8Array(b);
}

test('backup attack: a header asking Argon2id for t = 10, m = 1 GiB (inside the format bounds) is refused with KDF_LIMIT before any work', async () => {
  const file = withKdf(await encryptBackup(payload(), PASS, { kdf: TINY }), 10, 1024 * 1024);
  assert.deepEqual({ ...inspectBackup(file).kdf }, { alg: 'argon2id', t: 10, m: 1024 * 1024, p: 1 }, 'the format allows it');
  const done = work();
  const e = await rejection(decryptBackup(file, PASS));
  assert.equal(e.code, 'KDF_LIMIT');
  assert.match(e.message, /maxMemoryBytes \(268435456\)/);
  // 256 MiB passes the memory cap, but t = 10 passes over it 2.5 M blocks: the work cap.
  const e2 = await rejection(decryptBackup(withKdf(file, 10, 256 * 1024), PASS));
  assert.equal(e2.code, 'KDF_LIMIT');
  assert.match(e2.message, /maxArgon2Blocks \(1048576\)/);
  assert.deepEqual(done(), NONE);
});

test('backup caps: the caller can lower them (an exact fit passes), encryptBackup honours them too, bad limits are argument errors', async () => {
  const file = await encryptBackup(payload(), PASS, { kdf: { t: 2, m: 64, p: 1 } });
  const done = work();
  assert.equal(await rejectCode(decryptBackup(file, PASS, { limits: { maxMemoryBytes: 63 * 1024 } })), 'KDF_LIMIT');
  assert.equal(await rejectCode(decryptBackup(file, PASS, { limits: { maxArgon2Blocks: 127 } })), 'KDF_LIMIT');
  assert.equal(await rejectCode(encryptBackup(payload(), PASS, { kdf: { t: 1, m: 512 * 1024, p: 1 } })), 'KDF_LIMIT');
  assert.equal(await rejectCode(encryptBackup(payload(), PASS, { kdf: { t: 5, m: 256 * 1024, p: 1 } })), 'KDF_LIMIT');
  assert.equal(await rejectCode(decryptBackup(file, PASS, { limits: { maxMemory: 1 } as never })), 'INVALID_ARGUMENT');
  assert.equal(await rejectCode(decryptBackup(file, PASS, { limits: { maxMemoryBytes: 1.5 } })), 'INVALID_ARGUMENT');
  assert.deepEqual(done(), NONE);
  const out = await decryptBackup(file, PASS, { limits: { maxMemoryBytes: 64 * 1024, maxArgon2Blocks: 128 } });
  assert.equal(out.keys[0]!.id, 'k');
  assert.equal(done().argon2id, 1);
  // The default file fits the default caps with room.
  assert.ok(
    BACKUP_DEFAULT_KDF.m * 1024 <= KDF_LIMITS.maxMemoryBytes && BACKUP_DEFAULT_KDF.t * BACKUP_DEFAULT_KDF.m <= KDF_LIMITS.maxArgon2Blocks,
  );
});

test('backup abort: an aborted signal runs no Argon2id; aborting mid-derivation rejects ABORTED and never reports 1', async () => {
  const file = await encryptBackup(payload(), PASS, { kdf: TINY });
  const pre = new AbortController();
  pre.abort();
  const done = work();
  assert.equal(await rejectCode(decryptBackup(file, PASS, { signal: pre.signal })), 'ABORTED');
  assert.equal(await rejectCode(encryptBackup(payload(), PASS, { kdf: TINY, signal: pre.signal })), 'ABORTED');
  assert.deepEqual(done(), NONE);

  const big = await encryptBackup(payload(), PASS, { kdf: { t: 2, m: 8192, p: 1 } });
  for (const op of ['decrypt', 'encrypt'] as const) {
    const ctrl = new AbortController();
    const seen: number[] = [];
    const onProgress = (f: number) => {
      seen.push(f);
      if (f > 0) ctrl.abort();
    };
    const p =
      op === 'decrypt'
        ? decryptBackup(big, PASS, { signal: ctrl.signal, onProgress })
        : encryptBackup(payload(), PASS, { kdf: { t: 2, m: 8192, p: 1 }, signal: ctrl.signal, onProgress });
    assert.equal(await rejectCode(p), 'ABORTED', op);
    assert.ok(!seen.includes(1) && seen.length <= 3, `${op}: ${seen}`);
  }
  // argon2id itself: an aborted signal before any work, and a check after each slice.
  const pw = new Uint8Array(8);
  const salt = new Uint8Array(16);
  assert.equal(await rejectCode(argon2id(pw, salt, { t: 1, m: 64, p: 1, signal: pre.signal })), 'ABORTED');
  const ctrl = new AbortController();
  const slices: number[] = [];
  const onProgress = (f: number) => {
    slices.push(f);
    if (f > 0) ctrl.abort();
  };
  const p = argon2id(pw, salt, { t: 3, m: 64, p: 1, signal: ctrl.signal, onProgress });
  assert.equal(await rejectCode(p), 'ABORTED');
  assert.deepEqual(slices, [0, 1 / 12]);
});

// ---------------------------------------------------------------------------
// Keystore v3 (scrypt, PBKDF2)
// ---------------------------------------------------------------------------

const edit = (ks: object, f: (o: any) => void): any => {
  const o = structuredClone(ks);
  f(o);
  return o;
};

test('keystore attack: scrypt n = 2^20, r = 8, p = 2 (1 GiB, inside KEYSTORE_BOUNDS) is refused with KDF_LIMIT before any work', async () => {
  const ks = JSON.parse(await encryptKeystoreV3(KEY, 'pw', FAST));
  const done = work();
  const e = await rejection(
    decryptKeystoreV3(
      edit(ks, (o) => Object.assign(o.crypto.kdfparams, { n: 2 ** 20, r: 8, p: 2 })),
      'pw',
    ),
  );
  assert.equal(e.code, 'KDF_LIMIT');
  assert.match(e.message, /scrypt memory 128·n·r = 1073741824 bytes exceeds maxMemoryBytes \(268435456\)/);
  // 128 MiB but n·r·p = 2^24: the work cap.
  const e2 = await rejection(
    decryptKeystoreV3(
      edit(ks, (o) => Object.assign(o.crypto.kdfparams, { n: 2 ** 17, r: 8, p: 16 })),
      'pw',
    ),
  );
  assert.equal(e2.code, 'KDF_LIMIT');
  assert.match(e2.message, /maxScryptWork \(4194304\)/);
  // Writing is capped the same way.
  assert.equal(await rejectCode(encryptKeystoreV3(KEY, 'pw', { scrypt: { n: 2 ** 20, r: 8, p: 1 } })), 'KDF_LIMIT');
  assert.deepEqual(done(), NONE);
  // A lowered cap that fits exactly passes.
  const ok = await decryptKeystoreV3(ks, 'pw', { limits: { maxMemoryBytes: 128 * 1024 * 8, maxScryptWork: 1024 * 8 } });
  assert.deepEqual(ok.privateKey, KEY);
  assert.equal(await rejectCode(decryptKeystoreV3(ks, 'pw', { limits: { maxMemoryBytes: 128 * 1024 * 8 - 1 } })), 'KDF_LIMIT');
});

test('keystore attack: PBKDF2 c = 10^7 is refused (KDF_LIMIT); a non-NFKC password runs the KDF once, not once per spelling', async () => {
  const pb = JSON.parse(await encryptKeystoreV3(KEY, 'pw', { kdf: 'pbkdf2', pbkdf2: { c: 1000 } }));
  const done = work();
  const e = await rejection(
    decryptKeystoreV3(
      edit(pb, (o) => (o.crypto.kdfparams.c = 10_000_000)),
      'ｐａｓｓｗｏｒｄ',
    ),
  );
  assert.equal(e.code, 'KDF_LIMIT');
  assert.match(e.message, /maxPbkdf2Iterations \(1000000\)/);
  assert.deepEqual(done(), NONE);
  // Full-width characters change under NFKC: one derivation, then WRONG_PASSPHRASE.
  assert.equal(await rejectCode(decryptKeystoreV3(pb, 'ｐａｓｓｗｏｒｄ')), 'WRONG_PASSPHRASE');
  assert.equal(done().pbkdf2, 1);
  const sc = JSON.parse(await encryptKeystoreV3(KEY, 'pw', FAST));
  const once = work();
  assert.equal(await rejectCode(decryptKeystoreV3(sc, 'ｐｗ　２')), 'WRONG_PASSPHRASE');
  assert.equal(once().scrypt, 1);
});

test('keystore passwords: NFKC by default (read and write, as ethers), normalization "none" for geth\'s bytes as typed', async () => {
  const fw = 'ｈｕｎｔｅｒ２　ｐａｓｓ'; // full-width: its NFKC form is "hunter2 pass"
  const nfkc = await encryptKeystoreV3(KEY, fw, FAST);
  assert.equal((await decryptKeystoreJson(nfkc, fw)).privateKey, `0x${Buffer.from(KEY).toString('hex')}`, 'ethers opens ours');
  assert.deepEqual((await decryptKeystoreV3(nfkc, 'hunter2 pass')).privateKey, KEY);
  const geth = await encryptKeystoreV3(KEY, fw, { ...FAST, normalization: 'none' });
  assert.equal(await rejectCode(decryptKeystoreV3(geth, fw)), 'WRONG_PASSPHRASE');
  assert.deepEqual((await decryptKeystoreV3(geth, fw, { normalization: 'none' })).privateKey, KEY);
  assert.equal(await rejectCode(decryptKeystoreV3(geth, fw, { normalization: 'NFD' as never })), 'INVALID_ARGUMENT');
});

test('keystore attack: getters and Proxies give INVALID_KEYSTORE, and no getter runs (what is checked is what runs)', async () => {
  const ks = JSON.parse(await encryptKeystoreV3(KEY, 'pw', FAST));
  const throwing = Object.defineProperty({ ...ks }, 'version', {
    enumerable: true,
    get() {
      throw new Error('boom');
    },
  });
  assert.equal(await rejectCode(decryptKeystoreV3(throwing, 'pw')), 'INVALID_KEYSTORE');
  const hostile = new Proxy(ks, {
    ownKeys() {
      throw new Error('trap');
    },
  });
  assert.equal(await rejectCode(decryptKeystoreV3(hostile, 'pw')), 'INVALID_KEYSTORE');
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  assert.equal(await rejectCode(decryptKeystoreV3(proxy, 'pw')), 'INVALID_KEYSTORE');
  assert.equal(await rejectCode(decryptKeystoreV3({ ...ks, version: 3n } as never, 'pw')), 'INVALID_KEYSTORE');
  const cyclic: any = edit(ks, () => {});
  cyclic.crypto.kdfparams.self = cyclic;
  assert.equal(await rejectCode(decryptKeystoreV3(cyclic, 'pw')), 'INVALID_KEYSTORE');

  // A getter answering 1024 to the bounds check and 2^20 to the KDF: never called at all.
  let reads = 0;
  const toctou = edit(ks, () => {});
  Object.defineProperty(toctou.crypto.kdfparams, 'n', {
    enumerable: true,
    get() {
      reads++;
      return reads === 1 ? 1024 : 2 ** 20;
    },
  });
  const done = work();
  assert.equal(await rejectCode(decryptKeystoreV3(toctou, 'pw')), 'INVALID_KEYSTORE');
  assert.equal(reads, 0);
  // A Proxy is read once per field, through its own-property traps.
  const calls: Record<string, number> = {};
  const counted = new Proxy(edit(ks, () => {}).crypto.kdfparams, {
    getOwnPropertyDescriptor(t, k) {
      calls[String(k)] = (calls[String(k)] ?? 0) + 1;
      return Reflect.getOwnPropertyDescriptor(t, k);
    },
    get() {
      throw new Error('get is never used');
    },
  });
  const viaProxy = { ...ks, crypto: { ...ks.crypto, kdfparams: counted } };
  assert.deepEqual((await decryptKeystoreV3(viaProxy, 'pw')).privateKey, KEY);
  assert.ok(
    Object.values(calls).every((c) => c === 1),
    JSON.stringify(calls),
  );
  // Inherited fields are not the keystore's.
  assert.equal(await rejectCode(decryptKeystoreV3(Object.assign(Object.create(ks), { version: 3 }), 'pw')), 'INVALID_KEYSTORE');
  assert.equal(done().scrypt, 1);
});

/** Moves o[from] to o[to] (optionally with another value): a misspelt field. */
function rename(o: Record<string, unknown>, from: string, to: string, value = o[from]): void {
  delete o[from];
  o[to] = value;
}

test('keystore attack: a misspelt, missing or unknown field is refused (INVALID_KEYSTORE naming it), never skipped', async () => {
  const ks = JSON.parse(await encryptKeystoreV3(KEY, 'pw', FAST));
  const other = JSON.parse(await encryptKeystoreV3(new Uint8Array(32).fill(2), 'pw', FAST));
  const cases: [string, any, RegExp][] = [
    // "adress" would have dropped the address check (the only check of the IV).
    ['adress', edit(ks, (o) => rename(o, 'address', 'adress', other.address)), /unknown field "adress"/],
    ['cipherparam', edit(ks, (o) => rename(o.crypto, 'cipherparams', 'cipherparam')), /cipherparam/],
    ['no mac', edit(ks, (o) => delete o.crypto.mac), /mac is missing/],
    ['dkLen', edit(ks, (o) => rename(o.crypto.kdfparams, 'dklen', 'dkLen')), /dkLen/],
    ['scrypt with prf', edit(ks, (o) => (o.crypto.kdfparams.prf = 'hmac-sha256')), /unknown field "prf"/],
    ['ivv', edit(ks, (o) => (o.crypto.cipherparams.ivv = '00')), /ivv/],
    ['no id', edit(ks, (o) => delete o.id), /id is missing/],
    ['id a number', edit(ks, (o) => (o.id = 5)), /id/],
    ['__proto__', JSON.stringify({ ...ks, ['__proto__']: { x: 1 } }), /unknown field "__proto__"/],
    ['crypto.version', edit(ks, (o) => (o.crypto.version = 3)), /unknown field "version"/],
  ];
  const done = work();
  for (const [what, k, msg] of cases) {
    const e = await rejection(decryptKeystoreV3(k, 'pw'));
    assert.equal(e.code, 'INVALID_KEYSTORE', what);
    assert.match(e.message, msg, what);
  }
  assert.deepEqual(done(), NONE, 'refused before any KDF');
  // Known extensions stay readable: ethers' x-ethers, Parity's name and meta, "Crypto".
  const ext = edit(ks, (o) => Object.assign(o, { 'x-ethers': { client: 'ethers', version: '0.1' }, name: '', meta: '{}' }));
  assert.deepEqual((await decryptKeystoreV3(ext, 'pw')).privateKey, KEY);
  const pb = JSON.parse(await encryptKeystoreV3(KEY, 'pw', { kdf: 'pbkdf2', pbkdf2: { c: 10 } }));
  assert.equal(
    await rejectCode(
      decryptKeystoreV3(
        edit(pb, (o) => delete o.crypto.kdfparams.prf),
        'pw',
      ),
    ),
    'INVALID_KEYSTORE',
  );
  assert.equal(
    await rejectCode(
      decryptKeystoreV3(
        edit(pb, (o) => (o.crypto.kdfparams.n = 2)),
        'pw',
      ),
    ),
    'INVALID_KEYSTORE',
  );
});

test('keystore abort and progress: an aborted signal runs no KDF; scrypt stops mid-way; PBKDF2 stops waiting; progress 0 → 1', async () => {
  const sc = JSON.parse(await encryptKeystoreV3(KEY, 'pw', { scrypt: { n: 2 ** 14, r: 8, p: 1 } }));
  const pb = JSON.parse(await encryptKeystoreV3(KEY, 'pw', { kdf: 'pbkdf2', pbkdf2: { c: 1000 } }));
  const pre = new AbortController();
  pre.abort();
  const done = work();
  assert.equal(await rejectCode(decryptKeystoreV3(sc, 'pw', { signal: pre.signal })), 'ABORTED');
  assert.equal(await rejectCode(decryptKeystoreV3(pb, 'pw', { signal: pre.signal })), 'ABORTED');
  assert.equal(await rejectCode(encryptKeystoreV3(KEY, 'pw', { ...FAST, signal: pre.signal })), 'ABORTED');
  assert.deepEqual(done(), NONE);

  const ctrl = new AbortController();
  const seen: number[] = [];
  const e = await rejection(
    decryptKeystoreV3(sc, 'pw', {
      signal: ctrl.signal,
      onProgress: (f) => {
        seen.push(f);
        if (f > 0.1) ctrl.abort();
      },
    }),
  );
  assert.equal(e.code, 'ABORTED');
  assert.ok(seen.at(-1)! < 0.5 && !seen.includes(1), `${seen.length} steps, last ${seen.at(-1)}`);

  // Progress: 0 first, 1 last, never back (scrypt many steps, PBKDF2 0 → 0.95 → 1).
  for (const k of [sc, pb]) {
    const s: number[] = [];
    assert.deepEqual((await decryptKeystoreV3(k, 'pw', { onProgress: (f) => s.push(f) })).privateKey, KEY);
    assert.equal(s[0], 0);
    assert.equal(s.at(-1), 1);
    for (let i = 1; i < s.length; i++) assert.ok(s[i]! >= s[i - 1]!);
  }
  // A throwing onProgress is the caller's own error and passes through unchanged.
  const mine = new Error('mine');
  await assert.rejects(
    decryptKeystoreV3(sc, 'pw', {
      onProgress: (f) => {
        if (f > 0.5) throw mine;
      },
    }),
    (x) => x === mine,
  );
});

test('untilAborted: the caller stops waiting at once, and a result that arrives later is discarded (zeroed), never returned', async () => {
  let finish!: (v: Uint8Array) => void;
  const late = new Promise<Uint8Array>((r) => {
    finish = r;
  });
  const ctrl = new AbortController();
  const discarded: Uint8Array[] = [];
  const p = untilAborted(late, ctrl.signal, (v) => discarded.push(v.fill(0)));
  ctrl.abort();
  assert.equal(await rejectCode(p), 'ABORTED');
  const secret = new Uint8Array(32).fill(0xaa);
  finish(secret);
  await new Promise((r) => setImmediate(r));
  assert.equal(discarded.length, 1);
  assert.ok(secret.every((b) => b === 0));
  // Without an abort the result passes through.
  assert.equal(await untilAborted(Promise.resolve(7), new AbortController().signal, () => assert.fail()), 7);
});
