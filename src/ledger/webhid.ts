// Connecting to a Ledger over WebHID with @ledgerhq/hw-transport-webhid.
//
// - connectLedger(): must run inside a user gesture (click handler): Chrome only
//   shows the device chooser (navigator.hid.requestDevice) with transient user
//   activation. A device the user already granted is opened without a prompt.
// - reconnectLedger(): never prompts; opens a previously granted device
//   (TransportWebHID.openConnected), or resolves null.
// - Disconnects: TransportWebHID listens to navigator.hid "disconnect" and
//   emits "disconnect"; LedgerEth turns that into DEVICE_DISCONNECTED for the
//   request in flight and for onDisconnect() listeners.
//
// The transport package is imported lazily, after a Buffer shim is installed
// (it uses Node's Buffer at module load), so pages that never connect a
// Ledger do not load it.
import type TransportWebHIDType from '@ledgerhq/hw-transport-webhid';
import { VaultkeyError } from '../errors.js';
import { ensureBuffer } from './buffer-shim.js';
import { mapTransportError } from './errors.js';
import { LedgerEth, type LedgerEthOptions, type LedgerTransport } from './eth.js';
import { LedgerSolana } from './solana.js';

export interface ConnectLedgerOptions extends LedgerEthOptions {
  /** How long to wait for the chooser / device (ms). Default 60 s. */
  openTimeoutMs?: number;
  /** Which app's client to return: 'ethereum' (LedgerEth, the default) or 'solana' (LedgerSolana). */
  app?: 'ethereum' | 'solana';
}

/** The client connectLedger() and friends return: LedgerSolana for { app: 'solana' }, else LedgerEth. */
export type LedgerAppClient<O> = O extends { app: 'solana' } ? LedgerSolana : LedgerEth;

function checkApp(options: ConnectLedgerOptions): void {
  if (options === null || typeof options !== 'object') throw new VaultkeyError('INVALID_ARGUMENT', 'options must be an object');
  if (options.app !== undefined && options.app !== 'ethereum' && options.app !== 'solana') {
    throw new VaultkeyError('INVALID_ARGUMENT', "app must be 'ethereum' or 'solana'");
  }
}

function client<O extends ConnectLedgerOptions>(transport: LedgerTransport, options: O): LedgerAppClient<O> {
  return (options.app === 'solana' ? new LedgerSolana(transport, options) : new LedgerEth(transport, options)) as LedgerAppClient<O>;
}

type TransportClass = typeof TransportWebHIDType;

/** The part of WebHID's HIDDevice the transport uses (lib.dom has no WebHID types). */
export interface LedgerHIDDevice {
  readonly vendorId: number;
  readonly productId: number;
  readonly opened: boolean;
  open(): Promise<void>;
  close(): Promise<void>;
  sendReport(reportId: number, data: BufferSource): Promise<void>;
  // The transport reads `event.data` (a DataView) from "inputreport" events.
  addEventListener(type: 'inputreport', listener: (e: Event) => void): void;
  removeEventListener(type: 'inputreport', listener: (e: Event) => void): void;
}

async function loadTransport(): Promise<TransportClass> {
  ensureBuffer();
  const mod = (await import('@ledgerhq/hw-transport-webhid')) as unknown as { default: TransportClass | { default: TransportClass } };
  // CJS/ESM interop: some bundlers wrap the default export once more.
  const d = mod.default as unknown as { default?: TransportClass };
  return (d && typeof d === 'object' && d.default ? d.default : mod.default) as TransportClass;
}

function hidAvailable(): boolean {
  const nav = (globalThis as { navigator?: { hid?: unknown } }).navigator;
  return !!(nav && nav.hid);
}

/** True when this browser exposes WebHID (Chromium-based, secure context). */
export function isWebHIDSupported(): boolean {
  return hidAvailable();
}

