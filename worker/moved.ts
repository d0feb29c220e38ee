// Secret bytes sent from one of vaultkey's workers to the other (the vault
// worker and its backup worker, worker/backup-browser.ts): each array is
// copied into a buffer of its own and that buffer is transferred, so the
// message leaves no copy with the sender (the sender still owns, and wipes,
// its original). The copy matters too: posting a view clones its whole
// buffer, which for a view into WASM memory or a pooled buffer would send far
// more than the secret.
import type { BackupPayload } from '../src/backup/format.js';

/** A copy of `b` in a buffer of its own, listed in `into` for transfer. */
export function movable(b: Uint8Array, into: Transferable[]): Uint8Array {
  const c = b.slice();
  into.push(c.buffer);
  return c;
}

/** A copy of a payload whose byte arrays are movable (see movable). */
export function movablePayload(p: BackupPayload, into: Transferable[]): BackupPayload {
  return {
    ...p,
    keys: p.keys.map((k) => ({
      ...k,
      secret: movable(k.secret, into),
      ...(k.mnemonic ? { mnemonic: movable(k.mnemonic, into) } : {}),
      ...(k.publicKey ? { publicKey: movable(k.publicKey, into) } : {}),
    })),
  };
}
