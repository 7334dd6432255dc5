/**
 * Learning-rate finder for zeroth-order optimizers: a short, cheap probe (a few hundred forward
 * passes) that brackets the largest stable lr of the chosen optimizer on the user's model and data.
 *
 * Each probe is a short real run (the Trainer itself, into a temporary folder, so the model, data,
 * optimizer and engine are set up exactly as `train` sets them up): the same start (the model's
 * initial weights), the same batches and the same step seeds for every lr, constant lr (no warm-up,
 * which would hide divergence; HELENE keeps the annealing horizon of the real run), and only the
 * non-finite guard on. A probe diverged when a loss or theta went non-finite, or when its late losses
 * (median of the last quarter of the steps) exceed `divergenceRatio` x its first loss.
 *
 * Search: start at the configured lr, multiply by `ratio` while stable (divide while unstable) until
 * the bracket [largest stable, smallest unstable] closes, then bisect it geometrically while the pass
 * budget lasts. Suggestion: largest stable / 3. Why 3: on a quadratic, SGD-type steps (SPSA's
 * included: the mean-square recursion is 1 − 2 lr h + (d + 2) lr² h² for isotropic curvature h) are
 * stable below a limit and converge fastest at half of it, so /2 would be at best the optimum; the
 * extra 1.5x is margin because a short probe calls a slowly diverging lr just above the limit stable,
 * and a long run meets more batches than the probe did.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResolvedConfig, StepRecord } from '../protocol';
import { Trainer } from './trainer';
import { guardsOf } from './guards';

export interface LrProbe {
  lr: number;
  diverged: boolean;
  /** Why it counts as diverged (or "stable"). */
  reason: string;
  firstLoss: number | null;
  lateLoss: number | null;
  steps: number;
  passes: number;
}

