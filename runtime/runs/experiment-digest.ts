/**
 * A run's metrics.jsonl boiled down to what one Experiments row needs: final / best / min / max of
 * each metric, the training passes and wall time at the end, and the "record lows" of the losses
 * (the first point of each new minimum) from which the passes and time to ANY target loss follow
 * without reading the file again. Built incrementally (DigestBuilder.consume), so a live run's
 * digest costs only its appended lines, and small enough (a few KB) to be cached per run folder.
 *
 * Only step and eval lines are parsed; layer statistics (most of a long file's bytes) and events
 * are recognised by their prefix and skipped.
 */
import type { EvalRecord, ExperimentMetricName, ExperimentMetricStats, StepRecord } from '../protocol';
import { METRIC_GOAL } from '../protocol';

/** A point of a record-low curve: step, training passes so far, wall time, value. */
export interface LowPoint {
  t: number;
  passes: number;
  wallMs: number;
  v: number;
}

export interface RunDigest {
  steps: number;
  trainingPasses: number;
  wallSeconds: number;
  metrics: Partial<Record<ExperimentMetricName, ExperimentMetricStats>>;
  /**
   * Record lows. evalLoss: every new minimum (evals are few). trainLoss: a new minimum is kept when
   * it is at least TRAIN_LOW_STEP (relative) below the last kept one, which bounds the list to a few
   * hundred points on a 20,000-step run; a hit on the train loss is therefore found within 1 % of
   * the loss (docs/experiments.md).
   */
  lows: { trainLoss: LowPoint[]; evalLoss: LowPoint[] };
  /** Lines that were neither a known record nor valid JSON (skipped). */
  badLines: number;
}

export const TRAIN_LOW_STEP = 0.01;

export function emptyDigest(): RunDigest {
  return { steps: 0, trainingPasses: 0, wallSeconds: 0, metrics: {}, lows: { trainLoss: [], evalLoss: [] }, badLines: 0 };
}

function addStat(stats: RunDigest['metrics'], name: ExperimentMetricName, t: number, v: number): void {
  if (!Number.isFinite(v)) return;
  const s = stats[name];
  if (!s) {
    stats[name] = { final: v, best: v, bestStep: t, min: v, max: v, count: 1 };
    return;
  }
  s.final = v;
  s.count++;
  if (v < s.min) s.min = v;
  if (v > s.max) s.max = v;
  // Ties keep the earlier step: "best at step t" is where it was first reached.
  if (METRIC_GOAL[name] === 'min' ? v < s.best : v > s.best) {
    s.best = v;
    s.bestStep = t;
  }
}

/** Accumulates a digest record by record; `digest` is the live result (do not mutate it). */
export class DigestBuilder {
  readonly digest: RunDigest;
  // Training passes = cumulative passes minus every eval's own passes (runtime/run/compare.ts).
  private lastCumulative = 0;
  private evalPasses = 0;

  constructor(from?: { digest: RunDigest; lastCumulative: number; evalPasses: number }) {
    this.digest = from ? structuredClone(from.digest) : emptyDigest();
    if (from) {
      this.lastCumulative = from.lastCumulative;
      this.evalPasses = from.evalPasses;
    }
  }

  /** What a later builder needs to continue from here (cached with the digest). */
  state(): { digest: RunDigest; lastCumulative: number; evalPasses: number } {
    return { digest: this.digest, lastCumulative: this.lastCumulative, evalPasses: this.evalPasses };
  }

  /** One complete line of metrics.jsonl. */
  consumeLine(line: string): void {
    if (!line || line.startsWith('{"kind":"layers"') || line.startsWith('{"kind":"event"')) return;
    if (!line.trim()) return;
    let r: StepRecord | EvalRecord | { kind?: unknown };
    try {
      r = JSON.parse(line) as StepRecord | EvalRecord;
    } catch {
      this.digest.badLines++;
      return;
    }
    if (r.kind === 'step') this.step(r as StepRecord);
    else if (r.kind === 'eval') this.evaluation(r as EvalRecord);
  }

  private step(r: StepRecord): void {
    const d = this.digest;
    this.lastCumulative = r.forwardPasses;
    const passes = r.forwardPasses - this.evalPasses;
    d.steps = Math.max(d.steps, r.t);
    d.trainingPasses = passes;
    d.wallSeconds = Math.max(d.wallSeconds, r.wallMs / 1000);
    if (r.skipped || !Number.isFinite(r.loss)) return;
    addStat(d.metrics, 'trainLoss', r.t, r.loss);
    const lows = d.lows.trainLoss;
    const last = lows[lows.length - 1];
    if (!last || r.loss < last.v - Math.abs(last.v) * TRAIN_LOW_STEP) lows.push({ t: r.t, passes, wallMs: r.wallMs, v: r.loss });
  }

  private evaluation(r: EvalRecord): void {
    const d = this.digest;
    this.evalPasses += Math.max(0, r.forwardPasses - this.lastCumulative);
    this.lastCumulative = r.forwardPasses;
    d.wallSeconds = Math.max(d.wallSeconds, r.wallMs / 1000);
    if (Number.isFinite(r.loss)) {
      addStat(d.metrics, 'evalLoss', r.t, r.loss);
      const lows = d.lows.evalLoss;
      const last = lows[lows.length - 1];
      if (!last || r.loss < last.v) lows.push({ t: r.t, passes: d.trainingPasses, wallMs: r.wallMs, v: r.loss });
    }
    if (typeof r.accuracy === 'number') addStat(d.metrics, 'evalAccuracy', r.t, r.accuracy);
  }
}

/** The first record low at or below `target`: where the run first reached it; null: never. */
export function firstReaching(lows: readonly LowPoint[], target: number): LowPoint | null {
  for (const p of lows) if (p.v <= target) return p;
  return null;
}
