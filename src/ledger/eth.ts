// LedgerEth: the Ethereum app's APDUs (Ledger app-ethereum, doc/ethapp.adoc)
// over any Ledger transport (WebHID in browsers; the recorder/replayer of
// @ledgerhq/hw-transport-mocker in tests). Everything the device returns is
// parsed strictly and checked locally before it is handed back:
//   - GET ETH PUBLIC ADDRESS: the address must be keccak256(publicKey)[12..];
//   - every signature must recover (secp256k1) to the public key the device
//     reports for the same path, and be low-S.
// Every failure is a VaultkeyError with a stable code (see ./errors.ts).
import { VaultkeyError } from '../errors.js';
import {
  buildApdu,
  chunk,
  CLA,
  concatBytes,
  encodePath,
  formatPath,
  INS,
  P1_FIRST,
  P1_MORE,
  parsePath,
  personalMessageChunks,
  type PathInput,
} from './apdu.js';
import { EIP712_FULL_MIN_VERSION, eip712Apdus, parseTypedData, typedDataHashes, versionAtLeast, type TypedDataInput } from './eip712.js';
import { invalidResponse, statusWordError, SW_OK } from './errors.js';
import { LedgerSession, type LedgerSessionOptions, type LedgerTransport } from './session.js';
import { inspectTransaction, recoveryFromTxV, rlpDecode, rlpEncode, txChunkSize, txV, type RlpItem, type TxInfo } from './tx.js';
import {
  addressFromPublicKey,
  checkSignature,
  eip712Digest,
  fromHex,
  keccak256,
  nobleRecovery,
  personalMessageDigest,
  toHex,
  type SignatureRecovery,
} from './verify.js';

export type { LedgerTransport } from './session.js';

export interface LedgerEthOptions extends LedgerSessionOptions {
  /** Signature recovery used for the local check; defaults to @noble/curves. */
  recovery?: SignatureRecovery;
}

export interface LedgerAddress {
  /** Canonical path, e.g. m/44'/60'/0'/0/0. */
  path: string;
  /** 65-byte uncompressed SEC1 public key. */
  publicKey: Uint8Array;
  /** EIP-55 checksummed address, computed locally from publicKey (and checked against the device's). */
  address: string;
  /** 32-byte BIP-32 chain code, when requested. */
  chainCode?: Uint8Array;
}

export interface LedgerSignOptions {
  /**
   * Public key the signature must recover to. Default: the key from an earlier
   * getAddress() for the same path on this instance, else one is fetched
   * (INS 02 without display) before the signing request is sent.
   */
  publicKey?: Uint8Array;
}

/** Same shape as the software keystore's signatures, plus the Ethereum r/s/v. */
export interface LedgerMessageSignature {
  r: string; // 0x + 64 hex
  s: string; // 0x + 64 hex
  v: number; // 27 or 28 (EIP-191 / EIP-712 convention)
  recovery: 0 | 1;
  signature: Uint8Array; // 64 bytes r || s
}

export interface LedgerTypedDataOptions extends LedgerSignOptions {
  /**
   * 'auto' (default): clear-sign (full mode) when the Ethereum app supports it
   * (>= 1.9.19), else sign the two hashes (hashed mode) and say so in `mode`.
   * 'required': refuse with UNSUPPORTED_INSTRUCTION instead of falling back.
   * 'never': always hashed mode.
   */
  clearSign?: 'auto' | 'required' | 'never';
}

export interface LedgerTypedDataSignature extends LedgerMessageSignature {
  /** 'full': the device parsed and showed the fields; 'hashed': it showed (and signed) only the two hashes. */
  mode: 'full' | 'hashed';
  /** Why hashed mode was used, when it was. */
  fallbackReason?: 'app-version' | 'device-memory' | 'caller';
  /** 0x + 64 hex each: EIP-712 domain separator, hashStruct(message) and the signed digest. */
  domainSeparator: string;
  messageHash: string;
  digest: string;
}

