/**
 * Load the user's ONNX model and turn it into the training graph (trainables as theta/dir inputs,
 * per-example loss output). Errors name the model file.
 */
import * as path from 'node:path';
import { readModelStructure } from '../onnx/model-structure';
import { prepareTrainingGraph, type LossSpec, type TrainingGraph } from '../onnx/surgery';
import { embeddingRows, outputWidthFromGraph, positionRows } from '../onnx/model-facts';
import type { ModelConfig } from '../protocol';

export interface LoadedModel {
  graph: TrainingGraph;
  modelPath: string;
  /** Where the training graph's external-data references resolve (the model's directory). */
  externalDataDir: string;
  /** Class count read from the logits output's last dimension, when static. */
  classes: number | null;
  /** Rows of the embedding table that input_ids indexes (text models), when found. */
  vocabRows: number | null;
  /** Rows of the position-embedding table (the longest sequence the model can take), when found. */
  positionRows: number | null;
}

function lossSpec(model: ModelConfig): LossSpec {
  if (model.task === 'classification') return { kind: 'classification', logits: model.logitsOutput };
  if (model.task === 'causal-lm') return { kind: 'causal-lm', logits: model.logitsOutput };
  return { kind: 'output', output: model.lossOutput };
}

/** `seed` seeds LoRA's A initialisation (the run seed). */
export function loadTrainingModel(model: ModelConfig, seed = 0): LoadedModel {
  const modelPath = path.resolve(model.path);
  // Structure only: weights stay in the file (or its .data files) until a trainable is read into its
  // training buffer, and onnxruntime reads the frozen ones itself (session from `externalDataDir`).
  const onnx = readModelStructure(modelPath);
  // Messages name the model by its path: exports are all called model.onnx, the folder tells them apart.
  const modelName = modelPath;
  const graph = prepareTrainingGraph(onnx, {
    modelName,
    trainable: model.trainable,
    loss: lossSpec(model),
    extraOutputs: model.task === 'classification' ? [model.logitsOutput] : [],
    externalDataDir: path.dirname(modelPath),
    trainablePreset: model.trainablePreset ?? null,
    lora: model.lora && model.lora.rank > 0 ? { ...model.lora, seed } : null,
  });
  let classes: number | null = null;
  if (model.task === 'classification') {
    const logits = onnx.graph.output.find((o) => o.name === model.logitsOutput);
    const dims = logits?.type?.tensor_type?.shape?.dim ?? [];
    const last = dims[dims.length - 1];
    const value = last && (last as { dim_value?: number }).dim_value;
    // A symbolic class axis: the head's weight fixes it (else labels go unchecked and one out of
    // range fails inside onnxruntime mid-run).
    classes = typeof value === 'number' && value > 0 ? value : outputWidthFromGraph(onnx.graph, model.logitsOutput);
  }
  return { graph, modelPath, externalDataDir: path.dirname(modelPath), classes, vocabRows: embeddingRows(onnx), positionRows: positionRows(onnx) };
}
