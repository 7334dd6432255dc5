/**
 * Provider selection on a machine without CUDA and without a Vulkan driver (this one, and CI):
 * "cuda" and "webgpu" fail with a message that says what is missing and what to do; "auto" tries
 * CUDA, then WebGPU, then falls back to CPU and says why each GPU provider did not run; "cpu" never
 * tries a GPU. The provider recorded is the one read back from an onnxruntime profile, not assumed.
 * The WebGPU reason is compared with the error onnxruntime-node really gives here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildLeastSquares } from '../../runtime/onnx/graph-builder';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { TrainingEngine } from '../../runtime/engine/training-engine';
import { conciseOrtError, ProviderError } from '../../runtime/engine/provider';
import { providerOfNodes, readProfile } from '../../runtime/engine/profile-provider';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeModel } from '../../runtime/onnx/model-io';
import { probeVulkan } from '../../runtime/doctor/vulkan-probe';
import { encodeModel } from '../../runtime/onnx/model-io';
import type { TrainableLayer } from '../../runtime/optim/optimizer';

const cudaPresent = process.env.HELENE_EXPECT_CUDA === '1';
const webgpuPresent = process.env.HELENE_EXPECT_WEBGPU === '1';

/** The error onnxruntime-node itself gives for a WebGPU session on this machine, as the engine words it. */
async function realWebgpuError(): Promise<string> {
  const bytes = encodeModel(buildLeastSquares({ layers: [{ name: 'w', shape: [3] }] }));
  ort.env.logLevel = 'fatal';
  try {
    await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'], logSeverityLevel: 4 });
  } catch (e) {
    return conciseOrtError(e);
  }
  throw new Error('a WebGPU session started: set HELENE_EXPECT_WEBGPU=1 on a machine with a GPU');
}

async function engineFor(provider: 'auto' | 'cuda' | 'webgpu' | 'cpu'): Promise<TrainingEngine> {
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

test('provider "webgpu" without a GPU adapter fails with one message: the real reason and what to install', { skip: webgpuPresent }, async () => {
  const real = await realWebgpuError();
  // Without the source location: the user gets onnxruntime's sentence, not a C++ path.
  assert.doesNotMatch(real, /\.cc:\d+/);
  assert.match(real, /WebGPU adapter/);
  await assert.rejects(engineFor('webgpu'), (e: Error) => {
    assert.ok(e instanceof ProviderError);
    assert.ok(e.message.startsWith(`engine.provider is "webgpu" but no WebGPU adapter (${real}`), e.message);
    assert.match(e.message, /install the Vulkan loader \(Debian\/Ubuntu: apt install libvulkan1\)/);
    assert.match(e.message, /"auto" or "cpu"/);
    assert.doesNotMatch(e.message, /\n\s+at /, 'no stack trace');
    return true;
  });
});

test('provider "auto" tries CUDA, then WebGPU, then runs on CPU: one line per skipped provider, and the profile confirms CPU', { skip: cudaPresent || webgpuPresent }, async () => {
  const engine = await engineFor('auto');
  assert.equal(engine.info.requestedProvider, 'auto');
  assert.equal(engine.info.provider, 'cpu');
  const reason = engine.info.fallbackReason ?? '';
  if (probeVulkan().loader.length === 0) {
    // This machine: no Vulkan loader, so "auto" does not try WebGPU (Dawn would print a native warning on stderr).
    assert.match(reason, /^provider "auto": cuda: the CUDA execution provider could not be loaded \(.+\); webgpu: not tried: the Vulkan loader libvulkan\.so\.1 is not on the library path, so WebGPU can find no adapter; running on CPU\.$/);
  } else {
    const real = await realWebgpuError();
    assert.match(reason, /^provider "auto": cuda: the CUDA execution provider could not be loaded \(.+\); webgpu: no WebGPU adapter \(.+\); running on CPU\.$/);
    assert.ok(reason.includes(`webgpu: no WebGPU adapter (${real}`), reason);
  }
  assert.equal(engine.providerReport?.nodesByProvider.WebGpuExecutionProvider ?? 0, 0);
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

test('the profile decides: any WebGPU or CUDA node means that GPU ran (ORT keeps shape nodes on the CPU beside it)', () => {
  assert.equal(providerOfNodes({ CPUExecutionProvider: 40, WebGpuExecutionProvider: 3 }), 'webgpu');
  assert.equal(providerOfNodes({ CPUExecutionProvider: 40, CUDAExecutionProvider: 1 }), 'cuda');
  assert.equal(providerOfNodes({ CPUExecutionProvider: 40 }), 'cpu');
});

test('the profile also says which op types ran on the CPU (what fell back beside a GPU) and which took the most time', async () => {
  const bytes = encodeModel(buildLeastSquares({ layers: [{ name: 'w', shape: [3] }] }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-profile-'));
  try {
    const prefix = path.join(dir, 'p');
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], enableProfiling: true, profileFilePrefix: prefix, graphOptimizationLevel: 'disabled' });
    const feeds = { a: new ort.Tensor('float32', new Float32Array([1, 0, 0, 0, 1, 0]), [2, 3]), y: new ort.Tensor('float32', new Float32Array([0, 0]), [2]), w: new ort.Tensor('float32', new Float32Array([1, 2, 3]), [3]) };
    const runs = 3;
    for (let i = 0; i < runs; i++) await session.run(feeds);
    session.endProfiling();
    await session.release();
    const report = readProfile(prefix);
    // Every node of the graph, once per run, by op type.
    const expected: Record<string, number> = {};
    for (const n of decodeModel(bytes).graph!.node) expected[n.op_type!] = (expected[n.op_type!] ?? 0) + runs;
    assert.deepEqual(report.cpuOps, expected);
    assert.ok(report.slowestOps.length > 0 && report.slowestOps.length <= 8);
    for (let i = 1; i < report.slowestOps.length; i++) assert.ok(report.slowestOps[i - 1]!.us >= report.slowestOps[i]!.us, 'slowest first');
    for (const o of report.slowestOps) assert.equal(o.nodes, expected[o.op], `${o.op}: its node events`);
    assert.equal(report.slowestOps[0]!.provider, 'CPUExecutionProvider');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
