/**
 * The resident step's two sessions — the z graph and the optimizer's update graph — and the state
 * tensors they chain: θ, z and (HELENE) m, h, λ. Two ways to hold that state, one code path:
 *
 * - 'host' (CPU EP, what CI runs): every state tensor wraps the optimizer's own Float32Array (the
 *   arrays the training graph already reads as `<l>::theta` / `<l>::dir`), and each run writes its
 *   outputs into those arrays as pre-allocated outputs, in place (onnxruntime-node accepts output
 *   tensors in `fetches`; every update output is produced by the last node reading that input, so
 *   writing in place is safe). No copy anywhere; checkpoints read the arrays as today.
 * - 'device' (WebGPU): outputs stay on the GPU (`preferredOutputLocation: 'gpu-buffer'`) and the next
 *   run takes them as inputs; the previous buffers are disposed. Only the step's scalars and the
 *   per-layer update norms cross to the host; `download()` brings θ, m, h, λ back into the host arrays
 *   (checkpoints, statistics, the state guard) and `upload()` makes the host arrays the state again
 *   (after a resume or a guard's restore). The host arrays are stale in between.
 *   On the CPU EP, `deviceState: true` runs this same path with the outputs as fresh host tensors
 *   (`getData()` returns them instead of downloading): how CI tests the code WebGPU runs.
 * Every run counts its bytes host↔device in `transfers` (state tensors count as resident).
 */
import * as ort from 'onnxruntime-node';
import type { TrainableLayer } from '../../optim/optimizer';
import { stepSeed, zKey, type Seed64 } from '../../rng/seeds';
import { createSession } from '../provider';
import { readProfile, type ProviderReport } from '../profile-provider';
import type { Provider } from '../../protocol';
import { buildZGraph, KEYS_INPUT, zOutput } from './z-graph';
import { buildMezoUpdateGraph } from './mezo-update-graph';
import { buildHeleneUpdateGraph, FLOOR_INPUT, REFRESH_INPUT } from './helene-update-graph';
import { buildLayerwiseRefreshGraph, buildLayerwiseUpdateGraph } from './layerwise-update-graphs';
import { blockFloorIn, blockLrIn, blockMeanOut, blockScaleIn, hIn, hOut, LAMBDA_IN, LAMBDA_OUT, mIn, mOut, thetaIn, thetaOut, updateSqOut, zIn, zMaskIn } from './update-inputs';
import { TransferMeter, byteSize } from '../transfer-meter';

/** 'layerwise': block-coordinate HELENE (two state graphs: refresh, then update; layerwise-update-graphs.ts). */
export type ResidentOptimizer = 'mezo' | 'helene' | 'layerwise';
export type StateLocation = 'host' | 'device';

/** HELENE's extra state, as host arrays (host mode writes into them; gpu-buffer mode uploads them once). */
export interface HeleneArrays {
  m: Float32Array[];
  h: Float32Array[];
  /** Per-layer λ chained by the paper's update graph (layerwise keeps its λ per block on the host). */
  lambda?: Float32Array;
}

/** Per-block vectors of one layerwise step, one Float32Array [blocks_i] per layer. */
export interface BlockVectors {
  lr: Float32Array[];
  scale: Float32Array[];
  floor: Float32Array[];
}

export interface ResidentGraphsOptions {
  provider: Provider;
  threads: number;
  /** Profile the first runs of both sessions (files `<prefix>-z*.json`, `<prefix>-update*.json`), for providerReports(). */
  profilePrefix?: string;
  /**
   * Called with every layer's θ and z state tensor at creation and whenever a run or upload() replaced
   * one, so the training graph's feeds follow (TrainingEngine.rebind: it also marks them resident).
   */
  onRebind?: (layer: string, which: 'theta' | 'dir', tensor: ort.Tensor) => void;
  /** On the CPU EP: hold the state the way WebGPU does (swapped output tensors, download/upload). Always true on WebGPU. */
  deviceState?: boolean;
}

const scalar = (v: number) => new ort.Tensor('float32', Float32Array.of(v), []);

export class ResidentGraphs {
  /** Current value of every chained tensor, by the update graph's input name. */
  readonly state = new Map<string, ort.Tensor>();
  private readonly keys: Uint32Array;
  /** Which training-graph feed a θ or z state tensor is. */
  private readonly feedOf = new Map<string, [string, 'theta' | 'dir']>();
  /** The host array behind each state tensor (download target). */
  private readonly hostArrays = new Map<string, Float32Array>();
  readonly location: StateLocation;
  /** Bytes host↔device of the z and update runs, downloads and uploads. */
  readonly transfers = new TransferMeter();
  /** Downloads made (checkpoints, statistics, guard scans): each moves θ, m, h, λ once. */
  downloads = 0;
  /** The last update's Σδ² had a non-finite value: θ (or m, h) is no longer finite on the device. */
  nonFiniteUpdate = false;

