/**
 * Issue 17 probe: can onnxruntime itself run a step's two passes side by side? One graph holding both
 * passes (every node twice, the second copy reading −zo_scale) run with the parallel executor
 * (inter-op threads 2) against the training graph run twice in a row with 2 intra-op threads, on the
 * ~1 M text encoder. Measured on 2 cores: the parallel executor is 1.22-1.35x slower, so the
 * concurrent passes use a worker thread with a session of its own (runtime/engine/concurrent-passes.ts).
 *   node --import tsx bench/pair-probe.ts [rounds]
 */
import * as ort from 'onnxruntime-node';
import { cloneModel } from '../runtime/onnx/clone-model';
import { encodeModel } from '../runtime/onnx/model-io';
import { makeValueInfo } from '../runtime/onnx/value-info';
import { prepareTrainingGraph } from '../runtime/onnx/surgery';
import { buildTextEncoder, ISSUE17_ENCODER, probeBatch } from './text-encoder';
import { median } from './stats';

const model = buildTextEncoder(ISSUE17_ENCODER);
const data = probeBatch();
const g = prepareTrainingGraph(model, { modelName: 'probe', trainable: ['^(?!tf\\.)'], loss: { kind: 'classification', logits: 'logits' } });
const feeds: Record<string, ort.Tensor> = { ...data, zo_scale: new ort.Tensor('float32', Float32Array.of(1e-3), []) };
for (const t of g.trainables) {
  feeds[t.thetaInput] = new ort.Tensor('float32', Float32Array.from(t.initial), t.shape);
  feeds[t.dirInput] = new ort.Tensor('float32', Float32Array.from({ length: t.size }, (_, j) => Math.sin(j)), t.shape);
}
// Pair graph: every node twice; branch b reads -scale.
const pair = cloneModel(g.model);
const graphInputs = new Set([...pair.graph.input.map((i) => i.name!), ...pair.graph.initializer.map((i) => i.name!)]);
const rn = (v: string) => (v === '' || graphInputs.has(v) ? v : `${v}#b`);
const bNodes = g.model.graph.node.map((n) => ({ ...n, name: `${n.name}#b`, input: n.input.map((v) => (v === 'zo_scale' ? 'zo_scale#neg' : rn(v))), output: n.output.map(rn) }));
pair.graph.node = [{ op_type: 'Neg', name: 'neg_scale', input: ['zo_scale'], output: ['zo_scale#neg'] }, ...pair.graph.node, ...bNodes];
pair.graph.output = [...pair.graph.output.filter((o) => o.name === 'loss'), ...pair.graph.output.filter((o) => o.name === 'loss').map((o) => ({ ...o, name: 'loss#b' }))];
const pairBytes = encodeModel(pair);

async function session(bytes: Uint8Array, intra: number, inter: number, parallel: boolean) {
  return ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', enableMemPattern: false, intraOpNumThreads: intra, interOpNumThreads: inter, executionMode: parallel ? 'parallel' : 'sequential', logSeverityLevel: 3, extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } });
}
async function main() {
  const rounds = Number(process.argv[2] ?? 10);
  const single2 = await session(g.bytes, 2, 1, false);
  const variants: { name: string; s: ort.InferenceSession; pairRun: boolean }[] = [
    { name: 'single graph x2 runs, intra 2', s: single2, pairRun: false },
    { name: 'pair graph, parallel, intra 1 inter 2', s: await session(pairBytes, 1, 2, true), pairRun: true },
    { name: 'pair graph, parallel, intra 2 inter 2', s: await session(pairBytes, 2, 2, true), pairRun: true },
    { name: 'pair graph, sequential, intra 2', s: await session(pairBytes, 2, 1, false), pairRun: true },
  ];
  const a = (await single2.run(feeds, ['loss'])).loss.data as Float32Array;
  const p = await variants[1].s.run(feeds, ['loss', 'loss#b']);
  feeds.zo_scale = new ort.Tensor('float32', Float32Array.of(-1e-3), []);
  const bm = (await single2.run(feeds, ['loss'])).loss.data as Float32Array;
  feeds.zo_scale = new ort.Tensor('float32', Float32Array.of(1e-3), []);
  console.log('bit-equal +', a.every((x, i) => x === (p.loss.data as Float32Array)[i]), 'bit-equal -', bm.every((x, i) => x === (p['loss#b'].data as Float32Array)[i]));
  const ms = variants.map(() => [] as number[]);
  for (const v of variants) for (let w = 0; w < 3; w++) await v.s.run(feeds, v.pairRun ? ['loss', 'loss#b'] : ['loss']);
  for (let r = 0; r < rounds; r++) {
    for (const [k, v] of variants.entries()) {
      for (let i = 0; i < 4; i++) {
        const t0 = performance.now();
        if (v.pairRun) await v.s.run(feeds, ['loss', 'loss#b']);
        else { await v.s.run(feeds, ['loss']); await v.s.run(feeds, ['loss']); }
        ms[k].push(performance.now() - t0);
      }
    }
  }
  const base = median(ms[0]);
  for (const [k, v] of variants.entries()) console.log(`${v.name.padEnd(42)} ${median(ms[k]).toFixed(2)} ms  min ${Math.min(...ms[k]).toFixed(2)}  x${(median(ms[k]) / base).toFixed(2)}`);
}
main().catch((e) => { console.error(e); process.exit(1); });
