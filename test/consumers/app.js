// The app both consumer fixtures build (test/consumers.browser.test.ts): what a dApp
// does with vaultkey, through the package's own export map. It reports to
// window.consumer; the test verifies every signature in Node with viem and
// ethers.
import { Keystore, WorkerPool, VaultkeyError } from 'vaultkey';
import { init, sha256, secp256k1 } from 'vaultkey/core';
import { toVaultkeyAccount } from 'vaultkey/viem';
import { VaultkeySigner } from 'vaultkey/ethers';
import { ETHERS_TX, MESSAGE, TYPED, VIEM_TXS } from './shared.js';

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const utf8 = (s) => new TextEncoder().encode(s);

async function run(bundler) {
  const out = { bundler };

  // vaultkey/core on the main thread.
  await init();
  out.sha256abc = hex(sha256(utf8('abc')));
  const priv = sha256(utf8('consumer test key'));
  const digest = sha256(utf8('consumer test digest'));
  const sig = secp256k1.sign(digest, priv);
  out.core = { publicKey: hex(secp256k1.getPublicKey(priv)), digest: hex(digest), signature: hex(sig.signature), recovery: sig.recovery };

  // A worker pool from the main entry: the bundler had to follow new URL('./worker.js', import.meta.url).
  const pool = await WorkerPool.create({ size: 2 });
  try {
    out.poolSha256 = hex(await pool.call('sha256', utf8('abc')));
    out.poolBatch = (await pool.batch('sha256', [[utf8('a')], [utf8('b')], [utf8('c')]])).map(hex);
  } finally {
    pool.terminate();
  }

  // A vault (IndexedDB + the vault worker), a fresh key, and both adapters on it.
  const ks = await Keystore.open({ name: `consumer-${bundler}-${Date.now().toString(36)}` });
  await ks.create({ passphrase: 'correct horse battery staple' });
  const key = await ks.generate();
  try {
    const account = await toVaultkeyAccount({ keystore: ks, keyId: key.id });
    out.viem = {
      address: account.address,
      message: await account.signMessage({ message: MESSAGE(bundler) }),
      typed: await account.signTypedData(TYPED),
      tx: await account.signTransaction(VIEM_TXS.eip1559),
      legacyTx: await account.signTransaction(VIEM_TXS.legacy),
    };
    const signer = await VaultkeySigner.create({ keystore: ks, keyId: key.id, index: 1 });
    out.ethers = {
      address: await signer.getAddress(),
      expected: (await ks.getAddress(key.id, 'ethereum', 1)).address,
      message: await signer.signMessage(MESSAGE(bundler)),
      typed: await signer.signTypedData(TYPED.domain, TYPED.types, TYPED.message),
      tx: await signer.signTransaction(ETHERS_TX),
    };
    // Ed25519 in the vault worker: a lazy part (docs/vault.md "Lazy parts"), a chunk of the app's own
    // bundle that the page imports when the worker asks and the worker checks by digest.
    const edMessage = utf8(`ed25519 ${bundler}`);
    const ed = await ks.sign(key.id, edMessage, { curve: 'ed25519' });
    out.ed25519 = { message: hex(edMessage), signature: hex(ed.signature), publicKey: hex(ed.publicKey) };
    // A backup file, written and read back: its formats run in the backup worker that the vault
    // worker starts itself, so the bundler had to follow the vault worker's own
    // new URL('./backup-worker.js', import.meta.url) too (docs/vault.md "Lazy parts").
    const file = await ks.backupFile({
      passphrase: 'consumer backup passphrase',
      kdf: { t: 1, m: 256, p: 1 },
      proof: { passphrase: 'correct horse battery staple' },
    });
    const summary = await ks.verifyBackup(file, { passphrase: 'consumer backup passphrase' });
    out.backup = { keyId: key.id, keys: summary.keys.map((k) => k.id) };
    // Locked: the adapters surface the vault's own error.
    await ks.lock();
    try {
      await account.signMessage({ message: 'locked' });
      out.lockedError = null;
    } catch (e) {
      out.lockedError = e instanceof VaultkeyError ? e.code : String(e);
    }
  } finally {
    ks.close();
  }
  return out;
}

export function start(bundler) {
  run(bundler).then(
    (r) => {
      window.consumer = { ok: true, result: r };
    },
    (e) => {
      window.consumer = { ok: false, error: `${e?.name}: ${e?.code ?? ''} ${e?.message}\n${e?.stack ?? ''}` };
    },
  );
}
