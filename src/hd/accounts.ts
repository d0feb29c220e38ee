// BIP-44 / 49 / 84 / 86 accounts: m / purpose' / coin_type' / account' / change / address_index.
// Receive addresses are on chain 0 (external), change on chain 1 (internal)
// (BIP-44 §Change). Addresses come from the account's public key, so an
// account can run from an xpub alone; discovery follows BIP-44 §Account
// discovery with a gap limit (default 20).
import { VaultkeyError } from '../errors.js';
import { HDKey } from './hdkey.js';
import { HARDENED } from './path.js';
import { addressOf, type AddressFormat } from './addresses.js';
import { decodeExtendedKey, type Network, type ScriptType } from './serialize.js';

export type Purpose = 44 | 49 | 84 | 86;
export type Chain = 0 | 1;

const SCRIPT: Record<Purpose, ScriptType> = { 44: 'p2pkh', 49: 'p2sh-p2wpkh', 84: 'p2wpkh', 86: 'p2pkh' };

export interface AccountOptions {
  purpose: Purpose;
  /** SLIP-0044 coin type: 0 bitcoin, 1 testnet, 60 ether. */
  coinType: number;
  account?: number;
  gapLimit?: number;
}

export interface AccountAddress {
  chain: Chain;
  index: number;
  path: string;
  address: string;
  publicKey: Uint8Array;
}

export interface AccountState {
  purpose: Purpose;
  coinType: number;
  account: number;
  xpub: string;
  gapLimit: number;
  next: [number, number];
  used: [number[], number[]];
}

function formatFor(purpose: Purpose, coinType: number): AddressFormat {
  // Address encodings are per coin (version bytes, HRP): only the coins this
  // module encodes are accepted, so no other coin's account silently yields
  // Bitcoin addresses. SLIP-0044: 0 Bitcoin, 1 every testnet, 60 Ether.
  if (coinType !== 0 && coinType !== 1 && coinType !== 60) {
    throw new VaultkeyError(
      'UNSUPPORTED',
      'accounts encode addresses for SLIP-0044 coin types 0, 1 and 60 only; derive other coins with HDKey',
    );
  }
  if (coinType === 60) {
    if (purpose !== 44) throw new VaultkeyError('INVALID_ARGUMENT', 'Ethereum accounts use purpose 44');
    return 'ethereum';
  }
  return ({ 44: 'p2pkh', 49: 'p2sh-p2wpkh', 84: 'p2wpkh', 86: 'p2tr' } as const)[purpose];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A BIP-32 non-hardened index: an integer in [0, 2^31). */
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < HARDENED;

function checkChain(chain: unknown): asserts chain is Chain {
  if (chain !== 0 && chain !== 1) throw new VaultkeyError('INVALID_ARGUMENT', 'chain must be 0 (receive) or 1 (change)');
}

function checkOptions(o: AccountOptions): Required<AccountOptions> {
  if (!isObject(o)) throw new VaultkeyError('INVALID_ARGUMENT', 'account options must be an object');
  if (![44, 49, 84, 86].includes(o.purpose)) throw new VaultkeyError('INVALID_ARGUMENT', 'purpose must be 44, 49, 84 or 86');
  const account = o.account ?? 0;
  const gapLimit = o.gapLimit ?? 20;
  for (const [name, v, max] of [
    ['coinType', o.coinType, 0x7fffffff],
    ['account', account, 0x7fffffff],
    ['gapLimit', gapLimit, 10000],
  ] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
      throw new VaultkeyError('INVALID_ARGUMENT', `${name} is out of range`);
    }
  }
  if (gapLimit < 1) throw new VaultkeyError('INVALID_ARGUMENT', 'gapLimit must be at least 1');
  return { purpose: o.purpose, coinType: o.coinType, account, gapLimit };
}

export class Account {
  readonly purpose: Purpose;
  readonly coinType: number;
  readonly account: number;
  readonly gapLimit: number;
  readonly network: Network;
  readonly format: AddressFormat;
  #key: HDKey;
  #chains: [HDKey | undefined, HDKey | undefined] = [undefined, undefined];
  #next: [number, number] = [0, 0];
  #used: [Set<number>, Set<number>] = [new Set(), new Set()];

  private constructor(key: HDKey, o: Required<AccountOptions>) {
    this.purpose = o.purpose;
    this.coinType = o.coinType;
    this.account = o.account;
    this.gapLimit = o.gapLimit;
    this.network = o.coinType === 1 ? 'testnet' : 'mainnet';
    this.format = formatFor(o.purpose, o.coinType);
    this.#key = key;
  }

