/** Optimizer factory: one file per optimizer, created by name from the resolved config. */
import type { OptimizerConfig } from '../protocol';
import type { TrainableLayer, ZoOptimizer } from './optimizer';
import { MeZO } from './mezo';
import { createHelene } from './helene-variants';
import { HiZOO } from './hizoo';
import { ZoAdam } from './zo-adam';
import { FZOO } from './fzoo';
import { ZoSgdSign } from './zo-sgd-sign';
import { ZoSgdMomentum } from './zo-sgd-momentum';
import { ZoSgdCons } from './zo-sgd-cons';
import { Lozo, SparseMeZO } from './helene-ablations';

export function createOptimizer(layers: TrainableLayer[], config: OptimizerConfig, totalSteps: number): ZoOptimizer {
  // Each optimizer owns a copy so live hyperparameter changes never leak into the saved config.
  const own = structuredClone(config);
  switch (config.name) {
    case 'mezo':
      return new MeZO(layers, own);
    case 'helene':
      return createHelene(layers, own, totalSteps);
    case 'hizoo':
      return new HiZOO(layers, own);
    case 'zo-adam':
      return new ZoAdam(layers, own);
    case 'fzoo':
      return new FZOO(layers, own);
    case 'zo-sgd-sign':
      return new ZoSgdSign(layers, own);
    case 'zo-sgd-momentum':
      return new ZoSgdMomentum(layers, own);
    case 'zo-sgd-cons':
      return new ZoSgdCons(layers, own);
    case 'sparse-mezo':
      return new SparseMeZO(layers, own);
    case 'lozo':
      return new Lozo(layers, own);
  }
}

export type { TrainableLayer, ZoOptimizer, LossOracle, DirectionSource, StepContext, StepOutcome } from './optimizer';
export { learningRateAt } from './schedule';
