/**
 * engine.provider "auto" on WebGPU with fed weights times ±eps pairs there and on the CPU and keeps
 * the faster (runtime/engine/auto-provider-check.ts). No GPU here: the engine runs on the CPU and the
 * test hook autoProviderCheckAs makes it check as if it were on WebGPU, with given pair times; the
 * CPU session it opens and moves to is real, so the run's losses after a move are checked too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildLeastSquares } from '../../runtime/onnx/graph-builder';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { TrainingEngine, type EngineOptions } from '../../runtime/engine/training-engine';
import { autoProviderVerdict, AUTO_PROVIDER_CHECK_MIN_STEPS } from '../../runtime/engine/auto-provider-check';
import type { TrainableLayer } from '../../runtime/optim/optimizer';

async function engineWith(options: Partial<EngineOptions>): Promise<TrainingEngine> {
  const graph = prepareTrainingGraph(buildLeastSquares({ layers: [{ name: 'w', shape: [3] }] }), { modelName: 'tiny', trainable: ['^w$'], loss: { kind: 'output', output: 'loss' } });
  const layers: TrainableLayer[] = [{ name: 'w', shape: [3], size: 3, rank: 1, theta: new Float32Array([1, 2, 3]), dir: new Float32Array([1, 0, 0]) }];
  const t = graph.trainables[0]!;
  const engine = await TrainingEngine.create(
    { model: graph.bytes, lossOutput: graph.lossOutput, scaleInput: graph.scaleInput, thetaInput: () => t.thetaInput, dirInput: () => t.dirInput },
    layers,
    { provider: 'auto', threads: 1, kernelThreads: 0, ...options },
  );
  engine.setBatch({ a: new ort.Tensor('float32', new Float32Array([1, 0, 0, 0, 1, 0]), [2, 3]), y: new ort.Tensor('float32', new Float32Array([0, 0]), [2]) });
  await engine.verifyProvider();
  return engine;
}

const timing = (gpu: number, cpu: number) => ({ provider: 'webgpu' as const, timePair: async (on: 'gpu' | 'cpu') => (on === 'gpu' ? gpu : cpu) });

test('the verdict keeps the faster provider and words both medians and the bytes a pair copies', () => {
  const cpuWins = autoProviderVerdict({ provider: 'webgpu', pairMs: 1612 }, { provider: 'cpu', pairMs: 1040 }, 1_632_000_000);
  assert.equal(cpuWins.keep, 'cpu');
  assert.match(cpuWins.sentence, /webgpu 1612\.0 ms .*1632 MB a pair.*cpu 1040\.0 ms; running on cpu/);
  const gpuWins = autoProviderVerdict({ provider: 'webgpu', pairMs: 120 }, { provider: 'cpu', pairMs: 300 }, 16_000_000);
  assert.equal(gpuWins.keep, 'webgpu');
  assert.match(gpuWins.sentence, /running on webgpu\.$/);
});

test('auto on "WebGPU" slower than the CPU: the run moves to a CPU session, says why, and its passes give the same losses', async () => {
  const engine = await engineWith({ autoProviderCheckAs: timing(1612, 1040) });
  const before = Array.from(await engine.losses(0.5));
  const gpuSession = engine.session;
  await engine.settleAutoProvider(AUTO_PROVIDER_CHECK_MIN_STEPS);
  assert.notEqual(engine.session, gpuSession, 'a new session');
  assert.equal(engine.info.provider, 'cpu');
  assert.match(engine.info.providerCheck ?? '', /webgpu 1612\.0 ms \(.*: 48 bytes a pair\), cpu 1040\.0 ms; running on cpu/);
  // Appended to what auto already said (here: why CUDA and WebGPU did not open on this machine).
  assert.ok(engine.info.fallbackReason?.endsWith(engine.info.providerCheck!), engine.info.fallbackReason);
  assert.deepEqual(Array.from(await engine.losses(0.5)), before);
  await engine.release();
});

test('auto on "WebGPU" faster than the CPU: the session stays, the check is recorded, the fallback reason unchanged', async () => {
  const engine = await engineWith({ autoProviderCheckAs: timing(120, 300) });
  const session = engine.session;
  const reasonBefore = engine.info.fallbackReason;
  await engine.settleAutoProvider(10_000);
  assert.equal(engine.session, session);
  assert.match(engine.info.providerCheck ?? '', /running on webgpu\.$/);
  assert.equal(engine.info.fallbackReason, reasonBefore);
  await engine.release();
});

test('no check for a short run, for engine.resident, or when the provider was asked for', async () => {
  for (const [options, steps] of [
    [{ autoProviderCheckAs: timing(1612, 1040) }, AUTO_PROVIDER_CHECK_MIN_STEPS - 1],
    [{ autoProviderCheckAs: timing(1612, 1040), resident: true }, 10_000],
    [{ autoProviderCheckAs: timing(1612, 1040), provider: 'cpu' as const }, 10_000],
  ] as const) {
    const engine = await engineWith(options);
    const session = engine.session;
    await engine.settleAutoProvider(steps);
    assert.equal(engine.session, session);
    assert.equal(engine.info.providerCheck, undefined);
    await engine.release();
  }
});
