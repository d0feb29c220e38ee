// Extended keys (BIP-32 §Serialization format, SLIP-0132 versions) and path
// strings (BIP-32 §The key tree). Reference: @scure/bip32 for xprv/xpub and
// tprv/tpub, whose public key and chain code must match whenever both accept.
import { HDKey as Scure } from '@scure/bip32';
import { createBase58check } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { HDKey, formatPath, parsePath, HARDENED } from '../../src/core/index.ts';
import { bytesEqual } from '../../src/bytes.ts';
import { Disagreement, type Target } from '../harness.ts';
import { mutateBytes, mutateString } from '../mutate.ts';
import type { Rng } from '../prng.ts';

const b58c = createBase58check(sha256);
const TESTNET = { private: 0x04358394, public: 0x043587cf };

function validExtendedKey(rng: Rng): string {
  let k = HDKey.fromMasterSeed(rng.bytes(16 + rng.int(49)));
  for (let d = rng.int(3); d > 0; d--) k = k.deriveChild(rng.bool() ? rng.int(10) : HARDENED + rng.int(10));
  const network = rng.pick(['mainnet', 'testnet'] as const);
  const script = rng.pick(['p2pkh', 'p2sh-p2wpkh', 'p2wpkh'] as const);
  return k.toExtendedKey(rng.bool(), { network, script });
}

export const extendedKey: Target<string> = {
  name: 'extended-key',
  gen(rng) {
    const valid = validExtendedKey(rng);
    switch (rng.int(4)) {
      case 0: // any Base58 text
        return mutateString(rng, valid);
      case 1: // random payload, valid checksum
        return b58c.encode(rng.bytes(rng.pick([78, 78, 77, 79, rng.int(100)])));
      default: {
        // a real key's 78 bytes mutated, re-checksummed: reaches the field checks
        const raw = mutateBytes(rng, b58c.decode(valid), 1 + rng.int(2));
        return b58c.encode(raw);
      }
    }
  },
  run(xkey) {
    const ours = HDKey.fromExtendedKey(xkey);
    const pfx = xkey.slice(0, 4);
    if (!['xprv', 'xpub', 'tprv', 'tpub'].includes(pfx)) return;
    let ref: Scure;
    try {
      ref = Scure.fromExtendedKey(xkey, pfx[0] === 't' ? TESTNET : undefined);
    } catch (e) {
      throw new Disagreement(`@scure/bip32 rejects what vaultkey accepts: ${(e as Error).message}`);
    }
    if (!bytesEqual(ref.publicKey!, ours.publicKey) || !bytesEqual(ref.chainCode!, ours.chainCode)) {
      throw new Disagreement('public key or chain code differs from @scure/bip32');
    }
    if (ref.depth !== ours.depth || ref.index !== ours.index || ref.parentFingerprint !== ours.parentFingerprint) {
      throw new Disagreement('depth, index or parent fingerprint differs from @scure/bip32');
    }
  },
};

export const path: Target<string> = {
  name: 'path',
  gen(rng) {
    const idx = Array.from({ length: rng.int(8) }, () => (rng.bool() ? rng.int(100) : HARDENED + rng.int(0x80000000)));
    const valid = formatPath(idx);
    return rng.int(5) === 0
      ? String.fromCharCode(...rng.bytes(rng.int(30)))
      : mutateString(rng, rng.bool() ? valid : valid.replaceAll("'", 'h'));
  },
  run(p) {
    const idx = parsePath(p);
    // Independent reading of the same grammar (BIP-32 notation): it must round-trip.
    const canonical = p.replace(/^M/, 'm').replace(/[hH]/g, "'");
    if (formatPath(idx) !== canonical) throw new Disagreement('parsePath does not round-trip through formatPath');
  },
};

interface DeriveInput {
  seed: Uint8Array;
  curve: 'secp256k1' | 'ed25519' | 'nist256p1';
  path: string;
}

/** SLIP-0010 master keys and derivation on every curve; secp256k1 checked against @scure/bip32. */
export const derive: Target<DeriveInput> = {
  name: 'slip10-derive',
  gen(rng) {
    const curve = rng.pick(['secp256k1', 'ed25519', 'nist256p1'] as const);
    const seed = rng.bytes(rng.int(6) === 0 ? rng.int(80) : 16 + rng.int(49));
    // SLIP-0010 §Private parent key: ed25519 derives hardened children only.
    const idx = Array.from({ length: 1 + rng.int(4) }, () => (curve === 'ed25519' || rng.bool() ? HARDENED : 0) + rng.int(1000));
    const p = formatPath(idx);
    return { seed, curve, path: rng.int(3) === 0 ? mutateString(rng, p) : p };
  },
  run({ seed, curve, path }) {
    const k = HDKey.fromMasterSeed(seed, curve).derive(path);
    if (curve !== 'secp256k1') return;
    let ref: Scure;
    try {
      // @scure/bip32 writes hardened as ' only (BIP-32 notation); vaultkey also reads h and H.
      ref = Scure.fromMasterSeed(seed).derive(path.replace(/^M/, 'm').replace(/[hH]/g, "'"));
    } catch (e) {
      throw new Disagreement(`@scure/bip32 rejects what vaultkey accepts: ${(e as Error).message}`);
    }
    if (!bytesEqual(ref.publicKey!, k.publicKey) || !bytesEqual(ref.chainCode!, k.chainCode)) {
      throw new Disagreement('derived key differs from @scure/bip32');
    }
  },
};
