/**
 * prepareTrainingGraph: turns an inference model into the graph the ZO engine runs.
 *
 * Perturbation happens inside the graph (the chosen design; ~0.7 ns/element on CPU, field notes):
 * each trainable initializer T becomes two float inputs, `T::theta` and `T::dir`, plus one shared
 * scalar input `zo_scale`, and the graph computes T = T::theta + zo_scale * T::dir before anything
 * consumes T. The runtime feeds theta and the direction buffer as Float32Arrays (ORT does not copy
 * inputs) and a scale of +eps, -eps or 0, so theta itself is never modified by a perturbation and
 * stays bitwise exact across the ± passes. Every other initializer stays a frozen initializer,
 * untouched. The loss head (loss-head.ts) makes `loss` [batch] the main output.
 */
import { AttributeType, DataType, type GraphProto, type OnnxModel, type TensorProto } from './onnx-types';
import { cloneModel } from './clone-model';
import { encodeModel } from './model-io';
import { isExternalTensor, tensorElementCount } from './tensor-data';
import { readTensorFloat32 } from './tensor-reader';
import { makeValueInfo } from './value-info';
import { attachLoss, LOSS_OUTPUT, type LossSpec } from './loss-head';
import { prepareTrainables, type TrainableChoice } from './prepare-trainables';
import type { UntiedAlias } from './torch-traps';
import type { LoraAdapter } from './lora';
import { feedCacheInputsInGraph, type CacheInputs } from './cache-inputs';

export { LOSS_OUTPUT, type LossSpec } from './loss-head';

export const SCALE_INPUT = 'zo_scale';
export const thetaInputName = (tensorName: string): string => `${tensorName}::theta`;
export const dirInputName = (tensorName: string): string => `${tensorName}::dir`;
const stepValueName = (tensorName: string): string => `${tensorName}::step`;

// Mul and Add with numpy broadcasting (scalar zo_scale) exist from opset 7.
const MIN_OPSET = 7;

export interface TrainingGraphOptions {
  /** Used in every error message. */
  modelName: string;
  /** Regex sources (search semantics) selecting trainable initializers by name. */
  trainable: string[];
  loss: LossSpec;
  /** Original outputs to keep after `loss` (e.g. 'logits' for accuracy during evaluation). */
  extraOutputs?: string[];
  /** Directory of the model file: needed only when a trainable initializer keeps external data. */
  externalDataDir?: string;
  /** A preset instead of `trainable` (prepare-trainables.ts). */
  trainablePreset?: TrainableChoice['preset'];
  /** LoRA adapters; when set (rank >= 1) only they and lora.alsoTrain are trained. */
  lora?: TrainableChoice['lora'];
}

export interface TrainableTensor {
  /** The initializer's original name (the value the graph consumes). */
  name: string;
  shape: number[];
  size: number;
  rank: number;
  /** The initializer's values: a fresh Float32Array the caller owns (the trainer feeds it as theta). */
  initial: Float32Array;
  thetaInput: string;
  dirInput: string;
  /** The type the model stores it in (DataType): FLOAT, or FLOAT16 / BFLOAT16 trained through a float32 master copy. */
  storedType: number;
}

export interface TrainingGraph {
  model: OnnxModel;
  bytes: Uint8Array;
  /** In the graph's initializer order. */
  trainables: TrainableTensor[];
  /** Data inputs to feed on every run (e.g. x and labels, or a and y); not theta/dir/zo_scale. */
  inputNames: string[];
  /** Outputs of the edited graph: 'loss' first, then the extra outputs. */
  outputNames: string[];
  lossOutput: typeof LOSS_OUTPUT;
  scaleInput: typeof SCALE_INPUT;
  /** torch Identity aliases that were made initializers of their own (torch-traps.ts). */
  untiedAliases: UntiedAlias[];
  /** LoRA adapters inserted (empty without LoRA). */
  loraAdapters: LoraAdapter[];
  /** Decoder-export inputs made in the graph instead of fed (cache-inputs.ts). */
  cacheInputs: CacheInputs;
}

/** Default-domain ('' or 'ai.onnx') opset version of a model. */
export function defaultOpsetVersion(model: OnnxModel, modelName: string): number {
  const entry = model.opset_import.find((opset) => !opset.domain || opset.domain === 'ai.onnx');
  if (!entry || entry.version === undefined) throw new Error(`${modelName} imports no default-domain ONNX opset`);
  return entry.version;
}

/** Every value name in the main graph (inputs, initializers, node inputs and outputs). */
function valueNames(graph: GraphProto): Set<string> {
  const names = new Set<string>();
  for (const input of graph.input) names.add(input.name ?? '');
  for (const tensor of graph.initializer) names.add(tensor.name ?? '');
  for (const node of graph.node) for (const name of [...node.input, ...node.output]) names.add(name);
  return names;
}

