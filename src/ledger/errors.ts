// Ledger status words and transport failures -> VaultkeyError codes.
//
// A Ledger app answers every APDU with a 2-byte ISO 7816 status word (SW).
// The values below come from Ledger's app-ethereum protocol document
// ("doc/ethapp.adoc", section "Status Words") and from the BOLOS firmware
// (dashboard / locked screen). Callers switch on the code, never on the
// message; the message names the status word so a support log stays useful,
// and never echoes APDU payloads.
import { VaultkeyError } from '../errors.js';

/** Codes this module produces, in addition to the shared ones (INVALID_PATH, INVALID_ARGUMENT, ...). */
export type LedgerErrorCode =
  | 'USER_REJECTED'
  | 'DEVICE_LOCKED'
  | 'WRONG_APP'
  | 'APP_NOT_INSTALLED'
  | 'UNSUPPORTED_INSTRUCTION'
  | 'INVALID_DATA'
  | 'DEVICE_DISCONNECTED'
  | 'DEVICE_TIMEOUT'
  | 'DEVICE_BUSY'
  | 'DEVICE_NOT_FOUND'
  | 'WEBHID_UNSUPPORTED'
  | 'INVALID_RESPONSE'
  | 'INVALID_SIGNATURE'
  | 'INVALID_TRANSACTION'
  | 'DEVICE_ERROR';

export const SW_OK = 0x9000;

/**
 * Status word table. `code` is what we throw; `why` is the meaning Ledger
 * documents. 0x6D00 is listed as WRONG_APP: for the base instructions every
 * Ethereum app version implements (02, 04, 06, 08) "INS not supported" can
 * only mean another app answered. For newer instructions eth.ts probes the
 * app first and turns it into UNSUPPORTED_INSTRUCTION when the Ethereum app
 * is the one answering (see LedgerEth#classifyInsNotSupported).
 */
export const STATUS_WORDS: ReadonlyMap<number, { code: LedgerErrorCode; why: string }> = new Map([
  // app-ethereum: "0x6985 Condition not satisfied" = the user denied on screen.
  [0x6985, { code: 'USER_REJECTED', why: 'user rejected the request on the device' }],
  // BOLOS 2.x: refused on the device (dashboard prompts, e.g. "open app?").
  [0x5501, { code: 'USER_REJECTED', why: 'user refused on the device' }],
  // ethapp.adoc: "0x6982 Security status not satisfied (Canceled by user)".
  [0x6982, { code: 'USER_REJECTED', why: 'security status not satisfied: canceled by the user' }],
  // BOLOS: PIN / lock screen is up; every APDU answers 0x5515 (0x6B0C on some firmware).
  [0x5515, { code: 'DEVICE_LOCKED', why: 'device is locked: unlock it with the PIN' }],
  [0x6b0c, { code: 'DEVICE_LOCKED', why: 'device is locked: unlock it with the PIN' }],
  // ISO 7816 "CLA not supported": another app (or the dashboard on old firmware) answered.
  [0x6e00, { code: 'WRONG_APP', why: 'CLA not supported: the Ethereum app is not open' }],
  // BOLOS >= 2.0 dashboard: "app not open".
  [0x6e01, { code: 'WRONG_APP', why: 'no app open: open the Ethereum app' }],
  // Older dashboard: "app not open / unknown APDU".
  [0x6511, { code: 'WRONG_APP', why: 'no app open (dashboard answered)' }],
  [0x6d02, { code: 'WRONG_APP', why: 'unknown APDU: the Ethereum app is not open' }],
  // ISO 7816 "INS not supported" (see note above).
  [0x6d00, { code: 'WRONG_APP', why: 'INS not supported: the Ethereum app is not open' }],
  // app-ethereum: "0x6A80 Invalid data" (bad path, bad RLP, bad lengths).
  [0x6a80, { code: 'INVALID_DATA', why: 'the app rejected the data as invalid' }],
  // ISO 7816 wrong length / wrong P1-P2: the request is malformed for this app version.
  [0x6700, { code: 'INVALID_DATA', why: 'incorrect APDU length' }],
  [0x6b00, { code: 'INVALID_DATA', why: 'incorrect P1/P2' }],
  // app-ethereum: "0x6A84 Insufficient memory" (payload too large for the app).
  [0x6a84, { code: 'INVALID_DATA', why: 'not enough memory on the device for this payload' }],
  // ethapp.adoc "Status Words": the remaining data / parameter errors.
  [0x6a88, { code: 'INVALID_DATA', why: 'data not found' }],
  [0x6983, { code: 'INVALID_DATA', why: 'wrong data length' }],
  [0x6984, { code: 'INVALID_DATA', why: 'plugin not installed' }],
  [0x6501, { code: 'INVALID_DATA', why: 'transaction type not supported by this app version' }],
  [0x6502, { code: 'INVALID_DATA', why: 'output buffer too small for chain id conversion' }],
  [0x6503, { code: 'INVALID_DATA', why: 'plugin error' }],
  [0x6504, { code: 'INVALID_DATA', why: 'failed to convert from int256' }],
  // App source: 0x6980 command not allowed in the current state (e.g. a continuation chunk without a first one).
  [0x6980, { code: 'INVALID_DATA', why: "command not allowed in the app's current state" }],
  // "Ethereum app not ready on device" (app still starting / screen saver).
  [0x6804, { code: 'DEVICE_BUSY', why: 'the Ethereum app is not ready on the device' }],
  // ethapp.adoc: 0x911C command code not supported (Ledger-PKI not yet available): firmware/app too old.
  [0x911c, { code: 'UNSUPPORTED_INSTRUCTION', why: 'command not supported by this firmware or app version' }],
  [0x6001, { code: 'DEVICE_ERROR', why: 'mode check failed' }],
  [0x6a00, { code: 'DEVICE_ERROR', why: 'error without info' }],
  // Halted: the app hit an internal error and must be restarted (0x6Fxx: technical problem).
  [0x6faa, { code: 'DEVICE_ERROR', why: 'device halted: restart the app' }],
]);

