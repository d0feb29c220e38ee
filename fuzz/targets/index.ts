import type { Target } from '../harness.ts';
import { addresses } from './addresses.ts';
import { backupFile, backupPayload } from './backup.ts';
import { bip39 } from './bip39.ts';
import { bridgeBody } from './bridge.ts';
import { ed25519Verify, schnorr, secpPublicKey, secpSignature } from './curves.ts';
import { derive, extendedKey, path } from './hd.ts';
import { accountState, keystoreV3 } from './json.ts';
import { ledgerReply } from './ledger.ts';
import { multisigEnvelope } from './multisig.ts';
import { binaryShares, slip39 } from './shares.ts';

/** Every fuzz target, in the order `npm run fuzz` runs them. */
export const TARGETS: Target<never>[] = [
  extendedKey,
  path,
  derive,
  secpPublicKey,
  secpSignature,
  schnorr,
  ed25519Verify,
  bip39,
  binaryShares,
  slip39,
  keystoreV3,
  accountState,
  ledgerReply,
  backupFile,
  backupPayload,
  multisigEnvelope,
  bridgeBody,
  addresses,
] as Target<never>[];
