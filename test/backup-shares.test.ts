// Binary Shamir shares (docs/backup.md §Binary shares): every M-subset
// recovers, random property tests, an independent table-based GF(256)
// reconstruction that follows the documented layout, tamper detection at
// every byte, mixed sets, duplicates, and the printable Base32 form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { combineShares, decodeShareText, encodeShareText, inspectShare, splitSecret } from '../src/backup/index.ts';
import { errorCode as code } from './helpers/errors.ts';

const rnd = (n: number) => new Uint8Array(crypto.randomBytes(n));
const randInt = (lo: number, hi: number) => lo + crypto.randomInt(hi - lo + 1);

/** All k-subsets of [0, n). */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k - 1).map((s) => [...s, n - 1]), ...subsets(n - 1, k)];
}

function shuffle<T>(a: T[]): T[] {
  const b = [...a];
  for (let i = b.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [b[i], b[j]] = [b[j]!, b[i]!];
  }
  return b;
}

/** Recomputes a share's 8-byte checksum, so an edit reaches the checks behind it. */
function rechecksum(share: Uint8Array): Uint8Array {
  const out = new Uint8Array(share);
  out.set(
    crypto
      .createHash('sha256')
      .update(out.subarray(0, out.length - 8))
      .digest()
      .subarray(0, 8),
    out.length - 8,
  );
  return out;
}

test('3-of-5: every subset of 3, 4 and 5 shares recovers; every subset of 1 or 2 is INSUFFICIENT_SHARES', () => {
  const secret = rnd(32);
  const shares = splitSecret(secret, { threshold: 3, shares: 5 });
  assert.equal(shares.length, 5);
  let ok = 0;
  for (const k of [3, 4, 5]) {
    for (const s of subsets(5, k)) {
      assert.deepEqual(combineShares(shuffle(s.map((i) => shares[i]!))), secret, `subset ${s}`);
      ok++;
    }
  }
  assert.equal(ok, 10 + 5 + 1);
  for (const k of [1, 2])
    for (const s of subsets(5, k))
      assert.equal(
        code(() => combineShares(s.map((i) => shares[i]!))),
        'INSUFFICIENT_SHARES',
      );
  assert.equal(
    code(() => combineShares([])),
    'INSUFFICIENT_SHARES',
  );
});

test('inspectShare reads the public fields; shares of one split share a set id; sizes follow the layout', () => {
  const shares = splitSecret(rnd(32), { threshold: 2, shares: 3 });
  const infos = shares.map(inspectShare);
  assert.deepEqual(
    infos.map((i) => i.index),
    [1, 2, 3],
  );
  for (const i of infos) {
    assert.equal(i.version, 1);
    assert.equal(i.threshold, 2);
    assert.equal(i.total, 3);
    assert.equal(i.secretLength, 32);
    assert.match(i.setId, /^[0-9a-f]{16}$/);
    assert.equal(i.setId, infos[0]!.setId);
  }
  for (const s of shares) assert.equal(s.length, 17 + 32 + 16 + 8);
  assert.notEqual(inspectShare(splitSecret(rnd(32), { threshold: 2, shares: 3 })[0]!).setId, infos[0]!.setId);
});

test('independent reconstruction: table-based GF(256) Lagrange at 0 gives secret || SHA-256 digest as documented', () => {
  // Log/antilog tables for the AES field (generator 3), written apart from gf256.ts.
  const exp = new Uint8Array(510);
  const log = new Uint8Array(256);
  for (let i = 0, x = 1; i < 255; i++) {
    exp[i] = exp[i + 255] = x;
    log[x] = i;
    x ^= (x << 1) ^ (x & 0x80 ? 0x11b : 0); // x *= 3
  }
  const mul = (a: number, b: number) => (a && b ? exp[log[a]! + log[b]!]! : 0);
  const div = (a: number, b: number) => (a ? exp[log[a]! + 255 - log[b]!]! : 0);
  for (let round = 0; round < 20; round++) {
    const len = randInt(16, 64);
    const secret = rnd(len);
    const n = randInt(2, 10);
    const m = randInt(2, n);
    const shares = splitSecret(secret, { threshold: m, shares: n });
    const pick = shuffle(shares)
      .slice(0, m)
      .map((s) => Buffer.from(s));
    // docs/backup.md §Binary shares: x at byte 15, y from byte 17, 8-byte checksum at the end.
    const xs = pick.map((s) => s[15]!);
    const ys = pick.map((s) => s.subarray(17, s.length - 8));
    const v = new Uint8Array(len + 16);
    for (let i = 0; i < m; i++) {
      let basis = 1;
      for (let j = 0; j < m; j++) if (j !== i) basis = mul(basis, div(xs[j]!, xs[i]! ^ xs[j]!));
      for (let k = 0; k < v.length; k++) v[k]! ^= mul(ys[i]![k]!, basis);
    }
    assert.deepEqual(v.subarray(0, len), secret);
    const s0 = pick[0]!;
    const d = crypto
      .createHash('sha256')
      .update(Buffer.from('vaultkey/share-digest/v1'))
      .update(Buffer.from([1]))
      .update(s0.subarray(5, 13))
      .update(Buffer.from([m]))
      .update(secret)
      .digest()
      .subarray(0, 16);
    assert.deepEqual(Buffer.from(v.subarray(len)), d);
    for (const s of pick) {
      assert.deepEqual(s.subarray(0, 5), Buffer.from([0x56, 0x4b, 0x53, 0x48, 1]));
      assert.deepEqual(s.subarray(-8), crypto.createHash('sha256').update(s.subarray(0, -8)).digest().subarray(0, 8));
    }
  }
});

