/**
 * Blocks for block-coordinate HELENE (helene-layerwise.ts): views into a layer's theta, dir, m and h
 * that the optimizer perturbs and pre-conditions as a unit.
 *   "layer": one block per trainable tensor (an ONNX initializer or a LoRA matrix);
 *   "row":   tensors of rank >= 2 split along their first axis (for a MatMul weight [in, out], one
 *            block per input feature, whose curvature scales with that feature's second moment;
 *            for a weight consumed transposed, e.g. a torch Linear exported as Gemm transB=1 with
 *            shape [out, in], one block per OUTPUT, which carries no such per-feature curvature);
 *            rank-1 tensors (biases, norm scales) stay whole.
 * Views share memory with the layer's arrays (subarray), so nothing is copied.
 */
import type { TrainableLayer } from './optimizer';

export type BlockKind = 'layer' | 'row';

export interface Block {
  /** Index of the layer the block belongs to. */
  layer: number;
  offset: number;
  size: number;
  /** A TrainableLayer-shaped view, so a DirectionSource can fill the block's z alone. */
  view: TrainableLayer;
}

export function makeBlocks(layers: TrainableLayer[], kind: BlockKind): Block[] {
  const blocks: Block[] = [];
  layers.forEach((layer, i) => {
    const rows = kind === 'row' && layer.rank >= 2 ? layer.shape[0] : 1;
    const width = layer.size / rows;
    for (let r = 0; r < rows; r++) {
      const offset = r * width;
      const view: TrainableLayer = {
        name: rows > 1 ? `${layer.name}[${r}]` : layer.name,
        shape: [width],
        size: width,
        rank: layer.rank,
        theta: layer.theta.subarray(offset, offset + width),
        dir: layer.dir.subarray(offset, offset + width),
      };
      blocks.push({ layer: i, offset, size: width, view });
    }
  });
  return blocks;
}
