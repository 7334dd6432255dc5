/**
 * Cross-entropy for exports older than opset 12, which have no SoftmaxCrossEntropyLoss (opset 9 to 11:
 * the default of older torch.onnx.export versions and of many converters):
 *
 *   ce = −Σ_c OneHot(labels, C)_c · LogSoftmax(logits)_c     over the last axis of logits
 *
 * Used by the classification loss ([B, C] logits, loss-head.ts) and by the causal-LM token loss
 * ([B, S-1, V] logits, causal-lm-loss.ts). Only ops of opset 9 with their opset-9…11 spelling (OneHot
 * from 9; ReduceSum's axes as an attribute; LogSoftmax before 13 coerces its input to 2-D at `axis`,
 * which for the last axis is the softmax over it). The model's opset import is left as it is, so
 * nothing else in the user's graph is reinterpreted (raising it would change e.g. Dropout, whose ratio
 * became an input at 12). A label outside [0, C) gives an all-zero row (OneHot's rule), so 0.
 */
import type { NodeProto, TensorProto } from './onnx-types';
import { intAttr, intsAttr } from './graph-builder';
import { makeFloatTensor, makeInt64Tensor } from './tensor-data';

/** OneHot exists from opset 9. */
export const MIN_OLD_OPSET_CLASSIFICATION = 9;

export interface OneHotCrossEntropyNodes {
  nodes: NodeProto[];
  initializers: TensorProto[];
}

/**
 * Nodes computing `output` (logits' shape without its last axis) from float32 `logits` whose last axis
 * `axis` holds the classes and int64 `labels`; every other name comes from `n`.
 */
export function oneHotCrossEntropyNodes(n: (s: string) => string, logits: string, labels: string, axis: number, output: string): OneHotCrossEntropyNodes {
  const initializers = [makeInt64Tensor(n('class_axis'), [], [axis]), makeFloatTensor(n('off_on'), [2], [0, 1])];
  const nodes: NodeProto[] = [
    { op_type: 'Shape', name: n('shape'), input: [logits], output: [n('shape')] },
    { op_type: 'Gather', name: n('classes'), input: [n('shape'), n('class_axis')], output: [n('classes')], attribute: [intAttr('axis', 0)] },
    { op_type: 'OneHot', name: n('one_hot'), input: [labels, n('classes'), n('off_on')], output: [n('one_hot')], attribute: [intAttr('axis', -1)] },
    { op_type: 'LogSoftmax', name: n('log_p'), input: [logits], output: [n('log_p')], attribute: [intAttr('axis', axis)] },
    { op_type: 'Mul', name: n('picked'), input: [n('one_hot'), n('log_p')], output: [n('picked')] },
    { op_type: 'ReduceSum', name: n('log_p_label'), input: [n('picked')], output: [n('log_p_label')], attribute: [intsAttr('axes', [axis]), intAttr('keepdims', 0)] },
    { op_type: 'Neg', name: n('ce'), input: [n('log_p_label')], output: [output] },
  ];
  return { nodes, initializers };
}

/** The per-example classification loss `output` [B] from logits [B, C] and labels [B]. All names start with `zo/ce/`. */
export function oldOpsetClassificationLossNodes(logits: string, labels: string, output: string): OneHotCrossEntropyNodes {
  return oneHotCrossEntropyNodes((s) => `zo/ce/${s}`, logits, labels, 1, output);
}
