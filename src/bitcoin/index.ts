// vaultkey/bitcoin: bitcoinjs-lib PSBT signers (its `SignerAsync` shape) over
// a vaultkey secp256k1 key. bitcoinjs-lib computes every sighash (BIP-143 for
// segwit v0, BIP-341 for taproot) and assembles the PSBT; this module only
// signs the 32-byte digests it is handed, and verifies each signature before
// returning it.
//
//   toPsbtSigner          ECDSA inputs: P2WPKH (BIP-84), P2SH-P2WPKH, P2PKH.
//   toTaprootPsbtSigner   P2TR key-path spends of a BIP-86 key: the output
//                         key is the internal key tweaked with
//                         HashTapTweak(x(P)) and no script tree (BIP-86,
//                         BIP-341 "Constructing and spending Taproot outputs");
//                         signatures are BIP-340 Schnorr by the tweaked key.
//
// bitcoinjs-lib is not imported: the signer is a plain object of its shape,
// so this entry loads without it and works with any PSBT library that asks for
// `{ publicKey, sign(hash), signSchnorr(hash) }`.
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { VaultkeyError } from '../errors.js';
import { bytesEqual } from '../bytes.js';
import type { Keystore } from '../vault/keystore.js';

export { VaultkeyError } from '../errors.js';

/** A secp256k1 key holder for Bitcoin. */
export interface BitcoinKeySigner {
  /** 33-byte compressed public key (for taproot: the internal key, before the tweak). */
  readonly publicKey: Uint8Array;
  /** ECDSA over a 32-byte digest: 64-byte compact r || s with low S (BIP-146 LOW_S). */
  signEcdsa(digest: Uint8Array): Promise<Uint8Array>;
  /**
   * BIP-340 Schnorr over a 32-byte digest by the private key tweaked with
   * `tweak` as BIP-341 taproot_tweak_seckey does (negate if P has odd y, add t).
   * Optional: a signer without it signs only ECDSA inputs.
   */
  signSchnorr?(digest: Uint8Array, options: { tweak: Uint8Array }): Promise<Uint8Array>;
}

/** bitcoinjs-lib's SignerAsync (Psbt.signInputAsync / signAllInputsAsync). */
export interface PsbtSignerAsync {
  publicKey: Uint8Array;
  sign(hash: Uint8Array, lowR?: boolean): Promise<Uint8Array>;
  signSchnorr?(hash: Uint8Array): Promise<Uint8Array>;
  getPublicKey?(): Uint8Array;
}

/** What keystoreBitcoinSigner uses of a Keystore (a structural type, so wrappers and test doubles fit). */
export type BitcoinKeystoreLike = Pick<Keystore, 'getAddress' | 'sign'> & Partial<Pick<Keystore, 'signSchnorr'>>;

export type BitcoinChain = 'bitcoin' | 'bitcoin-legacy' | 'bitcoin-nested-segwit' | 'bitcoin-taproot' | 'bitcoin-testnet';

export interface KeystoreBitcoinOptions {
  /** Which BIP-44/49/84/86 layout (default 'bitcoin': BIP-84 P2WPKH, m/84'/0'/account'/change/index). */
  chain?: BitcoinChain;
  index?: number;
  account?: number;
  change?: 0 | 1;
}

/**
 * A BitcoinKeySigner for a Keystore key at a BIP-44/49/84/86 position. The
 * private key stays in the vault worker: each signature is one
 * `keystore.sign()` (ECDSA over the digest), so the vault's locks,
 * permissions and lifecycle apply to every one. ECDSA is `keystore.sign()`;
 * BIP-340 Schnorr with a BIP-341 tweak (P2TR key-path spends) is
 * `keystore.signSchnorr()`, the tweaked key made and zeroed in the worker.
 */
export async function keystoreBitcoinSigner(
  keystore: BitcoinKeystoreLike,
  keyId: string,
  options: KeystoreBitcoinOptions = {},
): Promise<BitcoinKeySigner> {
  const { chain = 'bitcoin', index = 0, account, change } = options ?? {};
  const a = await keystore.getAddress(keyId, chain, index, {
    ...(account !== undefined ? { account } : {}),
    ...(change !== undefined ? { change } : {}),
  });
  const pub = compressed(a.publicKey);
  const signOptions = a.path === null ? {} : { path: a.path };
  return {
    publicKey: pub,
    async signEcdsa(digest) {
      checkDigest(digest);
      const r = await keystore.sign(keyId, digest, signOptions);
      // The key read at creation must still be the one signing (a key replaced under the same id must not sign for it).
      if (!bytesEqual(compressed(r.publicKey), pub))
        throw new VaultkeyError('INVALID_KEY', 'the key changed since this signer was created');
      return r.signature;
    },
    ...(typeof keystore.signSchnorr === 'function'
      ? {
          async signSchnorr(digest: Uint8Array, o: { tweak: Uint8Array }) {
            checkDigest(digest);
            const r = await keystore.signSchnorr!(keyId, digest, { ...signOptions, tweak: o.tweak });
            if (!bytesEqual(compressed(r.publicKey), pub))
              throw new VaultkeyError('INVALID_KEY', 'the key changed since this signer was created');
            return r.signature;
          },
        }
      : {}),
  };
}

/**
 * A bitcoinjs-lib SignerAsync for ECDSA inputs (P2WPKH, P2SH-P2WPKH, P2PKH)
 * of `signer`'s key. Every signature is verified against the public key
 * (@noble/curves) and must be low-S before it goes into the PSBT.
 */
