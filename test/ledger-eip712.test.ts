// vaultkey/ledger: clear-signed EIP-712 (the Ethereum app's "full" mode:
// ethapp.adoc INS 1A struct definitions, INS 1C values, INS 0C P2 01) over
// the real @ledgerhq/hw-transport-webhid and the emulated Nano
// (test/helpers/ledger-emulator.ts). The digest the device signs is checked
// against viem's hashTypedData, the signature against ethers' software
// signer from the same seed (RFC 6979 makes them byte-identical), and the
// fallback to hashed mode on old apps.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import TransportWebHID from '@ledgerhq/hw-transport-webhid';
import { HDNodeWallet, verifyTypedData, Signature } from 'ethers';
import { hashTypedData, hashDomain, hashStruct } from 'viem';
import { LedgerEth, VaultkeyError, EIP712_FULL_MIN_VERSION, type LedgerTransport, type TypedDataInput } from '../src/ledger/index.ts';
import { toVaultkeyAccount, ledgerSigner } from 'vaultkey/viem';
import { VaultkeySigner } from 'vaultkey/ethers';
import { mnemonicToAccount } from 'viem/accounts';
import { EthereumAppEmulator, FakeLedgerDevice, TEST_MNEMONIC } from './helpers/ledger-emulator.ts';

const P0 = "m/44'/60'/0'/0/0";
const wallet = HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, P0);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function rig(version: [number, number, number] = [1, 10, 3]) {
  const app = new EthereumAppEmulator();
  app.version = version;
  const dev = new FakeLedgerDevice(app);
  await dev.open();
  const transport = new TransportWebHID(dev as never);
  const eth = new LedgerEth(transport as unknown as LedgerTransport);
  return { app, dev, eth };
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

// EIP-712's own example ("Example" section of the EIP: Mail / Person).
const MAIL: TypedDataInput = {
  types: {
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'version', type: 'string' },
      { name: 'chainId', type: 'uint256' },
      { name: 'verifyingContract', type: 'address' },
    ],
    Person: [
      { name: 'name', type: 'string' },
      { name: 'wallet', type: 'address' },
    ],
    Mail: [
      { name: 'from', type: 'Person' },
      { name: 'to', type: 'Person' },
      { name: 'contents', type: 'string' },
    ],
  },
  primaryType: 'Mail',
  domain: { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  },
};

const ascii = (s: string) => Buffer.from(s, 'ascii').toString('hex');
const lp = (s: string) => (s.length.toString(16).padStart(2, '0') + ascii(s)).toLowerCase();
const apdu = (ins: string, p1: string, p2: string, dataHex: string) =>
  `e0${ins}${p1}${p2}${(dataHex.length / 2).toString(16).padStart(2, '0')}${dataHex}`;

/** ethersSplit: the ethers software signature over the same typed data, for byte comparison. */
async function ethersSig(td: TypedDataInput) {
  const types = { ...td.types } as Record<string, { name: string; type: string }[]>;
  delete types.EIP712Domain;
  return Signature.from(await wallet.signTypedData(td.domain as never, types, td.message));
}

