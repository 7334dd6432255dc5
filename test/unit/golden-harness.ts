/**
 * Harness for the golden traces (test/fixtures/golden, copied from shared/golden): turns a golden
 * case's config into an OptimizerConfig, injects the recorded directions, and evaluates the
 * least-squares loss 0.5 (a · theta − y)^2 the way the graph does (theta + scale·dir in float32).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveConfig, type OptimizerConfig } from '../../runtime/protocol';
import type { DirectionSource, LossOracle, TrainableLayer } from '../../runtime/optim/optimizer';

export interface GoldenFile {
  layers: { name: string; shape: number[] }[];
  batch: { a: number[][]; y: number[] };
  theta0: Record<string, number[]>;
  z: Record<string, number[]>[];
  u: Record<string, number[]>[][];
  steps: number;
  cases: Record<string, { config: Record<string, unknown>; trace: Record<string, any>[] }>;
}

export const golden: GoldenFile = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/golden/golden.json'), 'utf8'));

const KEY_MAP: Record<string, string> = {
  wd: 'weightDecay',
  lambda: 'lambdaMode',
  lambda_value: 'lambda',
  lambda_map: 'lambdaMap',
  eps_den: 'epsDen',
  eps_adam: 'epsAdam',
  N: 'directions',
};

export function optimizerConfigFor(caseName: string, name: OptimizerConfig['name']): OptimizerConfig {
  const optimizer: Record<string, unknown> = { name };
  for (const [k, v] of Object.entries(golden.cases[caseName].config)) {
    if (name === 'hizoo' && k === 'alpha') optimizer.hessianRate = v;
    else optimizer[KEY_MAP[k] ?? k] = v;
  }
  const { config } = resolveConfig({ model: { path: 'golden.onnx' }, data: { train: 'x.jsonl' }, steps: golden.steps, optimizer });
  return config.optimizer;
}

export function goldenLayers(): TrainableLayer[] {
  return golden.layers.map(({ name, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return { name, shape, size, rank: shape.length, theta: Float32Array.from(golden.theta0[name]), dir: new Float32Array(size) };
  });
}

/** Loss oracle in JS: the perturbed parameter is formed in float32, as the graph's Mul+Add does. */
export class LeastSquaresOracle implements LossOracle {
  calls = 0;
  constructor(private readonly layers: TrainableLayer[]) {}
  async losses(scale: number): Promise<Float32Array> {
    this.calls++;
    const flat: number[] = [];
    const s = Math.fround(scale);
    for (const l of this.layers) for (let j = 0; j < l.size; j++) flat.push(Math.fround(l.theta[j] + Math.fround(s * l.dir[j])));
    return Float32Array.from(golden.batch.a.map((row, b) => {
      let dot = 0;
      for (let j = 0; j < row.length; j++) dot += row[j] * flat[j];
      return 0.5 * (dot - golden.batch.y[b]) ** 2;
    }));
  }
}

export class GoldenDirections implements DirectionSource {
  normalCalls = 0;
  async normal(t: number, layers: TrainableLayer[]): Promise<void> {
    this.normalCalls++;
    for (const l of layers) l.dir.set(golden.z[t - 1][l.name]);
  }
  async rademacher(t: number, n: number, layers: TrainableLayer[]): Promise<void> {
    for (const l of layers) l.dir.set(golden.u[t - 1][n][l.name]);
  }
}

/**
 * |actual − expected| <= atol + rtol · max|expected| for every element: the deviation relative to the
 * vector's scale, which is how the golden README measured float32 deviation ("relative deviation of
 * theta over all steps"). Element-wise relative checks would fail on elements that pass near zero,
 * where float32 losses (ulp ~ 2e-6 at loss 25) limit any implementation.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, what: string, atol = 1e-6): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= atol + rtol * scale)) {
      throw new Error(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (|diff| ${diff.toExponential(2)} > atol ${atol} + rtol ${rtol}·${scale.toExponential(2)})`);
    }
  }
}

/** Absolute resolution of c = (l+ − l−) / (2 eps) when losses are float32: a few ulps of the loss over 2 eps. */
export function projectedGradientTolerance(lossScale: number, eps: number): number {
  return (4 * lossScale * 2 ** -24) / eps;
}
