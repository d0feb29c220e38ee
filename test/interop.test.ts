// vaultkey/viem and vaultkey/ethers in Node, through the published entry
// points (dist/node via package.json "exports"): signatures made by vaultkey's
// own WASM secp256k1 must be the ones viem's privateKeyToAccount and ethers'
// Wallet make for the same key (RFC 6979 is deterministic, so byte for byte),
// and viem's and ethers' own verifiers must accept them. The same for a
// Ledger (the emulated Ethereum app of test/helpers/ledger-emulator.ts, via
// vaultkey/ledger), a bridge client and a Keystore-shaped signer. The real
// Keystore in Chromium is covered by test/consumers.browser.test.ts.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  bytesToHex,
  keccak256,
  parseEther,
  parseGwei,
  parseTransaction,
  recoverTransactionAddress,
  verifyMessage,
  verifyTypedData,
  type Hex,
  type LocalAccount,
  type TransactionSerializable,
} from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import {
  Transaction,
  Wallet,
  HDNodeWallet,
  verifyMessage as ethersVerifyMessage,
  verifyTypedData as ethersVerifyTypedData,
  type TransactionRequest,
} from 'ethers';
import { init, secp256k1, HDKey, ethereumAddress, mnemonicToSeed } from 'vaultkey/core';
import {
  toVaultkeyAccount,
  keystoreSigner,
  bridgeSigner,
  ledgerSigner,
  hardwareKeySigner,
  VaultkeyError,
  type HardwareKeystoreLike,
  type EvmDigestSigner,
  type KeystoreLike,
  type BridgeClientLike,
  type KeystoreSignerOptions,
} from 'vaultkey/viem';
import { VaultkeySigner } from 'vaultkey/ethers';
import { LedgerEth } from 'vaultkey/ledger';
import { EthereumAppEmulator, TEST_MNEMONIC } from './helpers/ledger-emulator.ts';

const TO = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const;

/** An EvmDigestSigner on vaultkey's WASM secp256k1 (vaultkey/core). */
function coreSigner(priv: Uint8Array): EvmDigestSigner {
  return {
    address: ethereumAddress(secp256k1.getPublicKey(priv)) as Hex,
    async signDigest(digest) {
      const { signature, recovery } = secp256k1.sign(digest, priv);
      return { r: signature.slice(0, 32), s: signature.slice(32), recovery: recovery as 0 | 1 };
    },
  };
}

const TYPED = {
  domain: { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
  types: {
    Person: [
      { name: 'name', type: 'string' },
      { name: 'wallet', type: 'address' },
    ],
    Mail: [
      { name: 'from', type: 'Person' },
      { name: 'to', type: 'Person' },
      { name: 'contents', type: 'string' },
    ],
  },
  primaryType: 'Mail',
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  },
} as const;
const ethersTypes = { Person: [...TYPED.types.Person], Mail: [...TYPED.types.Mail] };

/** Legacy with and without EIP-155, EIP-2930, EIP-1559 (viem shapes). */
function viemTransactions(): TransactionSerializable[] {
  const common = { to: TO, value: parseEther('1.25'), nonce: 7, gas: 50_000n, data: '0xa9059cbb' as Hex };
  const accessList = [{ address: TO, storageKeys: [keccak256('0x01')] }];
  return [
    { ...common, type: 'legacy', chainId: 1, gasPrice: parseGwei('20') },
    { ...common, type: 'legacy', chainId: 1_337_000_001, gasPrice: parseGwei('3') }, // v > 2^32: EIP-155 arithmetic
    { ...common, type: 'legacy', gasPrice: parseGwei('20') }, // pre-EIP-155: v is 27/28
    { ...common, type: 'eip2930', chainId: 137, gasPrice: parseGwei('30'), accessList },
    { ...common, type: 'eip1559', chainId: 10, maxFeePerGas: parseGwei('40'), maxPriorityFeePerGas: parseGwei('2'), accessList },
  ];
}

