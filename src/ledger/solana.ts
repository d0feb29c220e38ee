// LedgerSolana: the Solana app's APDUs (Ledger app-solana, doc/api.md) over
// any Ledger transport. Like LedgerEth, nothing the device returns is handed
// back unchecked: every signature is verified with vaultkey/core's Ed25519
// (RFC 8032) against the public key the device reports for the same path.
import { base58 } from '@scure/base';
import { VaultkeyError } from '../errors.js';
import { buildApdu, concatBytes, encodePath, formatPath, MAX_APDU_DATA, parsePath, type PathInput } from './apdu.js';
import { invalidResponse, statusWordError, SW_OK } from './errors.js';
import { LedgerSession, type LedgerSessionOptions, type LedgerTransport } from './session.js';

/** app-solana doc/api.md and src/globals.h. */
const CLA = 0xe0;
export const SOLANA_INS = { GET_APP_CONFIGURATION: 0x04, GET_PUBKEY: 0x05, SIGN_MESSAGE: 0x06, SIGN_OFFCHAIN_MESSAGE: 0x07 } as const;
const P1_NON_CONFIRM = 0x00;
const P1_CONFIRM = 0x01;
/** P2 bits: EXTEND = this APDU continues the buffer (not the first), MORE = more APDUs follow. */
const P2_EXTEND = 0x01;
const P2_MORE = 0x02;
const HARDENED = 0x80000000;
/** app-solana globals.h: PACKET_DATA_SIZE, the largest message the app buffers. */
export const SOLANA_MAX_MESSAGE = 15 * 1024 - 40 - 8;
/** Solana off-chain message signing domain: "\xff" + "solana offchain" (16 bytes). */
const OFFCHAIN_DOMAIN = concatBytes(Uint8Array.of(0xff), new TextEncoder().encode('solana offchain'));

/** Ed25519 verification; defaults to vaultkey/core's WASM, loaded on first use. */
export interface Ed25519Verifier {
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean | Promise<boolean>;
}

const coreVerifier: Ed25519Verifier = {
  async verify(signature, message, publicKey) {
    // Lazy: pages that never sign with a Solana key do not load the WASM core.
    const core = await import('../core/index.js');
    await core.init();
    return core.ed25519.verify(signature, message, publicKey);
  },
};

export interface LedgerSolanaOptions extends LedgerSessionOptions {
  verifier?: Ed25519Verifier;
}

export interface LedgerSolanaAddress {
  path: string;
  /** 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** Base58 of the public key (the Solana address). */
  address: string;
}

export interface LedgerSolanaSignature {
  /** 64-byte Ed25519 signature, verified against publicKey. */
  signature: Uint8Array;
  publicKey: Uint8Array;
  address: string;
  /** The exact bytes signed (the transaction message, or the serialized off-chain message). */
  signedBytes: Uint8Array;
}

export interface LedgerSolanaConfiguration {
  /** "Dummy setting 1" in doc/api.md: the app's blind-signing switch (1 = allowed). */
  blindSigningEnabled: boolean;
  /** "Dummy setting 2": the app's public key display mode. */
  pubkeyDisplayMode: number;
  version: string;
}

/**
 * Solana paths: m/44'/501'/... with 2 to 5 levels, all hardened (SLIP-0010
 * Ed25519 derives hardened children only; app-solana MAX_BIP32_PATH_LENGTH 5).
 */
function solanaPath(path: PathInput): { bytes: Uint8Array; canonical: string } {
  const idx = parsePath(path);
  if (idx.length < 2 || idx.length > 5) throw new VaultkeyError('INVALID_PATH', 'A Solana path has 2 to 5 levels');
  if (idx[0] !== 44 + HARDENED || idx[1] !== 501 + HARDENED)
    throw new VaultkeyError('INVALID_PATH', "A Solana path starts with m/44'/501'");
  if (idx.some((i) => i < HARDENED)) throw new VaultkeyError('INVALID_PATH', 'Solana (SLIP-0010 Ed25519) paths are hardened only');
  return { bytes: encodePath(idx), canonical: formatPath(idx) };
}

