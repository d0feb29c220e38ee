// Ledger replies (docs/ledger.md): the APDU reply splitter (ISO 7816-4 status
// word) and the device public key reader, on random and mutated replies.
import { splitResponse } from '../../src/ledger/apdu.ts';
import { compressPublicKey } from '../../src/ledger/verify.ts';
import { secp256k1 as nobleK } from '@noble/curves/secp256k1.js';
import { bytesEqual } from '../../src/bytes.ts';
import { Disagreement, type Target } from '../harness.ts';
import { mutateBytes } from '../mutate.ts';

export const ledgerReply: Target<Uint8Array> = {
  name: 'ledger-reply',
  gen(rng) {
    // A getAddress-shaped reply: 65-byte uncompressed key, then 0x9000.
    const pub = nobleK.getPublicKey(nobleK.utils.randomSecretKey(rng.bytes(48)), false);
    const valid = Uint8Array.from([...pub, 0x90, 0x00]);
    return rng.int(4) === 0 ? rng.bytes(rng.int(80)) : mutateBytes(rng, valid);
  },
  run(reply) {
    const { data, sw } = splitResponse(reply);
    if (sw !== ((reply[reply.length - 2]! << 8) | reply[reply.length - 1]!)) throw new Disagreement('status word misread');
    const c = compressPublicKey(data);
    // compressPublicKey reads the y parity only (no curve check); compare where the point is valid.
    let ref: Uint8Array | undefined;
    try {
      ref = nobleK.Point.fromBytes(data).toBytes(true);
    } catch {
      ref = undefined;
    }
    if (ref && !bytesEqual(c, ref)) throw new Disagreement('compressed key differs from @noble/curves');
  },
};
