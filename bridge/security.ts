// The checks that stand between an arbitrary web page and the HSM: Host
// (DNS rebinding), Origin (exact allowlist), pairing tokens and rate limits.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
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

// Crockford-style alphabet without 0/O, 1/I/L, U: easy to read off a terminal
// and type. 8 characters = 40 bits; with a few attempts per code and a short
// lifetime, guessing is hopeless.
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 8;

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
  onTokensChanged?: (records: TokenRecord[]) => void;
}

export class PairingManager {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly pending = new Map<string, PendingPairing>(); // by origin: one live code per origin
  constructor(
    private readonly opts: PairingOptions,
    initial: TokenRecord[] = [],
  ) {
    for (const r of initial) if (r.expiresAt > opts.now()) this.tokens.set(r.hash, r);
  }

  /** Starts (or restarts) pairing for `origin`; the code goes to the terminal only. */
  start(origin: string): { pairingId: string; code: string; expiresAt: number; attempts: number } {
    let code = '';
    for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
    const id = randomBytes(16).toString('hex');
    const expiresAt = this.opts.now() + this.opts.codeTtlMs;
    this.pending.set(origin, {
      id,
      origin,
      codeHash: createHash('sha256').update(code).digest(),
      expiresAt,
      attemptsLeft: this.opts.maxAttempts,
    });
    return { pairingId: id, code: `${code.slice(0, 4)}-${code.slice(4)}`, expiresAt, attempts: this.opts.maxAttempts };
  }

  complete(origin: string, pairingId: string, code: string): { token: string; expiresAt: number } {
    const p = this.pending.get(origin);
    if (!p || p.id !== pairingId) {
      throw new BridgeError(403, 'BRIDGE_PAIRING_FAILED', 'no pairing in progress for this origin; start pairing again');
    }
    if (p.expiresAt <= this.opts.now()) {
      this.pending.delete(origin);
      throw new BridgeError(403, 'BRIDGE_PAIRING_EXPIRED', 'the pairing code expired; start pairing again');
    }
    // Users may type the code in lower case or without the dash.
    const typed = code.toUpperCase().replace(/[\s-]/g, '');
    const ok = timingSafeEqual(createHash('sha256').update(typed).digest(), p.codeHash);
    if (!ok) {
      p.attemptsLeft -= 1;
      if (p.attemptsLeft <= 0) {
        this.pending.delete(origin);
        throw new BridgeError(403, 'BRIDGE_PAIRING_FAILED', 'wrong pairing code; no attempts left, start pairing again');
      }
      throw new BridgeError(403, 'BRIDGE_PAIRING_FAILED', `wrong pairing code; ${p.attemptsLeft} attempt(s) left`);
    }
    this.pending.delete(origin);
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
    const had = this.tokens.delete(hash);
    if (had) this.changed();
    return had;
  }

  /** Revokes every token of an origin (operator action); returns how many. */
  revokeOrigin(origin: string): number {
    let n = 0;
    for (const [h, r] of this.tokens)
      if (r.origin === origin) {
        this.tokens.delete(h);
        n++;
      }
    this.pending.delete(origin);
    if (n) this.changed();
    return n;
  }

  list(): TokenRecord[] {
    return [...this.tokens.values()].map((r) => ({ ...r }));
  }

  private changed() {
    this.opts.onTokensChanged?.(this.list());
  }
}