describe('EIP-712 full mode (clear signing)', () => {
  test('Mail example: every APDU byte for byte (written from ethapp.adoc), digest = viem, signature = ethers', async () => {
    const { app, eth } = await rig();
    const sig = await eth.signTypedData(P0, MAIL);
    assert.equal(sig.mode, 'full');
    assert.equal(sig.fallbackReason, undefined);
    // The transcript, spelled out by hand from the protocol document: key fetch,
    // app configuration, definitions (structs sorted by name), values, sign.
    const expected = [
      apdu('02', '00', '00', '058000002c8000003c800000000000000000000000'),
      'e006000000',
      apdu('1a', '00', '00', ascii('EIP712Domain')),
      apdu('1a', '00', 'ff', '05' + lp('name')),
      apdu('1a', '00', 'ff', '05' + lp('version')),
      apdu('1a', '00', 'ff', '4220' + lp('chainId')), // uint (2) with TypeSize bit, 32 bytes
      apdu('1a', '00', 'ff', '03' + lp('verifyingContract')),
      apdu('1a', '00', '00', ascii('Mail')),
      apdu('1a', '00', 'ff', '00' + lp('Person') + lp('from')), // custom (0) + struct name
      apdu('1a', '00', 'ff', '00' + lp('Person') + lp('to')),
      apdu('1a', '00', 'ff', '05' + lp('contents')),
      apdu('1a', '00', '00', ascii('Person')),
      apdu('1a', '00', 'ff', '05' + lp('name')),
      apdu('1a', '00', 'ff', '03' + lp('wallet')),
      apdu('1c', '00', '00', ascii('EIP712Domain')),
      apdu('1c', '00', 'ff', '000a' + ascii('Ether Mail')),
      apdu('1c', '00', 'ff', '0001' + ascii('1')),
      apdu('1c', '00', 'ff', '000101'), // chainId 1: one raw byte ("128" would be 0x80)
      apdu('1c', '00', 'ff', '0014' + 'cc'.repeat(20)),
      apdu('1c', '00', '00', ascii('Mail')),
      apdu('1c', '00', 'ff', '0003' + ascii('Cow')),
      apdu('1c', '00', 'ff', '0014cd2a3d9f938e13cd947ec05abc7fe734df8dd826'),
      apdu('1c', '00', 'ff', '0003' + ascii('Bob')),
      apdu('1c', '00', 'ff', '0014' + 'bb'.repeat(20)),
      apdu('1c', '00', 'ff', '000b' + ascii('Hello, Bob!')),
      apdu('0c', '00', '01', '058000002c8000003c800000000000000000000000'),
    ];
    assert.deepEqual(app.apdus, expected);
    // What the signature covers is EIP-712's hash as viem computes it (the EIP's own example value).
    assert.equal(sig.digest, hashTypedData(MAIL as never));
    assert.equal(sig.digest, '0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2');
    assert.equal(sig.domainSeparator, hashDomain({ domain: MAIL.domain as never, types: MAIL.types as never }));
    assert.equal(sig.messageHash, hashStruct({ data: MAIL.message, primaryType: 'Mail', types: MAIL.types } as never));
    const soft = await ethersSig(MAIL);
    assert.equal(sig.r, soft.r);
    assert.equal(sig.s, soft.s);
    assert.equal(sig.v, soft.v);
    // The device showed the fields it hashed.
    assert.deepEqual(app.shown712.slice(4), [
      ['Mail.from.name', 'Cow'],
      ['Mail.from.wallet', '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826'],
      ['Mail.to.name', 'Bob'],
      ['Mail.to.wallet', '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB'],
      ['Mail.contents', 'Hello, Bob!'],
    ]);
  });

  test('every intN/uintN size, bytesN, bool, address, negative ints, long string and bytes (chunked values)', async () => {
    const { app, eth } = await rig();
    const fields: { name: string; type: string }[] = [];
    const message: Record<string, unknown> = {};
    for (let bits = 8; bits <= 256; bits += 8) {
      fields.push(
        { name: `u${bits}`, type: `uint${bits}` },
        { name: `i${bits}`, type: `int${bits}` },
        { name: `n${bits}`, type: `int${bits}` },
      );
      message[`u${bits}`] = (1n << BigInt(bits)) - 1n; // max
      message[`i${bits}`] = (1n << BigInt(bits - 1)) - 1n; // max positive: top bit of the first byte clear
      message[`n${bits}`] = -(1n << BigInt(bits - 1)); // min: sent at full size, sign-extended by the app
    }
    for (let n = 1; n <= 32; n++) {
      fields.push({ name: `b${n}`, type: `bytes${n}` });
      message[`b${n}`] = '0x' + Array.from({ length: n }, (_, i) => ((i * 37 + n) & 0xff).toString(16).padStart(2, '0')).join('');
    }
    fields.push(
      { name: 'yes', type: 'bool' },
      { name: 'no', type: 'bool' },
      { name: 'who', type: 'address' },
      { name: 'text', type: 'string' },
      { name: 'blob', type: 'bytes' },
      { name: 'empty', type: 'bytes' },
      { name: 'small', type: 'int16' },
      { name: 'zero', type: 'uint256' },
    );
    Object.assign(message, {
      yes: true,
      no: false,
      who: '0x000000000000000000000000000000000000dEaD',
      text: 'ünïcødé '.repeat(60), // > 255 bytes of UTF-8: several APDUs
      blob: '0x' + 'a5'.repeat(600),
      empty: '0x',
      small: 128, // 0x80 fits in one byte but is positive: must not be sign-extended
      zero: 0n,
    });
    const td: TypedDataInput = {
      types: { Everything: fields },
      primaryType: 'Everything',
      domain: { name: 'types', chainId: 137n, salt: '0x' + '11'.repeat(32) },
      message,
    };
    const sig = await eth.signTypedData(P0, td);
    assert.equal(sig.mode, 'full');
    assert.equal(sig.digest, hashTypedData(td as never));
    const soft = await ethersSig(td);
    assert.equal(sig.r, soft.r);
    assert.equal(sig.s, soft.s);
    assert.equal(verifyTypedData(td.domain as never, { Everything: fields }, message, { r: sig.r, s: sig.s, v: sig.v }), wallet.address);
    // Long values go in 255-byte APDUs, P1 01 ("more to come") on all but the last.
    const blob = app.apdus.filter((a) => a.startsWith('e01c') && a.slice(10, 14) === '0258');
    assert.equal(blob.length, 1, 'first APDU of the 600-byte value carries its u16 length');
    const valueApdus = app.apdus.filter((a) => a.startsWith('e01c') && a.slice(6, 8) === 'ff');
    const partial = valueApdus.filter((a) => a.slice(4, 6) === '01');
    assert.ok(partial.length >= 3, 'string and bytes values were split');
    for (const a of partial) assert.equal(a.slice(8, 10), 'ff', 'a partial APDU is full (255 bytes)');
    // int16 128 goes as 0x0080? No: as one byte 0x80 (shorter than the type, so zero-padded by the app).
    assert.ok(app.shown712.some(([k, v]) => k === 'Everything.small' && v === '128'));
    assert.ok(app.shown712.some(([k, v]) => k === 'Everything.n256' && v === String(-(1n << 255n))));
  });

  test('nested structs, struct arrays, nested arrays (dynamic and fixed levels), empty arrays', async () => {
    const { app, eth } = await rig();
    const td: TypedDataInput = {
      types: {
        Asset: [
          { name: 'token', type: 'address' },
          { name: 'amounts', type: 'uint96[]' },
        ],
        Leg: [
          { name: 'assets', type: 'Asset[]' },
          { name: 'note', type: 'string' },
        ],
        Order: [
          { name: 'legs', type: 'Leg[]' },
          { name: 'grid', type: 'uint8[2][]' }, // dynamic array of 2-element arrays
          { name: 'matrix', type: 'int32[][3]' }, // 3 dynamic arrays
          { name: 'pair', type: 'address[2]' },
          { name: 'none', type: 'Asset[]' },
          { name: 'tags', type: 'bytes4[][]' },
        ],
      },
      primaryType: 'Order',
      domain: { name: 'nested', version: '2', chainId: 10, verifyingContract: '0x1111111111111111111111111111111111111111' },
      message: {
        legs: [
          {
            assets: [
              { token: '0x2222222222222222222222222222222222222222', amounts: [1, 2, 3] },
              { token: '0x3333333333333333333333333333333333333333', amounts: [] },
            ],
            note: 'first',
          },
          { assets: [], note: '' },
        ],
        grid: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        matrix: [[-1, 2], [], [2147483647]],
        pair: ['0x4444444444444444444444444444444444444444', '0x5555555555555555555555555555555555555555'],
        none: [],
        tags: [['0xdeadbeef'], [], ['0x01020304', '0x05060708']],
      },
    };
    const sig = await eth.signTypedData(P0, td);
    assert.equal(sig.mode, 'full');
    assert.equal(sig.digest, hashTypedData(td as never));
    const soft = await ethersSig(td);
    assert.equal(sig.r, soft.r);
    assert.equal(sig.s, soft.s);
    // The definition of "uint8[2][]": uint|array|size, size 1, 2 levels: fixed 2, dynamic.
    assert.ok(app.apdus.includes(apdu('1a', '00', 'ff', 'c201' + '02' + '0102' + '00' + lp('grid'))));
    // Its value: outer size 3 first (the outermost level is the last bracket), then 2 per row.
    const arrays = app.apdus.filter((a) => a.startsWith('e01c000f01')).map((a) => a.slice(10));
    assert.deepEqual(arrays.slice(0, 6), ['02', '02', '03', '00', '00', '03']);
  });

  test('a wrong fixed array length, a missing field or a bad value is refused before anything is sent', async () => {
    const { app, eth } = await rig();
    const base = (message: Record<string, unknown>, type = 'address[2]'): TypedDataInput => ({
      types: { M: [{ name: 'x', type }] },
      primaryType: 'M',
      domain: { name: 'd' },
      message,
    });
    await eth.getAddress(P0);
    const before = app.apdus.length;
    await rejectsWith(eth.signTypedData(P0, base({ x: ['0x4444444444444444444444444444444444444444'] })), 'INVALID_ARGUMENT');
    await rejectsWith(eth.signTypedData(P0, base({})), 'INVALID_ARGUMENT');
    await rejectsWith(eth.signTypedData(P0, base({ x: 256 }, 'uint8')), 'INVALID_ARGUMENT');
    await rejectsWith(eth.signTypedData(P0, base({ x: -129 }, 'int8')), 'INVALID_ARGUMENT');
    await rejectsWith(eth.signTypedData(P0, base({ x: '0x0102' }, 'bytes3')), 'INVALID_LENGTH');
    await rejectsWith(eth.signTypedData(P0, base({ x: 1 }, 'uint7')), 'INVALID_ARGUMENT');
    await rejectsWith(eth.signTypedData(P0, base({ x: 1 }, 'Unknown')), 'INVALID_ARGUMENT');
    await rejectsWith(eth.signTypedData(P0, base({ x: 'yes' }, 'bool')), 'INVALID_ARGUMENT');
    await rejectsWith(eth.signTypedData(P0, base({ x: 1 })), 'INVALID_ARGUMENT');
    await rejectsWith(eth.signTypedData(P0, { ...base({ x: 1 }, 'uint8'), primaryType: 'Nope' }), 'INVALID_ARGUMENT');
    await rejectsWith(eth.signTypedData(P0, null as never), 'INVALID_ARGUMENT');
    await rejectsWith(eth.signTypedData(P0, base({ x: 1 }, 'uint8'), { clearSign: 'maybe' as never }), 'INVALID_ARGUMENT');
    assert.equal(app.apdus.length, before, 'nothing reached the device');
  });

  test('denial, lock and a corrupted signature are typed errors', async () => {
    const { app, eth } = await rig();
    await eth.getAddress(P0);
    app.switches.reject = true;
    await rejectsWith(eth.signTypedData(P0, MAIL), 'USER_REJECTED');
    app.switches.reject = false;
    app.switches.corruptSignature = true;
    await rejectsWith(eth.signTypedData(P0, MAIL), 'INVALID_SIGNATURE');
    app.switches.corruptSignature = false;
    app.switches.locked = true;
    await rejectsWith(eth.signTypedData(P0, MAIL), 'DEVICE_LOCKED');
    app.switches.locked = false;
    // After all that the device signs again (the app state was reset by each flow).
    assert.equal((await eth.signTypedData(P0, MAIL)).mode, 'full');
  });
});

