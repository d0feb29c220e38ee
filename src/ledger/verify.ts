// Local checks on what the device returns: public key -> address (EIP-55),
// the digests the Ethereum app signs (EIP-191, EIP-712, transactions), and
// signature recovery. Recovery goes through a one-method interface so the
// implementation can be swapped (vaultkey/core's WASM secp256k1 later).
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { fromHex as hexToBytes, toHex } from '../bytes.js';
import { VaultkeyError } from '../errors.js';
import { concatBytes } from './apdu.js';

export interface SignatureRecovery {
  /** Public key (33-byte compressed or 65-byte uncompressed) that produced `sig64` (r||s) over `digest32`. Throws if none. */
  recoverPublicKey(sig64: Uint8Array, recovery: number, digest32: Uint8Array): Uint8Array;
}

/** Default implementation on @noble/curves (audited, constant-time where it matters). */
export const nobleRecovery: SignatureRecovery = {
  recoverPublicKey(sig64, recovery, digest32) {
    const sig = secp256k1.Signature.fromBytes(sig64, 'compact').addRecoveryBit(recovery);
    return sig.recoverPublicKey(digest32).toBytes(false);
  },
};

export const keccak256 = (b: Uint8Array): Uint8Array => keccak_256(b);

export { toHex };

/** Hex from a device or an app: `0x` prefix and either case accepted. */
export function fromHex(s: string, what: string): Uint8Array {
  return hexToBytes(s, what, 'INVALID_ARGUMENT', { lenient: true });
}

/** 33-byte compressed form of a 33/65-byte SEC1 key, without curve arithmetic (only the y parity is needed). */
export function compressPublicKey(pub: Uint8Array): Uint8Array {
  if (pub.length === 33 && (pub[0] === 2 || pub[0] === 3)) return pub;
  if (pub.length === 65 && pub[0] === 4) {
    const out = new Uint8Array(33);
    out[0] = 2 + (pub[64]! & 1);
    out.set(pub.subarray(1, 33), 1);
    return out;
  }
  throw new VaultkeyError('INVALID_KEY', 'Public key must be 33 or 65 SEC1 bytes');
}

export function samePublicKey(a: Uint8Array, b: Uint8Array): boolean {
  const x = compressPublicKey(a);
  const y = compressPublicKey(b);
  let d = 0;
  for (let i = 0; i < 33; i++) d |= x[i]! ^ y[i]!;
  return d === 0;
}

/** EIP-55 mixed-case checksum of a 20-byte address. */
export function toChecksumAddress(addr20: Uint8Array): string {
  const lower = toHex(addr20);
  const h = toHex(keccak_256(new TextEncoder().encode(lower)));
  let out = '0x';
  for (let i = 0; i < 40; i++) out += parseInt(h[i]!, 16) >= 8 ? lower[i]!.toUpperCase() : lower[i]!;
  return out;
}

/** Yellow Paper: address = last 20 bytes of keccak256(X || Y) of the uncompressed key. */
export function addressFromPublicKey(pub65: Uint8Array): string {
  if (pub65.length !== 65 || pub65[0] !== 4) throw new VaultkeyError('INVALID_KEY', 'Need a 65-byte uncompressed public key');
  return toChecksumAddress(keccak_256(pub65.subarray(1)).subarray(12));
}

/** EIP-191 version 0x45: keccak256("\x19Ethereum Signed Message:\n" + len + message). */
export function personalMessageDigest(message: Uint8Array): Uint8Array {
  const prefix = new TextEncoder().encode(`\x19Ethereum Signed Message:\n${message.length}`);
  return keccak_256(concatBytes(prefix, message));
}

/** EIP-712: keccak256(0x19 0x01 || domainSeparator || hashStruct(message)). */
export function eip712Digest(domainSeparator: Uint8Array, messageHash: Uint8Array): Uint8Array {
  return keccak_256(concatBytes(Uint8Array.of(0x19, 0x01), domainSeparator, messageHash));
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const bytesToBigInt = (b: Uint8Array) => b.reduce((n, x) => (n << 8n) | BigInt(x), 0n);

/**
 * Recovers the signer of `sig64` over `digest` and compares it with the key the
 * device reported for the path. Also enforces low-S (EIP-2): the app signs
 * with RFC 6979 and normalises s, and a high-S signature would be rejected by
 * Ethereum nodes for transactions anyway.
 */
export function checkSignature(
  rec: SignatureRecovery,
  sig64: Uint8Array,
  recovery: number,
  digest: Uint8Array,
  expected: Uint8Array,
): void {
  const r = bytesToBigInt(sig64.subarray(0, 32));
  const s = bytesToBigInt(sig64.subarray(32, 64));
  if (r === 0n || r >= N || s === 0n || s >= N) throw new VaultkeyError('INVALID_SIGNATURE', 'Device signature is out of range');
  if (s > N >> 1n) throw new VaultkeyError('INVALID_SIGNATURE', 'Device signature is not low-S (EIP-2)');
  let got: Uint8Array;
  try {
    got = rec.recoverPublicKey(sig64, recovery, digest);
  } catch (e) {
    throw new VaultkeyError('INVALID_SIGNATURE', 'Device signature does not recover to a public key', { cause: e });
  }
  let same = false;
  try {
    same = samePublicKey(got, expected);
  } catch {
    same = false;
  }
  if (!same) throw new VaultkeyError('INVALID_SIGNATURE', "Device signature does not match the device's public key for this path");
}
