/**
 * The sweep views' contract (issue 19, item 2): parallel coordinates, a metric-vs-parameter scatter
 * and the hyperparameter importance of one sweep. The host reads the sweep's run folders into
 * ExperimentRows (the Experiments table's row type), computes the importance of every parameter for
 * every metric choice (runtime/runs/importance.ts) and pushes one SweepViewsModel; the page draws it
 * and posts SweepViewsIntents. Brushing the parallel coordinates posts `filter` with the Experiments
 * table's own ranges (ExperimentRanges), which the host forwards to that table.
 * Browser-safe: no Node imports.
 */
import type { ExperimentMetricName, ExperimentRanges, ExperimentRow } from './experiments';
import { validateExperimentRanges } from './experiments';
import type { Validation } from './messages';
import type { SweepSortMetric, SweepState, SweepValue } from './records';

/** A metric of a run the views can plot: a metric and which of its values. */
export interface SweepMetricChoice {
  /** "evalLoss.best": also the Experiments table's column key after "metric:". */
  key: string;
  metric: ExperimentMetricName;
  stat: 'final' | 'best';
  label: string;
  /** Lower is better for losses, higher for accuracy. */
  goal: 'min' | 'max';
}

export const SWEEP_METRIC_CHOICES: readonly SweepMetricChoice[] = [
  { key: 'evalLoss.best', metric: 'evalLoss', stat: 'best', label: 'best eval loss', goal: 'min' },
  { key: 'evalLoss.final', metric: 'evalLoss', stat: 'final', label: 'final eval loss', goal: 'min' },
  { key: 'evalAccuracy.best', metric: 'evalAccuracy', stat: 'best', label: 'best eval accuracy', goal: 'max' },
  { key: 'trainLoss.final', metric: 'trainLoss', stat: 'final', label: 'final train loss', goal: 'min' },
];

/** The choice matching a sweep's sort metric (the Sweeps view's ranking). */
export const SWEEP_SORT_TO_CHOICE: Record<SweepSortMetric, string> = {
  bestEvalLoss: 'evalLoss.best',
  finalEvalLoss: 'evalLoss.final',
  accuracy: 'evalAccuracy.best',
  finalTrainLoss: 'trainLoss.final',
};

/** The value a row has for a metric choice; null when the run has none (yet). */
export function metricValue(row: ExperimentRow, choice: SweepMetricChoice): number | null {
  const v = row.metrics[choice.metric]?.[choice.stat];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The Experiments table's column key of a metric choice. */
export function metricColumnKey(choice: SweepMetricChoice): string {
  return `metric:${choice.key}`;
}

/** One swept parameter as an axis. */
export interface SweepParamAxis {
  /** Dotted config key ("optimizer.lr"), as in ExperimentRow.params. */
  key: string;
  /** numeric: every value a finite number; else categorical (strings, booleans, null). */
  kind: 'numeric' | 'categorical';
  /** The grid's values (in grid order). */
  values: SweepValue[];
  /** Positive values spanning at least a decade (max/min >= 10): drawn on a log axis by default. */
  log: boolean;
}

/** How much of a metric's variance each parameter explains (runtime/runs/importance.ts). */
export interface ParameterImportance {
  key: string;
  /** SS_between / SS_total in [0, 1]: the share of the metric's variance this parameter's main effect explains. */
  fraction: number;
  /** What a parameter with no effect and this many levels would explain on average. */
  chance: number;
  /** Groups the runs were split into (distinct values, or quantile bins). */
  levels: number;
  /** True when the distinct values were cut into quantile bins. */
  binned: boolean;
  /** fraction clearly above chance: more than 3x the chance level and above 1 %. */
  aboveChance: boolean;
}

export interface ImportanceResult {
  /** Runs used (those with a finite metric). */
  n: number;
  /** Sample variance of the metric over those runs (0: nothing to explain). */
  variance: number;
  /** Parameters, most important first. */
  parameters: ParameterImportance[];
  /** 1 − Σ main effects, clamped to [0, 1]: interactions and noise. */
  remainder: number;
  /** Why the numbers should be read with care, when they should. */
  caveats: string[];
}

export interface SweepViewsModel {
  sweepId: string;
  /** The grid as written. */
  grid: string;
  state: SweepState;
  params: SweepParamAxis[];
  metrics: readonly SweepMetricChoice[];
  /** The metric shown first: the sweep's sort metric. */
  defaultMetric: string;
  /** One row per run of the sweep that has a run folder (queued and cancelled runs have none). */
  rows: ExperimentRow[];
  /** Planned runs without a folder yet (queued, cancelled). */
  pending: number;
  /** Importance per metric choice key. */
  importance: Record<string, ImportanceResult>;
}

// ---------------------------------------------------------------- extension → sweep views page
export type HostToSweepViews = { type: 'sweep-data'; model: SweepViewsModel } | { type: 'notice'; level: 'info' | 'error'; text: string };

// ---------------------------------------------------------------- sweep views page → extension
export type SweepViewsIntent =
  | { type: 'ready' }
  /** Brushed ranges for the Experiments table ({} clears them): parameter keys and metric column keys. */
  | { type: 'filter'; ranges: ExperimentRanges }
  | { type: 'open-run'; id: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Messages from the page are untrusted: each is checked before the host acts on it. */
export function validateSweepViewsIntent(msg: unknown): Validation<SweepViewsIntent> {
  if (!isObject(msg) || typeof msg.type !== 'string') return { ok: false, reason: 'not an object with a string "type"' };
  switch (msg.type) {
    case 'ready':
      return { ok: true, value: { type: 'ready' } };
    case 'filter': {
      const r = validateExperimentRanges(msg.ranges);
      return r.ok ? { ok: true, value: { type: 'filter', ranges: r.value } } : r;
    }
    case 'open-run':
      return typeof msg.id === 'string' && msg.id.length > 0 && msg.id.length < 512 ? { ok: true, value: { type: 'open-run', id: msg.id } } : { ok: false, reason: 'open-run.id must be a run id' };
    default:
      return { ok: false, reason: `unknown sweep views intent type "${msg.type}"` };
  }
}
