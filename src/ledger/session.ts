// One Ledger app session over any transport: timeouts on every APDU, one
// request at a time, the transport's "disconnect" turned into
// DEVICE_DISCONNECTED for the request in flight and for listeners, and the
// BOLOS commands every app answers (GET APP AND VERSION). LedgerEth and
// LedgerSolana build their app's commands on it.
import { VaultkeyError } from '../errors.js';
import { buildApdu, splitResponse } from './apdu.js';
import { invalidResponse, mapTransportError, statusWordError, SW_OK } from './errors.js';

/**
 * What an app client needs from a transport. `@ledgerhq/hw-transport`
 * instances (TransportWebHID, the mocker's replayer) satisfy it structurally.
 */
export interface LedgerTransport {
  exchange(apdu: Uint8Array): Promise<Uint8Array>;
  on?(event: 'disconnect', listener: (err?: unknown) => void): unknown;
  off?(event: 'disconnect', listener: (err?: unknown) => void): unknown;
  removeListener?(event: 'disconnect', listener: (err?: unknown) => void): unknown;
  close?(): Promise<void>;
}

export interface LedgerSessionOptions {
  /** Timeout for APDUs that need no user action (address without display, app configuration). Default 10 s. */
  timeoutMs?: number;
  /** Timeout for APDUs that wait for the user (display, signing). Default 120 s. */
  userTimeoutMs?: number;
}

function checkTimeout(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new VaultkeyError('INVALID_ARGUMENT', `${name} must be a positive number of milliseconds`);
  return v;
}

/** Ledger's own transports log `apdu.toString("hex")`: hand them a Buffer when one exists. */
function toTransportBytes(apdu: Uint8Array): Uint8Array {
  const B = (globalThis as { Buffer?: { from(b: Uint8Array): Uint8Array } }).Buffer;
  return B ? B.from(apdu) : apdu;
}

/** What GET APP AND VERSION answers when no app is open. */
const DASHBOARD = 'BOLOS';

function wrongApp(expected: string, current: string): VaultkeyError {
  const where = current === DASHBOARD ? 'no app is open (the dashboard is)' : `the ${current} app is open`;
  const e = new VaultkeyError('WRONG_APP', `The ${expected} app is needed but ${where}: open the ${expected} app on the device`);
  Object.assign(e, { expectedApp: expected, currentApp: current });
  return e;
}

export abstract class LedgerSession {
  readonly transport: LedgerTransport;
  protected readonly timeoutMs: number;
  protected readonly userTimeoutMs: number;
  private busy = false;
  private disconnectedFlag = false;
  private readonly disconnectListeners = new Set<(e: VaultkeyError) => void>();
  private readonly pending = new Set<(e: VaultkeyError) => void>();
  private readonly onTransportDisconnect = (): void => {
    if (this.disconnectedFlag) return;
    this.disconnectedFlag = true;
    const err = new VaultkeyError('DEVICE_DISCONNECTED', 'The Ledger device was disconnected');
    for (const reject of [...this.pending]) reject(err);
    for (const cb of [...this.disconnectListeners]) {
      try {
        cb(err);
      } catch {
        /* listener errors are theirs */
      }
    }
  };

  constructor(transport: LedgerTransport, options: LedgerSessionOptions, who: string) {
    if (!transport || typeof transport.exchange !== 'function') {
      throw new VaultkeyError('INVALID_ARGUMENT', `${who} needs a transport with exchange()`);
    }
    if (options === null || typeof options !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'options must be an object');
    this.transport = transport;
    this.timeoutMs = checkTimeout(options.timeoutMs, 'timeoutMs', 10_000);
    this.userTimeoutMs = checkTimeout(options.userTimeoutMs, 'userTimeoutMs', 120_000);
    transport.on?.('disconnect', this.onTransportDisconnect);
  }

  /** False once the transport reported a disconnect; reconnect with a new transport. */
  get connected(): boolean {
    return !this.disconnectedFlag;
  }

  /** Called once when the device goes away. Returns an unsubscribe function. */
  onDisconnect(cb: (e: VaultkeyError) => void): () => void {
    this.disconnectListeners.add(cb);
    return () => {
      this.disconnectListeners.delete(cb);
    };
  }

