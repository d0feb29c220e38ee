// vaultkey/viem: a viem LocalAccount (custom account, `toAccount`) whose
// signatures come from a vaultkey signer: a Keystore key, an HSM key through
// the bridge, or a Ledger. viem stays a peer dependency: everything viem-shaped
// (hashing, EIP-712 encoding, transaction serialization, EIP-155 v and typed
// y parity) is viem's own code; this module only routes the signing.
import {
  bytesToHex,
  getAddress,
  getTypesForEIP712Domain,
  hashDomain,
  hashMessage,
  hashStruct,
  hashTypedData,
  hexToBytes,
  isAddressEqual,
  keccak256,
  recoverAddress,
  serializeSignature,
  serializeTransaction,
  stringToBytes,
  validateTypedData,
  type Address,
  type Hex,
  type LocalAccount,
  type SerializeTransactionFn,
  type SignableMessage,
  type TransactionSerializable,
  type TypedDataDefinition,
} from 'viem';
import { toAccount } from 'viem/accounts';
import { hashAuthorization } from 'viem/utils';
import { VaultkeyError } from '../errors.js';
import { isDigestSigner, resolveSigner, wrongSigner, type EvmSignature, type SignerSource } from '../interop/signer.js';

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

type ViemSignature = { r: Hex; s: Hex; v: bigint; yParity: number };
type Serializer = SerializeTransactionFn<TransactionSerializable>;

/**
 * A viem account backed by `source`: an EvmSigner, or `{ keystore, keyId,
 * index?, account?, change?, path? }` for a Keystore key. Use it wherever viem
 * takes a local account (`createWalletClient({ account })`, `signMessage`, ...).
 *
 * Every signature is checked to recover to `account.address` before it is
 * returned: a wrong recovery id or a key mix-up would otherwise produce a
 * transaction from, or a signature for, someone else's address.
 *
 * Digest signers (keystore, bridge) also get `sign({ hash })` and EIP-7702
 * `signAuthorization`; a Ledger signs only messages, EIP-712 and transactions.
 *
 * A Keystore key follows its rotations (docs/lifecycle.md "Following
 * rotations"): `account.address` is the version it signs with now, and changes
 * after a rotation. Messages and hashes are signed by the current version; a
 * transaction or authorization prepared for the old address is refused
 * (KEY_ROTATED) and the account moves on, so preparing it again uses the new one.
 */
export async function toVaultkeyAccount(source: SignerSource): Promise<LocalAccount> {
  const signer = await resolveSigner(source);
  // Read at each use: a Keystore signer's address changes when its key rotates.
  const current = () => getAddress(signer.address);
  const address = current();

  const checked = async (hash: Hex, sig: EvmSignature): Promise<ViemSignature> => {
    const signature = { r: bytesToHex(sig.r), s: bytesToHex(sig.s), v: sig.recovery ? 28n : 27n, yParity: sig.recovery };
    if (!isAddressEqual(await recoverAddress({ hash, signature }), current())) throw wrongSigner();
    return signature;
  };

  /** EIP-4844: the signed payload leaves out the sidecars (network wrapper), as viem's own accounts do. */
  const signable = (tx: TransactionSerializable) => (tx.type === 'eip4844' ? { ...tx, sidecars: false as const } : tx);

  if (isDigestSigner(signer)) {
    const signHash = async (hash: Hex, sameKey = false) =>
      checked(hash, await signer.signDigest(hexToBytes(hash), sameKey ? { sameKey } : undefined));
    const account = toAccount({
      address,
      sign: async ({ hash }) => serializeSignature(await signHash(hash)),
      signAuthorization: async (auth) => {
        const contract: Address = auth.contractAddress ?? auth.address;
        const signature = await signHash(hashAuthorization({ address: contract, chainId: auth.chainId, nonce: auth.nonce }), true);
        return { address: contract, chainId: auth.chainId, nonce: auth.nonce, ...signature };
      },
      signMessage: async ({ message }) => serializeSignature(await signHash(hashMessage(message))),
      signTypedData: async (typedData) => serializeSignature(await signHash(hashTypedData(typedData))),
      signTransaction: async (tx, options) => {
        const serializer: Serializer = options?.serializer ?? serializeTransaction;
        const sig = await signHash(keccak256(await serializer(signable(tx))), true);
        return serializer(tx, sig);
      },
    });
    Object.defineProperty(account, 'address', { get: current, enumerable: true, configurable: true });
    return account;
  }

  return toAccount({
    address,
    signMessage: async ({ message }) => {
      const sig = await signer.signPersonalMessage(messageBytes(message));
      return serializeSignature(await checked(hashMessage(message), sig));
    },
    signTypedData: async (typedData) => {
      const { domainHash, structHash } = typedDataHashes(typedData as TypedDataDefinition);
      // A device that can show the fields (Ledger clear signing) gets the whole typed data.
      const sig = signer.signTypedData
        ? await signer.signTypedData({ ...typedData, domain: typedData.domain ?? {} } as never)
        : await signer.signTypedDataHashes(hexToBytes(domainHash), hexToBytes(structHash));
      return serializeSignature(await checked(hashTypedData(typedData), sig));
    },
    signTransaction: async (tx, options) => {
      const serializer: Serializer = options?.serializer ?? serializeTransaction;
      // Unsigned legacy transactions with a chain id carry the EIP-155 fields, as devices expect.
      const unsigned = await serializer(signable(tx));
      const sig = await signer.signTransaction(hexToBytes(unsigned));
      return serializer(tx, await checked(keccak256(unsigned), sig));
    },
  });
}

function messageBytes(message: SignableMessage): Uint8Array {
  if (typeof message === 'string') return stringToBytes(message);
  return typeof message.raw === 'string' ? hexToBytes(message.raw) : message.raw;
}

/** The two hashes EIP-712 signs, keccak256(0x1901 || domainHash || structHash), computed the way hashTypedData does. */
function typedDataHashes(typedData: TypedDataDefinition): { domainHash: Hex; structHash: Hex } {
  const {
    domain = {},
    message,
    primaryType,
  } = typedData as { domain?: Record<string, unknown>; message: Record<string, unknown>; primaryType: string };
  const types = { EIP712Domain: getTypesForEIP712Domain({ domain }), ...typedData.types } as unknown as Record<
    string,
    { name: string; type: string }[]
  >;
  validateTypedData({ domain, message, primaryType, types });
  // A domain-only signature has no message hash, which a device's hashed mode requires.
  if (primaryType === 'EIP712Domain') throw new VaultkeyError('UNSUPPORTED', 'this signer cannot sign EIP712Domain-only typed data');
  return { domainHash: hashDomain({ domain, types }), structHash: hashStruct({ data: message, primaryType, types }) };
}
