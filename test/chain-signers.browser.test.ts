// vaultkey/solana and vaultkey/bitcoin in Debian's Chromium over a real
// Keystore (IndexedDB vault, keys in its Web Worker): the Solana signer signs a
// kit transaction and a message with the vault's SLIP-0010 Ed25519 key, the
// Bitcoin signer a sighash with its BIP-84 key. Node recomputes each with
// @solana/kit's own key-pair signer and tiny-secp256k1 for the same mnemonic:
// byte-identical (RFC 8032 and RFC 6979 are deterministic).
//
// dist/ is served as built; @solana/kit (a bare specifier in dist/solana.js)
// is bundled here with esbuild and mapped by an import map, as a bundler would.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import * as ecc from 'tiny-secp256k1';
import * as kit from '@solana/kit';
import { init, HDKey, mnemonicToSeed } from 'vaultkey/core';
import { browserSuite, watchErrors } from './helpers/browser.ts';
import { hex, unhex } from './helpers/vectors.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const PASS = 'correct horse battery staple';
const BLOCKHASH = 'EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N';
const TO = '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin';
const SIGHASH = 'a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2';

const s = browserSuite();
const deps = new Map<string, string>();

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vaultkey-chains-'));
  try {
    writeFileSync(join(dir, 'kit.js'), "export * from '@solana/kit';\n");
    const r = await build({
      entryPoints: { kit: join(dir, 'kit.js') },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      outdir: join(dir, 'out'),
      nodePaths: [fileURLToPath(new URL('../node_modules', import.meta.url))],
      logLevel: 'error',
    });
    for (const f of r.outputFiles) deps.set(basename(f.path), f.text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The same transfer, compiled by kit with `payer` as fee payer and signer (System Program transfer, by hand). */
function transferMessage(payer: kit.TransactionSigner, lamports: bigint) {
  const data = new Uint8Array(12);
  const v = new DataView(data.buffer);
  v.setUint32(0, 2, true);
  v.setBigUint64(4, lamports, true);
  return kit.pipe(
    kit.createTransactionMessage({ version: 0 }),
    (m) => kit.setTransactionMessageFeePayerSigner(payer, m),
    (m) => kit.setTransactionMessageLifetimeUsingBlockhash({ blockhash: kit.blockhash(BLOCKHASH), lastValidBlockHeight: 100n }, m),
    (m) =>
      kit.appendTransactionMessageInstruction(
        {
          programAddress: kit.address('11111111111111111111111111111111'),
          accounts: [
            { address: payer.address, role: kit.AccountRole.WRITABLE_SIGNER, signer: payer },
            { address: kit.address(TO), role: kit.AccountRole.WRITABLE },
          ],
          data,
        },
        m,
      ),
  );
}

test('Solana and Bitcoin signers over a real Keystore sign what kit and tiny-secp256k1 sign for the same keys', async () => {
  const page = await s.context.newPage();
  const errors = watchErrors(page);
  await page.route('**/__deps/**', (route) => {
    const code = deps.get(new URL(route.request().url()).pathname.slice('/__deps/'.length));
    return code === undefined ? route.fulfill({ status: 404 }) : route.fulfill({ contentType: 'text/javascript', body: code });
  });
  await page.route('**/__chains.html', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="importmap">${JSON.stringify({ imports: { '@solana/kit': '/__deps/kit.js' } })}</script><title>chains</title>`,
    }),
  );
  // tsx (esbuild keepNames) wraps the callback's arrow functions in __name(); the page needs it defined.
  await page.addInitScript('globalThis.__name = (f) => f;');
  await page.goto(s.base + '__chains.html');

  const r = await page.evaluate(
    async ([mnemonic, pass, blockhashText, to, sighashHex]) => {
      const { Keystore } = await import('/dist/index.js' as string);
      const { createSolanaSigner } = await import('/dist/solana.js' as string);
      const { keystoreBitcoinSigner, toPsbtSigner, toTaprootPsbtSigner } = await import('/dist/bitcoin.js' as string);
      const kit = await import('@solana/kit' as string);
      const hexOf = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

      const ks = await Keystore.open({ name: `chains-${Math.random()}` });
      await ks.create({ passphrase: pass });
      const key = await ks.createFromMnemonic(mnemonic);

      const payer = await createSolanaSigner({ keystore: ks, keyId: key.id, index: 1 });
      const data = new Uint8Array(12);
      const v = new DataView(data.buffer);
      v.setUint32(0, 2, true);
      v.setBigUint64(4, 12345n, true);
      const message = kit.pipe(
        kit.createTransactionMessage({ version: 0 }),
        (m: unknown) => kit.setTransactionMessageFeePayerSigner(payer, m),
        (m: unknown) =>
          kit.setTransactionMessageLifetimeUsingBlockhash({ blockhash: kit.blockhash(blockhashText), lastValidBlockHeight: 100n }, m),
        (m: unknown) =>
          kit.appendTransactionMessageInstruction(
            {
              programAddress: kit.address('11111111111111111111111111111111'),
              accounts: [
                { address: payer.address, role: kit.AccountRole.WRITABLE_SIGNER, signer: payer },
                { address: kit.address(to), role: kit.AccountRole.WRITABLE },
              ],
              data,
            },
            m,
          ),
      );
      const signed = await kit.signTransactionMessageWithSigners(message);
      const [dict] = await payer.signMessages([kit.createSignableMessage('hello from the vault')]);

      const btc = await keystoreBitcoinSigner(ks, key.id, { index: 2 });
      const sighash = Uint8Array.from(sighashHex.match(/../g)!, (h: string) => parseInt(h, 16));
      const btcSig = await toPsbtSigner(btc).sign(sighash);
      let taproot = 'accepted';
      try {
        toTaprootPsbtSigner(btc);
      } catch (e) {
        taproot = (e as { code: string }).code;
      }
      await ks.lock();
      const lockedCode = await payer.signMessages([kit.createSignableMessage('x')]).then(
        () => 'signed',
        (e: { code: string }) => e.code,
      );
      return {
        solAddress: payer.address,
        wire: kit.getBase64EncodedWireTransaction(signed),
        messageSig: hexOf(dict[payer.address]),
        btcPub: hexOf(btc.publicKey),
        btcSig: hexOf(btcSig),
        taproot,
        lockedCode,
      };
    },
    [MNEMONIC, PASS, BLOCKHASH, TO, SIGHASH] as const,
  );
  assert.deepEqual(errors, []);

  await init();
  const seed = await mnemonicToSeed(MNEMONIC);
  const solPriv = HDKey.fromMasterSeed(seed, 'ed25519').derive("m/44'/501'/1'/0'").privateKey!;
  const kitSigner = await kit.createKeyPairSignerFromPrivateKeyBytes(solPriv);
  assert.equal(r.solAddress, kitSigner.address, 'the vault key at m/44’/501’/1’/0’');
  const reference = await kit.signTransactionMessageWithSigners(transferMessage(kitSigner, 12345n));
  assert.equal(r.wire, kit.getBase64EncodedWireTransaction(reference), 'wire transaction identical to kit’s signer');
  const [refMsg] = await kitSigner.signMessages([kit.createSignableMessage('hello from the vault')]);
  assert.equal(r.messageSig, hex(refMsg![kitSigner.address]!));

  const btcPriv = HDKey.fromMasterSeed(seed).derive("m/84'/0'/0'/0/2").privateKey!;
  assert.equal(r.btcPub, hex(ecc.pointFromScalar(btcPriv, true)!));
  assert.equal(r.btcSig, hex(ecc.sign(unhex(SIGHASH), btcPriv)), 'ECDSA identical to tiny-secp256k1 (RFC 6979)');
  assert.equal(r.taproot, 'UNSUPPORTED');
  assert.equal(r.lockedCode, 'LOCKED', 'a locked vault signs nothing');
  await page.close();
});
