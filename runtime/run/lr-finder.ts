/**
 * Learning-rate finder for zeroth-order optimizers: short probes of the run itself, on a fixed lr
 * grid, scored by how far each lowers the eval loss; the suggestion is the grid point one below
 * the best probe. The same rule as the held-out protocol's (bench/convergence/lr-rule.ts), within a
 * pass budget.
 *
 * Each probe is the real run (the Trainer, into a temporary folder: the same model, data, batches,
 * step seeds, schedule, warm-up, annealing horizon, automatic block choice and guards as `train`)
 * stopped after its first `stepsPerProbe` steps (10 % of the run, fewer when the budget needs it).
 * Its verdict, from its eval loss before and after (the config's eval data; without one, the medians of
 * the first and last quarter of its step losses), early and late:
 *   diverged  a guard stopped it (non-finite loss or state, the explosion guard), or late > 2 x early;
 *   stalled   late >= early: it did not lower the loss (too small to move, or already unstable);
 *   scored    otherwise, by late (lower is better).
 * Search on the grid 1e-8 … 10 (factor √10: 1, 3 x 10^k): start at the grid point nearest the config's
 * lr; if it diverges, step down until a probe scores; if it stalls, step up until one does; from a
 * scored point climb (up first, else down) while the score improves. Suggestion: the grid point one
 * below the best probe. If no probe lowered the loss but some did not diverge, the probes are doubled
 * in length (up to 10 % of the run) and the search repeats from the largest of those, downwards, with
 * the budget again. Why one below (issue 16): a probe shorter than the run rewards the largest lr that
 * survives it: the previous finder (largest lr stable in ~40 steps, divided by 3) suggested 3.2e-3 for
 * MeZO on an encoder, which the explosion guard stopped at step 284, and 0.43 for the HELENE preset,
 * at which nothing was learned. The held-out protocol's rule with the same margin neither diverged
 * nor stalled for MeZO on any of its 12 tasks; `npm run bench:convergence -- --lr-finder-check` checks
 * this finder the same way (docs/heldout.md).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EvalRecord, ResolvedConfig, StepRecord } from '../protocol';
import { Trainer } from './trainer';

export interface LrProbe {
  lr: number;
  diverged: boolean;
  /** Why it diverged, stalled, or its losses ("loss 1.39 -> 1.21"). */
  reason: string;
  /** Eval loss before the probe (without eval data: median step loss of its first quarter). */
  firstLoss: number | null;
  /** Eval loss after it (without eval data: median step loss of its last quarter). */
  lateLoss: number | null;
  steps: number;
  passes: number;
}

export interface LrFindOptions {
  /** Training forward passes for the whole search (default 600; the probes' evaluations are extra). */
  budgetPasses?: number;
  /** Steps per probe (default: 10 % of the run's steps, at most budget / (6 x passes per step), at least 5). */
  stepsPerProbe?: number;
  /** Late loss above this multiple of the early loss = diverged (default 2). */
  divergenceRatio?: number;
  /** The grid point nearest this lr is probed first (default: the config's optimizer.lr). */
  startLr?: number;
  /** Called after each probe (progress output). */
  onProbe?(probe: LrProbe): void;
}

export interface LrFindResult {
  optimizer: string;
  probes: LrProbe[];
  largestStable: number | null;
  smallestUnstable: number | null;
  suggested: number | null;
  passes: number;
  stepsPerProbe: number;
  message: string;
}

export type ProbeFn = (lr: number) => Promise<LrProbe>;

/** The finder's grid: 1 and 3 x 10^k, 1e-8 … 10 (the held-out protocol's 1e-5 … 1e-1, extended). */
export const FINDER_GRID: readonly number[] = Array.from({ length: 19 }, (_, i) => Number(((i % 2 ? 3 : 1) * 10 ** (Math.floor(i / 2) - 8)).toPrecision(1)));

/** Index of the grid point nearest lr (in log scale). */
export function nearestGridIndex(lr: number, grid: readonly number[] = FINDER_GRID): number {
  let best = 0;
  for (let i = 1; i < grid.length; i++) if (Math.abs(Math.log(grid[i] / lr)) < Math.abs(Math.log(grid[best] / lr))) best = i;
  return best;
}

/** A probe's score: its late loss, or +Infinity when it diverged or stalled. */
export function probeScore(p: LrProbe): number {
  if (p.diverged || p.firstLoss === null || p.lateLoss === null || !(p.lateLoss < p.firstLoss)) return Infinity;
  return p.lateLoss;
}

