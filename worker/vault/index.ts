// The vault service of a vaultkey worker (exposed as `api.vault`): open,
// create, unlock, lock, status, and `call(op, args)` for every governed
// operation (operations.ts). This worker holds the data key, the secrets and
// the governance state; the page gets public results, and secrets only from
// the export operations, each with a fresh proof on the call.
import { VaultkeyError } from '../../src/errors.js';
import { OWNER_ID } from '../../src/security/sessions.js';
import { bytesEqual, fromHex, toHex } from '../../src/bytes.js';
import { sha256 } from '../../src/core/hash.js';
import { init } from '../../src/core/wasm.js';
import type { Json } from '../../src/security/canonical.js';
import { newDek } from '../../src/vault/crypto.js';
import {
  HARDWARE_KEY_ID,
  RECORD_FORMAT,
  STORES,
  keyInfo,
  methodInfo,
  randomBytes,
  randomId,
  type KeyCurve,
  type MethodRecord,
  type SecretRecord,
} from '../../src/vault/format.js';
import { storageError } from '../../src/vault/db.js';
import type {
  CallContext,
  OpenOptions,
  PageRequest,
  PasskeyMaterial,
  PassphraseEnrollment,
  Proof,
  VaultEvent,
  VaultKeyInfo,
  VaultMethodInfo,
  VaultStatus,
} from '../../src/vault/contract.js';
import type { LifecycleRecord } from '../../src/lifecycle/states.js';
import * as S from './state.js';
import {
  cachedManifest,
  checkManifest,
  checkRow,
  macOf,
  read,
  sealManifest,
  tampered,
  mutate,
  type Manifest,
  type Row,
} from './records.js';
import { importDek, openKeyring, rotate, sealKeyring } from './keyring.js';
import { generateMnemonic } from '../../src/core/bip39-phrase.js';
import { englishWords } from './words.js';
import * as M from './methods.js';
import * as K from './keys.js';
import * as G from './governance.js';
import * as B from './backup.js';
import { migrate } from './migrate.js';
import { dispatch, proofs, type Op, type OpTable } from './operations.js';
// Static on purpose: a worker with import() breaks Vite's default IIFE worker build (scripts/bundle-size.mjs).
import * as Multisig from './multisig.js';
import * as AuditSign from './audit-sign.js';

// ---- proofs ----

/** A proof checked against the CURRENT vault key (an older method record written back opens an older one). */
async function checkProof(proof: Proof, permission: string): Promise<void> {
  const s = S.need();
  await M.serialized(async () => {
    let a: Awaited<ReturnType<typeof M.attempt>>;
    try {
      a = await M.attempt(proof);
    } catch (e) {
      // A wrong proof while unlocked counts toward the detector's failed-unlocks window, at once.
      const code = (e as VaultkeyError)?.code;
      if (code === 'WRONG_PASSPHRASE' || code === 'WRONG_PASSKEY')
        await M.readThrottle()
          .then((t) => feedFailures(t.recent))
          .catch(() => {
            // The proof's own error is what the caller must see.
          });
      throw e;
    }
    a.rehash?.fill(0);
    const ring = await openKeyring(a.rk, await (await S.db()).get(STORES.meta, 'keyring'));
    const current = !!ring && bytesEqual(ring.macKey, s.macKey);
    ring?.macKey.fill(0);
    ring?.auditKey.fill(0);
    if (!current) {
      await M.recordFailure(a.throttle, a.method.id, 'CORRUPTED');
      throw tampered(`methods ${a.method.id}`, 'opens an older vault key (written back after a change)');
    }
    if (a.throttle.failures > 0) await M.writeThrottle({ ...a.throttle, failures: 0, seq: a.throttle.seq + 1 });
  });
  G.verified();
  void permission;
}
proofs.check = checkProof;

/** Failures the detector has counted (a failed proof is counted at once, and again found in the throttle at the next unlock). */
const fed = new Set<string>();

/** Failed unlocks and proofs (kept in the throttle record) to the compromise detector, each once. */
async function feedFailures(recent: { at: number; method: string; code: string }[]): Promise<void> {
  if (fed.size > 4096) fed.clear();
  for (const f of recent) {
    if (f.method.startsWith('locked:') || f.code === 'RATE_LIMITED') continue;
    const k = `${f.at}|${f.method}`;
    if (fed.has(k)) continue;
    fed.add(k);
    await G.failedUnlock(f.at);
  }
}
proofs.lockedRefusal = async (op: string) => {
  if (!(await M.isCurrentFormat())) return;
  const t = await M.readThrottle();
  await M.writeThrottle({
    ...t,
    seq: t.seq + 1,
    recent: [...t.recent, { at: Date.now(), method: `locked:${op.slice(0, 64)}`, code: 'LOCKED' }].slice(-32),
  });
};
G.hooks.verifyProof = checkProof;

// ---- the secret side of the lifecycle ----

const fingerprintOf = (pub: Uint8Array) => toHex(sha256(pub).subarray(0, 8));

