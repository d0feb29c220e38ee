#!/usr/bin/env node
// `npm start`: installs if needed, builds, serves the demo wallet in examples/
// on localhost (with the strict CSP) and starts the localhost bridge beside it.
// The terminal shows only what a person needs: the page's address and, when the
// page asks, the bridge's pairing code. The bridge's JSON logs go to
// build/demo/bridge.log (or to this terminal with `npm start -- --verbose`).
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { serveStatic } from './serve.mjs';
import { startDemoBridge } from './demo-bridge.mjs';
import { buildDemoAssets } from './demo-assets.mjs';

const verbose = process.argv.includes('--verbose');
const root = new URL('..', import.meta.url).pathname;
process.chdir(root);
const tty = process.stdout.isTTY;
const bold = (s) => (tty ? `\x1b[1m${s}\x1b[22m` : s);
const dim = (s) => (tty ? `\x1b[2m${s}\x1b[22m` : s);

if (!existsSync('node_modules')) execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
process.stdout.write('Building vaultkey… ');
const t0 = Date.now();
// The build's own report (bundle sizes) only when asked for, or when it fails.
const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: verbose ? 'inherit' : 'pipe', encoding: 'utf8' });
if (build.status !== 0) {
  process.stdout.write('failed\n');
  if (!verbose) process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}`);
  process.exit(build.status ?? 1);
}
// The page's own third-party modules (the QR code renderer), bundled into build/demo/.
await buildDemoAssets({ root });
console.log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

const port = Number(process.env.PORT ?? 5173);
const site = await serveStatic({ root, port });
// localhost, not 127.0.0.1: WebAuthn (passkeys) needs a domain as its RP ID.
const origin = `http://localhost:${site.port}`;
const demo = `${origin}/examples/`;

mkdirSync('build/demo', { recursive: true });
const logFile = 'build/demo/bridge.log';
const logStream = verbose ? process.stderr : createWriteStream(logFile, { flags: 'a' });
const logger = (entry) => logStream.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);

/** The pairing code, set apart from everything else: the person copies it into the page. */
function showPairingCode({ origin: from, code, expiresAt }) {
  const until = new Date(expiresAt).toTimeString().slice(0, 8);
  const line = `  Pairing code:  ${bold(code)}  `;
  const width = `  Pairing code:  ${code}  `.length;
  console.log(`\n  ┌${'─'.repeat(width)}┐`);
  console.log(`  │${line}│`);
  console.log(`  └${'─'.repeat(width)}┘`);
  console.log(`  asked by ${from}, valid until ${until}.`);
  console.log('  Type it in the page only if you pressed "Ask the bridge for a pairing code" there yourself.\n');
}

const bridge = await startDemoBridge({
  root,
  origins: [origin, `http://127.0.0.1:${site.port}`],
  logger,
  onPairingCode: showPairingCode,
}).catch((e) => {
  console.error(`The bridge did not start (${e.message}); the HSM panel will say so. Everything else works.`);
  return null;
});

console.log(`\n  Demo wallet:  ${bold(demo)}`);
if (bridge) console.log(`  Bridge:       http://127.0.0.1:${bridge.port}, ${bridge.hsm}`);
console.log(dim(`  ${verbose ? 'Bridge logs below.' : `Bridge logs: ${logFile} (or npm start -- --verbose)`}`));
console.log('\n  Open the address above in Chrome or Edge. Press Ctrl-C to stop.\n');

const stop = async () => {
  await bridge?.close?.();
  await site.close();
  if (!verbose) logStream.end();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
