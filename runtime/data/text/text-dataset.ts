/**
 * Text JSON lines → the columnar `Dataset` the batcher already feeds (input_ids, attention_mask,
 * optional token_type_ids, labels), so training and evaluation need no text-specific code.
 *
 * classification: {"text": ..., "label": 0 | "name"} → ids with the tokenizer's specials
 *   ([CLS] … [SEP]), labels [B].
 * causal-lm:      {"text": ...}                       → <bos> text <eos>, every real token scored;
 *                 {"prompt": ..., "completion": ...}  → <bos> prompt completion <eos>, labels -100 on
 *                 <bos> and the prompt, so only the completion is scored.
 * Padding (right, with the pad token; labels -100 there) to one width per dataset: the longest
 * example, capped at maxLength (or the model's fixed sequence length). Longer texts are cut and
 * counted, never silently.
 */
import { DataError, readJsonl, type InvalidUtf8Policy } from '../jsonl';
import type { Column, Dataset } from '../dataset';
import type { TextTokenizer } from './tokenizer';
import { closestKey } from '../../protocol/config-schema';

export const IGNORE_INDEX = -100;

export interface TextDataOptions {
  task: 'classification' | 'causal-lm';
  tokenizer: TextTokenizer;
  maxLength: number;
  /** The model's sequence length when its input has a fixed one: every example is padded to it. */
  fixedLength: number | null;
  textKey: string;
  labelKey: string;
  promptKey: string;
  completionKey: string;
  /** Class names, in class-index order, for string labels (null: labels must be integers). */
  labelNames: string[] | null;
  /** Classes of the model's logits, for range checks (null = unknown). */
  classCount: number | null;
  /** Graph data inputs present in the model (input_ids, attention_mask, token_type_ids, labels). */
  inputs: string[];
  /** Embedding rows of the model, to refuse a tokenizer that produces larger ids (null = unknown). */
  modelVocab: number | null;
  badLines: 'fail' | 'skip';
  /** Invalid UTF-8 in a line: refuse with file:line (error), read as U+FFFD and report (warn), or read as U+FFFD (replace). */
  invalidUtf8?: InvalidUtf8Policy;
  /** Longest line in bytes read before tokenizing; longer lines are refused (data.maxLineBytes). */
  maxLineBytes?: number;
}

export interface TextDataset extends Dataset {
  /** Sequence width of every example. */
  width: number;
  /** Examples cut at the width. */
  truncated: number;
  /** The token limit examples were cut at (data.maxLength, or the model's fixed length). */
  maxLength: number;
}

interface Example {
  ids: number[];
  /** Per-position labels (causal-lm) or the class (classification). */
  labels: number[] | number;
  line: number;
  /** Cut by the tokenizer already (classification keeps its specials, so it cuts while encoding). */
  cut?: boolean;
}

export const TEXT_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids', 'labels'] as const;

/** Why text cannot feed these model inputs (the ones that are not TEXT_INPUTS), or null when it can. Also what `inspect` says. */
export function textInputsProblem(inputs: readonly string[]): string | null {
  const unknown = inputs.filter((n) => !(TEXT_INPUTS as readonly string[]).includes(n));
  if (!unknown.length) return null;
  return `the model's input${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} cannot be fed from text; text models take ${TEXT_INPUTS.join(', ')}`;
}

export function loadTextDataset(file: string, options: TextDataOptions): TextDataset {
  const problem = textInputsProblem(options.inputs);
  if (problem) throw new DataError(problem);
  if (!options.inputs.includes('input_ids')) throw new DataError(`the model has no "input_ids" input, so it cannot be fed from text (its inputs: ${options.inputs.join(', ')})`);
  const read = readJsonl(file, [], {
    badLines: options.badLines,
    ...(options.invalidUtf8 ? { invalidUtf8: options.invalidUtf8 } : {}),
    ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}),
  });
  const skipped = [...read.skipped];
  const examples: Example[] = [];
  read.rows.forEach((row, r) => {
    const line = read.lines[r];
    try {
      examples.push(options.task === 'classification' ? classificationExample(row, options) : causalExample(row, options));
      examples[examples.length - 1].line = line;
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      if (options.badLines === 'fail') throw new DataError(`${file}:${line}: ${e.message}. Fix the line, or set data.badLines to "skip".`);
      skipped.push({ line, reason: e.message });
    }
  });
  if (examples.length === 0) throw new DataError(`${file}: no usable example (${skipped.length} skipped as bad)`);

  if (options.modelVocab !== null) {
    for (const ex of examples) {
      const bad = ex.ids.find((id) => id >= options.modelVocab!);
      if (bad !== undefined) {
        throw new DataError(
          `${file}:${ex.line}: token id ${bad} from ${options.tokenizer.source} is beyond the model's embedding table (${options.modelVocab} rows); the tokenizer (${options.tokenizer.vocabSize} tokens) does not belong to this model`,
        );
      }
    }
  }
  const longest = examples.reduce((m, ex) => Math.max(m, ex.ids.length), 0);
  const width = options.fixedLength ?? Math.min(options.maxLength, longest);
  if (options.fixedLength !== null && options.fixedLength < 2) throw new DataError(`the model's input_ids has a fixed length of ${options.fixedLength}`);
  let truncated = 0;
  const n = examples.length;
  const ids = new Float64Array(n * width).fill(options.tokenizer.padId);
  const mask = new Float64Array(n * width);
  const causal = options.task === 'causal-lm';
  const labels = causal ? new Float64Array(n * width).fill(IGNORE_INDEX) : new Float64Array(n);
  examples.forEach((ex, i) => {
    if (ex.cut || ex.ids.length > width) truncated++;
    const len = Math.min(width, ex.ids.length);
    for (let k = 0; k < len; k++) {
      ids[i * width + k] = ex.ids[k];
      mask[i * width + k] = 1;
      if (causal) labels[i * width + k] = (ex.labels as number[])[k];
    }
    if (!causal) labels[i] = ex.labels as number;
  });
  const column = (name: string, values: Float64Array, perExample: number): Column => ({
    spec: { name, key: name, type: 'int64', width: perExample, exampleShape: perExample === 1 && !causal && name === 'labels' ? [] : [perExample] },
    values,
  });
  const columns: Column[] = [];
  for (const name of options.inputs) {
    if (name === 'input_ids') columns.push(column(name, ids, width));
    else if (name === 'attention_mask') columns.push(column(name, mask, width));
    else if (name === 'token_type_ids') columns.push(column(name, new Float64Array(n * width), width));
    else if (name === 'labels') columns.push(causal ? column(name, labels, width) : column(name, labels, 1));
  }
  skipped.sort((a, b) => a.line - b.line);
  return { file, size: n, columns, skippedLines: skipped, invalidUtf8: read.invalidUtf8, width, truncated, maxLength: options.fixedLength ?? options.maxLength };
}

