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
 * as an input from 13.
 */
import type { NodeProto, TensorProto } from './onnx-types';
import { intAttr, intsAttr, stringAttr } from './graph-builder';
import { makeInt64Tensor, makeScalarFloatTensor } from './tensor-data';
import { DataType } from './onnx-types';

export const IGNORE_INDEX = -100;
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
  const reduceSum = (input: string, out: string): NodeProto =>
    opset >= 13
      ? { op_type: 'ReduceSum', name: out, input: [input, n('one')], output: [out], attribute: [intAttr('keepdims', 0)] }
      : { op_type: 'ReduceSum', name: out, input: [input], output: [out], attribute: [intsAttr('axes', [1]), intAttr('keepdims', 0)] };
  const nodes: NodeProto[] = [
    // logits[:, :-1, :] and labels[:, 1:]
    { op_type: 'Slice', name: n('shift_logits'), input: [logits, n('zero'), n('minus_one'), n('one')], output: [n('shift_logits')] },
    { op_type: 'Slice', name: n('shift_labels'), input: [labels, n('one'), n('end'), n('one')], output: [n('shift_labels')] },
    { op_type: 'Transpose', name: n('class_axis'), input: [n('shift_logits')], output: [n('logits_bvs')], attribute: [intsAttr('perm', [0, 2, 1])] },
    {
      op_type: 'SoftmaxCrossEntropyLoss',
      name: n('token_ce'),
      input: [n('logits_bvs'), n('shift_labels')],
      output: [n('token_loss')],
      attribute: [stringAttr('reduction', 'none'), intAttr('ignore_index', IGNORE_INDEX)],
    },
    reduceSum(n('token_loss'), n('loss_sum')),
    { op_type: 'Equal', name: n('is_ignored'), input: [n('shift_labels'), n('ignore')], output: [n('is_ignored')] },
    { op_type: 'Not', name: n('is_scored'), input: [n('is_ignored')], output: [n('is_scored')] },
    { op_type: 'Cast', name: n('scored_float'), input: [n('is_scored')], output: [n('scored_float')], attribute: [intAttr('to', DataType.FLOAT)] },
    reduceSum(n('scored_float'), n('count')),
    { op_type: 'Max', name: n('safe_count'), input: [n('count'), n('min_count')], output: [n('safe_count')] },
    { op_type: 'Div', name: n('mean'), input: [n('loss_sum'), n('safe_count')], output: [output] },
  ];
  return { nodes, initializers };
}
