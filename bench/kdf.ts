// Passphrase KDF rows: Argon2id at the vault and backup defaults, t=3,
// m=64 MiB, p=1, 32-byte key. vaultkey's own WASM (assembly/argon2/, SIMD, a
// fresh instance and memory per derivation, all of it zeroed before
// returning) against hash-wasm (C ported from Go's x/crypto/argon2, compiled
// to WASM; one instance whose 64 MiB stays allocated between calls) and
// @noble/hashes (pure JS).
// PBKDF2-HMAC-SHA512 rows are in hash.ts.
import crypto from 'node:crypto';
import { argon2id as hwArgon2id } from 'hash-wasm';
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import { argon2idWasm } from '../src/core/argon2-wasm.ts';
import { argon2id, argon2Engine } from '../src/core/argon2.ts';
import { group } from './harness.ts';

export default async function kdfBench(): Promise<void> {
  const password = crypto.randomBytes(20);
  const salt = crypto.randomBytes(16);
  const t = 3,
    m = 65536,
    p = 1,
    dkLen = 32;

  // Same answer from every row before timing any of them.
  const want = Buffer.from(
    await hwArgon2id({ password, salt, iterations: t, memorySize: m, parallelism: p, hashLength: dkLen, outputType: 'binary' }),
  );
  for (const got of [await argon2idWasm(password, salt, { t, m, p, dkLen }), await argon2id(password, salt, { t, m, p, dkLen })]) {
    if (!want.equals(got)) throw new Error('kdf bench: vaultkey and hash-wasm disagree');
  }

  // One derivation takes 0.1-2 s, so each row gets a second per round.
  const result = await group(
    `Argon2id t=3 m=64MiB p=1 (argon2id() engine: ${argon2Engine})`,
    [
      { lib: 'vaultkey (wasm)', fn: () => argon2idWasm(password, salt, { t, m, p, dkLen }) },
      {
        lib: 'hash-wasm',
        fn: () => hwArgon2id({ password, salt, iterations: t, memorySize: m, parallelism: p, hashLength: dkLen, outputType: 'binary' }),
      },
      { lib: '@noble/hashes', fn: () => nobleArgon2id(password, salt, { t, m, p, dkLen }) },
    ],
    { ms: 1000 },
  );
  console.log(`  ms per derivation: ${result.rows.map((r) => `${r.lib} ${(1000 / r.opsPerSec).toFixed(0)}`).join(', ')}`);
}
