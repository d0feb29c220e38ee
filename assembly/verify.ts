// Debug-build checks on field element limbs, in the spirit of libsecp256k1's
// VERIFY mode (its field implementation checks magnitude and normalization
// on every field operation). Here elements are bare addresses with no
// magnitude field, so the checks bound the limbs themselves against the rules
// documented at the top of secp256k1/field.ts and ed25519/field.ts. The
// predicates for secp256k1 are below; ed25519/field.ts must compile on its own
// (test/ed25519.test.ts builds it alone), so it defines the same VERIFY switch
// and its own predicates locally.
//
// VERIFY is a compile-time constant: false unless asc is given
// `--use VAULTKEY_VERIFY=1` (asc's --use can introduce an integer constant),
// which `node scripts/build-wasm.mjs --debug` does, together with keeping
// assertions on (no --noAssert). The field files write each check as
//
//   const verifyIn: bool = VERIFY ? assert(cond, 'message') : true;
//
// and not as `if (VERIFY) assert(...)`: asc compiles an `if` on a constant
// false condition to a `drop` of that constant, which the optimizer removes
// but only after its inlining heuristics have counted it, so the release
// module came out different. A ternary on a constant only compiles the branch
// it takes, and a local const initialized with `true` compiles to nothing, so
// build/vaultkey.wasm is byte-identical with and without these checks.
//
// This file must import nothing: secp256k1/field.ts imports it, and asc
// compiles an imported file's top-level statements where the import appears,
// so an import here would move the static data of whatever it pulled in. The
// debug module's test exports (raw field operations) therefore live in a
// virtual entry that scripts/build-wasm.mjs adds to the debug compile only.
//
// The predicates branch on limb values, so the debug module is not constant
// time: use it for tests only, never with real keys.

// @ts-ignore: VAULTKEY_VERIFY exists only when asc is given --use VAULTKEY_VERIFY=<n>
export const VERIFY: bool = isDefined(VAULTKEY_VERIFY) ? VAULTKEY_VERIFY != 0 : false;

// ---------------------------------------------------------------- secp256k1 (10 x 26-bit u32 limbs)

/** Room per unit of magnitude above m * 2^26 on limbs 0..8. feMul/feSqr end
 *  their last carry chain at limb 3, which then exceeds 2^26 - 1 by at most 1
 *  for inputs below 2^30 (scripts/gen-secp256k1.mjs bounds it);
 *  feNormWeak/feMulSmall leave limb 2 at most 1 over. Sums add this slack like
 *  they add magnitudes. The top limb needs none: every producer keeps it
 *  <= m * 2^22. */
export const SECP_SLACK: u64 = 64;

/** Every limb of a is below `bound`. */
export function secpLimbsBelow(a: usize, bound: u64): bool {
  for (let i: usize = 0; i < 40; i += 4) if (<u64>load<u32>(a + i) >= bound) return false;
  return true;
}

/** a has magnitude <= m: limbs 0..8 <= m (2^26 + SECP_SLACK), limb 9 <= m 2^22. */
export function secpMagnitude(a: usize, m: u32): bool {
  const low: u64 = <u64>m * ((<u64>1 << 26) + SECP_SLACK);
  for (let i: usize = 0; i < 36; i += 4) if (<u64>load<u32>(a + i) > low) return false;
  return <u64>load<u32>(a, 36) <= (<u64>m << 22);
}

/** a is normalized: limbs 0..8 < 2^26, limb 9 < 2^22, and the value is < p. */
export function secpNormalized(a: usize): bool {
  for (let i: usize = 0; i < 36; i += 4) if (load<u32>(a + i) > 0x3ffffff) return false;
  if (load<u32>(a, 36) > 0x3fffff) return false;
  // The value is >= p only if limbs 9..2 equal p's (all ones) and limbs 1, 0 reach p's.
  if (load<u32>(a, 36) != 0x3fffff) return true;
  for (let i: usize = 8; i < 36; i += 4) if (load<u32>(a + i) != 0x3ffffff) return true;
  const a1 = load<u32>(a, 4), a0 = load<u32>(a, 0);
  return a1 < 0x3ffffbf || (a1 == 0x3ffffbf && a0 < 0x3fffc2f);
}

/** a + b fits the stored u32 limbs. */
export function secpAddFits(a: usize, b: usize): bool {
  for (let i: usize = 0; i < 40; i += 4) if (<u64>load<u32>(a + i) + <u64>load<u32>(b + i) > 0xffffffff) return false;
  return true;
}

/** a + (mb + 1) p - b fits the stored u32 limbs (b <= (mb + 1) p limb-wise is checked apart). */
export function secpSubFits(a: usize, b: usize, mb: u32): bool {
  const k: u64 = <u64>mb + 1;
  for (let i: usize = 0; i < 40; i += 4) {
    const pi: u64 = i == 0 ? 0x3fffc2f : i == 4 ? 0x3ffffbf : i == 36 ? 0x3fffff : 0x3ffffff;
    if (<u64>load<u32>(a + i) + k * pi - <u64>load<u32>(b + i) > 0xffffffff) return false;
  }
  return true;
}
