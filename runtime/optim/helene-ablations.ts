/**
 * Ablations: variants kept as measured negative results, in one file (issue 16: the optimizer folder
 * keeps only what earns its place). Each stays selectable so its measurements can be reproduced.
 * - "bias-corrected" and "energy" (HELENE variants): neither beat MeZO on any task of the suite
 *   (docs/helene-notes.md §4: bias-corrected reached MeZO's final loss on 1 of 3 seeds of one task,
 *   energy on 1 of 3 seeds of another; both lose on the rest), so neither was run on the held-out tasks.
 * - "multi", "normalized" (HELENE variants) and the optimizers "sparse-mezo" and "lozo": issue 16's
 *   untried directions, measured on the tuning tasks (docs/heldout.md, "Issue 16's untried
 *   directions"): none met the goal on a tuning task or beat MeZO on all of them, so none was run on
 *   the held-out tasks (sparse-mezo, the best of them, 2.83x on one tuning task, was next in line when
 *   the session's machine time ran out).
 *
 * ---------------------------------------------------------------------------------------------
 *
 * HELENE variant "bias-corrected": the spec's HELENE with Adam's bias correction of the curvature EMA.
 *
 * Why: h starts at 0 and is refreshed every k steps with weight (1 − beta2). After n refreshes
 * E[h] = (1 − beta2^n) E[h_hat], so with beta2 = 0.99, k = 10 the first 100 steps divide m by about
 * 1/100 of the curvature and the first 1000 by about 2/3 of it: early steps are up to 100x too large,
 * which forces a small lr for the whole run. Dividing by (1 − beta2^n) removes that.
 *
 * Everything else is the spec (steps 1–8). With n = number of refreshes so far (t = 1, 1 + k, ...):
 *   h_corr = h / (1 − beta2^n),  lambda_i = kappa mean(h_corr over layer i)
 *   theta <- theta − lr (m / (gamma max(h_corr, lambda_i) + eps_den) + wd theta)
 * Since lambda_i scales with h, this is the spec update with gamma / (1 − beta2^n) in place of gamma;
 * the stored h is the spec's (uncorrected), the panel shows the corrected one.
 *
 * ---------------------------------------------------------------------------------------------
 *
 * HELENE variant "energy": the spec's step (one z over all layers, 2 passes) with the denominator
 * replaced by a per-layer gradient-energy estimate taken from the same passes (Isserlis).
 *
 * Why: for Gaussian z and c_b = ∇l_b·z, Isserlis' theorem gives
 *   E[c_b² |z_i|²] = |∇l_b|² d_i + 2 |∇_i l_b|²,   E[c_b²] = |∇l_b|²,
 * so e_i = mean_b c_b² (|z_i|² − d_i) / 2 is an unbiased estimate of layer i's per-example gradient
 * energy mean_b |∇_i l_b|² (its empirical-Fisher trace) at no extra pass. The spec's h averages to
 * the whole model's energy in every layer; e_i really differs between layers. It is noisy (its
 * standard deviation per step is about |∇l|² sqrt(d_i / 2)), so it is averaged with a bias-corrected
 * EMA every step and floored.
 *
 * One step t: spec steps 1–5 (z, l±, c_b, alpha_t, momentum), then
 *   E_i = beta2 E_i + (1 − beta2) e_i,  S = beta2 S + (1 − beta2) mean_b c_b²   (every step)
 *   H_i = max(E_i / d_i, lambda_i) / (1 − beta2^t)   (per-element units)
 *   lambda_i = NOISE_SIGMAS · S sqrt(d_i / 2) sqrt((1 − beta2) / (1 + beta2)) / d_i
 *   theta_i <- theta_i − lr (m_i / (gamma H_i + eps_den) + wd theta_i)
 * lambda_i is the estimate's own noise level (std of one e_i times the EMA's noise reduction), so a
 * layer whose energy cannot be told from 0 is capped there (a fixed 1e-3 floor diverged: noise-level
 * estimates of ~0 gave 1000x steps). kappa, k, lambdaMode and hessian do not apply.
 *
 * ---------------------------------------------------------------------------------------------
 *
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
 *
 * ---------------------------------------------------------------------------------------------
 *
 * HELENE variant "normalized" (issue 16, direction "step normalisation as in FZOO"): the layerwise
 * preset (helene-layerwise.ts) with the projected gradient divided by the spread of the batch's loss
 * differences, as FZOO divides its step by the std of its one-sided loss differences.
 *
 * FZOO (fzoo.ts) has N directions per step and divides by sigma = std_n(L_n − L0) over them. The
 * layerwise step has one direction and B per-example differences, so the spread is taken over the
 * batch: with c_b = (l_b+ − l_b−) / (2 eps),
 *   sigma = sqrt(mean_b (c_b − c)²)   (population std; sigma = 0 gives a zero gradient term)
 *   g = alpha_t c / sigma             (in place of alpha_t c)
 * Everything else is the layerwise step (block choice, h refresh from the raw c_b², relative scale,
 * curvatureFloor, update). The gradient term is dimensionless (a signal-to-noise ratio of the batch's
 * directional derivative, bounded by sqrt(B − 1) in size): its scale no longer follows the loss, so the
 * step does not shrink as the loss falls nor jump when a batch is hard.
 *
 * ---------------------------------------------------------------------------------------------
 *
 * LOZO (low-rank ZO, Chen et al. 2024; issue 16's "low-rank / subspace perturbations", the
 * subspace idea behind ZO-Muon): MeZO whose perturbation of each tensor of rank >= 2 is low-rank.
 * A tensor of shape [a, ...] is viewed as a matrix a x b (b = size / a). With r = perturbRank:
 *   U ~ N(0, I) in R^{a x r}, drawn every step;  V ~ N(0, I) in R^{b x r}, drawn at t = 1 and every
 *   refreshEvery steps (the lazy subspace)
 *   z = U V^T / sqrt(r)         (each element has unit variance, like MeZO's z)
 *   rank < 2 tensors: z ~ N(0, I) as in MeZO
 *   l± = losses(theta ± eps z),  c = mean_b (l+_b − l−_b) / (2 eps)
 *   theta <- theta − lr (c z + wd theta)
 * Two forward passes per step. Why: the gradient of a weight matrix is close to low-rank, so a
 * direction in a fixed r-dimensional row space for refreshEvery steps wastes less of the ZO estimate
 * on directions the loss does not care about. Streams: the direction source keys a stream by list
 * position, so U_i sit at positions 0 … n−1, the rank < 2 tensors after them and V_i last; a step that
 * does not refresh V fills the prefix only, with the same keys.
 *
 * ---------------------------------------------------------------------------------------------
 *
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
import type { LayerStat, OptimizerConfig } from '../protocol';
import type { OptimizerState, StepContext, StepOutcome, TrainableLayer } from './optimizer';
import { rms } from './layer-stats';
import { projectedGradients } from './spsa';
import type { ProjectedGradients } from './spsa';
import { HeleneLayerwise } from './helene-layerwise';
import { averageRows, StateTensor, storageOf } from './state-storage';
import { BaseOptimizer } from './base-optimizer';
import { HeleneBase } from './helene-base';
import { sgdStep } from './mezo';
import { annealing, biasCorrection, curvatureEma, elementStats, elementUpdate, floorFor, gradientWeight, layerUpdate, momentum, rhoOf, squaredNorm } from './helene-common';

/** m and h as stored, as the paper's (helene-base.ts). */
export class HeleneBiasCorrected extends HeleneBase {
  readonly name = 'helene-bias-corrected';
  readonly forwardPassesPerStep = 2;
  /** Per-layer floor on the uncorrected h (kappa mean(h)); the correction scales both alike. */
  readonly lambdas: Float64Array;
  /** [refreshes so far], kept in the checkpoint. */
  readonly counters = new Float64Array(1);

