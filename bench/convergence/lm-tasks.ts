/**
 * Suite tasks on the pre-trained text fixtures (test/fixtures/lm/*): each starts from the fixture's
 * own fine-tuning config (model, tokenizer, data, batch, max length) and sets what is trained — the
 * whole model, the head, or LoRA adapters — and the step budget. Fixtures that have not been made
 * (scripts/fixtures/*.py) are reported by name, never silently skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UserConfig } from '../../runtime/protocol';
import { loadConfig } from '../../runtime/cli/config-file';
import type { BenchTask, TaskOptions } from './tasks';

const LM = path.join('test', 'fixtures', 'lm');

/** LoRA on every attention and MLP projection of the BERT-like fixtures (tiny_models.TinyBert). */
export const ENCODER_LORA = { rank: 4, alpha: 8, targets: ['attention\\.(query|key|value|output)\\.weight$', 'intermediate\\.weight$', 'ffn_output\\.weight$'] };
/** LoRA on the GPT-like fixtures (tiny_models.TinyGpt), as tiny-gpt/finetune-lora.json has it. */
export const DECODER_LORA = { rank: 4, alpha: 8, targets: ['attn\\.c_attn\\.weight$', 'attn\\.c_proj\\.weight$', 'c_fc\\.weight$'] };

export interface LmTaskSpec {
  name: string;
  /** The fixture's fine-tuning config, relative to test/fixtures/lm. */
  config: string;
  metric: 'accuracy' | 'eval loss';
  steps: number;
  /** What is trained: a trainablePreset, or LoRA adapters. */
  train: { preset: 'all' | 'head' | 'all-but-embeddings' } | { lora: typeof ENCODER_LORA };
  /** Evaluations per run (every steps / evals steps). */
  evals?: number;
}

export function lmTask(spec: LmTaskSpec, options: TaskOptions = {}): BenchTask {
  const file = path.join(LM, spec.config);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: make the fixture first (scripts/fixtures/, see its README)`);
  const { config } = loadConfig(file);
  const steps = options.steps ?? spec.steps;
  const { optimizer: _o, output: _out, seed: _s, name: _n, ...rest } = config;
  const { lora: _l, trainable: _t, trainablePreset: _p, ...model } = rest.model as unknown as Record<string, unknown>;
  const trained = 'lora' in spec.train ? { lora: spec.train.lora } : { trainablePreset: spec.train.preset };
  return {
    name: spec.name,
    metric: spec.metric,
    steps,
    base: {
      ...(rest as UserConfig),
      model: { ...model, ...trained },
      steps,
      evalEvery: Math.max(1, Math.round(steps / (spec.evals ?? 20))),
      statsEvery: 0,
      engine: { provider: 'cpu', threads: 1, kernelThreads: 0 },
      checkpoint: { every: 0, keep: 1 },
    } as UserConfig,
  };
}
