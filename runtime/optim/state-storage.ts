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
 * Cost of the non-default forms: one float32 scratch of the largest tensor per state (m, h), i.e.
 * 4 B × the largest tensor each, and one widen and one narrow pass per layer per step.
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
 * One per-element state (m or h) of every layer, in the chosen storage. Use: `open(i)` gives a
 * float32 per-element view of layer i, the kernels update it, `commit(i, view)` stores it back.
 * One layer may be open at a time (the non-default forms share one scratch buffer). `read(i)` is
 * open without commit, for statistics.
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

  /** Stored elements of layer i (its size, or its row count with per-row storage). */
  storedLength(i: number): number {
    return this.stored[i].length;
  }

  /** Float32 per-element view of layer i: the stored array, or the scratch filled from it. */
  open(i: number): Float32Array {
    if (this.direct(i)) return this.stored[i] as Float32Array;
    if (this.openLayer >= 0 && this.openLayer !== i) throw new Error(`state tensor: layer ${this.openLayer} is still open while opening layer ${i}`);
    this.openLayer = i;
    const size = this.layouts[i].size;
    if (!this.scratch || this.scratch.length < size) this.scratch = new Float32Array(Math.max(size, ...this.layouts.map((l) => l.size)));
    const view = this.scratch.subarray(0, size);
    const stored = this.stored[i];
    const rows = this.rows[i];
    if (rows === 1) {
      widenBf16(stored as Uint16Array, view);
    } else {
      const width = size / rows;
      for (let r = 0; r < rows; r++) view.fill(this.value(i, r), r * width, (r + 1) * width);
    }
    return view;
  }

  /** Store layer i's view back (rounded to bfloat16, and/or averaged over each row). */
  commit(i: number, view: Float32Array): void {
    if (this.direct(i)) return;
    this.openLayer = -1;
    const stored = this.stored[i];
    const rows = this.rows[i];
    if (rows === 1) {
      narrowToBf16(view, stored as Uint16Array);
      return;
    }
    const width = view.length / rows;
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let j = r * width; j < (r + 1) * width; j++) sum += view[j];
      const mean = sum / width;
      if (stored instanceof Float32Array) stored[r] = mean;
      else stored[r] = toBf16Bits(mean);
    }
  }

  /** A float32 per-element view for reading only (statistics); nothing is stored back. */
  read(i: number): Float32Array {
    const view = this.open(i);
    if (!this.direct(i)) this.openLayer = -1;
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

/**
 * hessianShape "row": replace each first-axis row of layer i's per-element h view by its mean (in
 * float32), so an update later in the same step already sees the row value. [offset, offset + size)
 * is the part refreshed (a whole layer, or a block of whole rows). Layers kept per element (rank < 2,
 * or hessianShape "element") are left alone. The layer's mean, hence lambda_i, is unchanged by
 * averaging, so callers keep the mean their kernel computed.
 */
export function averageRows(h: Float32Array, layout: StateLayout, perRow: boolean, offset = 0, size = h.length): void {
  const rows = rowsOf(layout, perRow);
  if (rows === 1) return;
  const width = layout.size / rows;
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
