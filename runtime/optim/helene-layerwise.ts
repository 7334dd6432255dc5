/**
 * HELENE variant "layerwise": block-coordinate HELENE. Each step perturbs ONE block (a layer, or
 * with blocks: "row" one row of a weight), so the projected gradient, and the A-GNB curvature built
 * from it, belong to that block alone.
 *
 * Why: with z over all layers, c = g·z mixes every layer's gradient, so h_hat = mean_b c_b² z⊙z has
 * E = |∇l_b|² + 2 (∇l_b)_j² — the same number in every layer (helene-notes.md measures it). With
 * z restricted to block i, c_b = ∇_i l_b · z_i and E[h_hat_j] = |∇_i l_b|² + 2 (∇_i l_b)_j²: block i's
 * own per-example gradient energy (its empirical-Fisher trace), which for a least-squares layer is
 * residual² × tr(H_ii) — its curvature times a factor shared by all blocks. The ZO noise in block i's
 * step is also its own (|g_i|² d_i) instead of the whole model's (|g|² d_i).
 *
 * One step t (2 forward passes, like the paper):
 *   1. choose block i_t: "size" = odd steps a weighted round robin with shares d_i / D, even steps every
 *      block in turn (so no block waits more than 2 N steps; deterministic); "cyclic" = blocks in turn
 *   2. z_i ~ N(0, I) from the step seed, every other direction 0; l_b± = loss_b(theta ± eps z)
 *   3. c_b, c as the spec; alpha_t as the spec
 *   4. m = beta1 m + alpha_t c z  everywhere (z = 0 off block i_t: the rest only decays)
 *   5. block i_t only: h_i = beta2 h_i + (1 − beta2) mean_b(c_b²) z_i⊙z_i, n_i += 1,
 *      h_corr = h_i / (1 − beta2^n_i) (each block refreshes at its own rate, so each is bias-corrected),
 *      lambda_i = kappa mean(h_corr over the block)   (k does not apply: a block refreshes when chosen)
 *   6. every block: theta <- theta − lr (m / (gamma max(h_corr, lambda_i) / Hbar + eps_den) + wd theta)
 *      with curvatureScale "relative" (default): Hbar = sum_i d_i mean(h_corr,i) / sum_i d_i over the
 *      blocks chosen so far, so only the ratios between blocks pre-condition; with curvatureFloor f > 0
 *      the block's floor is max(lambda_i, f Hbar) on the corrected scale (h_corr / Hbar >= f: no block
 *      steps more than 1 / f times a block of mean curvature). Why: A-GNB with the true
 *      labels is an empirical Fisher, ∝ loss × curvature (for least squares exactly residual² × a²);
 *      dividing m by it makes the step grow like 1/loss during training (measured: too slow early,
 *      unstable late). "absolute": Hbar = 1, h used as the spec uses it.
 * A block not yet chosen has m = 0 and takes no step. With share s_i = (d_i / D + 1 / N) / 2, block i's
 * expected update is s_i g_i / h_i: per-block Newton-like scaling, weighted by how often it is refreshed.
 */
import type { LayerStat, OptimizerConfig } from '../protocol';
import type { OptimizerState, StepContext, StepFiniteness, StepOutcome, TrainableLayer } from './optimizer';
import { rms, summarize } from './layer-stats';
import { projectedGradients, type ProjectedGradients } from './spsa';
import { annealing, biasCorrection, curvatureEma, decayMomentum, decayedElementUpdate, elementUpdate, floorFor, gradientWeight, momentum, rhoOf } from './helene-common';
import { makeBlocks, type Block } from './helene-blocks';
import { averageRows } from './state-storage';
import { HeleneBase } from './helene-base';

/**
 * Weighted round robin: every block earns d_i / D credit per step; the richest is chosen and pays 1.
 * Deterministic, and block i is chosen d_i / D of the time up to one step (less variance than drawing).
 */
