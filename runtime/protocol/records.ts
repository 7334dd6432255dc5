/**
 * Run-folder record types: what the runtime writes into runs/<run-id>/ and what the extension,
 * the runs view and the webview read back. Versioned: bump RUN_FORMAT_VERSION on any change that
 * an older reader would misread, and document it in docs/run-folder.md.
 */
import type { ResolvedConfig } from './config-types';

export const RUN_FORMAT = 'helene-run';
export const RUN_FORMAT_VERSION = 1;

export type Provider = 'cpu' | 'cuda' | 'webgpu';
export type RequestedProvider = 'auto' | 'cuda' | 'webgpu' | 'cpu';

export type RunState =
  | 'starting'
  | 'running'
  | 'paused'
  | 'finished'
  | 'stopped'
  | 'failed'
  | 'crashed'
  | 'interrupted';

export interface TrainableInfo {
  name: string;
  shape: number[];
  size: number;
}

/** runs/<id>/run.json — written once at start (rewritten only to rename/annotate). */
export interface RunManifest {
  format: typeof RUN_FORMAT;
  version: number;
  id: string;
  name: string;
  createdAt: string;
  config: ResolvedConfig;
  model: {
    path: string;
    trainables: TrainableInfo[];
    trainableElements: number;
  };
  engine: EngineInfo;
  optimizer: {
    name: string;
    forwardPassesPerStep: number;
    /** What the optimizer decided on its own from "auto" or null settings (absent in older runs). */
    automatic?: AutomaticChoice[];
  };
  /** What was read from the datasets (absent from run.json files written before it was recorded). */
  data?: { train: DatasetFacts; eval: DatasetFacts | null };
  /** Free-form user annotations (runs view): notes, tags, star. */
  notes?: string;
  tags?: string[];
  starred?: boolean;
}

export interface DatasetFacts {
  file: string;
  /** Examples used (after skipped lines). */
  examples: number;
  skippedLines: number;
  /** Lines whose invalid UTF-8 was read as U+FFFD (data.invalidUtf8 warn or replace). */
  invalidUtf8Lines: number;
  /** Text data: examples cut to maxLength tokens, and that limit (data.maxLength, capped by the tokenizer or the model). */
  truncated?: number;
  maxLength?: number;
}

/** "N of M training examples truncated to maxLength L" (CLI start line, run panel), or null for numeric data. */
export function truncationSummary(data: RunManifest['data']): string | null {
  const t = data?.train;
  if (!t || t.truncated === undefined) return null;
  const e = data.eval;
  const evalPart = e && e.truncated ? ` (eval: ${e.truncated} of ${e.examples})` : '';
  return `${t.truncated} of ${t.examples} training examples truncated to maxLength ${t.maxLength}${evalPart}`;
}

/** A setting the runtime resolved by itself ("auto", null = default rule), with what it chose and why. */
export interface AutomaticChoice {
  /** Dotted config key, e.g. "optimizer.blocks". */
  key: string;
  /** What the config said ("auto", null). */
  requested: string | null;
  /** What the run used, as text ("layer", "80"). */
  chosen: string;
  /** One sentence: the rule and the numbers it was applied to. */
  reason: string;
}

export type ConcurrentPassesSetting = 'auto' | 'on' | 'off';

export interface ConcurrentPassesInfo {
  requested: ConcurrentPassesSetting;
  used: boolean;
  /** onnxruntime threads of the +eps pass (main thread) and of the −eps pass (worker), when used. */
  threads?: [number, number];
  /** One sentence: the rule and the facts it was applied to, or why it stopped. */
  reason: string;
}

export interface EngineInfo {
  requestedProvider: RequestedProvider;
  /** The provider that really executed the graph's nodes (read from an ORT profile), not the one asked for. */
  provider: Provider;
  /** Why the requested provider is not the one running, in plain words. */
  fallbackReason?: string;
  /** "auto" on WebGPU with fed weights: the timed comparison with the CPU and what it kept (auto-provider-check.ts). */
  providerCheck?: string;
  threads: number;
  kernelThreads: number;
  /** Whether step t+1's z was generated during step t's forwards (engine.prefetchDirections; absent in runs before issue 17). */
  prefetchDirections?: boolean;
  /** Whether a step's two passes ran at the same time, and why (engine.concurrentPasses; absent in older runs). */
  concurrentPasses?: ConcurrentPassesInfo;
  onnxruntimeVersion: string;
}

