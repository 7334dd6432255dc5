/**
 * Shared argument check of the fill functions. Convention everywhere in this folder:
 * `fill*(key, out, start, end, offset)` writes element j of the layer, for j in [start, end), to
 * out[j - offset]. So `out` may be the whole layer (offset 0) or a buffer holding only a chunk that
 * begins at layer element `offset`.
 */

/** Largest element index + 1: the element index is the first counter word, a uint32. */
export const MAX_LAYER_ELEMENTS = 4294967296;

export function checkFillRange(outLength: number, start: number, end: number, offset: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || !Number.isInteger(offset)) {
    throw new RangeError(`start, end and offset must be integers, got ${start}, ${end}, ${offset}`);
  }
  if (start < 0 || end < start || end > MAX_LAYER_ELEMENTS) {
    throw new RangeError(`need 0 <= start <= end <= 2^32, got start ${start}, end ${end}`);
  }
  if (end > start && (start < offset || end - offset > outLength)) {
    throw new RangeError(
      `elements [${start}, ${end}) do not fit a buffer of ${outLength} starting at element ${offset}`,
    );
  }
}
