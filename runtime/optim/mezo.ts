/**
 * MeZO (ZO-SGD), Malladi et al. 2023 — spec "Baselines":
 *   l± = losses(theta ± eps z),  c = mean_b (l+_b − l−_b) / (2 eps)
 *   theta <- theta − lr (c z + wd theta)        (wd on rank >= 2 tensors only)
 * Two forward passes per step. Logged loss: mean of (l+ + l−) / 2.
 */
import type { StepContext, StepFiniteness, StepOutcome, TrainableLayer } from './optimizer';
import { BaseOptimizer } from './base-optimizer';
import type { UpdateNorms } from './layer-stats';
import { projectedGradients } from './spsa';
import { SIMD_UPDATE_MIN_ELEMENTS, sgdUpdateKernel, sgdUpdateSimd } from './sgd-update-simd';

export class MeZO extends BaseOptimizer {
  readonly name = 'mezo';
  readonly forwardPassesPerStep = 2;

  async step(ctx: StepContext): Promise<StepOutcome> {
    await ctx.directions.normal(ctx.t, this.layers);
    const { c, loss } = await projectedGradients(ctx.oracle, this.config.eps);
    // theta <- theta − lr (c z + wd theta)
    sgdStep(this.layers, this.norms, ctx.lr, c, this.config.weightDecay);
    return { loss, c, forwardPasses: 2 };
  }

  /** Every theta went through sgdUpdate, which tests what it stores (see there); MeZO keeps no other state. */
  finitenessOfLastStep(): StepFiniteness {
    return { finite: this.norms.allFinite(), theta: true, stateKeys: [] };
  }
}

/**
 * theta <- theta − lr (c z + wd theta) in every layer, wd on rank >= 2 tensors only; each layer's
 * |update|² (with sgdUpdate's finiteness probe) goes to norms. MeZO's update, and that of the
 * optimizers that only change what c or z is (zo-sgd-sign, lozo, sparse-mezo).
 */
export function sgdStep(layers: TrainableLayer[], norms: UpdateNorms, lr: number, c: number, weightDecay: number): void {
  norms.reset();
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    norms.sumSquares[i] = sgdUpdate(layer.theta, layer.dir, lr, c, layer.rank >= 2 ? weightDecay : 0);
  }
}

/**
 * theta -= lr (c z + decay theta); returns the squared norm of the update. A module-level function
 * with every scalar an argument: V8 keeps them in registers (a closure over them measured 2x slower).
 *
 * The state guard's finiteness test is folded in (guards.ts, "folded check"): `probe` sums every
 * new theta as stored (float32, so an overflow to ±Inf counts), which stays finite exactly when all
 * of them are (float32 values cannot overflow a float64 sum); probe · 0 is 0 then, and NaN
 * otherwise. So the result is the same number as without the test when theta is finite, and
 * non-finite when any element is: one pass over theta instead of the update's plus the scan's.
 */
export function sgdUpdate(theta: Float32Array, z: Float32Array, lr: number, c: number, decay: number): number {
  // The WebAssembly SIMD kernel computes the same bits (sgd-update-simd.wat); this loop is its
  // definition and the fallback where WebAssembly SIMD is missing or HELENE_UPDATE_KERNEL=js.
  const kernel = sgdUpdateKernel();
  if (kernel && theta.length >= SIMD_UPDATE_MIN_ELEMENTS) return sgdUpdateSimd(kernel, theta, z, lr, c, decay);
  let sq = 0;
  let probe = 0;
  for (let j = 0; j < theta.length; j++) {
    const delta = lr * (c * z[j] + decay * theta[j]);
    const next = Math.fround(theta[j] - delta);
    theta[j] = next;
    probe += next;
    sq += delta * delta;
  }
  return sq + probe * 0;
}