/**
 * The grid search (any probe function: the engine-backed one, or a model in tests). `maxProbes` is the
 * budget. Returns the probes in the order run and the best (lowest score; the smaller lr on a tie).
 */
export async function searchGrid(
  probe: ProbeFn,
  options: { startLr: number; maxProbes: number; grid?: readonly number[]; onProbe?: (p: LrProbe) => void; stalledGoesDown?: boolean; known?: readonly LrProbe[] },
): Promise<{ probes: LrProbe[]; best: LrProbe | null }> {
  const grid = options.grid ?? FINDER_GRID;
  const done = new Map<number, LrProbe>();
  // Probes of the same length run before (not run again, not returned).
  for (const k of options.known ?? []) done.set(nearestGridIndex(k.lr, grid), k);
  const probes: LrProbe[] = [];
  const at = async (i: number): Promise<LrProbe | null> => {
    if (i < 0 || i >= grid.length) return null;
    const seen = done.get(i);
    if (seen) return seen;
    if (probes.length >= options.maxProbes) return null;
    const p = await probe(grid[i]);
    done.set(i, p);
    probes.push(p);
    options.onProbe?.(p);
    return p;
  };
  let i = nearestGridIndex(options.startLr, grid);
  let p = await at(i);
  if (p && (p.diverged || options.stalledGoesDown)) {
    // Diverged: step down until a probe scores (just below divergence a probe may still not lower the loss).
    while (p && probeScore(p) === Infinity) p = await at(--i);
  } else {
    // Stalled: step up until one scores (or diverges: then nothing between stalled and diverged works).
    while (p && !p.diverged && probeScore(p) === Infinity) p = await at(++i);
  }
  if (p && Number.isFinite(probeScore(p))) {
    // Climb: up while the score improves; if the first step up did not improve, down while it does.
    let j = i;
    for (let q = await at(j + 1); q && probeScore(q) < probeScore(done.get(j)!); q = await at(j + 1)) j++;
    if (j === i) for (let q = await at(j - 1); q && probeScore(q) < probeScore(done.get(j)!); q = await at(j - 1)) j--;
  }
  let best: LrProbe | null = null;
  for (const q of [...probes].sort((a, b) => a.lr - b.lr)) if (Number.isFinite(probeScore(q)) && (best === null || probeScore(q) < probeScore(best))) best = q;
  return { probes, best };
}

/** The grid point below lr (lr itself at the bottom of the grid). */
export function gridPointBelow(lr: number, grid: readonly number[] = FINDER_GRID): number {
  const i = nearestGridIndex(lr, grid);
  return i > 0 ? grid[i - 1] : grid[0];
}

/** Median of a slice of the losses. */
function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const m = v.length;
  return m % 2 ? v[(m - 1) >> 1] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
}

