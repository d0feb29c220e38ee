// What a page pays to load each library for one task: from a 64-byte seed,
// derive the key at m/44'/60'/0'/0/0 (BIP-32, BIP-44) and sign a 32-byte
// digest with it. Each entry below does exactly that with one library's public
// API; esbuild bundles it for the browser (minified, tree-shaken, ESM) and we
// report the gzipped size (level 9), the figure a CDN serves. vaultkey's
// includes its inline WASM. Sizes are deterministic: no rounds, no medians.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const TASK = "const seed = new Uint8Array(64).fill(7); const digest = new Uint8Array(32).fill(9); const path = \"m/44'/60'/0'/0/0\";";

export const entries: Record<string, string> = {
  'vaultkey/core': `import { init, HDKey, secp256k1 } from 'vaultkey/core';
    ${TASK} await init(); const k = HDKey.fromMasterSeed(seed).derive(path); globalThis.out = secp256k1.sign(digest, k.privateKey);`,
  '@scure/bip32 + @noble/curves': `import { HDKey } from '@scure/bip32'; import { secp256k1 } from '@noble/curves/secp256k1.js';
    ${TASK} const k = HDKey.fromMasterSeed(seed).derive(path); globalThis.out = secp256k1.sign(digest, k.privateKey, { prehash: false });`,
  'viem (viem/accounts)': `import { HDKey, sign } from 'viem/accounts';
    ${TASK} const k = HDKey.fromMasterSeed(seed).derive(path); globalThis.out = await sign({ hash: digest, privateKey: k.privateKey });`,
  'ethers v6': `import { HDNodeWallet } from 'ethers';
    ${TASK} const k = HDNodeWallet.fromSeed(seed).derivePath(path); globalThis.out = k.signingKey.sign(digest);`,
  '@metamask/key-tree + @noble/curves': `import { SLIP10Node } from '@metamask/key-tree'; import { secp256k1 } from '@noble/curves/secp256k1.js';
    ${TASK} const k = await SLIP10Node.fromSeed({ derivationPath: [seed, "bip32:44'", "bip32:60'", "bip32:0'", 'bip32:0', 'bip32:0'], curve: 'secp256k1' });
    globalThis.out = secp256k1.sign(digest, k.privateKeyBytes, { prehash: false });`,
  'bip32 + tiny-secp256k1': `import { BIP32Factory } from 'bip32'; import * as ecc from 'tiny-secp256k1';
    ${TASK} const k = BIP32Factory(ecc).fromSeed(seed).derivePath(path); globalThis.out = k.sign(digest);`,
};

/** Minified, gzipped bytes of the browser bundle of one entry (all chunks, WASM files included). */
export async function bundledSize(source: string): Promise<{ min: number; gzip: number }> {
  const r = await build({
    stdin: { contents: source, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir: 'out',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    // tiny-secp256k1 loads a .wasm file next to its JS; count it as the page would fetch it.
    loader: { '.wasm': 'binary' },
    conditions: ['browser', 'import'],
  });
  let min = 0;
  let gzip = 0;
  for (const f of r.outputFiles) {
    min += f.contents.length;
    gzip += gzipSync(f.contents, { level: 9 }).length;
  }
  return { min, gzip };
}

export default async function sizeBench(): Promise<void> {
  console.log("\nbundle for one task: seed -> m/44'/60'/0'/0/0 -> sign a digest (esbuild, minified, gzip -9)");
  const sizes: [string, number][] = [];
  for (const [lib, src] of Object.entries(entries)) {
    try {
      const { min, gzip } = await bundledSize(src);
      sizes.push([lib, gzip]);
      console.log(`  ${lib.padEnd(38)} ${(min / 1024).toFixed(1).padStart(7)} KB min ${(gzip / 1024).toFixed(1).padStart(7)} KB gzip`);
    } catch (e) {
      console.log(`  ${lib.padEnd(38)} does not bundle: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const ours = sizes.find(([l]) => l === 'vaultkey/core')?.[1];
  if (ours)
    for (const [lib, g] of sizes)
      if (lib !== 'vaultkey/core') console.log(`  vaultkey/core is ${(ours / g).toFixed(2)}x the size of ${lib}`);
}
