// The demo dApp: plain ESM against the built bundles, no bundler.
import * as core from '../dist/core.js';
import { WorkerPool, deriveAddressesParallel, Keystore } from '../dist/index.js';
import { BridgeClient } from '../dist/bridge-client.js';

const $ = (id) => document.getElementById(id);
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const utf8 = (s) => new TextEncoder().encode(s);

function show(id, fn) {
  return async () => {
    const out = $(id);
    out.classList.remove('error');
    try {
      out.textContent = await fn();
    } catch (e) {
      out.classList.add('error');
      out.textContent = e.code ? `${e.code}: ${e.message}` : String(e);
    }
  };
}

await core.init();
const pool = await WorkerPool.create();

$('gen').onclick = () => ($('phrase').value = core.generateMnemonic(128));
$('seed').onclick = show('seed-out', async () => {
  const phrase = $('phrase').value.trim();
  if (!core.validateMnemonic(phrase)) return 'not a valid English BIP-39 phrase (checksum or word list)';
  const seed = await core.mnemonicToSeed(phrase, $('passphrase').value);
  return `seed: ${hex(seed)}\nPBKDF2 path chosen by measurement: ${core.pbkdf2Backend()}`;
});
async function account() {
  const phrase = $('phrase').value.trim();
  if (!core.validateMnemonic(phrase)) throw new Error('generate or type a valid phrase first');
  const seed = await core.mnemonicToSeed(phrase, $('passphrase').value);
  const root = core.HDKey.fromMasterSeed(seed);
  seed.fill(0);
  const [purpose, coinType] = $('purpose').value.split(':').map(Number);
  const acct = core.Account.fromRoot(root, { purpose, coinType });
  root.wipe();
  return acct;
}
$('addresses').onclick = show('hd-out', async () => {
  const acct = await account();
  const lines = [`account key: ${acct.xpub}`];
  for (let i = 0; i < 5; i++) {
    const a = acct.nextReceive();
    lines.push(`${a.path.padEnd(22)} ${a.address}`);
  }
  return lines.join('\n');
});
$('scan').onclick = show('hd-out', async () => {
  const acct = await account();
  const receive = core.HDKey.fromExtendedKey(acct.xpub).deriveChild(0).publicExtendedKey;
  const t0 = performance.now();
  const addrs = await deriveAddressesParallel(pool, receive, 0, 10000, acct.format, acct.network);
  const ms = performance.now() - t0;
  return `${addrs.length} ${acct.format} addresses on ${pool.size} workers in ${ms.toFixed(0)} ms\nfirst: ${addrs[0]}\nlast:  ${addrs[addrs.length - 1]}`;
});
// Vault panel: the page only ever sees addresses, signatures and handles.
const ks = await Keystore.open({ name: 'vaultkey-demo', autoLockMs: 5 * 60_000 });
const refreshState = () => ($('vault-state').textContent = `vault: ${ks.state}`);
ks.addEventListener('lock', refreshState);
ks.addEventListener('unlock', refreshState);
refreshState();
async function vaultSummary() {
  const [key] = await ks.keys();
  if (!key) return 'vault is empty';
  const eth = await ks.getAddress(key.id, 'ethereum', 0);
  return `key ${key.id}\nEthereum address ${eth.address}`;
}
$('vault-create').onclick = show('vault-out', async () => {
  await ks.create({ passphrase: $('vault-pass').value });
  await ks.generate();
  refreshState();
  return vaultSummary();
});
$('vault-unlock').onclick = show('vault-out', async () => (await ks.unlock({ passphrase: $('vault-pass').value }), refreshState(), vaultSummary()));
$('vault-passkey-add').onclick = show('vault-out', async () => (await ks.addPasskey(), 'passkey enrolled (WebAuthn PRF)'));
$('vault-passkey-unlock').onclick = show('vault-out', async () => (await ks.unlock({ passkey: true }), refreshState(), vaultSummary()));
$('vault-sign').onclick = show('vault-out', async () => {
  const [key] = await ks.keys();
  const r = await ks.signMessage(key.id, 'hello vaultkey');
  return `EIP-191 signature by ${r.address}\n${hex(r.signature)}`;
});
$('vault-lock').onclick = show('vault-out', async () => (await ks.lock(), refreshState(), 'locked: secrets zeroed in the worker'));

// Ledger panel: loaded on demand so pages that never connect do not pay for it.
$('ledger-connect').onclick = show('ledger-out', async () => {
  const { connectLedger } = await import('../dist/ledger.js');
  const eth = await connectLedger();
  const { address } = await eth.getAddress("m/44'/60'/0'/0/0", { display: true });
  return `Ledger address ${address} (confirmed on the device)`;
});

// HSM panel: keys generated in the bridge's PKCS#11 token never leave it.
const bridge = new BridgeClient({ tokenStorage: 'session' });
let hsmKey = null;
$('pair').onclick = show('hsm-out', async () => {
  await bridge.pair();
  return 'pairing started: type the code the bridge printed in its terminal';
});
$('pair-done').onclick = show('hsm-out', async () => {
  await bridge.completePairing($('pair-code').value);
  return 'paired: this origin now holds a bearer token for the bridge';
});
$('hsm-gen').onclick = show('hsm-out', async () => {
  hsmKey = await bridge.generateKey('secp256k1', { label: 'demo' });
  return `key ${hsmKey.id}\npublic key ${hex(hsmKey.publicKey)}\nEthereum address ${core.addressOf(hsmKey.publicKey, 'ethereum')}`;
});
$('hsm-sign').onclick = show('hsm-out', async () => {
  if (!hsmKey) throw new Error('generate a key first');
  const digest = core.sha256(utf8('hello'));
  const sig = await bridge.sign(hsmKey.id, digest, { prehashed: true });
  const ok = core.secp256k1.verify(sig.signature, digest, hsmKey.publicKey);
  return `signature ${hex(sig.signature)} (recovery ${sig.recovery})\nverified by vaultkey/core: ${ok}`;
});

$('hash').onclick = show('hash-out', () => {
  const d = utf8($('text').value);
  return `sha256  ${hex(core.sha256(d))}\nsha512  ${hex(core.sha512(d))}\nhash160 ${hex(core.hash160(d))}`;
});
$('batch').onclick = show('batch-out', async () => {
  const calls = Array.from({ length: 64 }, (_, i) => [utf8(`password ${i}`), utf8('mnemonic'), 2048, 64]);
  const t0 = performance.now();
  await pool.batch('pbkdf2Sha512', calls);
  return `${calls.length} seeds on ${pool.size} workers in ${(performance.now() - t0).toFixed(0)} ms`;
});
