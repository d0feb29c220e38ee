// Argon2id memory filling (RFC 9106 §3.2 steps 5-6, §3.4, §3.5, §3.6).
//
// The compression function G is the only hot code: t * m' calls, 196,608 for
// t=3, m=64 MiB. It runs on WebAssembly SIMD: a 1 KiB block is 64 registers
// of two 64-bit words, exactly the 16-byte registers RFC 9106 §3.6 describes,
// so the permutation P works on eight v128 values and the row and column
// passes are plain v128 loads at stride 16 resp. 128 bytes. Measured in
// Node 20 (V8 11.3, x64): the same G on sixteen u64 locals is 10-15% slower
// (x64 has 16 general registers, so P's state spills; SIMD halves the adds,
// xors and rotations, although WebAssembly has no 32x32->64 lane multiply
// short of extmul, which costs five instructions per two products).
//
// Timing and memory access: the rounds are branch-free and table-free. Which
// block is read next is public for the first half of the first pass
// (data-independent addressing, RFC 9106 §3.4.1.2) and a function of the
// password afterwards (§3.4.1.1, §3.4.1.3). That is Argon2id by design
// (RFC 9106 §1: side-channel protection in the first half pass, resistance
// to time-memory trade-offs after it), not something an implementation can
// or should hide.

/** Block size in bytes (RFC 9106 §3.1: 1 KiB). */
export const BLOCK: usize = 1024;
/** Argon2 type y for Argon2id (RFC 9106 §3.2). */
export const TYPE_ID: u32 = 2;
/** Argon2 version v = 0x13 (RFC 9106 §3.2). */
export const VERSION: u32 = 0x13;

// Scratch blocks, 64-byte aligned (one cache line). R holds X ^ Y between the
// row and column passes of G, Q the rows after P. ZERO stays zero (the first
// operand of G in address generation). INPUT and ADDR are the address
// generator's input block and its current output (RFC 9106 §3.4.1.2).
export const R: usize = memory.data(<i32>BLOCK, 64);
export const Q: usize = memory.data(<i32>BLOCK, 64);
const ZERO: usize = memory.data(<i32>BLOCK, 64);
const INPUT: usize = memory.data(<i32>BLOCK, 64);
const ADDR: usize = memory.data(<i32>BLOCK, 64);

/** First block of the memory matrix, after the static data and the stack (none is used: stub runtime). */
export const BLOCKS: usize = (__heap_base + 63) & ~(<usize>63);

// ---------------------------------------------------------------------------
// Permutation P (RFC 9106 §3.6) on v128 registers.

// fBlaMka: a + b + 2 * trunc(a) * trunc(b) per 64-bit lane, where trunc takes
// the low 32 bits (RFC 9106 §3.6). extmul_low multiplies 32-bit lanes 0 and
// 1 into two 64-bit products, so the low halves (32-bit lanes 0 and 2) are
// gathered first; V8 compiles this to pshufd/punpckldq/pmuludq on x64.
@inline
function bla(a: v128, b: v128): v128 {
  const p = i64x2.extmul_low_i32x4_u(i32x4.shuffle(a, a, 0, 2, 0, 2), i32x4.shuffle(b, b, 0, 2, 0, 2));
  return i64x2.add(i64x2.add(a, b), i64x2.add(p, p));
}

// Rotations. By 32 swaps the 32-bit halves (pshufd) and by 16 moves 16-bit
// words (V8: pshuflw + pshufhw). By 24 could be a byte shuffle too, but V8
// (11.x) rebuilds a pshufb mask with four instructions at every use, so two
// shifts and an or are cheaper (measured: ~4% on the whole fill). By 63 is
// left by 1: add to itself, shift, or.
@inline
function rotr32(x: v128): v128 {
  return i32x4.shuffle(x, x, 1, 0, 3, 2);
}
@inline
function rotr24(x: v128): v128 {
  return v128.or(i64x2.shr_u(x, 24), i64x2.shl(x, 40));
}
@inline
function rotr16(x: v128): v128 {
  return i8x16.shuffle(x, x, 2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9);
}
@inline
function rotr63(x: v128): v128 {
  return v128.or(i64x2.add(x, x), i64x2.shr_u(x, 63));
}