  constructor(layers: TrainableLayer[], config: OptimizerConfig, private readonly totalSteps: number) {
    super(layers, config);
    this.lambdas = new Float64Array(layers.length);
  }

  get correction(): number {
    return biasCorrection(this.config.beta2, this.counters[0]);
  }

  async step(ctx: StepContext): Promise<StepOutcome> {
    const { t, lr } = ctx;
    const cfg = this.config;
    await ctx.directions.normal(t, this.layers);
    const pg = await projectedGradients(ctx.oracle, cfg.eps);
    const alpha = annealing(cfg, t, this.totalSteps);
    const g = gradientWeight(cfg, alpha) * pg.c;
    const refresh = (t - 1) % cfg.k === 0;
    if (refresh) this.counters[0]++;
    const s = (1 - cfg.beta2) * (cfg.hessian === 'per-example' ? pg.meanSquare : pg.cb.length * pg.c * pg.c);
    const scale = cfg.gamma / this.correction;
    this.norms.reset();
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      const m = this.mState.open(i);
      const h = refresh ? this.hState.open(i) : this.hState.read(i);
      momentum(m, layer.dir, cfg.beta1, g);
      if (refresh) {
        this.lambdas[i] = floorFor(cfg, layer.name, curvatureEma(h, layer.dir, cfg.beta2, s), this.correction);
        averageRows(h, this.hState.width(i));
      }
      const decay = layer.rank >= 2 ? cfg.weightDecay : 0;
      this.norms.sumSquares[i] = elementUpdate(layer.theta, m, h, this.lambdas[i], lr, scale, cfg.epsDen, rhoOf(cfg), decay);
      this.mState.commit(i, m);
      if (refresh) this.hState.commit(i, h);
    }
    return { loss: pg.loss, c: pg.c, alpha, forwardPasses: 2 };
  }

  override layerStats(lr: number): LayerStat[] {
    const { gamma, epsDen } = this.config;
    const corr = 1 / this.correction;
    return this.layers.map((layer, i) => ({
      ...this.norms.baseStat(layer, i),
      ...elementStats(this.hState.read(i), this.lambdas[i], corr, lr, gamma, epsDen),
      mRms: rms(this.mState.read(i)),
    }));
  }

  override state(): OptimizerState {
    return { m: this.mState.stored, h: this.hState.stored, lambda: [this.lambdas], counters: [this.counters] };
  }
}

