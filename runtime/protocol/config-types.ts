/**
 * The run configuration, fully resolved (every default filled in). What a user writes is a partial
 * of this; `resolveConfig` in config-schema.ts validates it and fills the defaults.
 */

export const OPTIMIZER_NAMES = ['helene', 'mezo', 'hizoo', 'zo-adam', 'fzoo', 'zo-sgd-sign', 'zo-sgd-momentum', 'zo-sgd-cons', 'sparse-mezo', 'lozo'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export type LrScheduleKind = 'constant' | 'linear' | 'cosine';
export type LambdaMode = 'relative' | 'constant' | 'explicit';
export type MomentumMode = 'annealed' | 'ema';
export type HessianMode = 'per-example' | 'batch';
/** HELENE variants beside the paper's (docs/helene-notes.md): "paper" is the spec, unchanged. */
export const HELENE_VARIANTS = ['paper', 'bias-corrected', 'energy', 'layerwise', 'multi', 'normalized'] as const;
export type HeleneVariantName = (typeof HELENE_VARIANTS)[number];
/** Which layer the "layerwise" variant perturbs at a step: in proportion to its size, or in turn. */
export type LayerSampling = 'size' | 'cyclic';
/** What the "layerwise" variant perturbs as a unit: a whole tensor, or one row (first-axis slice) of it. */
export type BlockKind = 'layer' | 'row' | 'auto';

export interface OptimizerConfig {
  name: OptimizerName;
  lr: number;
  /** Perturbation size epsilon. */
  eps: number;
  weightDecay: number;
  schedule: LrScheduleKind;
  warmup: number;
  // HELENE (and ZO-Adam for beta1/beta2)
  beta1: number;
  beta2: number;
  /** Hessian refresh interval k. */
  k: number;
  /** Annealing horizon T in steps; null = 10% of total steps. */
  T: number | null;
  gamma: number;
  kappa: number;
  lambdaMode: LambdaMode;
  /** The constant floor (lambdaMode "constant"). */
  lambda: number;
  /** [layer-name regex, lambda] pairs (lambdaMode "explicit"); first match wins. */
  lambdaMap: [string, number][];
  momentum: MomentumMode;
  hessian: HessianMode;
  epsDen: number;
  /** Optional per-element clip of the update ratio to [-rho, rho]; null = off. */
  rho: number | null;
  /** HELENE variant (docs/helene-notes.md); "paper" = the spec. Absent in runs older than the key: paper. */
  variant: HeleneVariantName;
  /** Layer choice of the "layerwise" variant. */
  layerSampling: LayerSampling;
  /** Blocks of the "layerwise" variant. */
  blocks: BlockKind;
  /** "layerwise": divide h by its size-weighted mean over blocks (relative) or use it as is (absolute). */
  curvatureScale: 'absolute' | 'relative';
  /** "layerwise", relative scale: floor of a block's h / Hbar (0 = off). Absent in older runs. */
  curvatureFloor?: number;
  /** HELENE: storage of m and h between steps (runtime/optim/state-storage.ts). Absent in older runs: float32. */
  stateDtype?: 'float32' | 'bfloat16';
  /** HELENE: one h per element (the spec) or per first-axis row of rank >= 2 tensors. Absent in older runs: element. */
  hessianShape?: 'element' | 'row';
  // HiZOO
  /** EMA rate a of HiZOO's diagonal Hessian. */
  hessianRate: number;
  // ZO-Adam
  epsAdam: number;
  // FZOO
  /** Number N of one-sided Rademacher directions per step (N + 1 forward passes). */
  directions: number;
  /** HELENE variant "multi": blocks perturbed per step (2 passes each). Absent in older runs. */
  queries?: number;
  // Sparse MeZO and LOZO (issue 16 candidates)
  /** sparse-mezo: share of each rank >= 2 tensor perturbed (its smallest-magnitude elements). */
  maskFraction?: number;
  /** sparse-mezo: steps between mask refreshes; lozo: steps between refreshes of V. */
  refreshEvery?: number;
  /** lozo: rank r of the perturbation U V^T of each rank >= 2 tensor. */
  perturbRank?: number;
}

export interface ModelConfig {
  /** Path to the .onnx file (relative to the config file when loaded from one). */
  path: string;
  /** Regexes (JS syntax) selecting the trainable initializers by name; everything else stays frozen. */
  trainable: string[];
  /** "classification": the model outputs logits [B, C] and the runtime appends cross-entropy;
   *  "loss-output": the model already outputs per-example losses [B]. */
  task: 'classification' | 'loss-output' | 'causal-lm';
  logitsOutput: string;
  lossOutput: string;
  /** Replaces `trainable` when set: every parameter, the logits layer, or all but the embedding tables. */
  trainablePreset: TrainablePreset | null;
  lora: LoraConfig;
  /** float16 / bfloat16 trainables: float32 master weights, or values kept in the stored type (rounded once per step). */
  masterWeights?: 'float32' | 'stored';
  /** How masterWeights "stored" rounds each step's result: to nearest even, or stochastically (seeded). */
  storedRounding?: 'nearest' | 'stochastic';
}

export type TrainablePreset = 'all' | 'head' | 'all-but-embeddings';

export type LoraTargetPreset = 'attention' | 'mlp' | 'attention-mlp';

export interface LoraConfig {
  /** 0 = off. */
  rank: number;
  alpha: number;
  /** Regexes over MatMul/Gemm weight names that get adapters (unless targetPreset is set). */
  targets: string[];
  /** Adapt every attention (Q, K, V, O) and/or feed-forward projection, found from the graph's wiring. */
  targetPreset: LoraTargetPreset | null;
  /** Regexes of base initializers trained in full next to the adapters. */
  alsoTrain: string[];
}

export interface DataConfig {
  /** JSON-lines training file. */
  train: string;
  /** Held-out JSON-lines file for evaluation; null = no evaluation. */
  eval: string | null;
  /** Graph input name → JSON key of each example line. */
  fields: Record<string, string>;
  batchSize: number;
  shuffle: boolean;
  /** Text: batches of similar-length examples (runtime/data/length-buckets.ts); absent in run.json files written before it. */
  bucketByLength?: boolean;
  /** What to do with a line that does not parse or misses a field. */
  badLines: 'fail' | 'skip';
  /** A line that is not valid UTF-8: refuse it (error), read it with U+FFFD and warn, or read it with U+FFFD silently. */
  invalidUtf8: 'error' | 'warn' | 'replace';
  /** Longest line in bytes, checked while the file is streamed, before parsing or tokenizing. */
  maxLineBytes: number;
  /** Number of classes, for label range checks (null = taken from the model's logits). */
  classes: number | null;
  /** auto: text when the model takes input_ids (or task causal-lm); numeric: data.fields; text. */
  kind: 'auto' | 'numeric' | 'text';
  /** Folder (or tokenizer.json) of the Hugging Face tokenizer; null = the model's folder. */
  tokenizer: string | null;
  maxLength: number;
  textKey: string;
  labelKey: string;
  promptKey: string;
  completionKey: string;
  /** Class names in class-index order, for string labels ([] = integer labels only). */
  labelNames: string[];
}

export interface EngineConfig {
  provider: 'auto' | 'cuda' | 'webgpu' | 'cpu';
  /** onnxruntime intra-op threads (0 = onnxruntime's default). */
  threads: number;
  /** Worker threads for element-wise kernels such as z generation (0 = inline). */
  kernelThreads: number;
  /** Step t+1's z generated on a worker during step t's forwards (runtime/run/seeded-directions.ts). */
  prefetchDirections: 'off' | 'on';
  /** A step's ±eps passes at the same time on a CPU (runtime/engine/concurrent-passes.ts); absent in older runs = 'off'. */
  concurrentPasses?: 'auto' | 'on' | 'off';
  /** z and the update as ONNX graphs beside the training graph (runtime/engine/resident/); absent in older runs = false. */
  resident?: boolean;
}

/** What a tripped guard does: end the run as failed with a message, or skip the step (theta restored) and count it. */
export type GuardPolicy = 'stop' | 'skip';

export interface GuardSwitch {
  enabled: boolean;
  policy: GuardPolicy;
}

export interface GuardsConfig {
  /** A NaN or Inf in any loss the step's estimate uses (checked before the update). */
  nonFinite: GuardSwitch;
  /** A loss above factor x the lowest running median (of `window` step losses) on `patience` steps in a row: lr too high. */
  explosion: GuardSwitch & { factor: number; window: number; minHistory: number; patience: number };
  /** A batch loss of exactly 0 where the running median was not 0 (saturated or degenerate model). */
  collapse: GuardSwitch;
  /** theta or the optimizer state (m, h, v, H) non-finite after an update; checked every `every` steps. */
  state: GuardSwitch & { every: number; snapshotMaxElements: number };
  /** A trainable tensor's RMS above factor x its starting RMS (stop only); checked every `every` steps. Absent in runs written before the key: defaults. */
  weightGrowth: { enabled: boolean; factor: number; every: number };
  /** With policy skip: this many skipped steps in a row end the run as if the policy were stop. */
  maxConsecutiveSkips: number;
}

export interface ResolvedConfig {
  name: string;
  seed: number;
  steps: number;
  model: ModelConfig;
  data: DataConfig;
  optimizer: OptimizerConfig;
  /** Evaluate every N steps (0 = only at the end). */
  evalEvery: number;
  /** Per-layer statistics every N steps (0 = off). */
  statsEvery: number;
  /** Deprecated alias of guards.nonFinite.policy; when set (not null) it wins. */
  onNonFinite: GuardPolicy | null;
  /** Divergence guards (runtime/run/guards.ts). Absent in runs written before the key: defaults. */
  guards: GuardsConfig;
  engine: EngineConfig;
  checkpoint: {
    /** Every N steps (0 = only at stop and at the end). */
    every: number;
    /** Newest N kept. */
    keep: number;
  };
  output: {
    runsDir: string;
    /** Fixed run id (folder name); null = generated from the name and time. */
    runId: string | null;
  };
}

/** What a user writes: any subset, nested. */
export type UserConfig = DeepPartial<ResolvedConfig>;
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

/** Hyperparameters that may change mid-run (applied at the next step boundary). */
export const LIVE_HYPERPARAMETERS = ['lr', 'eps', 'kappa', 'lambda', 'k', 'T', 'gamma', 'beta1', 'beta2', 'weightDecay', 'rho'] as const;
export type LiveHyperparameter = (typeof LIVE_HYPERPARAMETERS)[number];
export type HyperparameterPatch = Partial<Record<LiveHyperparameter, number | null>>;