const hex4 = (sw: number) => '0x' + sw.toString(16).padStart(4, '0').toUpperCase();

/** Error for a non-0x9000 status word. Unknown words become DEVICE_ERROR. */
export function statusWordError(sw: number): VaultkeyError {
  const known = STATUS_WORDS.get(sw);
  const err = known
    ? new VaultkeyError(known.code, `Ledger status ${hex4(sw)}: ${known.why}`)
    : (sw & 0xff00) === 0x6f00 || (sw & 0xff00) === 0x6800
      ? // ethapp.adoc: 0x68xx internal error, 0x6Fxx technical problem.
        new VaultkeyError('DEVICE_ERROR', `Ledger status ${hex4(sw)}: internal error in the app`)
      : new VaultkeyError('DEVICE_ERROR', `Ledger status ${hex4(sw)}: unexpected status word`);
  (err as VaultkeyError & { statusWord?: number }).statusWord = sw;
  return err;
}

export function invalidResponse(what: string): VaultkeyError {
  return new VaultkeyError('INVALID_RESPONSE', `Malformed reply from the Ledger device: ${what}`);
}

/**
 * Maps whatever a transport threw to a VaultkeyError. The @ledgerhq packages
 * may be present in several copies (node_modules nesting), so `instanceof`
 * is unreliable: match on the `name` / `id` / `statusCode` they document.
 */
export function mapTransportError(e: unknown): VaultkeyError {
  if (e instanceof VaultkeyError) return e;
  const o = (typeof e === 'object' && e !== null ? e : {}) as {
    name?: unknown;
    id?: unknown;
    statusCode?: unknown;
    message?: unknown;
  };
  const name = typeof o.name === 'string' ? o.name : '';
  const id = typeof o.id === 'string' ? o.id : '';
  const message = typeof o.message === 'string' ? o.message : '';
  if (typeof o.statusCode === 'number') return statusWordError(o.statusCode);
  if (
    name === 'DisconnectedDeviceDuringOperation' ||
    name === 'DisconnectedDevice' ||
    id === 'DisconnectedDeviceDuringOperation' ||
    id === 'DisconnectedDevice' ||
    // WebHID throws DOMException NotFoundError / NetworkError once the device is gone,
    // and InvalidStateError when writing to a device that was closed under us.
    name === 'NotFoundError' ||
    name === 'NetworkError' ||
    name === 'InvalidStateError'
  ) {
    return new VaultkeyError('DEVICE_DISCONNECTED', 'The Ledger device was disconnected', { cause: e });
  }
  if (name === 'TransportRaceCondition' || id === 'TransportLocked' || id === 'TransportRaceCondition') {
    return new VaultkeyError(
      'DEVICE_BUSY',
      'A previous request is still pending on the Ledger device: confirm or reject it there, or reconnect',
      { cause: e },
    );
  }
  if (id === 'InvalidChannel' || id === 'InvalidTag' || id === 'InvalidSequence') {
    return new VaultkeyError('INVALID_RESPONSE', `Malformed HID frame from the Ledger device (${id})`, { cause: e });
  }
  if (id === 'HIDNotSupported') {
    return new VaultkeyError('WEBHID_UNSUPPORTED', 'WebHID is not available in this browser', { cause: e });
  }
  if (name === 'TransportOpenUserCancelled' || id === 'NoDeviceFound' || id === 'ListenTimeout') {
    return new VaultkeyError('DEVICE_NOT_FOUND', 'No Ledger device was selected or found', { cause: e });
  }
  if (/write|disconnect/i.test(message)) {
    return new VaultkeyError('DEVICE_DISCONNECTED', 'The Ledger device was disconnected', { cause: e });
  }
  return new VaultkeyError('DEVICE_ERROR', 'Ledger transport failure', { cause: e });
}