export function toPsbtSigner(signer: BitcoinKeySigner): PsbtSignerAsync {
  const pub = checkSigner(signer);
  return {
    publicKey: pub,
    getPublicKey: () => pub.slice(),
    // lowR (grinding for a 70-byte DER signature) is not done: signatures stay RFC 6979 as the key holder made them.
    async sign(hash) {
      checkDigest(hash);
      const sig = await signer.signEcdsa(hash);
      if (!(sig instanceof Uint8Array) || sig.length !== 64)
        throw new VaultkeyError('INVALID_SIGNATURE', 'expected a 64-byte r || s signature');
      // lowS: BIP-146 makes high-S non-standard; prehash false: the digest is already the BIP-143 / legacy sighash.
      if (!secp256k1.verify(sig, hash, pub, { prehash: false, lowS: true, format: 'compact' }))
        throw new VaultkeyError('INVALID_SIGNATURE', 'the signature does not verify for this key');
      return sig.slice();
    },
  };
}

/**
 * A bitcoinjs-lib SignerAsync for P2TR key-path inputs of a BIP-86 key.
 * `publicKey` is the tweaked output key (what the P2TR scriptPubKey holds, so
 * bitcoinjs-lib matches it to the input), and each `signSchnorr` asks the key
 * holder for a BIP-340 signature with the BIP-86 tweak, verified against the
 * output key before it is returned. The key holder must implement
 * `signSchnorr` (a Keystore signer does; one without it: UNSUPPORTED).
 */
export function toTaprootPsbtSigner(signer: BitcoinKeySigner): PsbtSignerAsync {
  const internal = checkSigner(signer);
  if (typeof signer.signSchnorr !== 'function')
    throw new VaultkeyError('UNSUPPORTED', 'this key holder cannot sign BIP-340 Schnorr: it cannot spend P2TR outputs');
  const { outputKey, tweak } = taprootTweak(internal);
  // bitcoinjs-lib compares x-only keys; 0x02 || x is the even-y point BIP-340 signs for.
  const publicKey = new Uint8Array(33);
  publicKey[0] = 2;
  publicKey.set(outputKey, 1);
  const sign = async (hash: Uint8Array) => {
    checkDigest(hash);
    const sig = await signer.signSchnorr!(hash, { tweak: tweak.slice() });
    if (!(sig instanceof Uint8Array) || sig.length !== 64)
      throw new VaultkeyError('INVALID_SIGNATURE', 'expected a 64-byte BIP-340 signature');
    if (!schnorr.verify(sig, hash, outputKey))
      throw new VaultkeyError('INVALID_SIGNATURE', 'the signature does not verify for the output key');
    return sig.slice();
  };
  return {
    publicKey,
    getPublicKey: () => publicKey.slice(),
    // bitcoinjs-lib asks ECDSA of a signer only for non-taproot inputs, which this output key does not own.
    async sign() {
      throw new VaultkeyError('UNSUPPORTED', 'a taproot signer signs only P2TR key-path inputs');
    },
    signSchnorr: sign,
  };
}

/**
 * BIP-86 / BIP-341: for internal key P (33-byte compressed), t =
 * HashTapTweak(x(P)) and the output key Q = lift_x(x(P)) + t·G; returns x(Q) and t.
 */
export function taprootTweak(internalKey: Uint8Array): { outputKey: Uint8Array; tweak: Uint8Array } {
  const pub = compressed(internalKey);
  const x = pub.subarray(1);
  const tweak = taggedHash('TapTweak', x);
  const t = bytesToBigInt(tweak);
  // BIP-341 taproot_tweak_pubkey: fail if t >= n (negligible, but specified).
  if (t >= secp256k1.Point.CURVE().n) throw new VaultkeyError('INVALID_KEY', 'the taproot tweak is out of range');
  const P = secp256k1.Point.fromBytes(Uint8Array.of(2, ...x)); // lift_x: the even-y point with this x
  const Q = P.add(secp256k1.Point.BASE.multiply(t));
  return { outputKey: Q.toBytes(true).subarray(1), tweak };
}

// BIP-340 "Design": tagged hash SHA256(SHA256(tag) || SHA256(tag) || msg).
function taggedHash(tag: string, msg: Uint8Array): Uint8Array {
  const t = sha256(new TextEncoder().encode(tag));
  const buf = new Uint8Array(64 + msg.length);
  buf.set(t, 0);
  buf.set(t, 32);
  buf.set(msg, 64);
  return sha256(buf);
}

function bytesToBigInt(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

function checkSigner(signer: BitcoinKeySigner): Uint8Array {
  if (!signer || typeof signer !== 'object' || typeof signer.signEcdsa !== 'function')
    throw new VaultkeyError('INVALID_ARGUMENT', 'expected a signer with publicKey and signEcdsa()');
  return compressed(signer.publicKey);
}

/** The 33-byte compressed form of a secp256k1 public key (public data; INVALID_KEY if it is not a curve point). */
function compressed(pub: unknown): Uint8Array {
  if (!(pub instanceof Uint8Array) || (pub.length !== 33 && pub.length !== 65))
    throw new VaultkeyError('INVALID_KEY', 'a secp256k1 public key is 33 or 65 bytes');
  try {
    return secp256k1.Point.fromBytes(pub).toBytes(true);
  } catch {
    throw new VaultkeyError('INVALID_KEY', 'not a secp256k1 public key');
  }
}

function checkDigest(d: unknown): asserts d is Uint8Array {
  if (!(d instanceof Uint8Array) || d.length !== 32) throw new VaultkeyError('INVALID_LENGTH', 'a sighash is 32 bytes');
}
