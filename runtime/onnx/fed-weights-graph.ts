/**
 * The training graph with its perturbation taken out: each trainable's perturbed value
 * (`theta + zo_scale * dir`, surgery.ts) becomes a graph input of its own, fed with weights the host
 * perturbed already. The concurrent-pass worker (engine/pass-worker.ts) runs the −eps pass on this
 * graph while the main thread runs the +eps pass on the training graph; both see the same float32
 * weights (host-perturbation.ts computes exactly what the graph's Mul and Add compute).
 *
 * Everything after the perturbation is untouched: a half-precision trainable keeps its Cast to the
 * stored type, so the fed input is float32 in both graphs.
 */
import type { OnnxModel } from './onnx-types';
import { cloneModel } from './clone-model';
import { makeValueInfo, valueInfoDims } from './value-info';

export interface PerturbedTrainable {
  name: string;
  thetaInput: string;
  dirInput: string;
}

export interface FedWeightsGraph {
  model: OnnxModel;
  /** Per trainable (same order as given): the input that takes its perturbed float32 weights. */
  weightInputs: string[];
}

/**
 * Finds each trainable's `Mul(dir, scale)` → `Add(theta, ·)` pair by its inputs (not by node names,
 * which an edited graph may have lost) and replaces both by an input named like the Add's output.
 * Throws, naming the tensor, when a trainable's perturbation is not that pair: the caller then keeps
 * the sequential passes.
 */
export function fedWeightsGraph(training: OnnxModel, trainables: readonly PerturbedTrainable[], scaleInput: string): FedWeightsGraph {
  const model = cloneModel(training);
  const graph = model.graph;
  const removed = new Set<number>();
  const weightInputs: string[] = [];
  const fedInputs = [];
  for (const t of trainables) {
    const mulIndex = graph.node.findIndex((n) => n.op_type === 'Mul' && n.input.length === 2 && n.input[0] === t.dirInput && n.input[1] === scaleInput);
    const step = mulIndex >= 0 ? graph.node[mulIndex]!.output[0] : undefined;
    const addIndex = step === undefined ? -1 : graph.node.findIndex((n) => n.op_type === 'Add' && n.input[0] === t.thetaInput && n.input[1] === step);
    if (mulIndex < 0 || addIndex < 0) throw new Error(`trainable '${t.name}' is not perturbed by Mul(dir, scale) and Add(theta, ·) in the training graph`);
    const thetaInfo = graph.input.find((i) => i.name === t.thetaInput);
    const dims = thetaInfo ? valueInfoDims(thetaInfo) : undefined;
    if (!dims || dims.some((d) => d === undefined)) throw new Error(`trainable '${t.name}': the training graph's input '${t.thetaInput}' has no full shape`);
    const perturbed = graph.node[addIndex]!.output[0]!;
    removed.add(mulIndex).add(addIndex);
    weightInputs.push(perturbed);
    fedInputs.push(makeValueInfo(perturbed, 'float', dims as (string | number)[]));
  }
  const dropped = new Set([scaleInput, ...trainables.flatMap((t) => [t.thetaInput, t.dirInput])]);
  graph.node = graph.node.filter((_, i) => !removed.has(i));
  // A graph that still reads the scale elsewhere (nothing surgery.ts makes does) cannot drop it.
  const stillRead = graph.node.some((n) => n.input.some((v) => dropped.has(v)));
  if (stillRead) throw new Error('the training graph reads zo_scale, theta or dir outside the perturbation');
  graph.input = [...graph.input.filter((i) => !dropped.has(i.name ?? '')), ...fedInputs];
  return { model, weightInputs };
}
