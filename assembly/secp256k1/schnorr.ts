// BIP-340 Schnorr signatures: x-only public keys, tagged hashes
// (BIP-340 "Specification": hash_name(x) = SHA256(SHA256(name) || SHA256(name) || x)).

// The working buffers are in the scratch region (mem.ts); the signing exports
// end with wipeScratch(). The tag midstates are public and kept across calls.

import { SCRATCH, SCHNORR_SLOT } from '../mem';
import { FE, feFromBytes, feToBytes, feIsOdd } from './field';
import { scFromBytes, scToBytes, scIsZero, scMul, scAdd, scCondNeg, scNeg } from './scalar';
import { geSetXo, geSetGej, gejIsInf } from './group';
import { ecmultGen } from './ecmult';
import { ecmultV } from './ecmult-verify';
import { privLoad } from './keys';
import { CTX256_SIZE, sha256Init, sha256Update, sha256Final, sha256Into } from '../hash/sha256';

const TAG_AUX: usize = memory.data<u8>([66, 73, 80, 48, 51, 52, 48, 47, 97, 117, 120]); // "BIP0340/aux"
const TAG_NONCE: usize = memory.data<u8>([66, 73, 80, 48, 51, 52, 48, 47, 110, 111, 110, 99, 101]); // "BIP0340/nonce"
const TAG_CHAL: usize = memory.data<u8>([66, 73, 80, 48, 51, 52, 48, 47, 99, 104, 97, 108, 108, 101, 110, 103, 101]); // "BIP0340/challenge"

// Midstates after the 64-byte prefix SHA256(tag) || SHA256(tag): one block, computed
// once. Public, so outside the scratch region: wipeScratch() leaves them.
const MID_AUX: usize = memory.data(<i32>CTX256_SIZE, 16);
const MID_NONCE: usize = memory.data(<i32>CTX256_SIZE, 16);
const MID_CHAL: usize = memory.data(<i32>CTX256_SIZE, 16);
const CTX: usize = SCRATCH + SCHNORR_SLOT; // 128: CTX256_SIZE
const TH: usize = SCRATCH + SCHNORR_SLOT + 128; // 64: tag hash, then bytes(d)
let midReady = false;

function midstate(ctx: usize, tag: usize, len: usize): void {
  sha256Into(tag, len, TH);
  memory.copy(TH + 32, TH, 32);
  sha256Init(ctx);
  sha256Update(ctx, TH, 64);
}

function mids(): void {
  if (midReady) return;
  midstate(MID_AUX, TAG_AUX, 11);
  midstate(MID_NONCE, TAG_NONCE, 13);
  midstate(MID_CHAL, TAG_CHAL, 17);
  midReady = true;
}

const D: usize = SCRATCH + SCHNORR_SLOT + 192; // 32: the private key
const K: usize = SCRATCH + SCHNORR_SLOT + 224; // 32: the nonce
const E: usize = SCRATCH + SCHNORR_SLOT + 256; // 32: the challenge, then s
const P: usize = SCRATCH + SCHNORR_SLOT + 288; // 80: TE_SIZE, d * G
const RP: usize = SCRATCH + SCHNORR_SLOT + 368; // 80: TE_SIZE, k * G
const PX: usize = SCRATCH + SCHNORR_SLOT + 448; // 32
const RX: usize = SCRATCH + SCHNORR_SLOT + 480; // 32
const T: usize = SCRATCH + SCHNORR_SLOT + 512; // 32: t, then rand

/** x-only public key of a private key: 32 bytes to out. Returns 0, or 1 for an invalid key. */
export function schnorrPub(out: usize, priv: usize): i32 {
  if (!privLoad(D, priv)) return 1;
  ecmultGen(P, D);
  feToBytes(out, P);
  return 0;
}

