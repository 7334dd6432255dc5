/**
 * Which examples of the global batch each worker evaluates, and the feeds that show the engine only
 * those rows (views of the batcher's buffers: no copy).
 *
 * Shards are contiguous and in rank order (rank 0 has the first rows), so gathering them by rank
 * gives the losses in example order. The first B % K ranks take one example more.
 *
 * Bit-exactness needs each example's loss to be independent of how many rows the engine sees. On
 * the CPU provider that holds for 2 rows or more, but not for 1 (presumably another matrix kernel;
 * measured on the demo MLP, 20 batches of 32: 366 of 640 losses computed one row at a time differed
 * in their last bits, none computed 2, 4, 8, 10, 11 or 16 rows at a time did). So a 1-example shard is evaluated with a neighbour
 * row beside it and only its own loss is kept.
 */
import * as ort from 'onnxruntime-node';
import type { DataFeeds } from '../../engine/training-engine';

export interface Shard {
  /** First example (index in the global batch) and one past the last. */
  start: number;
  end: number;
}

export function shardOf(batchSize: number, workers: number, rank: number): Shard {
  const base = Math.floor(batchSize / workers);
  const extra = batchSize % workers;
  const start = rank * base + Math.min(rank, extra);
  return { start, end: start + base + (rank < extra ? 1 : 0) };
}

/** The rows the engine runs for a shard: the shard itself, widened to 2 rows when it has 1. */
export function evaluatedRows(shard: Shard, batchSize: number): Shard {
  if (shard.end - shard.start >= 2 || batchSize < 2) return shard;
  return shard.end < batchSize ? { start: shard.start, end: shard.end + 1 } : { start: shard.start - 1, end: shard.end };
}

/** Shard views of the batcher's feeds, made once per feeds object (the batcher refills its buffers in place). */
export class ShardFeeds {
  private readonly views = new WeakMap<DataFeeds, DataFeeds>();
  readonly rows: Shard;
  /** Where the shard's own losses start in the engine's output. */
  readonly offset: number;

  constructor(readonly batchSize: number, readonly shard: Shard) {
    this.rows = evaluatedRows(shard, batchSize);
    this.offset = shard.start - this.rows.start;
  }

  of(feeds: DataFeeds): DataFeeds {
    let view = this.views.get(feeds);
    if (!view) {
      view = {};
      const { start, end } = this.rows;
      for (const [name, tensor] of Object.entries(feeds)) {
        const data = tensor.data as Float32Array | BigInt64Array;
        const width = data.length / this.batchSize;
        view[name] = new ort.Tensor(tensor.type as 'float32', data.subarray(start * width, end * width) as Float32Array, [end - start, ...tensor.dims.slice(1)]);
      }
      this.views.set(feeds, view);
    }
    return view;
  }
}