function mapOpenError(e: unknown): VaultkeyError {
  const name = (e as { name?: unknown })?.name;
  const message = String((e as { message?: unknown })?.message ?? '');
  // requestDevice outside a user gesture rejects with SecurityError ("Must be handling a user
  // gesture..."); TransportWebHID.create() re-wraps it as TransportOpenUserCancelled with the
  // same message. A closed chooser is NotFoundError.
  if (name === 'SecurityError' || /user gesture/i.test(message)) {
    return new VaultkeyError('PERMISSION_DENIED', 'Connecting a Ledger must be started from a user gesture (click)', { cause: e });
  }
  if (name === 'NotFoundError' || name === 'AbortError') {
    return new VaultkeyError('DEVICE_NOT_FOUND', 'No Ledger device was selected', { cause: e });
  }
  // open() of a device another tab or app holds.
  if (name === 'InvalidStateError' || name === 'NotAllowedError') {
    return new VaultkeyError('DEVICE_BUSY', 'The Ledger device is in use by another tab or application', { cause: e });
  }
  return mapTransportError(e);
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new VaultkeyError('DEVICE_TIMEOUT', `${what} timed out`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens a Ledger (prompting with the WebHID chooser if no device was granted
 * before) and returns a LedgerEth on it. Call from a click handler.
 */
export async function connectLedger<O extends ConnectLedgerOptions = { app?: 'ethereum' }>(
  options: O = {} as O,
): Promise<LedgerAppClient<O>> {
  if (!hidAvailable()) throw new VaultkeyError('WEBHID_UNSUPPORTED', 'WebHID is not available in this browser');
  checkApp(options);
  const T = await loadTransport();
  const ms = options.openTimeoutMs ?? 60_000;
  let transport: LedgerTransport;
  try {
    transport = (await withTimeout(T.create(ms, ms), ms + 1000, 'Opening the Ledger device')) as unknown as LedgerTransport;
  } catch (e) {
    throw e instanceof VaultkeyError ? e : mapOpenError(e);
  }
  return client(transport, options);
}

/** Re-opens a device the user granted earlier, without any prompt. Resolves null if there is none. */
export async function reconnectLedger<O extends ConnectLedgerOptions = { app?: 'ethereum' }>(
  options: O = {} as O,
): Promise<LedgerAppClient<O> | null> {
  if (!hidAvailable()) throw new VaultkeyError('WEBHID_UNSUPPORTED', 'WebHID is not available in this browser');
  checkApp(options);
  const T = await loadTransport();
  let transport: LedgerTransport | null;
  try {
    transport = (await withTimeout(
      T.openConnected(),
      options.openTimeoutMs ?? 10_000,
      'Opening the Ledger device',
    )) as unknown as LedgerTransport | null;
  } catch (e) {
    throw e instanceof VaultkeyError ? e : mapOpenError(e);
  }
  return transport ? client(transport, options) : null;
}

/**
 * Calls `onClient` with a fresh client each time a granted Ledger is plugged
 * in again while the page is open (navigator.hid "connect": after an unplug,
 * or the USB re-enumeration that opening or quitting an app causes). No
 * prompt is shown. Returns a function that stops watching.
 */
export function watchLedger<O extends ConnectLedgerOptions = { app?: 'ethereum' }>(
  onClient: (client: LedgerAppClient<O>) => void,
  options: O = {} as O,
  onError: (e: VaultkeyError) => void = () => undefined,
): () => void {
  if (!hidAvailable()) throw new VaultkeyError('WEBHID_UNSUPPORTED', 'WebHID is not available in this browser');
  if (typeof onClient !== 'function') throw new VaultkeyError('INVALID_ARGUMENT', 'onClient must be a function');
  checkApp(options);
  const hid = (globalThis as unknown as { navigator: { hid: EventTarget } }).navigator.hid;
  const listener = (ev: Event) => {
    const d = (ev as Event & { device?: { vendorId?: number } }).device;
    if (d && d.vendorId !== LEDGER_VENDOR_ID) return;
    reconnectLedger(options).then(
      (c) => {
        if (c) onClient(c as LedgerAppClient<O>);
      },
      (e: unknown) => onError(e instanceof VaultkeyError ? e : mapTransportError(e)),
    );
  };
  hid.addEventListener('connect', listener);
  return () => hid.removeEventListener('connect', listener);
}

/** USB vendor id of Ledger devices (the filter @ledgerhq/hw-transport-webhid uses). */
const LEDGER_VENDOR_ID = 0x2c97;

/** Wraps an already chosen HIDDevice (e.g. from your own requestDevice call). */
export async function openLedgerDevice<O extends ConnectLedgerOptions = { app?: 'ethereum' }>(
  device: LedgerHIDDevice,
  options: O = {} as O,
): Promise<LedgerAppClient<O>> {
  checkApp(options);
  const T = await loadTransport();
  try {
    return client((await T.open(device as never)) as unknown as LedgerTransport, options);
  } catch (e) {
    throw mapOpenError(e);
  }
}
