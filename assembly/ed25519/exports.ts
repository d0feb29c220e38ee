// WASM exports for Ed25519 (RFC 8032 §5.1), in the calling convention of
// assembly/mem.ts. IO layout:
//   getPublicKey: IO[0..32) secret in            -> IO[32..64) public key
//   sign(len):    IO[0..32) secret, BUF message  -> IO[32..64) public key, IO[64..128) signature
//   verify(len):  IO[0..64) signature, IO[64..96) public key, BUF message -> 1 valid / 0 invalid
// Every export that touches the secret ends with wipeScratch() (mem.ts), which
// zeroes these buffers and those of the hash, scalar, point and field modules;
// JS copies the results out and zeroes IO.

import { IO, BUF, SCRATCH, ED25519_SLOT, wipeScratch } from '../mem';
import { sha512Init, sha512Update, sha512Final, sha512Into } from '../hash/sha512';
import { X, Y, Z, P3_SIZE, encode, encode2, decodeStart, decodeFinish } from './point';
import { scalarmultBase, ensureTables } from './base';
import {
  doubleScalarVartimeKey, doubleScalarVartimeKeySplit, prepareKey, prepareKeySplit, isSmallOrderEncoding,
  tripleScalarVartimeKey,
} from './dsm';
import { scReduce64, scMulAdd, scIsCanonical } from './scalar';
import { feSub, feIsZero, fePow22523 } from './field';
import { fePow22523x2 } from './fpow';
import { halfSize } from './lattice';

const HS: usize = SCRATCH + ED25519_SLOT; // 64: SHA-512(secret): clamped scalar s || prefix
const NH: usize = SCRATCH + ED25519_SLOT + 64; // 64: SHA-512(prefix || M), then r = that mod L
const KH: usize = SCRATCH + ED25519_SLOT + 128; // 64: SHA-512(R || A || M), then k
const CTX: usize = SCRATCH + ED25519_SLOT + 192; // 256: CTX512_SIZE
const PT: usize = SCRATCH + ED25519_SLOT + 448; // 160: P3_SIZE
const PA: usize = SCRATCH + ED25519_SLOT + 608; // 160: P3_SIZE, A during signing
// Public and kept across calls (outside the scratch region): A during verification.
const VA: usize = memory.data(<i32>P3_SIZE, 16);
// The last public key verify() decoded (public data): its bytes and whether it
// was acceptable. Verifying several signatures by one signer skips decoding A,
// its small-order check and the A table, much as a parsed key object would;
// from the key's first reuse on, verify also uses the split ladder of dsm.ts
// (the tables for 2^128 A are built then, once per key).
const KPUB: usize = memory.data(32, 16);
let keyState: i32 = 0; // 0 none, 1 valid (VA and the A table hold it), 2 rejected
let keySplit = false;  // the split tables of the kept key are built
// The public key of the last signing key, with that key's tag (keyTag
// below): signing again with the same secret skips A = [s]B, the second of
// the two base-point multiplications RFC 8032 §5.1.6 needs from a bare
// 32-byte secret, as libsodium's 64-byte secret key (seed || A) and a node
// KeyObject skip it by holding A. Both buffers hold public-equivalent data
// only (A, and a one-way hash of the secret); nothing secret outlives a call.
const SIGN_A: usize = memory.data(32, 16);
const SIGN_TAG: usize = memory.data(32, 16);
// Domain separation of the tag from every hash of RFC 8032 (32 bytes, zero-padded).
const SIGN_DOMAIN: usize = memory.data<u8>([
  0x76, 0x61, 0x75, 0x6c, 0x74, 0x6b, 0x65, 0x79, 0x20, 0x65, 0x64, 0x32, 0x35, 0x35, 0x31, 0x39, // "vaultkey ed25519"
  0x20, 0x73, 0x69, 0x67, 0x6e, 0x69, 0x6e, 0x67, 0x20, 0x6b, 0x65, 0x79, 0x20, 0x74, 0x61, 0x67, // " signing key tag"
]);
let signState: i32 = 0; // 0 none, 1 SIGN_A and SIGN_TAG hold the last signing key

// RFC 8032 §5.1.5 steps 1-3: h = SHA-512(k); s = clamp(h[0..32)).
function expandSecret(secret: usize): void {
  sha512Into(secret, 32, HS);
  store<u8>(HS, load<u8>(HS) & 248);
  store<u8>(HS + 31, (load<u8>(HS + 31) & 127) | 64);
}

