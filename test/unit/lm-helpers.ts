/**
 * Shared by the lm-* tests: fixture paths, running a prepared training graph and an inference model
 * through onnxruntime, and the per-example losses computed directly from logits (float64, in JS).
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { TrainingGraph } from '../../runtime/onnx/surgery';

export const LM_FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'lm');
export const ENCODER_DIR = path.join(LM_FIXTURES, 'tiny-encoder');
export const GPT_DIR = path.join(LM_FIXTURES, 'tiny-gpt');
export const TRAPS_DIR = path.join(LM_FIXTURES, 'torch-traps');

export function readJson<T = any>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export const int64Tensor = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
export const int64Vector = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), [values.length]);

export async function runBytes(model: Uint8Array | string, feeds: Record<string, ort.Tensor>, fetch?: string[]): Promise<Record<string, ort.Tensor>> {
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  try {
    return await (fetch ? session.run(feeds, fetch) : session.run(feeds));
  } finally {
    await session.release();
  }
}

/** Run a training graph at theta (scale 0); `theta` overrides some trainables' values. */
export async function runTrainingGraph(graph: TrainingGraph, data: Record<string, ort.Tensor>, theta: Map<string, Float32Array> = new Map(), fetch?: string[]): Promise<Record<string, ort.Tensor>> {
  const feeds: Record<string, ort.Tensor> = { ...data, zo_scale: new ort.Tensor('float32', new Float32Array([0]), []) };
  for (const t of graph.trainables) {
    feeds[t.thetaInput] = new ort.Tensor('float32', theta.get(t.name) ?? t.initial, t.shape);
    feeds[t.dirInput] = new ort.Tensor('float32', new Float32Array(t.size), t.shape);
  }
  return runBytes(graph.bytes, feeds, fetch ?? graph.outputNames);
}

/** Shifted causal-LM cross-entropy per example, mean over labels != -100, from logits [B, S, V]. */
export function causalLossFromLogits(logits: Float32Array, dims: readonly number[], labels: number[][]): number[] {
  const [batch, seq, vocab] = dims as number[];
  const out: number[] = [];
  for (let b = 0; b < batch; b++) {
    let sum = 0;
    let count = 0;
    for (let t = 0; t + 1 < seq; t++) {
      const label = labels[b][t + 1];
      if (label === -100) continue;
      const row = logits.subarray((b * seq + t) * vocab, (b * seq + t + 1) * vocab);
      let max = -Infinity;
      for (const v of row) max = Math.max(max, v);
      let z = 0;
      for (const v of row) z += Math.exp(v - max);
      sum += max + Math.log(z) - row[label];
      count++;
    }
    out.push(sum / Math.max(count, 1));
  }
  return out;
}

export function classificationLossFromLogits(logits: Float32Array, classes: number, labels: number[]): number[] {
  return labels.map((label, b) => {
    const row = logits.subarray(b * classes, (b + 1) * classes);
    const max = Math.max(...row);
    const z = row.reduce((a, v) => a + Math.exp(v - max), 0);
    return max + Math.log(z) - row[label];
  });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Deterministic small values for adapter matrices in tests. */
export function testValues(count: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}
