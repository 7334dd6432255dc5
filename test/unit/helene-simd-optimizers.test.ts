/**
 * The HELENE optimizers with their element-wise loops on the WebAssembly SIMD kernel equal the same
 * optimizers on the JS loops, bit for bit, over many steps: θ, every state array (m, h, lambda, …) and
 * the per-layer update norms. Covers the wiring in helene.ts (normal and refresh steps, clipped and
 * not, the chunked bfloat16 / per-row storage path), the layerwise preset (decay of m fused with the
 * update) and the variants that share helene-common.ts's elementUpdate.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type OptimizerConfig } from '../../runtime/protocol';
import { createOptimizer } from '../../runtime/optim';
import type { DirectionSource, LossOracle, TrainableLayer, ZoOptimizer } from '../../runtime/optim/optimizer';
import { setHeleneUpdateKernel } from '../../runtime/optim/helene-update-simd';

after(() => setHeleneUpdateKernel('auto'));

function optimizerConfig(optimizer: Record<string, unknown>): OptimizerConfig {
  return resolveConfig({ model: { path: 'm.onnx' }, data: { train: 't.jsonl' }, optimizer }).config.optimizer;
}

/** Layers above and below the kernel's threshold (256) and its chunk (32,768), one with an odd tail. */
function layers(): TrainableLayer[] {
  const make = (name: string, shape: number[]): TrainableLayer => {
    const size = shape.reduce((a, b) => a * b, 1);
    return { name, shape, size, rank: shape.length, theta: Float32Array.from({ length: size }, (_, j) => 0.1 * Math.sin(j + name.length)), dir: new Float32Array(size) };
  };
  return [make('embed', [331, 111]), make('bias', [300]), make('norm', [40]), make('head', [257, 3])];
}

const directions: DirectionSource = {
  async normal(t, ls) {
    for (const [i, l] of ls.entries()) for (let j = 0; j < l.size; j++) l.dir[j] = 2 * Math.cos(t * 31 + i * 7 + j * 1.1);
  },
  async rademacher() {
    throw new Error('not used');
  },
};

/** Losses that depend on θ (through a fixed projection), so c changes from step to step. */
function oracleFor(ls: TrainableLayer[]): LossOracle {
  return {
    async losses(scale) {
      let dot = 0;
      for (const l of ls) for (let j = 0; j < l.size; j += 97) dot += (l.theta[j] + scale * l.dir[j]) * Math.sin(j);
      return Float32Array.of(1 + dot, 2 - 0.5 * dot, 0.3 * dot * dot);
    },
  };
}

const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const CASES: Record<string, Record<string, unknown>> = {
  'paper, k 3': { name: 'helene', k: 3 },
  'paper, rho 0.5, weight decay': { name: 'helene', k: 3, rho: 0.5, weightDecay: 0.01 },
  'paper, bfloat16 m and h per row (chunked path: refreshedSum)': { name: 'helene', k: 2, stateDtype: 'bfloat16', hessianShape: 'row' },
  'paper, ema momentum, batch hessian': { name: 'helene', k: 4, momentum: 'ema', hessian: 'batch' },
  'layerwise preset': { name: 'helene', variant: 'layerwise', blocks: 'auto', curvatureFloor: 0.1 },
  'layerwise, rho 0.02': { name: 'helene', variant: 'layerwise', blocks: 'layer', rho: 0.02 },
  'bias-corrected': { name: 'helene', variant: 'bias-corrected', k: 2 },
  multi: { name: 'helene', variant: 'multi' },
};

for (const [name, optimizer] of Object.entries(CASES)) {
  test(`${name}: 24 steps on the SIMD kernel equal the JS loops bit for bit`, async () => {
    const config = optimizerConfig(optimizer);
    const js = { ls: layers(), o: undefined as unknown as ZoOptimizer };
    const simd = { ls: layers(), o: undefined as unknown as ZoOptimizer };
    js.o = createOptimizer(js.ls, config, 200);
    simd.o = createOptimizer(simd.ls, config, 200);
    for (let t = 1; t <= 24; t++) {
      for (const [run, kernel] of [[js, 'js'], [simd, 'auto']] as const) {
        setHeleneUpdateKernel(kernel);
        await run.o.step({ t, lr: 1e-3, oracle: oracleFor(run.ls), directions, collectStats: false });
      }
      for (let i = 0; i < js.ls.length; i++) {
        assert.equal(Buffer.compare(bytes(simd.ls[i]!.theta), bytes(js.ls[i]!.theta)), 0, `step ${t}: θ of ${js.ls[i]!.name}`);
      }
    }
    const [a, b] = [js.o.state(), simd.o.state()];
    assert.deepEqual(Object.keys(b), Object.keys(a));
    for (const key of Object.keys(a)) {
      a[key]!.forEach((arr, i) => assert.equal(Buffer.compare(bytes(b[key]![i]!), bytes(arr)), 0, `state ${key}[${i}]`));
    }
    const stats = (o: ZoOptimizer) => o.layerStats(1e-3).map((s) => s.updateRms);
    assert.deepEqual(stats(simd.o), stats(js.o), 'per-layer update norms');
    assert.ok(js.ls[0]!.theta.some((v, j) => v !== layers()[0]!.theta[j]), 'θ moved');
  });
}
