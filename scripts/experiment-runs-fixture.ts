/**
 * Synthetic run folders for the Experiments page: a seeded grid of optimizer × lr × seed runs,
 * each a complete run folder as the runtime writes it (run.json with a resolved config,
 * metrics.jsonl with step, eval, layer-statistics and event lines, status.json, summary.json).
 * The loss falls faster with a larger lr up to a point, and faster for some optimizers, so the
 * table's sorting, speedups and differing parameters have something to show. Deterministic: the
 * same options write the same bytes (createdAt included).
 * Used by the browser tests, the open-time measurement and scripts/gen-experiment-runs.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FORMAT, RUN_FORMAT_VERSION, resolveConfig, type MetricRecord, type OptimizerName, type RunManifest, type RunState, type RunStatus, type RunSummary } from '../runtime/protocol';
import { mulberry32 } from '../runtime/onnx/seeded-prng';

export interface ExperimentRunsOptions {
  count: number;
  steps: number;
  evalEvery: number;
  /** Layer statistics every N steps (they make most of a real file's bytes). */
  statsEvery: number;
  seed: number;
}

export const DEFAULT_EXPERIMENT_RUNS: ExperimentRunsOptions = { count: 24, steps: 300, evalEvery: 25, statsEvery: 25, seed: 1 };

export const FIXTURE_OPTIMIZERS: readonly OptimizerName[] = ['helene', 'mezo', 'hizoo', 'zo-adam'];
export const FIXTURE_LRS: readonly number[] = [3e-4, 1e-3, 3e-3, 1e-2];
const SPEED: Record<string, number> = { helene: 1.3, mezo: 1, hizoo: 1.15, 'zo-adam': 0.8 };

export interface FixtureRun {
  id: string;
  optimizer: OptimizerName;
  lr: number;
  seed: number;
  state: RunState;
}

/** The i-th run of the grid: optimizer varies fastest, then lr, then seed. */
export function fixtureRun(i: number, o: ExperimentRunsOptions): FixtureRun {
  const optimizer = FIXTURE_OPTIMIZERS[i % FIXTURE_OPTIMIZERS.length];
  const lr = FIXTURE_LRS[Math.floor(i / FIXTURE_OPTIMIZERS.length) % FIXTURE_LRS.length];
  const seed = o.seed + Math.floor(i / (FIXTURE_OPTIMIZERS.length * FIXTURE_LRS.length));
  // A few runs did not finish: every 17th was stopped, every 29th failed.
  const state: RunState = i % 29 === 28 ? 'failed' : i % 17 === 16 ? 'stopped' : 'finished';
  const id = `20261205-${String(100000 + i).padStart(6, '0')}-${optimizer}-lr${lr}-s${seed}`;
  return { id, optimizer, lr, seed, state };
}

function* records(run: FixtureRun, o: ExperimentRunsOptions, steps: number): Generator<MetricRecord> {
  const rand = mulberry32(run.seed * 7919 + Math.round(run.lr * 1e6) + run.optimizer.length);
  const passesPerStep = run.optimizer === 'hizoo' ? 3 : 2;
  // Rate grows with lr up to 3e-3, then the run gets noisy and slower (too large a step).
  const lrGain = run.lr <= 3e-3 ? run.lr / 1e-3 : 3 / (1 + (run.lr - 3e-3) / 3e-3);
  const rate = (SPEED[run.optimizer] * lrGain) / 120;
  const floor = 0.3 + 0.05 * rand();
  const noise = run.lr >= 1e-2 ? 0.2 : 0.06;
  let wallMs = 0;
  let passes = 0;
  let examples = 0;
  const evalAt = (t: number, loss: number): MetricRecord => {
    passes += 8;
    return { kind: 'eval', t, forwardPasses: passes, wallMs, loss: loss + 0.03, accuracy: Math.min(0.97, 1.2 - loss * 0.6), examples: 128, trainExamples: examples };
  };
  yield { kind: 'event', t: 0, wallMs: 0, event: 'started', message: `${run.optimizer} on 1000 trainable elements, provider cpu` };
  let loss = 1.39;
  yield evalAt(0, loss);
  for (let t = 1; t <= steps; t++) {
    const totalMs = 10 * (passesPerStep / 2) + 2 * rand();
    wallMs += totalMs;
    passes += passesPerStep;
    examples += 16;
    loss = floor + (1.39 - floor) * Math.exp(-t * rate) + noise * (rand() - 0.5);
    yield {
      kind: 'step', t, loss, lr: run.lr, forwardPasses: passes, examples, wallMs,
      timing: { forwardMs: totalMs * 0.7, rngMs: totalMs * 0.1, optimizerMs: totalMs * 0.15, dataMs: totalMs * 0.05, totalMs },
      examplesPerSec: 16000 / totalMs,
    };
    if (t % o.statsEvery === 0) {
      yield { kind: 'layers', t, layers: ['blocks.0.attn.qkv.weight', 'blocks.0.mlp.fc1.weight', 'head.weight'].map((name, k) => ({ name, size: 4096 >> k, hMean: 0.1 * rand(), lambda: 0.1, updateRms: run.lr * rand(), thetaRms: 0.02, updateToWeight: run.lr * 50 })) };
    }
    if (t % o.evalEvery === 0 || t === steps) yield evalAt(t, loss);
  }
  yield { kind: 'event', t: steps, wallMs, event: run.state === 'failed' ? 'failed' : run.state === 'stopped' ? 'stopped' : 'finished', message: `${run.state} at step ${steps}` };
}

