/**
 * LoRA on a float16 weight that a MatMul reads directly in float16 (no Cast to float in between, as
 * in a model exported with `model.half()`): the merge is float32 and the consumer reads the merged
 * weight cast back to float16, the type it was exported to read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../runtime/onnx/graph-builder';
import { encodeModel } from '../../runtime/onnx/model-io';
import { DataType } from '../../runtime/onnx/onnx-types';
import { encode16, floatToHalf, halfToFloat } from '../../runtime/onnx/half-precision';
import { insertLora, loraNames } from '../../runtime/onnx/lora';
import { makeFloatTensor } from '../../runtime/onnx/tensor-data';

const round16 = (v: number) => halfToFloat(floatToHalf(v));

test('a float16 MatMul weight takes a float32 adapter; the MatMul reads (W + s·B A) rounded to float16', async () => {
  const [d0, d1, rank] = [4, 3, 2];
  const w = Float32Array.from({ length: d0 * d1 }, (_, i) => round16(0.1 * (i - 5)));
  const g = new GraphBuilder();
  const x = g.input('x', 'float', [1, d0]);
  g.initializer({ name: 'w', dims: [d0, d1], data_type: DataType.FLOAT16, raw_data: encode16(w, false) });
  const x16 = g.op('Cast', [x], [{ name: 'to', type: 2, i: DataType.FLOAT16 }]);
  const y16 = g.op('MatMul', [x16, 'w']);
  g.op('Cast', [y16], [{ name: 'to', type: 2, i: DataType.FLOAT }], 'y');
  g.output('y', 'float', [1, d1]);
  const model = g.build();
  const [adapter] = insertLora(model.graph, { rank, alpha: 2, targets: ['^w$'], seed: 1 }, 'half.onnx');
  const n = loraNames('w');
  assert.equal(model.graph.initializer.find((t) => t.name === 'w')?.data_type, DataType.FLOAT16, 'the base stays a float16 initializer');
  assert.equal(model.graph.initializer.find((t) => t.name === n.a)?.data_type, DataType.FLOAT, 'the adapters are float32');
  const matmul = model.graph.node.find((node) => node.op_type === 'MatMul' && node.input.includes(n.merged))!;
  assert.ok(matmul, 'the MatMul reads the merged weight');
  assert.equal(model.graph.node.find((node) => node.output.includes(n.merged))?.op_type, 'Cast', 'cast back to float16 for it');
  // Non-zero B, so the adapter changes the weight.
  const b = Float32Array.from({ length: d0 * rank }, (_, i) => 0.05 * (i + 1));
  const index = model.graph.initializer.findIndex((t) => t.name === n.b);
  model.graph.initializer[index] = makeFloatTensor(n.b, [d0, rank], b);
  const a = (() => {
    const t = model.graph.initializer.find((t) => t.name === n.a)!;
    return new Float32Array(new Uint8Array(t.raw_data!).slice().buffer);
  })();
  const session = await ort.InferenceSession.create(encodeModel(model));
  const xs = Float32Array.from([0.5, -1, 0.25, 2]);
  const y = (await session.run({ x: new ort.Tensor('float32', xs, [1, d0]) })).y.data as Float32Array;
  await session.release();
  for (let j = 0; j < d1; j++) {
    let expected = 0;
    for (let i = 0; i < d0; i++) {
      let ba = 0;
      for (let k = 0; k < rank; k++) ba += b[i * rank + k] * a[k * d1 + j];
      expected += round16(xs[i]) * round16(Math.fround(w[i * d1 + j] + adapter.scale * ba));
    }
    assert.ok(Math.abs(y[j] - expected) <= 2e-3 * Math.max(1, Math.abs(expected)), `y[${j}] = ${y[j]}, expected ${expected}`);
  }
});