function stringField(row: Record<string, unknown>, key: string, what: string): string {
  const v = row[key];
  if (v === undefined) throw new DataError(`line has no "${key}" field (${what}); its keys are ${Object.keys(row).map((k) => `"${k}"`).join(', ') || '(none)'}`);
  if (typeof v !== 'string') throw new DataError(`field "${key}" must be a string, got ${JSON.stringify(v)?.slice(0, 40)}`);
  return v;
}

function classificationExample(row: Record<string, unknown>, o: TextDataOptions): Example {
  const text = stringField(row, o.textKey, 'the text to classify');
  // An empty text would be classified from the special tokens alone: almost always a data mistake.
  if (text.trim() === '') throw new DataError(`field "${o.textKey}" is empty: nothing to classify`);
  const raw = row[o.labelKey];
  if (raw === undefined) throw new DataError(`line has no "${o.labelKey}" field (the class label)`);
  let label: number;
  if (typeof raw === 'string') {
    if (!o.labelNames) throw new DataError(`label ${JSON.stringify(raw)} is a string; list the class names in order in data.labelNames (e.g. ["negative", "positive"]) or use integer labels`);
    label = o.labelNames.indexOf(raw);
    if (label < 0) {
      const near = o.labelNames.find((n) => n.toLowerCase() === raw.toLowerCase()) ?? closestKey(raw, o.labelNames);
      throw new DataError(`label ${JSON.stringify(raw)} is not one of data.labelNames (${o.labelNames.join(', ')})${near ? `; did you mean ${JSON.stringify(near)}?` : ''}`);
    }
  } else if (typeof raw === 'number' && Number.isInteger(raw)) {
    label = raw;
  } else {
    throw new DataError(`label ${JSON.stringify(raw)} is neither an integer nor a class name`);
  }
  const classes = o.classCount ?? o.labelNames?.length ?? null;
  if (label < 0 || (classes !== null && label >= classes)) throw new DataError(`label ${JSON.stringify(raw)} is out of range [0, ${classes !== null ? classes - 1 : '…'}] for a ${classes}-class model`);
  let cut = false;
  const ids = o.tokenizer.encodeWithSpecials(text, o.fixedLength ?? o.maxLength, () => (cut = true));
  return { ids, labels: label, line: 0, cut };
}

function causalExample(row: Record<string, unknown>, o: TextDataOptions): Example {
  const t = o.tokenizer;
  const hasPrompt = row[o.promptKey] !== undefined || row[o.completionKey] !== undefined;
  const prefix = t.addBos && t.bosId !== null ? [t.bosId] : [];
  const suffix = t.addEos && t.eosId !== null ? [t.eosId] : [];
  if (!hasPrompt) {
    if (row[o.textKey] === undefined) {
      throw new DataError(`line has neither "${o.textKey}" nor "${o.promptKey}"/"${o.completionKey}" fields; causal-LM lines look like {"${o.textKey}": ...} or {"${o.promptKey}": ..., "${o.completionKey}": ...}`);
    }
    const ids = [...prefix, ...t.encodePlain(stringField(row, o.textKey, 'the text'))];
    if (ids.length + suffix.length < 2) throw new DataError(`field "${o.textKey}" gives fewer than 2 tokens: nothing to predict`);
    const all = [...ids, ...suffix];
    // The first token has no predecessor: -100 there too (the loss shifts labels by one anyway).
    return { ids: all, labels: all.map((id, i) => (i === 0 ? IGNORE_INDEX : id)), line: 0 };
  }
  const prompt = [...prefix, ...t.encodePlain(stringField(row, o.promptKey, 'the prompt'))];
  const completion = [...t.encodePlain(stringField(row, o.completionKey, 'the completion')), ...suffix];
  if (completion.length === 0) throw new DataError(`field "${o.completionKey}" gives no tokens: nothing to score`);
  const ids = [...prompt, ...completion];
  if (prompt.length >= (o.fixedLength ?? o.maxLength)) throw new DataError(`the prompt alone has ${prompt.length} tokens, at least data.maxLength (${o.fixedLength ?? o.maxLength}): no completion token would be scored`);
  return { ids, labels: ids.map((id, i) => (i < prompt.length ? IGNORE_INDEX : id)), line: 0 };
}
