/**
 * Bench, not a test: the CPU cost of the resident step's element-wise work (z graph + update graph
 * on the CPU EP) against the normal path's (fillNormal ziggurat + the JS update), per step, for
 * MeZO and HELENE (refresh step), on N trainable elements in 4 layers. Forward passes are the same
 * graph in both paths and are left out. Prints medians of 7 steps after 2 warm-ups, ns/element.
 *   node --import tsx bench/gpu/resident-cpu-cost.ts [elements=4000000] [threads=1]
 */
import * as os from 'node:os';
import { ResidentGraphs } from '../../runtime/engine/resident/resident-graphs';
import { createOptimizer } from '../../runtime/optim';
import { fillNormal, seedFromNumber, stepSeed, zKey } from '../../runtime/rng';
import { sgdUpdate } from '../../runtime/optim/mezo';
import type { LossOracle, TrainableLayer } from '../../runtime/optim/optimizer';
import { resolveConfig } from '../../runtime/protocol';

const N = Number(process.argv[2] ?? 4_000_000);
const THREADS = Number(process.argv[3] ?? 1);
const RUNS = 7;
const WARMUP = 2;

function layers(): TrainableLayer[] {
  const per = Math.floor(N / 4);
  return [0, 1, 2, 3].map((i) => ({ name: `w${i}`, shape: [per], size: per, rank: 2, theta: new Float32Array(per).fill(0.01), dir: new Float32Array(per) }));
}

async function median(run: (t: number) => Promise<void> | void): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < WARMUP + RUNS; r++) {
    const t0 = process.hrtime.bigint();
    await run(r + 1);
    if (r >= WARMUP) times.push(Number(process.hrtime.bigint() - t0) / N);
  }
  return times.sort((a, b) => a - b)[RUNS >> 1]!;
}

async function main(): Promise<void> {
  const seed = seedFromNumber(7);
  const { config } = resolveConfig({ model: { path: 'x.onnx' }, data: { train: 'x.jsonl' }, steps: 100, optimizer: { name: 'helene', k: 1 } });
  console.log(`${N} elements, ${THREADS} onnxruntime thread(s), ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  const cpu = layers();
  const normalMezo = await median((t) => {
    const step = stepSeed(seed, t);
    cpu.forEach((l, i) => fillNormal(zKey(step, i), l.dir));
    for (const l of cpu) sgdUpdate(l.theta, l.dir, 1e-3, 0.5, 0);
  });
  const res = layers();
  const mezo = await ResidentGraphs.create(res, 'mezo', { provider: 'cpu', threads: THREADS });
  const zOnly = await median((t) => mezo.generateZ(seed, t));
  const residentMezo = await median(async (t) => {
    await mezo.generateZ(seed, t);
    await mezo.update({ lr: 1e-3, c: 0.5, wd: 0 });
  });
  await mezo.release();

  // HELENE: the JS optimizer's step on a constant oracle (its update, refresh every step) vs the graphs.
  const hl = layers();
  const oracle: LossOracle = { losses: async (s) => Float32Array.of(1 + s, 1 - s) };
  const helene = createOptimizer(hl, { ...config.optimizer }, 100);
  const dirs = { normal: async (t: number, ls: TrainableLayer[]) => ls.forEach((l, i) => fillNormal(zKey(stepSeed(seed, t), i), l.dir)), rademacher: async () => {} };
  const normalHelene = await median((t) => helene.step({ t, lr: 1e-3, oracle, directions: dirs, collectStats: false }).then(() => {}));
  const rh = layers();
  const arrays = { m: rh.map((l) => new Float32Array(l.size)), h: rh.map((l) => new Float32Array(l.size)), lambda: new Float32Array(4) };
  const hg = await ResidentGraphs.create(rh, 'helene', { provider: 'cpu', threads: THREADS }, arrays);
  const scalars = { lr: 1e-3, beta1: 0.9, g: 0.5, beta2h: 0.99, s: 0.01, kappa: 1, gamma: 1, eps_den: 1e-8, rho: Infinity, wd: 0 };
  const residentHelene = await median(async (t) => {
    await hg.generateZ(seed, t);
    await hg.update(scalars, { refresh: true, floor: new Float32Array(4) });
  });
  await hg.release();

  const row = (what: string, ns: number) => console.log(`${what.padEnd(44)} ${ns.toFixed(2).padStart(8)} ns/element`);
  row('normal MeZO: fillNormal + sgdUpdate (JS)', normalMezo);
  row('resident MeZO: z graph + update graph (CPU EP)', residentMezo);
  row('  of which the z graph', zOnly);
  row('normal HELENE step (JS, refresh), no forwards', normalHelene);
  row('resident HELENE: z graph + update graph', residentHelene);
  console.log(`ratio resident/normal: MeZO ${(residentMezo / normalMezo).toFixed(1)}x, HELENE ${(residentHelene / normalHelene).toFixed(1)}x`);
}

void main();
