export { HDKey } from './hdkey.js';
export type { ExtendedKeyFormat } from './hdkey.js';
export type { CurveName } from './curves.js';
export { parsePath, formatPath, HARDENED } from './path.js';
export { Account } from './accounts.js';
export type { AccountOptions, AccountAddress, AccountState, Purpose, Chain } from './accounts.js';
export {
  addressOf,
  ethereumAddress,
  p2pkhAddress,
  p2shP2wpkhAddress,
  p2wpkhAddress,
  p2trAddress,
  solanaAddress,
  taprootOutputKey,
  toChecksumAddress,
  taggedHash,
  ADDRESS_FORMATS,
  ADDRESS_NETWORKS,
} from './addresses.js';
export type { AddressFormat, AddressNetwork } from './addresses.js';
export { deriveAddresses } from './batch.js';
export type { Network, ScriptType } from './serialize.js';
