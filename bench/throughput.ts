/**
 * Step throughput of every optimizer on one model, in one process, with the reference measured in
 * the same run: for each round, and for each optimizer in turn, a few pairs of forward passes of the
 * inference-only session (weights as initializers) and then a few optimizer steps. Interleaving the
 * reference with the steps makes the ratio robust to the load of a shared machine drifting; medians
 * over rounds make it robust to single slow steps.
 *
 * A step is timed exactly like runtime/run/trainer.ts times it (TimedOracle / TimedDirections):
 *   data      = choosing the batch + engine.setBatch
 *   forward   = the forward passes (in-graph perturbation included)
 *   rng       = filling the direction buffers (z or Rademacher u)
 *   optimizer = the rest of optimizer.step (losses → c, the element-wise update kernels)
 *   stats     = optimizer.layerStats() on statistics steps (timed separately: a statistics step is
 *               a normal step with collectStats plus this)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { createOptimizer, learningRateAt } from '../runtime/optim';
import { KernelPool, seedFromNumber } from '../runtime/rng';
import { SeededDirections } from '../runtime/run/seeded-directions';
import { NonFiniteLossError, TimedDirections, TimedOracle } from '../runtime/run/instrumented';
import type { BenchModel } from './models';
import type { OptimizerCase } from './optimizer-cases';
import { inferenceModelBytes, inferenceSession, layersOf, toFeeds, trainingEngine, trainingGraph, type EngineSettings, type Feeds } from './setup';
import { load1, median } from './stats';

/**
 * At least `steps`, and up to 20 for models whose step takes tens of ms: with 3 steps × 2 rounds,
 * the 1 M transformer's "HELENE optimizer work ÷ MeZO's" came out 1.11 and 1.60 in two runs ten
 * minutes apart (the z rows, the same work for both, were 4.0-5.7 ms medians of six). Time a round
 * costs: ~20 steps × 35 ms at 1 M; from 30 M parameters on it stays at `steps`.
 */
export function stepsFor(parameters: number, steps: number): number {
  return Math.max(steps, Math.min(20, Math.round(30e6 / Math.max(1, parameters))));
}

export interface ThroughputOptions {
  rounds: number;
  /**
   * Timed steps per optimizer per round (one more, untimed, warms up in the first round); small models
   * get more (stepsFor), since their few-ms rows are noisy.
   */
  steps: number;
  /** Pairs of inference forwards timed per optimizer per round. */
  referencePairs: number;
  log?: (line: string) => void;
}

export interface StepSplit {
  forwardMs: number;
  rngMs: number;
  optimizerMs: number;
  dataMs: number;
  totalMs: number;
}

export interface OptimizerResult {
  optimizer: string;
  forwardPassesPerStep: number;
  /** Medians over every timed step of every round. */
  median: StepSplit;
  statsMs: number;
  /** Median (statistics step incl. layerStats) / median normal step. */
  statsStepRatio: number;
  stepsPerSecond: number;
  /** Median two inference forwards measured next to this optimizer's steps. */
  referenceTwoForwardsMs: number;
  /** Median over rounds of (median step time / median reference) of that round. */
  ratioToTwoForwards: number;
  /** Forward time of the training graph per pass / one inference forward (weights-as-inputs + in-graph perturbation cost). */
  forwardPassRatio: number;
  steps: number;
  nonFiniteSteps: number;
  load1: number[];
}

export interface ModelThroughput {
  model: string;
  description: string;
  parameters: number;
  batch: number;
  provider: string;
  providerNote?: string;
  threads: number;
  kernelThreads: number;
  setupMs: { build: number; session: number; inferenceSession: number };
  results: OptimizerResult[];
}

async function twoForwards(session: ort.InferenceSession, feeds: Feeds): Promise<number> {
  const t0 = performance.now();
  await session.run(feeds, ['loss']);
  await session.run(feeds, ['loss']);
  return performance.now() - t0;
}

