/**
 * The Sweeps view's glue as plain data (no 'vscode' import, unit-tested): tree item fields of a
 * sweep (progress in its description) and of its runs (grid label, state, the sort metric's value),
 * which come from the sweep table (runtime/runs/sweep-table.ts), i.e. from run folders alone.
 */
import type { SweepEntryState, SweepRecord, SweepSortMetric } from '../../runtime/protocol';
import { sweepProgressText } from '../../runtime/runs/sweep-queue';
import type { TreeItemFields } from '../runs-view/runs-view-model';
import { metricOf, SWEEP_METRIC_LABELS, type SweepRow } from '../../runtime/runs/sweep-table';

export type SweepItemFields = TreeItemFields;

/** `live` = this window runs the sweep (it can be stopped from here). */
export function sweepItemFields(record: SweepRecord, file: string, live: boolean): SweepItemFields {
  const icon =
    record.state === 'running' ? { id: 'loading~spin' } : record.state === 'finished' ? (record.entries.some((e) => e.state === 'failed') ? { id: 'warning', color: 'list.warningForeground' } : { id: 'pass', color: 'testing.iconPassed' }) : { id: 'debug-stop' };
  return {
    id: file,
    label: record.id,
    description: sweepProgressText(record),
    tooltip: [
      `**${record.id}** — ${record.state}`,
      `${record.entries.length} runs, ${record.parallel} at a time, sorted by ${SWEEP_METRIC_LABELS[record.sort] ?? record.sort}`,
      `grid: \`${record.grid}\``,
      `config: ${record.config}`,
      `runs in ${record.runsDir}`,
    ].join('\n\n'),
    iconId: icon.id,
    iconColor: icon.color,
    contextValue: `heleneSweep.${live && record.state === 'running' ? 'live' : record.state === 'running' ? 'elsewhere' : 'ended'}`,
  };
}

const STATE_ICONS: Record<SweepEntryState, { id: string; color?: string }> = {
  queued: { id: 'clock' },
  running: { id: 'loading~spin' },
  finished: { id: 'pass', color: 'testing.iconPassed' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  stopped: { id: 'debug-stop' },
  cancelled: { id: 'circle-slash' },
  interrupted: { id: 'warning', color: 'list.warningForeground' },
};

function formatMetric(metric: SweepSortMetric, v: number | null): string {
  if (v === null) return '—';
  return metric === 'accuracy' ? `${(100 * v).toFixed(1)}%` : v.toFixed(4);
}

export interface SweepRunItemFields extends SweepItemFields {
  runDir: string;
}

/** One row of the sweep table as a tree item: "#rank label", "state · best eval loss 1.2345 · step 150/150". */
export function sweepRunItemFields(row: SweepRow, rank: number, metric: SweepSortMetric): SweepRunItemFields {
  const icon = STATE_ICONS[row.state as SweepEntryState] ?? (row.state === 'crashed' ? STATE_ICONS.failed : { id: 'circle-outline' });
  const value = metricOf(row, metric);
  const progress = row.totalSteps ? `step ${row.steps}/${row.totalSteps}` : row.steps ? `step ${row.steps}` : '';
  return {
    id: row.runDir,
    label: `${rank}. ${row.label}`,
    description: [row.state, `${SWEEP_METRIC_LABELS[metric]} ${formatMetric(metric, value)}`, progress].filter(Boolean).join(' · '),
    tooltip: [
      `**${row.runId}** — ${row.state}`,
      `grid: ${row.label}`,
      `steps ${row.steps}, training forward passes ${row.trainingPasses}, evaluation passes ${row.evalPasses}`,
      `eval loss final ${formatMetric('finalEvalLoss', row.finalEvalLoss)}, best ${formatMetric('bestEvalLoss', row.bestEvalLoss)}; best accuracy ${formatMetric('accuracy', row.accuracy)}; final train loss ${formatMetric('finalTrainLoss', row.finalTrainLoss)}`,
      ...(row.problem ? [`cannot read the run folder: ${row.problem}`] : []),
    ].join('\n\n'),
    iconId: icon.id,
    iconColor: icon.color,
    contextValue: row.state === 'queued' || row.state === 'cancelled' ? 'heleneSweepRun.none' : 'heleneSweepRun.folder',
    runDir: row.runDir,
  };
}
