/**
 * Issue 17 probe: how busy onnxruntime keeps the cores during two inference forwards of a bench
 * model (process CPU time ÷ wall time, with the session's threads): CPU left idle there is the only
 * room z generation and the update could use without lengthening the step. Medians of 7 pairs.
 *   node bench/build.mjs && npx esbuild bench/cores-busy-probe.ts --bundle --platform=node \\
 *     --external:onnxruntime-node --outfile=bench/out/cbp.js && node bench/out/cbp.js [transformer-50M]
 */
import { BENCH_MODELS } from './models';
import { inferenceModelBytes, inferenceSession, toFeeds } from './setup';
import { load1, median } from './stats';

(async () => {
  const id = process.argv[2] ?? 'transformer-50M';
  const model = BENCH_MODELS.find((m) => m.id === id);
  if (!model) throw new Error(`no bench model ${id}`);
  const session = await inferenceSession(inferenceModelBytes(model), { provider: 'cpu', threads: 2, kernelThreads: 0 });
  const feeds = toFeeds(model, 1);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 9; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await session.run(feeds, ['loss']);
    await session.run(feeds, ['loss']);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (i < 2) continue;
    wall.push(ms);
    cpu.push((c.user + c.system) / 1000);
  }
  const w = median(wall);
  const c = median(cpu);
  console.log(`${id}: two inference forwards ${w.toFixed(1)} ms wall, ${c.toFixed(1)} ms process CPU = ${(c / w).toFixed(2)} cores busy of 2 (load ${load1()})`);
  await session.release();
})();
