// The audit calls that are not on every unlock's path: the vault's Ed25519
// audit signing key and the signed export (docs/security.md, "Verifiable
// export"), retention's prune and the stats (docs/security.md, "Retention").
// Part of the vault worker's bundle (a worker cannot import() code, see
// docs/vault.md "Lazy parts"); the Ed25519 part it signs with is fetched on
// first use.
import { hkdfSha256 } from '../../src/core/hash.js';
import { VaultkeyError } from '../../src/errors.js';
import { ed25519, initEd25519 } from '../../src/core/ed25519.js';
import { AUDIT_SIGNING_HKDF_INFO, buildAuditExport } from '../../src/security/audit-export.js';
import { b64url, utf8 } from '../../src/security/canonical.js';
import { type AuditAnchor, type AuditEntry, type AuditVerification, verifyAuditEntries, wellFormed } from '../../src/security/audit.js';
import { bytesEqual, canonicalJson } from '../../src/security/canonical.js';
import { STORES } from '../../src/vault/format.js';
import * as S from './state.js';
import { cachedManifest, mutate, read } from './records.js';
import * as G from './governance.js';

/**
 * Runs `f` with the vault's Ed25519 audit signing key: derived from the
 * random audit key sealed in the keyring (HKDF-SHA256, RFC 5869, its own
 * info string), so every vault has one from creation on and no migration
 * adds it. The secret is zeroed afterwards.
 */
function withAuditSigningKey<T>(f: (secret: Uint8Array) => T): T {
  const secret = hkdfSha256(S.need().auditKey, new Uint8Array(0), utf8(AUDIT_SIGNING_HKDF_INFO), 32);
  try {
    return f(secret);
  } finally {
    secret.fill(0);
  }
}

/** base64url of the Ed25519 audit public key: what an auditor needs to check a signed export. */
export async function auditPublicKey(): Promise<string> {
  await initEd25519();
  return b64url(withAuditSigningKey((k) => ed25519.getPublicKey(k)));
}

/**
 * The whole log as a signed export (src/security/audit-export.ts): the HMAC
 * chain is verified first, and a broken one is refused (AUDIT_TAMPERED) —
 * signing would vouch for entries the vault itself cannot vouch for.
 */
export async function exportSignedAudit(): Promise<string> {
  const v = await G.verifyAudit();
  if (!v.ok) throw new VaultkeyError('AUDIT_TAMPERED', `the audit log does not verify (${v.reason} at entry ${v.seq}); export it unsigned`);
  const { entries, anchor } = await G.storedRun();
  await initEd25519();
  const x = withAuditSigningKey((k) =>
    buildAuditExport(entries, ed25519.getPublicKey(k), S.now(), (msg) => ed25519.sign(msg, k), anchor?.mac ?? ''),
  );
  return JSON.stringify(x);
}

/** Where the log stands: stored run, pruned prefix, verified checkpoint and the last walk's size. */
export async function auditStats() {
  const m = cachedManifest() ?? (await read([], async (t) => t.m));
  const firstSeq = m.auditFrom ? m.auditFrom.seq + 1 : 0;
  const st = G.auditState();
  const cp = await readCheckpoint();
  return {
    firstSeq,
    lastSeq: m.audit?.seq ?? -1,
    stored: m.audit ? m.audit.seq + 1 - firstSeq : 0,
    pruned: firstSeq,
    anchor: m.auditFrom ?? null,
    verifiedThrough: cp?.seq ?? -1,
    maxEntries: st.max ?? null,
    lastWalk: st.lastWalk,
  };
}

/**
 * Retention: drops the oldest entries down to maxEntries. Only a chain that
 * verifies is pruned (what is discarded was checked first); the last pruned
 * entry's seq and mac become the manifest's `auditFrom`, which the first kept
 * entry links to, so the kept run still verifies and the anchor is as
 * tamper-evident as the manifest (MAC'd, versioned).
 */
