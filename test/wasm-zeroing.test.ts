// No secret is left in WASM linear memory after a call returns or throws
// (README "Security model": every scratch buffer is zeroed before a call
// returns), and lengths that cannot fit the 32-bit address space are refused
// with a typed error before any memory is touched.
//
// After each secret-handling function of vaultkey/core (and Argon2id, whose
// module is an instance of its own per call), the WHOLE linear memory of the
// module is searched for each secret in every form the WASM code holds it in:
//   - the bytes as given, and byte-reversed (which is also the 8 x 32-bit
//     little-endian limb form of secp256k1 scalars, assembly/secp256k1/scalar.ts);
//   - secp256k1 scalars as 10 x 26-bit limbs, plain and as x * 2^260 mod n
//     (the radix and domain of an earlier inversion), and as the nine signed
//     30-bit limbs of the safegcd inversion (scInv), of x and of 1/x mod n;
//   - Ed25519 scalars as 21-bit limbs in i64 (assembly/ed25519/scalar.ts),
//     as the signed radix-64 digits of the fixed-base multiplication
//     (assembly/ed25519/base.ts), and as 10 field limbs (radix 2^25.5,
//     assembly/ed25519/field.ts feFromBytes);
//   - P-256 scalars (assembly/p256/scalar.ts) as 8 x 32-bit limbs, plain and
//     in the Montgomery domain of the inversion (x * 2^256 mod n), in the
//     memory of the P-256 module (its own instance, build/p256.wasm).
// A window of a few bytes of any form is enough to fail: a partial copy is as
// bad as a whole one. The secrets are recomputed independently (node:crypto,
// @noble/curves, BigInt), never through the code under test.
//
// The memories are taken by wrapping WebAssembly.instantiate before the
// package instantiates anything: no accessor is added to the package for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { secp256k1 as noble } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { p256 as nobleP256 } from '@noble/curves/nist.js';
import { hex, unhex } from './helpers/vectors.ts';
import { errorCode as code } from './helpers/errors.ts';

// ---- capture every instance the package creates
const instances: WebAssembly.Instance[] = [];
const realInstantiate = WebAssembly.instantiate;
(WebAssembly as any).instantiate = async (source: any, imports?: any) => {
  const result: any = await (realInstantiate as any)(source, imports);
  instances.push(result instanceof WebAssembly.Instance ? result : result.instance);
  return result;
};

const core = await import('vaultkey/core');
const { init, sha256, sha512, keccak256, hmacSha256, hmacSha512, hkdfSha256, pbkdf2Sha512, secp256k1, ed25519, p256, HDKey } = core;
// Argon2id is not part of a package entry: the source module, as test/argon2.test.ts uses it.
const { argon2id } = await import('../src/core/argon2.ts');
const { MAX_INPUT } = await import('../src/core/wasm.ts');
await init();

const coreInstance = instances.find((i) => 'secp256k1Sign' in i.exports);
assert.ok(coreInstance, 'the core WASM instance was not captured');
const coreEx = coreInstance.exports as any;
const coreMemory = () => Buffer.from((coreEx.memory as WebAssembly.Memory).buffer);
const p256Instance = instances.find((i) => 'p256Sign' in i.exports);
assert.ok(p256Instance, 'the P-256 WASM instance was not captured');
const p256Ex = p256Instance.exports as any;
const p256Memory = () => Buffer.from((p256Ex.memory as WebAssembly.Memory).buffer);
// Ed25519 is a module of its own too (build/ed25519.wasm, loaded by init() as a lazy part).
const edInstance = instances.find((i) => 'ed25519Sign' in i.exports);
assert.ok(edInstance, 'the Ed25519 WASM instance was not captured');
const edEx = edInstance.exports as any;
const edMemory = () => Buffer.from((edEx.memory as WebAssembly.Memory).buffer);
// And secp256k1 verification (build/secp256k1-verify.wasm, a lazy part): public inputs only, no secret reaches it.
const verifyInstance = instances.find((i) => 'secp256k1Verify' in i.exports);
assert.ok(verifyInstance, 'the secp256k1 verification WASM instance was not captured');
const verifyEx = verifyInstance.exports as any;

// ---- forms of a secret

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const big = (b: Uint8Array) => BigInt('0x' + (hex(b) || '0'));
const be32 = (x: bigint) => unhex(x.toString(16).padStart(64, '0'));
const le32 = (x: bigint) => be32(x).reverse();
const leBig = (b: Uint8Array) => big(Uint8Array.from(b).reverse());
const rnd = (n: number) => new Uint8Array(crypto.randomBytes(n));
const inv = (a: bigint, m: bigint) => {
  let [x, y, u, v] = [((a % m) + m) % m, m, 1n, 0n];
  while (x !== 0n) {
    const q = y / x;
    [x, y, u, v] = [y - q * x, x, v - q * u, u];
  }
  return ((v % m) + m) % m;
};

interface Form {
  form: string;
  bytes: Uint8Array;
  /** Window length: enough bytes of this form for ~60 bits of entropy (no chance match in a few MiB). */
  window: number;
}
interface Secret {
  name: string;
  forms: Form[];
}

/** `count` limbs of `bits` bits of x, each stored little-endian in `width` bytes (u32 or i64). */
function limbs(x: bigint, bits: number, count: number, width: 4 | 8): Uint8Array {
  const out = new Uint8Array(count * width);
  const dv = new DataView(out.buffer);
  const mask = (1n << BigInt(bits)) - 1n;
  for (let i = 0; i < count; i++) {
    const v = (x >> BigInt(i * bits)) & mask;
    if (width === 4) dv.setUint32(4 * i, Number(v), true);
    else dv.setBigUint64(8 * i, v, true);
  }
  return out;
}

/** Ed25519 field limbs of 32 little-endian bytes (bit 255 ignored): radix 2^25.5, as feFromBytes stores them. */
function edFieldLimbs(b: Uint8Array): Uint8Array {
  const x = leBig(b) & ((1n << 255n) - 1n);
  const widths = [26, 25, 26, 25, 26, 25, 26, 25, 26, 25];
  const out = new Uint8Array(40);
  const dv = new DataView(out.buffer);
  let at = 0n;
  widths.forEach((w, i) => {
    dv.setInt32(4 * i, Number((x >> at) & ((1n << BigInt(w)) - 1n)), true);
    at += BigInt(w);
  });
  return out;
}

