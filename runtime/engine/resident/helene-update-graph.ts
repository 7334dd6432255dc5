/**
 * HELENE's update as an ONNX graph, `variant: paper` as ../../../docs/helene-spec.md states it
 * (../../optim/helene.ts is the CPU form). Per layer i, with the step's scalars fed by the host:
 *   m' = β1 m + g z                                g = α_t c (annealed) or (1 − β1) c (ema)
 *   h' = β2h h + s (z ⊙ z)                         refresh steps: β2h = β2, s = (1 − β2)·ĥ scale; else 1 and 0
 *   λ_i' = refresh ? κ mean(h') + floor_i : λ_i    relative: κ, floor 0; constant / explicit: κ = 0, floor_i the value
 *   r = clip(m' / (γ max(h', λ_i') + ε_den), ±ρ)   ρ = +∞ when unset
 *   θ' = θ − lr (r + decay_i θ)                    decay_i = wd on rank ≥ 2
 * Inputs: `<l>::theta|m|h|z`, `lambda` [L], `floor` [L], scalars below. Outputs: `<l>::theta_next|m_next|h_next`,
 * `lambda_next` [L], `<l>::update_sq`. Float32 per op; the JS kernels work in float64 per element.
 */
import { GraphBuilder, intAttr } from '../../onnx/graph-builder';
import { encodeModel } from '../../onnx/model-io';
import { i64, i64s, RESIDENT_OPSET } from './onnx-consts';
import { boundedConcat } from './bounded-fan';
import { hIn, hOut, LAMBDA_IN, LAMBDA_OUT, mIn, mOut, thetaIn, thetaOut, updateSqOut, zIn } from './update-inputs';
import type { UpdateLayer } from './mezo-update-graph';

export const HELENE_SCALARS = ['lr', 'beta1', 'g', 'beta2h', 's', 'kappa', 'gamma', 'eps_den', 'rho', 'wd'] as const;
export const REFRESH_INPUT = 'refresh';
export const FLOOR_INPUT = 'floor';

export function buildHeleneUpdateGraph(layers: UpdateLayer[]): Uint8Array {
  const b = new GraphBuilder({ graphName: 'resident_helene_update', opset: RESIDENT_OPSET });
  for (const s of HELENE_SCALARS) b.input(s, 'float', []);
  b.input(REFRESH_INPUT, 'bool', []);
  b.input(LAMBDA_IN, 'float', [layers.length]);
  b.input(FLOOR_INPUT, 'float', [layers.length]);
  const negRho = b.op('Neg', ['rho'], [], 'neg_rho');
  const lambdas: string[] = [];
  layers.forEach((layer, i) => {
    const p = `u${i}`;
    const [theta, m, h, z] = [thetaIn, mIn, hIn, zIn].map((n) => b.input(n(layer.name), 'float', layer.shape));
    const mNext = b.node('Add', [b.op('Mul', ['beta1', m]), b.op('Mul', ['g', z])], [mOut(layer.name)]).output[0];
    const hNext = b.node('Add', [b.op('Mul', ['beta2h', h]), b.op('Mul', ['s', b.op('Mul', [z, z])])], [hOut(layer.name)]).output[0];
    const lambdaOld = b.op('Gather', [LAMBDA_IN, i64(b, i)], [intAttr('axis', 0)], `${p}/lambda_old`);
    const floor = b.op('Gather', [FLOOR_INPUT, i64(b, i)], [intAttr('axis', 0)], `${p}/floor`);
    const hMean = b.op('ReduceMean', [hNext], [intAttr('keepdims', 0)], `${p}/h_mean`);
    const lambdaNew = b.op('Add', [b.op('Mul', ['kappa', hMean]), floor], [], `${p}/lambda_new`);
    const lambda = b.op('Where', [REFRESH_INPUT, lambdaNew, lambdaOld], [], `${p}/lambda`);
    lambdas.push(b.op('Unsqueeze', [lambda, i64s(b, [0])], [], `${p}/lambda_1`));
    const denominator = b.op('Add', [b.op('Mul', ['gamma', b.op('Max', [hNext, lambda])]), 'eps_den']);
    const ratio = b.op('Clip', [b.op('Div', [mNext, denominator]), negRho, 'rho']);
    const inner = layer.rank >= 2 ? b.op('Add', [ratio, b.op('Mul', ['wd', theta])]) : ratio;
    const delta = b.op('Mul', ['lr', inner]);
    b.node('Sub', [theta, delta], [thetaOut(layer.name)]);
    b.node('ReduceSumSquare', [delta], [updateSqOut(layer.name)], [intAttr('keepdims', 0)]);
    b.output(thetaOut(layer.name), 'float', layer.shape);
    b.output(mOut(layer.name), 'float', layer.shape);
    b.output(hOut(layer.name), 'float', layer.shape);
    b.output(updateSqOut(layer.name), 'float', []);
  });
  boundedConcat(b, lambdas, 0, LAMBDA_OUT);
  b.output(LAMBDA_OUT, 'float', [layers.length]);
  return encodeModel(b.build());
}