/** The same transactions as ethers TransactionRequests. */
function ethersTransactions(): TransactionRequest[] {
  return viemTransactions().map((t): TransactionRequest => {
    const type = { legacy: 0, eip2930: 1, eip1559: 2 }[t.type as 'legacy' | 'eip2930' | 'eip1559'];
    return {
      type,
      to: t.to,
      value: t.value,
      nonce: t.nonce,
      gasLimit: t.gas,
      data: t.data,
      chainId: t.chainId ?? 0,
      gasPrice: 'gasPrice' in t ? t.gasPrice : undefined,
      maxFeePerGas: 'maxFeePerGas' in t ? t.maxFeePerGas : undefined,
      maxPriorityFeePerGas: 'maxPriorityFeePerGas' in t ? t.maxPriorityFeePerGas : undefined,
      accessList: 'accessList' in t ? t.accessList?.map((a) => ({ address: a.address, storageKeys: [...a.storageKeys] })) : undefined,
    };
  });
}

async function rejectsCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof VaultkeyError, `expected VaultkeyError(${code}), got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

/** Signs everything with `ours` and `ref` (viem's own account for the same key) and checks both ways. */
async function viemAgrees(
  ours: LocalAccount,
  ref: LocalAccount,
  what: { typedData?: boolean; transactions?: TransactionSerializable[] } = {},
) {
  assert.equal(ours.address, ref.address);
  for (const message of ['hello vaultkey', '', { raw: new Uint8Array([0, 1, 2, 255]) }, { raw: '0xdeadbeef' as Hex }]) {
    const sig = await ours.signMessage({ message });
    assert.equal(sig, await ref.signMessage({ message }), 'EIP-191 signature identical to viem');
    assert.ok(await verifyMessage({ address: ours.address, message, signature: sig }));
    const text =
      typeof message === 'string'
        ? message
        : new Uint8Array(typeof message.raw === 'string' ? Buffer.from(message.raw.slice(2), 'hex') : message.raw);
    assert.equal(ethersVerifyMessage(text, sig), ours.address, 'ethers recovers the address');
  }
  if (what.typedData !== false) {
    const sig = await ours.signTypedData(TYPED);
    assert.equal(sig, await ref.signTypedData(TYPED), 'EIP-712 signature identical to viem');
    assert.ok(await verifyTypedData({ address: ours.address, ...TYPED, signature: sig }));
    assert.equal(ethersVerifyTypedData(TYPED.domain, ethersTypes, TYPED.message, sig), ours.address);
  }
  for (const tx of what.transactions ?? viemTransactions()) {
    const signed = await ours.signTransaction(tx);
    assert.equal(signed, await ref.signTransaction(tx), `${tx.type} transaction identical to viem`);
    assert.equal(await recoverTransactionAddress({ serializedTransaction: signed as never }), ours.address);
    const parsed = parseTransaction(signed);
    assert.equal(parsed.type, tx.type);
    assert.equal(parsed.nonce, tx.nonce);
    assert.equal(parsed.to?.toLowerCase(), tx.to?.toLowerCase());
    if (tx.type === 'legacy') {
      // EIP-155: v = chainId * 2 + 35 + y parity; without a chain id, 27 + y parity.
      const base = tx.chainId ? BigInt(tx.chainId) * 2n + 35n : 27n;
      assert.ok(parsed.v === base || parsed.v === base + 1n, `legacy v ${parsed.v}`);
    } else {
      assert.ok(parsed.yParity === 0 || parsed.yParity === 1);
    }
    const e = Transaction.from(signed);
    assert.equal(e.from, ours.address, 'ethers recovers the sender');
    assert.equal(e.chainId, BigInt(tx.chainId ?? 0));
  }
}

/** The same through ethers: VaultkeySigner against Wallet/HDNodeWallet. */
async function ethersAgrees(ours: VaultkeySigner, ref: Wallet | HDNodeWallet, what: { transactions?: TransactionRequest[] } = {}) {
  assert.equal(await ours.getAddress(), ref.address);
  for (const message of ['hello vaultkey', new Uint8Array([0, 1, 2, 255])]) {
    const sig = await ours.signMessage(message);
    assert.equal(sig, await ref.signMessage(message), 'EIP-191 signature identical to ethers');
    assert.equal(ethersVerifyMessage(message, sig), ref.address);
    assert.ok(
      await verifyMessage({
        address: ref.address as Hex,
        message: typeof message === 'string' ? message : { raw: message },
        signature: sig as Hex,
      }),
    );
  }
  const sig = await ours.signTypedData(TYPED.domain, ethersTypes, TYPED.message);
  assert.equal(sig, await ref.signTypedData(TYPED.domain, ethersTypes, TYPED.message), 'EIP-712 signature identical to ethers');
  assert.equal(ethersVerifyTypedData(TYPED.domain, ethersTypes, TYPED.message, sig), ref.address);
  for (const tx of what.transactions ?? ethersTransactions()) {
    const signed = await ours.signTransaction({ ...tx, from: ref.address });
    assert.equal(signed, await ref.signTransaction(tx), `type ${tx.type} transaction identical to ethers`);
    const parsed = Transaction.from(signed);
    assert.equal(parsed.from, ref.address, 'ethers recovers the sender');
    assert.equal(parsed.type, tx.type);
    assert.equal(await recoverTransactionAddress({ serializedTransaction: signed as never }), ref.address, 'viem recovers the sender');
  }
}

before(async () => {
  await init();
});

describe('digest signer on vaultkey/core secp256k1, random keys', () => {
  const keys = Array.from({ length: 6 }, () => new Uint8Array(crypto.randomBytes(32)));

  test('viem account: messages, EIP-712, legacy / EIP-155 / EIP-2930 / EIP-1559 transactions', async () => {
    for (const priv of keys) {
      await viemAgrees(await toVaultkeyAccount(coreSigner(priv)), privateKeyToAccount(bytesToHex(priv)));
    }
  });

  test('ethers signer: messages, EIP-712, type 0 / 1 / 2 transactions', async () => {
    for (const priv of keys) {
      await ethersAgrees(await VaultkeySigner.create(coreSigner(priv)), new Wallet(bytesToHex(priv)));
    }
  });

  test('viem sign({ hash }), EIP-7702 signAuthorization and an EIP-7702 transaction', async () => {
    const priv = keys[0]!;
    const ours = await toVaultkeyAccount(coreSigner(priv));
    const ref = privateKeyToAccount(bytesToHex(priv));
    const hash = keccak256('0x1234');
    assert.equal(await ours.sign!({ hash }), await ref.sign({ hash }));
    const req = { contractAddress: TO, chainId: 1, nonce: 3 };
    const auth = await ours.signAuthorization!(req);
    assert.deepEqual(auth, await ref.signAuthorization(req));
    const tx: TransactionSerializable = {
      type: 'eip7702',
      chainId: 1,
      nonce: 4,
      to: ours.address,
      gas: 90_000n,
      maxFeePerGas: parseGwei('9'),
      maxPriorityFeePerGas: 1n,
      authorizationList: [auth],
    };
    const signed = await ours.signTransaction(tx);
    assert.equal(signed, await ref.signTransaction(tx));
    assert.equal(await recoverTransactionAddress({ serializedTransaction: signed as never }), ours.address);
  });

  test('ethers authorize (EIP-7702) matches Wallet', async () => {
    const priv = keys[1]!;
    const ours = await VaultkeySigner.create(coreSigner(priv));
    const ref = new Wallet(bytesToHex(priv));
    const req = { address: TO, chainId: 5n, nonce: 9n };
    const a = await ours.authorize(req);
    const b = await ref.authorize(req);
    assert.equal(a.signature.serialized, b.signature.serialized);
    assert.deepEqual([a.address, a.chainId, a.nonce], [b.address, b.chainId, b.nonce]);
  });

  test('connect(provider) keeps the key; from must match', async () => {
    const priv = keys[2]!;
    const s = await VaultkeySigner.create(coreSigner(priv));
    const c = s.connect(null);
    assert.ok(c instanceof VaultkeySigner);
    assert.equal(await c.getAddress(), s.address);
    await assert.rejects(s.signTransaction({ ...ethersTransactions()[0]!, from: TO }), /from address mismatch/);
  });

  test('a signature that does not recover to the address is refused (wrong recovery id, wrong key)', async () => {
    const good = coreSigner(keys[0]!);
    const other = coreSigner(keys[1]!);
    const flipped: EvmDigestSigner = {
      address: good.address,
      signDigest: async (d) => {
        const s = await good.signDigest(d);
        return { ...s, recovery: (s.recovery ^ 1) as 0 | 1 };
      },
    };
    const impostor: EvmDigestSigner = { address: good.address, signDigest: (d) => other.signDigest(d) };
    for (const bad of [flipped, impostor]) {
      const acct = await toVaultkeyAccount(bad);
      await rejectsCode(acct.signMessage({ message: 'x' }), 'INVALID_SIGNATURE');
      await rejectsCode(acct.signTransaction(viemTransactions()[0]!), 'INVALID_SIGNATURE');
      const signer = await VaultkeySigner.create(bad);
      await rejectsCode(signer.signMessage('x'), 'INVALID_SIGNATURE');
      await rejectsCode(signer.signTypedData(TYPED.domain, ethersTypes, TYPED.message), 'INVALID_SIGNATURE');
    }
  });

  test('bad sources and bad signer output are VaultkeyErrors', async () => {
    await rejectsCode(toVaultkeyAccount(null as never), 'INVALID_ARGUMENT');
    await rejectsCode(toVaultkeyAccount({ address: '0x12', signDigest: async () => ({}) } as never), 'INVALID_ARGUMENT');
    await rejectsCode(VaultkeySigner.create({ address: TO } as never), 'INVALID_ARGUMENT');
    const short: EvmDigestSigner = {
      address: coreSigner(keys[0]!).address,
      signDigest: async () => ({ r: new Uint8Array(31), s: new Uint8Array(32), recovery: 0 }),
    };
    await assert.rejects((await toVaultkeyAccount(short)).signMessage({ message: 'x' }));
  });
});

describe('Keystore-shaped signer (keystoreSigner over the Keystore API)', () => {
  const MNEMONIC = 'test test test test test test test test test test test junk';
  let root: HDKey;
  let calls: { method: string; args: unknown[] }[];

  /** Behaves like Keystore.getAddress/sign for one HD key (worker/vault.ts), on vaultkey/core. */
  const hdKeystore = (): KeystoreLike => ({
    async getAddress(keyId, chain, index = 0, o = {}) {
      calls.push({ method: 'getAddress', args: [keyId, chain, index, o] });
      const path = `m/44'/60'/${o.account ?? 0}'/${o.change ?? 0}/${index}`;
      const k = root.derive(path);
      return { chain, address: ethereumAddress(k.publicKey), path, publicKey: k.publicKey };
    },
    async sign(keyId, digest, o = {}) {
      calls.push({ method: 'sign', args: [keyId, o] });
      const path = o.path ?? "m/44'/60'/0'/0/0";
      const k = root.derive(path);
      const { signature, recovery } = secp256k1.sign(digest, k.privateKey!);
      return { signature, recovery, publicKey: k.publicKey, path };
    },
  });

  before(async () => {
    root = HDKey.fromMasterSeed(await mnemonicToSeed(MNEMONIC));
  });

  test('index/account/change and BIP-44 paths pick the key viem derives for the same position', async () => {
    const cases: [KeystoreSignerOptions, { accountIndex?: number; changeIndex?: number; addressIndex?: number }, string][] = [
      [{}, {}, "m/44'/60'/0'/0/0"],
      [{ index: 3 }, { addressIndex: 3 }, "m/44'/60'/0'/0/3"],
      [{ account: 2, change: 1, index: 5 }, { accountIndex: 2, changeIndex: 1, addressIndex: 5 }, "m/44'/60'/2'/1/5"],
      [{ path: "m/44'/60'/1'/0/7" }, { accountIndex: 1, addressIndex: 7 }, "m/44'/60'/1'/0/7"],
      [{ path: 'm/44h/60h/0h/1/2' }, { changeIndex: 1, addressIndex: 2 }, "m/44'/60'/0'/1/2"],
    ];
    for (const [opts, viemOpts, path] of cases) {
      calls = [];
      const ks = hdKeystore();
      const ref = mnemonicToAccount(MNEMONIC, viemOpts);
      const account = await toVaultkeyAccount({ keystore: ks, keyId: 'k1', ...opts });
      assert.equal(account.address, ref.address, JSON.stringify(opts));
      assert.equal(await account.signMessage({ message: 'hi' }), await ref.signMessage({ message: 'hi' }));
      const tx = viemTransactions()[4]!;
      assert.equal(await account.signTransaction(tx), await ref.signTransaction(tx));
      // Every signature is one Keystore.sign() at the derived path (so the vault's checks see each one).
      const signs = calls.filter((c) => c.method === 'sign');
      assert.equal(signs.length, 2);
      for (const c of signs) assert.deepEqual(c.args, ['k1', { path }]);
    }
    const e = await VaultkeySigner.create({ keystore: hdKeystore(), keyId: 'k1', index: 4 });
    await ethersAgrees(e, HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/4"), {
      transactions: ethersTransactions().slice(3),
    });
  });

  test('bad paths and options', async () => {
    calls = [];
    const ks = hdKeystore();
    await rejectsCode(keystoreSigner(ks, 'k1', { path: "m/44'/0'/0'/0/0" }), 'INVALID_PATH');
    await rejectsCode(keystoreSigner(ks, 'k1', { path: "m/44'/60'/0'/2/0" }), 'INVALID_PATH');
    await rejectsCode(keystoreSigner(ks, 'k1', { path: "m/44'/60'/0'/0" }), 'INVALID_PATH');
    await rejectsCode(keystoreSigner(ks, 'k1', { path: "m/44'/60'/0'/0/0", index: 1 }), 'INVALID_ARGUMENT');
    const s = await keystoreSigner(ks, 'k1');
    await rejectsCode(s.signDigest(new Uint8Array(31)), 'INVALID_LENGTH');
  });

  test('imported keys: no path options; a key swapped under the same id is refused', async () => {
    const priv = new Uint8Array(crypto.randomBytes(32));
    let current = priv;
    const imported: KeystoreLike = {
      async getAddress(_id, chain) {
        const pub = secp256k1.getPublicKey(current);
        return { chain, address: ethereumAddress(pub), path: null, publicKey: pub };
      },
      async sign(_id, digest, o = {}) {
        assert.deepEqual(o, {}, 'no path for an imported key');
        const { signature, recovery } = secp256k1.sign(digest, current);
        return { signature, recovery, publicKey: secp256k1.getPublicKey(current), path: null };
      },
    };
    const account = await toVaultkeyAccount({ keystore: imported, keyId: 'k2' });
    const ref = privateKeyToAccount(bytesToHex(priv));
    assert.equal(await account.signTypedData(TYPED), await ref.signTypedData(TYPED));
    await rejectsCode(keystoreSigner(imported, 'k2', { index: 1 }), 'INVALID_ARGUMENT');
    await rejectsCode(keystoreSigner(imported, 'k2', { path: "m/44'/60'/0'/0/0" }), 'INVALID_ARGUMENT');
    current = new Uint8Array(crypto.randomBytes(32));
    await rejectsCode(account.signMessage({ message: 'x' }), 'INVALID_KEY');
  });
});

