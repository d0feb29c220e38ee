// Curve inputs: SEC 1 §2.3.4 public keys, publicAdd tweaks, strict DER
// (BIP-66) and compact ECDSA signatures, BIP-340 Schnorr and RFC 8032 Ed25519
// verification. Reference: @noble/curves on the same bytes.
import { secp256k1 as nobleK, schnorr as nobleSchnorr } from '@noble/curves/secp256k1.js';
import { ed25519 as nobleEd } from '@noble/curves/ed25519.js';
import { secp256k1, ed25519 } from '../../src/core/index.ts';
import { bytesEqual, toHex } from '../../src/bytes.ts';
import { VaultkeyError } from '../../src/errors.ts';
import { Disagreement, type Target } from '../harness.ts';
import { mutateBytes } from '../mutate.ts';
import type { Rng } from '../prng.ts';

function maybe(rng: Rng, valid: Uint8Array, len: number): Uint8Array {
  const r = rng.int(6);
  if (r === 0) return rng.bytes(rng.bool() ? len : rng.int(len * 2 + 2));
  if (r === 1) return valid;
  return mutateBytes(rng, valid);
}

function privKey(rng: Rng): Uint8Array {
  for (;;) {
    const k = rng.bytes(32);
    if (nobleK.utils.isValidSecretKey(k)) return k;
  }
}

function nobleAccepts(f: () => unknown): unknown {
  try {
    return f();
  } catch {
    return undefined;
  }
}

export const secpPublicKey: Target<{ pub: Uint8Array; tweak: Uint8Array }> = {
  name: 'secp-pubkey',
  gen(rng) {
    const pub = secp256k1.getPublicKey(privKey(rng), rng.bool());
    const tweak = rng.int(8) === 0 ? rng.pick([new Uint8Array(32), nobleK.Point.Fn.toBytes(nobleK.Point.Fn.ORDER - 1n)]) : rng.bytes(32);
    return { pub: maybe(rng, pub, 65), tweak: rng.bool(0.2) ? mutateBytes(rng, tweak) : tweak };
  },
  run({ pub, tweak }) {
    const ok = secp256k1.isValidPublicKey(pub);
    const ref = nobleAccepts(() => nobleK.Point.fromBytes(pub)) as InstanceType<typeof nobleK.Point> | undefined;
    if (ok !== (ref !== undefined)) throw new Disagreement(`isValidPublicKey ${ok}, @noble/curves ${ref !== undefined}`);
    const conv = secp256k1.publicKeyConvert(pub, true);
    if (!ref || !bytesEqual(conv, ref.toBytes(true))) throw new Disagreement('publicKeyConvert differs');
    const sum = secp256k1.publicAdd(pub, tweak, true);
    const t = BigInt(`0x${toHex(tweak)}`);
    if (t >= nobleK.Point.Fn.ORDER) throw new Disagreement('publicAdd accepted a tweak >= n (BIP-32 requires IL < n)');
    const expect = (t === 0n ? ref : ref.add(nobleK.Point.BASE.multiply(t))).toBytes(true);
    if (!bytesEqual(sum, expect)) throw new Disagreement('publicAdd differs from @noble/curves');
  },
};

export const secpSignature: Target<{ der: Uint8Array; compact: Uint8Array; digest: Uint8Array; pub: Uint8Array }> = {
  name: 'secp-signature',
  gen(rng) {
    const k = privKey(rng);
    const digest = rng.bytes(32);
    const { signature } = secp256k1.sign(digest, k);
    const der = secp256k1.signatureToDER(signature);
    return { der: maybe(rng, der, 72), compact: maybe(rng, signature, 64), digest, pub: secp256k1.getPublicKey(k) };
  },
  run({ der, compact, digest, pub }) {
    let fromDer: Uint8Array | undefined;
    let firstError: unknown;
    try {
      fromDer = secp256k1.signatureFromDER(der);
      const ref = nobleAccepts(() => nobleK.Signature.fromBytes(der, 'der'));
      // noble also range-checks r and s, which signatureFromDER leaves to verify
      if (ref && !bytesEqual((ref as { toBytes(f: string): Uint8Array }).toBytes('compact'), fromDer)) {
        throw new Disagreement('signatureFromDER differs from @noble/curves');
      }
    } catch (e) {
      if (e instanceof Disagreement) throw e;
      firstError = e;
    }
    for (const sig of fromDer ? [fromDer, compact] : [compact]) {
      const ours = secp256k1.verify(sig, digest, pub);
      const ref = nobleAccepts(() => nobleK.verify(sig, digest, pub, { prehash: false, lowS: true, format: 'compact' })) === true;
      if (ours !== ref) throw new Disagreement(`verify ${ours}, @noble/curves ${ref}`);
    }
    if (firstError) throw firstError;
  },
};

export const schnorr: Target<{ sig: Uint8Array; msg: Uint8Array; pub: Uint8Array }> = {
  name: 'schnorr',
  gen(rng) {
    const k = privKey(rng);
    const msg = rng.bytes(rng.bool() ? 32 : rng.int(64));
    const sig = secp256k1.schnorr.sign(msg, k, rng.bytes(32));
    const pub = secp256k1.schnorr.getPublicKey(k);
    const which = rng.int(3);
    return {
      sig: which === 0 ? sig : maybe(rng, sig, 64),
      msg: which === 1 ? mutateBytes(rng, msg) : msg,
      pub: which === 2 ? maybe(rng, pub, 32) : pub,
    };
  },
  run({ sig, msg, pub }) {
    const ours = secp256k1.schnorr.verify(sig, msg, pub);
    const ref = nobleAccepts(() => nobleSchnorr.verify(sig, msg, pub)) === true;
    if (ours !== ref) throw new Disagreement(`schnorr.verify ${ours}, @noble/curves ${ref}`);
    if (!ours) throw new RejectedFalse();
  },
};

export const ed25519Verify: Target<{ sig: Uint8Array; msg: Uint8Array; pub: Uint8Array }> = {
  name: 'ed25519',
  gen(rng) {
    const secret = rng.bytes(32);
    const msg = rng.bytes(rng.int(80));
    const sig = ed25519.sign(msg, secret);
    const pub = ed25519.getPublicKey(secret);
    const which = rng.int(3);
    return {
      sig: which === 0 ? sig : maybe(rng, sig, 64),
      msg: which === 1 ? mutateBytes(rng, msg) : msg,
      pub: which === 2 ? maybe(rng, pub, 32) : pub,
    };
  },
  run({ sig, msg, pub }) {
    const ours = ed25519.verify(sig, msg, pub);
    // RFC 8032 §5.1.7 strict decoding (not ZIP-215's permissive rules)
    const ref = nobleAccepts(() => nobleEd.verify(sig, msg, pub, { zip215: false })) === true;
    if (ours !== ref) throw new Disagreement(`ed25519.verify ${ours}, @noble/curves ${ref}`);
    if (!ours) throw new RejectedFalse();
  },
};

/** A verify that returned false counts as the rejected path (its typed answer). */
class RejectedFalse extends VaultkeyError {
  constructor() {
    super('INVALID_SIGNATURE', 'verify returned false');
  }
}
