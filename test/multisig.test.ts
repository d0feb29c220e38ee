// Multisig approvals: a weighted 3-of-6 example, every coded error,
// statuses and timeouts with an injected clock, and the envelope (round trip
// and tampering). Browser round trip between two contexts: security-browser.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init, secp256k1, ed25519, sha256 } from '../src/core/index.ts';
import { MultisigManager, exportEnvelope, importEnvelope, buildGroup, type SignerCurve } from '../src/multisig/index.ts';
import { VaultkeyError } from '../src/errors.ts';

await init();

const code = (c: string) => (e: unknown) => e instanceof VaultkeyError && e.code === c;

function party(label: string, curve: SignerCurve, seedByte: number, weight = 1) {
  const priv = new Uint8Array(32).fill(seedByte);
  const publicKey = curve === 'secp256k1' ? secp256k1.getPublicKey(priv) : ed25519.getPublicKey(priv);
  return {
    label,
    curve,
    weight,
    publicKey,
    priv,
    // What the signer's own device does with the envelope's message/digest.
    sign(op: { message: string; digest: string }) {
      const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));
      return curve === 'secp256k1' ? secp256k1.sign(hex(op.digest), priv).signature : ed25519.sign(hex(op.message), priv);
    },
  };
}

// "Weighted Multi-Signature": 3 of total weight 6, CEO weight 2.
const CEO = party('CEO', 'secp256k1', 1, 2);
const CTO = party('CTO', 'ed25519', 2);
const CFO = party('CFO', 'secp256k1', 3);
const LEGAL = party('Legal', 'ed25519', 4);
const SECURITY = party('Security', 'secp256k1', 5);
const ALL = [CEO, CTO, CFO, LEGAL, SECURITY];
const OUTSIDER = party('Mallory', 'secp256k1', 9);
const groupInput = () => ({
  name: 'Treasury Key',
  threshold: 3,
  timeoutMs: 24 * 3600_000,
  signers: ALL.map(({ label, curve, weight, publicKey }) => ({ label, curve, weight, publicKey })),
});
const TX = new TextEncoder().encode('Treasury withdrawal of 1000 VE');

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

async function setup() {
  const c = clock();
  const m = await MultisigManager.create({ clock: c.now });
  const g = await m.createGroup(groupInput());
  const op = await m.initiate(g.id, TX, { initiator: 'ceo@company.com', description: 'Treasury withdrawal of 1000 VE' });
  return { c, m, g, op };
}

test('weighted 3-of-6: CEO alone is not enough', async () => {
  const { m, g, op } = await setup();
  assert.equal(g.threshold, 3);
  assert.equal(
    g.signers.reduce((n, s) => n + s.weight, 0),
    6,
  );
  const after = await m.addSignature(op.id, CEO.publicKey, CEO.sign(op));
  assert.equal(after.status, 'PENDING');
  await assert.rejects(m.complete(op.id), code('THRESHOLD_NOT_MET'));
});

test('weighted 3-of-6: CEO + anyone = 3 -> THRESHOLD_MET -> COMPLETE', async () => {
  for (const other of [CTO, CFO, LEGAL, SECURITY]) {
    const { m, op } = await setup();
    await m.addSignature(op.id, CEO.publicKey, CEO.sign(op));
    const met = await m.addSignature(op.id, other.label, other.sign(op));
    assert.equal(met.status, 'THRESHOLD_MET', `CEO + ${other.label}`);
    const done = await m.complete(op.id);
    assert.equal(done.status, 'COMPLETE');
    assert.equal(done.signatures.length, 2);
    assert.equal(typeof done.completedAt, 'number');
  }
});

test('weighted 3-of-6: any 3 others = 3; any 2 others are not', async () => {
  const others = [CTO, CFO, LEGAL, SECURITY];
  for (let i = 0; i < others.length; i++) {
    for (let j = i + 1; j < others.length; j++) {
      const { m, op } = await setup();
      await m.addSignature(op.id, others[i]!.publicKey, others[i]!.sign(op));
      const two = await m.addSignature(op.id, others[j]!.publicKey, others[j]!.sign(op));
      assert.equal(two.status, 'PENDING', `${others[i]!.label}+${others[j]!.label}`);
      const k = others.find((_, x) => x !== i && x !== j)!;
      const three = await m.addSignature(op.id, k.publicKey, k.sign(op));
      assert.equal(three.status, 'THRESHOLD_MET');
    }
  }
});

