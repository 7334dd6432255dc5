/**
 * Where a training step's per-example losses come from: the trainer's one hook for data-parallel
 * runs. In one process the engine evaluates the whole batch; in a data-parallel run
 * (data-parallel/sharded-losses.ts) each worker evaluates its shard and the losses of all shards are
 * gathered, in example order, so the optimizer reduces exactly the numbers one process would have.
 */
import type { RunSummary } from '../protocol';
import type { DataFeeds, TrainingEngine } from '../engine/training-engine';
import type { LossOracle, LossPurpose, TrainableLayer } from '../optim/optimizer';

export interface LossReducer extends LossOracle {
  /** Step t's training batch (the whole batch, as the batcher made it). */
  setBatch(t: number, feeds: DataFeeds): void;
  /** The run ends after step t (the final checkpoint comes next): a last chance to check and refuse. */
  finish?(t: number): Promise<void>;
  /** What the run summary gains (a data-parallel run: its traffic). */
  summary?(): Partial<RunSummary> | null;
}

export type LossReducerFactory = (engine: TrainingEngine, layers: readonly TrainableLayer[]) => LossReducer;

/** One process: the engine's own per-example losses of the whole batch. */
export function engineLosses(engine: TrainingEngine): LossReducer {
  return {
    setBatch: (_t, feeds) => engine.setBatch(feeds),
    losses: (scale: number, _purpose?: LossPurpose) => engine.losses(scale),
    lossPair: (eps: number) => engine.lossPair(eps),
  };
}
