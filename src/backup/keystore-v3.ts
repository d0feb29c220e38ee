// Ethereum keystore v3 JSON: the Web3 Secret Storage Definition
// (ethereum.org, "Web3 secret storage definition"), as written by geth,
// MetaMask, MyEtherWallet and ethers.
//
//   DK   = scrypt(password, salt, n, r, p, 32) | PBKDF2-HMAC-SHA256(password, salt, c, 32)
//   MAC  = keccak256(DK[16..32] || ciphertext)            checked before decrypting
//   key  = AES-128-CTR(DK[0..16], iv) over the ciphertext (a 32-byte secp256k1 key)
//
// scrypt comes from @noble/hashes, PBKDF2 and AES-CTR from WebCrypto.
// KDF parameters are bounded before the KDF runs, so a hostile file cannot
// make us allocate gigabytes or spin for minutes: KEYSTORE_BOUNDS is what a
// file may ask at all (UNSUPPORTED), the caller's caps (kdf-limits.ts,
// default 256 MiB, n·r·p <= 2^22, c <= 10^6) what one call agrees to spend
// (KDF_LIMIT). The address is derived with vaultkey's own secp256k1 and
// compared with the file's, if present.
//
// Input is read once into plain data (own data properties only: a getter or
// a Proxy trap cannot answer one value to the check and another to the KDF),
// then checked field by field against the definition: a missing or unknown
// field is refused rather than skipped, so a misspelt "address" or
// "cipherparams" cannot silently drop a check.
//
// Passwords: the definition does not say how a password becomes bytes. geth
// (go-ethereum, where the format comes from) feeds the UTF-8 bytes as typed;
// ethers v5 and v6 normalise to NFKC first (wallet/utils.ts getPassword), as
// vaultkey's backup files and unlock passphrases do. The two agree on every
// NFKC-stable password (all of ASCII among them). We use NFKC for reading and
// writing by default and `normalization: 'none'` for geth's bytes: one KDF
// run per call, never one per spelling.
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { VaultkeyError, type VaultkeyErrorCode } from '../errors.js';
import { init } from '../core/wasm.js';
import { secp256k1 } from '../core/secp256k1.js';
import { keccak256 } from '../core/hash.js';
import { toChecksumAddress } from '../hd/addresses.js';
import { bytesEqual, subtle, toHex } from '../security/canonical.js';
import { type KdfControl, type KdfLimits, aborted, kdfWork, overLimit, readControl, throwIfAborted, untilAborted } from './kdf-limits.js';

/** geth's "standard" scrypt parameters (accounts/keystore: StandardScryptN/P). */
export const KEYSTORE_SCRYPT_DEFAULT = Object.freeze({ n: 262144, r: 8, p: 1 });
/** PBKDF2 iterations when the caller picks pbkdf2 without a count (the Web3 Secret Storage Definition's test vector uses 262144). */
export const KEYSTORE_PBKDF2_DEFAULT = Object.freeze({ c: 262144 });

/**
 * Upper bounds on what a keystore may ask of us at all (beyond them:
 * UNSUPPORTED). scrypt needs 128·n·r bytes and n·r·p units of work: the
 * memory bound is noble's own 1 GiB limit, the work bound 8× geth's standard
 * (2^18·8·1). A call spends less unless its `limits` allow more (KDF_LIMITS:
 * 256 MiB, n·r·p <= 2^22, c <= 10^6).
 */
export const KEYSTORE_BOUNDS = Object.freeze({
  scryptNMax: 2 ** 20,
  scryptRMax: 16,
  scryptPMax: 16,
  scryptMemMax: 2 ** 30,
  scryptWorkMax: 2 ** 24,
  pbkdf2CMax: 10_000_000,
});

const MAX_JSON_CHARS = 64 * 1024;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Kdf = { kdf: 'scrypt'; n: number; r: number; p: number; salt: Uint8Array } | { kdf: 'pbkdf2'; c: number; salt: Uint8Array };

/** How a password becomes bytes: 'NFKC' (ethers v5/v6, vaultkey) or 'none' (UTF-8 as typed, geth). */
export type KeystorePasswordNormalization = 'NFKC' | 'none';

export interface KeystoreV3DecryptOptions extends KdfControl {
  /** Default 'NFKC' (ethers); 'none' opens a geth file whose password changes under NFKC. One KDF run either way. */
  normalization?: KeystorePasswordNormalization;
}

