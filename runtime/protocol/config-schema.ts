/**
 * The run-configuration schema as data: one table drives validation (clear errors with the key's
 * path and a closest-key suggestion), default filling, the docs' configuration reference and the
 * start form. Browser-safe: no Node imports (the webview validates its form with it too).
 */
import type { OptimizerName, ResolvedConfig, UserConfig } from './config-types';
import { HELENE_VARIANTS, OPTIMIZER_NAMES } from './config-types';

type Scalar = number | string | boolean | null;

export type FieldSpec =
  | { type: 'number'; doc: string; default: number | null | Partial<Record<OptimizerName, number>> & { _?: number }; min?: number; max?: number; exclusiveMin?: boolean; integer?: boolean; nullable?: boolean; appliesTo?: OptimizerName[] }
  | { type: 'string'; doc: string; default: string | null; enum?: readonly string[]; nullable?: boolean; appliesTo?: OptimizerName[] }
  | { type: 'boolean'; doc: string; default: boolean }
  | { type: 'string[]'; doc: string; default: string[]; minItems?: number }
  | { type: 'record'; doc: string; default: Record<string, string> }
  | { type: 'lambdaMap'; doc: string; default: [string, number][]; appliesTo?: OptimizerName[] }
  | { type: 'section'; doc: string; fields: Record<string, FieldSpec> };

const HELENE: OptimizerName[] = ['helene'];

/** One divergence guard: on/off and its policy (stop | skip), plus the guard's own settings. */
function guardSwitch(doc: string, extra: Record<string, FieldSpec> = {}): FieldSpec {
  return {
    type: 'section',
    doc,
    fields: {
      enabled: { type: 'boolean', doc: 'Check this guard.', default: true },
      policy: { type: 'string', doc: 'stop: end the run (failed) with a message naming the step, the loss and a suggested lr; skip: skip the step, restore theta, count it.', default: 'stop', enum: ['stop', 'skip'] },
      ...extra,
    },
  };
}

