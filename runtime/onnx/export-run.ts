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
import { exportInMemory, planExport, type TrainedTensors } from './export-model';
import { DEFAULT_INLINE_BELOW } from './model-structure';
import { readRunHeaderSync } from '../run/run-reader';
import { CheckpointError } from '../run/checkpoint';
import { openLatestCheckpoint } from '../run/checkpoint-reader';
import type { ResolvedConfig } from '../protocol';

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
  // Tensor by tensor from the checkpoint file (checkpoint-reader.ts): neither the checkpoint nor the
  // model is ever held whole, so models far above the machine's memory / 2 GiB export.
  const found = openLatestCheckpoint(dir);
  if (!found) throw new CheckpointError(`${runDir} has no checkpoint to export (runs write one when they stop or finish)`);
  try {
    const sizes = new Map([...found.sizes].filter(([key]) => key.startsWith('theta/')).map(([key, n]) => [key.slice('theta/'.length), n]));
    const trained: TrainedTensors = { sizes, read: (name) => found.readFloat32(`theta/${name}`) };
    const modelPath = config.model.path;
    // Structure only: frozen weights are copied file to file, never held (model-structure.ts).
    const original = readModelStructure(modelPath);
    const lora = config.model.lora && config.model.lora.rank > 0 ? { rank: config.model.lora.rank, alpha: config.model.lora.alpha } : null;
    const plan = planExport(original, trained, lora, path.basename(modelPath), path.dirname(modelPath));
    const file = path.resolve(out ?? path.join(dir, 'export', 'model.onnx'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // A model with weights of 1 MiB or more gets them in `<file>.data`, as exporters write big models.
    const big = hasExternalTensors(plan.model) || [...plan.deferred.keys()].some((name) => 4 * (sizes.get(name) ?? 0) >= DEFAULT_INLINE_BELOW);
    if (big) writeModelWithExternalData(plan.model, file, path.dirname(modelPath), DEFAULT_INLINE_BELOW, plan.deferred);
    else writeModel(exportInMemory(plan), file);
    return { file, step: found.header.counters.step, written: plan.written, merged: plan.merged, copied: copyTokenizer(config, modelPath, file) };
  } finally {
    found.close();
  }
}

/** Tokenizer files travel with a text model (from data.tokenizer, else the model's folder). */
function copyTokenizer(config: ResolvedConfig, modelPath: string, file: string): string[] {
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
  return copied;
}