describe('Keystore signers across rotations (docs/lifecycle.md "Following rotations")', () => {
  const OLD = 'test test test test test test test test test test test junk';
  const NEW = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
  const THIRD = 'zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong';
  let roots: Record<string, HDKey>;

  /**
   * Behaves like the vault for one lineage: `k1` (its own seed), `k1-v2` made
   * either from a fresh seed (account 0 by default) or as the next account of
   * k1's seed (account 1 by default, account 0 refused). `rotate()` moves the
   * current version on; a rotated version refuses to sign with KEY_ROTATED.
   */
  function lineage(mode: 'fresh' | 'next-account') {
    const versions = ['k1'];
    const calls: string[] = [];
    const seedOf = (id: string) => (id === 'k1' || mode === 'next-account' ? roots.old! : id === 'k1-v2' ? roots.new! : roots.third!);
    const defaultAccount = (id: string) => (id === 'k1' || mode === 'fresh' ? 0 : 1);
    const at = (id: string, path: string) => {
      const account = Number(/^m\/44'\/60'\/(\d+)'/.exec(path)![1]);
      if (id !== 'k1' && mode === 'next-account' && account === 0) throw new VaultkeyError('KEY_ROTATED', 'account 0 is retired');
      return seedOf(id).derive(path);
    };
    const ks: KeystoreLike = {
      async activeKey(id) {
        calls.push(`activeKey ${id}`);
        return versions.at(-1)!;
      },
      async getAddress(keyId, chain, index = 0, o = {}) {
        calls.push(`getAddress ${keyId}`);
        const path = `m/44'/60'/${o.account ?? defaultAccount(keyId)}'/${o.change ?? 0}/${index}`;
        const k = at(keyId, path);
        return { chain, address: ethereumAddress(k.publicKey), path, publicKey: k.publicKey };
      },
      async sign(keyId, digest, o = {}) {
        calls.push(`sign ${keyId}`);
        if (keyId !== versions.at(-1)) throw new VaultkeyError('KEY_ROTATED', `key ${keyId} was rotated`);
        const path = o.path ?? `m/44'/60'/${defaultAccount(keyId)}'/0/0`;
        const k = at(keyId, path);
        const { signature, recovery } = secp256k1.sign(digest, k.privateKey!);
        return { signature, recovery, publicKey: k.publicKey, path };
      },
    };
    return { ks, calls, rotate: () => versions.push(`k1-v${versions.length + 1}`) };
  }

  before(async () => {
    roots = {
      old: HDKey.fromMasterSeed(await mnemonicToSeed(OLD)),
      new: HDKey.fromMasterSeed(await mnemonicToSeed(NEW)),
      third: HDKey.fromMasterSeed(await mnemonicToSeed(THIRD)),
    };
  });

  test("a signer over <id>-v2 signs with v2's own default account, not v1's account 0", async () => {
    for (const [mode, path, phrase] of [
      ['fresh', "m/44'/60'/0'/0/0", NEW],
      ['next-account', "m/44'/60'/1'/0/0", OLD],
    ] as const) {
      const { ks, rotate } = lineage(mode);
      rotate();
      const account = await toVaultkeyAccount({ keystore: ks, keyId: 'k1-v2' });
      const ref = mnemonicToAccount(phrase, { path: path as `m/44'/60'/${string}` });
      assert.equal(account.address, ref.address, mode);
      assert.equal(await account.signMessage({ message: 'hi' }), await ref.signMessage({ message: 'hi' }), mode);
      const e = await VaultkeySigner.create({ keystore: ks, keyId: 'k1-v2' });
      assert.equal(await e.getAddress(), ref.address, mode);
    }
  });

  test('a signer made from a Keystore key follows rotations: the next signature comes from the current version and the address changes', async () => {
    const { ks, calls, rotate } = lineage('fresh');
    const account = await toVaultkeyAccount({ keystore: ks, keyId: 'k1' });
    const a1 = account.address;
    assert.equal(a1, mnemonicToAccount(OLD).address);
    const s1 = await account.signMessage({ message: 'before' });
    assert.ok(await verifyMessage({ address: a1, message: 'before', signature: s1 }));
    assert.ok(!calls.some((c) => c.startsWith('activeKey')), 'no extra call while the key is current');

    rotate();
    const s2 = await account.signMessage({ message: 'after' });
    const a2 = mnemonicToAccount(NEW).address;
    assert.equal(account.address, a2, 'the account now names the current version');
    assert.ok(await verifyMessage({ address: a2, message: 'after', signature: s2 }));
    assert.ok(calls.includes('sign k1-v2'));

    // A transaction was prepared (nonce, from) for an address: it is never re-signed by another key.
    rotate();
    const tx = viemTransactions()[4]!;
    await rejectsCode(account.signTransaction(tx), 'KEY_ROTATED');
    const a3 = account.address;
    assert.equal(a3, mnemonicToAccount(THIRD).address, 'the refusal moved the account on');
    const signed = await account.signTransaction(tx);
    assert.equal(await recoverTransactionAddress({ serializedTransaction: signed as never }), a3);

    // ethers: getAddress() resolves the current version (populateTransaction asks it for `from` and the nonce).
    const f = lineage('fresh');
    const signer = await VaultkeySigner.create({ keystore: f.ks, keyId: 'k1' });
    assert.equal(await signer.getAddress(), a1);
    f.rotate();
    assert.equal(await signer.getAddress(), a2);
    assert.equal(ethersVerifyMessage('x', await signer.signMessage('x')), a2);
    f.rotate();
    await rejectsCode(signer.signTransaction({ ...ethersTransactions()[4]!, from: a2 }), 'KEY_ROTATED');

    // Pinned: follow: false keeps the old behaviour (KEY_ROTATED, same address).
    const p = lineage('fresh');
    const pinned = await toVaultkeyAccount({ keystore: p.ks, keyId: 'k1', follow: false });
    p.rotate();
    await rejectsCode(pinned.signMessage({ message: 'x' }), 'KEY_ROTATED');
    assert.equal(pinned.address, a1);
  });
});

describe('bridge (HSM) signer', () => {
  test('signs prehashed digests with the bridge key; address from its uncompressed public key', async () => {
    const priv = new Uint8Array(crypto.randomBytes(32));
    const seen: unknown[] = [];
    const client: BridgeClientLike = {
      async getPublicKey(keyId) {
        return {
          id: keyId,
          label: 'hsm',
          algorithm: 'secp256k1',
          publicKey: secp256k1.getPublicKey(priv),
          publicKeyUncompressed: secp256k1.getPublicKey(priv, false),
        };
      },
      async sign(_keyId, data, options = {}) {
        seen.push(options);
        return secp256k1.sign(data, priv);
      },
    };
    const signer = await bridgeSigner(client, 'a1b2');
    assert.equal(signer.address, privateKeyToAccount(bytesToHex(priv)).address, 'EIP-55 address');
    await viemAgrees(await toVaultkeyAccount(signer), privateKeyToAccount(bytesToHex(priv)), { transactions: viemTransactions().slice(4) });
    assert.ok(seen.length > 0 && seen.every((o) => (o as { prehashed?: boolean }).prehashed === true), 'digests go prehashed');
    const ed: BridgeClientLike = {
      ...client,
      getPublicKey: async (id) => ({ id, label: '', algorithm: 'ed25519', publicKey: new Uint8Array(32) }),
    };
    await rejectsCode(bridgeSigner(ed, 'x'), 'INVALID_KEY');
  });
});

describe('Ledger (emulated Ethereum app) through vaultkey/ledger', () => {
  const ledger = () => {
    const app = new EthereumAppEmulator();
    const eth = new LedgerEth({ exchange: async (apdu: Uint8Array) => app.handle(apdu) ?? new Promise<Uint8Array>(() => {}) });
    return { app, eth };
  };

  test('viem: personal_sign, EIP-712 (hashed), legacy / EIP-2930 / EIP-1559 transactions signed by the device', async () => {
    const { app, eth } = ledger();
    const path = "m/44'/60'/0'/0/1";
    const account = await toVaultkeyAccount(await ledgerSigner(eth, path));
    await viemAgrees(account, mnemonicToAccount(TEST_MNEMONIC, { addressIndex: 1 }));
    // The device saw the instructions, not bare digests: 08 personal message, 0C EIP-712, 04 transaction.
    const ins = new Set(app.apdus.map((a) => a.slice(2, 4)));
    for (const i of ['08', '0c', '04']) assert.ok(ins.has(i), `INS ${i} used`);
    assert.equal(account.sign, undefined, 'no blind hash signing on a device');
  });

  test('ethers: the same through VaultkeySigner', async () => {
    const { eth } = ledger();
    await ethersAgrees(
      await VaultkeySigner.create(await ledgerSigner(eth)),
      HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, "m/44'/60'/0'/0/0"),
    );
  });

  test('a device whose key is not the address it reported is refused', async () => {
    const { app, eth } = ledger();
    const signer = await ledgerSigner(eth);
    // Same device, other account: the device's own check passes, ours must not.
    const wrong = { ...signer, address: mnemonicToAccount(TEST_MNEMONIC, { addressIndex: 9 }).address };
    void app;
    await rejectsCode((await toVaultkeyAccount(wrong)).signMessage({ message: 'x' }), 'INVALID_SIGNATURE');
    await rejectsCode((await VaultkeySigner.create(wrong)).signMessage('x'), 'INVALID_SIGNATURE');
  });
});

