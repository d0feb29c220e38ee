// HD rows: the address key for m/44'/60'/0'/0/i from the
// root, one public child from an xpub, a 10,000-address xpub scan (one thread
// and the pool), and a 4-level SLIP-0010 Ed25519 path.
import crypto from 'node:crypto';
import { HDKey as ScureHDKey } from '@scure/bip32';
import { BIP32Factory } from 'bip32';
import * as ecc from 'tiny-secp256k1';
import { HDNodeWallet } from 'ethers';
import { SLIP10Node } from '@metamask/key-tree';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { secp256k1 as noble } from '@noble/curves/secp256k1.js';
import * as vk from 'vaultkey/core';
import { WorkerPool, deriveAddressesParallel } from 'vaultkey';
import { group } from './harness.ts';

export default async function hdBench(): Promise<void> {
  await vk.init();
  const bip32 = BIP32Factory(ecc);
  const seed = crypto.randomBytes(64);
  const ours = vk.HDKey.fromMasterSeed(seed);
  const scure = ScureHDKey.fromMasterSeed(seed);
  const bjs = bip32.fromSeed(seed);
  const ethersRoot = HDNodeWallet.fromSeed(seed);

  let i = 0;
  await group(
    "address key m/44'/60'/0'/0/i from the root",
    [
      { lib: 'vaultkey (wasm step + parent cache)', fn: () => ours.derive(`m/44'/60'/0'/0/${i++ & 0xffff}`).privateKey },
      {
        lib: 'vaultkey (wasm step, no cache: 5 steps)',
        fn: () =>
          ours
            .deriveChild(0x8000002c)
            .deriveChild(0x8000003c)
            .deriveChild(0x80000000)
            .deriveChild(0)
            .deriveChild(i++ & 0xffff).privateKey,
      },
      { lib: '@scure/bip32', fn: () => scure.derive(`m/44'/60'/0'/0/${i++ & 0xffff}`).privateKey },
      { lib: 'bip32 + tiny-secp256k1', fn: () => bjs.derivePath(`m/44'/60'/0'/0/${i++ & 0xffff}`).privateKey },
      { lib: 'ethers HDNodeWallet', fn: () => ethersRoot.derivePath(`m/44'/60'/0'/0/${i++ & 0xffff}`).privateKey },
      {
        lib: '@metamask/key-tree',
        fn: () =>
          SLIP10Node.fromSeed({
            derivationPath: [seed, "bip32:44'", "bip32:60'", "bip32:0'", 'bip32:0', `bip32:${i++ & 0xffff}`] as any,
            curve: 'secp256k1',
          }),
      },
    ],
    { ms: 400 },
  );

  const xpub = ours.derive("m/44'/60'/0'/0").publicExtendedKey;
  const oursPub = vk.HDKey.fromExtendedKey(xpub);
  const scurePub = ScureHDKey.fromExtendedKey(xpub);
  const bjsPub = bip32.fromBase58(xpub);
  await group('public child from an xpub (deriveChild(i))', [
    { lib: 'vaultkey (wasm step)', fn: () => oursPub.deriveChild(i++ & 0x7fffffff).publicKey },
    { lib: '@scure/bip32', fn: () => scurePub.deriveChild(i++ & 0x7fffffff).publicKey },
    { lib: 'bip32 + tiny-secp256k1', fn: () => bjsPub.derive(i++ & 0x7fffffff).publicKey },
  ]);

  // 10,000 Ethereum addresses from an xpub. Peers get the same keccak + EIP-55 code.
  const N = 10_000;
  const ethAddr = (pub33: Uint8Array) =>
    vk.toChecksumAddress(keccak_256(noble.Point.fromBytes(pub33).toBytes(false).subarray(1)).subarray(12));
  const pool = await WorkerPool.create();
  await group(
    `${N.toLocaleString('en')} Ethereum addresses from an xpub`,
    [
      { lib: 'vaultkey deriveAddresses (1 thread)', fn: () => vk.deriveAddresses(xpub, 0, N, 'ethereum') },
      { lib: `vaultkey pool (${pool.size} workers)`, fn: () => deriveAddressesParallel(pool, xpub, 0, N, 'ethereum') },
      {
        lib: '@scure/bip32',
        fn: () => {
          for (let j = 0; j < N; j++) ethAddr(scurePub.deriveChild(j).publicKey!);
        },
      },
      {
        lib: 'bip32 + tiny-secp256k1',
        fn: () => {
          for (let j = 0; j < N; j++) ethAddr(bjsPub.derive(j).publicKey);
        },
      },
    ],
    { ms: 1500, rounds: 3 },
  );
  pool.terminate();

  const path4 = "m/44'/501'/0'/0'";
  await group("SLIP-0010 Ed25519, 4-level path m/44'/501'/0'/0' from the seed", [
    { lib: 'vaultkey', fn: () => vk.HDKey.fromMasterSeed(seed, 'ed25519').derive(path4).publicKey },
    {
      lib: '@metamask/key-tree',
      fn: () =>
        SLIP10Node.fromSeed({ derivationPath: [seed, "slip10:44'", "slip10:501'", "slip10:0'", "slip10:0'"] as any, curve: 'ed25519' }),
    },
  ]);
}
