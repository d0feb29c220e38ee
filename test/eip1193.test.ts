// vaultkey/eip1193 in Node, through the published entry (dist/node): the
// provider over a Keystore-shaped signer (keystoreSigner over vaultkey/core's
// WASM secp256k1, as the vault worker does) is driven by viem's `custom`
// transport and by ethers' BrowserProvider, the two ways dApps talk to
// `window.ethereum`. Signatures must be byte-identical to viem's own account
// for the same key (RFC 6979) and verify in viem and ethers. Transactions go
// to a small JSON-RPC server on 127.0.0.1 started here, which fills nonce,
// gas and fees and records eth_sendRawTransaction. Every EIP-1193 / EIP-1474
// error code the provider answers is reached. The real Keystore in Chromium
// and EIP-6963 discovery: test/eip1193.browser.test.ts.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createWalletClient,
  custom,
  keccak256,
  parseTransaction,
  recoverTransactionAddress,
  verifyMessage,
  verifyTypedData,
  numberToHex,
  type Hex,
} from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { BrowserProvider, Transaction, verifyMessage as ethersVerifyMessage, verifyTypedData as ethersVerifyTypedData } from 'ethers';
import { init, secp256k1, HDKey, ethereumAddress, mnemonicToSeed } from 'vaultkey/core';
import {
  createEip1193Provider,
  ProviderRpcError,
  ProviderErrorCode,
  VaultkeyError,
  type ApprovalRequest,
  type VaultkeyEip1193Provider,
  ledgerSigner,
} from 'vaultkey/eip1193';
import { LedgerEth } from 'vaultkey/ledger';
import { EthereumAppEmulator, TEST_MNEMONIC } from './helpers/ledger-emulator.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const CHAIN = 1337;
const ref = mnemonicToAccount(MNEMONIC);

const TYPED = {
  domain: { name: 'Ether Mail', version: '1', chainId: CHAIN, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
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

/**
 * A Keystore as the provider sees it: getAddress/sign/activeKey like
 * worker/vault/keys.ts on vaultkey/core, 'lock'/'unlock'/'change' events and
 * `state` like src/vault/keystore.ts. A locked one refuses with LOCKED. `rotate()` moves key
 * 'k1' to 'k2', a version at account 1 (what a fresh-seed rotation looks like to a signer).
 */
class FakeKeystore extends EventTarget {
  state = 'unlocked';
  active = 'k1';
  signs = 0;
  constructor(private root: HDKey) {
    super();
  }
  #need() {
    if (this.state !== 'unlocked') throw new VaultkeyError('LOCKED', 'the vault is locked');
  }
  #path(keyId: string, o: { account?: number; change?: number } = {}, index = 0) {
    return `m/44'/60'/${(o.account ?? 0) + (keyId === 'k2' ? 1 : 0)}'/${o.change ?? 0}/${index}`;
  }
  async getAddress(keyId: string, chain: 'ethereum', index = 0, o: { account?: number; change?: 0 | 1 } = {}) {
    this.#need();
    const path = this.#path(keyId, o, index);
    const k = this.root.derive(path);
    return { chain, address: ethereumAddress(k.publicKey), path, publicKey: k.publicKey };
  }
  async sign(keyId: string, digest: Uint8Array, o: { path?: string } = {}) {
    this.#need();
    if (keyId !== this.active) throw new VaultkeyError('KEY_ROTATED', 'rotated');
    this.signs++;
    const k = this.root.derive(o.path!);
    const { signature, recovery } = secp256k1.sign(digest, k.privateKey!);
    return { signature, recovery, publicKey: k.publicKey, path: o.path! };
  }
  async activeKey(_id: string) {
    return this.active;
  }
  lock() {
    this.state = 'locked';
    this.dispatchEvent(new CustomEvent('lock', { detail: { reason: 'manual' } }));
  }
  unlock() {
    this.state = 'unlocked';
    this.dispatchEvent(new CustomEvent('unlock', { detail: {} }));
  }
  rotate() {
    this.active = 'k2';
    this.dispatchEvent(new CustomEvent('change', { detail: {} }));
  }
}