  private constructor(
    readonly layers: TrainableLayer[],
    readonly optimizer: ResidentOptimizer,
    private readonly zSession: ort.InferenceSession,
    private readonly updateSession: ort.InferenceSession,
    readonly provider: Provider,
    private readonly options: ResidentGraphsOptions,
    helene?: HeleneArrays,
    /** Layerwise only: the refresh graph (m, h, the chosen block's mean) and the blocks per layer. */
    private readonly refreshSession?: ort.InferenceSession,
    private readonly blocks?: number[],
  ) {
    this.location = provider === 'webgpu' || options.deviceState ? 'device' : 'host';
    this.keys = new Uint32Array(layers.length * 2);
    layers.forEach((l, i) => {
      this.feedOf.set(thetaIn(l.name), [l.name, 'theta']);
      this.feedOf.set(zIn(l.name), [l.name, 'dir']);
      this.state.set(thetaIn(l.name), new ort.Tensor('float32', l.theta, l.shape));
      this.state.set(zIn(l.name), new ort.Tensor('float32', l.dir, l.shape));
      if (helene) {
        this.state.set(mIn(l.name), new ort.Tensor('float32', helene.m[i], l.shape));
        this.state.set(hIn(l.name), new ort.Tensor('float32', helene.h[i], l.shape));
      }
    });
    if (helene?.lambda) this.state.set(LAMBDA_IN, new ort.Tensor('float32', helene.lambda, [layers.length]));
    for (const [name, tensor] of this.state) this.hostArrays.set(name, tensor.data as Float32Array);
    for (const [name, tensor] of this.state) this.rebind(name, tensor);
  }

  private rebind(state: string, tensor: ort.Tensor): void {
    const feed = this.feedOf.get(state);
    if (feed) this.options.onRebind?.(feed[0], feed[1], tensor);
  }

  /** A state tensor that wraps the host array itself (the start, host mode, or after upload()). */
  private isHostArray(name: string, tensor: ort.Tensor): boolean {
    return tensor.location === 'cpu' && tensor.data === this.hostArrays.get(name);
  }

  /**
   * Feeds of a run: state tensors are resident, everything else is a host→device copy. (The first run's
   * upload of the initial host arrays is not counted: per-step figures are taken after it; upload() counts its own.)
   */
  private countedRun(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, fetches: Parameters<ort.InferenceSession['run']>[1]): Promise<ort.InferenceSession.ReturnType> {
    this.transfers.feeds(feeds, (name) => this.state.has(name));
    return session.run(feeds, fetches as never);
  }

  /**
   * Build the graphs for these layers and open them on `provider` (exactly that one: the caller chose).
   * `blocks`: layerwise only, the blocks per layer (../../optim/helene-blocks.ts makeBlocks).
   */
  static async create(layers: TrainableLayer[], optimizer: ResidentOptimizer, options: ResidentGraphsOptions, helene?: HeleneArrays, blocks?: number[]): Promise<ResidentGraphs> {
    const chained = (names: string[]) => (options.provider === 'webgpu' ? names : undefined);
    if (optimizer === 'layerwise' && (!blocks || !helene)) throw new Error('ResidentGraphs: layerwise needs the blocks per layer and the m, h arrays');
    const blocked = layers.map((l, i) => ({ ...l, blocks: blocks?.[i] ?? 1 }));
    // WebGPU has no kernels for the bit ops: there the hash is spelled in arithmetic (bit-ops.ts), same bits.
    const bits = options.provider === 'webgpu' ? 'arithmetic' : 'native';
    const zModel = buildZGraph(layers, optimizer === 'layerwise' ? { blocks, bits } : { bits });
    const updateModel = optimizer === 'mezo' ? buildMezoUpdateGraph(layers) : optimizer === 'helene' ? buildHeleneUpdateGraph(layers) : buildLayerwiseUpdateGraph(blocked);
    const stateOutputs = layers.flatMap((l) => (optimizer === 'helene' ? [thetaOut(l.name), mOut(l.name), hOut(l.name)] : [thetaOut(l.name)]));
    const profile = (part: string) => (options.profilePrefix ? { profilePrefix: `${options.profilePrefix}-${part}` } : {});
    const open = async (model: Uint8Array, outputs: string[], part: string) =>
      (await createSession({ model, requested: options.provider, threads: options.threads, residentOutputs: chained(outputs), ...profile(part) })).session;
    const zSession = await open(zModel, layers.map((l) => zOutput(l.name)), 'z');
    const updateSession = await open(updateModel, optimizer === 'helene' ? [...stateOutputs, LAMBDA_OUT] : stateOutputs, 'update');
    const refreshSession = optimizer === 'layerwise' ? await open(buildLayerwiseRefreshGraph(blocked), layers.flatMap((l) => [mOut(l.name), hOut(l.name)]), 'refresh') : undefined;
    const graphs = new ResidentGraphs(layers, optimizer, zSession, updateSession, options.provider, options, helene, refreshSession, blocks);
    // gpu-buffer mode starts from the host tensors: onnxruntime uploads an input on first use, and
    // from the first update on the state is the GPU outputs.
    return graphs;
  }

