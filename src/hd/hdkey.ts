// HDKey: BIP-32 for secp256k1, SLIP-0010 for ed25519 and nist256p1.
import { VaultkeyError, assertBytes } from '../errors.js';
import { hash160 } from '../core/hash.js';
import { curveByName, type Curve, type CurveName, type Node } from './curves.js';
import { HARDENED, assertIndex, parsePath } from './path.js';
import { decodeExtendedKey, encodeExtendedKey, versionFor, VERSIONS, type Network, type ScriptType } from './serialize.js';
import { DerivationCache } from './cache.js';

export interface ExtendedKeyFormat {
  network?: Network;
  /** SLIP-0132 script type: p2pkh (xpub/tpub), p2sh-p2wpkh (ypub/upub), p2wpkh (zpub/vpub). */
  script?: ScriptType;
}

interface HDKeyInit {
  curve: Curve;
  node: Node;
  depth: number;
  index: number;
  parentFingerprint: number;
  fingerprint?: number;
  format: Required<ExtendedKeyFormat>;
  cache: DerivationCache;
  path: number[] | null;
}

export class HDKey {
  readonly curve: CurveName;
  readonly depth: number;
  readonly index: number;
  readonly parentFingerprint: number;
  readonly chainCode: Uint8Array;
  readonly publicKey: Uint8Array;
  #privateKey: Uint8Array | null;
  #curve: Curve;
  #fingerprint: number | undefined;
  #format: Required<ExtendedKeyFormat>;
  #cache: DerivationCache;
  // Absolute indexes from the root this key was made from (null for imported non-master keys).
  #path: number[] | null;

  private constructor(init: HDKeyInit) {
    this.#curve = init.curve;
    this.curve = init.curve.name;
    this.depth = init.depth;
    this.index = init.index;
    this.parentFingerprint = init.parentFingerprint;
    this.chainCode = init.node.chainCode;
    this.publicKey = init.node.publicKey;
    this.#privateKey = init.node.privateKey;
    this.#fingerprint = init.fingerprint;
    this.#format = init.format;
    this.#cache = init.cache;
    this.#path = init.path;
  }

  /** BIP-32 §Master key generation (SLIP-0010 for 'ed25519' / 'nist256p1'). Seeds are 16 to 64 bytes. */
  static fromMasterSeed(seed: Uint8Array, curve?: CurveName, format: ExtendedKeyFormat = {}): HDKey {
    assertBytes(seed, 'seed');
    if (seed.length < 16 || seed.length > 64) {
      throw new VaultkeyError('INVALID_LENGTH', 'seed must be 16 to 64 bytes (BIP-32 §Master key generation)');
    }
    const c = curveByName(curve);
    return new HDKey({
      curve: c,
      node: c.master(seed),
      depth: 0,
      index: 0,
      parentFingerprint: 0,
      format: { network: format.network ?? 'mainnet', script: format.script ?? 'p2pkh' },
      cache: new DerivationCache(),
      path: [],
    });
  }

  /** Parses xprv/xpub and the SLIP-0132 variants (yprv/ypub, zprv/zpub, tprv/tpub, uprv/upub, vprv/vpub). */
  static fromExtendedKey(xkey: string): HDKey {
    const f = decodeExtendedKey(xkey);
    const c = curveByName('secp256k1');
    let node: Node;
    if (f.meta.private) {
      const key = f.keyData.slice(1);
      f.keyData.fill(0);
      c.checkPrivate(key);
      node = { privateKey: key, publicKey: c.publicFromPrivate(key), chainCode: f.chainCode };
    } else {
      c.checkPublic(f.keyData);
      node = { privateKey: null, publicKey: f.keyData, chainCode: f.chainCode };
    }
    return new HDKey({
      curve: c,
      node,
      depth: f.depth,
      index: f.index,
      parentFingerprint: f.parentFingerprint,
      format: { network: f.meta.network, script: f.meta.script },
      cache: new DerivationCache(),
      path: f.depth === 0 ? [] : null,
    });
  }

  get privateKey(): Uint8Array | null {
    return this.#privateKey;
  }

