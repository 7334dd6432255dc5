/**
 * Honest accounting for comparisons (vscode-free; charts, the runs view, benchmarks and the CLI use it).
 * ZO optimizers differ in forward passes per step (MeZO 2, HiZOO 3, FZOO N + 1, ZO-SGD-Cons 5), so
 * "steps to target" flatters the expensive ones: every comparison here reports forward passes (and
 * examples and wall time) to reach a target, and any of step / passes / examples / time can be a chart's x.
 *
 * Training passes are counted apart from evaluation passes: step records carry the cumulative count
 * with evaluation included, so the evaluation passes (read off eval records as the jump in the count)
 * are subtracted. Works on run folders written before any of this existed.
 */
import type { EvalRecord, MetricRecord, StepRecord } from '../protocol';

export const X_AXES = [
  { key: 'step', label: 'step' },
  { key: 'forwardPasses', label: 'forward passes' },
  { key: 'examples', label: 'training examples' },
  { key: 'wallSeconds', label: 'wall time (s)' },
] as const;
export type XAxis = (typeof X_AXES)[number]['key'];

/** A step or eval record with every accounting field resolved (passes: training passes only). */
export interface AccountedPoint {
  kind: 'step' | 'eval';
  t: number;
  /** Training forward passes up to and including this point (evaluation passes excluded). */
  trainingPasses: number;
  /** All forward passes, evaluation included (as the records carry them). */
  forwardPasses: number;
  /** Training examples seen. */
  examples: number;
  wallSeconds: number;
  loss: number;
  accuracy?: number;
}

/** Step and eval records in order, each with training passes, examples and wall time filled in. */
export function accountedPoints(records: readonly MetricRecord[]): AccountedPoint[] {
  const out: AccountedPoint[] = [];
  let evalPasses = 0;
  let lastPasses = 0;
  let examples = 0;
  for (const r of records) {
    if (r.kind === 'step') {
      examples = r.examples;
      lastPasses = r.forwardPasses;
      out.push(point(r, r.forwardPasses - evalPasses, examples));
    } else if (r.kind === 'eval') {
      evalPasses += Math.max(0, r.forwardPasses - lastPasses);
      lastPasses = r.forwardPasses;
      out.push(point(r, r.forwardPasses - evalPasses, r.trainExamples ?? examples));
    }
  }
  return out;
}

function point(r: StepRecord | EvalRecord, trainingPasses: number, examples: number): AccountedPoint {
  return {
    kind: r.kind,
    t: r.t,
    trainingPasses,
    forwardPasses: r.forwardPasses,
    examples,
    wallSeconds: r.wallMs / 1000,
    loss: r.loss,
    ...(r.kind === 'eval' && r.accuracy !== undefined ? { accuracy: r.accuracy } : {}),
  };
}

/** The x value of a point on the chosen axis (forward passes: training passes, as comparisons use). */
export function xOf(p: AccountedPoint, axis: XAxis): number {
  switch (axis) {
    case 'step':
      return p.t;
    case 'forwardPasses':
      return p.trainingPasses;
    case 'examples':
      return p.examples;
    case 'wallSeconds':
      return p.wallSeconds;
  }
}

/** [x, y] series of one kind of point on any x axis: e.g. eval loss against forward passes. */
export function series(records: readonly MetricRecord[], kind: 'step' | 'eval', axis: XAxis, y: (p: AccountedPoint) => number | undefined = (p) => p.loss): [number, number][] {
  const out: [number, number][] = [];
  for (const p of accountedPoints(records)) {
    if (p.kind !== kind) continue;
    const v = y(p);
    if (v !== undefined) out.push([xOf(p, axis), v]);
  }
  return out;
}

/** What reaching a target cost: the first evaluation at or below it. */
export interface CostToTarget {
  t: number;
  trainingPasses: number;
  examples: number;
  wallSeconds: number;
  loss: number;
}

export function costToTarget(records: readonly MetricRecord[], targetEvalLoss: number): CostToTarget | null {
  for (const p of accountedPoints(records)) {
    if (p.kind === 'eval' && p.loss <= targetEvalLoss) return { t: p.t, trainingPasses: p.trainingPasses, examples: p.examples, wallSeconds: p.wallSeconds, loss: p.loss };
  }
  return null;
}

export interface ComparedRun {
  label: string;
  optimizer: string;
  lr: number;
  passesPerStep: number;
  records: readonly MetricRecord[];
}

export interface ComparisonRow {
  label: string;
  optimizer: string;
  lr: number;
  passesPerStep: number;
  steps: number;
  trainingPasses: number;
  wallSeconds: number;
  firstEvalLoss: number | null;
  finalEvalLoss: number | null;
  finalAccuracy: number | null;
  toTarget: CostToTarget | null;
  /** Baseline's training passes to target / this run's (> 1: fewer passes than the baseline). */
  passSpeedup: number | null;
}

/** One row per run, all measured against one target eval loss; the first run is the baseline. */
export function comparisonRows(runs: readonly ComparedRun[], targetEvalLoss: number): ComparisonRow[] {
  const hits = runs.map((r) => costToTarget(r.records, targetEvalLoss));
  const base = hits[0];
  return runs.map((r, i) => {
    const points = accountedPoints(r.records);
    const evals = points.filter((p) => p.kind === 'eval');
    const steps = points.filter((p) => p.kind === 'step');
    const last = points.at(-1);
    const hit = hits[i];
    return {
      label: r.label,
      optimizer: r.optimizer,
      lr: r.lr,
      passesPerStep: r.passesPerStep,
      steps: steps.at(-1)?.t ?? 0,
      trainingPasses: last?.trainingPasses ?? 0,
      wallSeconds: last?.wallSeconds ?? 0,
      firstEvalLoss: evals[0]?.loss ?? null,
      finalEvalLoss: evals.at(-1)?.loss ?? null,
      finalAccuracy: evals.at(-1)?.accuracy ?? null,
      toTarget: hit,
      passSpeedup: base && hit && hit.trainingPasses > 0 ? base.trainingPasses / hit.trainingPasses : null,
    };
  });
}

/** A plain-text table (Markdown-compatible) of comparison rows, forward passes first. */
export function formatComparison(rows: readonly ComparisonRow[], targetEvalLoss: number): string {
  const header = ['run', 'optimizer', 'lr', 'passes/step', 'steps', 'train passes', `passes to eval ≤ ${targetEvalLoss.toFixed(4)}`, 'steps to target', 'speedup in passes', 'final eval loss', 'final acc', 'wall s'];
  const cells = rows.map((r) => [
    r.label,
    r.optimizer,
    String(r.lr),
    String(r.passesPerStep),
    String(r.steps),
    String(r.trainingPasses),
    r.toTarget ? String(r.toTarget.trainingPasses) : 'not reached',
    r.toTarget ? String(r.toTarget.t) : '-',
    r.passSpeedup !== null ? `${r.passSpeedup.toFixed(2)}x` : '-',
    r.finalEvalLoss !== null ? r.finalEvalLoss.toFixed(4) : '-',
    r.finalAccuracy !== null ? `${(100 * r.finalAccuracy).toFixed(1)}%` : '-',
    r.wallSeconds.toFixed(1),
  ]);
  const line = (xs: string[]) => `| ${xs.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...cells.map(line)].join('\n');
}
