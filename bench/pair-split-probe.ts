/**
 * Issue 17 probe: where a concurrent pair's time goes on the ~1 M text encoder (2 cores, 1 thread per
 * pass): the host perturbation of the −eps weights, the +eps pass on this thread, and the wait for
 * the worker's pass after it; and the same pair with this thread also perturbing on the host and
 * running the fed-weights graph. Medians of 50. Measured (load ~2): 21.3 ms = 2.8 perturbation +
 * 18.4 the +eps pass + 0.07 wait (the worker finishes first); this thread on the fed graph too:
 * 23.1 ms, so the +eps pass keeps the in-graph perturbation.
 *   node bench/build.mjs && npx esbuild bench/pair-split-probe.ts --bundle --platform=node \\
 *     --external:onnxruntime-node --outfile=bench/out/psp.js && node bench/out/psp.js
 */
import * as ort from 'onnxruntime-node';
import { prepareTrainingGraph } from '../runtime/onnx/surgery';
import { PassWorker } from '../runtime/engine/concurrent-passes';
import { createSession } from '../runtime/engine/provider';
import { perturbInto } from '../runtime/engine/host-perturbation';
import { fedWeightsGraph } from '../runtime/onnx/fed-weights-graph';
import { encodeModel } from '../runtime/onnx/model-io';
import { buildTextEncoder, ISSUE17_ENCODER, probeBatch } from './text-encoder';
import { load1, median } from './stats';

(async () => {
  const g = prepareTrainingGraph(buildTextEncoder(ISSUE17_ENCODER), { modelName: 'p', trainable: ['^(?!tf\\.)'], loss: { kind: 'classification', logits: 'logits' } });
  const layers = g.trainables.map((t) => ({ name: t.name, shape: t.shape, size: t.size, rank: t.rank, theta: Float32Array.from(t.initial), dir: Float32Array.from({ length: t.size }, (_, j) => Math.sin(j)) }));
  const data: Record<string, ort.Tensor> = probeBatch();
  const feeds: Record<string, ort.Tensor> = { ...data, zo_scale: new ort.Tensor('float32', Float32Array.of(1e-3), []) };
  g.trainables.forEach((t, i) => {
    feeds[t.thetaInput] = new ort.Tensor('float32', layers[i]!.theta, t.shape);
    feeds[t.dirInput] = new ort.Tensor('float32', layers[i]!.dir, t.shape);
  });
  const session = (await createSession({ model: g.bytes, requested: 'cpu', threads: 1 })).session;
  const worker = await PassWorker.start(layers, { model: g.bytes, threads: 1, trainables: g.trainables, scaleInput: g.scaleInput, lossOutput: g.lossOutput });
  worker.sendBatch(data);
  // The alternative for this thread: perturb on the host too and run the fed-weights graph.
  const fed = fedWeightsGraph(g.model, g.trainables, g.scaleInput);
  const fedSession = (await createSession({ model: encodeModel(fed.model), requested: 'cpu', threads: 1 })).session;
  const own = layers.map((l) => new Float32Array(l.size));
  const fedFeeds: Record<string, ort.Tensor> = { ...data };
  g.trainables.forEach((tr, i) => (fedFeeds[fed.weightInputs[i]!] = new ort.Tensor('float32', own[i]!, tr.shape)));
  const t = { perturb: [] as number[], main: [] as number[], wait: [] as number[], pair: [] as number[], fedPair: [] as number[], ownPerturb: [] as number[], mainFirst: [] as number[], alone: [] as number[] };
  for (let r = 0; r < 55; r++) {
    const t0 = performance.now();
    let remote = worker.pass(-1e-3);
    const t1 = performance.now();
    await session.run(feeds, ['loss']);
    const t2 = performance.now();
    await remote;
    const t3 = performance.now();
    const u0 = performance.now();
    remote = worker.pass(-1e-3);
    const u1 = performance.now();
    layers.forEach((l, i) => perturbInto(own[i]!, l.theta, l.dir, 1e-3));
    const u2 = performance.now();
    await fedSession.run(fedFeeds, ['loss']);
    await remote;
    const u3 = performance.now();
    // This thread's pass started first (it runs on onnxruntime's thread), the perturbation meanwhile.
    const v0 = performance.now();
    const local = session.run(feeds, ['loss']);
    remote = worker.pass(-1e-3);
    await Promise.all([local, remote]);
    const v1 = performance.now();
    // The worker's pass alone (its copy of the shared weights and the fed-graph run), after the perturbation.
    remote = worker.pass(-1e-3);
    const w0 = performance.now();
    await remote;
    const w1 = performance.now();
    if (r < 5) continue;
    t.mainFirst.push(v1 - v0);
    t.alone.push(w1 - w0);
    t.perturb.push(t1 - t0);
    t.main.push(t2 - t1);
    t.wait.push(t3 - t2);
    t.pair.push(t3 - t0);
    t.ownPerturb.push(u2 - u1);
    t.fedPair.push(u3 - u0);
  }
  console.log(`pair ${median(t.pair).toFixed(2)} ms = perturb + post ${median(t.perturb).toFixed(2)} + +eps pass ${median(t.main).toFixed(2)} + wait for the worker ${median(t.wait).toFixed(2)} (medians; load ${load1()})`);
  console.log(`this thread's pass started before the perturbation: pair ${median(t.mainFirst).toFixed(2)} ms; the worker's pass alone (after the perturbation) ${median(t.alone).toFixed(2)} ms`);
  console.log(`with this thread on the fed graph too: pair ${median(t.fedPair).toFixed(2)} ms (its own perturbation ${median(t.ownPerturb).toFixed(2)} ms)`);
  await fedSession.release();
  await worker.close();
  await session.release();
})();
