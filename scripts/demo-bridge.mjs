// The bridge `npm start` runs beside the demo page: the built vaultkey-bridge
// with the demo's origin on its allowlist and, when SoftHSM2 is installed, a
// demo token kept in .softhsm/ (created on first run, PIN in .softhsm/pin, 0600).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { join, resolve } from 'node:path';

const MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const UTIL = '/usr/bin/softhsm2-util';
const LABEL = 'vaultkey-demo';

function demoToken(root) {
  if (!existsSync(MODULE) || !existsSync(UTIL)) return null;
  const dir = resolve(root, '.softhsm');
  const conf = join(dir, 'softhsm2.conf');
  const pinFile = join(dir, 'pin');
  if (!existsSync(conf)) {
    mkdirSync(join(dir, 'tokens'), { recursive: true, mode: 0o700 });
    writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
    const pin = String(randomInt(100000, 999999));
    writeFileSync(pinFile, pin, { mode: 0o600 });
    execFileSync(UTIL, ['--init-token', '--free', '--label', LABEL, '--pin', pin, '--so-pin', String(randomInt(10000000, 99999999))], {
      env: { ...process.env, SOFTHSM2_CONF: conf },
      stdio: 'ignore',
    });
  }
  process.env.SOFTHSM2_CONF = conf;
  return { module: MODULE, tokenLabel: LABEL, pinFile };
}

/** `logger` receives the bridge's structured log entries (default: JSON lines on stderr); `onPairingCode` each pairing code. */
export async function startDemoBridge({ root, origins, port = 21879, onPairingCode, logger }) {
  const { startBridge } = await import('vaultkey-bridge');
  const pkcs11 = demoToken(root);
  const bridge = await startBridge({
    port,
    allowedOrigins: origins,
    ...(pkcs11 ? { pkcs11 } : {}),
    ...(onPairingCode ? { onPairingCode } : {}),
    ...(logger ? { logger } : {}),
  });
  return { ...bridge, hsm: pkcs11 ? `SoftHSM2 token "${LABEL}"` : 'no PKCS#11 module (apt-get install softhsm2)' };
}