export const CONFIG_SCHEMA: Record<string, FieldSpec> = {
  name: { type: 'string', doc: 'Display name of the run (defaults to the optimizer and model).', default: null, nullable: true },
  seed: { type: 'number', doc: 'Run seed: data order and every step seed derive from it.', default: 0, integer: true, min: 0 },
  steps: { type: 'number', doc: 'Number of optimizer steps.', default: 1000, integer: true, min: 1 },
  evalEvery: { type: 'number', doc: 'Evaluate on data.eval every N steps (0 = only at the end).', default: 100, integer: true, min: 0 },
  statsEvery: { type: 'number', doc: 'Per-layer statistics every N steps (0 = off).', default: 50, integer: true, min: 0 },
  onNonFinite: { type: 'string', doc: 'Deprecated alias of guards.nonFinite.policy (null = use that key); when set it wins.', default: null, nullable: true, enum: ['stop', 'skip'] },
  model: {
    type: 'section',
    doc: 'The ONNX model and what to train.',
    fields: {
      path: { type: 'string', doc: 'Path to the .onnx file (relative to the config file).', default: null },
      trainable: { type: 'string[]', doc: 'Regexes selecting trainable initializers by name; the rest stay frozen.', default: ['.*'], minItems: 1 },
      task: { type: 'string', doc: 'classification: logits [B, C] + integer labels, cross-entropy appended; loss-output: the model outputs per-example losses [B]; causal-lm: logits [B, S, V], shifted per-example cross-entropy appended (prompt and padding excluded).', default: 'classification', enum: ['classification', 'loss-output', 'causal-lm'] },
      logitsOutput: { type: 'string', doc: 'Name of the logits output (tasks classification and causal-lm; torch.onnx.export without output_names calls it output_0 or a number).', default: 'logits' },
      lossOutput: { type: 'string', doc: 'Name of the per-example loss output (task loss-output).', default: 'loss' },
      trainablePreset: { type: 'string', doc: 'Instead of model.trainable: all (every parameter, never buffers), head (the layer that makes the logits), all-but-embeddings (null = use model.trainable).', default: null, nullable: true, enum: ['all', 'head', 'all-but-embeddings'] },
      masterWeights: { type: 'string', doc: 'float16 / bfloat16 weights: float32 keeps float32 master weights (exported rounded once); stored rounds the trained values to the stored type after every step, as a half-precision copy would hold them (docs/half-precision.md).', default: 'float32', enum: ['float32', 'stored'] },
      storedRounding: { type: 'string', doc: 'With masterWeights stored: stochastic (unbiased; seeded by run seed, step and element, so runs reproduce) or nearest (ties to even: updates below half the spacing vanish, measured in docs/half-precision.md).', default: 'stochastic', enum: ['stochastic', 'nearest'] },
      lora: {
        type: 'section',
        doc: 'LoRA: low-rank adapters W + (alpha / rank) * B A on chosen MatMul/Gemm weights; only the adapters (and lora.alsoTrain) are trained.',
        fields: {
          rank: { type: 'number', doc: 'Adapter rank r (0 = LoRA off).', default: 0, integer: true, min: 0 },
          alpha: { type: 'number', doc: 'Scale numerator: the update is (alpha / rank) * B A.', default: 16, min: 0, exclusiveMin: true },
          targets: { type: 'string[]', doc: 'Regexes over weight names: which MatMul/Gemm weights get adapters (embeddings and buffers never do).', default: ['.*'], minItems: 1 },
          targetPreset: { type: 'string', doc: 'Instead of lora.targets: attention (Q, K, V and output projections), mlp (feed-forward projections) or attention-mlp, found from the graph\'s wiring whatever the exporter named the weights; the logits head is never adapted (null = use lora.targets).', default: null, nullable: true, enum: ['attention', 'mlp', 'attention-mlp'] },
          alsoTrain: { type: 'string[]', doc: 'Regexes of base initializers trained in full next to the adapters (e.g. the classifier head).', default: [] },
        },
      },
    },
  },
  data: {
    type: 'section',
    doc: 'JSON-lines datasets.',
    fields: {
      train: { type: 'string', doc: 'Training file, one JSON object per line.', default: null },
      eval: { type: 'string', doc: 'Held-out file for evaluation (null = none).', default: null, nullable: true },
      fields: { type: 'record', doc: 'Graph input name → JSON key of each line (numeric data). A key that names no input of the model is refused with the inputs it has.', default: { x: 'x', labels: 'label' } },
      batchSize: { type: 'number', doc: 'Examples per step (B). At most the number of training examples: a larger batch is refused before the run starts (it would repeat examples within a step).', default: 16, integer: true, min: 1 },
      shuffle: { type: 'boolean', doc: 'Reshuffle the training set each epoch (seeded).', default: true },
      bucketByLength: { type: 'boolean', doc: 'Text: group examples of similar length into batches (seeded; changes the data order), so per-batch padding feeds fewer pad tokens. See docs/benchmarks.md, issue 17.', default: false },
      badLines: { type: 'string', doc: 'A line that does not parse or misses a field: fail, or skip and count.', default: 'fail', enum: ['fail', 'skip'] },
      invalidUtf8: { type: 'string', doc: 'A line that is not valid UTF-8 (often a Latin-1 file): error (refuse with file:line and the byte), warn (read the bad bytes as U+FFFD and record a warning with file:line and the count), or replace (read them as U+FFFD silently).', default: 'error', enum: ['error', 'warn', 'replace'] },
      maxLineBytes: { type: 'number', doc: 'Longest dataset line in bytes; a longer line is refused with file:line and its size while the file is read, before it is parsed or tokenized (wide numeric inputs, e.g. images, may need more).', default: 1048576, integer: true, min: 1 },
      classes: { type: 'number', doc: 'Number of classes for label checks (null = from the model).', default: null, nullable: true, integer: true, min: 2 },
      kind: { type: 'string', doc: 'auto (text when the model takes input_ids or the task is causal-lm), numeric (data.fields), or text.', default: 'auto', enum: ['auto', 'numeric', 'text'] },
      tokenizer: { type: 'string', doc: 'Folder with tokenizer.json and tokenizer_config.json, or the tokenizer.json file (null = beside the model).', default: null, nullable: true },
      maxLength: { type: 'number', doc: 'Text: longest sequence in tokens, specials included, capped by tokenizer_config.json model_max_length and by the model\'s position-embedding table when the graph shows one; longer texts are cut (and counted).', default: 128, integer: true, min: 2 },
      textKey: { type: 'string', doc: 'Text: JSON key of the text.', default: 'text' },
      labelKey: { type: 'string', doc: 'Text classification: JSON key of the label (an integer, or a name from data.labelNames).', default: 'label' },
      promptKey: { type: 'string', doc: 'Causal LM: JSON key of the prompt (not scored).', default: 'prompt' },
      completionKey: { type: 'string', doc: 'Causal LM: JSON key of the completion (scored).', default: 'completion' },
      labelNames: { type: 'string[]', doc: 'Text classification: class names in class-index order, for string labels.', default: [] },
    },
  },
  optimizer: {
    type: 'section',
    doc: 'Zeroth-order optimizer and its hyperparameters (helene-spec.md).',
    fields: {
      name: { type: 'string', doc: 'helene | mezo | hizoo | zo-adam | fzoo | zo-sgd-sign | zo-sgd-momentum | zo-sgd-cons (the last three: ZO-Bench baselines).', default: 'helene', enum: OPTIMIZER_NAMES },
      lr: { type: 'number', doc: 'Learning rate.', default: 1e-3, min: 0, exclusiveMin: true },
      eps: { type: 'number', doc: 'Perturbation size epsilon.', default: 1e-3, min: 0, exclusiveMin: true },
      weightDecay: { type: 'number', doc: 'Coupled weight decay, rank >= 2 tensors only.', default: 0, min: 0 },
      schedule: { type: 'string', doc: 'Learning-rate schedule after warm-up.', default: 'constant', enum: ['constant', 'linear', 'cosine'] },
      warmup: { type: 'number', doc: 'Linear warm-up steps.', default: 0, integer: true, min: 0 },
      beta1: { type: 'number', doc: 'Momentum coefficient (HELENE, ZO-Adam, ZO-SGD-momentum).', default: 0.9, min: 0, max: 1, appliesTo: ['helene', 'zo-adam', 'zo-sgd-momentum'] },
      beta2: { type: 'number', doc: 'Curvature / second-moment EMA (HELENE 0.99, ZO-Adam 0.999).', default: { helene: 0.99, 'zo-adam': 0.999, _: 0.99 }, min: 0, max: 1, appliesTo: ['helene', 'zo-adam'] },
      k: { type: 'number', doc: 'Hessian refresh interval in steps.', default: 10, integer: true, min: 1, appliesTo: HELENE },
      T: { type: 'number', doc: 'Annealing horizon in steps (null = 10% of steps).', default: null, nullable: true, min: 0, exclusiveMin: true, appliesTo: HELENE },
      gamma: { type: 'number', doc: 'Scale of the clipped curvature in the denominator.', default: 1, min: 0, exclusiveMin: true, appliesTo: HELENE },
      kappa: { type: 'number', doc: 'Relative floor: lambda_i = kappa * mean(h over layer i).', default: 1, min: 0, appliesTo: HELENE },
      lambdaMode: { type: 'string', doc: 'Per-layer clipping floor: relative | constant | explicit.', default: 'relative', enum: ['relative', 'constant', 'explicit'], appliesTo: HELENE },
      lambda: { type: 'number', doc: 'The floor for lambdaMode constant.', default: 1, min: 0, appliesTo: HELENE },
      lambdaMap: { type: 'lambdaMap', doc: '[layer regex, lambda] pairs for lambdaMode explicit; first match wins.', default: [], appliesTo: HELENE },
      momentum: { type: 'string', doc: 'annealed (HELENE) or ema (ablation).', default: 'annealed', enum: ['annealed', 'ema'], appliesTo: HELENE },
      hessian: { type: 'string', doc: 'A-GNB estimate: per-example mean of c_b^2, or batch (B c^2).', default: 'per-example', enum: ['per-example', 'batch'], appliesTo: HELENE },
      epsDen: { type: 'number', doc: 'Denominator epsilon.', default: 1e-8, min: 0, appliesTo: HELENE },
      rho: { type: 'number', doc: 'Clip the update ratio to [-rho, rho] (null = off).', default: null, nullable: true, min: 0, exclusiveMin: true, appliesTo: HELENE },
      variant: { type: 'string', doc: 'HELENE variant: paper (the spec) | bias-corrected | energy | layerwise | multi | normalized (docs/helene-notes.md, docs/heldout.md).', default: 'paper', enum: HELENE_VARIANTS, appliesTo: HELENE },
      layerSampling: { type: 'string', doc: 'Variant layerwise: perturb one block per step: size = odd steps in proportion to block size, even steps every block in turn (no block waits more than 2 x blocks steps); cyclic = every block in turn.', default: 'size', enum: ['size', 'cyclic'], appliesTo: HELENE },
      blocks: { type: 'string', doc: 'Variant layerwise: the unit perturbed in a step, a whole tensor (layer) or one first-axis row of a rank >= 2 tensor (row); auto: row when the run is long enough for every row block to be chosen at least 50 times (steps x smallest row / trainable elements >= 50), else layer.', default: 'layer', enum: ['layer', 'row', 'auto'], appliesTo: HELENE },
      curvatureScale: { type: 'string', doc: 'Variant layerwise: relative divides h by its size-weighted mean over blocks, so only the ratios between blocks pre-condition (the A-GNB level, which falls with the loss, drops out); absolute uses h as the spec does.', default: 'relative', enum: ['absolute', 'relative'], appliesTo: HELENE },
      curvatureFloor: { type: 'number', doc: "Variant layerwise with curvatureScale relative: a block's relative curvature h / Hbar is floored at this value, so no block steps more than 1 / curvatureFloor times a block of mean curvature (0 = off).", default: 0, min: 0, appliesTo: HELENE },
      stateDtype: { type: 'string', doc: 'HELENE: how m and h are stored between steps: float32 (the spec), or bfloat16 (2 bytes each; widened exactly to float32 for the update, rounded to nearest even when stored back: docs/optimizer-state.md).', default: 'float32', enum: ['float32', 'bfloat16'], appliesTo: HELENE },
      hessianShape: { type: 'string', doc: 'HELENE: one curvature h per element (the spec), or row: one h per first-axis row of each tensor of rank >= 2, the mean of the per-element estimate over the row (vectors stay per element; h memory drops by the row length; a departure from the spec: docs/optimizer-state.md).', default: 'element', enum: ['element', 'row'], appliesTo: HELENE },
      hessianRate: { type: 'number', doc: "HiZOO's Hessian EMA rate a.", default: 1e-2, min: 0, max: 1, appliesTo: ['hizoo'] },
      epsAdam: { type: 'number', doc: "ZO-Adam's denominator epsilon.", default: 1e-8, min: 0, appliesTo: ['zo-adam'] },
      directions: { type: 'number', doc: "FZOO's number N of Rademacher directions per step.", default: 8, integer: true, min: 2, appliesTo: ['fzoo'] },
      queries: { type: 'number', doc: 'Variant multi: blocks perturbed per step, each with its own direction and 2 passes; their estimates share one curvature normaliser and one update (2 x queries passes/step).', default: 4, integer: true, min: 1, appliesTo: HELENE },
      maskFraction: { type: 'number', doc: 'sparse-mezo: the share of each rank >= 2 tensor that is perturbed, its smallest-magnitude elements (tensors of rank < 2 are perturbed whole).', default: 0.25, min: 0, max: 1, exclusiveMin: true, appliesTo: ['sparse-mezo'] },
      refreshEvery: { type: 'number', doc: 'sparse-mezo: steps between refreshes of the magnitude mask; lozo: steps between refreshes of the right factor V.', default: 50, integer: true, min: 1, appliesTo: ['sparse-mezo', 'lozo'] },
      perturbRank: { type: 'number', doc: 'lozo: rank r of each rank >= 2 tensor\'s perturbation U V^T / sqrt(r).', default: 2, integer: true, min: 1, appliesTo: ['lozo'] },
    },
  },
  guards: {
    type: 'section',
    doc: 'Divergence guards, on by default. A tripped guard writes a "guard" event and, by its policy, stops the run (status failed, a message with the step, the loss and a suggested lr) or skips the step with theta restored and counts it. No non-finite value reaches the weights or a checkpoint.',
    fields: {
      nonFinite: guardSwitch('A NaN or Inf loss (checked on every pass, before the update).'),
      explosion: guardSwitch('A loss above factor x its lowest running median, on patience steps in a row: the learning rate is too high.', {
        factor: { type: 'number', doc: 'Trip when the batch loss exceeds factor x the lowest running median of step losses so far.', default: 4, min: 1, exclusiveMin: true },
        window: { type: 'number', doc: 'Step losses in the running median.', default: 50, integer: true, min: 1 },
        minHistory: { type: 'number', doc: 'Steps of history before the explosion test starts.', default: 5, integer: true, min: 1 },
        patience: { type: 'number', doc: 'Steps in a row above the threshold before the guard trips (1 = at once; a single bad batch is noise).', default: 3, integer: true, min: 1 },
      }),
      collapse: guardSwitch('The batch loss collapsing to exactly 0 where its running median was not 0 (saturated weights or a degenerate loss).'),
      state: guardSwitch('theta or the optimizer state (m, h, v, H) non-finite after an update.', {
        every: { type: 'number', doc: 'Scan theta and the state every N steps (the scan costs ~0.7 ns per element; a step is also scanned before every checkpoint and at the end).', default: 1, integer: true, min: 1 },
        snapshotMaxElements: { type: 'number', doc: 'Keep a copy of the last scanned-good theta and state (policy skip restores it) when they hold at most this many elements in all; above it, policy skip stops instead.', default: 16777216, integer: true, min: 0 },
      }),
      weightGrowth: {
        type: 'section',
        doc: 'A trainable tensor whose RMS grew past factor x its RMS at the start (a tensor that starts at zero: x the RMS of all trainables at the start) stops the run: the steps are too large, even when the loss does not show it (saturated attention, a LoRA adapter blown up by a tiny curvature estimate). Stop only.',
        fields: {
          enabled: { type: 'boolean', doc: 'Check this guard.', default: true },
          factor: { type: 'number', doc: 'Trip when a tensor\'s RMS exceeds factor x its reference.', default: 100, min: 1, exclusiveMin: true },
          every: { type: 'number', doc: 'Check every N steps (one pass over the weights; also before every checkpoint and at the end).', default: 10, integer: true, min: 1 },
        },
      },
      maxConsecutiveSkips: { type: 'number', doc: 'With policy skip, this many skipped steps in a row stop the run.', default: 10, integer: true, min: 1 },
    },
  },
  engine: {
    type: 'section',
    doc: 'Execution.',
    fields: {
      provider: { type: 'string', doc: 'auto (CUDA if it loads, else WebGPU if it has an adapter, else CPU; the run records why each was skipped; on WebGPU with θ fed from the host, a run of 200 steps or more times ±eps pairs there and on the CPU and keeps the faster), cuda or webgpu (fail with the reason if it cannot start) or cpu.', default: 'auto', enum: ['auto', 'cuda', 'webgpu', 'cpu'] },
      threads: { type: 'number', doc: 'onnxruntime intra-op threads (0 = its default).', default: 0, integer: true, min: 0 },
      kernelThreads: { type: 'number', doc: "Worker threads for z generation (0 = on the training thread). With 2 or more, models up to 16 M trainable elements get z by groups of layers and the next step's z made during the update (same bits; measured on the 1 M encoder: z 4.4 ms inline, ~0.8 ms left on the step with 2, docs/benchmarks.md). The threads start only when a layer list is large enough (64 K elements).", default: 2, integer: true, min: 0 },
      prefetchDirections: {
        type: 'string',
        doc: "on: generate step t+1's z on a worker thread while onnxruntime runs step t's forward passes (same bits; 4 bytes per trainable element more). Off by default: measured at 1 and 2 onnxruntime threads on 2 cores, it was never faster in both the slowest and the median run, and with 1 thread it cost MeZO up to 40 ms more CPU a step (docs/benchmarks.md, issue 17).",
        default: 'off',
        enum: ['off', 'on'],
      },
      concurrentPasses: {
        type: 'string',
        doc: 'Run the +eps and −eps passes of a step at the same time, each with half the onnxruntime threads (CPU only; the same losses bit for bit). auto: for runs of at least 200 steps on models up to 16 M trainable elements and a 256 MB training graph, the first 16 pairs time both ways and the faster is kept (run.json and an "engine" event say what was measured; on 2 cores the 1 M text encoder ran 0.76x the time, the demo MLP 1.5x, docs/benchmarks.md). The −eps pass runs in a worker thread with its own session: +4 bytes per trainable element and a second copy of the frozen weights.',
        default: 'auto',
        enum: ['auto', 'on', 'off'],
      },
      resident: { type: 'boolean', doc: 'Run z generation and the optimizer update as ONNX graphs beside the training graph (built for GPU-resident weights: on WebGPU θ, m, h stay on the GPU and are downloaded only for checkpoints, statistics and guard scans); MeZO and HELENE (variants paper and layerwise, the HELENE preset) only. Its z is Box-Muller over the same Threefry stream, not the CPU path\'s ziggurat (docs/gpu.md).', default: false },
    },
  },
  checkpoint: {
    type: 'section',
    doc: 'Checkpoints for bit-exact resume (always also written when a run stops or ends).',
    fields: {
      every: { type: 'number', doc: 'Write a checkpoint every N steps (0 = only at stop and at the end).', default: 1000, integer: true, min: 0 },
      keep: { type: 'number', doc: 'Keep the newest N checkpoints.', default: 2, integer: true, min: 1 },
    },
  },
  output: {
    type: 'section',
    doc: 'Where the run folder goes.',
    fields: {
      runsDir: { type: 'string', doc: 'Folder holding run folders (relative to the config file).', default: 'runs' },
      runId: { type: 'string', doc: 'Fixed run folder name (null = generated).', default: null, nullable: true },
    },
  },
};

