/**
 * The built-in demo task, made by the project itself (no download): a 4-class problem whose labels
 * come from a hidden random "teacher" network, with 10% label noise, on 24 raw features in three
 * groups of very different scale (3.0, 1.0, 0.2). A student MLP (24→16→4, tanh) learns it.
 *
 * Why this task: the answer is not fixed (labels are a non-linear function the student must fit,
 * evaluated on held-out data), and curvature differs strongly between and inside layers — the first
 * layer's weights see inputs up to 15x larger than others, so their curvature is up to ~225x
 * larger, while biases and the head see O(1) activations. That is the situation HELENE's per-layer
 * clipping is designed for, and what the per-layer panel shows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildMlpClassifier } from '../onnx/graph-builder';
import { writeModel } from '../onnx/model-io';
import { presetById } from '../optim/presets';
import { seededGaussian } from '../onnx/seeded-prng';

export const DEMO_FEATURE_SCALES = [...Array(8).fill(3.0), ...Array(8).fill(1.0), ...Array(8).fill(0.2)];
export const DEMO_CLASSES = 4;
export const DEMO_HIDDEN = [16];

interface Example {
  x: number[];
  label: number;
}

export function makeDemoExamples(count: number, seed: number): Example[] {
  const noise = seededGaussian(seed);
  const teacher = seededGaussian(777); // the same hidden teacher for train and eval
  const inputDim = DEMO_FEATURE_SCALES.length;
  const hidden = 12;
  const w1 = Array.from({ length: inputDim * hidden }, () => teacher() * 0.25);
  const w2 = Array.from({ length: hidden * DEMO_CLASSES }, () => teacher() * 1.5);
  const examples: Example[] = [];
  for (let n = 0; n < count; n++) {
    const z = Array.from({ length: inputDim }, () => noise());
    const h = Array.from({ length: hidden }, (_, j) => Math.tanh(z.reduce((s, zi, i) => s + zi * w1[i * hidden + j], 0)));
    const logits = Array.from({ length: DEMO_CLASSES }, (_, k) => h.reduce((s, hj, j) => s + hj * w2[j * DEMO_CLASSES + k], 0));
    let label = logits.indexOf(Math.max(...logits));
    if (Math.abs(noise()) > 1.645) label = (label + 1 + Math.floor(Math.abs(noise() * 10)) % (DEMO_CLASSES - 1)) % DEMO_CLASSES; // ~10% noise
    // The student sees raw, unnormalised features: scale each group differently.
    examples.push({ x: z.map((v, i) => Number((v * DEMO_FEATURE_SCALES[i]).toFixed(5))), label });
  }
  return examples;
}

export interface DemoFiles {
  dir: string;
  model: string;
  train: string;
  eval: string;
  /** helene: the spec's defaults ("helene (paper)"); heleneRecommended: the HELENE layerwise preset (file name kept: helene-recommended.helene.json). */
  configs: { mezo: string; helene: string; heleneRecommended: string };
}

export interface DemoSettings {
  steps: number;
  batchSize: number;
  mezoLr: number;
  heleneLr: number;
  heleneRecommendedLr?: number;
}

/** Learning rates from a grid (MeZO 0.004/0.002/0.001, HELENE 0.01/0.003/0.001) at 20k steps: best eval loss of each. */
export const DEMO_DEFAULTS: DemoSettings = { steps: 20000, batchSize: 32, mezoLr: 0.002, heleneLr: 0.003, heleneRecommendedLr: 0.003 };

/** Write the model, the data and one run config per optimizer into `dir`. */
export function writeDemoWorkspace(dir: string, settings: DemoSettings = DEMO_DEFAULTS): DemoFiles {
  fs.mkdirSync(dir, { recursive: true });
  const files: DemoFiles = {
    dir,
    model: path.join(dir, 'demo-mlp.onnx'),
    train: path.join(dir, 'train.jsonl'),
    eval: path.join(dir, 'eval.jsonl'),
    configs: { mezo: path.join(dir, 'mezo.helene.json'), helene: path.join(dir, 'helene.helene.json'), heleneRecommended: path.join(dir, 'helene-recommended.helene.json') },
  };
  writeModel(buildMlpClassifier({ inputDim: DEMO_FEATURE_SCALES.length, hidden: DEMO_HIDDEN, classes: DEMO_CLASSES, activation: 'tanh', seed: 1 }), files.model);
  const lines = (examples: Example[]) => examples.map((e) => JSON.stringify(e)).join('\n') + '\n';
  fs.writeFileSync(files.train, lines(makeDemoExamples(2000, 1)));
  fs.writeFileSync(files.eval, lines(makeDemoExamples(500, 2)));
  const base = {
    seed: 1,
    steps: settings.steps,
    evalEvery: Math.max(1, Math.round(settings.steps / 20)),
    statsEvery: Math.max(1, Math.round(settings.steps / 100)),
    model: { path: 'demo-mlp.onnx', trainable: ['^fc\\d+\\.', '^head\\.'], task: 'classification' },
    data: { train: 'train.jsonl', eval: 'eval.jsonl', fields: { x: 'x', labels: 'label' }, batchSize: settings.batchSize },
    engine: { provider: 'auto', threads: 1 },
    output: { runsDir: 'runs' },
  };
  const write = (file: string, name: string, optimizer: Record<string, unknown>) =>
    fs.writeFileSync(file, JSON.stringify({ name, ...base, optimizer }, null, 2) + '\n');
  write(files.configs.mezo, 'demo-mezo', { name: 'mezo', lr: settings.mezoLr, eps: 1e-3 });
  write(files.configs.helene, 'demo-helene', { name: 'helene', lr: settings.heleneLr, eps: 1e-3 });
  // The HELENE layerwise preset (runtime/optim/presets.ts; MeZO is the recommended one since issue 16). lr 0.003, not
  // the 0.01 tuned for 20,000 steps: shortened to 5,000 or 3,000 steps, 0.01 trips the explosion guard (docs/heldout.md).
  write(files.configs.heleneRecommended, 'demo-helene-recommended', { ...presetById('helene')!.optimizer, lr: settings.heleneRecommendedLr ?? 0.003, eps: 1e-3 });
  return files;
}
