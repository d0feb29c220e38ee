// A throwaway SoftHSM2 token for bridge tests. SoftHSM reads its token
// directory from the file named by SOFTHSM2_CONF, so pointing that at a temp
// config keeps tests away from the machine's real tokens (/var/lib/softhsm).
// The variable is set on process.env because the PKCS#11 module is loaded into
// this very process by the bridge under test.
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SOFTHSM_MODULE = process.env.SOFTHSM2_MODULE ?? '/usr/lib/softhsm/libsofthsm2.so';
const SOFTHSM_UTIL = '/usr/bin/softhsm2-util';

export interface SoftHsmToken {
  modulePath: string;
  label: string;
  pin: string;
  soPin: string;
  dir: string;
  cleanup(): Promise<void>;
}

/** Why SoftHSM tests cannot run here, or null when they can. */
export function softHsmUnavailable(): string | null {
  if (!existsSync(SOFTHSM_MODULE)) return `SoftHSM2 module not found at ${SOFTHSM_MODULE} (apt-get install softhsm2)`;
  if (!existsSync(SOFTHSM_UTIL)) return `${SOFTHSM_UTIL} not found (apt-get install softhsm2)`;
  return null;
}

export async function createSoftHsmToken(opts: { label?: string; pin?: string; soPin?: string } = {}): Promise<SoftHsmToken> {
  const label = opts.label ?? 'vaultkey-test';
  const pin = opts.pin ?? '246813';
  const soPin = opts.soPin ?? '97531246';
  const dir = await mkdtemp(join(tmpdir(), 'vaultkey-softhsm-'));
  const tokens = join(dir, 'tokens');
  await mkdir(tokens, { mode: 0o700 });
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const previous = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = conf;
  try {
    await run(SOFTHSM_UTIL, ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin], {
      env: { ...process.env, SOFTHSM2_CONF: conf },
      timeout: 20_000,
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    restore(previous);
    // softhsm2-util echoes no PIN on failure, but keep its output out of the message anyway.
    throw new Error(`softhsm2-util --init-token failed (exit ${(err as { code?: unknown }).code})`);
  }
  return {
    modulePath: SOFTHSM_MODULE,
    label,
    pin,
    soPin,
    dir,
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
      restore(previous);
    },
  };
}

function restore(previous: string | undefined) {
  if (previous === undefined) delete process.env.SOFTHSM2_CONF;
  else process.env.SOFTHSM2_CONF = previous;
}
