// The two pieces of the backup payload (./format.ts) that the vault worker
// needs itself: it builds and wipes payloads, while the formats that encode,
// encrypt and parse them run in its backup worker (worker/vault/formats-host.browser.ts).
// A module of their own, so the vault worker's bundle does not carry format.ts.
import type { BackupPayload } from './format.js';

export const PAYLOAD_VERSION = 1;

/** Zeroes every secret of a payload (seeds, private keys, mnemonic bytes). */
export function wipePayload(p: BackupPayload): void {
  if (!p || !Array.isArray(p.keys)) return;
  for (const k of p.keys) {
    if (k?.secret instanceof Uint8Array) k.secret.fill(0);
    if (k?.mnemonic instanceof Uint8Array) k.mnemonic.fill(0);
  }
}
