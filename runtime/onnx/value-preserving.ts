/**
 * Seeing a stored weight through the nodes exporters put between it and its consumer.
 *
 * A float16 / bfloat16 export computing in float32 stores `w.stored` and reads it through
 * `Cast(w.stored) → w`; unfolded torch exports read a Linear's weight through `Transpose` or an
 * `Identity` alias. These nodes keep every value (Cast to a wider float type is exact; Transpose and
 * Identity move or rename), so for "which parameter is this embedding table / this projection's
 * weight" the answer is the initializer at the start of the chain, and that is the tensor training
 * perturbs (trainable-presets.ts, model-inspect.ts).
 */
import type { GraphProto, NodeProto } from './onnx-types';

/** One-data-input ops that pass a tensor's values on unchanged (up to type or layout). */
export const VALUE_PRESERVING_OPS: ReadonlySet<string> = new Set(['Cast', 'Identity', 'Transpose']);

/** Longest chain followed (a Cast and a Transpose is the usual worst case; guards against cycles). */
const MAX_CHAIN = 8;

export type ProducerMap = ReadonlyMap<string, NodeProto>;

export function producersOf(graph: GraphProto): Map<string, NodeProto> {
  const producer = new Map<string, NodeProto>();
  for (const node of graph.node) for (const out of node.output) producer.set(out, node);
  return producer;
}

/**
 * The initializer in `initializers` that `value` is, or that `value` is made from through
 * value-preserving nodes only; null when the chain meets any other node or no initializer.
 */
export function sourceInitializer(value: string, producer: ProducerMap, initializers: ReadonlySet<string>): string | null {
  let current = value;
  for (let hop = 0; hop <= MAX_CHAIN; hop++) {
    if (initializers.has(current)) return current;
    const node = producer.get(current);
    if (!node || !VALUE_PRESERVING_OPS.has(node.op_type ?? '') || !node.input[0]) return null;
    current = node.input[0];
  }
  return null;
}
