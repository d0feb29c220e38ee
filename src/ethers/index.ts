// vaultkey/ethers: an ethers v6 Signer whose signatures come from a vaultkey
// signer: a Keystore key, an HSM key through the bridge, or a Ledger. ethers
// stays a peer dependency: hashing, EIP-712 encoding, transaction
// serialization and ENS resolution are ethers' own code, following its
// BaseWallet step for step; this class only routes the signing.
import {
  AbstractSigner,
  Signature,
  Transaction,
  TypedDataEncoder,
  assert,
  assertArgument,
  copyRequest,
  getAddress,
  getBigInt,
  getBytes,
  hashAuthorization,
  hexlify,
  hashMessage,
  recoverAddress,
  resolveAddress,
  resolveProperties,
  toUtf8Bytes,
  type Authorization,
  type AuthorizationRequest,
  type Provider,
  type TransactionLike,
  type TransactionRequest,
  type TypedDataDomain,
  type TypedDataField,
} from 'ethers';
import {
  isDigestSigner,
  isFollowing,
  resolveSigner,
  wrongSigner,
  type EvmSignature,
  type EvmSigner,
  type SignerSource,
} from '../interop/signer.js';

export { keystoreSigner, bridgeSigner, ledgerSigner, hardwareKeySigner, isDigestSigner, isFollowing } from '../interop/signer.js';
export type {
  EvmSigner,
  EvmDigestSigner,
  EvmDeviceSigner,
  EvmSignature,
  KeystoreSignerOptions,
  KeystoreDigestSigner,
  KeystoreSource,
  SignerSource,
  KeystoreLike,
  BridgeClientLike,
  LedgerLike,
  HardwareKeystoreLike,
} from '../interop/signer.js';
export { VaultkeyError } from '../errors.js';

export class VaultkeySigner extends AbstractSigner {
  readonly #signer: EvmSigner;

  constructor(signer: EvmSigner, provider?: Provider | null) {
    super(provider);
    this.#signer = signer;
    getAddress(signer.address);
  }

  /**
   * EIP-55 address of the signing key. A Keystore key follows its rotations
   * (docs/lifecycle.md "Following rotations"): this changes when it does.
   */
  get address(): string {
    return getAddress(this.#signer.address);
  }

  /** A signer for `source`: an EvmSigner, or `{ keystore, keyId, index?, account?, change?, path? }` for a Keystore key. */
  static async create(source: SignerSource, provider?: Provider | null): Promise<VaultkeySigner> {
    return new VaultkeySigner(await resolveSigner(source), provider);
  }

  /** For a Keystore key, resolves its current version first (ethers asks this for `from` and the nonce). */
  override async getAddress(): Promise<string> {
    if (isFollowing(this.#signer)) await this.#signer.refresh();
    return this.address;
  }

  override connect(provider: Provider | null): VaultkeySigner {
    return new VaultkeySigner(this.#signer, provider);
  }

  override async signTransaction(tx: TransactionRequest): Promise<string> {
    tx = copyRequest(tx);
    // Replace any Addressable or ENS name with an address.
    const { to, from } = await resolveProperties({
      to: tx.to ? resolveAddress(tx.to, this) : undefined,
      from: tx.from ? resolveAddress(tx.from, this) : undefined,
    });
    if (to != null) tx.to = to;
    if (from != null) tx.from = from;
    if (tx.from != null) {
      assertArgument(getAddress(tx.from as string) === this.address, 'transaction from address mismatch', 'tx.from', tx.from);
      delete tx.from;
    }
    const btx = Transaction.from(tx as TransactionLike<string>);
    const s = this.#signer;
    // unsignedSerialized carries the EIP-155 fields for legacy transactions with a chain id, as devices expect.
    // sameKey: prepared for this.address, never signed by a rotated key's successor.
    const sig = isDigestSigner(s)
      ? await s.signDigest(getBytes(btx.unsignedHash), { sameKey: true })
      : await s.signTransaction(getBytes(btx.unsignedSerialized));
    // ethers derives the EIP-155 v (legacy) or y parity (typed) from this when it serializes.
    btx.signature = this.#checked(btx.unsignedHash, sig);
    return btx.serialized;
  }

  override async signMessage(message: string | Uint8Array): Promise<string> {
    const s = this.#signer;
    const digest = hashMessage(message);
    const sig = isDigestSigner(s)
      ? await s.signDigest(getBytes(digest))
      : await s.signPersonalMessage(typeof message === 'string' ? toUtf8Bytes(message) : message);
    return this.#checked(digest, sig).serialized;
  }

  override async signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    // Resolve ENS names in address fields through the provider, as ethers' Wallet does.
    const populated = await TypedDataEncoder.resolveNames(domain, types, value, async (name: string) => {
      assert(this.provider != null, 'cannot resolve ENS names without a provider', 'UNSUPPORTED_OPERATION', {
        operation: 'resolveName',
        info: { name },
      });
      const address = await this.provider.resolveName(name);
      assert(address != null, 'unconfigured ENS name', 'UNCONFIGURED_NAME', { value: name });
      return address;
    });
    const digest = TypedDataEncoder.hash(populated.domain, types, populated.value);
    const s = this.#signer;
    const sig = isDigestSigner(s)
      ? await s.signDigest(getBytes(digest))
      : s.signTypedData // a device that shows the fields (Ledger clear signing) gets the whole typed data
        ? await s.signTypedData({
            types,
            primaryType: TypedDataEncoder.getPrimaryType(types),
            domain: populated.domain as Record<string, unknown>,
            message: populated.value,
          })
        : await s.signTypedDataHashes(
            getBytes(TypedDataEncoder.hashDomain(populated.domain)),
            getBytes(TypedDataEncoder.from(types).hash(populated.value)),
          );
    return this.#checked(digest, sig).serialized;
  }

  /** EIP-7702 authorization (digest signers only: a Ledger signs messages, EIP-712 and transactions). */
  override async authorize(auth: AuthorizationRequest): Promise<Authorization> {
    const s = this.#signer;
    assert(isDigestSigner(s), 'this signer cannot sign EIP-7702 authorizations', 'UNSUPPORTED_OPERATION', { operation: 'authorize' });
    const populated = await this.populateAuthorization({ ...auth, address: await resolveAddress(auth.address, this) });
    const digest = hashAuthorization(populated);
    const signature = this.#checked(digest, await s.signDigest(getBytes(digest), { sameKey: true }));
    return {
      address: getAddress(populated.address as string),
      nonce: getBigInt(populated.nonce ?? 0),
      chainId: getBigInt(populated.chainId ?? 0),
      signature,
    };
  }

  /**
   * Every signature must recover to this.address before it leaves: a wrong
   * recovery id or a key mix-up would otherwise produce a transaction from,
   * or a signature for, someone else's address.
   */
  #checked(digest: string, sig: EvmSignature): Signature {
    const signature = Signature.from({ r: hexlify(sig.r), s: hexlify(sig.s), v: 27 + sig.recovery });
    if (recoverAddress(digest, signature) !== this.address) throw wrongSigner();
    return signature;
  }
}