export interface KeystoreV3EncryptOptions extends KdfControl {
  /** Default 'NFKC', which ethers reads; 'none' writes geth's bytes. */
  normalization?: KeystorePasswordNormalization;
  /** Default 'scrypt'. */
  kdf?: 'scrypt' | 'pbkdf2';
  /** Default { n: 262144, r: 8, p: 1 } (geth standard). n a power of two in [2, 2^20]. */
  scrypt?: { n: number; r: number; p: number };
  /** Default { c: 262144 }. */
  pbkdf2?: { c: number };
  /** Default a random UUID v4. */
  uuid?: string;
  /** Default 32 random bytes; 16..64 bytes. */
  salt?: Uint8Array;
  /** Default 16 random bytes. */
  iv?: Uint8Array;
}

export interface KeystoreV3Account {
  privateKey: Uint8Array;
  /** EIP-55 checksummed 0x address. */
  address: string;
}

const bad = (message: string) => new VaultkeyError('INVALID_KEYSTORE', message);
const unsupported = (message: string) => new VaultkeyError('UNSUPPORTED', message);
const isInt = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const buf = (b: Uint8Array) => b as Uint8Array<ArrayBuffer>;

/** Hex field of `len` bytes (or `min..max`); either case, optional 0x, as writers differ. */
function hexField(v: unknown, name: string, min: number, max = min): Uint8Array {
  if (typeof v !== 'string') throw bad(`${name} must be a hex string`);
  const s = v.startsWith('0x') || v.startsWith('0X') ? v.slice(2) : v;
  // Lengths before the pattern: a hostile multi-megabyte string is refused without being scanned.
  if (s.length % 2 !== 0 || s.length / 2 < min || s.length / 2 > max || !/^[0-9a-fA-F]*$/.test(s)) {
    throw bad(min === max ? `${name} must be ${min} bytes of hex` : `${name} must be ${min} to ${max} bytes of hex`);
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Checks scrypt/PBKDF2 parameters. `malformed` is the code for values that
 * are not valid at all, `beyond` for valid values past KEYSTORE_BOUNDS
 * (reading: INVALID_KEYSTORE / UNSUPPORTED; writing: INVALID_ARGUMENT for both).
 */
function checkScrypt(n: unknown, r: unknown, p: unknown, malformed: VaultkeyErrorCode, beyond: VaultkeyErrorCode): void {
  const b = KEYSTORE_BOUNDS;
  if (!isInt(n, 2, 2 ** 40) || !Number.isInteger(Math.log2(n))) throw new VaultkeyError(malformed, 'scrypt n must be a power of two >= 2');
  if (!isInt(r, 1, 2 ** 30) || !isInt(p, 1, 2 ** 30)) throw new VaultkeyError(malformed, 'scrypt r and p must be positive integers');
  if (n > b.scryptNMax || r > b.scryptRMax || p > b.scryptPMax || 128 * n * r > b.scryptMemMax || n * r * p > b.scryptWorkMax) {
    throw new VaultkeyError(
      beyond,
      'scrypt parameters beyond the bounds vaultkey runs (n <= 2^20, r <= 16, p <= 16, 128·n·r <= 1 GiB, n·r·p <= 2^24)',
    );
  }
}

function checkPbkdf2(c: unknown, malformed: VaultkeyErrorCode, beyond: VaultkeyErrorCode): void {
  if (!isInt(c, 1, Number.MAX_SAFE_INTEGER)) throw new VaultkeyError(malformed, 'pbkdf2 c must be a positive integer');
  if (c > KEYSTORE_BOUNDS.pbkdf2CMax) throw new VaultkeyError(beyond, 'pbkdf2 iteration count beyond 10,000,000');
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const MAX_NODES = 2000;
const MAX_DEPTH = 16;
/** A field name fit for an error message: attacker-chosen, so shortened and restricted to a safe alphabet. */
const fieldName = (k: string) => k.slice(0, 32).replace(/[^A-Za-z0-9_.-]/g, '?');

/**
 * One read of the input into plain data: own enumerable data properties only
 * (a getter is refused, not run; symbols and inherited properties are not
 * data), bounded in size and depth. Whatever a Proxy trap throws becomes
 * INVALID_KEYSTORE. Objects come out with a null prototype, so a "__proto__"
 * key is just a (refused) field.
 */
function snapshot(input: unknown): Json {
  let nodes = 0;
  const walk = (x: unknown, depth: number, path: string): Json => {
    if (++nodes > MAX_NODES) throw bad('keystore has too many fields');
    if (x === null || typeof x === 'string' || typeof x === 'boolean') return x;
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) throw bad(`${path} must be a finite number`);
      return x;
    }
    if (typeof x !== 'object') throw bad(`${path} must be JSON data`);
    if (depth >= MAX_DEPTH) throw bad('keystore is nested too deeply');
    const array = Array.isArray(x);
    const out: Json[] | Obj = array ? [] : (Object.create(null) as Obj);
    for (const k of Reflect.ownKeys(x)) {
      if (typeof k !== 'string') continue;
      const d = Reflect.getOwnPropertyDescriptor(x, k);
      if (!d?.enumerable) continue;
      if (!('value' in d)) throw bad(`${path}.${fieldName(k)} is a getter, not data`);
      (out as Obj)[k] = walk(d.value, depth + 1, `${path}.${fieldName(k)}`);
    }
    return out;
  };
  try {
    return walk(input, 0, 'keystore');
  } catch (e) {
    if (e instanceof VaultkeyError) throw e;
    throw bad('keystore could not be read as plain data');
  }
}

const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (o: Obj, k: string) => Object.hasOwn(o, k);

/**
 * The fields of `o` are exactly `required` plus any of `optional` (and, at
 * the top level, vendor extensions: "x-…", Parity's "name" and "meta").
 * Missing or unknown → INVALID_KEYSTORE, naming the field.
 */
function exactFields(o: Obj, where: string, required: readonly string[], optional: readonly string[] = [], extensions = false): void {
  for (const k of Object.keys(o)) {
    if (required.includes(k) || optional.includes(k)) continue;
    if (extensions && (k.startsWith('x-') || k === 'name' || k === 'meta')) continue;
    throw bad(`${where} has an unknown field "${fieldName(k)}"`);
  }
  for (const k of required) if (!has(o, k)) throw bad(`${where}.${k} is missing`);
}

/**
 * Strictly reads a keystore into its parts (Web3 Secret Storage Definition:
 * version, id, crypto { cipher, cipherparams { iv }, ciphertext, kdf,
 * kdfparams, mac }; geth's optional address); no KDF runs here. Version,
 * cipher and kdf are judged before the field sets, so a future version or an
 * unknown algorithm reads as UNSUPPORTED rather than malformed.
 */
function parse(json: unknown) {
  let data: Json;
  if (typeof json === 'string') {
    if (json.length > MAX_JSON_CHARS) throw bad('keystore JSON is too large');
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      throw bad('keystore is not valid JSON');
    }
    data = snapshot(raw);
  } else {
    data = snapshot(json);
  }
  if (!isObj(data)) throw bad('keystore must be a JSON object');
  const obj = data;
  if (obj.version !== 3) {
    if (typeof obj.version === 'number') throw unsupported(`keystore version ${obj.version} is not supported (only 3)`);
    throw bad('keystore version must be the number 3');
  }
  // geth writes "crypto"; ethers and some older wallets write "Crypto". Accept one, not both.
  if (has(obj, 'crypto') && has(obj, 'Crypto')) throw bad('keystore has both crypto and Crypto');
  const section = has(obj, 'Crypto') ? 'Crypto' : 'crypto';
  const c = obj[section];
  if (!isObj(c)) throw bad('keystore crypto section is missing');
  exactFields(obj, 'keystore', ['version', section, 'id'], ['address'], true);
  if (typeof obj.id !== 'string' || obj.id.length === 0 || obj.id.length > 64) throw bad('keystore id must be a string (a UUID)');
  if (typeof c.cipher !== 'string') throw bad('crypto.cipher is missing');
  if (c.cipher !== 'aes-128-ctr') throw unsupported(`cipher ${c.cipher.slice(0, 32)} is not supported (only aes-128-ctr)`);
  if (typeof c.kdf !== 'string') throw bad('crypto.kdf is missing');
  if (c.kdf !== 'scrypt' && c.kdf !== 'pbkdf2') throw unsupported(`kdf ${c.kdf.slice(0, 32)} is not supported (scrypt or pbkdf2)`);
  exactFields(c, 'crypto', ['cipher', 'cipherparams', 'ciphertext', 'kdf', 'kdfparams', 'mac']);
  const cp = c.cipherparams;
  if (!isObj(cp)) throw bad('crypto.cipherparams is missing');
  exactFields(cp, 'crypto.cipherparams', ['iv']);
  const iv = hexField(cp.iv, 'cipherparams.iv', 16);
  const ciphertext = hexField(c.ciphertext, 'ciphertext', 32);
  const mac = hexField(c.mac, 'mac', 32);
  const kp = c.kdfparams;
  if (!isObj(kp)) throw bad('crypto.kdfparams is missing');
  const scrypt = c.kdf === 'scrypt';
  if (!scrypt && typeof kp.prf === 'string' && kp.prf !== 'hmac-sha256') throw unsupported('pbkdf2 prf must be hmac-sha256');
  exactFields(kp, 'crypto.kdfparams', scrypt ? ['dklen', 'n', 'p', 'r', 'salt'] : ['c', 'dklen', 'prf', 'salt']);
  // The Web3 Secret Storage Definition allows dklen >= 32; every writer uses 32, and so do we.
  if (!isInt(kp.dklen, 32, 1024)) throw bad('kdfparams.dklen must be an integer >= 32');
  if (kp.dklen !== 32) throw unsupported('only dklen 32 is supported');
  const salt = hexField(kp.salt, 'kdfparams.salt', 1, 1024);
  let kdf: Kdf;
  if (scrypt) {
    checkScrypt(kp.n, kp.r, kp.p, 'INVALID_KEYSTORE', 'UNSUPPORTED');
    kdf = { kdf: 'scrypt', n: kp.n as number, r: kp.r as number, p: kp.p as number, salt };
  } else {
    if (kp.prf !== 'hmac-sha256') throw bad('kdfparams.prf must be the string hmac-sha256');
    checkPbkdf2(kp.c, 'INVALID_KEYSTORE', 'UNSUPPORTED');
    kdf = { kdf: 'pbkdf2', c: kp.c as number, salt };
  }
  let address: Uint8Array | undefined;
  if (has(obj, 'address')) address = hexField(obj.address, 'address', 20);
  return { iv, ciphertext, mac, kdf, address };
}

