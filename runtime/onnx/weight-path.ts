/**
 * Which parameter a node input reads: the initializer itself, or the initializer through the nodes
 * exporters put between a weight and its MatMul / Gather — Transpose and Identity (unfolded torch
 * exports) and a Cast to float (half-precision weights computed in float32, as in kv-llama-fp16:
 * W.stored → Cast → Transpose → MatMul). Shared by the presets, LoRA and the projection roles so they
 * agree on what a weight is.
 */
import { DataType, type NodeProto } from './onnx-types';

const MAX_HOPS = 3;

/** A node that hands its input on unchanged in value (layout or float type only). */
export function isPassThrough(node: NodeProto): boolean {
  if (node.op_type === 'Transpose' || node.op_type === 'Identity') return true;
  return node.op_type === 'Cast' && (node.attribute ?? []).some((a) => a.name === 'to' && a.i === DataType.FLOAT);
}

/** `producers`: value name → the node that makes it. Returns the parameter `input` reads, or null. */
export function parameterRead(input: string, producers: Map<string, NodeProto>, params: { has(name: string): boolean }): string | null {
  let value = input;
  for (let hop = 0; hop <= MAX_HOPS; hop++) {
    if (params.has(value)) return value;
    const via = producers.get(value);
    if (!via || !isPassThrough(via)) return null;
    value = via.input[0];
  }
  return null;
}

export function producerMap(nodes: NodeProto[]): Map<string, NodeProto> {
  const producers = new Map<string, NodeProto>();
  for (const node of nodes) for (const out of node.output) producers.set(out, node);
  return producers;
}