/** Signed radix-64 digits in [-32, 32) of a 32-byte little-endian scalar, as scalarmultBase stores them (43 x i8). */
function radix64(b: Uint8Array): Uint8Array {
  const x = leBig(b);
  const out = new Int8Array(43);
  let carry = 0;
  for (let i = 0; i < 43; i++) {
    const e = Number((x >> BigInt(6 * i)) & 63n) + carry;
    carry = (e + 32) >> 6;
    out[i] = e - (carry << 6);
  }
  return new Uint8Array(out.buffer);
}

/** b with every `w`-byte word byte-swapped: the message schedules of SHA-256 (w = 4) and SHA-512 (w = 8). */
function wordSwapped(b: Uint8Array, w: number): Uint8Array {
  const out = new Uint8Array(b.length - (b.length % w));
  for (let i = 0; i < out.length; i += w) for (let j = 0; j < w; j++) out[i + j] = b[i + w - 1 - j]!;
  return out;
}

/** Any byte string: as given, reversed, and as SHA-256 / SHA-512 schedule words. */
function bytes(name: string, b: Uint8Array): Secret {
  return {
    name,
    forms: [
      { form: 'bytes', bytes: Uint8Array.from(b), window: 8 },
      { form: 'reversed', bytes: Uint8Array.from(b).reverse(), window: 8 },
      { form: '32-bit words byte-swapped (SHA-256 W)', bytes: wordSwapped(b, 4), window: 8 },
      { form: '64-bit words byte-swapped (SHA-512 W)', bytes: wordSwapped(b, 8), window: 8 },
    ],
  };
}

/** 1/x mod n (Fermat, BigInt: independent of the code under test). */
function invN(x: bigint): bigint {
  let r = 1n;
  let b = x % N;
  for (let e = N - 2n; e > 0n; e >>= 1n, b = (b * b) % N) if (e & 1n) r = (r * b) % N;
  return r;
}

/** A secp256k1 scalar (32 big-endian bytes as given): bytes, 8 x 32 LE limbs, 10 x 26 limbs, Montgomery 10 x 26, safegcd 9 x 30. */
function secpScalar(name: string, x: bigint): Secret {
  return {
    name,
    forms: [
      { form: 'big-endian bytes', bytes: be32(x), window: 8 },
      { form: '8 x 32-bit LE limbs', bytes: le32(x), window: 8 },
      { form: '10 x 26-bit limbs', bytes: limbs(x, 26, 10, 4), window: 12 },
      { form: '10 x 26-bit limbs, x * 2^260 mod n', bytes: limbs((x * 2n ** 260n) % N, 26, 10, 4), window: 12 },
      { form: '9 x 30-bit limbs (safegcd)', bytes: limbs(x, 30, 9, 4), window: 12 },
      { form: '9 x 30-bit limbs of 1/x mod n (safegcd)', bytes: limbs(invN(x), 30, 9, 4), window: 12 },
    ],
  };
}

const NP = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** A P-256 scalar: bytes, 8 x 32 LE limbs, and 8 x 32 LE limbs of x * 2^256 mod n (scInv's Montgomery domain). */
function p256Scalar(name: string, x: bigint): Secret {
  return {
    name,
    forms: [
      { form: 'big-endian bytes', bytes: be32(x), window: 8 },
      { form: '8 x 32-bit LE limbs', bytes: le32(x), window: 8 },
      { form: '8 x 32-bit LE limbs, x * 2^256 mod n', bytes: le32((x * 2n ** 256n) % NP), window: 8 },
    ],
  };
}

/** An Ed25519 scalar (32 little-endian bytes): bytes, reversed, 21-bit i64 limbs, radix-64 digits, field limbs. */
function edScalar(name: string, b: Uint8Array): Secret {
  const x = leBig(b);
  return {
    name,
    forms: [
      { form: 'little-endian bytes', bytes: Uint8Array.from(b), window: 8 },
      { form: 'reversed', bytes: Uint8Array.from(b).reverse(), window: 8 },
      { form: '21-bit limbs as i64', bytes: limbs(x, 21, 13, 8), window: 24 },
      { form: 'signed radix-64 digits', bytes: radix64(b), window: 12 },
      { form: 'field limbs (radix 2^25.5)', bytes: edFieldLimbs(b), window: 12 },
    ],
  };
}

/** Every window of every form of every secret found in `memory`, as readable lines. */
function findLeaks(memory: Buffer, secrets: Secret[]): string[] {
  const found: string[] = [];
  for (const s of secrets) {
    for (const f of s.forms) {
      for (let i = 0; i + f.window <= f.bytes.length; i += 4) {
        const w = f.bytes.subarray(i, i + f.window);
        if (w.filter((x) => x !== 0).length < 4) continue; // a run of zeros is not evidence
        const at = memory.indexOf(w);
        if (at >= 0) {
          found.push(`${s.name} (${f.form}) bytes [${i}, ${i + f.window}) at 0x${at.toString(16)}`);
          break;
        }
      }
    }
  }
  return found;
}

function assertClean(what: string, secrets: Secret[], memory: Buffer = coreMemory()): void {
  const leaks = findLeaks(memory, secrets);
  if (process.env.REPORT) {
    console.log(`## ${what}\n  ${leaks.join('\n  ') || '(clean)'}`);
    return;
  }
  assert.deepEqual(leaks, [], `after ${what}, secrets are still in WASM memory:\n  ${leaks.join('\n  ')}`);
}

// ---- independent reference computations

const hmac512 = (key: Uint8Array, ...data: Uint8Array[]) => {
  const h = crypto.createHmac('sha512', key);
  for (const d of data) h.update(d);
  return new Uint8Array(h.digest());
};
const hmac256 = (key: Uint8Array, ...data: Uint8Array[]) => {
  const h = crypto.createHmac('sha256', key);
  for (const d of data) h.update(d);
  return new Uint8Array(h.digest());
};
const sha = (alg: string, ...data: Uint8Array[]) => {
  const h = crypto.createHash(alg);
  for (const d of data) h.update(d);
  return new Uint8Array(h.digest());
};
const ser32 = (i: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, i);
  return b;
};
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

interface Bip32Node {
  k: bigint;
  c: Uint8Array;
}

