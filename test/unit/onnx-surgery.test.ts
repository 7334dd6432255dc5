import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMlpClassifier } from '../../runtime/onnx/graph-builder';
import { decodeModel, encodeModel, makeFloatTensor, type OnnxModel } from '../../runtime/onnx/model-io';
import { prepareTrainingGraph, type TrainingGraph } from '../../runtime/onnx/surgery';
import { assertClose, float32, int64, perturbed, runModel, softmaxCrossEntropy, testFloats, type Feed } from '../fixtures/onnx/reference';

const INPUT_DIM = 5;
const CLASSES = 4;
const BATCH = 6;
const LABELS = [0, 3, 1, -100, 2, 3]; // -100: ignored example, loss 0

const original = buildMlpClassifier({ inputDim: INPUT_DIM, hidden: [7, 6], classes: CLASSES, activation: 'tanh', seed: 42, inputScale: [1, 0.5, 2, 1, 0.25] });
const x = testFloats(1, BATCH * INPUT_DIM);

function prepare(): TrainingGraph {
  return prepareTrainingGraph(original, {
    modelName: 'tiny-mlp',
    trainable: ['^fc1\\.weight$', '^head\\.'],
    loss: { kind: 'classification', logits: 'logits' },
    extraOutputs: ['logits'],
  });
}

/** Feeds for the training graph: theta = each trainable's initial values, dir = z, and a scale. */
function trainingFeeds(graph: TrainingGraph, directions: Map<string, Float32Array>, scale: number): Record<string, Feed> {
  const feeds: Record<string, Feed> = { x: float32(x, [BATCH, INPUT_DIM]), labels: int64(LABELS), zo_scale: float32(new Float32Array([scale]), []) };
  for (const t of graph.trainables) {
    feeds[t.thetaInput] = float32(t.initial, t.shape);
    feeds[t.dirInput] = float32(directions.get(t.name)!, t.shape);
  }
  return feeds;
}

/** Per-example loss of the untouched model with some initializers replaced, computed from its logits in JS. */
async function referenceLoss(model: OnnxModel, replacements: Map<string, Float32Array>): Promise<{ loss: number[]; logits: Float32Array }> {
  const edited = decodeModel(encodeModel(model));
  edited.graph.initializer = edited.graph.initializer.map((t) =>
    replacements.has(t.name!) ? makeFloatTensor(t.name!, t.dims!, replacements.get(t.name!)!) : t,
  );
  const { logits } = await runModel(encodeModel(edited), { x: float32(x, [BATCH, INPUT_DIM]) });
  return { loss: softmaxCrossEntropy(logits, CLASSES, LABELS), logits };
}

test('trainables become ::theta/::dir inputs; every other initializer stays bit-identical', () => {
  const graph = prepare();
  assert.deepEqual(graph.trainables.map((t) => [t.name, t.shape, t.size, t.rank]), [
    ['fc1.weight', [5, 7], 35, 2],
    ['head.weight', [6, 4], 24, 2],
    ['head.bias', [4], 4, 1],
  ]);
  assert.deepEqual(graph.inputNames, ['x', 'labels']);
  assert.deepEqual(graph.outputNames, ['loss', 'logits']);
  assert.equal(graph.lossOutput, 'loss');
  assert.equal(graph.scaleInput, 'zo_scale');

  const inputs = graph.model.graph.input.map((v) => v.name);
  for (const name of ['fc1.weight::theta', 'fc1.weight::dir', 'head.weight::theta', 'head.bias::dir', 'zo_scale']) assert.ok(inputs.includes(name), name);
  const scale = graph.model.graph.input.find((v) => v.name === 'zo_scale')!;
  assert.deepEqual(scale.type?.tensor_type?.shape?.dim ?? [], []);

  const kept = graph.model.graph.initializer;
  assert.deepEqual(kept.map((t) => t.name), ['input.scale', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
  for (const tensor of kept) {
    const before = original.graph.initializer.find((t) => t.name === tensor.name)!;
    assert.deepEqual(Buffer.from(tensor.raw_data!), Buffer.from(before.raw_data!), tensor.name);
  }
  // The caller's model is not edited.
  assert.equal(original.graph.initializer.length, 7);
  assert.deepEqual(original.graph.output.map((v) => v.name), ['logits']);
  // The encoded bytes are the edited model.
  assert.deepEqual(decodeModel(graph.bytes).graph.input.map((v) => v.name), inputs);
});

test('zo_scale 0: per-example loss equals softmax cross-entropy of the original logits', async () => {
  const graph = prepare();
  const directions = new Map(graph.trainables.map((t, i) => [t.name, testFloats(100 + i, t.size)]));
  const out = await runModel(graph.bytes, trainingFeeds(graph, directions, 0));
  const reference = await referenceLoss(original, new Map());
  assert.equal(out.loss.length, BATCH);
  assertClose(out.loss, reference.loss, 1e-5, 'loss');
  assert.ok(out.loss[3] === 0, `ignored example has loss ${out.loss[3]}`); // ignore_index (ORT gives -0)
  assertClose(out.logits, reference.logits, 1e-6, 'logits');
});

test('zo_scale = eps: loss equals the original model with weights theta + eps*z; theta is never modified', async () => {
  const graph = prepare();
  const directions = new Map(graph.trainables.map((t, i) => [t.name, testFloats(200 + i, t.size)]));
  const thetaBefore = graph.trainables.map((t) => Buffer.from(new Uint8Array(t.initial.buffer).slice()));
  const eps = 0.05;

  for (const scale of [eps, -eps]) {
    const out = await runModel(graph.bytes, trainingFeeds(graph, directions, scale));
    const replaced = new Map(graph.trainables.map((t) => [t.name, perturbed(t.initial, directions.get(t.name)!, scale)]));
    const reference = await referenceLoss(original, replaced);
    assertClose(out.loss, reference.loss, 1e-5, `loss at scale ${scale}`);
    // The perturbation must really change the loss, or this test could not fail.
    const unperturbed = await referenceLoss(original, new Map());
    assert.ok(Math.abs(out.loss[0] - unperturbed.loss[0]) > 1e-4);
  }
  graph.trainables.forEach((t, i) => assert.deepEqual(Buffer.from(t.initial.buffer), thetaBefore[i], `${t.name} theta changed`));
});
