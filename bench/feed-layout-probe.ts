/**
 * Issue 17, "fewer, larger feeds": what onnxruntime-node does with the trainables' feeds, tested
 * for real on the ~1 M text encoder's training graph (54 trainables: 108 tensors + the scale):
 *   1. views   every theta and dir a Float32Array view (with a byteOffset) into ONE flat
 *              ArrayBuffer each, against one ArrayBuffer per tensor: accepted? same losses, bit for bit?
 *   2. outputs a pre-allocated loss tensor passed as the fetch (no output allocation per run): accepted?
 *   3. per feed what one more fed tensor costs a run (a Sum of N one-element inputs, N = 1 vs 109)
 *   4. heap    bytes allocated on the JS heap per run (new-space growth between runs without a GC)
 * Run: node --import tsx bench/feed-layout-probe.ts [runs]
 */
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../runtime/onnx/graph-builder';
import { encodeModel } from '../runtime/onnx/model-io';
import { prepareTrainingGraph } from '../runtime/onnx/surgery';
import { createSession } from '../runtime/engine/provider';
import { buildTextEncoder, ISSUE17_ENCODER } from './text-encoder';
import { median } from './stats';
import { youngGenerationBytes } from '../runtime/run/step-profiler';

const B = 16;
const S = 64;
const runs = Number(process.argv[2] ?? 20);

function data(): Record<string, ort.Tensor> {
  const ids = BigInt64Array.from({ length: B * S }, (_, i) => BigInt((i * 7919) % ISSUE17_ENCODER.vocab));
  return {
    input_ids: new ort.Tensor('int64', ids, [B, S]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(B * S).fill(1n), [B, S]),
    labels: new ort.Tensor('int64', BigInt64Array.from({ length: B }, (_, i) => BigInt(i % 2)), [B]),
  };
}

/** JS heap bytes fn allocates (young generation, as the step profiler measures it): median of 20 calls without a scavenge, after 50 warm-up calls. */
async function heapBytes(fn: () => Promise<unknown>): Promise<number> {
  for (let w = 0; w < 50; w++) await fn();
  const samples: number[] = [];
  for (let k = 0; k < 60 && samples.length < 20; k++) {
    const before = youngGenerationBytes();
    await fn();
    const grown = youngGenerationBytes() - before;
    if (grown >= 0) samples.push(grown);
  }
  return samples.length ? median(samples) : NaN;
}

async function timeRuns(run: () => Promise<unknown>): Promise<{ median: number; min: number }> {
  for (let w = 0; w < 3; w++) await run();
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  return { median: median(ms), min: Math.min(...ms) };
}

async function viewsAndOutputs(): Promise<void> {
  const g = prepareTrainingGraph(buildTextEncoder(ISSUE17_ENCODER), { modelName: 'probe', trainable: ['^(?!tf\\.)'], loss: { kind: 'classification', logits: 'logits' } });
  const session = (await createSession({ model: g.bytes, requested: 'cpu', threads: 2 })).session;
  const total = g.trainables.reduce((a, t) => a + t.size, 0);
  const flatTheta = new Float32Array(total);
  const flatDir = new Float32Array(total);
  const separate: Record<string, ort.Tensor> = { ...data(), [g.scaleInput]: new ort.Tensor('float32', Float32Array.of(1e-3), []) };
  const views: Record<string, ort.Tensor> = { ...separate };
  let offset = 0;
  for (const t of g.trainables) {
    const dir = Float32Array.from({ length: t.size }, (_, j) => Math.sin(j + offset));
    separate[t.thetaInput] = new ort.Tensor('float32', Float32Array.from(t.initial), t.shape);
    separate[t.dirInput] = new ort.Tensor('float32', dir, t.shape);
    const tv = flatTheta.subarray(offset, offset + t.size);
    const dv = flatDir.subarray(offset, offset + t.size);
    tv.set(t.initial);
    dv.set(dir);
    views[t.thetaInput] = new ort.Tensor('float32', tv, t.shape);
    views[t.dirInput] = new ort.Tensor('float32', dv, t.shape);
    offset += t.size;
  }
  const withOffset = g.trainables.filter((_, i) => i > 0).length;
  let viewLoss: Float32Array | null = null;
  let viewError: string | null = null;
  try {
    viewLoss = (await session.run(views, ['loss'])).loss!.data as Float32Array;
  } catch (e) {
    viewError = (e as Error).message;
  }
  const sepLoss = (await session.run(separate, ['loss'])).loss!.data as Float32Array;
  console.log(`1. views into one flat buffer (${g.trainables.length * 2} tensors, ${withOffset * 2} with byteOffset > 0): ${viewError ? `REFUSED: ${viewError}` : `accepted; losses bit-equal to separate buffers: ${viewLoss!.every((v, i) => Object.is(v, sepLoss[i]))}`}`);
  const tSep = await timeRuns(() => session.run(separate, ['loss']));
  const tView = viewError ? null : await timeRuns(() => session.run(views, ['loss']));
  console.log(`   one forward, ms median/min: separate ${tSep.median.toFixed(2)}/${tSep.min.toFixed(2)}${tView ? `, views ${tView.median.toFixed(2)}/${tView.min.toFixed(2)}` : ''}`);

  const out = new ort.Tensor('float32', new Float32Array(B), [B]);
  let outError: string | null = null;
  let same = false;
  let intoOurs = false;
  try {
    const r = await session.run(separate, { loss: out });
    intoOurs = r.loss!.data === out.data;
    same = (r.loss!.data as Float32Array).every((v, i) => Object.is(v, sepLoss[i]));
  } catch (e) {
    outError = (e as Error).message;
  }
  console.log(`2. pre-allocated loss output: ${outError ? `REFUSED: ${outError}` : `accepted; returned our buffer: ${intoOurs}; same values: ${same}`}`);
  const heapPlain = await heapBytes(() => session.run(separate, ['loss']));
  const heapOut = outError ? NaN : await heapBytes(() => session.run(separate, { loss: out }));
  console.log(`4. JS heap bytes allocated per run (median of 20, after 50 warm-up runs): fetch by name ${heapPlain}, pre-allocated output ${heapOut}`);
  await session.release();
}

async function perFeed(): Promise<void> {
  const sumOf = async (n: number) => {
    const b = new GraphBuilder();
    const names = Array.from({ length: n }, (_, i) => b.input(`x${i}`, 'float', [1]));
    b.node('Sum', names, ['y']);
    b.output('y', 'float', [1]);
    const session = (await createSession({ model: encodeModel(b.build()), requested: 'cpu', threads: 2 })).session;
    const feeds = Object.fromEntries(names.map((x) => [x, new ort.Tensor('float32', Float32Array.of(1), [1])]));
    const t = await timeRuns(() => session.run(feeds, ['y']));
    const heap = await heapBytes(() => session.run(feeds, ['y']));
    await session.release();
    return { ...t, heap };
  };
  const one = await sumOf(1);
  const many = await sumOf(109);
  console.log(`3. a run with 1 vs 109 fed tensors: ${(one.median * 1000).toFixed(0)} vs ${(many.median * 1000).toFixed(0)} µs median (min ${(one.min * 1000).toFixed(0)} vs ${(many.min * 1000).toFixed(0)}): ~${(((many.median - one.median) * 1000) / 108).toFixed(2)} µs per extra feed; JS heap bytes per run ${one.heap} vs ${many.heap}`);
}

async function main(): Promise<void> {
  await viewsAndOutputs();
  await perFeed();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
