// Envelope encryption, run inside the vault worker.
//
//   passphrase --PBKDF2-SHA512 / Argon2id--> KEK ─┐
//   passkey PRF output --HKDF-SHA256-------> KEK ─┼─ AES-256-GCM wrap ─> DEK (random 256-bit)
//                                                  └─ (one wrapped copy per method)
//   DEK --AES-256-GCM--> each secret (seed, mnemonic, imported private key)
//
// KEKs are non-extractable CryptoKeys: WebCrypto derives them straight from
// the passphrase (PBKDF2 deriveKey) or the PRF output (HKDF deriveKey, RFC
// 5869), so their bytes never exist in JS. The DEK is an extractable
// CryptoKey because adding an unlock method must wrap it again (wrapKey needs
// extractable keys); it never leaves the worker.
//
// AES-GCM per NIST SP 800-38D: 96-bit IVs from the CSPRNG, fresh for every
// encryption (§8.2.2, random construction; a vault makes far fewer than the
// 2^32 encryptions that construction allows under one key), 128-bit tags.
import { argon2id } from '../core/argon2.js';
import { VaultkeyError } from '../errors.js';
import {
  ARGON2_DEFAULT,
  PASSKEY_HKDF_INFO,
  PBKDF2_MIN_ITERATIONS,
  RECORD_FORMAT,
  randomBytes,
  secretAad,
  methodAad,
  type KdfParams,
  type MethodRecord,
  type SecretKind,
  type SecretRecord,
} from './format.js';

const subtle = () => {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new VaultkeyError('UNSUPPORTED', 'WebCrypto is not available (the vault needs a secure context)');
  return s;
};

const AES = { name: 'AES-GCM', length: 256 } as const;
const buf = (b: Uint8Array) => b as Uint8Array<ArrayBuffer>;

export type KdfChoice = { alg: 'PBKDF2-SHA512'; iterations?: number } | { alg: 'argon2id'; t?: number; m?: number; p?: number };

/** Fresh KDF parameters (new random salt) for a passphrase method. */
export function newKdfParams(choice: KdfChoice | undefined): KdfParams {
  const salt = randomBytes(32);
  if (!choice || choice.alg === 'PBKDF2-SHA512') {
    const iterations = choice?.iterations ?? PBKDF2_MIN_ITERATIONS;
    if (!Number.isInteger(iterations) || iterations < PBKDF2_MIN_ITERATIONS || iterations > 50_000_000) {
      throw new VaultkeyError('INVALID_ARGUMENT', `PBKDF2 iterations must be an integer in [${PBKDF2_MIN_ITERATIONS}, 5e7]`);
    }
    return { alg: 'PBKDF2-SHA512', iterations, salt };
  }
  if (choice.alg === 'argon2id') {
    const t = choice.t ?? ARGON2_DEFAULT.t;
    const m = choice.m ?? ARGON2_DEFAULT.m;
    const p = choice.p ?? ARGON2_DEFAULT.p;
    if (!Number.isInteger(t) || t < 3 || t > 100) throw new VaultkeyError('INVALID_ARGUMENT', 'argon2id t must be in [3, 100]');
    if (!Number.isInteger(m) || m < 65536 || m > 4 * 1024 * 1024)
      throw new VaultkeyError('INVALID_ARGUMENT', 'argon2id m (KiB) must be in [65536, 4194304]');
    if (!Number.isInteger(p) || p < 1 || p > 16) throw new VaultkeyError('INVALID_ARGUMENT', 'argon2id p must be in [1, 16]');
    return { alg: 'argon2id', t, m, p, salt };
  }
  throw new VaultkeyError('INVALID_ARGUMENT', 'kdf.alg must be PBKDF2-SHA512 or argon2id');
}

/**
 * Checks stored KDF parameters before running them: upper bounds so a damaged
 * record cannot make us spin for hours or allocate gigabytes. Lower bounds are
 * loose on purpose: records written under an older, lower floor must still
 * open (then `setPassphrase` raises them), and lowering the parameters of a
 * record gains an attacker nothing (the checksum flags it, and the KEK changes).
 */
export function checkStoredKdf(k: unknown): asserts k is KdfParams {
  const x = k as KdfParams | undefined;
  const ok =
    !!x &&
    x.salt instanceof Uint8Array &&
    x.salt.length >= 16 &&
    ((x.alg === 'PBKDF2-SHA512' && Number.isInteger(x.iterations) && x.iterations >= 1 && x.iterations <= 50_000_000) ||
      (x.alg === 'argon2id' &&
        Number.isInteger(x.t) &&
        x.t >= 1 &&
        x.t <= 100 &&
        Number.isInteger(x.m) &&
        x.m >= 8 &&
        x.m <= 4194304 &&
        Number.isInteger(x.p) &&
        x.p >= 1 &&
        x.p <= 16));
  if (!ok) throw new VaultkeyError('CORRUPTED', 'the passphrase method record has invalid KDF parameters');
}

