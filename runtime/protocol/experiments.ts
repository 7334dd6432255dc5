/**
 * The Experiments page's contract (issue 19): one ExperimentRow per run, computed by the host
 * (runtime/runs/experiment-rows.ts) from a cheap per-run digest, pushed in an ExperimentsViewModel;
 * the page (webview/experiments/) renders, sorts, filters and groups the rows and posts
 * ExperimentsIntents. The filter model is the page's own; other views (the sweep views' parallel
 * coordinates) drive it through the host with a `filter` message.
 * Browser-safe: no Node imports.
 */
import type { RunState } from './records';
import type { Validation } from './messages';

/** A hyperparameter value as the table shows it (flattened config leaf). */
export type ExperimentParamValue = number | string | boolean | null;

/** Where a row comes from: a run folder, or (later) a queued job not yet started. */
export type ExperimentRowSource = 'folder' | 'queue';

/** A row's status: a run folder's displayed state, or a queue state for a job without a folder yet. */
export type ExperimentStatus = RunState | 'queued';

/** The metrics every row carries (absent from `metrics` when the run has none of it yet). */
export const EXPERIMENT_METRICS = ['trainLoss', 'evalLoss', 'evalAccuracy'] as const;
export type ExperimentMetricName = (typeof EXPERIMENT_METRICS)[number];
/** Lower is better for losses, higher for accuracy: what "best" means per metric. */
export const METRIC_GOAL: Record<ExperimentMetricName, 'min' | 'max'> = { trainLoss: 'min', evalLoss: 'min', evalAccuracy: 'max' };

export interface ExperimentMetricStats {
  /** Last recorded value. */
  final: number;
  /** Best by the metric's goal (METRIC_GOAL), first reached at `bestStep`. */
  best: number;
  bestStep: number;
  min: number;
  max: number;
  /** Values recorded (steps or evals). */
  count: number;
}

/** What it took a run to reach the chosen target loss (first record at or below it). */
export interface ExperimentHit {
  step: number;
  /** Training forward passes (evaluation excluded). */
  trainingPasses: number;
  wallSeconds: number;
}

export interface ExperimentRow {
  /** Run folder name (unique within one runs folder), or the queue job id. */
  id: string;
  source: ExperimentRowSource;
  /** Absolute run folder; null for a queued job without one. */
  dir: string | null;
  name: string;
  status: ExperimentStatus;
  optimizer: string;
  /** run.json createdAt (ISO), '' when unknown. */
  createdAt: string;
  tags: string[];
  starred: boolean;
  step: number;
  totalSteps: number;
  trainingPasses: number;
  wallSeconds: number;
  /** Every scalar leaf of the resolved config, by dotted key ("optimizer.lr"). */
  params: Record<string, ExperimentParamValue>;
  metrics: Partial<Record<ExperimentMetricName, ExperimentMetricStats>>;
  /** Reaching the view's target; null: not reached (or no target). */
  hit: ExperimentHit | null;
  /** baseline's cost / this run's cost at the target (> 1: this run needed fewer); null when either did not reach it. */
  speedup: { passes: number; wall: number } | null;
  /** Why part of the row could not be read (a corrupt metrics line, an unreadable folder). */
  warning: string | null;
}

/** The loss a run must reach: a fixed value of a metric, or the baseline's best of it. */
export type ExperimentTarget =
  | { kind: 'none' }
  | { kind: 'value'; metric: 'trainLoss' | 'evalLoss'; value: number }
  | { kind: 'baseline-best'; metric: 'trainLoss' | 'evalLoss' };

export interface ExperimentsViewModel {
  rows: ExperimentRow[];
  target: ExperimentTarget;
  /** The loss every row must reach (resolved from the target); null when there is none. */
  targetValue: number | null;
  baselineId: string | null;
  /** Parameter keys whose value differs across `rows` (the default parameter columns). */
  differingParams: string[];
  /** Every parameter key seen in any row (what the column chooser offers). */
  allParams: string[];
  /** Saved column layout (workspaceState); null: the page's default. */
  columns: string[] | null;
  /** Runs folders the rows come from (shown in the header). */
  sources: string[];
  /** Host-side time to build the model (ms), for the docs' open-time measurement. */
  buildMs: number;
}

/** Numeric ranges by column key ("param:optimizer.lr", "metric:evalLoss.best"), inclusive; null = open end. */
export type ExperimentRanges = Record<string, [number | null, number | null]>;

