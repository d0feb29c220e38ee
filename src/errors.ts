/**
 * Every failure vaultkey reports is a VaultkeyError with a stable `code`.
 * Messages describe what was wrong with the input, never its value: a key,
 * seed or password must not end up in a log through an error.
 *
 * The union is closed (a misspelt code does not compile) and is the README's
 * error table, which a test checks against every code the sources throw.
 */
export type VaultkeyErrorCode =
  /** The bridge answered an HTTP error without a JSON body (docs/bridge.md). */
  | `BRIDGE_HTTP_${number}`
  | 'ABORTED'
  | 'ALREADY_EXISTS'
  | 'APP_NOT_INSTALLED'
  | 'AUDIT_TAMPERED'
  | 'BRIDGE_BAD_CONTENT_TYPE'
  | 'BRIDGE_BAD_HOST'
  | 'BRIDGE_BAD_JSON'
  | 'BRIDGE_BAD_REQUEST'
  | 'BRIDGE_BAD_RESPONSE'
  | 'BRIDGE_HSM_ERROR'
  | 'BRIDGE_HSM_UNAVAILABLE'
  | 'BRIDGE_INTERNAL'
  | 'BRIDGE_KEYSTORE_UNAVAILABLE'
  | 'BRIDGE_KEY_NOT_FOUND'
  | 'BRIDGE_LOGIN_REQUIRED'
  | 'BRIDGE_METHOD_NOT_ALLOWED'
  | 'BRIDGE_NOT_CONFIGURED'
  | 'BRIDGE_ORIGIN_DENIED'
  | 'BRIDGE_PAIRING_EXPIRED'
  | 'BRIDGE_PAIRING_FAILED'
  | 'BRIDGE_PAIRING_IN_PROGRESS'
  | 'BRIDGE_PAYLOAD_TOO_LARGE'
  | 'BRIDGE_PERMISSION_DENIED'
  | 'BRIDGE_PIN_INCORRECT'
  | 'BRIDGE_PIN_LOCKED'
  | 'BRIDGE_RATE_LIMITED'
  | 'BRIDGE_SECRET_NOT_FOUND'
  | 'BRIDGE_TIMEOUT'
  | 'BACKUP_REQUIRED'
  | 'BRIDGE_TOKEN_EXPIRED'
  | 'BRIDGE_UNKNOWN_METHOD'
  | 'BRIDGE_UNPAIRED'
  | 'BRIDGE_UNREACHABLE'
  | 'BRIDGE_UNSUPPORTED_ALGORITHM'
  | 'BRIDGE_UNSUPPORTED_VERSION'
  | 'CONFLICT'
  | 'CORRUPTED'
  | 'DEVICE_BUSY'
  | 'DEVICE_DISCONNECTED'
  | 'DEVICE_ERROR'
  | 'DEVICE_LOCKED'
  | 'DEVICE_NOT_FOUND'
  | 'DEVICE_TIMEOUT'
  | 'DUPLICATE_SHARE'
  | 'DUPLICATE_SIGNATURE'
  | 'GAP_LIMIT'
  | 'HARDENED_FROM_PUBLIC'
  | 'INSUFFICIENT_SHARES'
  | 'INVALID_ARGUMENT'
  | 'INVALID_BACKUP'
  | 'INVALID_CHECKSUM'
  | 'INVALID_DATA'
  | 'INVALID_ENVELOPE'
  | 'INVALID_KEY'
  | 'INVALID_KEY_ID'
  | 'INVALID_KEYSTORE'
  | 'INVALID_LENGTH'
  | 'INVALID_MNEMONIC'
  | 'INVALID_PATH'
  | 'INVALID_POLICY'
  | 'INVALID_RESPONSE'
  | 'INVALID_SEED'
  | 'INVALID_SHARE'
  | 'INVALID_SIGNATURE'
  | 'INVALID_STATE'
  | 'INVALID_TRANSACTION'
  | 'INVALID_TRANSITION'
  | 'INVALID_VERSION'
  | 'KDF_LIMIT'
  | 'KEY_COMPROMISED'
  | 'KEY_DEACTIVATED'
  | 'KEY_DESTROYED'
  | 'KEY_EXPIRED'
  | 'KEY_IN_GRACE'
  | 'KEY_NOT_ACTIVE'
  | 'KEY_ROTATED'
  | 'KEY_SUSPENDED'
  | 'LAST_METHOD'
  | 'LOCKED'
  | 'MFA_REQUIRED'
  | 'MIXED_SHARE_SETS'
  | 'NOT_FOUND'
  | 'NOT_INITIALIZED'
  | 'NO_VAULT'
  | 'NO_PRIVATE_KEY'
  | 'OPERATION_CLOSED'
  | 'OPERATION_EXPIRED'
  | 'OUT_OF_MEMORY'
  | 'PART_REJECTED'
  | 'PASSKEY_FAILED'
  | 'PERMISSION_DENIED'
  | 'PRF_UNSUPPORTED'
  | 'QUOTA_EXCEEDED'
  | 'RATE_LIMITED'
  | 'ROTATION_FAILED'
  | 'SCHEMA_TOO_NEW'
  | 'SELF_TEST_FAILED'
  | 'SESSION_EXPIRED'
  | 'SHARE_MISMATCH'
  | 'STORAGE_FAILED'
  | 'THRESHOLD_NOT_MET'
  | 'UNKNOWN_GROUP'
  | 'UNKNOWN_POLICY'
  | 'UNKNOWN_SIGNER'
  | 'UNSUPPORTED'
  | 'UNSUPPORTED_INSTRUCTION'
  | 'UNSUPPORTED_VERSION'
  | 'USER_REJECTED'
  | 'UV_REQUIRED'
  | 'WEAK_PASSPHRASE'
  | 'WEBHID_UNSUPPORTED'
  | 'WORKER_FAILED'
  | 'WRONG_APP'
  | 'WRONG_PASSKEY'
  | 'WRONG_PASSPHRASE';

/** A code read from outside the type system (the bridge's HTTP answers, the worker boundary): shape-checked, else `fallback`. */
export function toErrorCode(code: unknown, fallback: VaultkeyErrorCode): VaultkeyErrorCode {
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,63}$/.test(code) ? (code as VaultkeyErrorCode) : fallback;
}

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

/** An optional boolean option: `dflt` when undefined, INVALID_ARGUMENT unless a boolean. */
export function optionalFlag(value: unknown, name: string, dflt: boolean): boolean {
  if (value === undefined) return dflt;
  if (typeof value !== 'boolean') throw new VaultkeyError('INVALID_ARGUMENT', `${name} must be a boolean`);
  return value;
}

/** Throws INVALID_ARGUMENT unless `value` is an integer in [min, max]. */
export function assertInt(value: unknown, name: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new VaultkeyError('INVALID_ARGUMENT', `${name} must be an integer in [${min}, ${max}]`);
  }
}
