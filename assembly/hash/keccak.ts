// Keccak-256 as Ethereum uses it (addresses, EIP-55, EIP-191/712 digests):
// the Keccak-f[1600] permutation of FIPS 202 §3 in the sponge of §4 with rate
// 1088 bits (136 bytes) and capacity 512, but the padding of the original
// Keccak submission: message || 0x01 || 0x00... || 0x80 (pad10*1 alone).
// SHA3-256 (FIPS 202 §6.1) first appends the domain bits 01, making that byte 0x06, so
// the two disagree on every input.
//
// Lanes are 64-bit words, little-endian in the byte string (FIPS 202 §3.1.2
// orders the bits of a lane from the low end), which is how WASM loads them:
// absorbing XORs u64 loads of the message straight into the state.
// The state is in the scratch region (mem.ts), zeroed by wipeScratch().
//
// The permutation works on the state in memory, a round at a time with loops
// over rows. The other way measured, the 25 lanes in locals and each round
// written out in full (theta, rho and pi into 25 more locals, chi), is 1.9x
// (64 bytes) to 2.6x (1 KiB) faster in `npm run bench -- hash`, but adds 427
// bytes to the gzipped first load (the module is inlined in the worker), half
// of what this module saves there by replacing a JavaScript Keccak. Ethereum
// hashes are short (a 64-byte key, a 40-character address, a 32-byte digest
// to sign) and take about 2 us this way, little next to the curve arithmetic
// around them (a point decompression, a BIP-32 step, a signature).

import { SCRATCH, KECCAK_SLOT } from '../mem';

/** Rate of Keccak-256 in bytes: (1600 - 2 * 256) / 8. */
const RATE: usize = 136;

// Round constants RC[ir] of iota (FIPS 202 §3.2.5, Algorithm 5 and 6).
const RC: usize = memory.data<u64>([
  0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000, 0x000000000000808b,
  0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008a, 0x0000000000000088,
  0x0000000080008009, 0x000000008000000a, 0x000000008000808b, 0x800000000000008b, 0x8000000000008089,
  0x8000000000008003, 0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
  0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]);

export const ST: usize = SCRATCH + KECCAK_SLOT; // 200: the state A, lane (x, y) at 8 * (x + 5y)

// The rho and pi steps as one walk along the cycle π makes of the 24 lanes
// other than (0, 0): the lane index each step moves to, and the rho offset of
// the lane moved there (FIPS 202 §3.2.2 and §3.2.3).
const PI: usize = memory.data<u8>([10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1]);
const RHO: usize = memory.data<u8>([1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44]);

/** Keccak-f[1600] (FIPS 202 §3.3, Algorithm 7): 24 rounds of theta, rho, pi, chi, iota on the state at st. */
export function keccakF1600(st: usize): void {
  for (let r: usize = 0; r < 192; r += 8) {
    // theta (§3.2.1): each lane takes the parities of two neighbouring columns.
    const c0 = load<u64>(st, 0) ^ load<u64>(st, 40) ^ load<u64>(st, 80) ^ load<u64>(st, 120) ^ load<u64>(st, 160);
    const c1 = load<u64>(st, 8) ^ load<u64>(st, 48) ^ load<u64>(st, 88) ^ load<u64>(st, 128) ^ load<u64>(st, 168);
    const c2 = load<u64>(st, 16) ^ load<u64>(st, 56) ^ load<u64>(st, 96) ^ load<u64>(st, 136) ^ load<u64>(st, 176);
    const c3 = load<u64>(st, 24) ^ load<u64>(st, 64) ^ load<u64>(st, 104) ^ load<u64>(st, 144) ^ load<u64>(st, 184);
    const c4 = load<u64>(st, 32) ^ load<u64>(st, 72) ^ load<u64>(st, 112) ^ load<u64>(st, 152) ^ load<u64>(st, 192);
    const d0 = c4 ^ rotl<u64>(c1, 1);
    const d1 = c0 ^ rotl<u64>(c2, 1);
    const d2 = c1 ^ rotl<u64>(c3, 1);
    const d3 = c2 ^ rotl<u64>(c4, 1);
    const d4 = c3 ^ rotl<u64>(c0, 1);
    for (let y: usize = 0; y < 200; y += 40) {
      const p = st + y;
      store<u64>(p, load<u64>(p, 0) ^ d0, 0);
      store<u64>(p, load<u64>(p, 8) ^ d1, 8);
      store<u64>(p, load<u64>(p, 16) ^ d2, 16);
      store<u64>(p, load<u64>(p, 24) ^ d3, 24);
      store<u64>(p, load<u64>(p, 32) ^ d4, 32);
    }
    // rho and pi (§3.2.2, §3.2.3), starting from lane (1, 0).
    let t = load<u64>(st, 8);
    for (let i: usize = 0; i < 24; i++) {
      const q = st + (<usize>load<u8>(PI + i) << 3);
      const next = load<u64>(q);
      store<u64>(q, rotl<u64>(t, <u64>load<u8>(RHO + i)));
      t = next;
    }
    // chi (§3.2.4), a row at a time.
    for (let y: usize = 0; y < 200; y += 40) {
      const p = st + y;
      const b0 = load<u64>(p, 0), b1 = load<u64>(p, 8), b2 = load<u64>(p, 16), b3 = load<u64>(p, 24), b4 = load<u64>(p, 32);
      store<u64>(p, b0 ^ (~b1 & b2), 0);
      store<u64>(p, b1 ^ (~b2 & b3), 8);
      store<u64>(p, b2 ^ (~b3 & b4), 16);
      store<u64>(p, b3 ^ (~b4 & b0), 24);
      store<u64>(p, b4 ^ (~b0 & b1), 32);
    }
    // iota (§3.2.5)
    store<u64>(st, load<u64>(st) ^ load<u64>(RC + r));
  }
}

/** Keccak-256 of p[0..len) -> out[0..32). */
export function keccak256Into(p: usize, len: usize, out: usize): void {
  const st = ST;
  memory.fill(st, 0, 200);
  while (len >= RATE) {
    for (let i: usize = 0; i < RATE; i += 8) store<u64>(st + i, load<u64>(st + i) ^ load<u64>(p + i));
    keccakF1600(st);
    p += RATE;
    len -= RATE;
  }
  for (let i: usize = 0; i < len; i++) store<u8>(st + i, load<u8>(st + i) ^ load<u8>(p + i));
  store<u8>(st + len, load<u8>(st + len) ^ 0x01);
  store<u8>(st + RATE - 1, load<u8>(st + RATE - 1) ^ 0x80);
  keccakF1600(st);
  memory.copy(out, st, 32);
}
