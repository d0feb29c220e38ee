// Multisig operation envelopes (src/multisig/envelope.ts): envelopes exported
// by a real MultisigManager (in memory), with 0 to 2 signatures, mutated as
// text and as JSON structure, parsed by parseEnvelope.
import { ed25519, secp256k1 } from '../../src/core/index.ts';
import { exportEnvelope, MultisigManager, parseEnvelope } from '../../src/multisig/index.ts';
import { fromHex } from '../../src/bytes.ts';
import type { Target } from '../harness.ts';
import { mutateJson, mutateString } from '../mutate.ts';

const NOW = 1_700_000_000_000;
let envelopes: Promise<string[]> | undefined;

async function make(): Promise<string[]> {
  const priv = (b: number) => new Uint8Array(32).fill(b);
  const signers = [
    { label: 'A', curve: 'secp256k1' as const, weight: 2, publicKey: secp256k1.getPublicKey(priv(1)), priv: priv(1) },
    { label: 'B', curve: 'ed25519' as const, weight: 1, publicKey: ed25519.getPublicKey(priv(2)), priv: priv(2) },
    { label: 'C', curve: 'secp256k1' as const, weight: 1, publicKey: secp256k1.getPublicKey(priv(3)), priv: priv(3) },
  ];
  const m = await MultisigManager.create({ clock: () => NOW });
  const g = await m.createGroup({
    name: 'Fuzz',
    threshold: 3,
    timeoutMs: 3600_000,
    signers: signers.map(({ label, curve, weight, publicKey }) => ({ label, curve, weight, publicKey })),
  });
  const out: string[] = [];
  for (let n = 0; n < 3; n++) {
    const op = await m.initiate(g.id, new TextEncoder().encode(`operation ${n}`), { initiator: 'fuzz', description: `op ${n}` });
    for (const s of signers.slice(0, n)) {
      const sig =
        s.curve === 'secp256k1'
          ? secp256k1.sign(fromHex(op.digest, 'digest'), s.priv).signature
          : ed25519.sign(fromHex(op.message, 'message'), s.priv);
      await m.addSignature(op.id, s.publicKey, sig);
    }
    out.push(await exportEnvelope(m, op.id));
  }
  return out;
}

export const multisigEnvelope: Target<string | object> = {
  name: 'multisig-envelope',
  async gen(rng) {
    envelopes ??= make();
    const text = rng.pick(await envelopes);
    const r = rng.int(5);
    if (r === 0) return text;
    if (r === 1) return mutateString(rng, text);
    return mutateJson(rng, JSON.parse(text)) as object;
  },
  run(input) {
    parseEnvelope(input, NOW + 1000);
  },
};
