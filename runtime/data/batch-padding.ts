/**
 * Per-batch padding for text data: a batch is fed at the width of its own longest example instead of
 * the dataset's (the longest example, capped at maxLength). On the tiny encoder's data that is
 * ~40 % fewer tokens per pass; a transformer's cost grows at least linearly with the width.
 *
 * It is only done when it cannot change a loss beyond float rounding:
 *   - the model takes an attention_mask, so padding positions never reach a real token's output, and
 *     padding is on the right (the text loader pads right), so cutting trailing columns removes only
 *     padding;
 *   - the model's sequence axis is dynamic (a fixed-length export must be fed its length).
 * Otherwise every batch keeps the dataset's width, and the run says why (fullWidthReason).
 */
import type * as ort from 'onnxruntime-node';
import type { Dataset } from './dataset';

export interface SequenceLayout {
  /** Dataset width: the buffers' size per example. */
  width: number;
  /** Real tokens per example (the attention mask's ones), in dataset order. */
  lengths: Uint32Array;
  /** Columns laid out [example, width] (input_ids, attention_mask, token_type_ids, causal-LM labels). */
  columns: Set<string>;
}

/**
 * The layout per-batch padding needs, or the reason the dataset's full width stays.
 * `inputs` is the graph's input metadata (to see whether the sequence axis is dynamic).
 */
export function sequenceLayout(data: Dataset, inputs: readonly ort.InferenceSession.ValueMetadata[]): { layout: SequenceLayout | null; fullWidthReason: string | null } {
  const mask = data.columns.find((c) => c.spec.name === 'attention_mask');
  if (!mask) return { layout: null, fullWidthReason: 'the model has no attention_mask input, so padding is not inert: every batch is padded to the dataset width' };
  const ids = inputs.find((m) => m.name === 'input_ids');
  const seqDim = ids && ids.isTensor ? ids.shape[1] : undefined;
  if (typeof seqDim === 'number') return { layout: null, fullWidthReason: `the model's input_ids has a fixed sequence length (${seqDim}), so every batch is padded to it; export it with a dynamic sequence axis to pad each batch to its longest example` };
  const width = mask.spec.width;
  const lengths = new Uint32Array(data.size);
  for (let e = 0; e < data.size; e++) {
    let n = 0;
    while (n < width && mask.values[e * width + n] !== 0) n++;
    lengths[e] = n;
  }
  const columns = new Set(data.columns.filter((c) => c.spec.exampleShape.length === 1 && c.spec.exampleShape[0] === width).map((c) => c.spec.name));
  return { layout: { width, lengths, columns }, fullWidthReason: null };
}

/** The width a batch of these examples is fed at: its longest example (at least 1). */
export function batchWidth(layout: SequenceLayout, examples: ArrayLike<number>, count = examples.length): number {
  let w = 1;
  for (let i = 0; i < count; i++) w = Math.max(w, layout.lengths[examples[i]]);
  return w;
}
