#!/usr/bin/env node
// `npm start`: installs if needed, builds, serves the demo dApp in examples/
// on localhost (with the strict CSP) and starts the localhost bridge beside it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { serveStatic } from './serve.mjs';
import { startDemoBridge } from './demo-bridge.mjs';
import { buildDemoAssets } from './demo-assets.mjs';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);
if (!existsSync('node_modules')) execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
// The page's own third-party modules (the QR code renderer), bundled into build/demo/.
await buildDemoAssets({ root });

const port = Number(process.env.PORT ?? 5173);
const site = await serveStatic({ root, port });
// localhost, not 127.0.0.1: WebAuthn (passkeys) needs a domain as its RP ID.
const origin = `http://localhost:${site.port}`;
const demo = `${origin}/examples/`;

const bridge = await startDemoBridge({ root, origins: [origin, `http://127.0.0.1:${site.port}`] }).catch((e) => {
  console.error(`vaultkey-bridge did not start: ${e.message}`);
  return null;
});

console.log(`\nvaultkey demo dApp: ${demo}`);
if (bridge) console.log(`vaultkey-bridge:    http://127.0.0.1:${bridge.port}, ${bridge.hsm}; pairing codes appear here`);
console.log('press Ctrl-C to stop');

const stop = async () => {
  await bridge?.close?.();
  await site.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