G.hooks.rotateKey = async (old, newKeyId, wantFresh) => {
  if (old.kind === 'hardware') throw new VaultkeyError('UNSUPPORTED', 'a hardware key is rotated by registering its replacement');
  // Idempotent for one newKeyId: an interrupted rotation finds its successor already there (and how it was made).
  const exists = await read([STORES.secrets], (t) => t.get(STORES.secrets, newKeyId));
  if (!exists) await K.storeKeys(await K.successorRecords(old.keyId, newKeyId, wantFresh));
  const info = await K.infoOf(newKeyId);
  let scope: K.Scope | null = null;
  let fresh = wantFresh;
  if (info.type === 'hd') {
    if (exists) fresh = !(await K.sameSeed(old.keyId, newKeyId));
    // docs/lifecycle.md "Rotation, per kind": a fresh seed starts at its account 0 with nothing retired; the next
    // account of the same seed retires every account its predecessors worked at (paths part of the MAC'd record).
    const prev = await K.scopeOf(old.keyId);
    scope = fresh
      ? { account: 0, retired: [] }
      : {
          account: Math.max(prev.account, ...prev.retired) + 1,
          retired: [...new Set([...prev.retired, prev.account])].sort((a, b) => a - b),
        };
    K.setScope(newKeyId, scope);
  }
  const { path, publicKey } = await K.defaultPublicKey(newKeyId);
  return {
    algorithm: info.type === 'hd' ? 'bip32' : (info.curve ?? 'secp256k1'),
    fingerprint: fingerprintOf(publicKey),
    meta: {
      label: info.label,
      ...(path ? { path } : {}),
      ...(scope ? { account: scope.account, retiredAccounts: scope.retired } : {}),
      ...(fresh ? { freshSecret: true } : {}),
      // docs/lifecycle.md "Backup after rotation": a fresh secret exists nowhere else until backed up (MAC'd record).
      ...(fresh && G.policies.has(old.policy) && G.policies.get(old.policy).requireBackupAfterRotation ? { backupPending: true } : {}),
    },
  };
};

G.hooks.destroySecret = async (keyId) => {
  // A new data key for what remains: the removed key's records, if ever written back, decrypt under nothing current.
  await rotate({
    dropKeyIds: [keyId],
    also: async (t) => {
      for (const a of await t.all<Row & { keyId: string }>(STORES.accounts)) if (a.keyId === keyId) await t.delete(STORES.accounts, a.id);
    },
  });
  S.forget(keyId);
  S.emit({ type: 'change' });
};

// ---- status ----

async function status(): Promise<VaultStatus> {
  const d = await S.db();
  const meta = (await d.get(STORES.meta, 'vault')) as { v: number; vaultId: string } | undefined;
  if (meta && meta.v > RECORD_FORMAT) throw new VaultkeyError('SCHEMA_TOO_NEW', 'this vault was written by a newer vaultkey');
  let methods: VaultMethodInfo[];
  if (S.current() && meta) {
    methods = (await read([STORES.methods], (t) => t.all<MethodRecord & Row>(STORES.methods))).map((m) => ({
      ...methodInfo(m),
      verified: true,
    }));
  } else {
    methods = ((await d.getAll(STORES.methods)) as MethodRecord[])
      .filter((m) => m && typeof m.id === 'string')
      .map((m) => {
        try {
          return { ...methodInfo(m), verified: false };
        } catch {
          return null;
        }
      })
      .filter((m): m is VaultMethodInfo => m !== null);
  }
  return {
    state: !meta ? 'empty' : S.current() ? 'unlocked' : 'locked',
    vaultId: meta?.vaultId ?? null,
    methods,
    keys: meta ? await K.listKeys() : [],
    retryAfterMs: meta ? await M.retryAfter() : 0,
    session: S.current() ? G.sessionInfo() : null,
    epoch: S.current() && meta ? (cachedManifest() ?? (await read([], async (t) => t.m))).epoch : null,
  };
}

// ---- create / unlock ----

async function create(opts: { passphrase?: PassphraseEnrollment; passkey?: PasskeyMaterial }, ctx: CallContext = {}): Promise<VaultStatus> {
  S.advanceClock(ctx?.now);
  if (!opts || (opts.passphrase === undefined && opts.passkey === undefined)) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'create needs a passphrase, a passkey, or both');
  }
  const rk = await newDek();
  const methods: MethodRecord[] = [];
  if (opts.passphrase !== undefined) methods.push(await M.passphraseMethod(rk, opts.passphrase));
  if (opts.passkey !== undefined) methods.push(await M.passkeyMethod(rk, opts.passkey));
  const macKey = randomBytes(32);
  const auditKey = randomBytes(32);
  const dekRaw = randomBytes(32);
  const ring = await sealKeyring(rk, 1, dekRaw.slice(), macKey, auditKey);
  const dek = await importDek(dekRaw);
  const device = await M.newDeviceKey();
  const throttle = await M.sealThrottle(device, { id: 'throttle', failures: 0, lastFailureAt: 0, seq: 0, recent: [] });
  const vaultId = randomId('v_');
  const m: Manifest = { id: 'manifest', v: 2, vaultId, epoch: 1, keyring: 1, records: {}, audit: null, throttleSeq: 0, mac: '' };
  const rows = methods.map((x) => {
    const row = { ...x, ver: 1, mac: '' };
    row.mac = macOf(macKey, STORES.methods, row);
    m.records[`${STORES.methods}/${x.id}`] = 1;
    return row;
  });
  const d = await S.db();
  try {
    const tx = d.transaction([STORES.meta, STORES.methods], 'readwrite', { durability: 'strict' });
    const meta = tx.objectStore(STORES.meta);
    // `add` (not put) fails the whole transaction if the vault appeared meanwhile.
    await Promise.all([
      meta.add({ id: 'vault', v: RECORD_FORMAT, createdAt: S.now(), vaultId }),
      ...rows.map((r) => tx.objectStore(STORES.methods).put(r)),
      meta.put(ring),
      meta.put({ id: 'device', key: device }),
      meta.put(throttle),
      meta.put(sealManifest(m, macKey)),
      tx.done,
    ]);
  } catch (e) {
    macKey.fill(0);
    auditKey.fill(0);
    if ((e as DOMException)?.name === 'ConstraintError') throw new VaultkeyError('ALREADY_EXISTS', 'this vault already exists');
    throw storageError(e);
  }
  S.start({ rk, dek, macKey, auditKey });
  await G.begin(OWNER_ID);
  await G.append({ principalId: OWNER_ID, sessionId: G.sessionInfo()!.id, operation: 'vault:create', success: true });
  S.emit({ type: 'unlock' });
  return status();
}