export async function prune(): Promise<number> {
  const st = G.auditState();
  const max = st.max!;
  const m = cachedManifest() ?? (await read([], async (t) => t.m));
  if (st.broken || !m.audit) return 0;
  const first = m.auditFrom ? m.auditFrom.seq + 1 : 0;
  if (m.audit.seq + 1 - first <= max + Math.ceil(max / 10)) return 0;
  if (!(await G.verifyAudit()).ok) return 0;
  return mutate([STORES.audit], async (t) => {
    const head = t.m.audit;
    const from = t.m.auditFrom;
    const base = from ? from.seq + 1 : 0;
    if (!head) return 0;
    const cut = head.seq - max;
    if (cut < base) return 0;
    const store = t.tx.objectStore(STORES.audit);
    const rows = (await store.getAll(IDBKeyRange.upperBound(cut))) as { seq: number }[];
    let mac: string | undefined;
    const waits: Promise<unknown>[] = [];
    for (const r of rows) {
      const es = st.flatten([r]) as AuditEntry[];
      const hit = es.find((e) => e.seq === cut);
      if (hit) mac = hit.mac;
      const keep = es.filter((e) => e.seq > cut);
      waits.push(store.delete(r.seq));
      if (keep.length) waits.push(store.put({ seq: keep[0]!.seq, entries: keep }));
    }
    if (mac === undefined) throw new VaultkeyError('CORRUPTED', `audit entry ${cut} is missing; nothing was pruned`);
    t.m.auditFrom = { seq: cut, mac };
    await Promise.all(waits);
    return cut + 1 - base;
  });
}

// ---- incremental verification (docs/security.md "Retention") ----

type CheckpointRecord = { id: 'audit-verified'; seq: number; mac: string; tag: string };
const checkpointTag = (key: Uint8Array, seq: number, mac: string) => G.auditState().auditMac(key, canonicalJson({ verified: seq, mac }));

export async function writeCheckpoint(seq: number, mac: string): Promise<void> {
  const rec: CheckpointRecord = { id: 'audit-verified', seq, mac, tag: checkpointTag(S.need().auditKey, seq, mac) };
  await (await S.db()).put(STORES.meta, rec);
}

/** The verified checkpoint, if its tag (HMAC under the audit key) holds: forging one needs the unlocked vault. */
async function readCheckpoint(): Promise<AuditAnchor | undefined> {
  const c = (await (await S.db()).get(STORES.meta, 'audit-verified')) as CheckpointRecord | undefined;
  if (!c || !Number.isSafeInteger(c.seq) || typeof c.mac !== 'string' || typeof c.tag !== 'string') return undefined;
  if (!bytesEqual(utf8(c.tag), utf8(checkpointTag(S.need().auditKey, c.seq, c.mac)))) return undefined;
  return { seq: c.seq, mac: c.mac };
}

async function chainKey(): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', S.need().auditKey.slice() as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
}

/**
 * Unlock's check: the entries after the last verified checkpoint only, so its
 * cost follows what was written since, not the log's size. The checkpoint is
 * used only if the stored entry at its seq still has its mac; otherwise (first
 * unlock, reanchor, a checkpoint that fails its tag) the whole stored run is walked.
 */
export async function verifyTail(): Promise<AuditVerification> {
  const m = cachedManifest() ?? (await read([], async (t) => t.m));
  const d = await S.db();
  const cp = await readCheckpoint();
  let start: AuditAnchor | undefined = m.auditFrom;
  let rows: unknown[] | undefined;
  if (cp && m.audit && cp.seq <= m.audit.seq && cp.seq > (m.auditFrom?.seq ?? -1)) {
    const tx = d.transaction(STORES.audit);
    const [holderRow, after] = await Promise.all([
      tx.store.openCursor(IDBKeyRange.upperBound(cp.seq), 'prev').then((c) => c?.value),
      tx.store.getAll(IDBKeyRange.lowerBound(cp.seq, true)),
    ]);
    const holder = G.auditState().flatten(holderRow === undefined ? [] : [holderRow]);
    const at = holder.findIndex((e) => wellFormed(e) && e.seq === cp.seq);
    if (at >= 0 && (holder[at] as AuditEntry).mac === cp.mac) {
      start = cp;
      rows = [...holder.slice(at + 1), ...G.auditState().flatten(after)];
    }
  }
  rows ??= await G.auditState().store.entries();
  const head = await G.auditState().store.head();
  const r = await verifyAuditEntries(await chainKey(), rows, head, start);
  G.auditState().setLastWalk({ from: start ? start.seq + 1 : 0, checked: r.ok ? rows.length : -1, ok: r.ok, full: start === m.auditFrom });
  if (r.ok && head) await writeCheckpoint(head.seq, head.mac);
  return r;
}
