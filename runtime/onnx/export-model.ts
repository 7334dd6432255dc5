/**
 * The fine-tuned model as a standalone ONNX file: the user's original graph (so its inputs and
 * outputs are the ones they exported; the appended loss, labels input and theta/dir/zo_scale inputs
 * never appear), with the trained values written back into the initializers and LoRA merged into
 * the base weights (W + alpha/r · B A, computed in float64 and rounded once).
 *
 * The same graph preparation as training runs first (untying torch's Identity aliases), so a
 * trained alias lands in its own initializer exactly as it was trained.
 */
import type { OnnxModel } from './onnx-types';
import { cloneModel } from './clone-model';
import { makeFloatTensor, tensorElementCount } from './tensor-data';
import { readTensorFloat32 } from './tensor-reader';
import { DataType, type TensorProto } from './onnx-types';
import { encode16 } from './half-precision';

/** Trained float32 values in the type the model stored the weight in (float16 / bfloat16 rounded to nearest even). */
function storedTensor(name: string, dims: number[], values: Float32Array, dataType: number): TensorProto {
  if (dataType !== DataType.FLOAT16 && dataType !== DataType.BFLOAT16) {
    if (values.length !== dims.reduce((a, b) => a * b, 1)) return makeFloatTensor(name, dims, values); // throws, naming it
    // A view, not a copy: the trained values are not edited after this, and a copy would hold the model twice.
    return { name, dims, data_type: DataType.FLOAT, raw_data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
  }
  return { name, dims, data_type: dataType, raw_data: encode16(values, dataType === DataType.BFLOAT16) };
}
import { untieInitializerAliases } from './torch-traps';
import { loraNames, mergeLora } from './lora';

export interface LoraExportSpec {
  rank: number;
  alpha: number;
}

/** Trained tensors by name, read one at a time (a checkpoint on disk, checkpoint-reader.ts, or a Map). */
export interface TrainedTensors {
  /** Element count of each trained tensor (what the checkpoint's header says). */
  sizes: Map<string, number>;
  /** A fresh array: the export holds it only while it writes that tensor. */
  read(name: string): Float32Array;
}

export function trainedInMemory(values: Map<string, Float32Array>): TrainedTensors {
  return { sizes: new Map([...values].map(([k, v]) => [k, v.length])), read: (name) => values.get(name)! };
}

export interface ExportResult {
  model: OnnxModel;
  /** Initializers whose values changed (trained in full, or merged with an adapter). */
  written: string[];
  /** Base weights that received a merged LoRA update. */
  merged: string[];
}

/**
 * The export with its written tensors not yet made: `model` holds them as placeholders (name, dims,
 * type, no data) and `deferred` makes each one's bytes when asked, so a writer can go tensor by
 * tensor (write-external.ts) and never hold the checkpoint or the model at once.
 */
export interface ExportPlan extends ExportResult {
  deferred: Map<string, () => TensorProto>;
}

/**
 * `trained` maps trainable names (as the training graph had them: initializer names, or
 * `<weight>.lora_A` / `.lora_B`) to their values. Every name must be accounted for (checked here,
 * before anything is read).
 */
export function planExport(
  original: OnnxModel,
  trained: TrainedTensors,
  lora: LoraExportSpec | null,
  modelName: string,
  /** The model's directory, for base weights that stay in external data (model-structure.ts). */
  baseDir?: string,
): ExportPlan {
  const model = cloneModel(original);
  const graph = model.graph;
  untieInitializerAliases(graph);
  const byName = new Map(graph.initializer.map((t, i) => [t.name ?? '', i]));
  const written: string[] = [];
  const merged: string[] = [];
  const deferred = new Map<string, () => TensorProto>();
  const pending = new Map(trained.sizes);
  const placeholder = (tensor: TensorProto, dims: number[]): TensorProto => ({ name: tensor.name, dims, data_type: tensor.data_type ?? DataType.FLOAT });

  // LoRA pairs first: merge B A into the base weight (which may itself have been trained in full).
  for (const name of [...pending.keys()]) {
    if (!name.endsWith('.lora_A')) continue;
    const weight = name.slice(0, -'.lora_A'.length);
    const n = loraNames(weight);
    const aSize = pending.get(n.a)!;
    const bSize = pending.get(n.b);
    if (bSize === undefined) throw new Error(`${modelName}: the trained tensors have ${n.a} but not ${n.b}`);
    if (!lora || lora.rank < 1) throw new Error(`${modelName}: the trained tensors hold LoRA adapters but the configuration has no model.lora.rank`);
    const index = byName.get(weight);
    if (index === undefined) throw new Error(`${modelName} has no initializer '${weight}' to merge the adapter ${n.a} into`);
    const tensor = graph.initializer[index];
    const [d0, d1] = (tensor.dims ?? []) as [number, number];
    if (aSize !== lora.rank * d1 || bSize !== d0 * lora.rank) {
      throw new Error(`${modelName}: adapter sizes for '${weight}' [${d0}, ${d1}] do not fit rank ${lora.rank} (A has ${aSize}, B has ${bSize} values)`);
    }
    const baseTrained = pending.has(weight);
    pending.delete(weight);
    pending.delete(n.a);
    pending.delete(n.b);
    graph.initializer[index] = placeholder(tensor, [d0, d1]);
    // A float16 / bfloat16 base gets the merged weight back in its stored type (rounded once from float32).
    deferred.set(weight, () => {
      const base = baseTrained ? trained.read(weight) : readTensorFloat32(tensor, baseDir, `${modelName}: `);
      return storedTensor(weight, [d0, d1], mergeLora(base, trained.read(n.a), trained.read(n.b), d0, d1, lora.rank, lora.alpha / lora.rank), tensor.data_type ?? DataType.FLOAT);
    });
    merged.push(weight);
    written.push(weight);
  }
  for (const [name, size] of pending) {
    const index = byName.get(name);
    if (index === undefined) throw new Error(`${modelName} has no initializer '${name}', which the trained tensors hold: was the run trained on another model?`);
    const tensor = graph.initializer[index];
    if (tensorElementCount(tensor) !== size) throw new Error(`${modelName}: initializer '${name}' has ${tensorElementCount(tensor)} values, the trained tensor ${size}`);
    const dims = [...(tensor.dims ?? [])];
    graph.initializer[index] = placeholder(tensor, dims);
    deferred.set(name, () => storedTensor(name, dims, trained.read(name), tensor.data_type ?? DataType.FLOAT));
    written.push(name);
  }
  model.producer_name = 'helene-studio';
  return { model, written, merged, deferred };
}

/** The planned model with every deferred tensor made (small models: it is encoded in memory anyway). */
export function exportInMemory(plan: ExportPlan): OnnxModel {
  plan.model.graph.initializer = plan.model.graph.initializer.map((t) => plan.deferred.get(t.name ?? '')?.() ?? t);
  return plan.model;
}

/** The whole export in memory (small models, tests). */
export function exportTunedModel(original: OnnxModel, trained: Map<string, Float32Array> | TrainedTensors, lora: LoraExportSpec | null, modelName: string, baseDir?: string): ExportResult {
  const plan = planExport(original, trained instanceof Map ? trainedInMemory(trained) : trained, lora, modelName, baseDir);
  return { model: exportInMemory(plan), written: plan.written, merged: plan.merged };
}
