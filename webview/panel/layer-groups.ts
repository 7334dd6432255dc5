/**
 * The per-layer views for models with hundreds of trainable tensors (a 24-block decoder has ~300):
 * a name filter, grouping by block, and row decimation of the heatmap. DOM-free.
 *
 * - Block: a tensor's name up to its first numeric segment (`model.layers.12.self_attn.q_proj.weight`
 *   → `model.layers.12`; `h.3.c_fc.weight.lora_A` → `h.3`); a name without one is grouped by its
 *   first segment (`wte.weight` → `wte`, `onnx::MatMul_1234` → `onnx`).
 * - Filter: space-separated terms, all of which must occur in the name (case-insensitive).
 * - A group's table row is exact where a statistic allows it: sizes add, RMS values combine as the
 *   root of the size-weighted mean square, min/max are the min/max; means (h mean, effective step,
 *   floor fraction) are size-weighted; medians and λ are size-weighted means of the tensors' values
 *   (an approximation, said in the row's title).
 * - A group's heatmap cell is the mean of its tensors' cells in the stored space (log10 for the log
 *   statistics, i.e. a geometric mean), as the time decimation already does (heatmap-model.ts).
 * - Decimation: past `maxRows` rows (2 px each in a 480 px plot), neighbouring rows are merged into
 *   bands the same way, labelled "first … last".
 */
import type { LayerStat } from '../../runtime/protocol';
import type { HeatmapMatrix } from './heatmap-model';

export interface LayerViewOptions {
  filter: string;
  groupByBlock: boolean;
}

/** Group by block by default once the table would be longer than a screen. */
export const GROUP_BY_DEFAULT_ABOVE = 48;

/** Heatmap rows drawn at most (480 px at 2 px a row, heatmap-view.ts). */
export const MAX_HEATMAP_ROWS = 240;

export function blockOf(name: string): string {
  const segments = name.split(/\.|\/|::/).filter(Boolean);
  const numeric = segments.findIndex((s) => /^\d+$/.test(s));
  if (numeric >= 0) return segments.slice(0, numeric + 1).join('.');
  return segments[0] ?? name;
}

export function matchesFilter(name: string, filter: string): boolean {
  const terms = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const lower = name.toLowerCase();
  return terms.every((t) => lower.includes(t));
}

/** Groups in first-seen order, so blocks keep the model's order. */
function groupIndices(names: readonly string[], keyOf: (name: string) => string): { key: string; members: number[] }[] {
  const groups = new Map<string, number[]>();
  names.forEach((n, i) => {
    const key = keyOf(n);
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  });
  return [...groups].map(([key, members]) => ({ key, members }));
}

