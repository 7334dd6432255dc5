/**
 * MeZO's update as an ONNX graph (spec "Baselines"; ../../optim/mezo.ts sgdUpdate):
 *   θ' = θ − lr (c z + decay_i θ),  decay_i = wd for tensors of rank ≥ 2, else 0
 * Inputs: per layer `<l>::theta`, `<l>::z`; float scalars `lr`, `c`, `wd` (fed each step, so live
 * hyperparameter changes need no new session). Outputs: `<l>::theta_next` and `<l>::update_sq`.
 * Float32 per op, where the JS kernel rounds once per element from float64: a few ulp per step.
 */
import { GraphBuilder, intAttr } from '../../onnx/graph-builder';
import { encodeModel } from '../../onnx/model-io';
import { RESIDENT_OPSET } from './onnx-consts';
import { thetaIn, thetaOut, updateSqOut, zIn } from './update-inputs';

export interface UpdateLayer {
  name: string;
  shape: number[];
  /** Weight decay applies to rank ≥ 2 only. */
  rank: number;
}

export const MEZO_SCALARS = ['lr', 'c', 'wd'] as const;

export function buildMezoUpdateGraph(layers: UpdateLayer[]): Uint8Array {
  const b = new GraphBuilder({ graphName: 'resident_mezo_update', opset: RESIDENT_OPSET });
  for (const s of MEZO_SCALARS) b.input(s, 'float', []);
  for (const layer of layers) {
    const theta = b.input(thetaIn(layer.name), 'float', layer.shape);
    const z = b.input(zIn(layer.name), 'float', layer.shape);
    let inner = b.op('Mul', ['c', z]);
    if (layer.rank >= 2) inner = b.op('Add', [inner, b.op('Mul', ['wd', theta])]);
    const delta = b.op('Mul', ['lr', inner]);
    b.node('Sub', [theta, delta], [thetaOut(layer.name)]);
    b.node('ReduceSumSquare', [delta], [updateSqOut(layer.name)], [intAttr('keepdims', 0)]);
    b.output(thetaOut(layer.name), 'float', layer.shape);
    b.output(updateSqOut(layer.name), 'float', []);
  }
  return encodeModel(b.build());
}
