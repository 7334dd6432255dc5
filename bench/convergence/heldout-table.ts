/**
 * The held-out protocol's tables (docs/heldout.md): tuning and held-out tasks apart, one table per
 * task, per optimizer at the lr the rule chose: final eval loss and metric (mean and worst seed),
 * training forward passes to MeZO's final eval loss on each seed (evaluation passes never counted),
 * the speedup per seed with its mean and worst, and wall time. Then one verdict line per split: on
 * how many tasks each optimizer met the goal (mean >= 3x, worst seed >= 1.5x).
 */
import type { RunResult } from './run-one';
import { compareSeeds, meanSd } from './compare-runs';
import { finalLoss } from './tuning';
import type { LrProbe } from './lr-rule';
import type { Split } from './split';

export const GOAL = { mean: 3, worst: 1.5 };

export interface OptimizerOutcome {
  label: string;
  config: Record<string, unknown>;
  /** null: every probe of the lr rule was rejected (no full runs). */
  lr: number | null;
  probes: LrProbe[];
  runs: RunResult[];
}

export interface HeldoutTaskResult {
  task: string;
  split: Split;
  kind: string;
  metric: 'accuracy' | 'eval loss';
  steps: number;
  probeSteps: number;
  optimizers: OptimizerOutcome[];
}

export interface SeedSpeedups {
  /** Per seed: MeZO's training passes to its final eval loss / this optimizer's (0 = never reached). */
  perSeed: number[];
  mean: number;
  worst: number;
  /** Per seed: this optimizer's training passes to MeZO's final eval loss (null = never reached). */
  passes: (number | null)[];
}

/** Seeds on which MeZO itself diverged have no target: they are left out of the comparison (and named). */
export function speedups(baseline: RunResult[], candidate: RunResult[]): SeedSpeedups {
  const cmp = compareSeeds(baseline.filter((b) => Number.isFinite(finalLoss(b))), candidate);
  const perSeed = cmp.map((c) => c.passSpeedup ?? 0);
  return { perSeed, mean: meanSd(perSeed).mean, worst: Math.min(...perSeed), passes: cmp.map((c) => c.candidate?.trainingPasses ?? null) };
}

export function meetsGoal(s: SeedSpeedups): boolean {
  return s.perSeed.length > 0 && s.mean >= GOAL.mean && s.worst >= GOAL.worst;
}

const f4 = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : 'diverged');

function metricOf(run: RunResult, metric: HeldoutTaskResult['metric']): number {
  const last = run.evals[run.evals.length - 1];
  if (run.diverged || !last) return NaN;
  return metric === 'accuracy' ? 100 * (last.accuracy ?? NaN) : last.loss;
}

function taskTable(r: HeldoutTaskResult): string[] {
  const base = r.optimizers.find((o) => o.label === 'mezo');
  const lines = ['', `### ${r.task} (${r.split === 'heldout' ? 'HELD OUT' : 'tuning'}: ${r.kind}; ${r.steps} steps, lr probes ${r.probeSteps} steps)`, ''];
  lines.push(`| optimizer | passes/step | lr (rule) | final eval loss mean / worst | ${r.metric === 'accuracy' ? 'accuracy mean / worst' : 'metric'} | training passes to MeZO's final, per seed | speedup per seed | mean / worst | wall s (mean) |`);
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const o of r.optimizers) {
    if (o.lr === null || o.runs.length === 0) {
      lines.push(`| ${o.label} | - | none: every probe rejected | - | - | - | - | - | - |`);
      continue;
    }
    const finals = o.runs.map(finalLoss);
    const metrics = o.runs.map((run) => metricOf(run, r.metric));
    const worstMetric = r.metric === 'accuracy' ? Math.min(...metrics) : Math.max(...metrics);
    const pct = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)}%` : 'diverged');
    const metricText = r.metric === 'accuracy' ? `${pct(meanSd(metrics).mean)} / ${pct(worstMetric)}` : '= loss';
    const baseDiverged = base ? base.runs.filter((b) => !Number.isFinite(finalLoss(b))).map((b) => b.seed) : [];
    const s0 = base && base.runs.length ? speedups(base.runs, o.runs) : null;
    const s = s0 && s0.perSeed.length ? s0 : null;
    const wall = o.runs.filter((x) => x.wallSeconds !== undefined).map((x) => x.wallSeconds!);
    lines.push(
      `| ${o.label} | ${o.runs[0].passesPerStep} | ${o.lr.toPrecision(2)} | ${f4(meanSd(finals).mean)} / ${f4(Math.max(...finals))} | ${metricText} | ` +
        `${s ? s.passes.map((p) => (p === null ? 'not reached' : String(p))).join(', ') : '-'}${baseDiverged.length ? ` (MeZO diverged on seed ${baseDiverged.join(', ')})` : ''} | ${s ? s.perSeed.map((x) => `${x.toFixed(2)}x`).join(', ') : '-'} | ` +
        `${s ? `${s.mean.toFixed(2)}x / ${s.worst.toFixed(2)}x${meetsGoal(s) && o.label !== 'mezo' ? ' (goal)' : ''}` : '-'} | ${wall.length ? meanSd(wall).mean.toFixed(0) : '-'} |`,
    );
  }
  return lines;
}

/** Per split: for every non-baseline optimizer, on how many tasks it met the goal, and its speedups. */
function verdict(results: HeldoutTaskResult[], split: Split): string[] {
  const tasks = results.filter((r) => r.split === split);
  const labels = [...new Set(tasks.flatMap((r) => r.optimizers.map((o) => o.label)))].filter((l) => l !== 'mezo');
  return labels.map((label) => {
    // Tasks the optimizer was not run on (a later run of it on some tasks only) are left out, and said so.
    const ran = tasks.filter((r) => r.optimizers.some((x) => x.label === label));
    const parts = ran.map((r) => {
      const base = r.optimizers.find((o) => o.label === 'mezo');
      const o = r.optimizers.find((x) => x.label === label)!;
      if (!base || o.runs.length === 0) return { task: r.task, text: 'no stable lr', goal: false };
      const s = speedups(base.runs, o.runs);
      if (!s.perSeed.length) return { task: r.task, text: 'no MeZO target', goal: false };
      return { task: r.task, text: `${s.mean.toFixed(2)}x / ${s.worst.toFixed(2)}x`, goal: meetsGoal(s) };
    });
    const notRun = tasks.length - ran.length;
    return `- ${label}: goal met on ${parts.filter((p) => p.goal).length} of ${parts.length} ${split === 'heldout' ? 'held-out' : 'tuning'} tasks (${parts.map((p) => `${p.task} ${p.text}`).join('; ')})${notRun ? `; not run on ${notRun} (${tasks.filter((r) => !ran.includes(r)).map((r) => r.task).join(', ')})` : ''}`;
  });
}

export function renderHeldoutTables(results: HeldoutTaskResult[]): string {
  const out: string[] = [];
  for (const split of ['tuning', 'heldout'] as const) {
    const tasks = results.filter((r) => r.split === split);
    if (!tasks.length) continue;
    out.push('', `## ${split === 'heldout' ? 'Held-out tasks (nothing was chosen on these)' : 'Tuning tasks (every choice was made on these)'}`);
    for (const r of tasks) out.push(...taskTable(r));
    out.push('', `Goal: >= ${GOAL.mean}x fewer training forward passes than MeZO to MeZO's final eval loss (mean of seeds), worst seed >= ${GOAL.worst}x.`, ...verdict(results, split));
  }
  return out.join('\n');
}
