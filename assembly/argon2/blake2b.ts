// BLAKE2b (RFC 7693) and Argon2's variable-length hash H' (RFC 9106 §3.3).
//
// Argon2 calls BLAKE2b only around the memory fill: once for H0, twice per
// lane for the first blocks, once for the tag. A few dozen compressions
// against ~200,000 block compressions for t=3, m=64 MiB, so this is written
// for clarity and a small code size (state in linear memory, a SIGMA table)
// rather than speed. Every value it reads is either a public parameter or
// secret data used only through data-independent operations: no table index
// or branch depends on a secret (SIGMA is indexed by the round number).
//
// One unkeyed context lives at a fixed address; Argon2 never needs two at a
// time. Words are little-endian (RFC 7693 §2.4), which is WebAssembly's byte
// order, so loads and stores need no byte swapping.

// RFC 7693 §2.6: the IV is the SHA-512 IV (FIPS 180-4 §5.3.5).
const IV: usize = memory.data<u64>([
  0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
  0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
]);

// RFC 7693 §2.7 SIGMA, rows 0-9 then rows 0-1 again for rounds 10 and 11 so
// the compression needs no `round mod 10`. Entries are pre-multiplied by 8:
// they are byte offsets of message words.
const SIGMA: usize = memory.data<u8>([
  0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120,
  112, 80, 32, 64, 72, 120, 104, 48, 8, 96, 0, 16, 88, 56, 40, 24,
  88, 64, 96, 0, 40, 16, 120, 104, 80, 112, 24, 48, 56, 8, 72, 32,
  56, 72, 24, 8, 104, 96, 88, 112, 16, 48, 40, 80, 32, 0, 120, 64,
  72, 0, 40, 56, 16, 32, 80, 120, 112, 8, 88, 96, 48, 64, 24, 104,
  16, 96, 48, 80, 0, 88, 64, 24, 32, 104, 56, 40, 120, 112, 8, 72,
  96, 40, 8, 120, 112, 104, 32, 80, 0, 56, 48, 24, 72, 16, 64, 88,
  104, 88, 56, 112, 96, 8, 24, 72, 40, 0, 120, 32, 64, 48, 16, 80,
  48, 120, 112, 72, 88, 24, 0, 64, 96, 16, 104, 56, 8, 32, 80, 40,
  80, 16, 64, 32, 56, 48, 8, 40, 120, 88, 72, 112, 24, 96, 104, 0,
  0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120,
  112, 80, 32, 64, 72, 120, 104, 48, 8, 96, 0, 16, 88, 56, 40, 24,
]);

// Context: chained state h[0..8], the pending block, the work vector v[0..16],
// the byte counter t (a u64 is enough: Argon2 inputs are < 2^32 bytes, so the
// high word of RFC 7693's 128-bit counter is always zero), the number of
// pending bytes and the digest length nn.
const CTX: usize = memory.data(368, 16);
const H: usize = CTX;
const BUF: usize = CTX + 64;
const V: usize = CTX + 192;
const T: usize = CTX + 320;
const BUFLEN: usize = CTX + 328;
const OUTLEN: usize = CTX + 332;
const LE32: usize = CTX + 336;
const CTX_SIZE: usize = 368;

// RFC 7693 §3.1 mixing function G on v[a], v[b], v[c], v[d] (byte offsets
// into V) with message words x and y.
@inline
function mix(a: usize, b: usize, c: usize, d: usize, x: u64, y: u64): void {
  let va = load<u64>(V + a), vb = load<u64>(V + b), vc = load<u64>(V + c), vd = load<u64>(V + d);
  va = va + vb + x;
  vd = rotr<u64>(vd ^ va, 32);
  vc = vc + vd;
  vb = rotr<u64>(vb ^ vc, 24);
  va = va + vb + y;
  vd = rotr<u64>(vd ^ va, 16);
  vc = vc + vd;
  vb = rotr<u64>(vb ^ vc, 63);
  store<u64>(V + a, va);
  store<u64>(V + b, vb);
  store<u64>(V + c, vc);
  store<u64>(V + d, vd);
}