test('signatures are verified: wrong key, wrong message, garbage -> INVALID_SIGNATURE', async () => {
  const { m, op } = await setup();
  await assert.rejects(m.addSignature(op.id, CFO.publicKey, CEO.sign(op)), code('INVALID_SIGNATURE'));
  const other = await m.initiate(op.groupId, new TextEncoder().encode('another'), { initiator: 'x' });
  await assert.rejects(m.addSignature(op.id, CTO.publicKey, CTO.sign(other)), code('INVALID_SIGNATURE'));
  await assert.rejects(m.addSignature(op.id, CTO.publicKey, new Uint8Array(64)), code('INVALID_SIGNATURE'));
  await assert.rejects(m.addSignature(op.id, CTO.publicKey, new Uint8Array(10)), code('INVALID_SIGNATURE'));
  await assert.rejects(m.addSignature(op.id, CTO.publicKey, 'zz'), code('INVALID_ARGUMENT'));
  // High-S twin of a valid ECDSA signature is refused (malleability).
  const sig = CEO.sign(op);
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const s = BigInt('0x' + Buffer.from(sig.subarray(32)).toString('hex'));
  const high = Uint8Array.from([...sig.subarray(0, 32), ...Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')]);
  await assert.rejects(m.addSignature(op.id, CEO.publicKey, high), code('INVALID_SIGNATURE'));
  assert.equal((await m.get(op.id)).signatures.length, 0, 'nothing was recorded');
});

test('secp256k1 digest: sha256(message) by default, the message itself when prehashed', async () => {
  const { m, g, op } = await setup();
  assert.equal(op.digest, Buffer.from(sha256(TX)).toString('hex'));
  await assert.rejects(m.initiate(g.id, TX, { initiator: 'x', digestMode: 'prehashed' }), code('INVALID_LENGTH'));
  const digest = sha256(new TextEncoder().encode('keccak stand-in'));
  const pre = await m.initiate(g.id, digest, { initiator: 'x', digestMode: 'prehashed' });
  assert.equal(pre.digest, Buffer.from(digest).toString('hex'));
  const { signature, recovery } = secp256k1.sign(digest, CEO.priv);
  // 65-byte r||s||v from a wallet is accepted (v dropped).
  const r = await m.addSignature(pre.id, CEO.publicKey, Uint8Array.from([...signature, 27 + recovery]));
  assert.equal(r.signatures[0]!.signature.length, 128);
});

test('unknown and duplicate signers are coded errors', async () => {
  const { m, op } = await setup();
  await assert.rejects(m.addSignature(op.id, OUTSIDER.publicKey, OUTSIDER.sign(op)), code('UNKNOWN_SIGNER'));
  await assert.rejects(m.addSignature(op.id, 'Nobody', CEO.sign(op)), code('UNKNOWN_SIGNER'));
  await m.addSignature(op.id, CEO.publicKey, CEO.sign(op));
  await assert.rejects(m.addSignature(op.id, 'CEO', CEO.sign(op)), code('DUPLICATE_SIGNATURE'));
  // The same key in its uncompressed encoding is still the same signer.
  const uncompressed = secp256k1.publicKeyConvert(CEO.publicKey, false);
  await assert.rejects(m.addSignature(op.id, uncompressed, CEO.sign(op)), code('DUPLICATE_SIGNATURE'));
  await assert.rejects(m.addSignature('op_nope', CEO.publicKey, CEO.sign(op)), code('NOT_FOUND'));
  await assert.rejects(m.addSignature(op.id, 42 as never, CEO.sign(op)), code('INVALID_ARGUMENT'));
});

test('cancel with reason; closed operations refuse signatures, completion and a second cancel', async () => {
  const { m, op } = await setup();
  await assert.rejects(m.cancel(op.id, ''), code('INVALID_ARGUMENT'));
  const c = await m.cancel(op.id, 'wrong amount');
  assert.equal(c.status, 'CANCELLED');
  assert.equal(c.cancelReason, 'wrong amount');
  await assert.rejects(m.addSignature(op.id, CEO.publicKey, CEO.sign(op)), code('OPERATION_CLOSED'));
  await assert.rejects(m.complete(op.id), code('OPERATION_CLOSED'));
  await assert.rejects(m.cancel(op.id, 'again'), code('OPERATION_CLOSED'));
  const s2 = await setup();
  await s2.m.addSignature(s2.op.id, CEO.publicKey, CEO.sign(s2.op));
  await s2.m.addSignature(s2.op.id, CFO.publicKey, CFO.sign(s2.op));
  await s2.m.complete(s2.op.id);
  await assert.rejects(s2.m.addSignature(s2.op.id, CTO.publicKey, CTO.sign(s2.op)), code('OPERATION_CLOSED'));
  await assert.rejects(s2.m.cancel(s2.op.id, 'late'), code('OPERATION_CLOSED'));
});

test('timeout -> EXPIRED (also after THRESHOLD_MET); expired operations refuse everything', async () => {
  const { c, m, op } = await setup();
  c.t += 24 * 3600_000 - 1;
  assert.equal((await m.get(op.id)).status, 'PENDING');
  await m.addSignature(op.id, CEO.publicKey, CEO.sign(op));
  await m.addSignature(op.id, CTO.publicKey, CTO.sign(op));
  c.t += 1;
  await assert.rejects(m.complete(op.id), code('OPERATION_EXPIRED'));
  assert.equal((await m.get(op.id)).status, 'EXPIRED');
  await assert.rejects(m.addSignature(op.id, CFO.publicKey, CFO.sign(op)), code('OPERATION_EXPIRED'));
  await assert.rejects(m.cancel(op.id, 'too late'), code('OPERATION_EXPIRED'));
  // Per-operation timeout override.
  const short = await m.initiate(op.groupId, TX, { initiator: 'x', timeoutMs: 1000 });
  c.t += 1000;
  assert.equal((await m.get(short.id)).status, 'EXPIRED');
});

test('group validation: coded errors for every bad definition; id is a fingerprint', async () => {
  const m = await MultisigManager.create();
  const base = groupInput();
  const bad: [unknown, string][] = [
    [{ ...base, threshold: 7 }, 'INVALID_ARGUMENT'],
    [{ ...base, threshold: 0 }, 'INVALID_ARGUMENT'],
    [{ ...base, threshold: 1.5 }, 'INVALID_ARGUMENT'],
    [{ ...base, signers: [] }, 'INVALID_ARGUMENT'],
    [{ ...base, name: '' }, 'INVALID_ARGUMENT'],
    [{ ...base, signers: [{ ...base.signers[0], weight: 0 }] }, 'INVALID_ARGUMENT'],
    [{ ...base, signers: [{ ...base.signers[0], curve: 'p256' }] }, 'INVALID_ARGUMENT'],
    [{ ...base, signers: [{ ...base.signers[0], publicKey: new Uint8Array(33).fill(7) }] }, 'INVALID_KEY'],
    [{ ...base, signers: [{ ...base.signers[1], publicKey: new Uint8Array(31) }] }, 'INVALID_KEY'],
    [{ ...base, threshold: 2, signers: [base.signers[0], { ...base.signers[0], label: 'again' }] }, 'ALREADY_EXISTS'],
    [{ ...base, threshold: 2, signers: [base.signers[0], { ...base.signers[2], label: 'CEO' }] }, 'ALREADY_EXISTS'],
    [{ ...base, timeoutMs: 0 }, 'INVALID_ARGUMENT'],
    [null, 'INVALID_ARGUMENT'],
  ];
  for (const [input, c] of bad)
    await assert.rejects(
      m.createGroup(input as never),
      code(c),
      JSON.stringify(input, (_k, v) => (v instanceof Uint8Array ? 'bytes' : v)),
    );
  const a = buildGroup(base);
  const b = buildGroup({
    ...base,
    signers: base.signers.map((s) => (s.curve === 'secp256k1' ? { ...s, publicKey: secp256k1.publicKeyConvert(s.publicKey, false) } : s)),
  });
  assert.equal(a.id, b.id, 'same keys in another SEC 1 encoding: same group');
  assert.notEqual(buildGroup({ ...base, threshold: 4 }).id, a.id);
  await assert.rejects(m.initiate(a.id, TX, { initiator: 'x' }), code('NOT_FOUND'));
  await m.createGroup(base);
  await assert.rejects(m.initiate(a.id, new Uint8Array(0), { initiator: 'x' }), code('INVALID_ARGUMENT'));
  await assert.rejects(m.initiate(a.id, TX, {} as never), code('INVALID_ARGUMENT'));
});

test('envelope round trip: another device adds its signature, the initiator merges and completes', async () => {
  const a = await setup();
  await a.m.addSignature(a.op.id, CEO.publicKey, CEO.sign(a.op));
  const env1 = await exportEnvelope(a.m, a.op.id);
  const parsed = JSON.parse(env1);
  assert.equal(parsed.type, 'vaultkey.multisig.operation');
  assert.equal(parsed.version, 1);

  const b = await MultisigManager.create({ clock: a.c.now });
  await assert.rejects(importEnvelope(b, env1), code('UNKNOWN_GROUP'));
  await b.createGroup(groupInput()); // device B knows the group from the same definition
  const onB = await importEnvelope(b, env1);
  assert.equal(onB.signatures.length, 1);
  await b.addSignature(onB.id, LEGAL.publicKey, LEGAL.sign(onB));
  const back = await importEnvelope(a.m, await exportEnvelope(b, onB.id));
  assert.equal(back.status, 'THRESHOLD_MET');
  assert.equal(back.signatures.length, 2);
  assert.equal((await a.m.complete(a.op.id)).status, 'COMPLETE');
  // trustGroup imports an unknown group explicitly.
  const c = await MultisigManager.create({ clock: a.c.now });
  assert.equal((await importEnvelope(c, env1, { trustGroup: true })).id, a.op.id);
});

test('envelope import rejects tampering and malformed input with INVALID_ENVELOPE', async () => {
  const a = await setup();
  await a.m.addSignature(a.op.id, CEO.publicKey, CEO.sign(a.op));
  const good = JSON.parse(await exportEnvelope(a.m, a.op.id));
  const b = await MultisigManager.create({ clock: a.c.now });
  await b.createGroup(groupInput());
  const mutate = (f: (e: any) => void) => {
    const e = structuredClone(good);
    f(e);
    return JSON.stringify(e);
  };
  const hex = (s: string) => Buffer.from(s).toString('hex');
  const cases: [string, string, string][] = [
    [
      'message edited',
      mutate((e) => {
        e.operation.message = hex('Treasury withdrawal of 9000 VE');
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'message + digest edited',
      mutate((e) => {
        const msg = new TextEncoder().encode('Treasury withdrawal of 9000 VE');
        e.operation.message = Buffer.from(msg).toString('hex');
        e.operation.digest = Buffer.from(sha256(msg)).toString('hex');
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'description edited',
      mutate((e) => {
        e.operation.description = 'harmless';
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'expiry extended',
      mutate((e) => {
        e.operation.expiresAt += 1e9;
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'weight raised',
      mutate((e) => {
        e.group.signers[0].weight = 3;
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'threshold lowered',
      mutate((e) => {
        e.group.threshold = 1;
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'signer key swapped',
      mutate((e) => {
        e.group.signers[2].publicKey = Buffer.from(OUTSIDER.publicKey).toString('hex');
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'signature flipped',
      mutate((e) => {
        const s = e.operation.signatures[0].signature;
        e.operation.signatures[0].signature = (s[0] === '0' ? '1' : '0') + s.slice(1);
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'signature from outsider',
      mutate((e) => {
        e.operation.signatures[0].publicKey = Buffer.from(OUTSIDER.publicKey).toString('hex');
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'duplicated signature',
      mutate((e) => {
        e.operation.signatures.push(e.operation.signatures[0]);
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'COMPLETE claimed',
      mutate((e) => {
        e.operation.status = 'COMPLETE';
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'unknown status',
      mutate((e) => {
        e.operation.status = 'APPROVED';
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'extra field',
      mutate((e) => {
        e.operation.finalSignature = 'x';
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'missing field',
      mutate((e) => {
        delete e.operation.nonce;
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'wrong type',
      mutate((e) => {
        e.type = 'something.else';
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'future version',
      mutate((e) => {
        e.version = 2;
      }),
      'SCHEMA_TOO_NEW',
    ],
    [
      'version as string',
      mutate((e) => {
        e.version = '1';
      }),
      'INVALID_ENVELOPE',
    ],
    [
      'upper-case hex',
      mutate((e) => {
        e.operation.message = e.operation.message.toUpperCase();
      }),
      'INVALID_ENVELOPE',
    ],
    ['not json', '{"type":', 'INVALID_ENVELOPE'],
    ['array', '[]', 'INVALID_ENVELOPE'],
  ];
  for (const [name, text, c] of cases) await assert.rejects(importEnvelope(b, text), code(c), name);
  assert.equal((await b.list()).length, 0, 'nothing was imported');
  // The genuine envelope still imports; a CANCELLED envelope (fail-safe) stops the local copy.
  await importEnvelope(b, JSON.stringify(good));
  const cancelled = await importEnvelope(
    b,
    mutate((e) => {
      e.operation.status = 'CANCELLED';
      e.operation.cancelReason = 'revoked on device A';
    }),
  );
  assert.equal(cancelled.status, 'CANCELLED');
  assert.equal(cancelled.cancelReason, 'revoked on device A');
});

test('an imported envelope past its deadline is EXPIRED', async () => {
  const a = await setup();
  const env = await exportEnvelope(a.m, a.op.id);
  const later = clock(a.c.t + 25 * 3600_000);
  const b = await MultisigManager.create({ clock: later.now });
  await b.createGroup(groupInput());
  assert.equal((await importEnvelope(b, env)).status, 'EXPIRED');
});
