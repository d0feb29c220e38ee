// Assets the demo page needs beyond dist/: third-party CommonJS packages
// bundled into plain ES modules (the page is served without a bundler, under
// a CSP without 'unsafe-eval'). Written to build/demo/ (gitignored), never
// committed. Used by `npm start` (scripts/start.mjs) and test/demo.browser.test.ts.
import { join } from 'node:path';

// The browser API of `qrcode` (its package.json "browser" field maps the
// Node renderers away): canvas and SVG renderers only.
const QRCODE_ENTRY = `import QRCode from 'qrcode';
export const toCanvas = QRCode.toCanvas;
export const toString = QRCode.toString;
`;

/** Bundles the demo's assets under `root`/build/demo/; resolves to the files written. */
export async function buildDemoAssets({ root = new URL('..', import.meta.url).pathname } = {}) {
  // Imported here, not at the top: `npm start` may have to install node_modules first.
  const { build } = await import('esbuild');
  const outfile = join(root, 'build', 'demo', 'qrcode.js');
  await build({
    stdin: { contents: QRCODE_ENTRY, resolveDir: root, sourcefile: 'demo-qrcode-entry.js', loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'inline',
    outfile,
    logLevel: 'warning',
  });
  return { qrcode: outfile };
}
