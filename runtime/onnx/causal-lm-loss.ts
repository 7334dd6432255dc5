/**
 * The per-example causal-LM loss appended to a decoder's logits [B, S, V]:
 *
 *   loss_b = sum_t CE(logits[b, t], labels[b, t + 1]) / max(#{t : labels[b, t + 1] != -100}, 1)
 *
 * i.e. position t predicts token t + 1 (the shift), and labels of -100 (prompt tokens, padding,
 * the first token) are excluded. This matched PyTorch to 1e-7 (field notes): Transpose the shifted
 * logits to [B, V, S-1], SoftmaxCrossEntropyLoss(reduction 'none', ignore_index -100) gives [B, S-1]
 * with zeros at ignored positions, sum over tokens, divide by the count of scored tokens.
 * Emitted for the model's own opset: ReduceSum takes its axes as an attribute before opset 13 and
 * as an input from 13; below 12 (no SoftmaxCrossEntropyLoss) the token loss is spelled with OneHot.
 */
import type { NodeProto, TensorProto } from './onnx-types';
import { intAttr, intsAttr, stringAttr } from './graph-builder';
import { makeInt64Tensor, makeScalarFloatTensor } from './tensor-data';
import { oneHotCrossEntropyNodes, type OneHotCrossEntropyNodes } from './one-hot-cross-entropy';
import { DataType } from './onnx-types';

export const IGNORE_INDEX = -100;
/** SoftmaxCrossEntropyLoss exists from opset 12; below it the token loss is spelled with OneHot. */
const MIN_SOFTMAX_CE_OPSET = 12;
/** The shift's Slice takes its starts/ends as inputs from opset 10. */
export const MIN_CAUSAL_LM_OPSET = 10;

/** token_loss [B, S-1] = SoftmaxCrossEntropyLoss over the class axis moved to 1, ignored labels 0. */
function softmaxCrossEntropy(n: (s: string) => string): NodeProto[] {
  return [
    { op_type: 'Transpose', name: n('class_axis'), input: [n('shift_logits')], output: [n('logits_bvs')], attribute: [intsAttr('perm', [0, 2, 1])] },
    {
      op_type: 'SoftmaxCrossEntropyLoss',
      name: n('token_ce'),
      input: [n('logits_bvs'), n('shift_labels')],
      output: [n('token_loss')],
      attribute: [stringAttr('reduction', 'none'), intAttr('ignore_index', IGNORE_INDEX)],
    },
  ];
}

/**
 * The same token_loss for opset 10-11 exports: the one-hot cross-entropy over the vocabulary (axis 2),
 * times the scored mask, so an ignored token (-100) counts 0 as ignore_index makes it (OneHot alone would
 * read -100 as a valid index from the end in a vocabulary of 100 or fewer).
 */
function oneHotCrossEntropy(n: (s: string) => string): OneHotCrossEntropyNodes {
  const ce = oneHotCrossEntropyNodes((s) => n(`ce/${s}`), n('shift_logits'), n('shift_labels'), 2, n('token_ce'));
  ce.nodes.push({ op_type: 'Mul', name: n('token_loss'), input: [n('token_ce'), n('scored_float')], output: [n('token_loss')] });
  return ce;
}
const INT64_MAX = Number.MAX_SAFE_INTEGER; // Slice clamps ends to the dimension; 2^53 - 1 is plenty.

export interface CausalLossNodes {
  nodes: NodeProto[];
  initializers: TensorProto[];
}

/** Nodes computing `output` [B] from `logits` [B, S, V] and int64 `labels` [B, S]. All names start with `zo/lm/`. */
export function causalLmLossNodes(logits: string, labels: string, output: string, opset: number): CausalLossNodes {
  const n = (s: string) => `zo/lm/${s}`;
  const initializers = [
    makeInt64Tensor(n('zero'), [1], [0]),
    makeInt64Tensor(n('one'), [1], [1]),
    makeInt64Tensor(n('minus_one'), [1], [-1]),
    makeInt64Tensor(n('end'), [1], [INT64_MAX]),
    makeInt64Tensor(n('ignore'), [], [IGNORE_INDEX]),
    makeScalarFloatTensor(n('min_count'), 1),
  ];
  const tokenLoss = opset >= MIN_SOFTMAX_CE_OPSET ? { nodes: softmaxCrossEntropy(n), initializers: [] } : oneHotCrossEntropy(n);
  initializers.push(...tokenLoss.initializers);
  const reduceSum = (input: string, out: string): NodeProto =>
    opset >= 13
      ? { op_type: 'ReduceSum', name: out, input: [input, n('one')], output: [out], attribute: [intAttr('keepdims', 0)] }
      : { op_type: 'ReduceSum', name: out, input: [input], output: [out], attribute: [intsAttr('axes', [1]), intAttr('keepdims', 0)] };
  const nodes: NodeProto[] = [
    // logits[:, :-1, :] and labels[:, 1:]
    { op_type: 'Slice', name: n('shift_logits'), input: [logits, n('zero'), n('minus_one'), n('one')], output: [n('shift_logits')] },
    { op_type: 'Slice', name: n('shift_labels'), input: [labels, n('one'), n('end'), n('one')], output: [n('shift_labels')] },
    { op_type: 'Equal', name: n('is_ignored'), input: [n('shift_labels'), n('ignore')], output: [n('is_ignored')] },
    { op_type: 'Not', name: n('is_scored'), input: [n('is_ignored')], output: [n('is_scored')] },
    { op_type: 'Cast', name: n('scored_float'), input: [n('is_scored')], output: [n('scored_float')], attribute: [intAttr('to', DataType.FLOAT)] },
    ...tokenLoss.nodes,
    reduceSum(n('token_loss'), n('loss_sum')),
    reduceSum(n('scored_float'), n('count')),
    { op_type: 'Max', name: n('safe_count'), input: [n('count'), n('min_count')], output: [n('safe_count')] },
    { op_type: 'Div', name: n('mean'), input: [n('loss_sum'), n('safe_count')], output: [output] },
  ];
  return { nodes, initializers };
}
