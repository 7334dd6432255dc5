/**
 * The convergence suite's tasks. Each writes its model and data into a folder and returns the
 * base run config (everything but the optimizer, the seed and the run folder).
 *
 * - demo-mlp: the built-in demo task (runtime/demo/demo-task.ts: 4 classes from a teacher network,
 *   24 raw features scaled 3.0 / 1.0 / 0.2, MLP 24-16-4, tanh), metric = accuracy.
 * - least-squares: known curvature. loss_b = 0.5 (a_b·theta − y_b)², theta split into layers whose
 *   input features are scaled by LS_SCALES, so layer i's curvature diag(AᵀA / B) ≈ scale_i² differs
 *   by orders of magnitude between layers (exactly computable from the data: trueCurvature()).
 *   y = a·theta* + noise; eval = held-out loss (also the metric).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeDemoWorkspace } from '../../runtime/demo/demo-task';
import { buildLeastSquares } from '../../runtime/onnx/graph-builder';
import { writeModel } from '../../runtime/onnx/model-io';
import type { UserConfig } from '../../runtime/protocol';
import { loadConfig } from '../../runtime/cli/config-file';
import { seededGaussian } from '../../runtime/onnx/seeded-prng';

export interface BenchTask {
  name: string;
  /** What the metric column means. */
  metric: 'accuracy' | 'eval loss';
  steps: number;
  base: UserConfig;
}

export interface TaskOptions {
  steps?: number;
}

export const DEMO_STEPS = 8000;

export function demoMlpTask(dir: string, options: TaskOptions = {}): BenchTask {
  const files = writeDemoWorkspace(path.join(dir, 'demo-mlp'), { steps: 1, batchSize: 32, mezoLr: 0, heleneLr: 0 });
  const steps = options.steps ?? DEMO_STEPS;
  return {
    name: 'demo-mlp',
    metric: 'accuracy',
    steps,
    base: {
      steps,
      evalEvery: Math.max(1, Math.round(steps / 40)),
      statsEvery: 0,
      model: { path: files.model, trainable: ['^fc\\d+\\.', '^head\\.'], task: 'classification' },
      data: { train: files.train, eval: files.eval, fields: { x: 'x', labels: 'label' }, batchSize: 32 },
      engine: { provider: 'cpu', threads: 1, kernelThreads: 0 },
      checkpoint: { every: 0, keep: 1 },
    },
  };
}

/** Input scale of each least-squares layer: curvature scale² = 9, 1, 0.09, 0.01 (900x spread). */
export const LS_SCALES = [3, 1, 0.3, 0.1];
export const LS_LAYER_SIZE = 16;
export const LS_NOISE = 0.1;
export const LS_STEPS = 6000;

export interface LsExample {
  a: number[];
  y: number;
}

export function leastSquaresLayers(): { name: string; shape: number[] }[] {
  return LS_SCALES.map((_, i) => ({ name: `ls.layer${i}`, shape: [LS_LAYER_SIZE] }));
}

/** theta*: the same for train and eval; N(0, 1) per element. */
export function leastSquaresOptimum(): number[] {
  const r = seededGaussian(4242);
  return Array.from({ length: LS_SCALES.length * LS_LAYER_SIZE }, () => r());
}

export function makeLeastSquaresExamples(count: number, seed: number, spec: LsSpec = LS_TUNING): LsExample[] {
  const r = seededGaussian(seed);
  const star = spec.optimum();
  const scales = spec.scales.flatMap((s) => Array(spec.layerSize).fill(s) as number[]);
  return Array.from({ length: count }, () => {
    const a = scales.map((s) => Number((s * r()).toFixed(6)));
    const y = a.reduce((acc, v, j) => acc + v * star[j], 0) + LS_NOISE * r();
    return { a, y: Number(y.toFixed(6)) };
  });
}

/** Exact diag(AᵀA / N) of a data set, averaged per layer: the true per-layer mean curvature. */
export function trueCurvature(examples: LsExample[]): number[] {
  const per = LS_SCALES.map(() => 0);
  for (const e of examples) e.a.forEach((v, j) => (per[Math.floor(j / LS_LAYER_SIZE)] += v * v));
  return per.map((s) => s / (examples.length * LS_LAYER_SIZE));
}

/** A least-squares problem: per-layer input scales, layer shapes, optimum, data seeds. */
export interface LsSpec {
  name: string;
  scales: number[];
  /** Elements per layer; `layerShape` splits them (rank 2 gives row blocks something to split). */
  layerSize: number;
  layerShape: number[];
  optimum: () => number[];
  seeds: { train: number; eval: number };
  batchSize: number;
}

export const LS_TUNING: LsSpec = { name: 'least-squares', scales: LS_SCALES, layerSize: LS_LAYER_SIZE, layerShape: [LS_LAYER_SIZE], optimum: leastSquaresOptimum, seeds: { train: 11, eval: 12 }, batchSize: 16 };

