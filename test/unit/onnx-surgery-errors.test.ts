import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLeastSquares, buildMlpClassifier, GraphBuilder } from '../../runtime/onnx/graph-builder';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { makeValueInfo } from '../../runtime/onnx/value-info';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeModel } from '../../runtime/onnx/model-io';
import { inspectModel } from '../../runtime/onnx/model-inspect';

const mlp = () => buildMlpClassifier({ inputDim: 3, hidden: [4], classes: 2, activation: 'relu', seed: 1 });
const classification = { kind: 'classification', logits: 'logits' } as const;

test('a pattern matching nothing names the model, the pattern and some initializers', () => {
  assert.throws(
    () => prepareTrainingGraph(mlp(), { modelName: 'my-mlp', trainable: ['^fc1\\.', '^decoder\\.'], loss: classification }),
    (e: Error) => e.message.includes('my-mlp') && e.message.includes("'^decoder\\.'") && e.message.includes("'fc1.weight'"),
  );
});

test('invalid regexes, empty pattern lists and int64-only matches are refused clearly', () => {
  assert.throws(() => prepareTrainingGraph(mlp(), { modelName: 'm', trainable: ['fc1.(weight'], loss: classification }), /'fc1\.\(weight' is not a valid regular expression/);
  assert.throws(() => prepareTrainingGraph(mlp(), { modelName: 'm', trainable: [], loss: classification }), /nothing to train/);
  const ls = buildLeastSquares({ layers: [{ name: 'w', shape: [3] }] });
  assert.throws(
    () => prepareTrainingGraph(ls, { modelName: 'ls', trainable: ['flat_shape'], loss: { kind: 'output', output: 'loss' } }),
    /matches only non-float initializers: 'ls\.flat_shape' \(int64\); only float32, float16 and bfloat16/,
  );
  // '.' matches the int64 constant too, but only the float32 tensors are trained.
  const all = prepareTrainingGraph(ls, { modelName: 'ls', trainable: ['.'], loss: { kind: 'output', output: 'loss' } });
  assert.deepEqual(all.trainables.map((t) => t.name), ['ls.half', 'w']);
});

test('classification on a model without logits names the missing output and lists the outputs it has', () => {
  const ls = buildLeastSquares({ layers: [{ name: 'w', shape: [3] }] });
  assert.throws(
    () => prepareTrainingGraph(ls, { modelName: 'golden', trainable: ['^w$'], loss: classification }),
    (e: Error) => e.message.includes('golden') && e.message.includes("no output 'logits'") && e.message.includes('loss [batch]'),
  );
  assert.throws(
    () => prepareTrainingGraph(mlp(), { modelName: 'm', trainable: ['^head'], loss: classification, extraOutputs: ['hidden'] }),
    /no output 'hidden'.*logits \[batch, 2\]/,
  );
});

test('loss shape and opset are checked', () => {
  // 'output' loss must be per example (rank 1): the MLP's logits are rank 2.
  assert.throws(
    () => prepareTrainingGraph(mlp(), { modelName: 'm', trainable: ['^head'], loss: { kind: 'output', output: 'logits' } }),
    /rank 2, expected 1/,
  );
  // Opset 9-11 classifiers get the loss spelled with OneHot (test/runtime/newuser6-models.test.ts); below 9 there is no OneHot.
  const old = mlp();
  old.opset_import = [{ domain: '', version: 8 }];
  assert.throws(() => prepareTrainingGraph(old, { modelName: 'old-export', trainable: ['^head'], loss: classification }), /old-export: the model uses opset 8.*opset >= 9 \(OneHot\).*[Rr]e-export/);
  old.opset_import = [{ domain: '', version: 11 }];
  const ops = prepareTrainingGraph(old, { modelName: 'old-export', trainable: ['^head'], loss: classification }).model.graph.node.map((n) => n.op_type);
  assert.ok(ops.includes('OneHot') && !ops.includes('SoftmaxCrossEntropyLoss'), ops.join(','));
});

test('initializers duplicated in graph.input (old exporters) are de-duplicated', () => {
  const model = mlp();
  // Old exporters list every initializer as a graph input as well.
  model.graph.input.push(...model.graph.initializer.map((t) => makeValueInfo(t.name!, 'float', t.dims!)));
  const graph = prepareTrainingGraph(model, { modelName: 'old', trainable: ['^head\\.weight$'], loss: classification });
  const names = graph.model.graph.input.map((v) => v.name);
  assert.equal(names.filter((n) => n === 'head.weight').length, 0);
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual(graph.inputNames, ['x', 'labels']);
});

test('name clashes with existing values are refused instead of silently shadowing', () => {
  const b = new GraphBuilder();
  b.input('x', 'float', ['batch', 2]);
  b.input('labels', 'int64', ['batch']);
  b.floatInitializer('w', [2, 2], [1, 0, 0, 1]);
  b.op('MatMul', ['x', 'w'], [], 'logits');
  b.output('logits', 'float', ['batch', 2]);
  assert.throws(() => prepareTrainingGraph(b.build(), { modelName: 'clash', trainable: ['^w$'], loss: classification }), /clash already has a value named 'labels'/);
});

test('logits under another name (torch.onnx.export without output_names): the message names model.logitsOutput and the output to set', () => {
  const renamed = () => {
    const m = mlp();
    for (const node of m.graph.node) node.output = node.output.map((o) => (o === 'logits' ? 'output_0' : o));
    m.graph.output[0].name = 'output_0';
    return m;
  };
  const hint = /no output 'logits'\. Its outputs are: output_0 \[batch, 2\]\. Set model\.logitsOutput to the output that holds them \(e\.g\. "output_0"\)/;
  // Through the head preset, through a pattern (the logits kept for accuracy) and through the loss alone.
  assert.throws(() => prepareTrainingGraph(renamed(), { modelName: 'm', trainable: [], trainablePreset: 'head', loss: classification }), hint);
  assert.throws(() => prepareTrainingGraph(renamed(), { modelName: 'm', trainable: ['^head'], loss: classification, extraOutputs: ['logits'] }), hint);
  assert.throws(() => prepareTrainingGraph(renamed(), { modelName: 'm', trainable: ['^head'], loss: classification }), hint);
  // Setting it as the message says trains.
  const fixed = prepareTrainingGraph(renamed(), { modelName: 'm', trainable: [], trainablePreset: 'head', loss: { kind: 'classification', logits: 'output_0' } });
  assert.ok(fixed.trainables.length > 0);
});

test('a one-logit (sigmoid) classifier is refused: softmax over one class makes every loss 0', () => {
  const one = buildMlpClassifier({ inputDim: 3, hidden: [4], classes: 1, activation: 'relu', seed: 1 });
  assert.throws(
    () => prepareTrainingGraph(one, { modelName: 'binary', trainable: ['.'], loss: classification }),
    /^Error: binary: output 'logits' has one logit per example \(a sigmoid head\): softmax cross-entropy over one class is always 0.*Export two logits.*model\.task "loss-output"$/,
  );
  // Two logits (what the message asks for) train.
  assert.ok(prepareTrainingGraph(mlp(), { modelName: 'two', trainable: ['.'], loss: classification }).trainables.length > 0);
  // inspect lists the same sentence before a run is set up.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'one-logit-'));
  writeModel(one, path.join(dir, 'model.onnx'));
  const refusals = inspectModel(path.join(dir, 'model.onnx')).refusals;
  assert.equal(refusals.length, 1);
  assert.throws(() => prepareTrainingGraph(one, { modelName: 'binary', trainable: ['.'], loss: classification }), (e: Error) => e.message === `binary: ${refusals[0]}`);
});