/** BIP-32 master key and the secrets of its generation. */
function bip32Master(seed: Uint8Array): { node: Bip32Node; secrets: Secret[] } {
  const I = hmac512(new TextEncoder().encode('Bitcoin seed'), seed);
  const k = big(I.subarray(0, 32));
  return { node: { k, c: I.slice(32) }, secrets: [bytes('seed', seed), bytes('master I', I), secpScalar('master key', k)] };
}

/** One BIP-32 CKDpriv step and its secrets (BIP-32 §Private parent key → private child key). */
function bip32Child(parent: Bip32Node, i: number, label: string): { node: Bip32Node; secrets: Secret[] } {
  const data = i >= 0x80000000 ? cat(new Uint8Array(1), be32(parent.k), ser32(i)) : cat(noble.getPublicKey(be32(parent.k), true), ser32(i));
  const I = hmac512(parent.c, data);
  const il = big(I.subarray(0, 32));
  const k = (il + parent.k) % N;
  return {
    node: { k, c: I.slice(32) },
    secrets: [
      bytes(`${label} chain code`, I.slice(32)),
      secpScalar(`${label} IL tweak`, il),
      secpScalar(`${label} key`, k),
      ...(i >= 0x80000000 ? [bytes(`${label} hardened HMAC data`, data.subarray(0, 33))] : []),
    ],
  };
}

function bip32Path(seed: Uint8Array, path: number[]): { node: Bip32Node; secrets: Secret[] } {
  const m = bip32Master(seed);
  let node = m.node;
  const secrets = [...m.secrets, bytes('master chain code', m.node.c)];
  path.forEach((i, depth) => {
    const step = bip32Child(node, i, `depth ${depth + 1}`);
    node = step.node;
    secrets.push(...step.secrets);
  });
  return { node, secrets };
}

/** RFC 6979 §3.2 for secp256k1/SHA-256: the nonce k, the final HMAC key K and value V, and the intermediates. */
function rfc6979(d: bigint, digest: Uint8Array): { k: bigint; secrets: Secret[] } {
  const x = be32(d);
  const h1 = be32(big(digest) % N);
  let V = new Uint8Array(32).fill(1);
  let K = new Uint8Array(32);
  const Ks: Uint8Array[] = [];
  K = hmac256(K, V, Uint8Array.of(0), x, h1);
  Ks.push(K);
  V = hmac256(K, V);
  K = hmac256(K, V, Uint8Array.of(1), x, h1);
  Ks.push(K);
  V = hmac256(K, V);
  for (;;) {
    V = hmac256(K, V);
    const k = big(V);
    if (k > 0n && k < N) return { k, secrets: [...Ks.map((kk, j) => bytes(`RFC 6979 K${j + 1}`, kk)), bytes('RFC 6979 V', V)] };
    K = hmac256(K, V, Uint8Array.of(0));
    V = hmac256(K, V);
  }
}

const taggedHash = (tag: string, ...data: Uint8Array[]) => {
  const t = sha('sha256', new TextEncoder().encode(tag));
  return sha('sha256', t, t, ...data);
};

/** Ed25519 (RFC 8032 §5.1.5-5.1.6) secrets of signing `msg` with `seed`. */
function ed25519Secrets(seed: Uint8Array, msg?: Uint8Array): Secret[] {
  const h = sha('sha512', seed);
  const s = Uint8Array.from(h.subarray(0, 32));
  s[0]! &= 248;
  s[31]! &= 127;
  s[31]! |= 64;
  const out = [
    bytes('Ed25519 secret', seed),
    bytes('SHA-512(secret)', h),
    edScalar('Ed25519 scalar s', s),
    bytes('nonce prefix', h.subarray(32)),
  ];
  if (msg) {
    const nh = sha('sha512', h.subarray(32), msg);
    out.push(bytes('nonce hash', nh), edScalar('nonce r', le32(leBig(nh) % L)));
  }
  return out;
}

// ---- the scanner itself finds every form (so a clean result means something)

test('the memory scan finds each form of a planted secret at any alignment', () => {
  const base = coreEx.bufPtr(256);
  assert.notEqual(base, 0);
  const x = big(rnd(32)) % N;
  const samples = [secpScalar('planted secp scalar', x), edScalar('planted Ed25519 scalar', rnd(32)), bytes('planted bytes', rnd(32))];
  for (const s of samples) {
    for (const f of s.forms) {
      const view = new Uint8Array((coreEx.memory as WebAssembly.Memory).buffer);
      const at = base + 3;
      view.set(f.bytes.subarray(5, 5 + f.window + 3), at); // only part of the form, unaligned
      const hits = findLeaks(coreMemory(), [{ name: s.name, forms: [f] }]);
      view.fill(0, base, base + 256);
      assert.equal(hits.length, 1, `${s.name} (${f.form}) was not found`);
    }
  }
});

// ---- hashes, HMAC, PBKDF2 on secrets

test('sha256 / sha512 of a secret leave neither the input nor the digest', () => {
  const secret = rnd(100); // crosses a SHA-256 block boundary, so the schedule held it too
  const d256 = sha256(secret);
  assert.equal(hex(d256), hex(sha('sha256', secret)));
  assertClean('sha256(secret)', [bytes('input', secret), bytes('SHA-256 digest', d256)]);
  const d512 = sha512(secret);
  assert.equal(hex(d512), hex(sha('sha512', secret)));
  assertClean('sha512(secret)', [bytes('input', secret), bytes('SHA-512 digest', d512)]);
  const short = rnd(32);
  sha256(short);
  assertClean('sha256(32-byte secret)', [bytes('input', short), bytes('digest', sha('sha256', short))]);
});

test('keccak256 of a secret leaves neither the input, the state nor the digest', () => {
  // 300 bytes: two full 136-byte blocks absorbed, then a padded one; 135: the
  // padding bytes 0x01 and 0x80 fall on the same byte. The state (200 bytes)
  // holds every block XORed in, and its first 32 bytes are the digest.
  for (const len of [300, 135, 20]) {
    const secret = rnd(len);
    const d = keccak256(secret);
    assert.equal(hex(d), hex(keccak_256(secret)));
    assertClean(`keccak256(${len}-byte secret)`, [bytes('input', secret), bytes('Keccak-256 digest', d)]);
  }
});

