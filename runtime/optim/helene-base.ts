/**
 * What the HELENE classes that keep m and h per element hold alike (the paper's HELENE, the
 * bias-corrected variant, the layerwise family): m and h as stored between steps
 * (optimizer.stateDtype / hessianShape, state-storage.ts) and their float32 per-element views.
 * Each class keeps its own step, floor and statistics in its own file.
 */
import type { OptimizerConfig } from '../protocol';
import type { TrainableLayer } from './optimizer';
import { BaseOptimizer } from './base-optimizer';
import { StateTensor, storageOf } from './state-storage';

export abstract class HeleneBase extends BaseOptimizer {
  /** m and h as stored (float32 by default; bfloat16 and/or per-row h by option). */
  readonly mState: StateTensor;
  readonly hState: StateTensor;

  constructor(layers: TrainableLayer[], config: OptimizerConfig) {
    super(layers, config);
    const { dtype, perRow } = storageOf(config);
    this.mState = new StateTensor(layers, dtype);
    this.hState = new StateTensor(layers, dtype, perRow);
  }

  /** m per element in float32, one array per layer (the stored arrays themselves in the default storage). */
  get m(): Float32Array[] {
    return this.layers.map((_, i) => this.mState.values(i));
  }

  /** h per element in float32 (row values broadcast with hessianShape "row"). */
  get h(): Float32Array[] {
    return this.layers.map((_, i) => this.hState.values(i));
  }
}
