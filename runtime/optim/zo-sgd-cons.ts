/**
 * ZO-SGD-Cons (conservative) — a ZO-Bench baseline (Zhang et al. 2024, "Revisiting Zeroth-Order
 * Optimization for Memory-Efficient LLM Fine-Tuning: A Benchmark"): MeZO's step is only taken if it
 * does not make the batch loss worse; otherwise the opposite step or no step. Per step, on one batch:
 *   L0 = mean loss(theta)                                   (pass 1; the logged loss)
 *   l± = losses(theta ± eps z),  c = mean_b (l+_b − l−_b) / (2 eps)          (passes 2, 3)
 *   L_desc = mean loss(theta − lr c z),  L_asc = mean loss(theta + lr c z)   (passes 4, 5)
 *   s = argmin over {+1: L_desc, 0: L0, −1: L_asc}  (ties: the descent step, then staying)
 *   theta <- theta − lr (s c z + wd theta)                  (wd on rank >= 2 tensors only)
 * Five forward passes per step, as in ZO-Bench's zo_conserv_step (loss0, ±eps, both candidates).
 *
 * No copy of theta: the graph computes theta + scale·dir, so with dir = z the candidate
 * theta − lr c z is the pass at scale = −lr·c. The committed update forms theta + scale·z exactly as
 * the graph does (float32 multiply, then float32 add), so without weight decay the new theta is
 * bit-identical to the candidate that was evaluated. Weight decay is applied after the choice, to
 * every candidate alike (the spec's coupled decay uses theta before the step).
 * A candidate whose loss is NaN or Inf is simply rejected (its passes are marked "candidate", so
 * the divergence guards do not stop the run for a point the optimizer discards).
 */
import { mean, type StepContext, type StepOutcome } from './optimizer';
import { BaseOptimizer } from './base-optimizer';
import { projectedGradients } from './spsa';

/** Which candidate a Cons step kept: +1 = descent theta − lr c z, 0 = stay, −1 = ascent theta + lr c z. */
export type ConsChoice = 1 | 0 | -1;

export class ZoSgdCons extends BaseOptimizer {
  readonly name = 'zo-sgd-cons';
  readonly forwardPassesPerStep = 5;
  /** The choice of the last step (tests, statistics). */
  lastChoice: ConsChoice = 0;
  /** How often each candidate won so far: [descent, stay, ascent]. */
  readonly choices = [0, 0, 0];

  async step(ctx: StepContext): Promise<StepOutcome> {
    const { lr } = ctx;
    const L0 = mean(await ctx.oracle.losses(0));
    await ctx.directions.normal(ctx.t, this.layers);
    const { c } = await projectedGradients(ctx.oracle, this.config.eps);
    const a = lr * c;
    const finiteOr = (x: number) => (Number.isFinite(x) ? x : Infinity);
    const descent = finiteOr(mean(await ctx.oracle.losses(-a, 'candidate')));
    const ascent = finiteOr(mean(await ctx.oracle.losses(+a, 'candidate')));
    const choice: ConsChoice = descent <= L0 && descent <= ascent ? 1 : L0 <= ascent ? 0 : -1;
    this.lastChoice = choice;
    this.choices[1 - choice]++;
    // The graph's perturbation scale is a float32 input: round it the same way.
    const scale = Math.fround(-choice * a);
    const wd = this.config.weightDecay;
    this.norms.reset();
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      this.norms.sumSquares[i] = commitCandidate(layer.theta, layer.dir, scale, layer.rank >= 2 ? lr * wd : 0);
    }
    return { loss: L0, c, forwardPasses: 5 };
  }
}

/**
 * theta = float32(theta + float32(scale · z)) − decayLr · theta_old: the candidate exactly as the
 * graph formed it, then the coupled decay. Module-level with scalar arguments (V8 registers). Returns |update|².
 */
function commitCandidate(theta: Float32Array, z: Float32Array, scale: number, decayLr: number): number {
  let sq = 0;
  for (let j = 0; j < theta.length; j++) {
    const old = theta[j];
    let v = Math.fround(old + Math.fround(scale * z[j]));
    if (decayLr !== 0) v -= decayLr * old;
    theta[j] = v;
    const delta = theta[j] - old;
    sq += delta * delta;
  }
  return sq;
}
