/**
 * The sweep engine (vscode-free; the CLI and the extension both drive it): planned runs execute
 * `parallel` at a time in grid order through a caller-supplied `launch`; each entry moves
 * queued → running → finished | failed | stopped, or queued → cancelled. stop() cancels what is
 * queued and asks running runs to stop (they end as stopped); finished runs stay as they are.
 * The sweep's state is written atomically to `<runsDir>/.sweeps/<sweepId>.json` on every change,
 * so another window, the CLI or a later session can show it; readSweepFile turns a file left
 * "running" by a process that is gone into "interrupted".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  SWEEP_FORMAT,
  SWEEP_FORMAT_VERSION,
  type SweepEntryRecord,
  type SweepEntryState,
  type SweepRecord,
} from '../protocol';
import { writeJsonAtomic } from '../run/atomic-write';
import type { PlannedRun } from './sweep-spec';

export const SWEEPS_DIR = '.sweeps';

export function sweepFile(runsDir: string, sweepId: string): string {
  return path.join(runsDir, SWEEPS_DIR, `${sweepId}.json`);
}

/** What a launched run reports when it ends: ok = exited cleanly; state says finished or stopped when known. */
export interface LaunchResult {
  ok: boolean;
  state?: 'finished' | 'stopped';
  error?: string;
}

export interface LaunchedRun {
  done: Promise<LaunchResult>;
  /** Ask the run to stop at its next step boundary. */
  stop(): void;
}

export type LaunchFn = (plan: PlannedRun) => LaunchedRun;

export interface SweepQueueOptions {
  /** Everything of the record but what the queue owns (state, entries, timestamps, pid). */
  sweep: Omit<SweepRecord, 'format' | 'version' | 'state' | 'entries' | 'createdAt' | 'updatedAt' | 'pid' | 'parallel'>;
  plans: PlannedRun[];
  parallel: number;
  launch: LaunchFn;
  /** Write the record here on every change (default sweepFile(runsDir, id)); null = do not persist. */
  file?: string | null;
  now?: () => Date;
}

export type SweepChange = { entry: SweepEntryRecord | null; record: SweepRecord };

export function isEntryDone(state: SweepEntryState): boolean {
  return state !== 'queued' && state !== 'running';
}

export class SweepQueue {
  readonly record: SweepRecord;
  readonly file: string | null;
  private readonly plans: PlannedRun[];
  private readonly launchFn: LaunchFn;
  private readonly now: () => Date;
  private readonly running = new Map<number, LaunchedRun>();
  private readonly stopAsked = new Set<number>();
  private readonly listeners = new Set<(change: SweepChange) => void>();
  private stopping = false;
  private started = false;
  private finish!: (record: SweepRecord) => void;
  /** Resolves with the final record once no entry is queued or running. */
  readonly done: Promise<SweepRecord>;

