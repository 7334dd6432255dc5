/**
 * What every optimizer class had written out again: the layers and config it was made with, the
 * per-layer update norms its kernels fill, live hyperparameter patches, and the base per-layer
 * statistics. Each optimizer file keeps its own step (its update equations, next to the spec) and
 * overrides layerStats / state where it keeps more than theta.
 */
import type { HyperparameterPatch, LayerStat, OptimizerConfig } from '../protocol';
import { applyPatch, type OptimizerState, type StepContext, type StepOutcome, type TrainableLayer, type ZoOptimizer } from './optimizer';
import { UpdateNorms } from './layer-stats';

export abstract class BaseOptimizer implements ZoOptimizer {
  abstract readonly name: string;
  abstract readonly forwardPassesPerStep: number;
  /** |update|² per layer of the last step (the kernels' return values, with their folded finiteness probe). */
  protected readonly norms: UpdateNorms;

  constructor(readonly layers: TrainableLayer[], readonly config: OptimizerConfig) {
    this.norms = new UpdateNorms(layers.length);
  }

  abstract step(ctx: StepContext): Promise<StepOutcome>;

  /** Update and theta RMS per layer; optimizers with momentum or curvature add theirs. */
  layerStats(_lr: number): LayerStat[] {
    return this.layers.map((layer, i) => this.norms.baseStat(layer, i));
  }

  setHyperparameters(patch: HyperparameterPatch): void {
    applyPatch(this.config, patch);
  }

  /** No state besides theta; optimizers that keep some return it by name. */
  state(): OptimizerState {
    return {};
  }
}
