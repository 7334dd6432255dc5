/**
 * Choosing which initializers the optimizer trains: by name, with user regexes.
 *
 * Never "every float initializer": exported models carry buffers (attention masks, position ids,
 * scales) that look like weights (field notes). Only float32 tensors can be trained, since the
 * optimizer state and the perturbation are float32.
 */
import { DataType, type GraphProto, type TensorProto } from './onnx-types';
import { dataTypeName } from './tensor-data';
import { TRAINABLE_FLOAT_TYPES } from './tensor-reader';

const LISTED_NAMES = 8;

function someNames(tensors: TensorProto[]): string {
  const names = tensors.slice(0, LISTED_NAMES).map((t) => `'${t.name}'`);
  const more = tensors.length > LISTED_NAMES ? `, … (${tensors.length} in total)` : '';
  return tensors.length === 0 ? '(the model has no initializers)' : names.join(', ') + more;
}

function compile(pattern: string, modelName: string): RegExp {
  try {
    return new RegExp(pattern); // search semantics: anchor with ^...$ for exact names
  } catch (error) {
    throw new Error(`${modelName}: trainable pattern '${pattern}' is not a valid regular expression (${(error as Error).message})`);
  }
}

/**
 * Float32 initializers whose name matches any pattern, in the graph's initializer order.
 * Throws, naming the model and the pattern, when a pattern matches no initializer or only
 * non-float32 ones (a pattern that also matches float32 tensors just skips the others, so '.*'
 * does not trip over int64 shape constants).
 */
export function selectTrainableInitializers(graph: GraphProto, patterns: string[], modelName: string): TensorProto[] {
  if (patterns.length === 0) throw new Error(`${modelName}: no trainable patterns given; nothing to train`);
  const initializers = graph.initializer;
  const selected = new Set<TensorProto>();
  for (const pattern of patterns) {
    const regex = compile(pattern, modelName);
    const matched = initializers.filter((tensor) => regex.test(tensor.name ?? ''));
    if (matched.length === 0) {
      throw new Error(`${modelName}: trainable pattern '${pattern}' matches no initializer. Initializers: ${someNames(initializers)}`);
    }
    // float16 / bfloat16 weights train with float32 master copies (surgery.ts casts them back in the graph).
    const floats = matched.filter((tensor) => TRAINABLE_FLOAT_TYPES.has(tensor.data_type ?? DataType.UNDEFINED));
    if (floats.length === 0) {
      const described = matched.slice(0, LISTED_NAMES).map((t) => `'${t.name}' (${dataTypeName(t.data_type)})`).join(', ');
      throw new Error(`${modelName}: trainable pattern '${pattern}' matches only non-float initializers: ${described}; only float32, float16 and bfloat16 initializers can be trained`);
    }
    for (const tensor of floats) selected.add(tensor);
  }
  return initializers.filter((tensor) => selected.has(tensor));
}
