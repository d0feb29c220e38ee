// vaultkey/eip1193 in Debian's Chromium over a real Keystore (IndexedDB vault,
// key in its Web Worker): the provider announces itself with EIP-6963, a dApp
// finds it with wevm's mipd store (what wagmi uses), connects through viem's
// `custom` transport and signs a message, EIP-712 typed data and a transaction.
// Node checks every signature with viem against the same mnemonic's account.
// Locking the vault empties the accounts (accountsChanged []), unlocking brings
// them back.
//
// The page loads dist/ as it is served; viem and mipd (the dApp's libraries,
// bare specifiers in dist/eip1193.js) are bundled here with esbuild and mapped
// by an import map, as a bundler would resolve them.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parseTransaction, recoverTransactionAddress, verifyMessage, verifyTypedData, type Hex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { browserSuite, watchErrors } from './helpers/browser.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const PASS = 'correct horse battery staple';
const ref = mnemonicToAccount(MNEMONIC);
const TYPED = {
  domain: { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
  types: {
    Person: [{ name: 'name', type: 'string' }],
    Mail: [
      { name: 'from', type: 'Person' },
      { name: 'contents', type: 'string' },
    ],
  },
  primaryType: 'Mail',
  message: { from: { name: 'Cow' }, contents: 'Hello, Bob!' },
} as const;
const TX = {
  type: 'eip1559',
  chainId: 1,
  nonce: 3,
  to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  value: 1000n,
  gas: 21000n,
  maxFeePerGas: 2_000_000_000n,
  maxPriorityFeePerGas: 1_000_000_000n,
} as const;

const s = browserSuite();
/** The dApp side's libraries, bundled: URL name → code. */
const deps = new Map<string, string>();
const SPECIFIERS = {
  viem: 'viem',
  'viem-accounts': 'viem/accounts',
  'viem-utils': 'viem/utils',
  'viem-actions': 'viem/actions',
  mipd: 'mipd',
};

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vaultkey-eip1193-'));
  try {
    const entryPoints: Record<string, string> = {};
    for (const [name, spec] of Object.entries(SPECIFIERS)) {
      writeFileSync(join(dir, `${name}.js`), `export * from '${spec}';\n`);
      entryPoints[name] = join(dir, `${name}.js`);
    }
    const r = await build({
      entryPoints,
      bundle: true,
      splitting: true,
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

const importMap = () =>
  JSON.stringify({ imports: Object.fromEntries(Object.entries(SPECIFIERS).map(([name, spec]) => [spec, `/__deps/${name}.js`])) });

test('EIP-6963 discovery with mipd finds the provider; viem signs through it over a real Keystore; lock empties the accounts', async () => {
  const page = await s.context.newPage();
  const errors = watchErrors(page);
  // The dApp page (no CSP: an inline import map) and its bundled libraries; dist/ comes from the server.
  await page.route('**/__deps/**', (route) => {
    const code = deps.get(new URL(route.request().url()).pathname.slice('/__deps/'.length));
    return code === undefined ? route.fulfill({ status: 404 }) : route.fulfill({ contentType: 'text/javascript', body: code });
  });
  await page.route('**/__dapp.html', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="importmap">${importMap()}</script><title>dApp</title>`,
    }),
  );
  // tsx (esbuild keepNames) wraps the callback's arrow functions in __name(); the page needs it defined.
  await page.addInitScript('globalThis.__name = (f) => f;');
  await page.goto(s.base + '__dapp.html');

  const r = await page.evaluate(
    async ([mnemonic, pass, typed, tx]) => {
      const { Keystore } = await import('/dist/index.js' as string);
      const { createEip1193Provider } = await import('/dist/eip1193.js' as string);
      const { createStore } = await import('mipd' as string);
      const { createWalletClient, custom } = await import('viem' as string);

      const ks = await Keystore.open({ name: `eip1193-${Math.random()}` });
      await ks.create({ passphrase: pass });
      const key = await ks.createFromMnemonic(mnemonic);
      // A dApp's store exists before the wallet announces (it hears the announcement) ...
      const early = createStore();
      const asked: string[] = [];
      const events: [string, unknown][] = [];
      const provider = createEip1193Provider({
        signer: { keystore: ks, keyId: key.id },
        chains: [{ chainId: 1 }],
        approve: async (q: { method: string }) => asked.push(q.method) > 0,
      });
      provider.on('accountsChanged', (a: string[]) => events.push(['accountsChanged', a]));
      const stop = provider.announceProvider({ name: 'Vaultkey test', rdns: 'dev.vaultkey.test' });
      // ... and one made after it asks (eip6963:requestProvider) and hears it too.
      const late = createStore();
      const found = early.findProvider({ rdns: 'dev.vaultkey.test' });
      const foundLate = late.findProvider({ rdns: 'dev.vaultkey.test' });
      const discovery = {
        early: found?.provider === provider,
        late: foundLate?.provider === provider,
        info: found?.info,
        sameUuid: found?.info.uuid === foundLate?.info.uuid,
      };
      stop();

      const wallet = createWalletClient({ transport: custom(found.provider) });
      const [address] = await wallet.requestAddresses();
      const message = await wallet.signMessage({ account: address, message: 'hello from the page' });
      const typedSig = await wallet.signTypedData({ account: address, ...typed });
      const raw = await found.provider.request({
        method: 'eth_signTransaction',
        params: [
          {
            from: address,
            to: tx.to,
            type: '0x2',
            chainId: '0x1',
            nonce: `0x${tx.nonce.toString(16)}`,
            value: `0x${tx.value.toString(16)}`,
            gas: `0x${tx.gas.toString(16)}`,
            maxFeePerGas: `0x${tx.maxFeePerGas.toString(16)}`,
            maxPriorityFeePerGas: `0x${tx.maxPriorityFeePerGas.toString(16)}`,
          },
        ],
      });

      await ks.lock();
      const lockedAccounts = await provider.request({ method: 'eth_accounts' });
      const lockedCode = await provider.request({ method: 'personal_sign', params: ['0x01', address] }).then(
        () => 'signed',
        (e: { code: number }) => e.code,
      );
      await ks.unlock({ passphrase: pass });
      await new Promise((res) => setTimeout(res, 50));
      const unlockedAccounts = await provider.request({ method: 'eth_accounts' });
      return { discovery, address, message, typedSig, raw, asked, events, lockedAccounts, lockedCode, unlockedAccounts };
    },
    [
      MNEMONIC,
      PASS,
      TYPED,
      {
        ...TX,
        value: Number(TX.value),
        gas: Number(TX.gas),
        maxFeePerGas: Number(TX.maxFeePerGas),
        maxPriorityFeePerGas: Number(TX.maxPriorityFeePerGas),
      },
    ] as const,
  );

  assert.deepEqual(errors, []);
  assert.equal(r.discovery.early, true, 'a store made before the announcement found the provider');
  assert.equal(r.discovery.late, true, 'a store made after it found it through eip6963:requestProvider');
  assert.equal(r.discovery.sameUuid, true);
  assert.equal(r.discovery.info.name, 'Vaultkey test');
  assert.match(r.discovery.info.icon, /^data:image\//);

  assert.equal(r.address, ref.address, 'the Keystore key at m/44’/60’/0’/0/0');
  assert.equal(r.message, await ref.signMessage({ message: 'hello from the page' }), 'personal_sign identical to viem');
  assert.ok(await verifyMessage({ address: ref.address, message: 'hello from the page', signature: r.message as Hex }));
  assert.equal(r.typedSig, await ref.signTypedData(TYPED), 'eth_signTypedData_v4 identical to viem');
  assert.ok(await verifyTypedData({ address: ref.address, ...TYPED, signature: r.typedSig as Hex }));
  assert.equal(r.raw, await ref.signTransaction(TX), 'eth_signTransaction identical to viem');
  assert.equal(await recoverTransactionAddress({ serializedTransaction: r.raw as never }), ref.address);
  assert.equal(parseTransaction(r.raw as Hex).value, 1000n);

  assert.deepEqual(r.asked, ['eth_requestAccounts', 'personal_sign', 'eth_signTypedData_v4', 'eth_signTransaction']);
  assert.deepEqual(r.lockedAccounts, []);
  assert.equal(r.lockedCode, 4100);
  assert.deepEqual(r.unlockedAccounts, [ref.address]);
  assert.deepEqual(r.events, [
    ['accountsChanged', [ref.address]],
    ['accountsChanged', []],
    ['accountsChanged', [ref.address]],
  ]);
  await page.close();
});
