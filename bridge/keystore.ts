// Platform keystore provider: Secret Service (Linux), Keychain (macOS),
// Credential Manager (Windows) through @napi-rs/keyring. It stores small
// secret blobs by name, e.g. a vault wrapping key. Each origin gets its own
// service name, so one paired site can never read another site's secrets.
import { BridgeError } from './errors.js';
import type { Logger } from './log.js';

type KeyringModule = typeof import('@napi-rs/keyring');

export interface KeystoreConfig {
  /** Prefix of the service name entries are stored under; the origin is appended. */
  service?: string;
  /** Largest blob accepted, bytes. */
  maxSecretBytes?: number;
}

export const SECRET_NAME = /^[A-Za-z0-9._-]{1,128}$/;

function mapKeyringError(err: unknown, what: string): BridgeError {
  if (err instanceof BridgeError) return err;
  // The binding's messages describe the platform failure (no D-Bus, locked
  // collection...), never the secret, but keep only a bounded first line.
  const detail = String((err as Error)?.message ?? err)
    .split('\n')[0]!
    .slice(0, 200);
  return new BridgeError(503, 'BRIDGE_KEYSTORE_UNAVAILABLE', `${what}: the platform keystore is unavailable (${detail})`);
}

export class KeystoreProvider {
  private constructor(
    private readonly mod: KeyringModule,
    private readonly cfg: KeystoreConfig,
    private readonly log: Logger,
  ) {}

  static async open(cfg: KeystoreConfig, log: Logger): Promise<KeystoreProvider> {
    let mod: KeyringModule;
    try {
      mod = await import('@napi-rs/keyring');
    } catch (cause) {
      throw new BridgeError(503, 'BRIDGE_NOT_CONFIGURED', 'the @napi-rs/keyring package is not installed', { cause });
    }
    return new KeystoreProvider(mod, cfg, log);
  }

  private entry(origin: string, name: string) {
    if (typeof name !== 'string' || !SECRET_NAME.test(name)) {
      throw new BridgeError(400, 'INVALID_ARGUMENT', 'name must be 1-128 characters of A-Z a-z 0-9 . _ -');
    }
    return new this.mod.AsyncEntry(`${this.cfg.service ?? 'vaultkey-bridge'} ${origin}`, name);
  }

  async set(origin: string, name: string, secret: Buffer): Promise<void> {
    const e = this.entry(origin, name);
    const max = this.cfg.maxSecretBytes ?? 4096;
    if (secret.length === 0 || secret.length > max) throw new BridgeError(400, 'INVALID_LENGTH', `secret must be 1-${max} bytes`);
    try {
      await e.setSecret(secret);
    } catch (err) {
      throw mapKeyringError(err, 'store secret');
    } finally {
      secret.fill(0);
    }
    this.log({ level: 'info', event: 'keystore.set', origin, name });
  }

  async get(origin: string, name: string): Promise<Buffer> {
    const e = this.entry(origin, name);
    let v: number[] | null;
    try {
      v = await e.getSecret();
    } catch (err) {
      throw mapKeyringError(err, 'read secret');
    }
    if (v === null) throw new BridgeError(404, 'BRIDGE_SECRET_NOT_FOUND', 'no secret with this name for this origin');
    return Buffer.from(v);
  }

  async delete(origin: string, name: string): Promise<void> {
    const e = this.entry(origin, name);
    let deleted: boolean;
    try {
      deleted = await e.deleteCredential();
    } catch (err) {
      throw mapKeyringError(err, 'delete secret');
    }
    if (!deleted) throw new BridgeError(404, 'BRIDGE_SECRET_NOT_FOUND', 'no secret with this name for this origin');
    this.log({ level: 'info', event: 'keystore.delete', origin, name });
  }
}
