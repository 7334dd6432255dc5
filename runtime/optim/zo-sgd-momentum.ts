/**
 * ZO-SGD with momentum (ZO-SGD-MMT) — a ZO-Bench baseline (Zhang et al. 2024, "Revisiting Zeroth-Order
 * Optimization for Memory-Efficient LLM Fine-Tuning: A Benchmark"): heavy-ball momentum, as PyTorch's
 * SGD(momentum = beta1, dampening 0) applies it to the SPSA gradient g = c z:
 *   l± = losses(theta ± eps z),  c = mean_b (l+_b − l−_b) / (2 eps)
 *   m <- beta1 m + c z                                  (m starts at 0; no bias correction)
 *   theta <- theta − lr (m + wd theta)                  (wd on rank >= 2 tensors only)
 * Weight decay stays outside the momentum, as the spec's "Exact conventions" fix it for every
 * optimizer (theta <- theta − lr (update + wd theta), theta before the step). Two forward passes per
 * step; one extra float per trainable element (m). Logged loss: mean of (l+ + l−) / 2.
 * The momentum coefficient is optimizer.beta1 (default 0.9).
 */
import type { LayerStat, OptimizerConfig } from '../protocol';
import type { OptimizerState, StepContext, StepOutcome, TrainableLayer } from './optimizer';
import { BaseOptimizer } from './base-optimizer';
import { rms } from './layer-stats';
import { projectedGradients } from './spsa';

export class ZoSgdMomentum extends BaseOptimizer {
  readonly name = 'zo-sgd-momentum';
  readonly forwardPassesPerStep = 2;
  readonly m: Float32Array[];

  constructor(layers: TrainableLayer[], config: OptimizerConfig) {
    super(layers, config);
    this.m = layers.map((l) => new Float32Array(l.size));
  }

  async step(ctx: StepContext): Promise<StepOutcome> {
    await ctx.directions.normal(ctx.t, this.layers);
    const { c, loss } = await projectedGradients(ctx.oracle, this.config.eps);
    const { beta1, weightDecay } = this.config;
    this.norms.reset();
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      this.norms.sumSquares[i] = momentumUpdate(layer.theta, layer.dir, this.m[i], c, beta1, ctx.lr, layer.rank >= 2 ? weightDecay : 0);
    }
    return { loss, c, forwardPasses: 2 };
  }

  override layerStats(): LayerStat[] {
    return this.layers.map((layer, i) => ({ ...this.norms.baseStat(layer, i), mRms: rms(this.m[i]) }));
  }

  override state(): OptimizerState {
    return { m: this.m };
  }
}

/** m = beta m + c z, then theta -= lr (m + decay theta). Module-level so V8 keeps the scalars in registers. Returns |update|². */
function momentumUpdate(theta: Float32Array, z: Float32Array, m: Float32Array, c: number, beta: number, lr: number, decay: number): number {
  let sq = 0;
  for (let j = 0; j < theta.length; j++) {
    const mj = (m[j] = beta * m[j] + c * z[j]);
    const delta = lr * (mj + decay * theta[j]);
    theta[j] -= delta;
    sq += delta * delta;
  }
  return sq;
}