describe('EIP-712 fallback to hashed mode', () => {
  test(`app older than ${EIP712_FULL_MIN_VERSION.join('.')}: hashed mode, said so; 'required' refuses`, async () => {
    const { app, eth } = await rig([1, 9, 18]);
    const sig = await eth.signTypedData(P0, MAIL);
    assert.equal(sig.mode, 'hashed');
    assert.equal(sig.fallbackReason, 'app-version');
    assert.equal(sig.digest, hashTypedData(MAIL as never));
    assert.equal(sig.signature.length, 64);
    const soft = await ethersSig(MAIL);
    assert.equal(sig.r, soft.r);
    assert.ok(!app.apdus.some((a) => a.startsWith('e01a') || a.startsWith('e01c')), 'no full-mode APDU was sent');
    const last = app.apdus.at(-1)!;
    assert.equal(
      last,
      apdu('0c', '00', '00', '058000002c8000003c800000000000000000000000' + sig.domainSeparator.slice(2) + sig.messageHash.slice(2)),
    );
    const n = app.apdus.length;
    await rejectsWith(eth.signTypedData(P0, MAIL, { clearSign: 'required' }), 'UNSUPPORTED_INSTRUCTION');
    assert.deepEqual(app.apdus.slice(n), ['e006000000'], 'only the version was asked');
  });

  test('1.9.19 is the first version with full mode', async () => {
    const { eth } = await rig([1, 9, 19]);
    assert.equal((await eth.signTypedData(P0, MAIL, { clearSign: 'required' })).mode, 'full');
  });

  test("device out of memory mid-stream: hashed mode in 'auto', the error in 'required'", async () => {
    const { app, eth } = await rig();
    app.switches.eip712MemoryLimit = 8;
    const sig = await eth.signTypedData(P0, MAIL);
    assert.equal(sig.mode, 'hashed');
    assert.equal(sig.fallbackReason, 'device-memory');
    assert.equal(sig.digest, hashTypedData(MAIL as never));
    const e = await rejectsWith(eth.signTypedData(P0, MAIL, { clearSign: 'required' }), 'INVALID_DATA');
    assert.equal((e as VaultkeyError & { statusWord?: number }).statusWord, 0x6a84);
  });

  test("clearSign 'never' signs the hashes without asking the version", async () => {
    const { app, eth } = await rig();
    const sig = await eth.signTypedData(P0, MAIL, { clearSign: 'never' });
    assert.equal(sig.mode, 'hashed');
    assert.equal(sig.fallbackReason, 'caller');
    assert.ok(!app.apdus.includes('e006000000'));
    assert.equal(hex(sig.signature), (await ethersSig(MAIL)).serialized.slice(2, 130));
  });
});

