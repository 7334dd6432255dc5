/**
 * What the engine's concurrent-pass client (concurrent-passes.ts) and its worker thread
 * (pass-worker.ts) say to each other. The weights travel as one ArrayBuffer that is transferred, not
 * copied: to the worker for the pass, and back with the losses.
 */
import type { PerturbedTrainable } from '../onnx/fed-weights-graph';

/** A data feed (input_ids, labels…) copied to the worker when the batch changed. */
export interface DataFeedCopy {
  name: string;
  type: 'float32' | 'int64' | 'int32' | 'bool' | 'uint8' | 'int8' | 'float16';
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | Uint16Array;
  dims: number[];
}

export type PassWorkerRequest =
  | {
      kind: 'init';
      /** The training graph (encoded, or its path). */
      model: Uint8Array | string;
      externalDataDir?: string;
      threads: number;
      trainables: PerturbedTrainable[];
      /** Element offset of each trainable in the weights buffer, and its shape. */
      offsets: number[];
      shapes: number[][];
      scaleInput: string;
      lossOutput: string;
    }
  | { kind: 'data'; feeds: DataFeedCopy[] }
  /** One pass on the weights sent; `outputs`: what to fetch besides the loss (evaluation's logits). */
  | { kind: 'run'; weights: ArrayBuffer; outputs?: string[] };

export type PassWorkerReply =
  | { kind: 'ready' }
  | { kind: 'error'; message: string }
  | { kind: 'losses'; losses: Float32Array; weights: ArrayBuffer; outputs?: FetchedOutput[] };

/** An extra output of a pass, copied out of the worker's session. */
export interface FetchedOutput {
  name: string;
  type: DataFeedCopy['type'];
  data: DataFeedCopy['data'];
  dims: number[];
}
