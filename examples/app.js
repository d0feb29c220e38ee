// The demo wallet: plain ESM against the built bundles, no bundler. Every key
// operation is a Keystore call (the vault worker holds seeds and private keys);
// the page sees addresses, public keys, signatures and key ids.
import * as core from '../dist/core.js';
import { WorkerPool, deriveAddressesParallel, Keystore } from '../dist/index.js';
import { BridgeClient } from '../dist/bridge-client.js';
import { $, act, fmt, fmtClock, render, ui } from './ui.js';
import { describe, renderRows, serializeSigned, txDigest, typedDataDigest } from './sign-review.js';

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const utf8 = (s) => new TextEncoder().encode(s);
const AUTO_LOCK_MS = 5 * 60_000;

await core.init();
const pool = await WorkerPool.create();
const ks = await Keystore.open({ name: 'vaultkey-demo', autoLockMs: AUTO_LOCK_MS });

// ---- vault state, always visible ----

let lastCall = 0; // when the last Keystore call ended: the worker's idle timer restarts at each call
let lockReason = null;
const LOCK_REASONS = {
  idle: `after ${AUTO_LOCK_MS / 60_000} minutes without activity`,
  remote: 'in another tab',
  pagehide: 'when the page was hidden',
  compromise: 'because a key was reported compromised',
};
function showState() {
  const bar = $('state-bar');
  bar.dataset.state = ui.vault;
  const s = ks.session;
  const badge = { loading: 'Loading…', empty: 'No vault', locked: 'Locked', unlocked: 'Unlocked' }[ui.vault];
  $('state-badge').textContent = badge;
  let text = '';
  if (ui.vault === 'empty') text = 'No vault in this browser yet.';
  else if (ui.vault === 'locked')
    text = `Locked${lockReason ? ` ${LOCK_REASONS[lockReason] ?? ''}` : ''}. Secrets are zeroed in the worker.`;
  else if (ui.vault === 'unlocked' && s) {
    const idle = fmtClock(Math.min(lastCall + AUTO_LOCK_MS, s.expiresAt));
    text = `${ui.keys.length} wallet(s). Signed in as ${s.principalId}; locks at ${idle} unless used.`;
  }
  $('vault-state').textContent = text;
}
setInterval(showState, 15_000);

/** Re-reads state, methods and keys from the worker (status() is no activity: it does not hold the vault open). */
async function refresh({ record = true } = {}) {
  const st = await ks.status();
  ui.vault = st.state;
  ui.passkeys = st.methods.filter((m) => m.kind === 'passkey').length;
  ui.keys = [...st.keys].sort((a, b) => a.createdAt - b.createdAt);
  if (ui.key && !ui.keys.some((k) => k.id === ui.key.id)) ui.key = null;
  if (!ui.key && ui.keys.length) ui.key = ui.keys[ui.keys.length - 1];
  if (ui.key) ui.key = ui.keys.find((k) => k.id === ui.key.id);
  fillPicker();
  if (!record) {
    showState();
    render();
    return;
  }
  ui.keyState = null;
  if (ui.key && ui.vault === 'unlocked') {
    try {
      ui.keyState = (await ks.lifecycleRecord(ui.key.id)).state;
      lastCall = Date.now();
    } catch {
      // A session without key:read cannot see the record: the lifecycle buttons stay disabled.
    }
  }
  showState();
  render();
}
const keyName = (k) => `${k.label} · ${k.type === 'hd' ? 'recovery phrase' : `imported ${k.curve ?? 'secp256k1'} key`} · ${k.id}`;
function fillPicker() {
  const sel = $('key');
  sel.replaceChildren(...ui.keys.map((k) => new Option(keyName(k), k.id)));
  if (ui.key) sel.value = ui.key.id;
}
/** Selects `id` as the current wallet, then refreshes. */
async function select(id) {
  ui.key = ui.keys.find((k) => k.id === id) ?? { id };
  await refresh();
}
const currentKey = () => {
  if (!ui.key) throw new Error('Pick a wallet first.');
  return ui.key.id;
};
/** The wallet as one line, with its Ethereum address and the path it was derived at (none for an imported key). */
async function describeWallet(id) {
  const k = ui.keys.find((x) => x.id === id);
  const eth = await ks.getAddress(id, 'ethereum', 0);
  const where = eth.path ? `at ${eth.path}` : '(imported key: no derivation path)';
  return `${k ? k.label : 'wallet'} (${id})\nEthereum address ${eth.address} ${where}`;
}

