// vaultkey/solana: @solana/kit signers (TransactionPartialSigner and
// MessagePartialSigner) whose Ed25519 signatures come from a vaultkey key: a
// Keystore key (SLIP-0010 Ed25519, m/44'/501'/index'/0', the layout Phantom
// and Solflare use) or an HSM key behind the bridge; any object with a public
// key and `sign(message)` fits (a Ledger's Solana app, say).
//
// @solana/kit stays an optional peer: the transaction wire format, message
// compilation and the signature dictionaries are kit's; this module only signs
// the bytes kit asks for (a transaction's `messageBytes`, a message's
// `content`) and checks each signature before handing it back.
import {
  getAddressDecoder,
  type Address,
  type MessagePartialSigner,
  type SignatureBytes,
  type TransactionPartialSigner,
} from '@solana/kit';
import { ed25519 } from '@noble/curves/ed25519.js';
import { VaultkeyError } from '../errors.js';
import { bytesEqual } from '../bytes.js';
import type { Keystore } from '../vault/keystore.js';
import type { BridgeClient } from '../bridge-client/index.js';

export { VaultkeyError } from '../errors.js';

/** An Ed25519 key holder: its 32-byte public key, and RFC 8032 signatures over whole messages. */
export interface Ed25519Signer {
  readonly publicKey: Uint8Array;
  /** A 64-byte RFC 8032 Ed25519 signature of `message` (not a hash of it: Solana signs the message bytes). */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** What keystoreEd25519Signer uses of a Keystore (a structural type, so wrappers and test doubles fit). */
export type SolanaKeystoreLike = Pick<Keystore, 'getAddress' | 'sign'>;

/**
 * Which key of an HD key: the Solana account `index`, derived at
 * m/44'/501'/index'/0' (default 0; the vault adds a rotated key's account
 * offset itself). Imported Ed25519 keys take none.
 */
export interface KeystoreEd25519Options {
  index?: number;
}

/**
 * An Ed25519Signer for a Keystore key. The private key stays in the vault
 * worker: each signature is one `keystore.sign(keyId, message, { curve: 'ed25519', path })`,
 * so the vault's locks, permissions and lifecycle apply to every one.
 */
export async function keystoreEd25519Signer(
  keystore: SolanaKeystoreLike,
  keyId: string,
  options: KeystoreEd25519Options = {},
): Promise<Ed25519Signer> {
  const index = options?.index ?? 0;
  // getAddress reports the key's public key and the path it derives for Solana (null for an imported key).
  const a = await keystore.getAddress(keyId, 'solana', index);
  if (a.path === null && index !== 0) throw new VaultkeyError('INVALID_ARGUMENT', 'this is an imported key: it has no derivation path');
  const publicKey = a.publicKey;
  const signPath = a.path;
  checkPublicKey(publicKey);
  const pub = publicKey.slice();
  const signOptions = signPath === null ? { curve: 'ed25519' as const } : { curve: 'ed25519' as const, path: signPath };
  return {
    publicKey: pub,
    async sign(message) {
      const r = await keystore.sign(keyId, message, signOptions);
      // The key read once at creation must still be the one signing (a key replaced under the same id must not sign for it).
      if (!bytesEqual(r.publicKey, pub)) throw new VaultkeyError('INVALID_KEY', 'the key changed since this signer was created');
      return r.signature;
    },
  };
}

export type SolanaBridgeClientLike = Pick<BridgeClient, 'getPublicKey' | 'sign'>;

/** An Ed25519Signer for an Ed25519 key held by an HSM behind vaultkey-bridge (PKCS#11 CKM_EDDSA over the message). */
export async function bridgeEd25519Signer(client: SolanaBridgeClientLike, keyId: string): Promise<Ed25519Signer> {
  const key = await client.getPublicKey(keyId);
  if (key.algorithm !== 'ed25519') throw new VaultkeyError('INVALID_KEY', `bridge key ${keyId} is ${key.algorithm}, not ed25519`);
  checkPublicKey(key.publicKey);
  const pub = key.publicKey.slice();
  return {
    publicKey: pub,
    async sign(message) {
      return (await client.sign(keyId, message)).signature;
    },
  };
}

/** A kit signer: usable as a transaction's fee payer or instruction signer, and for signable messages. */
export type VaultkeySolanaSigner<TAddress extends string = string> = TransactionPartialSigner<TAddress> &
  MessagePartialSigner<TAddress> & { readonly publicKey: Uint8Array };

/** What createSolanaSigner accepts: an Ed25519Signer, or a Keystore key to make one from. */
export type SolanaSignerSource = Ed25519Signer | ({ keystore: SolanaKeystoreLike; keyId: string } & KeystoreEd25519Options);

/**
 * A @solana/kit TransactionPartialSigner and MessagePartialSigner over
 * `source`. Use it wherever kit takes a signer: `setTransactionMessageFeePayerSigner`,
 * an instruction account's `signer`, `signTransactionMessageWithSigners`,
 * `partiallySignTransactionWithSigners`, `createSignableMessage` + `signMessages`.
 *
 * Every signature is verified against the signer's public key before it is
 * returned (RFC 8032 verification, @noble/curves): a device or vault that
 * signed with another key, or returned garbage, never puts a bad signature in a transaction.
 */
export async function createSolanaSigner(source: SolanaSignerSource): Promise<VaultkeySolanaSigner> {
  if (!source || typeof source !== 'object')
    throw new VaultkeyError('INVALID_ARGUMENT', 'expected an Ed25519Signer or { keystore, keyId }');
  let signer: Ed25519Signer;
  if ('keystore' in source) {
    const { keystore, keyId, ...options } = source;
    signer = await keystoreEd25519Signer(keystore, keyId, options);
  } else {
    if (typeof source.sign !== 'function') throw new VaultkeyError('INVALID_ARGUMENT', 'an Ed25519Signer needs sign(message)');
    checkPublicKey(source.publicKey);
    signer = source;
  }
  const pub = signer.publicKey.slice();
  // A Solana address is the base58 of the 32-byte Ed25519 public key.
  const address = getAddressDecoder().decode(pub) as Address;

  const signBytes = async (bytes: Uint8Array, abortSignal?: AbortSignal): Promise<SignatureBytes> => {
    abortSignal?.throwIfAborted();
    const sig = await signer.sign(bytes);
    if (!(sig instanceof Uint8Array) || sig.length !== 64) throw new VaultkeyError('INVALID_SIGNATURE', 'an Ed25519 signature is 64 bytes');
    if (!ed25519.verify(sig, bytes, pub)) throw new VaultkeyError('INVALID_SIGNATURE', `the signature does not verify for ${address}`);
    return sig.slice() as SignatureBytes;
  };

  return Object.freeze({
    address,
    publicKey: pub,
    async signTransactions(transactions, config) {
      const out = [];
      // One at a time: a device or vault shows and signs each in turn.
      for (const tx of transactions) {
        // A transaction lists the addresses that must sign it (its signatures map); signing one that does not name this key is refused, as kit does.
        if (!tx || !(tx.messageBytes instanceof Uint8Array) || !Object.hasOwn(tx.signatures ?? {}, address))
          throw new VaultkeyError('INVALID_ARGUMENT', `${address} is not a signer of this transaction`);
        out.push(Object.freeze({ [address]: await signBytes(tx.messageBytes, config?.abortSignal) }));
      }
      return out;
    },
    async signMessages(messages, config) {
      const out = [];
      for (const m of messages) {
        if (!m || !(m.content instanceof Uint8Array)) throw new VaultkeyError('INVALID_ARGUMENT', 'a signable message has content bytes');
        out.push(Object.freeze({ [address]: await signBytes(m.content, config?.abortSignal) }));
      }
      return out;
    },
  } satisfies VaultkeySolanaSigner);
}

function checkPublicKey(pub: unknown): asserts pub is Uint8Array {
  if (!(pub instanceof Uint8Array) || pub.length !== 32) throw new VaultkeyError('INVALID_KEY', 'an Ed25519 public key is 32 bytes');
}
