/**
 * The run folder, runs/<run-id>/ (format documented in docs/run-folder.md):
 *   run.json       RunManifest: resolved config, model trainables, provider that really ran
 *   config.json    the fully resolved config alone (re-run it as is)
 *   metrics.jsonl  append-only MetricRecords, one JSON object per line
 *   status.json    RunStatus, rewritten atomically as the run progresses
 *   summary.json   RunSummary, written when the run ends
 *   run.lock       pid of the process that owns the folder while it runs
 * Metric lines are buffered and appended in batches; flush() runs at the end, on stop and on errors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricRecord, ResolvedConfig, RunManifest, RunStatus, RunSummary } from '../protocol';
import { writeJsonAtomic } from './atomic-write';
import { dropMetricsAfter } from './metrics-truncate';

export const RUN_FILES = {
  manifest: 'run.json',
  config: 'config.json',
  metrics: 'metrics.jsonl',
  status: 'status.json',
  summary: 'summary.json',
  lock: 'run.lock',
} as const;

export class RunFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFolderError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A short, sortable, readable id: 20261123-142501-helene-demo-mlp. */
export function makeRunId(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'run';
  return `${stamp}-${slug}`;
}

export class RunFolderWriter {
  private pending: string[] = [];
  private readonly metricsPath: string;

  private constructor(readonly dir: string, readonly id: string) {
    this.metricsPath = path.join(dir, RUN_FILES.metrics);
  }

  /**
   * Create (or, for an explicit id, reuse an empty or finished) run folder and take its lock.
   * Refuses a folder another live process is writing to.
   */
  static create(runsDir: string, id: string): RunFolderWriter {
    const dir = path.resolve(runsDir, id);
    fs.mkdirSync(dir, { recursive: true });
    RunFolderWriter.takeLock(dir);
    if (fs.existsSync(path.join(dir, RUN_FILES.metrics))) {
      fs.rmSync(path.join(dir, RUN_FILES.lock), { force: true });
      throw new RunFolderError(`run folder ${dir} already holds a run; choose another output.runId (or resume it)`);
    }
    return new RunFolderWriter(dir, id);
  }

  /** Re-open an existing run folder to resume it (refused while another live process owns it). */
  static reopen(dir: string): RunFolderWriter {
    if (!fs.existsSync(path.join(dir, RUN_FILES.manifest))) throw new RunFolderError(`${dir} is not a run folder (no ${RUN_FILES.manifest})`);
    RunFolderWriter.takeLock(dir);
    return new RunFolderWriter(dir, path.basename(dir));
  }

  private static takeLock(dir: string): void {
    const lock = path.join(dir, RUN_FILES.lock);
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(fs.readFileSync(lock, 'utf8'));
      if (owner && isAlive(owner)) {
        throw new RunFolderError(`run folder ${dir} is in use by another run (pid ${owner}); choose another output.runId`);
      }
      fs.writeFileSync(lock, String(process.pid)); // stale lock of a dead process
    }
  }

  /**
   * Keep only the metric records `keep` accepts (resume drops what came after the checkpoint, since
   * the resumed run regenerates it). Streams and cuts at a byte offset, crash-safe: metrics-truncate.ts.
   */
  dropMetricsAfter(keep: (r: MetricRecord) => boolean): void {
    this.pending = [];
    dropMetricsAfter(this.metricsPath, keep);
  }

  writeManifest(manifest: RunManifest, config: ResolvedConfig): void {
    writeJsonAtomic(path.join(this.dir, RUN_FILES.manifest), manifest);
    writeJsonAtomic(path.join(this.dir, RUN_FILES.config), config);
  }

  writeStatus(status: RunStatus): void {
    writeJsonAtomic(path.join(this.dir, RUN_FILES.status), status);
  }

  writeSummary(summary: RunSummary): void {
    writeJsonAtomic(path.join(this.dir, RUN_FILES.summary), summary);
  }

  append(record: MetricRecord): void {
    this.pending.push(JSON.stringify(record));
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Append the buffered lines in one write. Lines are complete before a newline, so a reader can drop a torn tail. */
  flush(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    fs.appendFileSync(this.metricsPath, text);
  }

  /**
   * flush(), then fsync metrics.jsonl: called before a checkpoint is written, so a checkpoint never
   * stands for a step whose metric lines could still be lost (resume regenerates only the lines
   * after the checkpoint; a kill used to lose buffered lines before it).
   */
  flushDurable(): void {
    this.flush();
    if (!fs.existsSync(this.metricsPath)) return;
    const fd = fs.openSync(this.metricsPath, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  close(): void {
    this.flush();
    fs.rmSync(path.join(this.dir, RUN_FILES.lock), { force: true });
  }
}
