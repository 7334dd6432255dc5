/**
 * FZOO — spec "Baselines" and "Exact conventions". N + 1 forward passes per step:
 *   L0 = mean loss(theta);  L_i = mean loss(theta + eps u_i),  u_i Rademacher (seeded like z)
 *   sigma = population std of {L_i}
 *   theta <- theta − lr (sum_i (L_i − L0) / (N sigma) u_i + wd theta)
 * sigma = 0 gives a zero direction (weight decay still applies), reported in the step's note.
 * Each u_i is regenerated for the update instead of being kept: N directions never sit in memory.
 */
import type { OptimizerConfig } from '../protocol';
import { mean, type StepContext, type StepOutcome, type TrainableLayer } from './optimizer';
import { BaseOptimizer } from './base-optimizer';

export class FZOO extends BaseOptimizer {
  readonly name = 'fzoo';
  private readonly previousTheta: Float32Array[];

  constructor(layers: TrainableLayer[], config: OptimizerConfig) {
    super(layers, config);
    this.previousTheta = layers.map((l) => new Float32Array(l.size));
  }

  get forwardPassesPerStep(): number {
    return this.config.directions + 1;
  }

  async step(ctx: StepContext): Promise<StepOutcome> {
    const { t, lr } = ctx;
    const N = this.config.directions;
    const { eps, weightDecay } = this.config;
    const L0 = mean(await ctx.oracle.losses(0));
    const L = new Float64Array(N);
    for (let n = 0; n < N; n++) {
      await ctx.directions.rademacher(t, n, this.layers);
      L[n] = mean(await ctx.oracle.losses(+eps));
    }
    let avg = 0;
    for (let n = 0; n < N; n++) avg += L[n] / N;
    let variance = 0;
    for (let n = 0; n < N; n++) variance += (L[n] - avg) ** 2 / N;
    const sigma = Math.sqrt(variance);

    if (ctx.collectStats) this.layers.forEach((l, i) => this.previousTheta[i].set(l.theta));
    // Coupled weight decay uses theta before the step, so apply it before the direction terms.
    for (const layer of this.layers) {
      if (layer.rank < 2 || weightDecay === 0) continue;
      const shrink = 1 - lr * weightDecay;
      for (let j = 0; j < layer.size; j++) layer.theta[j] *= shrink;
    }
    if (sigma > 0) {
      for (let n = 0; n < N; n++) {
        const w = (lr * (L[n] - L0)) / (N * sigma);
        await ctx.directions.rademacher(t, n, this.layers);
        for (const layer of this.layers) {
          const { theta, dir: u } = layer;
          for (let j = 0; j < layer.size; j++) theta[j] -= w * u[j];
        }
      }
    }
    if (ctx.collectStats) {
      this.layers.forEach((layer, i) => {
        let sq = 0;
        for (let j = 0; j < layer.size; j++) sq += (layer.theta[j] - this.previousTheta[i][j]) ** 2;
        this.norms.sumSquares[i] = sq;
      });
    }
    return { loss: L0, forwardPasses: N + 1, note: sigma > 0 ? undefined : 'sigma = 0: zero step' };
  }
}
