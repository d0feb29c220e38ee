// The README's ```js blocks, shared by test/readme.test.ts (Node) and
// test/readme.browser.test.ts (Chromium): `js` blocks run in Node, `js browser`
// blocks in Debian's Chromium; a statement ending in `// 'expected'` becomes an
// assertion on its value.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const readme = readFileSync(root + 'README.md', 'utf8');
const all = [...readme.matchAll(/```js( browser)?\n([\s\S]*?)```/g)].map((m) => ({ browser: !!m[1], code: m[2]! }));
export const nodeBlocks = all.filter((b) => !b.browser).map((b) => b.code);
export const browserBlocks = all.filter((b) => b.browser).map((b) => b.code);

export function instrument(code: string, browser = false): string {
  const lines = [
    browser
      ? 'const __assert = { equal(a, e) { if (a !== e) throw new Error(`README: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`); } };'
      : "import __assert from 'node:assert/strict';",
  ];
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

/** Bare `vaultkey` specifiers → the built browser bundles (what a bundler would resolve). */
export function browserImports(code: string): string {
  return code.replace(/from '(vaultkey(?:\/[a-z-]+)?)'/g, (_m, spec: string) => {
    const entry = spec === 'vaultkey' ? 'index' : spec.slice('vaultkey/'.length);
    return `from '/dist/${entry}.js'`;
  });
}
