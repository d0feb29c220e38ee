// Ed25519 constants and byte/BigInt helpers shared by the Ed25519 tests.
import crypto from 'node:crypto';

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
