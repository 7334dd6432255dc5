/**
 * Everything a benchmark needs from one BenchModel, prepared exactly as a run prepares it: the
 * training graph (trainables as `::theta`/`::dir` inputs, in-graph perturbation, loss head) with its
 * TrainingEngine, and the inference-only reference (the same model and loss head, weights baked in
 * as initializers, so ORT may prepack them) that step times are divided by.
 */
import * as ort from 'onnxruntime-node';
import { attachLoss } from '../runtime/onnx/loss-head';
import { cloneModel } from '../runtime/onnx/clone-model';
import { encodeModel } from '../runtime/onnx/model-io';
import { defaultOpsetVersion, prepareTrainingGraph, type TrainingGraph } from '../runtime/onnx/surgery';
import { createSession } from '../runtime/engine/provider';
import { TrainingEngine } from '../runtime/engine/training-engine';
import type { TrainableLayer } from '../runtime/optim/optimizer';
import type { RequestedProvider } from '../runtime/protocol';
import type { OnnxModel } from '../runtime/onnx/onnx-types';
import { BENCH_TRAINABLE, type BenchModel } from './models';

export interface EngineSettings {
  provider: RequestedProvider;
  threads: number;
  kernelThreads: number;
}

export type Feeds = Record<string, ort.Tensor>;

export function toFeeds(model: BenchModel, seed: number): Feeds {
  const out: Feeds = {};
  for (const [name, f] of Object.entries(model.batchFeeds(seed))) out[name] = new ort.Tensor(f.type, f.data, f.dims);
  return out;
}

export function trainingGraph(model: BenchModel): TrainingGraph {
  return prepareTrainingGraph(model.build(), {
    modelName: model.id,
    trainable: BENCH_TRAINABLE,
    lora: model.lora ? { ...model.lora, alsoTrain: [], seed: 1 } : null,
    loss: { kind: 'classification', logits: 'logits' },
  });
}

/** The inference-only model: same graph and loss head, weights as initializers (for a LoRA variant: the base model, no adapters). */
export function inferenceModelBytes(model: BenchModel): Uint8Array {
  return withClassificationLoss(model.build(), model.id);
}

/** A classifier (output `logits`) with the per-example loss head attached (input `labels`, output `loss`), encoded. */
export function withClassificationLoss(model: OnnxModel, name: string): Uint8Array {
  const onnx = cloneModel(model);
  const graph = onnx.graph;
  const usedNames = new Set<string>([...graph.input.map((i) => i.name ?? ''), ...graph.initializer.map((t) => t.name ?? ''), ...graph.node.flatMap((n) => [...n.input, ...n.output])]);
  attachLoss({ modelName: name, graph, opset: defaultOpsetVersion(onnx, name), usedNames }, { kind: 'classification', logits: 'logits' });
  return encodeModel(onnx);
}

export function layersOf(graph: TrainingGraph): TrainableLayer[] {
  return graph.trainables.map((t) => {
    const theta = new Float32Array(t.size);
    theta.set(t.initial);
    return { name: t.name, shape: t.shape, size: t.size, rank: t.rank, theta, dir: new Float32Array(t.size) };
  });
}

export async function trainingEngine(graph: TrainingGraph, layers: TrainableLayer[], settings: EngineSettings, profileDir: string): Promise<TrainingEngine> {
  const byName = new Map(graph.trainables.map((t) => [t.name, t]));
  const engine = await TrainingEngine.create(
    {
      model: graph.bytes,
      lossOutput: graph.lossOutput,
      scaleInput: graph.scaleInput,
      thetaInput: (n) => byName.get(n)!.thetaInput,
      dirInput: (n) => byName.get(n)!.dirInput,
    },
    layers,
    { provider: settings.provider, threads: settings.threads, kernelThreads: settings.kernelThreads, profileDir },
  );
  return engine;
}

/** An inference session with the same options the engine uses (threads, no spinning, provider). */
export async function inferenceSession(bytes: Uint8Array, settings: EngineSettings): Promise<ort.InferenceSession> {
  const choice = await createSession({ model: bytes, requested: settings.provider, threads: settings.threads });
  return choice.session;
}
