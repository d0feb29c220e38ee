// vaultkey-bridge under load: 32 concurrent paired clients (each with its own
// pairing token) sign on a SoftHSM2 token for a few seconds, at pkcs11.poolSize
// 1, 2, 4 and 8. Reports signatures/s, p50/p99 latency and errors. The rate
// limit is raised so the bridge and token are measured, not the limiter.
// Run: node --import tsx bench/bridge.ts   (BENCH_SECONDS=3, BENCH_ALG=secp256k1|ed25519|p256)
import { createHash } from 'node:crypto';
import { startBridge } from '../bridge/server.ts';
import { BridgeClient } from '../src/bridge-client/index.ts';
import { createSoftHsmToken } from '../test/helpers/softhsm.ts';

const ORIGIN = 'https://bench.example';
const CLIENTS = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ALG = (process.env.BENCH_ALG ?? 'secp256k1') as 'secp256k1' | 'ed25519' | 'p256';
const originFetch: typeof fetch = (input, init) =>
  fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), origin: ORIGIN } });

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const token = await createSoftHsmToken({ label: 'bench' });
console.log(`# vaultkey-bridge load: ${CLIENTS} paired clients, ${SECONDS} s per pool size, ${ALG}, SoftHSM2`);
console.log('| poolSize | signatures/s | p50 ms | p99 ms | errors |');
console.log('|---:|---:|---:|---:|---:|');
try {
  for (const poolSize of [1, 2, 4, 8]) {
    let onCode: (c: string) => void = () => {};
    const bridge = await startBridge({
      port: 0,
      allowedOrigins: [ORIGIN],
      pkcs11: { module: token.modulePath, tokenLabel: token.label, pin: token.pin, poolSize },
      rateLimit: { burst: 1e6, perSecond: 1e6 },
      pairingRateLimit: { burst: 1e6, perSecond: 1e6 },
      onPairingCode: (e) => onCode(e.code),
      logger: () => {},
    });
    try {
      const clients: BridgeClient[] = [];
      for (let i = 0; i < CLIENTS; i++) {
        const c = new BridgeClient({ url: `http://127.0.0.1:${bridge.port}`, fetch: originFetch });
        const code = new Promise<string>((r) => (onCode = r));
        await c.pair();
        await c.completePairing(await code);
        clients.push(c);
      }
      const key = await clients[0]!.generateKey(ALG);
      const digest = new Uint8Array(createHash('sha256').update('bench').digest());
      const prehashed = ALG !== 'ed25519';
      for (const c of clients) await c.sign(key.id, digest, { prehashed }); // warm-up
      const lat: number[] = [];
      let errors = 0;
      const end = performance.now() + SECONDS * 1000;
      const started = performance.now();
      await Promise.all(
        clients.map(async (c) => {
          while (performance.now() < end) {
            const t = performance.now();
            try {
              await c.sign(key.id, digest, { prehashed });
              lat.push(performance.now() - t);
            } catch {
              errors++;
            }
          }
        }),
      );
      const secs = (performance.now() - started) / 1000;
      lat.sort((a, b) => a - b);
      console.log(
        `| ${poolSize} | ${(lat.length / secs).toFixed(0)} | ${pct(lat, 50).toFixed(1)} | ${pct(lat, 99).toFixed(1)} | ${errors} |`,
      );
      await clients[0]!.deleteKey(key.id);
    } finally {
      await bridge.close();
    }
  }
} finally {
  await token.cleanup();
}