ks.addEventListener('lock', (e) => {
  lockReason = e.detail?.reason ?? null;
  ui.vault = ui.vault === 'empty' ? 'empty' : 'locked';
  ui.keyState = null;
  hidePhrase();
  showState();
  render();
});
// Another tab unlocked or changed the vault: the list follows. (No lifecycle read here: a call would count as
// activity and the scheduler's own writes would then keep the vault from ever locking when idle.)
ks.addEventListener('unlock', () => void refresh({ record: false }).catch(() => {}));
ks.addEventListener('change', () => void refresh({ record: false }).catch(() => {}));

/** Wires a Keystore step: after it, state and keys are read again and the idle clock restarts. */
const vaultAct = (id, out, step, opts = {}) =>
  act(id, out, step, {
    ...opts,
    after: async () => {
      lastCall = Date.now();
      await refresh().catch(() => {});
    },
  });
const vaultPass = () => $('vault-pass').value;
/** The vault passphrase as a fresh proof, when typed (rotate, suspend… need one from the last 5 minutes). */
const maybeProof = () => (vaultPass() ? { proof: { passphrase: vaultPass() } } : {});

// ---- 1. vault ----

vaultAct(
  'vault-create',
  'vault-out',
  async () => {
    await ks.create({ passphrase: vaultPass() });
    lockReason = null;
    return 'Vault created and unlocked. Add a wallet in the Wallets panel: a new one, or your existing recovery phrase.';
  },
  { wait: 'Creating the vault (deriving its key from your passphrase)…' },
);
vaultAct(
  'vault-unlock',
  'vault-out',
  async () => {
    await ks.unlock({ passphrase: vaultPass() });
    lockReason = null;
    return 'Unlocked.';
  },
  { wait: 'Checking the passphrase…' },
);
vaultAct(
  'vault-passkey-unlock',
  'vault-out',
  async ({ signal }) => {
    await ks.unlock({ passkey: true, signal });
    lockReason = null;
    return 'Unlocked with your passkey.';
  },
  { wait: 'Waiting for your passkey: follow the browser’s prompt (touch, fingerprint or PIN)…', cancel: true },
);
vaultAct(
  'vault-passkey-add',
  'vault-out',
  async ({ signal }) => {
    await ks.addPasskey({ signal, userName: 'vaultkey demo' });
    return 'Passkey added: you can now unlock with it, as well as with the passphrase.';
  },
  {
    wait: 'Waiting for your authenticator: follow the browser’s prompt to create a passkey…',
    cancel: true,
    errors: { ALREADY_EXISTS: 'This authenticator already holds a passkey for this vault.' },
  },
);
vaultAct('vault-lock', 'vault-out', async () => {
  await ks.lock();
  lockReason = 'manual';
  return 'Locked: the worker zeroed every secret it held.';
});

// Enter in the passphrase field does what the vault's state allows: create or unlock.
$('vault-pass').addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  const b = ['vault-create', 'vault-unlock'].map($).find((x) => !x.disabled);
  b?.click();
});

// ---- 2. wallets ----

$('key').addEventListener('change', () => {
  $('wallet-out').textContent = '';
  void select($('key').value);
});
vaultAct('wallet-new', 'wallet-out', async () => {
  const k = await ks.generate({ label: `Wallet ${ui.keys.length + 1}` });
  await select(k.id);
  return `New wallet made in the worker.\n${await describeWallet(k.id)}\nWrite its recovery phrase down: Backup & recovery → Show recovery phrase.`;
});
vaultAct('vault-sign', 'wallet-out', async () => {
  const r = await ks.signMessage(currentKey(), 'hello vaultkey');
  return `EIP-191 signature by ${r.address}\n${hex(r.signature)}`;
});
// ---- sign requests: reviewed in a dialog, signed by the vault only after Approve ----

