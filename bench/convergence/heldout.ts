/**
 * The held-out protocol (docs/heldout.md), one command:
 *
 *   npm run bench:convergence -- --heldout [--split tuning|heldout|all] [--tasks a,b]
 *        [--optimizers mezo,helene-paper,helene-recommended] [--seeds 3] [--steps N] [--out file.json]
 *   npm run bench:convergence -- --heldout --render a.json[,b.json]  # the tables again, from the JSON (parts merged)
 *   … --baseline a.json[,b.json]   reuse their MeZO rows (MeZO is deterministic; saves rerunning the baseline for a new optimizer)
 *
 * For every task of the split (split.ts) and every optimizer: the lr rule (lr-rule.ts: a fixed grid
 * probed on the first 10 % of the task's budget, seed 1), then the full budget at that lr on seeds
 * 1..3 through the real Trainer. Tables (heldout-table.ts) report tuning and held-out tasks apart,
 * speedups in TRAINING forward passes per seed. The JSON is rewritten after every task, so an
 * interrupted suite keeps what it finished.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SUITE, SUITE_OPTIMIZERS, suiteTask, type Split } from './split';
import { BENCH_OPTIMIZERS } from './optimizers';
import { runOne, type RunResult } from './run-one';
import { chooseLr, probeSteps, PROBE_SEED } from './lr-rule';
import { renderHeldoutTables, type HeldoutTaskResult } from './heldout-table';

interface Args {
  split: Split | 'all';
  tasks: string[];
  optimizers: string[];
  seeds: number[];
  steps?: number;
  out: string;
  render?: string;
  /** Results JSON whose MeZO rows are reused instead of rerun (MeZO is deterministic: same seeds, same numbers). */
  baseline?: string;
}

function parseArgs(argv: string[]): Args {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const split = (get('--split') ?? 'all') as Args['split'];
  if (!['tuning', 'heldout', 'all'].includes(split)) throw new Error(`--split must be tuning, heldout or all, got ${split}`);
  const tasks = get('--tasks')?.split(',') ?? SUITE.filter((t) => split === 'all' || t.split === split).map((t) => t.name);
  for (const t of tasks) suiteTask(t);
  const optimizers = get('--optimizers')?.split(',') ?? SUITE_OPTIMIZERS;
  for (const o of optimizers) if (!BENCH_OPTIMIZERS.some((b) => b.label === o)) throw new Error(`unknown optimizer ${o}; known: ${BENCH_OPTIMIZERS.map((b) => b.label).join(', ')}`);
  if (optimizers[0] !== 'mezo') throw new Error('--optimizers must start with mezo (the baseline)');
  const seedCount = Number(get('--seeds') ?? 3);
  if (!(Number.isInteger(seedCount) && seedCount >= 1)) throw new Error(`--seeds must be a whole number >= 1, got ${get('--seeds')}`);
  const steps = get('--steps') !== undefined ? Number(get('--steps')) : undefined;
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 10)) throw new Error(`--steps must be a whole number >= 10, got ${get('--steps')}`);
  const out = get('--out') ?? path.join('bench', 'convergence', 'results', `heldout-${split}.json`);
  return { split, tasks, optimizers, seeds: Array.from({ length: seedCount }, (_, i) => i + 1), steps, out, render: get('--render'), baseline: get('--baseline') };
}

/** The MeZO row of a task from --baseline (same steps and seeds required), or undefined. */
function baselineRow(args: Args, task: string): HeldoutTaskResult['optimizers'][number] | undefined {
  if (!args.baseline) return undefined;
  const results = args.baseline.split(',').flatMap((f) => (JSON.parse(fs.readFileSync(f, 'utf8')) as { results: HeldoutTaskResult[] }).results);
  const row = results.find((r) => r.task === task)?.optimizers.find((o) => o.label === 'mezo');
  if (!row) throw new Error(`--baseline ${args.baseline} has no MeZO row for ${task}`);
  const seeds = row.runs.map((r) => r.seed).join(',');
  if (seeds !== args.seeds.join(',') || args.steps !== undefined) throw new Error(`--baseline ${args.baseline}: MeZO on ${task} ran seeds ${seeds}, this run wants ${args.seeds.join(',')}${args.steps !== undefined ? ' and --steps' : ''}`);
  return row;
}

