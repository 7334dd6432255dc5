/**
 * A Llama-style decoder built with the project's GraphBuilder, its random weights streamed to
 * external-data files as they are drawn (never all in memory): one side file per block plus one for
 * the embeddings, as big exports spread their weights. RMSNorm, rotary positions (cos/sin tables),
 * SwiGLU MLP, grouped-query attention, LM head tied to the token embedding (Gemm with transB, so no
 * transposed copy exists). Input `input_ids` int64 [batch, seq] (seq fixed: the causal mask and the
 * rotary tables are sized for it), output `logits` float [batch, seq, vocab].
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { floatAttr, GraphBuilder, intAttr, intsAttr } from '../../runtime/onnx/graph-builder';
import { makeFloatTensor, makeShapeTensor } from '../../runtime/onnx/tensor-data';
import { DataLocation, DataType, type TensorProto } from '../../runtime/onnx/onnx-types';
import { writeModel } from '../../runtime/onnx/model-io';
import { mulberry32 } from '../../runtime/onnx/seeded-prng';

export interface LlamaSize {
  vocab: number;
  dModel: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  seq: number;
}

export const SIZES: Record<string, LlamaSize> = {
  '125m': { vocab: 32000, dModel: 768, layers: 16, heads: 12, kvHeads: 4, ffn: 2048, seq: 64 },
  '350m': { vocab: 32000, dModel: 1024, layers: 28, heads: 16, kvHeads: 4, ffn: 2816, seq: 64 },
  '1.3b': { vocab: 32000, dModel: 2048, layers: 28, heads: 16, kvHeads: 4, ffn: 5632, seq: 64 },
  // For a quick check of the pipeline (seconds).
  tiny: { vocab: 512, dModel: 64, layers: 2, heads: 4, kvHeads: 2, ffn: 128, seq: 16 },
};

export function llamaParameterCount(s: LlamaSize): number {
  const dh = s.dModel / s.heads;
  const attention = 2 * s.dModel * s.dModel + 2 * s.dModel * s.kvHeads * dh;
  return s.vocab * s.dModel + s.layers * (attention + 3 * s.dModel * s.ffn + 2 * s.dModel) + s.dModel;
}

const ALIGN = 4096;
const CHUNK = 1 << 20;

/** Appends random weights to side files, returning external-data TensorProtos. */
class WeightWriter {
  private readonly random = mulberry32(1234);
  private fd = -1;
  private file = '';
  private offset = 0;
  readonly files: string[] = [];

  constructor(private readonly dir: string) {}

  open(location: string): void {
    this.close();
    fs.mkdirSync(path.dirname(path.join(this.dir, location)), { recursive: true });
    this.fd = fs.openSync(path.join(this.dir, location), 'w');
    this.file = location;
    this.offset = 0;
    this.files.push(location);
  }