export function passphraseBytes(passphrase: unknown): Uint8Array {
  if (typeof passphrase !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'passphrase must be a string');
  // NFKC so the same passphrase typed on another keyboard/IME gives the same bytes.
  const bytes = new TextEncoder().encode(passphrase.normalize('NFKC'));
  if (bytes.length === 0) throw new VaultkeyError('INVALID_ARGUMENT', 'passphrase must not be empty');
  return bytes;
}

/** Passphrase -> non-extractable AES-256-GCM KEK. Zeroes the passphrase bytes. */
export async function passphraseKek(pw: Uint8Array, kdf: KdfParams): Promise<CryptoKey> {
  try {
    if (kdf.alg === 'PBKDF2-SHA512') {
      const base = await subtle().importKey('raw', buf(pw), 'PBKDF2', false, ['deriveKey']);
      return await subtle().deriveKey(
        { name: 'PBKDF2', hash: 'SHA-512', salt: buf(kdf.salt), iterations: kdf.iterations },
        base,
        AES,
        false,
        ['wrapKey', 'unwrapKey'],
      );
    }
    // vaultkey's Argon2id (src/core/argon2.ts, RFC 9106 KAT in test/argon2.test.ts): same output as
    // hash-wasm's, which earlier releases used, so stored records open unchanged.
    const raw = await argon2id(pw, kdf.salt, { t: kdf.t, m: kdf.m, p: kdf.p, dkLen: 32 });
    try {
      return await subtle().importKey('raw', buf(raw), AES, false, ['wrapKey', 'unwrapKey']);
    } finally {
      raw.fill(0);
    }
  } finally {
    pw.fill(0);
  }
}

/**
 * WebAuthn PRF output (WebAuthn L3 §10.1.4, 32 bytes from the authenticator's
 * hmac-secret) -> HKDF-SHA256 (RFC 5869) with the method's stored random
 * salt and a fixed info string -> non-extractable AES-256-GCM KEK. Zeroes `prf`.
 */
export async function prfKek(prf: Uint8Array, hkdfSalt: Uint8Array): Promise<CryptoKey> {
  try {
    if (!(prf instanceof Uint8Array) || prf.length < 32)
      throw new VaultkeyError('INVALID_ARGUMENT', 'PRF output must be at least 32 bytes');
    const base = await subtle().importKey('raw', buf(prf), 'HKDF', false, ['deriveKey']);
    return await subtle().deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: buf(hkdfSalt), info: buf(PASSKEY_HKDF_INFO) },
      base,
      AES,
      false,
      ['wrapKey', 'unwrapKey'],
    );
  } finally {
    if (prf instanceof Uint8Array) prf.fill(0);
  }
}

export function newDek(): Promise<CryptoKey> {
  return subtle().generateKey(AES, true, ['encrypt', 'decrypt']) as Promise<CryptoKey>;
}

export async function wrapDek(
  dek: CryptoKey,
  kek: CryptoKey,
  methodId: string,
  v: number,
): Promise<{ iv: Uint8Array; wrappedDek: Uint8Array }> {
  const iv = randomBytes(12);
  const wrapped = await subtle().wrapKey('raw', dek, kek, { name: 'AES-GCM', iv, additionalData: buf(methodAad(methodId, v)) });
  return { iv, wrappedDek: new Uint8Array(wrapped) };
}

/** Unwraps the DEK; null means the GCM tag failed (wrong KEK, i.e. wrong passphrase or passkey). */
export async function unwrapDek(rec: MethodRecord, kek: CryptoKey): Promise<CryptoKey | null> {
  try {
    return await subtle().unwrapKey(
      'raw',
      buf(rec.wrappedDek),
      kek,
      { name: 'AES-GCM', iv: buf(rec.iv), additionalData: buf(methodAad(rec.id, rec.v)) },
      AES,
      true,
      ['encrypt', 'decrypt'],
    );
  } catch {
    return null;
  }
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  let o = 0;
  for (const p of parts) {
    new DataView(out.buffer).setUint32(o, p.length);
    out.set(p, o + 4);
    o += 4 + p.length;
  }
  return out;
}

