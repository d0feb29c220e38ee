// vaultkey/ledger: Ethereum app on a Ledger device over WebHID.
// Separate entry point so apps that do not use a Ledger do not load it.
export { LedgerEth, ledgerKeyDescriptor } from './eth.js';
export type {
  LedgerTransport,
  LedgerEthOptions,
  LedgerAddress,
  LedgerSignOptions,
  LedgerMessageSignature,
  LedgerTransactionSignature,
  LedgerTypedDataOptions,
  LedgerTypedDataSignature,
  LedgerAppConfiguration,
  LedgerKeyDescriptor,
} from './eth.js';
export { connectLedger, reconnectLedger, openLedgerDevice, watchLedger, isWebHIDSupported } from './webhid.js';
export type { ConnectLedgerOptions, LedgerHIDDevice, LedgerAppClient } from './webhid.js';
export { LedgerSolana, solanaOffchainMessage, solanaMessageSigners, SOLANA_MAX_MESSAGE } from './solana.js';
export type {
  LedgerSolanaOptions,
  LedgerSolanaAddress,
  LedgerSolanaSignature,
  LedgerSolanaConfiguration,
  Ed25519Verifier,
} from './solana.js';
export type { LedgerSessionOptions } from './session.js';
export { EIP712_FULL_MIN_VERSION } from './eip712.js';
export type { TypedDataInput, TypedDataField } from './eip712.js';
export { STATUS_WORDS, statusWordError } from './errors.js';
export type { LedgerErrorCode } from './errors.js';
export { parsePath, formatPath, encodePath, buildApdu, MAX_APDU_DATA, MAX_PATH_DEPTH } from './apdu.js';
export type { PathInput } from './apdu.js';
export { nobleRecovery } from './verify.js';
export type { SignatureRecovery } from './verify.js';
export { VaultkeyError } from '../errors.js';
