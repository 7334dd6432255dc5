/**
 * The GPU device check (issue 21), prepared on a CPU machine and run by bench/gpu/run-device-check.sh
 * on the GPU machine: one short program that
 *   1. lists onnxruntime's backends and tries a session on each GPU provider alone (the real error if none);
 *   2. for each model size asked for (default 50M, 350M, 1.3B), builds the transformer with the
 *      project's graph builder (nothing downloaded), opens the training graph on the provider (verified
 *      from the profile), and measures — medians over a few steps after warm-up:
 *        two forwards with θ and z fed from the host (the normal path's copy per pass),
 *        two forwards with θ and z resident (device buffers), the z graph alone,
 *        the resident step of MeZO, HELENE (paper) and the HELENE preset (layerwise) and its ratio to
 *        two resident forwards (goal ≤ 1.3×);
 *   3. prints which provider ran the z and update graphs' nodes (integer ops may fall back to the CPU)
 *      and the bytes host↔device per step, counted (TransferMeter) for the fed and the resident step.
 *   node device-check.js [--provider webgpu] [--sizes 50M,350M,1.3B] [--steps 5] [--budget-s 420]
 * A size whose graph build would not fit the remaining budget (scaled from the last build) is skipped
 * with a line saying so, so the run ends well under the device's 10 minutes with what it measured.
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
import { ResidentLayerwise } from '../../runtime/engine/resident/resident-layerwise';
import { buildMezoUpdateGraph } from '../../runtime/engine/resident/mezo-update-graph';
import { conciseOrtError, createSession } from '../../runtime/engine/provider';
import { transferSince, type TransferCounts } from '../../runtime/engine/transfer-meter';
import { projectedGradients } from '../../runtime/optim/spsa';
import type { StepContext, TrainableLayer } from '../../runtime/optim/optimizer';
import { seedFromNumber } from '../../runtime/rng/seeds';
import { resolveConfig } from '../../runtime/protocol/config-schema';
import type { Provider } from '../../runtime/protocol';

const SHAPES: Record<string, { dModel: number; layers: number }> = {
  tiny: { dModel: 64, layers: 1 },
  '50M': { dModel: 512, layers: 16 },
  '350M': { dModel: 1024, layers: 28 },
  // Trainables become graph inputs, so the encoded graph stays small; host memory is ~6 copies of θ (31 GB).
  '1.3B': { dModel: 2048, layers: 26 },
};
const BATCH = 16;
const SEQ = 64;
const VOCAB = 1024;
const EPS = 1e-3;

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

const mb = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${bytes} bytes`);
const both = (c: TransferCounts) => `${mb(c.hostToDevice)} up, ${mb(c.deviceToHost)} down`;

/** Each provider alone on a one-layer update graph: which ones open here, and why not (by provider). */
async function listProviders(): Promise<Map<string, string>> {
  const refused = new Map<string, string>();
  console.log(`backends: ${JSON.stringify(ort.listSupportedBackends?.() ?? [])}`);
  const model = buildMezoUpdateGraph([{ name: 'w', shape: [4], rank: 1 }]);
  for (const requested of ['cuda', 'webgpu', 'cpu'] as const) {
    try {
      const { session } = await createSession({ model, requested, threads: 1 });
      await session.release();
      console.log(`provider ${requested}: opens`);
    } catch (e) {
      refused.set(requested, conciseOrtError(e));
      console.log(`provider ${requested}: does not open (${refused.get(requested)})`);
    }
  }
  return refused;
}

/** Sum of two meters' snapshots. */
const sum = (a: TransferCounts, b: TransferCounts): TransferCounts => ({ hostToDevice: a.hostToDevice + b.hostToDevice, deviceToHost: a.deviceToHost + b.deviceToHost });