async function unlock(proof: Proof, o: { principalId?: string; now?: number } = {}): Promise<VaultStatus> {
  S.advanceClock(o?.now);
  const principalId = o?.principalId ?? OWNER_ID;
  if (typeof principalId !== 'string' || principalId.length > 128)
    throw new VaultkeyError('INVALID_ARGUMENT', 'principalId must be a string');
  if (!(await S.exists()))
    throw new VaultkeyError('NO_VAULT', 'there is no vault here yet: create one, or restore a backup into a new one');
  const pending = await M.serialized(async () => {
    const a = await M.attempt(proof);
    const d = await S.db();
    let manifest: Manifest;
    let ring;
    const rawManifest = await d.get(STORES.meta, 'manifest');
    if (rawManifest === undefined && !(await M.isCurrentFormat())) {
      ({ ring, manifest } = await migrate(a.rk));
    } else {
      ring = await openKeyring(a.rk, await d.get(STORES.meta, 'keyring'));
      if (!ring) {
        a.rehash?.fill(0);
        await M.recordFailure(a.throttle, a.method.id, 'CORRUPTED');
        throw tampered(`methods ${a.method.id}`, 'opens an older vault key (written back after a change), or the keyring is damaged');
      }
      try {
        manifest = checkManifest(rawManifest, ring.macKey);
        checkRow(STORES.methods, a.method, a.method.id, manifest, ring.macKey);
        const keyring = (await d.get(STORES.meta, 'keyring')) as { epoch: number };
        if (keyring.epoch !== manifest.keyring)
          throw tampered('meta keyring', `is epoch ${keyring.epoch}, the manifest says ${manifest.keyring}`);
      } catch (e) {
        ring.macKey.fill(0);
        ring.auditKey.fill(0);
        throw e;
      }
    }
    S.start({ rk: a.rk, dek: ring.dek, macKey: ring.macKey, auditKey: ring.auditKey });
    const t = a.throttle;
    let tamperedWhy = t.tampered;
    if (t.seq < manifest.throttleSeq) tamperedWhy = `the throttle record was rolled back (sequence ${t.seq} < ${manifest.throttleSeq})`;
    if (a.rehash) await upgradePassphrase(a.method, a.rk, a.rehash);
    return { t, tamperedWhy };
  });
  try {
    await G.begin(principalId);
  } catch (e) {
    // No session (unknown or disabled principal): the vault does not stay open without one.
    S.wipe();
    throw e;
  }
  const sid = G.sessionInfo()!.id;
  const { t, tamperedWhy } = pending;
  let audited = true;
  try {
    // Failures judged while locked reach the log now (no secret in them: when, which method, which code).
    for (const f of t.recent) {
      await G.append({
        principalId,
        sessionId: sid,
        operation: f.method.startsWith('locked:') ? 'vault:refused-locked' : 'vault:unlock',
        success: false,
        errorCode: f.code,
        metadata: { at: f.at, method: f.method },
      });
    }
    if (tamperedWhy)
      await G.append({
        principalId: 'system:vault',
        operation: 'vault:throttle-tampered',
        success: false,
        errorCode: 'CORRUPTED',
        metadata: { reason: tamperedWhy.slice(0, 200) },
      });
    await G.append({ principalId, sessionId: sid, operation: 'vault:unlock', success: true });
    // ...and to the compromise detector (failed-unlocks, docs/lifecycle.md "Compromise detector").
    await feedFailures(t.recent);
  } catch (e) {
    if ((e as VaultkeyError)?.code !== 'AUDIT_TAMPERED') {
      S.wipe();
      throw e;
    }
    audited = false;
  }
  const seq = t.seq + 1;
  await M.writeThrottle({ id: 'throttle', failures: 0, lastFailureAt: 0, seq, recent: audited ? [] : t.recent });
  await mutate([], async (tx) => {
    tx.m.throttleSeq = seq;
  });
  S.emit({ type: 'unlock' });
  return status();
}

/** Re-wraps the vault key under fresh, current KDF parameters (same algorithm, new salt). Zeroes `pw`. */
async function upgradePassphrase(old: MethodRecord, rk: CryptoKey, pw: Uint8Array): Promise<void> {
  try {
    const rec = await M.rehashPassphrase(old, rk, pw);
    await mutate([STORES.methods], async (t) => {
      await t.put(STORES.methods, rec);
    });
  } catch {
    // The unlock stands; the upgrade is tried again at the next unlock.
  } finally {
    pw.fill(0);
  }
}

// ---- unlock methods (re-keying) ----

/** Every enrolled passkey proves itself through the page (one assertion each) so its record can be re-sealed under `rk`. */
async function resealPasskeys(rk: CryptoKey, except: Set<string>): Promise<MethodRecord[]> {
  const s = S.need();
  const out: MethodRecord[] = [];
  const all = await read([STORES.methods], (t) => t.all<MethodRecord & Row>(STORES.methods));
  for (const m of all) {
    if (m.kind !== 'passkey' || except.has(m.id)) continue;
    const proof = await S.askPage({ type: 'passkey', credentialId: m.credentialId!, rpId: m.rpId!, prfSalt: m.prfSalt! });
    if (!proof || !('prf' in proof) || !bytesEqual(proof.credentialId, m.credentialId!)) {
      throw new VaultkeyError(
        'UV_REQUIRED',
        `changing the unlock methods re-keys the vault: passkey ${m.label} must confirm too (or remove it in the same call)`,
      );
    }
    const prf = proof.prf.slice();
    const a = await M.serialized(() => M.attempt(proof));
    const ring = await openKeyring(a.rk, await (await S.db()).get(STORES.meta, 'keyring'));
    const ok = !!ring && bytesEqual(ring.macKey, s.macKey);
    ring?.macKey.fill(0);
    ring?.auditKey.fill(0);
    if (!ok) {
      prf.fill(0);
      throw tampered(`methods ${m.id}`, 'opens an older vault key');
    }
    out.push(await M.resealPasskey(m, rk, prf));
  }
  return out;
}

