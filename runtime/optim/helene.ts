/**
 * HELENE (Zhao et al., arXiv 2411.10696) exactly as ../../docs/helene-spec.md fixes it.
 * One step t:
 *   1. z ~ N(0, I) from the step seed (generated once, reused for ±eps and the update)
 *   2. l_b± = loss_b(theta ± eps z)
 *   3. c_b = (l_b+ − l_b−) / (2 eps), c = mean_b c_b, g = c z
 *   4. alpha_t = beta1 + (1 − beta1) exp(−t / T)
 *   5. m = beta1 m + alpha_t g                 (momentum "annealed")
 *      m = beta1 m + (1 − beta1) g             (momentum "ema", the ablation)
 *   6. on refresh steps ((t − 1) mod k == 0):
 *        h_hat = mean_b(c_b^2) z⊙z             (hessian "per-example", A-GNB)
 *        h_hat = B c^2 z⊙z                     (hessian "batch", Sophia's scaling)
 *        h = beta2 h + (1 − beta2) h_hat
 *        (optimizer.hessianShape "row", a departure from the spec: for a tensor of rank >= 2, h_j is
 *         replaced by the mean of h over its first-axis row after each refresh, one stored value per
 *         row; the EMA is linear, so that is the EMA of the row mean of h_hat. Why: h then costs
 *         rows instead of elements of memory, and with one z per step h_hat is nearly flat inside a
 *         layer anyway (docs/helene-spec.md "Open facts"). docs/optimizer-state.md.)
 *        lambda_i = kappa mean(h_i) | constant | explicit map   (held until the next refresh)
 *   7. ratio = m / (gamma max(h, lambda_i) + eps_den), clipped to [−rho, rho] if rho is set
 *   8. theta <- theta − lr_t (ratio + wd theta)  (wd on rank >= 2 tensors only)
 * State per trainable element: m and h (float32); z is never kept between steps.
 * optimizer.stateDtype / hessianShape store them as bfloat16 and/or h per row (state-storage.ts);
 * the kernels (helene-kernels.ts; a WebAssembly SIMD kernel with the same bits runs them on tensors of
 * 256 elements and more, helene-update-simd.ts) stay float32 and see a float32 per-element view of each layer either way. With
 * bfloat16, a step equals the float32 step with m and h rounded to bfloat16 (nearest even) at its end.
 */
import type { LayerStat, OptimizerConfig } from '../protocol';
import type { OptimizerState, StepContext, StepFiniteness, StepOutcome, TrainableLayer } from './optimizer';
import { approximateMedian, rms } from './layer-stats';
import { projectedGradients } from './spsa';
import { averageRows, chunks } from './state-storage';
import { HeleneBase } from './helene-base';
import { clippedUpdate, momentumAndCurvature, momentumClippedUpdate, momentumUpdate, preconditionedUpdate, refreshedSum } from './helene-kernels';

/** m and h (mState, hState) as stored, with their float32 views m and h: helene-base.ts. */
export class Helene extends HeleneBase {
  readonly name = 'helene';
  readonly forwardPassesPerStep = 2;
  /** Per-layer clipping floor lambda_i, recomputed at each refresh. */
  readonly lambdas: Float64Array;

  /** @param totalSteps used for the default annealing horizon T = 10% of the run. */
  constructor(layers: TrainableLayer[], config: OptimizerConfig, private readonly totalSteps: number) {
    super(layers, config);
    this.lambdas = new Float64Array(layers.length);
  }

  /** Annealing horizon: the configured T, or 10% of the run. */
  get horizon(): number {
    return this.config.T ?? Math.max(1, 0.1 * this.totalSteps);
  }

  isRefreshStep(t: number): boolean {
    return (t - 1) % this.config.k === 0;
  }

