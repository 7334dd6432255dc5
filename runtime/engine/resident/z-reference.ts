/**
 * The resident z stream (z-ops.ts) in JS, op for op in float32 (Math.fround after every ONNX op), for
 * the tests and for a CPU run that must see the same directions as a resident one. Not a hot path.
 */
import { threefry2x32_13 } from '../../rng/threefry';
import type { LayerKey } from '../../rng/seeds';
import { BOX_MULLER_ANGLE_STEP } from './z-ops';

const words = new Uint32Array(2);
const f = Math.fround;

/** Writes z_j for j in [0, out.length) of the layer with this key. */
export function fillResidentNormal(key: LayerKey, out: Float32Array): void {
  for (let p = 0; 2 * p < out.length; p++) {
    threefry2x32_13(p, 0, key.key0, key.key1, words);
    const u1 = f(f((words[0]! >>> 8) + 0.5) * 2 ** -24);
    const radius = f(Math.sqrt(f(f(Math.log(u1)) * -2)));
    const angle = f((words[1]! >>> 8) * BOX_MULLER_ANGLE_STEP);
    out[2 * p] = f(radius * f(Math.cos(angle)));
    if (2 * p + 1 < out.length) out[2 * p + 1] = f(radius * f(Math.sin(angle)));
  }
}