test('hmacSha512 and pbkdf2Sha512 leave no key, message, block or output', () => {
  const key = rnd(32);
  const data = rnd(80);
  const mac = hmacSha512(key, data);
  assert.equal(hex(mac), hex(hmac512(key, data)));
  const inner = sha(
    'sha512',
    Buffer.alloc(128, 0x36).map((b, i) => b ^ (key[i] ?? 0)),
    data,
  );
  assertClean('hmacSha512', [bytes('key', key), bytes('data', data), bytes('MAC', mac), bytes('inner hash', inner)]);
  const longKey = rnd(200); // longer than the block: hashed first (RFC 2104 §2)
  hmacSha512(longKey, data);
  assertClean('hmacSha512 (long key)', [bytes('long key', longKey), bytes('hashed key', sha('sha512', longKey))]);

  const password = rnd(40);
  const salt = rnd(16);
  const dk = pbkdf2Sha512(password, salt, 3, 100);
  assert.equal(hex(dk), hex(new Uint8Array(crypto.pbkdf2Sync(password, salt, 3, 100, 'sha512'))));
  const u1 = hmac512(password, salt, ser32(1));
  assertClean('pbkdf2Sha512', [bytes('password', password), bytes('derived key', dk), bytes('U_1', u1)]);
});

test('hmacSha256 and hkdfSha256 leave no key, message, inner hash, PRK or output block', () => {
  const key = rnd(32);
  const data = rnd(80);
  const mac = hmacSha256(key, data);
  assert.equal(hex(mac), hex(hmac256(key, data)));
  const inner = sha(
    'sha256',
    Buffer.alloc(64, 0x36).map((b, i) => b ^ (key[i] ?? 0)),
    data,
  );
  assertClean('hmacSha256', [bytes('key', key), bytes('data', data), bytes('MAC', mac), bytes('inner hash', inner)]);
  const longKey = rnd(100); // longer than the 64-byte block: hashed first (RFC 2104 §2)
  hmacSha256(longKey, data);
  assertClean('hmacSha256 (long key)', [bytes('long key', longKey), bytes('hashed key', sha('sha256', longKey))]);

  // HKDF (RFC 5869): the PRK and every T(i) live only in WASM memory during the call.
  const ikm = rnd(48);
  const salt = rnd(16);
  const info = rnd(20);
  const okm = hkdfSha256(ikm, salt, info, 80);
  assert.equal(hex(okm), hex(new Uint8Array(crypto.hkdfSync('sha256', ikm, salt, info, 80))));
  const prk = hmac256(salt, ikm);
  const t1 = hmac256(prk, info, Uint8Array.of(1));
  const t2 = hmac256(prk, t1, info, Uint8Array.of(2));
  const t3 = hmac256(prk, t2, info, Uint8Array.of(3));
  assert.equal(hex(okm), hex(cat(t1, t2, t3).subarray(0, 80)));
  assertClean('hkdfSha256', [
    bytes('ikm', ikm),
    bytes('info', info),
    bytes('PRK', prk),
    bytes('T(1)', t1),
    bytes('T(2)', t2),
    bytes('T(3), cut off in the output', t3),
  ]);
});

// ---- BIP-32

test('HDKey.fromMasterSeed, derive, deriveChild leave no seed, key, tweak or chain code', () => {
  const seed = rnd(64);
  const path = [0x8000002c, 0x80000000, 0x80000000, 0, 7];
  const ref = bip32Path(seed, path);
  const root = HDKey.fromMasterSeed(seed);
  assertClean('HDKey.fromMasterSeed', bip32Master(seed).secrets);
  const leaf = root.derive("m/44'/0'/0'/0/7");
  assert.equal(hex(leaf.privateKey!), hex(be32(ref.node.k)));
  assertClean('HDKey.derive', ref.secrets);
  const child = leaf.deriveChild(0x80000005);
  const step = bip32Child(ref.node, 0x80000005, 'hardened child');
  assert.equal(hex(child.privateKey!), hex(be32(step.node.k)));
  assertClean('HDKey.deriveChild (hardened)', [...ref.secrets, ...step.secrets]);
  const normal = leaf.deriveChild(3);
  const step2 = bip32Child(ref.node, 3, 'normal child');
  assert.equal(hex(normal.privateKey!), hex(be32(step2.node.k)));
  assertClean('HDKey.deriveChild (normal)', [...ref.secrets, ...step2.secrets]);
});

test('privateExtendedKey and fromExtendedKey(xprv) leave no key in the Base58Check hash buffers', () => {
  const seed = rnd(32);
  const ref = bip32Path(seed, [0x80000054, 0x80000000]);
  const key = HDKey.fromMasterSeed(seed).derive("m/84'/0'");
  const keySecrets = [secpScalar('private key', ref.node.k), bytes('chain code', ref.node.c)];
  const xprv = key.privateExtendedKey;
  assertClean('privateExtendedKey', keySecrets);
  const back = HDKey.fromExtendedKey(xprv);
  assert.equal(hex(back.privateKey!), hex(be32(ref.node.k)));
  assertClean('fromExtendedKey(xprv)', keySecrets);
  // The serialized payload itself (version .. key), and its first SHA-256.
  const payload = decode58(xprv);
  assert.equal(hex(payload.subarray(46)), hex(be32(ref.node.k)));
  assertClean('privateExtendedKey (payload)', [
    bytes('payload key part', payload.subarray(40, 78)),
    bytes('SHA-256(payload)', sha('sha256', payload)),
  ]);
  back.toExtendedKey(true, { script: 'p2wpkh' });
  assertClean('toExtendedKey(true)', keySecrets);
});

/** Base58Check payload without the checksum (a plain decoder, independent of the package). */
function decode58(s: string): Uint8Array {
  const A = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let x = 0n;
  for (const ch of s) x = x * 58n + BigInt(A.indexOf(ch));
  const b = unhex(x.toString(16).padStart(164, '0'));
  return b.subarray(0, 78);
}

// ---- secp256k1

