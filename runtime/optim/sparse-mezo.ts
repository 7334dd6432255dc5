/**
 * Sparse MeZO (Liu et al. 2024; issue 16's "sparse masks" direction): MeZO that perturbs, in each
 * tensor of rank >= 2, only its smallest-magnitude elements.
 *   mask_i = { j : |theta_ij| <= q_i },  q_i = the maskFraction quantile of |theta_i|
 *            (recomputed at t = 1 and every refreshEvery steps; rank < 2 tensors: every element)
 *   z ~ N(0, I) from the step seed, z <- z ⊙ mask
 *   l± = losses(theta ± eps z),  c = mean_b (l+_b − l−_b) / (2 eps)
 *   theta <- theta − lr (c z + wd theta)      (wd on rank >= 2 tensors only)
 * Two forward passes per step. Why: the paper finds large weights' perturbations dominate the ZO
 * noise; perturbing the small ones keeps the useful directions and cuts the estimate's variance
 * (reported 3.5x fewer steps than MeZO). Measured here: docs/heldout.md.
 */
import type { HyperparameterPatch, LayerStat, OptimizerConfig } from '../protocol';
import { applyPatch, type OptimizerState, type StepContext, type StepOutcome, type TrainableLayer, type ZoOptimizer } from './optimizer';
import { UpdateNorms } from './layer-stats';
import { projectedGradients } from './spsa';
import { sgdUpdate } from './mezo';

export class SparseMeZO implements ZoOptimizer {
  readonly name = 'sparse-mezo';
  readonly forwardPassesPerStep = 2;
  /** Per layer: 1 where perturbed (null: the whole tensor). */
  readonly masks: (Uint8Array | null)[];
  private readonly norms: UpdateNorms;

  constructor(readonly layers: TrainableLayer[], readonly config: OptimizerConfig) {
    this.norms = new UpdateNorms(layers.length);
    this.masks = layers.map((l) => (l.rank >= 2 ? new Uint8Array(l.size) : null));
  }

  async step(ctx: StepContext): Promise<StepOutcome> {
    const every = this.config.refreshEvery ?? 50;
    if ((ctx.t - 1) % every === 0) this.refreshMasks();
    await ctx.directions.normal(ctx.t, this.layers);
    this.layers.forEach((l, i) => applyMask(l.dir, this.masks[i]));
    const { c, loss } = await projectedGradients(ctx.oracle, this.config.eps);
    const wd = this.config.weightDecay;
    this.norms.reset();
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      this.norms.sumSquares[i] = sgdUpdate(layer.theta, layer.dir, ctx.lr, c, layer.rank >= 2 ? wd : 0);
    }
    return { loss, c, forwardPasses: 2 };
  }

  refreshMasks(): void {
    const fraction = this.config.maskFraction ?? 0.25;
    this.layers.forEach((l, i) => {
      const mask = this.masks[i];
      if (!mask) return;
      const threshold = magnitudeQuantile(l.theta, fraction);
      for (let j = 0; j < l.size; j++) mask[j] = Math.abs(l.theta[j]) <= threshold ? 1 : 0;
    });
  }

  layerStats(): LayerStat[] {
    return this.layers.map((layer, i) => this.norms.baseStat(layer, i));
  }

  setHyperparameters(patch: HyperparameterPatch): void {
    applyPatch(this.config, patch);
  }

  state(): OptimizerState {
    return {};
  }
}

/** The q-quantile of |x| (the element at rank ceil(q n) − 1 of the sorted magnitudes). */
export function magnitudeQuantile(x: Float32Array, q: number): number {
  const sorted = Float32Array.from(x, Math.abs).sort();
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))];
}

function applyMask(z: Float32Array, mask: Uint8Array | null): void {
  if (!mask) return;
  for (let j = 0; j < z.length; j++) if (!mask[j]) z[j] = 0;
}
