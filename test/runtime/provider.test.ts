/**
 * Provider selection on a machine without CUDA (this one, and CI): "cuda" fails with a message that
 * says what is missing and what to do; "auto" falls back to CPU and says why; "cpu" never tries
 * CUDA. The provider recorded is the one read back from an onnxruntime profile, not assumed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildLeastSquares } from '../../runtime/onnx/graph-builder';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { TrainingEngine } from '../../runtime/engine/training-engine';
import { ProviderError } from '../../runtime/engine/provider';
import type { TrainableLayer } from '../../runtime/optim/optimizer';

const cudaPresent = process.env.HELENE_EXPECT_CUDA === '1';

async function engineFor(provider: 'auto' | 'cuda' | 'cpu'): Promise<TrainingEngine> {
  const graph = prepareTrainingGraph(buildLeastSquares({ layers: [{ name: 'w', shape: [3] }] }), {
    modelName: 'tiny',
    trainable: ['^w$'],
    loss: { kind: 'output', output: 'loss' },
  });
  const layers: TrainableLayer[] = [{ name: 'w', shape: [3], size: 3, rank: 1, theta: new Float32Array([1, 2, 3]), dir: new Float32Array(3) }];
  const t = graph.trainables[0];
  const engine = await TrainingEngine.create(
    { model: graph.bytes, lossOutput: graph.lossOutput, scaleInput: graph.scaleInput, thetaInput: () => t.thetaInput, dirInput: () => t.dirInput },
    layers,
    { provider, threads: 1, kernelThreads: 0 },
  );
  engine.setBatch({ a: new ort.Tensor('float32', new Float32Array([1, 0, 0, 0, 1, 0]), [2, 3]), y: new ort.Tensor('float32', new Float32Array([0, 0]), [2]) });
  await engine.verifyProvider();
  return engine;
}

test('provider "cuda" without the CUDA libraries fails with a clear message and the install hint', { skip: cudaPresent }, async () => {
  await assert.rejects(engineFor('cuda'), (e: Error) => {
    assert.ok(e instanceof ProviderError);
    assert.match(e.message, /engine\.provider is "cuda" but the CUDA execution provider could not be loaded/);
    assert.match(e.message, /npm run install:cuda/);
    assert.match(e.message, /"auto" or "cpu"/);
    return true;
  });
});

test('provider "auto" falls back to CPU, says why, and the profile confirms CPU ran the nodes', { skip: cudaPresent }, async () => {
  const engine = await engineFor('auto');
  assert.equal(engine.info.requestedProvider, 'auto');
  assert.equal(engine.info.provider, 'cpu');
  assert.match(engine.info.fallbackReason ?? '', /provider "auto": the CUDA execution provider could not be loaded .*running on CPU/);
  assert.ok((engine.providerReport?.nodesByProvider.CPUExecutionProvider ?? 0) > 0);
  assert.equal(engine.providerReport?.nodesByProvider.CUDAExecutionProvider ?? 0, 0);
  await engine.release();
});

test('provider "cpu" runs on CPU without trying CUDA (no fallback reason)', async () => {
  const engine = await engineFor('cpu');
  assert.equal(engine.info.provider, 'cpu');
  assert.equal(engine.info.fallbackReason, undefined);
  // The loss graph really ran: 0.5 (a·w − y)^2 for a = e1, e2.
  assert.deepEqual(Array.from(await engine.losses(0)), [0.5, 2]);
  await engine.release();
});