export async function heldoutMain(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args.render) {
    // Several files (comma-separated): parts of one suite run in parallel processes, tables in split order.
    // The same task in several files (another optimizer run later against the same MeZO): one table,
    // each optimizer once (the first file's row; MeZO is deterministic, so its rows are the same).
    const merged = new Map<string, HeldoutTaskResult>();
    for (const file of args.render.split(',')) {
      for (const r of (JSON.parse(fs.readFileSync(file, 'utf8')) as { results: HeldoutTaskResult[] }).results) {
        const into = merged.get(r.task);
        if (!into) merged.set(r.task, { ...r, optimizers: [...r.optimizers] });
        else for (const o of r.optimizers) if (!into.optimizers.some((x) => x.label === o.label)) into.optimizers.push(o);
      }
    }
    const order = (name: string) => SUITE.findIndex((t) => t.name === name);
    process.stdout.write(renderHeldoutTables([...merged.values()].sort((a, b) => order(a.task) - order(b.task))) + '\n');
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-heldout-'));
  const runsDir = path.join(work, 'runs');
  const results: HeldoutTaskResult[] = [];
  const started = Date.now();
  const save = () => {
    fs.mkdirSync(path.dirname(args.out), { recursive: true });
    const command = `npm run bench:convergence -- --heldout ${argv.filter((a) => a !== '--heldout').join(' ')}`.trim();
    fs.writeFileSync(args.out, JSON.stringify({ command, date: new Date().toISOString(), seconds: (Date.now() - started) / 1000, seeds: args.seeds, results }, null, 1) + '\n');
  };
  const log = (text: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${text}\n`);
  try {
    for (const name of args.tasks) {
      const spec = suiteTask(name);
      const task = spec.make(work, { steps: args.steps });
      const probeAt = probeSteps(task.steps);
      const result: HeldoutTaskResult = { task: spec.name, split: spec.split, kind: spec.kind, metric: task.metric, steps: task.steps, probeSteps: probeAt, optimizers: [] };
      results.push(result);
      for (const label of args.optimizers) {
        const opt = BENCH_OPTIMIZERS.find((o) => o.label === label)!;
        const reused = label === 'mezo' ? baselineRow(args, name) : undefined;
        if (reused) {
          log(`${name} mezo: reused from ${args.baseline} (lr ${reused.lr})`);
          result.optimizers.push(reused);
          save();
          continue;
        }
        const { probes, lr: chosen } = await chooseLr(async (lr) => {
          const run = await runOne(task, label, opt.config, lr, PROBE_SEED, runsDir, { stopAt: probeAt });
          log(`${name} ${label} probe lr=${lr}: ${run.diverged ? 'diverged' : run.evals.at(-1)?.loss.toFixed(4)}`);
          return run;
        });
        const runs: RunResult[] = [];
        if (chosen !== null) {
          for (const seed of args.seeds) {
            runs.push(await runOne(task, label, opt.config, chosen, seed, runsDir));
            log(`${name} ${label} lr=${chosen} seed ${seed}: final eval loss ${runs.at(-1)!.diverged ? 'diverged' : runs.at(-1)!.evals.at(-1)?.loss.toFixed(4)}`);
          }
        } else log(`${name} ${label}: every lr probe was rejected; no full runs`);
        result.optimizers.push({ label, config: opt.config, lr: chosen, probes, runs });
        fs.rmSync(runsDir, { recursive: true, force: true });
        save();
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(renderHeldoutTables(results) + '\n');
  process.stdout.write(`results: ${args.out} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
}
