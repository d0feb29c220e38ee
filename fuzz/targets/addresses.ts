// Address encoders on untrusted public keys (BIP-173/350 segwit, EIP-55,
// Base58Check, SLIP-0044 Solana): mutated keys, every format and network.
// Reference for p2wpkh (BIP-173 hrp per network) and ethereum: @scure/base,
// @noble/hashes and @noble/curves; a secp256k1 format must refuse a non-point.
import { bech32 } from '@scure/base';
import { secp256k1 as nobleK } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { ADDRESS_FORMATS, ADDRESS_NETWORKS, addressOf, secp256k1, type AddressFormat, type AddressNetwork } from '../../src/core/index.ts';
import { toHex } from '../../src/bytes.ts';
import { Disagreement, type Target } from '../harness.ts';
import { mutateBytes } from '../mutate.ts';

const HRP: Record<string, string> = { mainnet: 'bc', testnet: 'tb', regtest: 'bcrt', signet: 'tb' };

interface AddrInput {
  pub: Uint8Array;
  format: AddressFormat;
  network: AddressNetwork;
}

export const addresses: Target<AddrInput> = {
  name: 'addresses',
  gen(rng) {
    let k: Uint8Array;
    do k = rng.bytes(32);
    while (!nobleK.utils.isValidSecretKey(k));
    const format = rng.int(20) === 0 ? ('p2wsh' as AddressFormat) : rng.pick(ADDRESS_FORMATS);
    const pub = format === 'solana' ? rng.bytes(32) : secp256k1.getPublicKey(k, format !== 'ethereum' || rng.bool());
    const network = rng.int(20) === 0 ? ('liquid' as AddressNetwork) : rng.pick(ADDRESS_NETWORKS);
    return { pub: rng.int(3) === 0 ? pub : mutateBytes(rng, pub), format, network };
  },
  run({ pub, format, network }) {
    const addr = addressOf(pub, format, network);
    if (format === 'solana') return;
    let point: InstanceType<typeof nobleK.Point>;
    try {
      point = nobleK.Point.fromBytes(pub);
    } catch {
      throw new Disagreement(`${format} address of bytes that are not a secp256k1 point`);
    }
    if (format === 'p2wpkh') {
      const h = ripemd160(sha256(point.toBytes(true)));
      const ref = bech32.encode(HRP[network]!, [0, ...bech32.toWords(h)]);
      if (addr !== ref) throw new Disagreement(`p2wpkh ${addr}, reference ${ref}`);
    }
    if (format === 'ethereum') {
      const ref = `0x${toHex(keccak_256(point.toBytes(false).subarray(1)).subarray(12))}`;
      if (addr.toLowerCase() !== ref) throw new Disagreement(`ethereum ${addr}, reference ${ref}`);
    }
  },
};