describe('viem and ethers adapters route a Ledger to clear signing', () => {
  const typesWithoutDomain = { Person: MAIL.types.Person!, Mail: MAIL.types.Mail! };

  test('viem account: full mode on the device, same signature as a software account', async () => {
    const { app, eth } = await rig();
    const account = await toVaultkeyAccount(await ledgerSigner(eth as never));
    const td = { domain: MAIL.domain, types: typesWithoutDomain, primaryType: 'Mail', message: MAIL.message } as never;
    const got = await account.signTypedData(td);
    assert.equal(got, await mnemonicToAccount(TEST_MNEMONIC).signTypedData(td));
    assert.ok(
      app.apdus.some((a) => a.startsWith('e00c0001')),
      'INS 0C P2 01 (full mode) was used',
    );
    assert.ok(app.apdus.some((a) => a.startsWith('e01a')));
  });

  test('ethers signer: full mode on the device, same signature as ethers Wallet', async () => {
    const { app, eth } = await rig();
    const signer = await VaultkeySigner.create(await ledgerSigner(eth as never));
    const got = await signer.signTypedData(MAIL.domain as never, typesWithoutDomain as never, MAIL.message);
    assert.equal(got, await wallet.signTypedData(MAIL.domain as never, typesWithoutDomain as never, MAIL.message));
    assert.ok(
      app.apdus.some((a) => a.startsWith('e00c0001')),
      'INS 0C P2 01 (full mode) was used',
    );
  });

  test('an old app through the adapter still signs (hashed mode)', async () => {
    const { app, eth } = await rig([1, 6, 0]);
    const account = await toVaultkeyAccount(await ledgerSigner(eth as never));
    const td = { domain: MAIL.domain, types: typesWithoutDomain, primaryType: 'Mail', message: MAIL.message } as never;
    assert.equal(await account.signTypedData(td), await mnemonicToAccount(TEST_MNEMONIC).signTypedData(td));
    assert.ok(
      app.apdus.some((a) => a.startsWith('e00c000055')),
      'INS 0C P2 00 with path (21 bytes) and the two hashes',
    );
  });
});

