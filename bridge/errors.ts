// Errors the bridge sends back to a page. They are VaultkeyErrors (same stable
// codes as the library, so the browser client can rethrow them unchanged) plus
// the HTTP status the code is answered with.
import { VaultkeyError, type VaultkeyErrorCode } from '../src/errors.js';

export class BridgeError extends VaultkeyError {
  readonly status: number;
  readonly headers: Record<string, string> | undefined;
  constructor(status: number, code: VaultkeyErrorCode, message: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(code, message, options);
    this.name = 'BridgeError';
    this.status = status;
    this.headers = options?.headers;
  }
}

/** Parameter validation failure: always 400 with a message naming the field, never its value. */
export const badParam = (message: string) => new BridgeError(400, 'INVALID_ARGUMENT', message);