export interface LedgerTransactionSignature {
  r: string;
  s: string;
  /** EIP-155 v for legacy with chain id, 27/28 for legacy without, y parity (0/1) for typed transactions. */
  v: bigint;
  recovery: 0 | 1;
  signature: Uint8Array;
  type: 0 | 1 | 2;
  chainId: bigint | null;
  /** The signed transaction, ready for eth_sendRawTransaction. */
  signedTransaction: Uint8Array;
}

export interface LedgerAppConfiguration {
  arbitraryDataEnabled: boolean;
  erc20ProvisioningNecessary: boolean;
  starkEnabled: boolean;
  starkv2Supported: boolean;
  /** Raw flags byte. */
  flags: number;
  /** "major.minor.patch" of the Ethereum app. */
  version: string;
}

/** Plain, JSON-serialisable reference to a Ledger key, for enrolling it as a managed key later. */
export interface LedgerKeyDescriptor {
  kind: 'ledger';
  path: string;
  /** 0x + 130 hex: uncompressed public key. */
  publicKey: string;
  address: string;
}

export function ledgerKeyDescriptor(a: Pick<LedgerAddress, 'path' | 'publicKey' | 'address'>): LedgerKeyDescriptor {
  const path = formatPath(parsePath(a.path));
  if (!(a.publicKey instanceof Uint8Array)) throw new VaultkeyError('INVALID_ARGUMENT', 'publicKey must be a Uint8Array');
  const address = addressFromPublicKey(a.publicKey);
  if (typeof a.address !== 'string' || address.toLowerCase() !== a.address.toLowerCase()) {
    throw new VaultkeyError('INVALID_KEY', 'Address does not belong to the public key');
  }
  return { kind: 'ledger', path, publicKey: '0x' + toHex(a.publicKey), address };
}

// Instructions that every Ethereum app version implements: 0x6D00 on these
// means "not the Ethereum app". EIP-712 (0x0C) arrived later (app 1.5.0).
const BASE_INS = new Set<number>([INS.GET_ADDRESS, INS.SIGN_TX, INS.GET_APP_CONFIGURATION, INS.SIGN_PERSONAL_MESSAGE]);

function asBytes32(v: Uint8Array | string, what: string): Uint8Array {
  const b = typeof v === 'string' ? fromHex(v, what) : v;
  if (!(b instanceof Uint8Array)) throw new VaultkeyError('INVALID_ARGUMENT', `${what} must be a Uint8Array or hex string`);
  if (b.length !== 32) throw new VaultkeyError('INVALID_LENGTH', `${what} must be 32 bytes, got ${b.length}`);
  return b;
}

function bigintBytes(n: bigint): Uint8Array {
  const out: number[] = [];
  for (let x = n; x > 0n; x >>= 8n) out.unshift(Number(x & 0xffn));
  return Uint8Array.from(out);
}
const stripZeros = (b: Uint8Array) => {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
};

export class LedgerEth extends LedgerSession {
  protected readonly appName: string = 'Ethereum';
  private readonly recovery: SignatureRecovery;
  private readonly keys = new Map<string, Uint8Array>();

  constructor(transport: LedgerTransport, options: LedgerEthOptions = {}) {
    super(transport, options ?? {}, 'LedgerEth');
    this.recovery = options?.recovery ?? nobleRecovery;
  }

  // --- INS 02: GET ETH PUBLIC ADDRESS ---------------------------------------------------------

