/**
 * Scratch benchmark (not a test): ns/element of MeZO's update (mezo.ts sgdUpdate), the JS loop
 * against the WebAssembly SIMD kernel (runtime/optim/sgd-update-simd.wat), one thread, for 1M and
 * 16M float32: minimum and median of the timed repeats, the two interleaved repeat by repeat.
 *   node --import tsx bench/sgd-update.ts
 * Prints the load average before and after: on a shared machine read the ratios, not the times.
 */
import * as os from 'node:os';
import { sgdUpdate } from '../runtime/optim/mezo';
import { setSgdUpdateKernel } from '../runtime/optim/sgd-update-simd';

function load(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

function compare(n: number, warmups: number, repeats: number): void {
  const theta = new Float32Array(n);
  const z = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    theta[j] = Math.sin(j) * 0.1;
    z[j] = Math.cos(j * 1.3);
  }
  const times = { js: [] as number[], simd: [] as number[] };
  for (let r = 0; r < warmups + repeats; r++) {
    for (const kernel of ['js', 'simd'] as const) {
      if (setSgdUpdateKernel(kernel === 'js' ? 'js' : 'auto') !== kernel) throw new Error(`kernel ${kernel} is not available here`);
      const t0 = process.hrtime.bigint();
      sgdUpdate(theta, z, 1e-6, 0.3, 0.01);
      if (r >= warmups) times[kernel].push(Number(process.hrtime.bigint() - t0) / n);
    }
  }
  setSgdUpdateKernel('auto');
  const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
  const label = `${n / 1e6}M`.padStart(4);
  for (const kernel of ['js', 'simd'] as const) {
    const s = sorted(times[kernel]);
    console.log(`sgdUpdate ${label}, 1 thread, ${kernel === 'js' ? 'JS loop:    ' : 'SIMD kernel:'} min ${s[0]!.toFixed(2)}  median ${s[s.length >> 1]!.toFixed(2)} ns/element  (${repeats} repeats)`);
  }
  console.log(`  SIMD / JS (medians): ${(sorted(times.simd)[repeats >> 1]! / sorted(times.js)[repeats >> 1]!).toFixed(2)}`);
}

console.log(`${os.cpus()[0]?.model ?? 'cpu'} x ${os.cpus().length}, node ${process.version}, load ${load()}`);
compare(1_000_000, 5, 31);
compare(16_000_000, 2, 9);
console.log(`load ${load()}`);
