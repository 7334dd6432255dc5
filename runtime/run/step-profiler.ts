/**
 * Where one training step's time goes (`helene-studio train --profile`, bench/step-profile.ts).
 *
 * The trainer times named parts of every step (spans with their own start and end, never laps, so
 * time spent between parts is not silently given to one of them) and the whole step from the top of
 * the loop to the end of its body. "unaccounted" is the step minus every named part: loop overhead,
 * awaits between parts, anything not wrapped. The rows therefore add up to the step time exactly.
 * The first steps (JIT, ORT's first runs, allocator warm-up) are left out.
 *
 * Profiling only reads clocks: it never touches theta, the optimizer state or the data order, so a
 * profiled run's metrics are bit-identical to an unprofiled one's (test/runtime/step-profile.test.ts).
 */
import * as v8 from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';
import type { ProfileRow, StepProfile } from '../protocol';

/**
 * Bytes in use in the young generation (new space and its large-object space): what a stretch of
 * code allocated is its growth, when no garbage collection ran meanwhile (the profiler watches the
 * collections and leaves out every step one overlapped).
 */
export function youngGenerationBytes(): number {
  let used = 0;
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'new_space' || s.space_name === 'new_large_object_space') used += s.space_used_size;
  return used;
}

/** The fixed rows, in print order; "forward pass k" rows (one per pass of the step) go after "z generation". */
export const PROFILE_ROWS = {
  data: 'data (batching)',
  feeds: 'feed preparation',
  directions: 'z generation',
  update: 'update',
  guards: 'guards (finite checks)',
  statistics: 'statistics',
  evaluation: 'evaluation',
  io: 'checkpoint/metrics I/O',
  other: 'other (controls, lr, records)',
  unaccounted: 'unaccounted',
} as const;

export type ProfileRowKey = Exclude<keyof typeof PROFILE_ROWS, 'unaccounted'>;

export const forwardRowName = (pass: number): string => `forward pass ${pass}`;
/** A concurrent ±eps pair (engine/concurrent-passes.ts): passes `first` and first + 1, timed together. */
export const concurrentPairRowName = (first: number): string => `forward passes ${first}+${first + 1} (concurrent)`;

/** Steps left out at the start: 10 % of the run, at least 1, at most 20. */
export function warmupStepsFor(totalSteps: number): number {
  return Math.max(1, Math.min(20, Math.floor(totalSteps / 10)));
}

export class StepProfiler {
  private current = new Map<string, number>();
  private stepStart = 0;
  private seen = 0;
  private readonly steps: Map<string, number>[] = [];
  private readonly totals: number[] = [];
  private readonly widths: number[] = [];
  /** Forward rows in the order first seen (pass k, or a concurrent pair k+(k+1)). */
  private readonly forwardRows: string[] = [];
  private cpuStart: NodeJS.CpuUsage | null = null;
  private cpuEnd: NodeJS.CpuUsage | null = null;
  private heapStart = 0;
  /** Per profiled step: its span on the performance clock and the young generation's growth over it. */
  private readonly heapSteps: { start: number; end: number; grown: number }[] = [];
  /** Start times of every garbage collection (scavenges included) since the profiler was made. */
  private readonly gcTimes: number[] = [];
  private readonly gcObserver: PerformanceObserver | null;
  /** What one youngGenerationBytes() call itself allocates (its result objects), taken off every step. */
  private readonly heapProbeBytes: number;