/**
 * The caller's caps (kdf-limits.ts), checked before the KDF runs; KDF_LIMIT
 * names the cap. scrypt memory is RFC 7914's V array, 128·n·r bytes.
 */
function checkLimits(k: Kdf, limits: Required<KdfLimits>): void {
  if (k.kdf === 'scrypt') {
    const mem = 128 * k.n * k.r;
    if (mem > limits.maxMemoryBytes) throw overLimit(`scrypt memory 128·n·r = ${mem} bytes`, 'maxMemoryBytes', limits.maxMemoryBytes);
    const work = k.n * k.r * k.p;
    if (work > limits.maxScryptWork) throw overLimit(`scrypt work n·r·p = ${work}`, 'maxScryptWork', limits.maxScryptWork);
  } else if (k.c > limits.maxPbkdf2Iterations) {
    throw overLimit(`PBKDF2 iteration count c = ${k.c}`, 'maxPbkdf2Iterations', limits.maxPbkdf2Iterations);
  }
}

function readNormalization(opts: unknown): KeystorePasswordNormalization {
  let v: unknown;
  try {
    v = (opts as { normalization?: unknown } | undefined)?.normalization;
  } catch {
    throw new VaultkeyError('INVALID_ARGUMENT', 'options could not be read');
  }
  if (v === undefined) return 'NFKC';
  if (v !== 'NFKC' && v !== 'none') throw new VaultkeyError('INVALID_ARGUMENT', "normalization must be 'NFKC' or 'none'");
  return v;
}

