/**
 * The run's direction source: z (and FZOO's Rademacher u) from the counter-based generator in
 * runtime/rng, keyed by (run seed, step t, layer index). Nothing is stored between uses: the same
 * call regenerates the same bits, whichever number of kernel threads fills the buffers.
 *
 * onnxruntime-node rejects tensors over a SharedArrayBuffer at run time ("Invalid argument"), so
 * the dir buffers fed to the graph are ordinary memory; layers large enough for the worker pool are
 * filled by the workers into a shared staging buffer and copied (a memcpy, ~0.3-0.5 ns/element).
 *
 * Staging memory: two buffers the size of the largest pooled layer, not one per layer (a staging
 * copy of every layer would cost 4 bytes per trainable element, a third of HELENE's whole budget).
 * Large layers go through the workers one after another, double-buffered: while the workers fill
 * layer k into one buffer, this thread copies layer k-1 out of the other and fills small layers
 * inline.
 */
import { allocShared, fillNormal, fillRademacher, KernelPool, rademacherKey, stepSeed, zKey, type LayerKey, type Seed64 } from '../rng';
import type { DirectionSource, TrainableLayer } from '../optim/optimizer';

type Kind = 'normal' | 'rademacher';

/** A grouped fill in flight: each worker's group of layers [from, to) at `offset` in the staging. */
interface GroupedFill {
  staging: Float32Array;
  jobs: { from: number; to: number; offset: number; done: Promise<void> }[];
  /** Layers from here on are filled on this thread. */
  leftover: number;
  keyOf: (i: number) => LayerKey;
}

/**
 * Up to this many trainable elements, z is filled by whole layers: each worker one contiguous group
 * of layers in one round trip, then this thread copies them out of the shared buffer (staging of 4
 * bytes per trainable element). Per-layer pooling gave nothing on the 1 M encoder (54 layers, most
 * under minParallel: 4.1-4.3 ms with 2 workers, 4.3-4.4 ms inline; grouped: 2.8 ms), and it lets the
 * next step's z be made during the update (prefetchNext). Larger models keep the per-layer double
 * buffer, whose staging is two layers: 4 bytes per element would be a third of MeZO's memory there.
 * 16 M is also where engine.concurrentPasses "auto" stops (64 MB of staging at most).
 */
const GROUPED_MAX_ELEMENTS = 16 * 1024 * 1024;

export class SeededDirections implements DirectionSource {
  private staging: [Float32Array, Float32Array] | null = null;
  /** The grouped fill's shared buffer (startGrouped). */
  private groupStaging: Float32Array | null = null;
  /** Whether the last normal() call got the same layer list as the one before it. */
  private sameListTwice = false;
  /** Step t's z started by prefetchNext, for the layer list of the previous normal() call. */
  private next: { t: number; layers: TrainableLayer[]; fill: GroupedFill } | null = null;
  /** The layer list of the previous normal() call: a prefetch starts only when the same list comes twice. */
  private lastLayers: TrainableLayer[] | null = null;
  private prefetched: { t: number; layers: TrainableLayer[]; out: Float32Array; bounds: Int32Array; done: Promise<boolean> } | null = null;

  constructor(
    private readonly runSeed: Seed64,
    private readonly pool: KernelPool,
    /** Layers at least this large are filled by the workers (a round trip costs ~3k normals). */
    private readonly minParallel = 65536,
    /** Up to this many elements in all, z is filled by groups of whole layers (startGrouped). */
    private readonly groupedMaxElements = GROUPED_MAX_ELEMENTS,
  ) {}

