/**
 * The sweep table, from run folders alone: one row per planned run with its grid values, state,
 * steps, training and evaluation forward passes (apart), final/best eval loss, best eval metric (accuracy) and final train loss,
 * sorted by a chosen metric (losses ascending, accuracy descending; runs without the metric last).
 * rowsFromSnapshots and sortSweepRows are pure; readSweepTable reads the folders.
 */
import * as path from 'node:path';
import type { RunViewSnapshot, SweepAxis, SweepEntryState, SweepRecord, SweepSortMetric, SweepValue } from '../protocol';
import { readRunHistorySync } from '../run/run-reader';
import { toCsv, type CsvCell } from './csv';
import { summarizeRecords } from './summary';

export const SWEEP_SORT_METRICS: readonly SweepSortMetric[] = ['bestEvalLoss', 'finalEvalLoss', 'accuracy', 'finalTrainLoss'];

export const SWEEP_METRIC_LABELS: Record<SweepSortMetric, string> = {
  bestEvalLoss: 'best eval loss',
  finalEvalLoss: 'final eval loss',
  accuracy: 'best accuracy',
  finalTrainLoss: 'final train loss',
};

/** Higher is better only for accuracy. */
export function metricDescending(metric: SweepSortMetric): boolean {
  return metric === 'accuracy';
}

export function parseSweepSort(text: string | undefined): SweepSortMetric {
  if (text === undefined) return 'bestEvalLoss';
  const aliases: Record<string, SweepSortMetric> = { loss: 'bestEvalLoss', 'eval-loss': 'bestEvalLoss', acc: 'accuracy', 'train-loss': 'finalTrainLoss' };
  const m = (SWEEP_SORT_METRICS as readonly string[]).includes(text) ? (text as SweepSortMetric) : aliases[text];
  if (!m) throw new Error(`--sort must be one of ${SWEEP_SORT_METRICS.join(', ')}; got ${JSON.stringify(text)}`);
  return m;
}

export interface SweepRow {
  index: number;
  runId: string;
  label: string;
  values: Record<string, SweepValue>;
  /** The sweep's state of the entry; a run folder that ended differently (e.g. failed) wins once it has ended. */
  state: SweepEntryState | string;
  steps: number;
  totalSteps: number | null;
  /** Training forward passes (what an optimizer spends; evaluation passes excluded). */
  trainingPasses: number;
  /** Evaluation forward passes, reported apart. */
  evalPasses: number;
  finalEvalLoss: number | null;
  bestEvalLoss: number | null;
  /** Best eval accuracy (classification), null when the run has none. */
  accuracy: number | null;
  finalTrainLoss: number | null;
  runDir: string;
  /** Why the run folder could not be read, when it could not. */
  problem?: string;
}

