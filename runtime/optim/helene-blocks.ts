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
  return explainBlockKind(layers, kind, totalSteps).kind;
}

/** resolveBlockKind with the numbers behind it, in words (recorded in run.json for "auto"). */
export function explainBlockKind(layers: TrainableLayer[], kind: BlockKind, totalSteps: number): { kind: 'layer' | 'row'; reason: string } {
  if (kind !== 'auto') return { kind, reason: `optimizer.blocks is "${kind}"` };
  const total = layers.reduce((n, l) => n + l.size, 0);
  let smallestRow = Infinity;
  for (const l of layers) if (l.rank >= 2 && l.shape[0] > 1) smallestRow = Math.min(smallestRow, l.size / l.shape[0]);
  if (!Number.isFinite(smallestRow)) return { kind: 'layer', reason: 'no trainable tensor of rank >= 2 has rows to split, so row and layer blocks are the same' };
  const choices = (totalSteps * smallestRow) / total;
  const rows = choices >= MIN_CHOICES_PER_ROW_BLOCK;
  return {
    kind: rows ? 'row' : 'layer',
    reason:
      `the smallest row block (${smallestRow} of ${total} trainable elements) would be chosen about ${choices.toFixed(1)} times in ${totalSteps} steps by size, ` +
      `${rows ? 'at least' : 'under'} the ${MIN_CHOICES_PER_ROW_BLOCK} that row blocks need, so ${rows ? 'one block per row' : `one block per tensor (${layers.length} blocks)`}`,
  };
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
