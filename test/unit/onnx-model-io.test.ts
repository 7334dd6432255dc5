import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMlpClassifier, GraphBuilder, intsAttr } from '../../runtime/onnx/graph-builder';
import {
  decodeModel,
  encodeModel,
  initializerToFloat32,
  makeFloatTensor,
  makeInt64Tensor,
  readModel,
  tensorToFloat32,
  writeModel,
  type OnnxModel,
} from '../../runtime/onnx/model-io';
import { DataType } from '../../runtime/onnx/onnx-types';

const tempDir = () => mkdtempSync(join(tmpdir(), 'helene-onnx-io-'));
const mlp = () => buildMlpClassifier({ inputDim: 3, hidden: [5], classes: 2, activation: 'relu', seed: 7, inputScale: [1, 2, 3] });

/** What must survive a round trip: structure and the initializer values. */
function summary(model: OnnxModel) {
  return {
    ir: model.ir_version,
    opsets: model.opset_import.map((o) => [o.domain ?? '', o.version]),
    nodes: model.graph.node.map((n) => [n.op_type, n.input, n.output]),
    inputs: model.graph.input.map((v) => [v.name, v.type?.tensor_type?.shape?.dim?.map((d) => d.dim_value ?? d.dim_param)]),
    outputs: model.graph.output.map((v) => v.name),
    initializers: model.graph.initializer.map((t) => [t.name, t.dims, t.data_type, Array.from(tensorToFloat32(t))]),
  };
}

test('encode → decode keeps nodes, shapes and initializer values; re-encoding is byte-identical', () => {
  const model = mlp();
  const bytes = encodeModel(model);
  const decoded = decodeModel(bytes);
  assert.deepEqual(summary(decoded), summary(model));
  assert.equal(typeof decoded.ir_version, 'number');
  assert.equal(typeof decoded.opset_import[0].version, 'number');
  assert.equal(typeof decoded.graph.initializer[0].dims?.[0], 'number');
  assert.deepEqual(Buffer.from(encodeModel(decoded)), Buffer.from(bytes));
});

test('writeModel / readModel round trip through a file', () => {
  const path = join(tempDir(), 'mlp.onnx');
  writeModel(mlp(), path);
  assert.deepEqual(summary(readModel(path)), summary(mlp()));
});

test('int64 attribute sentinels (INT64_MAX / INT64_MIN) survive as exact int64 on disk', () => {
  const b = new GraphBuilder();
  b.input('x', 'float', [4]);
  b.node('Slice', ['x'], ['y'], [intsAttr('sentinels', [2 ** 63, -(2 ** 63), 3])]);
  b.output('y', 'float', ['n']);
  const bytes = Buffer.from(encodeModel(b.build()));
  // INT64_MAX as a varint: eight 0xff then 0x7f. A wrapped value would encode as INT64_MIN instead.
  assert.ok(bytes.includes(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])));
  const ints = decodeModel(bytes).graph.node[0].attribute?.[0].ints;
  assert.deepEqual(ints, [2 ** 63, -(2 ** 63), 3]);
  assert.deepEqual(Buffer.from(encodeModel(decodeModel(bytes))), bytes);
});

test('a truncated file, a garbage file, an empty and a missing file give errors naming the path', () => {
  const dir = tempDir();
  const bytes = encodeModel(mlp());
  const truncated = join(dir, 'truncated.onnx');
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  assert.throws(() => readModel(truncated), (e: Error) => e.message.startsWith(`${truncated} is not a valid ONNX model`) && /truncated/.test(e.message));

  const garbage = join(dir, 'garbage.onnx');
  writeFileSync(garbage, 'this is definitely not an ONNX model\n'.repeat(20));
  assert.throws(() => readModel(garbage), (e: Error) => e.message.startsWith(`${garbage} is not a valid ONNX model`));

  const empty = join(dir, 'empty.onnx');
  writeFileSync(empty, '');
  assert.throws(() => readModel(empty), (e: Error) => e.message.includes(empty) && /empty/.test(e.message));

  const missing = join(dir, 'missing.onnx');
  assert.throws(() => readModel(missing), new RegExp(`not found: ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});

test('tensorToFloat32 copies unaligned raw_data into a fresh aligned array', () => {
  const values = new Float32Array([1.5, -2.25, 3e-8, 1e30]);
  const backing = Buffer.alloc(values.byteLength + 3);
  Buffer.from(values.buffer).copy(backing, 3); // raw_data as a view at an odd offset, like a decoded file
  const tensor = { name: 'w', dims: [4], data_type: DataType.FLOAT, raw_data: backing.subarray(3) };
  const out = tensorToFloat32(tensor);
  assert.deepEqual(Array.from(out), Array.from(values));
  assert.equal(out.byteOffset, 0);
  assert.notEqual(out.buffer, backing.buffer);
});

test('tensorToFloat32 converts float_data doubles and rejects wrong sizes or types', () => {
  assert.deepEqual(Array.from(tensorToFloat32({ name: 'f', dims: [2], data_type: DataType.FLOAT, float_data: [0.1, 2] })), [Math.fround(0.1), 2]);
  assert.throws(() => tensorToFloat32({ name: 'f', dims: [3], data_type: DataType.FLOAT, float_data: [1, 2] }), /expected 3/);
  assert.throws(() => tensorToFloat32(makeInt64Tensor('i', [1], [5])), /int64, not float32/);
});

test('makeFloatTensor owns its bytes; makeInt64Tensor stores little-endian int64 raw_data', () => {
  const source = new Float32Array([1, 2, 3, 4, 5, 6]);
  const tensor = makeFloatTensor('m', [2, 3], source);
  source[0] = 99;
  assert.equal(tensorToFloat32(tensor)[0], 1);
  assert.ok(Buffer.isBuffer(tensor.raw_data));
  assert.throws(() => makeFloatTensor('bad', [4], source), /do not fill dims/);

  const ints = makeInt64Tensor('shape', [3], [-1, 0, 2 ** 40]);
  const decoded = decodeModel(encodeModel({ ir_version: 8, opset_import: [{ domain: '', version: 17 }], graph: { node: [], initializer: [ints], input: [], output: [] } }));
  const raw = decoded.graph.initializer[0].raw_data!;
  assert.deepEqual(Array.from(new BigInt64Array(new Uint8Array(raw).buffer)), [-1n, 0n, 2n ** 40n]);
  assert.equal(decoded.graph.initializer[0].data_type, DataType.INT64);
});

test('initializerToFloat32 reads by name and names a missing initializer', () => {
  const model = mlp();
  assert.equal(initializerToFloat32(model, 'fc1.weight').length, 15);
  assert.throws(() => initializerToFloat32(model, 'nope'), /'nope'/);
  // The copy is the caller's: editing it leaves the model alone.
  initializerToFloat32(model, 'fc1.bias').fill(0);
  assert.notEqual(initializerToFloat32(model, 'fc1.bias')[0], 0);
});
