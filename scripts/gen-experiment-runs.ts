/**
 * Write N synthetic run folders (scripts/experiment-runs-fixture.ts) into a runs folder, to try the
 * Experiments page at scale or measure its open time (bench/experiments-open.ts).
 * Usage: npx tsx scripts/gen-experiment-runs.ts <runsDir> [count=1000] [steps=300]
 */
import { writeExperimentRuns } from './experiment-runs-fixture';

const [dir, countArg, stepsArg] = process.argv.slice(2);
if (!dir) {
  console.error('usage: tsx scripts/gen-experiment-runs.ts <runsDir> [count=1000] [steps=300]');
  process.exit(2);
}
const count = Number(countArg ?? 1000);
const steps = Number(stepsArg ?? 300);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(steps) || steps < 1) {
  console.error(`count and steps must be positive integers; got ${countArg} and ${stepsArg}`);
  process.exit(2);
}
const t0 = performance.now();
const runs = writeExperimentRuns(dir, { count, steps });
console.log(`wrote ${runs.length} run folders (${steps} steps each) into ${dir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
