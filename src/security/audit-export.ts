// Signed audit export: what an auditor needs to check the vault's audit log
// with nothing but the vault's audit public key (docs/security.md,
// "Verifiable export").
//
// The stored chain is linked by HMACs under a key that never leaves the
// vault, so an outsider cannot check it. At export time the worker first
// verifies that HMAC chain, then lays a public SHA-256 chain (FIPS 180-4)
// over the same entries and signs its head with Ed25519 (RFC 8032):
//
//   hash_i = b64url(SHA-256(canonicalJson({ entry: entry_i, prev: hash_{i-1} })))   (prev of the first = "")
//   signed = "vaultkey audit export v1\n" || canonicalJson({ format, version, publicKey, exportedAt, head })
//   head   = { firstSeq, lastSeq, count, hash: hash_last, anchorMac }
//
// Editing an entry changes its hash; recomputing the hashes changes the head,
// which the signature covers; removing, moving or cutting entries breaks
// the seq run or the count. Each is reported with its own reason.
//
// The Ed25519 key is derived from the vault's random audit key (HKDF,
// RFC 5869) by the worker; only its public half is ever shown.
import { VaultkeyError } from '../errors.js';
import { sha256 } from '../core/hash.js';
import { ed25519, initEd25519 } from '../core/ed25519.js';
import { init } from '../core/wasm.js';
import { type AuditEntry, wellFormed } from './audit.js';
import { b64url, bytesEqual, canonicalJson, fromHex, utf8 } from './canonical.js';
import { fromB64url } from '../bytes.js';

export const AUDIT_EXPORT_FORMAT = 'vaultkey-audit-export';
export const AUDIT_EXPORT_VERSION = 1;
/** HKDF info (RFC 5869 §3.2) for the Ed25519 audit signing key: separate from the chain's HMAC use of the same audit key. */
export const AUDIT_SIGNING_HKDF_INFO = 'vaultkey/v1 audit-export Ed25519';
const SIGNING_DOMAIN = 'vaultkey audit export v1\n';

/** One exported entry: the stored entry (HMAC link included, opaque to an auditor) plus its public hash link. */
export type ExportedAuditEntry = AuditEntry & { hash: string; prev: string };

export interface AuditExportHead {
  /** seq of the first exported entry (0 unless older entries were pruned). */
  firstSeq: number;
  /** seq of the last exported entry (-1 for an empty log). */
  lastSeq: number;
  count: number;
  /** hash of the last entry ("" for an empty log). */
  hash: string;
  /**
   * Retention: the stored mac of the last pruned entry, which the first
   * exported entry's own `prev` link continues ("" when nothing was pruned).
   * An earlier export that still holds entry `firstSeq - 1` shows the same
   * value as that entry's `mac`: that is how two exports are joined.
   */
  anchorMac: string;
}

export interface SignedAuditExport {
  format: typeof AUDIT_EXPORT_FORMAT;
  version: typeof AUDIT_EXPORT_VERSION;
  algorithm: 'Ed25519';
  /** base64url, 32 bytes. */
  publicKey: string;
  /** UTC milliseconds. */
  exportedAt: number;
  head: AuditExportHead;
  entries: ExportedAuditEntry[];
  /** base64url Ed25519 signature (64 bytes) over the signed header (see signedHeader). */
  signature: string;
}

export type AuditExportFailure =
  /** Not JSON, or not shaped like an export. */
  | 'MALFORMED'
  /** The export names another public key than the one the auditor trusts. */
  | 'WRONG_KEY'
  /** The signature does not verify over the head and metadata. */
  | 'BAD_SIGNATURE'
  /** An entry's content does not match its hash (edited). */
  | 'ENTRY_MODIFIED'
  /** An entry's prev does not match the previous entry's hash. */
  | 'LINK_BROKEN'
  /** An entry is missing from the middle of the run. */
  | 'MISSING'
  /** Entries are present but not in seq order. */
  | 'OUT_OF_ORDER'
  /** Entries are missing from the end. */
  | 'TRUNCATED'
  /** The entries do not end at the signed head (extra entries, or a different last hash). */
  | 'HEAD_MISMATCH';

