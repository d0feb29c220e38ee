// ECDSA over secp256k1 with SHA-256 digests supplied by the caller
// (SEC 1 §4.1), deterministic nonces per RFC 6979 §3.2 (HMAC-SHA256,
// qlen = hlen = 256), low-S normalization (BIP-62/BIP-146) and the
// recovery id of SEC 1 §4.1.6. The buffers are in the scratch region
// (mem.ts); secp256k1Sign ends with wipeScratch().

import { SCRATCH, ECDSA_SLOT } from '../mem';
import { FE, feFromBytes, feToBytes, feIsOdd, feSqr, feMul, feEqual } from './field';
import { scFromBytes, scToBytes, scIsZero, scMul, scAdd, scInv, scIsHigh, scCondNeg, scNeg } from './scalar';
import { geSetXo, geSetGej, gejIsInf } from './group';
import { ecmultGen } from './ecmult';
import { ecmultV } from './ecmult-verify';
import { privLoad } from './keys';
import { hmac256Key, hmac256 } from '../hash/hmac';

const ICTX: usize = SCRATCH + ECDSA_SLOT; // 128: CTX256_SIZE, HMAC keyed by K
const OCTX: usize = SCRATCH + ECDSA_SLOT + 128; // 128: CTX256_SIZE
const KK: usize = SCRATCH + ECDSA_SLOT + 256; // 32: HMAC key K
const VV: usize = SCRATCH + ECDSA_SLOT + 288; // 32: V
const MSG: usize = SCRATCH + ECDSA_SLOT + 320; // 112: V || byte || x || h1
const D: usize = SCRATCH + ECDSA_SLOT + 432; // 32: the private key
const Z: usize = SCRATCH + ECDSA_SLOT + 464; // 32: the digest mod n
const K: usize = SCRATCH + ECDSA_SLOT + 496; // 32: the nonce, then its inverse
const R: usize = SCRATCH + ECDSA_SLOT + 528; // 32
const S: usize = SCRATCH + ECDSA_SLOT + 560; // 32
const RP: usize = SCRATCH + ECDSA_SLOT + 592; // 80: TE_SIZE, k * G
const XB: usize = SCRATCH + ECDSA_SLOT + 672; // 32

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
 * writing r || s (64 bytes) to `out`. Returns the recovery id (0..3), or -1
 * if the key is 0 or >= n.
 */
export function ecdsaSign(out: usize, digest: usize, priv: usize): i32 {
  const ok = privLoad(D, priv);
  if (!ok) return -1;
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
  let recid: i32 = 0;
  for (;;) {
    hmac256(ICTX, OCTX, VV, 32, 0, 0, VV);          // step h.2: V = HMAC_K(V), T = V
    // k = bits2int(T); usable when 1 <= k < n (the loop repeats with probability ~2^-128).
    const over = scFromBytes(K, VV);
    if ((over | scIsZero(K)) == 0) {
      ecmultGen(RP, K);                           // R = kG (constant time)
      feToBytes(XB, RP);
      const xover = scFromBytes(R, XB);          // r = x(R) mod n
      if (!scIsZero(R)) {
        // s = k^-1 (z + r d) mod n
        scMul(S, R, D);
        scAdd(S, S, Z);
        scInv(K, K);
        scMul(S, S, K);
        if (!scIsZero(S)) {
          recid = <i32>((xover << 1) | feIsOdd(RP + FE));
          // Low-S: s > n/2 becomes n - s, which flips the parity of R's y.
          const high = scIsHigh(S);
          scCondNeg(S, S, high);
          recid ^= <i32>high;
          break;
        }
      }
    }
    rekey(0x00, false);                          // step h.3
  }
  scToBytes(out, R);
  scToBytes(out + 32, S);
  return recid;
}