/** A layer's per-element energy is floored at this many standard deviations of its EMA's noise. */
export const NOISE_SIGMAS = 2;

/** lambda_i: NOISE_SIGMAS std of the EMA of e_i (per element), for total energy S. */
export function energyNoiseFloor(S: number, size: number, beta2: number): number {
  return (NOISE_SIGMAS * S * Math.sqrt(size / 2) * Math.sqrt((1 - beta2) / (1 + beta2))) / size;
}

/** Isserlis: one-sample estimate of mean_b |∇_i l_b|² from mean_b c_b² and |z_i|². */
export function isserlisEnergy(meanSquareC: number, zNormSquared: number, size: number): number {
  return (meanSquareC * (zNormSquared - size)) / 2;
}

export class HeleneEnergy extends BaseOptimizer {
  readonly name = 'helene-energy';
  readonly forwardPassesPerStep = 2;
  /** m as stored (optimizer.stateDtype); its curvature is one number per layer already. */
  readonly mState: StateTensor;
  /** EMA of e_i per layer, then [S] and [steps so far]. */
  readonly energy: Float64Array;
  readonly totals = new Float64Array(2);
  private readonly den: Float64Array;

  constructor(layers: TrainableLayer[], config: OptimizerConfig, private readonly totalSteps: number) {
    super(layers, config);
    this.mState = new StateTensor(layers, storageOf(config).dtype);
    this.energy = new Float64Array(layers.length);
    this.den = new Float64Array(layers.length);
  }

  /** H_i (bias-corrected, per element) and lambda_i for layer i. */
  curvature(i: number): { H: number; lambda: number } {
    const corr = biasCorrection(this.config.beta2, this.totals[1]);
    const lambda = energyNoiseFloor(this.totals[0] / corr, this.layers[i].size, this.config.beta2);
    const e = this.energy[i] / this.layers[i].size / corr;
    return { H: e > lambda ? e : lambda, lambda };
  }

  async step(ctx: StepContext): Promise<StepOutcome> {
    const { t, lr } = ctx;
    const cfg = this.config;
    await ctx.directions.normal(t, this.layers);
    const pg = await projectedGradients(ctx.oracle, cfg.eps);
    const alpha = annealing(cfg, t, this.totalSteps);
    const g = gradientWeight(cfg, alpha) * pg.c;
    const { beta2 } = cfg;
    this.totals[0] = beta2 * this.totals[0] + (1 - beta2) * pg.meanSquare;
    this.totals[1]++;
    for (let i = 0; i < this.layers.length; i++) {
      const e = isserlisEnergy(pg.meanSquare, squaredNorm(this.layers[i].dir), this.layers[i].size);
      this.energy[i] = beta2 * this.energy[i] + (1 - beta2) * e;
    }
    this.norms.reset();
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      const m = this.mState.open(i);
      momentum(m, layer.dir, cfg.beta1, g);
      const den = (this.den[i] = cfg.gamma * this.curvature(i).H + cfg.epsDen);
      const decay = layer.rank >= 2 ? cfg.weightDecay : 0;
      this.norms.sumSquares[i] = layerUpdate(layer.theta, m, den, lr, rhoOf(cfg), decay);
      this.mState.commit(i, m);
    }
    return { loss: pg.loss, c: pg.c, alpha, forwardPasses: 2 };
  }

  override layerStats(lr: number): LayerStat[] {
    return this.layers.map((layer, i) => {
      const { H, lambda } = this.curvature(i);
      return {
        ...this.norms.baseStat(layer, i),
        hMean: H,
        hMin: H,
        hMax: H,
        hMedian: H,
        lambda,
        floorFraction: H <= lambda ? 1 : 0,
        effectiveStep: lr / (this.config.gamma * H + this.config.epsDen),
        mRms: rms(this.mState.read(i)),
      };
    });
  }

  override state(): OptimizerState {
    return { m: this.mState.stored, energy: [this.energy], totals: [this.totals] };
  }
}

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

