// Linear-memory layout and the JS <-> WASM calling convention.
//
// Every export takes only integers (lengths, counts) and finds its operands at
// fixed places in memory:
//   IO  - a fixed 1 KiB area for fixed-size arguments and results (digests,
//         keys, signatures). JS copies results out, then zeroes what it read.
//   BUF - a growable area starting at the heap base for variable-length input
//         (messages, HMAC keys, passwords). JS asks `bufPtr(len)` for room
//         first, because growing memory detaches the JS view of it.
// Nothing allocates on the heap (the runtime is `stub`), so addresses never
// move and every byte that ever held a secret is known and zeroed by the
// export that wrote it.

/** Fixed argument/result area. */
export const IO: usize = memory.data(1024, 16);
export const IO_SIZE: usize = 1024;

// 16-byte aligned start of the variable-length input area.
export const BUF: usize = (__heap_base + 15) & ~(<usize>15);

export function ioPtr(): usize {
  return IO;
}

/** Ensures BUF has `len` bytes of room and returns its address (0 if memory cannot grow). */
export function bufPtr(len: u32): usize {
  const end = BUF + <usize>len;
  const have = (<usize>memory.size()) << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  return BUF;
}

/** Zeroes `len` bytes at `ptr`. Exposed so JS can wipe BUF/IO ranges it filled with secrets. */
export function wipe(ptr: usize, len: usize): void {
  memory.fill(ptr, 0, len);
}
