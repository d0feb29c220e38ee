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
import * as bitcoin from 'bitcoinjs-lib';
import { schnorr, secp256k1 as nobleSecp } from '@noble/curves/secp256k1.js';
import * as kit from '@solana/kit';
import { init, HDKey, mnemonicToSeed } from 'vaultkey/core';
import { browserSuite, watchErrors } from './helpers/browser.ts';
import { hex, readVector, unhex } from './helpers/vectors.ts';

bitcoin.initEccLib(ecc);

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
  assert.equal(r.taproot, 'accepted', 'a Keystore signer spends P2TR key paths too');
  assert.equal(r.lockedCode, 'LOCKED', 'a locked vault signs nothing');
  await page.close();
});

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

/** BIP-86 / BIP-341 on @noble/curves: Q = lift_x(x(P)) + HashTapTweak(x(P))·G, x-only. */
function bip86OutputKey(internal: Uint8Array): Uint8Array {
  const x = internal.subarray(internal.length === 33 ? 1 : 0);
  const t = BigInt(`0x${hex(schnorr.utils.taggedHash('TapTweak', x))}`);
  const P = nobleSecp.Point.fromBytes(Uint8Array.of(2, ...x));
  return P.add(nobleSecp.Point.BASE.multiply(t)).toBytes(true).subarray(1);
}

