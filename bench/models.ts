/**
 * The benchmark models, built in code so `npm run bench` needs no download: an MLP stack and a
 * small transformer encoder at about 1M, 10M and 50M trainable parameters, each with the batch it
 * is timed at. Sizes follow the field notes' transformer measurements (B16×S64).
 *
 * LoRA variants: `<transformer id>-lora<r>` (e.g. transformer-50M-lora8) is the same model with
 * rank-r adapters (alpha 16) on every attention and MLP weight matrix (qkv, attn_out, mlp_in,
 * mlp_out of every block); only the adapters are trainable, the base stays frozen initializers.
 */
import { buildMlpClassifier } from '../runtime/onnx/graph-builder';
import { buildTransformerClassifier, transformerParameterCount } from '../runtime/onnx/transformer-builder';
import type { OnnxModel } from '../runtime/onnx/onnx-types';

export type ModelKind = 'mlp' | 'transformer';
export type SizeName = 'tiny' | '1M' | '10M' | '50M';

export interface BenchModel {
  id: string;
  kind: ModelKind;
  size: SizeName;
  description: string;
  batch: number;
  /** Exact trainable element count (the adapters' for a LoRA variant). */
  parameters: number;
  /** The model without adapters (= id unless LoRA): its inference run is the memory baseline. */
  baseId: string;
  /** Element count of the whole model's weights (= parameters unless LoRA). */
  baseParameters: number;
  /** Set on LoRA variants: what prepareTrainingGraph gets as `lora` (alsoTrain empty). */
  lora?: { rank: number; alpha: number; targets: string[] };
  build(): OnnxModel;
  /** One random batch of data feeds (labels included), as typed arrays with dims. */
  batchFeeds(seed: number): Record<string, { type: 'float32' | 'int64'; data: Float32Array | BigInt64Array; dims: number[] }>;
}

const CLASSES = 10;
const TRAINABLE = ['\\.weight$', '\\.bias$'];
export const BENCH_TRAINABLE = TRAINABLE;

// Small deterministic generator for batch contents (the values do not matter for timing).
function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

function labels(next: () => number, batch: number): BigInt64Array {
  return BigInt64Array.from({ length: batch }, () => BigInt(Math.floor(next() * CLASSES)));
}

function mlp(size: SizeName, width: number, depth: number, batch: number): BenchModel {
  const hidden = Array.from({ length: depth - 1 }, () => width);
  const parameters = width * width * (depth - 1) + width * (depth - 1) + width * CLASSES + CLASSES;
  return {
    id: `mlp-${size}`,
    baseId: `mlp-${size}`,
    kind: 'mlp',
    size,
    description: `MLP ${depth}×${width} relu, batch ${batch}`,
    batch,
    parameters,
    baseParameters: parameters,
    build: () => buildMlpClassifier({ inputDim: width, hidden, classes: CLASSES, activation: 'relu', seed: 1 }),
    batchFeeds(seed) {
      const next = lcg(seed);
      const x = Float32Array.from({ length: batch * width }, () => next() * 2 - 1);
      return { x: { type: 'float32', data: x, dims: [batch, width] }, labels: { type: 'int64', data: labels(next, batch), dims: [batch] } };
    },
  };
}

function transformer(size: SizeName, dModel: number, layers: number, batch: number, seq: number, vocab = 1024): BenchModel {
  const shape = { vocab, seq, dModel, layers, classes: CLASSES };
  return {
    id: `transformer-${size}`,
    baseId: `transformer-${size}`,
    kind: 'transformer',
    size,
    description: `transformer L${layers} D${dModel} H${dModel / 64 || 1} V${vocab}, batch ${batch}×seq ${seq}`,
    batch,
    parameters: transformerParameterCount(shape),
    baseParameters: transformerParameterCount(shape),
    build: () => buildTransformerClassifier({ ...shape, heads: Math.max(1, dModel / 64), seed: 1 }),
    batchFeeds(seed) {
      const next = lcg(seed);
      const ids = BigInt64Array.from({ length: batch * seq }, () => BigInt(Math.floor(next() * vocab)));
      return { ids: { type: 'int64', data: ids, dims: [batch, seq] }, labels: { type: 'int64', data: labels(next, batch), dims: [batch] } };
    },
  };
}

/** Every benchmark model, smallest first. 'tiny' ones exist for the smoke test and --quick. */
export const BENCH_MODELS: BenchModel[] = [
  mlp('tiny', 64, 2, 8),
  transformer('tiny', 64, 1, 4, 16, 128),
  mlp('1M', 512, 5, 64),
  transformer('1M', 128, 4, 16, 64),
  mlp('10M', 1024, 11, 64),
  transformer('10M', 256, 12, 16, 64),
  mlp('50M', 2048, 13, 64),
  transformer('50M', 512, 16, 16, 64),
];

/** The weight matrices of the transformer builder's blocks that LoRA variants adapt. */
export const TRANSFORMER_LORA_TARGETS = ['^blk\\d+\\.(qkv|attn_out|mlp_in|mlp_out)\\.weight$'];

/** Adapter elements of rank r on every qkv [D,3D], attn_out [D,D], mlp_in [D,4D], mlp_out [4D,D]: r·(d0 + d1) each. */
function transformerLoraElements(dModel: number, layers: number, rank: number): number {
  return layers * rank * (4 * dModel + 2 * dModel + 5 * dModel + 5 * dModel);
}

const TRANSFORMER_SHAPES: Record<string, { dModel: number; layers: number }> = {
  'transformer-tiny': { dModel: 64, layers: 1 },
  'transformer-1M': { dModel: 128, layers: 4 },
  'transformer-10M': { dModel: 256, layers: 12 },
  'transformer-50M': { dModel: 512, layers: 16 },
};

function withLora(base: BenchModel, rank: number): BenchModel {
  const shape = TRANSFORMER_SHAPES[base.id];
  if (!shape || base.kind !== 'transformer') throw new Error(`LoRA bench variants exist for transformer models only, not "${base.id}"`);
  return {
    ...base,
    id: `${base.id}-lora${rank}`,
    baseId: base.id,
    description: `${base.description}, LoRA r${rank} on qkv/attn_out/mlp_in/mlp_out`,
    parameters: transformerLoraElements(shape.dModel, shape.layers, rank),
    baseParameters: base.parameters,
    lora: { rank, alpha: 16, targets: TRANSFORMER_LORA_TARGETS },
  };
}

export function findModels(ids: string[]): BenchModel[] {
  return ids.map((id) => {
    const lora = /^(.*)-lora(\d+)$/.exec(id);
    const baseId = lora ? lora[1]! : id;
    const found = BENCH_MODELS.find((m) => m.id === baseId);
    if (!found) throw new Error(`unknown bench model "${id}"; known: ${BENCH_MODELS.map((m) => m.id).join(', ')} (and <transformer id>-lora<rank>)`);
    if (!lora) return found;
    const rank = Number(lora[2]);
    if (!(rank >= 1)) throw new Error(`bench model "${id}": LoRA rank must be >= 1`);
    return withLora(found, rank);
  });
}