/**
 * P on one row (`row`, i = row index) or one column (i = column index) of a
 * block, fused with what G does around it (RFC 9106 §3.5):
 *
 *   row:    R = X ^ Y for the 8 registers of row i; Q[row i] = P(R[row i])
 *   column: Z = P(Q[column i]); dst[column i] = Z ^ R (^ dst when `xorDst`,
 *           the version 1.3 overwrite rule of RFC 9106 §3.2 step 6)
 *
 * The 16 words v0..v15 of P are held two per register as in RFC 9106 §3.6:
 * a0 = (v0, v1), a1 = (v2, v3), b0 = (v4, v5), ..., d1 = (v14, v15). The
 * four column GBs then run two at a time on (a0, b0, c0, d0) and (a1, b1, c1,
 * d1); for the four diagonal GBs, b and d are rotated by one word across
 * their register pair and c0/c1 swap roles, and the rotation is undone after.
 * `row` and `xorDst` are constants at every call site, so the branches fold.
 */
@inline
function permute(row: bool, i: usize, x: usize, y: usize, dst: usize, xorDst: bool): void {
  // Register k of row i is at 128 i + 16 k; register k of column i is at 16 i + 128 k.
  const off: usize = row ? i << 7 : i << 4;
  const st: usize = row ? 16 : 128;
  let a0: v128, a1: v128, b0: v128, b1: v128, c0: v128, c1: v128, d0: v128, d1: v128;
  if (row) {
    a0 = v128.xor(v128.load(x + off), v128.load(y + off));
    a1 = v128.xor(v128.load(x + off + st), v128.load(y + off + st));
    b0 = v128.xor(v128.load(x + off + 2 * st), v128.load(y + off + 2 * st));
    b1 = v128.xor(v128.load(x + off + 3 * st), v128.load(y + off + 3 * st));
    c0 = v128.xor(v128.load(x + off + 4 * st), v128.load(y + off + 4 * st));
    c1 = v128.xor(v128.load(x + off + 5 * st), v128.load(y + off + 5 * st));
    d0 = v128.xor(v128.load(x + off + 6 * st), v128.load(y + off + 6 * st));
    d1 = v128.xor(v128.load(x + off + 7 * st), v128.load(y + off + 7 * st));
    v128.store(R + off, a0);
    v128.store(R + off + st, a1);
    v128.store(R + off + 2 * st, b0);
    v128.store(R + off + 3 * st, b1);
    v128.store(R + off + 4 * st, c0);
    v128.store(R + off + 5 * st, c1);
    v128.store(R + off + 6 * st, d0);
    v128.store(R + off + 7 * st, d1);
  } else {
    a0 = v128.load(Q + off);
    a1 = v128.load(Q + off + st);
    b0 = v128.load(Q + off + 2 * st);
    b1 = v128.load(Q + off + 3 * st);
    c0 = v128.load(Q + off + 4 * st);
    c1 = v128.load(Q + off + 5 * st);
    d0 = v128.load(Q + off + 6 * st);
    d1 = v128.load(Q + off + 7 * st);
  }

  // GB(v0, v4, v8, v12) and GB(v1, v5, v9, v13)
  a0 = bla(a0, b0); d0 = rotr32(v128.xor(d0, a0));
  c0 = bla(c0, d0); b0 = rotr24(v128.xor(b0, c0));
  a0 = bla(a0, b0); d0 = rotr16(v128.xor(d0, a0));
  c0 = bla(c0, d0); b0 = rotr63(v128.xor(b0, c0));
  // GB(v2, v6, v10, v14) and GB(v3, v7, v11, v15)
  a1 = bla(a1, b1); d1 = rotr32(v128.xor(d1, a1));
  c1 = bla(c1, d1); b1 = rotr24(v128.xor(b1, c1));
  a1 = bla(a1, b1); d1 = rotr16(v128.xor(d1, a1));
  c1 = bla(c1, d1); b1 = rotr63(v128.xor(b1, c1));

  // Diagonalise: e0 = (v5, v6), e1 = (v7, v4), f0 = (v15, v12), f1 = (v13, v14).
  let e0 = i64x2.shuffle(b0, b1, 1, 2);
  let e1 = i64x2.shuffle(b1, b0, 1, 2);
  let f0 = i64x2.shuffle(d1, d0, 1, 2);
  let f1 = i64x2.shuffle(d0, d1, 1, 2);
  // GB(v0, v5, v10, v15) and GB(v1, v6, v11, v12)
  a0 = bla(a0, e0); f0 = rotr32(v128.xor(f0, a0));
  c1 = bla(c1, f0); e0 = rotr24(v128.xor(e0, c1));
  a0 = bla(a0, e0); f0 = rotr16(v128.xor(f0, a0));
  c1 = bla(c1, f0); e0 = rotr63(v128.xor(e0, c1));
  // GB(v2, v7, v8, v13) and GB(v3, v4, v9, v14)
  a1 = bla(a1, e1); f1 = rotr32(v128.xor(f1, a1));
  c0 = bla(c0, f1); e1 = rotr24(v128.xor(e1, c0));
  a1 = bla(a1, e1); f1 = rotr16(v128.xor(f1, a1));
  c0 = bla(c0, f1); e1 = rotr63(v128.xor(e1, c0));
  // Undo: b0 = (v4, v5), b1 = (v6, v7), d0 = (v12, v13), d1 = (v14, v15).
  b0 = i64x2.shuffle(e1, e0, 1, 2);
  b1 = i64x2.shuffle(e0, e1, 1, 2);
  d0 = i64x2.shuffle(f0, f1, 1, 2);
  d1 = i64x2.shuffle(f1, f0, 1, 2);

  if (row) {
    v128.store(Q + off, a0);
    v128.store(Q + off + st, a1);
    v128.store(Q + off + 2 * st, b0);
    v128.store(Q + off + 3 * st, b1);
    v128.store(Q + off + 4 * st, c0);
    v128.store(Q + off + 5 * st, c1);
    v128.store(Q + off + 6 * st, d0);
    v128.store(Q + off + 7 * st, d1);
  } else {
    a0 = v128.xor(a0, v128.load(R + off));
    a1 = v128.xor(a1, v128.load(R + off + st));
    b0 = v128.xor(b0, v128.load(R + off + 2 * st));
    b1 = v128.xor(b1, v128.load(R + off + 3 * st));
    c0 = v128.xor(c0, v128.load(R + off + 4 * st));
    c1 = v128.xor(c1, v128.load(R + off + 5 * st));
    d0 = v128.xor(d0, v128.load(R + off + 6 * st));
    d1 = v128.xor(d1, v128.load(R + off + 7 * st));
    if (xorDst) {
      a0 = v128.xor(a0, v128.load(dst + off));
      a1 = v128.xor(a1, v128.load(dst + off + st));
      b0 = v128.xor(b0, v128.load(dst + off + 2 * st));
      b1 = v128.xor(b1, v128.load(dst + off + 3 * st));
      c0 = v128.xor(c0, v128.load(dst + off + 4 * st));
      c1 = v128.xor(c1, v128.load(dst + off + 5 * st));
      d0 = v128.xor(d0, v128.load(dst + off + 6 * st));
      d1 = v128.xor(d1, v128.load(dst + off + 7 * st));
    }
    v128.store(dst + off, a0);
    v128.store(dst + off + st, a1);
    v128.store(dst + off + 2 * st, b0);
    v128.store(dst + off + 3 * st, b1);
    v128.store(dst + off + 4 * st, c0);
    v128.store(dst + off + 5 * st, c1);
    v128.store(dst + off + 6 * st, d0);
    v128.store(dst + off + 7 * st, d1);
  }
}