export function chooseBySize(credits: Float64Array, sizes: number[]): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  let best = 0;
  for (let i = 0; i < sizes.length; i++) {
    credits[i] += sizes[i] / total;
    if (credits[i] > credits[best]) best = i;
  }
  credits[best] -= 1;
  return best;
}

/**
 * "size" sampling: odd steps by size (chooseBySize), even steps every block in turn. Why not size
 * alone: on a pre-trained encoder (38 tensors, 0.92 M elements) size-proportional choice gave the
 * token embedding ~56 % of the steps and left 20 of 38 tensors (every bias, every LayerNorm, the
 * fresh head's bias) unperturbed for all 800 steps of the run (issue 16): a block never chosen never
 * learns. Interleaving a cycle guarantees every block is perturbed at least once in any 2 N
 * consecutive steps (MAX_GAP_PER_BLOCK_COUNT · N; N = block count), while big tensors still get
 * about half of the steps in proportion to their size.
 */
export const MAX_GAP_PER_BLOCK_COUNT = 2;

export function chooseInterleaved(t: number, credits: Float64Array, sizes: number[]): number {
  if (t % 2 === 0) return (t / 2 - 1) % sizes.length;
  return chooseBySize(credits, sizes);
}

/**
 * m and h as stored (helene-base.ts). Each open/commit of a layer is one store, so with bfloat16 the
 * momentum written by estimateBlock is rounded before update() reads it.
 */
export class HeleneLayerwise extends HeleneBase {
  readonly name: string = 'helene-layerwise';
  get forwardPassesPerStep(): number {
    return 2;
  }
  readonly blocks: Block[];
  /** Per block: lambda_i (on the uncorrected h scale), refreshes n_i, round-robin credit. */
  readonly lambdas: Float64Array;
  readonly refreshes: Float64Array;
  readonly credits: Float64Array;
  /** Per block: mean of the bias-corrected h (for Hbar). */
  readonly blockMeans: Float64Array;
  /** The block perturbed at the last step (-1 before the first). */
  lastBlock = -1;
  private readonly blockSizes: number[];
  private clean = false;
  /** Blocks whose dir was written since the last clear. */
  private readonly dirty: number[] = [];
  /** Per block: estimated in this step (its momentum already took this step's beta1). */
  protected readonly touched: Uint8Array;

  constructor(layers: TrainableLayer[], config: OptimizerConfig, protected readonly totalSteps: number) {
    super(layers, config);
    this.blocks = makeBlocks(layers, config.blocks ?? 'layer', totalSteps);
    this.blockSizes = this.blocks.map((b) => b.size);
    this.lambdas = new Float64Array(this.blocks.length);
    this.refreshes = new Float64Array(this.blocks.length);
    this.credits = new Float64Array(this.blocks.length);
    this.blockMeans = new Float64Array(this.blocks.length);
    this.touched = new Uint8Array(this.blocks.length);
  }

  chooseBlock(t: number): number {
    if (this.config.layerSampling === 'cyclic') return (t - 1) % this.blocks.length;
    return chooseInterleaved(t, this.credits, this.blockSizes);
  }

  protected slice(layerView: Float32Array, b: Block): Float32Array {
    return layerView.subarray(b.offset, b.offset + b.size);
  }

  async step(ctx: StepContext): Promise<StepOutcome> {
    const { t, lr } = ctx;
    this.touched.fill(0);
    const alpha = annealing(this.config, t, this.totalSteps);
    const i = (this.lastBlock = this.chooseBlock(t));
    const pg = await this.estimateBlock(ctx, i, 0, alpha);
    this.update(lr);
    return { loss: pg.loss, c: pg.c, alpha, forwardPasses: 2 };
  }

  /** Every direction exactly 0 (only chosen blocks are perturbed); after the first step only the last chosen blocks need it. */
  protected clearDirections(): void {
    if (!this.clean) for (const l of this.layers) l.dir.fill(0);
    else for (const k of this.dirty) this.blocks[k].view.dir.fill(0);
    this.clean = true;
    this.dirty.length = 0;
  }