test('secp256k1 sign, getPublicKey, privateAdd and Schnorr leave no key, nonce or inverse', () => {
  const priv = rnd(32);
  const d = big(priv);
  assert.ok(d > 0n && d < N);
  const digest = rnd(32);
  const { signature } = secp256k1.sign(digest, priv);
  const nonce = rfc6979(d, digest);
  assert.equal(big(signature.subarray(0, 32)), noble.Point.BASE.multiply(nonce.k).x % N);
  assertClean('secp256k1.sign', [
    secpScalar('private key', d),
    secpScalar('nonce k', nonce.k),
    secpScalar('nonce n - k', N - nonce.k),
    secpScalar('k^-1', inv(nonce.k, N)),
    ...nonce.secrets,
  ]);

  secp256k1.getPublicKey(priv);
  secp256k1.getPublicKey(priv, false);
  assertClean('secp256k1.getPublicKey', [secpScalar('private key', d)]);
  assert.equal(secp256k1.isValidPrivateKey(priv), true);
  assertClean('secp256k1.isValidPrivateKey', [secpScalar('private key', d)]);

  const tweak = rnd(32);
  const sum = secp256k1.privateAdd(priv, tweak);
  assert.equal(big(sum), (d + big(tweak)) % N);
  assertClean('secp256k1.privateAdd', [secpScalar('private key', d), secpScalar('tweak', big(tweak)), secpScalar('sum', big(sum))]);

  // BIP-340: d' or n - d' (even y), t = bytes(d) xor hash_aux(a), rand, k' and n - k'.
  const aux = rnd(32);
  const msg = rnd(32);
  secp256k1.schnorr.sign(msg, priv, aux);
  const P = noble.getPublicKey(priv, true);
  const dd = P[0] === 3 ? N - d : d;
  const t = be32(dd).map((b, i) => b ^ taggedHash('BIP0340/aux', aux)[i]!);
  const rand = taggedHash('BIP0340/nonce', t, P.subarray(1), msg);
  const k0 = big(rand) % N;
  assertClean('secp256k1.schnorr.sign', [
    secpScalar('private key', d),
    secpScalar('negated key', N - d),
    bytes('t', t),
    bytes('rand', rand),
    secpScalar("k'", k0),
    secpScalar("n - k'", N - k0),
  ]);
  secp256k1.schnorr.getPublicKey(priv);
  assertClean('secp256k1.schnorr.getPublicKey', [secpScalar('private key', d)]);
});

test('error paths leave nothing either: privateAdd with a bad tweak, sign after a rejected call', () => {
  const priv = rnd(32);
  assert.equal(
    code(() => secp256k1.privateAdd(priv, be32(N))),
    'INVALID_KEY',
  );
  assertClean('secp256k1.privateAdd (tweak >= n, INVALID_KEY)', [secpScalar('private key', big(priv))]);
  assert.equal(
    code(() => secp256k1.privateAdd(priv, be32(N - big(priv)))),
    'INVALID_KEY',
  );
  assertClean('secp256k1.privateAdd (sum 0, INVALID_KEY)', [secpScalar('private key', big(priv))]);
  const seed = rnd(32);
  const pubOnly = HDKey.fromMasterSeed(seed).neuter();
  assert.equal(
    code(() => pubOnly.deriveChild(0x80000000)),
    'HARDENED_FROM_PUBLIC',
  );
  assertClean('HDKey (rejected hardened step)', bip32Master(seed).secrets);
});

// ---- Ed25519 and SLIP-0010

test('ed25519 sign and getPublicKey leave no secret, expanded key, scalar or nonce', () => {
  const seed = rnd(32);
  const msg = rnd(150);
  const sig = ed25519.sign(msg, seed);
  assert.equal(sig.length, 64);
  assertClean('ed25519.sign', ed25519Secrets(seed, msg), edMemory());
  ed25519.getPublicKey(seed);
  assertClean('ed25519.getPublicKey', ed25519Secrets(seed), edMemory());
});

test('SLIP-0010 ed25519 derivation leaves no key or chain code', () => {
  const seed = rnd(32);
  const secrets: Secret[] = [bytes('seed', seed)];
  let I = hmac512(new TextEncoder().encode('ed25519 seed'), seed);
  secrets.push(bytes('master I', I), ...ed25519Secrets(I.slice(0, 32)));
  for (const i of [0x8000002c, 0x800001f5, 0x80000000]) {
    I = hmac512(I.slice(32), new Uint8Array(1), I.subarray(0, 32), ser32(i));
    secrets.push(bytes(`child ${i - 0x80000000}' I`, I), ...ed25519Secrets(I.slice(0, 32)));
  }
  const key = HDKey.fromMasterSeed(seed, 'ed25519').derive("m/44'/501'/0'");
  assert.equal(hex(key.privateKey!), hex(I.subarray(0, 32)));
  assertClean('SLIP-0010 ed25519 derive', secrets);
  assertClean('SLIP-0010 ed25519 derive (the Ed25519 module)', secrets, edMemory());
});

test('a trap inside an export is wiped too: withSecrets() calls wipeScratch() when the call throws', async () => {
  // The source module's own instance (the public API cannot make the module
  // trap any more: lengths are checked first). ed25519Sign over a message
  // running past the end of memory traps in SHA-512, after the expanded
  // secret is in scratch and before the export's own wipeScratch().
  const src = await import('../src/core/ed25519.ts');
  await src.initEd25519();
  const e = instances.findLast((i) => 'ed25519Sign' in i.exports)!.exports as any;
  assert.notEqual(e, edEx, "the source module's instance is not the package's");
  const srcMemory = () => Buffer.from(e.memory.buffer);
  const io = e.ioPtr();
  const seed = rnd(32);
  const trap = () => e.ed25519Sign(0x7ffffff0);
  // Control: called bare, the trap leaves the expanded secret behind.
  new Uint8Array(e.memory.buffer).set(seed, io);
  assert.throws(trap, WebAssembly.RuntimeError);
  assert.notDeepEqual(findLeaks(srcMemory(), ed25519Secrets(seed)), []);
  e.wipeScratch();
  new Uint8Array(e.memory.buffer).fill(0, io, io + 1024);
  // Through withSecrets: nothing is left.
  assert.throws(
    () =>
      src.withEd25519Secrets((x) => {
        new Uint8Array(x.memory.buffer).set(seed, io);
        trap();
      }),
    WebAssembly.RuntimeError,
  );
  assertClean('a trap in ed25519Sign inside withSecrets', ed25519Secrets(seed), srcMemory());
});

