// Two exponentiations z^((p-5)/8) side by side, in the two f64 lanes of WASM
// SIMD (f64x2), for batch verification (./batch.ts), where every item needs
// three (decoding R, and in8E's square root and quartic character) and the
// items are independent. Public data only: variable time is fine here, and
// nothing here is used on secrets.
//
// Why doubles: the exponentiations are chains of ~250 squarings, and field.ts
// squares at the pace of the 64-bit integer multiplier (55 + 7 i64 multiplies,
// ~20 ns). In doubles, products of 22-bit limbs are exact, f64x2 does two at
// once on the FP units, and no shuffles are needed when lane 0 holds one
// element and lane 1 the other (what sank the i64x2 extmul attempts, see
// field.ts and the header of batch.ts). Measured on this machine: 16.8 ns per
// squaring (two at once, 33.7 ns) against feSqN's 21.1 ns.
//
// Representation (Bernstein's floating-point radix 2^21.25 idea for
// Curve25519, 2006): twelve doubles per element, limb i an integer multiple
// of 2^w_i, w_i = ceil(21.25 i) = 0, 22, 43, 64, 85, 107, 128, 149, 170, 192,
// 213, 234 (w_12 = 255); the value is the plain sum of the limbs. A paired
// element is 12 v128 (192 bytes), limb i of lane l at 16 i + 8 l.
//
// Exactness (every f64 operation below is exact, so the result is the exact
// integer arithmetic mod p):
//   - fpLoad gives limbs 0 <= limb_i < 2^w_{i+1}; a carry pass leaves
//     |limb_i| <= 2^(w_{i+1} - 1) (plus a few units of 2^w_i on limbs 1 and 7,
//     which receive a second small carry). So |limb_i| < 2^w_{i+1} always.
//   - A product limb_i * limb_j is a multiple of 2^(w_i + w_j), and w_i + w_j >=
//     w_{i+j} (ceil is superadditive); its size is below 2^(w_{i+1} + w_{j+1}),
//     and w_{i+1} + w_{j+1} - w_{i+j} < 44.5. A wrapped product (i + j = k + 12,
//     weight 2^255 = 19 mod p) is taken times 19 * 2^-255 (exact: a power of two
//     times 19 on a 22-bit significand), and w_{k+12} = w_k + 255. So column k
//     is a sum of 12 multiples of 2^w_k, each below 19 * 2^44.5 * 2^w_k: the
//     column is below 12 * 19 * 2^44.5 < 2^52.4 units of 2^w_k, and every
//     partial sum is exact (53-bit significand).
//   - The carry of column k: c = (h + M_k) - M_k with M_k = 1.5 * 2^(52 + w_{k+1})
//     rounds h to the nearest multiple of 2^w_{k+1} exactly, as |h| < 2^(51 +
//     w_{k+1}) (w_{k+1} - w_k >= 21); h - c and the next column plus c are exact
//     for the same reasons. The carry out of limb 11 (a multiple of 2^255) comes
//     back as c * 19 * 2^-255 into limb 0.
// test/ed25519-batch.test.ts checks fePow22523x2 against fePow22523 (field.ts)
// on random and extreme inputs.

import { feToBytes, feFromBytes } from './field';

// M_k: adding then subtracting it rounds column k to a multiple of 2^w_{k+1} (its carry).

