// The worker pool never leaves a caller waiting on a dead worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerPool } from 'vaultkey';
import { rejectCode } from './helpers/errors.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

test('a call in flight when the pool is terminated rejects with WORKER_FAILED (no hang); later calls too', async () => {
  const pool = await WorkerPool.create({ size: 1 });
  const slow = pool.call('pbkdf2Sha512', utf8('pw'), utf8('salt'), 5_000_000, 64);
  await new Promise((r) => setTimeout(r, 50));
  pool.terminate();
  assert.equal(await rejectCode(slow), 'WORKER_FAILED');
  assert.equal(await rejectCode(pool.call('sha256', utf8('x'))), 'WORKER_FAILED');
});

test('bad arguments come back as coded errors and the pool keeps working', async () => {
  const pool = await WorkerPool.create({ size: 2 });
  try {
    assert.equal(await rejectCode(pool.call('pbkdf2Sha512', utf8('pw'), utf8('salt'), 0, 64)), 'INVALID_ARGUMENT');
    assert.equal((await pool.call('sha256', utf8('abc'))).length, 32);
  } finally {
    pool.terminate();
  }
});
