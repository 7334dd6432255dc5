/**
 * Block-coordinate HELENE (`variant: layerwise`, ../../optim/helene-layerwise.ts) as two ONNX graphs.
 * Each layer is viewed as [B, w]: B blocks of w elements (B = 1 for layer blocks and rank-1 tensors,
 * the first axis for row blocks), so every per-block scalar of the CPU optimizer is a [B, 1] vector
 * that broadcasts over its block. The step is element-wise given those scalars, but the θ update
 * needs the chosen block's new mean h (its λ and the size-weighted mean curvature H̄) — a value the
 * host computes from block bookkeeping (refresh counts, bias correction, H̄ over the blocks chosen so
 * far) — so the step is two graphs with one scalar per layer coming back between them:
 *
 * refresh (after the two passes; z is 0 off the chosen block, the z graph masks it):
 *   m' = β1 m + g z                                   every block (the rest only decays, as on the CPU)
 *   h' = sel ? β2 h + s z⊙z : h                       sel = z_mask, the chosen block only
 *   block_mean = Σ_b sel_b mean_w(h'_b)               the chosen block's mean (0 in other layers)
 * update (host: λ_i, H̄, per-block scale and floor):
 *   θ' = θ − lr_b (clip(m' / (scale_b max(h', floor_b) + ε_den), ±ρ) + decay θ)   decay = wd on rank ≥ 2
 * Inputs and outputs are named in update-inputs.ts. Float32 per op; the CPU kernels work in float64 per element.
 */
import { GraphBuilder, intAttr } from '../../onnx/graph-builder';
import { encodeModel } from '../../onnx/model-io';
import { DataType } from '../../onnx/onnx-types';
import { i64s, RESIDENT_OPSET } from './onnx-consts';
import { blockFloorIn, blockLrIn, blockMeanOut, blockScaleIn, hIn, hOut, mIn, mOut, thetaIn, thetaOut, updateSqOut, zIn, zMaskIn } from './update-inputs';
import type { UpdateLayer } from './mezo-update-graph';

export interface BlockedLayer extends UpdateLayer {
  size: number;
  /** Blocks of this layer (equal, contiguous: rows or the whole tensor). */
  blocks: number;
}

export const LAYERWISE_REFRESH_SCALARS = ['beta1', 'g', 'beta2', 's'] as const;
export const LAYERWISE_UPDATE_SCALARS = ['eps_den', 'rho', 'wd'] as const;

const blocked = (l: BlockedLayer): number[] => [l.blocks, l.size / l.blocks];

export function buildLayerwiseRefreshGraph(layers: BlockedLayer[]): Uint8Array {
  const b = new GraphBuilder({ graphName: 'resident_layerwise_refresh', opset: RESIDENT_OPSET });
  for (const s of LAYERWISE_REFRESH_SCALARS) b.input(s, 'float', []);
  layers.forEach((layer, i) => {
    const p = `r${i}`;
    const [m, h, z] = [mIn, hIn, zIn].map((n) => b.input(n(layer.name), 'float', layer.shape));
    const sel = b.input(zMaskIn(layer.name), 'float', [layer.blocks, 1]);
    b.node('Add', [b.op('Mul', ['beta1', m]), b.op('Mul', ['g', z])], [mOut(layer.name)]);
    const view = i64s(b, blocked(layer));
    const h2 = b.op('Reshape', [h, view], [], `${p}/h2`);
    const z2 = b.op('Reshape', [z, view], [], `${p}/z2`);
    const refreshed = b.op('Add', [b.op('Mul', ['beta2', h2]), b.op('Mul', ['s', b.op('Mul', [z2, z2])])], [], `${p}/h_refreshed`);
    const chosen = b.op('Cast', [sel], [intAttr('to', DataType.BOOL)], `${p}/chosen`);
    const hNext2 = b.op('Where', [chosen, refreshed, h2], [], `${p}/h_next2`);
    b.node('Reshape', [hNext2, i64s(b, layer.shape)], [hOut(layer.name)]);
    const rowMeans = b.op('ReduceMean', [hNext2, i64s(b, [1])], [intAttr('keepdims', 1)], `${p}/block_means`);
    b.node('ReduceSum', [b.op('Mul', [rowMeans, sel])], [blockMeanOut(layer.name)], [intAttr('keepdims', 0)]);
    b.output(mOut(layer.name), 'float', layer.shape);
    b.output(hOut(layer.name), 'float', layer.shape);
    b.output(blockMeanOut(layer.name), 'float', []);
  });
  return encodeModel(b.build());
}

export function buildLayerwiseUpdateGraph(layers: BlockedLayer[]): Uint8Array {
  const b = new GraphBuilder({ graphName: 'resident_layerwise_update', opset: RESIDENT_OPSET });
  for (const s of LAYERWISE_UPDATE_SCALARS) b.input(s, 'float', []);
  const negRho = b.op('Neg', ['rho'], [], 'neg_rho');
  layers.forEach((layer, i) => {
    const p = `u${i}`;
    const [theta, m, h] = [thetaIn, mIn, hIn].map((n) => b.input(n(layer.name), 'float', layer.shape));
    const [lr, scale, floor] = [blockLrIn, blockScaleIn, blockFloorIn].map((n) => b.input(n(layer.name), 'float', [layer.blocks, 1]));
    const view = i64s(b, blocked(layer));
    const [theta2, m2, h2] = [theta, m, h].map((x, k) => b.op('Reshape', [x, view], [], `${p}/view${k}`));
    const denominator = b.op('Add', [b.op('Mul', [scale, b.op('Max', [h2, floor])]), 'eps_den']);
    const ratio = b.op('Clip', [b.op('Div', [m2, denominator]), negRho, 'rho']);
    const inner = layer.rank >= 2 ? b.op('Add', [ratio, b.op('Mul', ['wd', theta2])]) : ratio;
    const delta = b.op('Mul', [lr, inner], [], `${p}/delta`);
    b.node('Reshape', [b.op('Sub', [theta2, delta]), i64s(b, layer.shape)], [thetaOut(layer.name)]);
    b.node('ReduceSumSquare', [delta], [updateSqOut(layer.name)], [intAttr('keepdims', 0)]);
    b.output(thetaOut(layer.name), 'float', layer.shape);
    b.output(updateSqOut(layer.name), 'float', []);
  });
  return encodeModel(b.build());
}
