/**
 * One run folder's snapshot as an ExperimentRow (runtime/protocol/experiments.ts), for the sweep
 * views: flattened config parameters, and final / best / min / max of train loss, eval loss and eval
 * accuracy from the metric records. No target (hit and speedup are the Experiments table's).
 * Pure and browser-safe.
 */
import { optimizerLabel, type ExperimentMetricName, type ExperimentMetricStats, type ExperimentParamValue, type ExperimentRow, type MetricRecord, type RunViewSnapshot } from '../protocol';
import { METRIC_GOAL } from '../protocol';
import { summarizeRecords } from './summary';

/** Every scalar leaf of a config by dotted key; arrays as JSON text (a grid value is a scalar). */
export function flattenParams(config: unknown, prefix = '', out: Record<string, ExperimentParamValue> = {}): Record<string, ExperimentParamValue> {
  if (config === null || typeof config !== 'object') {
    if (prefix) out[prefix] = config === undefined ? null : (config as ExperimentParamValue);
    return out;
  }
  if (Array.isArray(config)) {
    if (prefix) out[prefix] = JSON.stringify(config);
    return out;
  }
  for (const [k, v] of Object.entries(config)) flattenParams(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

class StatsFold {
  private s: ExperimentMetricStats | null = null;
  constructor(private readonly goal: 'min' | 'max') {}
  add(value: number, step: number): void {
    if (!Number.isFinite(value)) return;
    const s = this.s;
    if (!s) {
      this.s = { final: value, best: value, bestStep: step, min: value, max: value, count: 1 };
      return;
    }
    s.final = value;
    s.count++;
    s.min = Math.min(s.min, value);
    s.max = Math.max(s.max, value);
    // Ties keep the earlier step: "best at step t" is where it was first reached.
    if (this.goal === 'min' ? value < s.best : value > s.best) {
      s.best = value;
      s.bestStep = step;
    }
  }
  get stats(): ExperimentMetricStats | null {
    return this.s;
  }
}

export function metricStats(records: readonly MetricRecord[]): Partial<Record<ExperimentMetricName, ExperimentMetricStats>> {
  const folds = { trainLoss: new StatsFold(METRIC_GOAL.trainLoss), evalLoss: new StatsFold(METRIC_GOAL.evalLoss), evalAccuracy: new StatsFold(METRIC_GOAL.evalAccuracy) };
  for (const r of records) {
    if (r.kind === 'step') folds.trainLoss.add(r.loss, r.t);
    else if (r.kind === 'eval') {
      folds.evalLoss.add(r.loss, r.t);
      if (r.accuracy !== undefined) folds.evalAccuracy.add(r.accuracy, r.t);
    }
  }
  const out: Partial<Record<ExperimentMetricName, ExperimentMetricStats>> = {};
  for (const [k, f] of Object.entries(folds)) if (f.stats) out[k as ExperimentMetricName] = f.stats;
  return out;
}

export function experimentRowOf(id: string, dir: string, snap: RunViewSnapshot, warning: string | null = null): ExperimentRow {
  const m = snap.manifest;
  const s = summarizeRecords(snap.records);
  return {
    id,
    source: 'folder',
    dir,
    name: m?.name ?? id,
    status: snap.status?.state ?? snap.summary?.state ?? 'interrupted',
    optimizer: optimizerLabel(m),
    createdAt: m?.createdAt ?? '',
    tags: m?.tags ?? [],
    starred: m?.starred === true,
    step: Math.max(s.steps, snap.status?.step ?? 0),
    totalSteps: snap.status?.totalSteps ?? m?.config.steps ?? 0,
    trainingPasses: snap.summary?.trainingPasses ?? s.trainingPasses,
    wallSeconds: s.wallSeconds,
    params: flattenParams(m?.config ?? {}),
    metrics: metricStats(snap.records),
    hit: null,
    speedup: null,
    warning,
  };
}