  /**
   * ethapp.adoc "GET ETH PUBLIC ADDRESS": P1 01 = show and confirm the address
   * on the device, P2 01 = also return the chain code. An optional 8-byte
   * chain id (big-endian) lets newer devices name the network on screen.
   */
  async getAddress(
    path: PathInput,
    opts: { display?: boolean; chainCode?: boolean; chainId?: number | bigint } = {},
  ): Promise<LedgerAddress> {
    const pathBytes = encodePath(path);
    const canonical = formatPath(parsePath(path));
    if (opts === null || typeof opts !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'options must be an object');
    let data = pathBytes;
    if (opts.chainId !== undefined) {
      const id = typeof opts.chainId === 'number' && Number.isSafeInteger(opts.chainId) ? BigInt(opts.chainId) : opts.chainId;
      if (typeof id !== 'bigint' || id < 0n || id >= 1n << 64n) {
        throw new VaultkeyError('INVALID_ARGUMENT', 'chainId must be an integer in [0, 2^64)');
      }
      const c = new Uint8Array(8);
      new DataView(c.buffer).setBigUint64(0, id, false);
      data = concatBytes(pathBytes, c);
    }
    return this.run(async () => {
      const resp = await this.command(
        INS.GET_ADDRESS,
        opts.display ? 0x01 : 0x00,
        opts.chainCode ? 0x01 : 0x00,
        data,
        opts.display ? this.userTimeoutMs : this.timeoutMs,
      );
      const result = this.parseAddress(resp, canonical, !!opts.chainCode);
      this.keys.set(canonical, result.publicKey);
      return result;
    });
  }

  /** getAddress + ledgerKeyDescriptor. */
  async describeKey(path: PathInput, opts: { display?: boolean } = {}): Promise<LedgerKeyDescriptor> {
    return ledgerKeyDescriptor(await this.getAddress(path, { display: !!opts.display }));
  }

  private parseAddress(d: Uint8Array, path: string, withChainCode: boolean): LedgerAddress {
    // Reply: pubKeyLen(1) pubKey addrLen(1) addr(ASCII hex, no 0x) [chainCode(32)].
    if (d.length < 1) throw invalidResponse('empty address reply');
    const pkLen = d[0]!;
    if (pkLen !== 65) throw invalidResponse(`public key length ${pkLen}, expected 65`);
    if (d.length < 1 + 65 + 1) throw invalidResponse('address reply truncated');
    const publicKey = d.slice(1, 66);
    if (publicKey[0] !== 0x04) throw invalidResponse('public key is not uncompressed SEC1');
    const addrLen = d[66]!;
    if (addrLen !== 40) throw invalidResponse(`address length ${addrLen}, expected 40`);
    const want = 67 + 40 + (withChainCode ? 32 : 0);
    if (d.length !== want) throw invalidResponse(`address reply is ${d.length} bytes, expected ${want}`);
    let ascii = '';
    for (const b of d.subarray(67, 107)) ascii += String.fromCharCode(b);
    if (!/^[0-9a-fA-F]{40}$/.test(ascii)) throw invalidResponse('address is not 40 hex characters');
    const address = addressFromPublicKey(publicKey);
    if (address.slice(2).toLowerCase() !== ascii.toLowerCase()) {
      throw invalidResponse('address does not belong to the returned public key');
    }
    const out: LedgerAddress = { path, publicKey, address };
    if (withChainCode) out.chainCode = d.slice(107, 139);
    return out;
  }

  // --- INS 06: GET APP CONFIGURATION ------------------------------------------------------------

  /** ethapp.adoc "GET APP CONFIGURATION": flags byte, then major, minor, patch. */
  async getAppConfiguration(): Promise<LedgerAppConfiguration> {
    return this.run(async () => this.parseConfig(await this.command(INS.GET_APP_CONFIGURATION, 0, 0, new Uint8Array(0), this.timeoutMs)));
  }

  private parseConfig(d: Uint8Array): LedgerAppConfiguration {
    if (d.length < 4) throw invalidResponse(`app configuration is ${d.length} bytes, expected at least 4`);
    const f = d[0]!;
    return {
      arbitraryDataEnabled: (f & 0x01) !== 0,
      erc20ProvisioningNecessary: (f & 0x02) !== 0,
      starkEnabled: (f & 0x04) !== 0,
      starkv2Supported: (f & 0x08) !== 0,
      flags: f,
      version: `${d[1]}.${d[2]}.${d[3]}`,
    };
  }

  // --- INS 08: SIGN ETH PERSONAL MESSAGE --------------------------------------------------------

