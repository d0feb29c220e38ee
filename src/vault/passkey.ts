// WebAuthn ceremonies with the PRF extension (WebAuthn Level 3 §10.1.4), on
// the page (navigator.credentials exists only in windows).
//
// The options are built here, in the page, as native ArrayBuffer/Uint8Array
// dictionaries, so no JSON layer sits in between: @github/webauthn-json 2.1.1
// silently drops the `prf` extension in both directions, and the native
// parse*FromJSON helpers are only needed for server-issued JSON options.
//
// There is no relying-party server: nobody verifies the assertion signature.
// The security comes from the PRF output itself, which only the
// authenticator holding the credential can compute for a given salt (CTAP2
// hmac-secret). It is the input of HKDF in the worker; the page holds it just
// long enough to transfer it there, then zeroes its copies.
import { VaultkeyError } from '../errors.js';
import { b64url, randomBytes } from './format.js';

export interface PasskeyOptions {
  /** WebAuthn RP ID; defaults to the page's hostname. */
  rpId?: string;
  rpName?: string;
  /** Shown by the authenticator's account picker. */
  userName?: string;
  label?: string;
  /** Ends the prompt from the page (the call rejects with ABORTED), e.g. a Cancel button. */
  signal?: AbortSignal;
}

export interface PasskeyMaterial {
  credentialId: Uint8Array;
  rpId: string;
  prfSalt: Uint8Array;
  prf: Uint8Array;
  label?: string;
}

export interface EnrolledPasskey {
  credentialId: Uint8Array;
  rpId: string;
  prfSalt: Uint8Array;
}

function webauthn(): CredentialsContainer {
  if (typeof navigator === 'undefined' || !navigator.credentials || typeof PublicKeyCredential === 'undefined') {
    throw new VaultkeyError('UNSUPPORTED', 'WebAuthn is not available in this context');
  }
  return navigator.credentials;
}

function mapError(cause: unknown, signal?: AbortSignal): VaultkeyError {
  if (cause instanceof VaultkeyError) return cause;
  const name = (cause as DOMException)?.name;
  if (signal?.aborted) return new VaultkeyError('ABORTED', 'the passkey prompt was ended by the page');
  // NotAllowedError covers both "cancelled" and "no matching passkey on this authenticator": WebAuthn
  // makes them indistinguishable on purpose (L3 §14.5.2, privacy of the authentication ceremony), so
  // the message names both causes instead of guessing one.
  if (name === 'NotAllowedError' || name === 'AbortError')
    return new VaultkeyError(
      'USER_REJECTED',
      'no passkey was used: the prompt was cancelled or timed out, or this authenticator holds no passkey enrolled in this vault',
    );
  if (name === 'InvalidStateError') return new VaultkeyError('ALREADY_EXISTS', 'this authenticator already holds a passkey for this vault');
  if (name === 'SecurityError') return new VaultkeyError('PASSKEY_FAILED', 'the RP ID is not valid for this origin');
  if (name === 'NotSupportedError') return new VaultkeyError('PRF_UNSUPPORTED', 'no authenticator supports what the vault needs');
  return new VaultkeyError('PASSKEY_FAILED', `the passkey operation failed (${name ?? 'error'})`);
}

/** Copies the PRF output out of the credential's result and zeroes the original buffer. */
function takePrf(first: unknown): Uint8Array | null {
  if (!first) return null;
  const view =
    first instanceof ArrayBuffer
      ? new Uint8Array(first)
      : ArrayBuffer.isView(first)
        ? new Uint8Array(first.buffer, first.byteOffset, first.byteLength)
        : null;
  if (!view || view.length !== 32) return null;
  const out = view.slice();
  view.fill(0);
  return out;
}