/** One probe: the run of `config` at `lr`, stopped after `steps` steps (no evaluation, no checkpoints). */
export async function probeLearningRate(config: ResolvedConfig, lr: number, steps: number, divergenceRatio: number): Promise<LrProbe> {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-lr-find-'));
  const probeConfig: ResolvedConfig = structuredClone(config);
  // The run's own steps (so its schedule, annealing horizon and automatic choices), stopped early below.
  // evalEvery 0: with eval data the trainer still evaluates at step 0 and at the stop, the probe's score.
  Object.assign(probeConfig, { evalEvery: 0, statsEvery: 0, onNonFinite: null });
  probeConfig.name = `lr-find-${lr}`;
  probeConfig.optimizer = { ...probeConfig.optimizer, lr };
  probeConfig.checkpoint = { every: 0, keep: 1 };
  probeConfig.output = { runsDir, runId: 'probe' };
  // A probe lasts a few dozen steps: a concurrent-pass worker would not win back its start (same losses either way).
  if (probeConfig.engine.concurrentPasses !== 'on') probeConfig.engine = { ...probeConfig.engine, concurrentPasses: 'off' };
  const losses: number[] = [];
  const evals: number[] = [];
  let passes = 0;
  let stopping = false;
  const trainer: Trainer = await Trainer.create(probeConfig, {
    record(r) {
      if (r.kind === 'eval') evals.push((r as EvalRecord).loss);
      if (r.kind !== 'step') return;
      losses.push((r as StepRecord).loss);
      if (!stopping && (r as StepRecord).t >= steps) {
        stopping = true;
        trainer.stop();
      }
    },
  });
  let failure: string | null = null;
  try {
    const summary = await trainer.run();
    // Training passes only (the probes' evaluations are not counted, as everywhere else).
    passes = summary.trainingPasses ?? losses.length * passesPerStepOf(config);
  } catch (e) {
    failure = (e as Error).message;
  } finally {
    await trainer.close();
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
  // With eval data: the eval loss before and after the probe (the same examples both times, so no
  // batch noise: 50 steps of MeZO on the demo lower the training-loss medians by less than their noise).
  // Without: medians of the first and last quarter of the step losses.
  const byEval = evals.length >= 2;
  const quarter = Math.max(1, Math.floor(losses.length / 4));
  const firstLoss = byEval ? evals[0] : losses.length ? median(losses.slice(0, quarter)) : null;
  const lateLoss = byEval ? evals[evals.length - 1] : losses.length ? median(losses.slice(losses.length - quarter)) : null;
  const what = byEval ? 'eval loss' : 'loss';
  if (failure !== null) {
    if (!/^step \d+:/.test(failure)) throw new Error(failure);
    // The step that tripped ran its passes too.
    return { lr, diverged: true, reason: failure.replace(/;.*$/, ''), firstLoss, lateLoss, steps: losses.length, passes: (losses.length + 1) * passesPerStepOf(config) };
  }
  const fmt = (x: number) => x.toPrecision(4);
  if (firstLoss !== null && lateLoss !== null && !(lateLoss <= divergenceRatio * firstLoss))
    return { lr, diverged: true, reason: `${what} ${fmt(lateLoss)} > ${divergenceRatio} x its start ${fmt(firstLoss)}`, firstLoss, lateLoss, steps: losses.length, passes };
  const stalled = firstLoss !== null && lateLoss !== null && !(lateLoss < firstLoss);
  // "rose", not "stalled", when the loss went up: the lr is more likely too high than too low.
  const verdict = stalled ? (lateLoss! > firstLoss! ? 'rose: ' : 'stalled: ') : '';
  const reason = `${verdict}${what} ${fmt(firstLoss!)} -> ${fmt(lateLoss!)}`;
  return { lr, diverged: false, reason, firstLoss, lateLoss, steps: losses.length, passes };
}

/** Steps per probe: 10 % of the run, within the budget for ~6 probes, at least 5. */
export function probeStepsFor(config: ResolvedConfig, budget: number): number {
  return Math.max(5, Math.min(Math.round(0.1 * config.steps), Math.floor(budget / (6 * passesPerStepOf(config)))));
}

/**
 * The search with its fallbacks (any probe function: the engine-backed one, or a model in tests).
 * 1. The grid search from the start lr with probes of `steps` steps.
 * 2. No probe lowered the loss, yet some did not diverge: the probes may be too short for the run's
 *    early transient (held-out least squares: every lr from 3e-6 to 1e-4 raised the eval loss over 50
 *    steps; over 300 steps 1e-5 and 3e-5 lower it). Lengthen the probes (x2, up to `longestSteps`)
 *    and search again from the largest lr that did not diverge, downwards, with the budget again.
 * 3. Still nothing: the lrs probed are all too high for this run even where no guard trips (a new
 *    user's HELENE on a decoder, probes too short to lengthen: 0.01 and 0.03 raised the eval loss,
 *    1e-3 lowers it). Search downwards from the grid point below the smallest lr probed. This round
 *    only runs where the finder would otherwise suggest nothing, so no suggestion it made before
 *    changes (the lr-finder checks of docs/heldout.md stand).
 */
export async function searchWithRetries(
  probeAt: (lr: number, steps: number) => Promise<LrProbe>,
  o: { startLr: number; budget: number; passesPerStep: number; steps: number; longestSteps: number; onProbe?: (p: LrProbe) => void },
): Promise<{ probes: LrProbe[]; best: LrProbe | null; roundSteps: number }> {
  const maxProbes = (n: number, least: number) => Math.max(least, Math.floor(o.budget / (n * o.passesPerStep)));
  let { probes, best } = await searchGrid((lr) => probeAt(lr, o.steps), { startLr: o.startLr, maxProbes: maxProbes(o.steps, 2), onProbe: o.onProbe });
  let roundSteps = o.steps;
  let lastRound = probes;
  while (best === null && roundSteps < o.longestSteps && probes.some((p) => !p.diverged)) {
    roundSteps = Math.min(o.longestSteps, 2 * roundSteps);
    const from = Math.max(...probes.filter((p) => !p.diverged).map((p) => p.lr));
    const n = roundSteps;
    const round = await searchGrid((lr) => probeAt(lr, n), { startLr: from, maxProbes: maxProbes(n, 3), onProbe: o.onProbe, stalledGoesDown: true });
    probes = [...probes, ...round.probes];
    lastRound = round.probes;
    best = round.best;
  }
  const smallest = Math.min(...probes.map((p) => p.lr));
  if (best === null && probes.some((p) => !p.diverged) && gridPointBelow(smallest) < smallest) {
    const n = roundSteps;
    const round = await searchGrid((lr) => probeAt(lr, n), { startLr: gridPointBelow(smallest), maxProbes: maxProbes(n, 3), onProbe: o.onProbe, stalledGoesDown: true, known: lastRound });
    probes = [...probes, ...round.probes];
    best = round.best;
  }
  return { probes, best, roundSteps };
}

/**
 * Find an lr for `config`'s run (its optimizer, model, data, schedule and step count).
 * For the extension's start form: call with the resolved config the form would start, show
 * `message`, offer `suggested` as optimizer.lr (or spawn `helene-studio lr-find --config <file> --json`
 * and read the same LrFindResult from stdout).
 */
export async function findLearningRate(config: ResolvedConfig, options: LrFindOptions = {}): Promise<LrFindResult> {
  const budget = options.budgetPasses ?? 600;
  const passesPerStep = passesPerStepOf(config);
  const steps = options.stepsPerProbe ?? probeStepsFor(config, budget);
  const divergenceRatio = options.divergenceRatio ?? 2;
  const { probes, best, roundSteps } = await searchWithRetries((lr, n) => probeLearningRate(config, lr, n, divergenceRatio), {
    startLr: options.startLr ?? config.optimizer.lr,
    budget,
    passesPerStep,
    steps,
    longestSteps: Math.max(steps, Math.round(0.1 * config.steps)),
    onProbe: options.onProbe,
  });
  const stable = probes.filter((p) => !p.diverged).map((p) => p.lr);
  const largestStable = stable.length ? Math.max(...stable) : null;
  const above = probes.filter((p) => p.diverged && (largestStable === null || p.lr > largestStable)).map((p) => p.lr);
  const smallestUnstable = above.length ? Math.min(...above) : null;
  const suggested = best ? gridPointBelow(best.lr) : null;
  const passes = probes.reduce((s, p) => s + p.passes, 0);
  const fmt = (x: number) => String(Number(x.toPrecision(3)));
  const what = `${probes.length} probes of the run's first ${steps === roundSteps ? steps : `${steps} … ${roundSteps}`} steps, ${passes} forward passes`;
  const message =
    best !== null
      ? `${config.optimizer.name}: the probe that lowered the loss most was lr ${fmt(best.lr)} (${best.reason}; ${what}). Suggested optimizer.lr = ${fmt(suggested!)} (one grid point below the best: a probe shorter than the run favours the largest lr that survives it).`
      : largestStable === null
        ? `${config.optimizer.name}: every probed lr diverged, down to ${fmt(Math.min(...probes.map((p) => p.lr)))} (${what}). Check the model and data (is the loss finite at the start?), or start lower with --set optimizer.lr=<smaller>.`
        : `${config.optimizer.name}: no probed lr lowered the loss (${what}; largest that did not diverge: ${fmt(largestStable)}). A larger --budget gives longer probes; or check that the trainable tensors reach the loss.`;
  return { optimizer: config.optimizer.name, probes, largestStable, smallestUnstable, suggested, passes, stepsPerProbe: steps, message };
}

/** Forward passes per step, without building the optimizer (FZOO: N + 1). */
export function passesPerStepOf(config: ResolvedConfig): number {
  switch (config.optimizer.name) {
    case 'hizoo':
      return 3;
    case 'fzoo':
      return config.optimizer.directions + 1;
    case 'zo-sgd-cons':
      return 5;
    case 'helene':
      return config.optimizer.variant === 'multi' ? 2 * (config.optimizer.queries ?? 4) : 2;
    default:
      return 2;
  }
}