/** RFC 8032 §5.1.5: public key A = [s]B of the 32-byte secret at IO[0..32), written to IO[32..64). */
export function ed25519PublicKey(): void {
  expandSecret(IO);
  scalarmultBase(PT, HS);
  encode(IO + 32, PT);
  wipeScratch();
}

/** RFC 8032 §5.1.6: signs BUF[0..len) with the secret at IO[0..32). */
export function ed25519Sign(len: usize): void {
  expandSecret(IO);
  // A = [s]B, unless the last signing key was this one (see SIGN_A above):
  // the tag is compared without early exit, and the one branch on the result
  // says only whether the key is the previous call's.
  keyTag(KH, IO);
  const hit = signState != 0 && eq32(KH, SIGN_TAG);
  if (!hit) scalarmultBase(PA, HS);
  // step 2: r = SHA-512(prefix || M) mod L, hashed in place over BUF
  sha512Init(CTX);
  sha512Update(CTX, HS + 32, 32);
  sha512Update(CTX, BUF, len);
  sha512Final(CTX, NH);
  scReduce64(NH, NH);
  // step 3: R = [r]B
  scalarmultBase(PT, NH);
  if (hit) {
    memory.copy(IO + 32, SIGN_A, 32);
    encode(IO + 64, PT);
  } else {
    encode2(IO + 32, PA, IO + 64, PT);       // A and R share one inversion
    memory.copy(SIGN_A, IO + 32, 32);
    memory.copy(SIGN_TAG, KH, 32);
    signState = 1;
  }
  // step 4: k = SHA-512(R || A || M) mod L
  sha512Init(CTX);
  sha512Update(CTX, IO + 64, 32);
  sha512Update(CTX, IO + 32, 32);
  sha512Update(CTX, BUF, len);
  sha512Final(CTX, KH);
  scReduce64(KH, KH);
  // step 5: S = (r + k * s) mod L
  scMulAdd(IO + 96, NH, KH, HS);
  wipeScratch();
}

// The tag of a signing key: SHA-512(SIGN_DOMAIN || secret), first 32 bytes,
// written to out (64 bytes of scratch). Like A itself it is a one-way image
// of the secret, so keeping it beside A reveals nothing A does not.
function keyTag(out: usize, secret: usize): void {
  sha512Init(CTX);
  sha512Update(CTX, SIGN_DOMAIN, 32);
  sha512Update(CTX, secret, 32);
  sha512Final(CTX, out);
}

// Equality of two 32-byte strings without an early exit.
function eq32(a: usize, b: usize): bool {
  let d: u64 = 0;
  for (let i: usize = 0; i < 32; i += 8) d |= load<u64>(a + i) ^ load<u64>(b + i);
  return d == 0;
}

/**
 * RFC 8032 §5.1.7 with libsodium's extra rules (crypto_sign_verify_detached):
 *  - S must be canonical, S < L (step 1; also RFC 8032 §5.1.7 "MUST").
 *  - A must be a canonical encoding (y < p) of a curve point, not of small order.
 *  - The check is cofactorless: encode([S]B - [k]A) must equal R's 32 bytes,
 *    so a non-canonical R never matches, and R must not be of small order.
 * Returns 1 if the signature at IO[0..64) on BUF[0..len) is valid for the key at IO[64..96).
 */
