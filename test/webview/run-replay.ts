/**
 * Replays a run into the panel the way the extension would: a 'snapshot' of the first part (live,
 * status 'running'), 'append' batches for the rest, then the run's real final status. The run comes
 * from the synthetic generator or from a recorded run folder (run.json, metrics.jsonl, status.json,
 * summary.json; read with the runtime's own reader so the tests parse folders exactly as the
 * extension does).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostToWebview, LayerStatsRecord, MetricRecord, RunStatus, StepRecord } from '../../runtime/protocol';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import type { RunFolderData } from './synthetic-run';

export const RUN_FIXTURES_DIR = path.join(__dirname, '..', 'fixtures', 'runs');

export function readRunFolder(dir: string): RunFolderData {
  const snap = readRunFolderSync(dir);
  if (!snap.manifest) throw new Error(`${dir}: no run.json`);
  const lastStep = lastOf(snap.records, 'step');
  const status: RunStatus = snap.status ?? {
    state: snap.summary?.state ?? 'interrupted',
    step: lastStep?.t ?? 0,
    totalSteps: snap.manifest.config.steps,
    updatedAt: snap.manifest.createdAt,
  };
  return { manifest: snap.manifest, status, summary: snap.summary, records: snap.records };
}

/** Write a run folder in the run-folder format (round-trip tests of the reader). */
export function writeRunFolder(dir: string, run: RunFolderData): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run.manifest, null, 2));
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), run.records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify(run.status, null, 2));
  if (run.summary) fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(run.summary, null, 2));
}

/** Run folders under test/fixtures/runs/ (each a directory with a run.json). */
export function recordedRunFolders(root = RUN_FIXTURES_DIR): string[] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, d.name, 'run.json')))
    .map((d) => path.join(root, d.name))
    .sort();
}

export function lastOf<K extends MetricRecord['kind']>(records: readonly MetricRecord[], kind: K): Extract<MetricRecord, { kind: K }> | undefined {
  for (let i = records.length - 1; i >= 0; i--) if (records[i].kind === kind) return records[i] as Extract<MetricRecord, { kind: K }>;
  return undefined;
}

export interface Replay {
  /** The snapshot the host sends after 'ready'. */
  snapshot: HostToWebview;
  /** Append batches (with a 'status' message after each, as the host interleaves them). */
  live: HostToWebview[];
  /** The run's real final status. */
  finalStatus: HostToWebview;
}

export interface ReplayOptions {
  /** Share of the steps in the snapshot (the rest is appended). */
  snapshotFraction: number;
  /** Records per 'append' batch. */
  batchRecords: number;
  /** State reported while the run is replayed live. */
  liveState: RunStatus['state'];
}

export function buildReplay(run: RunFolderData, o: ReplayOptions = { snapshotFraction: 2 / 3, batchRecords: 25, liveState: 'running' }): Replay {
  const lastStep = lastOf(run.records, 'step')?.t ?? 0;
  const cut = Math.floor(lastStep * o.snapshotFraction);
  // Split after the last record of step `cut` (layers/eval/events of a step follow its step record).
  let split = run.records.findIndex((r) => r.t > cut);
  if (split < 0) split = run.records.length;
  const statusAt = (step: number): RunStatus => ({ ...run.status, state: o.liveState, step, totalSteps: run.status.totalSteps });
  const snapshot: HostToWebview = {
    type: 'snapshot',
    live: true,
    snapshot: { manifest: run.manifest, status: statusAt(cut), records: run.records.slice(0, split), summary: null },
  };
  const live: HostToWebview[] = [];
  for (let i = split; i < run.records.length; i += o.batchRecords) {
    const records = run.records.slice(i, i + o.batchRecords);
    live.push({ type: 'append', records });
    const step = lastOf(records, 'step');
    if (step) live.push({ type: 'status', status: statusAt(step.t) });
  }
  live.push({ type: 'status', status: statusAt(lastStep) });
  return { snapshot, live, finalStatus: { type: 'status', status: run.status } };
}

/** What the panel must show once the whole replay went through. */
export interface ReplayExpectations {
  lastStep: StepRecord;
  lastLayers: LayerStatsRecord | undefined;
  totalSteps: number;
  stepCount: number;
  evalCount: number;
  provider: string;
  requestedProvider: string;
  /** Statistics records (heatmap columns before any merging). */
  layerRecords: number;
  layerNames: string[];
}

export function expectationsOf(run: RunFolderData): ReplayExpectations {
  const lastStep = lastOf(run.records, 'step');
  if (!lastStep) throw new Error('run has no step records');
  const layerRecords = run.records.filter((r): r is LayerStatsRecord => r.kind === 'layers');
  const names = new Set<string>(run.manifest.model.trainables.map((t) => t.name));
  for (const r of layerRecords) for (const l of r.layers) names.add(l.name);
  return {
    lastStep,
    lastLayers: lastOf(run.records, 'layers'),
    totalSteps: run.status.totalSteps,
    stepCount: run.records.filter((r) => r.kind === 'step').length,
    evalCount: run.records.filter((r) => r.kind === 'eval').length,
    provider: run.status.provider ?? run.manifest.engine.provider,
    requestedProvider: run.manifest.engine.requestedProvider,
    layerRecords: layerRecords.length,
    layerNames: [...names],
  };
}