  /** First 32 bits of HASH160(serP(K)) (BIP-32 §Key identifiers). */
  get fingerprint(): number {
    if (this.#fingerprint === undefined) {
      const id = hash160(this.#curve.serP(this.publicKey));
      this.#fingerprint = ((id[0]! << 24) | (id[1]! << 16) | (id[2]! << 8) | id[3]!) >>> 0;
    }
    return this.#fingerprint;
  }

  /** HASH160 of the public key (BIP-32 §Key identifiers). */
  get identifier(): Uint8Array {
    return hash160(this.#curve.serP(this.publicKey));
  }

  get privateExtendedKey(): string {
    if (!this.#privateKey) throw new VaultkeyError('NO_PRIVATE_KEY', 'this is a public (neutered) key');
    this.#serializable();
    const keyData = new Uint8Array(33);
    keyData.set(this.#privateKey, 1);
    try {
      return encodeExtendedKey({ ...this.#fields(true), keyData });
    } finally {
      keyData.fill(0);
    }
  }

  get publicExtendedKey(): string {
    this.#serializable();
    return encodeExtendedKey({ ...this.#fields(false), keyData: this.publicKey });
  }

  /** The same key serialized with other version bytes (e.g. zpub for BIP-84 accounts). */
  toExtendedKey(isPrivate: boolean, format: ExtendedKeyFormat = {}): string {
    if (typeof isPrivate !== 'boolean') throw new VaultkeyError('INVALID_ARGUMENT', 'isPrivate must be a boolean');
    if (typeof format !== 'object' || format === null || Array.isArray(format)) {
      throw new VaultkeyError('INVALID_ARGUMENT', 'format must be an object like { network, script }');
    }
    const saved = this.#format;
    this.#format = { network: format.network ?? saved.network, script: format.script ?? saved.script };
    try {
      return isPrivate ? this.privateExtendedKey : this.publicExtendedKey;
    } finally {
      this.#format = saved;
    }
  }

  #serializable(): void {
    if (this.#curve.name !== 'secp256k1') {
      throw new VaultkeyError('UNSUPPORTED', `there is no standard extended-key format for ${this.#curve.name}`);
    }
  }

  #fields(isPrivate: boolean) {
    return {
      version: versionFor(this.#format.network, this.#format.script, isPrivate),
      depth: this.depth,
      parentFingerprint: this.parentFingerprint,
      index: this.index,
      chainCode: this.chainCode,
    };
  }

  /**
   * Derives along a path ("m/44'/60'/0'/0/0"; ', h or H mark hardened steps),
   * relative to this key ("m" is this key, as in @scure/bip32).
   * Intermediate nodes are cached (bounded LRU, wiped on eviction), so
   * walking m/.../0/i for many i costs one child step each.
   */
  derive(path: string): HDKey {
    const steps = parsePath(path);
    let key: HDKey = this;
    // Resume from the deepest cached ancestor on this path.
    const cached = this.#path ? this.#cache.longestPrefix(this.#path, steps) : null;
    let start = 0;
    if (cached) {
      key = this.#childFromNode(cached.node, cached.meta, [...this.#path!, ...steps.slice(0, cached.length)]);
      start = cached.length;
    }
    for (let i = start; i < steps.length; i++) {
      const child = key.deriveChild(steps[i]!);
      if (i < steps.length - 1 && this.#path) this.#cache.put([...this.#path, ...steps.slice(0, i + 1)], child.#node(), child.#meta());
      if (key !== this) key.wipe();
      key = child;
    }
    return key === this ? this.#clone() : key;
  }

  /** BIP-32 CKDpriv / CKDpub for one index (>= 2^31 is hardened). */
  deriveChild(index: number): HDKey {
    assertIndex(index);
    if (this.depth >= 255) throw new VaultkeyError('INVALID_PATH', 'depth would exceed 255 (BIP-32 §Serialization format)');
    const hardened = index >= HARDENED;
    if (this.#curve.hardenedOnly && !hardened) {
      throw new VaultkeyError('INVALID_PATH', 'ed25519 (SLIP-0010) derives hardened children only');
    }
    if (hardened && !this.#privateKey) {
      throw new VaultkeyError('HARDENED_FROM_PUBLIC', 'hardened derivation needs the private key');
    }
    const parent = { privateKey: this.#privateKey, publicKey: this.publicKey, chainCode: this.chainCode };
    // BIP-32: "In case parse256(IL) >= n or ki = 0, the resulting key is invalid,
    // and one should proceed with the next value for i."
    let i = index;
    for (;;) {
      const node = this.#privateKey ? this.#curve.childPrivate(parent, i) : this.#curve.childPublic(parent, i);
      if (node) {
        return new HDKey({
          curve: this.#curve,
          node,
          depth: this.depth + 1,
          index: i,
          parentFingerprint: this.fingerprint,
          format: this.#format,
          cache: this.#cache,
          path: this.#path ? [...this.#path, i] : null,
          fingerprint: (node as Node & { fingerprint?: number }).fingerprint,
        });
      }
      if (i === 0xffffffff || i === HARDENED - 1) {
        throw new VaultkeyError('INVALID_PATH', 'no valid child at or after this index in its range');
      }
      i++;
    }
  }

  /** The public half: same chain code and metadata, no private key. */
  neuter(): HDKey {
    return new HDKey({
      curve: this.#curve,
      // Own copy of the chain code: wiping the private key must not wipe its public half.
      node: { privateKey: null, publicKey: this.publicKey, chainCode: this.chainCode.slice() },
      depth: this.depth,
      index: this.index,
      parentFingerprint: this.parentFingerprint,
      fingerprint: this.#fingerprint,
      format: this.#format,
      cache: new DerivationCache(),
      path: null,
    });
  }

  /** Zeroes the private key and chain code, and every cached descendant. */
  wipe(): void {
    this.#privateKey?.fill(0);
    this.#privateKey = null;
    this.chainCode.fill(0);
    if (this.depth === 0) this.#cache.clear();
  }

  toJSON(): { xpub: string | null; depth: number; index: number; curve: CurveName } {
    // Never serializes the private key by accident (JSON.stringify, logging).
    return {
      xpub: this.#curve.name === 'secp256k1' ? this.publicExtendedKey : null,
      depth: this.depth,
      index: this.index,
      curve: this.curve,
    };
  }

  #node(): Node {
    return { privateKey: this.#privateKey, publicKey: this.publicKey, chainCode: this.chainCode };
  }

  #meta() {
    return { depth: this.depth, index: this.index, parentFingerprint: this.parentFingerprint, fingerprint: this.fingerprint };
  }

  #childFromNode(
    node: Node,
    meta: { depth: number; index: number; parentFingerprint: number; fingerprint: number },
    path: number[],
  ): HDKey {
    return new HDKey({
      curve: this.#curve,
      node: { privateKey: node.privateKey && node.privateKey.slice(), publicKey: node.publicKey, chainCode: node.chainCode.slice() },
      ...meta,
      format: this.#format,
      cache: this.#cache,
      path,
    });
  }

  #clone(): HDKey {
    return this.#childFromNode(this.#node(), this.#meta(), this.#path ?? []);
  }
}

export { VERSIONS };