async function setPassphrase(e: PassphraseEnrollment): Promise<VaultMethodInfo> {
  M.checkStrength(e?.passphrase);
  const rk = await newDek();
  const pass = await M.passphraseMethod(rk, e);
  const keys = await resealPasskeys(rk, new Set());
  await rotate({ rekey: { rk, methods: [pass, ...keys] } });
  S.emit({ type: 'change' });
  return { ...methodInfo(pass), verified: true };
}

async function removeMethods(ids: unknown, ctx: CallContext): Promise<void> {
  const list = typeof ids === 'string' ? [ids] : ids;
  if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'string'))
    throw new VaultkeyError('INVALID_ARGUMENT', 'method id must be a string (or an array of them)');
  const all = await read([STORES.methods], (t) => t.all<MethodRecord & Row>(STORES.methods));
  const drop = new Set(list as string[]);
  for (const id of drop) if (!all.some((m) => m.id === id)) throw new VaultkeyError('NOT_FOUND', 'no such unlock method');
  const stay = all.filter((m) => !drop.has(m.id));
  if (stay.length === 0) throw new VaultkeyError('LAST_METHOD', 'cannot remove the only unlock method (the vault would be unrecoverable)');
  const rk = await newDek();
  const methods: MethodRecord[] = [];
  const pass = stay.find((m) => m.kind === 'passphrase');
  if (pass) {
    const p = ctx.proof;
    if (!p || !('passphrase' in p))
      throw new VaultkeyError('UV_REQUIRED', 'removing a method re-keys the vault: give the passphrase as { proof: { passphrase } }');
    await checkProof(p, 'policy:manage');
    methods.push(
      await M.passphraseMethod(
        rk,
        {
          passphrase: p.passphrase,
          kdf:
            pass.kdf!.alg === 'argon2id'
              ? { alg: 'argon2id', t: pass.kdf!.t, m: pass.kdf!.m, p: pass.kdf!.p }
              : { alg: 'PBKDF2-SHA512', iterations: Math.max(pass.kdf!.iterations, 210_000) },
          label: pass.label,
        },
        pass.createdAt,
      ),
    );
  }
  methods.push(...(await resealPasskeys(rk, drop)));
  await rotate({ rekey: { rk, methods } });
  S.emit({ type: 'change' });
}

async function addPasskey(p: PasskeyMaterial): Promise<VaultMethodInfo> {
  const s = S.need();
  const rec = await M.passkeyMethod(s.rk, p);
  await mutate([STORES.methods], async (t) => {
    await t.put(STORES.methods, rec);
  });
  S.emit({ type: 'change' });
  return { ...methodInfo(rec), verified: true };
}

// ---- keys with their lifecycle records ----

function mainRecords(recs: SecretRecord[]): SecretRecord[] {
  return recs.filter((r) => r.kind === 'seed' || r.kind === 'privateKey');
}

async function stored(recs: SecretRecord[], policy: unknown): Promise<VaultKeyInfo[]> {
  if (policy !== undefined) await G.knownPolicy(policy);
  await K.storeKeys(recs, async (t) => {
    for (const r of mainRecords(recs)) {
      await G.track(t, r.keyId, r.kind === 'seed' ? 'hd' : 'imported', {
        algorithm: r.kind === 'seed' ? 'bip32' : (r.curve ?? 'secp256k1'),
        ...(r.publicKey ? { fingerprint: fingerprintOf(r.publicKey) } : {}),
        meta: { label: r.label },
        ...(policy !== undefined ? { policy: policy as string } : {}),
      });
    }
  });
  return mainRecords(recs).map((r) => ({ ...keyInfo(r), verified: true }));
}

function reasonOf(o: { reason?: unknown } | undefined, dflt: string): string {
  const r = o?.reason;
  if (r === undefined) return dflt;
  if (typeof r !== 'string' || r.length > 1024)
    throw new VaultkeyError('INVALID_ARGUMENT', 'reason must be a string of at most 1024 characters');
  return r;
}

const why = (o: unknown, dflt: string) => ({ actor: G.principalId(), reason: reasonOf(o as { reason?: unknown }, dflt) });

function forcedOf(o: unknown): boolean {
  const f = (o as { force?: unknown })?.force;
  if (f !== undefined && typeof f !== 'boolean') throw new VaultkeyError('INVALID_ARGUMENT', 'force must be a boolean');
  return f === true;
}

const forcedMeta = (o: unknown): { [k: string]: Json } | undefined => (forcedOf(o) ? { forced: true } : undefined);

/**
 * A key in its grace period is neither deleted nor retired early (which would
 * end the verification of its signatures) unless the call says `force` and
 * brings a proof, which the dispatcher checked before this runs
 * (docs/lifecycle.md "Grace periods"). The audit entry records `forced`.
 */
function graceGuard(r: LifecycleRecord, o: unknown, ctx: CallContext, what: string): void {
  const force = forcedOf(o);
  if (!G.inGrace(r)) return;
  if (!force)
    throw new VaultkeyError(
      'KEY_IN_GRACE',
      `key ${r.keyId} is in its grace period until ${new Date(r.graceEndsAt!).toISOString()} (its signatures still verify); it can be ${what} after that, or now with { force: true, proof }`,
    );
  if (!ctx?.proof) throw new VaultkeyError('UV_REQUIRED', `a key in its grace period is ${what} early only with a fresh proof on the call`);
}

/**
 * docs/lifecycle.md "Backup after rotation": while the successor of `r` holds
 * a fresh secret no backup contains yet, `r` is neither removed nor retired by
 * hand (it may be the only recoverable key) unless `force` with a proof.
 */
