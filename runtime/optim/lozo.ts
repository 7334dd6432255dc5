/**
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
 */
import type { HyperparameterPatch, LayerStat, OptimizerConfig } from '../protocol';
import { applyPatch, type OptimizerState, type StepContext, type StepOutcome, type TrainableLayer, type ZoOptimizer } from './optimizer';
import { UpdateNorms } from './layer-stats';
import { projectedGradients } from './spsa';
import { sgdUpdate } from './mezo';

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

export class Lozo implements ZoOptimizer {
  readonly name = 'lozo';
  readonly forwardPassesPerStep = 2;
  readonly factors: Factors[];
  private readonly whole: TrainableLayer[];
  private readonly norms: UpdateNorms;

  constructor(readonly layers: TrainableLayer[], readonly config: OptimizerConfig) {
    this.norms = new UpdateNorms(layers.length);
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
    const wd = this.config.weightDecay;
    this.norms.reset();
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      this.norms.sumSquares[i] = sgdUpdate(layer.theta, layer.dir, ctx.lr, c, layer.rank >= 2 ? wd : 0);
    }
    return { loss, c, forwardPasses: 2 };
  }

  layerStats(): LayerStat[] {
    return this.layers.map((layer, i) => this.norms.baseStat(layer, i));
  }

  setHyperparameters(patch: HyperparameterPatch): void {
    applyPatch(this.config, patch);
  }

  state(): OptimizerState {
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
