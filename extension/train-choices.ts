/**
 * The short form's "what to train" choices for one model, from `helene-studio inspect`: a decoder
 * is trained as a causal LM, with LoRA on its projections first (what fits large models), then
 * all-but-embeddings and all; a classifier offers its head first. Each choice says how many
 * tensors and parameters it trains, so the user sees the cost before the run starts.
 */
import type { LoraTargetPreset, TrainablePreset } from '../runtime/protocol';
import type { ModelInspection, TrainChoiceFacts } from '../runtime/onnx/model-inspect';

/** What the choice writes under model.* in the config. */
export interface ModelSelection {
  task?: 'causal-lm' | 'classification' | 'loss-output';
  trainablePreset?: TrainablePreset;
  lora?: { rank: number; alpha: number; targetPreset: LoraTargetPreset; alsoTrain?: string[] };
}

export interface TrainChoice {
  label: string;
  description: string;
  detail?: string;
  selection: ModelSelection;
}

/** Rank 8, alpha 16: PEFT's common starting point; the adapters stay a tiny share of the model. */
const LORA = { rank: 8, alpha: 16 };

function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

const trains = (f: TrainChoiceFacts) => `${f.tensors} tensor${f.tensors === 1 ? '' : 's'}, ${formatCount(f.parameters)} parameters`;

/** LoRA trains r·(d0 + d1) per adapted [d0, d1] weight; the facts give only the adapted total, so estimate from a square shape. */
function loraTrains(f: TrainChoiceFacts): string {
  const side = f.tensors ? Math.sqrt(f.parameters / f.tensors) : 0;
  return `adapters on ${f.tensors} projection${f.tensors === 1 ? '' : 's'} (${formatCount(f.parameters)} weights), about ${formatCount(Math.round(2 * LORA.rank * side * f.tensors))} trained`;
}

export function trainChoices(m: ModelInspection): TrainChoice[] {
  const task = m.task === 'unknown' ? undefined : m.task;
  const choices: TrainChoice[] = [];
  const lora = (targetPreset: LoraTargetPreset, label: string, alsoTrain?: string[]) => {
    const facts = m.lora[targetPreset];
    if (facts.tensors === 0) return;
    choices.push({
      label,
      description: loraTrains(facts),
      detail: alsoTrain?.length ? `and the head in full (${alsoTrain.join(', ')})` : undefined,
      selection: { task, lora: { ...LORA, targetPreset, ...(alsoTrain?.length ? { alsoTrain: alsoTrain.map(exactName) } : {}) } },
    });
  };
  const preset = (p: TrainablePreset, label: string) => {
    const facts = m.presets[p];
    // A model without embedding tables: "all but the embeddings" is "all"; offer it once, as "all".
    if (p === 'all-but-embeddings' && facts?.tensors === m.presets.all?.tensors) return;
    if (facts && facts.tensors > 0) choices.push({ label, description: trains(facts), selection: { task, trainablePreset: p } });
  };
  if (m.task === 'causal-lm') {
    lora('attention-mlp', 'LoRA on attention and MLP projections');
    lora('attention', 'LoRA on attention projections (Q, K, V, O)');
    lora('mlp', 'LoRA on MLP projections');
    preset('all-but-embeddings', 'All but the embeddings');
    preset('all', 'All parameters');
  } else {
    preset('head', 'The head only (the layer that makes the logits)');
    lora('attention-mlp', 'LoRA on attention and MLP projections + the head', m.head);
    preset('all-but-embeddings', 'All but the embeddings');
    preset('all', 'All parameters');
  }
  return choices;
}

const exactName = (name: string) => `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
