/**
 * HELENE variant "multi" (issue 16, direction "several directions per step sharing one curvature
 * estimate"): the layerwise preset (helene-layerwise.ts: block curvature, interleaved block choice,
 * relative scale, curvatureFloor) with q = optimizer.queries blocks estimated per step at the SAME
 * theta, and one update per step.
 *
 * One step t (2 q forward passes, counted as such):
 *   for k = 0 … q−1:
 *     i_k = the block chooser's next block (sub-step s = (t − 1) q + k + 1 of the interleaved order)
 *     z_k on block i_k only (the step's k-th normal stream), l_b± = loss_b(theta ± eps z_k)
 *     c_k = mean_b (l_b+ − l_b−) / (2 eps)
 *     h_{i_k} = beta2 h_{i_k} + (1 − beta2) mean_b(c_{k,b}²) z_k⊙z_k,  n_{i_k} += 1, lambda_{i_k} as layerwise
 *     m_{i_k} = beta1 m_{i_k} + alpha_t c_k z_k   (a block chosen twice in one step decays once)
 *   blocks not chosen this step: m = beta1 m
 *   Hbar = size-weighted mean of the blocks' corrected mean h (ONE curvature normaliser for the step)
 *   every block: theta <- theta − lr (m / (gamma max(h_corr, lambda, f Hbar) / Hbar + eps_den) + wd theta)
 * With q = 1 this is the layerwise step exactly.
 *
 * Why it might help: the q estimates are taken at one point, so momentum and the update see q
 * blocks' fresh gradients at once (MeZO-style q-query averaging, but each query's curvature is its
 * block's own). Measured on the tuning tasks: docs/heldout.md.
 */
import type { StepContext, StepOutcome } from './optimizer';
import { annealing } from './helene-common';
import { HeleneLayerwise } from './helene-layerwise';

export class HeleneMulti extends HeleneLayerwise {
  override readonly name = 'helene-multi';

  get queries(): number {
    return this.config.queries ?? 4;
  }

  override get forwardPassesPerStep(): number {
    return 2 * this.queries;
  }

  override async step(ctx: StepContext): Promise<StepOutcome> {
    const q = this.queries;
    this.touched.fill(0);
    const alpha = annealing(this.config, ctx.t, this.totalSteps);
    let loss = 0;
    let c = 0;
    for (let k = 0; k < q; k++) {
      const i = (this.lastBlock = this.chooseBlock((ctx.t - 1) * q + k + 1));
      const pg = await this.estimateBlock(ctx, i, k, alpha);
      loss += pg.loss / q;
      c += pg.c / q;
    }
    this.update(ctx.lr);
    return { loss, c, alpha, forwardPasses: 2 * q };
  }
}