export function writeFixtureRun(runsDir: string, i: number, o: ExperimentRunsOptions): FixtureRun {
  const run = fixtureRun(i, o);
  const dir = path.join(runsDir, run.id);
  fs.mkdirSync(dir, { recursive: true });
  const { config } = resolveConfig({
    name: `${run.optimizer}-lr${run.lr}`,
    seed: run.seed,
    steps: o.steps,
    evalEvery: o.evalEvery,
    statsEvery: o.statsEvery,
    model: { path: 'builtin:synthetic', trainable: ['.*'] },
    data: { train: 'train.jsonl', eval: 'eval.jsonl' },
    optimizer: { name: run.optimizer, lr: run.lr },
  });
  const manifest: RunManifest = {
    format: RUN_FORMAT,
    version: RUN_FORMAT_VERSION,
    id: run.id,
    name: config.name,
    createdAt: new Date(Date.UTC(2026, 11, 5, 10, 0, 0) + i * 60_000).toISOString(),
    config,
    model: { path: 'builtin:synthetic', trainables: [], trainableElements: 1000 },
    engine: { requestedProvider: 'cpu', provider: 'cpu', threads: 2, kernelThreads: 2, onnxruntimeVersion: '1.30.0' },
    optimizer: { name: run.optimizer, forwardPassesPerStep: run.optimizer === 'hizoo' ? 3 : 2 },
  };
  // A stopped or failed run ended early.
  const steps = run.state === 'finished' ? o.steps : Math.floor(o.steps * 0.6);
  const lines: string[] = [];
  let last: MetricRecord | null = null;
  let lastEval: MetricRecord | null = null;
  for (const r of records(run, o, steps)) {
    lines.push(JSON.stringify(r));
    if (r.kind === 'step') last = r;
    if (r.kind === 'eval') lastEval = r;
  }
  const status: RunStatus = { state: run.state, step: steps, totalSteps: o.steps, updatedAt: manifest.createdAt, ...(run.state === 'failed' ? { error: 'loss became NaN at step ' + steps } : {}) };
  const summary: RunSummary = {
    state: run.state,
    steps,
    forwardPasses: lastEval?.kind === 'eval' ? lastEval.forwardPasses : 0,
    examples: last?.kind === 'step' ? last.examples : 0,
    wallSeconds: last?.kind === 'step' ? last.wallMs / 1000 : 0,
    stepsPerSecond: last?.kind === 'step' ? steps / (last.wallMs / 1000) : 0,
    finalLoss: last?.kind === 'step' ? last.loss : null,
    finalEval: lastEval?.kind === 'eval' ? { t: lastEval.t, loss: lastEval.loss, accuracy: lastEval.accuracy } : null,
    bestEval: null,
    skippedSteps: 0,
  };
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(manifest, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify(status, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return run;
}

export function writeExperimentRuns(runsDir: string, options: Partial<ExperimentRunsOptions> = {}): FixtureRun[] {
  const o = { ...DEFAULT_EXPERIMENT_RUNS, ...options };
  fs.mkdirSync(runsDir, { recursive: true });
  return Array.from({ length: o.count }, (_, i) => writeFixtureRun(runsDir, i, o));
}
