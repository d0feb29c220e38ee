// The official vectors in test/vectors/ are the files their sources publish,
// byte for byte: each one's SHA-256 must match test/vectors/SOURCES.md, and
// every file there must be listed (nothing unlisted, nothing missing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { VECTORS_DIR } from './helpers/vectors.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

test('every vector file matches the SHA-256 in SOURCES.md, and every file is listed', () => {
  const sources = readFileSync(join(VECTORS_DIR, 'SOURCES.md'), 'utf8');
  const listed = new Map<string, string>();
  for (const m of sources.matchAll(/^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$/gm)) listed.set(m[1]!, m[2]!);
  assert.ok(listed.size >= 17, `SOURCES.md lists ${listed.size} files`);
  const present = files(VECTORS_DIR)
    .map((p) => relative(VECTORS_DIR, p))
    .filter((p) => p !== 'SOURCES.md')
    .sort();
  assert.deepEqual(present, [...listed.keys()].sort(), 'the files on disk are exactly the ones SOURCES.md lists');
  for (const [name, want] of listed) {
    const got = createHash('sha256')
      .update(readFileSync(join(VECTORS_DIR, name)))
      .digest('hex');
    assert.equal(got, want, `${name} differs from its published source`);
  }
});
