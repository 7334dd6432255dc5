/**
 * What happens to a user's graph before trainables become theta/dir inputs (called by surgery.ts):
 * torch's Identity aliases are untied, LoRA adapters are inserted when asked, a preset becomes
 * exact-name patterns, and after selection the chosen tensors are checked for buffers and for
 * constant-folded copies that would break a tie (torch-traps.ts).
 */
import type { GraphProto, TensorProto } from './onnx-types';
import type { TrainablePreset } from '../protocol';
import { foldedNamesHint, refuseBuffers, refuseFoldedCopies, untieInitializerAliases, type UntiedAlias } from './torch-traps';
import { exactNamePattern, presetPatterns } from './trainable-presets';
import { insertLora, type LoraAdapter, type LoraOptions } from './lora';
import { selectTrainableInitializers } from './trainable-selection';

export interface TrainableChoice {
  /** Regexes (model.trainable); ignored when a preset or LoRA is given. */
  trainable: string[];
  preset?: TrainablePreset | null;
  /** LoRA adapters (rank >= 1) plus base initializers trained in full next to them. */
  lora?: (LoraOptions & { alsoTrain: string[] }) | null;
  /** The logits output, for the "head" preset. */
  logits?: string;
}

export interface PreparedTrainables {
  selected: TensorProto[];
  untiedAliases: UntiedAlias[];
  loraAdapters: LoraAdapter[];
}

/** Edits `graph` in place (it is the surgery's own clone) and returns the chosen initializers. */
/** `baseDir`: the model's directory, so the checks can read values kept in external data. */
export function prepareTrainables(graph: GraphProto, choice: TrainableChoice, modelName: string, baseDir?: string): PreparedTrainables {
  const untiedAliases = untieInitializerAliases(graph);
  let patterns = choice.trainable;
  let loraAdapters: LoraAdapter[] = [];
  if (choice.lora && choice.lora.rank > 0) {
    loraAdapters = insertLora(graph, { ...choice.lora, logits: choice.lora.logits ?? choice.logits }, modelName);
    patterns = [...loraAdapters.flatMap((a) => [exactNamePattern(a.a), exactNamePattern(a.b)]), ...choice.lora.alsoTrain];
  } else if (choice.preset) {
    patterns = presetPatterns(graph, choice.preset, choice.logits ?? graph.output[0]?.name ?? 'logits', modelName, baseDir);
  }
  let selected: TensorProto[];
  try {
    selected = selectTrainableInitializers(graph, patterns, modelName);
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(message.includes('matches no initializer') ? message + foldedNamesHint(graph) : message);
  }
  refuseBuffers(selected, modelName, baseDir);
  refuseFoldedCopies(graph, new Set(selected.map((t) => t.name ?? '')), modelName, untiedAliases, baseDir);
  return { selected, untiedAliases, loraAdapters };
}