/**
 * Held out: curvature 100 … 1e-3, a 1e5 spread (input scales 10, 3, 1, 0.3, 0.03; five [4, 8] layers,
 * 160 elements; with the 1e4 … 1e-4 no lr of the grid keeps MeZO stable, measured) and an
 * optimum scaled so every layer holds the same share of the starting loss (theta*_j ~ N(0, 1) /
 * (scale_j sqrt(D))): the high-curvature layers bound the stable lr, the low-curvature ones are far
 * from their optimum. Different data, seeds, shapes and spread from the tuning task (900x, 4 x 16).
 */
export const LS_WIDE_SCALES = [10, 3, 1, 0.3, 0.03];
export const LS_HELDOUT: LsSpec = {
  name: 'least-squares-wide',
  scales: LS_WIDE_SCALES,
  layerSize: 32,
  layerShape: [4, 8],
  optimum: () => {
    const r = seededGaussian(777);
    const D = LS_WIDE_SCALES.length * 32;
    return LS_WIDE_SCALES.flatMap((s) => Array.from({ length: 32 }, () => r() / (s * Math.sqrt(D))));
  },
  seeds: { train: 21, eval: 22 },
  batchSize: 16,
};

export function leastSquaresTask(dir: string, options: TaskOptions = {}, spec: LsSpec = LS_TUNING): BenchTask {
  const root = path.join(dir, spec.name);
  fs.mkdirSync(root, { recursive: true });
  const model = path.join(root, `${spec.name}.onnx`);
  writeModel(buildLeastSquares({ layers: spec.scales.map((_, i) => ({ name: `ls.layer${i}`, shape: spec.layerShape })) }), model);
  const lines = (examples: LsExample[]) => examples.map((e) => JSON.stringify(e)).join('\n') + '\n';
  const train = path.join(root, 'train.jsonl');
  const evalFile = path.join(root, 'eval.jsonl');
  fs.writeFileSync(train, lines(makeLeastSquaresExamples(2000, spec.seeds.train, spec)));
  fs.writeFileSync(evalFile, lines(makeLeastSquaresExamples(500, spec.seeds.eval, spec)));
  const steps = options.steps ?? LS_STEPS;
  return {
    name: spec.name,
    metric: 'eval loss',
    steps,
    base: {
      steps,
      evalEvery: Math.max(1, Math.round(steps / 40)),
      statsEvery: 0,
      model: { path: model, trainable: ['^ls\\.layer\\d+$'], task: 'loss-output', lossOutput: 'loss' },
      data: { train, eval: evalFile, fields: { a: 'a', y: 'y' }, batchSize: spec.batchSize },
      engine: { provider: 'cpu', threads: 1, kernelThreads: 0 },
      checkpoint: { every: 0, keep: 1 },
    },
  };
}

/** The pre-trained text encoder fixture (test/fixtures/lm/tiny-encoder), head-only fine-tuning. */
export const ENCODER_CONFIG = path.join('test', 'fixtures', 'lm', 'tiny-encoder', 'finetune-head.json');

export function tinyEncoderTask(_dir: string, options: TaskOptions = {}): BenchTask {
  if (!fs.existsSync(ENCODER_CONFIG)) throw new Error(`${ENCODER_CONFIG} is missing: the pre-trained encoder fixture has not landed`);
  const { config } = loadConfig(ENCODER_CONFIG);
  const steps = options.steps ?? config.steps;
  const { optimizer: _o, output: _out, seed: _s, name: _n, ...rest } = config;
  return {
    name: 'tiny-encoder',
    metric: 'accuracy',
    steps,
    base: { ...(rest as UserConfig), steps, evalEvery: Math.max(1, Math.round(steps / 20)), statsEvery: 0, checkpoint: { every: 0, keep: 1 } },
  };
}

/**
 * The same fixture, data, batch and evaluation as tiny-encoder, but the encoder's body is trained
 * too: trainablePreset "all-but-embeddings" (attention, MLP and LayerNorm weights + the head; the
 * token and position embedding tables stay frozen).
 */
export function tinyEncoderBodyTask(dir: string, options: TaskOptions = {}): BenchTask {
  const head = tinyEncoderTask(dir, options);
  const model = { ...(head.base.model as Record<string, unknown>), trainablePreset: 'all-but-embeddings' };
  return { ...head, name: 'tiny-encoder-body', base: { ...head.base, model } as UserConfig };
}

export const TASKS = { 'demo-mlp': demoMlpTask, 'least-squares': leastSquaresTask, 'tiny-encoder': tinyEncoderTask, 'tiny-encoder-body': tinyEncoderBodyTask } as const;
export type TaskName = keyof typeof TASKS;
