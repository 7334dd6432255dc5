/**
 * The Experiments view model from source entries: the view's target (a loss to reach) and baseline
 * turn each entry's record lows into "training passes and wall time to the target" and a speedup
 * against the baseline; the parameter keys that differ across the rows become the default
 * parameter columns. Pure (no I/O): the host calls it after reading its sources.
 */
import type { ExperimentHit, ExperimentParamValue, ExperimentRow, ExperimentsViewModel, ExperimentTarget } from '../protocol';
import { firstReaching, type LowPoint } from './experiment-digest';
import type { ExperimentEntry } from './experiment-source';

export interface ExperimentsViewState {
  target: ExperimentTarget;
  baselineId: string | null;
  columns: string[] | null;
}

export const DEFAULT_VIEW_STATE: ExperimentsViewState = { target: { kind: 'none' }, baselineId: null, columns: null };

/** The loss every row must reach, or null (no target, or a baseline-relative one without a baseline value). */
export function resolveTarget(entries: readonly ExperimentEntry[], state: ExperimentsViewState): number | null {
  const t = state.target;
  if (t.kind === 'none') return null;
  if (t.kind === 'value') return t.value;
  const baseline = entries.find((e) => e.row.id === state.baselineId);
  return baseline?.row.metrics[t.metric]?.best ?? null;
}

function hitOf(lows: readonly LowPoint[], target: number | null): ExperimentHit | null {
  if (target === null) return null;
  const p = firstReaching(lows, target);
  return p ? { step: p.t, trainingPasses: p.passes, wallSeconds: p.wallMs / 1000 } : null;
}

/** Same value in every row (absent counts as a value of its own)? Compared as JSON text. */
function differs(rows: readonly { params: Record<string, ExperimentParamValue> }[], key: string): boolean {
  if (rows.length < 2) return false;
  const first = JSON.stringify(rows[0].params[key] ?? null);
  return rows.some((r) => JSON.stringify(r.params[key] ?? null) !== first);
}

export function paramKeys(rows: readonly { params: Record<string, ExperimentParamValue> }[]): { all: string[]; differing: string[] } {
  const all = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.params)) all.add(k);
  const sorted = [...all].sort();
  return { all: sorted, differing: sorted.filter((k) => differs(rows, k)) };
}

export function buildRows(entries: readonly ExperimentEntry[], state: ExperimentsViewState): ExperimentRow[] {
  const metric = state.target.kind === 'none' ? 'evalLoss' : state.target.metric;
  const target = resolveTarget(entries, state);
  const hits = entries.map((e) => hitOf(e.lows[metric], target));
  const b = entries.findIndex((e) => e.row.id === state.baselineId);
  const baseHit = b >= 0 ? hits[b] : null;
  return entries.map((e, i) => {
    const hit = hits[i];
    const speedup =
      hit && baseHit && hit.trainingPasses > 0 && hit.wallSeconds > 0
        ? { passes: baseHit.trainingPasses / hit.trainingPasses, wall: baseHit.wallSeconds / hit.wallSeconds }
        : null;
    return { ...e.row, hit, speedup };
  });
}

/** Rows with only the differing parameters, and the shared ones once (1,000 rows × ~100 config keys would be megabytes). */
export function splitParams(rows: ExperimentRow[], keys: { all: string[]; differing: string[] }): { rows: ExperimentRow[]; shared: Record<string, ExperimentParamValue> } {
  const differing = new Set(keys.differing);
  const shared: Record<string, ExperimentParamValue> = {};
  if (rows.length) for (const k of keys.all) if (!differing.has(k)) shared[k] = rows[0].params[k] ?? null;
  const slim = rows.map((r) => ({ ...r, params: Object.fromEntries(keys.differing.filter((k) => k in r.params).map((k) => [k, r.params[k]])) }));
  return { rows: slim, shared };
}

export function buildExperimentsModel(entries: readonly ExperimentEntry[], state: ExperimentsViewState, sources: string[], buildMs = 0): ExperimentsViewModel {
  const full = buildRows(entries, state);
  const keys = paramKeys(full);
  const { rows, shared } = splitParams(full, keys);
  return {
    rows,
    sharedParams: shared,
    target: state.target,
    targetValue: resolveTarget(entries, state),
    baselineId: entries.some((e) => e.row.id === state.baselineId) ? state.baselineId : null,
    differingParams: keys.differing,
    allParams: keys.all,
    columns: state.columns,
    sources,
    buildMs,
  };
}