async function checkModel(size: string, provider: Provider, steps: number, tmp: string): Promise<number> {
  const shape = SHAPES[size];
  if (!shape) throw new Error(`unknown size ${size}: one of ${Object.keys(SHAPES).join(', ')}`);
  const params = transformerParameterCount({ vocab: VOCAB, seq: SEQ, ...shape, classes: 10 });
  const tBuild = performance.now();
  const graph = prepareTrainingGraph(buildTransformerClassifier({ vocab: VOCAB, seq: SEQ, ...shape, heads: Math.max(1, shape.dModel / 64), classes: 10, seed: 1 }), {
    modelName: `transformer-${size}`,
    trainable: TRANSFORMER_TRAINABLE,
    loss: { kind: 'classification', logits: 'logits' },
  });
  const layers: TrainableLayer[] = graph.trainables.map((t) => ({ name: t.name, shape: t.shape, size: t.size, rank: t.rank, theta: Float32Array.from(t.initial), dir: new Float32Array(t.size) }));
  const buildS = (performance.now() - tBuild) / 1000;
  console.log(`\n== transformer-${size}: ${(params / 1e6).toFixed(1)} M parameters in ${layers.length} tensors, batch ${BATCH}×${SEQ}; graph built in ${buildS.toFixed(1)} s`);
  const byName = new Map(graph.trainables.map((t) => [t.name, t]));
  let t0 = performance.now();
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
  const twoForwards = async () => {
    await engine.losses(EPS);
    await engine.losses(-EPS);
  };

  // 1. Normal path: θ and z are host arrays, copied to the device on every pass.
  await twoForwards(); // warm-up (one: at 1.3B a fed pair takes ~19 s on the H100)
  let before = engine.transfers.snapshot();
  const fedTwo = await median(steps, twoForwards);
  const fedBytes = transferSince(before, engine.transfers.snapshot());
  const fedPerStep = { hostToDevice: fedBytes.hostToDevice / steps, deviceToHost: fedBytes.deviceToHost / steps };
  console.log(`two forwards, θ and z fed from the host: ${fedTwo.toFixed(1)} ms; host↔device per step ${both(fedPerStep)} (the JS update moves nothing more)`);

  // 2. Resident: the z and update graphs chain θ, z (and m, h) as device buffers; the engine follows them.
  const seed = seedFromNumber(1);
  const onRebind = (l: string, which: 'theta' | 'dir', t: ort.Tensor) => engine.rebind(l, which, t);
  let t = 0;
  const measure = async (label: string, graphs: ResidentGraphs, step: () => Promise<void>, withForwards: boolean) => {
    await step(); // first step: uploads the state, compiles the graphs' kernels
    await step();
    let residentTwo = 0;
    if (withForwards) {
      residentTwo = await median(steps, twoForwards);
      const zMs = await median(steps, () => graphs.generateZ(seed, ++t));
      console.log(`two forwards, θ and z resident:          ${residentTwo.toFixed(1)} ms (fed / resident: ${(fedTwo / residentTwo).toFixed(2)}×)`);
      console.log(`z graph alone:                           ${zMs.toFixed(1)} ms`);
    }
    before = sum(engine.transfers.snapshot(), graphs.transfers.snapshot());
    const stepMs = await median(steps, step);
    const moved = transferSince(before, sum(engine.transfers.snapshot(), graphs.transfers.snapshot()));
    const perStep = { hostToDevice: moved.hostToDevice / steps, deviceToHost: moved.deviceToHost / steps };
    console.log(`resident ${label} step: ${stepMs.toFixed(1)} ms${residentTwo ? ` = ${(stepMs / residentTwo).toFixed(2)}× two resident forwards (goal ≤ 1.3×)` : ''}; host↔device per step ${both(perStep)}`);
    return residentTwo;
  };

  const mezo = await ResidentGraphs.create(layers, 'mezo', { provider, threads: 0, profilePrefix: path.join(tmp, `resident-${size}`), onRebind });
  const mezoStep = async () => {
    await mezo.generateZ(seed, ++t);
    const { c } = await projectedGradients(engine, EPS);
    await mezo.update({ lr: 1e-6, c, wd: 0 });
  };
  await mezoStep();
  const reports = mezo.providerReports();
  console.log(`z graph nodes by provider: ${JSON.stringify(reports.z.nodesByProvider)}; MeZO update graph: ${JSON.stringify(reports.update.nodesByProvider)}`);
  // What fell back to the CPU and where the host time went: the z graph was 29x two forwards on the H100.
  for (const [name, r] of [['training graph', report], ['z graph', reports.z], ['MeZO update graph', reports.update]] as const) {
    if (provider !== 'cpu') console.log(`${name}: on the CPU ${JSON.stringify(r.cpuOps)}`);
    console.log(`${name}: slowest ops (host µs, first runs) ${r.slowestOps.map((o) => `${o.op}@${o.provider.replace('ExecutionProvider', '')} ${Math.round(o.us)} (${o.nodes})`).join(', ')}`);
  }
  console.log(`state location: ${mezo.location}; θ of layer 0 is a ${mezo.state.get(`${layers[0].name}::theta`)!.location} tensor`);
  const residentTwo = await measure('MeZO', mezo, mezoStep, true);
  await mezo.release();

  const arrays = { m: layers.map((l) => new Float32Array(l.size)), h: layers.map((l) => new Float32Array(l.size)), lambda: new Float32Array(layers.length) };
  const helene = await ResidentGraphs.create(layers, 'helene', { provider, threads: 0, onRebind }, arrays);
  const floor = new Float32Array(layers.length);
  const heleneStep = async () => {
    await helene.generateZ(seed, ++t);
    const { c } = await projectedGradients(engine, EPS);
    const s = { lr: 1e-6, beta1: 0.9, g: 0.1 * c, beta2h: 0.99, s: 0.01 * c * c, kappa: 1, gamma: 1, eps_den: 1e-8, rho: 1, wd: 0 };
    await helene.update(s, { refresh: t % 5 === 0, floor });
  };
  await measure('HELENE (paper)', helene, heleneStep, false);
  await helene.release();
  arrays.m.length = arrays.h.length = 0;

  const { config } = resolveConfig({ model: { path: 'x.onnx' }, data: { train: 'x.jsonl' }, steps: 100, optimizer: { name: 'helene', variant: 'layerwise', blocks: 'layer', curvatureFloor: 0.1, lr: 1e-6 } });
  const layerwise = await ResidentLayerwise.create(layers, config.optimizer, 100, seed, { provider, threads: 0, onRebind });
  const ctx = (): StepContext => ({ t: ++t, lr: 1e-6, oracle: engine, directions: null as never, collectStats: false });
  await measure('HELENE preset (layerwise)', layerwise.graphs, async () => void (await layerwise.step(ctx())), false);
  await layerwise.release();
  if (residentTwo) console.log(`θ and z fed twice per step would move ${mb(2 * 2 * params * 4)} (measured above: ${both(fedPerStep)})`);
  await engine.release();
  return buildS;
}

