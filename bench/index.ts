// `npm run bench [-- name ...]`: runs vaultkey and its peers side by side in
// one process and prints ops/s and ratios. Each capability adds a suite here.
import os from 'node:os';
import hash from './hash.ts';
import hd from './hd.ts';
import secp256k1 from './secp256k1.ts';
import batch from './schnorr-batch.ts';
import p256 from './p256.ts';
import ed25519 from './ed25519.ts';
import ed25519Batch from './ed25519-batch.ts';
import kdf from './kdf.ts';
import browser from './browser.ts';
import size from './size.ts';
import bridge from './bridge-suite.ts';

const suites: Record<string, () => Promise<void>> = {
  hash,
  hd,
  secp256k1,
  batch, // BIP-340 batch verification per signature (8, 64, 256)
  p256,
  ed25519,
  'ed25519-batch': ed25519Batch,
  kdf,
  size, // bundle sizes for one task: deterministic, no timing
  bridge, // vaultkey-bridge under load on SoftHSM2 (32 paired clients, poolSize 1-8)
  browser, // last: the same kind of rows in Chromium (bench/browser/)
};

const wanted = process.argv.slice(2);
console.log(`vaultkey bench: node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}`);
console.log('medians of interleaved rounds; "vaultkey is Nx" = vaultkey ops/s / peer ops/s');
for (const [name, run] of Object.entries(suites)) {
  if (wanted.length && !wanted.includes(name)) continue;
  await run();
}
