// vaultkey/bitcoin in Node, through the published entry (dist/node), with
// bitcoinjs-lib building, validating and finalizing real PSBTs:
//
// - P2WPKH (BIP-84) through a Keystore-shaped signer (BIP-32 and ECDSA on
//   vaultkey/core, as the vault worker does): the signed input validates with
//   an independent verifier (@noble/curves), finalizes, and the extracted
//   transaction is byte-identical to the same PSBT signed with the raw key by
//   tiny-secp256k1 (RFC 6979 nonces are deterministic).
// - P2TR key path (BIP-86): the tweaked output key matches the BIP-86 vectors
//   (test/vectors/bip-0086.mediawiki) and bitcoinjs-lib's own tweak; a
//   Schnorr-capable key holder (on @noble/curves) signs, tiny-secp256k1
//   verifies, and the transaction is byte-identical to tiny-secp256k1 signing
//   with its own tweaked key and the SAME auxiliary randomness (32 zero bytes;
//   BIP-340 nonces depend on it, so equal aux rand gives equal bytes).
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { schnorr, secp256k1 as nobleSecp } from '@noble/curves/secp256k1.js';
import { init, secp256k1, HDKey, mnemonicToSeed } from 'vaultkey/core';
import {
  keystoreBitcoinSigner,
  toPsbtSigner,
  toTaprootPsbtSigner,
  taprootTweak,
  VaultkeyError,
  type BitcoinKeySigner,
  type BitcoinKeystoreLike,
} from 'vaultkey/bitcoin';
import { hex, readVector, unhex } from './helpers/vectors.ts';

bitcoin.initEccLib(ecc);
const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const PURPOSE: Record<string, number> = { bitcoin: 84, 'bitcoin-taproot': 86, 'bitcoin-nested-segwit': 49, 'bitcoin-legacy': 44 };
const AUX = new Uint8Array(32);
const codeIs = (code: string) => (e: unknown) => e instanceof VaultkeyError && e.code === code;

