/**
 * The held-out protocol's one learning-rate rule, applied the same way to every optimizer on every
 * task: probe each lr of a fixed grid (1e-5 … 1e-1, factor √10) on the FIRST 10 % of the task's step
 * budget (seed 1; the full run's own config, so the same schedule, annealing horizon and automatic
 * block choice — only the run is stopped early), score a probe by its eval loss at its last step,
 * find the best, and take the grid point ONE BELOW it (a factor √10; at the lowest point, that point).
 *
 * Why one below: a probe 10x shorter than the run rewards the largest lr that survives 10 % of it.
 * Measured on the tuning tasks (1-seed pilot, the best probe taken as is): MeZO on tiny-encoder-lora
 * probed best at 3e-2 (0.617 after 60 steps) and ended its 600-step run at 0.725, above its start
 * (0.719); the recommended HELENE preset on tiny-encoder-full probed best at 1e-2 and ended at 0.691
 * against MeZO's 0.592. The margin is the same for every optimizer. A probe that diverged (a guard stop, a non-finite loss) or ended above its starting
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

/** The probe with the lowest score (the smaller lr on a tie); null when every probe was rejected. */
export function bestLr(probes: LrProbe[]): LrProbe | null {
  let best: LrProbe | null = null;
  for (const p of [...probes].sort((a, b) => a.lr - b.lr)) if (Number.isFinite(p.score) && (best === null || p.score < best.score)) best = p;
  return best;
}

/** The lr the rule runs with: the grid point below the best probe's (the best itself at the bottom of the grid). */
export function withMargin(best: number, grid: readonly number[] = LR_GRID): number {
  const sorted = [...grid].sort((a, b) => a - b);
  const i = sorted.indexOf(best);
  return i > 0 ? sorted[i - 1] : best;
}

/** Run the rule: `probe(lr)` runs the task's first 10 % at lr. `best` is the best probe, `lr` the lr to run (null: none stable). */
export async function chooseLr(probe: (lr: number) => Promise<RunResult>, grid: readonly number[] = LR_GRID): Promise<{ probes: LrProbe[]; best: LrProbe | null; lr: number | null }> {
  const probes: LrProbe[] = [];
  for (const lr of [...grid].sort((a, b) => a - b)) {
    const p = probeScore(await probe(lr));
    probes.push(p);
    if (p.rejected?.startsWith('diverged') && bestLr(probes) !== null) break;
  }
  const best = bestLr(probes);
  return { probes, best, lr: best ? withMargin(best.lr, grid) : null };
}
