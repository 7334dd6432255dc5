/**
 * The held-out protocol's tasks and their named split (docs/heldout.md). Every choice — variant,
 * preset, defaults, the lr rule — is made on the TUNING tasks; the HELD-OUT tasks are run once with
 * those choices and reported apart. Held out: the two fixtures made for it (gcide-encoder, gcide-gpt:
 * other structure, other corpus, nobody tuned on them) in four ways, and a least-squares problem with
 * a wider curvature spread, other shapes and other data than the tuning one.
 *
 * Step budgets are sized so the whole suite (12 tasks × 3 optimizers × (lr probes + 3 seeds)) runs in
 * about an hour on 2 CPU cores (docs/heldout.md has the measured times).
 */
import { demoMlpTask, leastSquaresTask, LS_HELDOUT, LS_TUNING, type BenchTask, type TaskOptions } from './tasks';
import { DECODER_LORA, ENCODER_LORA, lmTask } from './lm-tasks';

export type Split = 'tuning' | 'heldout';

export interface SuiteTask {
  name: string;
  split: Split;
  /** What kind of task it is, in words (the tables print it). */
  kind: string;
  make(dir: string, options?: TaskOptions): BenchTask;
}

const withSteps = (steps: number, options: TaskOptions = {}): TaskOptions => ({ steps: options.steps ?? steps });

export const SUITE: SuiteTask[] = [
  { name: 'demo-mlp', split: 'tuning', kind: 'MLP 24-16-4 from random init, 4 classes (the demo)', make: (d, o) => demoMlpTask(d, withSteps(3000, o)) },
  { name: 'least-squares', split: 'tuning', kind: 'least squares, curvature 9 … 0.01 (900x), 4 x [16]', make: (d, o) => leastSquaresTask(d, withSteps(3000, o), LS_TUNING) },
  {
    name: 'tiny-encoder-head', split: 'tuning', kind: 'pre-trained encoder (2 layers, 0.20 M), fresh 2-class head only',
    make: (_d, o) => lmTask({ name: 'tiny-encoder-head', config: 'tiny-encoder/finetune-head.json', metric: 'accuracy', steps: 600, train: { preset: 'head' } }, o),
  },
  {
    name: 'tiny-encoder-full', split: 'tuning', kind: 'pre-trained encoder (2 layers), every tensor (38)',
    make: (_d, o) => lmTask({ name: 'tiny-encoder-full', config: 'tiny-encoder/finetune-head.json', metric: 'accuracy', steps: 600, train: { preset: 'all' } }, o),
  },
  {
    name: 'tiny-encoder-lora', split: 'tuning', kind: 'pre-trained encoder (2 layers), LoRA rank 4 on attention + MLP',
    make: (_d, o) => lmTask({ name: 'tiny-encoder-lora', config: 'tiny-encoder/finetune-head.json', metric: 'accuracy', steps: 600, train: { lora: ENCODER_LORA } }, o),
  },
  {
    name: 'tiny-gpt-lora', split: 'tuning', kind: 'pre-trained decoder (2 layers, 0.23 M), LoRA rank 4, definitions',
    make: (_d, o) => lmTask({ name: 'tiny-gpt-lora', config: 'tiny-gpt/finetune-lora.json', metric: 'eval loss', steps: 600, train: { lora: DECODER_LORA } }, o),
  },
  { name: 'least-squares-wide', split: 'heldout', kind: 'least squares, curvature 100 … 1e-3 (1e5x), 5 x [4, 8], other data', make: (d, o) => leastSquaresTask(d, withSteps(3000, o), LS_HELDOUT) },
  {
    name: 'gcide-encoder-full', split: 'heldout', kind: 'NEW pre-trained encoder (4 layers, 0.30 M, Webster 1913), every tensor (70), 4 classes',
    make: (_d, o) => lmTask({ name: 'gcide-encoder-full', config: 'gcide-encoder/finetune.json', metric: 'accuracy', steps: 600, train: { preset: 'all' } }, o),
  },
  {
    name: 'gcide-encoder-head', split: 'heldout', kind: 'NEW pre-trained encoder, fresh 4-class head only',
    make: (_d, o) => lmTask({ name: 'gcide-encoder-head', config: 'gcide-encoder/finetune.json', metric: 'accuracy', steps: 600, train: { preset: 'head' } }, o),
  },
  {
    name: 'gcide-encoder-lora', split: 'heldout', kind: 'NEW pre-trained encoder, LoRA rank 4 on attention + MLP',
    make: (_d, o) => lmTask({ name: 'gcide-encoder-lora', config: 'gcide-encoder/finetune.json', metric: 'accuracy', steps: 600, train: { lora: ENCODER_LORA } }, o),
  },
  {
    name: 'gcide-gpt-lora', split: 'heldout', kind: 'NEW pre-trained decoder (4 layers, 0.33 M, Webster 1913), LoRA rank 4',
    make: (_d, o) => lmTask({ name: 'gcide-gpt-lora', config: 'gcide-gpt/finetune.json', metric: 'eval loss', steps: 600, train: { lora: DECODER_LORA } }, o),
  },
  {
    name: 'gcide-gpt-full', split: 'heldout', kind: 'NEW pre-trained decoder, every tensor',
    make: (_d, o) => lmTask({ name: 'gcide-gpt-full', config: 'gcide-gpt/finetune.json', metric: 'eval loss', steps: 600, train: { preset: 'all' } }, o),
  },
];

export function suiteTask(name: string): SuiteTask {
  const t = SUITE.find((s) => s.name === name);
  if (!t) throw new Error(`unknown suite task ${name}; known: ${SUITE.map((s) => s.name).join(', ')}`);
  return t;
}

/**
 * The optimizers every task runs: MeZO (the baseline), HELENE as the spec states it, and the
 * recommended preset as it stands (runtime/optim/presets.ts), so the table says what a user gets.
 */
export const SUITE_OPTIMIZERS = ['mezo', 'helene-paper', 'helene-recommended'];
