/**
 * The sweep views' model (runtime/protocol/sweep-views.ts) from a sweep record and its run folders:
 * one ExperimentRow per run with a folder (the grid's values as its swept parameters), the axes
 * (numeric or categorical; log where positive values span a decade or more) and the importance of
 * every swept parameter for every metric choice. buildSweepViewsModel is pure; readSweepViews reads
 * the folders.
 */
import * as path from 'node:path';
import {
  SWEEP_METRIC_CHOICES, SWEEP_SORT_TO_CHOICE, metricValue,
  type ExperimentRow, type ImportanceResult, type RunViewSnapshot, type SweepAxis, type SweepParamAxis, type SweepRecord, type SweepViewsModel,
} from '../protocol';
import { readSweepSnapshots } from './sweep-table';
import { mainEffectImportance } from './importance';
import { experimentRowOf } from './run-experiment-row';

/** Positive numbers whose largest is at least this many times the smallest get a log axis. */
export const LOG_SPAN = 10;

export function paramAxis(axis: SweepAxis): SweepParamAxis {
  const numeric = axis.values.length > 0 && axis.values.every((v) => typeof v === 'number' && Number.isFinite(v));
  const nums = numeric ? (axis.values as number[]) : [];
  const log = numeric && nums.every((v) => v > 0) && Math.max(...nums) / Math.min(...nums) >= LOG_SPAN;
  return { key: axis.key, kind: numeric ? 'numeric' : 'categorical', values: [...axis.values], log };
}

/** Importance of each swept parameter, per metric choice. */
export function sweepImportance(rows: readonly ExperimentRow[], keys: readonly string[]): Record<string, ImportanceResult> {
  const out: Record<string, ImportanceResult> = {};
  for (const choice of SWEEP_METRIC_CHOICES) {
    out[choice.key] = mainEffectImportance(rows.map((r) => ({ params: r.params, y: metricValue(r, choice) })), keys);
  }
  return out;
}

/** `snapshots`: by run id, the folder's snapshot (null: no folder; an Error: unreadable). */
export function buildSweepViewsModel(record: SweepRecord, snapshots: ReadonlyMap<string, RunViewSnapshot | null | Error>): SweepViewsModel {
  const params = record.axes.map(paramAxis);
  const rows: ExperimentRow[] = [];
  let pending = 0;
  for (const e of record.entries) {
    const snap = snapshots.get(e.runId) ?? null;
    if (snap === null) {
      pending++;
      continue;
    }
    const dir = path.join(record.runsDir, e.runId);
    const row = snap instanceof Error
      ? experimentRowOf(e.runId, dir, { manifest: null, status: null, summary: null, records: [] }, `cannot read the run folder: ${snap.message}`)
      : experimentRowOf(e.runId, dir, snap);
    // The grid's own values: the axes are drawn from them, whatever the resolved config normalised.
    row.params = { ...row.params, ...e.values };
    if (row.name === e.runId) row.name = e.label;
    rows.push(row);
  }
  return {
    sweepId: record.id,
    grid: record.grid,
    state: record.state,
    params,
    metrics: SWEEP_METRIC_CHOICES,
    defaultMetric: SWEEP_SORT_TO_CHOICE[record.sort] ?? SWEEP_METRIC_CHOICES[0].key,
    rows,
    pending,
    importance: sweepImportance(rows, params.map((p) => p.key)),
  };
}

/** Read the sweep's run folders and build the model. */
export function readSweepViews(record: SweepRecord): SweepViewsModel {
  return buildSweepViewsModel(record, readSweepSnapshots(record));
}