/** SHA-256 over a length-prefixed encoding of every field of a method record except `checksum`. */
export async function methodChecksum(r: Omit<MethodRecord, 'checksum'>): Promise<Uint8Array> {
  const e = new TextEncoder();
  const kdf = r.kdf
    ? r.kdf.alg === 'PBKDF2-SHA512'
      ? [e.encode(`${r.kdf.alg}/${r.kdf.iterations}`), r.kdf.salt]
      : [e.encode(`${r.kdf.alg}/${r.kdf.t}/${r.kdf.m}/${r.kdf.p}`), r.kdf.salt]
    : [new Uint8Array(0), new Uint8Array(0)];
  const fields = [
    e.encode(r.id),
    e.encode(r.kind),
    e.encode(String(r.v)),
    e.encode(String(r.createdAt)),
    e.encode(r.label),
    ...kdf,
    r.credentialId ?? new Uint8Array(0),
    e.encode(r.rpId ?? ''),
    r.prfSalt ?? new Uint8Array(0),
    r.hkdfSalt ?? new Uint8Array(0),
    r.iv,
    r.wrappedDek,
  ];
  return new Uint8Array(await subtle().digest('SHA-256', concat(fields)));
}

/** Throws CORRUPTED unless the record is well formed and its checksum matches. */
export async function checkMethodRecord(r: unknown): Promise<MethodRecord> {
  const x = r as MethodRecord | undefined;
  const bytes = (b: unknown, n?: number) => b instanceof Uint8Array && (n === undefined || b.length === n);
  if (
    !x ||
    typeof x.id !== 'string' ||
    (x.kind !== 'passphrase' && x.kind !== 'passkey') ||
    !bytes(x.iv, 12) ||
    !bytes(x.wrappedDek, 48) ||
    !bytes(x.checksum, 32) ||
    typeof x.label !== 'string' ||
    typeof x.createdAt !== 'number' ||
    typeof x.v !== 'number'
  ) {
    throw new VaultkeyError('CORRUPTED', 'an unlock method record is malformed or truncated');
  }
  if (x.v > RECORD_FORMAT) throw new VaultkeyError('SCHEMA_TOO_NEW', 'an unlock method record was written by a newer vaultkey');
  if (x.kind === 'passkey' && !(bytes(x.credentialId) && bytes(x.prfSalt, 32) && bytes(x.hkdfSalt, 32))) {
    throw new VaultkeyError('CORRUPTED', 'a passkey method record is malformed or truncated');
  }
  if (x.kind === 'passphrase') checkStoredKdf(x.kdf);
  const { checksum, ...rest } = x;
  const want = await methodChecksum(rest);
  let d = 0;
  for (let i = 0; i < 32; i++) d |= want[i]! ^ checksum[i]!;
  if (d !== 0) throw new VaultkeyError('CORRUPTED', 'an unlock method record failed its checksum');
  return x;
}

export async function encryptSecret(
  dek: CryptoKey,
  kind: SecretKind,
  id: string,
  v: number,
  plaintext: Uint8Array,
): Promise<{ iv: Uint8Array; ct: Uint8Array }> {
  const iv = randomBytes(12);
  const ct = await subtle().encrypt(
    { name: 'AES-GCM', iv, additionalData: buf(secretAad(kind, id, v)), tagLength: 128 },
    dek,
    buf(plaintext),
  );
  return { iv, ct: new Uint8Array(ct) };
}

/**
 * Decrypts a secret record under the (verified) DEK. Since the DEK is known to
 * be right, any failure here is damage or tampering: CORRUPTED. The AAD is
 * rebuilt from the record's own id, kind and version, so a ciphertext moved
 * to another record, or relabelled, fails the tag.
 */
export async function decryptSecret(dek: CryptoKey, r: unknown, expectKind?: SecretKind): Promise<Uint8Array> {
  const x = r as SecretRecord | undefined;
  if (
    !x ||
    typeof x.id !== 'string' ||
    typeof x.kind !== 'string' ||
    typeof x.v !== 'number' ||
    !(x.iv instanceof Uint8Array) ||
    x.iv.length !== 12 ||
    !(x.ct instanceof Uint8Array) ||
    x.ct.length < 17
  ) {
    throw new VaultkeyError('CORRUPTED', 'a secret record is malformed or truncated');
  }
  if (x.v > RECORD_FORMAT) throw new VaultkeyError('SCHEMA_TOO_NEW', 'a secret record was written by a newer vaultkey');
  if (expectKind && x.kind !== expectKind) throw new VaultkeyError('CORRUPTED', 'a secret record has an unexpected kind');
  try {
    const pt = await subtle().decrypt(
      { name: 'AES-GCM', iv: buf(x.iv), additionalData: buf(secretAad(x.kind, x.id, x.v)), tagLength: 128 },
      dek,
      buf(x.ct),
    );
    return new Uint8Array(pt);
  } catch {
    throw new VaultkeyError('CORRUPTED', 'a secret record failed authentication (damaged, truncated or moved)');
  }
}
