/**
 * "Measure first" (docs/helene-notes.md): train with a HELENE variant on a suite task and, at a few
 * points, put each layer's curvature estimate h (what the per-layer panel shows) next to the truth,
 * measured at the same theta by coordinate-wise finite differences through the same engine:
 *   true curvature    H_jj ≈ mean_b (l_b(θ + δe_j) + l_b(θ − δe_j) − 2 l_b(θ)) / δ²
 *   gradient energy   per example mean_b |∇_i l_b|² and batch |mean_b ∇_i l_b|², per element
 * on a fixed probe batch (the first PROBE examples of the training set).
 *
 *   npx tsx bench/convergence/measure.ts [--task demo-mlp|least-squares] [--variant paper|layerwise|...] [--lr x]
 * Prints one table per measurement point and writes bench/convergence/results/measure-<task>-<variant>.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { resolveConfig, mergeConfig, type LayerStat, type UserConfig } from '../../runtime/protocol';
import { loadTrainingModel } from '../../runtime/run/load-model';
import { TrainingEngine } from '../../runtime/engine/training-engine';
import { loadDataset, type InputSpec } from '../../runtime/data/dataset';
import { TrainBatcher, evalBatches } from '../../runtime/data/batcher';
import { SeededDirections } from '../../runtime/run/seeded-directions';
import { KernelPool, seedFromConfig } from '../../runtime/rng';
import { createOptimizer, learningRateAt, type TrainableLayer } from '../../runtime/optim';
import { TASKS, type TaskName } from './tasks';

const PROBE = 256;
const DELTA = 1e-2;

export interface LayerTruth {
  name: string;
  size: number;
  curvature: number;
  exampleEnergy: number;
  batchEnergy: number;
}

/** True per-layer mean diag curvature and gradient energies (per element) at the current theta. */
export async function layerTruth(engine: TrainingEngine, layers: TrainableLayer[]): Promise<LayerTruth[]> {
  for (const l of layers) l.dir.fill(0);
  const l0 = Float32Array.from(await engine.losses(0));
  const B = l0.length;
  const out: LayerTruth[] = [];
  for (const layer of layers) {
    let curv = 0;
    let exampleEnergy = 0;
    let batchEnergy = 0;
    for (let j = 0; j < layer.size; j++) {
      layer.dir[j] = 1;
      const lp = Float32Array.from(await engine.losses(DELTA));
      const lm = Float32Array.from(await engine.losses(-DELTA));
      layer.dir[j] = 0;
      let gMean = 0;
      for (let b = 0; b < B; b++) {
        const g = (lp[b] - lm[b]) / (2 * DELTA);
        gMean += g / B;
        exampleEnergy += (g * g) / B;
        curv += (lp[b] + lm[b] - 2 * l0[b]) / (DELTA * DELTA) / B;
      }
      batchEnergy += gMean * gMean;
    }
    out.push({ name: layer.name, size: layer.size, curvature: curv / layer.size, exampleEnergy: exampleEnergy / layer.size, batchEnergy: batchEnergy / layer.size });
  }
  return out;
}

function parse(argv: string[]) {
  const get = (f: string) => (argv.indexOf(f) >= 0 ? argv[argv.indexOf(f) + 1] : undefined);
  return { task: (get('--task') ?? 'least-squares') as TaskName, variant: get('--variant') ?? 'paper', lr: get('--lr') ? Number(get('--lr')) : undefined, steps: get('--steps') ? Number(get('--steps')) : undefined };
}

