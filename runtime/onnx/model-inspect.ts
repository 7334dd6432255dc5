/**
 * `helene-studio inspect <model.onnx>`: what a model is and what can be trained in it, so the short
 * form can offer the choices that fit (a decoder gets causal-LM and LoRA on its projections, a
 * classifier gets its head) without the extension host parsing a model on its own thread.
 * External-data weights are not read: only the graph (sizes come from the tensors' dims).
 */
import * as path from 'node:path';
import type { GraphProto, TensorProto, ValueInfoProto } from './onnx-types';
import { readModel } from './model-io';
import { embeddingTables, headParameters, parameterInitializers } from './trainable-presets';
import { projectionRoles } from './projection-roles';
import { untieInitializerAliases } from './torch-traps';
import { cacheInputProblems, isMadeInGraph } from './cache-inputs';
import { textInputsProblem } from '../data/text/text-dataset';
import { lossOpsetProblem, oneLogitProblem } from './loss-head';
import { outputWidthFromGraph } from './model-facts';
import { defaultOpsetVersion } from './surgery';
import type { LoraTargetPreset, TrainablePreset } from '../protocol';

export type InspectedTask = 'causal-lm' | 'classification' | 'loss-output' | 'unknown';

export interface TrainChoiceFacts {
  tensors: number;
  parameters: number;
}

export interface ModelInspection {
  file: string;
  /** What the outputs say the model is: logits [B, S, V] → causal-lm, [B, C] → classification. */
  task: InspectedTask;
  /** The output the task reads (logits or loss). */
  output: string | null;
  /** Classes (classification) or vocabulary size (causal LM), when the output's last dim is fixed. */
  outputWidth: number | null;
  inputs: string[];
  /** Inputs named like an exporter's KV cache (fed empty when training). */
  pastInputs: number;
  parameters: TrainChoiceFacts;
  presets: Record<TrainablePreset, TrainChoiceFacts | null>;
  /** The head's parameter names (for "LoRA + train the head in full"). */
  head: string[];
  /** Head parameters that are also the input embedding (a tied LM head): training "head" trains that table. */
  tiedHead?: string[];
  lora: Record<LoraTargetPreset, TrainChoiceFacts>;
  /**
   * Why `train` would refuse the model as it is (an input it cannot feed), one sentence each, the
   * same reasons train gives: the short form says them before a run is set up. Empty when it can.
   */
  refusals: string[];
}

const elements = (t: TensorProto) => (t.dims ?? []).reduce((a, d) => a * Number(d), 1);
const facts = (list: TensorProto[]): TrainChoiceFacts => ({ tensors: list.length, parameters: list.reduce((a, t) => a + elements(t), 0) });

function dims(v: ValueInfoProto | undefined): (number | string)[] {
  return (v?.type?.tensor_type?.shape?.dim ?? []).map((d) => (d as { dim_value?: number; dim_param?: string }).dim_value || (d as { dim_param?: string }).dim_param || '?');
}

function taskOf(graph: GraphProto): { task: InspectedTask; output: string | null; width: number | null } {
  const logits = graph.output.find((o) => o.name === 'logits') ?? graph.output.find((o) => !/^present/.test(o.name ?? ''));
  if (graph.output.some((o) => o.name === 'loss') && !graph.output.some((o) => o.name === 'logits')) return { task: 'loss-output', output: 'loss', width: null };
  if (!logits) return { task: 'unknown', output: null, width: null };
  const d = dims(logits);
  const last = d[d.length - 1];
  const width = typeof last === 'number' ? last : null;
  if (d.length === 3) return { task: 'causal-lm', output: logits.name ?? null, width };
  if (d.length === 2) return { task: 'classification', output: logits.name ?? null, width };
  return { task: 'unknown', output: logits.name ?? null, width };
}