/** The password's bytes, once: NFKC (default) or as typed. The caller zeroes them. */
const passwordBytes = (password: string, n: KeystorePasswordNormalization) =>
  new TextEncoder().encode(n === 'NFKC' ? password.normalize('NFKC') : password);

/**
 * The 32-byte derived key. scrypt is @noble/hashes' (WebCrypto has none): it
 * yields to the event loop, reports about 10^4 progress steps and stops at
 * the next one after an abort (noble zeroes its arrays when it stops).
 * PBKDF2-HMAC-SHA256 is WebCrypto's, an order of magnitude faster than JS and
 * off the main thread, but it cannot be interrupted or report progress: an
 * abort stops the wait at once, and the late result is zeroed and dropped.
 * The KDF takes 95% of the reported progress; the caller reports 1.
 */
async function derive(password: Uint8Array, k: Kdf, signal: AbortSignal | undefined, report: (f: number) => void): Promise<Uint8Array> {
  throwIfAborted(signal);
  // The caller's own onProgress may throw: that error is theirs and passes through as it is.
  let callerError: { e: unknown } | undefined;
  try {
    if (k.kdf === 'scrypt') {
      kdfWork.scrypt++;
      return await scryptAsync(password, k.salt, {
        N: k.n,
        r: k.r,
        p: k.p,
        dkLen: 32,
        // noble counts V, B and one scratch block: 128·r·(n + p + 1) bytes, the limits allowed 128·n·r.
        maxmem: 128 * k.r * (k.n + k.p + 1),
        onProgress: (f) => {
          if (signal?.aborted) throw aborted(signal);
          try {
            report(0.95 * f);
          } catch (e) {
            callerError = { e };
            throw e;
          }
        },
      });
    }
    kdfWork.pbkdf2++;
    const base = await subtle().importKey('raw', buf(password), 'PBKDF2', false, ['deriveBits']);
    const bits = subtle().deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: buf(k.salt), iterations: k.c }, base, 256);
    const dk = new Uint8Array(await untilAborted(bits, signal, (late) => new Uint8Array(late).fill(0)));
    report(0.95);
    return dk;
  } catch (e) {
    if (callerError && e === callerError.e) throw e;
    if (e instanceof VaultkeyError) throw e;
    if (e instanceof RangeError) throw new VaultkeyError('OUT_OF_MEMORY', 'the keystore KDF could not allocate its memory');
    throw new VaultkeyError('UNSUPPORTED', 'the keystore KDF failed', { cause: e });
  }
}