  async step(ctx: StepContext): Promise<StepOutcome> {
    const { t, lr } = ctx;
    const cfg = this.config;
    await ctx.directions.normal(t, this.layers);
    const pg = await projectedGradients(ctx.oracle, cfg.eps);
    const c = pg.c;
    const alpha = cfg.beta1 + (1 - cfg.beta1) * Math.exp(-t / this.horizon);
    const gradWeight = cfg.momentum === 'annealed' ? alpha : 1 - cfg.beta1;
    const refresh = this.isRefreshStep(t);
    // h_hat = s * z⊙z, with s the A-GNB scale of the chosen estimate.
    const hScale = cfg.hessian === 'per-example' ? pg.meanSquare : pg.cb.length * c * c;
    const { beta1, beta2 } = cfg;
    this.norms.reset();

    for (let i = 0; i < this.layers.length; i++) {
      if (!this.mState.direct(i) || !this.hState.direct(i)) {
        this.norms.sumSquares[i] = this.storedStateStep(i, refresh, gradWeight * c, (1 - beta2) * hScale, lr);
        continue;
      }
      const layer = this.layers[i];
      const m = this.mState.stored[i] as Float32Array;
      const h = this.hState.stored[i] as Float32Array;
      // Steps 5 and 6: momentum, and the curvature EMA on refresh steps (then the new floor).
      // Steps 7 and 8: clipped pre-conditioned update. Off refresh steps lambda is already known, so
      // momentum and update share one pass over memory (momentumUpdate).
      const decay = layer.rank >= 2 ? cfg.weightDecay : 0;
      if (refresh) {
        const hMean = momentumAndCurvature(m, h, layer.dir, beta1, gradWeight * c, beta2, (1 - beta2) * hScale);
        this.lambdas[i] = this.floorFor(layer.name, hMean);
        this.norms.sumSquares[i] =
          cfg.rho === null
            ? preconditionedUpdate(layer.theta, m, h, this.lambdas[i], lr, cfg.gamma, cfg.epsDen, decay)
            : clippedUpdate(layer.theta, m, h, this.lambdas[i], lr, cfg.gamma, cfg.epsDen, cfg.rho, decay);
      } else {
        this.norms.sumSquares[i] =
          cfg.rho === null
            ? momentumUpdate(layer.theta, m, h, layer.dir, beta1, gradWeight * c, this.lambdas[i], lr, cfg.gamma, cfg.epsDen, decay)
            : momentumClippedUpdate(layer.theta, m, h, layer.dir, beta1, gradWeight * c, this.lambdas[i], lr, cfg.gamma, cfg.epsDen, cfg.rho, decay);
      }
    }
    return { loss: pg.loss, c, alpha, forwardPasses: 2 };
  }

  /**
   * Every layer's theta, m and h went through one of the update kernels (helene-kernels.ts), which test them
   * (lambda is not: the guard scans it). With m or h stored as bfloat16 or per row the kernels saw
   * float32 copies, and storing can round a finite float32 to Inf: the guard then scans m and h itself.
   */
  finitenessOfLastStep(): StepFiniteness {
    const direct = this.layers.every((_, i) => this.mState.direct(i) && this.hState.direct(i));
    return { finite: this.norms.allFinite(), theta: true, stateKeys: direct ? ['m', 'h'] : [] };
  }

  /**
   * The same step for a layer whose m or h is stored as bfloat16 or per row (state-storage.ts): the
   * layer is walked in chunks of whole rows, each widened to float32, run through the same kernels
   * and stored back, so the scratch stays small. A refresh needs lambda_i (the layer's new mean h)
   * before the first chunk's update: a first pass sums beta2 h + s z⊙z exactly as momentumAndCurvature
   * does (same values, same order), so lambda_i equals the unchunked float32 step's. Returns |update|².
   */
  private storedStateStep(i: number, refresh: boolean, g: number, s: number, lr: number): number {
    const cfg = this.config;
    const layer = this.layers[i];
    const { beta1, beta2, gamma, epsDen, rho } = cfg;
    const decay = layer.rank >= 2 ? cfg.weightDecay : 0;
    const width = this.hState.width(i);
    if (refresh) {
      let sum = 0;
      for (const [a, b] of chunks(layer.size, width)) sum = refreshedSum(sum, this.hState.readRange(i, a, b), layer.dir.subarray(a, b), beta2, s);
      this.lambdas[i] = this.floorFor(layer.name, sum / layer.size);
    }
    const lambda = this.lambdas[i];
    let sq = 0;
    for (const [a, b] of chunks(layer.size, width)) {
      const theta = layer.theta.subarray(a, b);
      const z = layer.dir.subarray(a, b);
      const m = this.mState.openRange(i, a, b);
      const h = this.hState.openRange(i, a, b);
      if (refresh) {
        momentumAndCurvature(m, h, z, beta1, g, beta2, s);
        // hessianShape "row": this step's update already uses the row means (the layer mean is the same).
        averageRows(h, width);
        sq += rho === null ? preconditionedUpdate(theta, m, h, lambda, lr, gamma, epsDen, decay) : clippedUpdate(theta, m, h, lambda, lr, gamma, epsDen, rho, decay);
        this.hState.commitRange(i, a, h);
      } else {
        sq += rho === null ? momentumUpdate(theta, m, h, z, beta1, g, lambda, lr, gamma, epsDen, decay) : momentumClippedUpdate(theta, m, h, z, beta1, g, lambda, lr, gamma, epsDen, rho, decay);
        this.hState.release(); // h is unchanged off refresh steps: nothing to store
      }
      this.mState.commitRange(i, a, m);
    }
    return sq;
  }

