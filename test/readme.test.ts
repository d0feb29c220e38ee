// The README's ```js examples run as written: each block becomes a module
// (so `vaultkey/...` imports resolve to this package), and a statement ending
// in `// 'expected'` is turned into an assertion on its value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const readme = readFileSync(root + 'README.md', 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);

function instrument(code: string): string {
  const lines = ["import __assert from 'node:assert/strict';"];
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
