/**
 * HiZOO (Zhao et al. 2024) — spec "Baselines" and "Exact conventions". Three forward passes:
 *   L0 = mean loss(theta);  s = z / sqrt(H)  (the old H)
 *   L± = mean loss(theta ± eps s)
 *   H_hat = |L+ + L− − 2 L0| / (2 eps^2) · H ⊙ z ⊙ z      (old H)
 *   H <- (1 − a) H + a H_hat                              (H starts at 1)
 *   theta <- theta − lr ((L+ − L−) / (2 eps) · z / sqrt(H) + wd theta)   (new H)
 * Logged loss: L0. z is regenerated after the passes (dir holds z / sqrt(H) during them).
 */
import type { LayerStat, OptimizerConfig } from '../protocol';
import { mean, type OptimizerState, type StepContext, type StepOutcome, type TrainableLayer } from './optimizer';
import { BaseOptimizer } from './base-optimizer';
import { summarize } from './layer-stats';

export class HiZOO extends BaseOptimizer {
  readonly name = 'hizoo';
  readonly forwardPassesPerStep = 3;
  readonly H: Float32Array[];

  constructor(layers: TrainableLayer[], config: OptimizerConfig) {
    super(layers, config);
    this.H = layers.map((l) => new Float32Array(l.size).fill(1));
  }

  async step(ctx: StepContext): Promise<StepOutcome> {
    const { t, lr } = ctx;
    const { eps, hessianRate: a, weightDecay } = this.config;
    const L0 = mean(await ctx.oracle.losses(0));
    await ctx.directions.normal(t, this.layers);
    for (let i = 0; i < this.layers.length; i++) divideBySqrt(this.layers[i].dir, this.H[i]);
    const Lp = mean(await ctx.oracle.losses(+eps));
    const Lm = mean(await ctx.oracle.losses(-eps));
    const curvature = Math.abs(Lp + Lm - 2 * L0) / (2 * eps * eps);
    const c = (Lp - Lm) / (2 * eps);
    await ctx.directions.normal(t, this.layers); // dir = z again
    this.norms.reset();
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      this.norms.sumSquares[i] = hizooUpdate(layer.theta, layer.dir, this.H[i], a, curvature, c, lr, layer.rank >= 2 ? weightDecay : 0);
    }
    return { loss: L0, c, forwardPasses: 3 };
  }

  override layerStats(): LayerStat[] {
    // HiZOO's H plays the role of HELENE's h in the per-layer view.
    return this.layers.map((layer, i) => ({ ...this.norms.baseStat(layer, i), ...summarize(this.H[i]) }));
  }

  override state(): OptimizerState {
    return { H: this.H };
  }
}

// Kernels: module-level functions with scalar arguments, so V8 keeps them in registers.

/** dir = z / sqrt(H): the perturbation direction scaled by the old H. */
function divideBySqrt(dir: Float32Array, H: Float32Array): void {
  for (let j = 0; j < dir.length; j++) dir[j] /= Math.sqrt(H[j]);
}

/** H = (1 − a) H + a·curvature·H z², then theta -= lr (c z / sqrt(H) + decay theta). Returns |update|². */
function hizooUpdate(theta: Float32Array, z: Float32Array, H: Float32Array, a: number, curvature: number, c: number, lr: number, decay: number): number {
  let sq = 0;
  for (let j = 0; j < theta.length; j++) {
    const zj = z[j];
    const Hold = H[j];
    const Hnew = (H[j] = (1 - a) * Hold + a * curvature * Hold * zj * zj);
    const delta = lr * ((c * zj) / Math.sqrt(Hnew) + decay * theta[j]);
    theta[j] -= delta;
    sq += delta * delta;
  }
  return sq;
}
