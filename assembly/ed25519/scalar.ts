// Scalars mod L = 2^252 + 27742317777372353535851937790883648493, the order of
// the base point (RFC 8032 §5.1). Used for r = H(prefix || M) mod L,
// k = H(R || A || M) mod L (§5.1.6 steps 2 and 4) and S = (r + k*s) mod L
// (step 5). r and s are secret, so everything here runs in constant time:
// fixed loop bounds, no branches on values, corrections done with masks.
//
// Representation: 26 signed 21-bit limbs as i64 (value = sum t_i 2^(21 i)).
// Reduction folds the part above 2^252 with 2^252 = -c (mod L), c = L - 2^252
// (125 bits, six limbs): x = lo + hi*2^252 = lo - hi*c. Each fold shrinks
// the excess by ~127 bits and column sums stay below 2^46.

const NL: usize = 26;
/** Working limbs, the product columns, and a zero-padded copy of the input bytes. */
const T: usize = memory.data(8 * 26, 16);
const P: usize = memory.data(8 * 26, 16);
const U: usize = memory.data(8 * 26, 16);
const IN: usize = memory.data(80, 16);

// c = L - 2^252 and L itself in 21-bit limbs.
const C: usize = memory.data<i64>([1430509, 1626855, 1442968, 997804, 1960495, 683900]);
const LL: usize = memory.data<i64>([1430509, 1626855, 1442968, 997804, 1960495, 683900, 0, 0, 0, 0, 0, 0, 1]);

// Low 16 bytes of L, little-endian (bytes 16..30 are zero, byte 31 is 0x10).
const LB: usize = memory.data<u8>([0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14]);

const MASK21: i64 = (1 << 21) - 1;

// Loads `n` bytes at p into T as 21-bit limbs (the rest of T zero).
function loadLimbs(p: usize, n: usize): void {
  memory.fill(IN, 0, 80);
  memory.copy(IN, p, n);
  for (let i: usize = 0; i < NL; i++) {
    const bit = i * 21;
    const v = bit < 512 ? (<i64>(load<u64>(IN + (bit >> 3)) >> <u64>(bit & 7)) & MASK21) : 0;
    store<i64>(T + (i << 3), v);
  }
}

// Signed carry through limbs 0..top-1; limb `top` keeps whatever is above
// (so it carries the sign), and limbs above `top` are left alone.
function carry(t: usize, top: usize): void {
  for (let i: usize = 0; i < top; i++) {
    const v = load<i64>(t + (i << 3));
    const c = v >> 21;
    store<i64>(t + (i << 3), v - (c << 21));
    store<i64>(t + ((i + 1) << 3), load<i64>(t + ((i + 1) << 3)) + c);
  }
}

// One fold of the n limbs T[0..n) (T[n-1] signed, the others carried):
// T = T[0..12) - T[12..n) * c, carried again. Returns the new limb count.
// The counts only depend on the call site, never on values.
function fold(n: usize): usize {
  const top = n > 19 ? n - 7 : 12;   // highest column of the product is n - 8
  memory.fill(P, 0, 8 * NL);
  for (let j: usize = 12; j < n; j++) {
    const v = load<i64>(T + (j << 3));
    for (let k: usize = 0; k < 6; k++) {
      const q = P + ((j - 12 + k) << 3);
      store<i64>(q, load<i64>(q) + v * load<i64>(C + (k << 3)));
    }
    store<i64>(T + (j << 3), 0);
  }
  for (let i: usize = 0; i < top; i++) store<i64>(T + (i << 3), load<i64>(T + (i << 3)) - load<i64>(P + (i << 3)));
  carry(T, top);
  return top + 1;
}