const defined = (v: number | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

function weightedMean(rows: LayerStat[], pick: (s: LayerStat) => number | undefined): number | undefined {
  let sum = 0;
  let weight = 0;
  for (const s of rows) {
    const v = pick(s);
    if (!defined(v)) continue;
    sum += v * s.size;
    weight += s.size;
  }
  return weight > 0 ? sum / weight : undefined;
}

function rmsOf(rows: LayerStat[], pick: (s: LayerStat) => number | undefined): number | undefined {
  const meanSquare = weightedMean(rows, (s) => {
    const v = pick(s);
    return defined(v) ? v * v : undefined;
  });
  return meanSquare === undefined ? undefined : Math.sqrt(meanSquare);
}

function extreme(rows: LayerStat[], pick: (s: LayerStat) => number | undefined, f: (...v: number[]) => number): number | undefined {
  const values = rows.map(pick).filter(defined);
  return values.length ? f(...values) : undefined;
}

/** One row standing for a block's tensors. */
export function combineStats(name: string, rows: LayerStat[]): LayerStat {
  const updateRms = rmsOf(rows, (s) => s.updateRms) ?? Number.NaN;
  const thetaRms = rmsOf(rows, (s) => s.thetaRms) ?? Number.NaN;
  return {
    name,
    size: rows.reduce((a, s) => a + s.size, 0),
    hMean: weightedMean(rows, (s) => s.hMean),
    hMin: extreme(rows, (s) => s.hMin, Math.min),
    hMax: extreme(rows, (s) => s.hMax, Math.max),
    hMedian: weightedMean(rows, (s) => s.hMedian),
    lambda: weightedMean(rows, (s) => s.lambda),
    floorFraction: weightedMean(rows, (s) => s.floorFraction),
    effectiveStep: weightedMean(rows, (s) => s.effectiveStep),
    mRms: rmsOf(rows, (s) => s.mRms),
    updateRms,
    thetaRms,
    updateToWeight: thetaRms > 0 ? updateRms / thetaRms : Number.NaN,
  };
}

export interface LayerRowsView {
  rows: LayerStat[];
  /** Tensors in each row (1 when not grouped). */
  counts: number[];
  /** Tensors before filtering, and after. */
  total: number;
  shown: number;
}

export function layerRows(rows: readonly LayerStat[], options: LayerViewOptions): LayerRowsView {
  const kept = rows.filter((s) => matchesFilter(s.name, options.filter));
  if (!options.groupByBlock) return { rows: kept, counts: kept.map(() => 1), total: rows.length, shown: kept.length };
  const groups = groupIndices(kept.map((s) => s.name), blockOf);
  return {
    rows: groups.map((g) => (g.members.length === 1 ? kept[g.members[0]] : combineStats(`${g.key} (${g.members.length} tensors)`, g.members.map((i) => kept[i])))),
    counts: groups.map((g) => g.members.length),
    total: rows.length,
    shown: kept.length,
  };
}

/** Rows of `m` merged by `groups` (indices into m's rows): the mean of finite cells per column. */
function mergeRows(m: HeatmapMatrix, groups: { label: string; members: number[] }[]): HeatmapMatrix {
  const cols = m.columns.length;
  const cells = new Float32Array(groups.length * cols).fill(Number.NaN);
  let min = Infinity;
  let max = -Infinity;
  groups.forEach((g, r) => {
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      let n = 0;
      for (const i of g.members) {
        const v = m.cells[i * cols + c];
        if (!Number.isNaN(v)) {
          sum += v;
          n++;
        }
      }
      if (n === 0) continue;
      const v = sum / n;
      cells[r * cols + c] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  });
  return { stat: m.stat, layers: groups.map((g) => g.label), columns: m.columns, cells, range: min <= max ? { min, max } : null };
}

/** The heatmap as the panel shows it: filtered, grouped by block if asked, and at most maxRows rows. */
export function heatmapRows(m: HeatmapMatrix, options: LayerViewOptions, maxRows = MAX_HEATMAP_ROWS): HeatmapMatrix {
  const kept = m.layers.map((name, i) => ({ name, i })).filter((l) => matchesFilter(l.name, options.filter));
  let groups = options.groupByBlock
    ? groupIndices(kept.map((l) => l.name), blockOf).map((g) => ({ label: g.members.length === 1 ? kept[g.members[0]].name : `${g.key} (${g.members.length})`, members: g.members.map((j) => kept[j].i) }))
    : kept.map((l) => ({ label: l.name, members: [l.i] }));
  if (groups.length > maxRows) {
    const per = Math.ceil(groups.length / maxRows);
    const bands: typeof groups = [];
    for (let start = 0; start < groups.length; start += per) {
      const part = groups.slice(start, start + per);
      bands.push({ label: part.length === 1 ? part[0].label : `${part[0].label} … ${part[part.length - 1].label}`, members: part.flatMap((g) => g.members) });
    }
    groups = bands;
  }
  const identity = groups.length === m.layers.length && groups.every((g, r) => g.members.length === 1 && g.members[0] === r);
  return identity ? m : mergeRows(m, groups);
}