export async function measureThroughput(model: BenchModel, cases: OptimizerCase[], settings: EngineSettings, options: ThroughputOptions): Promise<ModelThroughput> {
  const log = options.log ?? (() => {});
  const tBuild = performance.now();
  const graph = trainingGraph(model);
  const inferenceBytes = inferenceModelBytes(model);
  const layers = layersOf(graph);
  const tSession = performance.now();
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-bench-'));
  const engine = await trainingEngine(graph, layers, settings, profileDir);
  const batches = [1, 2, 3, 4].map((s) => toFeeds(model, s));
  engine.setBatch(batches[0]!);
  await engine.verifyProvider();
  const tInference = performance.now();
  const reference = await inferenceSession(inferenceBytes, settings);
  const tReady = performance.now();
  const pool = new KernelPool(settings.kernelThreads);
  const stepsPerRound = stepsFor(model.parameters, options.steps);
  const totalSteps = options.rounds * (stepsPerRound + 2) + 1;
  const runs = cases.map((c) => ({
    c,
    optimizer: createOptimizer(layers, c.config, totalSteps),
    t: 0,
    splits: [] as StepSplit[],
    stats: [] as { stepMs: number; statsMs: number }[],
    roundRatios: [] as number[],
    refs: [] as number[],
    forwardPerPass: [] as number[],
    nonFinite: 0,
    loads: [] as number[],
  }));
  const oracle = new TimedOracle(engine);
  const seeded = new SeededDirections(seedFromNumber(7), pool);
  const directions = new TimedDirections(seeded);

  // One optimizer step, timed like the trainer does. Returns null when the loss was not finite.
  const step = async (run: (typeof runs)[number], collectStats: boolean): Promise<{ split: StepSplit; statsMs: number } | null> => {
    const t = ++run.t;
    const t0 = performance.now();
    oracle.forwardMs = 0;
    oracle.passMs.length = 0;
    directions.rngMs = 0;
    engine.setBatch(batches[t % batches.length]!);
    // As the trainer does: once the passes are done, the kernel workers make step t + 1's z while this
    // thread runs the update (seeded-directions.ts prefetchNext; within its size limit).
    oracle.afterPair = () => seeded.prefetchNext(t + 1);
    const t1 = performance.now();
    const o = run.optimizer.config;
    const lr = learningRateAt(t, o.lr, o.schedule, o.warmup, totalSteps);
    try {
      await run.optimizer.step({ t, lr, oracle, directions, collectStats });
    } catch (e) {
      if (!(e instanceof NonFiniteLossError)) throw e;
      run.nonFinite++;
      return null;
    }
    const t2 = performance.now();
    let statsMs = 0;
    if (collectStats) {
      run.optimizer.layerStats(lr);
      statsMs = performance.now() - t2;
    }
    return {
      split: { forwardMs: oracle.forwardMs, rngMs: directions.rngMs, optimizerMs: Math.max(0, t2 - t1 - oracle.forwardMs - directions.rngMs), dataMs: t1 - t0, totalMs: t2 - t0 },
      statsMs,
    };
  };

  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const run of runs) {
        if (round === 0) await step(run, true); // warm-up: V8 tiers up the kernels, ORT its arenas
        const refs: number[] = [];
        for (let p = 0; p < options.referencePairs; p++) refs.push(await twoForwards(reference, batches[p % batches.length]!));
        const totals: number[] = [];
        for (let s = 0; s < stepsPerRound; s++) {
          const r = await step(run, false);
          if (!r) continue;
          run.splits.push(r.split);
          totals.push(r.split.totalMs);
          run.forwardPerPass.push(r.split.forwardMs / run.optimizer.forwardPassesPerStep);
        }
        const stats = await step(run, true);
        if (stats) run.stats.push({ stepMs: stats.split.totalMs, statsMs: stats.statsMs });
        const ref = median(refs);
        run.refs.push(ref);
        if (totals.length) run.roundRatios.push(median(totals) / ref);
        run.loads.push(load1());
        log(`  ${model.id} round ${round + 1}/${options.rounds} ${run.c.label}: step ${median(totals).toFixed(1)} ms, 2 fwd ${ref.toFixed(1)} ms, load ${run.loads.at(-1)}`);
      }
    }
  } finally {
    await pool.close();
    await engine.release();
    await reference.release();
    fs.rmSync(profileDir, { recursive: true, force: true });
  }

  const results: OptimizerResult[] = runs.map((run) => {
    const pick = (k: keyof StepSplit) => median(run.splits.map((s) => s[k]));
    const m: StepSplit = { forwardMs: pick('forwardMs'), rngMs: pick('rngMs'), optimizerMs: pick('optimizerMs'), dataMs: pick('dataMs'), totalMs: pick('totalMs') };
    const ref = median(run.refs);
    return {
      optimizer: run.c.label,
      forwardPassesPerStep: run.optimizer.forwardPassesPerStep,
      median: m,
      statsMs: median(run.stats.map((s) => s.statsMs)),
      statsStepRatio: median(run.stats.map((s) => s.stepMs + s.statsMs)) / m.totalMs,
      stepsPerSecond: 1000 / m.totalMs,
      referenceTwoForwardsMs: ref,
      ratioToTwoForwards: median(run.roundRatios),
      forwardPassRatio: median(run.forwardPerPass) / (ref / 2),
      steps: run.splits.length,
      nonFiniteSteps: run.nonFinite,
      load1: run.loads,
    };
  });
  return {
    model: model.id,
    description: model.description,
    parameters: model.parameters,
    batch: model.batch,
    provider: engine.info.provider,
    ...(engine.info.fallbackReason ? { providerNote: engine.info.fallbackReason } : {}),
    threads: settings.threads,
    kernelThreads: settings.kernelThreads,
    setupMs: { build: tSession - tBuild, session: tInference - tSession, inferenceSession: tReady - tInference },
    results,
  };
}
