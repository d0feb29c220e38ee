// vaultkey/solana in Node, through the published entry (dist/node): a
// @solana/kit signer over a Keystore-shaped Ed25519 key (SLIP-0010 on
// vaultkey/core, as the vault worker derives and signs) must produce the same
// wire transaction, byte for byte, as kit's own
// createKeyPairSignerFromPrivateKeyBytes for the same private key (RFC 8032
// signatures are deterministic), and kit's verifySignature (WebCrypto
// Ed25519) must accept every signature against the signer's address.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  AccountRole,
  address,
  appendTransactionMessageInstruction,
  assertIsFullySignedTransaction,
  blockhash,
  createKeyPairSignerFromPrivateKeyBytes,
  createSignableMessage,
  createTransactionMessage,
  getBase64EncodedWireTransaction,
  getPublicKeyFromAddress,
  partiallySignTransactionMessageWithSigners,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  verifySignature,
  type Address,
  type TransactionSigner,
} from '@solana/kit';
import { init, ed25519, HDKey, mnemonicToSeed } from 'vaultkey/core';
import {
  createSolanaSigner,
  keystoreEd25519Signer,
  bridgeEd25519Signer,
  VaultkeyError,
  type Ed25519Signer,
  type SolanaKeystoreLike,
} from 'vaultkey/solana';

const MNEMONIC = 'test test test test test test test test test test test junk';
const SYSTEM = address('11111111111111111111111111111111');

/** A System Program transfer instruction (index 2, u64 lamports, little-endian), by hand: no program client needed. */
function transfer(from: TransactionSigner, to: Address, lamports: bigint) {
  const data = new Uint8Array(12);
  const v = new DataView(data.buffer);
  v.setUint32(0, 2, true);
  v.setBigUint64(4, lamports, true);
  return {
    programAddress: SYSTEM,
    accounts: [
      { address: from.address, role: AccountRole.WRITABLE_SIGNER, signer: from },
      { address: to, role: AccountRole.WRITABLE },
    ],
    data,
  };
}

function message(feePayer: TransactionSigner, to: Address, lamports: bigint, signers: TransactionSigner[] = [feePayer]) {
  let m = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(feePayer, m),
    (m) =>
      setTransactionMessageLifetimeUsingBlockhash(
        { blockhash: blockhash('EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N'), lastValidBlockHeight: 100n },
        m,
      ),
  );
  for (const s of signers) m = appendTransactionMessageInstruction(transfer(s, to, lamports), m) as unknown as typeof m;
  return m;
}

async function kitVerifies(addr: Address, sig: unknown, bytes: unknown): Promise<boolean> {
  return verifySignature(await getPublicKeyFromAddress(addr), sig as never, bytes as never);
}