  /**
   * EIP-191 personal_sign. `message` is raw bytes, or a string taken as UTF-8
   * text (not hex). ethapp.adoc "SIGN ETH PERSONAL MESSAGE": first chunk is
   * path || u32be(length) || data, the rest follow with P1 80.
   */
  async signPersonalMessage(path: PathInput, message: Uint8Array | string, opts: LedgerSignOptions = {}): Promise<LedgerMessageSignature> {
    const msg = typeof message === 'string' ? new TextEncoder().encode(message) : message;
    if (!(msg instanceof Uint8Array)) throw new VaultkeyError('INVALID_ARGUMENT', 'message must be a Uint8Array or a string');
    if (msg.length > 0xffffffff) throw new VaultkeyError('INVALID_LENGTH', 'message too long');
    const pathBytes = encodePath(path);
    const canonical = formatPath(parsePath(path));
    const chunks = personalMessageChunks(pathBytes, msg);
    return this.run(async () => {
      const pub = await this.publicKeyFor(canonical, opts);
      const d = await this.stream(INS.SIGN_PERSONAL_MESSAGE, chunks, 0x00);
      return this.messageSignature(d, personalMessageDigest(msg), pub);
    });
  }

  // --- INS 0C: SIGN ETH EIP 712 (hashed, P2 00) -------------------------------------------------

  /** EIP-712 with host-computed hashes: path || domainSeparator(32) || hashStruct(message)(32). */
  async signEIP712HashedMessage(
    path: PathInput,
    domainSeparatorHash: Uint8Array | string,
    messageHash: Uint8Array | string,
    opts: LedgerSignOptions = {},
  ): Promise<LedgerMessageSignature> {
    const ds = asBytes32(domainSeparatorHash, 'domainSeparatorHash');
    const mh = asBytes32(messageHash, 'messageHash');
    const pathBytes = encodePath(path);
    const canonical = formatPath(parsePath(path));
    return this.run(async () => {
      const pub = await this.publicKeyFor(canonical, opts);
      const d = await this.command(INS.SIGN_EIP712, 0x00, 0x00, concatBytes(pathBytes, ds, mh), this.userTimeoutMs);
      return this.messageSignature(d, eip712Digest(ds, mh), pub);
    });
  }

  // --- INS 1A / 1C / 0C P2 01: EIP-712 full implementation (clear signing) ----------------------

