/**
 * `helene-studio export <run folder>`: the run's newest checkpoint → a standalone fine-tuned ONNX
 * model (export-model.ts), written with the tokenizer files beside it so the folder loads like the
 * original export (for text models).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeModel } from './model-io';
import { readModelStructure } from './model-structure';
import { hasExternalTensors, writeModelWithExternalData } from './write-external';
import { exportTunedModel } from './export-model';
import { readRunHeaderSync } from '../run/run-reader';
import { CheckpointError, loadLatestCheckpoint } from '../run/checkpoint';

export interface ExportedRun {
  file: string;
  step: number;
  written: string[];
  merged: string[];
  copied: string[];
}

export function exportRun(runDir: string, out?: string): ExportedRun {
  const dir = path.resolve(runDir);
  const snapshot = readRunHeaderSync(dir);
  if (!snapshot.manifest) throw new CheckpointError(`${runDir} is not a run folder (no run.json)`);
  const config = snapshot.manifest.config;
  const found = loadLatestCheckpoint(dir);
  if (!found) throw new CheckpointError(`${runDir} has no checkpoint to export (runs write one when they stop or finish)`);
  const trained = new Map<string, Float32Array>();
  for (const [key, values] of found.data.tensors) {
    if (key.startsWith('theta/') && values instanceof Float32Array) trained.set(key.slice('theta/'.length), values);
  }
  const modelPath = config.model.path;
  // Structure only: frozen weights are copied file to file, never held (model-structure.ts).
  const original = readModelStructure(modelPath);
  const lora = config.model.lora && config.model.lora.rank > 0 ? { rank: config.model.lora.rank, alpha: config.model.lora.alpha } : null;
  const result = exportTunedModel(original, trained, lora, path.basename(modelPath), path.dirname(modelPath));
  const file = path.resolve(out ?? path.join(dir, 'export', 'model.onnx'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // A model with weights of 1 MiB or more gets them in `<file>.data`, as exporters write big models.
  if (hasExternalTensors(result.model)) writeModelWithExternalData(result.model, file, path.dirname(modelPath));
  else writeModel(result.model, file);
  // Tokenizer files travel with a text model (from data.tokenizer, else the model's folder).
  const copied: string[] = [];
  const tokenizerDir = config.data.tokenizer ? (fs.existsSync(config.data.tokenizer) && fs.statSync(config.data.tokenizer).isFile() ? path.dirname(config.data.tokenizer) : config.data.tokenizer) : path.dirname(modelPath);
  for (const name of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) {
    const source = path.join(tokenizerDir, name);
    const target = path.join(path.dirname(file), name);
    if (fs.existsSync(source) && path.resolve(source) !== target) {
      fs.copyFileSync(source, target);
      copied.push(name);
    }
  }
  return { file, step: found.data.counters.step, written: result.written, merged: result.merged, copied };
}