describe('vaultkey/bitcoin with bitcoinjs-lib PSBTs', () => {
  let root: HDKey;
  let signs: { keyId: string; path: string | undefined }[];

  /** getAddress/sign as worker/vault/keys.ts does them for BIP-44/49/84/86 positions, on vaultkey/core. */
  const keystore = (): BitcoinKeystoreLike =>
    ({
      async getAddress(_keyId: string, chain: string, index = 0, o: { account?: number; change?: number } = {}) {
        const path = `m/${PURPOSE[chain]}'/0'/${o.account ?? 0}'/${o.change ?? 0}/${index}`;
        return { chain, address: '', path, publicKey: root.derive(path).publicKey };
      },
      async sign(keyId: string, digest: Uint8Array, o: { path?: string } = {}) {
        signs.push({ keyId, path: o.path });
        const k = root.derive(o.path!);
        const { signature, recovery } = secp256k1.sign(digest, k.privateKey!);
        return { signature, recovery, publicKey: k.publicKey, path: o.path! };
      },
    }) as unknown as BitcoinKeystoreLike;

  /** A Schnorr-capable key holder on @noble/curves: BIP-341 taproot_tweak_seckey, then BIP-340 with aux rand AUX. */
  const schnorrHolder = (priv: Uint8Array): BitcoinKeySigner => ({
    publicKey: nobleSecp.getPublicKey(priv, true),
    async signEcdsa(d) {
      return nobleSecp.sign(d, priv, { prehash: false });
    },
    async signSchnorr(d, { tweak }) {
      const n = nobleSecp.Point.CURVE().n;
      const P = nobleSecp.getPublicKey(priv, true);
      let k = BigInt(`0x${hex(priv)}`);
      if (P[0] === 3) k = n - k;
      const tweaked = (k + BigInt(`0x${hex(tweak)}`)) % n;
      return schnorr.sign(d, unhex(tweaked.toString(16).padStart(64, '0')), AUX);
    },
  });

  before(async () => {
    await init();
    root = HDKey.fromMasterSeed(await mnemonicToSeed(MNEMONIC));
  });

  /** A PSBT spending one output of `script` (a made-up previous transaction) to a fixed address. */
  function psbtFor(script: Uint8Array, extra: Partial<Parameters<bitcoin.Psbt['addInput']>[0]> = {}, value = 100_000n) {
    const psbt = new bitcoin.Psbt();
    psbt.addInput({ hash: `${'ab'.repeat(31)}01`, index: 1, witnessUtxo: { script, value }, ...extra });
    psbt.addOutput({ address: 'bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g', value: value - 1_000n });
    return psbt;
  }

  test('P2WPKH (BIP-84) through a Keystore key: validates, finalizes, equals tiny-secp256k1 with the raw key', async () => {
    const b84 = readVector('bip-0084.mediawiki');
    const vectorPub = /pubkey {2}= (\w+)/.exec(b84)![1]!;
    const vectorAddress = /address = (bc1\w+)/.exec(b84)![1]!;
    for (const index of [0, 1, 2]) {
      signs = [];
      const holder = await keystoreBitcoinSigner(keystore(), 'btc', { index });
      if (index === 0) {
        assert.equal(hex(holder.publicKey), vectorPub, 'BIP-84 vector public key');
        assert.equal(bitcoin.payments.p2wpkh({ pubkey: holder.publicKey }).address, vectorAddress, 'BIP-84 vector address');
      }
      const script = bitcoin.payments.p2wpkh({ pubkey: holder.publicKey }).output!;
      const ours = psbtFor(script);
      await ours.signInputAsync(0, toPsbtSigner(holder));
      // An independent verifier: @noble/curves ECDSA over the BIP-143 sighash bitcoinjs-lib computed.
      assert.ok(ours.validateSignaturesOfInput(0, (pub, hash, sig) => nobleSecp.verify(sig, hash, pub, { prehash: false })));
      ours.finalizeAllInputs();
      const tx = ours.extractTransaction().toHex();

      const priv = root.derive(`m/84'/0'/0'/0/${index}`).privateKey!;
      const ref = psbtFor(script);
      ref.signInput(0, { publicKey: ecc.pointFromScalar(priv, true)!, sign: (h: Uint8Array) => ecc.sign(h, priv) });
      ref.finalizeAllInputs();
      assert.equal(tx, ref.extractTransaction().toHex(), `index ${index}: identical transaction`);
      assert.deepEqual(signs, [{ keyId: 'btc', path: `m/84'/0'/0'/0/${index}` }], 'one vault signature at the BIP-84 path');
    }
  });

  test('P2SH-P2WPKH (BIP-49) through a Keystore key', async () => {
    signs = [];
    const holder = await keystoreBitcoinSigner(keystore(), 'btc', { chain: 'bitcoin-nested-segwit', change: 1, index: 3 });
    const p2sh = bitcoin.payments.p2sh({ redeem: bitcoin.payments.p2wpkh({ pubkey: holder.publicKey }) });
    const psbt = psbtFor(p2sh.output!, { redeemScript: p2sh.redeem!.output! });
    await psbt.signInputAsync(0, toPsbtSigner(holder));
    assert.ok(psbt.validateSignaturesOfInput(0, (pub, hash, sig) => ecc.verify(hash, pub, sig, true)));
    psbt.finalizeAllInputs();
    assert.equal(psbt.extractTransaction().ins.length, 1);
    assert.deepEqual(signs, [{ keyId: 'btc', path: "m/49'/0'/0'/1/3" }]);
  });

  test('P2TR key path (BIP-86): output keys match the vectors; signatures verify and equal tiny-secp256k1 with the same aux rand', async () => {
    const b86 = readVector('bip-0086.mediawiki');
    const internal = [...b86.matchAll(/internal_key = (\w+)/g)].map((m) => m[1]!);
    const outputs = [...b86.matchAll(/output_key {3}= (\w+)/g)].map((m) => m[1]!);
    const addresses = [...b86.matchAll(/address {6}= (\w+)/g)].map((m) => m[1]!);
    const paths = ["m/86'/0'/0'/0/0", "m/86'/0'/0'/0/1", "m/86'/0'/0'/1/0"];
    assert.equal(outputs.length, 3);
    for (let i = 0; i < 3; i++) {
      const priv = root.derive(paths[i]!).privateKey!;
      const holder = schnorrHolder(priv);
      assert.equal(hex(holder.publicKey.subarray(1)), internal[i]);
      const { outputKey, tweak } = taprootTweak(holder.publicKey);
      assert.equal(hex(outputKey), outputs[i], 'BIP-86 output key');
      const p2tr = bitcoin.payments.p2tr({ internalPubkey: holder.publicKey.subarray(1) });
      assert.equal(p2tr.address, addresses[i], 'BIP-86 address');
      assert.equal(hex(p2tr.pubkey!), hex(outputKey), 'bitcoinjs-lib tweaks the same way');
      assert.equal(hex(tweak), hex(bitcoin.crypto.taggedHash('TapTweak', holder.publicKey.subarray(1))));

      const ours = psbtFor(p2tr.output!, { tapInternalKey: holder.publicKey.subarray(1) }, 50_000n + BigInt(i));
      await ours.signInputAsync(0, toTaprootPsbtSigner(holder));
      assert.ok(
        ours.validateSignaturesOfInput(0, (pub, hash, sig) => ecc.verifySchnorr(hash, pub, sig)),
        'tiny-secp256k1 verifies',
      );
      ours.finalizeAllInputs();
      const tx = ours.extractTransaction();

      // The raw key, tweaked by tiny-secp256k1 (BIP-341 taproot_tweak_seckey), signing with the same aux rand.
      const even = ecc.pointFromScalar(priv, true)![0] === 2 ? priv : ecc.privateNegate(priv);
      const tweaked = ecc.privateAdd(even, bitcoin.crypto.taggedHash('TapTweak', p2tr.internalPubkey!))!;
      const ref = psbtFor(p2tr.output!, { tapInternalKey: holder.publicKey.subarray(1) }, 50_000n + BigInt(i));
      ref.signInput(0, {
        publicKey: ecc.pointFromScalar(tweaked, true)!,
        sign: () => {
          throw new Error('not ECDSA');
        },
        signSchnorr: (h: Uint8Array) => ecc.signSchnorr(h, tweaked, AUX),
      });
      ref.finalizeAllInputs();
      assert.equal(tx.toHex(), ref.extractTransaction().toHex(), 'identical transaction (same aux rand)');
      assert.equal(tx.ins[0]!.witness.length, 1, 'a key-path spend: one 64-byte signature');
      assert.equal(tx.ins[0]!.witness[0]!.length, 64);
    }
  });

  test('refusals: a key holder without signSchnorr, wrong-key and high-S signatures, bad keys and digests', async () => {
    const holder = await keystoreBitcoinSigner(keystore(), 'btc');
    assert.throws(() => toTaprootPsbtSigner(holder), codeIs('UNSUPPORTED'));
    const priv = new Uint8Array(crypto.randomBytes(32));
    const other = new Uint8Array(crypto.randomBytes(32));
    const digest = new Uint8Array(crypto.randomBytes(32));
    const liar: BitcoinKeySigner = {
      publicKey: nobleSecp.getPublicKey(priv, true),
      signEcdsa: async (d) => nobleSecp.sign(d, other, { prehash: false }),
    };
    await assert.rejects(toPsbtSigner(liar).sign(digest), codeIs('INVALID_SIGNATURE'));
    // The same signature with s replaced by n - s is valid ECDSA but non-standard (BIP-146 LOW_S).
    const low = nobleSecp.Signature.fromBytes(nobleSecp.sign(digest, priv, { prehash: false }), 'compact');
    const high = new nobleSecp.Signature(low.r, nobleSecp.Point.CURVE().n - low.s).toBytes('compact');
    await assert.rejects(toPsbtSigner({ ...liar, signEcdsa: async () => high }).sign(digest), codeIs('INVALID_SIGNATURE'));
    const schnorrLiar = { ...schnorrHolder(priv), signSchnorr: async (d: Uint8Array) => schnorr.sign(d, other) };
    await assert.rejects(toTaprootPsbtSigner(schnorrLiar).signSchnorr!(digest), codeIs('INVALID_SIGNATURE'));
    await assert.rejects(toTaprootPsbtSigner(schnorrHolder(priv)).sign(digest), codeIs('UNSUPPORTED'));
    await assert.rejects(toPsbtSigner(schnorrHolder(priv)).sign(new Uint8Array(31)), codeIs('INVALID_LENGTH'));
    assert.throws(() => toPsbtSigner({ publicKey: new Uint8Array(33), signEcdsa: async () => new Uint8Array(64) }), codeIs('INVALID_KEY'));
    assert.throws(() => toPsbtSigner({} as never), codeIs('INVALID_ARGUMENT'));
    assert.throws(() => taprootTweak(new Uint8Array(32)), codeIs('INVALID_KEY'));
    // A key replaced under the same id after the signer was made does not sign for the old one.
    const ks = keystore();
    const s = await keystoreBitcoinSigner(ks, 'btc');
    (ks as unknown as { sign: unknown }).sign = async (_id: string, d: Uint8Array) => {
      const { signature, recovery } = secp256k1.sign(d, other);
      return { signature, recovery, publicKey: secp256k1.getPublicKey(other, true), path: null };
    };
    await assert.rejects(s.signEcdsa(digest), codeIs('INVALID_KEY'));
  });
});
