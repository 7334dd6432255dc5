/**
 * Batches MetricRecords on their way to a webview. The runtime already sends ~10 batches a second,
 * but a webview pays per postMessage (structured clone + a chart update), and several runs or a
 * burst after a pause could flood it. One flush per `intervalMs`, or at once when `maxRecords`
 * pile up so a single message never grows without bound. The clock is injectable for tests.
 */
import type { MetricRecord } from '../runtime/protocol';
import { realTimerClock, type TimerClock } from './timer-clock';

export interface MetricBatcherOptions {
  flush: (records: MetricRecord[]) => void;
  intervalMs?: number;
  maxRecords?: number;
  clock?: TimerClock;
}

export class MetricBatcher {
  private pending: MetricRecord[] = [];
  private timer: unknown = null;
  private readonly intervalMs: number;
  private readonly maxRecords: number;
  private readonly clock: TimerClock;
  private disposed = false;

  constructor(private readonly options: MetricBatcherOptions) {
    this.intervalMs = options.intervalMs ?? 100;
    this.maxRecords = options.maxRecords ?? 500;
    this.clock = options.clock ?? realTimerClock;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  push(records: readonly MetricRecord[]): void {
    if (this.disposed || records.length === 0) return;
    this.pending.push(...records);
    if (this.pending.length >= this.maxRecords) this.flush();
    else if (this.timer === null) this.timer = this.clock.setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Send what is pending now (before a status message, so the webview sees them in order). */
  flush(): void {
    this.cancelTimer();
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.options.flush(batch);
  }

  /** Drop what is pending: a fresh snapshot is about to include it. */
  discard(): void {
    this.cancelTimer();
    this.pending = [];
  }

  dispose(): void {
    this.discard();
    this.disposed = true;
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
