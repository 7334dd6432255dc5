/**
 * What each projection weight does in a transformer, read off the graph's structure instead of its
 * names (exporters name weights `h.0.attn.c_attn.weight`, `model.layers.0.self_attn.q_proj.weight`,
 * or `onnx::MatMul_123`; the wiring is the same):
 *
 * - attention: a weight whose MatMul feeds an activation × activation MatMul (the scores Q·Kᵀ or the
 *              context softmax·V) before any other weighted MatMul: Q, K, V (or a fused QKV); or whose
 *              MatMul reads, through element-wise and shape nodes only, the output of such a MatMul:
 *              the output projection O.
 * - head:      the projection that makes the logits (trainable-presets.ts headParameters).
 * - mlp:       every other projection: the feed-forward layers (fc/up/gate/down), and a pooler.
 *
 * The walks stop at any MatMul/Gemm, so a block's residual stream never carries one block's role
 * into the next. Used by LoRA's target presets (lora.targetPreset) and `helene-studio inspect`.
 */
import type { GraphProto, NodeProto } from './onnx-types';
import { headParameters, parameterInitializers } from './trainable-presets';
import { loraEligibleWeights } from './lora';
import { parameterRead } from './weight-path';

export type ProjectionRole = 'attention' | 'mlp' | 'head';

const isProjection = (n: NodeProto) => n.op_type === 'MatMul' || n.op_type === 'Gemm';
/** Their outputs describe a tensor's shape, not its values: a walk through them would link every
 *  block to the next one's attention (a residual's Shape feeds the next Reshape of Q). */
const isShapeOnly = (n: NodeProto) => n.op_type === 'Shape' || n.op_type === 'Size';

/** Longest element-wise/shape chain walked between two MatMuls (rotary embeddings, reshapes, masks). */
const MAX_HOPS = 40;

export function projectionRoles(graph: GraphProto, logits: string = graph.output[0]?.name ?? 'logits'): Map<string, ProjectionRole> {
  const params = new Set(parameterInitializers(graph).map((t) => t.name ?? ''));
  const producer = new Map<string, NodeProto>();
  const consumers = new Map<string, NodeProto[]>();
  for (const node of graph.node) {
    for (const out of node.output) producer.set(out, node);
    for (const input of node.input) {
      const list = consumers.get(input);
      if (list) list.push(node);
      else consumers.set(input, [node]);
    }
  }
  const constants = new Set(graph.initializer.map((t) => t.name ?? ''));
  /** The parameter a MatMul input reads, directly or through Transpose/Identity/Cast (weight-path.ts). */
  const weightOf = (input: string): string | null => parameterRead(input, producer, params);
  const readsConstant = (input: string): boolean => constants.has(input) || weightOf(input) !== null;
  /** Q·Kᵀ or softmax·V: a MatMul of two activations. */
  const isActivationProduct = (n: NodeProto) => n.op_type === 'MatMul' && !readsConstant(n.input[0]) && !readsConstant(n.input[1]);

  /** Does `start`'s output reach an activation × activation MatMul before any other projection? */
  const feedsAttentionProduct = (start: NodeProto): boolean => {
    const seen = new Set<NodeProto>();
    let frontier = start.output.flatMap((o) => consumers.get(o) ?? []);
    for (let hop = 0; hop < MAX_HOPS && frontier.length; hop++) {
      const next: NodeProto[] = [];
      for (const node of frontier) {
        if (seen.has(node) || isShapeOnly(node)) continue;
        seen.add(node);
        if (isProjection(node)) {
          if (isActivationProduct(node)) return true;
          continue; // another weighted projection: this path ends here
        }
        for (const out of node.output) next.push(...(consumers.get(out) ?? []));
      }
      frontier = next;
    }
    return false;
  };

  /** Is `start`'s activation input made, through non-projection nodes, by an activation product? */
  const readsAttentionProduct = (start: NodeProto, weightInput: string): boolean => {
    const seen = new Set<NodeProto>();
    let frontier = start.input.filter((i) => i !== weightInput && !readsConstant(i)).map((i) => producer.get(i)).filter((n): n is NodeProto => !!n);
    for (let hop = 0; hop < MAX_HOPS && frontier.length; hop++) {
      const next: NodeProto[] = [];
      for (const node of frontier) {
        if (seen.has(node) || isShapeOnly(node)) continue;
        seen.add(node);
        if (isProjection(node)) {
          if (isActivationProduct(node)) return true;
          continue;
        }
        for (const input of node.input) {
          const p = producer.get(input);
          if (p) next.push(p);
        }
      }
      frontier = next;
    }
    return false;
  };

  const head = new Set(graph.output.some((o) => o.name === logits) ? headParameters(graph, logits, params) : []);
  const roles = new Map<string, ProjectionRole>();
  for (const weight of loraEligibleWeights(graph).map((t) => t.name ?? '')) {
    if (head.has(weight)) {
      roles.set(weight, 'head');
      continue;
    }
    const uses = graph.node.filter((n) => isProjection(n) && n.input.slice(0, 2).some((i) => weightOf(i) === weight));
    const attention = uses.some((n) => {
      const weightInput = n.input.slice(0, 2).find((i) => weightOf(i) === weight)!;
      return feedsAttentionProduct(n) || readsAttentionProduct(n, weightInput);
    });
    roles.set(weight, attention ? 'attention' : 'mlp');
  }
  return roles;
}
