// The lazy parts: data that only some features need, fetched the first time
// one of them runs instead of with the first load (docs/vault.md "Lazy parts",
// scripts/bundle-size.mjs):
//   argon2        build/argon2.wasm (base64 of its gzip): Argon2id KDFs
//   ed25519       build/ed25519.wasm (likewise): Ed25519 keys and signatures
//   secp256k1-verify  build/secp256k1-verify.wasm (likewise): secp256k1 ECDSA
//                 verification and recovery, BIP-340 verification
//   slip39-words  the SLIP-0039 word list (SLIP-0039 §Wordlist), space-separated
//   bip39-words   the English BIP-39 word list (BIP-39 §Wordlist), space-separated:
//                 only the vault worker fetches it, to make or read a mnemonic
// Each part is one string, exactly what build/<part>-inline.js exports.
//
// This module only holds parts and asks a source for the missing ones; it
// has no import() of its own, because the vault worker imports it and the
// worker's graph must not split (Vite's default IIFE worker build). Who the
// source is depends on the realm:
//   - Node: ./parts-default.ts, import() of the build/*-inline.js module;
//   - a browser page: the same loader, set by the entry points (./parts-page.ts);
//   - the browser worker: its page, over comlink (worker/parts.ts), and the
//     worker keeps a part only when its SHA-256 is the digest built into it.
import { VaultkeyError } from '../errors.js';
import { defaultPartSource } from './parts-default.js';

export type PartName = 'argon2' | 'ed25519' | 'secp256k1-verify' | 'slip39-words' | 'bip39-words';
export const PART_NAMES: readonly PartName[] = ['argon2', 'ed25519', 'secp256k1-verify', 'slip39-words', 'bip39-words'];

export type PartSource = (name: PartName) => Promise<string>;

const have = new Map<PartName, string>();
const pending = new Map<PartName, Promise<string>>();
let source: PartSource | undefined = defaultPartSource;

/** Where missing parts come from in this realm; a source set before stays. */
export function setPartSource(s: PartSource): void {
  source ??= s;
}

/** The part `name`, from the source on first use (one fetch at a time per part). */
export function part(name: PartName): Promise<string> {
  const got = have.get(name);
  if (got !== undefined) return Promise.resolve(got);
  let p = pending.get(name);
  if (!p) {
    const s = source;
    if (!s) return Promise.reject(new VaultkeyError('NOT_INITIALIZED', `vaultkey's ${name} part is not loaded here`));
    p = s(name).then(
      (data) => {
        pending.delete(name);
        have.set(name, data);
        return data;
      },
      (e: unknown) => {
        pending.delete(name); // a later call may try again
        throw e;
      },
    );
    pending.set(name, p);
  }
  return p;
}

/** Hands this realm a part it carries itself (a static import of build/<part>-inline.js): no fetch, no check. */
export function registerPart(name: PartName, data: string): void {
  if (!have.has(name)) have.set(name, data);
}

/** The part if this realm already holds it, else undefined (never fetches). */
export function partIfLoaded(name: PartName): string | undefined {
  return have.get(name);
}
