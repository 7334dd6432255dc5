/**
 * A 1-seed lr pilot for one task and optimizer (how the anchors in optimizers.ts are found):
 *   npx tsx bench/convergence/pilot.ts --task tiny-encoder-body --optimizer mezo --lrs 1e-4,3e-4 --steps 300 [--seeds 1] [--json out.json]
 * Prints every evaluation of every run and its wall time; --json also writes the runs (RunResult[]).
 * With several seeds and one lr it is also a fixed-lr check (e.g. at a longer run than tuned).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TASKS, type TaskName } from './tasks';
import { BENCH_OPTIMIZERS } from './optimizers';
import { runOne, type RunResult } from './run-one';

const argv = process.argv.slice(2);
const get = (flag: string) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};

async function main(): Promise<void> {
  const taskName = (get('--task') ?? 'tiny-encoder-body') as TaskName;
  const opt = BENCH_OPTIMIZERS.find((o) => o.label === (get('--optimizer') ?? 'mezo'));
  if (!opt) throw new Error('unknown optimizer');
  const lrs = (get('--lrs') ?? '0.001').split(',').map(Number);
  const seeds = (get('--seeds') ?? get('--seed') ?? '1').split(',').map(Number);
  const runs: RunResult[] = [];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-pilot-'));
  const task = TASKS[taskName](work, { steps: get('--steps') ? Number(get('--steps')) : undefined });
  for (const lr of lrs) for (const seed of seeds) {
    const started = Date.now();
    const run = await runOne(task, opt.label, opt.config, lr, seed, path.join(work, 'runs'));
    runs.push(run);
    const evals = run.evals.map((e) => `${e.t}:${e.loss.toFixed(4)}`).join(' ');
    process.stdout.write(`${taskName} ${opt.label} lr=${lr} seed=${seed} ${((Date.now() - started) / 1000).toFixed(1)}s${run.diverged ? ` DIVERGED(${run.diverged})` : ''}\n  ${evals}\n`);
  }
  const out = get('--json');
  if (out) fs.writeFileSync(out, JSON.stringify({ command: `npx tsx bench/convergence/pilot.ts ${argv.join(' ')}`, date: new Date().toISOString(), runs }, null, 1) + '\n');
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
