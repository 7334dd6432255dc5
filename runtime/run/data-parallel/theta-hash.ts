/**
 * A cheap 64-bit fingerprint of the weights, compared between data-parallel workers every N steps:
 * two independent 32-bit multiply-xor lanes over the float bits (not cryptographic; it only has to
 * tell apart weights that should be bit-identical). About 1 ns per element.
 */
import type { TrainableLayer } from '../../optim/optimizer';

export function thetaHash(layers: readonly Pick<TrainableLayer, 'theta'>[]): string {
  let a = 0x811c9dc5 | 0;
  let b = 0x9e3779b9 | 0;
  for (const layer of layers) {
    const words = new Uint32Array(layer.theta.buffer, layer.theta.byteOffset, layer.theta.length);
    a = Math.imul(a ^ words.length, 0x01000193);
    b = Math.imul(b ^ words.length, 0x85ebca6b);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      a = Math.imul(a ^ w, 0x01000193);
      b = Math.imul((b ^ w) + 0x6b43a9b5, 0xc2b2ae35);
      b ^= b >>> 15;
    }
  }
  const hex = (x: number) => (x >>> 0).toString(16).padStart(8, '0');
  return hex(a) + hex(b);
}
