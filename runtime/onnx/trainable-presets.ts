/**
 * Trainable presets, read off the graph instead of guessed from names:
 *
 * - all:                every parameter: float initializers some node consumes, rank >= 1, not a
 *                       buffer (torch-traps.ts), not an exporter scalar (a 1-element `onnx::*`);
 * - head:               the parameters between the logits output and the last MatMul/Gemm before it
 *                       (classifier weight and bias; a tied LM head's embedding);
 * - all-but-embeddings: `all` minus the tables a Gather indexes (token, position embeddings).
 *
 * Both see a stored weight through the Cast / Transpose / Identity between it and its consumer
 * (weight-path.ts): a float16 table read as `Gather(Cast(table.stored))` is still the embedding.
 */
import type { GraphProto, TensorProto } from './onnx-types';
import { DataType } from './onnx-types';
import { tensorElementCount } from './tensor-data';
import { bufferReason, inlineValues } from './torch-traps';
import { TRAINABLE_FLOAT_TYPES } from './tensor-reader';
import { missingOutputMessage } from './loss-head';
import type { TrainablePreset } from '../protocol';
import { parameterRead, producerMap } from './weight-path';

/** The float initializers that are parameters (not buffers, not exporter constants). */
export function parameterInitializers(graph: GraphProto, baseDir?: string): TensorProto[] {
  const consumed = new Set(graph.node.flatMap((n) => n.input));
  return graph.initializer.filter((t) => {
    const name = t.name ?? '';
    if (!TRAINABLE_FLOAT_TYPES.has(t.data_type ?? DataType.UNDEFINED) || !consumed.has(name)) return false;
    if ((t.dims?.length ?? 0) === 0) return false;
    if (name.startsWith('onnx::') && tensorElementCount(t) <= 1) return false;
    return bufferReason(t, inlineValues(t, baseDir)) === null;
  });
}

/** Initializers a Gather indexes (its data input), directly or through a Cast / Identity: embedding tables. */
export function embeddingTables(graph: GraphProto): Set<string> {
  const inits = new Set(graph.initializer.map((t) => t.name ?? ''));
  const producers = producerMap(graph.node);
  // Through a Cast to float too: a float16 table that is computed in float32.
  const tables = graph.node.filter((n) => n.op_type === 'Gather').map((n) => parameterRead(n.input[0], producers, inits));
  return new Set(tables.filter((t): t is string => t !== null));
}

/** Parameters feeding the logits through element-wise/shape nodes, down to and including the last MatMul/Gemm. */
export function headParameters(graph: GraphProto, logits: string, parameters: Set<string>): string[] {
  const producer = producerMap(graph.node);
  const found = new Set<string>();
  const seen = new Set<string>();
  const queue = [logits];
  while (queue.length) {
    const value = queue.shift()!;
    const node = producer.get(value);
    if (!node || seen.has(node.name ?? value)) continue;
    seen.add(node.name ?? value);
    const isProjection = node.op_type === 'MatMul' || node.op_type === 'Gemm';
    for (const input of node.input) {
      if (parameters.has(input)) {
        found.add(input);
        continue;
      }
      // Weights reach a MatMul through Transpose/Identity/Cast of an initializer (weight-path.ts).
      const read = isProjection ? parameterRead(input, producer, parameters) : null;
      if (read) {
        found.add(read);
        continue;
      }
      if (!isProjection) queue.push(input);
    }
  }
  return [...found];
}

const exact = (name: string) => `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;

/** Exact-name patterns for a preset (so the usual selection, with its checks, does the rest). */
export function presetPatterns(graph: GraphProto, preset: TrainablePreset, logits: string, modelName: string, baseDir?: string): string[] {
  const params = parameterInitializers(graph, baseDir);
  let names: string[];
  if (preset === 'all') names = params.map((t) => t.name ?? '');
  else if (preset === 'all-but-embeddings') {
    const tables = embeddingTables(graph);
    names = params.map((t) => t.name ?? '').filter((n) => !tables.has(n));
  } else {
    if (!graph.output.some((o) => o.name === logits)) throw new Error(`trainablePreset "head": ${missingOutputMessage(modelName, logits, graph.output, 'model.logitsOutput')}`);
    names = headParameters(graph, logits, new Set(params.map((t) => t.name ?? '')));
  }
  if (names.length === 0) throw new Error(`${modelName}: trainablePreset "${preset}" finds no parameter to train in this graph`);
  return names.map(exact);
}

export { exact as exactNamePattern };