export interface ConfigIssue {
  /** Dotted key path, e.g. "optimizer.lr". */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[], readonly source?: string) {
    super(
      `${source ? `${source}: ` : ''}invalid run configuration:\n` +
        issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Levenshtein distance, for "did you mean" suggestions on unknown keys. */
export function editDistance(a: string, b: string): number {
  const al = a.toLowerCase();
  const bl = b.toLowerCase();
  let prev = Array.from({ length: bl.length + 1 }, (_, j) => j);
  for (let i = 1; i <= al.length; i++) {
    const cur = [i];
    for (let j = 1; j <= bl.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (al[i - 1] === bl[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[bl.length];
}

export function closestKey(key: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(key, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** The full paths of every non-section key called `key`, anywhere in the schema. */
function keyPathsNamed(key: string, schema: Record<string, FieldSpec> = CONFIG_SCHEMA, prefix = ''): string[] {
  return Object.entries(schema).flatMap(([k, spec]) => (spec.type === 'section' ? keyPathsNamed(key, spec.fields, `${prefix}${k}.`) : k === key ? [prefix + k] : []));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  // JSON.parse reads 1e309 as Infinity, which JSON.stringify would print as "null".
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : `${value} (a non-finite number: beyond the double range, about 1.8e308)`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function defaultOf(spec: FieldSpec, optimizer: OptimizerName): unknown {
  if (spec.type === 'section') return undefined;
  const d = spec.default as unknown;
  if (spec.type === 'number' && isPlainObject(d)) {
    const perOptimizer = d as Partial<Record<OptimizerName, number>> & { _?: number };
    return perOptimizer[optimizer] ?? perOptimizer._ ?? null;
  }
  return Array.isArray(d) ? structuredClone(d) : isPlainObject(d) ? { ...d } : d;
}

function checkField(path: string, spec: Exclude<FieldSpec, { type: 'section' }>, value: unknown, issues: ConfigIssue[]): unknown {
  const bad = (message: string) => {
    issues.push({ path, message });
    return undefined;
  };
  if (value === null && 'nullable' in spec && spec.nullable) return null;
  switch (spec.type) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return bad(`expected a number, got ${describe(value)}`);
      if (spec.integer && !Number.isInteger(value)) return bad(`expected an integer, got ${value}`);
      if (spec.min !== undefined && (spec.exclusiveMin ? value <= spec.min : value < spec.min))
        return bad(`must be ${spec.exclusiveMin ? '>' : '>='} ${spec.min}, got ${value}`);
      if (spec.max !== undefined && value > spec.max) return bad(`must be <= ${spec.max}, got ${value}`);
      return value;
    }
    case 'string': {
      if (typeof value !== 'string') return bad(`expected a string, got ${describe(value)}`);
      if (spec.enum && !spec.enum.includes(value)) {
        const hint = closestKey(value, [...spec.enum]);
        return bad(`must be one of ${spec.enum.join(', ')}; got ${JSON.stringify(value)}${hint ? ` (did you mean "${hint}"?)` : ''}`);
      }
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') return bad(`expected true or false, got ${describe(value)}`);
      return value;
    case 'string[]': {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) return bad(`expected an array of strings, got ${describe(value)}`);
      if (spec.minItems && value.length < spec.minItems) return bad(`needs at least ${spec.minItems} entr${spec.minItems === 1 ? 'y' : 'ies'}`);
      return [...value];
    }
    case 'record': {
      if (!isPlainObject(value) || Object.values(value).some((v) => typeof v !== 'string')) return bad(`expected an object of strings, got ${describe(value)}`);
      return { ...value };
    }
    case 'lambdaMap': {
      const ok = Array.isArray(value) && value.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'number' && Number.isFinite(e[1]) && e[1] >= 0);
      if (!ok) return bad('expected an array of [layer regex, lambda >= 0] pairs');
      return (value as [string, number][]).map(([p, v]) => [p, v]);
    }
  }
}

export interface ResolveResult {
  config: ResolvedConfig;
  /** Things that are valid but probably not what the user meant (e.g. a HELENE key on a MeZO run). */
  warnings: ConfigIssue[];
}

/**
 * Validate a user config and fill every default. Throws ConfigError listing every problem at once
 * (unknown keys with a closest-key suggestion, wrong types, out-of-range values, missing required keys).
 */
export function resolveConfig(user: unknown, source?: string): ResolveResult {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  if (!isPlainObject(user)) throw new ConfigError([{ path: '(root)', message: `the config must be a JSON object, got ${describe(user)}` }], source);
  const optimizerSection = isPlainObject(user.optimizer) ? user.optimizer : {};
  const optimizerName = (OPTIMIZER_NAMES as readonly string[]).includes(optimizerSection.name as string)
    ? (optimizerSection.name as OptimizerName)
    : 'helene';

  const walk = (schema: Record<string, FieldSpec>, value: Record<string, unknown>, prefix: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (!(key in schema)) {
        const hint = closestKey(key, Object.keys(schema));
        const elsewhere = hint ? [] : keyPathsNamed(key);
        if (elsewhere.length > 0) {
          // A key of another section put here (e.g. stateDtype under model): name where it belongs.
          issues.push({ path: prefix + key, message: `unknown key here (did you mean ${elsewhere.map((p) => `"${p}"`).join(' or ')}?)` });
          continue;
        }
        issues.push({ path: prefix + key, message: `unknown key${hint ? ` (did you mean "${prefix}${hint}"?)` : ''}` });
      }
    }
    for (const [key, spec] of Object.entries(schema)) {
      const path = prefix + key;
      const given = value[key];
      if (spec.type === 'section') {
        if (given !== undefined && !isPlainObject(given)) {
          issues.push({ path, message: `expected an object, got ${describe(given)}` });
          out[key] = walk(spec.fields, {}, path + '.');
        } else {
          out[key] = walk(spec.fields, (given as Record<string, unknown>) ?? {}, path + '.');
        }
        continue;
      }
      if (given === undefined) {
        const d = defaultOf(spec, optimizerName);
        if (d === null && !('nullable' in spec && spec.nullable)) issues.push({ path, message: 'is required' });
        out[key] = d;
        continue;
      }
      if ('appliesTo' in spec && spec.appliesTo && !spec.appliesTo.includes(optimizerName)) {
        warnings.push({ path, message: `is not used by optimizer "${optimizerName}" (applies to ${spec.appliesTo.join(', ')})` });
      }
      out[key] = checkField(path, spec, given, issues);
    }
    return out;
  };

  const resolved = walk(CONFIG_SCHEMA, user, '') as unknown as ResolvedConfig;
  crossChecks(resolved, issues);
  if (issues.length > 0) throw new ConfigError(issues, source);
  // HELENE energy keeps no curvature h (docs/optimizer-state.md): per-row h would change nothing.
  const opt = resolved.optimizer;
  if (opt.name === 'helene' && opt.variant === 'energy' && opt.hessianShape === 'row') {
    warnings.push({ path: 'optimizer.hessianShape', message: 'is not used by optimizer.variant "energy" (it keeps no curvature h; stateDtype still applies to its m)' });
  }
  if (resolved.name === null) resolved.name = `${resolved.optimizer.name}-${baseName(resolved.model.path)}`;
  return { config: resolved, warnings };
}

function baseName(p: string): string {
  const last = p.split(/[\\/]/).pop() ?? p;
  return last.replace(/^builtin:/, '').replace(/\.onnx$/i, '');
}

function crossChecks(c: ResolvedConfig, issues: ConfigIssue[]): void {
  const check = (pattern: string, path: string) => {
    try {
      new RegExp(pattern);
    } catch (e) {
      issues.push({ path, message: `not a valid regular expression: ${(e as Error).message}` });
    }
  };
  c.model?.trainable?.forEach((p, i) => check(p, `model.trainable[${i}]`));
  c.optimizer?.lambdaMap?.forEach(([p], i) => check(p, `optimizer.lambdaMap[${i}]`));
  c.model?.lora?.targets?.forEach((p, i) => check(p, `model.lora.targets[${i}]`));
  c.model?.lora?.alsoTrain?.forEach((p, i) => check(p, `model.lora.alsoTrain[${i}]`));
  const o = c.optimizer;
  if (o && o.name === 'helene' && o.lambdaMode === 'explicit' && (o.lambdaMap?.length ?? 0) === 0) {
    issues.push({ path: 'optimizer.lambdaMap', message: 'lambdaMode "explicit" needs at least one [layer regex, lambda] pair' });
  }
  const runId = c.output?.runId;
  if (typeof runId === 'string' && (runId === '' || runId === '.' || runId === '..' || /[\\/]/.test(runId))) {
    issues.push({ path: 'output.runId', message: `must be a plain folder name (no path separators or "..") so the run stays inside output.runsDir; got ${JSON.stringify(runId)}` });
  }
  if (o && typeof c.steps === 'number' && o.warmup > c.steps) {
    issues.push({ path: 'optimizer.warmup', message: `warm-up (${o.warmup}) is longer than the run (${c.steps} steps)` });
  }
}

/** Flatten the schema into rows for docs and forms: dotted path, type, default, doc. */
export function schemaRows(): { path: string; type: string; default: string; doc: string; appliesTo?: string }[] {
  const rows: { path: string; type: string; default: string; doc: string; appliesTo?: string }[] = [];
  const visit = (schema: Record<string, FieldSpec>, prefix: string) => {
    for (const [key, spec] of Object.entries(schema)) {
      if (spec.type === 'section') {
        visit(spec.fields, `${prefix}${key}.`);
        continue;
      }
      const type = spec.type === 'string' && spec.enum ? spec.enum.join(' \\| ') : spec.type;
      rows.push({
        path: prefix + key,
        type: type + ('nullable' in spec && spec.nullable ? ' \\| null' : ''),
        default: JSON.stringify(spec.default as Scalar | object),
        doc: spec.doc,
        appliesTo: 'appliesTo' in spec && spec.appliesTo ? spec.appliesTo.join(', ') : undefined,
      });
    }
  };
  visit(CONFIG_SCHEMA, '');
  return rows;
}

/** Deep-merge a partial config (e.g. CLI --set overrides) onto a user config. */
export function mergeConfig(base: UserConfig | Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeConfig(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}
