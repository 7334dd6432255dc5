/**
 * The z graph of the resident step: input `zo_keys` (uint32 [L, 2], row i = layer i's key of the
 * step), one float output `<layer>::z` per trainable. Run once per step; its outputs are fed as the
 * training graph's `<layer>::dir` inputs (θ + scale·z, in the graph) and to the update graph, so z is
 * hashed once per step, not once per pass. Under WebGPU the outputs stay in GPU buffers.
 */
import { GraphBuilder } from '../../onnx/graph-builder';
import { encodeModel } from '../../onnx/model-io';
import { RESIDENT_OPSET } from './onnx-consts';
import { appendAllZ } from './z-ops';
import type { BitOpsKind } from './bit-ops';
import { i64s } from './onnx-consts';
import { zMaskIn } from './update-inputs';

export interface ResidentLayer {
  name: string;
  shape: number[];
  size: number;
}

export const KEYS_INPUT = 'zo_keys';
export const zOutput = (layer: string): string => `${layer}::z`;

/**
 * `maxPairs`: the hash's chunk size (z-ops.ts appendAllZ; the default keeps each buffer under WebGPU's binding cap).
 * With `words`, also outputs `<layer>::w0` / `::w1`, the raw Threefry words (uint32), for the bit-exact test.
 * With `blocks` (block-coordinate HELENE: blocks per layer), z of layer i is multiplied by the input
 * `<layer>::z_mask` [blocks_i, 1] over the layer viewed as [blocks_i, size / blocks_i]: 1 on the
 * step's chosen block, 0 elsewhere, so the passes perturb that block alone.
 */
export function buildZGraph(layers: ResidentLayer[], options: { words?: boolean; blocks?: number[]; maxPairs?: number; bits?: BitOpsKind } = {}): Uint8Array {
  const b = new GraphBuilder({ graphName: 'resident_z', opset: RESIDENT_OPSET });
  b.input(KEYS_INPUT, 'uint32', [layers.length, 2]);
  const zs = appendAllZ(b, KEYS_INPUT, layers, options.words, options.maxPairs, options.bits);
  layers.forEach((layer, i) => {
    let z = zs[i].z;
    const blocks = options.blocks?.[i];
    if (blocks !== undefined) {
      const mask = b.input(zMaskIn(layer.name), 'float', [blocks, 1]);
      const view = b.op('Reshape', [z, i64s(b, [blocks, layer.size / blocks])], [], `mask${i}/view`);
      z = b.op('Reshape', [b.op('Mul', [view, mask]), i64s(b, layer.shape)], [], `mask${i}/z`);
    }
    b.node('Identity', [z], [zOutput(layer.name)]);
    b.output(zOutput(layer.name), 'float', layer.shape);
    if (options.words) {
      const pairs = Math.ceil(layer.size / 2);
      b.node('Identity', [zs[i].w0!], [`${layer.name}::w0`]);
      b.node('Identity', [zs[i].w1!], [`${layer.name}::w1`]);
      b.output(`${layer.name}::w0`, 'uint32', [pairs]);
      b.output(`${layer.name}::w1`, 'uint32', [pairs]);
    }
  });
  return encodeModel(b.build());
}
