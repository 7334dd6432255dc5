/**
 * Which operators onnxruntime-node's CPU provider runs in float16 and bfloat16 (issue 18): one
 * single-node model per operator and type, built with the GraphBuilder, created and run once.
 * `npm run bench:half-kernels` prints a Markdown table (docs/half-precision.md holds its result).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';

const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-half-kernels-'));
import { GraphBuilder, intAttr, intsAttr } from '../runtime/onnx/graph-builder';
import { encodeModel } from '../runtime/onnx/model-io';
import { makeInt64Tensor } from '../runtime/onnx/tensor-data';
import { DataType } from '../runtime/onnx/onnx-types';

interface Case {
  op: string;
  /** Number of float inputs (each [4, 4]) and extra int64 inputs, as initializers. */
  floats: number;
  ints?: { name: string; dims: number[]; values: number[] }[];
  attributes?: ReturnType<typeof intAttr>[];
  /** The float inputs' shape (default [4, 4]). */
  shapes?: number[][];
}

const CASES: Case[] = [
  { op: 'MatMul', floats: 2 },
  { op: 'Gemm', floats: 2, attributes: [intAttr('transB', 1)] },
  { op: 'Add', floats: 2 },
  { op: 'Sub', floats: 2 },
  { op: 'Mul', floats: 2 },
  { op: 'Div', floats: 2 },
  { op: 'Pow', floats: 2 },
  { op: 'Neg', floats: 1 },
  { op: 'Sqrt', floats: 1 },
  { op: 'Exp', floats: 1 },
  { op: 'Log', floats: 1 },
  { op: 'Cos', floats: 1 },
  { op: 'Sin', floats: 1 },
  { op: 'Relu', floats: 1 },
  { op: 'Sigmoid', floats: 1 },
  { op: 'Tanh', floats: 1 },
  { op: 'Erf', floats: 1 },
  { op: 'Softmax', floats: 1, attributes: [intAttr('axis', -1)] },
  { op: 'LayerNormalization', floats: 3, shapes: [[4, 4], [4], [4]], attributes: [intAttr('axis', -1)] },
  { op: 'ReduceMean', floats: 1, attributes: [intsAttr('axes', [-1])] },
  { op: 'Transpose', floats: 1, attributes: [intsAttr('perm', [1, 0])] },
  { op: 'Reshape', floats: 1, ints: [{ name: 'shape', dims: [1], values: [16] }] },
  { op: 'Concat', floats: 2, attributes: [intAttr('axis', 0)] },
  { op: 'Gather', floats: 1, ints: [{ name: 'indices', dims: [2], values: [0, 3] }] },
  { op: 'Expand', floats: 1, ints: [{ name: 'shape', dims: [3], values: [2, 4, 4] }] },
  { op: 'Where', floats: 2 },
];

async function works(c: Case, type: 'float16' | 'bfloat16'): Promise<string> {
  // Inputs are initializers (onnxruntime-node has no bfloat16 tensors), the output is cast to float
  // to be fetched, and graph optimizations are off so nothing is folded away before the kernel runs.
  const b = new GraphBuilder({ opset: 17 });
  const dataType = type === 'float16' ? DataType.FLOAT16 : DataType.BFLOAT16;
  const inputs: string[] = [];
  if (c.op === 'Where') inputs.push(b.initializer({ name: 'cond', dims: [4, 4], data_type: DataType.BOOL, raw_data: new Uint8Array(16).fill(1) }));
  for (let i = 0; i < c.floats; i++) {
    const dims = c.shapes?.[i] ?? [4, 4];
    const n = dims.reduce((a, d) => a * d, 1);
    const one = type === 'float16' ? 0x3c00 : 0x3f80; // 1.0
    inputs.push(b.initializer({ name: `x${i}`, dims, data_type: dataType, raw_data: new Uint8Array(new Uint16Array(n).fill(one).buffer) }));
  }
  for (const int of c.ints ?? []) inputs.push(b.initializer(makeInt64Tensor(int.name, int.dims, int.values)));
  b.input('unused', 'float', [1]);
  b.op(c.op, inputs, c.attributes ?? [], 'y');
  b.op('Cast', ['y'], [intAttr('to', DataType.FLOAT)], 'out');
  b.output('out', 'float', []);
  const model = b.build();
  model.graph.output[0].type!.tensor_type!.shape = undefined;
  try {
    const prefix = path.join(profileDir, `${c.op}-${type}`);
    const session = await ort.InferenceSession.create(encodeModel(model), { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled', logSeverityLevel: 4, enableProfiling: true, profileFilePrefix: prefix });
    await session.run({ unused: new ort.Tensor('float32', new Float32Array(1), [1]) });
    session.endProfiling();
    await session.release();
    // onnxruntime's InsertCastTransformer runs float16 nodes without a CPU kernel in float32 between
    // Casts it adds: more than our one Cast node in the profile means the operator is not native.
    const file = fs.readdirSync(profileDir).find((f) => f.startsWith(path.basename(prefix)));
    const events = JSON.parse(fs.readFileSync(path.join(profileDir, file!), 'utf8')) as { cat: string; args?: { op_name?: string } }[];
    const casts = events.filter((e) => e.cat === 'Node' && e.args?.op_name === 'Cast').length;
    const runs = events.filter((e) => e.cat === 'Node' && e.args?.op_name === c.op).length;
    return casts > runs * 1 ? 'via float32 (inserted Casts)' : 'yes';
  } catch (e) {
    const message = String((e as Error).message);
    return /NOT_IMPLEMENTED|Could not find an implementation/.test(message) ? 'no kernel' : `error: ${message.split('\n')[0].slice(0, 80)}`;
  }
}

async function main(): Promise<void> {
  ort.env.logLevel = 'fatal';
  console.log(`onnxruntime-node ${ort.env.versions?.common ?? '?'}, CPU provider, opset 17`);
  console.log('| operator | float16 | bfloat16 |\n|---|---|---|');
  for (const c of CASES) console.log(`| ${c.op} | ${await works(c, 'float16')} | ${await works(c, 'bfloat16')} |`);
  fs.rmSync(profileDir, { recursive: true, force: true });
}

void main();