async function main(): Promise<void> {
  const started = performance.now();
  const provider = arg('provider', 'webgpu') as Provider;
  const sizes = arg('sizes', '50M,350M,1.3B').split(',').filter(Boolean);
  const steps = Number(arg('steps', '5'));
  const budgetS = Number(arg('budget-s', '420'));
  console.log(`device check: node ${process.version}, onnxruntime-node ${ort.env.versions?.common}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, provider ${provider}`);
  ort.env.logLevel = 'fatal';
  const refused = (await listProviders()).get(provider);
  if (refused) {
    // Stop before building any model: without the provider nothing below can run.
    console.log(`FAILED: ${refused}`);
    process.exitCode = 1;
    return;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-device-check-'));
  let last: { params: number; buildS: number } | null = null;
  try {
    for (const size of sizes) {
      const shape = SHAPES[size];
      const params = shape ? transformerParameterCount({ vocab: VOCAB, seq: SEQ, ...shape, classes: 10 }) : 0;
      const leftS = budgetS - (performance.now() - started) / 1000;
      // Building and measuring a size took ~3× its graph build on the CPU; skip what cannot finish.
      const expectedS = last ? (3 * last.buildS * params) / last.params : 0;
      if (expectedS > leftS) {
        console.log(`\n== transformer-${size}: skipped (expected ~${expectedS.toFixed(0)} s from the last size's build, ${leftS.toFixed(0)} s of the ${budgetS} s budget left)`);
        continue;
      }
      try {
        last = { params, buildS: await checkModel(size, provider, steps, tmp) };
      } catch (e) {
        console.log(`FAILED at transformer-${size}: ${conciseOrtError(e)}`);
        process.exitCode = 1;
        // No provider (the first size fails opening it): the rest would fail the same way.
        if (!last) break;
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\ndevice check done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

void main();
