/**
 * The run folder, runs/<run-id>/ (format documented in docs/run-folder.md):
 *   run.json       RunManifest: resolved config, model trainables, provider that really ran
 *   config.json    the fully resolved config alone (re-run it as is)
 *   metrics.jsonl  append-only MetricRecords, one JSON object per line
 *   status.json    RunStatus, rewritten atomically as the run progresses
 *   summary.json   RunSummary, written when the run ends
 *   profile.json   StepProfile, where a step's time went (train --profile only)
 *   run.lock       pid of the process that owns the folder while it runs
 *   .disk-reserve  64 KiB held while the run is live, freed on a full disk so the run can still
 *                  record how it ended (failed event, status, summary)
 * Metric lines are buffered and appended in batches; flush() runs at the end, on stop and on errors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricRecord, ResolvedConfig, RunManifest, RunStatus, RunSummary, StepProfile } from '../protocol';
import * as crypto from 'node:crypto';
import { fsyncDir, removeStaleTempFiles, writeAllSync, writeJsonAtomic } from './atomic-write';
import { asDiskFault, DiskFaultError } from './disk-fault';
import { CHECKPOINT_DIR, listCheckpoints, saveCheckpoint, type CheckpointData } from './checkpoint';
import type { RunFolderSink } from './follower-folder';
import { dropMetricsAfter } from './metrics-truncate';

export const RUN_FILES = {
  manifest: 'run.json',
  config: 'config.json',
  metrics: 'metrics.jsonl',
  status: 'status.json',
  summary: 'summary.json',
  profile: 'profile.json',
  lock: 'run.lock',
  reserve: '.disk-reserve',
} as const;

/** Space held back for the last words of a run on a full disk (a few small files and lines). */
export const DISK_RESERVE_BYTES = 64 * 1024;

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

/**
 * A sortable, readable id with millisecond time and a random suffix, so runs started together in
 * one runs folder never pick the same one: 20261123-142501-123-helene-demo-mlp-9f3a.
 */
export function makeRunId(name: string, now = new Date()): string {
  const iso = now.toISOString().replace(/[-:]/g, '').replace('T', '-');
  const stamp = `${iso.slice(0, 15)}-${iso.slice(16, 19)}`;
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'run';
  return `${stamp}-${slug}-${crypto.randomBytes(2).toString('hex')}`;
}

export class RunFolderWriter implements RunFolderSink {
  private pending: string[] = [];
  private readonly metricsPath: string;
  /** Where create() moved the files of a run killed before its first checkpoint (null: nothing moved). */
  movedAside: string | null = null;

  private constructor(readonly dir: string, readonly id: string) {
    this.metricsPath = path.join(dir, RUN_FILES.metrics);
  }

  /**
   * Create the run folder of an explicit id (output.runId) and take its lock. Refuses a folder
   * another live process is writing to, and one that holds a run worth keeping (one that ended, or
   * one with a checkpoint to resume). A folder left by a run killed before its first checkpoint
   * holds nothing a resume could not regenerate, so the user expects the id to simply work again:
   * its files are moved aside to <id>.interrupted-<time> (nothing deleted) and the folder is reused.
   */
  static create(runsDir: string, id: string): RunFolderWriter {
    const dir = path.resolve(runsDir, id);
    fs.mkdirSync(dir, { recursive: true });
    RunFolderWriter.takeLock(dir);
    let movedAside: string | null = null;
    if (fs.existsSync(path.join(dir, RUN_FILES.metrics))) {
      const refuse = (why: string) => {
        fs.rmSync(path.join(dir, RUN_FILES.lock), { force: true });
        return new RunFolderError(`run folder ${dir} ${why}`);
      };
      if (fs.existsSync(path.join(dir, RUN_FILES.summary))) throw refuse('already holds a run; choose another output.runId (or resume it)');
      const checkpoints = listCheckpoints(dir);
      if (checkpoints.length) {
        throw refuse(`holds an interrupted run with a checkpoint at step ${checkpoints[0].step}: continue it with helene-studio resume ${dir}, or choose another output.runId`);
      }
      movedAside = moveRunAside(dir);
    }
    const writer = RunFolderWriter.opened(dir, id);
    writer.movedAside = movedAside;
    return writer;
  }

  /**
   * A new folder under a generated id. mkdir without `recursive` is the claim: it fails when the
   * folder exists, so two processes can never take the same id (the loser draws another).
   */
  static createNew(runsDir: string, name: string): RunFolderWriter {
    fs.mkdirSync(runsDir, { recursive: true });
    for (let attempt = 0; ; attempt++) {
      const id = makeRunId(name);
      const dir = path.resolve(runsDir, id);
      try {
        fs.mkdirSync(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 20) continue;
        throw asDiskFault(e, dir);
      }
      RunFolderWriter.takeLock(dir);
      return RunFolderWriter.opened(dir, id);
    }
  }