export interface StepTiming {
  /** Forward passes (all of a step's session.run calls). */
  forwardMs: number;
  /** Random directions (z, u) generation. */
  rngMs: number;
  /** Optimizer update, including per-layer statistics on statistics steps. */
  optimizerMs: number;
  /** Batch assembly. */
  dataMs: number;
  totalMs: number;
}

/** One line per optimizer step. Accounting fields let every chart use steps, passes, examples or time as x. */
export interface StepRecord {
  kind: 'step';
  t: number;
  /** Logged loss as the spec defines it per optimizer (HELENE: mean of (l+ + l-)/2). */
  loss: number;
  /** Projected gradient c (batch mean), when the optimizer has one. */
  c?: number;
  alpha?: number;
  lr: number;
  forwardPasses: number;
  examples: number;
  wallMs: number;
  timing: StepTiming;
  examplesPerSec: number;
  /** Set when a guard skipped the step: theta unchanged. */
  skipped?: boolean;
}

/** Per-layer statistics of one layer at one statistics step (spec: "What the user watches"). */
export interface LayerStat {
  name: string;
  size: number;
  hMean?: number;
  hMin?: number;
  hMax?: number;
  hMedian?: number;
  lambda?: number;
  floorFraction?: number;
  effectiveStep?: number;
  mRms?: number;
  updateRms: number;
  thetaRms: number;
  updateToWeight: number;
}

export interface LayerStatsRecord {
  kind: 'layers';
  t: number;
  layers: LayerStat[];
}

export interface EvalRecord {
  kind: 'eval';
  t: number;
  forwardPasses: number;
  wallMs: number;
  loss: number;
  accuracy?: number;
  /** Size of the evaluation set. */
  examples: number;
  /** Training examples seen so far (the x axis "examples" for eval curves); absent in older runs. */
  trainExamples?: number;
}

export type RunEventKind =
  | 'started'
  | 'paused'
  | 'resumed'
  | 'stop-requested'
  | 'stopped'
  | 'finished'
  | 'failed'
  | 'hyperparameters'
  | 'provider'
  /** How the engine runs changed mid-run; data: {concurrentPasses} (engine.concurrentPasses: the auto probe decided, or its worker failed). */
  | 'engine'
  | 'warning'
  | 'skipped-step'
  | 'bad-lines'
  | 'checkpoint'
  /** A divergence guard tripped (runtime/run/guards.ts); data: {guard, policy, action, loss, median, lr, suggestedLr, tensor?, restoredTo?, reference?, factor?} (reference, factor: explosion guard). */
  | 'guard';

export interface EventRecord {
  kind: 'event';
  t: number;
  wallMs: number;
  event: RunEventKind;
  message: string;
  data?: Record<string, unknown>;
}

export type MetricRecord = StepRecord | LayerStatsRecord | EvalRecord | EventRecord;

/** runs/<id>/status.json — rewritten atomically as the run progresses. */
export interface RunStatus {
  state: RunState;
  step: number;
  totalSteps: number;
  updatedAt: string;
  pid?: number;
  provider?: Provider;
  message?: string;
  /** Last error lines for failed/crashed runs. */
  error?: string;
}

/** runs/<id>/summary.json — written when the run ends (finished, stopped or failed). */
export interface RunSummary {
  state: RunState;
  steps: number;
  /** All forward passes, training and evaluation. */
  forwardPasses: number;
  /** Forward passes of training steps only (what optimizer comparisons count); absent in older runs. */
  trainingPasses?: number;
  /** Forward passes of evaluations (eval set batches); absent in older runs. */
  evalPasses?: number;
  examples: number;
  wallSeconds: number;
  stepsPerSecond: number;
  finalLoss: number | null;
  finalEval: { t: number; loss: number; accuracy?: number } | null;
  bestEval: { t: number; loss: number; accuracy?: number } | null;
  skippedSteps: number;
  /** A data-parallel run (train --data-parallel K): its workers and what they exchanged per step. */
  dataParallel?: DataParallelTraffic;
}

