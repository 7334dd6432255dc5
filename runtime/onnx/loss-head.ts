/**
 * Giving a model the per-example loss output the ZO engine needs: `loss`, float, shape [batch].
 *
 * 'output': the model computes it already (e.g. the least-squares golden model); we only rename.
 * 'classification': append SoftmaxCrossEntropyLoss(logits [B, C], labels [B], reduction='none',
 * ignore_index=-100), which matched PyTorch's per-example cross-entropy to 1e-7 (field notes).
 */
import { DataType, type GraphProto, type ValueInfoProto } from './onnx-types';
import { describeValueInfo, makeValueInfo, valueInfoDims, valueInfoElemType } from './value-info';
import { intAttr, stringAttr } from './graph-builder';
import { causalLmLossNodes, MIN_CAUSAL_LM_OPSET } from './causal-lm-loss';
import { outputWidthFromGraph } from './model-facts';
import { MIN_OLD_OPSET_CLASSIFICATION, oldOpsetClassificationLossNodes } from './one-hot-cross-entropy';
import { dataTypeName } from './tensor-data';

export const LOSS_OUTPUT = 'loss';
export const DEFAULT_LABELS_INPUT = 'labels';
/** SoftmaxCrossEntropyLoss exists from opset 12 of the default domain. */
export const MIN_CLASSIFICATION_OPSET = 12;

/**
 * Why the loss `task` cannot be appended to a model of this default-domain opset, or null. One
 * sentence shared by training (which throws it, prefixed with the model's name) and `inspect`
 * (which lists it among its refusals, so the short form refuses an opset-11 export before asking
 * anything else, as train would).
 */
export function lossOpsetProblem(task: 'classification' | 'causal-lm', opset: number): string | null {
  if (task === 'classification') {
    // Below 12 the loss is spelled with OneHot and LogSoftmax (one-hot-cross-entropy.ts).
    if (opset >= MIN_OLD_OPSET_CLASSIFICATION) return null;
    return `the model uses opset ${opset}; the classification loss needs opset >= ${MIN_OLD_OPSET_CLASSIFICATION} (OneHot). Re-export the model with opset_version=${MIN_CLASSIFICATION_OPSET} or newer`;
  }
  // Below 12 the token loss is spelled with OneHot (causal-lm-loss.ts); the shift's Slice needs 10.
  if (opset >= MIN_CAUSAL_LM_OPSET) return null;
  return `the model uses opset ${opset}; the causal-LM loss needs opset >= ${MIN_CAUSAL_LM_OPSET} (Slice with inputs). Re-export the model with opset_version=14 or newer`;
}

/**
 * Why a classifier's logits cannot take the softmax cross-entropy, or null: one logit per example (a
 * sigmoid / BCE head). Softmax over one class is 1, so every loss is 0 and nothing would train, while
 * label 1 is "out of range" and `data.badLines: "skip"` would skip every positive line. Shared by
 * training and `inspect`, as lossOpsetProblem is.
 */
export function oneLogitProblem(output: string, width: number | null | undefined): string | null {
  if (width !== 1) return null;
  return (
    `output '${output}' has one logit per example (a sigmoid head): softmax cross-entropy over one class is always 0, so nothing would train. ` +
    `Export two logits per example (torch.cat([torch.zeros_like(z), z], -1) gives the same probabilities), or compute the per-example loss in the model and use model.task "loss-output"`
  );
}

export type LossSpec =
  | { kind: 'output'; output: string }
  | { kind: 'classification'; logits: string; labels?: string }
  | { kind: 'causal-lm'; logits: string; labels?: string };

export interface LossContext {
  modelName: string;
  graph: GraphProto;
  /** Default-domain opset of the model. */
  opset: number;
  /** Every value name already in the graph, to refuse silent clashes. */
  usedNames: Set<string>;
}

export interface AttachedLoss {
  /** Data inputs the loss added (the labels input for classification). */
  addedInputs: string[];
  outputNames: string[];
}

/**
 * The message for an output the config names and the model lacks: the outputs it has and, when a
 * config key chose the name, that key (torch.onnx.export without output_names calls the logits
 * "output_0" or a number, and the user has to know model.logitsOutput exists).
 */
