// Records of the multisig module: plain JSON (hex strings, integer ms) so the
// same shapes go to IndexedDB, into the envelope, and through canonicalJson
// for the content-addressed ids.

export type SignerCurve = 'secp256k1' | 'ed25519';

/** One authorized signer ("Multi-Signature Support" > AuthorizedSigner: PublicKey, Label, Weight). */
export interface Signer {
  label: string;
  curve: SignerCurve;
  /** Lower-case hex; secp256k1 keys are stored compressed (33 bytes), Ed25519 keys are 32 bytes. */
  publicKey: string;
  weight: number;
}

/** A key group ("MultiSigKey"): weighted signers and the weight needed to approve. */
export interface KeyGroup {
  v: 1;
  /** `grp_` + first 20 bytes (hex) of SHA-256 over the canonical group without its id: the group's fingerprint. */
  id: string;
  name: string;
  threshold: number;
  /** How long an operation stays open before it expires. */
  timeoutMs: number;
  signers: Signer[];
}

/**
 * What secp256k1 signers sign:
 * - `sha256`: ECDSA over SHA-256(message) (the default);
 * - `prehashed`: the message IS the 32-byte digest (e.g. a keccak256 EIP-191/712 hash computed by the caller).
 * Ed25519 signers always sign the message bytes themselves (PureEdDSA, RFC 8032 §5.1.6).
 */
export type DigestMode = 'sha256' | 'prehashed';

export type OperationStatus = 'PENDING' | 'THRESHOLD_MET' | 'COMPLETE' | 'CANCELLED' | 'EXPIRED';

export interface CollectedSignature {
  /** The signer's public key, as in the group. */
  publicKey: string;
  /** secp256k1: 64-byte r||s (low-S); Ed25519: 64 bytes. Hex. */
  signature: string;
  addedAt: number;
}

export interface OperationRecord {
  v: 1;
  /** `op_` + first 20 bytes (hex) of SHA-256 over the canonical immutable fields: binds group, message, parties and times. */
  id: string;
  groupId: string;
  /** Hex of the message being approved (e.g. transaction bytes). */
  message: string;
  digestMode: DigestMode;
  /** Hex of the 32-byte digest secp256k1 signers sign (derived from message and digestMode). */
  digest: string;
  initiator: string;
  description: string;
  createdAt: number;
  expiresAt: number;
  /** 16 random bytes (hex) so two operations on the same message get different ids. */
  nonce: string;
  status: OperationStatus;
  signatures: CollectedSignature[];
  completedAt?: number;
  cancelledAt?: number;
  cancelReason?: string;
}

/**
 * Where groups and operations live. `update` must be atomic (one IndexedDB transaction):
 * `fn` is synchronous and returns the new record, or undefined to write nothing.
 */
export interface MultisigStore {
  getGroup(id: string): Promise<KeyGroup | undefined>;
  putGroup(g: KeyGroup): Promise<void>;
  listGroups(): Promise<KeyGroup[]>;
  getOperation(id: string): Promise<OperationRecord | undefined>;
  listOperations(groupId?: string): Promise<OperationRecord[]>;
  update(id: string, fn: (op: OperationRecord | undefined) => OperationRecord | undefined): Promise<OperationRecord | undefined>;
}