// ---------------------------------------------------------------- extension → experiments webview
export type HostToExperiments =
  | { type: 'experiments-data'; model: ExperimentsViewModel }
  /** Live update: rows added or changed (by id), rows gone. The model's other fields stay. */
  | { type: 'rows-changed'; rows: ExperimentRow[]; removed: string[]; differingParams: string[]; allParams: string[] }
  /**
   * Set the page's numeric range filters from another view (parallel-coordinates brushing): keys
   * are column keys or bare parameter keys ("optimizer.lr" = "param:optimizer.lr"); replaces the
   * ranges set this way before; text filters typed by the user stay.
   */
  | { type: 'filter'; ranges: ExperimentRanges }
  | { type: 'notice'; level: 'info' | 'error'; text: string };

// ---------------------------------------------------------------- experiments webview → extension
export type ExperimentsIntent =
  | { type: 'ready' }
  | { type: 'compare'; ids: string[] }
  | { type: 'delete'; ids: string[] }
  | { type: 'open-run'; id: string }
  | { type: 'set-baseline'; id: string | null }
  | { type: 'set-target'; target: ExperimentTarget }
  /** The chosen, ordered columns (remembered per workspace). */
  | { type: 'save-columns'; columns: string[] }
  /** The filtered row ids (other views may follow the table's filter). */
  | { type: 'filtered'; ids: string[] };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length < 512;
const isIdList = (v: unknown, max: number): v is string[] => Array.isArray(v) && v.length <= max && v.every(isId);

export function validateExperimentTarget(v: unknown): Validation<ExperimentTarget> {
  if (!isObject(v)) return { ok: false, reason: 'target must be an object' };
  if (v.kind === 'none') return { ok: true, value: { kind: 'none' } };
  if (v.metric !== 'trainLoss' && v.metric !== 'evalLoss') return { ok: false, reason: 'target.metric must be "trainLoss" or "evalLoss"' };
  if (v.kind === 'baseline-best') return { ok: true, value: { kind: 'baseline-best', metric: v.metric } };
  if (v.kind === 'value') {
    if (typeof v.value !== 'number' || !Number.isFinite(v.value)) return { ok: false, reason: 'target.value must be a finite number' };
    return { ok: true, value: { kind: 'value', metric: v.metric, value: v.value } };
  }
  return { ok: false, reason: `unknown target kind ${JSON.stringify(v.kind)}` };
}

/** Messages from the page are untrusted: each is checked before the host acts on it. */
export function validateExperimentsIntent(msg: unknown): Validation<ExperimentsIntent> {
  if (!isObject(msg) || typeof msg.type !== 'string') return { ok: false, reason: 'not an object with a string "type"' };
  switch (msg.type) {
    case 'ready':
      return { ok: true, value: { type: 'ready' } };
    case 'compare':
    case 'delete':
      if (!isIdList(msg.ids, 1000) || msg.ids.length === 0) return { ok: false, reason: `${msg.type}.ids must be 1..1000 run ids` };
      return { ok: true, value: { type: msg.type, ids: msg.ids } };
    case 'filtered':
      if (!isIdList(msg.ids, 100_000)) return { ok: false, reason: 'filtered.ids must be a list of run ids' };
      return { ok: true, value: { type: 'filtered', ids: msg.ids } };
    case 'open-run':
      return isId(msg.id) ? { ok: true, value: { type: 'open-run', id: msg.id } } : { ok: false, reason: 'open-run.id must be a run id' };
    case 'set-baseline':
      return msg.id === null || isId(msg.id) ? { ok: true, value: { type: 'set-baseline', id: msg.id } } : { ok: false, reason: 'set-baseline.id must be a run id or null' };
    case 'set-target': {
      const t = validateExperimentTarget(msg.target);
      return t.ok ? { ok: true, value: { type: 'set-target', target: t.value } } : t;
    }
    case 'save-columns':
      if (!Array.isArray(msg.columns) || msg.columns.length > 500 || !msg.columns.every((c) => typeof c === 'string' && c.length > 0 && c.length < 300)) {
        return { ok: false, reason: 'save-columns.columns must be a list of column keys' };
      }
      return { ok: true, value: { type: 'save-columns', columns: msg.columns as string[] } };
    default:
      return { ok: false, reason: `unknown experiments intent type "${msg.type}"` };
  }
}

/** Validate a `filter` message's ranges (the sweep views post them through the host). */
export function validateExperimentRanges(v: unknown): Validation<ExperimentRanges> {
  if (!isObject(v)) return { ok: false, reason: 'ranges must be an object of [lo, hi] pairs' };
  const out: ExperimentRanges = {};
  for (const [key, r] of Object.entries(v)) {
    const end = (x: unknown) => x === null || (typeof x === 'number' && !Number.isNaN(x));
    if (!Array.isArray(r) || r.length !== 2 || !end(r[0]) || !end(r[1])) return { ok: false, reason: `ranges["${key}"] must be [lo, hi] (numbers or null)` };
    out[key] = [r[0] as number | null, r[1] as number | null];
  }
  return { ok: true, value: out };
}