// RFC 7693 §3.2 compression F of the 128-byte block at `m` into h.
function compress(m: usize, last: bool): void {
  memory.copy(V, H, 64);
  memory.copy(V + 64, IV, 64);
  store<u64>(V + 96, load<u64>(V + 96) ^ load<u64>(T)); // v12 ^= t mod 2^64 (v13 ^= 0)
  if (last) store<u64>(V + 112, ~load<u64>(V + 112)); // v14 = ~v14
  for (let r: usize = 0; r < 12; r++) {
    const s = SIGMA + (r << 4);
    mix(0, 32, 64, 96, load<u64>(m + load<u8>(s, 0)), load<u64>(m + load<u8>(s, 1)));
    mix(8, 40, 72, 104, load<u64>(m + load<u8>(s, 2)), load<u64>(m + load<u8>(s, 3)));
    mix(16, 48, 80, 112, load<u64>(m + load<u8>(s, 4)), load<u64>(m + load<u8>(s, 5)));
    mix(24, 56, 88, 120, load<u64>(m + load<u8>(s, 6)), load<u64>(m + load<u8>(s, 7)));
    mix(0, 40, 80, 120, load<u64>(m + load<u8>(s, 8)), load<u64>(m + load<u8>(s, 9)));
    mix(8, 48, 88, 96, load<u64>(m + load<u8>(s, 10)), load<u64>(m + load<u8>(s, 11)));
    mix(16, 56, 64, 104, load<u64>(m + load<u8>(s, 12)), load<u64>(m + load<u8>(s, 13)));
    mix(24, 32, 72, 112, load<u64>(m + load<u8>(s, 14)), load<u64>(m + load<u8>(s, 15)));
  }
  for (let i: usize = 0; i < 64; i += 8) {
    store<u64>(H + i, load<u64>(H + i) ^ load<u64>(V + i) ^ load<u64>(V + 64 + i));
  }
}

/** Starts an unkeyed BLAKE2b with an `outLen`-byte digest, 1 <= outLen <= 64 (RFC 7693 §3.3). */
export function b2Init(outLen: u32): void {
  memory.copy(H, IV, 64);
  // Parameter block word 0: digest length, key length 0, fanout 1, depth 1.
  store<u64>(H, load<u64>(H) ^ (0x01010000 | <u64>outLen));
  store<u64>(T, 0);
  store<u32>(BUFLEN, 0);
  store<u32>(OUTLEN, outLen);
}

/**
 * Absorbs `len` bytes at `p`. A full pending block is compressed only when
 * more input arrives, because the last block must be compressed with the
 * final flag (RFC 7693 §3.3).
 */
export function b2Update(p: usize, len: usize): void {
  while (len > 0) {
    let n = <usize>load<u32>(BUFLEN);
    if (n == 128) {
      store<u64>(T, load<u64>(T) + 128);
      compress(BUF, false);
      n = 0;
    }
    const take = min<usize>(128 - n, len);
    memory.copy(BUF + n, p, take);
    store<u32>(BUFLEN, <u32>(n + take));
    p += take;
    len -= take;
  }
}

/** Absorbs a 32-bit little-endian integer (Argon2's LE32, RFC 9106 §3.1). */
export function b2UpdateLE32(x: u32): void {
  store<u32>(LE32, x);
  b2Update(LE32, 4);
}

/** Writes the digest to `out` (which may alias the input of the last update). */
export function b2Final(out: usize): void {
  const n = <usize>load<u32>(BUFLEN);
  store<u64>(T, load<u64>(T) + <u64>n);
  memory.fill(BUF + n, 0, 128 - n);
  compress(BUF, true);
  memory.copy(out, H, <usize>load<u32>(OUTLEN));
}

/** Zeroes the context: it held (a function of) the password. */
export function b2Wipe(): void {
  memory.fill(CTX, 0, CTX_SIZE);
}

/**
 * H'^T(A) of RFC 9106 §3.3: `outLen` (>= 4) bytes of `in[0..inLen)` into
 * `out`. `out` must not overlap the input.
 *
 *   T <= 64:  H^T(LE32(T) || A)
 *   T  > 64:  r = ceil(T/32) - 2; V1 = H^64(LE32(T) || A); V(i+1) = H^64(V(i))
 *             for i < r; V(r+1) = H^(T-32r)(V(r)); the output is the first
 *             32 bytes of V1..V(r) followed by all of V(r+1).
 */
export function hPrime(out: usize, outLen: u32, inp: usize, inLen: usize): void {
  if (outLen <= 64) {
    b2Init(outLen);
    b2UpdateLE32(outLen);
    b2Update(inp, inLen);
    b2Final(out);
    return;
  }
  const r = ((outLen + 31) >> 5) - 2;
  b2Init(64);
  b2UpdateLE32(outLen);
  b2Update(inp, inLen);
  b2Final(out); // V1: its first half is W1, its whole is the next input
  for (let i: u32 = 1; i < r; i++) {
    // V(i+1) = H^64(V(i)), hashed from out + 32(i-1) into out + 32i: the
    // 64-byte input is absorbed into the context before the digest overwrites
    // its second half, so the overlap is harmless.
    b2Init(64);
    b2Update(out + ((<usize>i - 1) << 5), 64);
    b2Final(out + (<usize>i << 5));
  }
  b2Init(outLen - (r << 5));
  b2Update(out + ((<usize>r - 1) << 5), 64);
  b2Final(out + (<usize>r << 5));
}