export function metricOf(row: SweepRow, metric: SweepSortMetric): number | null {
  const v = row[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Build rows from the sweep record and each run's folder snapshot (null = no folder yet). */
export function rowsFromSnapshots(record: SweepRecord, snapshots: Map<string, RunViewSnapshot | null | Error>): SweepRow[] {
  return record.entries.map((e) => {
    const snap = snapshots.get(e.runId) ?? null;
    const row: SweepRow = {
      index: e.index, runId: e.runId, label: e.label, values: e.values, state: e.state,
      steps: 0, totalSteps: null, trainingPasses: 0, evalPasses: 0, finalEvalLoss: null, bestEvalLoss: null, accuracy: null, finalTrainLoss: null,
      runDir: path.join(record.runsDir, e.runId),
    };
    if (snap instanceof Error) {
      row.problem = snap.message;
      return row;
    }
    if (!snap) return row;
    const s = summarizeRecords(snap.records);
    row.steps = Math.max(s.steps, snap.summary?.steps ?? 0, snap.status?.step ?? 0);
    row.totalSteps = snap.status?.totalSteps ?? snap.manifest?.config.steps ?? null;
    // The summary's own counts when it has them (the records may be decimated); else from the records.
    row.trainingPasses = snap.summary?.trainingPasses ?? s.trainingPasses;
    row.evalPasses = snap.summary?.evalPasses ?? (snap.summary?.forwardPasses ?? s.totalPasses) - row.trainingPasses;
    row.finalEvalLoss = s.finalEvalLoss?.value ?? snap.summary?.finalEval?.loss ?? null;
    row.bestEvalLoss = s.bestEvalLoss?.value ?? snap.summary?.bestEval?.loss ?? null;
    row.accuracy = s.bestEvalMetric?.value ?? snap.summary?.bestEval?.accuracy ?? null;
    row.finalTrainLoss = s.finalTrainLoss ?? snap.summary?.finalLoss ?? null;
    const folderState = snap.status?.state ?? snap.summary?.state;
    // The sweep knows queued/cancelled; the folder knows best how a run ended (failed vs crashed).
    if (folderState && (e.state === 'finished' || e.state === 'failed') && (folderState === 'failed' || folderState === 'crashed')) row.state = folderState;
    return row;
  });
}

/** Sort by a metric (losses ascending, accuracy descending); rows without it last; ties keep grid order. */
export function sortSweepRows(rows: readonly SweepRow[], metric: SweepSortMetric): SweepRow[] {
  const sign = metricDescending(metric) ? -1 : 1;
  return [...rows].sort((a, b) => {
    const va = metricOf(a, metric);
    const vb = metricOf(b, metric);
    if (va === null && vb === null) return a.index - b.index;
    if (va === null) return 1;
    if (vb === null) return -1;
    return sign * (va - vb) || a.index - b.index;
  });
}

/**
 * Each entry's run folder, read once: null for a run not started (queued, cancelled, or a folder
 * with nothing in it yet), the Error for a folder that cannot be read (its row says so).
 */
export function readSweepSnapshots(record: SweepRecord): Map<string, RunViewSnapshot | null | Error> {
  const snaps = new Map<string, RunViewSnapshot | null | Error>();
  for (const e of record.entries) {
    if (e.state === 'queued' || e.state === 'cancelled') {
      snaps.set(e.runId, null);
      continue;
    }
    try {
      const snap = readRunHistorySync(path.join(record.runsDir, e.runId));
      snaps.set(e.runId, snap.manifest || snap.status || snap.records.length ? snap : null);
    } catch (err) {
      snaps.set(e.runId, err as Error);
    }
  }
  return snaps;
}

export function readSweepRows(record: SweepRecord): SweepRow[] {
  return rowsFromSnapshots(record, readSweepSnapshots(record));
}

/** The sorted table of a sweep, read from its run folders. */
export function readSweepTable(record: SweepRecord, metric: SweepSortMetric = record.sort): SweepRow[] {
  return sortSweepRows(readSweepRows(record), metric);
}

export const SWEEP_CSV_COLUMNS = ['rank', 'run_id', 'label', 'state', 'steps', 'training_passes', 'eval_passes', 'final_eval_loss', 'best_eval_loss', 'best_accuracy', 'final_train_loss'];

/** CSV: rank, run id, label, one column per axis, state, and the metrics (rows in the given order). */
export function sweepTableCsv(rows: readonly SweepRow[], axes: readonly SweepAxis[]): string {
  const header: CsvCell[] = ['rank', 'run_id', 'label', ...axes.map((a) => a.key), 'state', 'steps', 'training_passes', 'eval_passes', 'final_eval_loss', 'best_eval_loss', 'best_accuracy', 'final_train_loss'];
  const body = rows.map((r, i): CsvCell[] => [
    i + 1, r.runId, r.label, ...axes.map((a) => r.values[a.key] as CsvCell), r.state, r.steps, r.trainingPasses, r.evalPasses,
    r.finalEvalLoss, r.bestEvalLoss, r.accuracy, r.finalTrainLoss,
  ]);
  return toCsv([header, ...body]);
}

function fmt(v: number | null, digits = 4): string {
  return v === null ? '—' : v.toFixed(digits);
}

/** A plain-text table for the terminal (rows in the given order). */
export function formatSweepTable(rows: readonly SweepRow[], metric: SweepSortMetric): string {
  const head = ['#', 'run', 'grid', 'state', 'steps', 'train passes', 'eval passes', 'final eval', 'best eval', 'accuracy', 'train loss'];
  const lines = rows.map((r, i) => [
    String(i + 1), r.runId, r.label, r.state, String(r.steps), String(r.trainingPasses), String(r.evalPasses),
    fmt(r.finalEvalLoss), fmt(r.bestEvalLoss), r.accuracy === null ? '—' : `${(100 * r.accuracy).toFixed(1)}%`, fmt(r.finalTrainLoss),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const row = (cells: string[]) => cells.map((cell, c) => (c >= 4 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [`sorted by ${SWEEP_METRIC_LABELS[metric]} (${metricDescending(metric) ? 'highest' : 'lowest'} first)`, row(head), ...lines.map(row)].join('\n') + '\n';
}
