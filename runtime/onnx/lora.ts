/**
 * LoRA by graph surgery: for each chosen weight W [d0, d1] consumed by a MatMul or Gemm (directly or
 * through Transpose, as unfolded torch exports do), add two initializers
 *
 *   W.lora_A [r, d1]  (seeded uniform in ±1/sqrt(d1), as PEFT's Kaiming init)
 *   W.lora_B [d0, r]  (zeros, so the adapted model starts exactly at the base model)
 *
 * and make every consumer read W + (alpha / r) · (B @ A) instead of W. Adapting the weight rather
 * than the activations works for any layout (x·W, x·Wᵀ, Gemm transB) and keeps W a frozen,
 * prepacked initializer; the cost is one [d0, r]·[r, d1] MatMul per adapted weight and pass.
 * Only the adapters are trainable, each its own layer for the optimizer (so HELENE keeps its
 * curvature statistics per adapter matrix), and trainable state scales with r·(d0 + d1).
 */
import type { GraphProto, NodeProto, TensorProto } from './onnx-types';
import { AttributeType, DataType } from './onnx-types';
import { isPassThrough, parameterRead, producerMap } from './weight-path';
import { makeFloatTensor, makeScalarFloatTensor } from './tensor-data';
import { mulberry32 } from './seeded-prng';
import { embeddingTables, parameterInitializers } from './trainable-presets';
import { projectionRoles, type ProjectionRole } from './projection-roles';
import type { LoraTargetPreset } from '../protocol';

const PRESET_ROLES: Record<LoraTargetPreset, ProjectionRole[]> = { attention: ['attention'], mlp: ['mlp'], 'attention-mlp': ['attention', 'mlp'] };

export interface LoraOptions {
  rank: number;
  alpha: number;
  /** Regexes over weight names; ignored when targetPreset is set. */
  targets: string[];
  /** Adapt the projections of these roles, found from the graph's wiring (projection-roles.ts). */
  targetPreset?: LoraTargetPreset | null;
  /** The logits output, so the head is never taken for a feed-forward layer. */
  logits?: string;
  /** Seeds A's initialisation. */
  seed: number;
}

export interface LoraAdapter {
  /** The adapted base weight. */
  weight: string;
  a: string;
  b: string;
  /** alpha / rank. */
  scale: number;
  shape: [number, number];
}

export const loraNames = (weight: string) => ({
  a: `${weight}.lora_A`,
  b: `${weight}.lora_B`,
  scale: `${weight}.lora_scale`,
  merged: `${weight}::lora_merged`,
  delta: `${weight}::lora_delta`,
  scaled: `${weight}::lora_scaled`,
  // Half-precision bases only: the base cast to float32, and the float32 sum before it is cast back.
  baseFloat: `${weight}::lora_base_float`,
  mergedFloat: `${weight}::lora_merged_float`,
});

/** Rank-2 parameters consumed by MatMul/Gemm (directly or through Transpose/Identity), excluding embedding tables. */
export function loraEligibleWeights(graph: GraphProto): TensorProto[] {
  // float32, float16 and bfloat16 bases (a half-precision base is cast to float32 for the merge).
  const params = new Map(parameterInitializers(graph).filter((t) => (t.dims?.length ?? 0) === 2).map((t) => [t.name ?? '', t]));
  const tables = embeddingTables(graph);
  const producer = producerMap(graph.node);
  const eligible = new Set<string>();
  for (const node of graph.node) {
    if (node.op_type !== 'MatMul' && node.op_type !== 'Gemm') continue;
    for (const input of node.input.slice(0, 2)) {
      const source = parameterRead(input, producer, params);
      if (source && !tables.has(source)) eligible.add(source);
    }
  }
  return [...params.values()].filter((t) => eligible.has(t.name ?? ''));
}

/**
 * Make `weight`'s consumers read the adapted value. float32: W + s·B A. float16 / bfloat16: the
 * adapters stay float32 and the merge is float32 (Cast(W) + s·B A); a consumer that is itself a Cast
 * to float reads that float32 sum (no rounding: the model computes in float32 anyway), any other
 * consumer reads the sum cast back to the stored type, the type it was exported to read.
 */
function mergeNodes(graph: GraphProto, weight: TensorProto, n: ReturnType<typeof loraNames>): NodeProto[] {
  const name = weight.name ?? '';
  const nodes: NodeProto[] = [
    { op_type: 'MatMul', name: `lora/${name}/delta`, input: [n.b, n.a], output: [n.delta] },
    { op_type: 'Mul', name: `lora/${name}/scale`, input: [n.delta, n.scale], output: [n.scaled] },
  ];
  const storedType = weight.data_type ?? DataType.FLOAT;
  if (storedType === DataType.FLOAT) {
    nodes.push({ op_type: 'Add', name: `lora/${name}/merge`, input: [name, n.scaled], output: [n.merged] });
    for (const node of graph.node) node.input = node.input.map((input) => (input === name ? n.merged : input));
    return nodes;
  }
  const to = (type: number) => [{ name: 'to', type: AttributeType.INT, i: type }];
  nodes.push(
    { op_type: 'Cast', name: `lora/${name}/base_to_float`, input: [name], output: [n.baseFloat], attribute: to(DataType.FLOAT) },
    { op_type: 'Add', name: `lora/${name}/merge`, input: [n.baseFloat, n.scaled], output: [n.mergedFloat] },
  );
  let storedReaders = 0;
  for (const node of graph.node) {
    if (!node.input.includes(name)) continue;
    const toFloat = isPassThrough(node) && node.op_type === 'Cast';
    if (!toFloat) storedReaders++;
    node.input = node.input.map((input) => (input === name ? (toFloat ? n.mergedFloat : n.merged) : input));
  }
  if (storedReaders > 0) nodes.push({ op_type: 'Cast', name: `lora/${name}/to_stored`, input: [n.mergedFloat], output: [n.merged], attribute: to(storedType) });
  return nodes;
}