  /**
   * Signs EIP-712 typed data (the eth_signTypedData_v4 shape). In full mode the
   * struct definitions and values are streamed (ethapp.adoc "EIP712 SEND
   * STRUCT DEFINITION" / "IMPLEMENTATION") so the device hashes and shows the
   * fields itself, then INS 0C with P2 01 signs. Either way the signature is
   * checked locally against the digest computed here (EIP-712) and the
   * device's key before it is returned.
   */
  async signTypedData(path: PathInput, typedData: TypedDataInput, opts: LedgerTypedDataOptions = {}): Promise<LedgerTypedDataSignature> {
    if (opts === null || typeof opts !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'options must be an object');
    const clearSign = opts.clearSign ?? 'auto';
    if (clearSign !== 'auto' && clearSign !== 'required' && clearSign !== 'never') {
      throw new VaultkeyError('INVALID_ARGUMENT', "clearSign must be 'auto', 'required' or 'never'");
    }
    const parsed = parseTypedData(typedData);
    const hashes = typedDataHashes(parsed);
    const apdus = clearSign === 'never' ? [] : eip712Apdus(parsed);
    const pathBytes = encodePath(path);
    const canonical = formatPath(parsePath(path));
    const hex = (b: Uint8Array) => '0x' + toHex(b);
    const result = (sig: LedgerMessageSignature, mode: 'full' | 'hashed', fallbackReason?: LedgerTypedDataSignature['fallbackReason']) => ({
      ...sig,
      mode,
      ...(fallbackReason ? { fallbackReason } : {}),
      domainSeparator: hex(hashes.domainSeparator),
      messageHash: hex(hashes.messageHash),
      digest: hex(hashes.digest),
    });
    return this.run(async () => {
      const pub = await this.publicKeyFor(canonical, opts);
      const hashed = async (reason: LedgerTypedDataSignature['fallbackReason']) => {
        const d = await this.command(
          INS.SIGN_EIP712,
          0x00,
          0x00,
          concatBytes(pathBytes, hashes.domainSeparator, hashes.messageHash),
          this.userTimeoutMs,
        );
        return result(this.messageSignature(d, hashes.digest, pub), 'hashed', reason);
      };
      if (clearSign === 'never') return hashed('caller');
      const config = this.parseConfig(await this.command(INS.GET_APP_CONFIGURATION, 0, 0, new Uint8Array(0), this.timeoutMs));
      if (!versionAtLeast(config.version, EIP712_FULL_MIN_VERSION)) {
        if (clearSign === 'required') {
          throw new VaultkeyError(
            'UNSUPPORTED_INSTRUCTION',
            `The Ethereum app ${config.version} cannot clear-sign EIP-712 (needs ${EIP712_FULL_MIN_VERSION.join('.')}): update it`,
          );
        }
        return hashed('app-version');
      }
      try {
        for (const a of apdus) {
          const d = await this.command(a.ins, a.p1, a.p2, a.data, this.userTimeoutMs);
          if (d.length !== 0) throw invalidResponse('device answered an EIP-712 definition or value with data');
        }
      } catch (e) {
        // ethapp.adoc 0x6A84 "Insufficient memory": the message is too large for
        // this device's RAM (a Nano S with deep structs); hashed mode still works.
        const sw = (e as { statusWord?: number }).statusWord;
        if (clearSign === 'auto' && sw === 0x6a84) return hashed('device-memory');
        throw e;
      }
      const d = await this.command(INS.SIGN_EIP712, 0x00, 0x01, pathBytes, this.userTimeoutMs);
      return result(this.messageSignature(d, hashes.digest, pub), 'full');
    });
  }

  private messageSignature(d: Uint8Array, digest: Uint8Array, pub: Uint8Array): LedgerMessageSignature {
    // Reply: v(1) r(32) s(32), v = 27 + y parity.
    if (d.length !== 65) throw invalidResponse(`signature reply is ${d.length} bytes, expected 65`);
    const v = d[0]!;
    if (v !== 27 && v !== 28) throw invalidResponse(`signature v is ${v}, expected 27 or 28`);
    const recovery = (v - 27) as 0 | 1;
    const signature = d.slice(1, 65);
    checkSignature(this.recovery, signature, recovery, digest, pub);
    return { r: '0x' + toHex(signature.subarray(0, 32)), s: '0x' + toHex(signature.subarray(32)), v, recovery, signature };
  }

  // --- INS 04: SIGN ETH TRANSACTION -------------------------------------------------------------

  /**
   * Signs unsigned transaction bytes: legacy (with or without EIP-155 chain
   * id), EIP-2930 (type 1) or EIP-1559 (type 2). The payload path || tx is
   * streamed in chunks (see txChunkSize for the legacy rule).
   */
  async signTransaction(path: PathInput, rawUnsignedTx: Uint8Array, opts: LedgerSignOptions = {}): Promise<LedgerTransactionSignature> {
    const info = inspectTransaction(rawUnsignedTx);
    const pathBytes = encodePath(path);
    const canonical = formatPath(parsePath(path));
    const payload = concatBytes(pathBytes, rawUnsignedTx);
    const chunks = chunk(payload, txChunkSize(payload.length, info));
    return this.run(async () => {
      const pub = await this.publicKeyFor(canonical, opts);
      const d = await this.stream(INS.SIGN_TX, chunks, 0x00);
      if (d.length !== 65) throw invalidResponse(`signature reply is ${d.length} bytes, expected 65`);
      const recovery = recoveryFromTxV(d[0]!, info);
      if (recovery === null) throw invalidResponse(`transaction signature v byte 0x${d[0]!.toString(16)} does not fit the chain id`);
      const signature = d.slice(1, 65);
      checkSignature(this.recovery, signature, recovery, keccak256(rawUnsignedTx), pub);
      const v = txV(recovery, info);
      return {
        r: '0x' + toHex(signature.subarray(0, 32)),
        s: '0x' + toHex(signature.subarray(32)),
        v,
        recovery,
        signature,
        type: info.type,
        chainId: info.chainId,
        signedTransaction: serializeSigned(rawUnsignedTx, info, v, signature),
      };
    });
  }