/** Shows the decoded request; resolves true on Approve, false on Reject, Escape or closing. */
function reviewDialog(req, address) {
  const d = $('review');
  const { title, rows } = describe(req);
  $('review-h').textContent = title;
  $('review-who').textContent = `Signer: ${address} (wallet ${currentKey()})`;
  $('review-body').replaceChildren(renderRows(rows));
  d.returnValue = '';
  d.showModal();
  // Reject first: the safe choice is where Enter lands (showModal focuses the dialog's first control anyway).
  $('review-reject').focus();
  // Escape closes a modal dialog with an empty returnValue: a rejection.
  return new Promise((ok) => d.addEventListener('close', () => ok(d.returnValue === 'approve'), { once: true }));
}
const SAMPLE_SPENDER = '0x1111111254EEB25477B68fb85Ed929f73A960582';
const SAMPLE_RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const SAMPLES = {
  message: () => ({ kind: 'message', bytes: utf8('Sign in to vaultkey demo dApp\nNonce: 8f3a1c\nIssued: 2026-12-05') }),
  // EIP-2612 permit for USDC on mainnet (domain as the token contract publishes it).
  typed: (owner) => ({
    kind: 'typed',
    typedData: {
      domain: { name: 'USD Coin', version: '2', chainId: 1, verifyingContract: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48' },
      types: {
        Permit: [
          { name: 'owner', type: 'address' },
          { name: 'spender', type: 'address' },
          { name: 'value', type: 'uint256' },
          { name: 'nonce', type: 'uint256' },
          { name: 'deadline', type: 'uint256' },
        ],
      },
      primaryType: 'Permit',
      message: { owner, spender: SAMPLE_SPENDER, value: '250000000', nonce: '0', deadline: '1798761600' },
    },
  }),
  tx: () => ({
    kind: 'tx',
    tx: {
      chainId: 1,
      nonce: 7,
      maxPriorityFeePerGas: 1_500_000_000n,
      maxFeePerGas: 30_000_000_000n,
      gas: 21000n,
      to: SAMPLE_RECIPIENT,
      value: 12_300_000_000_000_000n,
      data: '0x',
    },
  }),
};
const sig65 = (r) => (r.signature.length === 65 ? r.signature : Uint8Array.of(...r.signature, 27 + r.recovery));
for (const [kind, make] of Object.entries(SAMPLES)) {
  vaultAct(
    `sign-${kind}`,
    'sign-out',
    async () => {
      const id = currentKey();
      const eth = await ks.getAddress(id, 'ethereum', 0);
      const req = make(eth.address);
      if (!(await reviewDialog(req, eth.address))) return `rejected: nothing was signed (${kind})`;
      const opts = eth.path ? { path: eth.path } : {};
      if (kind === 'message') {
        const r = await ks.signMessage(id, req.bytes, opts);
        return `approved: EIP-191 signature by ${eth.address}\nsignature 0x${hex(sig65(r))}`;
      }
      if (kind === 'typed') {
        const r = await ks.sign(id, typedDataDigest(req.typedData), opts);
        return `approved: EIP-712 signature by ${eth.address}\nsignature 0x${hex(sig65(r))}`;
      }
      const r = await ks.sign(id, txDigest(req.tx), opts);
      return `approved: transaction signed by ${eth.address}\nraw ${serializeSigned(req.tx, r.signature.subarray(0, 64), r.recovery)}`;
    },
    { wait: 'Waiting for your review of the request…' },
  );
}
vaultAct(
  'import-mnemonic',
  'import-out',
  async () => {
    const phrase = $('import-phrase').value;
    const k = await ks.createFromMnemonic(phrase, {
      bip39Passphrase: $('import-bip39').value,
      label: $('import-label').value.trim() || 'Imported wallet',
    });
    $('import-phrase').value = '';
    $('import-bip39').value = '';
    await select(k.id);
    return `Imported and selected.\n${await describeWallet(k.id)}`;
  },
  { wait: 'Checking the phrase and deriving its seed in the worker…' },
);
vaultAct(
  'v3-import',
  'v3-out',
  async ({ progress }) => {
    const k = await ks.importKeystoreV3($('v3-json').value, $('v3-pass').value, { label: 'Keystore import', onProgress: progress });
    $('v3-pass').value = '';
    await select(k.id);
    return `Imported and selected: ${k.id}\nEthereum address ${k.address}`;
  },
  {
    wait: 'Decrypting the keystore (scrypt, a few seconds)…',
    errors: { WRONG_PASSPHRASE: 'That password does not open this keystore file.' },
  },
);
vaultAct(
  'v3-export',
  'v3-out',
  async ({ progress }) => {
    const id = currentKey();
    const eth = await ks.getAddress(id, 'ethereum', 0);
    const json = await ks.exportKeystoreV3(id, $('v3-pass').value, {
      ...(eth.path ? { path: eth.path } : {}),
      proof: { passphrase: vaultPass() },
      onProgress: progress,
    });
    $('v3-pass').value = '';
    download(json, `${id}.json`, 'application/json');
    return `${id}.json saved: address 0x${JSON.parse(json).address}${eth.path ? ` (${eth.path})` : ''}, scrypt n=2^18 as geth writes it.`;
  },
  {
    wait: 'Encrypting the key (scrypt, a few seconds)…',
    errors: {
      WEAK_PASSPHRASE: 'Choose a keystore password of 8 or more characters.',
      WRONG_PASSPHRASE: 'Exporting needs the vault passphrase (Vault panel) to be right.',
    },
  },
);

// ---- 3. addresses, all derived in the vault worker ----

const ACCOUNTS = {
  ethereum: { path: "m/44'/60'/0'", format: 'ethereum' },
  bitcoin: { path: "m/84'/0'/0'", format: 'p2wpkh' },
  'bitcoin-taproot': { path: "m/86'/0'/0'", format: 'p2tr' },
  'bitcoin-nested-segwit': { path: "m/49'/0'/0'", format: 'p2sh-p2wpkh' },
  'bitcoin-legacy': { path: "m/44'/0'/0'", format: 'p2pkh' },
};
vaultAct('addresses', 'hd-out', async () => {
  const id = currentKey();
  const chain = $('purpose').value;
  const first = await ks.getAddress(id, chain, 0);
  // The account of this key (a key rotated to its next account derives there), read off the first address's path.
  const account = first.path.split('/').slice(0, 4).join('/');
  const lines = [`account ${account}: ${await ks.deriveXpub(id, account)}`, `${first.path.padEnd(22)} ${first.address}`];
  for (let i = 1; i < 5; i++) {
    const a = await ks.getAddress(id, chain, i);
    lines.push(`${a.path.padEnd(22)} ${a.address}`);
  }
  return lines.join('\n');
});
vaultAct(
  'scan',
  'hd-out',
  async ({ signal, progress }) => {
    const id = currentKey();
    const chain = $('purpose').value;
    const first = await ks.getAddress(id, chain, 0);
    const receive = first.path.split('/').slice(0, 5).join('/');
    const xpub = await ks.deriveXpub(id, receive);
    const t0 = performance.now();
    const all = [];
    const CHUNK = 1000;
    for (let i = 0; i < 10_000; i += CHUNK) {
      if (signal.aborted) return `Stopped after ${all.length} addresses.`;
      all.push(...(await deriveAddressesParallel(pool, xpub, i, CHUNK, ACCOUNTS[chain].format)));
      progress(all.length / 10_000);
    }
    const ms = performance.now() - t0;
    return `${all.length} ${ACCOUNTS[chain].format} addresses on ${pool.size} workers in ${ms.toFixed(0)} ms\nfirst: ${all[0]} (${receive}/0)\nlast:  ${all[all.length - 1]} (${receive}/9999)`;
  },
  { wait: 'Deriving 10,000 addresses on the worker pool…', cancel: true },
);

// ---- 4. lifecycle ----

async function describeRecord(r) {
  const p = (await ks.policies()).find((x) => x.name === r.policy);
  return [
    `${r.keyId}  version ${r.version}, ${r.kind} ${r.algorithm ?? ''}`,
    `state         ${r.state}`,
    `policy        ${r.policy}${p ? `: rotate after ${p.maxActiveAgeDays} d, expire after ${p.expirationDays} d, grace ${p.gracePeriodDays} d, auto-rotate ${p.autoRotate}` : ''}`,
    `activated     ${fmt(r.activatedAt)}`,
    `rotation due  ${fmt(r.rotationDueAt)}`,
    `expires       ${fmt(r.expiresAt)}`,
    r.graceEndsAt ? `grace ends    ${fmt(r.graceEndsAt)}` : '',
    `used          ${r.usageCount} time(s)${r.lastUsedAt ? `, last ${fmt(r.lastUsedAt)}` : ''}`,
    r.predecessor ? `predecessor   ${r.predecessor}` : '',
    r.successor ? `successor     ${r.successor}` : '',
    'history',
    ...r.history.map((h) => `  ${fmt(h.at)}  ${h.from ?? 'new'} -> ${h.to}  by ${h.actor}: ${h.reason}`),
  ]
    .filter(Boolean)
    .join('\n');
}
vaultAct('lc-record', 'lc-out', async () => describeRecord(await ks.lifecycleRecord(currentKey())));
async function afterRotation({ oldKeyId, newKeyId }) {
  if (!newKeyId) return `${oldKeyId} marked compromised (no successor made).`;
  await select(newKeyId);
  const eth = await ks.getAddress(newKeyId, 'ethereum', 0);
  const where = eth.path ? ` (${eth.path})` : '';
  return `${oldKeyId} -> ${newKeyId}, now the current wallet\nnew Ethereum address ${eth.address}${where}\n\n${await describeRecord(await ks.lifecycleRecord(newKeyId))}`;
}
vaultAct('lc-rotate', 'lc-out', async () =>
  afterRotation(await ks.rotateKey(currentKey(), { reason: 'manual rotation from the demo', ...maybeProof() })),
);
/** An in-page confirmation (no window.confirm: it blocks the page and cannot be styled or labelled). */
function confirmDialog(text) {
  const d = $('confirm');
  $('confirm-text').textContent = text;
  d.returnValue = '';
  d.showModal();
  return new Promise((ok) => d.addEventListener('close', () => ok(d.returnValue === 'ok'), { once: true }));
}
vaultAct(
  'lc-emergency',
  'lc-out',
  async () => {
    const id = currentKey();
    const yes = await confirmDialog(
      `Mark ${id} compromised now? It stops signing and verifying at once, and is replaced by a wallet with a fresh recovery phrase (write the new phrase down afterwards).`,
    );
    if (!yes) return 'Nothing changed.';
    return afterRotation(await ks.emergencyRotate(id, { reason: 'emergency rotation from the demo', ...maybeProof() }));
  },
  { wait: 'Waiting for your confirmation…' },
);
vaultAct('lc-suspend', 'lc-out', async () =>
  describeRecord(await ks.suspendKey(currentKey(), { reason: 'suspended from the demo', ...maybeProof() })),
);
vaultAct('lc-resume', 'lc-out', async () =>
  describeRecord(await ks.resumeKey(currentKey(), { reason: 'resumed from the demo', ...maybeProof() })),
);
vaultAct('lc-report', 'lc-out', async () => {
  const r = await ks.lifecycleReport();
  const list = (ids) => (ids.length ? ids.join(', ') : '-');
  const states = Object.entries(r.byState)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  return [
    `report at ${fmt(r.at)}: ${r.totalKeys} key(s), ${r.activeKeys} active (${states || 'none'})`,
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
  // The latest lines only, newest last: the log never needs its own scrollbar (or a focus stop for one).
  const lines = `${log.textContent}${fmtClock(Date.now())}  ${e.type.padEnd(20)} ${parts.filter(Boolean).join('  ')}\n`.split('\n');
  log.textContent = lines.slice(-21).join('\n');
}
for (const t of EVENTS) ks.addEventListener(t, logEvent);
ks.addEventListener('error', (e) => logEvent({ type: 'scheduler-error', detail: { reason: e.error?.code ?? String(e.error) } }));

// ---- 5. access & audit ----

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
vaultAct('p-add', 'access-out', async () => {
  const p = await ks.addPrincipal({
    id: $('p-id').value.trim(),
    type: 'service',
    name: $('p-name').value.trim(),
    roles: [$('p-role').value],
  });
  return `Principal ${p.id} (${p.name}) with role ${p.roles.join(', ')}. Lock, then "Unlock as this principal" to act with only those permissions.`;
});
vaultAct(
  'p-unlock',
  'access-out',
  async () => {
    await ks.unlock({ passphrase: vaultPass() }, { principalId: $('p-id').value.trim() });
    lockReason = null;
    const s = ks.session;
    return `Signed in as ${s.principalId} until ${fmt(s.expiresAt)}. Calls outside this role are refused (PERMISSION_DENIED).`;
  },
  { wait: 'Checking the vault passphrase…' },
);
vaultAct('p-reverify', 'access-out', async () => {
  await ks.reverify({ passphrase: vaultPass() });
  return `Verified again at ${fmt(ks.session.verifiedAt)}: sensitive operations are allowed for 5 minutes.`;
});
vaultAct('audit-verify', 'access-out', async () => describeChain(await ks.verifyAuditLog()));
vaultAct('audit-download', 'access-out', async () => {
  const jsonl = await ks.exportAuditLog();
  download(jsonl, 'vaultkey-audit.jsonl', 'application/x-ndjson');
  return `${jsonl.split('\n').filter(Boolean).length} entries saved as vaultkey-audit.jsonl (MACs included)`;
});
vaultAct('audit-report', 'access-out', async () => {
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

// ---- 6. backup & recovery ----

const BACKUP_ERRORS = { WRONG_PASSPHRASE: 'That passphrase does not open this backup file.' };
const describeRestore = (r) =>
  [
    r.committed ? 'Restored.' : 'Nothing was written to the vault.',
    `restored  ${r.restored.join(', ') || '-'}`,
    `skipped   ${r.skipped.map((x) => `${x.id} (${x.reason === 'exists' ? 'already in the vault' : x.reason})`).join(', ') || '-'}`,
    `failed    ${r.failed.map((x) => `${x.id} (${x.code})`).join(', ') || '-'}`,
  ].join('\n');
async function chosenFile() {
  const f = $('bk-file').files[0];
  if (!f) throw new Error('Choose a .vkbk file first.');
  return new Uint8Array(await f.arrayBuffer());
}
$('bk-file').addEventListener('change', () => {
  ui.file = $('bk-file').files.length > 0;
  render();
});
vaultAct(
  'bk-make',
  'bk-out',
  async ({ progress }) => {
    const file = await ks.backup({ passphrase: $('bk-pass').value, proof: { passphrase: vaultPass() }, onProgress: progress });
    download(file, 'vault.vkbk', 'application/octet-stream');
    return `vault.vkbk saved: ${file.length} bytes, ${ui.keys.length} wallet(s) with their lifecycle records.`;
  },
  {
    wait: 'Encrypting the backup (Argon2id, 64 MiB)…',
    errors: {
      WRONG_PASSPHRASE: 'A backup needs the vault passphrase (Vault panel) to be right.',
      WEAK_PASSPHRASE: 'Choose a backup passphrase of 8 or more characters.',
    },
  },
);
vaultAct(
  'bk-verify',
  'bk-out',
  async ({ progress }) => {
    const s = await ks.verifyBackup(await chosenFile(), { passphrase: $('bk-pass').value }, { onProgress: progress });
    return [
      `Backup of ${fmt(s.createdAt)} (Argon2id t=${s.header.kdf.t} m=${s.header.kdf.m} KiB) opens with this passphrase. It holds:`,
      ...s.keys.map((k) => `  ${k.id}  ${k.label}${k.hasMnemonic ? '  (with recovery phrase)' : ''}`),
    ].join('\n');
  },
  { wait: 'Opening the backup (Argon2id, 64 MiB)…', errors: BACKUP_ERRORS },
);
vaultAct(
  'bk-restore',
  'bk-out',
  async ({ progress }) => {
    const fresh = ui.vault === 'empty';
    const r = await ks.restoreBackup(
      await chosenFile(),
      { passphrase: $('bk-pass').value },
      {
        conflict: $('bk-conflict').value,
        onProgress: progress,
        ...(fresh ? { createVault: { passphrase: $('bk-newpass').value } } : {}),
      },
    );
    if (fresh) lockReason = null;
    if (r.restored.length) await select(r.restored[r.restored.length - 1]);
    return `${fresh ? 'New vault created. ' : ''}${describeRestore(r)}`;
  },
  {
    wait: 'Opening the backup and restoring (Argon2id, 64 MiB)…',
    errors: { ...BACKUP_ERRORS, WEAK_PASSPHRASE: 'Choose a passphrase of 8 or more characters for the new vault.' },
  },
);
let custody = null; // the demo keeps the share bytes in memory to show a restore; real custodians get the texts
vaultAct(
  'bk-shares',
  'bk-out',
  async ({ progress }) => {
    custody = await ks.backupToShares({ threshold: 2, shares: 3, proof: { passphrase: vaultPass() }, onProgress: progress });
    ui.custody = true;
    download(custody.file, 'vault-custodians.vkbk', 'application/octet-stream');
    return [
      `vault-custodians.vkbk (${custody.file.length} bytes) saved: useless without 2 of these 3 shares. Give one to each custodian.`,
      ...custody.shareTexts.map((t, i) => `share ${i + 1}: ${t}`),
    ].join('\n');
  },
  { wait: 'Making the custodian backup…' },
);
vaultAct('bk-shares-restore', 'bk-out', async ({ progress }) => {
  const r = await ks.restoreBackup(
    custody.file,
    { shares: [custody.shares[0], custody.shares[2]] },
    { conflict: $('bk-conflict').value, onProgress: progress },
  );
  return describeRestore(r);
});

function hidePhrase() {
  $('rp-out').textContent = '';
  const c = $('rp-qr');
  c.getContext('2d')?.clearRect(0, 0, c.width, c.height);
  c.width = c.height = 0;
  c.hidden = true;
  $('rp-hide').disabled = true;
}
vaultAct(
  'rp-show',
  'rp-out',
  async () => {
    hidePhrase();
    const id = currentKey();
    const passphrase = $('rp-pass').value;
    $('rp-pass').value = '';
    const phrase = await ks.exportMnemonic(id, { passphrase });
    const eth = await ks.getAddress(id, 'ethereum', 0);
    const { toCanvas } = await import('../build/demo/qrcode.js'); // bundled by `npm start` (scripts/demo-assets.mjs)
    const c = $('rp-qr');
    c.hidden = false;
    await toCanvas(c, phrase, { errorCorrectionLevel: 'M', margin: 2, scale: 4 });
    $('rp-hide').disabled = false;
    return [
      phrase,
      '',
      `Wallet ${id}: its Ethereum address ${eth.address} is at ${eth.path} of this phrase`,
      '(any BIP-39 wallet restores it: enter the phrase, then this derivation path).',
    ].join('\n');
  },
  { errors: { WRONG_PASSPHRASE: 'That is not the vault passphrase: the phrase stays hidden.' } },
);
$('rp-hide').addEventListener('click', hidePhrase);

// ---- 7. Ledger: loaded on demand so pages that never connect do not pay for it ----

act(
  'ledger-connect',
  'ledger-out',
  async ({ signal }) => {
    if (!('hid' in navigator)) throw Object.assign(new Error(), { code: 'WEBHID_UNSUPPORTED' });
    const { openLedgerDevice } = await import('../dist/ledger.js');
    // The browser's device chooser answers as soon as the person picks or closes it (no 60 s wait for a device that is not there).
    const [device] = await navigator.hid.requestDevice({ filters: [{ vendorId: 0x2c97 }] });
    if (!device) return 'No device chosen.';
    const eth = await openLedgerDevice(device);
    const stop = new Promise((_, no) => signal.addEventListener('abort', () => no(Object.assign(new Error(), { code: 'ABORTED' }))));
    try {
      const { address } = await Promise.race([eth.getAddress("m/44'/60'/0'/0/0", { display: true }), stop]);
      return `Ledger address ${address} (confirmed on the device)`;
    } finally {
      await eth.close().catch(() => {});
    }
  },
  { vault: false, wait: 'Waiting for the Ledger: pick it in the browser’s list, then confirm the address on the device…', cancel: true },
);

// ---- 8. HSM: keys generated in the bridge's PKCS#11 token never leave it ----

const bridge = new BridgeClient({ tokenStorage: 'session' });
let hsmKey = null;
let pairing = false;
act(
  'pair',
  'hsm-out',
  async () => {
    const p = await bridge.pair();
    pairing = true;
    $('pair-code').focus();
    return `The bridge printed a pairing code in its terminal (valid until ${fmt(p.expiresAt)}). Type it above and press step 2.`;
  },
  { vault: false, wait: 'Asking the bridge…' },
);
act(
  'pair-done',
  'hsm-out',
  async () => {
    if (!pairing) throw new Error('Press step 1 first: the bridge prints a code only when this page asks for one.');
    await bridge.completePairing($('pair-code').value.trim());
    $('pair-code').value = '';
    return 'Paired: this page now holds a token for the bridge (for this browser session).';
  },
  { vault: false, wait: 'Checking the code with the bridge…' },
);
act(
  'hsm-gen',
  'hsm-out',
  async () => {
    hsmKey = await bridge.generateKey('secp256k1', { label: 'demo' });
    $('hsm-sign').disabled = false;
    return `Key ${hsmKey.id} made in the HSM\npublic key ${hex(hsmKey.publicKey)}\nEthereum address ${core.addressOf(hsmKey.publicKey, 'ethereum')}`;
  },
  { vault: false, wait: 'The HSM is generating a key…', after: () => ($('hsm-sign').disabled = !hsmKey) },
);
act(
  'hsm-sign',
  'hsm-out',
  async () => {
    const digest = core.sha256(utf8('hello'));
    const sig = await bridge.sign(hsmKey.id, digest, { prehashed: true });
    const ok = core.secp256k1.verify(sig.signature, digest, hsmKey.publicKey);
    return `signature ${hex(sig.signature)} (recovery ${sig.recovery})\nverified on this page by vaultkey/core: ${ok}`;
  },
  { vault: false, wait: 'The HSM is signing…', after: () => ($('hsm-sign').disabled = !hsmKey) },
);

// ---- 9-10. hashing and the worker pool (no keys involved) ----

act(
  'hash',
  'hash-out',
  async () => {
    const d = utf8($('text').value);
    return `sha256  ${hex(core.sha256(d))}\nsha512  ${hex(core.sha512(d))}\nhash160 ${hex(core.hash160(d))}`;
  },
  { vault: false },
);
act(
  'batch',
  'batch-out',
  async () => {
    const calls = Array.from({ length: 64 }, (_, i) => [utf8(`password ${i}`), utf8('mnemonic'), 2048, 64]);
    const t0 = performance.now();
    await pool.batch('pbkdf2Sha512', calls);
    return `64 PBKDF2 runs on ${pool.size} workers in ${(performance.now() - t0).toFixed(0)} ms`;
  },
  { vault: false, wait: 'Running on the worker pool…' },
);

await refresh();
// Every handler is in place (the browser test waits for this).
document.body.dataset.ready = 'true';
