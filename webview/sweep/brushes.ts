/**
 * Brushes of the parallel coordinates, in value space (they survive a resize and a re-render): a
 * numeric range, or a set of levels on a categorical axis. Which runs they keep, and the ranges the
 * Experiments table is sent (numeric axes only: its filter takes [lo, hi] ranges). DOM-free.
 */
import { metricColumnKey, metricValue, type ExperimentRanges, type ExperimentRow, type SweepMetricChoice, type SweepParamAxis, type SweepValue } from '../../runtime/protocol';

export type Brush = { lo: number; hi: number } | { levels: SweepValue[] };

/** Axis key → brush. Parameter axes by their config key, the metric axis by its table column key. */
export type Brushes = Record<string, Brush>;

export function inBrush(v: SweepValue | undefined, b: Brush): boolean {
  if ('levels' in b) return b.levels.some((l) => JSON.stringify(l) === JSON.stringify(v ?? null));
  return typeof v === 'number' && v >= b.lo && v <= b.hi;
}

/** The value a row shows on an axis (a parameter, or the metric axis). */
export function axisValueOf(row: ExperimentRow, key: string, metric: SweepMetricChoice): SweepValue | undefined {
  return key === metricColumnKey(metric) ? metricValue(row, metric) : row.params[key];
}

/** Ids of the rows every brush keeps. */
export function keptRows(rows: readonly ExperimentRow[], brushes: Brushes, metric: SweepMetricChoice): Set<string> {
  const entries = Object.entries(brushes);
  return new Set(rows.filter((r) => entries.every(([key, b]) => inBrush(axisValueOf(r, key, metric), b))).map((r) => r.id));
}

/**
 * The Experiments table's ranges for the numeric brushes. Brushes on axes the view no longer shows
 * (another metric chosen) are left out; categorical brushes filter this page's lines only.
 */
export function tableRanges(brushes: Brushes, params: readonly SweepParamAxis[], metric: SweepMetricChoice): ExperimentRanges {
  const out: ExperimentRanges = {};
  const shown = new Set([...params.map((p) => p.key), metricColumnKey(metric)]);
  for (const [key, b] of Object.entries(brushes)) if (shown.has(key) && !('levels' in b)) out[key] = [b.lo, b.hi];
  return out;
}