// Reduces the n carried limbs of T to [0, L) and writes 32 little-endian bytes to out.
function reduceOut(out: usize, n: usize): void {
  // Each fold takes ~127 bits off: from < 2^530 to (-c, 2^252 + c), inside
  // (-L, 2L), in at most four folds (the last ones on limb 12 alone).
  n = fold(n); n = fold(n); n = fold(n); n = fold(n);
  // n == 13 now: limbs 0..11 carried, limb 12 in {-1, 0, 1}.
  // If negative (limb 12's sign), add L.
  let m = load<i64>(T + (12 << 3)) >> 63;
  for (let i: usize = 0; i < 13; i++) store<i64>(T + (i << 3), load<i64>(T + (i << 3)) + (load<i64>(LL + (i << 3)) & m));
  carry(T, 12);
  // U = T - L; keep U unless it went negative.
  for (let i: usize = 0; i < 13; i++) store<i64>(U + (i << 3), load<i64>(T + (i << 3)) - load<i64>(LL + (i << 3)));
  carry(U, 12);
  m = load<i64>(U + (12 << 3)) >> 63; // -1: T < L, keep T
  for (let i: usize = 0; i < 13; i++) {
    const a = load<i64>(T + (i << 3)), b = load<i64>(U + (i << 3));
    store<i64>(T + (i << 3), b ^ ((a ^ b) & m));
  }
  // Pack 13 limbs (253 bits) into 32 bytes.
  let acc: u64 = 0;
  let nbits: u32 = 0;
  let o: usize = 0;
  for (let i: usize = 0; i < 13; i++) {
    acc |= <u64>load<i64>(T + (i << 3)) << nbits;
    nbits += 21;
    while (nbits >= 8 && o < 32) {
      store<u8>(out + o, <u8>acc);
      acc >>= 8; nbits -= 8; o++;
    }
  }
  while (o < 32) { store<u8>(out + o, <u8>acc); acc >>= 8; o++; }
}

/** out[0..32) = (64-byte little-endian integer at p) mod L. out may alias p. */
export function scReduce64(out: usize, p: usize): void {
  loadLimbs(p, 64);
  reduceOut(out, 25);                // 512 bits: limbs 0..24
  scWipe();
}

/** out[0..32) = (r + k * s) mod L for 32-byte little-endian r, k, s (RFC 8032 §5.1.6 step 5). */
export function scMulAdd(out: usize, r: usize, k: usize, s: usize): void {
  // Product columns of k and s (13 limbs each, both < 2^256) plus r.
  loadLimbs(k, 32);
  memory.copy(U, T, 8 * 13);
  loadLimbs(s, 32);
  memory.fill(P, 0, 8 * NL);
  for (let i: usize = 0; i < 13; i++) {
    const a = load<i64>(U + (i << 3));
    for (let j: usize = 0; j < 13; j++) {
      const q = P + ((i + j) << 3);
      store<i64>(q, load<i64>(q) + a * load<i64>(T + (j << 3)));
    }
  }
  loadLimbs(r, 32);
  for (let i: usize = 0; i < NL; i++) store<i64>(T + (i << 3), load<i64>(T + (i << 3)) + load<i64>(P + (i << 3)));
  carry(T, NL - 1);
  reduceOut(out, NL);                // product < 2^509 plus r: limbs 0..25
  scWipe();
}

/** 1 if the 32-byte little-endian s is < L (canonical S, RFC 8032 §5.1.7 step 1). Public data: may branch. */
export function scIsCanonical(s: usize): bool {
  for (let i = 31; i >= 0; i--) {
    const a = <i32>load<u8>(s + <usize>i);
    const b = i == 31 ? 0x10 : (i >= 16 ? 0 : <i32>load<u8>(LB + <usize>i));
    if (a < b) return true;
    if (a > b) return false;
  }
  return false; // s == L
}

/** Zeroes every scratch area above (they held secret scalars). */
export function scWipe(): void {
  memory.fill(T, 0, 8 * NL);
  memory.fill(P, 0, 8 * NL);
  memory.fill(U, 0, 8 * NL);
  memory.fill(IN, 0, 80);
}
