/**
 * The Experiments table's columns: a column key names what a cell shows ("status",
 * "param:optimizer.lr", "metric:evalLoss.best", "hit.passes", "speedup.passes"); columnOf turns a key
 * into a label, a value getter (number, text or null) and a formatter. Pure: the table model, the
 * filter and the grid all read cells through here, so sorting, filtering and display agree.
 */
import { EXPERIMENT_METRICS, type ExperimentMetricName, type ExperimentParamValue, type ExperimentRow, type ExperimentsViewModel } from '../../runtime/protocol';

export type CellValue = number | string | boolean | null;

export interface Column {
  key: string;
  label: string;
  /** Longer description (header tooltip, column chooser). */
  title: string;
  numeric: boolean;
  /** Width class (CSS): narrow, normal, wide. */
  width: 'narrow' | 'normal' | 'wide';
  value(row: ExperimentRow): CellValue;
}

export const METRIC_LABELS: Record<ExperimentMetricName, string> = { trainLoss: 'train loss', evalLoss: 'eval loss', evalAccuracy: 'eval accuracy' };
export const METRIC_STATS = ['final', 'best', 'min', 'max'] as const;
type MetricStat = (typeof METRIC_STATS)[number];

const FIXED: Record<string, Omit<Column, 'key'>> = {
  name: { label: 'name', title: 'run name (folder in the tooltip)', numeric: false, width: 'wide', value: (r) => r.name },
  status: { label: 'status', title: 'run state', numeric: false, width: 'narrow', value: (r) => r.status },
  optimizer: { label: 'optimizer', title: 'optimizer (and HELENE variant)', numeric: false, width: 'normal', value: (r) => r.optimizer },
  createdAt: { label: 'started', title: 'when the run started', numeric: false, width: 'normal', value: (r) => r.createdAt || null },
  tags: { label: 'tags', title: 'tags', numeric: false, width: 'normal', value: (r) => (r.tags.length ? r.tags.join(', ') : null) },
  step: { label: 'steps', title: 'last step recorded', numeric: true, width: 'narrow', value: (r) => r.step },
  trainingPasses: { label: 'passes', title: 'training forward passes so far (evaluation excluded)', numeric: true, width: 'normal', value: (r) => r.trainingPasses },
  wallSeconds: { label: 'wall s', title: 'wall time so far (s)', numeric: true, width: 'narrow', value: (r) => r.wallSeconds },
  'hit.step': { label: 'steps to target', title: 'first step at which the target loss was reached', numeric: true, width: 'normal', value: (r) => r.hit?.step ?? null },
  'hit.passes': { label: 'passes to target', title: 'training forward passes to reach the target loss', numeric: true, width: 'normal', value: (r) => r.hit?.trainingPasses ?? null },
  'hit.wall': { label: 'time to target s', title: 'wall time (s) to reach the target loss', numeric: true, width: 'normal', value: (r) => r.hit?.wallSeconds ?? null },
  'speedup.passes': { label: 'speedup (passes)', title: "baseline's passes to target / this run's (> 1: fewer than the baseline)", numeric: true, width: 'normal', value: (r) => r.speedup?.passes ?? null },
  'speedup.wall': { label: 'speedup (time)', title: "baseline's time to target / this run's", numeric: true, width: 'normal', value: (r) => r.speedup?.wall ?? null },
};

/** Parameter values come from the row, else the model's shared ones (every row has the same). */
export type ParamLookup = (row: ExperimentRow, key: string) => ExperimentParamValue | undefined;

export function paramLookup(model: Pick<ExperimentsViewModel, 'sharedParams'>): ParamLookup {
  return (row, key) => (key in row.params ? row.params[key] : model.sharedParams[key]);
}

/** The column a key names, or null for a key this page does not know (a saved layout from an older version). */
export function columnOf(key: string, lookup: ParamLookup): Column | null {
  const fixed = FIXED[key];
  if (fixed) return { key, ...fixed };
  if (key.startsWith('param:')) {
    const p = key.slice(6);
    return {
      key,
      label: p.replace(/^optimizer\./, ''),
      title: `config ${p}`,
      numeric: false, // decided per value: numbers sort as numbers, text as text
      width: 'normal',
      value: (r) => {
        const v = lookup(r, p);
        return v === undefined ? null : v;
      },
    };
  }
  const m = /^metric:(\w+)\.(final|best|min|max)$/.exec(key);
  if (m && (EXPERIMENT_METRICS as readonly string[]).includes(m[1])) {
    const metric = m[1] as ExperimentMetricName;
    const stat = m[2] as MetricStat;
    return {
      key,
      label: `${METRIC_LABELS[metric]} ${stat}`,
      title: `${stat} ${METRIC_LABELS[metric]}${stat === 'best' ? (metric === 'evalAccuracy' ? ' (highest)' : ' (lowest)') : ''}`,
      numeric: true,
      width: 'normal',
      value: (r) => r.metrics[metric]?.[stat] ?? null,
    };
  }
  return null;
}

/** Every column the chooser offers for this model. */
export function allColumnKeys(model: Pick<ExperimentsViewModel, 'allParams'>): string[] {
  return [
    ...Object.keys(FIXED),
    ...EXPERIMENT_METRICS.flatMap((m) => METRIC_STATS.map((s) => `metric:${m}.${s}`)),
    ...model.allParams.map((p) => `param:${p}`),
  ];
}

/**
 * The default layout: identity, the parameters that differ across the shown runs (the optimizer's
 * name is the optimizer column already), the metrics' final and best, the cost and the target.
 */
export function defaultColumnKeys(model: Pick<ExperimentsViewModel, 'differingParams' | 'rows'>): string[] {
  const hasAccuracy = model.rows.some((r) => r.metrics.evalAccuracy);
  return [
    'name',
    'status',
    'optimizer',
    ...byInterest(model.differingParams.filter((p) => p !== 'optimizer.name')).map((p) => `param:${p}`),
    'metric:trainLoss.final',
    'metric:trainLoss.min',
    'metric:evalLoss.final',
    'metric:evalLoss.best',
    ...(hasAccuracy ? ['metric:evalAccuracy.best'] : []),
    'step',
    'trainingPasses',
    'wallSeconds',
    'hit.passes',
    'hit.wall',
    'speedup.passes',
  ];
}

/**
 * Hyperparameters first: the optimizer's keys, then seed and steps, then the rest (data and model
 * paths that differ between projects), each group alphabetical.
 */
function byInterest(keys: readonly string[]): string[] {
  const rank = (k: string) => (k.startsWith('optimizer.') ? 0 : k === 'seed' || k === 'steps' ? 1 : 2);
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Compact numbers: 4 significant digits, exponent form for very small or large magnitudes. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return Number(v.toPrecision(4)).toExponential();
  return Number(v.toPrecision(4)).toString();
}

export function formatCell(column: Column, v: CellValue): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') {
    if (column.key.startsWith('speedup.')) return `${v.toFixed(2)}×`;
    return formatNumber(v);
  }
  if (column.key === 'createdAt' && typeof v === 'string') return v.replace('T', ' ').slice(0, 16);
  return String(v);
}
