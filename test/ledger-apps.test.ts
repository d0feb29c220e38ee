// vaultkey/ledger: which app is open (BOLOS GET APP AND VERSION), opening the
// right one (QUIT APP, then OPEN APP from the dashboard), WRONG_APP naming both
// apps, and one device serving the Ethereum and Solana clients in turn, over
// the real @ledgerhq/hw-transport-webhid and the emulated device
// (test/helpers/ledger-emulator.ts LedgerDeviceEmulator).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import TransportWebHID from '@ledgerhq/hw-transport-webhid';
import { ed25519 } from '@noble/curves/ed25519.js';
import { HDNodeWallet, verifyMessage } from 'ethers';
import { LedgerEth, LedgerSolana, VaultkeyError, connectLedger, watchLedger, type LedgerTransport } from '../src/ledger/index.ts';
import { FakeHID, FakeLedgerDevice, LedgerDeviceEmulator, TEST_MNEMONIC } from './helpers/ledger-emulator.ts';

async function rig() {
  const device = new LedgerDeviceEmulator();
  const dev = new FakeLedgerDevice(device);
  await dev.open();
  const transport = new TransportWebHID(dev as never) as unknown as LedgerTransport;
  return { device, eth: new LedgerEth(transport), sol: new LedgerSolana(transport) };
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<VaultkeyError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof VaultkeyError, `expected VaultkeyError(${code}), got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected VaultkeyError(${code}), got success`);
}

describe('apps on one device', () => {
  test('WRONG_APP names both apps; the dashboard is named as such', async () => {
    const { device, eth, sol } = await rig();
    let e = await rejectsWith(eth.ensureApp(), 'WRONG_APP');
    assert.deepEqual(
      [(e as never as { expectedApp: string }).expectedApp, (e as never as { currentApp: string }).currentApp],
      ['Ethereum', 'BOLOS'],
    );
    assert.match(e.message, /no app is open/);
    device.current = 'Solana';
    e = await rejectsWith(eth.ensureApp(), 'WRONG_APP');
    assert.match(e.message, /Ethereum app is needed but the Solana app is open/);
    assert.deepEqual(await sol.ensureApp(), { name: 'Solana', version: '1.4.1', opened: false, reconnect: false });
    // Only B0 01 was sent: asking changes nothing on the device.
    assert.deepEqual(new Set(device.apdus.map((a) => a.slice(0, 4))), new Set(['b001']));
  });

  test('open: quit the open app, open ours by name, then sign with it', async () => {
    const { device, eth, sol } = await rig();
    device.current = 'Solana';
    const r = await eth.ensureApp({ open: true });
    assert.deepEqual(r, { name: 'Ethereum', version: '1.10.3', opened: true, reconnect: false });
    // Byte for byte: app and version, quit, open "Ethereum" (ASCII), app and version.
    assert.deepEqual(device.apdus, ['b001000000', 'b0a7000000', 'e0d8000008' + Buffer.from('Ethereum').toString('hex'), 'b001000000']);
    const w = HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, "m/44'/60'/0'/0/0");
    const sig = await eth.signPersonalMessage("m/44'/60'/0'/0/0", 'hello');
    assert.equal(verifyMessage('hello', { r: sig.r, s: sig.s, v: sig.v }), w.address);
    // And back to Solana from the dashboard-less state: quit Ethereum, open Solana.
    device.apdus.length = 0;
    await sol.ensureApp({ open: true });
    assert.equal(device.current, 'Solana');
    const s = await sol.signOffchainMessage("m/44'/501'/0'", 'gm');
    assert.ok(ed25519.verify(s.signature, s.signedBytes, s.publicKey));
  });

  test('refused on the device, not installed, locked: typed errors', async () => {
    const { device, eth } = await rig();
    device.switches.refuseOpen = true;
    await rejectsWith(eth.ensureApp({ open: true }), 'USER_REJECTED');
    device.switches.refuseOpen = false;
    const other = new (class extends LedgerEth {
      protected override readonly appName = 'Bitcoin';
    })(eth.transport);
    const e = await rejectsWith(other.ensureApp({ open: true }), 'APP_NOT_INSTALLED');
    assert.match(e.message, /Bitcoin/);
    device.switches.locked = true;
    await rejectsWith(eth.ensureApp({ open: true }), 'DEVICE_LOCKED');
    await rejectsWith(eth.ensureApp(null as never), 'INVALID_ARGUMENT');
  });
});

