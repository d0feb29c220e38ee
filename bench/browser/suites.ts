// The Chromium bench rows: a representative subset of bench/{hash,secp256k1,
// ed25519,hd}.ts. Both the page (main thread) and the bench worker import this
// list; each row says where it runs, and only that thread builds its function:
//   'worker' — the dedicated bench worker, which holds vaultkey/core AND the
//              peers, so the ratios compare code on the same kind of thread;
//   'main'   — the page: vaultkey/core on the main thread, and calls to the
//              vaultkey worker pool (dist/index.js) through comlink, as an
//              app makes them (each op pays a postMessage round trip).
// Inputs are derived deterministically so both threads see the same bytes.
import type * as Core from 'vaultkey/core';
import type { Keystore, WorkerPool, deriveAddressesParallel } from 'vaultkey';
import type * as Peers from './peers.ts';

export type Where = 'worker' | 'main';

export interface Ctx {
  at: Where;
  vk: typeof Core;
  d: Data;
  /** Bench worker only. */
  P?: typeof Peers;
  s?: PeerState;
  /** Main thread only. */
  pools?: { one: WorkerPool; all: WorkerPool; parallel: typeof deriveAddressesParallel };
  /** Main thread only: a Keystore (RBAC, lifecycle, audit: always on) with one imported key, as an app signs. */
  vaults?: { audited: { ks: Keystore; keyId: string } };
}

export interface RowDef {
  lib: string | ((c: Ctx) => string);
  at: Where;
  /** Operations per call (batch rows). */
  per?: number;
  /** Builds the timed function; throwing skips the row with that reason. */
  make(c: Ctx): () => unknown;
}

export interface GroupDef {
  title: string;
  ms?: number;
  rounds?: number;
  rows: RowDef[];
}

const vault = (c: Ctx) => {
  if (!c.vaults) throw new Error('no Keystore on this thread');
  return c.vaults.audited;
};

const W = (lib: RowDef['lib'], make: RowDef['make'], per?: number): RowDef => ({ lib, at: 'worker', make, per });
const M = (lib: RowDef['lib'], make: RowDef['make'], per?: number): RowDef => ({ lib, at: 'main', make, per });

export type Data = ReturnType<typeof data>;

/** One awaited readwrite transaction (get then put) on a scratch database. */
function idbRoundTrip(): () => Promise<void> {
  let db: Promise<IDBDatabase> | null = null;
  const open = () =>
    new Promise<IDBDatabase>((ok, fail) => {
      const q = indexedDB.open(`vkbench-idb-${Date.now()}`, 1);
      q.onupgradeneeded = () => q.result.createObjectStore('s');
      q.onsuccess = () => ok(q.result);
      q.onerror = () => fail(q.error);
    });
  return async () => {
    const d = await (db ??= open());
    await new Promise<void>((ok, fail) => {
      const tx = d.transaction('s', 'readwrite', { durability: 'relaxed' });
      const st = tx.objectStore('s');
      st.get('k').onsuccess = () => st.put({ n: 1 }, 'k');
      tx.oncomplete = () => ok();
      tx.onerror = () => fail(tx.error);
    });
  };
}

const enc = new TextEncoder();
export const MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const BATCH = 64;
// 2,000 rather than bench/hd.ts's 10,000: the pure-JS peer takes ~1 s per 2,000 here.
const N_ADDR = 2_000;

