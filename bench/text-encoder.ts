/**
 * A ~1 M-parameter BERT-shaped text encoder for issue 17's measurements, built in code: the shape of
 * runtime/onnx/transformer-builder.ts (pre-LN blocks, D 128, 2 heads of 64, L 4, MLP 4x) but fed like
 * an exported Hugging Face encoder: `input_ids` and `attention_mask` [batch, sequence] with a dynamic
 * sequence axis, position embeddings sliced to the batch's width, masked attention (additive -1e4)
 * and mean pooling over real tokens. Random weights (speed does not depend on them), the tiny
 * encoder's WordPiece tokenizer (2,000 tokens) and its devil-vs-jargon data.
 *
 *   node --import tsx bench/text-encoder.ts <folder>   writes model.onnx, the tokenizer, the data and
 *                                                      finetune.json (batch 16, maxLength 64, all trainable)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, intAttr } from '../runtime/onnx/graph-builder';
import { makeFloatTensor, makeInt64Tensor } from '../runtime/onnx/tensor-data';
import { preLnBlocks, seededLayers } from '../runtime/onnx/transformer-builder';
import { writeModel } from '../runtime/onnx/model-io';
import type { OnnxModel } from '../runtime/onnx/onnx-types';

export interface TextEncoderOptions {
  vocab: number;
  maxPositions: number;
  dModel: number;
  heads: number;
  layers: number;
  classes: number;
  seed: number;
  /** Export the sequence axis with this fixed length instead of dynamic (to test the full-width fallback). */
  fixedSequence?: number;
}

export const ISSUE17_ENCODER: TextEncoderOptions = { vocab: 2000, maxPositions: 64, dModel: 128, heads: 2, layers: 4, classes: 2, seed: 17 };

/** A fixed full-width batch for the issue 17 probes (bench/*-probe.ts): token ids spread over the vocabulary, every position real, labels alternating. */
export function probeBatch(batch = 16, sequence = 64): Record<'input_ids' | 'attention_mask' | 'labels', ort.Tensor> {
  const ids = BigInt64Array.from({ length: batch * sequence }, (_, i) => BigInt((i * 7919) % ISSUE17_ENCODER.vocab));
  return {
    input_ids: new ort.Tensor('int64', ids, [batch, sequence]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * sequence).fill(1n), [batch, sequence]),
    labels: new ort.Tensor('int64', BigInt64Array.from({ length: batch }, (_, i) => BigInt(i % 2)), [batch]),
  };
}

export function buildTextEncoder(o: TextEncoderOptions): OnnxModel {
  const { vocab: V, maxPositions: P, dModel: D, classes: C } = o;
  const b = new GraphBuilder({ graphName: 'text_encoder' });
  const nn = seededLayers(b, o.seed, D);

  const seqDim = o.fixedSequence ?? 'sequence';
  const ids = b.input('input_ids', 'int64', ['batch', seqDim]);
  const mask = b.input('attention_mask', 'int64', ['batch', seqDim]);
  const zero = b.initializer(makeInt64Tensor('tf.zero', [1], [0]));
  const one = b.initializer(makeFloatTensor('tf.one', [], [1]));
  const big = b.initializer(makeFloatTensor('tf.mask_value', [], [1e4]));
  const maskAxes = b.initializer(makeInt64Tensor('tf.mask_axes', [2], [1, 2]));
  const lastAxis = b.initializer(makeInt64Tensor('tf.last_axis', [1], [-1]));
  const seqAxis = b.initializer(makeInt64Tensor('tf.seq_axis', [1], [1]));

  // Positions 0 … S-1 of the table, S = this batch's width.
  const width = b.op('Shape', [ids], [intAttr('start', 1), intAttr('end', 2)], 'seq/width');
  const positions = b.op('Slice', [nn.matrix('pos.weight', P, D), zero, width, zero], [], 'pos/out');
  const embedded = b.op('Add', [b.op('Gather', [nn.matrix('tok.weight', V, D), ids], [intAttr('axis', 0)], 'tok/out'), positions], [], 'embed/out');
  // (mask - 1) * 1e4 as [B, 1, 1, S]: 0 on real tokens, -1e4 on padding.
  const maskF = b.op('Cast', [mask], [intAttr('to', 1)], 'mask/f');
  const additive = b.op('Unsqueeze', [b.op('Mul', [b.op('Sub', [maskF, one], [], 'mask/m1'), big], [], 'mask/add'), maskAxes], [], 'mask/b11s');
  const x = preLnBlocks(b, nn, embedded, { ...o, attentionBias: additive });
  // Mean over real tokens: sum(x · mask) / sum(mask).
  const maskCol = b.op('Unsqueeze', [maskF, lastAxis], [], 'mask/col');
  const summed = b.op('ReduceSum', [b.op('Mul', [nn.layerNorm(x, 'ln_f'), maskCol], [], 'pool/masked'), seqAxis], [intAttr('keepdims', 0)], 'pool/sum');
  const count = b.op('ReduceSum', [maskF, seqAxis], [intAttr('keepdims', 1)], 'pool/count');
  const pooled = b.op('Div', [summed, count], [], 'pooled');
  b.op('Add', [b.op('MatMul', [pooled, nn.matrix('head.weight', D, C)], [], 'head/matmul'), nn.vector('head.bias', C)], [], 'logits');
  b.output('logits', 'float', ['batch', C]);
  return b.build();
}

/**
 * A file of this repository, from the source (bench/) or from the bundled bench (bench/out/): the
 * first folder upwards of this module that holds it.
 */
export function repoPath(relative: string): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, relative))) return path.join(dir, relative);
    if (path.dirname(dir) === dir) throw new Error(`${relative} not found above ${__dirname}`);
  }
}

/** Model, tokenizer, data and a run config in `dir`. Returns the config's path. */
export function writeTextEncoderWorkspace(dir: string, options: TextEncoderOptions = ISSUE17_ENCODER): string {
  fs.mkdirSync(dir, { recursive: true });
  writeModel(buildTextEncoder(options), path.join(dir, 'model.onnx'));
  const fixture = repoPath('test/fixtures/lm/tiny-encoder');
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'train.jsonl', 'eval.jsonl']) fs.copyFileSync(path.join(fixture, f), path.join(dir, f));
  const config = {
    name: 'issue17-encoder-1M',
    seed: 1,
    steps: 300,
    model: { path: 'model.onnx', task: 'classification', trainablePreset: 'all' },
    data: { train: 'train.jsonl', labelNames: ['devil', 'jargon'], batchSize: 16, maxLength: 64 },
    optimizer: { name: 'mezo', lr: 1e-7 },
    engine: { provider: 'cpu', threads: 2 },
  };
  const file = path.join(dir, 'finetune.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
  return file;
}

// Run as a script only (bundled into bench/out/bench.js, require.main === module holds for every module).
if (require.main === module && /text-encoder\.[jt]s$/.test(process.argv[1] ?? '')) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node --import tsx bench/text-encoder.ts <folder>');
  process.stdout.write(`${writeTextEncoderWorkspace(path.resolve(dir))}\n`);
}