export function missingOutputMessage(modelName: string, name: string, outputs: ValueInfoProto[], configKey?: string): string {
  const existing = outputs.map(describeValueInfo).join(', ') || '(none)';
  const fix = configKey && outputs.length ? `. Set ${configKey} to the output that holds them (e.g. "${outputs[0].name ?? ''}"), or re-export with output_names=["${name}"]` : '';
  return `${modelName} has no output '${name}'. Its outputs are: ${existing}${fix}`;
}

function findOutput(context: LossContext, outputs: ValueInfoProto[], name: string, configKey?: string): ValueInfoProto {
  const found = outputs.find((output) => output.name === name);
  if (found) return found;
  throw new Error(missingOutputMessage(context.modelName, name, outputs, configKey));
}

function requireUnused(context: LossContext, name: string, role: string): void {
  if (context.usedNames.has(name)) {
    throw new Error(`${context.modelName} already has a value named '${name}', which the ${role} needs; rename it in the model`);
  }
}

/** Half-precision outputs (a `model.half()` export's logits) are cast to float32 for the loss. */
const HALF_TYPES: ReadonlySet<number> = new Set([DataType.FLOAT16, DataType.BFLOAT16]);

/**
 * The name of `info`'s values in float32: the output itself, or a Cast of a float16 / bfloat16 one
 * (the cross-entropy's log-softmax in half precision would lose the small differences between
 * nearby losses that the ZO gradient estimate is made of). Any other type is refused by name.
 */
function asFloat32(context: LossContext, info: ValueInfoProto): string {
  const elemType = valueInfoElemType(info);
  const name = info.name ?? '';
  if (elemType === undefined || elemType === DataType.FLOAT) return name;
  if (!HALF_TYPES.has(elemType)) {
    throw new Error(`${context.modelName}: output '${name}' is ${dataTypeName(elemType)}; the loss needs float values (float32, float16 or bfloat16)`);
  }
  const cast = `zo/${name}/to_float32`;
  requireUnused(context, cast, 'cast of the half-precision output to float32');
  context.graph.node.push({ op_type: 'Cast', name: cast, input: [name], output: [cast], attribute: [intAttr('to', DataType.FLOAT)] });
  context.usedNames.add(cast);
  return cast;
}

function requireRank(context: LossContext, info: ValueInfoProto, rank: number, why: string): void {
  const dims = valueInfoDims(info);
  if (dims && dims.length !== rank) {
    throw new Error(`${context.modelName}: output ${describeValueInfo(info)} has rank ${dims.length}, expected ${rank} (${why})`);
  }
}

