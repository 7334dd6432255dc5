/**
 * The interface every zeroth-order optimizer implements. One optimizer per file beside this one,
 * each written to be read next to ../../docs/helene-spec.md (copied from shared/docs).
 *
 * The optimizer never touches the graph: it writes perturbation directions into each layer's `dir`
 * buffer, asks the loss oracle for per-example losses at theta + scale * dir, and updates `theta`
 * in place. Because the perturbation happens inside the graph (theta and dir are separate inputs),
 * theta is bit-exactly unchanged by the perturbed passes.
 */
import type { HyperparameterPatch, LayerStat, OptimizerConfig } from '../protocol';

export interface TrainableLayer {
  name: string;
  shape: number[];
  size: number;
  /** Weight decay applies to tensors of rank >= 2 only (biases and norm scales are skipped). */
  rank: number;
  /** Current parameters, fed to the graph as `<name>::theta` without copies. */
  theta: Float32Array;
  /** Perturbation direction, fed as `<name>::dir`; the optimizer fills it each step. */
  dir: Float32Array;
}

/**
 * Why a pass runs. "estimate" (default): a loss the step's gradient estimate or logged loss depends
 * on, so the divergence guards check it. "candidate": a trial point the optimizer may reject (ZO-SGD-Cons
 * evaluates theta ∓ lr·g); a NaN or huge value there is the optimizer's to discard, not a reason to stop.
 */
export type LossPurpose = 'estimate' | 'candidate';

export interface LossOracle {
  /** Per-example losses (length B) of the current batch at theta + scale * dir. */
  losses(scale: number, purpose?: LossPurpose): Promise<Float32Array>;
  /**
   * Both estimate passes at theta + eps·dir and theta − eps·dir, the same numbers as
   * [losses(+eps), losses(−eps)]; an engine may run them at the same time (engine/concurrent-passes.ts).
   */
  lossPair?(eps: number): Promise<LossPair>;
}

export interface LossPair {
  /** Per-example losses at theta + eps·dir and theta − eps·dir (copies the caller owns). */
  plus: Float32Array;
  minus: Float32Array;
  /** Whether the two passes ran at the same time (the step profile times them as one row then). */
  concurrent: boolean;
  /** Passes in a row: each one's time (for the step profile's per-pass rows). */
  passMs?: [number, number];
}

/** Where random directions come from: the counter-based generator in a run, injected vectors in tests. */
export interface DirectionSource {
  /** Fill every layer's dir with z ~ N(0, I) for step t (a pure function of the run seed, t, layer, element). */
  normal(t: number, layers: TrainableLayer[]): Promise<void>;
  /** Fill every layer's dir with the n-th Rademacher direction of step t. */
  rademacher(t: number, n: number, layers: TrainableLayer[]): Promise<void>;
}

export interface StepContext {
  t: number;
  /** Learning rate of this step (schedule applied). */
  lr: number;
  oracle: LossOracle;
  directions: DirectionSource;
  /** Accumulate per-layer update norms this step so layerStats() can report them. */
  collectStats: boolean;
}

export interface StepOutcome {
  /** The logged loss, as the spec defines it for this optimizer. */
  loss: number;
  c?: number;
  alpha?: number;
  /** Forward passes this step actually ran. */
  forwardPasses: number;
  /** Free-form notes for events (e.g. FZOO's sigma = 0). */
  note?: string;
}

/** Named state tensors, one array per layer (or one per optimizer for per-layer scalars), for checkpoints. Uint16Array = bfloat16 bits (optimizer.stateDtype). */
export type OptimizerState = Record<string, (Float32Array | Float64Array | Uint16Array)[]>;

export interface ZoOptimizer {
  readonly name: string;
  readonly forwardPassesPerStep: number;
  step(ctx: StepContext): Promise<StepOutcome>;
  /** Per-layer statistics after the last step (call only after a step run with collectStats). */
  layerStats(lr: number): LayerStat[];
  setHyperparameters(patch: HyperparameterPatch): void;
  /** Optimizer state tensors by name, one array per layer (checkpoints). */
  state(): OptimizerState;
  readonly config: OptimizerConfig;
  /**
   * Optional: what this step's update loops already tested for NaN/±Inf while they read and wrote
   * every element (the "folded check", guards.ts), so the state guard skips a second pass over those
   * tensors. Undefined or null: the guard scans everything, as for any optimizer.
   */
  finitenessOfLastStep?(): StepFiniteness | null;
}

/** What an optimizer's step tested for finiteness itself (ZoOptimizer.finitenessOfLastStep). */
export interface StepFiniteness {
  /** Every value tested was finite. When false the guard scans everything to name the tensor and index. */
  finite: boolean;
  /** Every element of every layer's theta was tested (as stored, after the update). */
  theta: boolean;
  /** The state() keys whose arrays were tested element by element, all of them, after the update. */
  stateKeys: readonly string[];
}

export function mean(values: Float32Array | number[]): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/** Apply a live hyperparameter patch onto an optimizer config (only the keys present). */
export function applyPatch(config: OptimizerConfig, patch: HyperparameterPatch): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    (config as unknown as Record<string, unknown>)[key] = value;
  }
}
