/**
 * Comparison arithmetic on run records (vscode-free, browser-safe: no Node imports; the demo, the
 * runs view, the compare panel and benchmarks use it): steps and forward passes a run needs to
 * reach a target eval loss, and speedups against a baseline.
 *
 * Forward passes: the cumulative `forwardPasses` of step and eval records include the evaluation
 * passes, and two runs may evaluate on different schedules, so every speedup here counts training
 * passes only (see trainingPassesAt). HiZOO spends 3 passes per step, the others 2 (FZOO N + 1).
 */
import type { CompareTarget, EvalRecord, MetricRecord } from '../protocol';

export interface TargetHit {
  t: number;
  forwardPasses: number;
  wallMs: number;
}

/** First evaluation at which the eval loss is <= target; null if never reached. */
export function firstEvalReaching(records: MetricRecord[], target: number): TargetHit | null {
  for (const r of records) {
    if (r.kind === 'eval' && r.loss <= target) return { t: r.t, forwardPasses: r.forwardPasses, wallMs: r.wallMs };
  }
  return null;
}

export function evalRecords(records: MetricRecord[]): EvalRecord[] {
  return records.filter((r): r is EvalRecord => r.kind === 'eval');
}

export function finalEval(records: MetricRecord[]): EvalRecord | null {
  const evals = evalRecords(records);
  return evals.length ? evals[evals.length - 1] : null;
}

/**
 * Walk the records once and report, for every step and eval record, the training forward passes
 * spent so far: the cumulative count minus every evaluation's passes. An evaluation's own passes
 * are the jump of the cumulative count across it. A resumed run may replay steps with a smaller
 * count; a negative jump is then not an evaluation's cost and counts as 0.
 */
export function forEachTrainingPasses(records: MetricRecord[], visit: (record: MetricRecord, trainingPasses: number) => void): void {
  let last = 0;
  let evalPasses = 0;
  let training = 0;
  for (const r of records) {
    if (r.kind === 'eval') {
      evalPasses += Math.max(0, r.forwardPasses - last);
      last = r.forwardPasses;
      visit(r, training);
    } else if (r.kind === 'step') {
      last = r.forwardPasses;
      training = r.forwardPasses - evalPasses;
      visit(r, training);
    }
  }
}

/**
 * Forward passes spent on training steps up to step t (evaluation passes excluded), so optimizers
 * with a different evaluation schedule compare fairly.
 */
export function trainingPassesAt(records: MetricRecord[], t: number): number {
  let passes = 0;
  forEachTrainingPasses(records, (r, training) => {
    if (r.kind === 'step' && r.t <= t) passes = training;
  });
  return passes;
}

/**
 * The loss a run must reach: the baseline's final eval loss, the mean of its last `evals` eval
 * losses (a noisy final eval would otherwise decide the comparison), or a given value.
 */
export function targetLoss(baseline: MetricRecord[], target: CompareTarget): number | null {
  if (target.kind === 'value') return target.loss;
  const evals = evalRecords(baseline);
  if (evals.length === 0) return null;
  if (target.kind === 'final') return evals[evals.length - 1].loss;
  const tail = evals.slice(-Math.max(1, target.evals));
  return tail.reduce((s, e) => s + e.loss, 0) / tail.length;
}

export type HitWithPasses = TargetHit & { trainingPasses: number };

export function hitWithTrainingPasses(records: MetricRecord[], target: number): HitWithPasses | null {
  const hit = firstEvalReaching(records, target);
  return hit ? { ...hit, trainingPasses: trainingPassesAt(records, hit.t) } : null;
}

/** baseline / candidate, or null where it would be undefined (no hit, or a candidate hit at 0 cost). */
export function ratio(baseline: number | undefined, candidate: number | undefined): number | null {
  if (baseline === undefined || candidate === undefined || !(candidate > 0)) return null;
  return baseline / candidate;
}

export interface Speedup {
  target: number;
  baseline: HitWithPasses;
  candidate: HitWithPasses | null;
  stepRatio: number | null;
  passRatio: number | null;
}

/**
 * How much faster `candidate` reaches the baseline's target loss, in steps and in training forward
 * passes. Null when the baseline has no eval, or never reaches a fixed target itself.
 */
export function speedupAgainst(baseline: MetricRecord[], candidate: MetricRecord[], target: CompareTarget = { kind: 'final' }): Speedup | null {
  const loss = targetLoss(baseline, target);
  if (loss === null) return null;
  const baseHit = hitWithTrainingPasses(baseline, loss);
  if (!baseHit) return null;
  const candHit = hitWithTrainingPasses(candidate, loss);
  return {
    target: loss,
    baseline: baseHit,
    candidate: candHit,
    stepRatio: ratio(baseHit.t, candHit?.t),
    passRatio: ratio(baseHit.trainingPasses, candHit?.trainingPasses),
  };
}

/** How much faster `candidate` reaches the baseline's final eval loss (the demo's headline). */
export function speedupToBaselineFinal(baseline: MetricRecord[], candidate: MetricRecord[]): Speedup | null {
  return speedupAgainst(baseline, candidate, { kind: 'final' });
}
