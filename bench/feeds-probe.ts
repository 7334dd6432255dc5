/**
 * Where the training forward's extra cost over an inference forward comes from (issue 17), on the
 * ~1 M text encoder at batch 16 × 64 tokens, per forward pass, at ORT intra-op threads 1 and 2:
 *   initializers   the inference model with its loss head (the two-forward limit's pass)
 *   inputs         the same graph with every trainable weight fed as an input (no perturbation)
 *   training       the training graph: theta and dir inputs, theta + scale·dir computed in the graph
 * Interleaved rounds, medians. Run: node --import tsx bench/feeds-probe.ts [rounds]
 */
import * as ort from 'onnxruntime-node';
import { cloneModel } from '../runtime/onnx/clone-model';
import { encodeModel } from '../runtime/onnx/model-io';
import { makeValueInfo } from '../runtime/onnx/value-info';
import { tensorToFloat32 } from '../runtime/onnx/tensor-data';
import { decodeModel } from '../runtime/onnx/model-io';
import { prepareTrainingGraph } from '../runtime/onnx/surgery';
import { createSession } from '../runtime/engine/provider';
import { buildTextEncoder, ISSUE17_ENCODER, probeBatch } from './text-encoder';
import { withClassificationLoss } from './setup';
import { median } from './stats';

const model = buildTextEncoder(ISSUE17_ENCODER);
const data = probeBatch();
const trainable = (name: string) => !name.startsWith('tf.');

function inputsVariant(): { bytes: Uint8Array; feeds: Record<string, ort.Tensor> } {
  const withLoss = decodeModel(withClassificationLoss(model, 'probe'));
  const m = cloneModel(withLoss);
  const feeds: Record<string, ort.Tensor> = { ...data };
  const keep = [];
  for (const t of m.graph.initializer) {
    if (!trainable(t.name ?? '') || t.data_type !== 1) {
      keep.push(t);
      continue;
    }
    const dims = (t.dims ?? []).map(Number);
    m.graph.input.push(makeValueInfo(t.name!, 'float', dims));
    feeds[t.name!] = new ort.Tensor('float32', tensorToFloat32(t), dims);
  }
  m.graph.initializer = keep;
  return { bytes: encodeModel(m), feeds };
}

function trainingVariant(): { bytes: Uint8Array; feeds: Record<string, ort.Tensor> } {
  const g = prepareTrainingGraph(model, { modelName: 'probe', trainable: ['^(?!tf\\.)'], loss: { kind: 'classification', logits: 'logits' } });
  const feeds: Record<string, ort.Tensor> = { ...data, [g.scaleInput]: new ort.Tensor('float32', Float32Array.of(1e-3), []) };
  for (const t of g.trainables) {
    feeds[t.thetaInput] = new ort.Tensor('float32', Float32Array.from(t.initial), t.shape);
    feeds[t.dirInput] = new ort.Tensor('float32', Float32Array.from({ length: t.size }, (_, j) => Math.sin(j)), t.shape);
  }
  return { bytes: g.bytes, feeds };
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const variants = [
    { name: 'initializers', bytes: withClassificationLoss(model, 'probe'), feeds: data as Record<string, ort.Tensor> },
    { name: 'weights as inputs', ...inputsVariant() },
    { name: 'training graph (theta, dir, scale)', ...trainingVariant() },
  ];
  for (const threads of [1, 2]) {
    const sessions = await Promise.all(variants.map(async (v) => ({ v, s: (await createSession({ model: v.bytes, requested: 'cpu', threads })).session, ms: [] as number[] })));
    for (const x of sessions) for (let w = 0; w < 3; w++) await x.s.run(x.v.feeds, ['loss']);
    for (let r = 0; r < rounds; r++) {
      for (const x of sessions) {
        for (let k = 0; k < 4; k++) {
          const t0 = performance.now();
          await x.s.run(x.v.feeds, ['loss']);
          x.ms.push(performance.now() - t0);
        }
      }
    }
    const base = median(sessions[0]!.ms);
    for (const x of sessions) console.log(`threads ${threads}  ${x.v.name.padEnd(36)} ${median(x.ms).toFixed(2).padStart(7)} ms  min ${Math.min(...x.ms).toFixed(2).padStart(7)}  ×${(median(x.ms) / base).toFixed(2)}`);
    for (const x of sessions) await x.s.release();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