export function inspectModel(file: string): ModelInspection {
  const model = readModel(file, { externalData: 'keep' });
  const graph = model.graph;
  // As training does (prepare-trainables.ts): torch's Identity aliases of one initializer (equal
  // norm weights deduplicated by the exporter) become tensors of their own, so the counts agree.
  untieInitializerAliases(graph);
  const params = parameterInitializers(graph);
  const byName = new Map(params.map((t) => [t.name ?? '', t]));
  const declared = taskOf(graph);
  const { task, output } = declared;
  // A symbolic class / vocabulary axis: the head's weight fixes it (model-facts.ts).
  const width = declared.width ?? (output ? outputWidthFromGraph(graph, output) : null);
  const tables = embeddingTables(graph);
  const head = output ? headParameters(graph, output, new Set(byName.keys())) : [];
  const roles = projectionRoles(graph, output ?? undefined);
  const withRole = (...wanted: string[]) => facts(params.filter((t) => wanted.includes(roles.get(t.name ?? '') ?? '')));
  const initializerNames = new Set(graph.initializer.map((t) => t.name ?? ''));
  const inputs = graph.input.map((i) => i.name ?? '').filter((n) => !initializerNames.has(n));
  // A text model (input_ids) is fed from tokenized text: any other input must be made in the graph.
  const textProblem = inputs.includes('input_ids') ? textInputsProblem(inputs.filter((n) => !isMadeInGraph(n))) : null;
  // The loss train appends to a classifier's or a decoder's logits needs opset 12 (an opset-11
  // export is common: older exporters' default).
  const opsetProblem = task === 'classification' || task === 'causal-lm' ? lossOpsetProblem(task, defaultOpsetVersion(model, path.basename(file))) : null;
  return {
    file: path.resolve(file),
    task,
    output,
    outputWidth: width,
    inputs,
    pastInputs: inputs.filter((n) => /^past_key_values|^past\./.test(n)).length,
    parameters: facts(params),
    presets: {
      all: facts(params),
      'all-but-embeddings': facts(params.filter((t) => !tables.has(t.name ?? ''))),
      head: head.length ? facts(head.map((n) => byName.get(n)!).filter(Boolean)) : null,
    },
    head,
    tiedHead: head.filter((n) => tables.has(n)),
    lora: { attention: withRole('attention'), mlp: withRole('mlp'), 'attention-mlp': withRole('attention', 'mlp') },
    refusals: [
      ...(opsetProblem ? [opsetProblem] : []),
      ...(task === 'classification' && output && oneLogitProblem(output, width) ? [oneLogitProblem(output, width)!] : []),
      ...cacheInputProblems(graph),
      ...(textProblem ? [textProblem] : []),
    ],
  };
}

/** "1 tensor", "38 tensors". */
const tensorCount = (n: number) => `${n} tensor${n === 1 ? '' : 's'}`;
const count = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} B` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n));

export function formatInspection(m: ModelInspection): string {
  const kind = m.task === 'causal-lm' ? `causal LM (${m.output}: vocabulary ${m.outputWidth ?? '?'})` : m.task === 'classification' ? `classifier (${m.output}: ${m.outputWidth ?? '?'} classes)` : m.task === 'loss-output' ? 'model with a loss output' : 'unknown task (no logits or loss output)';
  const row = (label: string, f: TrainChoiceFacts | null) => `  ${label.padEnd(22)}${f ? `${tensorCount(f.tensors)}, ${count(f.parameters)} parameters` : 'not found'}\n`;
  return (
    `${m.file}\n  ${kind}\n  inputs: ${m.inputs.join(', ')}${m.pastInputs ? ` (${m.pastInputs} KV-cache inputs, fed empty when training)` : ''}\n` +
    `  parameters: ${count(m.parameters.parameters)} in ${tensorCount(m.parameters.tensors)}\n` +
    `what to train (model.trainablePreset / model.lora.targetPreset):\n` +
    row('all', m.presets.all) +
    row('all-but-embeddings', m.presets['all-but-embeddings']) +
    row('head', m.presets.head).replace(/\n$/, m.tiedHead?.length ? ` (tied to the input embedding ${m.tiedHead.join(', ')}: training the head trains it)\n` : '\n') +
    `  LoRA adapts (the adapters are small; these are the adapted weights):\n` +
    row('  attention', m.lora.attention) +
    row('  mlp', m.lora.mlp) +
    row('  attention-mlp', m.lora['attention-mlp']) +
    (m.refusals.length ? `training cannot start on this model as it is:\n${m.refusals.map((r) => `  ${r}\n`).join('')}` : '')
  );
}
