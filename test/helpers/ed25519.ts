// Ed25519 constants and byte/BigInt helpers shared by the Ed25519 tests.
import crypto from 'node:crypto';
import { ed25519 as noble } from '@noble/curves/ed25519.js';

/** The prime order of the base point (RFC 8032 §5.1). */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** The field prime 2^255 - 19. */
export const P = 2n ** 255n - 19n;
export const leToBig = (b: Uint8Array) => BigInt('0x' + (Buffer.from(b).reverse().toString('hex') || '0'));
export const bigToLe = (x: bigint, n = 32) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Number(x & 255n);
    x >>= 8n;
  }
  return out;
};
export const sha512 = (...parts: Uint8Array[]) => {
  const h = crypto.createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

const Pt = noble.Point;
/** A point of @noble/curves' Ed25519. */
export type EdPoint = InstanceType<typeof Pt>;

/**
 * A point T8 of order 8 and the whole 8-torsion E[8] as SMALL[j] = [j]T8 for
 * j = 0..7. T8 is the torsion part [L]Q of a random point Q, kept when
 * [4]T8 != O (E(F_p) is Z_L x Z_8, so [L]Q lies in Z_8 and has order 8 for
 * most Q).
 */
export function smallOrderPoints(): { T8: EdPoint; SMALL: EdPoint[] } {
  for (;;) {
    let q: EdPoint;
    try {
      q = Pt.fromBytes(crypto.randomBytes(32));
    } catch {
      continue;
    }
    const t = q.multiplyUnsafe(L - 1n).add(q);
    if (t.multiplyUnsafe(4n).equals(Pt.ZERO)) continue;
    return { T8: t, SMALL: Array.from({ length: 8 }, (_, j) => (j === 0 ? Pt.ZERO : t.multiplyUnsafe(BigInt(j)))) };
  }
}

/**
 * The encodings of the first `count` values y = 2, 3, ... (sign bit clear) that decode to no point:
 * (y^2 - 1) / (d y^2 + 1) has no square root (RFC 8032 §5.1.3 step 3), as @noble/curves finds.
 */
export function offCurveEncodings(count: number): { y: bigint; enc: Uint8Array }[] {
  const out: { y: bigint; enc: Uint8Array }[] = [];
  for (let y = 2n; out.length < count; y++) {
    const enc = bigToLe(y);
    try {
      Pt.fromBytes(enc);
    } catch {
      out.push({ y, enc });
    }
  }
  return out;
}
