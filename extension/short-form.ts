/**
 * "New run from a short form…": seven answers (model, training data, evaluation data (skippable), what to train (offered from the model),
 * optimizer, lr, steps) become a
 * run config file in .helene/configs/. Each answer is validated by the protocol's own resolveConfig
 * (so the form and the CLI can never disagree), and the file stores paths relative to itself, the
 * way the CLI resolves them.
 */
import * as path from 'node:path';
import { ConfigError, resolveConfig, type OptimizerName, type UserConfig } from '../runtime/protocol';
import type { ModelSelection } from './train-choices';

export const SHORT_FORM_CONFIG_DIR = path.join('.helene', 'configs');

export interface ShortFormAnswers {
  /** As typed: relative to the workspace folder, absolute, or builtin:<name>. */
  modelPath: string;
  trainPath: string;
  /** Held-out file for the eval curve; empty or absent: none. */
  evalPath?: string;
  optimizer: OptimizerName;
  /** Extra optimizer keys of the chosen preset (e.g. the recommended HELENE variant). */
  optimizerPreset?: Record<string, unknown>;
  /** The "what to train" answer: task, trainable preset or LoRA (absent: the config's defaults). */
  selection?: ModelSelection;
  lr: number;
  steps: number;
}

/** Placeholders for the required keys, so one field can be checked on its own. */
const PLACEHOLDER = { model: { path: 'model.onnx' }, data: { train: 'train.jsonl' } };

/** The schema's complaint about one field (dotted path), or undefined when the value is fine. */
export function fieldProblem(fieldPath: string, value: unknown, optimizer: OptimizerName = 'helene'): string | undefined {
  const config: Record<string, unknown> = structuredClone({ ...PLACEHOLDER, optimizer: { name: optimizer } });
  const keys = fieldPath.split('.');
  let cursor = config;
  for (const key of keys.slice(0, -1)) cursor = (cursor[key] ??= {}) as Record<string, unknown>;
  cursor[keys[keys.length - 1]] = value;
  try {
    resolveConfig(config);
    return undefined;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const issue = e.issues.find((i) => i.path === fieldPath);
    return issue?.message;
  }
}

/** Text box contents → number; blank or junk → NaN (which the schema then reports). */
export function parseNumber(text: string): number {
  const t = text.trim();
  return t === '' ? Number.NaN : Number(t);
}

/**
 * The complaint about a number box's text, naming what was typed ("lr: \"abc\" is not a number;
 * e.g. 0.001"): the schema alone would only see NaN. A number is then checked by the schema.
 */
export function numberFieldProblem(fieldPath: string, text: string, example: string, optimizer: OptimizerName = 'helene'): string | undefined {
  const label = fieldPath.split('.').pop()!;
  const value = parseNumber(text);
  if (text.trim() === '') return `${label}: enter a number; e.g. ${example}`;
  if (Number.isNaN(value)) return `${label}: ${JSON.stringify(text.trim())} is not a number; e.g. ${example}`;
  const problem = fieldProblem(fieldPath, value, optimizer);
  return problem === undefined ? undefined : `${label}: ${problem}`;
}

/** A file-system-safe, readable config name: helene-demo-mlp. */
export function configName(answers: Pick<ShortFormAnswers, 'optimizer' | 'modelPath'>): string {
  const base = path.basename(answers.modelPath.replace(/^builtin:/, '')).replace(/\.onnx$/i, '');
  const slug = `${answers.optimizer}-${base}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return slug.slice(0, 60) || 'run';
}

/** A path as the config file must store it: builtin: untouched, else relative to the config's folder. */
function relativeTo(configDir: string, workspaceRoot: string, given: string): string {
  if (given.startsWith('builtin:')) return given;
  const absolute = path.resolve(workspaceRoot, given);
  return path.relative(configDir, absolute).split(path.sep).join('/');
}

/**
 * Build the user config for the answers and validate it whole. Throws ConfigError with every
 * problem at once. `configDir` is the folder the file will be written to.
 */
export function buildShortFormConfig(answers: ShortFormAnswers, configDir: string, workspaceRoot: string, name = configName(answers)): UserConfig {
  const user: UserConfig = {
    name,
    steps: answers.steps,
    model: { path: relativeTo(configDir, workspaceRoot, answers.modelPath), ...(answers.selection ?? {}) } as UserConfig['model'],
    data: {
      train: relativeTo(configDir, workspaceRoot, answers.trainPath),
      ...(answers.evalPath?.trim() ? { eval: relativeTo(configDir, workspaceRoot, answers.evalPath.trim()) } : {}),
    },
    optimizer: { ...(answers.optimizerPreset ?? {}), name: answers.optimizer, lr: answers.lr } as UserConfig['optimizer'],
  };
  resolveConfig(user, 'short form');
  return user;
}

/** Held-out files the eval box offers when one lies beside the training file, in this order. */
const EVAL_NAMES = ['eval.jsonl', 'validation.jsonl', 'valid.jsonl', 'val.jsonl', 'dev.jsonl'];

/**
 * The evaluation file beside the training file, written the way the training path was typed
 * (data/train.jsonl → data/eval.jsonl; my-train.jsonl → my-eval.jsonl first), or '' when none exists.
 */
export function siblingEvalFile(workspaceRoot: string, trainPath: string, exists: (file: string) => boolean): string {
  const typed = trainPath.trim();
  if (!typed || typed.startsWith('builtin:')) return '';
  const slash = Math.max(typed.lastIndexOf('/'), typed.lastIndexOf('\\'));
  const dir = typed.slice(0, slash + 1);
  const base = typed.slice(slash + 1);
  const swapped = /train/i.test(base) ? ['eval', 'validation'].map((w) => base.replace(/train/i, w)) : [];
  for (const name of [...swapped, ...EVAL_NAMES]) {
    if (name === base) continue;
    if (exists(path.resolve(workspaceRoot, dir + name))) return dir + name;
  }
  return '';
}

/** The first free file name: name.helene.json, name-2.helene.json, ... */
export function freeConfigFile(configDir: string, name: string, exists: (file: string) => boolean): string {
  for (let n = 1; ; n++) {
    const file = path.join(configDir, `${name}${n === 1 ? '' : `-${n}`}.helene.json`);
    if (!exists(file)) return file;
  }
}
