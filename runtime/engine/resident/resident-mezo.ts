/**
 * MeZO with the resident step: z from the z graph (keys of step t), the two perturbed passes of the
 * training graph (θ + scale·z inside it, unchanged), then the update graph. The host computes only
 * c = mean_b (l+ − l−) / 2ε from the two loss vectors, as ../../optim/mezo.ts does.
 */
import type { HyperparameterPatch, LayerStat, OptimizerConfig } from '../../protocol';
import { applyPatch, type OptimizerState, type StepContext, type StepOutcome, type TrainableLayer, type ZoOptimizer } from '../../optim/optimizer';
import { UpdateNorms } from '../../optim/layer-stats';
import { projectedGradients } from '../../optim/spsa';
import type { Seed64 } from '../../rng/seeds';
import type { ResidentGraphs } from './resident-graphs';

export class ResidentMeZO implements ZoOptimizer {
  readonly name = 'mezo';
  readonly forwardPassesPerStep = 2;
  private readonly norms: UpdateNorms;

  constructor(readonly layers: TrainableLayer[], readonly config: OptimizerConfig, readonly graphs: ResidentGraphs, private readonly runSeed: Seed64) {
    this.norms = new UpdateNorms(layers.length);
  }

  async step(ctx: StepContext): Promise<StepOutcome> {
    await this.graphs.generateZ(this.runSeed, ctx.t);
    const { c, loss } = await projectedGradients(ctx.oracle, this.config.eps);
    this.norms.sumSquares.set(await this.graphs.update({ lr: ctx.lr, c, wd: this.config.weightDecay }));
    return { loss, c, forwardPasses: 2 };
  }

  layerStats(): LayerStat[] {
    return this.layers.map((layer, i) => this.norms.baseStat(layer, i));
  }

  /** Close the z and update sessions (the trainer calls this after the training session's release). */
  release(): Promise<void> {
    return this.graphs.release();
  }

  setHyperparameters(patch: HyperparameterPatch): void {
    applyPatch(this.config, patch);
  }

  state(): OptimizerState {
    return {};
  }
}
