/**
 * One run started from this window: the supervised process plus an in-memory mirror of what it
 * has reported (the same records as metrics.jsonl, in order). The mirror lets a panel that opens or
 * re-shows mid-run get a snapshot that is exactly consistent with the live appends that follow,
 * with no read-the-file-then-subscribe race. Once the run has ended, panels rebuild from the run
 * folder instead. Free of 'vscode'.
 */
import type { MetricRecord, RunManifest, RunStatus, RunSummary, RunViewSnapshot, StepRecord } from '../runtime/protocol';
import { isLiveState, readFinalStatus } from './run-end-from-folder';
import { recordAbnormalEnd } from './run-ended-record';
import { RuntimeProcess, type OutputLine, type RuntimeExit, type RuntimeProcessOptions } from './runtime-process';
import { TypedEvents } from './typed-events';

export interface RunSessionEvents extends Record<string, unknown> {
  /** The runtime said hello: runId and runDir are known. */
  started: RunSession;
  /** A resumed run's records from before the resume were read: snapshots now include them. */
  history: RunSession;
  records: MetricRecord[];
  status: RunStatus;
  /** Anything the status bar shows changed. */
  changed: RunSession;
  output: OutputLine;
  ended: RuntimeExit;
}

export class RunSession {
  readonly events = new TypedEvents<RunSessionEvents>();
  readonly process: RuntimeProcess;
  readonly startedAt = Date.now();
  manifest: RunManifest | null = null;
  status: RunStatus | null = null;
  summary: RunSummary | null = null;
  readonly records: MetricRecord[] = [];
  /** A resumed run's records from before the resume (its process reports only what it does itself). */
  private earlier: MetricRecord[] = [];
  lastStep: StepRecord | null = null;
  /**
   * The process ended cleanly but its last messages (final metrics, status) never arrived: the end
   * shown is the run folder's, and a panel showing the in-memory mirror must reread the folder.
   */
  endReadFromFolder = false;
  /** Whether the window opens this run's panel when it starts (not for a sweep's runs: the Sweeps view opens them on demand). */
  opensPanel = true;

  /** `loadEarlier`: for a resume, reads the run folder's records from before it (once the folder is known). */
  constructor(options: RuntimeProcessOptions, readonly label: string, loadEarlier?: (runDir: string) => Promise<MetricRecord[]>) {
    this.process = RuntimeProcess.start(options);
    const p = this.process.events;
    p.on('output', (line) => this.events.emit('output', line));
    p.on('hello', () => {
      if (loadEarlier && this.runDir) this.readEarlier(loadEarlier, this.runDir);
      this.events.emit('started', this);
      this.events.emit('changed', this);
    });
    p.on('manifest', (manifest) => {
      this.manifest = manifest;
      this.events.emit('changed', this);
    });
    p.on('metrics', (records) => {
      this.records.push(...records);
      for (let i = records.length - 1; i >= 0; i--) {
        const r = records[i];
        if (r.kind === 'step') {
          this.lastStep = r;
          break;
        }
      }
      this.events.emit('records', records);
      this.events.emit('changed', this);
    });
    p.on('status', (status) => this.setStatus(status));
    p.on('done', (summary) => {
      this.summary = summary;
    });
    p.on('exit', (exit) => this.onExit(exit));
  }

  get runId(): string | null {
    return this.process.runId;
  }

  get runDir(): string | null {
    return this.process.runDir;
  }

  get live(): boolean {
    return this.process.exit === null;
  }

  get exit(): RuntimeExit | null {
    return this.process.exit;
  }

  /** Display name: the manifest's run name once known, else the label it was started with. */
  get name(): string {
    return this.manifest?.name ?? this.label;
  }

  /** The step shown to the user: the newest of the status and the step records. */
  get step(): number {
    return Math.max(this.status?.step ?? 0, this.lastStep?.t ?? 0);
  }

  get totalSteps(): number | null {
    return this.status?.totalSteps ?? this.manifest?.config.steps ?? null;
  }

  snapshot(): RunViewSnapshot {
    return { manifest: this.manifest, status: this.status, records: [...this.earlier, ...this.records], summary: this.summary };
  }

  private readEarlier(load: (runDir: string) => Promise<MetricRecord[]>, runDir: string): void {
    load(runDir).then(
      (records) => {
        this.earlier = records;
        this.events.emit('history', this);
      },
      (e: unknown) => this.events.emit('output', { source: 'supervisor', level: 'warn', text: `the run panel shows this run from the resume on: could not read its earlier records (${(e as Error).message})` }),
    );
  }

  private setStatus(status: RunStatus): void {
    this.status = status;
    this.events.emit('status', status);
    this.events.emit('changed', this);
  }

  private onExit(exit: RuntimeExit): void {
    if (exit.summary) this.summary = exit.summary;
    if (exit.outcome === 'failed' || exit.outcome === 'crashed') {
      let written: RunStatus | null = null;
      if (this.runDir) {
        try {
          written = recordAbnormalEnd(this.runDir, exit);
        } catch (e) {
          this.events.emit('output', { source: 'supervisor', level: 'warn', text: `could not record the failure in ${this.runDir}: ${(e as Error).message}` });
        }
      }
      // Panels and the status bar must show the failure even when the folder had none to update.
      const final = written ?? (this.status && isLiveState(this.status.state) ? { ...this.status, state: exit.outcome, updatedAt: new Date().toISOString(), error: exit.lastStderr.join('\n') || exit.fatal || undefined } : null);
      if (final) this.setStatus(final);
    } else if (this.runDir && (!this.status || isLiveState(this.status.state))) {
      // A clean exit, but the final status never arrived (nor, sent before it, the last metrics):
      // the status.json the runtime wrote first, else the exit's own word, and panels reread the folder.
      this.endReadFromFolder = true;
      const written = readFinalStatus(this.runDir);
      const step = exit.summary?.steps ?? this.step;
      const final = written ?? (this.status ? { ...this.status, state: exit.outcome, step, updatedAt: new Date().toISOString() } : null);
      this.events.emit('output', { source: 'supervisor', level: 'warn', text: `the runtime's final status did not arrive; ${written ? `read from ${this.runDir}: ${written.state} at step ${written.step}` : `shown as ${exit.outcome}`}` });
      if (final) this.setStatus(final);
    }
    this.events.emit('ended', exit);
    this.events.emit('changed', this);
  }
}