export function data(vk: typeof Core) {
  const bytes = (label: string, n: number): Uint8Array<ArrayBuffer> => {
    const out = new Uint8Array(n);
    for (let o = 0, k = 0; o < n; o += 64, k++) out.set(vk.sha512(enc.encode(`${label}/${k}`)).subarray(0, n - o), o);
    return out;
  };
  const priv = bytes('secp256k1 key', 32);
  const digest = bytes('digest', 32);
  const edSecret = bytes('ed25519 key', 32);
  const edMsg = bytes('ed25519 message', 64);
  const seed = bytes('seed', 64);
  const { signature, recovery } = vk.secp256k1.sign(digest, priv);
  const root = vk.HDKey.fromMasterSeed(seed);
  const xpub = root.derive("m/44'/60'/0'/0").publicExtendedKey;
  return {
    key: bytes('hmac key', 32),
    msg37: bytes('37', 37),
    kib: bytes('kib', 1024),
    small: bytes('32', 32),
    pw: enc.encode(MNEMONIC),
    salt: enc.encode('mnemonicTREZOR'),
    priv,
    digest,
    aux: bytes('aux', 32),
    pub: vk.secp256k1.getPublicKey(priv),
    signature,
    recovery,
    edSecret,
    edMsg,
    edPub: vk.ed25519.getPublicKey(edSecret),
    edSig: vk.ed25519.sign(edMsg, edSecret),
    seed,
    root,
    xpub,
    rootPub: vk.HDKey.fromExtendedKey(xpub),
  };
}

export type PeerState = Awaited<ReturnType<typeof peerState>>;

/** Peer objects that need async set-up (bench worker only). */
export async function peerState(P: typeof Peers, d: Data) {
  const subtle = crypto.subtle;
  await P.sodium.ready;
  const pkcs8 = new Uint8Array([...P.hexToBytes('302e020100300506032b657004220420'), ...d.edSecret]);
  let ed: { priv: CryptoKey; pub: CryptoKey; pkcs8: Uint8Array<ArrayBuffer> } | string;
  try {
    ed = {
      priv: await subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']),
      pub: await subtle.importKey('raw', d.edPub as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['verify']),
      pkcs8,
    };
  } catch (e) {
    ed = `WebCrypto Ed25519 unavailable here (${String(e)})`;
  }
  const bip32 = P.BIP32Factory(P.tiny);
  const scure = P.ScureHDKey.fromMasterSeed(d.seed);
  return {
    hwHmac: await P.hashWasm.createHMAC(P.hashWasm.createSHA512(), d.key),
    hmacKey: await subtle.importKey('raw', d.key, { name: 'HMAC', hash: 'SHA-512' }, false, ['sign']),
    pwKey: await subtle.importKey('raw', d.pw, 'PBKDF2', false, ['deriveBits']),
    ed,
    kp: P.sodium.crypto_sign_seed_keypair(d.edSecret),
    signingKey: new P.SigningKey(d.priv),
    ethersSig: P.Signature.from({ r: P.hexlify(d.signature.subarray(0, 32)), s: P.hexlify(d.signature.subarray(32)), v: 27 + d.recovery }),
    recovered: new Uint8Array([d.recovery, ...d.signature]),
    scure,
    scurePub: P.ScureHDKey.fromExtendedKey(d.xpub),
    bjs: bip32.fromSeed(d.seed),
    bjsPub: bip32.fromBase58(d.xpub),
    ethersRoot: P.HDNodeWallet.fromSeed(d.seed),
  };
}

const webcryptoEd = (c: Ctx) => {
  if (typeof c.s!.ed === 'string') throw new Error(c.s!.ed);
  return c.s!.ed;
};
const pools = (c: Ctx) => c.pools!;
let i = 0;