const M0: v128 = f64x2.splat(2.833419889721787e+22); // 1.5 * 2^74
const M1: v128 = f64x2.splat(5.942112188569825e+28); // 1.5 * 2^95
const M2: v128 = f64x2.splat(1.2461512460483586e+35); // 1.5 * 2^116
const M3: v128 = f64x2.splat(2.6133685779528074e+41); // 1.5 * 2^137
const M4: v128 = f64x2.splat(1.0961262279981772e+48); // 1.5 * 2^159
const M5: v128 = f64x2.splat(2.2987433112988333e+54); // 1.5 * 2^180
const M6: v128 = f64x2.splat(4.820814132776971e+60); // 1.5 * 2^201
const M7: v128 = f64x2.splat(1.010998000018149e+67); // 1.5 * 2^222
const M8: v128 = f64x2.splat(4.2404329554681224e+73); // 1.5 * 2^244
const M9: v128 = f64x2.splat(8.892832453425884e+79); // 1.5 * 2^265
const M10: v128 = f64x2.splat(1.8649621365367e+86); // 1.5 * 2^286
const M11: v128 = f64x2.splat(3.911109074562213e+92); // 1.5 * 2^307
const W19: v128 = f64x2.splat(3.281744050935889e-76); // 19 * 2^-255
// The squaring and the product are written out limb by limb, as are the M_k
// and W19 above (scripts/gen-ed25519.mjs renders them and checks the bounds
// of the header; npm run gen:check): column k sums the
// products of limbs i + j = k, and (times 19 * 2^-255) those of i + j = k + 12,
// in pairwise trees; then two interleaved carry chains (limbs 0..5 and 6..11),
// and limbs 6 and 0 once more (they took a carry after their own).
/** h = f^(2^n) in both lanes, n >= 1 (h may alias f). */
export function fpSqN(h: usize, f: usize, n: i32): void {
  let f0 = v128.load(f, 0);
  let f1 = v128.load(f, 16);
  let f2 = v128.load(f, 32);
  let f3 = v128.load(f, 48);
  let f4 = v128.load(f, 64);
  let f5 = v128.load(f, 80);
  let f6 = v128.load(f, 96);
  let f7 = v128.load(f, 112);
  let f8 = v128.load(f, 128);
  let f9 = v128.load(f, 144);
  let f10 = v128.load(f, 160);
  let f11 = v128.load(f, 176);
  for (let r = 0; r < n; r++) {
    const f0_2 = f64x2.add(f0, f0);
    const f1_2 = f64x2.add(f1, f1);
    const f2_2 = f64x2.add(f2, f2);
    const f3_2 = f64x2.add(f3, f3);
    const f4_2 = f64x2.add(f4, f4);
    const f5_2 = f64x2.add(f5, f5);
    const f6_2 = f64x2.add(f6, f6);
    const f7_2 = f64x2.add(f7, f7);
    const f8_2 = f64x2.add(f8, f8);
    const f9_2 = f64x2.add(f9, f9);
    const f10_2 = f64x2.add(f10, f10);
    const f11_2 = f64x2.add(f11, f11);
    const f1_w = f64x2.mul(f1, W19);
    const f2_w = f64x2.mul(f2, W19);
    const f3_w = f64x2.mul(f3, W19);
    const f4_w = f64x2.mul(f4, W19);
    const f5_w = f64x2.mul(f5, W19);
    const f6_w = f64x2.mul(f6, W19);
    const f7_w = f64x2.mul(f7, W19);
    const f8_w = f64x2.mul(f8, W19);
    const f9_w = f64x2.mul(f9, W19);
    const f10_w = f64x2.mul(f10, W19);
    const f11_w = f64x2.mul(f11, W19);
    const f1_w2 = f64x2.add(f1_w, f1_w);
    const f2_w2 = f64x2.add(f2_w, f2_w);
    const f3_w2 = f64x2.add(f3_w, f3_w);
    const f4_w2 = f64x2.add(f4_w, f4_w);
    const f5_w2 = f64x2.add(f5_w, f5_w);
    const f6_w2 = f64x2.add(f6_w, f6_w);
    const f7_w2 = f64x2.add(f7_w, f7_w);
    const f8_w2 = f64x2.add(f8_w, f8_w);
    const f9_w2 = f64x2.add(f9_w, f9_w);
    const f10_w2 = f64x2.add(f10_w, f10_w);
    const f11_w2 = f64x2.add(f11_w, f11_w);
    let h0 = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0, f0), f64x2.mul(f1_w2, f11)), f64x2.add(f64x2.mul(f2_w2, f10), f64x2.mul(f3_w2, f9))), f64x2.add(f64x2.add(f64x2.mul(f4_w2, f8), f64x2.mul(f5_w2, f7)), f64x2.mul(f6_w, f6)));
    let h1 = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0_2, f1), f64x2.mul(f2_w2, f11)), f64x2.add(f64x2.mul(f3_w2, f10), f64x2.mul(f4_w2, f9))), f64x2.add(f64x2.mul(f5_w2, f8), f64x2.mul(f6_w2, f7)));
    let h2 = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0_2, f2), f64x2.mul(f1, f1)), f64x2.add(f64x2.mul(f3_w2, f11), f64x2.mul(f4_w2, f10))), f64x2.add(f64x2.add(f64x2.mul(f5_w2, f9), f64x2.mul(f6_w2, f8)), f64x2.mul(f7_w, f7)));
    let h3 = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0_2, f3), f64x2.mul(f1_2, f2)), f64x2.add(f64x2.mul(f4_w2, f11), f64x2.mul(f5_w2, f10))), f64x2.add(f64x2.mul(f6_w2, f9), f64x2.mul(f7_w2, f8)));
    let h4 = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0_2, f4), f64x2.mul(f1_2, f3)), f64x2.add(f64x2.mul(f2, f2), f64x2.mul(f5_w2, f11))), f64x2.add(f64x2.add(f64x2.mul(f6_w2, f10), f64x2.mul(f7_w2, f9)), f64x2.mul(f8_w, f8)));
    let h5 = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0_2, f5), f64x2.mul(f1_2, f4)), f64x2.add(f64x2.mul(f2_2, f3), f64x2.mul(f6_w2, f11))), f64x2.add(f64x2.mul(f7_w2, f10), f64x2.mul(f8_w2, f9)));
    let h6 = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0_2, f6), f64x2.mul(f1_2, f5)), f64x2.add(f64x2.mul(f2_2, f4), f64x2.mul(f3, f3))), f64x2.add(f64x2.add(f64x2.mul(f7_w2, f11), f64x2.mul(f8_w2, f10)), f64x2.mul(f9_w, f9)));
    let h7 = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0_2, f7), f64x2.mul(f1_2, f6)), f64x2.add(f64x2.mul(f2_2, f5), f64x2.mul(f3_2, f4))), f64x2.add(f64x2.mul(f8_w2, f11), f64x2.mul(f9_w2, f10)));
    let h8 = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0_2, f8), f64x2.mul(f1_2, f7)), f64x2.add(f64x2.mul(f2_2, f6), f64x2.mul(f3_2, f5))), f64x2.add(f64x2.add(f64x2.mul(f4, f4), f64x2.mul(f9_w2, f11)), f64x2.mul(f10_w, f10)));
    let h9 = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0_2, f9), f64x2.mul(f1_2, f8)), f64x2.add(f64x2.mul(f2_2, f7), f64x2.mul(f3_2, f6))), f64x2.add(f64x2.mul(f4_2, f5), f64x2.mul(f10_w2, f11)));
    let h10 = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0_2, f10), f64x2.mul(f1_2, f9)), f64x2.add(f64x2.mul(f2_2, f8), f64x2.mul(f3_2, f7))), f64x2.add(f64x2.add(f64x2.mul(f4_2, f6), f64x2.mul(f5, f5)), f64x2.mul(f11_w, f11)));
    let h11 = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0_2, f11), f64x2.mul(f1_2, f10)), f64x2.add(f64x2.mul(f2_2, f9), f64x2.mul(f3_2, f8))), f64x2.add(f64x2.mul(f4_2, f7), f64x2.mul(f5_2, f6)));
    let c: v128;
    c = f64x2.sub(f64x2.add(h0, M0), M0); h0 = f64x2.sub(h0, c); h1 = f64x2.add(h1, c);
    c = f64x2.sub(f64x2.add(h6, M6), M6); h6 = f64x2.sub(h6, c); h7 = f64x2.add(h7, c);
    c = f64x2.sub(f64x2.add(h1, M1), M1); h1 = f64x2.sub(h1, c); h2 = f64x2.add(h2, c);
    c = f64x2.sub(f64x2.add(h7, M7), M7); h7 = f64x2.sub(h7, c); h8 = f64x2.add(h8, c);
    c = f64x2.sub(f64x2.add(h2, M2), M2); h2 = f64x2.sub(h2, c); h3 = f64x2.add(h3, c);
    c = f64x2.sub(f64x2.add(h8, M8), M8); h8 = f64x2.sub(h8, c); h9 = f64x2.add(h9, c);
    c = f64x2.sub(f64x2.add(h3, M3), M3); h3 = f64x2.sub(h3, c); h4 = f64x2.add(h4, c);
    c = f64x2.sub(f64x2.add(h9, M9), M9); h9 = f64x2.sub(h9, c); h10 = f64x2.add(h10, c);
    c = f64x2.sub(f64x2.add(h4, M4), M4); h4 = f64x2.sub(h4, c); h5 = f64x2.add(h5, c);
    c = f64x2.sub(f64x2.add(h10, M10), M10); h10 = f64x2.sub(h10, c); h11 = f64x2.add(h11, c);
    c = f64x2.sub(f64x2.add(h5, M5), M5); h5 = f64x2.sub(h5, c); h6 = f64x2.add(h6, c);
    c = f64x2.sub(f64x2.add(h11, M11), M11); h11 = f64x2.sub(h11, c); h0 = f64x2.add(h0, f64x2.mul(c, W19));
    c = f64x2.sub(f64x2.add(h6, M6), M6); h6 = f64x2.sub(h6, c); h7 = f64x2.add(h7, c);
    c = f64x2.sub(f64x2.add(h0, M0), M0); h0 = f64x2.sub(h0, c); h1 = f64x2.add(h1, c);
    f0 = h0; f1 = h1; f2 = h2; f3 = h3; f4 = h4; f5 = h5; f6 = h6; f7 = h7; f8 = h8; f9 = h9; f10 = h10; f11 = h11;
  }
  v128.store(h, f0, 0);
  v128.store(h, f1, 16);
  v128.store(h, f2, 32);
  v128.store(h, f3, 48);
  v128.store(h, f4, 64);
  v128.store(h, f5, 80);
  v128.store(h, f6, 96);
  v128.store(h, f7, 112);
  v128.store(h, f8, 128);
  v128.store(h, f9, 144);
  v128.store(h, f10, 160);
  v128.store(h, f11, 176);
}
/** h = f * g in both lanes (h may alias f or g). */
export function fpMul(h: usize, f: usize, g: usize): void {
  const f0 = v128.load(f, 0);
  const f1 = v128.load(f, 16);
  const f2 = v128.load(f, 32);
  const f3 = v128.load(f, 48);
  const f4 = v128.load(f, 64);
  const f5 = v128.load(f, 80);
  const f6 = v128.load(f, 96);
  const f7 = v128.load(f, 112);
  const f8 = v128.load(f, 128);
  const f9 = v128.load(f, 144);
  const f10 = v128.load(f, 160);
  const f11 = v128.load(f, 176);
  const g0 = v128.load(g, 0);
  const g1 = v128.load(g, 16);
  const g2 = v128.load(g, 32);
  const g3 = v128.load(g, 48);
  const g4 = v128.load(g, 64);
  const g5 = v128.load(g, 80);
  const g6 = v128.load(g, 96);
  const g7 = v128.load(g, 112);
  const g8 = v128.load(g, 128);
  const g9 = v128.load(g, 144);
  const g10 = v128.load(g, 160);
  const g11 = v128.load(g, 176);
  const g1_w = f64x2.mul(g1, W19);
  const g2_w = f64x2.mul(g2, W19);
  const g3_w = f64x2.mul(g3, W19);
  const g4_w = f64x2.mul(g4, W19);
  const g5_w = f64x2.mul(g5, W19);
  const g6_w = f64x2.mul(g6, W19);
  const g7_w = f64x2.mul(g7, W19);
  const g8_w = f64x2.mul(g8, W19);
  const g9_w = f64x2.mul(g9, W19);
  const g10_w = f64x2.mul(g10, W19);
  const g11_w = f64x2.mul(g11, W19);
  let h0 = f64x2.add(f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0, g0), f64x2.mul(f1, g11_w)), f64x2.add(f64x2.mul(f2, g10_w), f64x2.mul(f3, g9_w))), f64x2.add(f64x2.add(f64x2.mul(f4, g8_w), f64x2.mul(f5, g7_w)), f64x2.add(f64x2.mul(f6, g6_w), f64x2.mul(f7, g5_w)))), f64x2.add(f64x2.add(f64x2.mul(f8, g4_w), f64x2.mul(f9, g3_w)), f64x2.add(f64x2.mul(f10, g2_w), f64x2.mul(f11, g1_w))));
  let h1 = f64x2.add(f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0, g1), f64x2.mul(f1, g0)), f64x2.add(f64x2.mul(f2, g11_w), f64x2.mul(f3, g10_w))), f64x2.add(f64x2.add(f64x2.mul(f4, g9_w), f64x2.mul(f5, g8_w)), f64x2.add(f64x2.mul(f6, g7_w), f64x2.mul(f7, g6_w)))), f64x2.add(f64x2.add(f64x2.mul(f8, g5_w), f64x2.mul(f9, g4_w)), f64x2.add(f64x2.mul(f10, g3_w), f64x2.mul(f11, g2_w))));
  let h2 = f64x2.add(f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0, g2), f64x2.mul(f1, g1)), f64x2.add(f64x2.mul(f2, g0), f64x2.mul(f3, g11_w))), f64x2.add(f64x2.add(f64x2.mul(f4, g10_w), f64x2.mul(f5, g9_w)), f64x2.add(f64x2.mul(f6, g8_w), f64x2.mul(f7, g7_w)))), f64x2.add(f64x2.add(f64x2.mul(f8, g6_w), f64x2.mul(f9, g5_w)), f64x2.add(f64x2.mul(f10, g4_w), f64x2.mul(f11, g3_w))));
  let h3 = f64x2.add(f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0, g3), f64x2.mul(f1, g2)), f64x2.add(f64x2.mul(f2, g1), f64x2.mul(f3, g0))), f64x2.add(f64x2.add(f64x2.mul(f4, g11_w), f64x2.mul(f5, g10_w)), f64x2.add(f64x2.mul(f6, g9_w), f64x2.mul(f7, g8_w)))), f64x2.add(f64x2.add(f64x2.mul(f8, g7_w), f64x2.mul(f9, g6_w)), f64x2.add(f64x2.mul(f10, g5_w), f64x2.mul(f11, g4_w))));
  let h4 = f64x2.add(f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0, g4), f64x2.mul(f1, g3)), f64x2.add(f64x2.mul(f2, g2), f64x2.mul(f3, g1))), f64x2.add(f64x2.add(f64x2.mul(f4, g0), f64x2.mul(f5, g11_w)), f64x2.add(f64x2.mul(f6, g10_w), f64x2.mul(f7, g9_w)))), f64x2.add(f64x2.add(f64x2.mul(f8, g8_w), f64x2.mul(f9, g7_w)), f64x2.add(f64x2.mul(f10, g6_w), f64x2.mul(f11, g5_w))));
  let h5 = f64x2.add(f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0, g5), f64x2.mul(f1, g4)), f64x2.add(f64x2.mul(f2, g3), f64x2.mul(f3, g2))), f64x2.add(f64x2.add(f64x2.mul(f4, g1), f64x2.mul(f5, g0)), f64x2.add(f64x2.mul(f6, g11_w), f64x2.mul(f7, g10_w)))), f64x2.add(f64x2.add(f64x2.mul(f8, g9_w), f64x2.mul(f9, g8_w)), f64x2.add(f64x2.mul(f10, g7_w), f64x2.mul(f11, g6_w))));
  let h6 = f64x2.add(f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0, g6), f64x2.mul(f1, g5)), f64x2.add(f64x2.mul(f2, g4), f64x2.mul(f3, g3))), f64x2.add(f64x2.add(f64x2.mul(f4, g2), f64x2.mul(f5, g1)), f64x2.add(f64x2.mul(f6, g0), f64x2.mul(f7, g11_w)))), f64x2.add(f64x2.add(f64x2.mul(f8, g10_w), f64x2.mul(f9, g9_w)), f64x2.add(f64x2.mul(f10, g8_w), f64x2.mul(f11, g7_w))));
  let h7 = f64x2.add(f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0, g7), f64x2.mul(f1, g6)), f64x2.add(f64x2.mul(f2, g5), f64x2.mul(f3, g4))), f64x2.add(f64x2.add(f64x2.mul(f4, g3), f64x2.mul(f5, g2)), f64x2.add(f64x2.mul(f6, g1), f64x2.mul(f7, g0)))), f64x2.add(f64x2.add(f64x2.mul(f8, g11_w), f64x2.mul(f9, g10_w)), f64x2.add(f64x2.mul(f10, g9_w), f64x2.mul(f11, g8_w))));
  let h8 = f64x2.add(f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0, g8), f64x2.mul(f1, g7)), f64x2.add(f64x2.mul(f2, g6), f64x2.mul(f3, g5))), f64x2.add(f64x2.add(f64x2.mul(f4, g4), f64x2.mul(f5, g3)), f64x2.add(f64x2.mul(f6, g2), f64x2.mul(f7, g1)))), f64x2.add(f64x2.add(f64x2.mul(f8, g0), f64x2.mul(f9, g11_w)), f64x2.add(f64x2.mul(f10, g10_w), f64x2.mul(f11, g9_w))));
  let h9 = f64x2.add(f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0, g9), f64x2.mul(f1, g8)), f64x2.add(f64x2.mul(f2, g7), f64x2.mul(f3, g6))), f64x2.add(f64x2.add(f64x2.mul(f4, g5), f64x2.mul(f5, g4)), f64x2.add(f64x2.mul(f6, g3), f64x2.mul(f7, g2)))), f64x2.add(f64x2.add(f64x2.mul(f8, g1), f64x2.mul(f9, g0)), f64x2.add(f64x2.mul(f10, g11_w), f64x2.mul(f11, g10_w))));
  let h10 = f64x2.add(f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0, g10), f64x2.mul(f1, g9)), f64x2.add(f64x2.mul(f2, g8), f64x2.mul(f3, g7))), f64x2.add(f64x2.add(f64x2.mul(f4, g6), f64x2.mul(f5, g5)), f64x2.add(f64x2.mul(f6, g4), f64x2.mul(f7, g3)))), f64x2.add(f64x2.add(f64x2.mul(f8, g2), f64x2.mul(f9, g1)), f64x2.add(f64x2.mul(f10, g0), f64x2.mul(f11, g11_w))));
  let h11 = f64x2.add(f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f0, g11), f64x2.mul(f1, g10)), f64x2.add(f64x2.mul(f2, g9), f64x2.mul(f3, g8))), f64x2.add(f64x2.add(f64x2.mul(f4, g7), f64x2.mul(f5, g6)), f64x2.add(f64x2.mul(f6, g5), f64x2.mul(f7, g4)))), f64x2.add(f64x2.add(f64x2.mul(f8, g3), f64x2.mul(f9, g2)), f64x2.add(f64x2.mul(f10, g1), f64x2.mul(f11, g0))));
  let c: v128;
  c = f64x2.sub(f64x2.add(h0, M0), M0); h0 = f64x2.sub(h0, c); h1 = f64x2.add(h1, c);
  c = f64x2.sub(f64x2.add(h6, M6), M6); h6 = f64x2.sub(h6, c); h7 = f64x2.add(h7, c);
  c = f64x2.sub(f64x2.add(h1, M1), M1); h1 = f64x2.sub(h1, c); h2 = f64x2.add(h2, c);
  c = f64x2.sub(f64x2.add(h7, M7), M7); h7 = f64x2.sub(h7, c); h8 = f64x2.add(h8, c);
  c = f64x2.sub(f64x2.add(h2, M2), M2); h2 = f64x2.sub(h2, c); h3 = f64x2.add(h3, c);
  c = f64x2.sub(f64x2.add(h8, M8), M8); h8 = f64x2.sub(h8, c); h9 = f64x2.add(h9, c);
  c = f64x2.sub(f64x2.add(h3, M3), M3); h3 = f64x2.sub(h3, c); h4 = f64x2.add(h4, c);
  c = f64x2.sub(f64x2.add(h9, M9), M9); h9 = f64x2.sub(h9, c); h10 = f64x2.add(h10, c);
  c = f64x2.sub(f64x2.add(h4, M4), M4); h4 = f64x2.sub(h4, c); h5 = f64x2.add(h5, c);
  c = f64x2.sub(f64x2.add(h10, M10), M10); h10 = f64x2.sub(h10, c); h11 = f64x2.add(h11, c);
  c = f64x2.sub(f64x2.add(h5, M5), M5); h5 = f64x2.sub(h5, c); h6 = f64x2.add(h6, c);
  c = f64x2.sub(f64x2.add(h11, M11), M11); h11 = f64x2.sub(h11, c); h0 = f64x2.add(h0, f64x2.mul(c, W19));
  c = f64x2.sub(f64x2.add(h6, M6), M6); h6 = f64x2.sub(h6, c); h7 = f64x2.add(h7, c);
  c = f64x2.sub(f64x2.add(h0, M0), M0); h0 = f64x2.sub(h0, c); h1 = f64x2.add(h1, c);
  v128.store(h, h0, 0);
  v128.store(h, h1, 16);
  v128.store(h, h2, 32);
  v128.store(h, h3, 48);
  v128.store(h, h4, 64);
  v128.store(h, h5, 80);
  v128.store(h, h6, 96);
  v128.store(h, h7, 112);
  v128.store(h, h8, 128);
  v128.store(h, h9, 144);
  v128.store(h, h10, 160);
  v128.store(h, h11, 176);
}