export function ed25519Verify(len: usize): i32 {
  const sig = IO, pub = IO + 64;
  if (!scIsCanonical(sig + 32)) return 0;
  let reuse = true;
  let rOk = false;
  if (keyState == 0 || !same32(KPUB, pub)) {
    keyState = 0;
    keySplit = false;
    reuse = false;
    // decode (point.ts) accepts only canonical y, so the encoding decides the order
    let ok = decodeStart(VA, pub) && !isSmallOrderEncoding(pub);
    if (ok) {
      // R for verifyHalfSize (which runs for every new key), decoded here so
      // that its square root shares the exponentiation lanes of fpow.ts with
      // A's. rOk is what verifyHalfSize's checks of R gave before (small
      // order, then decode), and only it reads rOk: the kept key (KPUB,
      // keyState, VA) depends on A alone, as before (a rejected key's VA is
      // never read, so a small-order key skips the square root).
      // Measured (loaded machine, two sessions each): npm run bench --
      // ed25519, key changes each call, 0.67x / 0.71x -> 0.70x / 0.70x
      // native libsodium, within its noise; in one process against the
      // previous build (30-60 interleaved rounds of 1000 verifies, six runs):
      // best 70.7-71.9 -> 68.4-69.8 us per verify (about 2 us, the lanes'
      // saving on one exponentiation), medians lower in five of six. The
      // reused-key path is unchanged: bench 0.92x / 0.90x -> 0.90x / 0.90x,
      // best 51-54 us in both builds.
      rOk = !isSmallOrderEncoding(sig) && decodeStart(PR, sig);
      if (rOk) fePow22523x2(VA + X, VA + X, PR + X, PR + X);
      else fePow22523(VA + X, VA + X);
      ok = decodeFinish(VA, pub);
      if (rOk) rOk = decodeFinish(PR, sig);
    }
    if (ok) prepareKey(VA);
    memory.copy(KPUB, pub, 32);
    keyState = ok ? 1 : 2;
  }
  if (keyState != 1) return 0;
  if (reuse && !keySplit) {
    prepareKeySplit(VA);
    keySplit = true;
  }
  sha512Init(CTX);
  sha512Update(CTX, sig, 32);
  sha512Update(CTX, pub, 32);
  sha512Update(CTX, BUF, len);
  sha512Final(CTX, KH);
  scReduce64(KH, KH);
  if (!keySplit) {
    const r = verifyHalfSize(sig, rOk);
    if (r >= 0) return r;
  }
  if (keySplit) doubleScalarVartimeKeySplit(PT, sig + 32, KH);
  else doubleScalarVartimeKey(PT, sig + 32, KH);
  encode(IO + 128, PT);
  for (let i: usize = 0; i < 32; i++) if (load<u8>(IO + 128 + i) != load<u8>(sig + i)) return 0;
  // encode(PT) == R (canonical): PT has small order iff R's y says so
  if (isSmallOrderEncoding(sig)) return 0;
  return 1;
}

// verifyHalfSize's buffers (public values), in the parts of the slot that
// verification leaves unused (HS, NH, PA) or is done with (CTX, after the hash).
const HV: usize = HS;        // v
const HU: usize = HS + 32;   // |u|
const HW: usize = NH;        // w = v S mod L
const ZERO: usize = NH + 32; // 32 zero bytes
const PR: usize = PA;        // R decoded (P3), by ed25519Verify before the hash
const FT: usize = CTX;       // a field element

// The check of ed25519Verify for a new key (the kept key's table in dsm.ts
// holds A, k is at KH), by half-size scalars (lattice.ts): [v]([S]B - [k]A - R)
// = [v S mod L]B - [u]A - [v]R is the identity iff [S]B - [k]A - R is, since v
// is prime to the curve's order 8L. The same acceptance as comparing
// encode([S]B - [k]A) with R's bytes: those bytes equal the encoding of a
// point iff decode() accepts them (canonical y, on the curve, no x = 0 with the
// sign bit set) and that point is the one decoded. Returns 1 valid, 0
// invalid, -1 when the reduction found no short pair (the caller then runs
// the full-size check).
// Measured: see tripleScalarVartimeKey in dsm.ts.
function verifyHalfSize(sig: usize, rOk: bool): i32 {
  const neg = halfSize(HV, HU, KH);
  if (neg < 0) return -1;
  // R of small order, or not a point (ed25519Verify decoded R into PR beside A)
  if (!rOk) return 0;
  memory.fill(ZERO, 0, 32);
  scMulAdd(HW, ZERO, HV, sig + 32);
  tripleScalarVartimeKey(PT, HW, HU, neg == 1, HV, PR);
  // the identity in P2 is (0 : Z : Z)
  if (!feIsZero(PT + X)) return 0;
  feSub(FT, PT + Y, PT + Z);
  return feIsZero(FT);
}

function same32(a: usize, b: usize): bool {
  return load<u64>(a) == load<u64>(b) && load<u64>(a, 8) == load<u64>(b, 8) &&
    load<u64>(a, 16) == load<u64>(b, 16) && load<u64>(a, 24) == load<u64>(b, 24);
}

/** Builds the base-point tables now (optional: they are built on first use). */
export function ed25519Precompute(): void {
  ensureTables();
}
