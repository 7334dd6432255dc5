/**
 * The held-out protocol's one learning-rate rule, applied the same way to every optimizer on every
 * task: probe each lr of a fixed grid (1e-5 … 1e-1, factor √10) on the FIRST 10 % of the task's step
 * budget (seed 1; the full run's own config, so the same schedule, annealing horizon and automatic
 * block choice — only the run is stopped early), score a probe by its eval loss at its last step, and
 * keep the best. A probe that diverged (a guard stop, a non-finite loss) or ended above its starting
 * eval loss (it made things worse) scores +Infinity. Ties go to the smaller lr. The grid is walked
 * upwards and stops at the first diverged probe above a finite best (a larger lr is not expected to
 * be stable where a smaller one diverged; it saves the suite time). The final result of the full runs
 * never enters the choice.
 */
import type { RunResult } from './run-one';

export const LR_GRID = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1];
export const PROBE_FRACTION = 0.1;
export const PROBE_SEED = 1;

export function probeSteps(steps: number): number {
  return Math.max(1, Math.round(steps * PROBE_FRACTION));
}

export interface LrProbe {
  lr: number;
  score: number;
  /** Why the probe scored +Infinity, if it did. */
  rejected?: string;
}

export function probeScore(run: RunResult): LrProbe {
  const first = run.evals[0];
  const last = run.evals[run.evals.length - 1];
  if (run.diverged) return { lr: run.lr, score: Infinity, rejected: `diverged: ${run.diverged}` };
  if (!last || !Number.isFinite(last.loss)) return { lr: run.lr, score: Infinity, rejected: 'no finite evaluation' };
  if (first && run.evals.length > 1 && last.loss > first.loss) return { lr: run.lr, score: Infinity, rejected: `eval loss rose ${first.loss.toFixed(4)} -> ${last.loss.toFixed(4)}` };
  return { lr: run.lr, score: last.loss };
}

/** The grid point with the lowest score (the smaller lr on a tie); null when every probe was rejected. */
export function bestLr(probes: LrProbe[]): LrProbe | null {
  let best: LrProbe | null = null;
  for (const p of [...probes].sort((a, b) => a.lr - b.lr)) if (Number.isFinite(p.score) && (best === null || p.score < best.score)) best = p;
  return best;
}

/** Run the rule: `probe(lr)` runs the task's first 10 % at lr. */
export async function chooseLr(probe: (lr: number) => Promise<RunResult>, grid: readonly number[] = LR_GRID): Promise<{ probes: LrProbe[]; best: LrProbe | null }> {
  const probes: LrProbe[] = [];
  for (const lr of [...grid].sort((a, b) => a - b)) {
    const p = probeScore(await probe(lr));
    probes.push(p);
    if (p.rejected?.startsWith('diverged') && bestLr(probes) !== null) break;
  }
  return { probes, best: bestLr(probes) };
}
