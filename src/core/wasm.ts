// Owns the WASM instance of this realm (page, worker or Node process) and the
// marshalling of the calling convention in assembly/mem.ts.
//
// Zeroing: a wrapper that hands the module a secret runs inside withSecrets(),
// which on every exit (a result, a thrown error, a trap inside WASM) zeroes
// the IO area and the BUF bytes putBuf() wrote, and after a throw also calls
// the module's wipeScratch() (each secret-taking export ends with it, but a
// trap can stop an export before its end). Public inputs (a message to sign
// or verify) go through putPublic() and are left in place.
import wasmBase64 from '../../build/wasm-inline.js';
import { VaultkeyError } from '../errors.js';
import { lazyInstance, reserveBuf } from './inline-wasm.js';

/** Raw exports of build/vaultkey.wasm. Each curve module adds its functions here. */
export interface WasmExports {
  memory: WebAssembly.Memory;
  ioPtr(): number;
  bufPtr(len: number): number;
  wipe(ptr: number, len: number): void;
  wipeScratch(): void;
  sha256(len: number): void;
  sha512(len: number): void;
  ripemd160(len: number): void;
  hash160(len: number): void;
  keccak256(len: number): void;
  hmacSha512(keyLen: number, dataLen: number): void;
  hmacSha256(keyLen: number, dataLen: number): void;
  pbkdf2Sha512(pwLen: number, saltLen: number, iterations: number, dkLen: number): number;
}

let ex: WasmExports | undefined;
let io = 0;
let view = new Uint8Array(0);
/** Start and end of the BUF bytes putBuf() wrote that withSecrets() has yet to zero (end 0: none). */
let dirtyStart = 0;
let dirtyEnd = 0;

/** Size of the IO area (assembly/mem.ts IO_SIZE). */
const IO_SIZE = 1024;

export { MAX_INPUT } from './inline-wasm.js';

/**
 * Instantiates the WASM module once per realm. Asynchronous compilation keeps
 * a page responsive, and the bytes are inlined so no bundler or CSP
 * `connect-src` rule can lose them; only `'wasm-unsafe-eval'` is needed.
 */
export const init: () => Promise<void> = lazyInstance<WasmExports>(
  () => wasmBase64,
  'the vaultkey WASM module',
  (e) => {
    ex = e;
    io = e.ioPtr();
    view = new Uint8Array(e.memory.buffer);
  },
);

export function wasm(): WasmExports {
  if (!ex) throw new VaultkeyError('NOT_INITIALIZED', 'call `await init()` from vaultkey/core first');
  return ex;
}

/** A view of linear memory, refreshed when memory growth detached the old one. */
export function mem(): Uint8Array {
  if (view.byteLength === 0) view = new Uint8Array(wasm().memory.buffer);
  return view;
}

/** Address of the fixed argument/result area. */
export function ioAddr(): number {
  wasm();
  return io;
}

/**
 * Reserves `len` bytes in BUF and returns its address (after any growth).
 * OUT_OF_MEMORY, before anything is written, when they cannot fit.
 */
export function reserve(len: number): number {
  const e = wasm();
  const p = reserveBuf(e, len);
  if (view.byteLength === 0 || view.buffer !== e.memory.buffer) view = new Uint8Array(e.memory.buffer);
  return p;
}

/** reserve(), and marks the `len` bytes for withSecrets() to zero. */
export function reserveSecret(len: number): number {
  const p = reserve(len);
  if (dirtyEnd === 0) dirtyStart = p;
  dirtyEnd = Math.max(dirtyEnd, p + len);
  return p;
}

function copyIn(base: number, parts: Uint8Array[]): void {
  let off = base;
  for (const p of parts) {
    view.set(p, off);
    off += p.length;
  }
}

function total(parts: Uint8Array[]): number {
  let len = 0;
  for (const p of parts) len += p.length;
  return len;
}

/** Copies `parts` one after another into BUF, to be zeroed by withSecrets(); returns the address of the first. */
export function putBuf(...parts: Uint8Array[]): number {
  const base = reserveSecret(total(parts));
  copyIn(base, parts);
  return base;
}

/** putBuf() for public data (a message to sign or verify): left in BUF after the call. */
export function putPublic(...parts: Uint8Array[]): number {
  const base = reserve(total(parts));
  copyIn(base, parts);
  return base;
}

/**
 * Runs `body`, which passes secrets to the module, and then on every exit
 * zeroes IO and the BUF bytes putBuf() wrote; after a throw, also the
 * module's scratch (a trap may have stopped an export before its wipe).
 */
export function withSecrets<T, E extends WasmExports = WasmExports>(body: (e: E, io: number) => T): T {
  const e = wasm() as E;
  try {
    return body(e, io);
  } catch (err) {
    e.wipeScratch();
    throw err;
  } finally {
    const m = mem();
    m.fill(0, io, io + IO_SIZE);
    if (dirtyEnd !== 0) m.fill(0, dirtyStart, dirtyEnd);
    dirtyStart = dirtyEnd = 0;
  }
}

/** Copies `len` bytes out of linear memory at `ptr`. */
export function read(ptr: number, len: number): Uint8Array {
  return mem().slice(ptr, ptr + len);
}

/** Zeroes `len` bytes at `ptr`: every range that held a secret is wiped before returning to the caller. */
export function zero(ptr: number, len: number): void {
  mem().fill(0, ptr, ptr + len);
}