  /** z of step t for every layer: the keys are the CPU path's (zKey(stepSeed(run, t), i)); only they are fed. */
  async generateZ(runSeed: Seed64, t: number, masks?: Float32Array[]): Promise<void> {
    const step = stepSeed(runSeed, t);
    this.layers.forEach((_, i) => {
      const k = zKey(step, i);
      this.keys[2 * i] = k.key0;
      this.keys[2 * i + 1] = k.key1;
    });
    const feeds: Record<string, ort.Tensor> = { [KEYS_INPUT]: new ort.Tensor('uint32', this.keys, [this.layers.length, 2]) };
    // Layerwise: the step's chosen block (1) in its layer's mask, 0 elsewhere.
    if (this.blocks) this.layers.forEach((l, i) => (feeds[zMaskIn(l.name)] = new ort.Tensor('float32', masks![i], [this.blocks![i], 1])));
    const pairs = this.layers.map((l) => [zOutput(l.name), zIn(l.name)] as const);
    await this.runChained(this.zSession, feeds, pairs);
  }

  /**
   * One update: θ (and m, h, λ) ← the optimizer's update from the step's scalars. Returns Σδ² per
   * layer (scalars: the statistics need no download).
   */
  async update(scalars: Record<string, number>, helene?: { refresh: boolean; floor: Float32Array }): Promise<Float64Array> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, value] of Object.entries(scalars)) feeds[name] = scalar(value);
    for (const [name, tensor] of this.state) feeds[name] = tensor;
    const pairs: (readonly [string, string])[] = [];
    for (const l of this.layers) {
      pairs.push([thetaOut(l.name), thetaIn(l.name)]);
      if (this.optimizer === 'helene') pairs.push([mOut(l.name), mIn(l.name)], [hOut(l.name), hIn(l.name)]);
    }
    if (helene) {
      feeds[REFRESH_INPUT] = new ort.Tensor('bool', Uint8Array.of(helene.refresh ? 1 : 0), []);
      feeds[FLOOR_INPUT] = new ort.Tensor('float32', helene.floor, [this.layers.length]);
      pairs.push([LAMBDA_OUT, LAMBDA_IN]);
    }
    const extra = this.layers.map((l) => updateSqOut(l.name));
    const out = await this.runChained(this.updateSession, feeds, pairs, extra);
    for (const name of extra) this.transfers.deviceToHost += byteSize(out[name]);
    return this.updateNorms(out, extra);
  }

  /**
   * Layerwise, after the two passes: m' and (the chosen block) h' from the step's scalars and the z
   * masks; returns each layer's chosen-block mean of h' (0 where no block of the layer was chosen).
   */
  async layerwiseRefresh(scalars: Record<string, number>, masks: Float32Array[]): Promise<Float64Array> {
    const feeds = this.stateFeeds(this.refreshSession!, scalars);
    this.layers.forEach((l, i) => (feeds[zMaskIn(l.name)] = new ort.Tensor('float32', masks[i], [this.blocks![i], 1])));
    const pairs = this.layers.flatMap((l) => [[mOut(l.name), mIn(l.name)] as const, [hOut(l.name), hIn(l.name)] as const]);
    const extra = this.layers.map((l) => blockMeanOut(l.name));
    const out = await this.runChained(this.refreshSession!, feeds, pairs, extra);
    for (const name of extra) this.transfers.deviceToHost += byteSize(out[name]);
    return Float64Array.from(extra, (name) => (out[name].data as Float32Array)[0]);
  }

  /** Layerwise: θ' from m', h' and the per-block lr, scale and floor the host derived; returns Σδ² per layer. */
  async layerwiseUpdate(scalars: Record<string, number>, vectors: BlockVectors): Promise<Float64Array> {
    const feeds = this.stateFeeds(this.updateSession, scalars);
    this.layers.forEach((l, i) => {
      const dims = [this.blocks![i], 1];
      feeds[blockLrIn(l.name)] = new ort.Tensor('float32', vectors.lr[i], dims);
      feeds[blockScaleIn(l.name)] = new ort.Tensor('float32', vectors.scale[i], dims);
      feeds[blockFloorIn(l.name)] = new ort.Tensor('float32', vectors.floor[i], dims);
    });
    const extra = this.layers.map((l) => updateSqOut(l.name));
    const out = await this.runChained(this.updateSession, feeds, this.layers.map((l) => [thetaOut(l.name), thetaIn(l.name)] as const), extra);
    for (const name of extra) this.transfers.deviceToHost += byteSize(out[name]);
    return this.updateNorms(out, extra);
  }

  /** Σδ² per layer from the update's outputs; a non-finite one flags the state (the Trainer then scans it). */
  private updateNorms(out: ort.InferenceSession.ReturnType, names: string[]): Float64Array {
    const sq = Float64Array.from(names, (name) => (out[name].data as Float32Array)[0]);
    this.nonFiniteUpdate = sq.some((v) => !Number.isFinite(v));
    return sq;
  }

  /** The step's scalars and the state tensors this session reads. */
  private stateFeeds(session: ort.InferenceSession, scalars: Record<string, number>): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, value] of Object.entries(scalars)) feeds[name] = scalar(value);
    for (const name of session.inputNames) if (this.state.has(name)) feeds[name] = this.state.get(name)!;
    return feeds;
  }

  /**
   * Run a session whose outputs `pairs[k][0]` become state `pairs[k][1]`: in place on the host,
   * or swapped for the new device tensors. `extra` outputs are fetched to the host as usual.
   */
  private async runChained(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, pairs: (readonly [string, string])[], extra: string[] = []): Promise<ort.InferenceSession.ReturnType> {
    if (this.location === 'host') {
      const fetches: Record<string, ort.Tensor | null> = {};
      for (const [output, state] of pairs) fetches[output] = this.state.get(state)!;
      for (const name of extra) fetches[name] = null;
      return this.countedRun(session, feeds, fetches);
    }
    const out = await this.countedRun(session, feeds, [...pairs.map(([o]) => o), ...extra]);
    for (const [output, state] of pairs) this.replace(state, out[output]);
    return out;
  }

  /** Make `tensor` the state `name`, rebind the training feed, and free the previous device tensor. */
  private replace(name: string, tensor: ort.Tensor): void {
    const previous = this.state.get(name);
    this.state.set(name, tensor);
    this.rebind(name, tensor);
    // The host arrays are ours to keep: only device tensors (gpu-buffers, or their CPU stand-ins) are freed.
    if (previous && previous !== tensor && !this.isHostArray(name, previous)) previous.dispose();
  }

  /** The state a checkpoint holds: θ, m, h, λ (z is regenerated from the step seed). */
  private *checkpointed(): Iterable<[string, ort.Tensor]> {
    for (const [name, tensor] of this.state) if (this.feedOf.get(name)?.[1] !== 'dir') yield [name, tensor];
  }

  /**
   * Bring θ, m, h, λ back into the host arrays (device mode: `getData()`, a download on WebGPU; host
   * mode: nothing to do). The device state stays current: training goes on from it.
   */
  async download(): Promise<void> {
    if (this.location === 'host') return;
    this.downloads++;
    for (const [name, tensor] of this.checkpointed()) {
      if (this.isHostArray(name, tensor)) continue;
      this.hostArrays.get(name)!.set((await tensor.getData()) as Float32Array);
      this.transfers.deviceToHost += byteSize(tensor);
    }
  }

  /**
   * Make the host arrays the state again (device mode), after something wrote them: a resume's
   * checkpoint, a guard's restore. The next run uploads them (onnxruntime copies a host input on use).
   */
  upload(): void {
    if (this.location === 'host') return;
    for (const [name, tensor] of this.checkpointed()) this.transfers.hostToDevice += byteSize(tensor);
    for (const [name] of [...this.checkpointed()]) this.replace(name, new ort.Tensor('float32', this.hostArrays.get(name)!, this.state.get(name)!.dims));
  }

  /** With profilePrefix: stop profiling and say which provider ran each graph's nodes (after at least one step). */
  providerReports(): { z: ProviderReport; update: ProviderReport } {
    if (!this.options.profilePrefix) throw new Error('ResidentGraphs was created without profilePrefix');
    this.zSession.endProfiling();
    this.updateSession.endProfiling();
    return { z: readProfile(`${this.options.profilePrefix}-z`), update: readProfile(`${this.options.profilePrefix}-update`) };
  }

  /** Close the sessions and free the device state (a θ-sized buffer per state tensor on a GPU). */
  async release(): Promise<void> {
    for (const [name, tensor] of this.state) if (!this.isHostArray(name, tensor)) tensor.dispose();
    await this.zSession.release();
    await this.updateSession.release();
    await this.refreshSession?.release();
  }
}