function compile(pattern: string, modelName: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (e) {
    throw new Error(`${modelName}: LoRA target pattern '${pattern}' is not a valid regular expression (${(e as Error).message})`);
  }
}

/** Insert adapters into `graph` (edited in place). Returns them in graph order. */
export function insertLora(graph: GraphProto, options: LoraOptions, modelName: string): LoraAdapter[] {
  if (!Number.isInteger(options.rank) || options.rank < 1) throw new Error(`${modelName}: LoRA rank must be a positive integer, got ${options.rank}`);
  const eligible = loraEligibleWeights(graph);
  const chosen = new Set<TensorProto>();
  if (options.targetPreset) {
    const roles = projectionRoles(graph, options.logits);
    const wanted = PRESET_ROLES[options.targetPreset];
    eligible.filter((t) => wanted.includes(roles.get(t.name ?? '')!)).forEach((t) => chosen.add(t));
    if (chosen.size === 0) {
      const found = [...new Set(roles.values())].join(', ') || 'no projection at all';
      throw new Error(`${modelName}: lora.targetPreset "${options.targetPreset}" finds no ${wanted.join(' or ')} projection in this graph (it has: ${found}); name the weights in lora.targets instead`);
    }
  }
  for (const pattern of options.targetPreset ? [] : options.targets) {
    const regex = compile(pattern, modelName);
    const matched = eligible.filter((t) => regex.test(t.name ?? ''));
    if (matched.length === 0) {
      const names = eligible.slice(0, 12).map((t) => `'${t.name}'`).join(', ');
      throw new Error(`${modelName}: LoRA target pattern '${pattern}' matches no MatMul/Gemm weight. Weights that can take adapters: ${names || '(none)'}${eligible.length > 12 ? `, … (${eligible.length})` : ''}`);
    }
    matched.forEach((t) => chosen.add(t));
  }
  const used = new Set<string>([...graph.initializer.map((t) => t.name ?? ''), ...graph.node.flatMap((n) => [...n.input, ...n.output]), ...graph.input.map((i) => i.name ?? '')]);
  const random = mulberry32(options.seed >>> 0);
  const adapters: LoraAdapter[] = [];
  const newNodes: NodeProto[] = [];
  for (const w of eligible.filter((t) => chosen.has(t))) {
    const name = w.name ?? '';
    const [d0, d1] = (w.dims ?? []) as [number, number];
    const n = loraNames(name);
    for (const added of [n.a, n.b, n.scale, n.merged, n.delta, n.scaled, n.baseFloat, n.mergedFloat]) {
      if (used.has(added)) throw new Error(`${modelName} already has a value named '${added}'; cannot add a LoRA adapter to '${name}'`);
    }
    const bound = 1 / Math.sqrt(d1);
    const a = new Float32Array(options.rank * d1);
    for (let i = 0; i < a.length; i++) a[i] = (2 * random() - 1) * bound;
    const scale = options.alpha / options.rank;
    graph.initializer.push(makeFloatTensor(n.a, [options.rank, d1], a), makeFloatTensor(n.b, [d0, options.rank], new Float32Array(d0 * options.rank)), makeScalarFloatTensor(n.scale, scale));
    newNodes.push(...mergeNodes(graph, w, n));
    adapters.push({ weight: name, a: n.a, b: n.b, scale, shape: [d0, d1] });
  }
  // Prepended: they read initializers only (the perturbation nodes the surgery adds go before them).
  graph.node = [...newNodes, ...graph.node];
  return adapters;
}

/** W + scale · B @ A in float64, rounded once to float32 (the export's merge). */
export function mergeLora(weight: Float32Array, a: Float32Array, b: Float32Array, d0: number, d1: number, rank: number, scale: number): Float32Array {
  const out = new Float32Array(d0 * d1);
  for (let i = 0; i < d0; i++) {
    for (let j = 0; j < d1; j++) {
      let s = 0;
      for (let k = 0; k < rank; k++) s += b[i * rank + k] * a[k * d1 + j];
      out[i * d1 + j] = weight[i * d1 + j] + scale * s;
    }
  }
  return out;
}

export const isFloat = (t: TensorProto) => t.data_type === DataType.FLOAT;
