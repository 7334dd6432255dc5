/**
 * How HELENE keeps its per-element state m and h between steps (issue 18 item 4: memory that
 * scales). The update loops stay float32 kernels; only the storage at rest changes.
 *
 *   optimizer.stateDtype   "float32" (default): m and h are Float32Arrays that the kernels update in
 *                          place (no copy, so runs are bit-identical to before the option existed);
 *                          "bfloat16": m and h are stored as bfloat16 bit patterns (Uint16Array,
 *                          2 B/element). A layer's state is widened exactly to float32 into a scratch
 *                          buffer, the unchanged float32 kernels run on it, and it is rounded back
 *                          (round to nearest, ties to even) when the layer is done. So a step equals
 *                          the float32 step with m and h rounded to bfloat16 at the end of each step.
 *   optimizer.hessianShape "element" (default): one h per element, as the spec has it;
 *                          "row": one h per first-axis row of a tensor of rank >= 2 (vectors keep one
 *                          h per element). The kernels see the row value broadcast over its row;
 *                          after a refresh the row's new h is the mean over the row of the spec's
 *                          per-element EMA (the EMA is linear, so that is the EMA of the row mean of
 *                          h_hat). Departure from the spec (docs/helene-spec.md step 6): h_j is
 *                          replaced by its row mean, so h costs rows instead of elements.
 *
 * Cost of the non-default forms: one widen and one narrow pass over the state per step, and a float32
 * scratch per state: 4 B × storageTuning.chunkElements for HELENE "paper" (it walks each layer in
 * chunks), 4 B × the largest tensor for the other variants (they open whole layers).
 */

export type StateDtype = 'float32' | 'bfloat16';
export type HessianShape = 'element' | 'row';

/** What a stored state tensor is: float32 values or bfloat16 bit patterns. */
export type StoredState = Float32Array | Uint16Array;

