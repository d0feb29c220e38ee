// GF(2^8) with the Rijndael polynomial x^8 + x^4 + x^3 + x + 1 (SLIP-0039
// §Shamir's secret-sharing), computed without tables: the operands are
// secret shares, so multiplication is bit-serial with masks instead of
// log/exp lookups, and inversion is a fixed exponentiation a^254.

/** a * b in GF(256), constant time. */
export function gfMul(a: number, b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) {
    r ^= a & -(b & 1);
    b >>= 1;
    // a *= x, reducing by 0x11b when the top bit falls out.
    a = ((a << 1) ^ (0x1b & -(a >> 7))) & 0xff;
  }
  return r;
}

/** a^-1 = a^254 (a != 0), constant time. */
export function gfInv(a: number): number {
  let r = 1;
  let p = a;
  // 254 = 0b11111110: square-and-multiply with a fixed sequence.
  for (let i = 0; i < 8; i++) {
    const bit = (254 >> i) & 1;
    const m = gfMul(r, p);
    r = (m & -bit) | (r & ~-bit);
    p = gfMul(p, p);
  }
  return r & 0xff;
}

/**
 * Lagrange interpolation at `x` of the byte vectors `ys` at distinct points
 * `xs` (SLIP-0039 §Interpolate), byte by byte.
 */
export function interpolate(x: number, xs: readonly number[], ys: readonly Uint8Array[]): Uint8Array {
  const n = ys[0]!.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < xs.length; i++) {
    // basis_i(x) = prod_{j != i} (x - x_j) / (x_i - x_j); subtraction is XOR.
    let num = 1;
    let den = 1;
    for (let j = 0; j < xs.length; j++) {
      if (j === i) continue;
      num = gfMul(num, x ^ xs[j]!);
      den = gfMul(den, xs[i]! ^ xs[j]!);
    }
    const basis = gfMul(num, gfInv(den));
    const y = ys[i]!;
    for (let k = 0; k < n; k++) out[k] = out[k]! ^ gfMul(y[k]!, basis);
  }
  return out;
}