describe('hardware keys enrolled in a Keystore (hardwareKeySigner over useHardwareKey)', () => {
  /** Keystore.useHardwareKey as the governance layer runs it: refuse a suspended key before the device call; count uses. */
  function enrolled(publicKey: Uint8Array) {
    const state = { suspended: false, uses: 0 };
    const keystore: HardwareKeystoreLike = {
      async useHardwareKey(keyId, sign) {
        if (state.suspended) throw new VaultkeyError('INVALID_STATE', 'key is Suspended');
        const out = await sign({ id: keyId, device: 'ledger', curve: 'secp256k1', publicKey });
        state.uses++;
        return out;
      },
    };
    return { keystore, state };
  }

  test('Ledger: each signature goes through useHardwareKey; a suspended key never reaches the device', async () => {
    const app = new EthereumAppEmulator();
    const eth = new LedgerEth({ exchange: async (apdu: Uint8Array) => app.handle(apdu) ?? new Promise<Uint8Array>(() => {}) });
    const device = await ledgerSigner(eth);
    const pub = (await eth.getAddress("m/44'/60'/0'/0/0")).publicKey;
    // Enrolled as the device reports it: the 65-byte uncompressed key.
    const { keystore, state } = enrolled(pub);
    const account = await toVaultkeyAccount(hardwareKeySigner(keystore, 'x_0123456789abcdef01234567', device));
    const ref = mnemonicToAccount(TEST_MNEMONIC);
    assert.equal(await account.signMessage({ message: 'managed' }), await ref.signMessage({ message: 'managed' }));
    assert.equal(await account.signTypedData(TYPED), await ref.signTypedData(TYPED));
    assert.equal(state.uses, 2);
    state.suspended = true;
    const before = app.apdus.length;
    await rejectsCode(account.signMessage({ message: 'managed' }), 'INVALID_STATE');
    assert.equal(app.apdus.length, before, 'the device was not asked');
  });

  test("bridge key enrolled with its compressed public key; another key's record is refused", async () => {
    const priv = new Uint8Array(crypto.randomBytes(32));
    const client: BridgeClientLike = {
      getPublicKey: async (id) => ({
        id,
        label: '',
        algorithm: 'secp256k1',
        publicKey: secp256k1.getPublicKey(priv),
        publicKeyUncompressed: secp256k1.getPublicKey(priv, false),
      }),
      sign: async (_id, data) => secp256k1.sign(data, priv),
    };
    const hsm = await bridgeSigner(client, 'c0ffee');
    const { keystore, state } = enrolled(secp256k1.getPublicKey(priv));
    const signer = await VaultkeySigner.create(hardwareKeySigner(keystore, 'x_0123456789abcdef01234567', hsm));
    assert.equal(await signer.signMessage('managed'), await new Wallet(bytesToHex(priv)).signMessage('managed'));
    assert.equal(state.uses, 1);
    const other = enrolled(secp256k1.getPublicKey(new Uint8Array(crypto.randomBytes(32))));
    await rejectsCode(
      (await VaultkeySigner.create(hardwareKeySigner(other.keystore, 'x_0123456789abcdef01234567', hsm))).signMessage('x'),
      'INVALID_KEY',
    );
  });
});
