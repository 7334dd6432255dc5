/**
 * A small pre-LayerNorm transformer encoder classifier built in code, for benchmarks and tests that
 * need transformer-shaped compute (attention MatMuls, LayerNorm, Softmax, an MLP with 4x width)
 * rather than the MLP stack. Inputs `ids` int64 [batch, seq]; output `logits` float [batch, classes].
 *
 *   ids → Gather(tok.weight [V, D]) + pos.weight [S, D]
 *   L × { x += Wo·Attention(LN1(x)·Wqkv) ;  x += W2·gelu(W1·LN2(x)) }      (H heads of D/H each)
 *   → LN_f → mean over seq → head.weight [D, C] + head.bias → logits
 *
 * gelu is the sigmoid approximation x·σ(1.702x) (Gelu is an ONNX op only from opset 20). Trainable
 * names end in `.weight` / `.bias`; select them with TRANSFORMER_TRAINABLE. Parameter count:
 * transformerParameterCount() (≈ 12·L·D² + (V + S)·D).
 */
import { floatAttr, GraphBuilder, intAttr, intsAttr } from './graph-builder';
import { makeFloatTensor, makeShapeTensor } from './tensor-data';
import { mulberry32, uniformFloats } from './seeded-prng';
import type { OnnxModel } from './onnx-types';

export interface TransformerOptions {
  vocab: number;
  seq: number;
  dModel: number;
  heads: number;
  layers: number;
  classes: number;
  seed: number;
}

/** Patterns selecting every weight, bias and LayerNorm scale/shift as trainable. */
export const TRANSFORMER_TRAINABLE = ['\\.weight$', '\\.bias$'];

export function transformerParameterCount(o: Omit<TransformerOptions, 'seed' | 'heads'>): number {
  const D = o.dModel;
  const block = 3 * D * D + 3 * D + D * D + D + 4 * D * D + 4 * D + 4 * D * D + D + 4 * D;
  return o.vocab * D + o.seq * D + o.layers * block + 2 * D + D * o.classes + o.classes;
}

/**
 * Seeded parameter helpers shared by the transformer graphs built in code (this file and
 * bench/text-encoder.ts): Xavier-uniform matrices and small non-zero vectors (so a test ignoring a
 * bias would notice), drawn from one mulberry32 stream in call order, and LayerNorm / Linear on them.
 */
export function seededLayers(b: GraphBuilder, seed: number, D: number) {
  const random = mulberry32(seed);
  const matrix = (name: string, rows: number, cols: number) =>
    b.floatInitializer(name, [rows, cols], uniformFloats(random, rows * cols, Math.sqrt(6 / (rows + cols))));
  const vector = (name: string, n: number, centre = 0) => {
    const v = uniformFloats(random, n, 0.02);
    if (centre) for (let i = 0; i < n; i++) v[i] += centre;
    return b.floatInitializer(name, [n], v);
  };
  const layerNorm = (x: string, prefix: string) =>
    b.op('LayerNormalization', [x, vector(`${prefix}.weight`, D, 1), vector(`${prefix}.bias`, D)], [intAttr('axis', -1), floatAttr('epsilon', 1e-5)], `${prefix}/out`);
  const linear = (x: string, prefix: string, rows: number, cols: number) =>
    b.op('Add', [b.op('MatMul', [x, matrix(`${prefix}.weight`, rows, cols)], [], `${prefix}/matmul`), vector(`${prefix}.bias`, cols)], [], `${prefix}/out`);
  return { matrix, vector, layerNorm, linear };
}

/**
 * L pre-LayerNorm blocks over x [batch, seq, D]: x += Wo·Attention(LN1(x)·Wqkv); x += W2·gelu(W1·LN2(x)),
 * H heads of D/H each. `attentionBias`, when given, is added to the scaled scores (an additive
 * padding mask broadcast as [batch, 1, 1, seq]). Returns the last block's output.
 */
