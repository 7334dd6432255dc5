/**
 * The GPU device check (issue 21), prepared on a CPU machine and run by bench/gpu/run-device-check.sh
 * on the GPU machine: one short program that
 *   1. lists onnxruntime's backends and tries a WebGPU session (the real error if none);
 *   2. for each model size asked for (default 50M), builds the transformer with the project's graph
 *      builder (nothing downloaded), opens the training graph on WebGPU (provider verified from the
 *      profile), and times: two forwards with θ fed from the host (the normal path's copy per pass),
 *      two forwards with θ resident (gpu-buffers), and the whole resident MeZO step (z graph, two
 *      forwards, update graph) — medians over a few steps after warm-up;
 *   3. prints which provider ran the z and update graphs' nodes (integer ops may fall back to the CPU)
 *      and the bytes that cross host↔device per resident step.
 *   node device-check.js [--provider webgpu] [--sizes 50M,350M] [--steps 10]
 * On this CPU machine `--provider cpu --sizes tiny` runs the same code (a smoke run, not a measurement).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildTransformerClassifier, TRANSFORMER_TRAINABLE, transformerParameterCount } from '../../runtime/onnx/transformer-builder';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { TrainingEngine } from '../../runtime/engine/training-engine';
import { ResidentGraphs } from '../../runtime/engine/resident/resident-graphs';
import { conciseOrtError } from '../../runtime/engine/provider';
import { projectedGradients } from '../../runtime/optim/spsa';
import type { TrainableLayer } from '../../runtime/optim/optimizer';
import { seedFromNumber } from '../../runtime/rng/seeds';
import type { Provider } from '../../runtime/protocol';

const SHAPES: Record<string, { dModel: number; layers: number }> = {
  tiny: { dModel: 64, layers: 1 },
  '50M': { dModel: 512, layers: 16 },
  '350M': { dModel: 1024, layers: 28 },
  // Trainables become graph inputs, so the encoded graph stays small; host memory is ~3 copies of θ (15.6 GB).
  '1.3B': { dModel: 2048, layers: 26 },
};
const BATCH = 16;
const SEQ = 64;
const VOCAB = 1024;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

async function median(times: number, run: () => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b)[ms.length >> 1];
}

async function checkModel(size: string, provider: Provider, steps: number, tmp: string): Promise<void> {
  const shape = SHAPES[size];
  if (!shape) throw new Error(`unknown size ${size}: one of ${Object.keys(SHAPES).join(', ')}`);
  const params = transformerParameterCount({ vocab: VOCAB, seq: SEQ, ...shape, classes: 10 });
  let t0 = performance.now();
  const graph = prepareTrainingGraph(buildTransformerClassifier({ vocab: VOCAB, seq: SEQ, ...shape, heads: Math.max(1, shape.dModel / 64), classes: 10, seed: 1 }), {
    modelName: `transformer-${size}`,
    trainable: TRANSFORMER_TRAINABLE,
    loss: { kind: 'classification', logits: 'logits' },
  });
  const layers: TrainableLayer[] = graph.trainables.map((t) => ({ name: t.name, shape: t.shape, size: t.size, rank: t.rank, theta: Float32Array.from(t.initial), dir: new Float32Array(t.size) }));
  console.log(`\n== transformer-${size}: ${(params / 1e6).toFixed(1)} M parameters in ${layers.length} tensors, batch ${BATCH}×${SEQ}; graph built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const byName = new Map(graph.trainables.map((t) => [t.name, t]));
  t0 = performance.now();
  const engine = await TrainingEngine.create(
    { model: graph.bytes, lossOutput: graph.lossOutput, scaleInput: graph.scaleInput, thetaInput: (n) => byName.get(n)!.thetaInput, dirInput: (n) => byName.get(n)!.dirInput },
    layers,
    { provider, threads: 0, kernelThreads: 0, profileDir: tmp },
  );
  const ids = BigInt64Array.from({ length: BATCH * SEQ }, (_, i) => BigInt((i * 7919) % VOCAB));
  const labels = BigInt64Array.from({ length: BATCH }, (_, i) => BigInt(i % 10));
  engine.setBatch({ ids: new ort.Tensor('int64', ids, [BATCH, SEQ]), labels: new ort.Tensor('int64', labels, [BATCH]) });
  const report = await engine.verifyProvider();
  console.log(`training graph: provider ${engine.info.provider} (nodes by provider ${JSON.stringify(report.nodesByProvider)}), session in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // 1. Normal path: θ and z are host arrays, copied to the device on every pass.
  for (let i = 0; i < 3; i++) await engine.losses(1e-3); // warm-up
  const hostTwo = await median(steps, async () => {
    await engine.losses(1e-3);
    await engine.losses(-1e-3);
  });

  // 2. Resident: z and update graphs chain θ and z as device buffers; the engine follows them.
  const graphs = await ResidentGraphs.create(layers, 'mezo', { provider, threads: 0, profilePrefix: path.join(tmp, 'resident'), onRebind: (l, which, t) => engine.rebind(l, which, t) });
  const seed = seedFromNumber(1);
  let t = 0;
  const step = async () => {
    t++;
    await graphs.generateZ(seed, t);
    const { c } = await projectedGradients(engine, 1e-3);
    await graphs.update({ lr: 1e-6, c, wd: 0 });
  };
  await step(); // first step: uploads θ, compiles the graphs' kernels
  const reports = graphs.providerReports();
  console.log(`z graph nodes by provider: ${JSON.stringify(reports.z.nodesByProvider)}; update graph: ${JSON.stringify(reports.update.nodesByProvider)}`);
  console.log(`state location: ${graphs.location}; θ of layer 0 is a ${graphs.state.get(`${layers[0].name}::theta`)!.location} tensor`);
  await step();
  const residentTwo = await median(steps, async () => {
    await engine.losses(1e-3);
    await engine.losses(-1e-3);
  });
  const zMs = await median(steps, () => graphs.generateZ(seed, ++t));
  const stepMs = await median(steps, step);
  const perStepBytes = layers.length * 8 + 3 * 4 + 2 * BATCH * 4 + layers.length * 4;
  console.log(`two forwards, θ fed from the host:   ${hostTwo.toFixed(1)} ms`);
  console.log(`two forwards, θ resident:            ${residentTwo.toFixed(1)} ms`);
  console.log(`z graph alone:                       ${zMs.toFixed(1)} ms`);
  console.log(`resident MeZO step (z, 2 fwd, update): ${stepMs.toFixed(1)} ms = ${(stepMs / residentTwo).toFixed(2)}× two resident forwards (goal ≤ 1.3×)`);
  console.log(`host↔device per resident step: ${perStepBytes} bytes (keys ${layers.length * 8}, scalars 12, losses ${2 * BATCH * 4}, update norms ${layers.length * 4}) vs ${(2 * 2 * params * 4 / 1e6).toFixed(0)} MB for θ and z fed twice from the host`);
  await graphs.release();
  await engine.release();
}

async function main(): Promise<void> {
  const provider = arg('provider', 'webgpu') as Provider;
  const sizes = arg('sizes', '50M').split(',');
  const steps = Number(arg('steps', '10'));
  console.log(`device check: node ${process.version}, onnxruntime-node ${ort.env.versions?.common}, ${os.cpus().length} cores, provider ${provider}`);
  console.log(`backends: ${JSON.stringify(ort.listSupportedBackends?.() ?? [])}`);
  ort.env.logLevel = 'fatal';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-device-check-'));
  try {
    for (const size of sizes) await checkModel(size, provider, steps, tmp);
  } catch (e) {
    console.log(`FAILED: ${conciseOrtError(e)}`);
    process.exitCode = 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

void main();
