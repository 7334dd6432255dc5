/**
 * The lr-grid procedure, the same for every optimizer: start from three learning rates a/3, a, 3a
 * around the optimizer's anchor a, run every seed at each, score a learning rate by the mean final
 * eval loss over the seeds (a diverged run scores +Infinity), and while the best one sits at an edge
 * of the grid add the next point beyond it (factor 3, at most MAX_EXTENSIONS times). The anchors only
 * say where to start; the extension rule makes the result independent of them up to the grid spacing.
 */
import type { RunResult } from './run-one';

export const GRID_FACTOR = 3;
export const MAX_EXTENSIONS = 3;

export interface LrScore {
  lr: number;
  runs: RunResult[];
  score: number;
}

export function finalLoss(run: RunResult): number {
  if (run.diverged || run.evals.length === 0) return Infinity;
  const loss = run.evals[run.evals.length - 1].loss;
  return Number.isFinite(loss) ? loss : Infinity;
}

export function score(runs: RunResult[]): number {
  return runs.reduce((s, r) => s + finalLoss(r), 0) / runs.length;
}

/** Tune: `runAt(lr)` runs every seed at lr. Returns all grid points (sorted by lr) and the best. */
export async function tuneLr(anchor: number, points: number, runAt: (lr: number) => Promise<RunResult[]>): Promise<{ grid: LrScore[]; best: LrScore }> {
  const grid: LrScore[] = [];
  const evaluate = async (lr: number) => {
    const runs = await runAt(lr);
    grid.push({ lr, runs, score: score(runs) });
    grid.sort((a, b) => a.lr - b.lr);
  };
  const half = Math.floor(points / 2);
  for (let k = -half; k < points - half; k++) await evaluate(anchor * Math.pow(GRID_FACTOR, k));
  for (let extension = 0; extension < MAX_EXTENSIONS; extension++) {
    const bestIndex = indexOfBest(grid);
    if (grid.length < 2) break;
    if (bestIndex === 0) await evaluate(grid[0].lr / GRID_FACTOR);
    else if (bestIndex === grid.length - 1) await evaluate(grid[grid.length - 1].lr * GRID_FACTOR);
    else break;
  }
  return { grid, best: grid[indexOfBest(grid)] };
}

function indexOfBest(grid: LrScore[]): number {
  let best = 0;
  for (let i = 1; i < grid.length; i++) if (grid[i].score < grid[best].score) best = i;
  return best;
}
