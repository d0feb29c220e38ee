/**
 * Every failure vaultkey reports is a VaultkeyError with a stable `code`.
 * Messages describe what was wrong with the input, never its value: a key,
 * seed or password must not end up in a log through an error.
 */
export type VaultkeyErrorCode =
  | 'NOT_INITIALIZED'
  | 'INVALID_ARGUMENT'
  | 'INVALID_LENGTH'
  | 'INVALID_PATH'
  | 'INVALID_KEY'
  | 'INVALID_SIGNATURE'
  | 'INVALID_MNEMONIC'
  | 'HARDENED_FROM_PUBLIC'
  | 'WRONG_PASSPHRASE'
  | 'CORRUPTED'
  | 'LOCKED'
  | 'PERMISSION_DENIED'
  | 'DEVICE_LOCKED'
  | 'USER_REJECTED'
  | 'BRIDGE_UNPAIRED'
  | 'WORKER_FAILED'
  | 'OUT_OF_MEMORY'
  | 'SCHEMA_TOO_NEW'
  | 'PRF_UNSUPPORTED'
  | 'WRONG_PASSKEY'
  | 'PASSKEY_FAILED'
  | 'RATE_LIMITED'
  | 'WEAK_PASSPHRASE'
  | 'LAST_METHOD'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'UNSUPPORTED'
  | 'STORAGE_FAILED'
  | 'QUOTA_EXCEEDED'
  | 'SESSION_EXPIRED'
  | 'UV_REQUIRED'
  | 'AUDIT_TAMPERED'
  | 'UNKNOWN_SIGNER'
  | 'UNKNOWN_GROUP'
  | 'DUPLICATE_SIGNATURE'
  | 'THRESHOLD_NOT_MET'
  | 'OPERATION_EXPIRED'
  | 'OPERATION_CLOSED'
  | 'INVALID_ENVELOPE'
  | 'INVALID_STATE'
  | 'INVALID_TRANSITION'
  | 'INVALID_POLICY'
  | 'UNKNOWN_POLICY'
  | 'KEY_NOT_ACTIVE'
  | 'KEY_SUSPENDED'
  | 'KEY_COMPROMISED'
  | 'KEY_EXPIRED'
  | 'KEY_ROTATED'
  | 'KEY_DEACTIVATED'
  | 'KEY_DESTROYED'
  | 'MFA_REQUIRED'
  | 'CONFLICT'
  | 'ROTATION_FAILED'
  | 'UNSUPPORTED_VERSION'
  | 'INVALID_BACKUP'
  | 'INVALID_SHARE'
  | 'MIXED_SHARE_SETS'
  | 'DUPLICATE_SHARE'
  | 'INSUFFICIENT_SHARES'
  | 'SHARE_MISMATCH'
  | 'INVALID_KEYSTORE'
  | (string & {});

export class VaultkeyError extends Error {
  readonly code: VaultkeyErrorCode;
  constructor(code: VaultkeyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VaultkeyError';
    this.code = code;
  }
}

/** Throws INVALID_ARGUMENT unless `value` is a Uint8Array (Node's Buffer is one). */
export function assertBytes(value: unknown, name: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new VaultkeyError('INVALID_ARGUMENT', `${name} must be a Uint8Array`);
  }
  if (length !== undefined && value.length !== length) {
    throw new VaultkeyError('INVALID_LENGTH', `${name} must be ${length} bytes, got ${value.length}`);
  }
}

/** Throws INVALID_ARGUMENT unless `value` is an integer in [min, max]. */
export function assertInt(value: unknown, name: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new VaultkeyError('INVALID_ARGUMENT', `${name} must be an integer in [${min}, ${max}]`);
  }
}
