/**
 * The convergence suite: tasks × optimizers × lr grid × seeds, every run through the real Trainer
 * with the same seeds (so the same data order and step seeds for every optimizer). Prints the table
 * and writes every run's evaluations to a JSON file.
 *
 *   npm run bench:convergence -- --heldout …   the held-out protocol (heldout.ts, docs/heldout.md)
 *   npm run bench:convergence -- --lr-finder-check …   the lr finder on the suite (lr-finder-check.ts)
 *   npx tsx bench/convergence/run.ts [--quick] [--tasks demo-mlp,least-squares]
 *        [--optimizers mezo,helene-layerwise] [--seeds 3] [--steps N] [--equal-passes] [--out file.json]
 *
 * Tasks: demo-mlp, least-squares (default) and tiny-encoder (the pre-trained encoder fixture, when present).
 * --quick: 1 seed, 1000 steps, MeZO / HELENE paper / HELENE layerwise-row (a smoke run, ~1 minute).
 * Speedups are in TRAINING forward passes (evaluation passes excluded), not steps or seconds.
 * --equal-passes: every optimizer gets MeZO's training-pass budget (steps × 2 passes) instead of the
 * same number of steps, i.e. round(steps × 2 / its passes per step) steps (FZOO N + 1, HiZOO 3,
 * ZO-SGD-Cons 5), eval every 1/40 of its run as usual; the lr tuning then scores the final eval loss
 * at that equal budget. Without it the step count is shared and the extra passes are a larger budget.
 * --part: one share of a run split over several processes by optimizer (the same loop, seeds and
 * code per optimizer, so the numbers are the ones a single process gives): the optimizer list need
 * not start with mezo and no table is printed; merge the parts with merge-parts.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TASKS, type TaskName } from './tasks';
import { BENCH_OPTIMIZERS, QUICK_OPTIMIZERS } from './optimizers';
import { runOne, type RunResult } from './run-one';
import { tuneLr, type LrScore } from './tuning';
import { renderTable, type TaskResult } from './table';
import { mergeConfig, resolveConfig, type UserConfig } from '../../runtime/protocol';
import { passesPerStepOf } from '../../runtime/run/lr-finder';

interface Args {
  quick: boolean;
  tasks: TaskName[];
  optimizers: string[];
  seeds: number[];
  steps?: number;
  equalPasses: boolean;
  part: boolean;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const tasks = (get('--tasks')?.split(',') ?? ['demo-mlp', 'least-squares']) as TaskName[];
  for (const t of tasks) if (!(t in TASKS)) throw new Error(`unknown task ${t}; known: ${Object.keys(TASKS).join(', ')}`);
  const optimizers = get('--optimizers')?.split(',') ?? (quick ? QUICK_OPTIMIZERS : BENCH_OPTIMIZERS.map((o) => o.label));
  for (const o of optimizers) if (!BENCH_OPTIMIZERS.some((b) => b.label === o)) throw new Error(`unknown optimizer ${o}`);
  const part = argv.includes('--part');
  if (!part && optimizers[0] !== 'mezo') throw new Error('--optimizers must start with mezo (the baseline)');
  const seedCount = Number(get('--seeds') ?? (quick ? 1 : 3));
  const steps = get('--steps') ? Number(get('--steps')) : quick ? 1000 : undefined;
  const out = get('--out') ?? path.join('bench', 'convergence', 'results', quick ? 'quick.json' : 'results.json');
  const equalPasses = argv.includes('--equal-passes');
  return { quick, tasks, optimizers, seeds: Array.from({ length: seedCount }, (_, i) => i + 1), steps, equalPasses, part, out };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-convergence-'));
  const runsDir = path.join(work, 'runs');
  const results: TaskResult[] = [];
  const started = Date.now();
  for (const taskName of args.tasks) {
    const baseTask = TASKS[taskName](work, { steps: args.steps });
    const tuned: TaskResult['optimizers'] = [];
    for (const label of args.optimizers) {
      const opt = BENCH_OPTIMIZERS.find((o) => o.label === label)!;
      let task = baseTask;
      if (args.equalPasses) {
        const perStep = passesPerStepOf(resolveConfig(mergeConfig(baseTask.base, { optimizer: opt.config }) as UserConfig).config);
        const steps = Math.max(1, Math.round((baseTask.steps * 2) / perStep));
        if (steps !== baseTask.steps) task = TASKS[taskName](work, { steps });
      }
      const runAt = async (lr: number): Promise<RunResult[]> => {
        const runs: RunResult[] = [];
        for (const seed of args.seeds) runs.push(await runOne(task, label, opt.config, lr, seed, runsDir));
        process.stderr.write(`  ${taskName} ${label} lr=${lr.toPrecision(3)}: mean final eval loss ${mean(runs).toFixed(4)}\n`);
        return runs;
      };
      const { grid, best } = await tuneLr(opt.anchor[taskName] ?? opt.anchor['demo-mlp'], 3, runAt);
      tuned.push({ label, config: opt.config, ...(task.steps !== baseTask.steps ? { steps: task.steps } : {}), grid: grid.map((g: LrScore) => ({ lr: g.lr, score: g.score })), lr: best.lr, runs: best.runs });
      fs.rmSync(runsDir, { recursive: true, force: true });
    }
    results.push({ task: baseTask.name, metric: baseTask.metric, steps: baseTask.steps, ...(args.equalPasses ? { budget: 'passes' as const } : {}), optimizers: tuned });
  }
  if (!args.part) process.stdout.write(renderTable(results) + '\n');
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, JSON.stringify({ command: `npx tsx bench/convergence/run.ts ${process.argv.slice(2).join(' ')}`.trim(), date: new Date().toISOString(), seconds: (Date.now() - started) / 1000, seeds: args.seeds, results }, null, 1) + '\n');
  process.stdout.write(`results: ${args.out} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  fs.rmSync(work, { recursive: true, force: true });
}

function mean(runs: RunResult[]): number {
  return runs.reduce((s, r) => s + (r.diverged ? Infinity : r.evals[r.evals.length - 1]?.loss ?? Infinity), 0) / runs.length;
}

// The held-out protocol (heldout.ts) has its own flags and tables.
const run = process.argv.includes('--heldout')
  ? () => import('./heldout').then((m) => m.heldoutMain(process.argv.slice(2)))
  : process.argv.includes('--lr-finder-check')
    ? () => import('./lr-finder-check').then((m) => m.lrFinderCheckMain(process.argv.slice(2).filter((a) => a !== '--lr-finder-check')))
    : main;
run().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
