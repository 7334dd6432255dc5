/**
 * Issue 16's check of the lr finder on the suite (docs/heldout.md, "The lr finder on the suite"):
 *
 *   npm run bench:convergence -- --lr-finder-check [--split tuning|heldout|all] [--tasks a,b] [--seeds 3 | --seed-list 2,3]
 *        [--optimizers mezo,...] [--seeds 3] [--budget 600] [--out file.json]
 *
 * For every task, optimizer and seed: the run's config as a user would write it (the task's config,
 * that seed, the optimizer with its default lr), `findLearningRate` on it with the CLI's default
 * budget (what `helene-studio lr-find --config` does), then the full run at the suggested lr through
 * the real Trainer, with the default guards (evaluated at its start and end only: the verdict needs no
 * curve, and the suite's 40 evaluations per run cost about as many passes as the training). Verdict per run:
 *   diverged  a guard stopped it (or the finder suggested nothing);
 *   stalled   final eval loss not below the start by STALL_MARGIN (0.5 %) of the starting eval loss;
 *   ok        otherwise.
 * Why 0.5 %: the smallest gain MeZO makes at the held-out protocol's lr on any suite task is 1.4 %
 * (tiny-gpt-lora, 3.750 -> 3.698); a run that gains less has learned nothing worth its budget.
 * The default optimizers are MeZO and the recommended preset (runtime/optim/presets.ts; MeZO itself
 * since issue 16, so MeZO alone); --optimizers adds others (helene-recommended = the HELENE layerwise preset).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mergeConfig, resolveConfig, type UserConfig } from '../../runtime/protocol';
import { findLearningRate } from '../../runtime/run/lr-finder';
import { OPTIMIZER_PRESETS } from '../../runtime/optim/presets';
import { SUITE, suiteTask, type Split } from './split';
import { BENCH_OPTIMIZERS } from './optimizers';
import { runOne, type RunResult } from './run-one';

export const STALL_MARGIN = 0.005;

export type Verdict = 'ok' | 'stalled' | 'diverged';

export interface FinderCheckRow {
  task: string;
  split: Split;
  optimizer: string;
  seed: number;
  suggested: number | null;
  finderPasses: number;
  finderMessage: string;
  startLoss: number | null;
  finalLoss: number | null;
  verdict: Verdict;
  why: string;
}

/** The verdict of a full run at the finder's lr (null: no suggestion). */
export function verdictOf(run: RunResult | null): { verdict: Verdict; why: string } {
  if (!run) return { verdict: 'diverged', why: 'the finder suggested no lr' };
  if (run.diverged) return { verdict: 'diverged', why: run.diverged };
  const start = run.evals[0]?.loss;
  const final = run.evals.at(-1)?.loss;
  if (start === undefined || final === undefined || !Number.isFinite(final)) return { verdict: 'diverged', why: 'no finite final evaluation' };
  if (!(final < start * (1 - STALL_MARGIN))) return { verdict: 'stalled', why: `final ${final.toFixed(4)} not below start ${start.toFixed(4)} by ${STALL_MARGIN * 100} %` };
  return { verdict: 'ok', why: `${start.toFixed(4)} -> ${final.toFixed(4)}` };
}

