// BridgeClient failure mapping and the bridge's transport limits, with no HSM:
// a bridge that is down, silent, or not a bridge at all must still give a
// VaultkeyError with a code; a slow request body gets 408 BRIDGE_TIMEOUT.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { startBridge, type BridgeHandle } from '../bridge/server.js';
import { BridgeClient, VaultkeyError } from '../src/bridge-client/index.js';

const ORIGIN = 'https://app.example';
const originFetch: typeof fetch = (input, init) =>
  fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), origin: ORIGIN } });

async function rejectsWith(p: Promise<unknown>, code: string) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof VaultkeyError, String(err));
    assert.equal(err.code, code);
    return true;
  });
}

async function listen(server: http.Server | net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('BridgeClient error mapping', () => {
  const servers: (http.Server | net.Server)[] = [];
  after(async () => {
    for (const s of servers) {
      (s as http.Server).closeAllConnections?.();
      await new Promise((r) => s.close(r));
    }
  });

  test('nothing listening -> BRIDGE_UNREACHABLE', async () => {
    const s = net.createServer();
    const port = await listen(s);
    await new Promise((r) => s.close(r)); // a port that was just free
    await rejectsWith(new BridgeClient({ url: `http://127.0.0.1:${port}` }).info(), 'BRIDGE_UNREACHABLE');
  });

  test('a server that never answers -> BRIDGE_TIMEOUT after timeoutMs', async () => {
    const s = http.createServer(() => {}); // holds every request open
    servers.push(s);
    const port = await listen(s);
    const t0 = Date.now();
    await rejectsWith(new BridgeClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 300 }).info(), 'BRIDGE_TIMEOUT');
    assert.ok(Date.now() - t0 < 5_000);
  });

  test('something that is not the bridge -> BRIDGE_BAD_RESPONSE or its HTTP status', async () => {
    const s = http.createServer((req, res) => {
      if (req.url === '/v1/info') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>hello</html>');
      } else {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"unexpected":true}');
      }
    });
    servers.push(s);
    const port = await listen(s);
    const c = new BridgeClient({ url: `http://127.0.0.1:${port}/`, token: 'x'.repeat(43) });
    await rejectsWith(c.info(), 'BRIDGE_BAD_RESPONSE');
    await rejectsWith(c.listKeys(), 'BRIDGE_HTTP_502');
  });

  test('client-side argument checks', async () => {
    const c = new BridgeClient({ url: 'http://127.0.0.1:1' });
    await rejectsWith(c.completePairing(''), 'INVALID_ARGUMENT');
    await rejectsWith(c.completePairing('ABCD-EFGH'), 'BRIDGE_PAIRING_FAILED'); // pair() not called
    await rejectsWith(c.login(''), 'INVALID_ARGUMENT');
    await rejectsWith(c.importKey('secp256k1', 'aa' as never), 'INVALID_ARGUMENT');
  });
});

describe('bridge transport limits (no providers configured)', () => {
  let bridge: BridgeHandle;
  let code = '';
  before(async () => {
    bridge = await startBridge({
      port: 0,
      allowedOrigins: [ORIGIN],
      requestTimeoutMs: 400,
      onPairingCode: (e) => (code = e.code),
      logger: () => {},
    });
  });
  after(async () => {
    await bridge?.close();
  });

  test('a request body that trickles in too slowly gets 408 BRIDGE_TIMEOUT', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: bridge.port,
          path: '/v1/info',
          method: 'POST',
          agent: false,
          headers: { origin: ORIGIN, 'content-type': 'application/json', 'content-length': 100 },
        },
        (r) => {
          let body = '';
          r.on('data', (d) => (body += d));
          r.on('end', () => resolve({ status: r.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.write('{"a":'); // ...and never the rest
    });
    assert.equal(res.status, 408);
    assert.equal(JSON.parse(res.body).error.code, 'BRIDGE_TIMEOUT');
  });

  test('providers that are not configured answer BRIDGE_NOT_CONFIGURED', async () => {
    const c = new BridgeClient({ url: `http://127.0.0.1:${bridge.port}`, fetch: originFetch });
    const info = await c.info();
    assert.equal(info.protocol, 1);
    assert.equal(info.providers, undefined); // not told before pairing
    await c.pair();
    await c.completePairing(code);
    assert.deepEqual((await c.info()).providers, { pkcs11: null, keystore: false });
    await rejectsWith(c.generateKey('ed25519'), 'BRIDGE_NOT_CONFIGURED');
    await rejectsWith(c.setSecret('x', new Uint8Array([1])), 'BRIDGE_NOT_CONFIGURED');
  });

  test('malformed HTTP is answered with a JSON error, not a crash', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(bridge.port, '127.0.0.1', () => sock.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      sock.on('data', (d) => (text += d));
      sock.on('end', () => resolve(text));
      sock.on('error', reject);
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    assert.match(reply, /"code":"BRIDGE_BAD_REQUEST"/);
    const c = new BridgeClient({ url: `http://127.0.0.1:${bridge.port}`, fetch: originFetch });
    assert.equal((await c.info()).protocol, 1); // still serving
  });
});