// Receives the touch loads below so the optimisers keep them.
const SINK: usize = memory.data(8, 8);

/**
 * dst = G(X, Y) (RFC 9106 §3.5), or dst ^= G(X, Y) when `xorDst` (passes
 * after the first, version 1.3). X and Y are read completely (row pass)
 * before dst is written (column pass), so dst may alias X or Y.
 */
export function compress(dst: usize, x: usize, y: usize, xorDst: bool): void {
  // Y is RFC 9106's reference block (§3.4), anywhere in m KiB and usually not in cache
  // (X, the previous block, was just written). WebAssembly has no prefetch,
  // so touch each of its 16 cache lines first: the misses then overlap
  // instead of surfacing row by row behind P's work. Measured: ~10% faster
  // at m = 64 MiB, no change when the memory fits in cache.
  let touch: u64 = 0;
  for (let i: usize = 0; i < BLOCK; i += 64) touch ^= load<u64>(y + i);
  store<u64>(SINK, touch);
  for (let i: usize = 0; i < 8; i++) permute(true, i, x, y, 0, false);
  if (xorDst) {
    for (let i: usize = 0; i < 8; i++) permute(false, i, 0, 0, dst, true);
  } else {
    for (let i: usize = 0; i < 8; i++) permute(false, i, 0, 0, dst, false);
  }
}

// ---------------------------------------------------------------------------
// Segment filling (RFC 9106 §3.2 steps 3-6, §3.4).

/** Parameters of the current computation, set by the exported setup in index.ts. */
export class Params {
  static t: u32 = 0; // passes
  static p: u32 = 0; // lanes
  static mPrime: u32 = 0; // m' = 4p * floor(m / 4p) blocks
  static q: u32 = 0; // columns per lane, m' / p
  static seg: u32 = 0; // blocks per segment, q / 4 (>= 2 because m >= 8p)
}

