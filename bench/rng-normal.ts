/**
 * Scratch benchmark (not a test): ns/element of fillNormal / fillRademacher on 10M float32,
 * inline and on KernelPool(2) (and more threads if given).
 *   node --import tsx bench/rng-normal.ts [threads...]
 * Reports the median of 7 timed runs after 3 warm-up runs, per configuration.
 */
import { KernelPool, allocShared } from '../runtime/rng/kernel-pool';
import { fillNormal } from '../runtime/rng/normal';
import { fillRademacher } from '../runtime/rng/rademacher';
import { seedFromNumber, stepSeed, zKey } from '../runtime/rng/seeds';

const N = 10_000_000;
const WARMUP = 3;
const RUNS = 7;

async function nsPerElement(fill: () => void | Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < WARMUP + RUNS; r++) {
    const t0 = process.hrtime.bigint();
    await fill();
    if (r >= WARMUP) times.push(Number(process.hrtime.bigint() - t0) / N);
  }
  times.sort((a, b) => a - b);
  return times[RUNS >> 1]!;
}

async function main(): Promise<void> {
  const key = zKey(stepSeed(seedFromNumber(1), 1), 0);
  const out = allocShared(N);
  console.log(`fillNormal inline:     ${(await nsPerElement(() => fillNormal(key, out))).toFixed(2)} ns/element`);
  console.log(`fillRademacher inline: ${(await nsPerElement(() => fillRademacher(key, out))).toFixed(2)} ns/element`);
  const threadCounts = process.argv.slice(2).map(Number);
  for (const threads of threadCounts.length > 0 ? threadCounts : [2]) {
    const pool = new KernelPool(threads);
    console.log(`fillNormal pool(${threads}):    ${(await nsPerElement(() => pool.fillNormal(key, out))).toFixed(2)} ns/element`);
    await pool.close();
  }
}

void main();
