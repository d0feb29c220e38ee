// SLIP-0039: every official Trezor vector (valid sets reproduce the master
// secret and xprv; invalid sets give coded errors), plus split/combine
// round trips and tamper cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { HDKey as ScureHDKey } from '@scure/bip32';
// Through vaultkey/backup's entry, which carries the word list (a lazy part elsewhere, src/core/parts.ts).
import {
  combineMnemonics,
  splitMasterSecret,
  decodeSlip39Share as decodeShare,
  encodeSlip39Share as encodeShare,
} from '../src/backup/index.ts';
import { gfInv, gfMul } from '../src/backup/gf256.ts';
import { hex, readVector } from './helpers/vectors.ts';
import { errorCode as code } from './helpers/errors.ts';

test('SLIP-0039 official vectors (passphrase TREZOR)', () => {
  const vectors = JSON.parse(readVector('slip-0039-vectors.json')) as [string, string[], string, string][];
  assert.equal(vectors.length, 45);
  let valid = 0;
  let invalid = 0;
  for (const [desc, mnemonics, secret, xprv] of vectors) {
    if (secret) {
      const ms = combineMnemonics(mnemonics, 'TREZOR');
      assert.equal(hex(ms), secret, desc);
      assert.equal(ScureHDKey.fromMasterSeed(ms).privateExtendedKey, xprv, desc);
      valid++;
    } else {
      const c = code(() => combineMnemonics(mnemonics, 'TREZOR'));
      assert.ok(['INVALID_SHARE', 'SHARE_MISMATCH', 'INSUFFICIENT_SHARES', 'DUPLICATE_SHARE', 'CORRUPTED'].includes(c), `${desc}: ${c}`);
      if (/checksum|padding|insufficient length|master secret length/.test(desc)) assert.equal(c, 'INVALID_SHARE', desc);
      if (/different identifiers|different iteration exponents|mismatching group/.test(desc)) assert.equal(c, 'SHARE_MISMATCH', desc);
      if (/invalid digest/.test(desc)) assert.equal(c, 'CORRUPTED', desc);
      if (/Insufficient number|insufficient number of members/.test(desc)) assert.equal(c, 'INSUFFICIENT_SHARES', desc);
      invalid++;
    }
  }
  assert.equal(valid + invalid, 45);
  assert.ok(valid >= 15 && invalid >= 25);
});

test('GF(256) multiply and inverse agree with the field definition', () => {
  // Reference: carry-less multiply then reduce by 0x11b, written independently.
  const ref = (a: number, b: number) => {
    let r = 0;
    for (let i = 0; i < 8; i++) if ((b >> i) & 1) r ^= a << i;
    for (let i = 15; i >= 8; i--) if ((r >> i) & 1) r ^= 0x11b << (i - 8);
    return r;
  };
  for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b += 7) assert.equal(gfMul(a, b), ref(a, b));
  for (let a = 1; a < 256; a++) assert.equal(gfMul(a, gfInv(a)), 1);
});

test('split/combine round trips: 2-of-3 groups of 3-of-5, every minimal subset', () => {
  const ms = crypto.randomBytes(16);
  const groups = splitMasterSecret(ms, {
    groupThreshold: 2,
    groups: [
      { threshold: 3, count: 5 },
      { threshold: 2, count: 3 },
      { threshold: 1, count: 1 },
    ],
    passphrase: 'pass',
    iterationExponent: 0,
  });
  assert.deepEqual(
    groups.map((g) => g.length),
    [5, 3, 1],
  );
  for (const g of groups) for (const m of g) assert.equal(m.split(' ').length, 20);
  assert.equal(hex(combineMnemonics([...groups[0]!.slice(0, 3), ...groups[2]!], 'pass')), hex(ms));
  assert.equal(hex(combineMnemonics([groups[1]![2]!, groups[1]![0]!, groups[0]![4]!, groups[0]![1]!, groups[0]![2]!], 'pass')), hex(ms));
  // A wrong passphrase gives a different secret, by design (§Passphrase): no error, no match.
  assert.notEqual(hex(combineMnemonics([...groups[0]!.slice(0, 3), ...groups[2]!], 'other')), hex(ms));
  const ms32 = crypto.randomBytes(32);
  const single = splitMasterSecret(ms32, { groups: [{ threshold: 2, count: 3 }], iterationExponent: 0 })[0]!;
  assert.equal(single[0]!.split(' ').length, 33);
  assert.equal(hex(combineMnemonics([single[2]!, single[0]!])), hex(ms32));
});

test('bad shares and options: coded errors', () => {
  const ms = crypto.randomBytes(16);
  const [g] = splitMasterSecret(ms, { groups: [{ threshold: 2, count: 3 }], iterationExponent: 0 });
  const other = splitMasterSecret(ms, { groups: [{ threshold: 2, count: 3 }], iterationExponent: 0 })[0]!;
  assert.equal(
    code(() => combineMnemonics([g![0]!])),
    'INSUFFICIENT_SHARES',
  );
  assert.equal(
    code(() => combineMnemonics([])),
    'INSUFFICIENT_SHARES',
  );
  assert.equal(
    code(() => combineMnemonics([g![0]!, g![0]!])),
    'DUPLICATE_SHARE',
  );
  assert.equal(
    code(() => combineMnemonics([g![0]!, other[1]!])),
    'SHARE_MISMATCH',
  );
  const words = g![1]!.split(' ');
  words[7] = words[7] === 'academic' ? 'acid' : 'academic';
  assert.equal(
    code(() => combineMnemonics([g![0]!, words.join(' ')])),
    'INVALID_SHARE',
  );
  assert.equal(
    code(() => combineMnemonics([g![0]!, g![1]!.replace(/^\w+/, 'bitcoin')])),
    'INVALID_SHARE',
  );
  assert.equal(
    code(() => combineMnemonics([42 as any])),
    'INVALID_SHARE',
  );
  // A share whose value was altered but re-checksummed: caught by the digest.
  const s = decodeShare(g![1]!);
  s.value[3] = s.value[3]! ^ 1;
  assert.equal(
    code(() => combineMnemonics([g![0]!, encodeShare(s)])),
    'CORRUPTED',
  );
  assert.equal(
    code(() => splitMasterSecret(new Uint8Array(15))),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => splitMasterSecret(new Uint8Array(17))),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => splitMasterSecret(ms, { groups: [{ threshold: 1, count: 3 }] })),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => splitMasterSecret(ms, { groups: [{ threshold: 4, count: 3 }] })),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => splitMasterSecret(ms, { groupThreshold: 2 })),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => splitMasterSecret(ms, { passphrase: 'naïve' })),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => splitMasterSecret(ms, { iterationExponent: 16 })),
    'INVALID_ARGUMENT',
  );
});
