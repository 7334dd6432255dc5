/**
 * Scratch benchmark (not a test): ns/element of HELENE's element-wise loops, the JS loops against the
 * WebAssembly SIMD kernel (runtime/optim/helene-update-simd.wat), one thread, for 1M and 16M float32:
 * minimum and median of the timed repeats, the two interleaved repeat by repeat.
 *   node --import tsx bench/helene-update.ts      (also run by npm run bench:simd)
 * Rows: the paper variant's normal step (momentumUpdate), its refresh step (momentumAndCurvature then
 * preconditionedUpdate), and the layerwise preset's per-block update (decay of m fused with
 * elementUpdate). Prints the load average before and after: on a shared machine read the ratios.
 */
import * as os from 'node:os';
import { momentumAndCurvature, momentumUpdate, preconditionedUpdate } from '../runtime/optim/helene-kernels';
import { decayedElementUpdate } from '../runtime/optim/helene-common';
import { setHeleneUpdateKernel } from '../runtime/optim/helene-update-simd';

function load(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

interface Arrays {
  theta: Float32Array;
  m: Float32Array;
  h: Float32Array;
  z: Float32Array;
}

const ROWS: Array<[string, (a: Arrays) => void]> = [
  ['momentumUpdate (paper, normal step)', (a) => momentumUpdate(a.theta, a.m, a.h, a.z, 0.9, 1e-3, 0.01, 1e-6, 1, 1e-8, 0.01)],
  ['refresh (paper: momentumAndCurvature + preconditionedUpdate)', (a) => {
    const lambda = momentumAndCurvature(a.m, a.h, a.z, 0.9, 1e-3, 0.99, 1e-4);
    preconditionedUpdate(a.theta, a.m, a.h, lambda, 1e-6, 1, 1e-8, 0.01);
  }],
  ['decay + elementUpdate (layerwise preset)', (a) => decayedElementUpdate(a.theta, a.m, a.h, 0.999, 0.01, 1e-6, 1, 1e-8, Infinity, 0.01)],
];

function compare(n: number, warmups: number, repeats: number): void {
  const a: Arrays = { theta: new Float32Array(n), m: new Float32Array(n), h: new Float32Array(n), z: new Float32Array(n) };
  for (let j = 0; j < n; j++) {
    a.theta[j] = Math.sin(j) * 0.1;
    a.m[j] = Math.cos(j * 0.7) * 1e-3;
    a.h[j] = 0.01 * (1 + Math.sin(j * 0.3));
    a.z[j] = Math.cos(j * 1.3);
  }
  const label = `${n / 1e6}M`.padStart(4);
  for (const [row, op] of ROWS) {
    const times = { js: [] as number[], simd: [] as number[] };
    for (let r = 0; r < warmups + repeats; r++) {
      for (const kernel of ['js', 'simd'] as const) {
        if (setHeleneUpdateKernel(kernel === 'js' ? 'js' : 'auto') !== kernel) throw new Error(`kernel ${kernel} is not available here`);
        const t0 = process.hrtime.bigint();
        op(a);
        if (r >= warmups) times[kernel].push(Number(process.hrtime.bigint() - t0) / n);
      }
    }
    const sorted = (xs: number[]): number[] => [...xs].sort((x, y) => x - y);
    console.log(`${row}, ${label}, 1 thread (${repeats} repeats):`);
    for (const kernel of ['js', 'simd'] as const) {
      const s = sorted(times[kernel]);
      console.log(`  ${kernel === 'js' ? 'JS loop:    ' : 'SIMD kernel:'} min ${s[0]!.toFixed(2)}  median ${s[s.length >> 1]!.toFixed(2)} ns/element`);
    }
    console.log(`  SIMD / JS: min ${(sorted(times.simd)[0]! / sorted(times.js)[0]!).toFixed(2)}, median ${(sorted(times.simd)[repeats >> 1]! / sorted(times.js)[repeats >> 1]!).toFixed(2)}`);
  }
  setHeleneUpdateKernel('auto');
}

console.log(`${os.cpus()[0]?.model ?? 'cpu'} x ${os.cpus().length}, node ${process.version}, load ${load()}`);
compare(1_000_000, 5, 31);
compare(16_000_000, 2, 9);
console.log(`load ${load()}`);
