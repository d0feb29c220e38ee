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

import { IO } from '../mem';
import { CTX512_SIZE } from '../hash/sha512';
import { hmac512Key, hmac512, wipeHmac } from '../hash/hmac';
import { sha256Into, wipe256 } from '../hash/sha256';
import { ripemd160Into } from '../hash/ripemd160';
import { privAdd, privLoad, pubAdd, pubSerialize } from '../secp256k1/keys';
import { ecmultGen } from '../secp256k1/ecmult';
import { scWipe } from '../secp256k1/scalar';
import { GE_SIZE } from '../secp256k1/group';

const IN_PRIV: usize = IO;
const IN_CHAIN: usize = IO + 32;
const IN_PUB: usize = IO + 64;
const OUT_PRIV: usize = IO + 128;
const OUT_CHAIN: usize = IO + 160;
const OUT_PUB: usize = IO + 192;
const OUT_FP: usize = IO + 228;
const OUT_PUB65: usize = IO + 240;

const ICTX: usize = memory.data(<i32>CTX512_SIZE, 16);
const OCTX: usize = memory.data(<i32>CTX512_SIZE, 16);
const DATA: usize = memory.data(48, 16);
const I: usize = memory.data(64, 16);
const K: usize = memory.data(32, 16);
const PT: usize = memory.data(<i32>GE_SIZE, 16);
const H: usize = memory.data(32, 16);

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
  memory.fill(ICTX, 0, CTX512_SIZE);
  memory.fill(OCTX, 0, CTX512_SIZE);
  memory.fill(DATA, 0, 48);
  memory.fill(I, 0, 64);
  memory.fill(K, 0, 32);
  memory.fill(PT, 0, GE_SIZE);
  memory.fill(H, 0, 32);
  scWipe();
  wipeHmac();
  wipe256();
  return status;
}