test('property: random secrets, thresholds and subsets; M-1 shares are never enough', () => {
  for (let round = 0; round < 150; round++) {
    const len = randInt(16, 64);
    const secret = rnd(len);
    const n = randInt(2, 16);
    const m = randInt(2, n);
    const shares = splitSecret(secret, { threshold: m, shares: n });
    const k = randInt(m, n);
    assert.deepEqual(combineShares(shuffle(shares).slice(0, k)), secret, `${m}-of-${n} with ${k}`);
    assert.equal(
      code(() => combineShares(shuffle(shares).slice(0, m - 1))),
      'INSUFFICIENT_SHARES',
    );
  }
  // The extremes: 2-of-2, 255-of-255 and 2-of-255.
  const secret = rnd(64);
  assert.deepEqual(combineShares(splitSecret(secret, { threshold: 2, shares: 2 })), secret);
  const all = splitSecret(secret, { threshold: 255, shares: 255 });
  assert.deepEqual(combineShares(all), secret);
  assert.equal(
    code(() => combineShares(all.slice(1))),
    'INSUFFICIENT_SHARES',
  );
  const wide = splitSecret(secret, { threshold: 2, shares: 255 });
  assert.deepEqual(combineShares([wide[254]!, wide[0]!]), secret);
});

test('a single share of a fixed secret is uniformly random (M-1 shares reveal nothing)', () => {
  // For a 2-of-N split, share x holds y = v + a·x with a uniform: for every
  // candidate secret there is exactly one a, so y alone rules nothing out.
  // Checked empirically: the share bytes of an all-zero secret are uniform.
  const counts = new Uint32Array(256);
  const secret = new Uint8Array(16); // all zero
  for (let i = 0; i < 2000; i++) {
    const s = splitSecret(secret, { threshold: 2, shares: 2 })[0]!;
    for (let k = 17; k < 17 + 16; k++) counts[s[k]!]!++;
  }
  // 32,000 samples over 256 values: expect 125 each; a constant or skewed share would blow this bound.
  const chi2 = counts.reduce((acc, c) => acc + (c - 125) ** 2 / 125, 0);
  assert.ok(chi2 < 400, `chi-square ${chi2.toFixed(1)} over 255 degrees of freedom`);
});

test('every single-byte change of a share is detected (INVALID_SHARE, or UNSUPPORTED_VERSION for the version byte)', () => {
  const secret = rnd(32);
  const shares = splitSecret(secret, { threshold: 2, shares: 3 });
  const s = shares[0]!;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    for (let d = 1; d < 256; d++) {
      const bad = new Uint8Array(s);
      bad[i]! ^= d;
      const c = code(() => combineShares([bad, shares[1]!]));
      assert.equal(c, i === 4 ? 'UNSUPPORTED_VERSION' : 'INVALID_SHARE', `byte ${i} ^ ${d}`);
      assert.equal(
        code(() => inspectShare(bad)),
        c,
      );
      n++;
    }
  }
  assert.equal(n, s.length * 255);
  // Truncations and extensions.
  for (let len = 0; len < s.length; len++)
    assert.equal(
      code(() => inspectShare(s.subarray(0, len))),
      'INVALID_SHARE',
      `len ${len}`,
    );
  assert.equal(
    code(() => inspectShare(Uint8Array.of(...s, 0))),
    'INVALID_SHARE',
  );
});

test('a share with wrong data but a valid checksum is caught by the digest after combining', () => {
  const secret = rnd(32);
  const shares = splitSecret(secret, { threshold: 3, shares: 5 });
  for (let k = 17; k < 17 + 48; k++) {
    const forged = new Uint8Array(shares[2]!);
    forged[k]! ^= 0x5a;
    assert.equal(
      code(() => combineShares([shares[0]!, shares[1]!, rechecksum(forged)])),
      'INVALID_SHARE',
      `y byte ${k - 17}`,
    );
    // An extra share beyond the threshold is used too, so a bad one cannot hide there.
    assert.equal(
      code(() => combineShares([shares[0]!, shares[1]!, shares[3]!, rechecksum(forged)])),
      'INVALID_SHARE',
    );
  }
  // Header fields edited with a recomputed checksum: refused, never a wrong secret.
  for (const [off, val] of [
    [13, 2],
    [13, 4],
    [14, 4],
    [14, 9],
    [15, 4],
    [16, 33],
  ] as const) {
    const f = new Uint8Array(shares[0]!);
    f[off] = val;
    const c = code(() => combineShares([rechecksum(f), shares[1]!, shares[2]!]));
    assert.ok(['INVALID_SHARE', 'DUPLICATE_SHARE', 'INSUFFICIENT_SHARES'].includes(c), `byte ${off} = ${val}: ${c}`);
  }
  // Out-of-range header fields, even with a valid checksum.
  for (const [off, val] of [
    [13, 1],
    [13, 6],
    [14, 2],
    [15, 0],
    [15, 6],
    [16, 15],
    [16, 65],
  ] as const) {
    const f = new Uint8Array(shares[0]!);
    f[off] = val;
    assert.equal(
      code(() => inspectShare(rechecksum(f))),
      'INVALID_SHARE',
      `byte ${off} = ${val}`,
    );
  }
});

