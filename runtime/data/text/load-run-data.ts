/**
 * The one place the trainer asks for its datasets: text JSON lines for language models (the graph
 * takes input_ids, or the task is causal-lm), numeric JSON lines otherwise. Both give the same
 * `Dataset` shape, so batching, training and evaluation are unchanged.
 */
import * as path from 'node:path';
import type * as ort from 'onnxruntime-node';
import type { ResolvedConfig } from '../../protocol';
import { loadDataset, type Dataset, type InputSpec } from '../dataset';
import type { LineRules } from '../jsonl';
import { checkBatchSize, checkDataFile } from '../run-data-checks';
import { findTokenizerFiles, loadTokenizer } from './tokenizer';
import { loadTextDataset, type TextDataOptions } from './text-dataset';

export interface RunData {
  train: Dataset;
  evalSet: Dataset | null;
}

export interface ModelFacts {
  modelPath: string;
  /** Classes of the logits (classification), when static. */
  classes: number | null;
  /** Rows of the embedding table input_ids indexes, when found. */
  vocabRows: number | null;
  /** Rows of the position-embedding table, when found: the longest sequence the model can take. */
  positionRows?: number | null;
}

export function isTextRun(config: ResolvedConfig, inputs: ort.InferenceSession.ValueMetadata[]): boolean {
  const kind = config.data.kind ?? 'auto'; // run.json files written before text data have no data.kind
  if (kind !== 'auto') return kind === 'text';
  return config.model.task === 'causal-lm' || inputs.some((m) => m.name === 'input_ids');
}

export function loadRunData(
  config: ResolvedConfig,
  inputs: ort.InferenceSession.ValueMetadata[],
  model: ModelFacts,
  classes: { input: string; count: number } | undefined,
  numericSpecs: () => InputSpec[],
): RunData {
  const d = config.data;
  checkDataFile(d.train, 'data.train');
  if (d.eval) checkDataFile(d.eval, 'data.eval');
  const data = loadData(config, inputs, model, classes, numericSpecs);
  checkBatchSize(d.batchSize, data.train.size, d.train);
  return data;
}

function loadData(
  config: ResolvedConfig,
  inputs: ort.InferenceSession.ValueMetadata[],
  model: ModelFacts,
  classes: { input: string; count: number } | undefined,
  numericSpecs: () => InputSpec[],
): RunData {
  const d = config.data;
  const rules = lineRulesOf(d);
  if (!isTextRun(config, inputs)) {
    const specs = numericSpecs();
    return {
      train: loadDataset(d.train, specs, rules, classes),
      evalSet: d.eval ? loadDataset(d.eval, specs, rules, classes) : null,
    };
  }
  const location = d.tokenizer ?? path.dirname(model.modelPath);
  const tokenizer = loadTokenizer(findTokenizerFiles(location, d.tokenizer ? 'data.tokenizer' : `data.tokenizer is not set, so it is looked for beside the model ${path.basename(model.modelPath)}`));
  const ids = inputs.find((m) => m.name === 'input_ids');
  const seqDim = ids && ids.isTensor ? ids.shape[1] : undefined;
  const options: TextDataOptions = {
    task: config.model.task === 'causal-lm' ? 'causal-lm' : 'classification',
    tokenizer,
    // Longer sequences would index past the model's position embeddings: the tokenizer's
    // model_max_length says so when it is set right; the table itself when it can be found.
    maxLength: Math.min(d.maxLength, tokenizer.modelMaxLength ?? Infinity, model.positionRows ?? Infinity),
    fixedLength: typeof seqDim === 'number' && seqDim > 0 ? seqDim : null,
    textKey: d.textKey,
    labelKey: d.labelKey,
    promptKey: d.promptKey,
    completionKey: d.completionKey,
    labelNames: d.labelNames.length ? d.labelNames : null,
    classCount: d.classes ?? model.classes,
    inputs: inputs.map((m) => m.name),
    modelVocab: model.vocabRows,
    ...rules,
  };
  if (config.model.task === 'loss-output') throw new TypeError('text data needs model.task "classification" or "causal-lm"');
  return {
    train: loadTextDataset(d.train, options),
    evalSet: d.eval ? loadTextDataset(d.eval, options) : null,
  };
}

/**
 * The line rules of a run's config. A run.json written before data.invalidUtf8 and data.maxLineBytes
 * existed is resumed as it was read then: invalid bytes replaced, no line limit (a resume must
 * see the same data, and these keys cannot change mid-run).
 */
function lineRulesOf(d: ResolvedConfig['data']): LineRules {
  return { badLines: d.badLines, invalidUtf8: d.invalidUtf8 ?? 'replace', maxLineBytes: d.maxLineBytes ?? Number.MAX_SAFE_INTEGER };
}
