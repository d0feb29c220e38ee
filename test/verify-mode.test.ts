// The debug WASM module (VERIFY mode: `node scripts/build-wasm.mjs --debug`)
// under the official secp256k1 and Ed25519 vectors and random operations
// against @noble/curves and BigInt arithmetic, asserting the answers are right
// AND that no limb-bound assertion of assembly/verify.ts fired. Then proof
// that the assertions are live: out-of-bound limbs written straight into
// linear memory make the field operations trap.
//
// The core is loaded from src/ with one test-only redirect: a module
// resolution hook swaps build/wasm-inline.js (the release module that
// src/core/wasm.ts inlines) for build/wasm-debug-inline.js, and the lazy
// parts that are WASM of the same sources, the Ed25519 module
// (build/ed25519-inline.js) and the secp256k1 verification module
// (build/secp256k1-verify-inline.js), for their -debug-inline.js builds.
// Production code has no switch for it, and the release bundle never contains
// the debug bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { secp256k1 as noble, schnorr as nobleSchnorr } from '@noble/curves/secp256k1.js';
import { ed25519 as nobleEd } from '@noble/curves/ed25519.js';
import { hex, unhex, readVector, wycheproof } from './helpers/vectors.ts';
import { bip32Vectors, slip10Vectors } from './helpers/hd-vectors.ts';

const root = new URL('../', import.meta.url);