export type AuditExportVerification =
  | { ok: true; entries: number; head: AuditExportHead; publicKey: string; exportedAt: number }
  | {
      ok: false;
      reason: AuditExportFailure;
      /** Position in the entries array where verification stopped (when it is about an entry). */
      index?: number;
      message: string;
    };

/** The public hash link of one entry (see the header of this file). */
export function exportEntryHash(entry: AuditEntry, prev: string): string {
  return b64url(sha256(utf8(canonicalJson({ entry, prev }))));
}

/** The bytes the Ed25519 signature covers. */
export function signedHeader(x: Pick<SignedAuditExport, 'format' | 'version' | 'publicKey' | 'exportedAt' | 'head'>): Uint8Array {
  const { format, version, publicKey, exportedAt, head } = x;
  return utf8(SIGNING_DOMAIN + canonicalJson({ format, version, publicKey, exportedAt, head }));
}

/**
 * Builds the export (worker side): links `entries` (already verified against
 * the HMAC chain) and signs the head with `sign`. The entries must be the
 * whole stored run, in seq order.
 */
export function buildAuditExport(
  entries: readonly AuditEntry[],
  publicKey: Uint8Array,
  exportedAt: number,
  sign: (message: Uint8Array) => Uint8Array,
  anchorMac = '',
): SignedAuditExport {
  let prev = '';
  const out: ExportedAuditEntry[] = [];
  for (const e of entries) {
    const hash = exportEntryHash(e, prev);
    out.push({ ...e, prev, hash });
    prev = hash;
  }
  const head: AuditExportHead = {
    firstSeq: entries.length ? entries[0]!.seq : 0,
    lastSeq: entries.length ? entries[entries.length - 1]!.seq : -1,
    count: entries.length,
    hash: prev,
    anchorMac,
  };
  const body = {
    format: AUDIT_EXPORT_FORMAT,
    version: AUDIT_EXPORT_VERSION,
    algorithm: 'Ed25519',
    publicKey: b64url(publicKey),
    exportedAt,
    head,
  } as const;
  return { ...body, entries: out, signature: b64url(sign(signedHeader(body))) };
}

