/**
 * Rademacher u_j in {-1, +1} for element j of a layer (FZOO's directions): a pure function of
 * (LayerKey, j). One Threefry-2x32-20 call with counter (floor(j / 64), 0) gives 64 bits; element j
 * takes bit (j mod 32) of word (j mod 64 < 32 ? 0 : 1), and a set bit means -1. Blocks are indexed by
 * the element index, not by the call, so chunk boundaries never change a value.
 */
import { threefry2x32 } from './threefry';
import { checkFillRange } from './fill-range';
import type { LayerKey } from './seeds';

const scratch = new Uint32Array(2);
// Module-level alias: an imported binding is a getter under tsx/esbuild CommonJS (see normal.ts).
const threefry = threefry2x32;

/** u_j for one element (tests, small jobs); fillRademacher produces the same values. */
export function rademacherAt(key: LayerKey, j: number): number {
  threefry2x32(Math.floor(j / 64), 0, key.key0, key.key1, scratch);
  const word = scratch[(j & 63) >>> 5]!;
  return (word >>> (j & 31)) & 1 ? -1 : 1;
}

/**
 * Writes u_j to out[j - offset] for every layer element j in [start, end) (same convention as
 * fillNormal). Cost is one Threefry call per 64 elements, so this is memory-bound.
 */
export function fillRademacher(
  key: LayerKey,
  out: Float32Array,
  start = 0,
  end: number = out.length,
  offset = 0,
): void {
  checkFillRange(out.length, start, end, offset);
  let j = start;
  while (j < end) {
    const block = Math.floor(j / 64);
    threefry(block, 0, key.key0, key.key1, scratch);
    const w0 = scratch[0]!;
    const w1 = scratch[1]!;
    const blockEnd = Math.min(end, block * 64 + 64);
    for (; j < blockEnd; j++) {
      const word = (j & 63) < 32 ? w0 : w1;
      out[j - offset] = 1 - 2 * ((word >>> (j & 31)) & 1); // bit 1 -> -1, bit 0 -> +1
    }
  }
}
