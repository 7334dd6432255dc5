/**
 * The inputs a decoder export has for generation, fed inside the training graph (issue 18):
 *
 * - `past_key_values.N.key` / `.value` [batch, kv_heads, past, head_dim]: training runs without a
 *   cache, so each becomes an empty tensor [batch, kv_heads, 0, head_dim] made in the graph
 *   (ConstantOfShape over the batch size of input_ids); the attention's Concat then sees only the
 *   new keys. The `present.N.*` outputs are dropped with every other output by the loss head.
 * - `position_ids` [batch, seq]: 0..seq-1 for every row (batches are right-padded, so the real
 *   tokens of every row start at 0; padded positions are masked out).
 *
 * The data side then only feeds input_ids / attention_mask / token_type_ids / labels.
 */
import { DataType, type GraphProto, type NodeProto, type ValueInfoProto } from './onnx-types';
import { makeInt64Tensor } from './tensor-data';
import { intsAttr, tensorAttr } from './graph-builder';
import { describeValueInfo } from './value-info';

const PAST = /^past_key_values\.\d+\.(key|value)$/;
const POSITION_IDS = 'position_ids';
const IDS = 'input_ids';

export interface CacheInputs {
  /** The past_key_values inputs now made in the graph. */
  past: string[];
  /** Whether position_ids is now made in the graph. */
  positionIds: boolean;
}

function dims(info: ValueInfoProto): Array<number | string> {
  return (info.type?.tensor_type?.shape?.dim ?? []).map((d) => (d as { dim_value?: number }).dim_value ?? (d as { dim_param?: string }).dim_param ?? '?');
}

function zeroOf(elemType: number): Uint8Array {
  const bytes = elemType === DataType.DOUBLE ? 8 : elemType === DataType.FLOAT16 || elemType === DataType.BFLOAT16 ? 2 : 4;
  return new Uint8Array(bytes);
}

/** Whether training makes this input inside the graph (a KV-cache input or position_ids). */
export function isMadeInGraph(name: string): boolean {
  return PAST.test(name) || name === POSITION_IDS;
}

/**
 * Why the graph's cache inputs cannot be made in training, one sentence each (empty when they can):
 * what `feedCacheInputsInGraph` refuses, said before a run starts (`inspect`, the short form).
 */
export function cacheInputProblems(graph: GraphProto): string[] {
  const past = graph.input.filter((i) => PAST.test(i.name ?? ''));
  const positions = graph.input.find((i) => i.name === POSITION_IDS);
  if (past.length === 0 && !positions) return [];
  if (!graph.input.some((i) => i.name === IDS)) {
    const names = [...past.map((p) => p.name), ...(positions ? [POSITION_IDS] : [])].join(', ');
    return [`its inputs ${names} are made from input_ids in training, but the model has no input_ids input`];
  }
  return past.filter((input) => !emptyCacheShape(input)).map((input) => `cannot feed the cache input ${describeValueInfo(input)}: an empty cache needs the shape [batch, heads, past, head_dim] with heads and head_dim fixed`);
}

/** [heads, head_dim] of a cache input whose empty tensor can be made, else null. */
function emptyCacheShape(input: ValueInfoProto): [number, number] | null {
  const d = dims(input);
  const [, heads, , headDim] = d;
  return d.length === 4 && typeof heads === 'number' && typeof headDim === 'number' ? [heads, headDim] : null;
}

/** Rewrites `graph` in place (a clone the surgery owns); `opset` decides Unsqueeze's form. */
export function feedCacheInputsInGraph(graph: GraphProto, opset: number, modelName: string): CacheInputs {
  const past = graph.input.filter((i) => PAST.test(i.name ?? ''));
  const positions = graph.input.find((i) => i.name === POSITION_IDS);
  if (past.length === 0 && !positions) return { past: [], positionIds: false };
  const problems = cacheInputProblems(graph);
  if (problems.length) throw new Error(`${modelName}: ${problems[0]}`);
  const nodes: NodeProto[] = [];
  const constant = (name: string, values: number[]): string => {
    nodes.push({ op_type: 'Constant', name, input: [], output: [name], attribute: [tensorAttr('value', makeInt64Tensor(name, [values.length], values))] });
    return name;
  };
  nodes.push({ op_type: 'Shape', name: 'zo/cache/ids_shape', input: [IDS], output: ['zo/cache/ids_shape'] });
  const batch = 'zo/cache/batch';
  nodes.push({ op_type: 'Gather', name: batch, input: ['zo/cache/ids_shape', constant('zo/cache/zero_index', [0])], output: [batch], attribute: [] });

  for (const input of past) {
    const name = input.name ?? '';
    const [heads, headDim] = emptyCacheShape(input)!; // checked by cacheInputProblems above
    const elemType = input.type?.tensor_type?.elem_type ?? DataType.FLOAT;
    const shape = `zo/cache/${name}/shape`;
    nodes.push({ op_type: 'Concat', name: shape, input: [batch, constant(`zo/cache/${name}/rest`, [heads, 0, headDim])], output: [shape], attribute: [{ name: 'axis', type: 2, i: 0 }] });
    const zero = { name: `zo/cache/${name}/zero`, dims: [1], data_type: elemType, raw_data: zeroOf(elemType) };
    nodes.push({ op_type: 'ConstantOfShape', name: `zo/cache/${name}`, input: [shape], output: [name], attribute: [tensorAttr('value', zero)] });
  }

  if (positions) {
    const seq = 'zo/cache/seq';
    nodes.push({ op_type: 'Gather', name: seq, input: ['zo/cache/ids_shape', constant('zo/cache/one', [1])], output: [seq], attribute: [] });
    // Range takes scalars: squeeze the 1-element shapes.
    const scalar = (value: string): string => {
      const out = `${value}/scalar`;
      nodes.push(opset >= 13
        ? { op_type: 'Squeeze', name: out, input: [value, constant(`${value}/axes`, [0])], output: [out] }
        : { op_type: 'Squeeze', name: out, input: [value], output: [out], attribute: [intsAttr('axes', [0])] });
      return out;
    };
    const range = 'zo/cache/positions';
    nodes.push({ op_type: 'Range', name: range, input: [scalar(constant('zo/cache/start', [0])), scalar(seq), scalar(constant('zo/cache/step', [1]))], output: [range] });
    const row = 'zo/cache/positions_row';
    nodes.push(opset >= 13
      ? { op_type: 'Unsqueeze', name: row, input: [range, constant('zo/cache/row_axes', [0])], output: [row] }
      : { op_type: 'Unsqueeze', name: row, input: [range], output: [row], attribute: [intsAttr('axes', [0])] });
    const elemType = positions.type?.tensor_type?.elem_type ?? DataType.INT64;
    const expanded = elemType === DataType.INT64 ? POSITION_IDS : 'zo/cache/positions_int64';
    nodes.push({ op_type: 'Expand', name: 'zo/cache/position_ids', input: [row, 'zo/cache/ids_shape'], output: [expanded] });
    if (expanded !== POSITION_IDS) nodes.push({ op_type: 'Cast', name: 'zo/cache/position_ids_cast', input: [expanded], output: [POSITION_IDS], attribute: [{ name: 'to', type: 2, i: elemType }] });
  }
  const made = new Set([...past.map((p) => p.name), ...(positions ? [POSITION_IDS] : [])]);
  graph.input = graph.input.filter((i) => !made.has(i.name));
  // Prepended: they read only input_ids, and every consumer comes after them.
  graph.node = [...nodes, ...graph.node];
  return { past: past.map((p) => p.name ?? ''), positionIds: Boolean(positions) };
}
