import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLeastSquares } from '../../runtime/onnx/graph-builder';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { assertClose, float32, perturbed, runModel, testFloats, type Feed } from '../fixtures/onnx/reference';

// Includes a scalar layer (shape []) to check it flattens to one element.
const LAYERS = [
  { name: 'layer.w', shape: [2, 3] },
  { name: 'layer.b', shape: [3] },
  { name: 'layer.s', shape: [] as number[] },
];
const D = 10;
const BATCH = 5;

/** 0.5 * (a·theta − y)^2 per example, in float64. */
function leastSquaresLoss(a: Float32Array, theta: Float32Array, y: Float32Array): number[] {
  return Array.from(y, (target, b) => {
    let dot = 0;
    for (let j = 0; j < D; j++) dot += a[b * D + j] * theta[j];
    return 0.5 * (dot - target) ** 2;
  });
}

test('least-squares model: loss = 0.5*(a·theta − y)^2 with theta = layers flattened row-major in order', async () => {
  const graph = prepareTrainingGraph(buildLeastSquares({ layers: LAYERS }), {
    modelName: 'golden', trainable: ['^layer\\.'], loss: { kind: 'output', output: 'loss' },
  });
  assert.deepEqual(graph.inputNames, ['a', 'y']);
  assert.deepEqual(graph.trainables.map((t) => [t.name, t.size]), [['layer.w', 6], ['layer.b', 3], ['layer.s', 1]]);
  assert.ok(graph.trainables.every((t) => t.initial.every((v) => v === 0)));

  const a = testFloats(5, BATCH * D);
  const y = testFloats(6, BATCH);
  const theta = testFloats(7, D); // fed layer by layer: w (6), b (3), s (1)
  const z = testFloats(8, D);
  const slices = [theta.subarray(0, 6), theta.subarray(6, 9), theta.subarray(9, 10)];
  const zSlices = [z.subarray(0, 6), z.subarray(6, 9), z.subarray(9, 10)];

  for (const scale of [0, 1e-2]) {
    const feeds: Record<string, Feed> = { a: float32(a, [BATCH, D]), y: float32(y, [BATCH]), zo_scale: float32(new Float32Array([scale]), []) };
    graph.trainables.forEach((t, i) => {
      feeds[t.thetaInput] = float32(slices[i], t.shape);
      feeds[t.dirInput] = float32(zSlices[i], t.shape);
    });
    const { loss } = await runModel(graph.bytes, feeds);
    assertClose(loss, leastSquaresLoss(a, perturbed(theta, z, scale), y), 1e-5, `loss at scale ${scale}`);
  }
});

test('least-squares loss output can be renamed: a model whose per-example output is not called loss', async () => {
  const model = buildLeastSquares({ layers: [{ name: 'w', shape: [D] }] });
  // Rename the output to 'per_example' everywhere it appears.
  for (const node of model.graph.node) node.output = node.output.map((n) => (n === 'loss' ? 'per_example' : n));
  model.graph.output[0].name = 'per_example';
  const graph = prepareTrainingGraph(model, { modelName: 'renamed', trainable: ['^w$'], loss: { kind: 'output', output: 'per_example' } });
  assert.deepEqual(graph.outputNames, ['loss']);
  const a = testFloats(9, BATCH * D);
  const y = testFloats(10, BATCH);
  const theta = testFloats(11, D);
  const { loss } = await runModel(graph.bytes, {
    a: float32(a, [BATCH, D]), y: float32(y, [BATCH]), zo_scale: float32(new Float32Array([0]), []),
    'w::theta': float32(theta, [D]), 'w::dir': float32(new Float32Array(D), [D]),
  });
  assertClose(loss, leastSquaresLoss(a, theta, y), 1e-5, 'loss');
});
