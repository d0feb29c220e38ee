// The README's ```js examples run as written: each block becomes a module
// (so `vaultkey/...` imports resolve to this package), and a statement ending
// in `// 'expected'` is turned into an assertion on its value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { instrument, nodeBlocks as blocks, readme, root } from './helpers/readme.ts';

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
        // The bridge's errors carry an HTTP status first: BridgeError(400, 'CODE', ...).
        for (const m of text.matchAll(/(?:BridgeError|\be)\(\s*\d+\s*,\s*'([A-Z][A-Z0-9_]+)'/g)) thrown.add(m[1]!);
      }
    }
  };
  for (const d of ['src', 'worker', 'bridge']) walk(d);
  assert.ok(thrown.size > 50, `found ${thrown.size} codes`);
  const missing = [...thrown].filter((c) => !documented.has(c)).sort();
  assert.deepEqual(missing, [], 'codes missing from the README error table');
});