/** keccak256(DK[16..32] || ciphertext) (Web3 Secret Storage §Definition). */
function macOf(dk: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const body = new Uint8Array(16 + ciphertext.length);
  body.set(dk.subarray(16, 32), 0);
  body.set(ciphertext, 16);
  const m = keccak256(body);
  body.fill(0);
  return m;
}

/** AES-128-CTR with the whole 16-byte IV as the counter block (as OpenSSL, geth and ethers). */
async function aesCtr(dk: Uint8Array, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const keyBytes = dk.slice(0, 16);
  try {
    const key = await subtle().importKey('raw', buf(keyBytes), { name: 'AES-CTR' }, false, ['encrypt']);
    return new Uint8Array(await subtle().encrypt({ name: 'AES-CTR', counter: buf(iv), length: 128 }, key, buf(data)));
  } finally {
    keyBytes.fill(0);
  }
}

/** 20-byte address of a private key; INVALID_KEY if it is not in [1, n-1]. */
function addressOf(privateKey: Uint8Array): Uint8Array {
  const pub = secp256k1.getPublicKey(privateKey, false);
  return keccak256(pub.subarray(1)).slice(12);
}

/**
 * Decrypts a keystore v3 file. Errors: INVALID_KEYSTORE (malformed, a
 * missing or unknown field, a getter), UNSUPPORTED (other version, cipher,
 * KDF, prf, dklen, or parameters beyond KEYSTORE_BOUNDS), KDF_LIMIT (beyond
 * the caller's `limits`; all of these before any KDF work), WRONG_PASSPHRASE
 * (MAC mismatch), CORRUPTED (the key is not a valid secp256k1 key, or does
 * not match the file's address), ABORTED. The password is NFKC-normalised
 * unless `normalization: 'none'`; the KDF runs once.
 * The caller owns (and should zero) the returned private key.
 */
export async function decryptKeystoreV3(
  json: string | object,
  password: string,
  opts: KeystoreV3DecryptOptions = {},
): Promise<KeystoreV3Account> {
  if (typeof password !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'password must be a string');
  const { signal, report, limits } = readControl(opts);
  const normalization = readNormalization(opts);
  throwIfAborted(signal);
  const ks = parse(json);
  checkLimits(ks.kdf, limits);
  await init();
  report(0);
  const pw = passwordBytes(password, normalization);
  let dk: Uint8Array;
  try {
    dk = await derive(pw, ks.kdf, signal, report);
  } finally {
    pw.fill(0);
  }
  let privateKey: Uint8Array;
  try {
    // Constant-time comparison: the MAC is a password oracle.
    if (!bytesEqual(macOf(dk, ks.ciphertext), ks.mac))
      throw new VaultkeyError('WRONG_PASSPHRASE', 'wrong password for this keystore (MAC mismatch)');
    privateKey = await aesCtr(dk, ks.iv, ks.ciphertext);
  } finally {
    dk.fill(0);
  }
  let address: Uint8Array;
  try {
    address = addressOf(privateKey);
  } catch {
    privateKey.fill(0);
    throw new VaultkeyError('CORRUPTED', 'the keystore decrypts to an invalid secp256k1 private key');
  }
  if (ks.address && !bytesEqual(address, ks.address)) {
    privateKey.fill(0);
    throw new VaultkeyError('CORRUPTED', 'the keystore address does not match its key');
  }
  if (signal?.aborted) {
    privateKey.fill(0);
    throw aborted(signal);
  }
  report(1);
  return { privateKey, address: toChecksumAddress(address) };
}

