// Weighted M-of-N multisig approvals. See docs/security.md "Multisig".
export {
  MultisigManager,
  MemoryMultisigStore,
  buildGroup,
  operationDigest,
  signingPayload,
  verifySignerSignature,
  totalWeight,
  type GroupInput,
  type SignerInput,
  type InitiateOptions,
  type MultisigManagerOptions,
} from './manager.js';
export {
  exportEnvelope,
  importEnvelope,
  parseEnvelope,
  ENVELOPE_TYPE,
  ENVELOPE_VERSION,
  type OperationEnvelope,
  type ImportOptions,
} from './envelope.js';
export { IdbMultisigStore } from './idb.js';
export type {
  KeyGroup,
  Signer,
  SignerCurve,
  DigestMode,
  OperationStatus,
  OperationRecord,
  CollectedSignature,
  MultisigStore,
} from './types.js';