  /** The normalised weight of a block's projected gradient (1 here; the "normalized" variant divides by a spread). */
  protected gradientScale(_pg: ProjectedGradients): number {
    return 1;
  }

  /**
   * Steps 2, 3 and 5 and the momentum term for block i: z_i (the step's stream number `stream`: the
   * direction source keys a stream by the layer's position in the list, so empty views put block i's
   * z at position `stream`), 2 passes, h_i refresh, m_i = beta1 m_i + g z_i (a block estimated twice in
   * one step decays once: m_i += g z_i the second time). Blocks not estimated decay in update().
   */
  protected async estimateBlock(ctx: StepContext, i: number, stream: number, alpha: number): Promise<ProjectedGradients> {
    const cfg = this.config;
    const chosen = this.blocks[i];
    this.clearDirections();
    this.dirty.push(i);
    await ctx.directions.normal(ctx.t, stream === 0 ? [chosen.view] : [...emptyViews(stream), chosen.view]);
    const pg = await projectedGradients(ctx.oracle, cfg.eps);
    const g = gradientWeight(cfg, alpha) * pg.c * this.gradientScale(pg);
    const s = (1 - cfg.beta2) * (cfg.hessian === 'per-example' ? pg.meanSquare : pg.cb.length * pg.c * pg.c);
    this.refreshes[i]++;
    const hLayer = this.hState.open(chosen.layer);
    const hMean = curvatureEma(this.slice(hLayer, chosen), chosen.view.dir, cfg.beta2, s);
    averageRows(hLayer, this.hState.width(chosen.layer), chosen.offset, chosen.size);
    this.hState.commit(chosen.layer, hLayer);
    this.lambdas[i] = floorFor(cfg, this.layers[chosen.layer].name, hMean, biasCorrection(cfg.beta2, this.refreshes[i]));
    this.blockMeans[i] = hMean / biasCorrection(cfg.beta2, this.refreshes[i]);
    const mLayer = this.mState.open(chosen.layer);
    if (this.touched[i]) addScaled(this.slice(mLayer, chosen), chosen.view.dir, g);
    else momentum(this.slice(mLayer, chosen), chosen.view.dir, cfg.beta1, g);
    this.mState.commit(chosen.layer, mLayer);
    this.touched[i] = 1;
    return pg;
  }

  /** Step 6: every block chosen so far, theta <- theta − lr (m / (gamma max(h_corr, floor) / Hbar + eps_den) + wd theta). */
  protected update(lr: number): void {
    const cfg = this.config;
    const relative = (cfg.curvatureScale ?? 'relative') === 'relative';
    const hBar = relative ? this.meanCurvature() : 1;
    this.norms.reset();
    // Blocks come in layer order: each layer's m is opened once, and stored when the next layer starts.
    let open = -1;
    let mLayer: Float32Array = EMPTY;
    let hLayer: Float32Array = EMPTY;
    for (let k = 0; k < this.blocks.length; k++) {
      const b = this.blocks[k];
      if (b.layer !== open) {
        if (open >= 0) this.mState.commit(open, mLayer);
        open = b.layer;
        mLayer = this.mState.open(open);
        hLayer = this.hState.read(open);
      }
      const m = this.slice(mLayer, b);
      const decays = !this.touched[k]; // m = beta1 m + 0
      if (this.refreshes[k] === 0) {
        if (decays) decayMomentum(m, cfg.beta1);
        continue; // never chosen: m = 0, h = 0, no step
      }
      const wd = b.view.rank >= 2 ? cfg.weightDecay : 0;
      const correction = biasCorrection(cfg.beta2, this.refreshes[k]);
      const scale = cfg.gamma / (correction * hBar);
      // curvatureFloor: h_corr / Hbar >= floor, i.e. h >= floor · Hbar · correction on the stored scale.
      const floor = relative && cfg.curvatureFloor ? Math.max(this.lambdas[k], cfg.curvatureFloor * hBar * correction) : this.lambdas[k];
      const h = this.slice(hLayer, b);
      // The decay and the update in one pass where the SIMD kernel runs (the same bits as one after the other).
      this.norms.sumSquares[b.layer] += decays
        ? decayedElementUpdate(b.view.theta, m, h, cfg.beta1, floor, lr, scale, cfg.epsDen, rhoOf(cfg), wd)
        : elementUpdate(b.view.theta, m, h, floor, lr, scale, cfg.epsDen, rhoOf(cfg), wd);
    }
    if (open >= 0) this.mState.commit(open, mLayer);
  }

