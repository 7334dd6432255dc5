/**
 * Scratch benchmark (not a test): ns/element of z generation.
 *   node --import tsx bench/rng-normal.ts [threads...]
 *
 * 1. fillNormal on one thread, the JS loop against the WebAssembly SIMD kernel (normal-simd.wat), for
 *    1M and 16M float32: minimum and median of the timed repeats, the two kernels interleaved
 *    repeat by repeat so that both see the same load.
 * 2. fillRademacher on one thread, and fillNormal on KernelPool(threads) (default 2), 10M float32.
 * Prints the load average before and after: on a shared machine read the ratios, not the times.
 */
import * as os from 'node:os';
import { KernelPool, allocShared } from '../runtime/rng/kernel-pool';
import { fillNormal, setNormalKernel } from '../runtime/rng/normal';
import { fillRademacher } from '../runtime/rng/rademacher';
import { seedFromNumber, stepSeed, zKey } from '../runtime/rng/seeds';

const KEY = zKey(stepSeed(seedFromNumber(1), 1), 0);

function load(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

function nsPerElementSync(n: number, fill: () => void): number {
  const t0 = process.hrtime.bigint();
  fill();
  return Number(process.hrtime.bigint() - t0) / n;
}

function summary(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  return `min ${sorted[0]!.toFixed(2)}  median ${sorted[sorted.length >> 1]!.toFixed(2)} ns/element`;
}

/** JS loop vs SIMD kernel on n elements, interleaved: returns the medians' ratio. */
function compareKernels(n: number, warmups: number, repeats: number): void {
  const out = new Float32Array(n);
  const times = { js: [] as number[], simd: [] as number[] };
  for (let r = 0; r < warmups + repeats; r++) {
    for (const kernel of ['js', 'simd'] as const) {
      if (setNormalKernel(kernel === 'js' ? 'js' : 'auto') !== kernel) throw new Error(`kernel ${kernel} is not available here`);
      const t = nsPerElementSync(n, () => fillNormal(KEY, out));
      if (r >= warmups) times[kernel].push(t);
    }
  }
  setNormalKernel('auto');
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const label = `${n / 1e6}M`;
  console.log(`fillNormal ${label.padStart(4)}, 1 thread, JS loop:     ${summary(times.js)}  (${repeats} repeats)`);
  console.log(`fillNormal ${label.padStart(4)}, 1 thread, SIMD kernel: ${summary(times.simd)}  (${repeats} repeats)`);
  console.log(`  SIMD / JS (medians): ${(median(times.simd) / median(times.js)).toFixed(2)}`);
}

async function nsPerElement(n: number, fill: () => void | Promise<void>, warmups = 3, repeats = 7): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < warmups + repeats; r++) {
    const t0 = process.hrtime.bigint();
    await fill();
    if (r >= warmups) times.push(Number(process.hrtime.bigint() - t0) / n);
  }
  return [...times].sort((a, b) => a - b)[repeats >> 1]!;
}

async function main(): Promise<void> {
  console.log(`${os.cpus()[0]?.model ?? 'cpu'} x ${os.cpus().length}, node ${process.version}, load ${load()}`);
  compareKernels(1_000_000, 5, 31);
  compareKernels(16_000_000, 2, 9);
  const n = 10_000_000;
  const out = allocShared(n);
  console.log(`fillRademacher 10M, 1 thread: ${(await nsPerElement(n, () => fillRademacher(KEY, out))).toFixed(2)} ns/element (median)`);
  const threadCounts = process.argv.slice(2).map(Number);
  for (const threads of threadCounts.length > 0 ? threadCounts : [2]) {
    const pool = new KernelPool(threads);
    console.log(`fillNormal 10M, KernelPool(${threads}): ${(await nsPerElement(n, () => pool.fillNormal(KEY, out))).toFixed(2)} ns/element (median)`);
    await pool.close();
  }
  console.log(`load ${load()}`);
}

void main();