/** Solana "compact-u16" (shortvec): 1 to 3 bytes, 7 bits each, little-endian. */
function readShortVec(b: Uint8Array, off: number): [number, number] {
  let v = 0;
  for (let i = 0; i < 3; i++) {
    if (off + i >= b.length) throw new VaultkeyError('INVALID_TRANSACTION', 'Solana message truncated');
    const x = b[off + i]!;
    v |= (x & 0x7f) << (7 * i);
    if ((x & 0x80) === 0) return [v, off + i + 1];
  }
  throw new VaultkeyError('INVALID_TRANSACTION', 'Solana compact-u16 longer than 3 bytes');
}

/**
 * Reads a Solana message's header (legacy, or versioned with the 0x80 prefix:
 * only v0 exists) and returns its required signers' keys. Enough to refuse a
 * message the key does not sign before the device is asked.
 */
export function solanaMessageSigners(message: Uint8Array): { version: 'legacy' | 0; signers: Uint8Array[] } {
  if (!(message instanceof Uint8Array)) throw new VaultkeyError('INVALID_ARGUMENT', 'message must be a Uint8Array');
  if (message.length < 4) throw new VaultkeyError('INVALID_TRANSACTION', 'Solana message too short');
  let off = 0;
  let version: 'legacy' | 0 = 'legacy';
  if (message[0]! & 0x80) {
    if ((message[0]! & 0x7f) !== 0)
      throw new VaultkeyError('INVALID_TRANSACTION', `Solana message version ${message[0]! & 0x7f} is not supported`);
    version = 0;
    off = 1;
  }
  const required = message[off]!;
  off += 3; // numRequiredSignatures, numReadonlySigned, numReadonlyUnsigned
  const [nKeys, keysAt] = readShortVec(message, off);
  if (required === 0 || required > nKeys) throw new VaultkeyError('INVALID_TRANSACTION', 'Solana message header has no valid signer count');
  if (keysAt + 32 * nKeys + 32 > message.length) throw new VaultkeyError('INVALID_TRANSACTION', 'Solana message truncated');
  const signers: Uint8Array[] = [];
  for (let i = 0; i < required; i++) signers.push(message.subarray(keysAt + 32 * i, keysAt + 32 * (i + 1)));
  return { version, signers };
}

const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Solana off-chain message (the format app-solana parses, libsol
 * parse_offchain_message_header): signing domain "\xffsolana offchain",
 * header version 0, application domain (32), format (0 = printable ASCII,
 * 1 = UTF-8), signer count (1), signer key (32), u16 little-endian length,
 * message.
 */
export function solanaOffchainMessage(
  message: Uint8Array | string,
  signer: Uint8Array,
  applicationDomain: Uint8Array = new Uint8Array(32),
): Uint8Array {
  const body = typeof message === 'string' ? new TextEncoder().encode(message) : message;
  if (!(body instanceof Uint8Array)) throw new VaultkeyError('INVALID_ARGUMENT', 'message must be a string or a Uint8Array');
  if (!(applicationDomain instanceof Uint8Array) || applicationDomain.length !== 32) {
    throw new VaultkeyError('INVALID_LENGTH', 'applicationDomain must be 32 bytes');
  }
  if (!(signer instanceof Uint8Array) || signer.length !== 32) throw new VaultkeyError('INVALID_LENGTH', 'signer must be a 32-byte key');
  if (body.length === 0) throw new VaultkeyError('INVALID_ARGUMENT', 'an off-chain message cannot be empty');
  const header = 16 + 1 + 32 + 1 + 1 + 32 + 2;
  if (body.length > SOLANA_MAX_MESSAGE - header) {
    throw new VaultkeyError('INVALID_LENGTH', `an off-chain message is limited to ${SOLANA_MAX_MESSAGE - header} bytes on the device`);
  }
  const ascii = body.every((b) => b >= 0x20 && b <= 0x7e);
  if (!ascii) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      throw new VaultkeyError('INVALID_ARGUMENT', 'an off-chain message must be UTF-8 text');
    }
  }
  return concatBytes(
    OFFCHAIN_DOMAIN,
    Uint8Array.of(0),
    applicationDomain,
    Uint8Array.of(ascii ? 0 : 1, 1),
    signer,
    Uint8Array.of(body.length & 0xff, body.length >> 8),
    body,
  );
}