function randomUuidV4(): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40; // RFC 9562 §5.4: version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // variant 10
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Encrypts a 32-byte secp256k1 private key as keystore v3 JSON, in geth's
 * layout (lower-case hex, address without 0x). Defaults: scrypt n=262144,
 * r=8, p=1, random 32-byte salt, 16-byte IV and UUID v4.
 */
export async function encryptKeystoreV3(privateKey: Uint8Array, password: string, opts: KeystoreV3EncryptOptions = {}): Promise<string> {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32)
    throw new VaultkeyError('INVALID_KEY', 'privateKey must be 32 bytes');
  if (typeof password !== 'string') throw new VaultkeyError('INVALID_ARGUMENT', 'password must be a string');
  const { signal, report, limits } = readControl(opts);
  const normalization = readNormalization(opts);
  const kind = opts.kdf ?? 'scrypt';
  if (kind !== 'scrypt' && kind !== 'pbkdf2') throw new VaultkeyError('INVALID_ARGUMENT', "kdf must be 'scrypt' or 'pbkdf2'");
  const salt = opts.salt ?? globalThis.crypto.getRandomValues(new Uint8Array(32));
  if (!(salt instanceof Uint8Array) || salt.length < 16 || salt.length > 64)
    throw new VaultkeyError('INVALID_ARGUMENT', 'salt must be 16 to 64 bytes');
  const iv = opts.iv ?? globalThis.crypto.getRandomValues(new Uint8Array(16));
  if (!(iv instanceof Uint8Array) || iv.length !== 16) throw new VaultkeyError('INVALID_ARGUMENT', 'iv must be 16 bytes');
  const uuid = opts.uuid ?? randomUuidV4();
  if (typeof uuid !== 'string' || !UUID_RE.test(uuid)) throw new VaultkeyError('INVALID_ARGUMENT', 'uuid must be a UUID string');
  let kdf: Kdf;
  if (kind === 'scrypt') {
    const { n, r, p } = opts.scrypt ?? KEYSTORE_SCRYPT_DEFAULT;
    checkScrypt(n, r, p, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT');
    kdf = { kdf: 'scrypt', n, r, p, salt };
  } else {
    const { c } = opts.pbkdf2 ?? KEYSTORE_PBKDF2_DEFAULT;
    checkPbkdf2(c, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT');
    kdf = { kdf: 'pbkdf2', c, salt };
  }
  // What we write opens within the reader's caps: the same limits apply.
  checkLimits(kdf, limits);
  throwIfAborted(signal);
  await init();
  const address = addressOf(privateKey); // INVALID_KEY before any KDF work
  report(0);
  const pw = passwordBytes(password, normalization);
  let dk: Uint8Array;
  try {
    dk = await derive(pw, kdf, signal, report);
  } finally {
    pw.fill(0);
  }
  let ciphertext: Uint8Array;
  let mac: Uint8Array;
  try {
    ciphertext = await aesCtr(dk, iv, privateKey);
    mac = macOf(dk, ciphertext);
  } finally {
    dk.fill(0);
  }
  const kdfparams =
    kdf.kdf === 'scrypt'
      ? { dklen: 32, n: kdf.n, p: kdf.p, r: kdf.r, salt: toHex(salt) }
      : { c: kdf.c, dklen: 32, prf: 'hmac-sha256', salt: toHex(salt) };
  const out = JSON.stringify({
    address: toHex(address),
    crypto: {
      cipher: 'aes-128-ctr',
      ciphertext: toHex(ciphertext),
      cipherparams: { iv: toHex(iv) },
      kdf: kdf.kdf,
      kdfparams,
      mac: toHex(mac),
    },
    id: uuid.toLowerCase(),
    version: 3,
  });
  throwIfAborted(signal);
  report(1);
  return out;
}