  /** Releases the transport. Never hangs: a device stuck mid-exchange is abandoned after 1 s. */
  async close(): Promise<void> {
    const t = this.transport;
    (t.off ?? t.removeListener)?.call(t, 'disconnect', this.onTransportDisconnect);
    this.disconnectListeners.clear();
    if (!t.close) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      t.close().catch(() => undefined), // closing a device that is already gone is done
      new Promise<void>((r) => {
        timer = setTimeout(r, 1000);
      }),
    ]);
    clearTimeout(timer);
  }

  // --- CLA B0 INS 01: GET APP AND VERSION (BOLOS, answered by whichever app is open) ---------

  /**
   * Name and version of the app currently open ("Ethereum", or "BOLOS" for
   * the dashboard). Served by the OS for any app, so it tells "wrong app"
   * apart from "no app" before any Ethereum APDU is sent.
   */
  async getAppAndVersion(): Promise<{ name: string; version: string; flags: Uint8Array }> {
    return this.run(() => this.appAndVersion());
  }

  private async appAndVersion(): Promise<{ name: string; version: string; flags: Uint8Array }> {
    {
      const { data: d, sw } = await this.exchange(buildApdu(0xb0, 0x01, 0x00, 0x00), this.timeoutMs);
      if (sw !== SW_OK) throw statusWordError(sw);
      // Reply: format(1) = 1, nameLen(1) name, versionLen(1) version, flagsLen(1) flags.
      if (d.length < 3 || d[0] !== 0x01) throw invalidResponse('app and version reply has an unknown format');
      let off = 1;
      const field = (what: string): Uint8Array => {
        if (off >= d.length) throw invalidResponse(`app and version reply truncated (${what})`);
        const n = d[off]!;
        if (off + 1 + n > d.length) throw invalidResponse(`app and version reply truncated (${what})`);
        const v = d.slice(off + 1, off + 1 + n);
        off += 1 + n;
        return v;
      };
      const ascii = (b: Uint8Array) => String.fromCharCode(...b);
      const name = ascii(field('name'));
      const version = ascii(field('version'));
      const flags = off < d.length ? field('flags') : new Uint8Array(0);
      return { name, version, flags };
    }
  }

  /** The app this client speaks to, as GET APP AND VERSION names it ("Ethereum", "Solana"). */
  protected abstract readonly appName: string;

  /**
   * Makes sure this client's app is the one open. If another app or the
   * dashboard is open: without `open`, a WRONG_APP error naming both
   * (`expectedApp`, `currentApp` on the error); with `open: true`, quits the
   * open app (BOLOS CLA B0 INS A7) and asks the dashboard to open this one
   * (CLA E0 INS D8, the app name as data), which the user confirms on the
   * device. A real device re-enumerates on USB when an app opens or quits:
   * when `reconnect` is true in the result, this session is gone and the
   * caller opens a new one (reconnectLedger() in browsers).
   */
  async ensureApp(opts: { open?: boolean } = {}): Promise<{ name: string; version: string; opened: boolean; reconnect: boolean }> {
    if (opts === null || typeof opts !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'options must be an object');
    return this.run(async () => {
      const cur = await this.appAndVersion();
      if (cur.name === this.appName) return { name: cur.name, version: cur.version, opened: false, reconnect: false };
      if (!opts.open) throw wrongApp(this.appName, cur.name);
      if (cur.name !== DASHBOARD) {
        const q = await this.exchange(buildApdu(0xb0, 0xa7, 0x00, 0x00), this.timeoutMs);
        if (q.sw !== SW_OK) throw statusWordError(q.sw);
        if (!this.connected) return { name: this.appName, version: '', opened: false, reconnect: true };
      }
      let o: { data: Uint8Array; sw: number };
      try {
        o = await this.exchange(buildApdu(0xe0, 0xd8, 0x00, 0x00, new TextEncoder().encode(this.appName)), this.userTimeoutMs);
      } catch (e) {
        // Quitting made the device re-enumerate before OPEN APP reached it: the
        // dashboard is up on a new connection, where ensureApp({ open: true }) goes on.
        if (cur.name !== DASHBOARD && e instanceof VaultkeyError && e.code === 'DEVICE_DISCONNECTED') {
          return { name: this.appName, version: '', opened: false, reconnect: true };
        }
        throw e;
      }
      if (o.sw === 0x6807) {
        const e = new VaultkeyError(
          'APP_NOT_INSTALLED',
          `The ${this.appName} app is not installed on the Ledger device: install it with Ledger Live`,
        );
        (e as VaultkeyError & { statusWord?: number }).statusWord = o.sw;
        throw e;
      }
      if (o.sw !== SW_OK) throw statusWordError(o.sw);
      if (!this.connected) return { name: this.appName, version: '', opened: true, reconnect: true };
      const now = await this.appAndVersion();
      if (now.name !== this.appName) throw wrongApp(this.appName, now.name);
      return { name: now.name, version: now.version, opened: true, reconnect: false };
    });
  }

  protected async exchange(apdu: Uint8Array, timeoutMs: number): Promise<{ data: Uint8Array; sw: number }> {
    if (this.disconnectedFlag) throw new VaultkeyError('DEVICE_DISCONNECTED', 'The Ledger device was disconnected');
    let timer: ReturnType<typeof setTimeout> | undefined;
    let rejectPending: ((e: VaultkeyError) => void) | undefined;
    // The WebHID transport waits for input reports forever; a device that is
    // unplugged or never answers would hang us, so race a timer and the
    // transport's 'disconnect' event.
    const guard = new Promise<never>((_, reject) => {
      rejectPending = reject;
      this.pending.add(reject);
      timer = setTimeout(
        () => reject(new VaultkeyError('DEVICE_TIMEOUT', `The Ledger device did not answer within ${Math.round(timeoutMs / 1000)} s`)),
        timeoutMs,
      );
    });
    let call: Promise<Uint8Array>;
    try {
      call = Promise.resolve(this.transport.exchange(toTransportBytes(apdu)));
    } catch (e) {
      clearTimeout(timer);
      this.pending.delete(rejectPending!);
      throw mapTransportError(e);
    }
    call.catch(() => undefined); // the loser of the race must not become an unhandled rejection
    try {
      const resp = await Promise.race([call, guard]);
      return splitResponse(resp);
    } catch (e) {
      throw mapTransportError(e);
    } finally {
      clearTimeout(timer);
      this.pending.delete(rejectPending!);
    }
  }

  /** One operation at a time: chunked flows must not interleave on the device. */
  protected async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.disconnectedFlag) throw new VaultkeyError('DEVICE_DISCONNECTED', 'The Ledger device was disconnected');
    if (this.busy) throw new VaultkeyError('DEVICE_BUSY', 'Another Ledger request is in progress');
    this.busy = true;
    try {
      return await f();
    } finally {
      this.busy = false;
    }
  }
}
