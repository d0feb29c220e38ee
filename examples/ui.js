// The demo's small UI layer: which controls make sense in which vault state,
// a visible waiting/busy line (with Cancel where the call can really be
// cancelled), and messages a person can act on. Plain DOM, no framework.

export const $ = (id) => document.getElementById(id);

/** One time format for the whole page: local date and 24-hour time, e.g. 2026-12-05 14:44:42. */
export function fmt(t) {
  if (t == null) return '-';
  const d = new Date(t);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
/** The same format, time of day only (for times within the next hours). */
export const fmtClock = (t) => fmt(t).slice(11);

/**
 * What the page knows about the vault, for enabling controls:
 * vault 'loading' | 'empty' | 'locked' | 'unlocked'; busy: a Keystore call is running (the worker
 * runs them one at a time, so the page does too); key: the selected key's public info and lifecycle state.
 */
export const ui = {
  vault: 'loading',
  busy: 0,
  passkeys: 0,
  keys: [],
  key: null,
  keyState: null,
  file: false,
  custody: false,
};

// Conditions a control can name in data-needs (space = all of, '|' = any of).
const CONDITIONS = {
  empty: () => ui.vault === 'empty',
  locked: () => ui.vault === 'locked',
  unlocked: () => ui.vault === 'unlocked',
  passkey: () => ui.passkeys > 0,
  key: () => ui.key !== null,
  nokeys: () => ui.keys.length === 0,
  hd: () => ui.key?.type === 'hd',
  secp: () => ui.key !== null && (ui.key.type === 'hd' || (ui.key.curve ?? 'secp256k1') === 'secp256k1'),
  mnemonic: () => ui.key?.hasMnemonic === true,
  active: () => ui.keyState === 'active',
  suspended: () => ui.keyState === 'suspended',
  usable: () => ['active', 'suspended', 'rotating', 'expired'].includes(ui.keyState),
  file: () => ui.file,
  custody: () => ui.custody,
};
const holds = (spec) => spec.split(' ').every((term) => term.split('|').some((c) => CONDITIONS[c]?.() ?? false));

const running = new Set();

/** Enables each control whose conditions hold, shows each hint whose state it is. */
export function render() {
  for (const el of document.querySelectorAll('[data-needs]')) {
    el.disabled = running.has(el) || (ui.busy > 0 && el.tagName === 'BUTTON') || !holds(el.dataset.needs);
  }
  for (const el of document.querySelectorAll('[data-show]')) el.hidden = !holds(el.dataset.show);
}

const STATUS = new Map();
/** The waiting line under an output: text, elapsed seconds, an optional progress bar and Cancel button. */
function statusFor(out) {
  let s = STATUS.get(out);
  if (s) return s;
  const box = document.createElement('div');
  box.className = 'waiting';
  box.hidden = true;
  box.setAttribute('role', 'status');
  const text = document.createElement('span');
  const bar = document.createElement('progress');
  bar.max = 1;
  bar.hidden = true;
  bar.setAttribute('aria-label', 'progress');
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.textContent = 'Cancel';
  cancel.className = 'cancel';
  cancel.id = `${out}-cancel`;
  box.append(text, bar, cancel);
  $(out).before(box);
  s = { box, text, bar, cancel, timer: 0 };
  STATUS.set(out, s);
  return s;
}

/**
 * Wires a button to an async step whose text result goes to `out`.
 * opts.vault: it is a Keystore call (default true): every Keystore control is disabled while it runs.
 * opts.wait: what the person sees while it runs (say who or what it waits for).
 * opts.cancel: the step takes opts' AbortSignal and really stops when it fires.
 * The step gets { signal, progress(f) }.
 */
export function act(id, out, step, opts = {}) {
  const button = $(id);
  const vault = opts.vault !== false;
  button.addEventListener('click', async () => {
    if (button.disabled) return;
    const o = $(out);
    const s = statusFor(out);
    const ctl = new AbortController();
    const t0 = Date.now();
    const wait = opts.wait ?? 'Working…';
    const tick = () => {
      const secs = Math.round((Date.now() - t0) / 1000);
      s.text.textContent = secs >= 2 ? `${wait} (${secs} s)` : wait;
    };
    // A control without data-needs is only off while its own step runs.
    const free = button.dataset.needs === undefined;
    if (free) button.disabled = true;
    running.add(button);
    if (vault) ui.busy++;
    render();
    o.classList.remove('error');
    delete o.dataset.code;
    o.textContent = '';
    o.setAttribute('aria-busy', 'true');
    s.bar.hidden = true;
    s.bar.value = 0;
    s.cancel.hidden = !opts.cancel;
    s.cancel.disabled = false;
    s.cancel.onclick = () => {
      s.cancel.disabled = true;
      ctl.abort();
    };
    tick();
    s.timer = setInterval(tick, 1000);
    s.box.hidden = false;
    document.body.dataset.busy = String(Number(document.body.dataset.busy ?? 0) + 1);
    try {
      const progress = (f) => {
        s.bar.hidden = false;
        s.bar.value = f;
      };
      const r = await step({ signal: ctl.signal, progress });
      o.textContent = r ?? '';
    } catch (e) {
      o.classList.add('error');
      if (e?.code) o.dataset.code = e.code;
      o.textContent = explain(e, opts.errors);
    } finally {
      clearInterval(s.timer);
      s.box.hidden = true;
      running.delete(button);
      if (free) button.disabled = false;
      if (vault) ui.busy--;
      await opts.after?.();
      render();
      // Done only once the state it leaves is on screen (the browser test waits for this).
      o.removeAttribute('aria-busy');
      document.body.dataset.busy = String(Number(document.body.dataset.busy) - 1);
    }
  });
}

// Messages a person can act on, by error code (src/errors.ts); the code follows on its own line.
const MESSAGES = {
  NO_VAULT:
    'There is no vault in this browser yet. Create one in the Vault panel, or restore a backup file (the restore creates the vault).',
  LOCKED: 'The vault is locked. Unlock it in the Vault panel first.',
  WRONG_PASSPHRASE: 'That passphrase does not open this vault.',
  WRONG_PASSKEY: 'That passkey does not open this vault.',
  WEAK_PASSPHRASE: 'Use a passphrase of 8 or more characters.',
  USER_REJECTED:
    'No passkey was used. Either the prompt was cancelled, or this device holds no passkey for this vault ' +
    '(browsers report both the same way). Use the device or security key where you added it, or unlock with the passphrase.',
  ABORTED: 'Cancelled.',
  PRF_UNSUPPORTED: 'This authenticator cannot derive a vault key (it lacks the WebAuthn PRF extension). Keep using the passphrase.',
  INVALID_MNEMONIC: 'That is not a valid recovery phrase: check each word (English BIP-39 list), their order and their number (12 to 24).',
  INVALID_KEYSTORE: 'That is not an Ethereum keystore v3 JSON file.',
  UV_REQUIRED: 'This needs your vault passphrase again: type it in the Vault panel and retry (or press Re-verify passphrase).',
  MFA_REQUIRED: 'This key policy needs a fresh passphrase check: type the vault passphrase in the Vault panel and retry.',
  PERMISSION_DENIED: 'The current session may not do this. Lock, then unlock as the owner (Unlock in the Vault panel).',
  SESSION_EXPIRED: 'The session ended. Unlock again.',
  KEY_ROTATED: 'This wallet was rotated: sign with its successor (pick it in Current wallet).',
  KEY_SUSPENDED: 'This wallet is suspended: resume it in Key lifecycle first.',
  KEY_COMPROMISED: 'This wallet is marked compromised: it can no longer sign.',
  KEY_DEACTIVATED: 'This wallet is deactivated: it can no longer sign.',
  KEY_EXPIRED: 'This wallet expired under its policy: rotate it.',
  INVALID_TRANSITION: 'The wallet is not in a state that allows this (see its lifecycle record).',
  DEVICE_NOT_FOUND: 'No Ledger was found. Plug it in, unlock it, open the Ethereum app, and try again.',
  DEVICE_LOCKED: 'The Ledger is locked: unlock it with its PIN and try again.',
  WRONG_APP: 'Open the Ethereum app on the Ledger and try again.',
  DEVICE_TIMEOUT: 'The Ledger did not answer in time. Check it is unlocked with the Ethereum app open.',
  WEBHID_UNSUPPORTED: 'This browser has no WebHID (use Chrome, Edge or Opera on desktop).',
  BRIDGE_UNREACHABLE: 'The bridge is not running. Start the demo with `npm start`: it starts the bridge beside this page.',
  BRIDGE_UNPAIRED: 'Pair with the bridge first (steps 1 and 2).',
  BRIDGE_PAIRING_FAILED: 'That code is not the one the bridge printed. Check it, or ask for a new code (step 1).',
  BRIDGE_PAIRING_EXPIRED: 'That code expired or was never asked for: press step 1 for a new code, then type it.',
  BRIDGE_HSM_UNAVAILABLE: 'The bridge runs without an HSM (install softhsm2 and restart `npm start`).',
  RATE_LIMITED: 'Too many wrong attempts: wait a little before trying again.',
  CORRUPTED: 'The file or a stored record failed its integrity check (damaged or changed).',
};

/** A person-readable message for an error, then its code (for support and for the tests). */
export function explain(e, extra = {}) {
  if (!e?.code) return e?.message ?? String(e);
  const human = extra[e.code] ?? MESSAGES[e.code];
  // ALREADY_EXISTS, KDF_LIMIT, NOT_FOUND… carry messages written for people already.
  return `${human ?? sentence(e.message)}\n(${e.code})`;
}
const sentence = (m) => (m ? m[0].toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? '' : '.') : '');