export const groups: GroupDef[] = [
  {
    title: 'HMAC-SHA512, 37-byte message',
    rows: [
      W('vaultkey/core (wasm)', (c) => () => c.vk.hmacSha512(c.d.key, c.d.msg37)),
      M('vaultkey/core, main thread', (c) => () => c.vk.hmacSha512(c.d.key, c.d.msg37)),
      W(
        '@noble/hashes',
        ({ P, d }) =>
          () =>
            P!.hmac(P!.sha512, d.key, d.msg37),
      ),
      W(
        'hash-wasm',
        ({ s, d }) =>
          () => (s!.hwHmac.init(), s!.hwHmac.update(d.msg37), s!.hwHmac.digest('binary')),
      ),
      W(
        'WebCrypto (async)',
        ({ s, d }) =>
          () =>
            crypto.subtle.sign('HMAC', s!.hmacKey, d.msg37),
      ),
    ],
  },
  {
    title: 'SHA-512, 1 KiB',
    rows: [
      W('vaultkey/core (wasm)', (c) => () => c.vk.sha512(c.d.kib)),
      W(
        '@noble/hashes',
        ({ P, d }) =>
          () =>
            P!.sha512(d.kib),
      ),
      W(
        'hash-wasm',
        ({ P, d }) =>
          () =>
            P!.hashWasm.sha512(d.kib),
      ),
      W(
        'WebCrypto (async)',
        ({ d }) =>
          () =>
            crypto.subtle.digest('SHA-512', d.kib),
      ),
    ],
  },
  {
    title: 'PBKDF2-HMAC-SHA512 x2048 (BIP-39 seed)',
    ms: 400,
    rows: [
      W('vaultkey pbkdf2Sha512 (wasm)', (c) => () => c.vk.pbkdf2Sha512(c.d.pw, c.d.salt, 2048, 64)),
      W(
        (c) => `vaultkey mnemonicToSeed (${c.vk.pbkdf2Backend()})`,
        (c) => () => c.vk.mnemonicToSeed(MNEMONIC, 'TREZOR'),
      ),
      M('pool.call mnemonicToSeed (worker)', (c) => () => pools(c).one.call('mnemonicToSeed', MNEMONIC, 'TREZOR')),
      W(
        '@noble/hashes',
        ({ P, d }) =>
          () =>
            P!.pbkdf2(P!.sha512, d.pw, d.salt, { c: 2048, dkLen: 64 }),
      ),
      W(
        'hash-wasm',
        ({ P, d }) =>
          () =>
            P!.hashWasm.pbkdf2({
              password: d.pw,
              salt: d.salt,
              iterations: 2048,
              hashLength: 64,
              hashFunction: P!.hashWasm.createSHA512(),
              outputType: 'binary',
            }),
      ),
      W(
        'WebCrypto deriveBits (async)',
        ({ s, d }) =>
          () =>
            crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-512', salt: d.salt, iterations: 2048 }, s!.pwKey, 512),
      ),
    ],
  },
  {
    title: 'secp256k1 getPublicKey (compressed)',
    rows: [
      W('vaultkey/core (wasm)', (c) => () => c.vk.secp256k1.getPublicKey(c.d.priv)),
      W(
        '@noble/curves',
        ({ P, d }) =>
          () =>
            P!.secp256k1.getPublicKey(d.priv, true),
      ),
      W(
        'tiny-secp256k1 (libsecp256k1 wasm)',
        ({ P, d }) =>
          () =>
            P!.tiny.pointFromScalar(d.priv, true),
      ),
      W(
        'ethers SigningKey.computePublicKey',
        ({ P, d }) =>
          () =>
            P!.SigningKey.computePublicKey(d.priv, true),
      ),
    ],
  },
  {
    title: 'secp256k1 ECDSA sign (RFC 6979, low-S, 32-byte digest)',
    rows: [
      W('vaultkey/core (wasm)', (c) => () => c.vk.secp256k1.sign(c.d.digest, c.d.priv)),
      M('vaultkey/core, main thread', (c) => () => c.vk.secp256k1.sign(c.d.digest, c.d.priv)),
      M('vaultkey worker: pool.call each', (c) => () => pools(c).one.call('secp256k1Sign', c.d.digest, c.d.priv)),
      M(
        `vaultkey worker: pool.batch of ${BATCH}`,
        (c) => {
          const args = Array.from({ length: BATCH }, () => [c.d.digest, c.d.priv] as [Uint8Array, Uint8Array]);
          return () => pools(c).one.batch('secp256k1Sign', args);
        },
        BATCH,
      ),
      W(
        '@noble/curves',
        ({ P, d }) =>
          () =>
            P!.secp256k1.sign(d.digest, d.priv, { prehash: false, format: 'recovered' }),
      ),
      W(
        'tiny-secp256k1 (libsecp256k1 wasm)',
        ({ P, d }) =>
          () =>
            P!.tiny.sign(d.digest, d.priv),
      ),
      W(
        'ethers SigningKey.sign',
        ({ s, d }) =>
          () =>
            s!.signingKey.sign(d.digest),
      ),
    ],
  },
  {
    // What a signature costs through the vault, against the bare worker call (first row, so the
    // printed ratio is the overhead): permission check and lifecycle gate in the worker, the
    // signature, then its usage count and audit entry committed before it is returned (one
    // IndexedDB transaction shared by every signature waiting at that moment).
    title: 'Keystore.sign: governance in the vault worker vs the bare worker call',
    rows: [
      M('vaultkey worker: pool.call each (bare)', (c) => () => pools(c).one.call('secp256k1Sign', c.d.digest, c.d.priv)),
      M('Keystore.sign, awaited one by one', (c) => () => vault(c).ks.sign(vault(c).keyId, c.d.digest)),
      M(
        `Keystore.sign, ${BATCH} in flight`,
        (c) => {
          const { ks, keyId } = vault(c);
          return () => Promise.all(Array.from({ length: BATCH }, () => ks.sign(keyId, c.d.digest)));
        },
        BATCH,
      ),
      // The floor under an awaited signature that must be committed before it returns: one
      // IndexedDB readwrite transaction (one get, one put) on its own, awaited, on the page.
      M('IndexedDB readwrite transaction alone (get + put)', () => idbRoundTrip()),
    ],
  },
  {
    title: 'secp256k1 ECDSA verify',
    rows: [
      W('vaultkey/core (wasm)', (c) => () => c.vk.secp256k1.verify(c.d.signature, c.d.digest, c.d.pub)),
      W(
        '@noble/curves',
        ({ P, d }) =>
          () =>
            P!.secp256k1.verify(d.signature, d.digest, d.pub, { prehash: false }),
      ),
      W(
        'tiny-secp256k1 (libsecp256k1 wasm)',
        ({ P, d }) =>
          () =>
            P!.tiny.verify(d.digest, d.pub, d.signature),
      ),
    ],
  },
  {
    title: 'secp256k1 ECDSA recover public key',
    rows: [
      W('vaultkey/core (wasm)', (c) => () => c.vk.secp256k1.recoverPublicKey(c.d.signature, c.d.recovery, c.d.digest)),
      W(
        '@noble/curves',
        ({ P, s, d }) =>
          () =>
            P!.secp256k1.recoverPublicKey(s!.recovered, d.digest, { prehash: false }),
      ),
      W(
        'tiny-secp256k1 (libsecp256k1 wasm)',
        ({ P, d }) =>
          () =>
            P!.tiny.recover(d.digest, d.signature, d.recovery as 0 | 1 | 2 | 3, true),
      ),
      W(
        'ethers SigningKey.recoverPublicKey',
        ({ P, s, d }) =>
          () =>
            P!.SigningKey.recoverPublicKey(d.digest, s!.ethersSig),
      ),
    ],
  },
  {
    title: 'secp256k1 BIP-340 Schnorr sign',
    rows: [
      W('vaultkey/core (wasm)', (c) => () => c.vk.secp256k1.schnorr.sign(c.d.digest, c.d.priv, c.d.aux)),
      W(
        '@noble/curves',
        ({ P, d }) =>
          () =>
            P!.schnorr.sign(d.digest, d.priv, d.aux),
      ),
      W(
        'tiny-secp256k1 (libsecp256k1 wasm)',
        ({ P, d }) =>
          () =>
            P!.tiny.signSchnorr(d.digest, d.priv, d.aux),
      ),
    ],
  },
  {
    title: 'Ed25519 getPublicKey',
    rows: [
      W('vaultkey/core (wasm)', (c) => () => c.vk.ed25519.getPublicKey(c.d.edSecret)),
      W(
        '@noble/curves',
        ({ P, d }) =>
          () =>
            P!.ed25519.getPublicKey(d.edSecret),
      ),
      W(
        'libsodium-wrappers seed_keypair',
        ({ P, d }) =>
          () =>
            P!.sodium.crypto_sign_seed_keypair(d.edSecret),
      ),
      W('WebCrypto import pkcs8+export jwk', (c) => {
        const { pkcs8 } = webcryptoEd(c);
        return async () =>
          crypto.subtle.exportKey('jwk', await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, true, ['sign']));
      }),
    ],
  },
  {
    title: 'Ed25519 sign, 64-byte message',
    rows: [
      W('vaultkey/core (wasm)', (c) => () => c.vk.ed25519.sign(c.d.edMsg, c.d.edSecret)),
      M('vaultkey/core, main thread', (c) => () => c.vk.ed25519.sign(c.d.edMsg, c.d.edSecret)),
      M('vaultkey worker: pool.call each', (c) => () => pools(c).one.call('ed25519Sign', c.d.edMsg, c.d.edSecret)),
      W(
        '@noble/curves',
        ({ P, d }) =>
          () =>
            P!.ed25519.sign(d.edMsg, d.edSecret),
      ),
      W(
        'libsodium-wrappers (sk has A)',
        ({ P, s, d }) =>
          () =>
            P!.sodium.crypto_sign_detached(d.edMsg, s!.kp.privateKey),
      ),
      W('WebCrypto (CryptoKey has A, async)', (c) => {
        const { priv } = webcryptoEd(c);
        return () => crypto.subtle.sign('Ed25519', priv, c.d.edMsg as Uint8Array<ArrayBuffer>);
      }),
    ],
  },
  {
    title: 'Ed25519 verify, 64-byte message',
    rows: [
      W('vaultkey/core (wasm)', (c) => () => c.vk.ed25519.verify(c.d.edSig, c.d.edMsg, c.d.edPub)),
      W(
        '@noble/curves',
        ({ P, d }) =>
          () =>
            P!.ed25519.verify(d.edSig, d.edMsg, d.edPub),
      ),
      W(
        'libsodium-wrappers',
        ({ P, d }) =>
          () =>
            P!.sodium.crypto_sign_verify_detached(d.edSig, d.edMsg, d.edPub),
      ),
      W('WebCrypto (async)', (c) => {
        const { pub } = webcryptoEd(c);
        return () => crypto.subtle.verify('Ed25519', pub, c.d.edSig as Uint8Array<ArrayBuffer>, c.d.edMsg as Uint8Array<ArrayBuffer>);
      }),
    ],
  },
  {
    title: "address key m/44'/60'/0'/0/i from the root",
    ms: 400,
    rows: [
      W(
        'vaultkey (wasm step + parent cache)',
        ({ d }) =>
          () =>
            d.root.derive(`m/44'/60'/0'/0/${i++ & 0xffff}`).privateKey,
      ),
      W(
        '@scure/bip32',
        ({ s }) =>
          () =>
            s!.scure.derive(`m/44'/60'/0'/0/${i++ & 0xffff}`).privateKey,
      ),
      W(
        'bip32 + tiny-secp256k1',
        ({ s }) =>
          () =>
            s!.bjs.derivePath(`m/44'/60'/0'/0/${i++ & 0xffff}`).privateKey,
      ),
      W(
        'ethers HDNodeWallet',
        ({ s }) =>
          () =>
            s!.ethersRoot.derivePath(`m/44'/60'/0'/0/${i++ & 0xffff}`).privateKey,
      ),
      W(
        '@metamask/key-tree',
        ({ P, d }) =>
          () =>
            P!.SLIP10Node.fromSeed({
              derivationPath: [d.seed, "bip32:44'", "bip32:60'", "bip32:0'", 'bip32:0', `bip32:${i++ & 0xffff}`] as any,
              curve: 'secp256k1',
            }),
      ),
    ],
  },
  {
    title: 'public child from an xpub (deriveChild(i))',
    rows: [
      W(
        'vaultkey (wasm step)',
        ({ d }) =>
          () =>
            d.rootPub.deriveChild(i++ & 0x7fffffff).publicKey,
      ),
      W(
        '@scure/bip32',
        ({ s }) =>
          () =>
            s!.scurePub.deriveChild(i++ & 0x7fffffff).publicKey,
      ),
      W(
        'bip32 + tiny-secp256k1',
        ({ s }) =>
          () =>
            s!.bjsPub.derive(i++ & 0x7fffffff).publicKey,
      ),
    ],
  },
  {
    // Peers get the same keccak + EIP-55 code as in bench/hd.ts.
    title: `${N_ADDR.toLocaleString('en')} Ethereum addresses from an xpub`,
    ms: 600,
    rounds: 3,
    rows: [
      W('vaultkey deriveAddresses (1 thread)', (c) => () => c.vk.deriveAddresses(c.d.xpub, 0, N_ADDR, 'ethereum')),
      M(
        (c) => `vaultkey pool (${pools(c).all.size} workers)`,
        (c) => () => pools(c).parallel(pools(c).all, c.d.xpub, 0, N_ADDR, 'ethereum'),
      ),
      W('@scure/bip32', ({ P, s, vk }) => () => {
        for (let j = 0; j < N_ADDR; j++) {
          const pub = P!.secp256k1.Point.fromBytes(s!.scurePub.deriveChild(j).publicKey!).toBytes(false);
          vk.toChecksumAddress(P!.keccak_256(pub.subarray(1)).subarray(12));
        }
      }),
    ],
  },
  {
    // The bare cost of one comlink call: the vaultkey side of "sign via the pool" minus in-thread work.
    title: 'comlink round trip: SHA-256 of 32 bytes, called from the main thread',
    rows: [
      M('vaultkey/core, main thread', (c) => () => c.vk.sha256(c.d.small)),
      M(
        `vaultkey worker: pool.batch of ${BATCH}`,
        (c) => {
          const args = Array.from({ length: BATCH }, () => [c.d.small] as [Uint8Array]);
          return () => pools(c).one.batch('sha256', args);
        },
        BATCH,
      ),
      M('vaultkey worker: pool.call each', (c) => () => pools(c).one.call('sha256', c.d.small)),
    ],
  },
];