  /** Clean what dead processes left (temp files of a killed write) and hold the disk reserve. */
  private static opened(dir: string, id: string): RunFolderWriter {
    removeStaleTempFiles(dir, isAlive);
    removeStaleTempFiles(path.join(dir, CHECKPOINT_DIR), isAlive);
    const writer = new RunFolderWriter(dir, id);
    try {
      writer.holdReserve();
    } catch (e) {
      fs.rmSync(path.join(dir, RUN_FILES.lock), { force: true });
      if (e instanceof DiskFaultError) {
        throw new DiskFaultError(e.file, e.code, `disk full: ${dir} has no room left (a run needs at least ${DISK_RESERVE_BYTES / 1024} KiB free to start); free some space and try again`);
      }
      throw e;
    }
    return writer;
  }

  /** Write the reserve with real bytes (zeros could be stored sparse or compressed and hold nothing). */
  private holdReserve(): void {
    const file = path.join(this.dir, RUN_FILES.reserve);
    try {
      const fd = fs.openSync(file, 'w');
      try {
        writeAllSync(fd, crypto.randomBytes(DISK_RESERVE_BYTES), file);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      fs.rmSync(file, { force: true });
      throw asDiskFault(e, file);
    }
  }

  /** Free the reserve (on a full disk), so the run's last writes have room. */
  releaseReserve(): void {
    fs.rmSync(path.join(this.dir, RUN_FILES.reserve), { force: true });
  }

  /** Re-open an existing run folder to resume it (refused while another live process owns it). */
  static reopen(dir: string): RunFolderWriter {
    if (!fs.existsSync(path.join(dir, RUN_FILES.manifest))) throw new RunFolderError(`${dir} is not a run folder (no ${RUN_FILES.manifest})`);
    RunFolderWriter.takeLock(dir);
    return RunFolderWriter.opened(dir, path.basename(dir));
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

  writeProfile(profile: StepProfile): void {
    writeJsonAtomic(path.join(this.dir, RUN_FILES.profile), profile);
  }

  append(record: MetricRecord): void {
    this.pending.push(JSON.stringify(record));
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /**
   * Append the buffered lines in one write. On a failure (full disk) the file is cut back to its
   * last complete line and the lines stay buffered, so nothing torn is ever left as the newest line.
   */
  flush(): void {
    if (this.pending.length === 0) return;
    const text = Buffer.from(this.pending.join('\n') + '\n', 'utf8');
    let fd: number | null = null;
    let before = 0;
    try {
      fd = fs.openSync(this.metricsPath, 'a');
      before = fs.fstatSync(fd).size;
      writeAllSync(fd, text, this.metricsPath);
      this.pending = [];
    } catch (e) {
      if (fd !== null) {
        try {
          fs.ftruncateSync(fd, before); // truncating needs no space
        } catch {
          // the reader drops a torn last line anyway
        }
      }
      throw asDiskFault(e, this.metricsPath);
    } finally {
      if (fd !== null) fs.closeSync(fd);
    }
  }

  /** Drop the buffered lines (after a fault that even the reserve could not absorb). */
  dropPending(): void {
    this.pending = [];
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
    } catch (e) {
      throw asDiskFault(e, this.metricsPath);
    } finally {
      fs.closeSync(fd);
    }
  }

  saveCheckpoint(data: CheckpointData, keep: number): string {
    return saveCheckpoint(this.dir, data, keep);
  }

  removeCheckpointsAfter(step: number): void {
    for (const c of listCheckpoints(this.dir)) if (c.step > step) fs.rmSync(c.file, { force: true });
  }

  close(): void {
    try {
      this.flush();
    } finally {
      this.releaseReserve();
      fs.rmSync(path.join(this.dir, RUN_FILES.lock), { force: true });
    }
  }
}

/**
 * Move a dead run's files (all but our own lock) into a new sibling folder <id>.interrupted-<time>,
 * claimed by a non-recursive mkdir. Temp files of the dead process and its disk reserve go away.
 */
function moveRunAside(dir: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  let aside = `${dir}.interrupted-${stamp}`;
  for (let n = 2; ; n++) {
    try {
      fs.mkdirSync(aside);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n > 50) throw asDiskFault(e, aside);
      aside = `${dir}.interrupted-${stamp}-${n}`;
    }
  }
  removeStaleTempFiles(dir, isAlive);
  removeStaleTempFiles(path.join(dir, CHECKPOINT_DIR), isAlive);
  for (const name of fs.readdirSync(dir)) {
    if (name === RUN_FILES.lock) continue;
    if (name === RUN_FILES.reserve) fs.rmSync(path.join(dir, name), { force: true });
    else fs.renameSync(path.join(dir, name), path.join(aside, name));
  }
  fsyncDir(aside);
  fsyncDir(dir);
  return aside;
}