/** A public key given as 32 raw bytes, 64 hex digits or 43 base64url characters. */
export function parseAuditPublicKey(key: unknown): Uint8Array {
  let k: Uint8Array;
  if (key instanceof Uint8Array) k = key;
  else if (typeof key === 'string' && /^[0-9a-fA-F]{64}$/.test(key)) k = fromHex(key, 'publicKey');
  else if (typeof key === 'string' && /^[A-Za-z0-9_-]{43}=?$/.test(key)) k = fromB64url(key, 'publicKey');
  else throw new VaultkeyError('INVALID_ARGUMENT', 'publicKey must be 32 bytes, 64 hex digits or base64url');
  if (k.length !== 32) throw new VaultkeyError('INVALID_ARGUMENT', 'publicKey must be 32 bytes');
  return k;
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isB64 = (v: unknown, bytes: number): v is string =>
  typeof v === 'string' && v.length === Math.ceil((bytes * 4) / 3) && /^[A-Za-z0-9_-]*$/.test(v);
const HASH_RE = /^[A-Za-z0-9_-]{43}$/;

function headOk(h: unknown): h is AuditExportHead {
  if (!h || typeof h !== 'object' || Array.isArray(h)) return false;
  const x = h as AuditExportHead;
  return (
    Object.keys(x).length === 5 &&
    typeof x.anchorMac === 'string' &&
    x.anchorMac.length <= 128 &&
    isInt(x.firstSeq) &&
    x.firstSeq >= 0 &&
    isInt(x.lastSeq) &&
    x.lastSeq >= -1 &&
    isInt(x.count) &&
    x.count >= 0 &&
    typeof x.hash === 'string' &&
    (x.count === 0 ? x.hash === '' : HASH_RE.test(x.hash))
  );
}

/**
 * Verifies a signed audit export with only the vault's audit public key
 * (docs/security.md, "Verifiable export"). Never throws for a bad export:
 * the result names what is wrong. Throws INVALID_ARGUMENT only for a
 * malformed `publicKey` argument.
 */
export async function verifyAuditExport(file: string | object, publicKey: string | Uint8Array): Promise<AuditExportVerification> {
  const trusted = parseAuditPublicKey(publicKey);
  const broken = (reason: AuditExportFailure, message: string, index?: number): AuditExportVerification =>
    index === undefined ? { ok: false, reason, message } : { ok: false, reason, index, message };
  let x: SignedAuditExport;
  try {
    x = (typeof file === 'string' ? JSON.parse(file) : file) as SignedAuditExport;
  } catch {
    return broken('MALFORMED', 'the export is not JSON');
  }
  if (
    !x ||
    typeof x !== 'object' ||
    x.format !== AUDIT_EXPORT_FORMAT ||
    x.version !== AUDIT_EXPORT_VERSION ||
    x.algorithm !== 'Ed25519' ||
    !isB64(x.publicKey, 32) ||
    !isB64(x.signature, 64) ||
    !isInt(x.exportedAt) ||
    !headOk(x.head) ||
    !Array.isArray(x.entries)
  ) {
    return broken('MALFORMED', `not a version ${AUDIT_EXPORT_VERSION} ${AUDIT_EXPORT_FORMAT} file`);
  }
  if (!bytesEqual(fromB64url(x.publicKey, 'publicKey'), trusted)) {
    return broken('WRONG_KEY', 'the export was signed by another audit key than the one given');
  }
  await Promise.all([init(), initEd25519()]);
  let header: Uint8Array;
  try {
    header = signedHeader(x);
  } catch {
    return broken('MALFORMED', 'the export header is not canonical JSON');
  }
  if (!ed25519.verify(fromB64url(x.signature, 'signature'), header, trusted)) {
    return broken('BAD_SIGNATURE', 'the signature does not verify over the head and metadata');
  }
  const { head, entries } = x;
  let prev = '';
  for (let i = 0; i < entries.length; i++) {
    const raw = entries[i] as unknown;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return broken('MALFORMED', `entry ${i} is not an object`, i);
    const { hash, prev: link, ...entry } = raw as ExportedAuditEntry;
    if (!wellFormed(entry) || typeof hash !== 'string' || typeof link !== 'string') {
      return broken('MALFORMED', `entry ${i} is not a well-formed audit entry`, i);
    }
    const want = head.firstSeq + i;
    if (entry.seq !== want) {
      const later = entry.seq < want || entries.slice(i + 1).some((e) => (e as { seq?: unknown })?.seq === want);
      return later
        ? broken('OUT_OF_ORDER', `position ${i} holds seq ${entry.seq}, expected ${want}`, i)
        : broken('MISSING', `entry seq ${want} is missing (found ${entry.seq} in its place)`, i);
    }
    let h: string;
    try {
      h = exportEntryHash(entry, link);
    } catch {
      return broken('MALFORMED', `entry ${i} is not canonical JSON`, i);
    }
    if (h !== hash) return broken('ENTRY_MODIFIED', `entry seq ${want} does not match its hash (edited)`, i);
    if (link !== prev) return broken('LINK_BROKEN', `entry seq ${want} does not link to the entry before it`, i);
    prev = hash;
  }
  if (entries.length < head.count) {
    return broken('TRUNCATED', `${head.count - entries.length} entries were cut from the end (the head signs ${head.count})`);
  }
  if (entries.length > head.count || prev !== head.hash || head.lastSeq !== head.firstSeq + head.count - 1) {
    return broken('HEAD_MISMATCH', 'the entries do not end at the signed head');
  }
  return { ok: true, entries: entries.length, head, publicKey: x.publicKey, exportedAt: x.exportedAt };
}