// Always rebuild: a stale debug module would check stale code (about 3 s).
execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--debug'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const debugBytes = readFileSync(new URL('build/vaultkey-debug.wasm', root));
const verifyDebugBytes = readFileSync(new URL('build/secp256k1-verify-debug.wasm', root));

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier.endsWith('/build/wasm-inline.js')) specifier = specifier.replace(/wasm-inline\\.js$/, 'wasm-debug-inline.js');
  if (specifier.endsWith('/build/ed25519-inline.js')) specifier = specifier.replace(/ed25519-inline\\.js$/, 'ed25519-debug-inline.js');
  if (specifier.endsWith('/build/secp256k1-verify-inline.js'))
    specifier = specifier.replace(/secp256k1-verify-inline\\.js$/, 'secp256k1-verify-debug-inline.js');
  return next(specifier, context);
}`),
);

/** An AssemblyScript string (UTF-16, byte length at ptr - 4) out of linear memory. */
function asString(memory: WebAssembly.Memory | undefined, ptr: number): string {
  if (!memory || !ptr) return '';
  const len = new DataView(memory.buffer).getUint32(ptr - 4, true);
  return Buffer.from(memory.buffer, ptr, len).toString('utf16le');
}

// Every abort (a failed assertion) of a module the core instantiates is
// recorded here before the core's own handler turns it into an exception.
const aborts: string[] = [];
/** What the test is doing, appended to a recorded abort (e.g. the vector's tcId). */
let current = '';
let coreExports: WebAssembly.Exports | undefined;
/** The bytes the core instantiated as its secp256k1 verification module. */
let verifyBytes: Uint8Array | undefined;
const realInstantiate = WebAssembly.instantiate;
(WebAssembly as any).instantiate = async (source: any, imports?: any) => {
  let memory: WebAssembly.Memory | undefined;
  const env = imports?.env;
  const patched = env?.abort
    ? {
        ...imports,
        env: {
          ...env,
          abort(msg: number, file: number, line: number, col: number) {
            aborts.push(`${asString(memory, msg)} (${asString(memory, file)}:${line}:${col})${current && ` during ${current}`}`);
            return env.abort(msg, file, line, col);
          },
        },
      }
    : imports;
  const result: any = await realInstantiate(source, patched);
  const instance: WebAssembly.Instance = result instanceof WebAssembly.Instance ? result : result.instance;
  memory = instance.exports.memory as WebAssembly.Memory;
  if ('verifySecpFeMul' in instance.exports) coreExports = instance.exports;
  if ('secp256k1Verify' in instance.exports && ArrayBuffer.isView(source))
    verifyBytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  return result;
};

const { init, secp256k1, ed25519, HDKey } = await import('../src/core/index.ts');
await init();

/** Runs `fn` and asserts that no VERIFY assertion fired during it. */
function clean(fn: () => void): void {
  const before = aborts.length;
  try {
    fn();
  } finally {
    current = '';
    assert.deepEqual(aborts.slice(before), [], 'VERIFY assertions fired');
  }
}

const isCode = (fn: () => unknown, code: string): boolean => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code === code;
  }
  return false;
};

test('the core runs the debug module (VERIFY = 1)', () => {
  assert.ok(coreExports, 'src/core instantiated build/vaultkey-debug.wasm');
  assert.equal((coreExports.VERIFY as WebAssembly.Global).value, 1);
  // The release module is untouched: none of the debug exports, no abort import.
  const release = new URL('build/vaultkey.wasm', root);
  if (existsSync(release)) {
    const mod = new WebAssembly.Module(readFileSync(release));
    assert.deepEqual(
      WebAssembly.Module.exports(mod).filter((e) => /^verify|^VERIFY$/.test(e.name)),
      [],
    );
    assert.deepEqual(
      WebAssembly.Module.imports(mod).filter((i) => i.name === 'abort'),
      [],
    );
    // Same entry: every release export exists in the debug module too.
    const debugNames = new Set(WebAssembly.Module.exports(new WebAssembly.Module(debugBytes)).map((e) => e.name));
    for (const e of WebAssembly.Module.exports(mod)) assert.ok(debugNames.has(e.name), e.name);
  }
  // ECDSA verification, recovery and BIP-340 verification run in the debug build of their own module.
  assert.ok(verifyBytes && Buffer.from(verifyBytes).equals(verifyDebugBytes), 'src/core instantiated build/secp256k1-verify-debug.wasm');
  const verifyRelease = new URL('build/secp256k1-verify.wasm', root);
  if (existsSync(verifyRelease)) {
    const mod = new WebAssembly.Module(readFileSync(verifyRelease));
    const debugNames = new Set(WebAssembly.Module.exports(new WebAssembly.Module(verifyDebugBytes)).map((e) => e.name));
    for (const e of WebAssembly.Module.exports(mod)) assert.ok(debugNames.has(e.name), e.name);
    assert.deepEqual(
      WebAssembly.Module.imports(mod).filter((i) => i.name === 'abort'),
      [],
    );
  }
});

// ---------------------------------------------------------------- official vectors

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const big = (b: Uint8Array) => BigInt('0x' + (hex(b) || '0'));
const be32 = (x: bigint) => unhex(x.toString(16).padStart(64, '0'));
const isHighS = (sig: Uint8Array) => big(sig.subarray(32)) > N / 2n;
const sha256 = (b: Uint8Array) => new Uint8Array(crypto.createHash('sha256').update(b).digest());

test('Wycheproof ECDSA secp256k1 (P1363 and Bitcoin DER) on the debug module', () =>
  clean(() => {
    const p1363 = wycheproof('ecdsa_secp256k1_sha256_p1363_test.json');
    let checked = 0;
    for (const group of p1363.testGroups) {
      const pub = unhex(group.publicKey.uncompressed);
      for (const t of group.tests) {
        current = `ecdsa_secp256k1_sha256_p1363_test.json tcId ${t.tcId}`;
        const sig = unhex(t.sig);
        const digest = sha256(unhex(t.msg));
        const want = t.result === 'valid';
        if (sig.length === 64) {
          assert.equal(secp256k1.verify(sig, digest, pub, { lowS: false }), want, `p1363 tcId ${t.tcId}`);
          assert.equal(secp256k1.verify(sig, digest, pub), want && !isHighS(sig), `p1363 tcId ${t.tcId} low-S`);
        } else {
          assert.ok(
            isCode(() => secp256k1.verify(sig, digest, pub), 'INVALID_LENGTH'),
            `p1363 tcId ${t.tcId}`,
          );
        }
        checked++;
      }
    }
    assert.equal(checked, p1363.numberOfTests);
    const bitcoin = wycheproof('ecdsa_secp256k1_sha256_bitcoin_test.json');
    checked = 0;
    for (const group of bitcoin.testGroups) {
      const pub = unhex(group.publicKey.uncompressed);
      const pubC = secp256k1.publicKeyConvert(pub, true);
      for (const t of group.tests) {
        current = `ecdsa_secp256k1_sha256_bitcoin_test.json tcId ${t.tcId}`;
        const digest = sha256(unhex(t.msg));
        let ok = false;
        let sig: Uint8Array | undefined;
        try {
          sig = secp256k1.signatureFromDER(unhex(t.sig));
        } catch (e) {
          assert.equal((e as { code?: string }).code, 'INVALID_SIGNATURE', `bitcoin tcId ${t.tcId}`);
        }
        if (sig) ok = secp256k1.verify(sig, digest, checked % 2 ? pub : pubC);
        assert.equal(ok, t.result === 'valid', `bitcoin tcId ${t.tcId}: ${t.comment}`);
        checked++;
      }
    }
    assert.equal(checked, bitcoin.numberOfTests);
  }));

test('BIP-340 test vectors on the debug module', () =>
  clean(() => {
    const rows = readVector('bip-0340-test-vectors.csv').trim().split(/\r?\n/).slice(1);
    let signed = 0;
    for (const line of rows) {
      const [index, sk, pk, aux, msg, sig, result] = line.split(',');
      if (sk) {
        assert.equal(hex(secp256k1.schnorr.getPublicKey(unhex(sk))).toUpperCase(), pk, `row ${index}: public key`);
        assert.equal(hex(secp256k1.schnorr.sign(unhex(msg!), unhex(sk), unhex(aux!))).toUpperCase(), sig, `row ${index}: signature`);
        signed++;
      }
      assert.equal(secp256k1.schnorr.verify(unhex(sig!), unhex(msg!), unhex(pk!)), result === 'TRUE', `row ${index}`);
    }
    assert.ok(signed >= 4 && rows.length >= 15);
  }));

test('BIP-32 vectors 1-4 and SLIP-0010 secp256k1/ed25519 vectors on the debug module', () =>
  clean(() => {
    let checked = 0;
    for (const v of bip32Vectors().valid) {
      const master = HDKey.fromMasterSeed(unhex(v.seed));
      for (const c of v.chains) {
        const k = master.derive(c.path);
        assert.equal(k.privateExtendedKey, c.xprv, `${c.path} xprv`);
        assert.equal(k.publicExtendedKey, c.xpub, `${c.path} xpub`);
        // Public derivation of the last non-hardened step.
        const steps = c.path.split('/');
        const last = steps[steps.length - 1]!;
        if (steps.length > 1 && !last.endsWith("'")) {
          const parent = master.derive(steps.slice(0, -1).join('/')).neuter();
          assert.equal(parent.deriveChild(Number(last)).publicExtendedKey, c.xpub, `${c.path} public derivation`);
        }
        checked++;
      }
    }
    assert.equal(checked, 17);
    checked = 0;
    for (const v of slip10Vectors().filter((s) => s.curve === 'secp256k1' || s.curve === 'ed25519')) {
      const master = HDKey.fromMasterSeed(unhex(v.seed), v.curve as 'secp256k1' | 'ed25519');
      for (const c of v.chains) {
        const k = master.derive(c.path);
        assert.equal(hex(k.privateKey!), c.private, `${v.title} ${c.path} private`);
        assert.equal((v.curve === 'ed25519' ? '00' : '') + hex(k.publicKey), c.public, `${v.title} ${c.path} public`);
        checked++;
      }
    }
    assert.ok(checked >= 24, `checked ${checked}`);
  }));

test('RFC 8032 §7.1 vectors and Wycheproof ed25519_test.json on the debug module', () =>
  clean(() => {
    const file = wycheproof('ed25519_test.json');
    // TEST 1024's message is Wycheproof tcId 83, as in test/ed25519.test.ts.
    const ktv = file.testGroups.flatMap((g: any) => g.tests).find((t: any) => t.tcId === 83);
    const rfc = [
      [
        '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
        'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
        '',
        'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
      ],
      [
        '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
        '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
        '72',
        '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
      ],
      [
        'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
        'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
        'af82',
        '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
      ],
      [
        'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5',
        '278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e',
        ktv.msg,
        '0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03',
      ],
      [
        '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
        'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
        'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
        'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
      ],
    ] as const;
    for (const [secret, pub, msg, sig] of rfc) {
      assert.equal(hex(ed25519.getPublicKey(unhex(secret))), pub);
      assert.equal(hex(ed25519.sign(unhex(msg), unhex(secret))), sig);
      assert.equal(ed25519.verify(unhex(sig), unhex(msg), unhex(pub)), true);
    }
    let checked = 0;
    for (const group of file.testGroups as any[]) {
      const pub = unhex(group.publicKey.pk);
      for (const t of group.tests) {
        const sig = unhex(t.sig),
          msg = unhex(t.msg);
        const ok = sig.length === 64 ? ed25519.verify(sig, msg, pub) : !isCode(() => ed25519.verify(sig, msg, pub), 'INVALID_LENGTH');
        assert.equal(ok, t.result === 'valid', `tcId ${t.tcId}: ${t.comment}`);
        checked++;
      }
    }
    assert.equal(checked, file.numberOfTests);
  }));

// ---------------------------------------------------------------- random operations against @noble/curves

const ROUNDS = Number(process.env.VERIFY_MODE_ROUNDS ?? 200);

test(`${ROUNDS} random secp256k1 keys: ECDSA, recovery, Schnorr and tweaks against @noble/curves`, () =>
  clean(() => {
    const Point = noble.Point;
    for (let i = 0; i < ROUNDS; i++) {
      const priv = noble.utils.randomSecretKey();
      const digest = crypto.randomBytes(32);
      current = `private key ${hex(priv)}, digest ${hex(digest)}`;
      const pubC = secp256k1.getPublicKey(priv);
      assert.equal(hex(pubC), hex(noble.getPublicKey(priv, true)));
      assert.equal(hex(secp256k1.getPublicKey(priv, false)), hex(noble.getPublicKey(priv, false)));
      const { signature, recovery } = secp256k1.sign(digest, priv);
      const theirs = noble.sign(digest, priv, { prehash: false, format: 'recovered' });
      assert.equal(hex(signature), hex(theirs.subarray(1)), 'RFC 6979 signature');
      assert.equal(recovery, theirs[0]);
      assert.equal(secp256k1.verify(signature, digest, pubC), true);
      assert.equal(secp256k1.verify(signature, crypto.randomBytes(32), pubC), false);
      assert.equal(hex(secp256k1.recoverPublicKey(signature, recovery, digest, true)), hex(pubC));
      const aux = crypto.randomBytes(32);
      const ssig = secp256k1.schnorr.sign(digest, priv, aux);
      assert.equal(hex(ssig), hex(nobleSchnorr.sign(digest, priv, aux)), 'BIP-340 signature');
      assert.equal(secp256k1.schnorr.verify(ssig, digest, secp256k1.schnorr.getPublicKey(priv)), true);
      const tweak = noble.utils.randomSecretKey();
      const want = Point.fromBytes(pubC).add(Point.BASE.multiply(big(tweak)));
      assert.equal(hex(secp256k1.publicAdd(pubC, tweak, i % 2 === 0)), hex(want.toBytes(i % 2 === 0)), 'publicAdd');
      assert.equal(hex(secp256k1.privateAdd(priv, tweak)), hex(be32((big(priv) + big(tweak)) % N)), 'privateAdd');
    }
    // One inversion for many children (batch affine conversion).
    const pub = secp256k1.getPublicKey(noble.utils.randomSecretKey());
    const tweaks = Array.from({ length: 50 }, () => noble.utils.randomSecretKey());
    const batch = secp256k1.publicAddBatch(pub, tweaks, true);
    batch.forEach((b, i) => {
      assert.equal(hex(b), hex(secp256k1.publicAdd(pub, tweaks[i]!, true)));
    });
  }));

test(`${ROUNDS} random Ed25519 keys and messages against @noble/curves`, () =>
  clean(() => {
    for (let i = 0; i < ROUNDS; i++) {
      const secret = crypto.randomBytes(32);
      const msg = crypto.randomBytes(crypto.randomInt(0, 300));
      const pub = ed25519.getPublicKey(secret);
      assert.equal(hex(pub), hex(nobleEd.getPublicKey(secret)));
      const sig = ed25519.sign(msg, secret);
      assert.equal(hex(sig), hex(nobleEd.sign(msg, secret)));
      assert.equal(ed25519.verify(sig, msg, pub), true);
      const bad = new Uint8Array(sig);
      bad[crypto.randomInt(0, 64)]! ^= 1 << crypto.randomInt(0, 8);
      assert.equal(ed25519.verify(bad, msg, pub), false);
    }
  }));

// ---------------------------------------------------------------- field operations on raw limbs

// A fresh instance of the debug module whose abort handler records and
// returns, so a failed assertion ends in the `unreachable` after it (a trap).
interface Raw {
  ex: Record<string, any>;
  trapped: string[];
  io: number;
  mem: () => DataView;
}
function rawModule(): Raw {
  const trapped: string[] = [];
  let memory: WebAssembly.Memory | undefined;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(debugBytes), {
    env: {
      abort: (msg: number) => {
        trapped.push(asString(memory, msg));
      },
    },
  });
  const ex = instance.exports as Record<string, any>;
  memory = ex.memory as WebAssembly.Memory;
  return { ex, trapped, io: ex.ioPtr(), mem: () => new DataView(memory!.buffer) };
}

const P = 2n ** 256n - 2n ** 32n - 977n;
const Q = 2n ** 255n - 19n;
const ED_SHIFT = [0n, 26n, 51n, 77n, 102n, 128n, 153n, 179n, 204n, 230n];
const mod = (x: bigint, m: bigint) => ((x % m) + m) % m;
function powMod(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b = mod(b, m);
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}
const rnd = (n: number) => crypto.randomInt(0, n); // [0, n), n <= 2^48
const rndLimbs = (bound: (i: number) => number) => Array.from({ length: 10 }, (_, i) => rnd(bound(i) + 1));

function putSecp(raw: Raw, at: number, limbs: number[]): bigint {
  const v = raw.mem();
  limbs.forEach((l, i) => {
    v.setUint32(at + 4 * i, l, true);
  });
  return limbs.reduce((acc, l, i) => acc + (BigInt(l) << BigInt(26 * i)), 0n);
}
function getSecp(raw: Raw, at: number): { limbs: number[]; value: bigint } {
  const v = raw.mem();
  const limbs = Array.from({ length: 10 }, (_, i) => v.getUint32(at + 4 * i, true));
  return { limbs, value: limbs.reduce((acc, l, i) => acc + (BigInt(l) << BigInt(26 * i)), 0n) };
}
function putEd(raw: Raw, at: number, limbs: number[]): bigint {
  const v = raw.mem();
  limbs.forEach((l, i) => {
    v.setInt32(at + 4 * i, l, true);
  });
  return limbs.reduce((acc, l, i) => acc + (BigInt(l) << ED_SHIFT[i]!), 0n);
}
function getEd(raw: Raw, at: number): { limbs: number[]; value: bigint } {
  const v = raw.mem();
  const limbs = Array.from({ length: 10 }, (_, i) => v.getInt32(at + 4 * i, true));
  return { limbs, value: limbs.reduce((acc, l, i) => acc + (BigInt(l) << ED_SHIFT[i]!), 0n) };
}
const leBytes = (raw: Raw, at: number) => BigInt('0x' + Buffer.from(raw.mem().buffer, at, 32).reverse().toString('hex'));

const FIELD_ROUNDS = Number(process.env.VERIFY_MODE_FIELD_ROUNDS ?? 500);

test(`secp256k1 field: ${FIELD_ROUNDS} rounds of each operation at the documented input bounds`, () => {
  const raw = rawModule();
  const { ex, io } = raw;
  const R = io,
    A = io + 40,
    B = io + 80;
  const M26 = 2 ** 26,
    top = (m: number) => (i: number) => (i === 9 ? m * 2 ** 22 : m * (M26 + 63));
  const below30 = () => rndLimbs(() => 2 ** 30 - 1);
  for (let n = 0; n < FIELD_ROUNDS; n++) {
    // feMul / feSqr accept every limb below 2^30 (the top one included).
    const a = n === 0 ? Array(10).fill(2 ** 30 - 1) : below30(),
      b = n === 0 ? Array(10).fill(2 ** 30 - 1) : below30();
    const av = putSecp(raw, A, a),
      bv = putSecp(raw, B, b);
    ex.verifySecpFeMul(R, A, B);
    assert.equal(mod(getSecp(raw, R).value, P), mod(av * bv, P), 'feMul');
    ex.verifySecpFeSqr(R, A);
    assert.equal(mod(getSecp(raw, R).value, P), mod(av * av, P), 'feSqr');
    // feNormalize takes any u32 limbs and returns the value mod p, < p.
    const u = n === 1 ? Array(10).fill(0xffffffff) : rndLimbs(() => 0xffffffff);
    const uv = putSecp(raw, A, u);
    ex.verifySecpFeNormalize(R, A);
    assert.equal(getSecp(raw, R).value, mod(uv, P), 'feNormalize');
    ex.verifySecpFeNormWeak(R, A);
    assert.equal(mod(getSecp(raw, R).value, P), mod(uv, P), 'feNormWeak');
    // feNeg(a, m) and feSub(a, b, mb) with inputs of the magnitude they are told.
    const m = 1 + rnd(62);
    const neg = putSecp(raw, A, n === 2 ? Array.from({ length: 10 }, (_, i) => top(m)(i)) : rndLimbs(top(m)));
    ex.verifySecpFeNeg(R, A, m);
    assert.equal(mod(getSecp(raw, R).value, P), mod(-neg, P), `feNeg m=${m}`);
    const mb = 1 + rnd(30);
    const sa = putSecp(raw, A, rndLimbs(top(32 - mb))),
      sb = putSecp(raw, B, rndLimbs(top(mb)));
    ex.verifySecpFeSub(R, A, B, mb);
    assert.equal(mod(getSecp(raw, R).value, P), mod(sa - sb, P), `feSub mb=${mb}`);
    // feMulSmall with k * magnitude < 2^6.
    const k = 1 + rnd(63);
    const ma = putSecp(raw, A, rndLimbs(top(Math.floor(63 / k))));
    ex.verifySecpFeMulSmall(R, A, BigInt(k));
    assert.equal(mod(getSecp(raw, R).value, P), mod(ma * BigInt(k), P), `feMulSmall k=${k}`);
    // feInv and feSqrt of a random element.
    const x = putSecp(
      raw,
      A,
      rndLimbs((i) => (i === 9 ? 2 ** 22 - 1 : M26 - 1)),
    );
    ex.verifySecpFeInv(R, A);
    assert.equal(mod(getSecp(raw, R).value * x, P), mod(x, P) === 0n ? 0n : 1n, 'feInv');
    const ok = ex.verifySecpFeSqrt(R, A);
    const root = getSecp(raw, R).value;
    assert.equal(ok, mod(x, P) === 0n || powMod(x, (P - 1n) / 2n, P) === 1n ? 1 : 0, 'feSqrt flag');
    if (ok) assert.equal(mod(root * root, P), mod(x, P), 'feSqrt');
  }
  assert.deepEqual(raw.trapped, []);
});

test('secp256k1 safegcd inversion (feInv mod p, scInv mod n) against BigInt on edge and random inputs', () => {
  const raw = rawModule();
  const { ex, io } = raw;
  const R = io,
    A = io + 40;
  const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const invMod = (x: bigint, m: bigint) => (mod(x, m) === 0n ? 0n : powMod(x, m - 2n, m));
  const rndBig = (m: bigint) => mod(BigInt('0x' + crypto.randomBytes(40).toString('hex')), m);
  const edges = (m: bigint) => [0n, 1n, 2n, 3n, m - 1n, m - 2n, (m - 1n) / 2n, (m + 1n) / 2n, 2n ** 128n, 2n ** 255n, m - 2n ** 128n];
  const putLimbs26 = (at: number, x: bigint) =>
    putSecp(
      raw,
      at,
      Array.from({ length: 10 }, (_, i) => Number((x >> BigInt(26 * i)) & (i === 9 ? 0x3fffffn : 0x3ffffffn))),
    );
  const put32 = (at: number, x: bigint) => {
    const v = raw.mem();
    for (let i = 0; i < 8; i++) v.setUint32(at + 4 * i, Number((x >> BigInt(32 * i)) & 0xffffffffn), true);
  };
  const get32 = (at: number) => {
    const v = raw.mem();
    let x = 0n;
    for (let i = 7; i >= 0; i--) x = (x << 32n) | BigInt(v.getUint32(at + 4 * i, true));
    return x;
  };
  const fieldInputs = [...edges(P), P, P + 1n, 2n ** 256n - 1n];
  const scalarInputs = edges(N);
  for (let i = 0; i < 300; i++) {
    fieldInputs.push(rndBig(P));
    scalarInputs.push(rndBig(N));
  }
  for (const x of fieldInputs) {
    // Unreduced encodings (p, p + 1, 2^256 - 1) included: feInv normalizes first.
    putLimbs26(A, x);
    ex.verifySecpFeInv(R, A);
    const got = getSecp(raw, R);
    assert.equal(got.value, invMod(x, P), `feInv(${x.toString(16)})`);
    assert.ok(
      got.limbs.every((l, i) => l < (i === 9 ? 2 ** 22 : 2 ** 26)),
      'feInv output limbs normalized',
    );
  }
  for (const x of scalarInputs) {
    put32(A, x);
    ex.verifySecpScInv(R, A);
    assert.equal(get32(R), invMod(x, N), `scInv(${x.toString(16)})`);
  }
  assert.deepEqual(raw.trapped, []);
});

test(`Ed25519 field: ${FIELD_ROUNDS} rounds of each operation at the documented input bounds`, () => {
  const raw = rawModule();
  const { ex, io } = raw;
  const R = io,
    F = io + 40,
    G = io + 80,
    S = io + 120;
  const signed = (b: number) => () => rndLimbs(() => 2 * b).map((x) => x - b);
  const wide = signed(2 ** 27),
    half = signed(2 ** 26);
  for (let n = 0; n < FIELD_ROUNDS; n++) {
    // feMul / feSq / feSqN accept |limb| <= 2^27 and return carried limbs.
    const f = n === 0 ? Array(10).fill(2 ** 27) : n === 1 ? Array(10).fill(-(2 ** 27)) : wide();
    const g = n === 0 ? Array(10).fill(-(2 ** 27)) : wide();
    const fv = putEd(raw, F, f),
      gv = putEd(raw, G, g);
    ex.verifyEdFeMul(R, F, G);
    assert.equal(mod(getEd(raw, R).value, Q), mod(fv * gv, Q), 'feMul');
    ex.verifyEdFeSq(R, F);
    assert.equal(mod(getEd(raw, R).value, Q), mod(fv * fv, Q), 'feSq');
    const sq = 1 + rnd(4);
    ex.verifyEdFeSqN(R, F, sq);
    assert.equal(mod(getEd(raw, R).value, Q), powMod(fv, 2n ** BigInt(sq), Q), `feSqN ${sq}`);
    // feToBytes: canonical bytes of any element within 2^27.
    ex.verifyEdFeToBytes(S, F);
    assert.equal(leBytes(raw, S), mod(fv, Q), 'feToBytes');
    // feAdd / feSub / feNeg within the 2^27 sum bound.
    const hv = putEd(raw, F, half()),
      kv = putEd(raw, G, half());
    ex.verifyEdFeAdd(R, F, G);
    assert.equal(getEd(raw, R).value, hv + kv, 'feAdd');
    ex.verifyEdFeSub(R, F, G);
    assert.equal(getEd(raw, R).value, hv - kv, 'feSub');
    ex.verifyEdFeNeg(R, F);
    assert.equal(getEd(raw, R).value, -hv, 'feNeg');
    // feCarry: any i32 limbs back to the carried bound, same value mod p.
    const cv = putEd(raw, R, n === 2 ? Array(10).fill(-(2 ** 31)) : rndLimbs(() => 0xffffffff).map((x) => x - 2 ** 31));
    ex.verifyEdFeCarry(R);
    assert.equal(mod(getEd(raw, R).value, Q), mod(cv, Q), 'feCarry');
    // feFromBytes (bit 255 ignored) and feInvert.
    const bytes = crypto.randomBytes(32);
    Buffer.from(raw.mem().buffer).set(bytes, S);
    ex.verifyEdFeFromBytes(F, S);
    const x = getEd(raw, F).value;
    assert.equal(x, BigInt('0x' + Buffer.from(bytes).reverse().toString('hex')) & (2n ** 255n - 1n), 'feFromBytes');
    ex.verifyEdFeInvert(R, F);
    assert.equal(mod(getEd(raw, R).value * x, Q), mod(x, Q) === 0n ? 0n : 1n, 'feInvert');
  }
  assert.deepEqual(raw.trapped, []);
});

// ---------------------------------------------------------------- the assertions are live

/** Asserts `fn` traps on the `unreachable` after a failed assertion with this message. */
function traps(raw: Raw, fn: () => void, message: string): void {
  raw.trapped.length = 0;
  assert.throws(fn, (e: unknown) => e instanceof WebAssembly.RuntimeError && /unreachable/.test(e.message));
  assert.deepEqual(raw.trapped, [message]);
}

test('out-of-bound limbs trap in the debug module', () => {
  const raw = rawModule();
  const { ex, io } = raw;
  const R = io,
    A = io + 40,
    B = io + 80;
  const ones = (x: number) => Array(10).fill(x);
  // secp256k1: feMul/feSqr inputs must stay below 2^30.
  putSecp(raw, A, ones(2 ** 30 - 1));
  putSecp(raw, B, [...ones(1).slice(0, 9), 2 ** 30]);
  traps(raw, () => ex.verifySecpFeMul(R, A, B), 'secp feMul: input limb >= 2^30');
  putSecp(raw, A, [2 ** 30, ...ones(0).slice(1)]);
  traps(raw, () => ex.verifySecpFeSqr(R, A), 'secp feSqr: input limb >= 2^30');
  // feNeg(a, m) with a of magnitude 2 but told 1; with m so large (m + 1) p overflows.
  putSecp(raw, A, [2 * 2 ** 26, ...ones(0).slice(1)]);
  traps(raw, () => ex.verifySecpFeNeg(R, A, 1), 'secp feNeg: input magnitude > m');
  traps(raw, () => ex.verifySecpFeNeg(R, A, 64), 'secp feNeg: (m + 1) p overflows the u32 limbs');
  // feSub with b above its stated magnitude; feAdd overflowing a limb.
  putSecp(
    raw,
    B,
    ones(0).map((_, i) => (i === 9 ? 3 * 2 ** 22 : 0)),
  );
  traps(raw, () => ex.verifySecpFeSub(R, A, B, 2), 'secp feSub: b magnitude > mb');
  putSecp(raw, A, ones(0x80000000));
  putSecp(raw, B, ones(0x80000000));
  traps(raw, () => ex.verifySecpFeAdd(R, A, B), 'secp feAdd: limb sum >= 2^32');
  // feMulSmall with k * magnitude >= 2^6.
  putSecp(raw, A, ones(2 ** 26));
  traps(raw, () => ex.verifySecpFeMulSmall(R, A, 64n), 'secp feMulSmall: k * magnitude(a) >= 2^6');
  // feToBytes of an element that is not normalized (p itself).
  putSecp(raw, A, [0x3fffc2f, 0x3ffffbf, ...ones(0x3ffffff).slice(2, 9), 0x3fffff]);
  traps(raw, () => ex.verifySecpFeToBytes(io + 120, A), 'secp feToBytes: input not normalized');
  // Ed25519: feMul inputs within 2^27, add/sub results within 2^27, feSqN with n >= 1.
  putEd(raw, A, ones(2 ** 27 + 1));
  putEd(raw, B, ones(1));
  traps(raw, () => ex.verifyEdFeMul(R, A, B), 'ed25519 feMul: input |limb| > 2^27');
  traps(raw, () => ex.verifyEdFeSq(R, A), 'ed25519 feSq: input |limb| > 2^27');
  putEd(raw, A, ones(2 ** 27));
  traps(raw, () => ex.verifyEdFeAdd(R, A, B), 'ed25519 feAdd: output |limb| > 2^27');
  putEd(raw, B, ones(-1));
  traps(raw, () => ex.verifyEdFeSub(R, A, B), 'ed25519 feSub: output |limb| > 2^27');
  traps(raw, () => ex.verifyEdFeSqN(R, B, 0), 'ed25519 feSqN: n < 1');
  putEd(raw, A, ones(-(2 ** 28)));
  traps(raw, () => ex.verifyEdFeToBytes(io + 120, A), 'ed25519 feToBytes: input |limb| > 2^27');
  // And the same bad limbs through the core: the assertion fires, the call fails.
  assert.ok(coreExports);
  const coreMem = new DataView((coreExports.memory as WebAssembly.Memory).buffer);
  const cio = (coreExports.ioPtr as () => number)();
  for (let i = 0; i < 10; i++) coreMem.setUint32(cio + 40 + 4 * i, 2 ** 30, true);
  const before = aborts.length;
  assert.throws(() => (coreExports!.verifySecpFeSqr as (r: number, a: number) => void)(cio, cio + 40));
  assert.deepEqual(
    aborts.slice(before).map((a) => a.replace(/ \(.*\)$/, '')),
    ['secp feSqr: input limb >= 2^30'],
  );
  assert.match(aborts[before]!, /assembly\/secp256k1\/field\.ts:\d+:\d+/);
  aborts.length = before;
  new Uint8Array(coreMem.buffer).fill(0, cio, cio + 80);
});
