// The checks that stand between an arbitrary web page and the HSM: Host
// (DNS rebinding), Origin (exact allowlist), pairing tokens and rate limits.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BridgeError } from './errors.js';

/**
 * Normalises one allowlist entry to the serialised origin a browser sends
 * (`scheme://host[:port]`, lower-case host, default port dropped). Entries with
 * a path, credentials, wildcards or the opaque `null` origin are configuration
 * errors: accepting them would make the allowlist mean something other than
 * what it says.
 */
export function normalizeOrigin(entry: string): string {
  if (typeof entry !== 'string' || entry.trim() === '' || entry.includes('*') || entry.trim() === 'null') {
    throw new Error(`invalid allowed origin ${JSON.stringify(entry)}: give scheme://host[:port], no wildcards`);
  }
  let url: URL;
  try {
    url = new URL(entry.trim());
  } catch {
    throw new Error(`invalid allowed origin ${JSON.stringify(entry)}: not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`invalid allowed origin ${JSON.stringify(entry)}: only http and https origins can call the bridge`);
  }
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new Error(`invalid allowed origin ${JSON.stringify(entry)}: an origin has no path, query or credentials`);
  }
  return url.origin;
}

/**
 * The only Host values a request to the bridge can legitimately carry. A page
 * on evil.example that rebinds its own DNS name to 127.0.0.1 still sends
 * `Host: evil.example:PORT`, so this alone defeats DNS rebinding.
 */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `[::1]:${port}`, `localhost:${port}`]);
}

/**
 * Per-origin token bucket. Only allowlisted origins get a bucket (the map is
 * bounded by the allowlist); everything else is refused before it costs more
 * than a header comparison.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {}

  /** Returns 0 when the request may proceed, else the seconds to wait. */
  take(key: string): number {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    // Clamp: a clock that steps backwards must not drain the bucket.
    b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, t - b.at) / 1000) * this.perSecond);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }
}

const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');

// Crockford base32 (https://www.crockford.com/base32.html): 32 symbols, no
// I, L, O or U, so 8 symbols carry exactly 40 bits. Each symbol takes 5 bits of
// randomBytes (no modulo bias). On input, O is read as 0 and I/L as 1, as that
// encoding specifies, so a code misread off a terminal still matches.
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 8;
/** Pending pairings kept per origin; more pair/starts are refused, none replaces another. */
export const MAX_PENDING_PER_ORIGIN = 3;

function newCode(): string {
  const r = randomBytes(5); // 40 bits = 8 x 5
  let bits = 0n;
  for (const b of r) bits = (bits << 8n) | BigInt(b);
  r.fill(0);
  let code = '';
  for (let i = CODE_LENGTH - 1; i >= 0; i--) code += CODE_ALPHABET[Number((bits >> BigInt(5 * i)) & 31n)];
  return code;
}

/** What the user typed, in the alphabet's canonical form. */
function canonicalCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

export interface TokenRecord {
  hash: string; // SHA-256 hex of the bearer token; the token itself is never stored
  origin: string;
  createdAt: number;
  expiresAt: number;
}

interface PendingPairing {
  id: string;
  origin: string;
  codeHash: Buffer;
  expiresAt: number;
  attemptsLeft: number;
}

export interface PairingOptions {
  now: () => number;
  tokenTtlMs: number;
  codeTtlMs: number;
  maxAttempts: number;
  /** Called with every change so the server can persist token hashes. */
  /** Called with every change so the server can persist token hashes; `revoked` are tokens removed by a revocation. */
  onTokensChanged?: (records: TokenRecord[], revoked: TokenRecord[]) => void;
}

export class PairingManager {
  private readonly tokens = new Map<string, TokenRecord>();
  // By pairing id. Several may be pending for one origin (up to MAX_PENDING_PER_ORIGIN):
  // a second pair/start, possibly from a local process forging the Origin, never
  // replaces the one a page is completing (docs/bridge.md §3, step 8).
  private readonly pending = new Map<string, PendingPairing>();
  constructor(
    private readonly opts: PairingOptions,
    initial: TokenRecord[] = [],
  ) {
    for (const r of initial) if (r.expiresAt > opts.now()) this.tokens.set(r.hash, r);
  }

  /** Starts a pairing for `origin`; the code goes to the terminal only. */
  start(origin: string): { pairingId: string; code: string; expiresAt: number; attempts: number; pendingForOrigin: number } {
    const now = this.opts.now();
    let mine = 0;
    for (const [id, p] of this.pending) {
      if (p.expiresAt <= now) this.pending.delete(id);
      else if (p.origin === origin) mine++;
    }
    if (mine >= MAX_PENDING_PER_ORIGIN) {
      throw new BridgeError(
        409,
        'BRIDGE_PAIRING_IN_PROGRESS',
        'pairings for this origin are already waiting for their codes; finish or let them expire',
      );
    }
    const code = newCode();
    const id = randomBytes(16).toString('hex');
    const expiresAt = now + this.opts.codeTtlMs;
    this.pending.set(id, {
      id,
      origin,
      codeHash: createHash('sha256').update(code).digest(),
      expiresAt,
      attemptsLeft: this.opts.maxAttempts,
    });
    return {
      pairingId: id,
      code: `${code.slice(0, 4)}-${code.slice(4)}`,
      expiresAt,
      attempts: this.opts.maxAttempts,
      pendingForOrigin: mine + 1,
    };
  }

  complete(origin: string, pairingId: string, code: string): { token: string; expiresAt: number } {
    const p = this.pending.get(pairingId);
    if (!p || p.origin !== origin) {
      throw new BridgeError(403, 'BRIDGE_PAIRING_FAILED', 'no pairing in progress for this origin; start pairing again');
    }
    if (p.expiresAt <= this.opts.now()) {
      this.pending.delete(pairingId);
      throw new BridgeError(403, 'BRIDGE_PAIRING_EXPIRED', 'the pairing code expired; start pairing again');
    }
    // Users may type the code in lower case, without the dash, or O/I/L for 0/1.
    const ok = timingSafeEqual(createHash('sha256').update(canonicalCode(code)).digest(), p.codeHash);
    if (!ok) {
      p.attemptsLeft -= 1;
      if (p.attemptsLeft <= 0) {
        this.pending.delete(pairingId);
        throw new BridgeError(403, 'BRIDGE_PAIRING_FAILED', 'wrong pairing code; no attempts left, start pairing again');
      }
      throw new BridgeError(403, 'BRIDGE_PAIRING_FAILED', `wrong pairing code; ${p.attemptsLeft} attempt(s) left`);
    }
    this.pending.delete(pairingId);
    const token = randomBytes(32).toString('base64url');
    const now = this.opts.now();
    for (const [h, r] of this.tokens) if (r.expiresAt <= now) this.tokens.delete(h); // housekeeping
    const rec: TokenRecord = { hash: sha256hex(token), origin, createdAt: now, expiresAt: now + this.opts.tokenTtlMs };
    this.tokens.set(rec.hash, rec);
    this.changed();
    return { token, expiresAt: rec.expiresAt };
  }

  /**
   * Resolves a bearer token presented by `origin`. A token is bound to the
   * origin that paired: a token stolen by another allowed origin is useless.
   */
  check(origin: string, token: string | undefined): TokenRecord {
    if (!token) throw new BridgeError(401, 'BRIDGE_UNPAIRED', 'this origin is not paired with the bridge; call pair/start');
    const rec = this.tokens.get(sha256hex(token));
    if (!rec || rec.origin !== origin) {
      throw new BridgeError(401, 'BRIDGE_UNPAIRED', 'unknown or revoked token for this origin; pair again');
    }
    if (rec.expiresAt <= this.opts.now()) {
      this.tokens.delete(rec.hash);
      this.changed();
      throw new BridgeError(401, 'BRIDGE_TOKEN_EXPIRED', 'the pairing token expired; pair again');
    }
    return rec;
  }

  isPaired(origin: string, token: string | undefined): boolean {
    if (!token) return false;
    const rec = this.tokens.get(sha256hex(token));
    return !!rec && rec.origin === origin && rec.expiresAt > this.opts.now();
  }

  revokeToken(token: string): boolean {
    const hash = sha256hex(token);
    const rec = this.tokens.get(hash);
    if (!rec) return false;
    this.tokens.delete(hash);
    this.changed([rec]);
    return true;
  }

  /** Revokes every token of an origin (operator action); returns how many. */
  revokeOrigin(origin: string): number {
    const gone: TokenRecord[] = [];
    for (const [h, r] of this.tokens)
      if (r.origin === origin) {
        this.tokens.delete(h);
        gone.push(r);
      }
    const n = gone.length;
    for (const [id, p] of this.pending) if (p.origin === origin) this.pending.delete(id);
    if (n) this.changed(gone);
    return n;
  }

  /** Drops tokens revoked elsewhere (the operator's --revoke); no write-back. */
  forget(hashes: Iterable<string>): number {
    let n = 0;
    for (const h of hashes) if (this.tokens.delete(h)) n++;
    return n;
  }

  /** Token hash of a presented bearer token that is live for `origin`, else null. */
  liveHash(origin: string, token: string | undefined): string | null {
    if (!token) return null;
    const h = sha256hex(token);
    const rec = this.tokens.get(h);
    return rec && rec.origin === origin && rec.expiresAt > this.opts.now() ? h : null;
  }

  list(): TokenRecord[] {
    return [...this.tokens.values()].map((r) => ({ ...r }));
  }

  private changed(revoked: TokenRecord[] = []) {
    this.opts.onTokensChanged?.(this.list(), revoked);
  }
}
