// The README's ```js examples run as written: each block becomes a module
// (so `vaultkey/...` imports resolve to this package), and a statement ending
// in `// 'expected'` is turned into an assertion on its value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launch, serveRepo } from './helpers/browser.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const readme = readFileSync(root + 'README.md', 'utf8');
// ```js blocks run in Node; ```js browser blocks run in Debian's Chromium (a fresh profile each,
// with a virtual WebAuthn authenticator), importing the built bundles from dist/.
const all = [...readme.matchAll(/```js( browser)?\n([\s\S]*?)```/g)].map((m) => ({ browser: !!m[1], code: m[2]! }));
const blocks = all.filter((b) => !b.browser).map((b) => b.code);
const browserBlocks = all.filter((b) => b.browser).map((b) => b.code);

function instrument(code: string, browser = false): string {
  const lines = [browser
    ? "const __assert = { equal(a, e) { if (a !== e) throw new Error(`README: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`); } };"
    : "import __assert from 'node:assert/strict';"];
  for (const line of code.split('\n')) {
    const m = /^(\s*)(?:const (\w+) = )?(.+?);\s*\/\/ '(.*)'/.exec(line);
    if (!m) {
      lines.push(line);
      continue;
    }
    const [, indent, name, expr, expected] = m;
    if (name) lines.push(`${indent}const ${name} = ${expr};`, `${indent}__assert.equal(String(${name}), ${JSON.stringify(expected)});`);
    else lines.push(`${indent}__assert.equal(String(${expr}), ${JSON.stringify(expected)});`);
  }
  return lines.join('\n');
}

test('README has runnable examples', () => assert.ok(blocks.length >= 1));

blocks.forEach((code, i) => {
  test(`README example ${i + 1} runs and its commented values hold`, async () => {
    const asserted = (code.match(/\/\/ '/g) ?? []).length;
    assert.ok(asserted > 0, 'each js example states at least one expected value');
    const file = `${root}.readme-example-${i}-${process.pid}.mjs`;
    writeFileSync(file, instrument(code));
    try {
      await import(pathToFileURL(file).href);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

/** Bare `vaultkey` specifiers → the built browser bundles (what a bundler would resolve). */
function browserImports(code: string): string {
  return code.replace(/from '(vaultkey(?:\/[a-z-]+)?)'/g, (_m, spec: string) => {
    const entry = spec === 'vaultkey' ? 'index' : spec.slice('vaultkey/'.length);
    return `from '/dist/${entry}.js'`;
  });
}

if (browserBlocks.length > 0) {
  test('README browser examples run in Chromium', async (t) => {
    const server = await serveRepo();
    const browser = await launch();
    const base = server.url.replace('127.0.0.1', 'localhost');
    try {
      for (const [i, code] of browserBlocks.entries()) {
        await t.test(`README browser example ${i + 1}`, async () => {
          assert.ok((code.match(/\/\/ '/g) ?? []).length > 0, 'each js example states at least one expected value');
          const rel = `test/fixtures/readme/.example-${i}-${process.pid}.mjs`;
          writeFileSync(root + rel, instrument(browserImports(code), true));
          const ctx = await browser.newContext();
          try {
            const page = await ctx.newPage();
            const errors: string[] = [];
            page.on('pageerror', (e) => errors.push(String(e)));
            const cdp = await ctx.newCDPSession(page);
            await cdp.send('WebAuthn.enable');
            await cdp.send('WebAuthn.addVirtualAuthenticator', {
              options: {
                protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal', hasResidentKey: true,
                hasUserVerification: true, isUserVerified: true, hasPrf: true, automaticPresenceSimulation: true,
              },
            });
            await page.goto(`${base}test/fixtures/readme/index.html?m=/${rel}`);
            await page.waitForFunction(() => (window as any).readme?.done === true, null, { timeout: 120_000 });
            const error = await page.evaluate(() => (window as any).readme.error);
            assert.equal(error, null);
            assert.deepEqual(errors, []);
          } finally {
            await ctx.close();
            rmSync(root + rel, { force: true });
          }
        });
      }
    } finally {
      await browser.close();
      await server.close();
    }
  });
}

test('every error code the sources can throw is in the README table', () => {
  const table = readme.slice(readme.indexOf('## Error codes'), readme.indexOf('\n## ', readme.indexOf('## Error codes') + 5));
  const documented = new Set([...table.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!));
  const thrown = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(root + dir, { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts')) {
        const text = readFileSync(root + rel, 'utf8');
        for (const m of text.matchAll(/(?:VaultkeyError|BridgeError|\berr|\bfail|\bbad)\(\s*'([A-Z][A-Z0-9_]+)'/g)) thrown.add(m[1]!);
        for (const m of text.matchAll(/code: '((?:BRIDGE|DEVICE|KEY)_[A-Z0-9_]+)'/g)) thrown.add(m[1]!);
      }
    }
  };
  for (const d of ['src', 'worker', 'bridge']) walk(d);
  assert.ok(thrown.size > 50, `found ${thrown.size} codes`);
  const missing = [...thrown].filter((c) => !documented.has(c)).sort();
  assert.deepEqual(missing, [], 'codes missing from the README error table');
});