export interface LrFindOptions {
  /** Forward passes for the whole search (default 600). */
  budgetPasses?: number;
  /** Steps per probe (default: the budget spread over ~8 probes, 5..50 steps). */
  stepsPerProbe?: number;
  /** Grid factor between neighbouring lrs before refinement (default 2). */
  ratio?: number;
  /** Late loss above this multiple of the first loss = diverged (default 2). */
  divergenceRatio?: number;
  /** First lr to probe (default: the config's optimizer.lr). */
  startLr?: number;
  /** Search bounds (default: startLr / 1e4 .. startLr x 1e4). */
  lrMin?: number;
  lrMax?: number;
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

/** The search itself, over any probe function (the engine-backed one, or a model in tests). */
export async function bracketLargestStableLr(
  probe: ProbeFn,
  options: { startLr: number; ratio: number; lrMin: number; lrMax: number; maxProbes: number; onProbe?: (p: LrProbe) => void },
): Promise<{ probes: LrProbe[]; largestStable: number | null; smallestUnstable: number | null }> {
  const probes: LrProbe[] = [];
  let stable: number | null = null;
  let unstable: number | null = null;
  const run = async (lr: number) => {
    const p = await probe(lr);
    probes.push(p);
    options.onProbe?.(p);
    if (p.diverged) unstable = unstable === null ? lr : Math.min(unstable, lr);
    else stable = stable === null ? lr : Math.max(stable, lr);
    return p;
  };
  let lr = options.startLr;
  // Walk the geometric grid until the bracket closes.
  while (probes.length < options.maxProbes && lr >= options.lrMin && lr <= options.lrMax) {
    const p = await run(lr);
    if (stable !== null && unstable !== null) break;
    lr = p.diverged ? lr / options.ratio : lr * options.ratio;
  }
  // Refine: bisect the bracket geometrically while probes remain.
  while (probes.length < options.maxProbes && stable !== null && unstable !== null) {
    const s: number = stable;
    const u: number = unstable;
    if (u / s < 1.05) break;
    await run(Math.sqrt(s * u));
  }
  return { probes, largestStable: stable, smallestUnstable: unstable };
}

/** Late loss: median of the last quarter of the probe's step losses. */
function lateLossOf(losses: number[]): number {
  const tail = losses.slice(Math.floor((3 * losses.length) / 4)).sort((a, b) => a - b);
  const m = tail.length;
  return m % 2 ? tail[(m - 1) >> 1] : 0.5 * (tail[m / 2 - 1] + tail[m / 2]);
}

/** One probe: a short run of `config` at `lr`, from the model's initial weights. */
export async function probeLearningRate(config: ResolvedConfig, lr: number, steps: number, divergenceRatio: number): Promise<LrProbe> {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-lr-find-'));
  const probeConfig: ResolvedConfig = structuredClone(config);
  Object.assign(probeConfig, { steps, evalEvery: 0, statsEvery: 0, onNonFinite: null });
  probeConfig.name = `lr-find-${lr}`;
  probeConfig.data.eval = null;
  probeConfig.optimizer = { ...probeConfig.optimizer, lr, schedule: 'constant', warmup: 0, T: config.optimizer.T ?? Math.max(1, 0.1 * config.steps) };
  probeConfig.checkpoint = { every: 0, keep: 1 };
  probeConfig.output = { runsDir, runId: 'probe' };
  // Only the non-finite guards: the loss-ratio test below is the probe's verdict.
  const guards = guardsOf(config);
  probeConfig.guards = {
    ...guards,
    nonFinite: { enabled: true, policy: 'stop' },
    explosion: { ...guards.explosion, enabled: false },
    collapse: { enabled: false, policy: 'stop' },
    state: { ...guards.state, enabled: true, policy: 'stop', every: 1 },
  };
  const losses: number[] = [];
  let passes = 0;
  const trainer = await Trainer.create(probeConfig, {
    record(r) {
      if (r.kind === 'step') {
        losses.push((r as StepRecord).loss);
        passes = r.forwardPasses;
      }
    },
  });
  let failure: string | null = null;
  try {
    const summary = await trainer.run();
    passes = summary.forwardPasses;
  } catch (e) {
    failure = (e as Error).message;
  } finally {
    await trainer.close();
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
  const firstLoss = losses.length ? losses[0] : null;
  const lateLoss = losses.length ? lateLossOf(losses) : null;
  passes = Math.max(passes, losses.length);
  if (failure !== null) {
    if (!/^step \d+:/.test(failure)) throw new Error(failure);
    return { lr, diverged: true, reason: failure.replace(/;.*$/, ''), firstLoss, lateLoss, steps: losses.length, passes: passes + 1 };
  }
  const diverged = firstLoss !== null && lateLoss !== null && lateLoss > divergenceRatio * firstLoss;
  const reason = diverged ? `late loss ${lateLoss!.toPrecision(4)} > ${divergenceRatio} x first loss ${firstLoss!.toPrecision(4)}` : 'stable';
  return { lr, diverged, reason, firstLoss, lateLoss, steps: losses.length, passes };
}

/**
 * Bracket the largest stable lr of `config`'s optimizer on its model and data, and suggest an lr.
 * For the extension's start form: call with the resolved config the form would start, show
 * `message`, offer `suggested` as optimizer.lr (or spawn `helene-studio lr-find --config <file> --json`
 * and read the same LrFindResult from stdout).
 */
export async function findLearningRate(config: ResolvedConfig, options: LrFindOptions = {}): Promise<LrFindResult> {
  const budget = options.budgetPasses ?? 600;
  const passesPerStep = passesPerStepOf(config);
  const steps = options.stepsPerProbe ?? Math.max(5, Math.min(50, Math.floor(budget / (8 * passesPerStep))));
  const maxProbes = Math.max(2, Math.floor(budget / (steps * passesPerStep)));
  const ratio = options.ratio ?? 2;
  const startLr = options.startLr ?? config.optimizer.lr;
  const divergenceRatio = options.divergenceRatio ?? 2;
  const { probes, largestStable, smallestUnstable } = await bracketLargestStableLr((lr) => probeLearningRate(config, lr, steps, divergenceRatio), {
    startLr,
    ratio,
    lrMin: options.lrMin ?? startLr / 1e4,
    lrMax: options.lrMax ?? startLr * 1e4,
    maxProbes,
    onProbe: options.onProbe,
  });
  const suggested = largestStable !== null ? largestStable / 3 : null;
  const passes = probes.reduce((s, p) => s + p.passes, 0);
  const fmt = (x: number) => String(Number(x.toPrecision(3)));
  const message =
    largestStable !== null && smallestUnstable !== null
      ? `${config.optimizer.name}: stable at lr ${fmt(largestStable)}, diverges at ${fmt(smallestUnstable)} (${probes.length} probes of ${steps} steps, ${passes} forward passes). Suggested optimizer.lr = ${fmt(suggested!)} (largest stable / 3).`
      : largestStable !== null
        ? `${config.optimizer.name}: no divergence up to lr ${fmt(largestStable)} in ${probes.length} probes (${passes} forward passes); suggested optimizer.lr = ${fmt(suggested!)}, and a larger budget or --set optimizer.lr=<larger> would probe further.`
        : `${config.optimizer.name}: every probed lr diverged, down to ${fmt(Math.min(...probes.map((p) => p.lr)))} (${passes} forward passes). Check the model and data (is the loss finite at the start?), or start lower with --set optimizer.lr=<smaller>.`;
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
