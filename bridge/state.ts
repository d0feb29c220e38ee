// The pairing state file (docs/bridge.md §3, "Revocation"): token hashes and
// revoked token hashes, 0600. Two writers share it: the running bridge (on
// every token change) and `vaultkey-bridge --revoke` (a separate process).
// Every write re-reads the file under a lock file and merges, with revocations
// winning: a token hash that is in `revoked` is never written back to `tokens`
// and never loaded, whatever the order of revoke, new pairings and restarts.
import { closeSync, chmodSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type { TokenRecord } from './security.js';

export interface RevokedRecord {
  hash: string;
  origin: string;
  /** Kept until the token would have expired anyway, then dropped. */
  expiresAt: number;
}

export interface StateData {
  tokens: TokenRecord[];
  revoked: RevokedRecord[];
}

const HASH = /^[0-9a-f]{64}$/;
const isToken = (t: unknown): t is TokenRecord => {
  const r = t as TokenRecord;
  return (
    !!r &&
    typeof r.hash === 'string' &&
    HASH.test(r.hash) &&
    typeof r.origin === 'string' &&
    typeof r.expiresAt === 'number' &&
    typeof r.createdAt === 'number'
  );
};
const isRevoked = (t: unknown): t is RevokedRecord => {
  const r = t as RevokedRecord;
  return !!r && typeof r.hash === 'string' && HASH.test(r.hash) && typeof r.origin === 'string' && typeof r.expiresAt === 'number';
};

/** Reads the state file; a missing file is empty state, a corrupt one an error (never silently dropped). */
export function readState(file: string): StateData {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { tokens: [], revoked: [] }; // first run
  }
  let data: { tokens?: unknown; revoked?: unknown };
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`state file ${file} is not valid JSON; move it away to start with no pairings`);
  }
  const revoked = Array.isArray(data?.revoked) ? data.revoked.filter(isRevoked) : [];
  const gone = new Set(revoked.map((r) => r.hash));
  const tokens = Array.isArray(data?.tokens) ? data.tokens.filter(isToken).filter((t) => !gone.has(t.hash)) : [];
  return { tokens, revoked };
}

/** Identity of the file's current version, to notice another process's write cheaply. */
export function stateStamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'none';
  }
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Runs `fn` holding `${file}.lock` (O_EXCL). A lock older than 10 s is a crashed writer's and is broken. */
function withLock<T>(file: string, fn: () => T): T {
  const lock = `${file}.lock`;
  for (let i = 0; ; i++) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 10_000) unlinkSync(lock);
      } catch {
        /* the holder just released it */
      }
      if (i > 200) throw new Error(`state file ${file} is locked by another process`);
      sleep(10);
    }
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      /* already gone */
    }
  }
}

function write(file: string, data: StateData) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: 2, tokens: data.tokens, revoked: data.revoked }, null, 2), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file); // atomic: a crash never leaves a half-written file
}

/**
 * The running bridge's write: its live tokens plus what it removed itself
 * (page revoke, operator revoke, expiry), merged into what is on disk.
 * Returns the merged state, whose `revoked` the bridge applies to memory.
 */
export function saveMerged(file: string, live: TokenRecord[], removed: RevokedRecord[], now: number): StateData {
  return withLock(file, () => {
    const disk = readState(file);
    const revoked = new Map<string, RevokedRecord>();
    for (const r of [...disk.revoked, ...removed]) if (r.expiresAt > now) revoked.set(r.hash, r);
    const tokens = new Map<string, TokenRecord>();
    for (const t of [...disk.tokens, ...live]) if (t.expiresAt > now && !revoked.has(t.hash)) tokens.set(t.hash, t);
    const merged = { tokens: [...tokens.values()], revoked: [...revoked.values()] };
    write(file, merged);
    return merged;
  });
}

/** The operator's `--revoke ORIGIN`: moves every token of the origin to `revoked`. Returns how many. */
export function revokeOriginInFile(file: string, origin: string, now: number): number {
  return withLock(file, () => {
    const disk = readState(file);
    const gone = disk.tokens.filter((t) => t.origin === origin);
    const revoked = [
      ...disk.revoked.filter((r) => r.expiresAt > now),
      ...gone.map((t) => ({ hash: t.hash, origin, expiresAt: t.expiresAt })),
    ];
    write(file, { tokens: disk.tokens.filter((t) => t.origin !== origin), revoked });
    return gone.length;
  });
}
