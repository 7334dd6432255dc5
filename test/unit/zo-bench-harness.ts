/**
 * A tiny least-squares problem for the ZO-Bench optimizer step tests, with the expected numbers
 * computed independently in float64 from the formulas (no optimizer code involved).
 *
 * loss_b(theta) = 0.5 (a_b · theta − y_b)^2 over two layers (W [2, 3], rank 2, so weight decay applies;
 * b [2], rank 1, so it does not). On a quadratic the central difference is exact, so the expected
 * projected gradient is c = mean_b r_b (a_b · z) with r_b = a_b · theta − y_b, and the float32 losses of
 * the oracle only add rounding noise of order ulp(loss) / eps.
 */
import type { DirectionSource, LossOracle, LossPurpose, TrainableLayer } from '../../runtime/optim/optimizer';
import { resolveConfig, type OptimizerConfig, type OptimizerName } from '../../runtime/protocol';

export const SHAPES = [
  { name: 'W', shape: [2, 3] },
  { name: 'b', shape: [2] },
];
export const D = 8;
export const THETA0 = [0.5, -0.3, 0.8, 0.1, -0.6, 0.2, 0.05, -0.1];
export const BATCH = {
  a: [
    [1.0, 0.5, -0.2, 0.3, 0.0, 1.2, -0.7, 0.4],
    [-0.4, 1.1, 0.6, -0.5, 0.9, 0.1, 0.3, -1.0],
    [0.2, -0.8, 1.3, 0.7, -0.3, 0.5, 0.8, 0.6],
    [0.9, 0.3, 0.4, -1.1, 0.6, -0.2, -0.5, 0.2],
  ],
  y: [1.5, -0.7, 0.9, 0.3],
};

/** Fixed "random" directions per step (a small LCG mapped to roughly N(0, 1) values; any values do). */
export function directionsFor(steps: number): number[][] {
  let s = 12345;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  return Array.from({ length: steps }, () => Array.from({ length: D }, () => Math.fround((next() - 0.5) * 3.4)));
}

export function makeLayers(theta0 = THETA0): TrainableLayer[] {
  let offset = 0;
  return SHAPES.map(({ name, shape }) => {
    const size = shape.reduce((x, y) => x * y, 1);
    const theta = Float32Array.from(theta0.slice(offset, offset + size));
    offset += size;
    return { name, shape, size, rank: shape.length, theta, dir: new Float32Array(size) };
  });
}

export function flatTheta(layers: TrainableLayer[]): number[] {
  return layers.flatMap((l) => Array.from(l.theta));
}

/** The graph's view: theta + scale·dir formed in float32, per-example losses returned in float32. */
export class QuadraticOracle implements LossOracle {
  readonly purposes: LossPurpose[] = [];
  constructor(private readonly layers: TrainableLayer[]) {}
  async losses(scale: number, purpose: LossPurpose = 'estimate'): Promise<Float32Array> {
    this.purposes.push(purpose);
    const s = Math.fround(scale);
    const p: number[] = [];
    for (const l of this.layers) for (let j = 0; j < l.size; j++) p.push(Math.fround(l.theta[j] + Math.fround(s * l.dir[j])));
    return Float32Array.from(BATCH.a.map((row, b) => 0.5 * (dot(row, p) - BATCH.y[b]) ** 2));
  }
}

export class FixedDirections implements DirectionSource {
  constructor(private readonly z: number[][]) {}
  async normal(t: number, layers: TrainableLayer[]): Promise<void> {
    let offset = 0;
    for (const l of layers) {
      l.dir.set(this.z[t - 1].slice(offset, offset + l.size));
      offset += l.size;
    }
  }
  async rademacher(): Promise<void> {
    throw new Error('not used by these optimizers');
  }
}

// ---------------------------------------------------------------- float64 reference arithmetic

export function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Batch-mean loss at theta (float64). */
export function meanLoss(theta: number[]): number {
  return BATCH.a.reduce((s, row, b) => s + 0.5 * (dot(row, theta) - BATCH.y[b]) ** 2, 0) / BATCH.y.length;
}

/** Exact projected gradient of the batch-mean loss along z: mean_b r_b (a_b · z). */
export function exactC(theta: number[], z: number[]): number {
  return BATCH.a.reduce((s, row, b) => s + (dot(row, theta) - BATCH.y[b]) * dot(row, z), 0) / BATCH.y.length;
}

/** Weight decay mask: the first 6 elements belong to W (rank 2), the last 2 to b (rank 1). */
export const DECAYED = [1, 1, 1, 1, 1, 1, 0, 0];

export function optimizerConfig(name: OptimizerName, extra: Record<string, unknown>): OptimizerConfig {
  return resolveConfig({ model: { path: 'q.onnx' }, data: { train: 'q.jsonl' }, optimizer: { name, ...extra } }).config.optimizer;
}

/** max_i |actual_i − expected_i| <= tol · max(1, max_i |expected_i|). */
export function assertNear(actual: number[], expected: number[], tol: number, what: string): void {
  const scale = Math.max(1, ...expected.map(Math.abs));
  actual.forEach((v, i) => {
    if (!(Math.abs(v - expected[i]) <= tol * scale)) throw new Error(`${what}[${i}]: got ${v}, expected ${expected[i]} (tolerance ${tol * scale})`);
  });
}
