/**
 * Curvature of a classification head (the tiny-encoder task: head-only training of a torch Linear
 * exported as Gemm transB=1, weight [classes, hidden]) at its initial theta, through the same engine
 * as training, on a fixed probe batch (the first PROBE training examples):
 *   - per element diag curvature H_jj by central finite differences, summarised per row (axis 0 =
 *     one CLASS for this layout; what `blocks: "row"` splits by) and per column (axis 1 = one input
 *     feature, what a per-input-feature block would be);
 *   - the row-0 block of the Hessian, A = mean_b p0(1 − p0) x_b x_bᵀ over the pooled features x_b
 *     (plus the bias as a constant feature), rebuilt from the per-example finite differences: the
 *     per-example gradient of W[0, j] is (p0 − y0) x_bj and its curvature p0(1 − p0) x_bj², so
 *     A_jk = mean_b s_b g_bj g_bk with s_b = sum_j c_bj / sum_j g_bj². For 2 classes this is the whole
 *     head Hessian up to the (e0 − e1) factor (the common shift of both rows has zero curvature).
 *   - A's eigenvalue shares of its trace, before and after the diagonal (per input feature)
 *     pre-conditioning D^-1/2 A D^-1/2: if they hardly change, no diagonal or block-diagonal
 *     pre-conditioner (row, layer or per-input-feature blocks) can improve the conditioning.
 *
 *   npx tsx bench/convergence/measure-head.ts      (about 30 s of CPU; writes results/measure-tiny-encoder-head.json)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { resolveConfig, mergeConfig, type UserConfig } from '../../runtime/protocol';
import { Trainer } from '../../runtime/run/trainer';
import { evalBatches } from '../../runtime/data/batcher';
import type { TrainingEngine } from '../../runtime/engine/training-engine';
import type { Dataset } from '../../runtime/data/dataset';
import type { TrainableLayer } from '../../runtime/optim';
import { TASKS } from './tasks';

const PROBE = 256;
const DELTA = 1e-2;

/** Eigenvalues of a symmetric matrix (cyclic Jacobi), descending. */
function symmetricEigenvalues(input: number[][]): number[] {
  const n = input.length;
  const a = input.map((row) => row.slice());
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
      }
    }
  }
  return a.map((row, i) => row[i]).sort((x, y) => y - x);
}

function spectrum(m: number[][]) {
  const e = symmetricEigenvalues(m);
  const trace = e.reduce((s, v) => s + Math.max(v, 0), 0);
  return { top5Share: e.slice(0, 5).map((v) => +(v / trace).toFixed(4)), effectiveRank: +(trace / e[0]).toFixed(2), above1PercentOfMax: e.filter((v) => v > 0.01 * e[0]).length };
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-head-'));
  const task = TASKS['tiny-encoder'](work, {});
  const { config } = resolveConfig(mergeConfig(task.base as Record<string, unknown>, { seed: 1, optimizer: { name: 'mezo', lr: 0.003 }, output: { runsDir: work, runId: 'measure-head' } }) as UserConfig);
  const trainer = await Trainer.create(config, {});
  // The trainer's own engine, trainables and (tokenized) training set.
  const inner = trainer as unknown as { engine: TrainingEngine; layers: TrainableLayer[]; train: Dataset };
  const { engine, layers } = inner;
  const weight = layers.find((l) => l.rank === 2);
  const bias = layers.find((l) => l.rank === 1);
  if (!weight || !bias || layers.length !== 2) throw new Error('expected a head of one weight [classes, hidden] and one bias');
  const [classes, hidden] = weight.shape;
  const probe: Record<string, ort.Tensor> = evalBatches(inner.train, PROBE).next().value!.feeds;
  engine.setBatch(probe);
  for (const l of layers) l.dir.fill(0);
  const l0 = Float32Array.from(await engine.losses(0));
  const B = l0.length;
  // Per element: per-example curvature c[j][b] and gradient g[j][b].
  const perExample = async (layer: TrainableLayer, j: number) => {
    layer.dir[j] = 1;
    const lp = Float32Array.from(await engine.losses(DELTA));
    const lm = Float32Array.from(await engine.losses(-DELTA));
    layer.dir[j] = 0;
    const c = new Float64Array(B);
    const g = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      c[b] = (lp[b] + lm[b] - 2 * l0[b]) / (DELTA * DELTA);
      g[b] = (lp[b] - lm[b]) / (2 * DELTA);
    }
    return { c, g };
  };
  const mean = (v: Float64Array) => v.reduce((s, x) => s + x, 0) / v.length;
  const wc: { c: Float64Array; g: Float64Array }[] = [];
  for (let j = 0; j < weight.size; j++) wc.push(await perExample(weight, j));
  const b0 = await perExample(bias, 0);
  await trainer.close();
  fs.rmSync(work, { recursive: true, force: true });

  const curv = wc.map((e) => mean(e.c));
  const rowMean = Array.from({ length: classes }, (_, r) => curv.slice(r * hidden, (r + 1) * hidden).reduce((s, v) => s + v, 0) / hidden);
  const colMean = Array.from({ length: hidden }, (_, j) => {
    let s = 0;
    for (let r = 0; r < classes; r++) s += curv[r * hidden + j];
    return s / classes;
  });
  const sorted = [...colMean].sort((x, y) => x - y);
  // Row 0 (and the bias as a constant feature): A_jk = mean_b s_b g_bj g_bk.
  const feats = [...wc.slice(0, hidden), b0];
  const s = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let cs = 0;
    let gs = 0;
    for (let j = 0; j < hidden; j++) {
      cs += feats[j].c[b];
      gs += feats[j].g[b] * feats[j].g[b];
    }
    s[b] = gs > 0 ? cs / gs : 0;
  }
  const n = hidden + 1;
  const A = Array.from({ length: n }, (_, j) =>
    Array.from({ length: n }, (_, k) => {
      let v = 0;
      for (let b = 0; b < B; b++) v += s[b] * feats[j].g[b] * feats[k].g[b];
      return v / B;
    }),
  );
  const weightOnly = A.slice(0, hidden).map((row) => row.slice(0, hidden));
  const scaled = (m: number[][]) => m.map((row, j) => row.map((v, k) => v / Math.sqrt(m[j][j] * m[k][k])));
  let corrSum = 0;
  const corr = scaled(weightOnly);
  for (let j = 0; j < hidden; j++) for (let k = j + 1; k < hidden; k++) corrSum += Math.abs(corr[j][k]);
  const result = {
    task: 'tiny-encoder',
    probe: B,
    delta: DELTA,
    weight: { name: weight.name, shape: weight.shape },
    curvatureMean: { weight: curv.reduce((x, y) => x + y, 0) / curv.length, bias: mean(b0.c) },
    perRow: rowMean,
    perInputFeature: { min: sorted[0], p10: sorted[Math.floor(0.1 * hidden)], median: sorted[hidden >> 1], p90: sorted[Math.floor(0.9 * hidden)], max: sorted[hidden - 1], maxOverMin: sorted[hidden - 1] / sorted[0] },
    meanAbsFeatureCorrelation: corrSum / ((hidden * (hidden - 1)) / 2),
    spectrum: { weight: spectrum(weightOnly), weightDiagPreconditioned: spectrum(corr), weightAndBias: spectrum(A), weightAndBiasDiagPreconditioned: spectrum(scaled(A)) },
  };
  process.stdout.write(JSON.stringify(result, null, 1) + '\n');
  const out = path.join('bench', 'convergence', 'results', 'measure-tiny-encoder-head.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
