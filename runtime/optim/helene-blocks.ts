/**
 * Blocks for block-coordinate HELENE (helene-layerwise.ts): views into a layer's theta, dir, m and h
 * that the optimizer perturbs and pre-conditions as a unit.
 *   "layer": one block per trainable tensor (an ONNX initializer or a LoRA matrix);
 *   "row":   tensors of rank >= 2 split along their first axis (for a MatMul weight [in, out], one
 *            block per input feature, whose curvature scales with that feature's second moment;
 *            for a weight consumed transposed, e.g. a torch Linear exported as Gemm transB=1 with
 *            shape [out, in], one block per OUTPUT, which carries no such per-feature curvature);
 *            rank-1 tensors (biases, norm scales) stay whole;
 *   "auto":  "row" when the run is long enough for every row block to be chosen often (see
 *            resolveBlockKind), else "layer".
 * Views share memory with the layer's arrays (subarray), so nothing is copied.
 */
import type { TrainableLayer } from './optimizer';

export type BlockKind = 'layer' | 'row' | 'auto';

/**
 * "auto" needs every row block chosen at least this many times in the run. With size sampling a
 * block of d elements is chosen steps · d / D times; measured (docs/helene-notes.md §4): the demo's
 * smallest row (4 of 484 elements, 20,000 steps) is chosen ~165 times and row blocks win 3.15x; on
 * the pre-trained encoder's body (rows of 64 of 67,202 elements, 1,000 steps) each row is chosen
 * about once, its h is a single sample, and row blocks lose to MeZO while layer blocks beat it.
 */
export const MIN_CHOICES_PER_ROW_BLOCK = 50;

/** What "auto" means for these layers and this many steps; "layer" and "row" are returned as given. */
export function resolveBlockKind(layers: TrainableLayer[], kind: BlockKind, totalSteps: number): 'layer' | 'row' {
  if (kind !== 'auto') return kind;
  const total = layers.reduce((n, l) => n + l.size, 0);
  let smallestRow = Infinity;
  for (const l of layers) if (l.rank >= 2 && l.shape[0] > 1) smallestRow = Math.min(smallestRow, l.size / l.shape[0]);
  if (!Number.isFinite(smallestRow)) return 'layer'; // nothing to split: the same blocks either way
  return (totalSteps * smallestRow) / total >= MIN_CHOICES_PER_ROW_BLOCK ? 'row' : 'layer';
}

export interface Block {
  /** Index of the layer the block belongs to. */
  layer: number;
  offset: number;
  size: number;
  /** A TrainableLayer-shaped view, so a DirectionSource can fill the block's z alone. */
  view: TrainableLayer;
}

export function makeBlocks(layers: TrainableLayer[], requested: BlockKind, totalSteps = 0): Block[] {
  const kind = resolveBlockKind(layers, requested, totalSteps);
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