test('BIP-86 key-path spends signed by a real Keystore: BIP-86 vectors, @noble/curves verification, bitcoinjs-lib finalizes', async () => {
  const page = await s.context.newPage();
  const errors = watchErrors(page);
  await page.route('**/__taproot.html', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>taproot</title>',
    }),
  );
  await page.addInitScript('globalThis.__name = (f) => f;');
  await page.goto(s.base + '__taproot.html');
  const keyId = await page.evaluate(
    async ([mnemonic, pass]) => {
      const { Keystore } = await import('/dist/index.js' as string);
      const ks = await Keystore.open({ name: `taproot-${Math.random()}` });
      await ks.create({ passphrase: pass });
      const key = await ks.createFromMnemonic(mnemonic);
      (globalThis as any).__ks = ks;
      return key.id as string;
    },
    [ABANDON, PASS] as const,
  );

  await init();
  const root = HDKey.fromMasterSeed(await mnemonicToSeed(ABANDON));
  const b86 = readVector('bip-0086.mediawiki');
  const vectorOutputs = [...b86.matchAll(/output_key {3}= (\w+)/g)].map((m) => m[1]!);
  const parities = new Set<number>();
  for (const index of [0, 1, 2, 3, 4, 5]) {
    const internal = root.derive(`m/86'/0'/0'/0/${index}`).publicKey;
    parities.add(internal[0]!);
    const expected = bip86OutputKey(internal);
    if (index < 2) assert.equal(hex(expected), vectorOutputs[index], `BIP-86 vector output key, index ${index}`);
    const pub = await page.evaluate(
      async ([id, i]) => {
        const { keystoreBitcoinSigner, toTaprootPsbtSigner } = await import('/dist/bitcoin.js' as string);
        const g = globalThis as any;
        g.__tr = toTaprootPsbtSigner(await keystoreBitcoinSigner(g.__ks, id, { chain: 'bitcoin-taproot', index: i }));
        return Array.from(g.__tr.publicKey as Uint8Array, (x) => x.toString(16).padStart(2, '0')).join('');
      },
      [keyId, index] as const,
    );
    assert.equal(pub, `02${hex(expected)}`, 'the signer presents the BIP-86 output key');

    // bitcoinjs-lib computes the BIP-341 sighash here; the vault in Chromium signs it.
    const p2tr = bitcoin.payments.p2tr({ internalPubkey: internal.subarray(1) });
    assert.equal(hex(p2tr.pubkey!), hex(expected));
    const value = 70_000n + BigInt(index);
    const psbt = new bitcoin.Psbt();
    psbt.addInput({
      hash: `${'cd'.repeat(31)}02`,
      index: 0,
      witnessUtxo: { script: p2tr.output!, value },
      tapInternalKey: internal.subarray(1),
    });
    psbt.addOutput({ address: 'bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g', value: value - 1_000n });
    const hashes: string[] = [];
    await psbt.signInputAsync(0, {
      publicKey: unhex(pub),
      async sign() {
        throw new Error('bitcoinjs-lib asked ECDSA of a P2TR input');
      },
      async signSchnorr(hash: Uint8Array) {
        hashes.push(hex(hash));
        const sig = await page.evaluate(async (h) => {
          const d = Uint8Array.from(h.match(/../g)!, (b: string) => parseInt(b, 16));
          const out = await (globalThis as any).__tr.signSchnorr(d);
          return Array.from(out as Uint8Array, (x) => x.toString(16).padStart(2, '0')).join('');
        }, hex(hash));
        return unhex(sig);
      },
    });
    assert.equal(hashes.length, 1);
    const sig = psbt.data.inputs[0]!.tapKeySig!;
    assert.equal(sig.length, 64, 'SIGHASH_DEFAULT: no sighash byte');
    assert.ok(schnorr.verify(sig, unhex(hashes[0]!), expected), '@noble/curves verifies it under the BIP-86 output key');
    assert.ok(psbt.validateSignaturesOfInput(0, (p, h, sg) => ecc.verifySchnorr(h, p, sg)));
    psbt.finalizeAllInputs();
    const tx = psbt.extractTransaction();
    assert.equal(tx.ins[0]!.witness.length, 1);
    assert.equal(hex(tx.ins[0]!.witness[0]!), hex(sig));
  }
  assert.deepEqual([...parities].sort(), [2, 3], 'internal keys of both y parities were signed for');

  // keystore.signSchnorr directly: default tweak 'bip86', an explicit tweak, null (plain BIP-340), and refusals.
  const digest = hex(new Uint8Array(crypto.getRandomValues(new Uint8Array(32))));
  const internal1 = root.derive("m/86'/0'/0'/0/1").publicKey;
  const t1 = hex(schnorr.utils.taggedHash('TapTweak', internal1.subarray(1)));
  const direct = await page.evaluate(
    async ([id, dHex, tHex]) => {
      const u = (h: string) => Uint8Array.from(h.match(/../g)!, (b: string) => parseInt(b, 16));
      const h = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
      const ks = (globalThis as any).__ks;
      const path = "m/86'/0'/0'/0/1";
      const a = await ks.keys.signSchnorr(id, u(dHex), { path });
      const b = await ks.signSchnorr(id, u(dHex), { path, tweak: u(tHex) });
      const c = await ks.signSchnorr(id, u(dHex), { path, tweak: null });
      const code = (p: Promise<unknown>) =>
        p.then(
          () => 'signed',
          (e: { code: string }) => e.code,
        );
      const short = await code(ks.signSchnorr(id, new Uint8Array(31), { path }));
      const badTweak = await code(ks.signSchnorr(id, u(dHex), { path, tweak: new Uint8Array(32).fill(0xff) }));
      const ed = await code(ks.signSchnorr(id, u(dHex), { curve: 'ed25519' }));
      const audit = (await ks.audit.report()).byOperation['key:sign-schnorr'];
      await ks.lock();
      const locked = await code(ks.signSchnorr(id, u(dHex), { path }));
      return {
        a: { sig: h(a.signature), out: h(a.outputKey), pub: h(a.publicKey), path: a.path },
        b: { sig: h(b.signature), out: h(b.outputKey) },
        c: { sig: h(c.signature), out: h(c.outputKey) },
        short,
        badTweak,
        ed,
        audit,
        locked,
      };
    },
    [keyId, digest, t1] as const,
  );
  assert.deepEqual(errors, []);
  const out1 = bip86OutputKey(internal1);
  assert.equal(direct.a.pub, hex(internal1));
  assert.equal(direct.a.path, "m/86'/0'/0'/0/1");
  assert.equal(direct.a.out, hex(out1));
  assert.ok(schnorr.verify(unhex(direct.a.sig), unhex(digest), out1), 'default tweak is BIP-86');
  assert.equal(direct.b.out, hex(out1));
  assert.ok(schnorr.verify(unhex(direct.b.sig), unhex(digest), out1), 'the same t given explicitly');
  assert.equal(direct.c.out, hex(internal1.subarray(1)));
  assert.ok(schnorr.verify(unhex(direct.c.sig), unhex(digest), internal1.subarray(1)), 'null: the untweaked key');
  assert.equal(direct.short, 'INVALID_LENGTH');
  assert.equal(direct.badTweak, 'INVALID_KEY');
  assert.equal(direct.ed, 'UNSUPPORTED');
  // 6 PSBT inputs + 3 direct signatures; the 3 refusals are audited as failures.
  assert.deepEqual(direct.audit, { total: 12, success: 9, failure: 3 }, 'audited as key:sign-schnorr');
  assert.equal(direct.locked, 'LOCKED');
  await page.close();
});
