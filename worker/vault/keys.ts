// Keys and signing: the only code that holds seeds, mnemonics and private
// keys in the clear. Secret records are read through records.ts (MAC and
// manifest checked) and decrypted under the session's data key; what leaves
// is public (key info, public keys, addresses, xpubs, signatures).
import { keccak256, sha256 } from '../../src/core/hash.js';
import { VaultkeyError, assertBytes } from '../../src/errors.js';
import { init } from '../../src/core/wasm.js';
import { generateMnemonic, mnemonicToSeed, validateMnemonic } from '../../src/core/bip39-phrase.js';
import { englishWords } from './words.js';
import { secp256k1 } from '../../src/core/secp256k1.js';
import { ed25519, initEd25519 } from '../../src/core/ed25519.js';
import { initSecp256k1Verify } from '../../src/core/secp256k1-verify.js';
import { HDKey } from '../../src/hd/hdkey.js';
import { Account, type AccountState, type Chain } from '../../src/hd/accounts.js';
import { addressOf, type AddressFormat } from '../../src/hd/addresses.js';
import type { Network } from '../../src/hd/serialize.js';
import { bytesEqual } from '../../src/security/canonical.js';
import { decryptSecret, encryptSecret } from '../../src/vault/crypto.js';
import {
  RECORD_FORMAT,
  STORES,
  VAULT_KEY_ID,
  keyInfo,
  randomBytes,
  randomId,
  type AccountRecord,
  type KeyCurve,
  type KeyInfo,
  type SecretRecord,
} from '../../src/vault/format.js';
import type {
  AccountSpec,
  AddressOptions,
  AddressResult,
  ChainName,
  SchnorrSignOptions,
  SchnorrSignResult,
  SignOptions,
  SignResult,
  VaultKeyInfo,
} from '../../src/vault/contract.js';
import * as S from './state.js';
import { checkRow, mutate, read, type Row, type Tx } from './records.js';
import { label } from './methods.js';
import type { LifecycleRecord } from '../../src/lifecycle/states.js';

export type SecretRow = SecretRecord & Row;

export function checkKeyId(keyId: unknown): string {
  if (typeof keyId !== 'string' || !VAULT_KEY_ID.test(keyId)) throw new VaultkeyError('INVALID_ARGUMENT', 'not a key id of this vault');
  return keyId;
}

/**
 * A secret record, authenticated; NOT_FOUND if the vault has none by that id.
 * For an HD key its account scope (scopeOf) is read in the same transaction,
 * so accountOffset answers from the authenticated record afterwards.
 */
export async function secretRow(id: string): Promise<SecretRow> {
  const s = S.need();
  const { r, lc } = await read([STORES.secrets, STORES.lifecycle], async (t) => {
    const row = await t.get<SecretRow>(STORES.secrets, id);
    const scoped = row?.kind !== 'seed' || s.scopes.has(id);
    return { r: row, lc: scoped ? undefined : await t.get<Row & { rec: LifecycleRecord }>(STORES.lifecycle, id) };
  });
  if (!r) throw new VaultkeyError('NOT_FOUND', 'no such key in this vault');
  if (
    !['seed', 'mnemonic', 'privateKey'].includes(r.kind) ||
    (r.kind === 'privateKey' && r.curve !== 'secp256k1' && r.curve !== 'ed25519')
  ) {
    throw new VaultkeyError('CORRUPTED', `the secrets ${id} record has an invalid kind or curve`);
  }
  if (r.kind === 'seed' && !s.scopes.has(id) && S.current() === s) s.scopes.set(id, scopeFrom(id, lc?.rec));
  return r;
}

// ---- which BIP-44 accounts an HD key may use (docs/lifecycle.md "Rotation, per kind") ----

export interface Scope {
  /** The account the key works at by default (getAddress, sign without a path). */
  account: number;
  /** Accounts of the same seed that belonged to versions this key replaced: refused (KEY_ROTATED). */
  retired: number[];
}

const accountNumber = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < 0x80000000;

/** The version N of a `-vN` id (1 without a suffix). */
export function idVersion(keyId: string): number {
  const m = VAULT_KEY_ID.exec(keyId);
  return m?.[1] ? Number(m[1]) : 1;
}

/**
 * An HD key's scope, from its lifecycle record's `meta.account` and
 * `meta.retiredAccounts` (written by the rotation that made it; MAC'd with the
 * record and restored with it). A record without them is from an earlier
 * release, whose rotation kept the seed and moved version N to account N-1:
 * accounts 0..N-2 were its predecessors', unless the successor got a fresh
 * secret (emergency rotation, `meta.freshSecret`).
 */
