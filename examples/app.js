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
const clock = (t) => new Date(t).toLocaleTimeString();
const refreshState = () => {
  const s = ks.session;
  $('vault-state').textContent = `vault: ${ks.state}${s ? `, session as ${s.principalId} until ${clock(s.expiresAt)}` : ''}`;
};
ks.addEventListener('lock', refreshState);
ks.addEventListener('unlock', refreshState);
refreshState();
/** Fills the key picker: keeps `pick` or the current choice if it still exists, else selects the newest key. */
let keysJob = Promise.resolve();
function refreshKeys(pick) {
  const fill = async () => {
    const sel = $('key');
    const keep = pick ?? sel.value;
    const keys = (await ks.keys()).sort((a, b) => b.createdAt - a.createdAt);
    sel.replaceChildren(
      ...keys.map((k) => new Option(`${k.id}  ${k.label}${k.type === 'imported' ? ` (${k.curve ?? 'secp256k1'})` : ''}`, k.id)),
    );
    if (keys.some((k) => k.id === keep)) sel.value = keep;
  };
  // One at a time, so a refresh started by a 'change' event cannot undo a newer choice.
  return (keysJob = keysJob.then(fill, fill));
}
function currentKey() {
  const id = $('key').value;
  if (!id) throw new Error('create or unlock the vault first');
  return id;
}
// Another tab changed the vault: refresh the list; if this tab is locked the next unlock refreshes it.
ks.addEventListener('change', () => void refreshKeys().catch(() => {}));
async function vaultSummary() {
  await refreshKeys();
  if (!$('key').value) return 'vault is empty';
  const eth = await ks.getAddress(currentKey(), 'ethereum', 0);
  return `key ${currentKey()}\nEthereum address ${eth.address} (${eth.path})`;
}
$('key').onchange = show('vault-out', vaultSummary);
$('vault-create').onclick = show('vault-out', async () => {
  await ks.create({ passphrase: $('vault-pass').value });
  await ks.generate();
  refreshState();
  return vaultSummary();
});
$('vault-unlock').onclick = show(
  'vault-out',
  async () => (await ks.unlock({ passphrase: $('vault-pass').value }), refreshState(), vaultSummary()),
);
$('vault-passkey-add').onclick = show('vault-out', async () => (await ks.addPasskey(), 'passkey enrolled (WebAuthn PRF)'));
$('vault-passkey-unlock').onclick = show('vault-out', async () => (await ks.unlock({ passkey: true }), refreshState(), vaultSummary()));
$('vault-sign').onclick = show('vault-out', async () => {
  const r = await ks.signMessage(currentKey(), 'hello vaultkey');
  return `EIP-191 signature by ${r.address}\n${hex(r.signature)}`;
});
$('vault-lock').onclick = show('vault-out', async () => (await ks.lock(), refreshState(), 'locked: secrets zeroed in the worker'));

