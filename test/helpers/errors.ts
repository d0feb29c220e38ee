// Runs `fn`, asserts it throws a VaultkeyError and returns the error's code.
// Accepts the class from the built package and from the sources alike (tests
// of internals import src/, whose VaultkeyError is a different class object).
import assert from 'node:assert/strict';
import { VaultkeyError } from 'vaultkey/core';

export function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const coded = e instanceof VaultkeyError || ((e as Error)?.name === 'VaultkeyError' && typeof (e as VaultkeyError).code === 'string');
    assert.ok(coded, `expected a VaultkeyError, got ${e}`);
    return (e as VaultkeyError).code;
  }
  assert.fail('did not throw');
}

/** Awaits `p`, asserts it rejects with a VaultkeyError, returns the code. */
export async function rejectCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const coded = e instanceof VaultkeyError || ((e as Error)?.name === 'VaultkeyError' && typeof (e as VaultkeyError).code === 'string');
    assert.ok(coded, `expected a VaultkeyError, got ${e}`);
    return (e as VaultkeyError).code;
  }
  assert.fail('resolved instead of rejecting');
}