describe('vaultkey/solana over a Keystore-shaped Ed25519 key', () => {
  let root: HDKey;
  let signs: { keyId: string; path: string | undefined; curve: string | undefined }[];

  /** getAddress(.., 'solana', index) and sign(.., { curve: 'ed25519', path }) as worker/vault/keys.ts does them. */
  const keystore = (): SolanaKeystoreLike =>
    ({
      async getAddress(_keyId: string, chain: string, index = 0) {
        assert.equal(chain, 'solana');
        const path = `m/44'/501'/${index}'/0'`;
        return { chain, address: '', path, publicKey: root.derive(path).publicKey };
      },
      async sign(keyId: string, msg: Uint8Array, o: { path?: string; curve?: string } = {}) {
        signs.push({ keyId, path: o.path, curve: o.curve });
        const k = root.derive(o.path!);
        return { signature: ed25519.sign(msg, k.privateKey!), publicKey: k.publicKey, path: o.path! };
      },
    }) as unknown as SolanaKeystoreLike;

  before(async () => {
    await init();
    root = HDKey.fromMasterSeed(await mnemonicToSeed(MNEMONIC), 'ed25519');
  });

  test('transactions signed through vaultkey are byte-identical to kit’s key-pair signer, and kit verifies them', async () => {
    for (const index of [0, 1, 7]) {
      signs = [];
      const ours = await createSolanaSigner({ keystore: keystore(), keyId: 'sol', index });
      const kit = await createKeyPairSignerFromPrivateKeyBytes(root.derive(`m/44'/501'/${index}'/0'`).privateKey!);
      assert.equal(ours.address, kit.address, `index ${index}: the same address`);
      const to = (await createKeyPairSignerFromPrivateKeyBytes(new Uint8Array(32).fill(9))).address;
      const signed = await signTransactionMessageWithSigners(message(ours, to, 1_000_000n + BigInt(index)));
      const reference = await signTransactionMessageWithSigners(message(kit, to, 1_000_000n + BigInt(index)));
      assertIsFullySignedTransaction(signed);
      assert.equal(getBase64EncodedWireTransaction(signed), getBase64EncodedWireTransaction(reference), 'identical wire bytes');
      assert.ok(await kitVerifies(ours.address, signed.signatures[ours.address]!, signed.messageBytes), 'kit verifies');
      assert.ok(!(await kitVerifies(kit.address, signed.signatures[ours.address]!, signed.messageBytes.slice(1))), 'and not other bytes');
      assert.deepEqual(
        signs,
        [{ keyId: 'sol', path: `m/44'/501'/${index}'/0'`, curve: 'ed25519' }],
        'one vault signature at the Solana path',
      );
    }
  });

  test('partial signing: a vaultkey signer beside a kit signer in one transaction', async () => {
    signs = [];
    const ours = await createSolanaSigner({ keystore: keystore(), keyId: 'sol', index: 2 });
    const other = await createKeyPairSignerFromPrivateKeyBytes(new Uint8Array(crypto.randomBytes(32)));
    const kitSame = await createKeyPairSignerFromPrivateKeyBytes(root.derive("m/44'/501'/2'/0'").privateKey!);
    const to = other.address;
    // Ours pays, the other signs a second transfer.
    const partial = await partiallySignTransactionMessageWithSigners(message(ours, to, 5n, [ours, other]));
    const reference = await partiallySignTransactionMessageWithSigners(message(kitSame, to, 5n, [kitSame, other]));
    assert.equal(getBase64EncodedWireTransaction(partial), getBase64EncodedWireTransaction(reference));
    assert.equal(Object.keys(partial.signatures).length, 2);
    for (const [a, sig] of Object.entries(partial.signatures)) assert.ok(await kitVerifies(a as Address, sig!, partial.messageBytes), a);
    // Only a fee payer present: the transaction lacks our signature until we sign.
    const onlyOther = await partiallySignTransactionMessageWithSigners(
      message({ address: ours.address } as unknown as TransactionSigner, to, 5n, [other]),
    );
    assert.equal(onlyOther.signatures[ours.address], null);
    const [dict] = await ours.signTransactions([onlyOther as never]);
    assert.ok(await kitVerifies(ours.address, dict![ours.address]!, onlyOther.messageBytes));
  });

  test('messages: signMessages matches kit’s signer and verifies', async () => {
    const ours = await createSolanaSigner({ keystore: keystore(), keyId: 'sol' });
    const kit = await createKeyPairSignerFromPrivateKeyBytes(root.derive("m/44'/501'/0'/0'").privateKey!);
    const msgs = [
      createSignableMessage('hello solana'),
      createSignableMessage(new Uint8Array(0)),
      createSignableMessage(new Uint8Array(2000).fill(7)),
    ];
    const a = await ours.signMessages(msgs);
    const b = await kit.signMessages(msgs);
    assert.deepEqual(a, b);
    for (let i = 0; i < msgs.length; i++) assert.ok(await kitVerifies(ours.address, a[i]![ours.address]!, msgs[i]!.content));
  });

  test('a signer that signs with another key, or returns junk, is refused (INVALID_SIGNATURE)', async () => {
    const good = root.derive("m/44'/501'/0'/0'");
    const wrong = root.derive("m/44'/501'/1'/0'");
    const liar: Ed25519Signer = { publicKey: good.publicKey, sign: async (m) => ed25519.sign(m, wrong.privateKey!) };
    const short: Ed25519Signer = { publicKey: good.publicKey, sign: async () => new Uint8Array(63) };
    for (const s of [liar, short]) {
      const signer = await createSolanaSigner(s);
      await assert.rejects(
        signer.signMessages([createSignableMessage('x')]),
        (e: unknown) => e instanceof VaultkeyError && e.code === 'INVALID_SIGNATURE',
      );
    }
  });

  test('bad input: VaultkeyError with stable codes', async () => {
    const codeIs = (code: string) => (e: unknown) => e instanceof VaultkeyError && e.code === code;
    await assert.rejects(createSolanaSigner(null as never), codeIs('INVALID_ARGUMENT'));
    await assert.rejects(createSolanaSigner({ publicKey: new Uint8Array(32) } as never), codeIs('INVALID_ARGUMENT'));
    await assert.rejects(
      createSolanaSigner({ publicKey: new Uint8Array(33), sign: async () => new Uint8Array(64) }),
      codeIs('INVALID_KEY'),
    );
    const ours = await createSolanaSigner({ keystore: keystore(), keyId: 'sol' });
    const stranger = await createKeyPairSignerFromPrivateKeyBytes(new Uint8Array(32).fill(3));
    const notOurs = await partiallySignTransactionMessageWithSigners(
      message(stranger, address('So11111111111111111111111111111111111111112'), 1n),
    );
    await assert.rejects(ours.signTransactions([notOurs as never]), codeIs('INVALID_ARGUMENT'), 'not a signer of this transaction');
    await assert.rejects(ours.signMessages([{} as never]), codeIs('INVALID_ARGUMENT'));
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(
      ours.signMessages([createSignableMessage('x')], { abortSignal: ac.signal }),
      (e: unknown) => (e as Error).name === 'AbortError',
    );
    // A key replaced under the same id after the signer was made does not sign for the old address.
    const ks = keystore();
    const s = await keystoreEd25519Signer(ks, 'sol');
    (ks as unknown as { sign: SolanaKeystoreLike['sign'] }).sign = async (_id, m) => {
      const k = root.derive("m/44'/501'/5'/0'");
      return { signature: ed25519.sign(m, k.privateKey!), publicKey: k.publicKey, path: "m/44'/501'/5'/0'" };
    };
    await assert.rejects(s.sign(new Uint8Array(1)), codeIs('INVALID_KEY'));
  });

  test('an HSM Ed25519 key behind the bridge (client-shaped): kit verifies its signatures', async () => {
    const priv = new Uint8Array(crypto.randomBytes(32));
    const pub = ed25519.getPublicKey(priv);
    const client = {
      async getPublicKey(id: string) {
        return { id, label: 'sol', algorithm: id === 'ec' ? 'secp256k1' : 'ed25519', publicKey: pub } as never;
      },
      async sign(_id: string, data: Uint8Array) {
        return { signature: ed25519.sign(data, priv) };
      },
    };
    const signer = await createSolanaSigner(await bridgeEd25519Signer(client, 'k'));
    const kit = await createKeyPairSignerFromPrivateKeyBytes(priv);
    assert.equal(signer.address, kit.address);
    const to = address('So11111111111111111111111111111111111111112');
    const a = await signTransactionMessageWithSigners(message(signer, to, 42n));
    const b = await signTransactionMessageWithSigners(message(kit, to, 42n));
    assert.equal(getBase64EncodedWireTransaction(a), getBase64EncodedWireTransaction(b));
    await assert.rejects(bridgeEd25519Signer(client, 'ec'), (e: unknown) => e instanceof VaultkeyError && e.code === 'INVALID_KEY');
  });
});
