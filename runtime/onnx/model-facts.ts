/**
 * Facts read off an inference graph that the data side needs to check a tokenizer against it.
 */
import type { OnnxModel } from './onnx-types';

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