async function backupGuard(r: LifecycleRecord, o: unknown, ctx: CallContext, what: string): Promise<void> {
  if (!r.successor) return;
  const next = await G.lifecycle.get(r.successor).catch(() => null);
  if (next?.meta?.backupPending !== true) return;
  if (!forcedOf(o))
    throw new VaultkeyError(
      'BACKUP_REQUIRED',
      `key ${r.keyId} was rotated to ${next.keyId}, which has no backup yet; back it up first (backup, backupToShares, exportMnemonic, exportSlip39 or exportKeystoreV3), then ${r.keyId} can be ${what}; or now with { force: true, proof }`,
    );
  if (!ctx?.proof)
    throw new VaultkeyError('UV_REQUIRED', `a key whose successor has no backup is ${what} early only with a fresh proof on the call`);
}

function checkDescriptor(d: any): Record<string, unknown> & { device: string; curve: string; publicKey: Uint8Array } {
  if (!d || typeof d !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'a hardware key descriptor is required');
  if (d.device !== 'ledger' && d.device !== 'hsm') throw new VaultkeyError('INVALID_ARGUMENT', "device must be 'ledger' or 'hsm'");
  if (!['secp256k1', 'ed25519', 'p256'].includes(d.curve))
    throw new VaultkeyError('INVALID_ARGUMENT', 'curve must be secp256k1, ed25519 or p256');
  const len = d.publicKey instanceof Uint8Array ? d.publicKey.length : -1;
  if (!(d.curve === 'ed25519' ? len === 32 : len === 33 || len === 65))
    throw new VaultkeyError('INVALID_KEY', 'public key length does not fit the curve');
  const out: Record<string, unknown> & { device: string; curve: string; publicKey: Uint8Array } = {
    device: d.device,
    curve: d.curve,
    publicKey: d.publicKey.slice(),
  };
  for (const [k, max] of [
    ['label', 100],
    ['path', 256],
    ['handle', 256],
    ['address', 128],
  ] as const) {
    if (d[k] === undefined) continue;
    if (typeof d[k] !== 'string' || d[k].length > max)
      throw new VaultkeyError('INVALID_ARGUMENT', `${k} must be a string of at most ${max} characters`);
    out[k] = d[k];
  }
  return out;
}

function hardwareOf(r: LifecycleRecord) {
  const m = r.meta as Record<string, string>;
  const k: Record<string, unknown> = { id: r.keyId, device: m.device, curve: m.curve, publicKey: fromHexStrict(m.publicKey) };
  for (const f of ['label', 'path', 'handle', 'address']) if (typeof m[f] === 'string') k[f] = m[f];
  return k;
}

function fromHexStrict(h: unknown): Uint8Array {
  if (h === '') throw new VaultkeyError('CORRUPTED', 'a hardware key record has no valid public key');
  return fromHex(h, "a hardware key record's public key", 'CORRUPTED');
}

/** The keys a backup call covers (null: all); the backup itself checked the list. */
const idsOf = (o: unknown): string[] | null => ((o as { keyIds?: unknown })?.keyIds as string[] | undefined) ?? null;

/** Once the backup or export succeeded, the keys it holds are no longer "backup pending" (docs/lifecycle.md "Backup after rotation"). */
async function backedUp<T>(ids: string[] | null, made: Promise<T>): Promise<T> {
  const out = await made;
  await G.backedUp(ids);
  return out;
}

const str = (v: unknown, n = 32): Json => String(v).slice(0, n);

/** The governed operations (docs/security.md lists them with their permissions). */

/**
 * Multisig (docs/security.md "Multisig in the vault"): one entry per call,
 * its `multisig:*` permission and audit name; the work is done by
 * multisig.ts (in the worker's bundle; the verification parts its signature
 * checks need are fetched on first use). signWithKey names a vault key
 * (argument 1): gated and counted like a signature. Reads need key:read.
 */
const MULTISIG_OPS: OpTable = Object.fromEntries(
  (
    [
      ['CreateGroup', 'initiate', 'create-group'],
      ['Initiate', 'initiate', 'initiate'],
      ['Get', null, 'read'],
      ['List', null, 'list'],
      ['AddSignature', 'sign', 'sign'],
      ['SignWithKey', 'sign', 'sign-with-key'],
      ['Complete', 'complete', 'complete'],
      ['Cancel', 'cancel', 'cancel'],
    ] as const
  ).map(([name, perm, audit]): [string, Op] => [
    `multisig${name}`,
    {
      permission: perm ? `multisig:${perm}` : 'key:read',
      audit: `multisig:${audit}`,
      ...(name === 'SignWithKey' ? { key: 1, gate: 'sign' as const } : {}),
      meta: ([id]) => (typeof id === 'string' ? { [name === 'Initiate' ? 'groupId' : 'operationId']: id.slice(0, 64) } : undefined),
      run: async (args) => Multisig.run(name, args),
    },
  ]),
);