// ---- P-256 (its own module) and SLIP-0010 nist256p1

/** RFC 6979 §3.2 for P-256/SHA-256: the nonce k and the HMAC keys and values of its derivation. */
function rfc6979P256(d: bigint, digest: Uint8Array): { k: bigint; secrets: Secret[] } {
  const x = be32(d);
  const h1 = be32(big(digest) % NP);
  let V = new Uint8Array(32).fill(1);
  let K = hmac256(new Uint8Array(32), V, Uint8Array.of(0), x, h1);
  const Ks = [K];
  V = hmac256(K, V);
  K = hmac256(K, V, Uint8Array.of(1), x, h1);
  Ks.push(K);
  V = hmac256(K, V);
  for (;;) {
    V = hmac256(K, V);
    const k = big(V);
    if (k > 0n && k < NP) return { k, secrets: [...Ks.map((kk, j) => bytes(`RFC 6979 K${j + 1}`, kk)), bytes('RFC 6979 V', V)] };
    K = hmac256(K, V, Uint8Array.of(0));
    V = hmac256(K, V);
  }
}

test('the scan sees the P-256 module: a key left in its IO by a bare export call is found', () => {
  const priv = rnd(32);
  const io = p256Ex.ioPtr();
  new Uint8Array(p256Ex.memory.buffer).set(priv, io);
  p256Ex.p256IsPrivateKey();
  assert.notDeepEqual(findLeaks(p256Memory(), [bytes('key', priv)]), [], 'the control found nothing');
  p256Ex.wipe(io, 1024);
  assertClean('the control after wipe()', [bytes('key', priv)], p256Memory());
});

test('p256 sign, getPublicKey, isValidPrivateKey, privateAdd and publicAdd leave no key, nonce, inverse or tweak', () => {
  const priv = rnd(32);
  const d = big(priv);
  assert.ok(d > 0n && d < NP);
  const digest = rnd(32);
  const sig = p256.sign(digest, priv);
  const nonce = rfc6979P256(d, digest);
  assert.equal(big(sig.subarray(0, 32)), nobleP256.Point.BASE.multiply(nonce.k).x % NP);
  const signSecrets = [
    p256Scalar('private key', d),
    p256Scalar('nonce k', nonce.k),
    p256Scalar('k^-1', inv(nonce.k, NP)),
    ...nonce.secrets,
  ];
  assertClean('p256.sign', signSecrets, p256Memory());
  p256.sign(digest, priv, { lowS: true });
  assertClean('p256.sign (lowS)', signSecrets, p256Memory());

  p256.getPublicKey(priv);
  p256.getPublicKey(priv, false);
  assertClean('p256.getPublicKey', [p256Scalar('private key', d)], p256Memory());
  assert.equal(p256.isValidPrivateKey(priv), true);
  assertClean('p256.isValidPrivateKey', [p256Scalar('private key', d)], p256Memory());

  const tweak = rnd(32);
  const sum = p256.privateAdd(priv, tweak);
  assert.equal(big(sum), (d + big(tweak)) % NP);
  const tweakSecrets = [p256Scalar('private key', d), p256Scalar('tweak', big(tweak) % NP), p256Scalar('sum', big(sum))];
  assertClean('p256.privateAdd', tweakSecrets, p256Memory());
  p256.publicAdd(p256.getPublicKey(priv), tweak);
  assertClean('p256.publicAdd', tweakSecrets, p256Memory());

  // Error paths: a tweak >= n, a zero sum.
  assert.equal(
    code(() => p256.privateAdd(priv, be32(NP))),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => p256.privateAdd(priv, be32(NP - d))),
    'INVALID_KEY',
  );
  assertClean('p256.privateAdd (INVALID_KEY)', [p256Scalar('private key', d)], p256Memory());
});

test('SLIP-0010 nist256p1 derivation leaves no seed, key, tweak or chain code in either module', () => {
  const seed = rnd(32);
  const secrets: Secret[] = [bytes('seed', seed)];
  let I = hmac512(new TextEncoder().encode('Nist256p1 seed'), seed);
  while (big(I.subarray(0, 32)) === 0n || big(I.subarray(0, 32)) >= NP) I = hmac512(new TextEncoder().encode('Nist256p1 seed'), I);
  let k = big(I.subarray(0, 32));
  secrets.push(bytes('master I', I), p256Scalar('master key', k));
  for (const i of [0x8000002c, 0x80000000, 1]) {
    const data = i >= 0x80000000 ? cat(new Uint8Array(1), be32(k), ser32(i)) : cat(nobleP256.getPublicKey(be32(k), true), ser32(i));
    I = hmac512(I.slice(32), data);
    const il = big(I.subarray(0, 32));
    assert.ok(il < NP && (il + k) % NP !== 0n, 'no SLIP-0010 retry (probability 2^-32)');
    k = (il + k) % NP;
    secrets.push(bytes(`child ${i} I`, I), p256Scalar(`child ${i} IL`, il), p256Scalar(`child ${i} key`, k));
    if (i >= 0x80000000) secrets.push(bytes(`child ${i} hardened data`, data.subarray(0, 33)));
  }
  const key = HDKey.fromMasterSeed(seed, 'nist256p1').derive("m/44'/0'/1");
  assert.equal(hex(key.privateKey!), hex(be32(k)));
  assertClean('SLIP-0010 nist256p1 derive (core module: HMAC-SHA512)', secrets);
  assertClean('SLIP-0010 nist256p1 derive (P-256 module)', secrets, p256Memory());
});

// ---- Argon2id: its own module, one instance per call