const DEFAULT_LR: Record<string, number> = { paper: 0.003, 'bias-corrected': 0.003, layerwise: 0.003, energy: 1e-4 };

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-measure-'));
  const task = TASKS[args.task](work, { steps: args.steps });
  const lr = args.lr ?? DEFAULT_LR[args.variant];
  const { config } = resolveConfig(mergeConfig(task.base as Record<string, unknown>, { seed: 1, optimizer: { name: 'helene', variant: args.variant, lr } }) as UserConfig);
  const loaded = loadTrainingModel(config.model);
  const layers: TrainableLayer[] = loaded.graph.trainables.map((t) => ({ name: t.name, shape: t.shape, size: t.size, rank: t.rank, theta: Float32Array.from(t.initial), dir: new Float32Array(t.size) }));
  const byName = new Map(loaded.graph.trainables.map((t) => [t.name, t]));
  const engine = await TrainingEngine.create(
    { model: loaded.graph.bytes, lossOutput: loaded.graph.lossOutput, scaleInput: loaded.graph.scaleInput, thetaInput: (n) => byName.get(n)!.thetaInput, dirInput: (n) => byName.get(n)!.dirInput },
    layers,
    { provider: 'cpu', threads: 1, kernelThreads: 0 },
  );
  const specs: InputSpec[] = engine.dataInputs().map((meta) => {
    const exampleShape = (meta as unknown as { shape: readonly number[] }).shape.slice(1);
    return { name: meta.name, key: config.data.fields[meta.name], type: (meta as unknown as { type: 'float32' | 'int64' }).type, width: exampleShape.reduce((a, b) => a * b, 1), exampleShape };
  });
  const classes = config.model.task === 'classification' ? { input: 'labels', count: loaded.classes ?? 4 } : undefined;
  const train = loadDataset(config.data.train, specs, 'fail', classes);
  const probe: Record<string, ort.Tensor> = evalBatches(train, PROBE).next().value!.feeds;
  const batcher = new TrainBatcher(train, config.data.batchSize, config.seed, true);
  const pool = new KernelPool(0);
  const directions = new SeededDirections(seedFromConfig(config.seed), pool);
  const opt = createOptimizer(layers, config.optimizer, config.steps);
  const points = [1, Math.round(config.steps * 0.1), Math.round(config.steps * 0.5), config.steps];
  const report: { t: number; layers: (LayerTruth & { hMean: number; lambda: number; floorFraction: number; hMin: number; hMax: number })[] }[] = [];
  for (let t = 1; t <= config.steps; t++) {
    engine.setBatch(batcher.next());
    const o = config.optimizer;
    const stepLr = learningRateAt(t, o.lr, o.schedule, o.warmup, config.steps);
    await opt.step({ t, lr: stepLr, oracle: engine, directions, collectStats: true });
    if (!points.includes(t)) continue;
    const stats: LayerStat[] = opt.layerStats(stepLr);
    engine.setBatch(probe);
    const truth = await layerTruth(engine, layers);
    report.push({ t, layers: truth.map((tr, i) => ({ ...tr, hMean: stats[i].hMean!, hMin: stats[i].hMin!, hMax: stats[i].hMax!, lambda: stats[i].lambda!, floorFraction: stats[i].floorFraction! })) });
    print(task.name, args.variant, t, report[report.length - 1].layers);
  }
  await engine.release();
  await pool.close();
  const out = path.join('bench', 'convergence', 'results', `measure-${task.name}-${args.variant}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ task: task.name, variant: args.variant, lr, steps: config.steps, probe: PROBE, delta: DELTA, report }, null, 1) + '\n');
  fs.rmSync(work, { recursive: true, force: true });
}

function print(task: string, variant: string, t: number, rows: (LayerTruth & { hMean: number; lambda: number; floorFraction: number; hMin: number; hMax: number })[]): void {
  const e = (v: number) => v.toExponential(2);
  const ref = rows[0];
  process.stdout.write(`\n${task}, helene ${variant}, t = ${t} (ratios are to the first layer)\n`);
  process.stdout.write('| layer | d | h mean | h min..max | floor frac | true curv | ratio h | ratio curv | per-ex energy | ratio | batch energy | ratio |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n');
  for (const r of rows) {
    process.stdout.write(`| ${r.name} | ${r.size} | ${e(r.hMean)} | ${e(r.hMin)}..${e(r.hMax)} | ${r.floorFraction.toFixed(2)} | ${e(r.curvature)} | ${(r.hMean / ref.hMean).toFixed(3)} | ${(r.curvature / ref.curvature).toFixed(3)} | ${e(r.exampleEnergy)} | ${(r.exampleEnergy / ref.exampleEnergy).toFixed(3)} | ${e(r.batchEnergy)} | ${(r.batchEnergy / ref.batchEnergy).toFixed(3)} |\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
