/**
 * Which ONNX integer ops onnxruntime-node's CPU EP runs, per element type (the z generator's
 * building blocks). Not a test: prints one line per (type, op, opset) with "ok <values>" or the
 * first line of onnxruntime's refusal. Run on a GPU machine with --provider webgpu to list the
 * WebGPU EP's answer (nodes it lacks fall back to the CPU EP: the profile says where they ran).
 *   node --import tsx bench/gpu/int-ops.ts [--provider webgpu]
 */
import * as ort from 'onnxruntime-node';
import { GraphBuilder, stringAttr, intAttr } from '../../runtime/onnx/graph-builder';
import { encodeModel } from '../../runtime/onnx/model-io';
import { DataType } from '../../runtime/onnx/onnx-types';
import { makeValueInfo } from '../../runtime/onnx/value-info';

const TYPES = {
  uint32: { code: DataType.UINT32, make: (v: number[]) => Uint32Array.from(v) },
  int32: { code: DataType.INT32, make: (v: number[]) => Int32Array.from(v) },
  int64: { code: DataType.INT64, make: (v: number[]) => BigInt64Array.from(v.map(BigInt)) },
  uint64: { code: DataType.UINT64, make: (v: number[]) => BigUint64Array.from(v.map(BigInt)) },
} as const;

const provider = process.argv.includes('--provider') ? process.argv[process.argv.indexOf('--provider') + 1] : 'cpu';

async function tryOp(op: string, type: keyof typeof TYPES, opset: number): Promise<string> {
  const { code, make } = TYPES[type];
  const unary = op === 'Cast';
  const b = new GraphBuilder({ opset });
  (b as unknown as { inputs: unknown[] }).inputs.push(makeValueInfo('a', code, [2]));
  if (!unary) (b as unknown as { inputs: unknown[] }).inputs.push(makeValueInfo('b', code, [2]));
  const attrs = op === 'BitShift' ? [stringAttr('direction', 'LEFT')] : op === 'Cast' ? [intAttr('to', DataType.FLOAT)] : [];
  b.node(op, unary ? ['a'] : ['a', 'b'], ['y'], attrs);
  (b as unknown as { outputs: unknown[] }).outputs.push(makeValueInfo('y', unary ? DataType.FLOAT : code, [2]));
  try {
    const session = await ort.InferenceSession.create(encodeModel(b.build()), { executionProviders: [provider], logSeverityLevel: 4 });
    const feeds: Record<string, ort.Tensor> = { a: new ort.Tensor(type, make([type === 'int32' ? 0x7fffffff : 0xffffffff, 3]) as never, [2]) };
    if (!unary) feeds.b = new ort.Tensor(type, make([5, 2]) as never, [2]);
    const out = await session.run(feeds);
    await session.release();
    return `ok ${Array.from(out.y.data as ArrayLike<unknown>).join(',')}`;
  } catch (e) {
    return `refused: ${String((e as Error).message).split('\n')[0].slice(0, 120)}`;
  }
}

async function main(): Promise<void> {
  ort.env.logLevel = 'fatal';
  for (const type of Object.keys(TYPES) as (keyof typeof TYPES)[]) {
    for (const op of ['Add', 'Sub', 'Mul', 'BitShift', 'Cast']) console.log(`${provider} ${type} ${op} opset17: ${await tryOp(op, type, 17)}`);
    for (const op of ['BitwiseXor', 'BitwiseAnd', 'BitwiseOr']) {
      console.log(`${provider} ${type} ${op} opset17: ${await tryOp(op, type, 17)}`);
      console.log(`${provider} ${type} ${op} opset18: ${await tryOp(op, type, 18)}`);
    }
  }
}

void main();
