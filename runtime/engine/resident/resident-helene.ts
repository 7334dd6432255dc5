/**
 * HELENE (`variant: paper`) with the resident step: the same step scalars as ../../optim/helene.ts
 * (α_t, the gradient weight, the refresh schedule, the A-GNB scale), computed on the host from the
 * losses; every per-element operation in the update graph. State m, h, λ lives with θ.
 */
import type { HyperparameterPatch, LayerStat, OptimizerConfig } from '../../protocol';
import { applyPatch, type OptimizerState, type StepContext, type StepOutcome, type TrainableLayer, type ZoOptimizer } from '../../optim/optimizer';
import { rms, UpdateNorms } from '../../optim/layer-stats';
import { elementStats } from '../../optim/helene-common';
import { projectedGradients } from '../../optim/spsa';
import type { Seed64 } from '../../rng/seeds';
import type { HeleneArrays, ResidentGraphs } from './resident-graphs';

export class ResidentHelene implements ZoOptimizer {
  readonly name = 'helene';
  readonly forwardPassesPerStep = 2;
  private readonly norms: UpdateNorms;
  private readonly floor: Float32Array;

  constructor(
    readonly layers: TrainableLayer[],
    readonly config: OptimizerConfig,
    readonly graphs: ResidentGraphs,
    readonly arrays: Required<HeleneArrays>,
    private readonly runSeed: Seed64,
    private readonly totalSteps: number,
  ) {
    this.norms = new UpdateNorms(layers.length);
    this.floor = new Float32Array(layers.length);
  }

  get horizon(): number {
    return this.config.T ?? Math.max(1, 0.1 * this.totalSteps);
  }

  /** Per-layer floor term and κ for the graph's λ' = κ mean(h') + floor_i (spec step 7's three modes). */
  private floorTerms(): number {
    const cfg = this.config;
    this.layers.forEach((layer, i) => {
      if (cfg.lambdaMode === 'constant') this.floor[i] = cfg.lambda;
      else if (cfg.lambdaMode === 'explicit') {
        const hit = cfg.lambdaMap.find(([pattern]) => new RegExp(pattern).test(layer.name));
        if (!hit) throw new Error(`optimizer.lambdaMap has no pattern matching layer "${layer.name}"`);
        this.floor[i] = hit[1];
      } else this.floor[i] = 0;
    });
    return cfg.lambdaMode === 'relative' ? cfg.kappa : 0;
  }

  async step(ctx: StepContext): Promise<StepOutcome> {
    const { t, lr } = ctx;
    const cfg = this.config;
    await this.graphs.generateZ(this.runSeed, t);
    const pg = await projectedGradients(ctx.oracle, cfg.eps);
    const c = pg.c;
    const alpha = cfg.beta1 + (1 - cfg.beta1) * Math.exp(-t / this.horizon);
    const gradWeight = cfg.momentum === 'annealed' ? alpha : 1 - cfg.beta1;
    const refresh = (t - 1) % cfg.k === 0;
    const hScale = cfg.hessian === 'per-example' ? pg.meanSquare : pg.cb.length * c * c;
    const kappa = this.floorTerms();
    const sq = await this.graphs.update(
      {
        lr,
        beta1: cfg.beta1,
        g: gradWeight * c,
        beta2h: refresh ? cfg.beta2 : 1,
        s: refresh ? (1 - cfg.beta2) * hScale : 0,
        kappa,
        gamma: cfg.gamma,
        eps_den: cfg.epsDen,
        rho: cfg.rho ?? Infinity,
        wd: cfg.weightDecay,
      },
      { refresh, floor: this.floor },
    );
    this.norms.sumSquares.set(sq);
    return { loss: pg.loss, c, alpha, forwardPasses: 2 };
  }

  /**
   * The panel's per-layer curvature (h mean, min, max, median, floor fraction, effective step) and m
   * RMS, from the host arrays: with the state on the device the Trainer downloads them first, only
   * at the statistics interval (device-state.ts).
   */
  layerStats(lr: number): LayerStat[] {
    const { gamma, epsDen } = this.config;
    return this.layers.map((layer, i) => ({
      ...this.norms.baseStat(layer, i),
      ...elementStats(this.arrays.h[i], this.arrays.lambda[i], 1, lr, gamma, epsDen),
      mRms: rms(this.arrays.m[i]),
    }));
  }

  /** Close the z and update sessions (the trainer calls this after the training session's release). */
  release(): Promise<void> {
    return this.graphs.release();
  }

  setHyperparameters(patch: HyperparameterPatch): void {
    applyPatch(this.config, patch);
  }

  state(): OptimizerState {
    return { m: this.arrays.m, h: this.arrays.h, lambda: [this.arrays.lambda] };
  }
}
