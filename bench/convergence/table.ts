/**
 * The suite's table, per task and optimizer at its tuned lr: training forward passes per step, final
 * eval loss and metric (mean ± sd over seeds), the eval loss at MeZO's training-pass budget (every
 * optimizer runs the same number of STEPS, so one with more passes per step gets a larger budget;
 * this column is the equal-pass comparison), steps and training forward passes to MeZO's final eval
 * loss (mean over the seeds that reached it), and the speedup in forward passes (per seed; mean and worst).
 */
import type { RunResult } from './run-one';
import { compareSeeds, lossAtPasses, meanSd } from './compare-runs';
import { finalLoss } from './tuning';

export interface TaskResult {
  task: string;
  metric: 'accuracy' | 'eval loss';
  /** MeZO's steps (and every optimizer's, unless budget is 'passes'). */
  steps: number;
  /** 'passes' (run.ts --equal-passes): every optimizer ran MeZO's training-pass budget, `steps` per optimizer. */
  budget?: 'steps' | 'passes';
  optimizers: { label: string; config: Record<string, unknown>; steps?: number; grid: { lr: number; score: number }[]; lr: number; runs: RunResult[] }[];
}

const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? v.toFixed(digits) : Number.isNaN(v) ? 'n/a' : 'inf');
const pm = (values: number[], digits = 4) => {
  const { mean, sd } = meanSd(values);
  return `${fmt(mean, digits)} ± ${fmt(sd, digits)}`;
};

export function renderTable(results: TaskResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const baseline = r.optimizers.find((o) => o.label === 'mezo');
    if (!baseline) throw new Error('the table needs a mezo baseline');
    const budget = r.budget === 'passes' ? `equal budget of ${2 * r.steps} training passes (MeZO's ${r.steps} steps)` : `${r.steps} steps`;
    lines.push('', `### ${r.task} (${budget}, ${baseline.runs.length} seeds, metric: ${r.metric})`, '');
    lines.push('| optimizer | passes/step | lr | final eval loss | metric | eval loss at MeZO\'s passes | steps to MeZO final | passes to MeZO final | speedup (passes) mean / worst | reached |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const o of r.optimizers) {
      const finals = o.runs.map(finalLoss);
      const metrics = o.runs.map((run) => {
        const last = run.evals[run.evals.length - 1];
        return r.metric === 'accuracy' ? 100 * (last?.accuracy ?? NaN) : (last?.loss ?? NaN);
      });
      const atBudget = baseline.runs.map((b) => {
        const run = o.runs.find((x) => x.seed === b.seed);
        const budget = b.evals[b.evals.length - 1]?.trainingPasses ?? NaN;
        return run ? lossAtPasses(run, budget) : NaN;
      });
      const cmp = compareSeeds(baseline.runs, o.runs);
      const hits = cmp.filter((c) => c.candidate);
      const speedups = cmp.map((c) => c.passSpeedup ?? 0);
      const steps = hits.length ? meanSd(hits.map((c) => c.candidate!.t)).mean.toFixed(0) : '-';
      const passes = hits.length ? meanSd(hits.map((c) => c.candidate!.trainingPasses)).mean.toFixed(0) : '-';
      const speed = hits.length === cmp.length ? `${meanSd(speedups).mean.toFixed(2)}x / ${Math.min(...speedups).toFixed(2)}x` : hits.length ? `- / 0 (${hits.length} of ${cmp.length})` : '-';
      const perStep = o.runs[0]?.passesPerStep ?? NaN;
      lines.push(`| ${o.label}${o.steps !== undefined ? ` (${o.steps} steps)` : ''} | ${perStep} | ${o.lr.toPrecision(3)} | ${pm(finals)} | ${r.metric === 'accuracy' ? pm(metrics, 1) + '%' : pm(metrics)} | ${pm(atBudget)} | ${steps} | ${passes} | ${speed} | ${hits.length}/${cmp.length} |`);
    }
  }
  return lines.join('\n');
}
