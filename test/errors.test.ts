// The error-code union is closed: a misspelt code fails `npm run typecheck`
// (the @ts-expect-error below turns into an error the day it compiles), and
// codes read from outside the type system are shape-checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VaultkeyError, toErrorCode } from '../src/errors.ts';

test('a misspelt code does not compile; a known one does', () => {
  // @ts-expect-error 'INVALD_ARGUMENT' is not a VaultkeyErrorCode
  const typo = new VaultkeyError('INVALD_ARGUMENT', 'typo');
  const ok = new VaultkeyError('INVALID_ARGUMENT', 'fine');
  assert.equal(typo.code, 'INVALD_ARGUMENT'); // at run time the value is kept as given; the type system is the guard
  assert.equal(ok.code, 'INVALID_ARGUMENT');
});

test('toErrorCode: codes from the bridge or the worker boundary are shape-checked', () => {
  assert.equal(toErrorCode('BRIDGE_UNPAIRED', 'WORKER_FAILED'), 'BRIDGE_UNPAIRED');
  for (const bad of [undefined, null, 42, '', 'lower_case', 'A'.repeat(80), 'WITH SPACE', '<script>']) {
    assert.equal(toErrorCode(bad, 'WORKER_FAILED'), 'WORKER_FAILED', String(bad));
  }
});