  /** Derives m/purpose'/coin'/account' from a master key and keeps only its public half. */
  static fromRoot(root: HDKey, options: AccountOptions): Account {
    const o = checkOptions(options);
    if (!(root instanceof HDKey)) throw new VaultkeyError('INVALID_ARGUMENT', 'root must be an HDKey');
    if (root.depth !== 0) throw new VaultkeyError('INVALID_KEY', 'accounts derive from a master (depth 0) key');
    if (root.curve !== 'secp256k1') throw new VaultkeyError('INVALID_ARGUMENT', 'BIP-44 accounts here are secp256k1');
    const acct = root.derive(`m/${o.purpose}'/${o.coinType}'/${o.account}'`);
    const pub = acct.neuter();
    acct.wipe();
    return new Account(pub, o);
  }

  /** A depth-3 public HDKey from an extended key (the checks every way in shares). */
  static #accountKey(xpub: string): HDKey {
    const key = HDKey.fromExtendedKey(xpub);
    if (key.privateKey) throw new VaultkeyError('INVALID_KEY', 'expected an extended public key');
    if (key.depth !== 3) throw new VaultkeyError('INVALID_KEY', "an account key has depth 3 (m/purpose'/coin'/account')");
    return key;
  }

  /** An account from its extended public key (xpub/ypub/zpub/tpub/upub/vpub), e.g. a watch-only wallet. */
  static fromExtendedPublicKey(xpub: string, options: AccountOptions): Account {
    const o = checkOptions(options);
    const key = Account.#accountKey(xpub);
    if (key.index !== HARDENED + o.account)
      throw new VaultkeyError('INVALID_KEY', `the key is not account ${o.account}' (its index differs)`);
    const account = new Account(key, o);
    // The version must fit the account: its network (a tpub is not a mainnet
    // account) and, for SLIP-0132 versions, its script type (a ypub is a
    // BIP-49 key, not a BIP-84 one). Plain xpub/tpub are accepted for every
    // purpose, as many wallets export them for BIP-49/84 accounts too.
    const { meta } = decodeExtendedKey(xpub);
    if (meta.network !== account.network) {
      throw new VaultkeyError(
        'INVALID_VERSION',
        `a ${meta.prefix} is a ${meta.network} key; coin type ${o.coinType} is ${account.network}`,
      );
    }
    if (meta.script !== 'p2pkh' && meta.script !== SCRIPT[o.purpose]) {
      throw new VaultkeyError('INVALID_VERSION', `a ${meta.prefix} (SLIP-0132) is not a key for purpose ${o.purpose}`);
    }
    return account;
  }

  /**
   * An account from what `toJSON` wrote. The whole state is checked, and
   * INVALID_ARGUMENT names the first thing wrong: every field present and of
   * its type; the xpub is this account's (depth 3, index account', the
   * SLIP-0132 version `toJSON` writes for this purpose and coin); used indexes
   * are BIP-32 non-hardened (< 2^31), strictly ascending and below `next`;
   * and `next` is at most `gapLimit` past the last used index, as `next()`
   * and `markUsed()` keep it. A state that would hand out more unused
   * addresses than the gap limit (BIP-44 §Address gap limit) never loads.
   */
  static fromState(state: AccountState): Account {
    const bad = (what: string): never => {
      throw new VaultkeyError('INVALID_ARGUMENT', `account state: ${what}`);
    };
    if (!isObject(state)) bad('must be an object');
    for (const f of ['purpose', 'coinType', 'account', 'gapLimit', 'xpub', 'next', 'used'] as const) {
      if (state[f] === undefined) bad(`${f} is missing`);
    }
    if (typeof state.xpub !== 'string') bad('xpub must be a string');
    const { next, used } = state as { next: unknown; used: unknown };
    if (!Array.isArray(next) || next.length !== 2) bad('next must be [receive, change]');
    if (!Array.isArray(used) || used.length !== 2) bad('used must be [receive indexes, change indexes]');
    // Not fromExtendedPublicKey: a state's xpub must be exactly the one toJSON
    // writes, checked below with INVALID_ARGUMENT like every other field.
    const a = new Account(Account.#accountKey(state.xpub), checkOptions(state));
    if (a.#key.index !== HARDENED + a.account) bad("xpub is not the key of m/purpose'/coin'/account'");
    if (a.xpub !== state.xpub) bad('xpub version does not match the purpose and coin type');
    for (const chain of [0, 1] as const) {
      const n: unknown = (next as unknown[])[chain];
      const u: unknown = (used as unknown[])[chain];
      // next can be 2^31 (after index 2^31 - 1 was used): then the chain is exhausted.
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > HARDENED) bad(`next[${chain}] must be an integer in [0, 2^31]`);
      if (!Array.isArray(u)) bad(`used[${chain}] must be an array`);
      const list = u as unknown[];
      let last = -1;
      for (let i = 0; i < list.length; i++) {
        const x = list[i];
        if (!isIndex(x)) bad(`used[${chain}] holds something that is not an index in [0, 2^31)`);
        if ((x as number) <= last) bad(`used[${chain}] must be strictly ascending`);
        last = x as number;
      }
      if (last >= (n as number)) bad(`used[${chain}] holds an index at or past next[${chain}]`);
      if ((n as number) > last + 1 + a.gapLimit) bad(`next[${chain}] is more than gapLimit past the last used index`);
      a.#next[chain] = n as number;
      a.#used[chain] = new Set(list as number[]);
    }
    return a;
  }

  /** The account's extended public key with its SLIP-0132 version (ypub for 49, zpub for 84). */
  get xpub(): string {
    return this.#key.toExtendedKey(false, { network: this.network, script: SCRIPT[this.purpose] });
  }

  path(chain: Chain, index: number): string {
    checkChain(chain);
    if (!isIndex(index)) throw new VaultkeyError('INVALID_PATH', 'address index must be in [0, 2^31)');
    return `m/${this.purpose}'/${this.coinType}'/${this.account}'/${chain}/${index}`;
  }

  #chain(chain: Chain): HDKey {
    checkChain(chain);
    return (this.#chains[chain] ??= this.#key.deriveChild(chain));
  }

  address(chain: Chain, index: number): AccountAddress {
    checkChain(chain);
    if (!Number.isInteger(index) || index < 0 || index >= 0x80000000) {
      throw new VaultkeyError('INVALID_PATH', 'address index must be in [0, 2^31)');
    }
    const key = this.#chain(chain).deriveChild(index);
    return {
      chain,
      index: key.index,
      path: this.path(chain, key.index),
      address: addressOf(key.publicKey, this.format, this.network),
      publicKey: key.publicKey,
    };
  }

  /** Highest used index on a chain, or -1. */
  lastUsed(chain: Chain): number {
    checkChain(chain);
    let m = -1;
    for (const i of this.#used[chain]) if (i > m) m = i;
    return m;
  }

  /**
   * Issues the next fresh address on a chain. Refuses (GAP_LIMIT) to hand out
   * more than `gapLimit` unused addresses past the last used one, since a
   * wallet restoring from the seed would stop scanning before reaching them.
   */
  next(chain: Chain): AccountAddress {
    checkChain(chain);
    const index = this.#next[chain];
    if (index - (this.lastUsed(chain) + 1) >= this.gapLimit) {
      throw new VaultkeyError('GAP_LIMIT', `more than ${this.gapLimit} unused addresses in a row (BIP-44 gap limit)`);
    }
    const a = this.address(chain, index);
    this.#next[chain] = a.index + 1;
    return a;
  }

  nextReceive(): AccountAddress {
    return this.next(0);
  }

  nextChange(): AccountAddress {
    return this.next(1);
  }

  markUsed(chain: Chain, index: number): void {
    checkChain(chain);
    if (!isIndex(index)) throw new VaultkeyError('INVALID_PATH', 'address index must be in [0, 2^31)');
    this.#used[chain].add(index);
    if (this.#next[chain] <= index) this.#next[chain] = index + 1;
  }

  isUsed(chain: Chain, index: number): boolean {
    checkChain(chain);
    return this.#used[chain].has(index);
  }

  /**
   * BIP-44 §Account discovery: walks each chain until `gapLimit` consecutive
   * addresses have no history according to `hasHistory`, marking used ones.
   * Returns the used addresses found.
   */
  async scan(hasHistory: (address: string, chain: Chain, index: number) => boolean | Promise<boolean>): Promise<AccountAddress[]> {
    if (typeof hasHistory !== 'function') throw new VaultkeyError('INVALID_ARGUMENT', 'hasHistory must be a function');
    const found: AccountAddress[] = [];
    for (const chain of [0, 1] as const) {
      let gap = 0;
      for (let index = 0; gap < this.gapLimit; index++) {
        const a = this.address(chain, index);
        if (await hasHistory(a.address, chain, a.index)) {
          this.markUsed(chain, a.index);
          found.push(a);
          gap = 0;
        } else {
          gap++;
        }
        index = a.index;
      }
    }
    return found;
  }

  toJSON(): AccountState {
    return {
      purpose: this.purpose,
      coinType: this.coinType,
      account: this.account,
      xpub: this.xpub,
      gapLimit: this.gapLimit,
      next: [this.#next[0], this.#next[1]],
      used: [[...this.#used[0]].sort((a, b) => a - b), [...this.#used[1]].sort((a, b) => a - b)],
    };
  }
}