const OPS: OpTable = {
  // keys
  generate: {
    permission: 'key:create',
    audit: 'key:create',
    run: async ([o]) => {
      const x = (o ?? {}) as { strength?: 128 | 160 | 192 | 224 | 256; label?: string; policy?: string };
      return (
        await stored(
          await K.mnemonicRecords(generateMnemonic(x.strength ?? 128, await englishWords()), '', M.label(x.label, 'HD wallet')),
          x.policy,
        )
      )[0];
    },
  },
  createFromMnemonic: {
    permission: 'key:create',
    audit: 'key:create',
    run: async ([mnemonic, o]) => {
      const x = (o ?? {}) as { bip39Passphrase?: string; label?: string; policy?: string };
      const m = await K.normalizeMnemonic(mnemonic);
      if (x.bip39Passphrase !== undefined && typeof x.bip39Passphrase !== 'string')
        throw new VaultkeyError('INVALID_ARGUMENT', 'bip39Passphrase must be a string');
      return (await stored(await K.mnemonicRecords(m, x.bip39Passphrase ?? '', M.label(x.label, 'HD wallet')), x.policy))[0];
    },
  },
  importKeys: {
    permission: 'key:create',
    audit: 'key:import',
    run: async ([list, o]) => stored(await K.importedRecords(list as never), (o as { policy?: string })?.policy),
  },
  importSlip39: {
    permission: 'key:create',
    audit: 'key:import-slip39',
    run: async ([m, o]) => (await stored(await B.slip39Records(m as string[], (o ?? {}) as never), (o as { policy?: string })?.policy))[0],
  },
  importKeystoreV3: {
    permission: 'key:create',
    audit: 'key:import-keystore-v3',
    run: async ([json, pw, o], _c, progress) => {
      const { recs, address } = await B.keystoreV3Records(json as string, pw as string, (o ?? {}) as never, progress);
      return { ...(await stored(recs, (o as { policy?: string })?.policy))[0], address };
    },
  },
  removeKey: {
    permission: 'key:delete',
    audit: 'key:delete',
    key: 0,
    meta: ([, o]) => forcedMeta(o),
    run: async ([keyId, o], ctx) => {
      const id = keyId as string;
      const w = why(o, 'removed');
      let r = await G.lifecycle.get(id);
      graceGuard(r, o, ctx, 'removed');
      await backupGuard(r, o, ctx, 'removed');
      if (r.state === 'created') r = await G.lifecycle.activate(id, w);
      if (['active', 'suspended', 'rotating', 'expired'].includes(r.state)) r = await G.lifecycle.deactivate(id, w);
      if (r.state === 'deactivated') r = await G.lifecycle.archive(id, w);
      if (r.state !== 'destroyed') await G.lifecycle.destroy(id, w);
    },
  },
  // signing and public derivations
  sign: {
    permission: 'key:sign',
    audit: 'key:sign',
    key: 0,
    gate: 'sign',
    meta: ([, , o]) => pathMeta(o),
    run: ([k, d, o]) => K.sign(k as string, d as Uint8Array, (o ?? {}) as never),
  },
  signSchnorr: {
    permission: 'key:sign',
    audit: 'key:sign-schnorr',
    key: 0,
    gate: 'sign',
    meta: ([, , o]) => pathMeta(o),
    run: ([k, d, o]) => K.signSchnorr(k as string, d as Uint8Array, (o ?? {}) as never),
  },
  signMessage: {
    permission: 'key:sign',
    audit: 'key:sign-message',
    key: 0,
    gate: 'sign',
    meta: ([, , o]) => pathMeta(o),
    run: ([k, m, o]) => K.signMessage(k as string, m as string, (o ?? {}) as never),
  },
  verify: {
    permission: 'key:read',
    audit: 'key:verify',
    key: 0,
    gate: 'verify',
    run: async ([k, d, sig, o]) => {
      const ok = await K.verifySignature(k as string, d as Uint8Array, sig as Uint8Array, (o ?? {}) as never);
      if (!ok)
        await G.theDetector()
          .recordFailedVerification(k as string)
          .catch(() => []);
      return ok;
    },
  },
  getAddress: {
    permission: 'key:read',
    audit: 'key:address',
    key: 0,
    meta: ([, c]) => ({ chain: str(c) }),
    run: ([k, c, i, o]) => K.getAddress(k as string, c as never, (i ?? 0) as number, (o ?? {}) as never),
  },
  deriveXpub: { permission: 'key:read', audit: 'key:xpub', key: 0, run: ([k, p]) => K.deriveXpub(k as string, p as string) },
  nextAddress: {
    permission: 'key:read',
    audit: 'key:next-address',
    key: 0,
    run: ([k, a, c]) => K.nextAddress(k as string, a as never, (c ?? 0) as 0),
  },
  markUsed: {
    permission: 'key:read',
    audit: 'key:mark-used',
    key: 0,
    run: ([k, a, c, i]) => K.markUsed(k as string, a as never, c as 0, i as number),
  },
  accounts: { permission: 'key:read', audit: 'key:accounts', key: 0, run: ([k]) => K.accounts(k as string) },
  // secrets out: a proof on every call
  exportMnemonic: {
    permission: 'key:export',
    audit: 'key:export',
    key: 0,
    proof: true,
    run: ([k]) => backedUp([k as string], K.mnemonicOf(k as string)),
  },
  exportSlip39: {
    permission: 'key:export',
    audit: 'key:export-slip39',
    key: 0,
    proof: true,
    run: ([k, o]) => backedUp([k as string], B.exportSlip39(k as string, (o ?? {}) as never)),
  },
  exportKeystoreV3: {
    permission: 'key:export',
    audit: 'key:export-keystore-v3',
    key: 0,
    proof: true,
    // A keystore v3 file is the whole of an imported key, but of an HD key only one derived key (not its seed): no backup of it.
    run: async ([k, pw, o], _c, progress) =>
      backedUp(
        (await K.infoOf(k as string)).type === 'imported' ? [k as string] : [],
        B.exportKeystoreV3(k as string, pw as string, (o ?? {}) as never, progress),
      ),
  },
  backup: {
    permission: 'key:backup',
    audit: 'key:backup',
    proof: true,
    meta: ([, o]) => ({ keys: Array.isArray((o as { keyIds?: unknown[] })?.keyIds) ? (o as { keyIds: unknown[] }).keyIds.length : 'all' }),
    run: ([secret, o], _c, progress) => backedUp(idsOf(o), B.backup(secret as never, (o ?? {}) as never, progress)),
  },
  backupToShares: {
    permission: 'key:backup',
    audit: 'key:backup-shares',
    proof: true,
    meta: ([split]) => ({
      threshold: Number((split as { threshold?: number })?.threshold) | 0,
      count: Number((split as { shares?: number })?.shares) | 0,
    }),
    run: ([split, o], _c, progress) => backedUp(idsOf(o), B.backupToShares(split as never, (o ?? {}) as never, progress)),
  },
  restoreBackup: {
    permission: 'key:restore',
    audit: 'key:restore',
    meta: ([, , o]) => ({ conflict: str((o as { conflict?: string })?.conflict ?? 'fail', 16) }),
    run: ([file, secret, o], _c, progress) => B.restore(file as Uint8Array, secret as never, (o ?? {}) as never, progress),
  },
  // lifecycle
  rotateKey: {
    permission: 'key:rotate',
    audit: 'key:rotate',
    key: 0,
    meta: ([, o]) => {
      const m = (o as { successor?: unknown })?.successor;
      return m === undefined ? undefined : { successor: str(m, 16) };
    },
    run: ([k, o]) => {
      const successor = (o as { successor?: unknown })?.successor;
      return G.lifecycle.rotate(k as string, {
        ...why(o, 'manual rotation'),
        trigger: 'manual',
        ...(successor !== undefined ? { successor: successor as 'fresh' } : {}),
      });
    },
  },
  emergencyRotate: {
    permission: 'key:rotate',
    audit: 'key:emergency-rotate',
    key: 0,
    run: ([k, o]) => G.lifecycle.emergencyRotate(k as string, why(o, 'emergency rotation')),
  },
  suspendKey: {
    permission: 'key:rotate',
    audit: 'key:suspend',
    key: 0,
    run: ([k, o]) => G.lifecycle.suspend(k as string, why(o, 'suspend')),
  },
  resumeKey: { permission: 'key:rotate', audit: 'key:resume', key: 0, run: ([k, o]) => G.lifecycle.resume(k as string, why(o, 'resume')) },
  deactivateKey: {
    permission: 'key:rotate',
    audit: 'key:deactivate',
    key: 0,
    meta: ([, o]) => forcedMeta(o),
    run: async ([k, o], ctx) => {
      const r = await G.lifecycle.get(k as string);
      graceGuard(r, o, ctx, 'deactivated');
      await backupGuard(r, o, ctx, 'deactivated');
      return G.lifecycle.deactivate(k as string, why(o, 'deactivate'));
    },
  },
  archiveKey: {
    permission: 'key:rotate',
    audit: 'key:archive',
    key: 0,
    run: ([k, o]) => G.lifecycle.archive(k as string, why(o, 'archive')),
  },
  markCompromised: {
    permission: 'key:rotate',
    audit: 'key:mark-compromised',
    key: 0,
    run: ([k, o]) => G.lifecycle.markCompromised(k as string, why(o, 'mark-compromised')),
  },
  lifecycleRecord: { permission: 'key:read', audit: 'lifecycle:read', key: 0, run: ([k]) => G.lifecycle.get(k as string) },
  activeKey: { permission: 'key:read', audit: 'key:active', key: 0, run: ([k]) => G.activeKey(k as string) },
  setKeyPolicy: {
    permission: 'policy:manage',
    audit: 'key:set-policy',
    key: 0,
    meta: ([, p]) => (typeof p === 'string' ? { policy: str(p, 64) } : undefined),
    run: async ([k, p, o]) => {
      if (typeof p !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'policy must be a policy name');
      const w = why(o, `policy ${p}`);
      // The policy is stored before the key names it (every policy a key names is in the vault).
      await G.ensurePolicyStored(p);
      return G.lifecycle.setPolicy(k as string, p, w);
    },
  },
  lifecycleReport: { permission: 'key:read', audit: 'lifecycle:report', run: () => G.lifecycle.report() },
  registerPolicy: {
    permission: 'policy:manage',
    audit: 'policy:register',
    run: ([p, o]) => G.storePolicy(p as never, (o ?? {}) as never),
  },
  policies: {
    permission: 'key:read',
    audit: 'policy:list',
    run: async () => {
      await G.sync();
      return G.policies.list();
    },
  },
  // compromise detection
  reportCompromise: {
    permission: 'key:read',
    audit: 'security:report-compromise',
    key: 0,
    run: async ([k, r]) => {
      await G.lifecycle.get(k as string);
      return G.theDetector().report(k as string, { ...(r as object), reportedBy: G.principalId() } as never);
    },
  },
  acknowledgeCompromise: {
    permission: 'key:rotate',
    audit: 'security:acknowledge',
    run: ([id]) => G.acknowledge(id as string),
  },
  compromiseEvents: {
    permission: 'key:read',
    audit: 'security:events',
    run: ([k]) => G.compromiseEvents(k as string | undefined),
  },
  isCompromised: { permission: 'key:read', audit: 'security:is-compromised', key: 0, run: ([k]) => G.isCompromised(k as string) },
  // hardware keys (public data only; the device call itself runs on the page)
  registerHardwareKey: {
    permission: 'key:create',
    audit: 'key:register-hardware',
    meta: ([d]) => ({ device: str((d as { device?: string })?.device, 8) }),
    run: async ([d, o]) => {
      const desc = checkDescriptor(d);
      const policy = (o as { policy?: string })?.policy;
      if (policy !== undefined) await G.knownPolicy(policy);
      const id = randomId('x_');
      await mutate([STORES.lifecycle], (t) =>
        G.track(t, id, 'hardware', {
          algorithm: desc.curve,
          fingerprint: fingerprintOf(desc.publicKey),
          meta: { ...desc, publicKey: toHex(desc.publicKey) },
          ...(policy !== undefined ? { policy } : {}),
        }),
      );
      return { id, ...desc };
    },
  },
  hardwareKeys: {
    permission: 'key:read',
    audit: 'key:list-hardware',
    run: async () => (await G.lifecycle.list()).filter((r) => r.kind === 'hardware').map((r) => ({ ...hardwareOf(r), state: r.state })),
  },
  useHardwareKey: {
    permission: 'hsm:access',
    audit: 'key:sign-hardware',
    key: 0,
    gate: 'sign',
    run: async ([k]) => {
      if (!HARDWARE_KEY_ID.test(k as string)) throw new VaultkeyError('INVALID_ARGUMENT', 'not a hardware key');
      const r = await G.lifecycle.get(k as string);
      if (r.kind !== 'hardware') throw new VaultkeyError('INVALID_ARGUMENT', 'not a hardware key');
      return hardwareOf(r);
    },
  },
  // unlock methods
  addPasskey: { permission: 'policy:manage', audit: 'vault:add-passkey', run: ([p]) => addPasskey(p as PasskeyMaterial) },
  setPassphrase: { permission: 'policy:manage', audit: 'vault:set-passphrase', run: ([e]) => setPassphrase(e as PassphraseEnrollment) },
  removeMethod: { permission: 'policy:manage', audit: 'vault:remove-method', run: ([ids], ctx) => removeMethods(ids, ctx) },
  reverify: { permission: 'key:read', audit: 'vault:reverify', proof: true, run: () => undefined },
  // audit
  verifyAuditLog: { permission: 'audit:read', audit: 'audit:verify', whileTampered: true, run: () => G.verifyAudit() },
  auditReport: { permission: 'audit:read', audit: 'audit:report', whileTampered: true, run: ([q]) => G.auditReport((q ?? {}) as never) },
  exportAuditLog: { permission: 'audit:export', audit: 'audit:export', whileTampered: true, run: ([q]) => G.exportAudit(q as never) },
  exportSignedAuditLog: {
    permission: 'audit:export',
    audit: 'audit:export-signed',
    run: async () => AuditSign.exportSignedAudit(),
  },
  auditStats: {
    permission: 'audit:read',
    audit: 'audit:stats',
    whileTampered: true,
    run: async () => AuditSign.auditStats(),
  },
  auditPublicKey: {
    permission: 'audit:read',
    audit: 'audit:public-key',
    whileTampered: true,
    run: async () => AuditSign.auditPublicKey(),
  },
  exportAuditQuarantine: {
    permission: 'audit:export',
    audit: 'audit:export-quarantine',
    whileTampered: true,
    run: () => G.exportQuarantine(),
  },
  reanchorAuditLog: {
    permission: 'audit:export',
    audit: 'audit:reanchor',
    proof: true,
    whileTampered: true,
    run: ([o]) => G.reanchor(reasonOf(o as never, 'reanchored by the owner')),
  },
  ...MULTISIG_OPS,
  // principals
  principals: { permission: 'policy:manage', audit: 'principal:list', run: () => G.principals() },
  addPrincipal: { permission: 'policy:manage', audit: 'principal:create', run: ([p]) => G.live().access.createPrincipal(p as never) },
  updatePrincipal: { permission: 'policy:manage', audit: 'principal:update', run: ([p]) => G.live().access.updatePrincipal(p as never) },
  removePrincipal: {
    permission: 'policy:manage',
    audit: 'principal:delete',
    run: async ([id]) => {
      if (id === OWNER_ID) throw new VaultkeyError('INVALID_ARGUMENT', 'the owner principal cannot be removed');
      await G.live().access.deletePrincipal(id as string);
    },
  },
};

