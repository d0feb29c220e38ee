// Parsers for the BIP-32 and SLIP-0010 test vector sections, read straight
// from the official documents in test/vectors/.
import { readVector } from './vectors.ts';

const pathOf = (chain: string) => chain.replace(/<sub>H<\/sub>/g, "'").trim();

export interface Bip32Vector {
  seed: string;
  chains: { path: string; xpub: string; xprv: string }[];
}

/** BIP-32 "Test vector 1" to "Test vector 4" (vector 5 is the list of invalid keys). */
export function bip32Vectors(): { valid: Bip32Vector[]; invalid: { key: string; reason: string }[] } {
  const text = readVector('bip-0032.mediawiki');
  const sections = text.split(/^===Test vector \d+===$/m).slice(1);
  const valid: Bip32Vector[] = [];
  const invalid: { key: string; reason: string }[] = [];
  for (const s of sections) {
    const seed = /Seed \(hex\): ([0-9a-f]+)/.exec(s)?.[1];
    if (seed) {
      const chains = [...s.matchAll(/^\* Chain (.+)\n\*\* ext pub: (\w+)\n\*\* ext prv: (\w+)/gm)].map((m) => ({
        path: pathOf(m[1]!),
        xpub: m[2]!,
        xprv: m[3]!,
      }));
      valid.push({ seed, chains });
    } else {
      for (const m of s.matchAll(/^\* (\w{100,}) \((.+)\)$/gm)) invalid.push({ key: m[1]!, reason: m[2]! });
    }
  }
  return { valid, invalid };
}

export interface SlipVector {
  curve: string;
  title: string;
  seed: string;
  chains: { path: string; fingerprint: string; chainCode: string; private: string; public: string }[];
}

export function slip10Vectors(): SlipVector[] {
  const text = readVector('slip-0010.md');
  const out: SlipVector[] = [];
  for (const s of text.split(/^### /m).slice(1)) {
    const title = s.split('\n')[0]!.trim();
    const curve = /(secp256k1|nist256p1|ed25519|curve25519)/.exec(title)?.[1];
    const seed = /Seed \(hex\): ([0-9a-f]+)/.exec(s)?.[1];
    if (!curve || !seed) continue;
    const chains = [
      ...s.matchAll(/^\* Chain (.+)\n\s+\* fingerprint: (\w+)\n\s+\* chain code: (\w+)\n\s+\* private: (\w+)\n\s+\* public: (\w+)/gm),
    ].map((m) => ({ path: pathOf(m[1]!), fingerprint: m[2]!, chainCode: m[3]!, private: m[4]!, public: m[5]! }));
    out.push({ curve, title, seed, chains });
  }
  return out;
}