export class HeleneNormalized extends HeleneLayerwise {
  override readonly name = 'helene-normalized';

  protected override gradientScale(pg: ProjectedGradients): number {
    return 1 / batchSpread(pg);
  }
}

/** Population std of the per-example projected gradients c_b; Infinity when they are all equal (zero step). */
export function batchSpread(pg: ProjectedGradients): number {
  let sq = 0;
  for (let b = 0; b < pg.cb.length; b++) sq += (pg.cb[b] - pg.c) ** 2;
  const sigma = Math.sqrt(sq / pg.cb.length);
  return sigma > 0 ? sigma : Infinity;
}

interface Factors {
  layer: number;
  rows: number;
  cols: number;
  u: TrainableLayer;
  v: TrainableLayer;
}

function buffer(name: string, size: number): TrainableLayer {
  return { name, shape: [size], size, rank: 1, theta: new Float32Array(0), dir: new Float32Array(size) };
}

export class Lozo extends BaseOptimizer {
  readonly name = 'lozo';
  readonly forwardPassesPerStep = 2;
  readonly factors: Factors[];
  private readonly whole: TrainableLayer[];

  constructor(layers: TrainableLayer[], config: OptimizerConfig) {
    super(layers, config);
    const r = config.perturbRank ?? 2;
    this.factors = [];
    this.whole = [];
    layers.forEach((l, i) => {
      if (l.rank < 2) return void this.whole.push(l);
      const rows = l.shape[0];
      const cols = l.size / rows;
      this.factors.push({ layer: i, rows, cols, u: buffer(`${l.name}::U`, rows * r), v: buffer(`${l.name}::V`, cols * r) });
    });
  }

  async step(ctx: StepContext): Promise<StepOutcome> {
    const r = this.config.perturbRank ?? 2;
    const refresh = (ctx.t - 1) % (this.config.refreshEvery ?? 50) === 0;
    const prefix = [...this.factors.map((f) => f.u), ...this.whole];
    await ctx.directions.normal(ctx.t, refresh ? [...prefix, ...this.factors.map((f) => f.v)] : prefix);
    for (const f of this.factors) lowRank(this.layers[f.layer].dir, f.u.dir, f.v.dir, f.rows, f.cols, r);
    const { c, loss } = await projectedGradients(ctx.oracle, this.config.eps);
    // MeZO's update along this z: theta <- theta − lr (c z + wd theta).
    sgdStep(this.layers, this.norms, ctx.lr, c, this.config.weightDecay);
    return { loss, c, forwardPasses: 2 };
  }

  override state(): OptimizerState {
    return { V: this.factors.map((f) => f.v.dir) };
  }
}

/** z[a, b] = sum_k U[a, k] V[b, k] / sqrt(r) (row-major, U: rows x r, V: cols x r). */
export function lowRank(z: Float32Array, u: Float32Array, v: Float32Array, rows: number, cols: number, r: number): void {
  const scale = 1 / Math.sqrt(r);
  for (let a = 0; a < rows; a++) {
    for (let b = 0; b < cols; b++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += u[a * r + k] * v[b * r + k];
      z[a * cols + b] = s * scale;
    }
  }
}

export class SparseMeZO extends BaseOptimizer {
  readonly name = 'sparse-mezo';
  readonly forwardPassesPerStep = 2;
  /** Per layer: 1 where perturbed (null: the whole tensor). */
  readonly masks: (Uint8Array | null)[];

  constructor(layers: TrainableLayer[], config: OptimizerConfig) {
    super(layers, config);
    this.masks = layers.map((l) => (l.rank >= 2 ? new Uint8Array(l.size) : null));
  }

  async step(ctx: StepContext): Promise<StepOutcome> {
    const every = this.config.refreshEvery ?? 50;
    if ((ctx.t - 1) % every === 0) this.refreshMasks();
    await ctx.directions.normal(ctx.t, this.layers);
    this.layers.forEach((l, i) => applyMask(l.dir, this.masks[i]));
    const { c, loss } = await projectedGradients(ctx.oracle, this.config.eps);
    // MeZO's update along this z: theta <- theta − lr (c z + wd theta).
    sgdStep(this.layers, this.norms, ctx.lr, c, this.config.weightDecay);
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
