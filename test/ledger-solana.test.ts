// vaultkey/ledger: the Solana app (app-solana doc/api.md) over the real
// @ledgerhq/hw-transport-webhid and the emulated Nano
// (test/helpers/ledger-emulator.ts SolanaAppEmulator). Keys are checked
// against vaultkey's SLIP-0010 derivation from the same seed, signatures
// against @noble/curves' Ed25519 (independent of the vaultkey/core WASM the
// client verifies with), and base58 against @scure/base.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import TransportWebHID from '@ledgerhq/hw-transport-webhid';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { mnemonicToSeedSync } from '@scure/bip39';
import { HDKey } from '../src/hd/index.ts';
import { init } from '../src/core/index.ts';
import { LedgerSolana, solanaOffchainMessage, VaultkeyError, type LedgerTransport } from '../src/ledger/index.ts';
import { FakeLedgerDevice, SolanaAppEmulator, TEST_MNEMONIC } from './helpers/ledger-emulator.ts';

const S0 = "m/44'/501'/0'/0'";
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function rig() {
  const app = new SolanaAppEmulator();
  const dev = new FakeLedgerDevice(app);
  await dev.open();
  const transport = new TransportWebHID(dev as never);
  const sol = new LedgerSolana(transport as unknown as LedgerTransport);
  return { app, dev, sol };
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

/** vaultkey's own SLIP-0010 Ed25519 key for a path (independent of the emulator's derivation). */
function softwareKey(path: string): Uint8Array {
  const k = HDKey.fromMasterSeed(mnemonicToSeedSync(TEST_MNEMONIC), 'ed25519').derive(path);
  return k.publicKey!.length === 33 ? k.publicKey!.subarray(1) : k.publicKey!;
}

/**
 * A Solana message built by hand (Solana "Transaction" docs: header, compact
 * arrays of keys, recent blockhash, instructions): a System Program transfer.
 * v0 adds the 0x80 prefix and an empty address-table-lookup array.
 */
function transferMessage(from: Uint8Array, to: Uint8Array, lamports: bigint, version: 'legacy' | 0, padData = 0): Uint8Array {
  const systemProgram = new Uint8Array(32);
  const blockhash = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
  const data = new Uint8Array(12 + padData);
  const v = new DataView(data.buffer);
  v.setUint32(0, 2, true); // SystemInstruction::Transfer
  v.setBigUint64(4, lamports, true);
  const parts: number[] = [];
  if (version === 0) parts.push(0x80);
  parts.push(1, 0, 1); // 1 signer, 0 read-only signed, 1 read-only unsigned (the program)
  parts.push(3, ...from, ...to, ...systemProgram);
  parts.push(...blockhash);
  const dl = data.length;
  const dlen = dl < 128 ? [dl] : [(dl & 0x7f) | 0x80, dl >> 7];
  parts.push(1, 2, 2, 0, 1, ...dlen, ...data);
  if (version === 0) parts.push(0);
  return Uint8Array.from(parts);
}

describe('Solana app through the emulated Nano', () => {
  before(async () => {
    await init(); // vaultkey's SLIP-0010 reference derivation runs on the WASM core
  });

  test('configuration and address: key = SLIP-0010 from the same seed, base58 address', async () => {
    const { app, sol } = await rig();
    const cfg = await sol.getAppConfiguration();
    assert.deepEqual(cfg, { blindSigningEnabled: false, pubkeyDisplayMode: 0, version: '1.4.1' });
    for (const path of [S0, "m/44'/501'/3'", "m/44'/501'/0'/0'/5'"]) {
      const a = await sol.getAddress(path);
      assert.equal(hex(a.publicKey), hex(softwareKey(path)), path);
      assert.equal(a.address, base58.encode(softwareKey(path)));
    }
    // Byte for byte (doc/api.md GET PUBKEY): path count, then each index big-endian; P1 00 = no display.
    assert.equal(app.apdus[0], 'e004000000');
    assert.equal(app.apdus[1], 'e005000011048000002c800001f58000000080000000');
    await sol.getAddress(S0, { display: true });
    assert.equal(app.apdus.at(-1), 'e005010011048000002c800001f58000000080000000');
  });

  test('legacy and v0 transfers: signed by the device, verified, one APDU when short', async () => {
    const { app, sol } = await rig();
    const from = softwareKey(S0);
    const to = softwareKey("m/44'/501'/1'/0'");
    for (const version of ['legacy', 0] as const) {
      const msg = transferMessage(from, to, 1_000_000n, version);
      const n = app.apdus.length;
      const sig = await sol.signTransaction(S0, msg);
      assert.equal(sig.signature.length, 64);
      assert.ok(ed25519.verify(sig.signature, msg, from), 'noble verifies the device signature');
      assert.equal(sig.address, base58.encode(from));
      assert.deepEqual(sig.signedBytes, msg);
      const sent = app.apdus.slice(n).filter((a) => a.startsWith('e006'));
      assert.equal(sent.length, 1);
      // CLA E0 INS 06 P1 01 (confirm) P2 00 (single APDU), signer count 1, path, message.
      assert.equal(
        sent[0],
        `e00601${'00'}${(1 + 17 + msg.length).toString(16).padStart(2, '0')}01048000002c800001f58000000080000000${hex(msg)}`,
      );
    }
  });

  test('a long message is chunked with P2 MORE / EXTEND and reassembled by the app', async () => {
    const { app, sol } = await rig();
    const from = softwareKey(S0);
    const msg = transferMessage(from, softwareKey("m/44'/501'/1'/0'"), 5n, 0, 600);
    const sig = await sol.signTransaction(S0, msg);
    assert.ok(ed25519.verify(sig.signature, msg, from));
    const sent = app.apdus.filter((a) => a.startsWith('e006'));
    assert.ok(sent.length >= 3);
    // First: MORE (02); middle: EXTEND | MORE (03); last: EXTEND (01).
    assert.deepEqual(
      sent.map((a) => a.slice(6, 8)),
      ['02', ...Array(sent.length - 2).fill('03'), '01'],
    );
    assert.equal(sent.length, Math.ceil((1 + 17 + msg.length) / 255));
    for (const a of sent.slice(0, -1)) assert.equal(a.slice(8, 10), 'ff', 'non-final APDUs are full');
  });

  test('off-chain message: header per the off-chain format, ASCII shown as text, signature verified', async () => {
    const { app, sol } = await rig();
    const pub = softwareKey(S0);
    const sig = await sol.signOffchainMessage(S0, 'Sign in to example.org');
    assert.equal(app.lastShown, 'Sign in to example.org');
    const expected = Buffer.concat([
      Buffer.from([0xff]),
      Buffer.from('solana offchain'),
      Buffer.from([0]), // header version
      Buffer.alloc(32), // application domain
      Buffer.from([0, 1]), // format 0 (ASCII), one signer
      Buffer.from(pub),
      Buffer.from([22, 0]), // u16 little-endian length
      Buffer.from('Sign in to example.org'),
    ]);
    assert.equal(hex(sig.signedBytes), expected.toString('hex'));
    assert.ok(ed25519.verify(sig.signature, expected, pub));
    // UTF-8 text needs the app's blind-signing setting.
    await rejectsWith(sol.signOffchainMessage(S0, 'héllo'), 'INVALID_DATA');
    app.switches.blindSigning = true;
    const u = await sol.signOffchainMessage(S0, 'héllo');
    assert.equal(u.signedBytes[49], 1, 'format 1 (UTF-8)');
    assert.equal(app.lastShown, 'hash');
    assert.ok(ed25519.verify(u.signature, u.signedBytes, pub));
    assert.deepEqual(solanaOffchainMessage('héllo', pub), u.signedBytes);
  });

  test('denial, lock, wrong app, a bad signature and bad input are typed errors', async () => {
    const { app, sol } = await rig();
    const from = softwareKey(S0);
    const msg = transferMessage(from, softwareKey("m/44'/501'/1'/0'"), 1n, 'legacy');
    app.switches.reject = true;
    await rejectsWith(sol.signTransaction(S0, msg), 'USER_REJECTED');
    await rejectsWith(sol.getAddress(S0, { display: true }), 'USER_REJECTED');
    app.switches.reject = false;
    app.switches.corruptSignature = true;
    await rejectsWith(sol.signTransaction(S0, msg), 'INVALID_SIGNATURE');
    await rejectsWith(sol.signOffchainMessage(S0, 'hi'), 'INVALID_SIGNATURE');
    app.switches.corruptSignature = false;
    app.switches.locked = true;
    await rejectsWith(sol.getAppConfiguration(), 'DEVICE_LOCKED');
    app.switches.locked = false;
    app.switches.app = 'ethereum';
    const e = await rejectsWith(sol.getAddress("m/44'/501'/9'"), 'WRONG_APP');
    assert.match(e.message, /Solana/);
    app.switches.app = 'dashboard';
    await rejectsWith(sol.getAppConfiguration(), 'WRONG_APP');
    app.switches.app = 'solana';
    // A key that is not a signer of the message never reaches the device.
    const other = transferMessage(softwareKey("m/44'/501'/1'/0'"), from, 1n, 'legacy');
    await rejectsWith(sol.signTransaction(S0, other), 'INVALID_TRANSACTION');
    await rejectsWith(sol.signTransaction(S0, new Uint8Array(3)), 'INVALID_TRANSACTION');
    await rejectsWith(sol.signTransaction(S0, Uint8Array.of(0x81, ...msg)), 'INVALID_TRANSACTION');
    await rejectsWith(sol.getAddress("m/44'/60'/0'/0/0"), 'INVALID_PATH');
    await rejectsWith(sol.getAddress("m/44'/501'/0/0"), 'INVALID_PATH');
    await rejectsWith(sol.signOffchainMessage(S0, ''), 'INVALID_ARGUMENT');
    await rejectsWith(sol.signOffchainMessage(S0, 'x', { applicationDomain: new Uint8Array(5) }), 'INVALID_LENGTH');
    await rejectsWith(sol.signOffchainMessage(S0, Uint8Array.of(0xff, 0xfe)), 'INVALID_ARGUMENT');
  });

  test('random message sizes (1 to 8 APDUs) and random off-chain texts: every signature verifies with noble', async () => {
    const { app, sol } = await rig();
    const from = softwareKey(S0);
    const to = softwareKey("m/44'/501'/1'/0'");
    for (let i = 0; i < 12; i++) {
      const pad = Math.floor(Math.random() * 1800);
      const msg = transferMessage(from, to, BigInt(Math.floor(Math.random() * 1e9)), i % 2 ? 0 : 'legacy', pad);
      app.apdus.length = 0;
      const sig = await sol.signTransaction(S0, msg);
      assert.ok(ed25519.verify(sig.signature, msg, from), `message of ${msg.length} bytes`);
      const sent = app.apdus.filter((a) => a.startsWith('e006'));
      assert.equal(sent.length, Math.ceil((1 + 17 + msg.length) / 255));
      const text = Array.from({ length: 1 + Math.floor(Math.random() * 600) }, () =>
        String.fromCharCode(0x20 + Math.floor(Math.random() * 95)),
      ).join('');
      const off = await sol.signOffchainMessage(S0, text);
      assert.ok(ed25519.verify(off.signature, off.signedBytes, from));
      assert.equal(app.lastShown, text);
    }
  });
});