describe('unplugged while the page is open: watchLedger hands back a new client (navigator.hid replaced by FakeHID)', () => {
  const g = globalThis as { navigator?: unknown };
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  let hid: FakeHID;
  let device: LedgerDeviceEmulator;
  let dev: FakeLedgerDevice<LedgerDeviceEmulator>;
  before(() => {
    device = new LedgerDeviceEmulator();
    device.current = 'Solana';
    dev = new FakeLedgerDevice(device);
    hid = new FakeHID([dev]);
    Object.defineProperty(globalThis, 'navigator', { value: { hid }, configurable: true, writable: true });
  });
  after(() => {
    if (saved) Object.defineProperty(globalThis, 'navigator', saved);
    else delete g.navigator;
  });

  test('connect the Solana app, unplug, plug back: a fresh LedgerSolana without a prompt', async () => {
    const sol = await connectLedger({ app: 'solana', openTimeoutMs: 2000 });
    assert.ok(sol instanceof LedgerSolana);
    const a = await sol.getAddress("m/44'/501'/0'");
    const clients: LedgerSolana[] = [];
    const stop = watchLedger<{ app: 'solana' }>((c) => clients.push(c), { app: 'solana' });
    dev.unplug();
    await rejectsWith(sol.getAddress("m/44'/501'/0'"), 'DEVICE_DISCONNECTED');
    hid.replug(dev);
    for (let i = 0; i < 100 && clients.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(clients.length, 1, 'one new client after the device came back');
    const again = clients[0]!;
    assert.equal((await again.getAddress("m/44'/501'/0'")).address, a.address);
    stop();
    dev.unplug();
    hid.replug(dev);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(clients.length, 1, 'no callback after stop()');
    await again.close();
    await rejectsWith(connectLedger({ app: 'tron' as never, openTimeoutMs: 2000 }), 'INVALID_ARGUMENT');
  });
});

describe('a device that re-enumerates when an app quits (navigator.hid replaced by FakeHID)', () => {
  const g = globalThis as { navigator?: unknown };
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  after(() => {
    if (saved) Object.defineProperty(globalThis, 'navigator', saved);
    else delete g.navigator;
  });

  test('ensureApp says reconnect; on the new connection the dashboard opens the app', async () => {
    const device = new LedgerDeviceEmulator();
    device.current = 'Solana';
    device.switches.reenumerate = true;
    const dev = new FakeLedgerDevice(device);
    const hid = new FakeHID([dev]);
    Object.defineProperty(globalThis, 'navigator', { value: { hid }, configurable: true, writable: true });
    const eth = await connectLedger({ openTimeoutMs: 2000, userTimeoutMs: 5000 });
    const clients: LedgerEth[] = [];
    const stop = watchLedger((c) => clients.push(c));
    const r = await eth.ensureApp({ open: true });
    assert.deepEqual(r, { name: 'Ethereum', version: '', opened: false, reconnect: true });
    assert.equal(eth.connected, false);
    assert.equal(device.current, 'BOLOS');
    hid.replug(dev);
    for (let i = 0; i < 100 && clients.length === 0; i++) await new Promise((res) => setTimeout(res, 10));
    stop();
    device.switches.reenumerate = false;
    const fresh = clients[0]!;
    assert.deepEqual(await fresh.ensureApp({ open: true }), { name: 'Ethereum', version: '1.10.3', opened: true, reconnect: false });
    assert.equal(
      (await fresh.getAddress("m/44'/60'/0'/0/0")).address,
      HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, "m/44'/60'/0'/0/0").address,
    );
    await fresh.close();
  });
});
