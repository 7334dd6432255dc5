/**
 * Block-coordinate HELENE (`variant: layerwise`, the HELENE preset) with the resident step. The block
 * bookkeeping — which block a step perturbs, refresh counts, bias correction, λ per block, the mean
 * curvature H̄ — is per-block scalars, kept by the CPU optimizer's own object (`book`, never stepped:
 * its chooser, its arrays, its layerStats and state, so checkpoints are the CPU optimizer's). Every
 * per-element operation runs in the graphs (layerwise-update-graphs.ts):
 *   z graph (z masked to the chosen block) → two passes → refresh graph (m, h, the block's mean h)
 *   → host: λ_i, H̄, per-block lr / scale / floor → update graph (θ).
 * One difference from the CPU optimizer: a row block's z is the layer's resident z stream restricted to
 * the row (the CPU path draws the block's z from stream 0 with counters from 0), so as with every
 * resident optimizer z is a different N(0, I) sample, still a pure function of (seed, step, layer, element).
 */
import type { HyperparameterPatch, LayerStat, OptimizerConfig } from '../../protocol';
import { applyPatch, type OptimizerState, type StepContext, type StepOutcome, type TrainableLayer, type ZoOptimizer } from '../../optim/optimizer';
import { HeleneLayerwise } from '../../optim/helene-layerwise';
import { annealing, biasCorrection, floorFor, gradientWeight } from '../../optim/helene-common';
import type { UpdateNorms } from '../../optim/layer-stats';
import { projectedGradients } from '../../optim/spsa';
import type { Seed64 } from '../../rng/seeds';
import { ResidentGraphs, type BlockVectors, type ResidentGraphsOptions } from './resident-graphs';

export class ResidentLayerwise implements ZoOptimizer {
  readonly name = 'helene-layerwise';
  readonly forwardPassesPerStep = 2;
  /** Per layer, one entry per block: the z mask (1 on the chosen block) and the update's vectors. */
  private readonly masks: Float32Array[];
  private readonly vectors: BlockVectors;
  /** Index of each block within its layer. */
  private readonly row: number[];

  private constructor(
    readonly layers: TrainableLayer[],
    readonly config: OptimizerConfig,
    readonly graphs: ResidentGraphs,
    private readonly book: HeleneLayerwise,
    private readonly runSeed: Seed64,
    private readonly totalSteps: number,
  ) {
    const counts = ResidentLayerwise.blockCounts(book, layers.length);
    const perLayer = () => counts.map((n) => new Float32Array(n));
    this.masks = perLayer();
    this.vectors = { lr: perLayer(), scale: perLayer(), floor: perLayer() };
    const seen = new Array(layers.length).fill(0);
    this.row = book.blocks.map((b) => seen[b.layer]++);
  }

  private static blockCounts(book: HeleneLayerwise, layers: number): number[] {
    const counts = new Array(layers).fill(0);
    for (const b of book.blocks) counts[b.layer]++;
    return counts;
  }

  static async create(layers: TrainableLayer[], config: OptimizerConfig, totalSteps: number, runSeed: Seed64, options: ResidentGraphsOptions): Promise<ResidentLayerwise> {
    const book = new HeleneLayerwise(layers, config, totalSteps);
    const graphs = await ResidentGraphs.create(layers, 'layerwise', options, { m: book.m, h: book.h }, ResidentLayerwise.blockCounts(book, layers.length));
    return new ResidentLayerwise(layers, config, graphs, book, runSeed, totalSteps);
  }

  async step(ctx: StepContext): Promise<StepOutcome> {
    const { t, lr } = ctx;
    const cfg = this.config;
    const book = this.book;
    const alpha = annealing(cfg, t, this.totalSteps);
    const i = (book.lastBlock = book.chooseBlock(t));
    const chosen = book.blocks[i];
    for (const m of this.masks) m.fill(0);
    this.masks[chosen.layer][this.row[i]] = 1;
    await this.graphs.generateZ(this.runSeed, t, this.masks);
    const pg = await projectedGradients(ctx.oracle, cfg.eps);
    const g = gradientWeight(cfg, alpha) * pg.c;
    const s = (1 - cfg.beta2) * (cfg.hessian === 'per-example' ? pg.meanSquare : pg.cb.length * pg.c * pg.c);
    book.refreshes[i]++;
    const hMean = (await this.graphs.layerwiseRefresh({ beta1: cfg.beta1, g, beta2: cfg.beta2, s }, this.masks))[chosen.layer];
    const correction = biasCorrection(cfg.beta2, book.refreshes[i]);
    book.lambdas[i] = floorFor(cfg, this.layers[chosen.layer].name, hMean, correction);
    book.blockMeans[i] = hMean / correction;
    this.blockVectors(lr);
    const sq = await this.graphs.layerwiseUpdate({ eps_den: cfg.epsDen, rho: cfg.rho ?? Infinity, wd: cfg.weightDecay }, this.vectors);
    this.norms.sumSquares.set(sq);
    return { loss: pg.loss, c: pg.c, alpha, forwardPasses: 2 };
  }

  /** The CPU optimizer's update() scalars per block: lr (0 before a block's first refresh), γ/(correction·H̄), floor. */
  private blockVectors(lr: number): void {
    const cfg = this.config;
    const book = this.book;
    const relative = (cfg.curvatureScale ?? 'relative') === 'relative';
    const hBar = relative ? book.meanCurvature() : 1;
    book.blocks.forEach((b, k) => {
      const r = this.row[k];
      const correction = biasCorrection(cfg.beta2, book.refreshes[k]);
      this.vectors.lr[b.layer][r] = book.refreshes[k] === 0 ? 0 : lr;
      this.vectors.scale[b.layer][r] = cfg.gamma / (correction * hBar);
      this.vectors.floor[b.layer][r] = relative && cfg.curvatureFloor ? Math.max(book.lambdas[k], cfg.curvatureFloor * hBar * correction) : book.lambdas[k];
    });
  }

  private get norms(): UpdateNorms {
    return (this.book as unknown as { norms: UpdateNorms }).norms;
  }

  /** The CPU optimizer's statistics from the host arrays (the Trainer downloads them first when they live on the device). */
  layerStats(lr: number): LayerStat[] {
    return this.book.layerStats(lr);
  }

  release(): Promise<void> {
    return this.graphs.release();
  }

  setHyperparameters(patch: HyperparameterPatch): void {
    applyPatch(this.config, patch);
  }

  /** The CPU optimizer's state (m, h, λ, refreshes, credits, block means): its checkpoints hold the same tensors. */
  state(): OptimizerState {
    return this.book.state();
  }
}