export function preLnBlocks(b: GraphBuilder, nn: ReturnType<typeof seededLayers>, x: string, o: { dModel: number; heads: number; layers: number; attentionBias?: string }): string {
  const { dModel: D, heads: H, layers: L } = o;
  const dh = D / H;
  const { layerNorm, linear } = nn;
  const headsShape = b.initializer(makeShapeTensor('tf.heads_shape', [0, 0, H, dh]));
  const modelShape = b.initializer(makeShapeTensor('tf.model_shape', [0, 0, D]));
  const qkvSplit = b.initializer(makeShapeTensor('tf.qkv_split', [D, D, D]));
  const scale = b.initializer(makeFloatTensor('tf.attn_scale', [], [1 / Math.sqrt(dh)]));
  const geluK = b.initializer(makeFloatTensor('tf.gelu_k', [], [1.702]));
  for (let l = 0; l < L; l++) {
    const p = `blk${l}`;
    const qkv = linear(layerNorm(x, `${p}.ln1`), `${p}.qkv`, D, 3 * D);
    const [q, k, v] = [`${p}/q`, `${p}/k`, `${p}/v`];
    b.node('Split', [qkv, qkvSplit], [q, k, v], [intAttr('axis', -1)]);
    const heads = (t: string, perm: number[]) =>
      b.op('Transpose', [b.op('Reshape', [t, headsShape], [], `${t}/heads`)], [intsAttr('perm', perm)], `${t}/t`);
    const qk = b.op('MatMul', [heads(q, [0, 2, 1, 3]), heads(k, [0, 2, 3, 1])], [], `${p}/qk`);
    const scores = o.attentionBias
      ? b.op('Add', [b.op('Mul', [qk, scale], [], `${p}/scaled`), o.attentionBias], [], `${p}/scores`)
      : b.op('Mul', [qk, scale], [], `${p}/scores`);
    const probs = b.op('Softmax', [scores], [intAttr('axis', -1)], `${p}/probs`);
    const context = b.op('MatMul', [probs, heads(v, [0, 2, 1, 3])], [], `${p}/ctx`);
    const merged = b.op('Reshape', [b.op('Transpose', [context], [intsAttr('perm', [0, 2, 1, 3])], `${p}/ctx_t`), modelShape], [], `${p}/ctx_m`);
    x = b.op('Add', [x, linear(merged, `${p}.attn_out`, D, D)], [], `${p}/res1`);
    const up = linear(layerNorm(x, `${p}.ln2`), `${p}.mlp_in`, D, 4 * D);
    const gelu = b.op('Mul', [up, b.op('Sigmoid', [b.op('Mul', [up, geluK], [], `${p}/gelu_in`)], [], `${p}/gelu_s`)], [], `${p}/gelu`);
    x = b.op('Add', [x, linear(gelu, `${p}.mlp_out`, 4 * D, D)], [], `${p}/res2`);
  }
  return x;
}

export function buildTransformerClassifier(o: TransformerOptions): OnnxModel {
  const { vocab: V, seq: S, dModel: D, heads: H, classes: C } = o;
  if (D % H !== 0) throw new Error(`dModel ${D} is not a multiple of heads ${H}`);
  const b = new GraphBuilder({ graphName: 'transformer_classifier' });
  const nn = seededLayers(b, o.seed, D);
  const ids = b.input('ids', 'int64', ['batch', S]);
  const tok = b.op('Gather', [nn.matrix('tok.weight', V, D), ids], [intAttr('axis', 0)], 'tok/out');
  const x = preLnBlocks(b, nn, b.op('Add', [tok, nn.matrix('pos.weight', S, D)], [], 'embed/out'), o);
  const pooled = b.op('ReduceMean', [nn.layerNorm(x, 'ln_f')], [intsAttr('axes', [1]), intAttr('keepdims', 0)], 'pooled');
  b.op('Add', [b.op('MatMul', [pooled, nn.matrix('head.weight', D, C)], [], 'head/matmul'), nn.vector('head.bias', C)], [], 'logits');
  b.output('logits', 'float', ['batch', C]);
  return b.build();
}