describe('EIP-712 hashing and encoding on random typed data (against viem)', () => {
  test('random schemas and values: host digest = viem hashTypedData; the emulated device signs the same digest', async () => {
    const { eth } = await rig();
    const rnd = (n: number) => Math.floor(Math.random() * n);
    const rbytes = (n: number) => '0x' + Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString('hex');
    const rint = (bits: number, signed: boolean): bigint => {
      let v = 0n;
      for (const b of crypto.getRandomValues(new Uint8Array(bits / 8))) v = (v << 8n) | BigInt(b);
      // Bias toward the edges, where sign and width bugs live.
      const pick = rnd(4);
      if (pick === 0) v = 0n;
      if (pick === 1) v = (1n << BigInt(bits)) - 1n;
      return signed ? BigInt.asIntN(bits, v) : v;
    };
    const atom = (): { type: string; value: () => unknown } => {
      switch (rnd(7)) {
        case 0: {
          const bits = 8 * (1 + rnd(32));
          return { type: `uint${bits}`, value: () => rint(bits, false) };
        }
        case 1: {
          const bits = 8 * (1 + rnd(32));
          return { type: `int${bits}`, value: () => rint(bits, true) };
        }
        case 2: {
          const n = 1 + rnd(32);
          return { type: `bytes${n}`, value: () => rbytes(n) };
        }
        case 3:
          return { type: 'bytes', value: () => rbytes(rnd(300)) };
        case 4:
          return { type: 'string', value: () => 'x€'.repeat(rnd(120)) };
        case 5:
          return { type: 'bool', value: () => rnd(2) === 1 };
        default:
          return { type: 'address', value: () => rbytes(20) };
      }
    };
    for (let iter = 0; iter < 40; iter++) {
      const innerFields = Array.from({ length: 1 + rnd(3) }, (_, i) => ({ name: `f${i}`, ...atom() }));
      const outerFields = Array.from({ length: 1 + rnd(4) }, (_, i) => {
        const a = rnd(3) === 0 ? { type: 'Inner', value: () => Object.fromEntries(innerFields.map((f) => [f.name, f.value()])) } : atom();
        const levels = Array.from({ length: rnd(3) }, () => (rnd(2) ? null : 1 + rnd(3)));
        const type = a.type + levels.map((l) => (l === null ? '[]' : `[${l}]`)).join('');
        // Build the value outermost first: the last bracket is the outermost level.
        const make = (k: number): unknown => (k < 0 ? a.value() : Array.from({ length: levels[k] ?? rnd(3) }, () => make(k - 1)));
        return { name: `g${i}`, type, value: () => make(levels.length - 1) };
      });
      const td: TypedDataInput = {
        types: {
          Inner: innerFields.map(({ name, type }) => ({ name, type })),
          Outer: outerFields.map(({ name, type }) => ({ name, type })),
        },
        primaryType: 'Outer',
        domain: { name: 'fuzz', chainId: BigInt(1 + rnd(1000)) },
        message: Object.fromEntries(outerFields.map((f) => [f.name, f.value()])),
      };
      const sig = await eth.signTypedData(P0, td);
      assert.equal(sig.mode, 'full');
      assert.equal(sig.digest, hashTypedData(td as never), JSON.stringify(td.types));
    }
  });
});