// Lifecycle panel: states, rotation and the keystore's events as they arrive.
const when = (t) => (t == null ? '-' : new Date(t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC');
async function describeRecord(r) {
  const p = (await ks.policies()).find((x) => x.name === r.policy);
  return [
    `${r.keyId}  version ${r.version}, ${r.kind} ${r.algorithm ?? ''}`,
    `state         ${r.state}`,
    `policy        ${r.policy}${p ? `: rotate after ${p.maxActiveAgeDays} d, expire after ${p.expirationDays} d, grace ${p.gracePeriodDays} d, auto-rotate ${p.autoRotate}` : ''}`,
    `activated     ${when(r.activatedAt)}`,
    `rotation due  ${when(r.rotationDueAt)}`,
    `expires       ${when(r.expiresAt)}`,
    r.graceEndsAt ? `grace ends    ${when(r.graceEndsAt)}` : '',
    `used          ${r.usageCount} time(s)${r.lastUsedAt ? `, last ${when(r.lastUsedAt)}` : ''}`,
    r.predecessor ? `predecessor   ${r.predecessor}` : '',
    r.successor ? `successor     ${r.successor}` : '',
    'history',
    ...r.history.map((h) => `  ${when(h.at)}  ${h.from ?? 'new'} -> ${h.to}  by ${h.actor}: ${h.reason}`),
  ]
    .filter(Boolean)
    .join('\n');
}
$('lc-record').onclick = show('lc-out', async () => describeRecord(await ks.lifecycleRecord(currentKey())));
async function afterRotation({ oldKeyId, newKeyId }) {
  await refreshKeys(newKeyId ?? oldKeyId);
  if (!newKeyId) return `${oldKeyId} marked compromised (no successor made)`;
  const eth = await ks.getAddress(newKeyId, 'ethereum', 0);
  return `${oldKeyId} -> ${newKeyId}\nnew Ethereum address ${eth.address} (${eth.path})\n\n${await describeRecord(await ks.lifecycleRecord(newKeyId))}`;
}
$('lc-rotate').onclick = show('lc-out', async () =>
  afterRotation(await ks.rotateKey(currentKey(), { reason: 'manual rotation from the demo' })),
);
$('lc-emergency').onclick = show('lc-out', async () => {
  const id = currentKey();
  if (!confirm(`Mark ${id} compromised now (it stops signing and verifying) and replace it with a key from a fresh seed?`))
    return 'cancelled';
  return afterRotation(await ks.emergencyRotate(id, { reason: 'emergency rotation from the demo' }));
});
$('lc-suspend').onclick = show('lc-out', async () =>
  describeRecord(await ks.suspendKey(currentKey(), { reason: 'suspended from the demo' })),
);
$('lc-resume').onclick = show('lc-out', async () => describeRecord(await ks.resumeKey(currentKey(), { reason: 'resumed from the demo' })));
$('lc-report').onclick = show('lc-out', async () => {
  const r = await ks.lifecycleReport();
  const list = (ids) => (ids.length ? ids.join(', ') : '-');
  const states = Object.entries(r.byState)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  return [
    `report at ${when(r.at)}: ${r.totalKeys} key(s), ${r.activeKeys} active (${states || 'none'})`,
    `needing rotation   ${list(r.needingRotation)}`,
    `rotation due soon  ${list(r.rotationDueSoon)}`,
    `expiring soon      ${list(r.expiringSoon)}`,
    `expired            ${list(r.expired)}`,
    `in grace period    ${list(r.inGrace)}`,
  ].join('\n');
});
const EVENTS = [
  'warning',
  'rotation-due',
  'rotated',
  'expired',
  'deactivated',
  'suspended',
  'compromised',
  'destroyed',
  'transition',
  'compromise-indicator',
  'critical',
  'audit-tampered',
];
function logEvent(e) {
  const d = e.detail ?? {};
  const parts =
    e.type === 'audit-tampered'
      ? [`first broken link: entry ${d.index} (seq ${d.seq}) ${d.reason}`]
      : [
          d.keyId,
          d.to ? `${d.from ?? 'new'} -> ${d.to}` : '',
          d.newKeyId ? `successor ${d.newKeyId}` : '',
          d.kind,
          d.trigger,
          d.severity,
          d.indicator,
          d.action,
          d.reason ?? d.details,
          d.actor ? `by ${d.actor}` : '',
          d.remote ? '(another tab)' : '',
        ];
  const log = $('lc-events');
  log.textContent += `${clock(Date.now())}  ${e.type.padEnd(20)} ${parts.filter(Boolean).join('  ')}\n`;
  log.scrollTop = log.scrollHeight;
}
for (const t of EVENTS) ks.addEventListener(t, logEvent);
ks.addEventListener('error', (e) => logEvent({ type: 'scheduler-error', detail: { reason: e.error?.code ?? String(e.error) } }));

// Access & audit panel.
/** Saves bytes or text as a file: a Blob URL and a click on an <a download> (no inline script, CSP-safe). */
function download(data, filename, type) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
const describeChain = (v) =>
  v.ok ? `audit chain intact: ${v.entries} entries` : `audit chain BROKEN at entry ${v.index} (seq ${v.seq}): ${v.reason}, ${v.message}`;
$('p-add').onclick = show('access-out', async () => {
  const p = await ks.addPrincipal({
    id: $('p-id').value.trim(),
    type: 'service',
    name: $('p-name').value.trim(),
    roles: [$('p-role').value],
  });
  return `principal ${p.id} (${p.name}) with role ${p.roles.join(', ')}: unlock as it to act with only those permissions`;
});
$('p-unlock').onclick = show('access-out', async () => {
  await ks.unlock({ passphrase: $('vault-pass').value }, { principalId: $('p-id').value.trim() });
  refreshState();
  const s = ks.session;
  return `session ${s.id} as ${s.principalId}, expires ${clock(s.expiresAt)}\ntry the other panels: calls outside this role fail with PERMISSION_DENIED`;
});
$('p-reverify').onclick = show('access-out', async () => {
  await ks.reverify({ passphrase: $('vault-pass').value });
  return `verified again at ${clock(ks.session.verifiedAt)}: sensitive operations allowed for 5 minutes`;
});
$('audit-verify').onclick = show('access-out', async () => describeChain(await ks.verifyAuditLog()));
$('audit-download').onclick = show('access-out', async () => {
  const jsonl = await ks.exportAuditLog();
  download(jsonl, 'vaultkey-audit.jsonl', 'application/x-ndjson');
  return `${jsonl.split('\n').filter(Boolean).length} entries saved as vaultkey-audit.jsonl (MACs included)`;
});
$('audit-report').onclick = show('access-out', async () => {
  const r = await ks.auditReport({ since: Date.now() - 24 * 3600_000, until: Date.now() });
  const counts = (o) =>
    Object.entries(o)
      .map(([k, c]) => `  ${k.padEnd(28)} ${c.total} (${c.failure} failed)`)
      .join('\n') || '  -';
  const rate = r.successRate === null ? '-' : `${(r.successRate * 100).toFixed(1)} %`;
  return [
    `last 24 h: ${r.totalEvents} events, ${r.successCount} ok, ${r.failureCount} failed, success rate ${rate}`,
    'by operation',
    counts(r.byOperation),
    'by principal',
    counts(r.byPrincipal),
    describeChain(r.integrity),
  ].join('\n');
});

// Backup & recovery panel. Every call that lets a secret out checks the vault passphrase again, in the worker.
const vaultProof = () => ({ passphrase: $('vault-pass').value });
const bar = (f) => ($('bk-progress').value = f);
const describeRestore = (r) =>
  [
    `vault changed: ${r.committed ? 'yes' : 'no'}`,
    `restored  ${r.restored.join(', ') || '-'}`,
    `skipped   ${r.skipped.map((x) => `${x.id} (${x.reason})`).join(', ') || '-'}`,
    `failed    ${r.failed.map((x) => `${x.id} (${x.code})`).join(', ') || '-'}`,
  ].join('\n');
async function chosenFile() {
  const f = $('bk-file').files[0];
  if (!f) throw new Error('choose a .vkbk file first');
  return new Uint8Array(await f.arrayBuffer());
}
$('bk-make').onclick = show('bk-out', async () => {
  bar(0);
  const file = await ks.backup({ passphrase: $('bk-pass').value, proof: vaultProof(), onProgress: bar });
  download(file, 'vault.vkbk', 'application/octet-stream');
  return `vault.vkbk: ${file.length} bytes, ${(await ks.keys()).length} key(s) with their lifecycle records`;
});
$('bk-verify').onclick = show('bk-out', async () => {
  bar(0);
  const s = await ks.verifyBackup(await chosenFile(), { passphrase: $('bk-pass').value }, { onProgress: bar });
  return [
    `backup of ${when(s.createdAt)}, Argon2id t=${s.header.kdf.t} m=${s.header.kdf.m} KiB: opens with this passphrase`,
    ...s.keys.map((k) => `  ${k.id}  ${k.label}${k.hasMnemonic ? '  (with recovery phrase)' : ''}`),
  ].join('\n');
});
$('bk-restore').onclick = show('bk-out', async () => {
  bar(0);
  const r = await ks.restoreBackup(
    await chosenFile(),
    { passphrase: $('bk-pass').value },
    { conflict: $('bk-conflict').value, onProgress: bar },
  );
  await refreshKeys();
  return describeRestore(r);
});
let custody = null; // the demo keeps the share bytes in memory to show a restore; real custodians get the texts
$('bk-shares').onclick = show('bk-out', async () => {
  custody = await ks.backupToShares({ threshold: 2, shares: 3, proof: vaultProof(), onProgress: bar });
  download(custody.file, 'vault-custodians.vkbk', 'application/octet-stream');
  return [
    `vault-custodians.vkbk (${custody.file.length} bytes): useless without 2 of these 3 shares; print one for each custodian`,
    ...custody.shareTexts.map((t, i) => `share ${i + 1}: ${t}`),
  ].join('\n');
});
$('bk-shares-restore').onclick = show('bk-out', async () => {
  if (!custody) throw new Error('make a custodian backup first');
  const r = await ks.restoreBackup(custody.file, { shares: [custody.shares[0], custody.shares[2]] }, { conflict: $('bk-conflict').value });
  await refreshKeys();
  return describeRestore(r);
});
function hidePhrase() {
  $('rp-out').textContent = '';
  const c = $('rp-qr');
  c.getContext('2d')?.clearRect(0, 0, c.width, c.height);
  c.width = c.height = 0;
}
$('rp-show').onclick = show('rp-out', async () => {
  hidePhrase();
  const passphrase = $('rp-pass').value;
  $('rp-pass').value = '';
  const phrase = await ks.exportMnemonic(currentKey(), { passphrase });
  const { toCanvas } = await import('../build/demo/qrcode.js'); // bundled by `npm start` (scripts/demo-assets.mjs)
  await toCanvas($('rp-qr'), phrase, { errorCorrectionLevel: 'M', margin: 2, scale: 4 });
  return phrase;
});
$('rp-hide').onclick = hidePhrase;
ks.addEventListener('lock', hidePhrase);
$('v3-import').onclick = show('v3-out', async () => {
  const k = await ks.importKeystoreV3($('v3-json').value, $('v3-pass').value, { label: 'keystore v3' });
  $('v3-pass').value = '';
  await refreshKeys(k.id);
  return `imported ${k.id}, Ethereum address ${k.address}`;
});
$('v3-export').onclick = show('v3-out', async () => {
  const id = currentKey();
  const [info] = (await ks.keys()).filter((k) => k.id === id);
  // An HD key is exported at its own default Ethereum address (a rotated version has its own seed, or its own account).
  const eth = info.type === 'hd' ? await ks.getAddress(id, 'ethereum', 0) : null;
  const json = await ks.exportKeystoreV3(id, $('v3-pass').value, { ...(eth ? { path: eth.path } : {}), proof: vaultProof() });
  $('v3-pass').value = '';
  download(json, `${id}.json`, 'application/json');
  return `${id}.json saved: address 0x${JSON.parse(json).address}${eth ? ` (${eth.path})` : ''}, scrypt n=2^18 as geth writes it`;
});
await refreshKeys();

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

// Every handler is in place (the browser test waits for this).
document.body.dataset.ready = 'true';
