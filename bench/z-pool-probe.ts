/**
 * Issue 17 probe: z generation for the ~1 M text encoder's 54 layers (most under the pool's
 * minParallel), inline and with 2 kernel workers, medians of 50 steps. Measured: per-layer pooling
 * 4.1-4.3 ms vs inline 4.3-4.4 ms; grouped by whole layers (SeededDirections.fillGrouped) 2.8 ms.
 *   node bench/build.mjs && npx esbuild bench/z-pool-probe.ts --bundle --platform=node \
 *     --external:onnxruntime-node --outfile=bench/out/zp.js && node bench/out/zp.js
 */
import { KernelPool, seedFromNumber } from '../runtime/rng';
import { SeededDirections } from '../runtime/run/seeded-directions';
import { prepareTrainingGraph } from '../runtime/onnx/surgery';
import { buildTextEncoder, ISSUE17_ENCODER } from './text-encoder';
import { median } from './stats';
(async () => {
  const g = prepareTrainingGraph(buildTextEncoder(ISSUE17_ENCODER), { modelName: 'p', trainable: ['^(?!tf\\.)'], loss: { kind: 'classification', logits: 'logits' } });
  const layers = g.trainables.map((t) => ({ name: t.name, shape: t.shape, size: t.size, rank: t.rank, theta: Float32Array.from(t.initial), dir: new Float32Array(t.size) }));
  console.log('layer sizes', layers.map((l) => l.size).join(' '));
  for (const threads of [0, 2, 0, 2]) {
    const pool = new KernelPool(threads);
    const d = new SeededDirections(seedFromNumber(1), pool);
    const ts: number[] = [];
    for (let t = 1; t <= 60; t++) { const t0 = performance.now(); await d.normal(t, layers); if (t > 10) ts.push(performance.now() - t0); }
    console.log(`kernelThreads ${threads}: z ${median(ts).toFixed(2)} ms (min ${Math.min(...ts).toFixed(2)})`);
    await pool.close();
  }
})();
