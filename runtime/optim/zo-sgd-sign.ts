/**
 * ZO-SGD-Sign — a ZO-Bench baseline (Zhang et al. 2024, "Revisiting Zeroth-Order Optimization for
 * Memory-Efficient LLM Fine-Tuning: A Benchmark"). The SPSA estimate of MeZO with only the sign of the
 * projected gradient kept, so the step length no longer scales with the (noisy, heavy-tailed) c:
 *   l± = losses(theta ± eps z),  c = mean_b (l+_b − l−_b) / (2 eps)
 *   theta <- theta − lr (sign(c) z + wd theta)        (wd on rank >= 2 tensors only; sign(0) = 0)
 * Two forward passes per step. Logged loss: mean of (l+ + l−) / 2, as MeZO.
 *
 * Which sign: ZO-Bench's released code (its "signOpt_orig") steps along sign(c)·z; the element-wise
 * sign(c·z_j) = sign(c)·sign(z_j) appears in its text as sign(∇̂f). We follow the code: the direction
 * keeps z's magnitudes, and only the scale c, the part that explodes when lr is too high, is clipped.
 */
import type { StepContext, StepOutcome } from './optimizer';
import { BaseOptimizer } from './base-optimizer';
import { projectedGradients } from './spsa';
import { sgdStep } from './mezo';

export class ZoSgdSign extends BaseOptimizer {
  readonly name = 'zo-sgd-sign';
  readonly forwardPassesPerStep = 2;

  async step(ctx: StepContext): Promise<StepOutcome> {
    await ctx.directions.normal(ctx.t, this.layers);
    const { c, loss } = await projectedGradients(ctx.oracle, this.config.eps);
    // MeZO's update with c replaced by its sign: theta <- theta − lr (sign(c) z + wd theta).
    sgdStep(this.layers, this.norms, ctx.lr, Math.sign(c), this.config.weightDecay);
    return { loss, c, forwardPasses: 2 };
  }
}
