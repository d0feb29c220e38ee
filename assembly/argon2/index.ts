// Exports of build/argon2.wasm: Argon2id (RFC 9106) as a resumable
// computation, in its own module so its memory can be dropped.
//
// Why a separate module: Argon2id needs m KiB (64 MiB for the vault and backup
// defaults) of linear memory, and a WebAssembly.Memory can grow but never
// shrink. Grown inside the main module, 64 MiB would stay committed for the
// life of the worker. Here the caller instantiates this module per
// derivation and drops the instance, so the engine can unmap the memory.
//
// Calling convention (all integers; no allocation, stub runtime):
//   1. setup(t, m, p, tagLen, |P|, |S|, |K|, |X|) validates the parameters,
//      grows memory to hold the m' blocks plus the inputs, and returns the
//      address where JS writes P || S || K || X back to back (0: refused).
//   2. start() hashes H0 (RFC 9106 §3.2 steps 1-3), zeroes the inputs and
//      H0, and writes the first two blocks of every lane.
//   3. fillSlices(n) fills the next n slices (every lane of each; 4t slices
//      in all) and returns how many remain, so JS can report progress and
//      yield between calls.
//   4. finish() computes the tag (§3.2 steps 7-8) at the returned address,
//      then zeroes every block and scratch area. JS copies the tag out and
//      calls wipeTag().
//
// On secrecy: the memory matrix is a function of the password, and anyone
// who reads it after the last pass can compute the tag without the password.
// Dropping the instance makes its WebAssembly.Memory unreachable, but when
// the engine reclaims it (after a garbage collection, at a time nobody
// controls) and whether the pages are zeroed or reused within the process
// is up to the engine; until then the bytes sit in the process like any
// other garbage, visible to heap snapshots and memory dumps. So finish()
// zeroes all of it (1-2% of the run time for 64 MiB) and does not
// rely on the drop.

import { b2Init, b2Update, b2UpdateLE32, b2Final, b2Wipe, hPrime } from './blake2b';
import { BLOCK, BLOCKS, TYPE_ID, VERSION, Params, R, fillSegment, wipeScratch } from './argon2';

/** Tag output area (tags are 4..1024 bytes). */
const OUT: usize = memory.data(<i32>BLOCK, 64);
const OUT_MAX: u32 = 1024;
/** H0 || LE32(column) || LE32(lane): the input of H' for the first blocks (§3.2 step 3). */
const H0: usize = memory.data(72, 16);

// Phases: 0 idle, 1 set up (inputs expected), 2 filling, 3 filled.
let phase: i32 = 0;
let tagLen: u32 = 0;
let mCost: u32 = 0;
let input: usize = 0;
let pwLen: u32 = 0;
let saltLen: u32 = 0;
let keyLen: u32 = 0;
let adLen: u32 = 0;
let pass: u32 = 0;
let slice: u32 = 0;

/**
 * Validates the parameters (RFC 9106 §3.1) and grows memory for m' blocks
 * and the inputs. Returns the input address, or 0 if a parameter is out of
 * range or memory cannot grow that far (the caller reports which).
 */
export function setup(t: u32, m: u32, p: u32, outLen: u32, pw: u32, salt: u32, key: u32, ad: u32): usize {
  phase = 0;
  // p <= 2^24 - 1, m >= 8p, t >= 1, T >= 4 (§3.1). T <= 1024 is our output
  // area; t < 2^24 keeps 4t slices countable in an i32 (RFC 9106 allows up
  // to 2^32 - 1 passes, which no one could wait for anyway).
  if (t < 1 || t > 0xffffff || p < 1 || p > 0xffffff || m < (p << 3) || outLen < 4 || outLen > OUT_MAX) return 0;
  // m' = 4p * floor(m / 4p) (§3.2 step 2).
  const mPrime: u32 = (m / (p << 2)) * (p << 2);
  // Everything must fit the 32-bit address space; count in u64 so m near
  // 2^32 KiB cannot wrap around.
  const end: u64 = <u64>BLOCKS + (<u64>mPrime << 10) + <u64>pw + <u64>salt + <u64>key + <u64>ad;
  if (end > 0xffff0000) return 0;
  const have: u64 = <u64>memory.size() << 16;
  if (end > have) {
    if (memory.grow(<i32>((end - have + 0xffff) >> 16)) < 0) return 0;
  }
  Params.t = t;
  Params.p = p;
  Params.mPrime = mPrime;
  Params.q = mPrime / p;
  Params.seg = mPrime / p / 4;
  mCost = m;
  tagLen = outLen;
  input = BLOCKS + (<usize>mPrime << 10);
  pwLen = pw;
  saltLen = salt;
  keyLen = key;
  adLen = ad;
  phase = 1;
  return input;
}

