/**
 * What the engine's concurrent-pass client (concurrent-passes.ts) and its worker thread
 * (pass-worker.ts) say to each other. The perturbed weights are written into one SharedArrayBuffer
 * given at init; for each pass the worker copies them into the ArrayBuffer its session reads
 * (onnxruntime-node refuses SharedArrayBuffer inputs). Nothing is transferred: detaching an
 * ArrayBuffer even once makes V8 check every typed-array access of the thread for detachment
 * (measured: the perturbation loop 2.2 -> 3.1 ms at 1 M elements, and so every other loop).
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
      /** The perturbed weights of every trainable, one after the other (this thread writes, the worker copies). */
      weights: Float32Array;
      /** Element offset of each trainable in the weights buffer, and its shape. */
      offsets: number[];
      shapes: number[][];
      scaleInput: string;
      lossOutput: string;
    }
  | { kind: 'data'; feeds: DataFeedCopy[] }
  /** One pass on the weights now in the shared buffer; `outputs`: what to fetch besides the loss (evaluation's logits). */
  | { kind: 'run'; outputs?: string[] };

export type PassWorkerReply =
  | { kind: 'ready' }
  | { kind: 'error'; message: string }
  | { kind: 'losses'; losses: Float32Array; outputs?: FetchedOutput[] };

/** An extra output of a pass, copied out of the worker's session. */
export interface FetchedOutput {
  name: string;
  type: DataFeedCopy['type'];
  data: DataFeedCopy['data'];
  dims: number[];
}
