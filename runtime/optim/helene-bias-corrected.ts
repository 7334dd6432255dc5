/**
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
 */
import type { HyperparameterPatch, LayerStat, OptimizerConfig } from '../protocol';
import { applyPatch, type OptimizerState, type StepContext, type StepOutcome, type TrainableLayer, type ZoOptimizer } from './optimizer';
import { rms, UpdateNorms } from './layer-stats';
import { projectedGradients } from './spsa';
import { annealing, curvatureEma, elementStats, elementUpdate, gradientWeight, momentum, rhoOf } from './helene-common';

/** 1 − beta2^n, the share of E[h_hat] an EMA started at 0 holds after n refreshes. */
export function biasCorrection(beta2: number, refreshes: number): number {
  return refreshes > 0 ? 1 - Math.pow(beta2, refreshes) : 1;
}

export class HeleneBiasCorrected implements ZoOptimizer {
  readonly name = 'helene-bias-corrected';
  readonly forwardPassesPerStep = 2;
  readonly m: Float32Array[];
  readonly h: Float32Array[];
  /** Per-layer floor on the uncorrected h (kappa mean(h)); the correction scales both alike. */
  readonly lambdas: Float64Array;
  /** [refreshes so far], kept in the checkpoint. */
  readonly counters = new Float64Array(1);
  private readonly norms: UpdateNorms;

  constructor(readonly layers: TrainableLayer[], readonly config: OptimizerConfig, private readonly totalSteps: number) {
    this.m = layers.map((l) => new Float32Array(l.size));
    this.h = layers.map((l) => new Float32Array(l.size));
    this.lambdas = new Float64Array(layers.length);
    this.norms = new UpdateNorms(layers.length);
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
      momentum(this.m[i], layer.dir, cfg.beta1, g);
      if (refresh) this.lambdas[i] = floorFor(cfg, layer.name, curvatureEma(this.h[i], layer.dir, cfg.beta2, s), this.correction);
      const decay = layer.rank >= 2 ? cfg.weightDecay : 0;
      this.norms.sumSquares[i] = elementUpdate(layer.theta, this.m[i], this.h[i], this.lambdas[i], lr, scale, cfg.epsDen, rhoOf(cfg), decay);
    }
    return { loss: pg.loss, c: pg.c, alpha, forwardPasses: 2 };
  }

  layerStats(lr: number): LayerStat[] {
    const { gamma, epsDen } = this.config;
    const corr = 1 / this.correction;
    return this.layers.map((layer, i) => ({
      ...this.norms.baseStat(layer, i),
      ...elementStats(this.h[i], this.lambdas[i], corr, lr, gamma, epsDen),
      mRms: rms(this.m[i]),
    }));
  }

  setHyperparameters(patch: HyperparameterPatch): void {
    applyPatch(this.config, patch);
  }

  state(): OptimizerState {
    return { m: this.m, h: this.h, lambda: [this.lambdas], counters: [this.counters] };
  }
}

/**
 * lambda_i on the uncorrected h scale. Relative mode: kappa mean(h) (scales with h, so the correction
 * cancels). Constant / explicit floors are given on the corrected scale, so they are divided back.
 */
export function floorFor(cfg: OptimizerConfig, layerName: string, meanH: number, correction: number): number {
  switch (cfg.lambdaMode) {
    case 'relative':
      return cfg.kappa * meanH;
    case 'constant':
      return cfg.lambda * correction;
    case 'explicit': {
      const hit = cfg.lambdaMap.find(([pattern]) => new RegExp(pattern).test(layerName));
      if (!hit) throw new Error(`optimizer.lambdaMap has no pattern matching layer "${layerName}"`);
      return hit[1] * correction;
    }
  }
}