/**
 * H0 = H^64(LE32(p) || LE32(T) || LE32(m) || LE32(t) || LE32(v) || LE32(y) ||
 * LE32(|P|) || P || LE32(|S|) || S || LE32(|K|) || K || LE32(|X|) || X)
 * (§3.2 step 1), then B[i][0] = H'^1024(H0 || LE32(0) || LE32(i)) and
 * B[i][1] = H'^1024(H0 || LE32(1) || LE32(i)) (step 3). Returns 0 when
 * called out of order.
 */
export function start(): i32 {
  if (phase != 1) return 0;
  b2Init(64);
  b2UpdateLE32(Params.p);
  b2UpdateLE32(tagLen);
  b2UpdateLE32(mCost);
  b2UpdateLE32(Params.t);
  b2UpdateLE32(VERSION);
  b2UpdateLE32(TYPE_ID);
  let at = input;
  b2UpdateLE32(pwLen);
  b2Update(at, pwLen);
  at += pwLen;
  b2UpdateLE32(saltLen);
  b2Update(at, saltLen);
  at += saltLen;
  b2UpdateLE32(keyLen);
  b2Update(at, keyLen);
  at += keyLen;
  b2UpdateLE32(adLen);
  b2Update(at, adLen);
  b2Final(H0);
  // The password and the secret have been absorbed: nothing needs them again.
  memory.fill(input, 0, <usize>pwLen + saltLen + keyLen + adLen);

  const q = Params.q;
  for (let lane: u32 = 0; lane < Params.p; lane++) {
    store<u32>(H0, lane, 68);
    for (let col: u32 = 0; col < 2; col++) {
      store<u32>(H0, col, 64);
      hPrime(BLOCKS + ((<usize>(lane * q + col)) << 10), 1024, H0, 72);
    }
  }
  memory.fill(H0, 0, 72);
  b2Wipe();
  pass = 0;
  slice = 0;
  phase = 2;
  return 1;
}

/**
 * Fills the next `n` slices (each: segment `slice` of every lane, pass by
 * pass, §3.2 steps 4-6) and returns the number of slices left, or -1 when
 * called out of order.
 */
export function fillSlices(n: u32): i32 {
  if (phase != 2) return -1;
  const t = Params.t, p = Params.p;
  for (; n > 0 && pass < t; n--) {
    for (let lane: u32 = 0; lane < p; lane++) fillSegment(pass, lane, slice);
    if (++slice == 4) {
      slice = 0;
      pass++;
    }
  }
  if (pass == t) phase = 3;
  return <i32>((t - pass) * 4 - slice);
}

/**
 * C = B[0][q-1] ^ ... ^ B[p-1][q-1]; Tag = H'^T(C) (§3.2 steps 7-8). Zeroes
 * the memory matrix, C and all scratch, and returns the tag's address (0
 * when called before the last slice).
 */
export function finish(): usize {
  if (phase != 3) return 0;
  const q = Params.q, p = Params.p;
  const c = R; // G's scratch is free now
  memory.copy(c, BLOCKS + ((<usize>q - 1) << 10), BLOCK);
  for (let lane: u32 = 1; lane < p; lane++) {
    const b = BLOCKS + (<usize>(lane * q + q - 1) << 10);
    for (let i: usize = 0; i < BLOCK; i += 16) v128.store(c + i, v128.xor(v128.load(c + i), v128.load(b + i)));
  }
  hPrime(OUT, tagLen, c, BLOCK);
  memory.fill(BLOCKS, 0, <usize>Params.mPrime << 10);
  wipeScratch();
  b2Wipe();
  phase = 0;
  return OUT;
}

/** Zeroes the tag area once JS has copied the tag out. */
export function wipeTag(): void {
  memory.fill(OUT, 0, BLOCK);
}

/**
 * Zeroes everything that may hold secrets (inputs, H0, blocks, scratch, tag)
 * and resets the state: the error path, when a derivation is abandoned.
 */
export function reset(): void {
  if (phase != 0) {
    memory.fill(BLOCKS, 0, <usize>Params.mPrime << 10);
    memory.fill(input, 0, <usize>pwLen + saltLen + keyLen + adLen);
  }
  memory.fill(H0, 0, 72);
  wipeScratch();
  b2Wipe();
  memory.fill(OUT, 0, BLOCK);
  phase = 0;
}