  constructor(options: SweepQueueOptions) {
    if (!Number.isInteger(options.parallel) || options.parallel < 1) throw new Error(`parallel must be a whole number >= 1, got ${options.parallel}`);
    if (options.plans.length === 0) throw new Error('a sweep needs at least one planned run');
    this.plans = options.plans;
    this.launchFn = options.launch;
    this.now = options.now ?? (() => new Date());
    const at = this.now().toISOString();
    this.record = {
      format: SWEEP_FORMAT,
      version: SWEEP_FORMAT_VERSION,
      ...options.sweep,
      createdAt: at,
      updatedAt: at,
      state: 'running',
      pid: process.pid,
      parallel: options.parallel,
      entries: options.plans.map((p) => ({ index: p.index, runId: p.runId, label: p.label, values: { ...p.values }, state: 'queued' })),
    };
    this.file = options.file === undefined ? sweepFile(options.sweep.runsDir, options.sweep.id) : options.file;
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  onChange(listener: (change: SweepChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Write the initial record and launch the first `parallel` runs. Returns `done`. */
  start(): Promise<SweepRecord> {
    if (this.started) return this.done;
    this.started = true;
    this.changed(null);
    this.pump();
    return this.done;
  }

  /** Cancel queued entries and ask running ones to stop; finished entries stay. */
  stop(): void {
    if (this.stopping || this.finished) return;
    this.stopping = true;
    const at = this.now().toISOString();
    for (const e of this.record.entries) {
      if (e.state === 'queued') {
        e.state = 'cancelled';
        e.endedAt = at;
        this.changed(e);
      }
    }
    for (const [index, run] of this.running) {
      this.stopAsked.add(index);
      try {
        run.stop();
      } catch {
        // a run that cannot be asked is already ending; its done settles it
      }
    }
    this.settleIfDone();
  }

  get stopped(): boolean {
    return this.stopping;
  }

  get finished(): boolean {
    return this.record.state !== 'running';
  }

  counts(): Record<SweepEntryState, number> {
    const c: Record<SweepEntryState, number> = { queued: 0, running: 0, finished: 0, failed: 0, stopped: 0, cancelled: 0, interrupted: 0 };
    for (const e of this.record.entries) c[e.state]++;
    return c;
  }

  private pump(): void {
    while (!this.stopping && this.running.size < this.record.parallel) {
      const next = this.record.entries.find((e) => e.state === 'queued');
      if (!next) break;
      this.launch(next);
    }
    this.settleIfDone();
  }

  private launch(entry: SweepEntryRecord): void {
    const plan = this.plans[this.record.entries.indexOf(entry)];
    entry.state = 'running';
    entry.startedAt = this.now().toISOString();
    let launched: LaunchedRun;
    try {
      launched = this.launchFn(plan);
    } catch (e) {
      this.end(entry, { ok: false, error: (e as Error).message ?? String(e) });
      return;
    }
    this.running.set(entry.index, launched);
    this.changed(entry);
    launched.done.then(
      (result) => this.end(entry, result),
      (e: unknown) => this.end(entry, { ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
  }

  private end(entry: SweepEntryRecord, result: LaunchResult): void {
    this.running.delete(entry.index);
    const stopAsked = this.stopAsked.has(entry.index);
    entry.state = !result.ok ? 'failed' : (result.state ?? (stopAsked ? 'stopped' : 'finished'));
    entry.endedAt = this.now().toISOString();
    if (result.error) entry.error = result.error;
    this.changed(entry);
    this.pump();
  }

  private settleIfDone(): void {
    if (this.finished || this.running.size > 0 || this.record.entries.some((e) => e.state === 'queued')) return;
    this.record.state = this.stopping ? 'stopped' : 'finished';
    this.changed(null);
    this.finish(this.record);
  }

  private changed(entry: SweepEntryRecord | null): void {
    this.record.updatedAt = this.now().toISOString();
    if (this.file) {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      writeJsonAtomic(this.file, this.record);
    }
    for (const l of [...this.listeners]) l({ entry, record: this.record });
  }
}

function pidAlive(pid: unknown): boolean {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why a parsed file is not a sweep record, or null when it is one. */
export function sweepRecordProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const r = v as Partial<SweepRecord>;
  if (r.format !== SWEEP_FORMAT) return `not a HELENE sweep (format ${JSON.stringify(r.format)})`;
  if (typeof r.version !== 'number' || r.version > SWEEP_FORMAT_VERSION) return `sweep format v${r.version} is newer than this version reads (v${SWEEP_FORMAT_VERSION})`;
  if (typeof r.id !== 'string' || !Array.isArray(r.entries) || !Array.isArray(r.axes)) return 'misses id, axes or entries';
  return null;
}

/**
 * Read a sweep file. A sweep still marked running whose process is gone reads as interrupted:
 * its running entries become interrupted and its queued ones cancelled (nothing will run them).
 * `alive` is injectable for tests.
 */
export function readSweepFile(file: string, alive: (pid: unknown) => boolean = pidAlive): SweepRecord {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  const problem = sweepRecordProblem(value);
  if (problem) throw new Error(`${file}: ${problem}`);
  const record = value as SweepRecord;
  if (record.state === 'running' && !alive(record.pid)) {
    record.state = 'interrupted';
    for (const e of record.entries) {
      if (e.state === 'running') e.state = 'interrupted';
      else if (e.state === 'queued') e.state = 'cancelled';
    }
  }
  return record;
}

/** Every readable sweep of a runs folder, newest first; unreadable files are reported, not thrown. */
export function listSweeps(runsDir: string): { records: SweepRecord[]; problems: { file: string; reason: string }[] } {
  const dir = path.join(runsDir, SWEEPS_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], problems: [] };
    throw e;
  }
  const records: SweepRecord[] = [];
  const problems: { file: string; reason: string }[] = [];
  for (const n of names) {
    const file = path.join(dir, n);
    try {
      records.push(readSweepFile(file));
    } catch (e) {
      problems.push({ file, reason: (e as Error).message });
    }
  }
  records.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
  return { records, problems };
}

/** "4/6 done, 1 running, 1 queued" */
export function sweepProgressText(record: SweepRecord): string {
  const c: Partial<Record<SweepEntryState, number>> = {};
  for (const e of record.entries) c[e.state] = (c[e.state] ?? 0) + 1;
  const done = record.entries.filter((e) => isEntryDone(e.state)).length;
  const parts = [`${done}/${record.entries.length} done`];
  for (const s of ['running', 'queued', 'failed', 'stopped', 'cancelled', 'interrupted'] as const) if (c[s]) parts.push(`${c[s]} ${s}`);
  return parts.join(', ') + (record.state !== 'running' && record.state !== 'finished' ? ` (sweep ${record.state})` : '');
}
