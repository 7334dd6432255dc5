/**
 * Hyperparameter importance of a sweep: an fANOVA-style main-effect variance decomposition
 * (docs/sweep-views.md). For each parameter, the runs are grouped by its value (numeric parameters
 * with more distinct values than MAX_LEVELS are cut into quantile bins); the parameter's importance
 * is the share of the metric's total variance that the group means explain,
 *   SS_between / SS_total = Σ_g n_g (ȳ_g − ȳ)² / Σ_i (y_i − ȳ)²,
 * which on a complete grid is exactly the main-effect variance fraction of a functional ANOVA.
 * What the main effects leave (interactions and noise) is reported as one remainder.
 *
 * Small sweeps: a parameter with no effect still explains some variance by chance: on average
 * (k−1)·σ² of the sum of squares, with k its levels and σ² the noise variance, estimated by the
 * residual mean square after all main effects (SS_res / (n − 1 − Σ(k_j − 1)); with no residual
 * degrees of freedom left, the one-way null (k−1)/(n−1)). That chance level is reported beside each
 * importance; a parameter counts as mattering only well above it (the F-ratio fraction/chance > 3).
 * Pure and browser-safe: no Node or vscode imports.
 */
import type { ImportanceResult, ParameterImportance, SweepValue } from '../protocol';

export type { ImportanceResult, ParameterImportance };

/** More distinct numeric values than this are cut into this many quantile bins. */
export const MAX_LEVELS = 6;

export interface ImportanceInput {
  /** The run's value of every parameter, by key. */
  params: Record<string, SweepValue>;
  /** The metric; runs where it is null or not finite are left out. */
  y: number | null;
}

/** Group key of each run for one parameter: its value, or its quantile bin when numeric with many values. */
export function levelsOf(values: readonly SweepValue[], maxLevels = MAX_LEVELS): { group: number[]; levels: number; binned: boolean } {
  const keys = values.map((v) => JSON.stringify(v));
  const distinct = [...new Set(keys)];
  const numeric = values.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (distinct.length <= maxLevels || !numeric) {
    const index = new Map(distinct.map((k, i) => [k, i]));
    return { group: keys.map((k) => index.get(k)!), levels: distinct.length, binned: false };
  }
  // Quantile bins by rank (ties share a bin): scale-free, so a log-spaced lr bins like a linear one.
  const nums = values as number[];
  const sorted = [...nums].sort((a, b) => a - b);
  const rankOf = (v: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const group = nums.map((v) => Math.min(maxLevels - 1, Math.floor((rankOf(v) * maxLevels) / nums.length)));
  return { group, levels: new Set(group).size, binned: true };
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length ? s / xs.length : 0;
}

/** One parameter's main-effect fraction over runs whose metrics are ys (all finite). */
function mainEffect(values: readonly SweepValue[], ys: readonly number[], total: number): { fraction: number; levels: number; binned: boolean } {
  const { group, levels, binned } = levelsOf(values);
  const sums = new Array<number>(levels).fill(0);
  const counts = new Array<number>(levels).fill(0);
  group.forEach((g, i) => {
    sums[g] += ys[i];
    counts[g] += 1;
  });
  const grand = mean(ys);
  let between = 0;
  for (let g = 0; g < levels; g++) if (counts[g]) between += counts[g] * (sums[g] / counts[g] - grand) ** 2;
  return { fraction: total > 0 ? Math.min(1, between / total) : 0, levels, binned };
}

/**
 * Importance of each parameter (keys) for the metric over the runs. Runs without a finite metric
 * are left out; a parameter missing from a run counts as the value null (its own level).
 */
export function mainEffectImportance(runs: readonly ImportanceInput[], keys: readonly string[]): ImportanceResult {
  const used = runs.filter((r) => typeof r.y === 'number' && Number.isFinite(r.y));
  const ys = used.map((r) => r.y as number);
  const n = ys.length;
  const grand = mean(ys);
  const total = ys.reduce((s, y) => s + (y - grand) ** 2, 0);
  const caveats: string[] = [];
  if (n < 3) caveats.push(`only ${n} run${n === 1 ? '' : 's'} with this metric: no importance can be estimated`);
  else if (total === 0) caveats.push('every run has the same value of this metric: nothing to explain');
  const effects = keys.map((key, order) => {
    const values = used.map((r) => (key in r.params ? r.params[key] : null));
    const effect = n >= 3 ? mainEffect(values, ys, total) : { fraction: 0, levels: new Set(values.map((v) => JSON.stringify(v))).size, binned: false };
    return { key, order, ...effect };
  });
  const explained = effects.reduce((s, e) => s + e.fraction, 0);
  const residualDf = n - 1 - effects.reduce((s, e) => s + Math.max(0, e.levels - 1), 0);
  // Noise variance as a share of SS_total: the residual mean square when degrees of freedom are left.
  const noiseShare = residualDf > 0 ? Math.max(0, 1 - explained) / residualDf : n > 1 ? 1 / (n - 1) : 1;
  const parameters = effects.map((e) => {
    const chance = Math.min(1, Math.max(0, e.levels - 1) * noiseShare);
    return { ...e, chance, aboveChance: n >= 3 && total > 0 && e.fraction > Math.max(3 * chance, 0.01) };
  });
  if (n >= 3 && total > 0) {
    if (residualDf <= 0) caveats.push(`small sweep (${n} runs): no runs are left to estimate the noise once every parameter's levels are fitted; the chance levels assume the metric were pure noise`);
    const noisy = parameters.filter((p) => p.levels > 1 && p.chance >= 0.1);
    if (noisy.length) caveats.push(`small or noisy sweep (${n} runs): a parameter with no effect would explain up to ${Math.round(100 * Math.max(...noisy.map((p) => p.chance)))} % by chance; compare with the chance column`);
    if (!isBalanced(used, keys)) caveats.push('the runs do not form a complete grid (failed, queued or missing runs): main effects are confounded with the other parameters and may not add up');
  }
  parameters.sort((a, b) => b.fraction - a.fraction || a.order - b.order);
  return {
    n,
    variance: n > 1 ? total / (n - 1) : 0,
    parameters: parameters.map(({ order: _order, ...p }) => p),
    remainder: n >= 3 && total > 0 ? Math.min(1, Math.max(0, 1 - explained)) : 0,
    caveats,
  };
}

/** A complete, balanced grid: every combination of the seen values appears equally often. */
function isBalanced(runs: readonly ImportanceInput[], keys: readonly string[]): boolean {
  const combos = new Map<string, number>();
  const distinct = keys.map((k) => new Set(runs.map((r) => JSON.stringify(r.params[k] ?? null))).size);
  for (const r of runs) {
    const c = JSON.stringify(keys.map((k) => r.params[k] ?? null));
    combos.set(c, (combos.get(c) ?? 0) + 1);
  }
  const cells = distinct.reduce((a, b) => a * b, 1);
  const counts = [...combos.values()];
  return combos.size === cells && counts.every((c) => c === counts[0]);
}