function initialValues(tensor: TensorProto, options: TrainingGraphOptions): Float32Array {
  if (isExternalTensor(tensor) && !options.externalDataDir) {
    throw new Error(`${options.modelName}: trainable initializer '${tensor.name}' keeps its data in an external file; pass externalDataDir (the model's directory)`);
  }
  // Straight from the file into the array the trainer feeds as theta (no intermediate copy).
  return readTensorFloat32(tensor, options.externalDataDir, `${options.modelName}: `);
}

export function prepareTrainingGraph(original: OnnxModel, options: TrainingGraphOptions): TrainingGraph {
  const { modelName } = options;
  const model = cloneModel(original);
  const graph = model.graph;
  const opset = defaultOpsetVersion(model, modelName);
  if (opset < MIN_OPSET) throw new Error(`${modelName} uses opset ${opset}; training needs opset >= ${MIN_OPSET}`);
  const logits = options.loss.kind === 'output' ? undefined : options.loss.logits;
  // Generation-only inputs (past_key_values.*, position_ids) are made in the graph (cache-inputs.ts).
  const cacheInputs = feedCacheInputsInGraph(graph, opset, modelName);
  const prepared = prepareTrainables(graph, { trainable: options.trainable, preset: options.trainablePreset, lora: options.lora, logits }, modelName, options.externalDataDir);
  const usedNames = valueNames(graph);

  const selected = prepared.selected;
  const trainables: TrainableTensor[] = selected.map((tensor) => {
    const name = tensor.name ?? '';
    for (const added of [thetaInputName(name), dirInputName(name), stepValueName(name)]) {
      if (usedNames.has(added)) throw new Error(`${modelName} already has a value named '${added}'; cannot make '${name}' trainable`);
    }
    const shape = [...(tensor.dims ?? [])];
    return {
      name,
      shape,
      size: tensorElementCount(tensor),
      rank: shape.length,
      initial: initialValues(tensor, options),
      thetaInput: thetaInputName(name),
      dirInput: dirInputName(name),
      storedType: tensor.data_type ?? DataType.FLOAT,
    };
  });
  if (usedNames.has(SCALE_INPUT)) throw new Error(`${modelName} already has a value named '${SCALE_INPUT}'`);

  // Trainables stop being initializers; old exporters also list initializers as graph inputs (drop those too).
  const trainableNames = new Set(trainables.map((t) => t.name));
  graph.initializer = graph.initializer.filter((tensor) => !trainableNames.has(tensor.name ?? ''));
  graph.input = graph.input.filter((input) => !trainableNames.has(input.name ?? ''));

  // Half-precision weights: theta and dir stay float32 (master weights); the perturbed value is cast
  // to the stored type, so the model's own nodes see the type they were exported with.
  const perturbationNodes = trainables.flatMap((t) => {
    const half = t.storedType !== DataType.FLOAT;
    const perturbed = half ? `${t.name}::perturbed` : t.name;
    return [
      { op_type: 'Mul', name: `zo/${t.name}/scale_dir`, input: [t.dirInput, SCALE_INPUT], output: [stepValueName(t.name)] },
      { op_type: 'Add', name: `zo/${t.name}/perturb`, input: [t.thetaInput, stepValueName(t.name)], output: [perturbed] },
      ...(half ? [{ op_type: 'Cast', name: `zo/${t.name}/to_stored`, input: [perturbed], output: [t.name], attribute: [{ name: 'to', type: AttributeType.INT, i: t.storedType }] }] : []),
    ];
  });
  // Prepended: nodes must be in topological order, and these only read graph inputs.
  graph.node = [...perturbationNodes, ...graph.node];

  const attached = attachLoss({ modelName, graph, opset, usedNames }, options.loss, options.extraOutputs);

  // Data inputs: what the graph still takes as input that is neither a frozen initializer nor ours.
  const frozen = new Set(graph.initializer.map((tensor) => tensor.name ?? ''));
  const inputNames = graph.input.map((input) => input.name ?? '').filter((name) => !frozen.has(name));

  for (const t of trainables) {
    graph.input.push(makeValueInfo(t.thetaInput, 'float', t.shape), makeValueInfo(t.dirInput, 'float', t.shape));
  }
  graph.input.push(makeValueInfo(SCALE_INPUT, 'float', []));

  return {
    model,
    bytes: encodeModel(model),
    trainables,
    inputNames,
    outputNames: attached.outputNames,
    lossOutput: LOSS_OUTPUT,
    scaleInput: SCALE_INPUT,
    untiedAliases: prepared.untiedAliases,
    loraAdapters: prepared.loraAdapters,
    cacheInputs,
  };
}
