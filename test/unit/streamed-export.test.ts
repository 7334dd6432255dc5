/**
 * Streamed export (issue 18): the export is planned without reading a single trained tensor, then
 * written tensor by tensor (each trained tensor read once, when its turn comes), and the file equals
 * the in-memory export; checkpoints are read lazily with the same checks as a full decode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GraphBuilder } from '../../runtime/onnx/graph-builder';
import { readModel, writeModel } from '../../runtime/onnx/model-io';
import { DataType } from '../../runtime/onnx/onnx-types';
import { encode16 } from '../../runtime/onnx/half-precision';
import { exportTunedModel, planExport, trainedInMemory } from '../../runtime/onnx/export-model';
import { writeModelWithExternalData } from '../../runtime/onnx/write-external';
import { readModelStructure } from '../../runtime/onnx/model-structure';
import { readTensorFloat32 } from '../../runtime/onnx/tensor-reader';
import { encodeCheckpoint, type CheckpointData } from '../../runtime/run/checkpoint';
import { openCheckpoint, openLatestCheckpoint } from '../../runtime/run/checkpoint-reader';
import { CheckpointError, checkpointFile } from '../../runtime/run/checkpoint';
import { tempDir } from '../runtime/helpers';

const N = 512; // [512, 512] float32 = 1 MiB: big enough to go to external data
const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + i) * 0.1);

function model(dir: string): string {
  const g = new GraphBuilder();
  const x = g.input('x', 'float', [1, N]);
  g.floatInitializer('w1', [N, N], values(N * N, 1));
  g.initializer({ name: 'w2.stored', dims: [N, N], data_type: DataType.FLOAT16, raw_data: encode16(values(N * N, 2), false) });
  g.floatInitializer('frozen', [N, N], values(N * N, 3));
  const w2 = g.op('Cast', ['w2.stored'], [{ name: 'to', type: 2, i: DataType.FLOAT }]);
  const h = g.op('MatMul', [g.op('MatMul', [x, 'w1']), w2]);
  g.op('MatMul', [h, 'frozen'], [], 'y');
  g.output('y', 'float', [1, N]);
  const file = path.join(dir, 'model.onnx');
  writeModel(g.build(), file);
  return file;
}

test('planning reads no trained tensor; writing reads each once, in turn; the file equals the in-memory export', () => {
  const dir = tempDir('streamed-export-');
  const file = model(dir);
  const trainedValues = new Map([['w1', values(N * N, 11)], ['w2.stored', values(N * N, 12)]]);
  const reads: string[] = [];
  const counting = { ...trainedInMemory(trainedValues), read: (name: string) => (reads.push(name), trainedValues.get(name)!) };
  const plan = planExport(readModelStructure(file), counting, null, 'model.onnx', dir);
  assert.deepEqual(reads, [], 'nothing read while planning');
  const out = path.join(dir, 'out', 'model.onnx');
  fs.mkdirSync(path.dirname(out));
  writeModelWithExternalData(plan.model, out, dir, undefined, plan.deferred);
  assert.deepEqual(reads, ['w1', 'w2.stored'], 'each trained tensor read once, in graph order');
  assert.ok(fs.statSync(out + '.data').size >= 3 * N * N * 2, 'the weights went to model.onnx.data');
  const streamed = readModel(out);
  const whole = exportTunedModel(readModel(file), trainedValues, null, 'model.onnx').model;
  for (const name of ['w1', 'w2.stored', 'frozen']) {
    const a = streamed.graph.initializer.find((t) => t.name === name)!;
    const b = whole.graph.initializer.find((t) => t.name === name)!;
    assert.equal(a.data_type, b.data_type, name);
    assert.deepEqual(readTensorFloat32(a, path.dirname(out), ''), readTensorFloat32(b, undefined, ''), `${name}: the same values as the in-memory export`);
  }
});

test('checkpoints read lazily: tensors equal, a flipped byte and a not-good mark are refused as a full decode refuses them', () => {
  const dir = tempDir('lazy-ckpt-');
  const data = (step: number, lossFinite: boolean | null): CheckpointData => ({
    counters: { step, forwardPasses: 0, examples: 0, skipped: 0, wallMs: 0, lastLoss: null, lastEval: null, bestEval: null },
    cursor: { epoch: 0, position: 0 } as never,
    optimizer: { name: 'mezo', lr: 1 } as never,
    tensors: new Map<string, Float32Array | Float64Array>([['theta/a', values(1000, step)], ['m/0', new Float64Array([1, 2, 3])], ['theta/b', values(7, step + 1)]]),
    lossFinite,
  });
  fs.mkdirSync(path.join(dir, 'checkpoints'));
  fs.writeFileSync(checkpointFile(dir, 1), encodeCheckpoint(data(1, true)));
  const opened = openCheckpoint(checkpointFile(dir, 1));
  assert.deepEqual(opened.readFloat32('theta/b'), values(7, 2));
  assert.deepEqual(opened.readFloat32('theta/a'), values(1000, 1));
  assert.throws(() => opened.readFloat32('m/0'), /has no float32 tensor "m\/0"/);
  opened.close();
  // A newer one marked not good, and a newest one corrupted: both skipped, step 1 is chosen.
  fs.writeFileSync(checkpointFile(dir, 2), encodeCheckpoint(data(2, false)));
  const bytes = encodeCheckpoint(data(3, true));
  bytes[bytes.length - 5] ^= 1;
  fs.writeFileSync(checkpointFile(dir, 3), bytes);
  const skipped: string[] = [];
  const latest = openLatestCheckpoint(dir, (f, reason) => skipped.push(`${path.basename(f)}: ${reason}`))!;
  assert.equal(latest.header.counters.step, 1);
  latest.close();
  assert.match(skipped[0], /step-000000003\.ckpt: .*fails its checksum/);
  assert.match(skipped[1], /step-000000002\.ckpt: .*non-finite loss/);
  assert.throws(() => openCheckpoint(checkpointFile(dir, 3)), CheckpointError);
});
