// The bridge load suite for `npm run bench`: bench/bridge.ts (SoftHSM2 token in a
// temp dir, 32 paired clients, poolSize 1/2/4/8) in a child process per
// algorithm, so its token and sockets never share this process with the
// in-process suites. BENCH_SECONDS (default 20) sets the time per pool size.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export default async function bridge(): Promise<void> {
  if (!existsSync('/usr/bin/softhsm2-util')) {
    console.log('\n# bridge: skipped, SoftHSM2 is not installed (sudo apt-get install -y softhsm2)');
    return;
  }
  for (const alg of ['secp256k1', 'ed25519']) {
    console.log('');
    const r = spawnSync(process.execPath, ['--import', 'tsx', new URL('./bridge.ts', import.meta.url).pathname], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_ALG: alg, BENCH_SECONDS: process.env.BENCH_SECONDS ?? '20' },
    });
    if (r.status !== 0) throw new Error(`bench/bridge.ts (${alg}) exited with ${r.status}`);
  }
}