/** The Solana status words that mean something other than on the Ethereum side (app-solana src/apdu.h). */
function solanaStatusError(sw: number): VaultkeyError {
  if (sw === 0x6808) {
    const e = new VaultkeyError(
      'INVALID_DATA',
      'Ledger status 0x6808: not allowed by the Solana app settings (enable blind signing on the device for this request)',
    );
    (e as VaultkeyError & { statusWord?: number }).statusWord = sw;
    return e;
  }
  if (sw >= 0x6a81 && sw <= 0x6a83) {
    const e = new VaultkeyError('INVALID_DATA', `Ledger status 0x${sw.toString(16).toUpperCase()}: the Solana app rejected the message`);
    (e as VaultkeyError & { statusWord?: number }).statusWord = sw;
    return e;
  }
  const e = statusWordError(sw);
  if (e.code === 'WRONG_APP') {
    const w = new VaultkeyError('WRONG_APP', e.message.replace(/Ethereum/g, 'Solana'));
    (w as VaultkeyError & { statusWord?: number }).statusWord = sw;
    return w;
  }
  return e;
}

export class LedgerSolana extends LedgerSession {
  protected readonly appName: string = 'Solana';
  private readonly verifier: Ed25519Verifier;
  private readonly keys = new Map<string, Uint8Array>();

  constructor(transport: LedgerTransport, options: LedgerSolanaOptions = {}) {
    super(transport, options ?? {}, 'LedgerSolana');
    this.verifier = options?.verifier ?? coreVerifier;
  }

  /** doc/api.md "GET APP CONFIGURATION": two settings bytes, then major, minor, patch. */
  async getAppConfiguration(): Promise<LedgerSolanaConfiguration> {
    return this.run(async () => {
      const d = await this.command(SOLANA_INS.GET_APP_CONFIGURATION, 0, 0, new Uint8Array(0), this.timeoutMs);
      if (d.length !== 5) throw invalidResponse(`Solana app configuration is ${d.length} bytes, expected 5`);
      return { blindSigningEnabled: d[0] === 1, pubkeyDisplayMode: d[1]!, version: `${d[2]}.${d[3]}.${d[4]}` };
    });
  }

  /** doc/api.md "GET PUBKEY"; P1 01 shows the address on the device for the user to confirm. */
  async getAddress(path: PathInput, opts: { display?: boolean } = {}): Promise<LedgerSolanaAddress> {
    const { bytes, canonical } = solanaPath(path);
    if (opts === null || typeof opts !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'options must be an object');
    return this.run(async () => {
      const d = await this.command(
        SOLANA_INS.GET_PUBKEY,
        opts.display ? P1_CONFIRM : P1_NON_CONFIRM,
        0,
        bytes,
        opts.display ? this.userTimeoutMs : this.timeoutMs,
      );
      if (d.length !== 32) throw invalidResponse(`Solana public key is ${d.length} bytes, expected 32`);
      this.keys.set(canonical, d);
      return { path: canonical, publicKey: d, address: base58.encode(d) };
    });
  }

