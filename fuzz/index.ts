// `npm run fuzz`: seeded fuzzing of vaultkey's parsers and deserializers.
//   --seed N         seed (default: random, printed)
//   --time S         seconds per target (default 10)
//   --iterations N   tries per target (instead of, or as well as, --time)
//   --target NAME    only this target (repeatable); --from I starts at iteration I
// Exit 1 on any untyped error, slow input or disagreement with a reference.
import { init } from '../src/core/index.ts';
import { formatReport, fuzzTarget } from './harness.ts';
import { TARGETS } from './targets/index.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const names = process.argv.flatMap((a, i) => (a === '--target' ? [process.argv[i + 1]!] : []));
const seed = Number(arg('seed') ?? Math.floor(Math.random() * 0x7fffffff)) >>> 0;
const iterations = arg('iterations') === undefined ? undefined : Number(arg('iterations'));
const seconds = arg('time') === undefined ? (iterations === undefined ? 10 : undefined) : Number(arg('time'));
const from = Number(arg('from') ?? 0);

const unknown = names.filter((n) => !TARGETS.some((t) => t.name === n));
if (unknown.length) {
  console.error(`unknown target(s): ${unknown.join(', ')}; targets: ${TARGETS.map((t) => t.name).join(', ')}`);
  process.exit(2);
}
await init();
console.log(
  `vaultkey fuzz: seed ${seed}, ${seconds === undefined ? '' : `${seconds} s`}${iterations === undefined ? '' : ` ${iterations} tries`} per target`,
);
let failed = 0;
for (const t of TARGETS.filter((x) => names.length === 0 || names.includes(x.name))) {
  const r = await fuzzTarget(t, { seed, iterations, seconds, from });
  console.log(formatReport(r));
  failed += r.counts.untyped + r.counts.slow + r.counts.disagree;
}
console.log(failed ? `FAILED: ${failed} failing outcome(s); seed ${seed}` : `ok: seed ${seed}`);
process.exit(failed ? 1 : 0);
