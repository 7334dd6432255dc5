/**
 * Bounded histories for long runs. A 100,000-step run must not hold 100,000 chart points per series
 * (Chart.js redraws every point on every update), yet the newest points must stay exact because that
 * is what the user is watching. So: the newest `recent` items are kept verbatim; older items are
 * folded into buckets, and whenever the buckets exceed their budget adjacent pairs are merged (the
 * span of a bucket doubles). Memory and output size are bounded by recent + buckets, whatever the
 * run length, and each push costs O(1) amortised.
 */

export interface Point {
  x: number;
  y: number;
  /**
   * The point's position on every x axis the panel offers (step, training forward passes, examples,
   * wall time), when the pusher knows it; kept through decimation so the axis can be switched later.
   */
  at?: AxisValues;
}

/** Where a point sits on each x axis (see x-axis.ts). */
export interface AxisValues {
  step: number;
  forwardPasses: number;
  examples: number;
  wallSeconds: number;
}

/** How items of type Item fold into buckets of type Bucket. */
export interface BucketOps<Item, Bucket> {
  open(item: Item): Bucket;
  add(bucket: Bucket, item: Item): void;
  /** Merge b (newer) into a (older) and return the result; a may be reused. */
  merge(a: Bucket, b: Bucket): Bucket;
}

export interface HistoryLimits {
  /** Items kept exactly (the newest ones). */
  recent: number;
  /** Maximum number of buckets for everything older; must be >= 2. */
  buckets: number;
}

interface Slot<Bucket> {
  bucket: Bucket;
  /** Items folded into this bucket. */
  count: number;
}

export class BoundedHistory<Item, Bucket> {
  private readonly slots: Slot<Bucket>[] = [];
  /** Items per full bucket; doubles on every compaction. */
  private span = 1;
  private recentItems: Item[] = [];
  /** Index of the oldest live item in recentItems (shifting an array is O(n), so compact lazily). */
  private head = 0;
  private pushed = 0;

  constructor(
    private readonly ops: BucketOps<Item, Bucket>,
    private readonly limits: HistoryLimits,
  ) {
    if (limits.recent < 1 || limits.buckets < 2) throw new Error('BoundedHistory needs recent >= 1 and buckets >= 2');
  }

  push(item: Item): void {
    this.pushed++;
    this.recentItems.push(item);
    if (this.recentItems.length - this.head > this.limits.recent) {
      this.archive(this.recentItems[this.head]);
      this.head++;
      if (this.head >= this.limits.recent) {
        this.recentItems = this.recentItems.slice(this.head);
        this.head = 0;
      }
    }
  }

  /** Items ever pushed. */
  get size(): number {
    return this.pushed;
  }

  /** The exact newest items, oldest first. */
  recent(): Item[] {
    return this.recentItems.slice(this.head);
  }

  /** Buckets of the older items, oldest first. */
  buckets(): Bucket[] {
    return this.slots.map((s) => s.bucket);
  }

  last(): Item | undefined {
    return this.recentItems.length > this.head ? this.recentItems[this.recentItems.length - 1] : undefined;
  }

  private archive(item: Item): void {
    const open = this.slots[this.slots.length - 1];
    if (open && open.count < this.span) {
      this.ops.add(open.bucket, item);
      open.count++;
      return;
    }
    this.slots.push({ bucket: this.ops.open(item), count: 1 });
    if (this.slots.length > this.limits.buckets) this.compact();
  }

  /** Merge adjacent pairs: half the buckets, twice the span. */
  private compact(): void {
    const merged: Slot<Bucket>[] = [];
    for (let i = 0; i < this.slots.length; i += 2) {
      const a = this.slots[i];
      const b = this.slots[i + 1];
      merged.push(b ? { bucket: this.ops.merge(a.bucket, b.bucket), count: a.count + b.count } : a);
    }
    this.slots.length = 0;
    this.slots.push(...merged);
    this.span *= 2;
  }
}

/**
 * Min/max bucket: keeps the lowest and highest point of its items so spikes (a diverging loss, a
 * slow step) survive decimation. Non-finite values are not comparable; a bucket that saw only
 * non-finite values yields one gap point (NaN), which Chart.js draws as a break in the line.
 */
export interface MinMaxBucket {
  min: Point | null;
  max: Point | null;
  /** The bucket's first point (its x places the gap of an all-non-finite bucket). */
  first: Point;
}

const minMaxOps: BucketOps<Point, MinMaxBucket> = {
  open(p) {
    const finite = Number.isFinite(p.y);
    return { min: finite ? p : null, max: finite ? p : null, first: p };
  },
  add(b, p) {
    if (!Number.isFinite(p.y)) return;
    if (!b.min || p.y < b.min.y) b.min = p;
    if (!b.max || p.y > b.max.y) b.max = p;
  },
  merge(a, b) {
    return {
      min: !a.min ? b.min : !b.min ? a.min : b.min.y < a.min.y ? b.min : a.min,
      max: !a.max ? b.max : !b.max ? a.max : b.max.y > a.max.y ? b.max : a.max,
      first: a.first,
    };
  },
};

function bucketPoints(b: MinMaxBucket, out: Point[]): void {
  if (!b.min || !b.max) {
    out.push({ x: b.first.x, y: Number.NaN, ...(b.first.at ? { at: b.first.at } : {}) });
  } else if (b.min === b.max) {
    out.push(b.min);
  } else if (b.min.x <= b.max.x) {
    out.push(b.min, b.max);
  } else {
    out.push(b.max, b.min);
  }
}

export interface SeriesLimits {
  /** Newest points kept exactly. */
  recent: number;
  /** Upper bound on all points returned by points(). */
  maxPoints: number;
}

export const DEFAULT_SERIES_LIMITS: SeriesLimits = { recent: 500, maxPoints: 2000 };

/** A chart series of any length that returns at most maxPoints points, the newest ones exact. */
export class DecimatedSeries {
  private readonly history: BoundedHistory<Point, MinMaxBucket>;

  constructor(readonly limits: SeriesLimits = DEFAULT_SERIES_LIMITS) {
    // Each bucket yields up to two points.
    const buckets = Math.floor((limits.maxPoints - limits.recent) / 2);
    this.history = new BoundedHistory(minMaxOps, { recent: limits.recent, buckets });
  }

  push(x: number, y: number, at?: AxisValues): void {
    this.history.push(at ? { x, y, at } : { x, y });
  }

  /** Points ever pushed (not the number returned). */
  get size(): number {
    return this.history.size;
  }

  last(): Point | undefined {
    return this.history.last();
  }

  /** Oldest first, x non-decreasing; a fresh array the caller may hand to Chart.js. */
  points(): Point[] {
    const out: Point[] = [];
    for (const b of this.history.buckets()) bucketPoints(b, out);
    for (const p of this.history.recent()) out.push(p);
    return out;
  }
}