const W: StaticArray<i32> = [0, 22, 43, 64, 85, 107, 128, 149, 170, 192, 213, 234, 255];
const BYTES: usize = memory.data(48, 16);
const PZ: usize = memory.data(192, 16);
const Q0: usize = memory.data(192, 16);
const Q1: usize = memory.data(192, 16);
const Q2: usize = memory.data(192, 16);
const Q3: usize = memory.data(192, 16);
const V: usize = memory.data(96, 16);

/** 2^k as a double, |k| <= 255 (exact). */
// @ts-ignore: decorator
@inline function pow2(k: i32): f64 {
  return reinterpret<f64>(<u64>(1023 + k) << 52);
}

/** Lane l of the paired element at d = the field element a (10 limbs, field.ts). */
function fpLoad(d: usize, l: usize, a: usize): void {
  feToBytes(BYTES, a);
  store<u64>(BYTES, 0, 32); store<u64>(BYTES, 0, 40);
  for (let i = 0; i < 12; i++) {
    const lo = unchecked(W[i]), width = unchecked(W[i + 1]) - lo;
    const v = (load<u64>(BYTES + <usize>(lo >> 3)) >> <u64>(lo & 7)) & ((<u64>1 << <u64>width) - 1);
    store<f64>(d + (<usize>i << 4) + (l << 3), <f64>v * pow2(lo));
  }
}

