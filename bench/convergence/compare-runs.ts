/**
 * Speedup arithmetic of the suite, per seed: the target is MeZO's final eval loss (at MeZO's tuned
 * lr, same seed); a run "reaches" it at its first evaluation with eval loss <= target (the definition
 * of runtime/run/compare.ts), and the speedup is MeZO's training forward passes to its own target
 * divided by the candidate's.
 */
import type { RunResult } from './run-one';
import { finalLoss } from './tuning';

export interface Hit {
  t: number;
  trainingPasses: number;
}

export function firstReaching(run: RunResult, target: number): Hit | null {
  for (const e of run.evals) if (e.loss <= target) return { t: e.t, trainingPasses: e.trainingPasses };
  return null;
}

export interface SeedComparison {
  seed: number;
  target: number;
  baseline: Hit;
  candidate: Hit | null;
  /** baseline passes / candidate passes; null when the candidate never reached the target. */
  passSpeedup: number | null;
}

export function compareSeeds(baseline: RunResult[], candidate: RunResult[]): SeedComparison[] {
  return baseline.map((b) => {
    const c = candidate.find((r) => r.seed === b.seed);
    const target = finalLoss(b);
    const baseHit = firstReaching(b, target) ?? { t: NaN, trainingPasses: NaN };
    const hit = c ? firstReaching(c, target) : null;
    return { seed: b.seed, target, baseline: baseHit, candidate: hit, passSpeedup: hit ? baseHit.trainingPasses / hit.trainingPasses : null };
  });
}

/**
 * The eval loss a run had spent at most `passes` training forward passes on: its last evaluation with
 * trainingPasses <= passes (a diverged run that stopped earlier scores +Infinity; none yet: NaN).
 * With MeZO's final pass count this compares optimizers at an equal forward-pass budget, which the
 * shared step budget does not do for FZOO (N + 1 passes/step), HiZOO (3) or ZO-SGD-Cons (5).
 */
export function lossAtPasses(run: RunResult, passes: number): number {
  let loss = NaN;
  for (const e of run.evals) if (e.trainingPasses <= passes) loss = Number.isFinite(e.loss) ? e.loss : Infinity;
  if (run.diverged && Number.isNaN(loss)) return Infinity;
  return loss;
}

export function meanSd(values: number[]): { mean: number; sd: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd };
}