  /**
   * z of step t. With a background worker (KernelPool options.background), step t + 1's z is then
   * generated there while the caller runs step t's forward passes and update, into one shared
   * buffer of every layer (onnxruntime refuses SharedArrayBuffer inputs, so the dir buffers it reads
   * stay ordinary memory): the next call only copies it into dir (a memcpy per layer). z depends on
   * (seed, t, layer index) alone, so the bits are the same as generating it then. Only a layer list
   * passed twice in a row is prefetched (MeZO, HELENE: every layer every step; the layerwise variant
   * passes a new one-block list each step and gets no prefetch).
   */
  async normal(t: number, layers: TrainableLayer[]): Promise<void> {
    const step = stepSeed(this.runSeed, t);
    this.sameListTwice = layers === this.lastLayers;
    const next = this.next;
    this.next = null;
    if (next && next.t === t && next.layers === layers) {
      await this.finishGrouped(next.fill, layers);
      this.lastLayers = layers;
      return;
    }
    // A prefetch for another step or list: its workers still write the staging this fill reuses.
    if (next) await Promise.allSettled(next.fill.jobs.map((j) => j.done));
    const ready = this.prefetched;
    this.prefetched = null;
    if (ready && ready.t === t && ready.layers === layers && (await ready.done)) {
      for (let i = 0; i < layers.length; i++) layers[i]!.dir.set(ready.out.subarray(ready.bounds[i]!, ready.bounds[i + 1]!));
      this.startPrefetch(t + 1, layers, ready.out);
    } else {
      const fill = this.startGrouped(layers, (i) => zKey(step, i));
      if (fill) await this.finishGrouped(fill, layers);
      else await this.fillAll('normal', layers, (i) => zKey(step, i));
      if (this.pool.hasBackground && this.sameListTwice) this.startPrefetch(t + 1, layers, ready?.out ?? null);
    }
    this.lastLayers = layers;
  }

  private startPrefetch(t: number, layers: TrainableLayer[], out: Float32Array | null): void {
    const step = stepSeed(this.runSeed, t);
    const { keys, bounds } = normalLayersKeys(layers, 0, layers.length, (i) => zKey(step, i));
    // The previous prefetch's buffer serves again for the same list.
    if (!out || out.length !== bounds[layers.length]) out = allocShared(bounds[layers.length]!);
    // A failed prefetch (the pool closed at the end of a run) only means the next call generates z itself.
    const done = this.pool.runInBackground({ kind: 'normal-layers', keys, out, bounds }).then(
      () => true,
      () => false,
    );
    this.prefetched = { t, layers, out, bounds, done };
  }

  async rademacher(t: number, n: number, layers: TrainableLayer[]): Promise<void> {
    const step = stepSeed(this.runSeed, t);
    await this.fillAll('rademacher', layers, (i) => rademacherKey(step, n, i));
  }

  /**
   * Starts z of every layer by groups of whole layers on the workers (GROUPED_MAX_ELEMENTS); null
   * when not applicable (no workers, too few or too many elements): the caller then uses fillAll.
   * finishGrouped completes it. The two halves let prefetchNext start step t + 1's z while this
   * thread runs step t's update.
   */
  private startGrouped(layers: TrainableLayer[], keyOf: (i: number) => LayerKey): GroupedFill | null {
    const workers = this.pool.threads;
    const total = layers.reduce((a, l) => a + l.size, 0);
    if (workers === 0 || total < this.minParallel || total > this.groupedMaxElements) return null;
    // Contiguous groups of about total / workers elements, one per worker; this thread copies each group
    // out as it arrives (measured on the 1 M encoder, 2 workers: 2.8 ms when this thread fills no layer,
    // 3.0 with a tenth, 3.4 with a fifth, 3.4-3.7 with a third). Layers the cuts leave over are filled here.
    const cuts = [0];
    for (let i = 0, acc = 0; i < layers.length && cuts.length <= workers; i++) {
      acc += layers[i]!.size;
      if (acc >= (cuts.length * total) / workers) cuts.push(i + 1);
    }
    while (cuts.length <= workers) cuts.push(layers.length);
    const pooledElements = layers.slice(0, cuts[workers]).reduce((a, l) => a + l.size, 0);
    if (!this.groupStaging || this.groupStaging.length < pooledElements) this.groupStaging = allocShared(pooledElements);
    const staging = this.groupStaging;
    const jobs: GroupedFill['jobs'] = [];
    for (let g = 0, offset = 0; g < workers; g++) {
      const [from, to] = [cuts[g]!, cuts[g + 1]!];
      const { keys, bounds } = normalLayersKeys(layers, from, to, keyOf);
      const size = bounds[to - from]!;
      const done = size > 0 ? this.pool.runOn(g, { kind: 'normal-layers', keys, out: staging.subarray(offset, offset + size), bounds }) : Promise.resolve();
      // Settled here as well: a prefetch that is never finished (the run ended) must not be an unhandled rejection.
      done.catch(() => {});
      jobs.push({ from, to, offset, done });
      offset += size;
    }
    return { staging, jobs, leftover: cuts[workers]!, keyOf };
  }