/** The field element out (10 limbs) = lane l of the paired element at s. */
function fpStore(out: usize, s: usize, l: usize): void {
  for (let i = 0; i < 12; i++) {
    const x = load<f64>(s + (<usize>i << 4) + (l << 3)) * pow2(-unchecked(W[i]));
    store<i64>(V + (<usize>i << 3), <i64>x);
  }
  // Limbs into [0, 2^width), folding the carry out of the top as 19 (public data: the loop may vary).
  let carry: i64 = 0;
  do {
    for (let i = 0; i < 12; i++) {
      const width = <i64>(unchecked(W[i + 1]) - unchecked(W[i]));
      const v = load<i64>(V + (<usize>i << 3)) + carry;
      carry = v >> width;
      store<i64>(V + (<usize>i << 3), v - (carry << width));
    }
    if (carry == 0) break;
    store<i64>(V, load<i64>(V) + carry * 19);
    carry = 0;
  } while (true);
  memory.fill(BYTES, 0, 48);
  for (let i = 0; i < 12; i++) {
    const lo = unchecked(W[i]);
    const q = BYTES + <usize>((lo >> 6) << 3);
    const v = <u64>load<i64>(V + (<usize>i << 3));
    const sh = <u64>(lo & 63);
    store<u64>(q, load<u64>(q) | (v << sh));
    if (sh != 0) store<u64>(q + 8, load<u64>(q + 8) | (v >> (64 - sh)));
  }
  feFromBytes(out, BYTES);
}

