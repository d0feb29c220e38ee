// Bridge request bodies (docs/bridge.md): a real bridge started in-process
// (no PKCS#11 or keystore provider, generous rate limits), paired once, then
// sent random and mutated POST bodies on every route, with and without the
// token and with odd content types. A typed answer is a JSON error with a
// stable code (src/errors.ts) other than BRIDGE_INTERNAL; a 500, BRIDGE_INTERNAL or a
// non-JSON reply is an untyped failure.
import { startBridge, type BridgeHandle } from '../../bridge/server.ts';
import { BridgeClient } from '../../src/bridge-client/index.ts';
import { VaultkeyError } from '../../src/errors.ts';
import type { Target } from '../harness.ts';
import { mutateJson, mutateString } from '../mutate.ts';
import type { Rng } from '../prng.ts';

const ORIGIN = 'https://app.example';
// pair/revoke is left out: with the token it would end the session the other tries use.
const ROUTES = [
  'info',
  'pair/start',
  'pair/complete',
  'keystore/set',
  'keystore/get',
  'keystore/delete',
  'pkcs11/slots',
  'pkcs11/login',
  'pkcs11/generate',
  'pkcs11/import',
  'pkcs11/list',
  'pkcs11/sign',
  'pkcs11/verify',
  'pkcs11/delete',
  'nope',
  '',
];
const BODIES: unknown[] = [
  {},
  { pairingId: 'p'.repeat(22), code: 'ABCD-EFGH' },
  { name: 'x', secret: 'aGVsbG8' },
  { algorithm: 'secp256k1', id: 'aa', data: '00'.repeat(32) },
  { pin: '1234' },
];

// Header values must be ByteStrings (fetch refuses others before sending).
const CONTENT_TYPES = ['text/plain', 'application/json; charset=utf-8', '', 'application/JSON', 'multipart/form-data', 'application/jsonx'];

interface Live {
  bridge: BridgeHandle;
  token: string;
}
let live: Promise<Live> | undefined;

async function start(): Promise<Live> {
  let code = '';
  const bridge = await startBridge({
    port: 0,
    allowedOrigins: [ORIGIN],
    rateLimit: { burst: 1e9, perSecond: 1e9 },
    pairingRateLimit: { burst: 1e9, perSecond: 1e9 },
    onPairingCode: (e) => (code = e.code),
    logger: () => {},
  });
  let token = '';
  const c = new BridgeClient({
    url: `http://127.0.0.1:${bridge.port}`,
    fetch: (input, init) => {
      const h = (init?.headers ?? {}) as Record<string, string>;
      if (h.authorization) token = h.authorization.slice('Bearer '.length);
      return fetch(input, { ...init, headers: { ...h, origin: ORIGIN } });
    },
  });
  await c.pair();
  await c.completePairing(code);
  await c.info(); // sends the token, which the fetch above records
  return { bridge, token };
}

interface BridgeInput {
  route: string;
  body: string;
  auth: boolean;
  contentType: string;
}

export const bridgeBody: Target<BridgeInput> = {
  name: 'bridge-body',
  gen(rng: Rng) {
    const base = rng.pick(BODIES);
    const r = rng.int(4);
    const body = r === 0 ? JSON.stringify(base) : r === 1 ? mutateString(rng, JSON.stringify(base)) : JSON.stringify(mutateJson(rng, base));
    const contentType = rng.int(6) === 0 ? rng.pick(CONTENT_TYPES) : 'application/json';
    return { route: rng.pick(ROUTES), body: body ?? '', auth: rng.int(4) !== 0, contentType };
  },
  async run({ route, body, auth, contentType }) {
    live ??= start();
    const { bridge, token } = await live;
    const headers: Record<string, string> = { origin: ORIGIN, 'content-type': contentType };
    if (auth) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`http://127.0.0.1:${bridge.port}/v1/${route}`, { method: 'POST', headers, body });
    const text = await res.text();
    let code: unknown;
    try {
      code = res.ok ? undefined : (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    } catch {
      throw new Error(`HTTP ${res.status} with a body that is not JSON`);
    }
    if (res.ok) return;
    if (res.status >= 500 && res.status !== 501 && res.status !== 503) throw new Error(`HTTP ${res.status} ${String(code)}`);
    if (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(code) || code === 'BRIDGE_INTERNAL') {
      throw new Error(`HTTP ${res.status} with error code ${String(code)}`);
    }
    throw new VaultkeyError(code as 'BRIDGE_BAD_REQUEST', `HTTP ${res.status}`);
  },
  async teardown() {
    const l = live;
    live = undefined;
    if (l) await (await l).bridge.close();
  },
};