/** One assertion with PRF evaluated for each enrolled credential (`evalByCredential`). */
export async function assertPrf(enrolled: EnrolledPasskey[], signal?: AbortSignal): Promise<{ credentialId: Uint8Array; prf: Uint8Array }> {
  const creds = webauthn();
  if (enrolled.length === 0) throw new VaultkeyError('NOT_FOUND', 'no passkey is enrolled in this vault');
  const rpId = enrolled[0]!.rpId;
  const usable = enrolled.filter((e) => e.rpId === rpId);
  const evalByCredential: Record<string, { first: Uint8Array }> = {};
  for (const e of usable) evalByCredential[b64url(e.credentialId)] = { first: e.prfSalt };
  let cred: PublicKeyCredential | null;
  try {
    cred = (await creds.get({
      publicKey: {
        challenge: randomBytes(32),
        rpId,
        allowCredentials: usable.map((e) => ({ type: 'public-key' as const, id: e.credentialId as Uint8Array<ArrayBuffer> })),
        userVerification: 'required',
        timeout: 120_000,
        extensions: { prf: { evalByCredential } } as AuthenticationExtensionsClientInputs,
      },
      ...(signal ? { signal } : {}),
    })) as PublicKeyCredential | null;
  } catch (cause) {
    throw mapError(cause, signal);
  }
  if (!cred) throw new VaultkeyError('USER_REJECTED', 'no passkey was chosen');
  const ext = cred.getClientExtensionResults() as { prf?: { results?: { first?: ArrayBuffer } } };
  const prf = takePrf(ext.prf?.results?.first);
  if (!prf) throw new VaultkeyError('PRF_UNSUPPORTED', 'the authenticator returned no PRF output (it lacks the WebAuthn PRF extension)');
  return { credentialId: new Uint8Array(cred.rawId), prf };
}

/**
 * Registers a new passkey with PRF enabled and evaluates the PRF on a fresh
 * random salt. Authenticators may report `prf.enabled` at create() time
 * without results; then one get() follows to obtain them.
 */
export async function createPasskey(o: PasskeyOptions = {}): Promise<PasskeyMaterial> {
  const creds = webauthn();
  const rpId = o.rpId ?? location.hostname;
  if (typeof rpId !== 'string' || rpId.length === 0) throw new VaultkeyError('INVALID_ARGUMENT', 'rpId must be a non-empty string');
  const prfSalt = randomBytes(32);
  let cred: PublicKeyCredential | null;
  try {
    cred = (await creds.create({
      publicKey: {
        rp: { id: rpId, name: o.rpName ?? 'vaultkey' },
        user: { id: randomBytes(16), name: o.userName ?? 'vaultkey', displayName: o.userName ?? 'vaultkey vault' },
        challenge: randomBytes(32),
        pubKeyCredParams: [
          { type: 'public-key', alg: -7 },
          { type: 'public-key', alg: -8 },
          { type: 'public-key', alg: -257 },
        ],
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
        timeout: 120_000,
        extensions: { prf: { eval: { first: prfSalt } } } as AuthenticationExtensionsClientInputs,
      },
      ...(o.signal ? { signal: o.signal } : {}),
    })) as PublicKeyCredential | null;
  } catch (cause) {
    throw mapError(cause, o.signal);
  }
  if (!cred) throw new VaultkeyError('USER_REJECTED', 'no passkey was created');
  const credentialId = new Uint8Array(cred.rawId);
  const ext = cred.getClientExtensionResults() as { prf?: { enabled?: boolean; results?: { first?: ArrayBuffer } } };
  if (ext.prf?.enabled !== true) {
    // The credential exists but is useless to us; tell the platform so it can hide it (WebAuthn L3 signal API, best effort).
    const signal = (PublicKeyCredential as unknown as { signalUnknownCredential?: (o: object) => Promise<void> }).signalUnknownCredential;
    await signal?.call(PublicKeyCredential, { rpId, credentialId: b64url(credentialId) }).catch(() => {}); // a hint only: PRF_UNSUPPORTED is thrown either way
    throw new VaultkeyError('PRF_UNSUPPORTED', 'this authenticator does not support the WebAuthn PRF extension; keep using the passphrase');
  }
  let prf = takePrf(ext.prf.results?.first);
  if (!prf) prf = (await assertPrf([{ credentialId, rpId, prfSalt }], o.signal)).prf;
  const m: PasskeyMaterial = { credentialId, rpId, prfSalt, prf };
  if (o.label !== undefined) m.label = o.label;
  return m;
}
