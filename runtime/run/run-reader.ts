/**
 * Read a run folder back (extension panel, runs view, tests). Tolerant of a run that is still being
 * written or was killed: a torn last line of metrics.jsonl is ignored, missing files read as null,
 * and a 'running' status whose owner process is gone reads as 'interrupted'.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricRecord, RunManifest, RunStatus, RunSummary, RunViewSnapshot } from '../protocol';
import { RUN_FORMAT, RUN_FORMAT_VERSION } from '../protocol';
import { RUN_FILES } from './run-folder';
import { readAllMetricRecords } from './metrics-lines';
import { readMetricsHistory, type HistoryOptions } from './metrics-history';

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

/** Parse metrics text already in memory (small inputs: tests, IPC batches); files go through metrics-lines.ts. */
export function parseMetricLines(text: string): MetricRecord[] {
  const out: MetricRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as MetricRecord);
    } catch (e) {
      // Only the last line may be torn (a crash mid-append); anything earlier is corruption.
      if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim())) throw new Error(`metrics.jsonl line ${i + 1}: ${(e as Error).message}`);
    }
  }
  return out;
}

function ownerAlive(dir: string): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, RUN_FILES.lock), 'utf8'));
    if (!pid) return false;
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** run.json, status.json and summary.json: everything but the metrics (resume, export). */
export function readRunHeaderSync(dir: string): Omit<RunViewSnapshot, 'records'> {
  const manifest = readJson<RunManifest>(path.join(dir, RUN_FILES.manifest));
  if (manifest && (manifest.format !== RUN_FORMAT || manifest.version > RUN_FORMAT_VERSION)) {
    throw new Error(`${dir}: run format ${manifest.format} v${manifest.version} is not readable by this version (expects ${RUN_FORMAT} v${RUN_FORMAT_VERSION})`);
  }
  const status = readJson<RunStatus>(path.join(dir, RUN_FILES.status));
  if (status && (status.state === 'running' || status.state === 'paused' || status.state === 'starting') && !ownerAlive(dir)) {
    status.state = 'interrupted';
  }
  return { manifest, status, summary: readJson<RunSummary>(path.join(dir, RUN_FILES.summary)) };
}

/** The run with every metric record (streamed; memory grows with the run: small runs, demos, tests). */
export function readRunFolderSync(dir: string): RunViewSnapshot {
  const header = readRunHeaderSync(dir);
  return { ...header, records: readAllMetricRecords(path.join(dir, RUN_FILES.metrics)) };
}

/**
 * The run with a decimated history of its metrics (bounded, whatever the length): what the run
 * panel and compare show (metrics-history.ts says what is kept).
 */
export function readRunHistorySync(dir: string, options?: HistoryOptions): RunViewSnapshot {
  const header = readRunHeaderSync(dir);
  const history = readMetricsHistory(path.join(dir, RUN_FILES.metrics), options);
  return { ...header, records: history.records, history: history.info };
}

export async function readRunFolder(dir: string): Promise<RunViewSnapshot> {
  return readRunFolderSync(dir);
}
