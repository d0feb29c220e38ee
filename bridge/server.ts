// vaultkey-bridge: JSON over HTTP on loopback only. Every request walks the
// same gauntlet before it can touch a provider:
//   Host (DNS rebinding) -> Origin allowlist -> per-origin rate limit ->
//   CORS/PNA preflight -> route -> content type -> size-limited JSON body ->
//   bearer token bound to the origin -> operation with a timeout.
// See docs/bridge.md for the protocol.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { BridgeError, badParam } from './errors.js';
import { jsonLineLogger, type Logger } from './log.js';
import { allowedHosts, normalizeOrigin, PairingManager, RateLimiter, type TokenRecord } from './security.js';
import { ALGORITHMS, Pkcs11Provider, UNPRINTABLE, type Algorithm, type Pkcs11Config } from './pkcs11.js';
import { KeystoreProvider, type KeystoreConfig } from './keystore.js';
import { readState, saveMerged, stateStamp } from './state.js';

export const PROTOCOL_VERSION = 1;
export const BRIDGE_VERSION = '0.1.0';
export const DEFAULT_PORT = 21879;

export interface PairingCodeEvent {
  origin: string;
  code: string;
  expiresAt: number;
}

export interface BridgeOptions {
  /** TCP port on 127.0.0.1 and ::1; 0 picks a free one. Default 21879. */
  port?: number;
  /** Exact origins (scheme://host[:port]) allowed to talk to the bridge. */
  allowedOrigins: string[];
  pkcs11?: Pkcs11Config;
  /** Enables the platform keystore provider. */
  keystore?: KeystoreConfig | boolean;
  /** Lifetime of a pairing token. Default 7 days. */
  tokenTtlMs?: number;
  /** Lifetime of a pairing code shown in the terminal. Default 2 minutes. */
  pairingCodeTtlMs?: number;
  /** Wrong codes tolerated per pairing before the code is void. Default 5. */
  pairingAttempts?: number;
  /** Largest request body. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Per-origin token bucket. Default burst 60, 20 requests/s. */
  rateLimit?: { burst: number; perSecond: number };
  /** Per-origin limit on pair/start (each one prints to the terminal). Default burst 3, one per 20 s. */
  pairingRateLimit?: { burst: number; perSecond: number };
  /**
   * Open connections kept across 127.0.0.1 and ::1. Past it, the connection
   * idle longest (no request in progress) is closed, so a flood of idle
   * sockets cannot lock paired pages out. Default 256.
   */
  maxConnections?: number;
  /** Time allowed to receive a request (headers + body). Default 10 s. */
  requestTimeoutMs?: number;
  /** Time allowed for one provider operation. Default 30 s. */
  operationTimeoutMs?: number;
  /** Where token hashes are kept across restarts (written 0600). Default: memory only. */
  stateFile?: string;
  /** Receives each pairing code instead of the terminal (tests, GUIs). */
  onPairingCode?: (event: PairingCodeEvent) => void;
  logger?: Logger;
  /** Clock, for tests. */
  now?: () => number;
}

export interface BridgeHandle {
  port: number;
  /** Base URLs the bridge answers on. */
  urls: string[];
  allowedOrigins: string[];
  /** Revokes every token of an origin; returns how many. */
  revokeOrigin(origin: string): number;
  /** Stored pairings (hashes only). */
  pairings(): TokenRecord[];
  close(): Promise<void>;
}

interface Ctx {
  origin: string;
  token: string | undefined;
}
type Params = Record<string, unknown>;
interface Method {
  auth: boolean;
  run(ctx: Ctx, params: Params): unknown | Promise<unknown>;
}

