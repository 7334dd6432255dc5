/**
 * The layers × statistics-steps heatmap, DOM-free. Every statistic the user can pick is stored for
 * every column, so switching the statistic shows the whole history at once. Columns are bounded
 * like chart series (see decimate.ts): the newest columns are exact, older ones are merged pairwise
 * into wider columns (a weighted mean, taken in log10 space for the log-scaled statistics, i.e. a
 * geometric mean, because h and lambda span orders of magnitude).
 */
import type { LayerStat, LayerStatsRecord } from '../../runtime/protocol';
import { BoundedHistory, type BucketOps } from './decimate';

export type HeatmapStatKey = 'floorFraction' | 'hMean' | 'lambda' | 'effectiveStep' | 'updateToWeight';

export interface HeatmapStatInfo {
  key: HeatmapStatKey;
  label: string;
  /** 'log': cells hold log10 of the value (non-positive values become gaps). */
  scale: 'linear' | 'log';
}

export const HEATMAP_STATS: readonly HeatmapStatInfo[] = [
  { key: 'floorFraction', label: 'floor fraction (share of h below λ)', scale: 'linear' },
  { key: 'hMean', label: 'mean h (log₁₀)', scale: 'log' },
  { key: 'lambda', label: 'λ clipping floor (log₁₀)', scale: 'log' },
  { key: 'effectiveStep', label: 'effective step (log₁₀)', scale: 'log' },
  { key: 'updateToWeight', label: 'update / weight (log₁₀)', scale: 'log' },
];

/**
 * The statistic shown before the user picks one: HELENE's floor fraction for a HELENE run; for every
 * other optimizer (MeZO, the recommended one, included) update / weight, which every optimizer
 * reports; the floor fraction would leave the heatmap blank ("no values for this statistic").
 */
export function defaultHeatmapStat(optimizer: string | undefined): HeatmapStatKey {
  return optimizer === 'helene' ? 'floorFraction' : 'updateToWeight';
}

export function isHeatmapStatKey(v: unknown): v is HeatmapStatKey {
  return HEATMAP_STATS.some((s) => s.key === v);
}

/** One column: the statistics records of steps tFirst..tLast, merged. */
interface Column {
  tFirst: number;
  tLast: number;
  /** Statistics records folded in (the merge weight). */
  weight: number;
  /** values[field][layer]; NaN where the layer reported nothing. */
  values: Float32Array[];
}

/** One statistics record, already mapped onto layer indices. */
interface ColumnInput {
  t: number;
  values: Float32Array[];
}

function cellValue(stat: LayerStat, info: HeatmapStatInfo): number {
  const v = stat[info.key];
  if (typeof v !== 'number' || !Number.isFinite(v)) return Number.NaN;
  if (info.scale === 'linear') return v;
  return v > 0 ? Math.log10(v) : Number.NaN;
}

function mergeArrays(a: Float32Array, wa: number, b: Float32Array, wb: number): Float32Array {
  const out = new Float32Array(Math.max(a.length, b.length));
  for (let i = 0; i < out.length; i++) {
    const va = i < a.length ? a[i] : Number.NaN;
    const vb = i < b.length ? b[i] : Number.NaN;
    const fa = !Number.isNaN(va);
    const fb = !Number.isNaN(vb);
    out[i] = fa && fb ? (va * wa + vb * wb) / (wa + wb) : fa ? va : fb ? vb : Number.NaN;
  }
  return out;
}

const columnOps: BucketOps<ColumnInput, Column> = {
  open: (c) => ({ tFirst: c.t, tLast: c.t, weight: 1, values: c.values }),
  add(col, c) {
    col.values = col.values.map((arr, f) => mergeArrays(arr, col.weight, c.values[f], 1));
    col.weight += 1;
    col.tLast = c.t;
  },
  merge: (a, b) => ({
    tFirst: a.tFirst,
    tLast: b.tLast,
    weight: a.weight + b.weight,
    values: a.values.map((arr, f) => mergeArrays(arr, a.weight, b.values[f], b.weight)),
  }),
};

export interface HeatmapLimits {
  /** Newest columns kept exactly. */
  recentColumns: number;
  /** Bound on merged older columns. */
  mergedColumns: number;
}

export const DEFAULT_HEATMAP_LIMITS: HeatmapLimits = { recentColumns: 120, mergedColumns: 180 };

/** What the renderer draws: rows = layers, columns = statistics steps (maybe merged). */
export interface HeatmapMatrix {
  stat: HeatmapStatInfo;
  layers: string[];
  /** Step range of each column. */
  columns: { tFirst: number; tLast: number }[];
  /** Row-major: cells[row * columns.length + col]; NaN = no value. */
  cells: Float32Array;
  /** Range of the finite cells (null when there are none). */
  range: { min: number; max: number } | null;
}

export class HeatmapModel {
  private readonly layerIndex = new Map<string, number>();
  private readonly layerNames: string[] = [];
  private readonly history: BoundedHistory<ColumnInput, Column>;

  constructor(readonly limits: HeatmapLimits = DEFAULT_HEATMAP_LIMITS) {
    this.history = new BoundedHistory(columnOps, { recent: limits.recentColumns, buckets: limits.mergedColumns });
  }

  /** Fix the row order up front (the manifest's trainables) so rows do not move as records arrive. */
  declareLayers(names: readonly string[]): void {
    for (const n of names) this.indexOf(n);
  }

  add(record: LayerStatsRecord): void {
    for (const l of record.layers) this.indexOf(l.name);
    const values = HEATMAP_STATS.map(() => new Float32Array(this.layerNames.length).fill(Number.NaN));
    for (const layer of record.layers) {
      const row = this.indexOf(layer.name);
      HEATMAP_STATS.forEach((info, f) => (values[f][row] = cellValue(layer, info)));
    }
    this.history.push({ t: record.t, values });
  }

  get columnCount(): number {
    return this.history.buckets().length + this.history.recent().length;
  }

  get layers(): readonly string[] {
    return this.layerNames;
  }

  matrix(key: HeatmapStatKey): HeatmapMatrix {
    const field = HEATMAP_STATS.findIndex((s) => s.key === key);
    const cols: { tFirst: number; tLast: number; values: Float32Array }[] = [
      ...this.history.buckets().map((c) => ({ tFirst: c.tFirst, tLast: c.tLast, values: c.values[field] })),
      ...this.history.recent().map((c) => ({ tFirst: c.t, tLast: c.t, values: c.values[field] })),
    ];
    const rows = this.layerNames.length;
    const cells = new Float32Array(rows * cols.length).fill(Number.NaN);
    let min = Infinity;
    let max = -Infinity;
    cols.forEach((c, j) => {
      for (let i = 0; i < Math.min(rows, c.values.length); i++) {
        const v = c.values[i];
        cells[i * cols.length + j] = v;
        if (!Number.isNaN(v)) {
          if (v < min) min = v;
          if (v > max) max = v;
        }
      }
    });
    return {
      stat: HEATMAP_STATS[field],
      layers: [...this.layerNames],
      columns: cols.map(({ tFirst, tLast }) => ({ tFirst, tLast })),
      cells,
      range: min <= max ? { min, max } : null,
    };
  }

  private indexOf(name: string): number {
    let i = this.layerIndex.get(name);
    if (i === undefined) {
      i = this.layerNames.length;
      this.layerIndex.set(name, i);
      this.layerNames.push(name);
    }
    return i;
  }
}