export function renderFinderCheck(rows: FinderCheckRow[]): string {
  const lines: string[] = [];
  for (const split of ['tuning', 'heldout'] as const) {
    const mine = rows.filter((r) => r.split === split);
    if (!mine.length) continue;
    lines.push(`\n### lr finder on the ${split === 'tuning' ? 'tuning' : 'HELD-OUT'} tasks\n`);
    lines.push('| task | optimizer | seed | suggested lr | finder passes | start eval loss | final eval loss | verdict |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const r of mine) lines.push(`| ${r.task} | ${r.optimizer} | ${r.seed} | ${r.suggested === null ? 'none' : r.suggested} | ${r.finderPasses} | ${r.startLoss?.toFixed(4) ?? '-'} | ${r.finalLoss?.toFixed(4) ?? '-'} | ${r.verdict}${r.verdict === 'ok' ? '' : ` (${r.why})`} |`);
    const count = (v: Verdict) => mine.filter((r) => r.verdict === v).length;
    lines.push(`\n${split}: ${count('ok')} ok, ${count('stalled')} stalled, ${count('diverged')} diverged of ${mine.length} runs.`);
  }
  return lines.join('\n');
}

export async function lrFinderCheckMain(argv: string[]): Promise<void> {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (get('--render')) {
    const rows = get('--render')!.split(',').flatMap((f) => (JSON.parse(fs.readFileSync(f, 'utf8')) as { rows: FinderCheckRow[] }).rows);
    process.stdout.write(renderFinderCheck(rows) + '\n');
    return;
  }
  const split = (get('--split') ?? 'tuning') as Split | 'all';
  if (!['tuning', 'heldout', 'all'].includes(split)) throw new Error(`--split must be tuning, heldout or all, got ${split}`);
  const tasks = get('--tasks')?.split(',') ?? SUITE.filter((t) => split === 'all' || t.split === split).map((t) => t.name);
  for (const t of tasks) suiteTask(t);
  const recommended = OPTIMIZER_PRESETS[0].id === 'mezo' ? [] : ['helene-recommended'];
  const optimizers = get('--optimizers')?.split(',') ?? ['mezo', ...recommended];
  for (const o of optimizers) if (!BENCH_OPTIMIZERS.some((b) => b.label === o)) throw new Error(`unknown optimizer ${o}`);
  // --seed-list 2,3: only those seeds (to complete a table run earlier with fewer; merge with --render).
  const seeds = get('--seed-list')?.split(',').map(Number) ?? Array.from({ length: Number(get('--seeds') ?? 3) }, (_, i) => i + 1);
  if (seeds.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`--seed-list takes whole numbers >= 1, got ${get('--seed-list')}`);
  const budget = get('--budget') !== undefined ? Number(get('--budget')) : undefined;
  const out = get('--out') ?? path.join('bench', 'convergence', 'results', `lr-finder-check-${split}.json`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-lr-check-'));
  const runsDir = path.join(work, 'runs');
  const rows: FinderCheckRow[] = [];
  const started = Date.now();
  const log = (text: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${text}\n`);
  try {
    for (const name of tasks) {
      const spec = suiteTask(name);
      const task = spec.make(work);
      for (const label of optimizers) {
        const opt = BENCH_OPTIMIZERS.find((o) => o.label === label)!;
        for (const seed of seeds) {
          // The user's config: the task, this seed, the optimizer at its default lr.
          const user = mergeConfig(task.base as Record<string, unknown>, { seed, optimizer: { ...opt.config }, output: { runsDir, runId: `finder-${label}-${seed}` } }) as UserConfig;
          const found = await findLearningRate(resolveConfig(user).config, { budgetPasses: budget });
          const run = found.suggested === null ? null : await runOne(task, label, opt.config, found.suggested, seed, runsDir, { evalEvery: 0 });
          const { verdict, why } = verdictOf(run);
          rows.push({
            task: name, split: spec.split, optimizer: label, seed, suggested: found.suggested, finderPasses: found.passes, finderMessage: found.message,
            startLoss: run?.evals[0]?.loss ?? null, finalLoss: run && !run.diverged ? (run.evals.at(-1)?.loss ?? null) : null, verdict, why,
          });
          log(`${name} ${label} seed ${seed}: lr ${found.suggested} -> ${verdict} (${why})`);
          fs.rmSync(runsDir, { recursive: true, force: true });
          fs.mkdirSync(path.dirname(out), { recursive: true });
          fs.writeFileSync(out, JSON.stringify({ command: `npm run bench:convergence -- ${argv.join(' ')}`, date: new Date().toISOString(), seconds: (Date.now() - started) / 1000, stallMargin: STALL_MARGIN, rows }, null, 1) + '\n');
        }
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(renderFinderCheck(rows) + '\n');
  process.stdout.write(`results: ${out} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
}
