// What a vaultkey worker exposes through comlink. The worker owns its own WASM
// instance; later capabilities (curves, HD keys, the vault's unwrapped
// secrets) add methods here, and `batch` runs any of them over many inputs.
import { installed } from '../src/worker/protocol.js';
import { init } from '../src/core/wasm.js';
import { hash160, hmacSha512, pbkdf2Sha512, sha256, sha512 } from '../src/core/hash.js';
import { mnemonicToSeed } from '../src/core/bip39-phrase.js';
import { deriveAddresses } from '../src/hd/batch.js';
import { secp256k1 } from '../src/core/secp256k1.js';
import { ed25519, initEd25519 } from '../src/core/ed25519.js';
import { initSecp256k1Verify } from '../src/core/secp256k1-verify.js';
import { partsFrom } from './parts.js';
import type { PartName } from '../src/core/parts.js';
import { VaultkeyError } from '../src/errors.js';
import { vaultService } from './vault/index.js';

void installed;

const methods = {
  sha256,
  sha512,
  hash160,
  hmacSha512,
  pbkdf2Sha512,
  mnemonicToSeed,
  deriveAddresses,
  ed25519GetPublicKey: ed25519.getPublicKey,
  ed25519Sign: ed25519.sign,
  ed25519Verify: ed25519.verify,
  secp256k1GetPublicKey: secp256k1.getPublicKey,
  secp256k1Sign: secp256k1.sign,
  secp256k1Verify: secp256k1.verify,
  secp256k1RecoverPublicKey: secp256k1.recoverPublicKey,
  secp256k1PrivateAdd: secp256k1.privateAdd,
  secp256k1PublicAdd: secp256k1.publicAdd,
  secp256k1SchnorrGetPublicKey: secp256k1.schnorr.getPublicKey,
  secp256k1SchnorrSign: secp256k1.schnorr.sign,
  secp256k1SchnorrVerify: secp256k1.schnorr.verify,
};

export type WorkerMethods = typeof methods;
export type MethodName = keyof WorkerMethods;

function method(name: unknown): (...args: any[]) => unknown {
  if (typeof name !== 'string' || !Object.hasOwn(methods, name)) {
    throw new VaultkeyError('INVALID_ARGUMENT', `unknown worker method ${String(name)}`);
  }
  return methods[name as MethodName] as (...args: any[]) => unknown;
}

/** Methods that run in the secp256k1 verification module (a lazy part): signing never loads it. */
const VERIFY_METHODS: ReadonlySet<string> = new Set(['secp256k1Verify', 'secp256k1RecoverPublicKey', 'secp256k1SchnorrVerify']);

/** The main module, and for the ed25519 and the verification methods their modules (lazy parts, src/core/parts.ts). */
async function initFor(name: string): Promise<void> {
  await init();
  if (name.startsWith('ed25519')) await initEd25519();
  if (VERIFY_METHODS.has(name)) await initSecp256k1Verify();
}

export const api = {
  /** The vault service (worker/vault/index.ts): used by the Keystore's dedicated worker only. */
  vault: vaultService,
  /** Where this worker gets its lazy parts: the page's loader (src/worker/spawn.ts), each part checked by digest. */
  parts(fetchPart: (name: PartName) => Promise<unknown>): void {
    partsFrom(fetchPart);
  },
  /** Resolves once this worker's WASM is instantiated. */
  async ready(): Promise<true> {
    await init();
    return true;
  },
  async call(name: string, args: unknown[]): Promise<unknown> {
    const fn = method(name);
    await initFor(name);
    return fn(...args);
  },
  /** Runs `name` over each argument list in order; one failure rejects the batch. */
  async batch(name: string, calls: unknown[][]): Promise<unknown[]> {
    const fn = method(name);
    await initFor(name);
    if (!Array.isArray(calls)) throw new VaultkeyError('INVALID_ARGUMENT', 'batch takes an array of argument lists');
    const out: unknown[] = [];
    for (const args of calls) out.push(await fn(...(Array.isArray(args) ? args : [args])));
    return out;
  },
};

export type WorkerApi = typeof api;
