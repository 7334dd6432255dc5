/**
 * Facts read off an inference graph that the data side needs to check a tokenizer against it.
 */
import { DataType, type GraphProto, type NodeProto, type OnnxModel, type TensorProto } from './onnx-types';

/**
 * Rows of the embedding table that `input` (input_ids) indexes: the Gather whose indices are that
 * input and whose data is an initializer (also through Identity aliases). Null when not found
 * (e.g. the ids go through a Cast first): the check is then skipped, not guessed.
 */
export function embeddingRows(model: OnnxModel, input = 'input_ids'): number | null {
  const graph = model.graph;
  const inits = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  const aliasOf = new Map(graph.node.filter((n) => n.op_type === 'Identity').map((n) => [n.output[0], n.input[0]]));
  for (const node of graph.node) {
    if (node.op_type !== 'Gather' || node.input[1] !== input) continue;
    let data = node.input[0];
    for (let hops = 0; hops < 4 && !inits.has(data) && aliasOf.has(data); hops++) data = aliasOf.get(data)!;
    const table = inits.get(data);
    const rows = table?.dims?.[0];
    if (typeof rows === 'number' && rows > 0) return rows;
  }
  return null;
}

/** Ops that read only their input's shape: tracing a position index stops there (the ids' values are not read). */
const SHAPE_ONLY = new Set(['Shape', 'Size']);

/** First values of a small inline int64 initializer (a positions buffer 0, 1, 2, …), or null. */
function firstInt64s(t: TensorProto, n: number): number[] | null {
  if (t.data_type !== DataType.INT64) return null;
  const raw = t.raw_data;
  if (raw && raw.byteLength >= 8 * n) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Array.from({ length: n }, (_, i) => Number(view.getBigInt64(8 * i, true)));
  }
  const ints = t.int64_data ?? [];
  return ints.length >= n ? ints.slice(0, n).map(Number) : null;
}

/**
 * Rows of the position-embedding table: a Gather on an initializer whose indices are made from the
 * sequence length alone (a Range over Shape(input_ids); a `position_ids` input, which training makes
 * as 0 … S−1; or a positions buffer 0, 1, 2, … sliced to S) and read no other graph input. A
 * sequence longer than that indexes past the table, which onnxruntime reports only as "indices
 * element out of data bounds" mid-run, whatever tokenizer_config.json's model_max_length says (it is
 * often missing, or a huge placeholder). The smallest such table when there are several (rotary cos
 * and sin caches); null when none is found: nothing is capped then, not guessed.
 */
export function positionRows(model: OnnxModel): number | null {
  const graph = model.graph;
  const inits = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  const inputs = new Set(graph.input.map((i) => i.name ?? '').filter((n) => !inits.has(n)));
  const producer = new Map<string, NodeProto>();
  for (const node of graph.node) for (const out of node.output) producer.set(out, node);
  const aliasOf = new Map(graph.node.filter((n) => n.op_type === 'Identity').map((n) => [n.output[0], n.input[0]]));
  let best: number | null = null;
  for (const node of graph.node) {
    if (node.op_type !== 'Gather') continue;
    let data = node.input[0];
    for (let hops = 0; hops < 4 && !inits.has(data) && aliasOf.has(data); hops++) data = aliasOf.get(data)!;
    const rows = inits.get(data)?.dims?.[0];
    if (typeof rows !== 'number' || rows <= 0) continue;
    // Walk the indices' ancestors (bounded): which graph inputs and initializers feed their values.
    let fromLength = false;
    let otherInput = false;
    const seen = new Set<string>();
    const stack: string[] = node.input[1] ? [node.input[1]] : [];
    while (stack.length && seen.size < 64) {
      const value = stack.pop()!;
      if (seen.has(value)) continue;
      seen.add(value);
      if (inputs.has(value)) {
        if (value === 'position_ids') fromLength = true;
        else otherInput = true;
        continue;
      }
      const init = inits.get(value);
      if (init) {
        const first = firstInt64s(init, 3);
        if (first && first[0] === 0 && first[1] === 1 && first[2] === 2) fromLength = true;
        continue;
      }
      const p = producer.get(value);
      if (!p || SHAPE_ONLY.has(p.op_type ?? '')) continue;
      if (p.op_type === 'Range') fromLength = true;
      stack.push(...p.input.filter((i) => i !== ''));
    }
    if (fromLength && !otherInput) best = best === null ? rows : Math.min(best, rows);
  }
  return best;
}

/** Ops that keep the last dimension of their (first non-constant) input: a bias Add, a scale, a Cast. */
const KEEPS_LAST_DIM = new Set(['Add', 'Sub', 'Mul', 'Div', 'Identity', 'Cast', 'Relu', 'Tanh', 'Sigmoid']);

/**
 * The last dimension of `output` read from the graph when its declared shape leaves it symbolic (an
 * export that marked the class axis dynamic): the Gemm or MatMul that makes it, with its weight an
 * initializer, fixes it by the op's definition (Gemm: B's dims[0] with transB, else dims[1]; MatMul:
 * B's last dim), through element-wise nodes (the bias Add). Null when the path is anything else.
 */
export function outputWidthFromGraph(graph: GraphProto, output: string): number | null {
  const inits = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  const producer = new Map<string, NodeProto>();
  for (const node of graph.node) for (const out of node.output) producer.set(out, node);
  let value = output;
  for (let hops = 0; hops < 8; hops++) {
    const node = producer.get(value);
    if (!node) return null;
    const op = node.op_type ?? '';
    if (op === 'Gemm' || op === 'MatMul') {
      const weight = inits.get(node.input[1] ?? '');
      const dims = weight?.dims?.map(Number);
      if (!dims || dims.length < 2) return null;
      const transB = op === 'Gemm' && (node.attribute ?? []).some((a) => a.name === 'transB' && Number(a.i) === 1);
      const width = transB ? dims[dims.length - 2] : dims[dims.length - 1];
      return width > 0 ? width : null;
    }
    if (!KEEPS_LAST_DIM.has(op)) return null;
    // Follow the input that is not a constant (the other one is the bias or scale).
    const next = node.input.filter((i) => i && !inits.has(i));
    if (next.length !== 1) return null;
    value = next[0];
  }
  return null;
}
