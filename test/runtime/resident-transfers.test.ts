/**
 * Bytes host↔device per step (TransferMeter, the numbers the GPU device check prints), on the CPU EP
 * with the project's transformer builder. Exact, so a feed that starts crossing per pass (a rebind
 * lost, a state tensor fed from the host) shows at once:
 * - fed MeZO step: both passes copy θ and z of every trainable, the batch and the scale up, the losses down;
 * - resident MeZO / HELENE step: only the batch, the scale, the layer keys and the update scalars go
 *   up, the losses and one Σδ² per layer come down — nothing θ-sized;
 * - LoRA: the base weights stay initializers of the graph (never fed, on any provider); a step feeds
 *   the adapters only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildTransformerClassifier, TRANSFORMER_TRAINABLE } from '../../runtime/onnx/transformer-builder';
import { prepareTrainingGraph, type TrainingGraph } from '../../runtime/onnx/surgery';
import { TrainingEngine } from '../../runtime/engine/training-engine';
import { ResidentGraphs, type ResidentOptimizer } from '../../runtime/engine/resident/resident-graphs';
import { transferSince, type TransferCounts } from '../../runtime/engine/transfer-meter';
import { fillResidentNormal } from '../../runtime/engine/resident/z-reference';
import { HELENE_SCALARS } from '../../runtime/engine/resident/helene-update-graph';
import { MEZO_SCALARS } from '../../runtime/engine/resident/mezo-update-graph';
import { projectedGradients } from '../../runtime/optim/spsa';
import { seedFromNumber, stepSeed, zKey } from '../../runtime/rng/seeds';
import type { TrainableLayer } from '../../runtime/optim/optimizer';
import { tempDir } from './helpers';

const SHAPE = { vocab: 64, seq: 8, dModel: 32, layers: 1, heads: 2, classes: 4, seed: 1 };
const BATCH = 4;
const DATA_BYTES = BATCH * SHAPE.seq * 8 + BATCH * 8; // int64 ids and labels
const SCALE_BYTES = 4;
const LOSS_BYTES = BATCH * 4;

function graphOf(lora: boolean): TrainingGraph {
  return prepareTrainingGraph(buildTransformerClassifier(SHAPE), {
    modelName: 'transformer-test',
    trainable: TRANSFORMER_TRAINABLE,
    loss: { kind: 'classification', logits: 'logits' },
    ...(lora ? { lora: { rank: 2, alpha: 4, targets: ['qkv', 'attn_out', 'mlp_in', 'mlp_out'], targetPreset: null, alsoTrain: [], seed: 3 } } : {}),
  });
}

async function engineFor(graph: TrainingGraph): Promise<{ engine: TrainingEngine; layers: TrainableLayer[] }> {
  const layers = graph.trainables.map((t) => ({ name: t.name, shape: t.shape, size: t.size, rank: t.rank, theta: Float32Array.from(t.initial), dir: new Float32Array(t.size) }));
  const byName = new Map(graph.trainables.map((t) => [t.name, t]));
  const engine = await TrainingEngine.create(
    { model: graph.bytes, lossOutput: graph.lossOutput, scaleInput: graph.scaleInput, thetaInput: (n) => byName.get(n)!.thetaInput, dirInput: (n) => byName.get(n)!.dirInput },
    layers,
    { provider: 'cpu', threads: 1, kernelThreads: 0, profileDir: tempDir('transfers') },
  );
  const ids = BigInt64Array.from({ length: BATCH * SHAPE.seq }, (_, i) => BigInt((i * 7) % SHAPE.vocab));
  engine.setBatch({ ids: new ort.Tensor('int64', ids, [BATCH, SHAPE.seq]), labels: new ort.Tensor('int64', BigInt64Array.from({ length: BATCH }, (_, i) => BigInt(i % 4)), [BATCH]) });
  await engine.verifyProvider();
  return { engine, layers };
}

const thetaBytes = (layers: TrainableLayer[]) => layers.reduce((s, l) => s + 4 * l.size, 0);
const sum = (a: TransferCounts, b: TransferCounts): TransferCounts => ({ hostToDevice: a.hostToDevice + b.hostToDevice, deviceToHost: a.deviceToHost + b.deviceToHost });

/** One step the normal way: z filled on the host, two passes feeding θ and z, the update in JS. */
async function fedStep(engine: TrainingEngine, layers: TrainableLayer[], t: number): Promise<TransferCounts> {
  const before = engine.transfers.snapshot();
  layers.forEach((l, i) => fillResidentNormal(zKey(stepSeed(seedFromNumber(1), t), i), l.dir));
  const { c } = await projectedGradients(engine, 1e-3);
  for (const l of layers) for (let j = 0; j < l.size; j++) l.theta[j] -= 1e-4 * c * l.dir[j];
  return transferSince(before, engine.transfers.snapshot());
}

