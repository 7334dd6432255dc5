/**
 * engine.concurrentPasses "auto" measures instead of guessing: the first pairs of a run alternate
 * between the concurrent passes and the passes in a row (the same losses bit for bit, so only the
 * time differs), and the faster by median is kept for the rest of the run. A size rule cannot know
 * the machine's cores, the sequence length or what else runs: on 2 cores the demo MLP (a forward of
 * ~0.05 ms) was 1.5x slower concurrent, the 1 M encoder 0.76x faster (docs/benchmarks.md).
 */
/** Lower median (an even count takes the smaller middle value: no averaging of two timings). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1] ?? 0;
}

export type PairMode = 'concurrent' | 'sequential';

export class PairProbe {
  private readonly times: Record<PairMode, number[]> = { concurrent: [], sequential: [] };
  private calls = 0;

  /**
   * @param warmup pairs of each mode not counted (first runs allocate and plan)
   * @param measured pairs of each mode that decide
   */
  constructor(private readonly warmup = 2, private readonly measured = 6) {}

  /** The mode of the next pair: alternating, concurrent first. */
  next(): PairMode {
    return this.calls % 2 === 0 ? 'concurrent' : 'sequential';
  }

  record(mode: PairMode, ms: number): void {
    if (this.calls >= 2 * this.warmup) this.times[mode].push(ms);
    this.calls++;
  }

  get decided(): boolean {
    return this.times.sequential.length >= this.measured && this.times.concurrent.length >= this.measured;
  }

  /** Medians of what was measured, and whether the concurrent passes won. */
  verdict(): { concurrentMs: number; sequentialMs: number; concurrentWins: boolean; pairs: number } {
    const concurrentMs = median(this.times.concurrent);
    const sequentialMs = median(this.times.sequential);
    return { concurrentMs, sequentialMs, concurrentWins: concurrentMs < sequentialMs, pairs: this.measured };
  }
}
