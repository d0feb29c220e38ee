// Half-size scalars for Ed25519 verification with a new key: given the
// challenge k (32 bytes, little-endian, k < L), find v > 0 odd and u, both of
// about 128 bits, with u = v k (mod 8L). Then, for D = [s]B - [k]A - R,
//   [v]D = [v s mod L]B - [u]A - [v]R
// (B has order L; A and R have order dividing 8L, the order of the whole
// curve, hence modulus 8L rather than L: A and R may carry a torsion part),
// and since v is odd and 0 < v < L, v is prime to 8L: [v]D = O iff D = O.
// So the cofactorless check needs about 128 doublings instead of 253 (Antipa,
// Brown, Gallant, Lambert, Struik, Vanstone, "Accelerated verification of
// ECDSA signatures", SAC 2005; Pornin, "Optimized lattice basis reduction in
// dimension 2, and fast Schnorr and EdDSA signature verification", IACR
// ePrint 2020/454).
//
// The vectors (v, u) form the lattice with basis (1, k), (0, 8L). Its short
// vectors come from the extended Euclidean algorithm on (8L, k): the
// remainders r_i and cofactors t_i satisfy r_i = t_i k (mod 8L), the t_i
// alternate in sign and |t_(i+1)| = |t_(i-1)| + q_i |t_i| (Gallant, Lambert,
// Vanstone, "Faster point multiplication on elliptic curves with efficient
// endomorphisms", CRYPTO 2001, §4). Stopping at the first r_(m+1) < 2^128,
// |t_(m+1)| <= 8L / r_m < 2^255 / 2^128. Consecutive t_i are coprime, so if
// t_(m+1) is even, t_m and t_(m+2) = t_m - q t_(m+1) are odd: the shorter of
// (t_m, r_m) and (t_(m+2), r_(m+2)) is taken then (a few bits longer).
// Everything here is public (signature, key, message hash): variable time.

// Numbers of 4 little-endian u64 limbs (8L < 2^256, and every r_i, |t_i| <= 8L).
const RA: usize = memory.data(32, 16); // r_(i-1), then r_(i+1)
const RB: usize = memory.data(32, 16); // r_i
const TA: usize = memory.data(32, 16); // |t_(i-1)|, then |t_(i+1)|
const TB: usize = memory.data(32, 16); // |t_i|
const SH: usize = memory.data(32, 16); // a shifted copy
// 8L = 2^255 + 8 * 27742317777372353535851937790883648493 (RFC 8032 §5.1: L), little-endian limbs
const N8: usize = memory.data<u64>([0xc09318d2e7ae9f68, 0xa6f7cef517bce6b2, 0x0000000000000000, 0x8000000000000000]);

function bitlen(a: usize): i32 {
  for (let i = 3; i >= 0; i--) {
    const w = load<u64>(a + (<usize>i << 3));
    if (w != 0) return (i << 6) + 64 - <i32>clz(w);
  }
  return 0;
}

// -1, 0, 1 as a <, =, > b
function cmp(a: usize, b: usize): i32 {
  for (let i = 3; i >= 0; i--) {
    const x = load<u64>(a + (<usize>i << 3)), y = load<u64>(b + (<usize>i << 3));
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

// a -= b (a >= b)
function sub(a: usize, b: usize): void {
  let borrow: u64 = 0;
  for (let i: usize = 0; i < 32; i += 8) {
    const x = load<u64>(a + i), y = load<u64>(b + i);
    const d = x - y - borrow;
    borrow = <u64>(x < y || (x == y && borrow != 0));
    store<u64>(a + i, d);
  }
}

// a += b (no overflow past 2^256: the sums here stay <= 8L)
function add(a: usize, b: usize): void {
  let carry: u64 = 0;
  for (let i: usize = 0; i < 32; i += 8) {
    const x = load<u64>(a + i);
    const s = x + load<u64>(b + i) + carry;
    carry = <u64>(s < x || (s == x && carry != 0));
    store<u64>(a + i, s);
  }
}

// SH = a << j, 0 <= j < 256 (bits shifted past 2^256 are dropped; callers never need them)
function shl(a: usize, j: i32): void {
  const limbs = j >> 6, bits = <u64>(j & 63);
  for (let i = 3; i >= 0; i--) {
    const src = i - limbs;
    let w: u64 = 0;
    if (src >= 0) {
      w = load<u64>(a + (<usize>src << 3)) << bits;
      if (bits != 0 && src >= 1) w |= load<u64>(a + (<usize>(src - 1) << 3)) >> (64 - bits);
    }
    store<u64>(SH + (<usize>i << 3), w);
  }
}

// One Euclidean step: ra = ra mod rb, ta = ta + (ra div rb) tb (rb != 0),
// the quotient found by shift and subtract (it is 1, 2 or 3 most of the time).
function step(ra: usize, rb: usize, ta: usize, tb: usize): void {
  const lb = bitlen(rb);
  for (let j = bitlen(ra) - lb; j >= 0; j--) {
    shl(rb, j);
    if (cmp(ra, SH) >= 0) {
      sub(ra, SH);
      shl(tb, j);
      add(ta, SH);
    }
  }
}

/**
 * For the 32-byte little-endian k < L, writes v (odd, > 0) to v and |u| to u
 * (32 bytes each, little-endian) with u = v k (mod 8L). Returns 0 if u >= 0,
 * 1 if u < 0, or -1 if no such pair below 2^250 was found (then the caller
 * verifies with the full-size scalars).
 */
export function halfSize(v: usize, u: usize, k: usize): i32 {
  memory.copy(RA, N8, 32);
  memory.copy(RB, k, 32);
  memory.fill(TA, 0, 32);
  memory.fill(TB, 0, 32);
  store<u64>(TB, 1);
  // (ra, ta) = (r_(i-1), |t_(i-1)|), (rb, tb) = (r_i, |t_i|); t_i > 0 iff i is odd
  let ra = RA, rb = RB, ta = TA, tb = TB;
  let i = 1;
  while (bitlen(rb) > 128) {
    step(ra, rb, ta, tb);
    let x = ra; ra = rb; rb = x;
    x = ta; ta = tb; tb = x;
    i++;
  }
  if ((load<u8>(tb) & 1) == 0) {
    // t_(m+1) even: (t_m, r_m) at (ta, ra), or (t_(m+2), r_(m+2)) one step on
    if (bitlen(rb) == 0) return -1; // r_(m+1) = 0 only for k = 0, where t_1 = 1 is odd
    const l0 = max(bitlen(ta), bitlen(ra));
    // the next step overwrites ra and ta: keep them in v and u meanwhile
    memory.copy(v, ta, 32);
    memory.copy(u, ra, 32);
    step(ra, rb, ta, tb);
    const l2 = max(bitlen(ta), bitlen(ra));
    if (l2 < l0) {
      memory.copy(v, ta, 32);
      memory.copy(u, ra, 32);
      i++;
    } else {
      i--;
    }
    if (min(l0, l2) > 250) return -1;
    // (t, r) with t = +-v: u = r has the sign of t; v > 0 negates both when t < 0
    return (i & 1) == 0 ? 1 : 0;
  }
  memory.copy(v, tb, 32);
  memory.copy(u, rb, 32);
  return (i & 1) == 0 ? 1 : 0;
}
