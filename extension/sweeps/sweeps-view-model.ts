/**
 * The Sweeps view's glue as plain data (no 'vscode' import, unit-tested): tree item fields of a
 * sweep (progress in its description) and of its runs (grid label, state, the sort metric's value),
 * which come from the sweep table (runtime/runs/sweep-table.ts), i.e. from run folders alone.
 */
import type { QueueCounts, QueueWorkerInfo, SweepEntryState, SweepRecord, SweepSortMetric } from '../../runtime/protocol';
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
      `${record.entries.length} runs, ${record.queue ? 'on the queue' : `${record.parallel} at a time`}, sorted by ${SWEEP_METRIC_LABELS[record.sort] ?? record.sort}`,
      `grid: \`${record.grid}\``,
      `config: ${record.config}`,
      record.queue ? `runs on the workers of the queue ${record.queue}` : `runs in ${record.runsDir}`,
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

// ---------------------------------------------------------------- the queue (heleneStudio.queue.url)

/** "2 workers (1 busy) · 3 queued · 1 running · 10 done · 1 failed". */
export function queueCountsText(workers: readonly QueueWorkerInfo[], counts: QueueCounts): string {
  const busy = workers.filter((w) => w.running.length > 0).length;
  return [
    `${workers.length} worker${workers.length === 1 ? '' : 's'}${workers.length ? ` (${busy} busy)` : ''}`,
    `${counts.queued} queued`,
    `${counts.running} running`,
    `${counts.done} done`,
    ...(counts.failed ? [`${counts.failed} failed`] : []),
  ].join(' · ');
}

/** The queue's root item: its counts, or why it cannot be read. */
export function queueItemFields(display: string, status: { workers: QueueWorkerInfo[]; counts: QueueCounts } | { error: string }): SweepItemFields {
  if ('error' in status) {
    return { id: `queue:${display}`, label: 'Queue', description: `not reachable: ${status.error}`, tooltip: `**Queue** ${display}\n\n${status.error}`, iconId: 'warning', iconColor: 'list.warningForeground', contextValue: 'heleneQueue.down' };
  }
  const text = queueCountsText(status.workers, status.counts);
  return {
    id: `queue:${display}`,
    label: 'Queue',
    description: text,
    tooltip: `**Queue** ${display}\n\n${text}\n\nWorkers: \`helene-studio worker --queue ${display} --runs-dir <shared folder>\` (docs/scale-out.md)`,
    iconId: status.counts.running > 0 ? 'sync~spin' : 'server-environment',
    contextValue: 'heleneQueue.up',
  };
}

/** A worker is alive while its heartbeat is fresh (the key also expires in Redis on its own). */
export function workerAlive(w: QueueWorkerInfo, now: number, ttlSeconds: number): boolean {
  return now - Date.parse(w.beatAt) < ttlSeconds * 1000;
}

export function workerItemFields(w: QueueWorkerInfo, now: number, ttlSeconds: number): SweepItemFields {
  const alive = workerAlive(w, now, ttlSeconds);
  const state = !alive ? 'no heartbeat' : w.running.length ? `busy: ${w.running.join(', ')}` : 'idle';
  return {
    id: `worker:${w.id}`,
    label: w.id,
    description: `${state} · ${w.running.length}/${w.concurrency}`,
    tooltip: [`**${w.id}** — ${state}`, `host ${w.host}, pid ${w.pid}, ${w.concurrency} at a time`, `runs in ${w.runsDir}`, `up since ${w.startedAt}, last heartbeat ${w.beatAt}`].join('\n\n'),
    iconId: !alive ? 'debug-disconnect' : w.running.length ? 'loading~spin' : 'circle-large-outline',
    iconColor: !alive ? 'list.warningForeground' : undefined,
    contextValue: alive ? 'heleneQueueWorker.alive' : 'heleneQueueWorker.silent',
  };
}

/**
 * A row of a queue sweep whose run folder is not on this machine opens live from the run's Redis
 * stream; one whose folder is here (a shared folder, or this machine's worker) opens from the folder.
 */
export function sweepRunOpens(record: SweepRecord, row: SweepRow, folderHere: boolean): 'folder' | 'stream' | 'none' {
  if (row.state === 'queued' || row.state === 'cancelled') return 'none';
  if (folderHere) return 'folder';
  return record.queue ? 'stream' : 'none';
}