/**
 * outA = a^((p-5)/8) and outB = b^((p-5)/8) (fePow22523 of field.ts on two
 * elements at once; the same addition chain). Outputs may alias inputs.
 */
export function fePow22523x2(outA: usize, a: usize, outB: usize, b: usize): void {
  fpLoad(PZ, 0, a); fpLoad(PZ, 1, b);
  fpSqN(Q0, PZ, 1);       // z^2
  fpSqN(Q1, Q0, 2);       // z^8
  fpMul(Q1, PZ, Q1);      // z^9
  fpMul(Q0, Q0, Q1);      // z^11
  fpSqN(Q2, Q0, 1);       // z^22
  fpMul(Q1, Q1, Q2);      // z^(2^5 - 1)
  fpSqN(Q2, Q1, 5);
  fpMul(Q1, Q2, Q1);      // 2^10 - 1
  fpSqN(Q2, Q1, 10);
  fpMul(Q2, Q2, Q1);      // 2^20 - 1
  fpSqN(Q3, Q2, 20);
  fpMul(Q2, Q3, Q2);      // 2^40 - 1
  fpSqN(Q2, Q2, 10);
  fpMul(Q1, Q2, Q1);      // 2^50 - 1
  fpSqN(Q2, Q1, 50);
  fpMul(Q2, Q2, Q1);      // 2^100 - 1
  fpSqN(Q3, Q2, 100);
  fpMul(Q2, Q3, Q2);      // 2^200 - 1
  fpSqN(Q2, Q2, 50);
  fpMul(Q1, Q2, Q1);      // 2^250 - 1
  fpSqN(Q1, Q1, 2);       // 2^252 - 4
  fpMul(Q1, Q1, PZ);      // 2^252 - 3
  fpStore(outA, Q1, 0); fpStore(outB, Q1, 1);
}
