// One BIP-32 child step (BIP-32 §Child key derivation (CKD) functions) in a
// single call: HMAC-SHA512 over the parent's chain code, the private or
// public tweak, the child's public key and its fingerprint (§Key identifiers).
//
// IO layout (see mem.ts):
//   in   IO+0   parent private key (32, when deriving privately)
//        IO+32  parent chain code (32)
//        IO+64  parent public key, SEC1 compressed (33)
//   out  IO+128 child private key (32, private derivation only)
//        IO+160 child chain code (32)
//        IO+192 child public key, compressed (33)
//        IO+228 child fingerprint: first 4 bytes of HASH160(child public key)
//        IO+240 child public key, uncompressed (65; Ethereum addresses need it)

import { IO, SCRATCH, BIP32_SLOT, wipeScratch } from '../mem';
import { hmac512Key, hmac512 } from '../hash/hmac';
import { sha256Into } from '../hash/sha256';
import { ripemd160Into } from '../hash/ripemd160';
import { privAdd, privLoad, pubAdd, pubSerialize } from '../secp256k1/keys';
import { ecmultGen } from '../secp256k1/ecmult';

const IN_PRIV: usize = IO;
const IN_CHAIN: usize = IO + 32;
const IN_PUB: usize = IO + 64;
const OUT_PRIV: usize = IO + 128;
const OUT_CHAIN: usize = IO + 160;
const OUT_PUB: usize = IO + 192;
const OUT_FP: usize = IO + 228;
const OUT_PUB65: usize = IO + 240;

// In the scratch region (mem.ts); bip32Ckd ends with wipeScratch().
const ICTX: usize = SCRATCH + BIP32_SLOT; // 256: CTX512_SIZE, HMAC keyed by the chain code
const OCTX: usize = SCRATCH + BIP32_SLOT + 256; // 256: CTX512_SIZE
const DATA: usize = SCRATCH + BIP32_SLOT + 512; // 48: 0x00 || k_par || i, or serP(K_par) || i
const I: usize = SCRATCH + BIP32_SLOT + 560; // 64: IL || IR
const K: usize = SCRATCH + BIP32_SLOT + 624; // 32: k_i as a scalar
const PT: usize = SCRATCH + BIP32_SLOT + 656; // 96: GE_SIZE, K_i
const H: usize = SCRATCH + BIP32_SLOT + 752; // 32: SHA-256 for the fingerprint

/** Status codes returned to JS. */
const OK: i32 = 0;
const NEXT_INDEX: i32 = 1; // IL >= n or a zero/infinite child: BIP-32 says use the next index
const BAD_PARENT: i32 = 2;

/**
 * Derives child `index` of the parent in IO. `priv` = 1 for CKDpriv (needs
 * the parent private key, and also the parent public key for non-hardened
 * indexes), 0 for CKDpub (non-hardened only; JS checks that first).
 */
export function bip32Ckd(index: u32, priv: u32): i32 {
  const hardened = index >= 0x80000000;
  // Data = 0x00 || ser256(k_par) || ser32(i)   (hardened)
  //      = serP(K_par) || ser32(i)             (normal)
  if (hardened) {
    store<u8>(DATA, 0);
    memory.copy(DATA + 1, IN_PRIV, 32);
  } else {
    memory.copy(DATA, IN_PUB, 33);
  }
  store<u32>(DATA + 33, bswap<u32>(index));
  hmac512Key(IN_CHAIN, 32, ICTX, OCTX);
  hmac512(ICTX, OCTX, DATA, 37, 0, 0, I);

  let status = OK;
  if (priv) {
    // k_i = parse256(IL) + k_par (mod n); invalid if IL >= n or k_i = 0.
    const r = privAdd(OUT_PRIV, IN_PRIV, I);
    if (r == 1) status = BAD_PARENT;
    else if (r == 2) status = NEXT_INDEX;
    else {
      privLoad(K, OUT_PRIV);
      ecmultGen(PT, K);
      store<u32>(PT, 0, 80);
      pubSerialize(OUT_PUB, PT, 1);
      pubSerialize(OUT_PUB65, PT, 0);
    }
  } else {
    // K_i = point(parse256(IL)) + K_par; invalid if IL >= n or K_i is infinity.
    const r = pubAdd(OUT_PUB65, IN_PUB, 33, I, 0);
    if (r == 1) status = BAD_PARENT;
    else if (r == 2) status = NEXT_INDEX;
    else {
      // Compress from the uncompressed form: prefix 02/03 by the parity of y.
      store<u8>(OUT_PUB, 2 | (load<u8>(OUT_PUB65 + 64) & 1));
      memory.copy(OUT_PUB + 1, OUT_PUB65 + 1, 32);
    }
  }
  if (status == OK) {
    memory.copy(OUT_CHAIN, I + 32, 32);
    sha256Into(OUT_PUB, 33, H);
    ripemd160Into(H, 32, H);
    memory.copy(OUT_FP, H, 4);
  }
  wipeScratch();
  return status;
}

