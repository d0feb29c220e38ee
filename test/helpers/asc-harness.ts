// Compiles a small AssemblyScript harness around assembly/ sources and
// instantiates it, for tests that drive one module's internal functions
// (field arithmetic, pair products) directly rather than through the
// package's exports. Built as the package is (optimizeLevel 3, SIMD), with or
// without the VAULTKEY_VERIFY bound checks of assembly/verify.ts; an abort
// (a failed assert) throws.
import assert from 'node:assert/strict';
import asc from 'assemblyscript/asc';

export async function compileHarness(files: Record<string, string>, opts: { verify?: boolean } = {}): Promise<Record<string, any>> {
  const verify = opts.verify ?? false;
  const out = await asc.compileString(files, {
    runtime: 'stub',
    optimizeLevel: 3,
    noAssert: !verify,
    enable: ['simd'],
    use: verify ? ['VAULTKEY_VERIFY=1'] : [],
  } as any);
  assert.equal(out.error, null, String(out.stderr));
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(new Uint8Array(out.binary!)), {
    env: {
      abort() {
        throw new Error('abort');
      },
    },
  });
  return instance.exports as Record<string, any>;
}