  /** `count` values uniform in [-limit, limit) (or all `constant`), written in bounded chunks. */
  tensor(name: string, dims: number[], limit: number, constant?: number): TensorProto {
    const count = dims.reduce((a, b) => a * b, 1);
    this.offset = Math.ceil(this.offset / ALIGN) * ALIGN;
    const start = this.offset;
    const chunk = new Float32Array(Math.min(CHUNK, count));
    for (let done = 0; done < count; done += chunk.length) {
      const n = Math.min(chunk.length, count - done);
      for (let i = 0; i < n; i++) chunk[i] = constant ?? (this.random() * 2 - 1) * limit;
      const bytes = new Uint8Array(chunk.buffer, 0, n * 4);
      fs.writeSync(this.fd, bytes, 0, bytes.byteLength, this.offset);
      this.offset += bytes.byteLength;
    }
    return {
      name,
      dims,
      data_type: DataType.FLOAT,
      data_location: DataLocation.EXTERNAL,
      external_data: [
        { key: 'location', value: this.file },
        { key: 'offset', value: String(start) },
        { key: 'length', value: String(count * 4) },
      ],
    };
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Writes `dir/model.onnx` and its side files; returns the parameter count and the side files. */
export function writeLlama(dir: string, s: LlamaSize): { parameters: number; files: string[] } {
  const { vocab: V, dModel: D, layers: L, heads: H, kvHeads: KV, ffn: F, seq: S } = s;
  const dh = D / H;
  const groups = H / KV;
  const b = new GraphBuilder({ graphName: 'llama', opset: 17 });
  const w = new WeightWriter(dir);
  const std = 0.02 * Math.sqrt(3); // uniform with the variance of N(0, 0.02²)

  const ids = b.input('input_ids', 'int64', ['batch', S]);
  w.open('weights/embeddings.bin');
  const embed = b.initializer(w.tensor('model.embed_tokens.weight', [V, D], std));
  const shape = (name: string, dims: number[]) => b.initializer(makeShapeTensor(name, dims));
  const scalar = (name: string, v: number) => b.initializer(makeFloatTensor(name, [], [v]));
  // Rotary tables and the causal mask: buffers (not trainable), fixed to seq S.
  const cos = new Float32Array(S * dh);
  const sin = new Float32Array(S * dh);
  for (let p = 0; p < S; p++) {
    for (let i = 0; i < dh / 2; i++) {
      const angle = p / 10000 ** ((2 * i) / dh);
      cos[p * dh + i] = cos[p * dh + i + dh / 2] = Math.cos(angle);
      sin[p * dh + i] = sin[p * dh + i + dh / 2] = Math.sin(angle);
    }
  }
  const ropeCos = b.initializer(makeFloatTensor('rope.cos_cached', [S, dh], cos));
  const ropeSin = b.initializer(makeFloatTensor('rope.sin_cached', [S, dh], sin));
  const mask = new Float32Array(S * S);
  for (let i = 0; i < S; i++) for (let j = i + 1; j < S; j++) mask[i * S + j] = -1e4;
  const causal = b.initializer(makeFloatTensor('causal_mask', [S, S], mask));
  const eps = scalar('rms.eps', 1e-6);
  const attnScale = scalar('attn.scale', 1 / Math.sqrt(dh));
  const split = shape('rope.split', [dh / 2, dh / 2]);
  const qShape = shape('shape.q', [0, 0, H, dh]);
  const kvShape = shape('shape.kv', [0, 0, KV, dh]);
  const expandShape = shape('shape.expand', [1, 1, groups, 1, 1]);
  const headsShape = shape('shape.heads', [0, H, S, dh]);
  const modelShape = shape('shape.model', [0, 0, D]);
  const flatShape = shape('shape.flat', [-1, D]);
  const logitsShape = shape('shape.logits', [-1, S, V]);

  const rms = (x: string, name: string) => {
    const weight = b.initializer(w.tensor(`${name}.weight`, [D], 0, 1));
    const meanSquare = b.op('ReduceMean', [b.op('Mul', [x, x], [], `${name}/sq`)], [intsAttr('axes', [-1]), intAttr('keepdims', 1)], `${name}/ms`);
    const norm = b.op('Div', [x, b.op('Sqrt', [b.op('Add', [meanSquare, eps], [], `${name}/eps`)], [], `${name}/rms`)], [], `${name}/norm`);
    return b.op('Mul', [norm, weight], [], `${name}/out`);
  };
  const linear = (x: string, name: string, rows: number, cols: number) => b.op('MatMul', [x, b.initializer(w.tensor(`${name}.weight`, [rows, cols], std))], [], `${name}/out`);
  const rotate = (t: string, name: string) => {
    const [a, c] = [`${name}/half0`, `${name}/half1`];
    b.node('Split', [t, split], [a, c], [intAttr('axis', -1)]);
    const rotated = b.op('Concat', [b.op('Neg', [c], [], `${name}/neg`), a], [intAttr('axis', -1)], `${name}/rot`);
    return b.op('Add', [b.op('Mul', [t, ropeCos], [], `${name}/cos`), b.op('Mul', [rotated, ropeSin], [], `${name}/sin`)], [], `${name}/roped`);
  };

  let x = b.op('Gather', [embed, ids], [intAttr('axis', 0)], 'embed/out');
  for (let l = 0; l < L; l++) {
    w.open(`weights/layer-${String(l).padStart(2, '0')}.bin`);
    const p = `model.layers.${l}`;
    const h = rms(x, `${p}.input_layernorm`);
    const heads = (t: string, shapeName: string, name: string) => b.op('Transpose', [b.op('Reshape', [t, shapeName], [], `${name}/split`)], [intsAttr('perm', [0, 2, 1, 3])], `${name}/heads`);
    const q = rotate(heads(linear(h, `${p}.self_attn.q_proj`, D, D), qShape, `${p}/q`), `${p}/q`);
    const k = rotate(heads(linear(h, `${p}.self_attn.k_proj`, D, KV * dh), kvShape, `${p}/k`), `${p}/k`);
    const v = heads(linear(h, `${p}.self_attn.v_proj`, D, KV * dh), kvShape, `${p}/v`);
    // repeat_kv: [B, KV, S, dh] → [B, KV, G, S, dh] → [B, H, S, dh]
    const repeat = (t: string, name: string) =>
      b.op('Reshape', [b.op('Expand', [b.op('Unsqueeze', [t, shape(`${name}/axis`, [2])], [], `${name}/5d`), expandShape], [], `${name}/expanded`), headsShape], [], `${name}/repeated`);
    const scores = b.op('Add', [b.op('Mul', [b.op('MatMul', [q, b.op('Transpose', [repeat(k, `${p}/k`)], [intsAttr('perm', [0, 1, 3, 2])], `${p}/kT`)], [], `${p}/qk`), attnScale], [], `${p}/scaled`), causal], [], `${p}/scores`);
    const context = b.op('MatMul', [b.op('Softmax', [scores], [intAttr('axis', -1)], `${p}/probs`), repeat(v, `${p}/v`)], [], `${p}/ctx`);
    const merged = b.op('Reshape', [b.op('Transpose', [context], [intsAttr('perm', [0, 2, 1, 3])], `${p}/ctx_t`), modelShape], [], `${p}/ctx_m`);
    x = b.op('Add', [x, linear(merged, `${p}.self_attn.o_proj`, D, D)], [], `${p}/res1`);
    const g = rms(x, `${p}.post_attention_layernorm`);
    const gate = linear(g, `${p}.mlp.gate_proj`, D, F);
    const silu = b.op('Mul', [gate, b.op('Sigmoid', [gate], [], `${p}/sig`)], [], `${p}/silu`);
    const up = linear(g, `${p}.mlp.up_proj`, D, F);
    x = b.op('Add', [x, linear(b.op('Mul', [silu, up], [], `${p}/swiglu`), `${p}.mlp.down_proj`, F, D)], [], `${p}/res2`);
  }
  w.open('weights/final.bin');
  const final = b.op('Reshape', [rms(x, 'model.norm'), flatShape], [], 'final/flat');
  // Tied LM head: the embedding table itself, transposed inside Gemm.
  const flatLogits = b.op('Gemm', [final, embed], [intAttr('transB', 1), floatAttr('alpha', 1)], 'lm_head/flat');
  b.op('Reshape', [flatLogits, logitsShape], [], 'logits');
  b.output('logits', 'float', ['batch', S, V]);
  w.close();
  writeModel(b.build(), path.join(dir, 'model.onnx'));
  return { parameters: llamaParameterCount(s), files: w.files };
}