async function residentSteps(optimizer: ResidentOptimizer, deviceState: boolean): Promise<{ perStep: TransferCounts; layers: TrainableLayer[] }> {
  const { engine, layers } = await engineFor(graphOf(false));
  const helene = optimizer === 'helene' ? { m: layers.map((l) => new Float32Array(l.size)), h: layers.map((l) => new Float32Array(l.size)), lambda: new Float32Array(layers.length) } : undefined;
  const graphs = await ResidentGraphs.create(layers, optimizer, { provider: 'cpu', threads: 1, deviceState, onRebind: (l, which, tensor) => engine.rebind(l, which, tensor) }, helene);
  const step = async (t: number) => {
    await graphs.generateZ(seedFromNumber(1), t);
    const { c } = await projectedGradients(engine, 1e-3);
    if (optimizer === 'mezo') await graphs.update({ lr: 1e-4, c, wd: 0 });
    else await graphs.update({ lr: 1e-4, beta1: 0.9, g: c, beta2h: 0.99, s: 0.01 * c * c, kappa: 1, gamma: 1, eps_den: 1e-8, rho: 1, wd: 0 }, { refresh: true, floor: new Float32Array(layers.length) });
  };
  await step(1); // the first step uploads the state (device mode)
  const before = sum(engine.transfers.snapshot(), graphs.transfers.snapshot());
  for (let t = 2; t <= 4; t++) await step(t);
  const after = sum(engine.transfers.snapshot(), graphs.transfers.snapshot());
  await graphs.release();
  await engine.release();
  const d = transferSince(before, after);
  return { perStep: { hostToDevice: d.hostToDevice / 3, deviceToHost: d.deviceToHost / 3 }, layers };
}

test('fed MeZO step: θ and z of every trainable cross twice; resident MeZO and HELENE steps: only keys, scalars, batch, losses and per-layer norms', async () => {
  const { engine, layers } = await engineFor(graphOf(false));
  const fed = await fedStep(engine, layers, 1);
  await engine.release();
  const L = layers.length;
  assert.deepEqual(fed, { hostToDevice: 2 * (2 * thetaBytes(layers) + DATA_BYTES + SCALE_BYTES), deviceToHost: 2 * LOSS_BYTES });
  const perPassData = 2 * (DATA_BYTES + SCALE_BYTES);
  for (const deviceState of [false, true]) {
    const mezo = await residentSteps('mezo', deviceState);
    assert.deepEqual(mezo.perStep, { hostToDevice: perPassData + 8 * L + 4 * MEZO_SCALARS.length, deviceToHost: 2 * LOSS_BYTES + 4 * L }, `MeZO, deviceState ${deviceState}`);
    const helene = await residentSteps('helene', deviceState);
    // HELENE adds its scalars, the refresh flag (1 byte) and the per-layer floors; m, h and λ stay.
    assert.deepEqual(helene.perStep, { hostToDevice: perPassData + 8 * L + 4 * HELENE_SCALARS.length + 1 + 4 * L, deviceToHost: 2 * LOSS_BYTES + 4 * L }, `HELENE, deviceState ${deviceState}`);
  }
  const resident = perPassData + 8 * L + 4 * MEZO_SCALARS.length + 2 * LOSS_BYTES + 4 * L;
  console.log(`# ${thetaBytes(layers) / 4} trainable elements in ${L} tensors, batch ${BATCH}×${SHAPE.seq}: host↔device per MeZO step fed ${fed.hostToDevice + fed.deviceToHost} bytes, resident ${resident} bytes`);
});

test('LoRA: the base weights stay initializers (never graph inputs); a fed step copies only the adapters, batch and scale', async () => {
  const full = graphOf(false);
  const lora = graphOf(true);
  const adapted = lora.trainables.map((t) => t.name);
  assert.ok(adapted.length > 0 && adapted.every((n) => /lora_[AB]$/.test(n)), `only adapters train: ${adapted.join(', ')}`);
  const { engine, layers } = await engineFor(lora);
  const inputs = new Set(engine.session.inputNames);
  for (const t of full.trainables) assert.ok(!inputs.has(t.thetaInput), `${t.name} is not fed in the LoRA graph`);
  const fed = await fedStep(engine, layers, 1);
  await engine.release();
  assert.deepEqual(fed, { hostToDevice: 2 * (2 * thetaBytes(layers) + DATA_BYTES + SCALE_BYTES), deviceToHost: 2 * LOSS_BYTES });
  const fullBytes = 2 * (2 * full.trainables.reduce((s, t) => s + 4 * t.size, 0) + DATA_BYTES + SCALE_BYTES);
  assert.ok(fed.hostToDevice < fullBytes / 2, `LoRA feeds ${fed.hostToDevice} bytes per step, full fine-tuning ${fullBytes}`);
  console.log(`# host→device per fed step: LoRA (rank 2) ${fed.hostToDevice} bytes, full ${fullBytes} bytes`);
});
