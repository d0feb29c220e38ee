// A bounded run of `npm run fuzz` (README §Fuzzing): every target with a fixed
// seed for a fixed number of tries. It fails on any untyped error, slow input
// or disagreement with the reference library, and unless each target took both
// the accepted and the rejected path (so it cannot pass by rejecting everything).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../src/core/index.ts';
import { VaultkeyError } from '../src/errors.ts';
import { Disagreement, formatReport, fuzzTarget, type Target } from '../fuzz/harness.ts';
import { Rng } from '../fuzz/prng.ts';
import { TARGETS } from '../fuzz/targets/index.ts';

await init();

const SEED = 20261205;
// Tries per target: about 3-4 s each on a 2-core machine (slip39 runs PBKDF2 per try).
const TRIES: Record<string, number> = {
  'extended-key': 15000,
  path: 60000,
  'slip10-derive': 3000,
  'secp-pubkey': 15000,
  'secp-signature': 3000,
  schnorr: 3000,
  ed25519: 3000,
  bip39: 8000,
  shares: 40000,
  slip39: 150,
  'keystore-v3': 5000,
  'account-state': 25000,
  'ledger-reply': 8000,
  'backup-file': 5000,
  'backup-payload': 40000,
  'multisig-envelope': 30000,
  'bridge-body': 5000,
  addresses: 20000,
};

test('every target has a bounded budget', () => {
  assert.deepEqual(TARGETS.map((t) => t.name).sort(), Object.keys(TRIES).sort());
});

for (const t of TARGETS) {
  test(`fuzz ${t.name}: ${TRIES[t.name]} tries, seed ${SEED}`, async () => {
    const r = await fuzzTarget(t, { seed: SEED, iterations: TRIES[t.name]! });
    const report = formatReport(r);
    assert.equal(r.iterations, TRIES[t.name]);
    assert.equal(r.counts.untyped + r.counts.slow + r.counts.disagree, 0, report);
    assert.ok(r.counts.accepted > 0, `never accepted an input:\n${report}`);
    assert.ok(r.counts.rejected > 0, `never rejected an input:\n${report}`);
  });
}

// The classifier itself can fail: planted outcomes of each failing kind.
const planted = (run: (x: number) => unknown): Target<number> => ({ name: 'planted', gen: (rng: Rng) => rng.int(4), run });

test('a planted TypeError is an untyped failure, with seed, iteration and input', async () => {
  const r = await fuzzTarget(
    planted((x) => {
      if (x === 3) throw new TypeError('boom');
      if (x === 2) throw new VaultkeyError('INVALID_ARGUMENT', 'typed');
    }),
    { seed: 7, iterations: 200 },
  );
  assert.ok(r.counts.untyped > 0 && r.counts.rejected > 0 && r.counts.accepted > 0);
  assert.equal(r.failures[0]!.outcome, 'untyped');
  assert.equal(r.failures[0]!.input, '3');
  const report = formatReport(r);
  assert.match(report, /FAIL untyped seed=7 target=planted iteration=\d+: TypeError: boom/);
  assert.match(report, /--seed 7 --target planted --from \d+ --iterations 1/);
});

test('a planted disagreement and an error that is not a VaultkeyError fail', async () => {
  const r = await fuzzTarget(
    planted((x) => {
      if (x === 1) throw new Disagreement('reference differs');
      if (x === 2) throw Object.assign(new Error('looks typed'), { code: 'INVALID_KEY' });
    }),
    { seed: 8, iterations: 200 },
  );
  assert.ok(r.counts.disagree > 0);
  assert.ok(r.counts.untyped > 0);
});

test('a failure replays exactly from its seed and iteration', async () => {
  const seen: number[] = [];
  const t = planted((x) => {
    seen.push(x);
    if (x === 3) throw new RangeError('replay me');
  });
  const first = await fuzzTarget(t, { seed: 99, iterations: 50 });
  const f = first.failures[3]!;
  seen.length = 0;
  const again = await fuzzTarget(t, { seed: 99, from: f.iteration, iterations: 1 });
  assert.deepEqual(seen, [3]);
  assert.equal(again.failures[0]!.iteration, f.iteration);
  assert.equal(Rng.forIteration(99, 'planted', f.iteration).int(4), 3);
});