// Verification and recovery (public inputs), in the region too.
const W: usize = SCRATCH + ECDSA_SLOT + 704; // 32
const NBYTES: usize = memory.data<u32>([0xd0364141, 0xbfd25e8c, 0xaf48a03b, 0xbaaedce6, 0xfffffffe, 0xffffffff, 0xffffffff, 0xffffffff]);
const XF: usize = SCRATCH + ECDSA_SLOT + 736; // 48: a field element (40 bytes)
const Z2: usize = SCRATCH + ECDSA_SLOT + 784; // 48: a field element (40 bytes)
const U1: usize = SCRATCH + ECDSA_SLOT + 832; // 32
const U2: usize = SCRATCH + ECDSA_SLOT + 864; // 32
const QJ: usize = SCRATCH + ECDSA_SLOT + 896; // 128: GEJ_SIZE

/** Reads r and s; 1 iff both are in [1, n-1]. Public data. */
function loadRS(sig: usize): u32 {
  const ro = scFromBytes(R, sig);
  const so = scFromBytes(S, sig + 32);
  return (ro | so | scIsZero(R) | scIsZero(S)) ^ 1;
}

/**
 * Verifies r || s at `sig` over the digest with the parsed public key `pub`
 * (affine GE). Returns 1 if valid. With lowS set, s > n/2 is rejected (BIP-146).
 */
export function ecdsaVerify(sig: usize, digest: usize, pub: usize, lowS: u32): u32 {
  if (!loadRS(sig)) return 0;
  if (lowS && scIsHigh(S)) return 0;
  scFromBytes(Z, digest);
  scInv(W, S);
  scMul(U1, Z, W);
  scMul(U2, R, W);
  ecmultV(QJ, U1, pub, U2);
  if (gejIsInf(QJ)) return 0;
  // x(Q) mod n == r without an inversion: x(Q) = X/Z^2 is r or r + n (the
  // latter only when r + n < p), so compare X with r Z^2 and (r + n) Z^2.
  scToBytes(XB, R);
  feFromBytes(XF, XB);
  feSqr(Z2, QJ + 2 * FE);
  feMul(XF, XF, Z2);
  if (feEqual(XF, QJ)) return 1;
  if (!rPlusN(XB)) return 0;
  feFromBytes(XF, XB);
  feMul(XF, XF, Z2);
  return feEqual(XF, QJ);
}

/** XB = bytes(R + n); 1 if that is still a field element (< p). */
function rPlusN(xb: usize): u32 {
  let c: u64 = 0;
  for (let i: usize = 0; i < 32; i += 4) {
    c += <u64>load<u32>(R + i) + <u64>load<u32>(NBYTES + i);
    store<u32>(U1 + i, <u32>c);
    c >>= 32;
  }
  if (c != 0) return 0;
  scToBytes(xb, U1);
  return feFromBytes(XF, xb);
}

const RG: usize = SCRATCH + ECDSA_SLOT + 1024; // 96: GE_SIZE

/**
 * Recovers the public key (affine, into `out` GE) from r || s, the recovery
 * id and the digest (SEC 1 §4.1.6). Returns 1 on success. Accepts any
 * s in [1, n-1] (recovery does not judge malleability).
 */
export function ecdsaRecover(out: usize, sig: usize, recid: u32, digest: usize): u32 {
  if (recid > 3) return 0;
  if (!loadRS(sig)) return 0;
  // x = r (+ n when bit 1 is set); must stay below p.
  if (recid & 2) {
    if (!rPlusN(XB)) return 0;
  } else {
    scToBytes(XB, R);
    feFromBytes(XF, XB);
  }
  if (!geSetXo(RG, XF, recid & 1)) return 0;
  scFromBytes(Z, digest);
  scInv(W, R);
  scMul(U1, Z, W);
  scNeg(U1, U1);          // -z / r
  scMul(U2, S, W);        //  s / r
  ecmultV(QJ, U1, RG, U2);
  if (gejIsInf(QJ)) return 0;
  geSetGej(out, QJ);
  return 1;
}