@inline
function blockAt(index: u32): usize {
  return BLOCKS + (<usize>index << 10);
}

// Next address block (RFC 9106 §3.4.1.2): bump the counter in INPUT, then
// ADDR = G(ZERO, G(ZERO, INPUT)).
function nextAddresses(): void {
  store<u64>(INPUT, load<u64>(INPUT, 48) + 1, 48);
  compress(ADDR, ZERO, INPUT, false);
  compress(ADDR, ZERO, ADDR, false);
}

/**
 * Fills segment `slice` of lane `lane` in pass `pass` (RFC 9106 §3.2 steps
 * 4-6). Lanes of one slice only reference finished slices of other lanes
 * (§3.4.2), so filling them one after another is a valid schedule.
 */
export function fillSegment(pass: u32, lane: u32, slice: u32): void {
  const p = Params.p, q = Params.q, seg = Params.seg;
  // Argon2id: data-independent addressing in the first two slices of the
  // first pass, data-dependent everywhere else (RFC 9106 §3.4.1.3).
  const independent = pass == 0 && slice < 2;
  // B[i][0] and B[i][1] come from H0 (§3.2 step 3), so pass 0 slice 0 starts at 2.
  let idx: u32 = pass == 0 && slice == 0 ? 2 : 0;
  if (independent) {
    // Z = LE64(r) || LE64(l) || LE64(sl) || LE64(m') || LE64(t) || LE64(y), then
    // the counter (starting at 1) and zero padding to 1 KiB.
    memory.fill(INPUT, 0, BLOCK);
    store<u64>(INPUT, <u64>pass, 0);
    store<u64>(INPUT, <u64>lane, 8);
    store<u64>(INPUT, <u64>slice, 16);
    store<u64>(INPUT, <u64>Params.mPrime, 24);
    store<u64>(INPUT, <u64>Params.t, 32);
    store<u64>(INPUT, <u64>TYPE_ID, 40);
    // Address block k covers indexes 128(k-1) .. 128k-1 of the segment; when
    // the segment starts at 2 the loop below would skip generating block 1.
    if (idx != 0) nextAddresses();
  }
  let cur: u32 = lane * q + slice * seg + idx;
  // The previous block of column 0 is the lane's last column (pass > 0).
  let prev: u32 = slice == 0 && idx == 0 ? cur + q - 1 : cur - 1;
  // §3.4.2: the finished part of a lane is slice * seg blocks from column 0
  // in pass 0, and the other three segments (q - seg blocks, wrapping around
  // from the segment after this one) in later passes.
  const areaBase: u32 = pass == 0 ? slice * seg : q - seg;
  const start: u32 = pass == 0 || slice == 3 ? 0 : (slice + 1) * seg;
  const xorDst = pass != 0;

  for (; idx < seg; idx++, cur++) {
    let rand: u64;
    if (independent) {
      if ((idx & 127) == 0) nextAddresses();
      rand = load<u64>(ADDR + ((<usize>idx & 127) << 3));
    } else {
      rand = load<u64>(blockAt(prev)); // first word of B[i][j-1]
    }
    // J1 = low 32 bits, J2 = high 32 bits (§3.4.1). l = J2 mod p, forced to
    // the current lane in the first slice of the first pass (§3.4.2).
    const j1 = rand & 0xffffffff;
    const refLane: u32 = pass == 0 && slice == 0 ? lane : <u32>(rand >> 32) % p;
    const same = refLane == lane;
    // |W| (§3.4.2): in the current lane, every block of the area computed so
    // far except B[i][j-1]; in another lane, its finished segments of the
    // area, minus their very last block when B[i][j] is the first block of
    // its segment.
    const area: u32 = select<u32>(areaBase + idx - 1, areaBase - <u32>(idx == 0), same);
    // §3.4.2: x = J1^2 / 2^32, y = |W| * x / 2^32, zz = |W| - 1 - y (biases
    // the choice towards recent blocks), counted from `start` modulo q.
    const xx = (j1 * j1) >> 32;
    const yy = (<u64>area * xx) >> 32;
    let z: u32 = start + area - 1 - <u32>yy;
    z = select<u32>(z - q, z, z >= q);
    compress(blockAt(cur), blockAt(prev), blockAt(refLane * q + z), xorDst);
    prev = cur;
  }
}

/** Zeroes the scratch blocks of G and of the address generator. */
export function wipeScratch(): void {
  memory.fill(R, 0, BLOCK);
  memory.fill(Q, 0, BLOCK);
  memory.fill(INPUT, 0, BLOCK);
  memory.fill(ADDR, 0, BLOCK);
  store<u64>(SINK, 0); // an xor of reference-block words
}