/** A JSON-RPC node for one chain: answers what viem and ethers ask while preparing and sending, records raw transactions. */
function rpcNode(chainId: number) {
  const sent: Hex[] = [];
  const calls: string[] = [];
  const byHash = new Map<string, object>();
  const hex = (n: bigint | number) => numberToHex(n);
  const answer = async (method: string, params: unknown[]): Promise<unknown> => {
    switch (method) {
      case 'eth_chainId':
        return hex(chainId);
      case 'net_version':
        return String(chainId);
      case 'eth_blockNumber':
        return '0x10';
      case 'eth_getTransactionCount':
        return hex(sent.length + 5);
      case 'eth_estimateGas':
        return hex(21_000);
      case 'eth_gasPrice':
        return hex(2_000_000_000n);
      case 'eth_maxPriorityFeePerGas':
        return hex(1_000_000_000n);
      case 'eth_getBalance':
        return hex(10n ** 18n);
      case 'eth_getBlockByNumber':
        return {
          number: '0x10',
          hash: `0x${'11'.repeat(32)}`,
          parentHash: `0x${'22'.repeat(32)}`,
          timestamp: '0x6553f100',
          baseFeePerGas: hex(1_000_000_000n),
          gasLimit: hex(30_000_000),
          gasUsed: '0x0',
          miner: `0x${'00'.repeat(20)}`,
          extraData: '0x',
          difficulty: '0x0',
          nonce: '0x0000000000000000',
          transactions: [],
        };
      case 'eth_sendRawTransaction': {
        const raw = params[0] as Hex;
        if (raw === '0xdead') throw { code: -32000, message: 'rlp: invalid transaction' };
        sent.push(raw);
        const t = parseTransaction(raw);
        const hash = keccak256(raw);
        const from = await recoverTransactionAddress({ serializedTransaction: raw as never });
        byHash.set(hash, {
          hash,
          from,
          to: t.to ?? null,
          nonce: hex(t.nonce ?? 0),
          gas: hex(t.gas ?? 0n),
          value: hex(t.value ?? 0n),
          input: t.data ?? '0x',
          chainId: hex(t.chainId ?? chainId),
          type: hex({ legacy: 0, eip2930: 1, eip1559: 2 }[t.type as 'legacy'] ?? 0),
          ...(t.type === 'eip1559'
            ? { maxFeePerGas: hex(t.maxFeePerGas!), maxPriorityFeePerGas: hex(t.maxPriorityFeePerGas!), gasPrice: hex(t.maxFeePerGas!) }
            : { gasPrice: hex(t.gasPrice!) }),
          accessList: t.accessList ?? [],
          r: t.r,
          s: t.s,
          v: t.type === 'legacy' ? hex(t.v!) : hex(t.yParity!),
          yParity: hex(t.yParity ?? 0),
          blockHash: null,
          blockNumber: null,
          transactionIndex: null,
        });
        return hash;
      }
      case 'eth_getTransactionByHash':
        return byHash.get(params[0] as string) ?? null;
      default:
        throw { code: -32601, message: `the method ${method} does not exist/is not available` };
    }
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const r = JSON.parse(body) as { id: number; method: string; params: unknown[] };
      calls.push(r.method);
      let out: object;
      try {
        out = { jsonrpc: '2.0', id: r.id, result: await answer(r.method, r.params ?? []) };
      } catch (e) {
        out = { jsonrpc: '2.0', id: r.id, error: e };
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(out));
    });
  });
  return {
    sent,
    calls,
    server,
    url: '',
    async start() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      return this;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function rejectsRpc(p: Promise<unknown>, code: number, what = ''): Promise<ProviderRpcError> {
  let err: unknown;
  await assert.rejects(p, (e: unknown) => {
    err = e;
    return true;
  });
  assert.ok(err instanceof ProviderRpcError, `${what}: expected ProviderRpcError ${code}, got ${String(err)}`);
  assert.equal(err.code, code, `${what}: ${err.message}`);
  assert.ok(!(err instanceof VaultkeyError), 'EIP-1193 errors, not VaultkeyError');
  return err;
}

describe('vaultkey/eip1193 over a Keystore-shaped signer', () => {
  let root: HDKey;
  let node: ReturnType<typeof rpcNode>;
  let node2: ReturnType<typeof rpcNode>;
  before(async () => {
    await init();
    root = HDKey.fromMasterSeed(await mnemonicToSeed(MNEMONIC));
    node = await rpcNode(CHAIN).start();
    node2 = await rpcNode(10).start();
  });
  after(async () => {
    await node.close();
    await node2.close();
  });

  /** A provider on a fresh fake Keystore; `answers` scripts the approve hook (default: approve everything). */
  function setup(answer: (r: ApprovalRequest) => boolean = () => true) {
    const ks = new FakeKeystore(root);
    const asked: ApprovalRequest[] = [];
    const events: [string, unknown][] = [];
    const provider = createEip1193Provider({
      signer: { keystore: ks, keyId: 'k1' },
      chains: [{ chainId: CHAIN, rpcUrl: node.url }, { chainId: 5 }],
      approve: (r) => {
        asked.push(r);
        return answer(r);
      },
    });
    for (const ev of ['connect', 'disconnect', 'chainChanged', 'accountsChanged'])
      provider.on(ev, (x: unknown) => events.push([ev, x instanceof Error ? (x as ProviderRpcError).code : x]));
    return { ks, provider, asked, events };
  }

  test('viem (custom transport): accounts, personal_sign, EIP-712 and transactions match viem’s own account', async () => {
    const { provider, asked, events } = setup();
    const wallet = createWalletClient({ transport: custom(provider) });
    assert.deepEqual(await wallet.getAddresses(), [], 'no accounts before eth_requestAccounts');
    assert.deepEqual(await wallet.requestAddresses(), [ref.address]);
    assert.equal(asked[0]!.method, 'eth_requestAccounts');
    assert.deepEqual(await wallet.getAddresses(), [ref.address]);
    assert.equal(await wallet.getChainId(), CHAIN);
    assert.deepEqual(events.slice(0, 2), [
      ['connect', { chainId: numberToHex(CHAIN) }],
      ['accountsChanged', [ref.address]],
    ]);

    for (const message of ['hello vaultkey', { raw: '0x00ff10' as Hex }]) {
      const sig = await wallet.signMessage({ account: ref.address, message });
      assert.equal(sig, await ref.signMessage({ message }), 'personal_sign identical to viem');
      assert.ok(await verifyMessage({ address: ref.address, message, signature: sig }));
    }
    const typed = await wallet.signTypedData({ account: ref.address, ...TYPED });
    assert.equal(typed, await ref.signTypedData(TYPED), 'eth_signTypedData_v4 identical to viem');
    assert.ok(await verifyTypedData({ address: ref.address, ...TYPED, signature: typed }));

    // eth_signTransaction: the provider fills nonce, gas and fees from the node; the same fields signed by viem give the same bytes.
    const to = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
    const signed = await provider.request({ method: 'eth_signTransaction', params: [{ from: ref.address, to, value: '0x1' }] });
    const parsed = parseTransaction(signed as Hex);
    assert.equal(parsed.type, 'eip1559');
    assert.equal(parsed.chainId, CHAIN);
    assert.equal(parsed.nonce, 5);
    assert.equal(parsed.gas, 21_000n);
    assert.equal(await recoverTransactionAddress({ serializedTransaction: signed as never }), ref.address);
    const { r: _r, s: _s, v: _v, yParity: _y, ...fields } = parsed;
    assert.equal(signed, await ref.signTransaction(fields as never), 'eth_signTransaction identical to viem');

    // eth_sendTransaction through viem: signed here, sent raw to the node.
    const before = node.sent.length;
    const hash = await wallet.sendTransaction({ account: ref.address, to, value: 1000n, chain: null });
    assert.equal(node.sent.length, before + 1);
    const raw = node.sent.at(-1)!;
    assert.equal(hash, keccak256(raw));
    assert.equal(await recoverTransactionAddress({ serializedTransaction: raw as never }), ref.address);
    assert.equal(parseTransaction(raw).value, 1000n);
    // Legacy when the dApp gives gasPrice.
    const legacy = await provider.request({
      method: 'eth_signTransaction',
      params: [{ to, value: '0x2', gasPrice: '0x3b9aca00', type: '0x0' }],
    });
    const pl = parseTransaction(legacy as Hex);
    assert.equal(pl.type, 'legacy');
    assert.equal(pl.v, BigInt(CHAIN) * 2n + 35n + BigInt(pl.yParity ?? pl.v! - BigInt(CHAIN) * 2n - 35n), 'EIP-155 v');
    assert.equal(Transaction.from(legacy as string).from, ref.address);

    assert.deepEqual(
      asked.map((a) => a.method),
      [
        'eth_requestAccounts',
        'personal_sign',
        'personal_sign',
        'eth_signTypedData_v4',
        'eth_signTransaction',
        'eth_sendTransaction',
        'eth_signTransaction',
      ],
      'every connection, signature and transaction was approved by the app, reads were not asked',
    );
    assert.ok(asked.every((a) => a.chainId === CHAIN));
    assert.equal(asked[1]!.address, ref.address);
  });

  test('ethers BrowserProvider: signer, messages, typed data and sendTransaction', async () => {
    const { provider } = setup();
    const browser = new BrowserProvider(provider);
    const signer = await browser.getSigner();
    assert.equal(await signer.getAddress(), ref.address);
    assert.equal((await browser.getNetwork()).chainId, BigInt(CHAIN));
    const sig = await signer.signMessage('hello ethers');
    assert.equal(ethersVerifyMessage('hello ethers', sig), ref.address);
    assert.equal(sig, await ref.signMessage({ message: 'hello ethers' }));
    const types = { Person: [...TYPED.types.Person], Mail: [...TYPED.types.Mail] };
    const tsig = await signer.signTypedData(TYPED.domain, types, TYPED.message);
    assert.equal(ethersVerifyTypedData(TYPED.domain, types, TYPED.message, tsig), ref.address);
    const before = node.sent.length;
    const resp = await signer.sendTransaction({ to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', value: 12345n });
    assert.equal(node.sent.length, before + 1);
    const tx = Transaction.from(node.sent.at(-1)!);
    assert.equal(tx.from, ref.address);
    assert.equal(tx.value, 12345n);
    assert.equal(tx.chainId, BigInt(CHAIN));
    assert.equal(resp.hash, tx.hash);
    assert.equal(resp.from, ref.address);
    assert.equal(await browser.getBalance(ref.address), 10n ** 18n, 'reads are forwarded to the node');
  });

  test('every EIP-1193 / EIP-1474 error code', async () => {
    let allow = true;
    const { provider } = setup((r) => (r.method === 'eth_requestAccounts' ? true : allow));
    const req = (method: string, params?: unknown[]) => provider.request({ method, ...(params ? { params } : {}) });
    // 4100: not yet authorized.
    await rejectsRpc(req('personal_sign', ['0x00', ref.address]), ProviderErrorCode.UNAUTHORIZED, 'before connect');
    await rejectsRpc(req('eth_sendTransaction', [{ to: ref.address }]), 4100, 'send before connect');
    await req('eth_requestAccounts');
    // 4100: another account.
    await rejectsRpc(req('personal_sign', ['0x00', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8']), 4100, 'other account');
    // 4001: the app's hook says no (or throws).
    allow = false;
    const e = await rejectsRpc(req('personal_sign', ['0x00', ref.address]), ProviderErrorCode.USER_REJECTED, 'rejected');
    assert.match(e.message, /rejected/);
    await rejectsRpc(req('wallet_switchEthereumChain', [{ chainId: '0x5' }]), 4001, 'switch rejected');
    allow = true;
    // 4200: unknown or refused methods.
    await rejectsRpc(req('wallet_doSomething'), ProviderErrorCode.UNSUPPORTED_METHOD, 'unknown');
    await rejectsRpc(req('eth_sign', [ref.address, `0x${'00'.repeat(32)}`]), 4200, 'eth_sign');
    await rejectsRpc(req('eth_signTypedData_v3', [ref.address, '{}']), 4200, 'v3');
    // -32602: invalid params.
    for (const [m, p] of [
      ['personal_sign', [42, ref.address]],
      ['personal_sign', ['0x00', 'not an address']],
      ['eth_signTypedData_v4', [ref.address, '{not json']],
      ['eth_signTypedData_v4', [ref.address, { types: {}, message: {} }]],
      ['eth_signTypedData_v4', [ref.address, JSON.stringify({ ...TYPED, domain: { ...TYPED.domain, chainId: 1 } })]],
      ['eth_signTypedData_v4', [ref.address, JSON.stringify({ ...TYPED, primaryType: 'Nope' })]],
      ['eth_sendTransaction', [{ to: ref.address, value: 'ten' }]],
      ['eth_sendTransaction', [{ to: 'nowhere' }]],
      ['eth_sendTransaction', [{ to: ref.address, chainId: '0x1' }]],
      ['eth_sendTransaction', [{ to: ref.address, type: '0x7' }]],
      ['eth_sendTransaction', [{ value: '0x1' }]],
      ['eth_sendTransaction', ['0x']],
      ['wallet_switchEthereumChain', [{ chainId: 5 }]],
      ['wallet_addEthereumChain', [{ chainId: '0xa', rpcUrls: ['ftp://x'] }]],
    ] as [string, unknown[]][])
      await rejectsRpc(req(m, p), ProviderErrorCode.INVALID_PARAMS, `${m} ${JSON.stringify(p)}`);
    await rejectsRpc(provider.request({ method: 'eth_chainId', params: { a: 1 } }), -32602, 'by-name params');
    await rejectsRpc(provider.request(null as never), -32602, 'no request');
    // 4902: a chain it does not know.
    await rejectsRpc(req('wallet_switchEthereumChain', [{ chainId: '0x89' }]), ProviderErrorCode.UNRECOGNIZED_CHAIN, 'unknown chain');
    // The node's own errors come through with its code.
    await rejectsRpc(req('eth_sendRawTransaction', ['0xdead']), -32000, 'node error');
    await rejectsRpc(req('eth_getLogs', [{}]), -32601, 'node: no such method');
    // 4901: a chain with no RPC URL, and an RPC that cannot be reached.
    await req('wallet_switchEthereumChain', [{ chainId: '0x5' }]);
    await rejectsRpc(req('eth_blockNumber'), ProviderErrorCode.CHAIN_DISCONNECTED, 'no rpc url');
    await rejectsRpc(req('eth_sendTransaction', [{ to: ref.address }]), 4901, 'send without rpc');
    const dead = createEip1193Provider({
      signer: { keystore: new FakeKeystore(root), keyId: 'k1' },
      chains: [{ chainId: 1, rpcUrl: 'http://127.0.0.1:9/' }],
      approve: () => true,
    });
    await rejectsRpc(dead.request({ method: 'eth_blockNumber' }), 4901, 'unreachable rpc');
    // 4900: after disconnect(), everything.
    provider.disconnect();
    assert.equal(provider.isConnected(), false);
    await rejectsRpc(req('eth_chainId'), ProviderErrorCode.DISCONNECTED, 'disconnected');
    await rejectsRpc(req('eth_accounts'), 4900, 'disconnected accounts');
    // -32603: a signer that fails in a way that is not the dApp's (it signs with another key than its address).
    const other = root.derive("m/44'/60'/0'/0/9").privateKey!;
    const broken = createEip1193Provider({
      signer: {
        address: ref.address,
        async signDigest(d: Uint8Array) {
          const { signature, recovery } = secp256k1.sign(d, other);
          return { r: signature.slice(0, 32), s: signature.slice(32), recovery: recovery as 0 | 1 };
        },
      },
      chains: [{ chainId: CHAIN, rpcUrl: node.url }],
      approve: () => true,
    });
    await broken.request({ method: 'eth_requestAccounts' });
    const internal = await rejectsRpc(
      broken.request({ method: 'personal_sign', params: ['0x01', ref.address] }),
      ProviderErrorCode.INTERNAL,
    );
    assert.deepEqual(internal.data, { vaultkeyCode: 'INVALID_SIGNATURE' });
  });

  test('vault lock and unlock: accounts empty and accountsChanged [], then back', async () => {
    const { ks, provider, events } = setup();
    await provider.request({ method: 'eth_requestAccounts' });
    events.length = 0;
    ks.lock();
    assert.deepEqual(events, [['accountsChanged', []]]);
    assert.deepEqual(await provider.request({ method: 'eth_accounts' }), []);
    const locked = await rejectsRpc(provider.request({ method: 'personal_sign', params: ['0x01', ref.address] }), 4100, 'locked');
    assert.match(locked.message, /locked/);
    await rejectsRpc(provider.request({ method: 'eth_requestAccounts' }), 4100, 'request while locked');
    assert.equal(ks.signs, 0, 'nothing was signed while locked');
    ks.unlock();
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(events.slice(1), [['accountsChanged', [ref.address]]]);
    assert.deepEqual(await provider.request({ method: 'eth_accounts' }), [ref.address]);
    // Disconnect: the EIP-1193 event with a 4900 error.
    provider.disconnect();
    assert.deepEqual(events.at(-1), ['disconnect', 4900]);
  });

  test('a vault locked when the provider starts: no accounts until it unlocks', async () => {
    const ks = new FakeKeystore(root);
    ks.state = 'locked';
    const provider = createEip1193Provider({ signer: { keystore: ks, keyId: 'k1' }, chains: [{ chainId: CHAIN }], approve: () => true });
    await rejectsRpc(provider.request({ method: 'eth_requestAccounts' }), 4100);
    ks.unlock();
    assert.deepEqual(await provider.request({ method: 'eth_requestAccounts' }), [ref.address]);
  });

  test('a rotated Keystore key: accountsChanged names the new address; a transaction for the old one is refused', async () => {
    const { ks, provider, events } = setup();
    await provider.request({ method: 'eth_requestAccounts' });
    events.length = 0;
    ks.rotate();
    await new Promise((r) => setTimeout(r, 10));
    const next = mnemonicToAccount(MNEMONIC, { accountIndex: 1 }).address;
    assert.deepEqual(events, [['accountsChanged', [next]]]);
    assert.deepEqual(await provider.request({ method: 'eth_accounts' }), [next]);
    await rejectsRpc(provider.request({ method: 'personal_sign', params: ['0x01', ref.address] }), 4100, 'old account');
    const sig = await provider.request({ method: 'personal_sign', params: ['0x01', next] });
    assert.ok(await verifyMessage({ address: next, message: { raw: '0x01' }, signature: sig as Hex }));
  });

  test('wallet_addEthereumChain then wallet_switchEthereumChain: chainChanged, reads go to the new chain’s node', async () => {
    const { provider, events, asked } = setup();
    const params = [
      { chainId: '0xa', chainName: 'OP', rpcUrls: [node2.url], nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 } },
    ];
    assert.equal(await provider.request({ method: 'wallet_addEthereumChain', params }), null);
    assert.equal(await provider.request({ method: 'eth_chainId' }), numberToHex(CHAIN), 'adding does not switch');
    assert.equal(await provider.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: '0xa' }] }), null);
    assert.deepEqual(events.at(-1), ['chainChanged', '0xa']);
    assert.equal(provider.chainId, 10);
    const calls = node2.calls.length;
    assert.equal(await provider.request({ method: 'net_version' }), '10');
    assert.equal(node2.calls.length, calls + 1);
    assert.deepEqual(
      asked.map((a) => a.method),
      ['wallet_addEthereumChain', 'wallet_switchEthereumChain'],
    );
    // Switching to the chain it is on asks nothing.
    await provider.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: '0xa' }] });
    assert.equal(asked.length, 2);
  });

  test('EIP-6963: announces { info, provider } and answers eip6963:requestProvider', async () => {
    const { provider } = setup();
    const target = new EventTarget();
    const seen: { info: Record<string, string>; provider: VaultkeyEip1193Provider }[] = [];
    target.addEventListener('eip6963:announceProvider', (e) => seen.push((e as CustomEvent).detail));
    const stop = provider.announceProvider({ name: 'Vaultkey', rdns: 'dev.vaultkey.wallet' }, target);
    assert.equal(seen.length, 1);
    const { info } = seen[0]!;
    assert.equal(info.name, 'Vaultkey');
    assert.equal(info.rdns, 'dev.vaultkey.wallet');
    assert.match(info.uuid!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(info.icon!, /^data:image\/svg\+xml;base64,/);
    assert.ok(Object.isFrozen(seen[0]) && Object.isFrozen(info));
    assert.equal(seen[0]!.provider, provider);
    target.dispatchEvent(new Event('eip6963:requestProvider'));
    assert.equal(seen.length, 2);
    assert.equal(seen[1]!.info.uuid, info.uuid, 'the same uuid for the page session');
    stop();
    target.dispatchEvent(new Event('eip6963:requestProvider'));
    assert.equal(seen.length, 2);
    for (const bad of [
      { name: '', rdns: 'a.b' },
      { name: 'x', rdns: 'nodots' },
      { name: 'x', rdns: 'a.b', icon: 'https://x/icon.png' },
      { name: 'x', rdns: 'a.b', uuid: '1' },
    ])
      assert.throws(
        () => provider.announceProvider(bad, target),
        (e: unknown) => e instanceof VaultkeyError && e.code === 'INVALID_ARGUMENT',
      );
    assert.throws(
      () => provider.announceProvider({ name: 'x', rdns: 'a.b' }),
      (e: unknown) => e instanceof VaultkeyError && e.code === 'UNSUPPORTED',
    );
  });

  test('bad options are VaultkeyError INVALID_ARGUMENT', () => {
    const signer = { keystore: new FakeKeystore(root), keyId: 'k1' };
    for (const o of [
      null,
      { signer, chains: [{ chainId: 1 }] },
      { signer, chains: [], approve: () => true },
      { signer, chains: [{ chainId: 0 }], approve: () => true },
      { signer, chains: [{ chainId: 1, rpcUrl: 'ws://x' }], approve: () => true },
      { signer, chains: [{ chainId: 1 }], chainId: 2, approve: () => true },
    ])
      assert.throws(
        () => createEip1193Provider(o as never),
        (e: unknown) => e instanceof VaultkeyError && e.code === 'INVALID_ARGUMENT',
      );
  });

  test('a Ledger (emulated Ethereum app) behind the provider: the device signs, its refusals are EIP-1193 codes', async () => {
    const app = new EthereumAppEmulator();
    const eth = new LedgerEth({ exchange: async (apdu: Uint8Array) => app.handle(apdu) ?? new Promise<Uint8Array>(() => {}) });
    const device = mnemonicToAccount(TEST_MNEMONIC);
    const provider = createEip1193Provider({
      signer: await ledgerSigner(eth),
      chains: [{ chainId: CHAIN, rpcUrl: node.url }],
      approve: () => true,
    });
    const wallet = createWalletClient({ transport: custom(provider) });
    assert.deepEqual(await wallet.requestAddresses(), [device.address]);
    const sig = await wallet.signMessage({ account: device.address, message: 'on the device' });
    assert.equal(sig, await device.signMessage({ message: 'on the device' }));
    const typed = await wallet.signTypedData({ account: device.address, ...TYPED });
    assert.equal(typed, await device.signTypedData(TYPED));
    const before = node.sent.length;
    await wallet.sendTransaction({ account: device.address, to: device.address, value: 7n, chain: null });
    assert.equal(await recoverTransactionAddress({ serializedTransaction: node.sent[before]! as never }), device.address);
    // The device saw the message, the EIP-712 hashes and the transaction (INS 08, 0C, 04), never a bare digest.
    const ins = new Set(app.apdus.map((a) => a.slice(2, 4)));
    for (const i of ['08', '0c', '04']) assert.ok(ins.has(i), `INS ${i}`);
    // Rejected on the device: 4001; a device locked with its PIN: 4100.
    app.switches.reject = true;
    const rejected = await rejectsRpc(
      provider.request({ method: 'personal_sign', params: ['0x01', device.address] }),
      4001,
      'device reject',
    );
    assert.deepEqual(rejected.data, { vaultkeyCode: 'USER_REJECTED' });
    app.switches.reject = false;
    app.switches.locked = true;
    await rejectsRpc(provider.request({ method: 'personal_sign', params: ['0x01', device.address] }), 4100, 'device locked');
  });
});
