// A small static file server for the demo page and the browser tests. It
// sends the strict CSP the README recommends on every HTML page, so whatever
// runs here proves vaultkey needs nothing beyond 'wasm-unsafe-eval'.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';

export const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self' http://127.0.0.1:* http://localhost:*; style-src 'self' 'unsafe-inline'; img-src 'self' data:";

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Serves `root` on 127.0.0.1:`port` (0 = any free port). Resolves to
 * { url, port, close }. Paths are confined to `root`.
 *
 * `csp` replaces the policy sent with HTML pages. `cspOnScripts` also sends it
 * with scripts: a worker takes its policy from its own script's response, not
 * from the page, so that is the only way to hold a worker to the same policy.
 */
export function serveStatic({ root, port = 0, host = '127.0.0.1', index = 'index.html', csp = CSP, cspOnScripts = false }) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      let path = normalize(join(base, decodeURIComponent(url.pathname)));
      if (!path.startsWith(base)) {
        res.writeHead(403).end();
        return;
      }
      if ((await stat(path).catch(() => null))?.isDirectory()) path = join(path, index);
      const body = await readFile(path);
      const type = TYPES[extname(path)] ?? 'application/octet-stream';
      const headers = { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
      if (type.startsWith('text/html') || (cspOnScripts && type.startsWith('text/javascript'))) headers['content-security-policy'] = csp;
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const p = server.address().port;
      ok({ url: `http://${host}:${p}/`, port: p, close: () => new Promise((done) => server.close(done)) });
    });
  });
}