test('Argon2id leaves neither the password, H0 nor the tag in its instance memory', async () => {
  const password = rnd(32);
  const salt = rnd(16);
  const before = instances.length;
  const tag = await argon2id(password, salt, { t: 1, m: 64, p: 1, dkLen: 32 });
  const mine = instances.slice(before);
  assert.equal(mine.length, 1, 'one Argon2 instance per call');
  const le = (n: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    return b;
  };
  // RFC 9106 §3.2 step 1
  const h0 = sha('blake2b512', le(1), le(32), le(64), le(1), le(0x13), le(2), le(32), password, le(16), salt, le(0), le(0));
  const secrets = [bytes('password', password), bytes('tag', tag), bytes('H0', h0)];
  assertClean('argon2id', secrets, Buffer.from((mine[0]!.exports.memory as WebAssembly.Memory).buffer));

  // The error path: onProgress throws after the first slice.
  const boom = new Error('stop');
  const at = instances.length;
  await assert.rejects(
    argon2id(password, salt, {
      t: 2,
      m: 64,
      p: 1,
      dkLen: 32,
      onProgress: (f) => {
        if (f > 0) throw boom;
      },
    }),
    (e) => e === boom,
  );
  const h0b = sha('blake2b512', le(1), le(32), le(64), le(2), le(0x13), le(2), le(32), password, le(16), salt, le(0), le(0));
  assertClean(
    'argon2id (aborted by onProgress)',
    [bytes('password', password), bytes('H0', h0b)],
    Buffer.from((instances[at]!.exports.memory as WebAssembly.Memory).buffer),
  );
});

// ---- lengths that wrap 32-bit arithmetic

/** A Uint8Array that claims `length` bytes while holding 16: the wrappers must refuse it before copying. */
function claiming(length: number): Uint8Array {
  const b = new Uint8Array(16);
  Object.defineProperty(b, 'length', { value: length });
  return b;
}

test('inputs of 4 GiB and more are refused with OUT_OF_MEMORY before any memory is touched', () => {
  const secret = rnd(32);
  const grown = coreEx.memory.buffer.byteLength;
  for (const len of [2 ** 32, 2 ** 32 - 16, 2 ** 32 + 5, MAX_INPUT + 1]) {
    const fake = claiming(len);
    assert.equal(
      code(() => sha256(fake)),
      'OUT_OF_MEMORY',
      `sha256 of ${len} bytes`,
    );
    assert.equal(
      code(() => sha512(fake)),
      'OUT_OF_MEMORY',
      `sha512 of ${len} bytes`,
    );
    assert.equal(
      code(() => hmacSha512(secret, fake)),
      'OUT_OF_MEMORY',
      `hmacSha512 over ${len} bytes`,
    );
    assert.equal(
      code(() => hmacSha512(fake, secret)),
      'OUT_OF_MEMORY',
      `hmacSha512 with a ${len}-byte key`,
    );
    assert.equal(
      code(() => ed25519.sign(fake, secret)),
      'OUT_OF_MEMORY',
      `ed25519.sign of ${len} bytes`,
    );
    assert.equal(
      code(() => secp256k1.schnorr.sign(fake, secret)),
      'OUT_OF_MEMORY',
      `schnorr.sign of ${len} bytes`,
    );
  }
  // Key and data each fit, their sum does not.
  assert.equal(
    code(() => hmacSha512(claiming(2 ** 31), claiming(2 ** 31))),
    'OUT_OF_MEMORY',
  );
  assert.equal(coreEx.memory.buffer.byteLength, grown, 'memory grew for an input that was refused');
  assertClean('the refused calls', [bytes('secret', secret)]);
});

test('bufPtr computes BUF + len without wrapping: it refuses what the 32-bit space cannot hold', () => {
  const base = coreEx.bufPtr(0);
  assert.ok(base > 0);
  assert.equal(MAX_INPUT, 2 ** 32 - 2 ** 24, 'the wrapper maximum');
  assert.ok(base < 2 ** 24, 'BUF starts below 16 MiB, so MAX_INPUT bytes after it stay below 4 GiB');
  const grown = coreEx.memory.buffer.byteLength;
  // (BUF + len = 2^32 exactly would fit, and really grow memory to 4 GiB: not tried here.)
  for (const len of [0xffffffff, 2 ** 32 - base + 1, 2 ** 32 - base + 15, 2 ** 32 - 16]) {
    assert.equal(coreEx.bufPtr(len), 0, `bufPtr(${len}) must refuse: BUF + len is past 4 GiB`);
  }
  assert.equal(coreEx.memory.buffer.byteLength, grown);
});

// ---- publicAddBatch validates the parent key even with no tweaks

test('publicAddBatch(<not a key>, []) throws INVALID_KEY like publicAdd', () => {
  const bad = new Uint8Array(33).fill(7); // prefix 07: not a SEC 1 encoding
  assert.equal(
    code(() => secp256k1.publicAdd(bad, new Uint8Array(32))),
    'INVALID_KEY',
  );
  assert.equal(
    code(() => secp256k1.publicAddBatch(bad, [])),
    'INVALID_KEY',
  );
  const offCurve = Uint8Array.of(2, ...new Uint8Array(32).fill(0xff)); // x >= p
  assert.equal(
    code(() => secp256k1.publicAddBatch(offCurve, [])),
    'INVALID_KEY',
  );
  const ok = secp256k1.getPublicKey(rnd(32));
  assert.deepEqual(secp256k1.publicAddBatch(ok, []), []);
});

// ---- zeroing by construction: scratch lives in one region, and every export that takes a secret wipes it

