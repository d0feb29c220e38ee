// The encrypted backup file and its payload (docs/backup.md §File format):
// files vaultkey wrote with Argon2id at t=1, m=8 KiB (a millisecond each),
// mutated and opened under caps of 64 KiB, so a mutated cost is refused
// (KDF_LIMIT) rather than run; and the payload decoder directly on mutated
// encodings, since a mutated file rarely gets past the AES-GCM tag.
import { decryptBackup, encryptBackup, inspectBackup } from '../../src/backup/file.ts';
import { type BackupPayload, decodePayload, encodePayload, PAYLOAD_VERSION } from '../../src/backup/format.ts';
import { bytesEqual } from '../../src/bytes.ts';
import { Disagreement, type Target } from '../harness.ts';
import { mutateBytes } from '../mutate.ts';
import type { Rng } from '../prng.ts';

const PASS = 'fuzz passphrase';
const LIMITS = { maxMemoryBytes: 64 * 1024, maxArgon2Blocks: 256 };

function payload(rng: Rng): BackupPayload {
  const keys = Array.from({ length: 1 + rng.int(3) }, (_, i) => {
    const seed = rng.bool();
    return {
      id: `k${i}.${rng.int(1000)}`,
      kind: seed ? ('seed' as const) : ('privateKey' as const),
      label: rng.bool() ? `label ${i}` : '',
      createdAt: 1_700_000_000_000 + rng.int(1e9),
      secret: rng.bytes(seed ? 16 + rng.int(49) : 32),
      ...(rng.bool() ? { paths: ["m/44'/60'/0'/0/0", `m/84'/0'/0'/0/${rng.int(9)}`] } : {}),
    };
  });
  return { version: PAYLOAD_VERSION, createdAt: 1_700_000_000_000, keys, ...(rng.bool() ? { lifecycle: [{ a: rng.int(9) }] } : {}) };
}

export const backupFile: Target<{ file: Uint8Array; intact: Uint8Array }> = {
  name: 'backup-file',
  async gen(rng) {
    const file = await encryptBackup(payload(rng), PASS, { kdf: { t: 1, m: 8, p: 1 }, limits: LIMITS });
    return { file: rng.int(5) === 0 ? file : mutateBytes(rng, file), intact: file };
  },
  async run({ file, intact }) {
    inspectBackup(file);
    const p = await decryptBackup(file, PASS, { limits: LIMITS });
    // AES-GCM and the SHA-256 checksum (docs/backup.md) leave no room for a changed file to open.
    if (!bytesEqual(file, intact) && p) throw new Disagreement('a mutated backup file opened');
  },
  show: ({ file }) => `hex:${Buffer.from(file).toString('hex').slice(0, 400)}`,
};

export const backupPayload: Target<Uint8Array> = {
  name: 'backup-payload',
  gen(rng) {
    const bytes = encodePayload(payload(rng));
    return rng.int(5) === 0 ? bytes : mutateBytes(rng, bytes);
  },
  run(bytes) {
    const p = decodePayload(bytes);
    // What decodes must encode back to bytes that decode to the same payload.
    const again = encodePayload(decodePayload(encodePayload(p)));
    if (!bytesEqual(again, encodePayload(p))) throw new Disagreement('decodePayload does not round-trip');
  },
};