  /** Waits for a grouped fill's workers, copies their groups into dir, and fills the leftover layers here. */
  private async finishGrouped(fill: GroupedFill, layers: TrainableLayer[]): Promise<void> {
    for (let i = fill.leftover; i < layers.length; i++) this.fillInline('normal', fill.keyOf(i), layers[i]!.dir);
    for (const job of fill.jobs) {
      await job.done;
      for (let i = job.from, at = job.offset; i < job.to; at += layers[i]!.size, i++) layers[i]!.dir.set(fill.staging.subarray(at, at + layers[i]!.size));
    }
  }

  /**
   * Starts step t's z on the workers now, for the layer list the last normal() call filled, so it is
   * made while this thread runs the current step's update (the trainer calls this when the step's
   * passes are done; z depends on (seed, t, layer) alone, so the bits are the same). The next
   * normal(t) with that list only copies it out. Not with the background prefetch (engine.prefetchDirections).
   */
  prefetchNext(t: number): void {
    const layers = this.lastLayers;
    // Only a list passed twice in a row (MeZO, HELENE: every layer every step); the layerwise variant
    // passes a new one-block list each step, and a prefetch of the old block would only delay the next.
    if (!layers || !this.sameListTwice || this.pool.hasBackground || this.next) return;
    const step = stepSeed(this.runSeed, t);
    const fill = this.startGrouped(layers, (i) => zKey(step, i));
    if (fill) this.next = { t, layers, fill };
  }

  private async fillAll(kind: Kind, layers: TrainableLayer[], keyOf: (i: number) => LayerKey): Promise<void> {
    const pooled: number[] = [];
    const inline: number[] = [];
    layers.forEach((layer, i) => (this.pool.threads > 0 && layer.size >= this.minParallel ? pooled : inline).push(i));
    if (pooled.length === 0) {
      for (const i of inline) this.fillInline(kind, keyOf(i), layers[i]!.dir);
      return;
    }
    const staging = this.stagingFor(layers, pooled);
    let previous: { layer: TrainableLayer; buffer: Float32Array } | null = null;
    let inlineNext = 0;
    for (let k = 0; k < pooled.length; k++) {
      const layer = layers[pooled[k]!]!;
      const buffer = staging[k & 1].subarray(0, layer.size);
      const filling = this.fillPooled(kind, keyOf(pooled[k]!), buffer);
      // Meanwhile on this thread: copy the previous layer out, and do a share of the small layers.
      if (previous) previous.layer.dir.set(previous.buffer);
      const share = Math.ceil((inline.length - inlineNext) / (pooled.length - k));
      for (let s = 0; s < share; s++, inlineNext++) this.fillInline(kind, keyOf(inline[inlineNext]!), layers[inline[inlineNext]!]!.dir);
      await filling;
      previous = { layer, buffer };
    }
    if (previous) previous.layer.dir.set(previous.buffer);
    for (; inlineNext < inline.length; inlineNext++) this.fillInline(kind, keyOf(inline[inlineNext]!), layers[inline[inlineNext]!]!.dir);
  }

  private fillPooled(kind: Kind, key: LayerKey, out: Float32Array): Promise<void> {
    return kind === 'normal' ? this.pool.fillNormal(key, out) : this.pool.fillRademacher(key, out);
  }

  /** Small layers: filled on this thread (same function the workers run, so the same bits). */
  private fillInline(kind: Kind, key: LayerKey, out: Float32Array): void {
    if (kind === 'normal') fillNormal(key, out);
    else fillRademacher(key, out);
  }

  private stagingFor(layers: TrainableLayer[], pooled: number[]): [Float32Array, Float32Array] {
    const largest = Math.max(...pooled.map((i) => layers[i]!.size));
    if (!this.staging || this.staging[0].length < largest) this.staging = [allocShared(largest), allocShared(largest)];
    return this.staging;
  }
}

/**
 * The keys and element bounds of a 'normal-layers' kernel job (kernel-jobs.ts) for layers [from, to):
 * layer i's key at keys[2(i − from)], its elements at [bounds[i − from], bounds[i − from + 1]).
 */
function normalLayersKeys(layers: TrainableLayer[], from: number, to: number, keyOf: (i: number) => LayerKey): { keys: Uint32Array; bounds: Int32Array } {
  const keys = new Uint32Array(2 * (to - from));
  const bounds = new Int32Array(to - from + 1);
  for (let i = from; i < to; i++) {
    const k = keyOf(i);
    keys[2 * (i - from)] = k.key0 >>> 0;
    keys[2 * (i - from) + 1] = k.key1 >>> 0;
    bounds[i - from + 1] = bounds[i - from]! + layers[i]!.size;
  }
  return { keys, bounds };
}