test('assembly: every scratch buffer of the core is in the wiped region or a registered module', () => {
  // mem.ts owns the region; a size-only memory.data() elsewhere is a new
  // buffer that wipeScratch() would not zero, unless it is public (tables,
  // caches of public values) or in a module whose own wipe wipeScratch() calls.
  const allowed: Record<string, string[]> = {
    // Public: generator tables and their build scratch, verification (public inputs only).
    'assembly/secp256k1/ecmult.ts': ['*'],
    'assembly/secp256k1/ecmult-verify.ts': ['*'],
    'assembly/ed25519/base.ts': ['*'],
    'assembly/ed25519/dsm.ts': ['*'],
    'assembly/ed25519/batch.ts': ['*'],
    // Registered: wipeScratch() calls groupWipe, feWipe, scWipe, pointWipe.
    'assembly/secp256k1/group.ts': ['*'],
    'assembly/secp256k1/field.ts': ['*'],
    'assembly/secp256k1/scalar.ts': ['*'],
    'assembly/ed25519/field.ts': ['*'],
    'assembly/ed25519/point.ts': ['*'],
    'assembly/ed25519/scalar.ts': ['*'],
    // Public caches: BIP-340 tag midstates, the last verified Ed25519 key, the last parsed secp256k1 key.
    'assembly/secp256k1/schnorr.ts': ['MID_AUX', 'MID_NONCE', 'MID_CHAL'],
    'assembly/secp256k1/keys.ts': ['PC_BYTES', 'PC_POINT'],
    'assembly/ed25519/exports.ts': ['VA', 'KPUB', 'SIGN_A', 'SIGN_TAG', 'SIGN_DOMAIN'],
    'assembly/mem.ts': ['IO', 'SCRATCH'],
    // P-256: every temporary is carved from SCRATCH (P256_SLOT); these hold public points and b only.
    'assembly/p256/ecmult.ts': ['GEN', 'GTAB', 'PTAB', 'BASE', 'BUILD', 'PREF', 'BINV'],
    'assembly/p256/group.ts': ['B_MONT'],
  };
  const files = [
    'assembly/mem.ts',
    'assembly/index.ts',
    'assembly/hash/sha256.ts',
    'assembly/hash/sha512.ts',
    'assembly/hash/hmac.ts',
    'assembly/hash/pbkdf2.ts',
    'assembly/hash/ripemd160.ts',
    'assembly/hash/keccak.ts',
    'assembly/hd/bip32.ts',
    'assembly/secp256k1/exports.ts',
    'assembly/secp256k1/keys.ts',
    'assembly/secp256k1/ecdsa.ts',
    'assembly/secp256k1/schnorr.ts',
    'assembly/secp256k1/verify-exports.ts',
    'assembly/secp256k1/verify-index.ts',
    'assembly/ed25519/exports.ts',
    'assembly/p256/index.ts',
    'assembly/p256/field.ts',
    'assembly/p256/scalar.ts',
    'assembly/p256/keys.ts',
    'assembly/p256/ecdsa.ts',
    ...Object.keys(allowed),
  ];
  const bad: string[] = [];
  for (const f of new Set(files)) {
    const src = readFileSync(new URL(`../${f}`, import.meta.url), 'utf8');
    // memory.data(<size>, align): zero-filled scratch (memory.data<T>([...]) is a constant).
    for (const m of src.matchAll(/const (\w+): usize = memory\.data\((?!<)/g)) {
      const ok = allowed[f]?.includes('*') || allowed[f]?.includes(m[1]!);
      if (!ok) bad.push(`${f}: ${m[1]}`);
    }
  }
  assert.deepEqual(bad, [], 'scratch declared outside SCRATCH (assembly/mem.ts); carve it from the region instead');

  // Every export of the core that can receive a secret ends in wipeScratch().
  const publicOnly = new Set([
    'ioPtr',
    'bufPtr',
    'wipe',
    'wipeScratch',
    'secp256k1Precompute',
    'secp256k1VerifyPrecompute',
    'secp256k1PublicKeyConvert',
    'secp256k1Verify',
    'secp256k1Recover',
    'secp256k1SchnorrVerify',
    'secp256k1SchnorrVerifyBatch',
    'secp256k1SchnorrVerifyBatchSize',
    'secp256k1PublicAdd',
    'secp256k1PublicAddBatch',
    'secp256k1PublicAddBatchSize',
    'ed25519Verify',
    'ed25519VerifyBatch',
    'ed25519Precompute',
    'p256Precompute',
    'p256PublicKeyConvert',
    'p256Verify',
  ]);
  const missing: string[] = [];
  for (const f of [
    'assembly/index.ts',
    'assembly/secp256k1/exports.ts',
    'assembly/secp256k1/verify-exports.ts',
    'assembly/secp256k1/verify-index.ts',
    'assembly/ed25519/exports.ts',
    'assembly/ed25519/index.ts',
    'assembly/hd/bip32.ts',
    'assembly/p256/index.ts',
  ]) {
    const src = readFileSync(new URL(`../${f}`, import.meta.url), 'utf8');
    for (const m of src.matchAll(/^export function (\w+)\([^)]*\)[^{]*\{([\s\S]*?)^\}/gm)) {
      if (publicOnly.has(m[1]!)) continue;
      if (!/wipeScratch\(\);\s*(return [^;]+;\s*)?$/.test(m[2]!)) missing.push(`${f}: ${m[1]}`);
    }
  }
  assert.deepEqual(missing, [], 'exports that take a secret must end with wipeScratch()');
  // And the exports list of the built module matches: nothing exported that this test does not know.
  const known = new Set([
    ...publicOnly,
    'memory',
    'sha256',
    'sha512',
    'ripemd160',
    'hash160',
    'hmacSha256',
    'keccak256',
    'hmacSha512',
    'pbkdf2Sha512',
    'secp256k1GetPublicKey',
    'secp256k1IsPrivateKey',
    'secp256k1Sign',
    'secp256k1PrivateAdd',
    'secp256k1SchnorrGetPublicKey',
    'secp256k1SchnorrSign',
    'bip32Ckd',
  ]);
  const unknown = Object.keys(coreEx).filter((k) => !known.has(k));
  assert.deepEqual(unknown, [], 'a new export: list it as public-only or secret-taking in this test');
  // The same for the P-256 module.
  const knownP256 = new Set([
    ...publicOnly,
    'memory',
    'p256GetPublicKey',
    'p256IsPrivateKey',
    'p256Sign',
    'p256PrivateAdd',
    'p256PublicAdd',
  ]);
  const unknownP256 = Object.keys(p256Ex).filter((k) => !knownP256.has(k));
  assert.deepEqual(unknownP256, [], 'a new P-256 export: list it as public-only or secret-taking in this test');
  // And the Ed25519 module.
  const knownEd = new Set([...publicOnly, 'memory', 'ed25519PublicKey', 'ed25519Sign']);
  const unknownEd = Object.keys(edEx).filter((k) => !knownEd.has(k));
  assert.deepEqual(unknownEd, [], 'a new Ed25519 export: list it as public-only or secret-taking in this test');
  // And the secp256k1 verification module: public-only exports, nothing that takes a secret.
  const unknownVerify = Object.keys(verifyEx).filter((k) => k !== 'memory' && !publicOnly.has(k));
  assert.deepEqual(unknownVerify, [], 'the secp256k1 verification module takes public data only');
  // Verification left the core's exports: a signing-only page never loads it.
  for (const k of ['secp256k1Verify', 'secp256k1Recover', 'secp256k1SchnorrVerify', 'secp256k1SchnorrVerifyBatch'])
    assert.ok(!(k in coreEx), `${k} is not in the core module`);
});
