/**
 * The HELENE family: the spec's HELENE ("paper", helene.ts, unchanged) and the named variants beside
 * it, chosen by optimizer.variant. Rationale and measurements: docs/helene-notes.md.
 */
import type { OptimizerConfig } from '../protocol';
import type { TrainableLayer, ZoOptimizer } from './optimizer';
import { Helene } from './helene';
import { HeleneBiasCorrected, HeleneEnergy, HeleneMulti, HeleneNormalized } from './helene-ablations';
import { HeleneLayerwise } from './helene-layerwise';

export function createHelene(layers: TrainableLayer[], config: OptimizerConfig, totalSteps: number): ZoOptimizer {
  // Runs recorded before the key existed have no variant: they were the paper's.
  switch (config.variant ?? 'paper') {
    case 'paper':
      return new Helene(layers, config, totalSteps);
    case 'bias-corrected':
      return new HeleneBiasCorrected(layers, config, totalSteps);
    case 'energy':
      return new HeleneEnergy(layers, config, totalSteps);
    case 'layerwise':
      return new HeleneLayerwise(layers, config, totalSteps);
    case 'multi':
      return new HeleneMulti(layers, config, totalSteps);
    case 'normalized':
      return new HeleneNormalized(layers, config, totalSteps);
  }
}