// ---- parameter helpers ------------------------------------------------------

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
function hexParam(p: Params, name: string, opts: { min?: number; optional?: boolean } = {}): Buffer {
  const v = p[name];
  if (v === undefined && opts.optional) return Buffer.alloc(0);
  if (typeof v !== 'string' || !HEX.test(v)) throw badParam(`${name} must be an even-length hex string`);
  const b = Buffer.from(v, 'hex');
  if (b.length < (opts.min ?? 0)) throw new BridgeError(400, 'INVALID_LENGTH', `${name} must be at least ${opts.min} bytes`);
  return b;
}
function keyIdParam(p: Params): Buffer {
  const v = p.keyId;
  if (typeof v !== 'string' || !/^(?:[0-9a-fA-F]{2}){1,64}$/.test(v)) {
    throw new BridgeError(400, 'INVALID_KEY_ID', 'keyId must be the hex id of a key (1-64 bytes)');
  }
  return Buffer.from(v, 'hex');
}
function algorithmParam(p: Params): Algorithm {
  const v = p.algorithm;
  if (typeof v !== 'string' || !(ALGORITHMS as readonly string[]).includes(v)) {
    throw new BridgeError(400, 'BRIDGE_UNSUPPORTED_ALGORITHM', `algorithm must be one of ${ALGORITHMS.join(', ')}`);
  }
  return v as Algorithm;
}
function labelParam(p: Params): string {
  const v = p.label ?? 'vaultkey';
  // Labels end up in HSM admin tools, terminals and pages: printable only, no
  // controls or bidi overrides (see UNPRINTABLE).
  if (typeof v !== 'string' || v.length < 1 || v.length > 64 || UNPRINTABLE.test(v)) {
    throw badParam('label must be 1-64 printable characters (no control, format or bidi characters)');
  }
  return v;
}
function boolParam(p: Params, name: string): boolean {
  const v = p[name];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw badParam(`${name} must be a boolean`);
  return v;
}
function stringParam(p: Params, name: string, max = 256): string {
  const v = p[name];
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw badParam(`${name} must be a non-empty string`);
  return v;
}

// ---- server -----------------------------------------------------------------