  /**
   * Once every block has been chosen, update() runs elementUpdate over every block, i.e. over all of
   * theta, m and h, and elementUpdate tests them (the folded check, guards.ts). Before that, blocks
   * never chosen are skipped, so the guard scans everything. The per-block scalars are scanned.
   */
  finitenessOfLastStep(): StepFiniteness | null {
    for (let k = 0; k < this.blocks.length; k++) if (this.refreshes[k] === 0) return null;
    return { finite: this.norms.allFinite(), theta: true, stateKeys: ['m', 'h'] };
  }

  /** Hbar: size-weighted mean of the blocks' mean corrected h, over the blocks chosen so far. */
  meanCurvature(): number {
    let sum = 0;
    let size = 0;
    for (let k = 0; k < this.blocks.length; k++) {
      if (this.refreshes[k] === 0) continue;
      sum += this.blocks[k].size * this.blockMeans[k];
      size += this.blocks[k].size;
    }
    return size > 0 && sum > 0 ? sum / size : 1;
  }

  /** Per layer: the bias-corrected h of its blocks, their mean lambda, and the share of elements under their block's floor. */
  override layerStats(lr: number): LayerStat[] {
    const { gamma, epsDen, beta2 } = this.config;
    const corrected = this.layers.map((l) => new Float32Array(l.size));
    const lambdaSum = new Float64Array(this.layers.length);
    const below = new Float64Array(this.layers.length);
    const stepSum = new Float64Array(this.layers.length);
    let open = -1;
    let hLayer: Float32Array = EMPTY;
    this.blocks.forEach((b, k) => {
      if (b.layer !== open) hLayer = this.hState.read((open = b.layer));
      const inv = 1 / biasCorrection(beta2, this.refreshes[k]);
      const h = this.slice(hLayer, b);
      const lambda = this.lambdas[k] * inv;
      lambdaSum[b.layer] += lambda * b.size;
      for (let j = 0; j < b.size; j++) {
        const v = (corrected[b.layer][b.offset + j] = h[j] * inv);
        if (v < lambda) below[b.layer]++;
        stepSum[b.layer] += lr / (gamma * (v > lambda ? v : lambda) + epsDen);
      }
    });
    return this.layers.map((layer, i) => ({
      ...this.norms.baseStat(layer, i),
      ...summarize(corrected[i]),
      lambda: lambdaSum[i] / layer.size,
      floorFraction: below[i] / layer.size,
      effectiveStep: stepSum[i] / layer.size,
      mRms: rms(this.mState.read(i)),
    }));
  }

  override state(): OptimizerState {
    return { m: this.mState.stored, h: this.hState.stored, lambda: [this.lambdas], refreshes: [this.refreshes], credits: [this.credits], blockMeans: [this.blockMeans] };
  }
}

const EMPTY: Float32Array = new Float32Array(0);

/** m += g z (z = 0 off the block, so only the block's m changes). */
function addScaled(m: Float32Array, z: Float32Array, g: number): void {
  for (let j = 0; j < m.length; j++) m[j] += g * z[j];
}

/** n empty layers: put a block's z at stream position n of a step (a size-0 view is filled with nothing). */
function emptyViews(n: number): TrainableLayer[] {
  return Array.from({ length: n }, (_, k) => ({ name: `empty${k}`, shape: [0], size: 0, rank: 1, theta: new Float32Array(0), dir: new Float32Array(0) }));
}
