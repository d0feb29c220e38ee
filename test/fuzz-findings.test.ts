// Inputs `npm run fuzz` found that crashed with an untyped error, each as the
// failing attack: it threw TypeError before its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init, secp256k1 } from '../src/core/index.ts';
import { exportEnvelope, MultisigManager, parseEnvelope, buildGroup } from '../src/multisig/index.ts';
import { canonicalJson } from '../src/security/canonical.ts';
import { fromHex } from '../src/bytes.ts';

await init();

const NOW = 1_700_000_000_000;
/** An array with an own "constructor" field, as structured clone (postMessage, IndexedDB) keeps it. */
function withConstructorField<T>(a: T[]): T[] {
  Object.defineProperty(a, 'constructor', { value: 'x', enumerable: true, writable: true, configurable: true });
  return a;
}

async function envelope(): Promise<{ text: string; a: Uint8Array }> {
  const privA = new Uint8Array(32).fill(1);
  const a = secp256k1.getPublicKey(privA);
  const b = secp256k1.getPublicKey(new Uint8Array(32).fill(3));
  const m = await MultisigManager.create({ clock: () => NOW });
  const g = await m.createGroup({
    name: 'Fuzz',
    threshold: 2,
    timeoutMs: 3600_000,
    signers: [
      { label: 'A', curve: 'secp256k1', weight: 1, publicKey: a },
      { label: 'B', curve: 'secp256k1', weight: 1, publicKey: b },
    ],
  });
  const op = await m.initiate(g.id, new TextEncoder().encode('op'), { initiator: 'fuzz' });
  await m.addSignature(op.id, a, secp256k1.sign(fromHex(op.digest, 'digest'), privA).signature);
  return { text: await exportEnvelope(m, op.id), a };
}

test('canonicalJson of an array with an own "constructor" field (fuzz: multisig-envelope seed 6 iteration 1401)', () => {
  assert.equal(canonicalJson(withConstructorField([1, 2])), '[1,2]');
});

test('parseEnvelope: group.signers with an own "constructor" field is read, not a TypeError', async () => {
  const { text } = await envelope();
  const clean = parseEnvelope(text, NOW + 1000);
  const env = JSON.parse(text);
  withConstructorField(env.group.signers);
  assert.deepEqual(parseEnvelope(env, NOW + 1000), clean);
  assert.deepEqual(buildGroup(env.group, 'INVALID_ENVELOPE'), clean.group);
});

test('parseEnvelope: operation.signatures with an own "constructor" field is read, not a TypeError', async () => {
  const { text } = await envelope();
  const clean = parseEnvelope(text, NOW + 1000);
  const env = JSON.parse(text);
  assert.equal(env.operation.signatures.length, 1);
  withConstructorField(env.operation.signatures);
  assert.deepEqual(parseEnvelope(env, NOW + 1000), clean);
});