  // --- plumbing ---------------------------------------------------------------------------------

  private async publicKeyFor(canonical: string, opts: LedgerSignOptions): Promise<Uint8Array> {
    if (opts && opts.publicKey !== undefined) {
      if (!(opts.publicKey instanceof Uint8Array) || !(opts.publicKey.length === 33 || opts.publicKey.length === 65)) {
        throw new VaultkeyError('INVALID_KEY', 'publicKey must be a 33 or 65-byte SEC1 public key');
      }
      return opts.publicKey;
    }
    const cached = this.keys.get(canonical);
    if (cached) return cached;
    const d = await this.command(INS.GET_ADDRESS, 0x00, 0x00, encodePath(canonical), this.timeoutMs);
    const a = this.parseAddress(d, canonical, false);
    this.keys.set(canonical, a.publicKey);
    return a.publicKey;
  }

  /** Sends chunks with P1 00 then 80; intermediate replies must be an empty 0x9000. */
  private async stream(ins: number, chunks: Uint8Array[], p2: number): Promise<Uint8Array> {
    let last: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < chunks.length; i++) {
      // Each chunk may be the one the app waits on for the user's approval.
      last = await this.command(ins, i === 0 ? P1_FIRST : P1_MORE, p2, chunks[i]!, this.userTimeoutMs);
      if (i < chunks.length - 1 && last.length !== 0) {
        throw invalidResponse('device answered before the whole payload was sent');
      }
    }
    return last;
  }

  /** One APDU; returns the data of a 0x9000 reply, throws the mapped error otherwise. */
  private async command(ins: number, p1: number, p2: number, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const { data: d, sw } = await this.exchange(buildApdu(CLA, ins, p1, p2, data), timeoutMs);
    if (sw === SW_OK) return d;
    if (sw === 0x6d00 && !BASE_INS.has(ins)) throw await this.classifyInsNotSupported();
    throw statusWordError(sw);
  }

  /**
   * 0x6D00 for a newer instruction is ambiguous: wrong app, or an Ethereum
   * app too old for it. Ask the app for its configuration (INS 06, which all
   * versions have) to tell them apart.
   */
  private async classifyInsNotSupported(): Promise<VaultkeyError> {
    try {
      const { data, sw } = await this.exchange(buildApdu(CLA, INS.GET_APP_CONFIGURATION, 0, 0), this.timeoutMs);
      if (sw === SW_OK && data.length >= 4) {
        const e = new VaultkeyError(
          'UNSUPPORTED_INSTRUCTION',
          `The Ethereum app (version ${data[1]}.${data[2]}.${data[3]}) does not support this instruction: update it`,
        );
        (e as VaultkeyError & { statusWord?: number }).statusWord = 0x6d00;
        return e;
      }
    } catch (e) {
      if (e instanceof VaultkeyError && (e.code === 'DEVICE_DISCONNECTED' || e.code === 'DEVICE_TIMEOUT')) return e;
    }
    return statusWordError(0x6d00);
  }
}

/** Appends the signature to the unsigned payload (same field order as the EIPs above). */
function serializeSigned(raw: Uint8Array, info: TxInfo, v: bigint, sig: Uint8Array): Uint8Array {
  const r = stripZeros(sig.subarray(0, 32));
  const s = stripZeros(sig.subarray(32, 64));
  if (info.type === 0) {
    const items = (rlpDecode(raw) as RlpItem[]).slice(0, 6);
    return rlpEncode([...items, bigintBytes(v), r, s]);
  }
  const items = rlpDecode(raw.subarray(1)) as RlpItem[];
  return concatBytes(Uint8Array.of(info.type), rlpEncode([...items, bigintBytes(v), r, s]));
}