test('shares of different splits → MIXED_SHARE_SETS; the same share twice → DUPLICATE_SHARE', () => {
  const secret = rnd(32);
  const a = splitSecret(secret, { threshold: 2, shares: 3 });
  const b = splitSecret(secret, { threshold: 2, shares: 3 }); // same secret, new set
  assert.equal(
    code(() => combineShares([a[0]!, b[1]!])),
    'MIXED_SHARE_SETS',
  );
  assert.equal(
    code(() => combineShares([a[0]!, a[1]!, b[2]!])),
    'MIXED_SHARE_SETS',
  );
  assert.equal(
    code(() => combineShares([a[0]!, a[0]!])),
    'DUPLICATE_SHARE',
  );
  assert.equal(
    code(() => combineShares([a[1]!, a[2]!, new Uint8Array(a[1]!)])),
    'DUPLICATE_SHARE',
  );
  // Duplicates are not counted toward the threshold.
  const c = splitSecret(secret, { threshold: 3, shares: 3 });
  assert.equal(
    code(() => combineShares([c[0]!, c[1]!, c[1]!])),
    'DUPLICATE_SHARE',
  );
});

test('text form: Crockford Base32 round trip, forgiving of case, spacing and O/I/L; typos are INVALID_SHARE', () => {
  const shares = splitSecret(rnd(32), { threshold: 2, shares: 2 });
  const text = encodeShareText(shares[0]!);
  assert.match(text, /^[0-9A-HJKMNP-TV-Z]{1,4}(-[0-9A-HJKMNP-TV-Z]{1,4})*$/);
  assert.deepEqual(decodeShareText(text), shares[0]);
  assert.deepEqual(decodeShareText(text.toLowerCase()), shares[0]);
  assert.deepEqual(decodeShareText(`  ${text.replace(/-/g, ' ')}\n`), shares[0]);
  assert.deepEqual(decodeShareText(text.replace(/0/g, 'O').replace(/1/g, 'l')), shares[0]);
  assert.deepEqual(combineShares([decodeShareText(text), decodeShareText(encodeShareText(shares[1]!))]), combineShares(shares));
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const compact = text.replace(/-/g, '');
  let typos = 0;
  for (let i = 0; i < compact.length; i++) {
    for (const ch of alphabet) {
      if (ch === compact[i]) continue;
      const t = compact.slice(0, i) + ch + compact.slice(i + 1);
      const c = code(() => decodeShareText(t));
      assert.ok(c === 'INVALID_SHARE' || c === 'UNSUPPORTED_VERSION', `char ${i} → ${ch}: ${c}`);
      typos++;
    }
  }
  assert.equal(typos, compact.length * 31);
  for (const t of [
    '',
    '----',
    compact.slice(0, -1),
    compact + '0',
    compact.slice(1),
    'U' + compact.slice(1),
    '*'.repeat(117),
    'x'.repeat(2000),
  ]) {
    assert.equal(
      code(() => decodeShareText(t)),
      'INVALID_SHARE',
      JSON.stringify(t.slice(0, 20)),
    );
  }
  assert.equal(
    code(() => decodeShareText(5 as unknown as string)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => encodeShareText(rnd(73))),
    'INVALID_SHARE',
  );
});

test('bad arguments: secret length, threshold and share count', () => {
  assert.equal(
    code(() => splitSecret(rnd(15), { threshold: 2, shares: 3 })),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => splitSecret(rnd(65), { threshold: 2, shares: 3 })),
    'INVALID_LENGTH',
  );
  assert.equal(
    code(() => splitSecret('secret' as unknown as Uint8Array, { threshold: 2, shares: 3 })),
    'INVALID_ARGUMENT',
  );
  for (const o of [
    { threshold: 1, shares: 3 },
    { threshold: 1, shares: 1 },
    { threshold: 4, shares: 3 },
    { threshold: 2, shares: 256 },
    { threshold: 2.5, shares: 3 },
    { threshold: 2, shares: 0 },
    undefined,
    {},
  ]) {
    assert.equal(
      code(() => splitSecret(rnd(32), o as never)),
      'INVALID_ARGUMENT',
      JSON.stringify(o),
    );
  }
  assert.equal(
    code(() => combineShares('abc' as never)),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => combineShares([null as never])),
    'INVALID_ARGUMENT',
  );
});