  /** lambda_i for a layer whose new mean curvature is meanH (spec step 7 options). */
  private floorFor(layerName: string, meanH: number): number {
    const cfg = this.config;
    switch (cfg.lambdaMode) {
      case 'relative':
        return cfg.kappa * meanH;
      case 'constant':
        return cfg.lambda;
      case 'explicit': {
        const hit = cfg.lambdaMap.find(([pattern]) => new RegExp(pattern).test(layerName));
        if (!hit) throw new Error(`optimizer.lambdaMap has no pattern matching layer "${layerName}"`);
        return hit[1];
      }
    }
  }

  /** Share of layer i's elements governed by the clip: #{h_j < lambda_i} / d_i. */
  floorFraction(i: number): number {
    return curvatureStats(this.hState.read(i), this.lambdas[i], 0, 1, 0, statsOut)[FLOOR_FRACTION];
  }

  override layerStats(lr: number): LayerStat[] {
    const { gamma, epsDen } = this.config;
    return this.layers.map((layer, i) => {
      const h = this.hState.read(i);
      const lambda = this.lambdas[i];
      // One pass for everything about h (mean, min, max, floor fraction, effective step): at 50M
      // elements each separate pass costs tens of milliseconds.
      const s = curvatureStats(h, lambda, lr, gamma, epsDen, statsOut);
      return {
        ...this.norms.baseStat(layer, i),
        hMean: s[H_MEAN],
        hMin: s[H_MIN],
        hMax: s[H_MAX],
        hMedian: approximateMedian(h),
        lambda,
        floorFraction: s[FLOOR_FRACTION],
        effectiveStep: s[EFFECTIVE_STEP],
        mRms: rms(this.mState.read(i)),
      };
    });
  }

  override state(): OptimizerState {
    return { m: this.mState.stored, h: this.hState.stored, lambda: [this.lambdas] };
  }
}

const H_MEAN = 0;
const H_MIN = 1;
const H_MAX = 2;
const FLOOR_FRACTION = 3;
const EFFECTIVE_STEP = 4;
const statsOut = new Float64Array(5);
const f32Scratch = new Float32Array(1);
const i32Scratch = new Int32Array(f32Scratch.buffer);

/**
 * The int32 bit pattern T with: for every float32 h >= 0, h < lambda ⟺ bits(h) < T. Non-negative
 * float32 values order like their bit patterns; T is lambda rounded to float32, moved up one ulp
 * when rounding went down (no float32 lies strictly between the rounded value and lambda).
 */
function floorBits(lambda: number): number {
  f32Scratch[0] = lambda;
  return f32Scratch[0] < lambda ? i32Scratch[0] + 1 : i32Scratch[0];
}

/**
 * Per-layer curvature statistics in one pass: mean, min and max of h, the floor fraction
 * #{h < lambda} / d and the mean effective step lr / (gamma max(h, lambda) + epsDen). Writes them to
 * out (indices above) and returns it. The floor count compares bit patterns (floorBits) and adds the
 * sign bit of the difference: a branch on h < lambda mispredicted every other element (7 ns/element
 * against under 2). h >= 0 always (an EMA of squares); lambda >= 0 in every lambda mode.
 */
function curvatureStats(h: Float32Array, lambda: number, lr: number, gamma: number, epsDen: number, out: Float64Array): Float64Array {
  const bits = new Int32Array(h.buffer, h.byteOffset, h.length);
  const threshold = floorBits(lambda);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let below = 0;
  let stepSum = 0;
  for (let j = 0; j < h.length; j++) {
    const hj = h[j];
    sum += hj;
    min = hj < min ? hj : min;
    max = hj > max ? hj : max;
    below += (bits[j] - threshold) >>> 31;
    stepSum += lr / (gamma * (0.5 * (hj + lambda + Math.abs(hj - lambda))) + epsDen);
  }
  const n = h.length;
  out[H_MEAN] = sum / n;
  out[H_MIN] = min;
  out[H_MAX] = max;
  out[FLOOR_FRACTION] = below / n;
  out[EFFECTIVE_STEP] = stepSum / n;
  return out;
}