/** Replaces the graph's outputs by `loss` (+ the requested extra outputs) and adds any nodes needed. */
export function attachLoss(context: LossContext, loss: LossSpec, extraOutputs: string[] = []): AttachedLoss {
  const { graph } = context;
  const originalOutputs = [...graph.output];
  // The classifier's logits are kept as an extra output (accuracy): the same config key names them.
  const logitsName = loss.kind === 'output' ? undefined : loss.logits;
  const extras = extraOutputs
    .filter((name) => name !== LOSS_OUTPUT)
    .map((name) => findOutput(context, originalOutputs, name, name === logitsName ? 'model.logitsOutput' : undefined));
  let lossInfo: ValueInfoProto;
  const addedInputs: string[] = [];

  if (loss.kind === 'output') {
    const source = findOutput(context, originalOutputs, loss.output, 'model.lossOutput');
    requireRank(context, source, 1, 'the optimizer needs one loss per example, shape [batch]');
    if (loss.output === LOSS_OUTPUT && valueInfoElemType(source) !== undefined && valueInfoElemType(source) !== DataType.FLOAT) {
      // The float32 loss the optimizer reads must be called 'loss', and that name is taken by the model's own.
      throw new Error(`${context.modelName}: its output 'loss' is ${dataTypeName(valueInfoElemType(source))}; export the loss as float32, or under another name (model.lossOutput) so a float32 copy can take the name 'loss'`);
    }
    const value = asFloat32(context, source);
    if (value !== LOSS_OUTPUT) {
      requireUnused(context, LOSS_OUTPUT, 'per-example loss output');
      graph.node.push({ op_type: 'Identity', name: 'zo/loss_identity', input: [value], output: [LOSS_OUTPUT] });
    }
    lossInfo = { ...source, name: LOSS_OUTPUT, type: { tensor_type: { ...source.type?.tensor_type, elem_type: DataType.FLOAT } } };
  } else if (loss.kind === 'causal-lm') {
    const opsetProblem = lossOpsetProblem('causal-lm', context.opset);
    if (opsetProblem) throw new Error(`${context.modelName}: ${opsetProblem}`);
    const logits = findOutput(context, originalOutputs, loss.logits, 'model.logitsOutput');
    requireRank(context, logits, 3, 'causal-LM logits are [batch, sequence, vocabulary]; for [batch, classes] use task "classification"');
    const logitsValue = asFloat32(context, logits);
    const labels = loss.labels ?? DEFAULT_LABELS_INPUT;
    requireUnused(context, labels, 'labels input');
    requireUnused(context, LOSS_OUTPUT, 'per-example loss output');
    const dims = valueInfoDims(logits);
    const batch = dims?.[0] ?? 'batch';
    const sequence = dims?.[1] ?? 'sequence';
    graph.input.push(makeValueInfo(labels, 'int64', [batch, sequence]));
    addedInputs.push(labels);
    const appended = causalLmLossNodes(logitsValue, labels, LOSS_OUTPUT, context.opset);
    for (const tensor of appended.initializers) requireUnused(context, tensor.name ?? '', 'causal-LM loss');
    graph.node.push(...appended.nodes);
    graph.initializer.push(...appended.initializers);
    lossInfo = makeValueInfo(LOSS_OUTPUT, 'float', [batch]);
  } else {
    // Not bumping the opset import for older models: other ops change meaning across opsets
    // (Dropout's ratio moved from attribute to input at 12, Clip's min/max at 11, ...). Below 12 the
    // loss is spelled with the model's own opset's ops instead.
    const opsetProblem = lossOpsetProblem('classification', context.opset);
    if (opsetProblem) throw new Error(`${context.modelName}: ${opsetProblem}`);
    const logits = findOutput(context, originalOutputs, loss.logits, 'model.logitsOutput');
    requireRank(context, logits, 2, 'classification logits are [batch, classes]');
    const declared = valueInfoDims(logits)?.[1];
    const width = typeof declared === 'number' ? declared : outputWidthFromGraph(context.graph, logits.name ?? '');
    const oneLogit = oneLogitProblem(logits.name ?? '', width);
    if (oneLogit) throw new Error(`${context.modelName}: ${oneLogit}`);
    const logitsValue = asFloat32(context, logits);
    const labels = loss.labels ?? DEFAULT_LABELS_INPUT;
    requireUnused(context, labels, 'labels input');
    requireUnused(context, LOSS_OUTPUT, 'per-example loss output');
    // Reuse the logits' batch dimension (symbolic or fixed) so ORT sees the two agree.
    const batch = valueInfoDims(logits)?.[0] ?? 'batch';
    graph.input.push(makeValueInfo(labels, 'int64', [batch]));
    addedInputs.push(labels);
    if (context.opset >= MIN_CLASSIFICATION_OPSET) {
      graph.node.push({
        op_type: 'SoftmaxCrossEntropyLoss',
        name: 'zo/softmax_cross_entropy',
        input: [logitsValue, labels],
        output: [LOSS_OUTPUT],
        attribute: [stringAttr('reduction', 'none'), intAttr('ignore_index', -100)],
      });
    } else {
      const appended = oldOpsetClassificationLossNodes(logitsValue, labels, LOSS_OUTPUT);
      for (const name of [...appended.nodes.flatMap((node) => node.output), ...appended.initializers.map((t) => t.name ?? '')]) {
        if (name !== LOSS_OUTPUT) requireUnused(context, name, 'classification loss');
      }
      graph.node.push(...appended.nodes);
      graph.initializer.push(...appended.initializers);
    }
    lossInfo = makeValueInfo(LOSS_OUTPUT, 'float', [batch]);
  }

  graph.output = [lossInfo, ...extras];
  return { addedInputs, outputNames: graph.output.map((output) => output.name ?? '') };
}
