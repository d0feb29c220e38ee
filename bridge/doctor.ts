// `vaultkey-bridge doctor`: checks a configuration without serving anything.
// Each line is `pass` or `FAIL` with what to do about it; the exit status is
// 0 when every check passed, 1 otherwise (docs/bridge.md §1).
import net from 'node:net';
import { statSync } from 'node:fs';
import type { BridgeOptions } from './server.js';
import { DEFAULT_PORT } from './server.js';
import { normalizeOrigin } from './security.js';
import { readState } from './state.js';
import { Pkcs11Provider } from './pkcs11.js';
import { KeystoreProvider } from './keystore.js';
import { silentLogger } from './log.js';
import type { BridgeError } from './errors.js';

export interface DoctorLine {
  ok: boolean;
  check: string;
  /** What was found (pass) or what to do (FAIL). */
  detail: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function portFree(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve(null)));
  });
}

export async function runDoctor(options: Omit<BridgeOptions, 'logger' | 'onPairingCode'>): Promise<DoctorLine[]> {
  const out: DoctorLine[] = [];
  const add = (ok: boolean, check: string, detail: string) => out.push({ ok, check, detail });

  // Allowlist: parseable, exact, and not plain http on a network host (a
  // network attacker can serve that origin).
  const origins = options.allowedOrigins ?? [];
  if (origins.length === 0) add(false, 'allowlist', 'no allowed origins: add --allow-origin https://your.app');
  for (const o of origins) {
    try {
      const n = normalizeOrigin(o);
      const u = new URL(n);
      if (u.protocol === 'http:' && !LOOPBACK_HOSTS.has(u.hostname))
        add(false, 'allowlist', `${n} is plain http on a network host: anyone on the network path can serve it; use https`);
      else add(true, 'allowlist', n);
    } catch (err) {
      add(false, 'allowlist', `${(err as Error).message}`);
    }
  }

  const port = options.port ?? DEFAULT_PORT;
  if (port === 0) add(true, 'port', 'port 0: a free port is picked at start-up');
  else {
    const busy = await portFree(port);
    if (busy === null) add(true, 'port', `127.0.0.1:${port} is free`);
    else
      add(
        false,
        'port',
        `127.0.0.1:${port} is not free (${busy}): stop the process using it (a running bridge?) or choose another --port (pages need the new URL)`,
      );
  }

  if (options.stateFile) {
    try {
      const s = readState(options.stateFile);
      let mode = '';
      try {
        const m = statSync(options.stateFile).mode & 0o777;
        if (m & 0o077) mode = `mode ${m.toString(8)}`;
      } catch {
        /* not created yet */
      }
      if (mode) add(false, 'state file', `${options.stateFile} is readable by others (${mode}): chmod 600 it`);
      else add(true, 'state file', `${options.stateFile}: ${s.tokens.length} pairing(s), ${s.revoked.length} revoked`);
    } catch (err) {
      add(false, 'state file', (err as Error).message);
    }
  }

  if (options.pkcs11) {
    let hsm: Pkcs11Provider | null = null;
    try {
      hsm = await Pkcs11Provider.open(options.pkcs11, silentLogger);
      add(true, 'PKCS#11 module', `${options.pkcs11.module} loads`);
      add(true, 'token', `"${hsm.tokenLabel}" found`);
    } catch (err) {
      const e = err as BridgeError;
      if (/cannot load|not installed/.test(e.message))
        add(false, 'PKCS#11 module', `${options.pkcs11.module}: ${e.message}; check the path and that the vendor client is installed`);
      else {
        add(true, 'PKCS#11 module', `${options.pkcs11.module} loads`);
        add(
          false,
          'token',
          `${e.message}: list tokens with \`pkcs11-tool --module ${options.pkcs11.module} -L\` and set --token-label to one of them`,
        );
      }
    }
    if (hsm) {
      const c = options.pkcs11;
      if (c.pin === undefined && !c.pinEnv && !c.pinFile) {
        add(
          !!c.allowPagePin,
          'login',
          c.allowPagePin ? 'no PIN source: pages log in with pkcs11/login' : 'no PIN source: add --pin-env VAR or --pin-file FILE',
        );
      } else {
        try {
          await hsm.probeLogin();
          add(true, 'login', 'the token accepted the configured PIN');
        } catch (err) {
          const e = err as BridgeError;
          add(false, 'login', `${e.code}: ${e.message}; fix the PIN source (a wrong PIN counts against the token's retry limit)`);
        }
      }
      await hsm.close();
    }
  }

  if (options.keystore) {
    try {
      const ks = await KeystoreProvider.open(options.keystore === true ? {} : options.keystore, silentLogger);
      await ks.get('vaultkey-bridge doctor', 'probe').catch((err: BridgeError) => {
        if (err.code !== 'BRIDGE_SECRET_NOT_FOUND') throw err;
      });
      add(true, 'keystore', 'the platform keystore answers');
    } catch (err) {
      const e = err as BridgeError;
      add(
        false,
        'keystore',
        `${e.code ?? 'error'}: ${e.message}; on Linux start a Secret Service (GNOME Keyring, KWallet) in this session and unlock it`,
      );
    }
  }
  return out;
}

export function formatDoctor(lines: DoctorLine[]): string {
  return lines.map((l) => `${l.ok ? 'pass' : 'FAIL'}  ${l.check.padEnd(15)} ${l.detail}\n`).join('');
}
