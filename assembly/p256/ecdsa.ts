// ECDSA over P-256 with SHA-256 digests supplied by the caller (SEC 1 §4.1,
// FIPS 186-4 §6), deterministic nonces per RFC 6979 §3.2 (HMAC-SHA256,
// qlen = hlen = 256). P-256 has no low-S rule: signatures come out as
// computed, and s > n/2 is normalised only when the caller asks (lowS).
// Buffers are in the scratch region (../mem.ts, P256_SLOT + 928 .. 2048);
// the exports end with wipeScratch().

import { SCRATCH, P256_SLOT } from '../mem';
import { fpToBytes } from './field';
import { scFromBytes, scToBytes, scIsZero, scMul, scAdd, scInv, scIsHigh, scCondNeg, scEqual } from './scalar';
import { ptAdd, ptToAffine, ptFromAffine } from './group';
import { ecmultGen, ecmultGenProj, ecmultVar } from './ecmult';
import { privLoad } from './keys';
import { hmac256Key, hmac256 } from '../hash/hmac';

const E0: usize = SCRATCH + P256_SLOT + 928;
const ICTX: usize = E0; // 128: CTX256_SIZE, HMAC keyed by K
const OCTX: usize = E0 + 128; // 128: CTX256_SIZE
const KK: usize = E0 + 256; // 32: HMAC key K
const VV: usize = E0 + 288; // 32: V
const MSG: usize = E0 + 320; // 112: V || byte || x || h1
const D: usize = E0 + 432; // 32: the private key
const Z: usize = E0 + 464; // 32: the digest mod n
const K: usize = E0 + 496; // 32: the nonce, then its inverse
const R: usize = E0 + 528; // 32
const S: usize = E0 + 560; // 32
const RP: usize = E0 + 592; // 64: affine k * G
const XB: usize = E0 + 656; // 32: x(kG) as bytes
const W: usize = E0 + 688; // 32
const U1: usize = E0 + 720; // 32
const U2: usize = E0 + 752; // 32
const QJ: usize = E0 + 784; // 96: u1 G
const QV: usize = E0 + 880; // 96: u2 Q
const PQ: usize = E0 + 976; // 96: Q projective
// E0 + 1072 = P256_SLOT + 2000

function rekey(sep: u8, withKey: bool): void {
  // K = HMAC_K(V || sep [|| x || h1]); V = HMAC_K(V)   (RFC 6979 §3.2 d-g, and the retry step h.3)
  memory.copy(MSG, VV, 32);
  store<u8>(MSG, sep, 32);
  hmac256(ICTX, OCTX, MSG, withKey ? 97 : 33, 0, 0, KK);
  hmac256Key(KK, 32, ICTX, OCTX);
  hmac256(ICTX, OCTX, VV, 32, 0, 0, VV);
}

/**
 * Signs the 32-byte digest at `digest` with the private key at `priv`,
 * writing r || s (64 bytes) to `out`. With lowS set, s > n/2 becomes n - s.
 * Returns 0, or -1 if the key is 0 or >= n.
 */
export function ecdsaSign(out: usize, digest: usize, priv: usize, lowS: u32): i32 {
  if (!privLoad(D, priv)) return -1;
  // h1 as an integer mod n: bits2int then reduced (RFC 6979 §2.3.4 bits2octets).
  scFromBytes(Z, digest);
  // MSG = V (32) || sep (1) || int2octets(x) (32) || bits2octets(h1) (32).
  scToBytes(MSG + 33, D);
  scToBytes(MSG + 65, Z);
  memory.fill(VV, 0x01, 32);
  memory.fill(KK, 0x00, 32);
  hmac256Key(KK, 32, ICTX, OCTX);
  rekey(0x00, true);
  rekey(0x01, true);
  for (;;) {
    hmac256(ICTX, OCTX, VV, 32, 0, 0, VV); // step h.2: V = HMAC_K(V), T = V
    // k = bits2int(T), usable when 1 <= k < n (step h.3; retried with probability ~2^-32).
    const over = scFromBytes(K, VV);
    if ((over | scIsZero(K)) == 0) {
      ecmultGen(RP, K); // R = kG (constant time)
      fpToBytes(XB, RP);
      scFromBytes(R, XB); // r = x(R) mod n
      if (!scIsZero(R)) {
        // s = k^-1 (z + r d) mod n (SEC 1 §4.1.3 step 6)
        scMul(S, R, D);
        scAdd(S, S, Z);
        scInv(K, K);
        scMul(S, S, K);
        if (!scIsZero(S)) {
          scCondNeg(S, S, lowS & scIsHigh(S));
          break;
        }
      }
    }
    rekey(0x00, false); // step h.3
  }
  scToBytes(out, R);
  scToBytes(out + 32, S);
  return 0;
}

/**
 * Verifies r || s at `sig` over the digest with the public key `pub`
 * (affine, Montgomery domain), SEC 1 §4.1.4. Returns 1 if valid. With lowS
 * set, s > n/2 is rejected. Public data, variable time.
 */
export function ecdsaVerify(sig: usize, digest: usize, pub: usize, lowS: u32): u32 {
  const ro = scFromBytes(R, sig);
  const so = scFromBytes(S, sig + 32);
  if (ro | so | scIsZero(R) | scIsZero(S)) return 0;
  if (lowS && scIsHigh(S)) return 0;
  scFromBytes(Z, digest);
  scInv(W, S);
  scMul(U1, Z, W);
  scMul(U2, R, W);
  ecmultGenProj(QJ, U1);
  ptFromAffine(PQ, pub);
  ecmultVar(QV, U2, PQ);
  ptAdd(QJ, QJ, QV);
  if (ptToAffine(RP, QJ)) return 0; // the identity
  fpToBytes(XB, RP);
  scFromBytes(W, XB); // x(R) mod n
  return scEqual(W, R);
}