/** Bytes a data-parallel run put on the wire (docs/data-parallel.md): the sockets' counts, framing included. */
export interface DataParallelTraffic {
  workers: number;
  /** Steps measured (those this session ran). */
  steps: number;
  /** Per rank: bytes sent and received on its Redis connections, per step. */
  perRank: { rank: number; sentPerStep: number; receivedPerStep: number }[];
  /** All workers' bytes (sent + received) per step. */
  totalPerStep: number;
  /** The loss values alone, per step, all workers together (4 bytes per example and forward pass). */
  lossBytesPerStep: number;
}

/** One part of a profiled step (runtime/run/step-profiler.ts). */
export interface ProfileRow {
  name: string;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  /** meanMs / the mean step time. */
  share: number;
}

/** runs/<id>/profile.json — written at the end of a `train --profile` run (docs/run-folder.md). */
export interface StepProfile {
  format: 'helene-profile';
  version: 1;
  optimizer: string;
  provider: string;
  threads: number;
  batchSize: number;
  /** Steps measured, after `warmupSteps` left out. */
  profiledSteps: number;
  warmupSteps: number;
  step: { meanMs: number; p50Ms: number; p95Ms: number };
  /** 1000 / mean step time. */
  stepsPerSecond: number;
  /** Process CPU time (user + system, every thread) per profiled step, in ms: on a shared machine it moves far less with other load than wall time. */
  cpuMsPerStep: number;
  /** Mean sequence width fed per step (text data only; null otherwise). */
  meanSequenceWidth: number | null;
  /**
   * Bytes allocated on the JS heap per step (median over the profiled steps no garbage collection
   * overlapped: the young generation's growth across the step): what the step loop allocates. Absent
   * in profiles written before issue 17's third part; null when every step saw a collection.
   */
  heapBytesPerStep?: number | null;
  rows: ProfileRow[];
}

/** `<runsDir>/.sweeps/<sweep-id>.json` — a sweep's plan and progress (runtime/runs/sweep-queue.ts). */
export const SWEEP_FORMAT = 'helene-sweep';
export const SWEEP_FORMAT_VERSION = 1;

/** A grid value: what `key=value` parses to (JSON where it parses, else the string). */
export type SweepValue = number | string | boolean | null;

/**
 * State of one planned run of a sweep. `interrupted`: the process that ran the sweep is gone while
 * the run was still marked running (read back by readSweepFile, never written by a live queue).
 */
export type SweepEntryState = 'queued' | 'running' | 'finished' | 'failed' | 'stopped' | 'cancelled' | 'interrupted';

export type SweepState = 'running' | 'finished' | 'stopped' | 'interrupted';

/** Metrics a sweep table can be sorted by (runtime/runs/sweep-table.ts). */
export type SweepSortMetric = 'bestEvalLoss' | 'finalEvalLoss' | 'accuracy' | 'finalTrainLoss';

export interface SweepAxis {
  /** Dotted config key, e.g. "optimizer.lr". */
  key: string;
  values: SweepValue[];
}

export interface SweepEntryRecord {
  /** Position in the grid (0-based, cartesian order: the first axis varies slowest). */
  index: number;
  /** The run folder name under runsDir: `<sweepId>-<nn>`. */
  runId: string;
  /** Short grid label, e.g. "lr=0.001 name=helene seed=1". */
  label: string;
  /** This run's value of every axis, by axis key. */
  values: Record<string, SweepValue>;
  state: SweepEntryState;
  startedAt?: string;
  endedAt?: string;
  /** Why it failed (last error lines), when it did. */
  error?: string;
}

export interface SweepRecord {
  format: typeof SWEEP_FORMAT;
  version: number;
  id: string;
  createdAt: string;
  updatedAt: string;
  state: SweepState;
  /** The process driving the queue (the CLI, or the extension host); a dead one reads as interrupted. */
  pid: number;
  /** Base run configuration file (absolute). */
  config: string;
  /** Config overrides applied to every run (the CLI's --set), `key.path=<JSON>`. */
  overrides: string[];
  /** The grid as the user wrote it. */
  grid: string;
  axes: SweepAxis[];
  /** How many runs execute at once. */
  parallel: number;
  sort: SweepSortMetric;
  /** Absolute runs folder holding the sweep's run folders (and .sweeps/). */
  runsDir: string;
  /** Set when the runs went to a Redis queue (the URL, password hidden): the folders are on the workers' --runs-dir. */
  queue?: string;
  entries: SweepEntryRecord[];
}