/** e = hash_challenge(rx || px || m) mod n into E. */
function challenge(rx: usize, px: usize, msg: usize, msgLen: usize): void {
  memory.copy(CTX, MID_CHAL, CTX256_SIZE);
  sha256Update(CTX, rx, 32);
  sha256Update(CTX, px, 32);
  sha256Update(CTX, msg, msgLen);
  sha256Final(CTX, T);
  scFromBytes(E, T);
}

/**
 * BIP-340 Sign(sk, m) with auxiliary randomness a (32 bytes): 64-byte
 * signature to out. Returns 0, 1 for an invalid key, 2 if k' = 0 (negligible).
 */
export function schnorrSign(out: usize, priv: usize, aux: usize, msg: usize, msgLen: usize): i32 {
  mids();
  if (!privLoad(D, priv)) return 1;
  ecmultGen(P, D);                                   // P = d'G
  feToBytes(PX, P);
  scCondNeg(D, D, feIsOdd(P + FE));                  // d = d' or n - d' so that P has even y
  // t = bytes(d) xor hash_aux(a)
  memory.copy(CTX, MID_AUX, CTX256_SIZE);
  sha256Update(CTX, aux, 32);
  sha256Final(CTX, T);
  scToBytes(TH, D);
  for (let i: usize = 0; i < 32; i += 4) store<u32>(T + i, load<u32>(T + i) ^ load<u32>(TH + i));
  // rand = hash_nonce(t || bytes(P) || m); k' = int(rand) mod n
  memory.copy(CTX, MID_NONCE, CTX256_SIZE);
  sha256Update(CTX, T, 32);
  sha256Update(CTX, PX, 32);
  sha256Update(CTX, msg, msgLen);
  sha256Final(CTX, T);
  scFromBytes(K, T);
  let rc: i32 = 0;
  if (scIsZero(K)) {
    rc = 2;
  } else {
    ecmultGen(RP, K);                                // R = k'G
    feToBytes(RX, RP);
    scCondNeg(K, K, feIsOdd(RP + FE));               // k = k' or n - k'
    challenge(RX, PX, msg, msgLen);
    scMul(E, E, D);
    scAdd(E, E, K);                                  // s = k + e d mod n
    memory.copy(out, RX, 32);
    scToBytes(out + 32, E);
  }
  return rc;
}

// Verification (public inputs), in the region too.
const XF: usize = SCRATCH + SCHNORR_SLOT + 544; // 48: a field element (40 bytes)
const PG: usize = SCRATCH + SCHNORR_SLOT + 592; // 96: GE_SIZE
const QJ: usize = SCRATCH + SCHNORR_SLOT + 688; // 128: GEJ_SIZE
const QA: usize = SCRATCH + SCHNORR_SLOT + 816; // 96: GE_SIZE
const S: usize = SCRATCH + SCHNORR_SLOT + 912; // 32

/** Parses a 32-byte x-only key into PG (even y). 1 on success. */
export function xonlyParse(r: usize, pub: usize): u32 {
  if (!feFromBytes(XF, pub)) return 0;
  return geSetXo(r, XF, 0);
}

/** BIP-340 Verify(pk, m, sig); 1 if valid. */
export function schnorrVerify(sig: usize, pub: usize, msg: usize, msgLen: usize): u32 {
  mids();
  if (!xonlyParse(PG, pub)) return 0;
  if (!feFromBytes(XF, sig)) return 0;              // r < p
  if (scFromBytes(S, sig + 32)) return 0;           // s < n
  challenge(sig, pub, msg, msgLen);
  scNeg(E, E);
  ecmultV(QJ, S, PG, E);                            // R = sG - eP
  if (gejIsInf(QJ)) return 0;
  geSetGej(QA, QJ);
  if (feIsOdd(QA + FE)) return 0;
  feToBytes(RX, QA);
  let diff: u32 = 0;
  for (let i: usize = 0; i < 32; i += 4) diff |= load<u32>(RX + i) ^ load<u32>(sig + i);
  return diff == 0 ? 1 : 0;
}