/** The shape facts a state tensor needs of its layer. */
export interface StateLayout {
  size: number;
  shape: number[];
  rank: number;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * bfloat16 bits of a float32 bit pattern: round to nearest, ties to even. NaN stays NaN (quiet bit
 * set, so a NaN whose payload lies in the dropped half does not become Inf); ±Inf stay; finite values
 * that round past the largest bfloat16 become ±Inf, as IEEE rounding does; subnormals round like
 * any other value (bfloat16 shares float32's exponent range).
 */
export function bf16BitsOfF32Bits(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x0040) & 0xffff;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** bfloat16 bits of x (x is first rounded to float32, as a store from the float32 loop does). */
export function toBf16Bits(x: number): number {
  f32[0] = x;
  return bf16BitsOfF32Bits(u32[0]);
}

/** The value of bfloat16 bits (exact: every bfloat16 is a float32). */
export function fromBf16Bits(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0];
}

/** dst[j] = bfloat16(src[j]) for j < src.length. */
export function narrowToBf16(src: Float32Array, dst: Uint16Array): void {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let j = 0; j < bits.length; j++) {
    const b = bits[j];
    dst[j] = (b & 0x7fffffff) > 0x7f800000 ? (b >>> 16) | 0x0040 : (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
}

/** dst[j] = float32 value of src[j] (exact). */
export function widenBf16(src: Uint16Array, dst: Float32Array): void {
  const bits = new Uint32Array(dst.buffer, dst.byteOffset, src.length);
  for (let j = 0; j < src.length; j++) bits[j] = src[j] << 16;
}

/** Rows the stored form of a layer has: first-axis rows for rank >= 2 with hessianShape row, else 1. */
function rowsOf(layout: StateLayout, perRow: boolean): number {
  return perRow && layout.rank >= 2 && layout.shape[0] > 0 ? layout.shape[0] : 1;
}

/**
 * Elements per chunk when an optimizer walks a layer in pieces (chunks()): the scratch buffers then
 * cost 4 B × this per state instead of 4 B × the largest tensor (at 1.3 B parameters the tied
 * embedding has 65.5 M elements: 262 MB of scratch per state otherwise).
 */
export const storageTuning = { chunkElements: 1 << 20 };

/**
 * One per-element state (m or h) of every layer, in the chosen storage. Use: `open(i)` (or
 * `openRange(i, a, b)`) gives a float32 per-element view, the kernels update it, `commit(i, view)`
 * (`commitRange`) stores it back. One view may be open at a time (the non-default forms share one
 * scratch buffer). `read(i)` is open without commit, for statistics.
 */
export class StateTensor {
  /** The stored arrays, one per layer (what checkpoints save and the state guard scans). */
  readonly stored: StoredState[];
  private readonly rows: number[];
  private scratch: Float32Array | null = null;
  private openLayer = -1;

  constructor(
    private readonly layouts: readonly StateLayout[],
    readonly dtype: StateDtype = 'float32',
    /** One value per first-axis row of rank >= 2 tensors (hessianShape "row"). */
    readonly perRow = false,
  ) {
    this.rows = layouts.map((l) => rowsOf(l, perRow));
    this.stored = layouts.map((l, i) => {
      const n = this.rows[i] > 1 ? this.rows[i] : l.size;
      return dtype === 'bfloat16' ? new Uint16Array(n) : new Float32Array(n);
    });
  }

  /** Is layer i stored as its own float32 per-element array (open hands out the stored array itself)? */
  direct(i: number): boolean {
    return this.dtype === 'float32' && this.rows[i] === 1;
  }

  /** Elements per stored value of layer i: its row length with per-row storage, else 1. */
  width(i: number): number {
    return this.rows[i] === 1 ? 1 : this.layouts[i].size / this.rows[i];
  }

  /** Float32 per-element view of layer i: the stored array, or the scratch filled from it. */
  open(i: number): Float32Array {
    return this.openRange(i, 0, this.layouts[i].size);
  }

  /** Float32 per-element view of elements [a, b) of layer i (row-aligned with per-row storage). */
  openRange(i: number, a: number, b: number): Float32Array {
    if (this.direct(i)) return a === 0 && b === this.layouts[i].size ? (this.stored[i] as Float32Array) : (this.stored[i] as Float32Array).subarray(a, b);
    if (this.openLayer >= 0) throw new Error(`state tensor: layer ${this.openLayer} is still open while opening layer ${i}`);
    this.openLayer = i;
    if (!this.scratch || this.scratch.length < b - a) this.scratch = new Float32Array(b - a);
    const view = this.scratch.subarray(0, b - a);
    const stored = this.stored[i];
    if (this.rows[i] === 1) {
      widenBf16((stored as Uint16Array).subarray(a, b), view);
    } else {
      const width = this.width(i);
      for (let r = a / width, o = 0; o < view.length; r++, o += width) view.fill(this.value(i, r), o, o + width);
    }
    return view;
  }

  /** Store layer i's view back (rounded to bfloat16, and/or averaged over each row). */
  commit(i: number, view: Float32Array): void {
    this.commitRange(i, 0, view);
  }

  /** Store a view opened with openRange(i, a, …) back. */
  commitRange(i: number, a: number, view: Float32Array): void {
    if (this.direct(i)) return;
    this.openLayer = -1;
    const stored = this.stored[i];
    if (this.rows[i] === 1) {
      narrowToBf16(view, (stored as Uint16Array).subarray(a, a + view.length));
      return;
    }
    const width = this.width(i);
    for (let r = a / width, o = 0; o < view.length; r++, o += width) {
      let sum = 0;
      for (let j = o; j < o + width; j++) sum += view[j];
      const mean = sum / width;
      if (stored instanceof Float32Array) stored[r] = mean;
      else stored[r] = toBf16Bits(mean);
    }
  }

  /** A float32 per-element view for reading only (statistics); nothing is stored back. */
  read(i: number): Float32Array {
    return this.readRange(i, 0, this.layouts[i].size);
  }

  /** Close the open view without storing it (it was only read). */
  release(): void {
    this.openLayer = -1;
  }

  /** openRange for reading only; valid until the next open. */
  readRange(i: number, a: number, b: number): Float32Array {
    const view = this.openRange(i, a, b);
    this.openLayer = -1;
    return view;
  }

  /** Layer i per element in float32: the stored array itself when direct, else a fresh copy (tests, golden checks). */
  values(i: number): Float32Array {
    return this.direct(i) ? (this.stored[i] as Float32Array) : this.read(i).slice();
  }

  /** Stored value r of layer i as a number. */
  value(i: number, r: number): number {
    const s = this.stored[i];
    return s instanceof Float32Array ? s[r] : fromBf16Bits(s[r]);
  }
}

/** [start, end) pieces of a layer of `size` elements, about storageTuning.chunkElements each and a multiple of `width`. */
export function* chunks(size: number, width: number, chunk = storageTuning.chunkElements): Generator<[number, number]> {
  const step = Math.max(width, Math.floor(chunk / width) * width);
  for (let a = 0; a < size; a += step) yield [a, Math.min(size, a + step)];
}

/**
 * hessianShape "row": replace each row (`width` consecutive elements) of a per-element h view by its
 * mean, so an update later in the same step already sees the row value. [offset, offset + size) is
 * the part refreshed (a whole layer, or a block of whole rows); width 1 (per element) does nothing.
 * The mean over the range, hence lambda_i, is unchanged, so callers keep the mean their kernel computed.
 */
export function averageRows(h: Float32Array, width: number, offset = 0, size = h.length): void {
  if (width === 1) return;
  for (let start = offset; start < offset + size; start += width) {
    let sum = 0;
    for (let j = start; j < start + width; j++) sum += h[j];
    h.fill(sum / width, start, start + width);
  }
}

/** The storage options of a config (absent keys: the spec's float32 per-element state). */
export function storageOf(config: { stateDtype?: StateDtype; hessianShape?: HessianShape }): { dtype: StateDtype; perRow: boolean } {
  return { dtype: config.stateDtype ?? 'float32', perRow: (config.hessianShape ?? 'element') === 'row' };
}