  /**
   * doc/api.md "SIGN SOLANA TRANSACTION": signs a serialized transaction
   * message (legacy or v0: what the transaction's signatures cover, without
   * the signatures). The key must be one of the message's required signers.
   */
  async signTransaction(path: PathInput, message: Uint8Array): Promise<LedgerSolanaSignature> {
    const { bytes, canonical } = solanaPath(path);
    const { signers } = solanaMessageSigners(message);
    if (message.length > SOLANA_MAX_MESSAGE) throw new VaultkeyError('INVALID_LENGTH', 'Solana message too large for the device');
    return this.run(async () => {
      const pub = await this.publicKeyFor(canonical, bytes);
      if (!signers.some((s) => eq(s, pub))) {
        throw new VaultkeyError('INVALID_TRANSACTION', 'this key is not a required signer of the Solana message');
      }
      return this.sign(SOLANA_INS.SIGN_MESSAGE, bytes, message, pub);
    });
  }

  /**
   * doc/api.md "SIGN SOLANA OFF-CHAIN MESSAGE": `message` is wrapped in the
   * off-chain message header (see solanaOffchainMessage) with this key as the
   * only signer; the signature covers the whole serialized message.
   */
  async signOffchainMessage(
    path: PathInput,
    message: Uint8Array | string,
    opts: { applicationDomain?: Uint8Array } = {},
  ): Promise<LedgerSolanaSignature> {
    const { bytes, canonical } = solanaPath(path);
    if (opts === null || typeof opts !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'options must be an object');
    // Validate before touching the device (the signer key is filled in below).
    solanaOffchainMessage(message, new Uint8Array(32), opts.applicationDomain);
    return this.run(async () => {
      const pub = await this.publicKeyFor(canonical, bytes);
      const serialized = solanaOffchainMessage(message, pub, opts.applicationDomain);
      return this.sign(SOLANA_INS.SIGN_OFFCHAIN_MESSAGE, bytes, serialized, pub);
    });
  }

  private async publicKeyFor(canonical: string, pathBytes: Uint8Array): Promise<Uint8Array> {
    const cached = this.keys.get(canonical);
    if (cached) return cached;
    const d = await this.command(SOLANA_INS.GET_PUBKEY, P1_NON_CONFIRM, 0, pathBytes, this.timeoutMs);
    if (d.length !== 32) throw invalidResponse(`Solana public key is ${d.length} bytes, expected 32`);
    this.keys.set(canonical, d);
    return d;
  }

  /**
   * Payload = signer count (1) || path || bytes, cut into 255-byte APDUs
   * (app-solana apdu.c): P2 MORE on all but the last, EXTEND on all but the
   * first; the path is read from the first APDU only.
   */
  private async sign(ins: number, pathBytes: Uint8Array, signed: Uint8Array, pub: Uint8Array): Promise<LedgerSolanaSignature> {
    const payload = concatBytes(Uint8Array.of(1), pathBytes, signed);
    let d: Uint8Array = new Uint8Array(0);
    for (let off = 0; off < payload.length; off += MAX_APDU_DATA) {
      const first = off === 0;
      const last = off + MAX_APDU_DATA >= payload.length;
      const p2 = (first ? 0 : P2_EXTEND) | (last ? 0 : P2_MORE);
      d = await this.command(ins, P1_CONFIRM, p2, payload.subarray(off, off + MAX_APDU_DATA), this.userTimeoutMs);
      if (!last && d.length !== 0) throw invalidResponse('device answered before the whole message was sent');
    }
    if (d.length !== 64) throw invalidResponse(`Solana signature is ${d.length} bytes, expected 64`);
    let ok = false;
    try {
      ok = await this.verifier.verify(d, signed, pub);
    } catch (e) {
      throw new VaultkeyError('INVALID_SIGNATURE', 'Device signature could not be verified', { cause: e });
    }
    if (!ok) throw new VaultkeyError('INVALID_SIGNATURE', "Device signature does not verify against the device's key for this path");
    return { signature: d, publicKey: pub, address: base58.encode(pub), signedBytes: signed };
  }

  private async command(ins: number, p1: number, p2: number, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const { data: d, sw } = await this.exchange(buildApdu(CLA, ins, p1, p2, data), timeoutMs);
    if (sw === SW_OK) return d;
    throw solanaStatusError(sw);
  }
}