export async function startBridge(options: BridgeOptions): Promise<BridgeHandle> {
  const now = options.now ?? Date.now;
  const log = options.logger ?? jsonLineLogger();
  if (!Array.isArray(options.allowedOrigins)) throw new Error('allowedOrigins must be an array of origins');
  const origins = new Set(options.allowedOrigins.map(normalizeOrigin));
  const maxBody = options.maxBodyBytes ?? 64 * 1024;
  const opTimeout = options.operationTimeoutMs ?? 30_000;
  const reqTimeout = options.requestTimeoutMs ?? 10_000;
  const rl = options.rateLimit ?? { burst: 60, perSecond: 20 };
  const limiter = new RateLimiter(rl.burst, rl.perSecond, now);
  // Each pair/start prints to the operator's terminal: keep it rare.
  const prl = options.pairingRateLimit ?? { burst: 3, perSecond: 1 / 20 };
  const pairLimiter = new RateLimiter(prl.burst, prl.perSecond, now);

  // Revocations win (bridge/state.ts): every write merges with the file, and a
  // change made by `--revoke` in another process is applied before the next
  // authenticated request, so a revoked token never comes back.
  const stateFile = options.stateFile;
  let stamp = stateFile ? stateStamp(stateFile) : '';
  let pairing: PairingManager;
  const applyRevocations = (revoked: { hash: string }[]) => {
    if (pairing.forget(revoked.map((r) => r.hash))) log({ level: 'info', event: 'pair.revoked_by_operator' });
  };
  const syncState = () => {
    if (!stateFile) return;
    const now2 = stateStamp(stateFile);
    if (now2 === stamp) return;
    stamp = now2;
    try {
      applyRevocations(readState(stateFile).revoked);
    } catch {
      log({ level: 'error', event: 'state.read_failed' });
    }
  };
  pairing = new PairingManager(
    {
      now,
      tokenTtlMs: options.tokenTtlMs ?? 7 * 24 * 3600_000,
      codeTtlMs: options.pairingCodeTtlMs ?? 120_000,
      maxAttempts: options.pairingAttempts ?? 5,
      onTokensChanged: stateFile
        ? (tokens, revoked) => {
            try {
              const merged = saveMerged(
                stateFile,
                tokens,
                revoked.map((r) => ({ hash: r.hash, origin: r.origin, expiresAt: r.expiresAt })),
                now(),
              );
              stamp = stateStamp(stateFile);
              applyRevocations(merged.revoked);
            } catch {
              log({ level: 'error', event: 'state.write_failed' });
            }
          }
        : undefined,
    },
    stateFile ? readState(stateFile).tokens : [],
  );

  const pkcs11 = options.pkcs11 ? await Pkcs11Provider.open(options.pkcs11, log, now) : null;
  let keystore: KeystoreProvider | null = null;
  try {
    if (options.keystore) keystore = await KeystoreProvider.open(options.keystore === true ? {} : options.keystore, log);
  } catch (err) {
    await pkcs11?.close();
    throw err;
  }
  const needPkcs11 = () => {
    if (!pkcs11) throw new BridgeError(503, 'BRIDGE_NOT_CONFIGURED', 'no PKCS#11 module is configured in this bridge');
    return pkcs11;
  };
  const needKeystore = () => {
    if (!keystore) throw new BridgeError(503, 'BRIDGE_NOT_CONFIGURED', 'the platform keystore is not enabled in this bridge');
    return keystore;
  };

  const methods: Record<string, Method> = {
    info: {
      auth: false,
      run: (ctx) => {
        const base = { protocol: PROTOCOL_VERSION, name: 'vaultkey-bridge', version: BRIDGE_VERSION };
        // Unpaired pages learn only that a bridge is there, not what it guards.
        if (!pairing.isPaired(ctx.origin, ctx.token)) return { ...base, paired: false };
        return {
          ...base,
          paired: true,
          providers: {
            pkcs11: pkcs11 ? { token: pkcs11.tokenLabel, pagePin: pkcs11.allowPagePin, keyAccess: pkcs11.keyAccess } : null,
            keystore: !!keystore,
          },
        };
      },
    },
    'pair/start': {
      auth: false,
      run: (ctx) => {
        const wait = pairLimiter.take(ctx.origin);
        if (wait) {
          throw new BridgeError(429, 'BRIDGE_RATE_LIMITED', 'too many pairing requests; wait before trying again', {
            headers: { 'retry-after': String(wait) },
          });
        }
        const p = pairing.start(ctx.origin);
        log({ level: 'info', event: 'pair.start', origin: ctx.origin });
        const event = { origin: ctx.origin, code: p.code, expiresAt: p.expiresAt };
        if (options.onPairingCode) options.onPairingCode(event);
        else printPairingCode(event, now, p.pendingForOrigin);
        return { pairingId: p.pairingId, expiresAt: p.expiresAt, attempts: p.attempts };
      },
    },
    'pair/complete': {
      auth: false,
      run: (ctx, p) => {
        const pairingId = stringParam(p, 'pairingId', 64);
        const code = stringParam(p, 'code', 32);
        try {
          const t = pairing.complete(ctx.origin, pairingId, code);
          log({ level: 'info', event: 'pair.complete', origin: ctx.origin });
          return t;
        } catch (err) {
          log({ level: 'warn', event: 'pair.failed', origin: ctx.origin, error: (err as BridgeError).code });
          throw err;
        }
      },
    },
    'pair/revoke': {
      auth: true,
      run: (ctx) => {
        pairing.revokeToken(ctx.token!);
        log({ level: 'info', event: 'pair.revoke', origin: ctx.origin });
        return { revoked: true };
      },
    },
    'pkcs11/slots': { auth: true, run: () => needPkcs11().slots() },
    'pkcs11/login': {
      auth: true,
      run: async (_ctx, p) => {
        await needPkcs11().loginWithPin(p.pin);
        return { loggedIn: true };
      },
    },
    'pkcs11/generate': {
      auth: true,
      run: (ctx, p) => needPkcs11().generate(ctx.origin, algorithmParam(p), labelParam(p)),
    },
    'pkcs11/import': {
      auth: true,
      run: (ctx, p) => {
        const hsm = needPkcs11();
        const alg = algorithmParam(p);
        const label = labelParam(p);
        return hsm.import(ctx.origin, alg, hexParam(p, 'privateKey', { min: 1 }), label);
      },
    },
    'pkcs11/list': { auth: true, run: (ctx) => needPkcs11().list(ctx.origin) },
    'pkcs11/publicKey': { auth: true, run: (ctx, p) => needPkcs11().getKey(ctx.origin, keyIdParam(p)) },
    'pkcs11/sign': {
      auth: true,
      run: async (ctx, p) => {
        const r = await needPkcs11().sign(ctx.origin, keyIdParam(p), hexParam(p, 'data'), boolParam(p, 'prehashed'));
        const out: { signature: string; recovery?: number; algorithm: Algorithm } = {
          signature: r.signature.toString('hex'),
          algorithm: r.info.algorithm,
        };
        if (r.recovery !== undefined) out.recovery = r.recovery;
        return out;
      },
    },
    'pkcs11/verify': {
      auth: true,
      run: async (ctx, p) => ({
        valid: await needPkcs11().verify(
          ctx.origin,
          keyIdParam(p),
          hexParam(p, 'data'),
          hexParam(p, 'signature'),
          boolParam(p, 'prehashed'),
        ),
      }),
    },
    'pkcs11/delete': {
      auth: true,
      run: async (ctx, p) => {
        await needPkcs11().delete(ctx.origin, keyIdParam(p));
        return { deleted: true };
      },
    },
    'keystore/set': {
      auth: true,
      run: async (ctx, p) => {
        const ks = needKeystore();
        const name = p.name as string;
        await ks.set(ctx.origin, name, hexParam(p, 'secret'));
        return { stored: true };
      },
    },
    'keystore/get': {
      auth: true,
      run: async (ctx, p) => ({ secret: (await needKeystore().get(ctx.origin, p.name as string)).toString('hex') }),
    },
    'keystore/delete': {
      auth: true,
      run: async (ctx, p) => {
        await needKeystore().delete(ctx.origin, p.name as string);
        return { deleted: true };
      },
    },
  };

  let port = 0;
  let hosts = new Set<string>();

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = now();
    const origin = req.headers.origin;
    let corsOrigin: string | null = null;
    let method = '-';

    const send = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      if (res.headersSent) return;
      const text = JSON.stringify(body);
      const headers: Record<string, string | number> = {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        ...extra,
      };
      if (corsOrigin) {
        headers['access-control-allow-origin'] = corsOrigin;
        headers['vary'] = 'Origin';
      }
      res.writeHead(status, headers);
      res.end(text);
    };
    const fail = (err: unknown) => {
      const e = err instanceof BridgeError ? err : internal(err);
      send(e.status, { error: { code: e.code, message: e.message } }, e.headers);
      log({
        level: e.status >= 500 ? 'error' : 'warn',
        event: 'request',
        origin: corsOrigin ?? (typeof origin === 'string' ? origin.slice(0, 200) : null),
        method,
        status: e.status,
        error: e.code,
        ms: now() - started,
      });
    };
    const internal = (err: unknown) => {
      log({ level: 'error', event: 'internal_error', name: (err as Error)?.name ?? typeof err });
      return new BridgeError(500, 'BRIDGE_INTERNAL', 'internal bridge error');
    };

    // 1. DNS rebinding: the Host must be one of our loopback names with our port.
    const host = req.headers.host?.toLowerCase();
    if (!host || !hosts.has(host))
      return fail(new BridgeError(403, 'BRIDGE_BAD_HOST', 'Host header is not a loopback address of this bridge'));

    // 2. Origin: exact match only. No Origin (curl, old forms) and the opaque
    //    `null` origin (sandboxed iframes, file://) are refused like strangers.
    if (typeof origin !== 'string' || origin === 'null') {
      return fail(new BridgeError(403, 'BRIDGE_ORIGIN_DENIED', 'requests must carry an allowed Origin'));
    }
    if (!origins.has(origin)) return fail(new BridgeError(403, 'BRIDGE_ORIGIN_DENIED', 'this origin is not on the bridge allowlist'));
    corsOrigin = origin;

    // 3. Rate limit before any parsing or provider work: a request with a live
    //    token of this origin spends that token's bucket; everything else
    //    (unpaired pages, and any local process that forges the Origin header)
    //    shares the origin's unpaired bucket, so it cannot starve a paired page.
    syncState();
    const auth0 = req.headers.authorization;
    const bearer = typeof auth0 === 'string' && /^Bearer [A-Za-z0-9_-]{16,128}$/.test(auth0) ? auth0.slice(7) : undefined;
    const live = pairing.liveHash(origin, bearer);
    const wait = limiter.take(live ? `token ${live}` : `origin ${origin}`);
    if (wait) {
      return fail(
        new BridgeError(429, 'BRIDGE_RATE_LIMITED', live ? 'too many requests with this pairing' : 'too many requests from this origin', {
          headers: { 'retry-after': String(wait) },
        }),
      );
    }

    // 4. CORS / Private Network Access preflight, answered only for allowed origins (checked above).
    if (req.method === 'OPTIONS') {
      const h: Record<string, string> = {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'authorization, content-type',
        'access-control-max-age': '600',
        vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Private-Network',
        'cache-control': 'no-store',
        'content-length': '0',
      };
      if (req.headers['access-control-request-private-network'] === 'true') h['access-control-allow-private-network'] = 'true';
      res.writeHead(204, h);
      res.end();
      log({ level: 'debug', event: 'preflight', origin, status: 204 });
      return;
    }

    // 5. Route.
    const url = req.url ?? '/';
    const m = /^\/v(\d+)\/([a-z0-9]+(?:\/[a-zA-Z0-9]+)?)$/.exec(url);
    if (!m) return fail(new BridgeError(404, 'BRIDGE_UNKNOWN_METHOD', 'unknown path; methods live under /v1/'));
    if (Number(m[1]) !== PROTOCOL_VERSION) {
      return fail(new BridgeError(404, 'BRIDGE_UNSUPPORTED_VERSION', `this bridge speaks protocol v${PROTOCOL_VERSION}`));
    }
    method = m[2]!;
    const def = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (!def) return fail(new BridgeError(404, 'BRIDGE_UNKNOWN_METHOD', 'unknown bridge method'));
    if (req.method !== 'POST')
      return fail(new BridgeError(405, 'BRIDGE_METHOD_NOT_ALLOWED', 'use POST', { headers: { allow: 'POST, OPTIONS' } }));

    // 6. application/json only: it cannot be sent cross-site without a preflight,
    //    so a form post or no-cors fetch from any page never reaches a method.
    const ctype = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (ctype !== 'application/json') return fail(new BridgeError(415, 'BRIDGE_BAD_CONTENT_TYPE', 'Content-Type must be application/json'));

    // 7. Body, size-limited and time-limited.
    const declared = Number(req.headers['content-length'] ?? 0);
    if (Number.isFinite(declared) && declared > maxBody) {
      res.setHeader('connection', 'close');
      return fail(new BridgeError(413, 'BRIDGE_PAYLOAD_TOO_LARGE', `request body exceeds ${maxBody} bytes`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      res.setHeader('connection', 'close');
      fail(new BridgeError(408, 'BRIDGE_TIMEOUT', 'request body not received in time'));
      req.destroy();
    }, reqTimeout);
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > maxBody) {
        done = true;
        clearTimeout(timer);
        res.setHeader('connection', 'close');
        fail(new BridgeError(413, 'BRIDGE_PAYLOAD_TOO_LARGE', `request body exceeds ${maxBody} bytes`));
        // Stop reading, but let the response flush before the socket goes.
        req.pause();
        res.on('finish', () => req.destroy());
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => {
      done = true;
      clearTimeout(timer);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      let params: Params;
      try {
        const parsed = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        params = parsed as Params;
      } catch {
        return fail(new BridgeError(400, 'BRIDGE_BAD_JSON', 'request body must be a JSON object'));
      } finally {
        raw.fill(0); // bodies can hold key material (import) or secrets (keystore/set)
        for (const c of chunks) c.fill(0);
      }
      void dispatch(def, params);
    });

    const dispatch = async (def: Method, params: Params) => {
      const auth = req.headers.authorization;
      const token = typeof auth === 'string' && /^Bearer [A-Za-z0-9_-]{16,128}$/.test(auth) ? auth.slice(7) : undefined;
      try {
        if (def.auth) pairing.check(origin, token);
        let t: NodeJS.Timeout | undefined;
        const result = await Promise.race([
          Promise.resolve().then(() => def.run({ origin, token }, params)),
          new Promise((_, reject) => {
            t = setTimeout(() => reject(new BridgeError(504, 'BRIDGE_TIMEOUT', 'the operation did not finish in time')), opTimeout);
          }),
        ]).finally(() => clearTimeout(t));
        send(200, { result });
        log({ level: 'info', event: 'request', origin, method, status: 200, ms: now() - started });
      } catch (err) {
        fail(err);
      }
    };
  };

  const servers: http.Server[] = [];
  const urls: string[] = [];
  const listen = (srv: http.Server, host: string, p: number) =>
    new Promise<number>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen({ host, port: p, exclusive: true }, () => {
        srv.off('error', reject);
        resolve((srv.address() as AddressInfo).port);
      });
    });
  // Connection accounting shared by the v4 and v6 servers (docs/bridge.md §3,
  // step 7). Sockets are kept in arrival order; `busy` ones have a request in
  // progress. At the cap, the oldest idle socket is closed to make room, so
  // idle or slow-header sockets cannot keep a paired page out.
  const maxConns = options.maxConnections ?? 256;
  const conns = new Map<Socket, { busy: boolean }>();
  const admit = (socket: Socket) => {
    if (conns.size >= maxConns) {
      for (const [s, st] of conns)
        if (!st.busy) {
          conns.delete(s);
          s.destroy();
          break;
        }
    }
    conns.set(socket, { busy: false });
    socket.once('close', () => conns.delete(socket));
  };
  const track: http.RequestListener = (req, res) => {
    const st = conns.get(req.socket);
    if (st) {
      st.busy = true;
      res.once('close', () => {
        st.busy = false;
        // Idle again: move to the back of the eviction order.
        if (conns.delete(req.socket)) conns.set(req.socket, st);
      });
    }
    handler(req, res);
  };
  const makeServer = () => {
    // headersTimeout = requestTimeout = requestTimeoutMs; Node enforces both only
    // when its connection check runs, so that runs often enough to keep the
    // documented limit (its default interval is 30 s).
    const srv = http.createServer(
      {
        requestTimeout: reqTimeout,
        headersTimeout: reqTimeout,
        connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(reqTimeout / 4))),
        maxHeaderSize: 16 * 1024,
      },
      track,
    );
    srv.keepAliveTimeout = 5_000;
    srv.on('connection', admit);
    srv.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      // Malformed or too slow HTTP: answer in our format if the socket still can.
      if (socket.writable) {
        const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
        const body = JSON.stringify(
          timeout
            ? { error: { code: 'BRIDGE_TIMEOUT', message: 'request not received in time' } }
            : { error: { code: 'BRIDGE_BAD_REQUEST', message: 'malformed HTTP request' } },
        );
        socket.end(
          `HTTP/1.1 ${timeout ? '408 Request Timeout' : '400 Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        );
      } else socket.destroy();
    });
    return srv;
  };

  const requested = options.port ?? DEFAULT_PORT;
  for (let attempt = 0; ; attempt++) {
    const v4 = makeServer();
    try {
      port = await listen(v4, '127.0.0.1', requested);
    } catch (err) {
      await pkcs11?.close();
      throw err;
    }
    const v6 = makeServer();
    try {
      await listen(v6, '::1', port);
      servers.push(v4, v6);
      urls.push(`http://127.0.0.1:${port}`, `http://[::1]:${port}`);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' && requested === 0 && attempt < 5) {
        await new Promise((r) => v4.close(r)); // the free v4 port is taken on v6: pick another
        continue;
      }
      if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') {
        log({ level: 'warn', event: 'listen.ipv6_unavailable' });
        servers.push(v4);
        urls.push(`http://127.0.0.1:${port}`);
        break;
      }
      await new Promise((r) => v4.close(r));
      await pkcs11?.close();
      throw err;
    }
  }
  hosts = allowedHosts(port);
  log({ level: 'info', event: 'listening', port, origins: [...origins] });

  let closing: Promise<void> | null = null;
  return {
    port,
    urls,
    allowedOrigins: [...origins],
    revokeOrigin: (o) => pairing.revokeOrigin(o),
    pairings: () => pairing.list(),
    close() {
      closing ??= (async () => {
        await Promise.all(
          servers.map(
            (s) =>
              new Promise<void>((r) => {
                s.close(() => r());
                s.closeAllConnections();
              }),
          ),
        );
        await pkcs11?.close();
        log({ level: 'info', event: 'closed' });
      })();
      return closing;
    },
  };
}

/** The terminal is the trusted channel: the user reads the code here and types it in the page. */
function printPairingCode(e: PairingCodeEvent, now: () => number, pending: number) {
  const secs = Math.round((e.expiresAt - now()) / 1000);
  process.stderr.write(
    `\n  vaultkey-bridge: ${e.origin} asks to pair.\n` +
      `  Pairing code: ${e.code}   (valid ${secs} s)\n` +
      (pending > 1 ? `  ${pending} pairings of this origin are waiting: use the code that appeared when you clicked pair.\n` : '') +
      `  Type it into that page only if you started pairing there yourself.\n\n`,
  );
}
