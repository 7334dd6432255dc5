/**
 * The benchmark models, built in code so `npm run bench` needs no download: an MLP stack and a
 * small transformer encoder at about 1M, 10M and 50M trainable parameters, each with the batch it
 * is timed at. Sizes follow the field notes' transformer measurements (B16×S64).
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
  /** Exact trainable element count. */
  parameters: number;
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
  return {
    id: `mlp-${size}`,
    kind: 'mlp',
    size,
    description: `MLP ${depth}×${width} relu, batch ${batch}`,
    batch,
    parameters: width * width * (depth - 1) + width * (depth - 1) + width * CLASSES + CLASSES,
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
    kind: 'transformer',
    size,
    description: `transformer L${layers} D${dModel} H${dModel / 64 || 1} V${vocab}, batch ${batch}×seq ${seq}`,
    batch,
    parameters: transformerParameterCount(shape),
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

export function findModels(ids: string[]): BenchModel[] {
  return ids.map((id) => {
    const found = BENCH_MODELS.find((m) => m.id === id);
    if (!found) throw new Error(`unknown bench model "${id}"; known: ${BENCH_MODELS.map((m) => m.id).join(', ')}`);
    return found;
  });
}