export function scopeFrom(keyId: string, rec: LifecycleRecord | undefined): Scope {
  const m = rec?.meta ?? {};
  if (accountNumber(m.account) && Array.isArray(m.retiredAccounts) && m.retiredAccounts.every(accountNumber))
    return { account: m.account, retired: [...(m.retiredAccounts as number[])] };
  const v = idVersion(keyId);
  return { account: v - 1, retired: m.freshSecret === true ? [] : Array.from({ length: v - 1 }, (_, i) => i) };
}

/** The scope of an HD key (cached for the session; read with the key's record). */
export async function scopeOf(keyId: string): Promise<Scope> {
  const s = S.need();
  if (!s.scopes.has(keyId)) await secretRow(keyId);
  return s.scopes.get(keyId) ?? scopeFrom(keyId, undefined);
}

/** Sets the scope of a successor before its lifecycle record exists (the rotation hook computes it). */
export function setScope(keyId: string, scope: Scope): void {
  S.need().scopes.set(keyId, { account: scope.account, retired: [...scope.retired] });
}

const ACCOUNT_PATH = /^m\/\d{1,10}['h]\/\d{1,10}['h]\/(\d{1,10})['h](?:\/|$)/;

/**
 * Refuses a derivation path that reaches a retired account. A key that shares
 * its seed with the versions it replaced derives only under a BIP-44 account
 * (m/purpose'/coin'/account'/…) that is not retired: any other path might be
 * one the rotated key used.
 */
export async function checkScope(keyId: string, path: string): Promise<void> {
  const { retired, account } = await scopeOf(keyId);
  if (retired.length === 0) return;
  const m = ACCOUNT_PATH.exec(path);
  if (!m)
    throw new VaultkeyError(
      'INVALID_PATH',
      `key ${keyId} shares its seed with the key it replaced: it derives only under a BIP-44 account, m/purpose'/coin'/account'/…`,
    );
  if (retired.includes(Number(m[1])))
    throw new VaultkeyError(
      'KEY_ROTATED',
      `account ${Number(m[1])} of this seed belonged to a rotated version; ${keyId} works at account ${account}`,
    );
}

/** The vault's keys, each record authenticated (after unlock) or marked unverified (while locked). */
export async function listKeys(): Promise<VaultKeyInfo[]> {
  let rows: SecretRecord[];
  let verified: boolean;
  if (S.current()) {
    // One damaged record must not hide the others: it is listed as unverified (and reported), the rest as verified.
    const out = await read([STORES.secrets], async (t) => {
      const raw = (await t.tx.objectStore(STORES.secrets).getAll()) as SecretRow[];
      return raw
        .map((r) => {
          try {
            if (t.m.records[`${STORES.secrets}/${r?.id}`] === undefined) {
              // Not in the manifest: a removed key's record written back, or a forgery. Never listed.
              S.emit({
                type: 'tamper',
                detail: {
                  record: `secrets ${String(r?.id).slice(0, 80)}`,
                  reason: 'is not in the vault manifest (a removed record written back?)',
                },
              });
              return null;
            }
            return { r: checkRow<SecretRow>(STORES.secrets, r, r.id, t.m, S.need().macKey)!, ok: true };
          } catch {
            return r && typeof r === 'object' && typeof r.keyId === 'string' ? { r, ok: false } : null;
          }
        })
        .filter((x): x is { r: SecretRow; ok: boolean } => x !== null);
    });
    return out
      .filter(({ r }) => r.kind === 'seed' || r.kind === 'privateKey')
      .map(({ r, ok }) => ({ ...keyInfo(r), verified: ok }))
      .sort((a, b) => a.createdAt - b.createdAt);
  } else {
    // Nothing can be checked without the vault key: shown, but marked as unverified.
    rows = ((await (await S.db()).getAll(STORES.secrets)) as SecretRecord[]).filter(
      (r) => r && typeof r === 'object' && typeof r.keyId === 'string',
    );
    verified = false;
  }
  return rows
    .filter((r) => r.kind === 'seed' || r.kind === 'privateKey')
    .map((r) => ({ ...keyInfo(r), verified }))
    .sort((a, b) => a.createdAt - b.createdAt);
}

export async function seedOf(keyId: string): Promise<Uint8Array> {
  const s = S.need();
  let seed = s.seeds.get(keyId);
  if (!seed) {
    const rec = await secretRow(keyId);
    if (rec.kind !== 'seed') throw new VaultkeyError('INVALID_ARGUMENT', 'this key is not an HD key');
    seed = await decryptSecret(s.dek, rec, 'seed');
    if (seed.length < 16 || seed.length > 64)
      throw new VaultkeyError('CORRUPTED', `the secrets ${keyId} record has an impossible seed length`);
    if (S.current() !== s) {
      seed.fill(0);
      throw new VaultkeyError('LOCKED', 'the vault was locked');
    }
    s.seeds.set(keyId, seed);
  }
  return seed;
}

async function rootOf(keyId: string, curve: KeyCurve): Promise<HDKey> {
  const s = S.need();
  const k = `${keyId}/${curve}`;
  let root = s.roots.get(k);
  if (!root) {
    await init();
    if (curve === 'ed25519') await initEd25519(); // a lazy part (src/core/parts.ts)
    root = HDKey.fromMasterSeed(await seedOf(keyId), curve);
    s.roots.set(k, root);
  }
  return root;
}

/** An imported key; its public key is recomputed from the private key and must equal the (authenticated) stored one. */
export async function importedOf(keyId: string): Promise<{ priv: Uint8Array; pub: Uint8Array; curve: KeyCurve }> {
  const s = S.need();
  let k = s.privs.get(keyId);
  if (!k) {
    const rec = await secretRow(keyId);
    if (rec.kind !== 'privateKey') throw new VaultkeyError('INVALID_ARGUMENT', 'this key is not an imported private key');
    const priv = await decryptSecret(s.dek, rec, 'privateKey');
    if (priv.length !== 32) throw new VaultkeyError('CORRUPTED', `the secrets ${keyId} record has an impossible key length`);
    await init();
    const curve = rec.curve!;
    if (curve === 'ed25519') await initEd25519();
    let pub: Uint8Array;
    try {
      pub = curve === 'secp256k1' ? secp256k1.getPublicKey(priv, true) : ed25519.getPublicKey(priv);
    } catch {
      priv.fill(0);
      throw new VaultkeyError('CORRUPTED', `the secrets ${keyId} record holds an invalid key`);
    }
    if (!(rec.publicKey instanceof Uint8Array) || !bytesEqual(pub, rec.publicKey)) {
      priv.fill(0);
      throw new VaultkeyError('CORRUPTED', `the secrets ${keyId} record's public key does not belong to its private key`);
    }
    if (S.current() !== s) {
      priv.fill(0);
      throw new VaultkeyError('LOCKED', 'the vault was locked');
    }
    k = { priv, pub, curve };
    s.privs.set(keyId, k);
  }
  return k;
}

/**
 * The BIP-44 account an HD key works at by default: its scope's, read from its
 * authenticated lifecycle record with the key (secretRow, which every use of a
 * key reads first). A successor made from a fresh seed works at account 0; one
 * made at the next account of the same seed, one further than its predecessor.
 */
export function accountOffset(keyId: string): number {
  return S.current()?.scopes.get(keyId)?.account ?? scopeFrom(keyId, undefined).account;
}

export function checkCurve(c: unknown): KeyCurve {
  if (c === undefined) return 'secp256k1';
  if (c !== 'secp256k1' && c !== 'ed25519') throw new VaultkeyError('INVALID_ARGUMENT', "curve must be 'secp256k1' or 'ed25519'");
  return c;
}

const CHAINS: Record<ChainName, { purpose: number; coin: number; format: AddressFormat; network: Network; curve: KeyCurve }> = {
  ethereum: { purpose: 44, coin: 60, format: 'ethereum', network: 'mainnet', curve: 'secp256k1' },
  bitcoin: { purpose: 84, coin: 0, format: 'p2wpkh', network: 'mainnet', curve: 'secp256k1' },
  'bitcoin-legacy': { purpose: 44, coin: 0, format: 'p2pkh', network: 'mainnet', curve: 'secp256k1' },
  'bitcoin-nested-segwit': { purpose: 49, coin: 0, format: 'p2sh-p2wpkh', network: 'mainnet', curve: 'secp256k1' },
  'bitcoin-taproot': { purpose: 86, coin: 0, format: 'p2tr', network: 'mainnet', curve: 'secp256k1' },
  'bitcoin-testnet': { purpose: 84, coin: 1, format: 'p2wpkh', network: 'testnet', curve: 'secp256k1' },
  solana: { purpose: 44, coin: 501, format: 'solana', network: 'mainnet', curve: 'ed25519' },
};

function chainPath(chain: ChainName, index: number, o: AddressOptions, offset = 0): string {
  const c = CHAINS[chain];
  const account = o.account ?? offset;
  const change = o.change ?? 0;
  for (const [n, v] of [
    ['index', index],
    ['account', account],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v >= 0x80000000) throw new VaultkeyError('INVALID_PATH', `${n} must be an integer in [0, 2^31)`);
  }
  if (change !== 0 && change !== 1) throw new VaultkeyError('INVALID_PATH', 'change must be 0 or 1');
  // Solana wallets (Phantom, Solflare) use m/44'/501'/index'/0': SLIP-0010 Ed25519 is hardened-only.
  if (c.curve === 'ed25519') return `m/44'/501'/${index + offset}'/${change}'`;
  return `m/${c.purpose}'/${c.coin}'/${account}'/${change}/${index}`;
}

export function defaultPath(curve: KeyCurve, offset = 0): string {
  return curve === 'ed25519' ? `m/44'/501'/${offset}'/0'` : `m/44'/60'/${offset}'/0/0`;
}

/** Runs `fn` with the private key of `keyId` (HD: derived at `path`); the derived key is wiped afterwards. */
export async function withPrivateKey<T>(
  keyId: string,
  o: SignOptions,
  fn: (priv: Uint8Array, pub: Uint8Array, curve: KeyCurve, path: string | null) => T,
): Promise<T> {
  const s = S.need();
  checkKeyId(keyId);
  await init();
  if (!s.seeds.has(keyId) && (s.privs.has(keyId) || (await secretRow(keyId)).kind === 'privateKey')) {
    const { priv, pub, curve } = await importedOf(keyId);
    return fn(priv, pub, curve, null);
  }
  const curve = checkCurve(o?.curve);
  await scopeOf(keyId);
  const path = o?.path ?? defaultPath(curve, accountOffset(keyId));
  if (typeof path !== 'string') throw new VaultkeyError('INVALID_PATH', 'path must be a string');
  await checkScope(keyId, path);
  const key = (await rootOf(keyId, curve)).derive(path);
  try {
    if (!key.privateKey) throw new VaultkeyError('INVALID_KEY', 'no private key at this path');
    return fn(key.privateKey, key.publicKey, curve, path);
  } finally {
    key.wipe();
  }
}

const enc = new TextEncoder();

export function sign(keyId: string, digest: Uint8Array, o: SignOptions = {}): Promise<SignResult> {
  assertBytes(digest, 'digest');
  return withPrivateKey(keyId, o, (priv, pub, curve, path) => {
    if (curve === 'ed25519') return { signature: ed25519.sign(digest, priv), publicKey: pub.slice(), path };
    if (digest.length !== 32) throw new VaultkeyError('INVALID_LENGTH', 'secp256k1 signs 32-byte digests');
    const { signature, recovery } = secp256k1.sign(digest, priv);
    return { signature, recovery, publicKey: pub.slice(), path };
  });
}

// secp256k1 group order (SEC 2, section 2.4.1).
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

// BIP-340 "Design": tagged hash SHA256(SHA256(tag) || SHA256(tag) || msg).
function taggedHash(tag: string, msg: Uint8Array): Uint8Array {
  const t = sha256(enc.encode(tag));
  const buf = new Uint8Array(64 + msg.length);
  buf.set(t, 0);
  buf.set(t, 32);
  buf.set(msg, 64);
  return sha256(buf);
}

/** (n - t) mod n of a public tweak, 32 bytes big-endian. */
function negateTweak(t: Uint8Array): Uint8Array {
  let v = 0n;
  for (const b of t) v = (v << 8n) | BigInt(b);
  if (v >= N) throw new VaultkeyError('INVALID_KEY', 'the taproot tweak is >= n');
  v = (N - v) % N;
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/**
 * BIP-340 Schnorr over a 32-byte digest (a BIP-341 sighash) by the key at
 * `o.path`, tweaked as BIP-341 taproot_tweak_seckey: d' = (P has even y ? d : n - d) + t.
 * The negation is never done on the secret: BIP-340 Sign uses the same
 * normalized key for k and n - k (it negates by the parity of k·G), and for
 * odd-y P, -d + t = -(d + (n - t)); so the key signed with is d + t (even P)
 * or d + (n - t) (odd P), where only the public t and the public parity of P
 * choose. The addition runs in WASM (secp256k1.privateAdd, zeroed there); the
 * tweaked key's JS copy is zeroed before return.
 */
export async function signSchnorr(keyId: string, digest: Uint8Array, o: SchnorrSignOptions = {}): Promise<SchnorrSignResult> {
  assertBytes(digest, 'digest');
  if (digest.length !== 32) throw new VaultkeyError('INVALID_LENGTH', 'a BIP-341 sighash is 32 bytes');
  const opts = o ?? {};
  const tweakOpt = opts.tweak === undefined ? 'bip86' : opts.tweak;
  if (tweakOpt !== null && tweakOpt !== 'bip86') assertBytes(tweakOpt, 'tweak', 32);
  if (opts.auxRand !== undefined) assertBytes(opts.auxRand, 'auxRand', 32);
  const { path, curve } = opts;
  // The signature is verified before it is released (below), in the secp256k1 verification module: a
  // lazy part (src/core/parts.ts), loaded and checked before the key is touched.
  await initSecp256k1Verify();
  return withPrivateKey(
    keyId,
    { ...(path !== undefined ? { path } : {}), ...(curve !== undefined ? { curve } : {}) },
    (priv, pub, c, p) => {
      if (c !== 'secp256k1') throw new VaultkeyError('UNSUPPORTED', 'BIP-340 Schnorr needs a secp256k1 key');
      const P = secp256k1.publicKeyConvert(pub, true);
      let key = priv;
      let tweaked: Uint8Array | undefined;
      try {
        if (tweakOpt !== null) {
          const t = tweakOpt === 'bip86' ? taggedHash('TapTweak', P.subarray(1)) : tweakOpt;
          // P[0] is 0x02 (even y) or 0x03 (odd y): public data.
          tweaked = secp256k1.privateAdd(priv, P[0] === 2 ? t : negateTweak(t));
          key = tweaked;
        }
        const outputKey = secp256k1.schnorr.getPublicKey(key);
        const signature = secp256k1.schnorr.sign(digest, key, opts.auxRand);
        // BIP-340 "Default Signing": verify before releasing the signature (a fault must not leak the key).
        if (!secp256k1.schnorr.verify(signature, digest, outputKey))
          throw new VaultkeyError('INVALID_SIGNATURE', 'the Schnorr signature did not verify');
        return { signature, publicKey: P, outputKey, path: p };
      } finally {
        tweaked?.fill(0);
      }
    },
  );
}

/** secp256k1: EIP-191 personal_sign, 65-byte r || s || v with v = 27 + recovery. ed25519: the message itself (RFC 8032). */
export function signMessage(
  keyId: string,
  message: Uint8Array | string,
  o: SignOptions = {},
): Promise<SignResult & { digest?: Uint8Array; address?: string }> {
  const msg = typeof message === 'string' ? enc.encode(message) : message;
  assertBytes(msg, 'message');
  return withPrivateKey(keyId, o, (priv, pub, curve, path) => {
    if (curve === 'ed25519') return { signature: ed25519.sign(msg, priv), publicKey: pub.slice(), path };
    const prefix = enc.encode(`\x19Ethereum Signed Message:\n${msg.length}`);
    const data = new Uint8Array(prefix.length + msg.length);
    data.set(prefix);
    data.set(msg, prefix.length);
    const digest = keccak256(data);
    const { signature, recovery } = secp256k1.sign(digest, priv);
    const sig65 = new Uint8Array(65);
    sig65.set(signature);
    sig65[64] = 27 + recovery;
    return { signature: sig65, recovery, publicKey: pub.slice(), path, digest, address: addressOf(pub, 'ethereum') };
  });
}

export async function verifySignature(keyId: string, digest: Uint8Array, signature: Uint8Array, o: SignOptions = {}): Promise<boolean> {
  assertBytes(digest, 'digest');
  assertBytes(signature, 'signature');
  const { pub, curve } = await withPrivateKey(keyId, o, (_priv, pub, curve) => ({ pub: pub.slice(), curve }));
  if (curve === 'ed25519') return signature.length === 64 && ed25519.verify(signature, digest, pub);
  if (digest.length !== 32) throw new VaultkeyError('INVALID_LENGTH', 'secp256k1 verifies 32-byte digests');
  await initSecp256k1Verify(); // a lazy part (src/core/parts.ts): signing never loads it
  return signature.length === 64 && secp256k1.verify(signature, digest, pub);
}

export async function getAddress(keyId: string, chain: ChainName, index = 0, o: AddressOptions = {}): Promise<AddressResult> {
  S.need();
  checkKeyId(keyId);
  const c = CHAINS[chain as ChainName];
  if (!c || !Object.hasOwn(CHAINS, chain))
    throw new VaultkeyError('INVALID_ARGUMENT', `unknown chain; use one of ${Object.keys(CHAINS).join(', ')}`);
  const rec = await secretRow(keyId);
  await init();
  if (rec.kind === 'privateKey') {
    const { pub, curve } = await importedOf(keyId);
    if (curve !== c.curve) throw new VaultkeyError('INVALID_ARGUMENT', `this key is not a ${c.curve} key`);
    return { chain, address: addressOf(pub, c.format, c.network), path: null, publicKey: pub.slice() };
  }
  const path = chainPath(chain, index, o ?? {}, accountOffset(keyId));
  await checkScope(keyId, path);
  const key = (await rootOf(keyId, c.curve)).derive(path);
  try {
    return { chain, address: addressOf(key.publicKey, c.format, c.network), path, publicKey: key.publicKey.slice() };
  } finally {
    key.wipe();
  }
}

export async function deriveXpub(keyId: string, path: string): Promise<string> {
  checkKeyId(keyId);
  if (typeof path !== 'string') throw new VaultkeyError('INVALID_PATH', 'path must be a string');
  await checkScope(keyId, path);
  const key = (await rootOf(keyId, 'secp256k1')).derive(path);
  try {
    return key.publicExtendedKey;
  } finally {
    key.wipe();
  }
}

// ---- accounts (BIP-44 indices, authenticated records) ----

type AccountRow = AccountRecord & Row;

function accountId(keyId: string, a: AccountSpec): string {
  return `${keyId}/${a.purpose}/${a.coinType}/${a.account ?? 0}`;
}

function checkSpec(spec: AccountSpec): void {
  if (!spec || typeof spec !== 'object')
    throw new VaultkeyError('INVALID_ARGUMENT', 'account spec { purpose, coinType, account } is required');
}

/**
 * Runs `fn` on a BIP-44/49/84/86 account's authenticated record (undefined if
 * none yet) and the account derived from the seed, in one write. A stored
 * state whose xpub or path does not match the seed's is CORRUPTED: a swapped
 * xpub can never hand out someone else's receive addresses.
 */
async function withAccount<T>(
  keyId: string,
  spec: AccountSpec,
  fn: (fresh: Account, stored: Account | undefined, put: (a: Account) => Promise<unknown>) => T,
): Promise<T> {
  checkKeyId(keyId);
  checkSpec(spec);
  await init();
  // An account left out is the key's own default account (a successor's, not its predecessor's).
  const scope = await scopeOf(keyId);
  spec = { ...spec, account: spec.account ?? scope.account };
  if (accountNumber(spec.account) && scope.retired.includes(spec.account))
    throw new VaultkeyError(
      'KEY_ROTATED',
      `account ${spec.account} of this seed belonged to a rotated version; ${keyId} works at account ${scope.account}`,
    );
  const fresh = Account.fromRoot(await rootOf(keyId, 'secp256k1'), spec);
  const id = accountId(keyId, spec);
  return mutate([STORES.accounts], async (t) => {
    const rec = await t.get<AccountRow>(STORES.accounts, id);
    let stored: Account | undefined;
    if (rec) {
      const state = rec.state as AccountState;
      if (
        !state ||
        typeof state !== 'object' ||
        state.xpub !== fresh.xpub ||
        state.purpose !== fresh.purpose ||
        state.coinType !== fresh.coinType ||
        state.account !== fresh.account
      ) {
        throw new VaultkeyError('CORRUPTED', `the accounts ${id} record does not match its key`);
      }
      stored = Account.fromState(state);
    }
    let write: Promise<unknown> = Promise.resolve();
    const out = fn(fresh, stored, (a) => (write = t.put(STORES.accounts, { id, keyId, state: a.toJSON(), updatedAt: S.now() })));
    await write;
    return out;
  });
}

/** Issues the next address of an account and persists its indices. */
export function nextAddress(keyId: string, spec: AccountSpec, chain: Chain = 0) {
  return withAccount(keyId, spec, (fresh, stored, put) => {
    const acct = stored ?? fresh;
    const a = acct.next(chain);
    void put(acct);
    return a;
  });
}

export function markUsed(keyId: string, spec: AccountSpec, chain: Chain, index: number): Promise<AccountState> {
  return withAccount(keyId, spec, (_fresh, stored, put) => {
    if (!stored) throw new VaultkeyError('NOT_FOUND', 'no such account; call nextAddress first');
    stored.markUsed(chain, index);
    void put(stored);
    return stored.toJSON();
  });
}

export async function accounts(keyId: string): Promise<AccountState[]> {
  checkKeyId(keyId);
  const rows = await read([STORES.accounts], (t) => t.all<AccountRow>(STORES.accounts));
  return rows.filter((r) => r.keyId === keyId).map((r) => r.state as AccountState);
}

// ---- making keys ----

/** Encrypts one secret under the data key (format 2 AAD). Zeroes `plaintext`. */
export async function sealSecret(
  kind: SecretRecord['kind'],
  id: string,
  keyId: string,
  meta: Partial<SecretRecord>,
  plaintext: Uint8Array,
): Promise<SecretRecord> {
  const s = S.need();
  try {
    const { iv, ct } = await encryptSecret(s.dek, kind, id, RECORD_FORMAT, plaintext);
    return { id, kind, v: RECORD_FORMAT, keyId, createdAt: S.now(), label: meta.label ?? '', ...meta, iv, ct };
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Stores new keys' records in one transaction, with `also` (the lifecycle
 * records) in the same one: all of them or none.
 */
export async function storeKeys(recs: SecretRecord[], also?: (t: Tx) => Promise<void>): Promise<void> {
  await mutate([STORES.secrets, STORES.lifecycle], async (t) => {
    await Promise.all(recs.map((r) => t.add(STORES.secrets, r)));
    if (also) await also(t);
  });
  S.emit({ type: 'change' });
}

export async function mnemonicRecords(
  mnemonic: string,
  bip39Passphrase: string,
  lbl: string,
  keyId = randomId('k_'),
): Promise<SecretRecord[]> {
  await init();
  const seed = await mnemonicToSeed(mnemonic, bip39Passphrase);
  return [
    await sealSecret('seed', keyId, keyId, { label: lbl, hasMnemonic: true }, seed),
    await sealSecret('mnemonic', `${keyId}#mnemonic`, keyId, { label: lbl }, enc.encode(mnemonic.normalize('NFKD'))),
  ];
}

export async function normalizeMnemonic(mnemonic: unknown): Promise<string> {
  const m = typeof mnemonic === 'string' ? mnemonic.normalize('NFKD').trim().split(/\s+/).join(' ') : '';
  if (!m || !validateMnemonic(m, await englishWords()))
    throw new VaultkeyError('INVALID_MNEMONIC', 'not a valid BIP-39 mnemonic (English word list, checksum)');
  return m;
}

/**
 * Refuses a key file (keystore v3) whose key the vault already holds (same curve, same public key): a
 * second id for one key would give it two lifecycles, and rotating or removing one would leave the other
 * signing. Compares public keys only (public data). importKeys, a bulk call, does not check.
 */
export async function assertNewKey(curve: KeyCurve, publicKey: Uint8Array): Promise<void> {
  for (const k of await listKeys()) {
    if ((k.curve ?? 'secp256k1') === curve && k.publicKey instanceof Uint8Array && bytesEqual(k.publicKey, publicKey))
      throw new VaultkeyError('ALREADY_EXISTS', `this key is already in the vault as ${k.id}`);
  }
}

export async function importedRecords(list: { privateKey: Uint8Array; curve?: KeyCurve; label?: string }[]): Promise<SecretRecord[]> {
  if (!Array.isArray(list) || list.length === 0 || list.length > 10_000)
    throw new VaultkeyError('INVALID_ARGUMENT', 'importKeys takes 1 to 10000 keys');
  await init();
  if (list.some((k) => k?.curve === 'ed25519')) await initEd25519();
  const recs: SecretRecord[] = [];
  try {
    for (const k of list) {
      assertBytes(k?.privateKey, 'privateKey', 32);
      const curve = checkCurve(k.curve);
      if (curve === 'secp256k1' && !secp256k1.isValidPrivateKey(k.privateKey))
        throw new VaultkeyError('INVALID_KEY', 'private key is not in [1, n-1]');
      const publicKey = curve === 'secp256k1' ? secp256k1.getPublicKey(k.privateKey, true) : ed25519.getPublicKey(k.privateKey);
      const keyId = randomId('k_');
      recs.push(
        await sealSecret('privateKey', keyId, keyId, { label: label(k.label, 'Imported key'), curve, publicKey }, k.privateKey.slice()),
      );
    }
  } finally {
    for (const k of list) if (k?.privateKey instanceof Uint8Array) k.privateKey.fill(0);
  }
  return recs;
}

/** A uniformly random secp256k1 private key (rejection sampling; p < 2^-127 per retry). */
function randomSecpKey(): Uint8Array {
  for (;;) {
    const k = randomBytes(32);
    if (secp256k1.isValidPrivateKey(k)) return k;
    k.fill(0);
  }
}

/** Word count of an HD key's stored mnemonic (to give its emergency successor the same strength). */
async function mnemonicLength(keyId: string): Promise<number> {
  const s = S.need();
  const raw = await read([STORES.secrets], (t) => t.get<SecretRow>(STORES.secrets, `${keyId}#mnemonic`));
  if (!raw) return 24;
  const bytes = await decryptSecret(s.dek, raw, 'mnemonic');
  let words = 1;
  // Branch-free count of spaces (0x20): ((b ^ 0x20) - 1) is negative only when b is a space.
  for (const b of bytes) words += ((b ^ 0x20) - 1) >>> 31;
  bytes.fill(0);
  return words;
}

/** The mnemonic of an HD key (the caller checked a fresh proof on this call). */
export async function mnemonicOf(keyId: string): Promise<string> {
  const s = S.need();
  checkKeyId(keyId);
  const raw = await read([STORES.secrets], (t) => t.get<SecretRow>(STORES.secrets, `${keyId}#mnemonic`));
  if (!raw) throw new VaultkeyError('NOT_FOUND', 'this key has no mnemonic in the vault');
  const bytes = await decryptSecret(s.dek, raw, 'mnemonic');
  try {
    return new TextDecoder().decode(bytes);
  } finally {
    bytes.fill(0);
  }
}

/**
 * The successor's records for a rotation, under the versioned id the
 * lifecycle chose. HD keys: a fresh mnemonic of the same length (`fresh`, the
 * default and always after a security event: a rotation retires the old key
 * material), or the same seed and mnemonic under the new id (the rotation's
 * `next-account` option; the successor's scope then retires the old account).
 * Imported keys: a new random key on the same curve.
 */
export async function successorRecords(oldKeyId: string, newKeyId: string, fresh: boolean): Promise<SecretRecord[]> {
  const s = S.need();
  checkKeyId(oldKeyId);
  checkKeyId(newKeyId);
  const base = oldKeyId.replace(/-v\d+$/, '');
  if (!newKeyId.startsWith(`${base}-v`) || idVersion(newKeyId) <= idVersion(oldKeyId)) {
    throw new VaultkeyError('INVALID_ARGUMENT', 'the successor id must be a later version of the same key');
  }
  const old = await secretRow(oldKeyId);
  await init();
  if (old.kind === 'seed') {
    if (fresh) {
      const words = old.hasMnemonic ? await mnemonicLength(oldKeyId) : 24;
      const strength = ({ 12: 128, 15: 160, 18: 192, 21: 224, 24: 256 } as const)[words as 12] ?? 256;
      return mnemonicRecords(generateMnemonic(strength, await englishWords()), '', old.label, newKeyId);
    }
    const recs = [
      await sealSecret(
        'seed',
        newKeyId,
        newKeyId,
        { label: old.label, hasMnemonic: old.hasMnemonic === true },
        (await seedOf(oldKeyId)).slice(),
      ),
    ];
    const m = await read([STORES.secrets], (t) => t.get<SecretRow>(STORES.secrets, `${oldKeyId}#mnemonic`));
    if (m)
      recs.push(
        await sealSecret('mnemonic', `${newKeyId}#mnemonic`, newKeyId, { label: old.label }, await decryptSecret(s.dek, m, 'mnemonic')),
      );
    return recs;
  }
  const { curve } = await importedOf(oldKeyId); // loaded Ed25519 if the key needs it
  const priv = curve === 'secp256k1' ? randomSecpKey() : randomBytes(32);
  const publicKey = curve === 'secp256k1' ? secp256k1.getPublicKey(priv, true) : ed25519.getPublicKey(priv);
  return [await sealSecret('privateKey', newKeyId, newKeyId, { label: old.label, curve, publicKey }, priv)];
}

/** Whether two HD keys hold the same seed (an interrupted rotation finds out how its successor was made). */
export async function sameSeed(a: string, b: string): Promise<boolean> {
  return bytesEqual(await seedOf(a), await seedOf(b));
}

/** The public key a key signs with by default (lifecycle fingerprints, rotation results). */
export async function defaultPublicKey(keyId: string): Promise<{ path: string | null; publicKey: Uint8Array }> {
  const rec = await secretRow(keyId);
  if (rec.kind === 'privateKey') return { path: null, publicKey: (await importedOf(keyId)).pub.slice() };
  const path = defaultPath('secp256k1', accountOffset(keyId));
  const key = (await rootOf(keyId, 'secp256k1')).derive(path);
  try {
    return { path, publicKey: key.publicKey.slice() };
  } finally {
    key.wipe();
  }
}

export async function infoOf(keyId: string): Promise<KeyInfo> {
  return keyInfo(await secretRow(keyId));
}
