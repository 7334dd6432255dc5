/**
 * ZO-Adam — spec "Baselines": Adam moments on the SPSA gradient g = c z, two forward passes:
 *   m = beta1 m + (1 − beta1) g,  v = beta2 v + (1 − beta2) g²
 *   theta <- theta − lr (m/(1 − beta1^t) / (sqrt(v/(1 − beta2^t)) + eps_adam) + wd theta)
 */
import type { LayerStat, OptimizerConfig } from '../protocol';
import type { OptimizerState, StepContext, StepOutcome, TrainableLayer } from './optimizer';
import { BaseOptimizer } from './base-optimizer';
import { rms, summarize } from './layer-stats';
import { projectedGradients } from './spsa';

export class ZoAdam extends BaseOptimizer {
  readonly name = 'zo-adam';
  readonly forwardPassesPerStep = 2;
  readonly m: Float32Array[];
  readonly v: Float32Array[];

  constructor(layers: TrainableLayer[], config: OptimizerConfig) {
    super(layers, config);
    this.m = layers.map((l) => new Float32Array(l.size));
    this.v = layers.map((l) => new Float32Array(l.size));
  }

  async step(ctx: StepContext): Promise<StepOutcome> {
    const { t, lr } = ctx;
    const { beta1, beta2, epsAdam, weightDecay } = this.config;
    await ctx.directions.normal(t, this.layers);
    const { c, loss } = await projectedGradients(ctx.oracle, this.config.eps);
    const mCorrection = 1 - Math.pow(beta1, t);
    const vCorrection = 1 - Math.pow(beta2, t);
    this.norms.reset();
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      this.norms.sumSquares[i] = adamUpdate(layer.theta, layer.dir, this.m[i], this.v[i], c, beta1, beta2, mCorrection, vCorrection, epsAdam, lr, layer.rank >= 2 ? weightDecay : 0);
    }
    return { loss, c, forwardPasses: 2 };
  }

  override layerStats(): LayerStat[] {
    // The second moment v is ZO-Adam's curvature proxy in the per-layer view.
    return this.layers.map((layer, i) => ({ ...this.norms.baseStat(layer, i), ...summarize(this.v[i]), mRms: rms(this.m[i]) }));
  }

  override state(): OptimizerState {
    return { m: this.m, v: this.v };
  }
}

/**
 * Adam on g = c z, bias-corrected; a module-level kernel so V8 keeps the scalars in registers. Returns |update|².
 * The bias corrections are applied as multiplications by their reciprocals, computed once: three
 * float64 divisions per element became one (they dominated the loop); the results differ from
 * dividing by an ulp of float64, far below the float32 rounding of theta.
 */
function adamUpdate(theta: Float32Array, z: Float32Array, m: Float32Array, v: Float32Array, c: number, beta1: number, beta2: number, mCorrection: number, vCorrection: number, epsAdam: number, lr: number, decay: number): number {
  const mScale = 1 / mCorrection;
  const vScale = 1 / vCorrection;
  const gm = 1 - beta1;
  const gv = 1 - beta2;
  let sq = 0;
  for (let j = 0; j < theta.length; j++) {
    const g = c * z[j];
    const mj = (m[j] = beta1 * m[j] + gm * g);
    const vj = (v[j] = beta2 * v[j] + gv * g * g);
    const delta = lr * ((mj * mScale) / (Math.sqrt(vj * vScale) + epsAdam) + decay * theta[j]);
    theta[j] -= delta;
    sq += delta * delta;
  }
  return sq;
}