function pathMeta(o: unknown): { [k: string]: Json } | undefined {
  const p = (o as { path?: unknown })?.path;
  return typeof p === 'string' && p.length <= 256 ? { path: p } : undefined;
}

// ---- the service ----

export const vaultService = {
  /** Binds this worker to one vault; `onEvent` and `ask` are comlink proxies to the page. */
  async open(
    name: string,
    options: OpenOptions = {},
    onEvent?: (e: VaultEvent) => unknown,
    ask?: (r: PageRequest) => Promise<Proof | null>,
  ): Promise<VaultStatus> {
    const ms = options?.autoLockMs ?? 5 * 60_000;
    if (!Number.isInteger(ms) || ms < 0 || ms > 24 * 3600_000)
      throw new VaultkeyError('INVALID_ARGUMENT', 'autoLockMs must be an integer in [0, 86400000] (0 = never)');
    // Every record MAC and key derivation of the vault is synchronous WASM
    // (src/core/hash.ts), some inside IndexedDB transactions, which cannot
    // wait for an instantiation: the module is ready before anything is read.
    await init();
    S.bind(name, { autoLockMs: ms, pageClock: options?.clock === true }, onEvent, ask);
    G.configure(options ?? {});
    try {
      return await status();
    } catch (e) {
      S.unbind();
      throw e;
    }
  },

  status,
  create,
  unlock,

  lock(): void {
    S.wipe();
  },

  /** Another tab changed the vault: forget cached plaintext and verified state (re-read and re-checked on next use). */
  async refresh(): Promise<VaultStatus> {
    const s = S.current();
    if (s) {
      for (const id of [...s.seeds.keys(), ...s.privs.keys()]) S.forget(id);
      s.scopes.clear();
      G.refreshCaches();
    }
    const st = await status();
    if (st.state === 'empty') S.wipe();
    return st;
  },

  /** Every governed operation: `call('sign', [keyId, digest, options], { proof })`. */
  call(op: string, args: unknown[], ctx: CallContext = {}, progress?: (f: number) => void): Promise<unknown> {
    return dispatch(OPS, op, args, ctx, progress);
  },

  /** The operation table as data (name, permission, proof on the call, lifecycle gate): what docs/security.md lists. */
  operations() {
    return Object.entries(OPS).map(([name, o]) => ({
      name,
      permission: o.permission,
      audit: o.audit ?? name,
      proof: o.proof === true,
      gate: o.gate ?? null,
    }));
  },

  /** Opens a backup and lists what it holds: no vault needed, nothing written, no secret returned. */
  verifyBackup(file: Uint8Array, secret: B.BackupSecret, progress?: (f: number) => void) {
    return B.verifyBackup(file, secret, progress);
  },

  /** The scheduler's evaluation now (G.runDue): due changes only, by the system actor. */
  runLifecycle(ctx: CallContext = {}) {
    S.advanceClock(ctx?.now);
    return G.runDue();
  },

  close(): void {
    S.unbind();
  },
};

export type VaultService = typeof vaultService;
export type { RestoreOptions, RestoreResult, BackupSecret } from './backup.js';
export type { KeyCurve };