  constructor(readonly warmupSteps: number) {
    const probes: number[] = [];
    for (let k = 0; k < 5; k++) {
      const a = youngGenerationBytes();
      const b = youngGenerationBytes();
      if (b >= a) probes.push(b - a);
    }
    this.heapProbeBytes = probes.length ? Math.min(...probes) : 0;
    try {
      this.gcObserver = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) this.gcTimes.push(e.startTime, e.startTime + e.duration);
      });
      this.gcObserver.observe({ entryTypes: ['gc'] });
    } catch {
      this.gcObserver = null;
    }
  }

  beginStep(): void {
    this.current = new Map();
    this.heapStart = youngGenerationBytes();
    this.stepStart = performance.now();
    if (this.seen === this.warmupSteps && !this.cpuStart) this.cpuStart = process.cpuUsage();
  }

  add(key: ProfileRowKey, ms: number): void {
    this.addNamed(PROFILE_ROWS[key], ms);
  }

  /**
   * The forward passes of this step, in order (pass 1 first); `counts[i]` is how many passes entry i
   * timed (2: a concurrent pair, one row of its own; absent: 1 each).
   */
  addForwards(passMs: readonly number[], counts: readonly number[] = []): void {
    let pass = 1;
    passMs.forEach((ms, i) => {
      const n = counts[i] ?? 1;
      const name = n === 2 ? concurrentPairRowName(pass) : forwardRowName(pass);
      if (!this.forwardRows.includes(name)) this.forwardRows.push(name);
      this.addNamed(name, ms);
      pass += n;
    });
  }

  /** The sequence width this step's batch was padded to (null: not text data). */
  sequenceWidth(width: number | null): void {
    if (width !== null && this.seen >= this.warmupSteps) this.widths.push(width);
  }

  endStep(): void {
    const end = performance.now();
    const total = end - this.stepStart;
    const grown = youngGenerationBytes() - this.heapStart;
    if (this.seen++ < this.warmupSteps) return;
    this.heapSteps.push({ start: this.stepStart, end, grown: Math.max(0, grown - this.heapProbeBytes) });
    this.steps.push(this.current);
    this.totals.push(total);
    this.cpuEnd = process.cpuUsage();
  }

  private addNamed(name: string, ms: number): void {
    this.current.set(name, (this.current.get(name) ?? 0) + ms);
  }

  /**
   * Median young-generation growth over the profiled steps no garbage collection overlapped (a
   * step's heap growth is what it allocated exactly when nothing was collected meanwhile); null
   * without GC observation or when every step saw one. Stops watching the collections.
   */
  private heapBytesPerStep(): number | null {
    if (!this.gcObserver) return null;
    for (const e of this.gcObserver.takeRecords?.() ?? []) this.gcTimes.push(e.startTime, e.startTime + e.duration);
    this.gcObserver.disconnect();
    const gcs = this.gcTimes;
    const clean: number[] = [];
    for (const s of this.heapSteps) {
      let hit = false;
      for (let i = 0; i < gcs.length && !hit; i += 2) hit = gcs[i]! <= s.end && gcs[i + 1]! >= s.start;
      if (!hit) clean.push(s.grown);
    }
    return clean.length ? percentile(clean, 0.5) : null;
  }

  get profiledSteps(): number {
    return this.totals.length;
  }

  result(info: Pick<StepProfile, 'optimizer' | 'provider' | 'threads' | 'batchSize'>): StepProfile {
    const names = [
      PROFILE_ROWS.data,
      PROFILE_ROWS.feeds,
      PROFILE_ROWS.directions,
      ...this.forwardRows,
      PROFILE_ROWS.update,
      PROFILE_ROWS.guards,
      PROFILE_ROWS.statistics,
      PROFILE_ROWS.evaluation,
      PROFILE_ROWS.io,
      PROFILE_ROWS.other,
    ];
    const stepMean = mean(this.totals);
    const series = (name: string) => this.steps.map((s) => s.get(name) ?? 0);
    const named = this.steps.map((s) => [...s.values()].reduce((a, b) => a + b, 0));
    const unaccounted = this.totals.map((t, i) => t - named[i]);
    const row = (name: string, values: number[]): ProfileRow => {
      const m = mean(values);
      return { name, meanMs: m, p50Ms: percentile(values, 0.5), p95Ms: percentile(values, 0.95), share: stepMean > 0 ? m / stepMean : 0 };
    };
    return {
      format: 'helene-profile',
      version: 1,
      ...info,
      profiledSteps: this.totals.length,
      warmupSteps: this.warmupSteps,
      step: { meanMs: stepMean, p50Ms: percentile(this.totals, 0.5), p95Ms: percentile(this.totals, 0.95) },
      stepsPerSecond: stepMean > 0 ? 1000 / stepMean : 0,
      cpuMsPerStep: this.cpuStart && this.cpuEnd && this.totals.length ? (this.cpuEnd.user - this.cpuStart.user + this.cpuEnd.system - this.cpuStart.system) / 1000 / this.totals.length : 0,
      meanSequenceWidth: this.widths.length ? mean(this.widths) : null,
      heapBytesPerStep: this.heapBytesPerStep(),
      rows: [...names.map((n) => row(n, series(n))), row(PROFILE_ROWS.unaccounted, unaccounted)],
    };
  }
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

/** Nearest-rank percentile (q in (0, 1]). */
export function percentile(values: number[], q: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The profile as a fixed-width table (the CLI prints it at the end of a --profile run). */
export function formatProfile(p: StepProfile): string {
  const width = Math.max(...p.rows.map((r) => r.name.length), 'step (total)'.length);
  const num = (x: number) => x.toFixed(2).padStart(9);
  const lines = [
    `step profile: ${p.optimizer}, ${p.provider}, ${p.threads || 'default'} threads, batch ${p.batchSize}` +
      `${p.meanSequenceWidth !== null ? `, mean sequence width ${p.meanSequenceWidth.toFixed(1)}` : ''}; ${p.profiledSteps} steps after ${p.warmupSteps} warm-up`,
    `${'part'.padEnd(width)}   mean ms    p50 ms    p95 ms   share`,
    ...p.rows.map((r) => `${r.name.padEnd(width)} ${num(r.meanMs)} ${num(r.p50Ms)} ${num(r.p95Ms)} ${(100 * r.share).toFixed(1).padStart(6)} %`),
    `${'step (total)'.padEnd(width)} ${num(p.step.meanMs)} ${num(p.step.p50Ms)} ${num(p.step.p95Ms)}  100.0 %   (${p.stepsPerSecond.toFixed(1)} steps/s)`,
    `process CPU time ${p.cpuMsPerStep.toFixed(2)} ms a step (every thread: JS, onnxruntime, kernel workers; less sensitive to other load than wall time)`,
    ...(p.heapBytesPerStep !== undefined ? [`JS heap allocated ${p.heapBytesPerStep === null ? 'not measured (a garbage collection in every step)' : `${(p.heapBytesPerStep / 1024).toFixed(1)} KiB a step (median of the steps no garbage collection overlapped)`}`] : []),
  ];
  return lines.join('\n') + '\n';
}