/** Thread-local row functions: null where the row belongs to the other thread. */
export function build(c: Ctx): { fns: ((() => unknown) | null)[][]; plan: PlanGroup[] } {
  const fns: ((() => unknown) | null)[][] = [];
  const plan: PlanGroup[] = [];
  for (const g of groups) {
    const gf: ((() => unknown) | null)[] = [];
    const rows: PlanRow[] = [];
    for (const r of g.rows) {
      if (r.at !== c.at) {
        gf.push(null);
        rows.push({ lib: null, at: r.at, per: r.per ?? 1 });
        continue;
      }
      const lib = typeof r.lib === 'string' ? r.lib : r.lib(c);
      try {
        gf.push(r.make(c));
        rows.push({ lib, at: r.at, per: r.per ?? 1 });
      } catch (e) {
        gf.push(null);
        rows.push({ lib, at: r.at, per: r.per ?? 1, skip: e instanceof Error ? e.message : String(e) });
      }
    }
    fns.push(gf);
    plan.push({ title: g.title, ms: g.ms, rounds: g.rounds, rows });
  }
  return { fns, plan };
}

export interface PlanRow {
  lib: string | null;
  at: Where;
  per: number;
  skip?: string;
}
export interface PlanGroup {
  title: string;
  ms?: number;
  rounds?: number;
  rows: PlanRow[];
}
