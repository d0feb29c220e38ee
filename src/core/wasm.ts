// Owns the WASM instance of this realm (page, worker or Node process) and the
// marshalling of the calling convention in assembly/mem.ts.
import wasmBase64 from '../../build/wasm-inline.js';
import { VaultkeyError } from '../errors.js';
import { inlineWasmBytes } from './inline-wasm.js';

/** Raw exports of build/vaultkey.wasm. Each curve module adds its functions here. */
export interface WasmExports {
  memory: WebAssembly.Memory;
  ioPtr(): number;
  bufPtr(len: number): number;
  wipe(ptr: number, len: number): void;
  sha256(len: number): void;
  sha512(len: number): void;
  ripemd160(len: number): void;
  hash160(len: number): void;
  hmacSha512(keyLen: number, dataLen: number): void;
  pbkdf2Sha512(pwLen: number, saltLen: number, iterations: number, dkLen: number): number;
}

let ex: WasmExports | undefined;
let loading: Promise<void> | undefined;
let io = 0;
let view = new Uint8Array(0);

/**
 * Instantiates the WASM module once per realm. Asynchronous compilation keeps
 * a page responsive, and the bytes are inlined so no bundler or CSP
 * `connect-src` rule can lose them; only `'wasm-unsafe-eval'` is needed.
 */
export function init(): Promise<void> {
  if (ex) return Promise.resolve();
  loading ??= (async () => {
    try {
      const { instance } = await WebAssembly.instantiate(await inlineWasmBytes(wasmBase64), {
        env: {
          abort() {
            throw new VaultkeyError('INVALID_ARGUMENT', 'WASM rejected its input');
          },
        },
      });
      ex = instance.exports as unknown as WasmExports;
      io = ex.ioPtr();
      view = new Uint8Array(ex.memory.buffer);
    } catch (cause) {
      loading = undefined;
      if (cause instanceof VaultkeyError) throw cause;
      throw new VaultkeyError('NOT_INITIALIZED', 'could not instantiate the vaultkey WASM module', { cause });
    }
  })();
  return loading;
}

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

/** Reserves `len` bytes in BUF and returns its address (after any growth). */
export function reserve(len: number): number {
  const p = wasm().bufPtr(len);
  if (p === 0) throw new VaultkeyError('OUT_OF_MEMORY', `cannot reserve ${len} bytes of WASM memory`);
  if (view.byteLength === 0 || view.buffer !== ex!.memory.buffer) view = new Uint8Array(ex!.memory.buffer);
  return p;
}

/** Copies `parts` one after another into BUF and returns the address of the first. */
export function putBuf(...parts: Uint8Array[]): number {
  let len = 0;
  for (const p of parts) len += p.length;
  const base = reserve(len);
  const m = view;
  let off = base;
  for (const p of parts) {
    m.set(p, off);
    off += p.length;
  }
  return base;
}

/** Copies `len` bytes out of linear memory at `ptr`. */
export function read(ptr: number, len: number): Uint8Array {
  return mem().slice(ptr, ptr + len);
}

/** Zeroes `len` bytes at `ptr`: every range that held a secret is wiped before returning to the caller. */
export function zero(ptr: number, len: number): void {
  mem().fill(0, ptr, ptr + len);
}
