/**
 * One InferenceSession per prepared training graph. The graph takes every trainable as two inputs
 * (`<name>::theta`, `<name>::dir`) plus one scalar `zo_scale`, and computes theta + scale·dir inside
 * the graph; so the feeds below wrap the optimizer's Float32Arrays once (onnxruntime-node does not
 * copy input data) and a perturbed pass only rewrites the one-element scale buffer.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ConcurrentPassesInfo, ConcurrentPassesSetting, EngineInfo, RequestedProvider } from '../protocol';
import type { LossOracle, LossPair, TrainableLayer } from '../optim/optimizer';
import { createSession } from './provider';
import { readProfile, type ProviderReport } from './profile-provider';
import { byteSize, TransferMeter } from './transfer-meter';
import { chooseConcurrentPasses } from './concurrent-passes-choice';
import { PassWorker } from './concurrent-passes';
import { copyTensor, toTensor } from './pass-worker-messages';
import { PairProbe } from './concurrent-passes-probe';
import { AUTO_PROVIDER_CHECK_MIN_STEPS, AUTO_PROVIDER_CHECK_PAIRS, autoProviderVerdict, medianPairMs } from './auto-provider-check';

/** What the engine needs to know about the prepared graph (produced by runtime/onnx/surgery.ts). */
export interface PreparedGraphInfo {
  /** Encoded model, or a path to it. */
  model: Uint8Array | string;
  /** For encoded bytes that reference external data (a model read by readModelStructure): the model's directory. */
  externalDataDir?: string;
  lossOutput: string;
  scaleInput: string;
  thetaInput(name: string): string;
  dirInput(name: string): string;
}

export interface EngineOptions {
  provider: RequestedProvider;
  threads: number;
  kernelThreads: number;
  /** Where the one-off profile file goes (a folder the user gave: the runtime writes nowhere else). */
  profileDir?: string;
  /** engine.concurrentPasses (concurrent-passes-choice.ts); absent = 'off'. */
  concurrentPasses?: ConcurrentPassesSetting;
  /** The run's steps, for the auto rule (absent: not known). */
  steps?: number;
  /** engine.resident: theta lives in the resident graphs (no concurrent passes). */
  resident?: boolean;
  /** Worker script for the concurrent passes instead of dist/pass-worker.js or the tsx source (tests). */
  passWorkerPath?: string;
  /**
   * Tests only: run the "auto" provider check (auto-provider-check.ts) as if the session were on this
   * GPU provider, timing each session with `timePair` (ms of one ±eps pair) instead of real pairs.
   */
  autoProviderCheckAs?: { provider: 'webgpu'; timePair: (on: 'gpu' | 'cpu') => Promise<number> };
}

/** The +eps pass's session (the training graph, half the threads) and the −eps pass's worker. */
interface ConcurrentPair {
  session: ort.InferenceSession;
  worker: PassWorker;
}

export type DataFeeds = Record<string, ort.Tensor>;

export class TrainingEngine implements LossOracle {
  private readonly feeds: Record<string, ort.Tensor> = {};
  private readonly scale: Float32Array;
  private dataInputNames: string[] = [];
  private batch: DataFeeds | null = null;
  /** Filled by verifyProvider(): which provider ran the nodes. */
  providerReport: ProviderReport | null = null;
  /** Bytes host↔device of every pass (fed θ and dir, data, scale in; losses out). */
  readonly transfers = new TransferMeter();
  /** Trainable feeds bound to resident state (rebind): they stay on the device between passes. */
  private readonly residentFeeds = new Set<string>();
  /** Set by setBatch: the concurrent-pass worker needs a copy of the batch before its next pass. */
  private batchChanged = true;
  private pair: ConcurrentPair | null = null;
  /** Called when info.concurrentPasses changes during the run (the auto probe decided, or the worker failed). */
  onConcurrentPassesChange: ((info: ConcurrentPassesInfo) => void) | null = null;
  /** engine.concurrentPasses "auto": the first pairs time both ways (concurrent-passes-probe.ts). */
  private probe: PairProbe | null = null;
  /** "auto" chose WebGPU for fed weights: what settleAutoProvider needs to open a CPU session to time against. */
  private autoCheck: { model: Uint8Array | string; options: EngineOptions; layers: TrainableLayer[] } | null = null;

  private constructor(
    private currentSession: ort.InferenceSession,
    readonly graph: PreparedGraphInfo,
    readonly info: EngineInfo,
    private readonly profilePrefix: string,
    layers: TrainableLayer[],
  ) {
    for (const layer of layers) {
      this.feeds[graph.thetaInput(layer.name)] = new ort.Tensor('float32', layer.theta, layer.shape);
      this.feeds[graph.dirInput(layer.name)] = new ort.Tensor('float32', layer.dir, layer.shape);
    }
    const scaleMeta = currentSession.inputMetadata.find((m) => m.name === graph.scaleInput);
    const scaleDims = scaleMeta && scaleMeta.isTensor ? scaleMeta.shape.map((d) => (typeof d === 'number' ? d : 1)) : [];
    this.scale = new Float32Array(1);
    this.feeds[graph.scaleInput] = new ort.Tensor('float32', this.scale, scaleDims);
  }

  static async create(graph: PreparedGraphInfo, layers: TrainableLayer[], options: EngineOptions): Promise<TrainingEngine> {
    const parent = options.profileDir ?? os.tmpdir();
    fs.mkdirSync(parent, { recursive: true });
    const profileDir = fs.mkdtempSync(path.join(parent, '.helene-profile-'));
    const profilePrefix = path.join(profileDir, 'ort');
    let choice;
    try {
      choice = await createSession({ model: graph.model, externalDataDir: graph.externalDataDir, requested: options.provider, threads: options.threads, profilePrefix });
    } catch (e) {
      fs.rmSync(profileDir, { recursive: true, force: true });
      throw e;
    }
    const info: EngineInfo = {
      requestedProvider: options.provider,
      provider: choice.provider,
      ...(choice.fallbackReason ? { fallbackReason: choice.fallbackReason } : {}),
      threads: options.threads,
      kernelThreads: options.kernelThreads,
      onnxruntimeVersion: ort.env.versions?.common ?? 'unknown',
    };
    const engine = new TrainingEngine(choice.session, { ...graph, model: '' }, info, profilePrefix, layers);
    const checkAs = options.autoProviderCheckAs?.provider ?? choice.provider;
    if (options.provider === 'auto' && checkAs === 'webgpu' && !options.resident) engine.autoCheck = { model: graph.model, options, layers };
    try {
      engine.pair = await startConcurrentPair(graph, layers, options, info);
      if (engine.pair && info.concurrentPasses?.requested === 'auto') engine.probe = new PairProbe();
    } catch (e) {
      await engine.release();
      throw e;
    }
    // The sessions own their copies of the model now: ours was dropped above (the encoded bytes are as large as the model).
    return engine;
  }

  /** Names and metadata of the graph's data inputs (everything but trainables and the scale). */
  dataInputs(): ort.InferenceSession.ValueMetadata[] {
    const internal = new Set(Object.keys(this.feeds));
    return this.session.inputMetadata.filter((m) => !internal.has(m.name));
  }

  /** Point the data inputs at the current batch (tensors wrap the batcher's reused buffers). */
  setBatch(data: DataFeeds): void {
    // Also when the object is the same: the batcher refills its buffers in place.
    this.batchChanged = true;
    // The batcher hands back the same feeds object while the batch width stays: nothing to redo.
    if (data === this.batch) return;
    this.batch = data;
    for (const name of this.dataInputNames) delete this.feeds[name];
    Object.assign(this.feeds, data);
    this.dataInputNames = Object.keys(data);
  }

  async losses(scale: number): Promise<Float32Array> {
    this.scale[0] = scale;
    const out = await this.run([this.graph.lossOutput]);
    return out[this.graph.lossOutput].data as Float32Array;
  }

  /**
   * Both losses of an SPSA estimate, at theta + eps·dir and theta − eps·dir: side by side when
   * concurrent passes are on (concurrent-passes.ts), else one after the other. Same bits either way.
   * If the concurrent pair fails (its worker died), the run goes on with sequential passes and
   * info.concurrentPasses says why.
   */
  async lossPair(eps: number): Promise<LossPair> {
    if (this.pair) {
      const probe = this.probe;
      const mode = probe ? probe.next() : 'concurrent';
      const t0 = performance.now();
      try {
        const losses = mode === 'concurrent' ? await this.concurrentPair(this.pair, eps) : await this.sequentialPair(eps);
        if (probe) await this.recordProbe(probe, mode, performance.now() - t0);
        return losses;
      } catch (e) {
        if (mode === 'sequential') throw e;
        await this.fallBackAfter(e);
      }
    }
    return this.sequentialPair(eps);
  }

  private async sequentialPair(eps: number): Promise<LossPair> {
    // Copy: the session may reuse its output buffer between runs.
    const t0 = performance.now();
    const plus = Float32Array.from(await this.losses(+eps));
    const t1 = performance.now();
    const minus = Float32Array.from(await this.losses(-eps));
    return { plus, minus, concurrent: false, passMs: [t1 - t0, performance.now() - t1] };
  }

  private async recordProbe(probe: PairProbe, mode: 'concurrent' | 'sequential', ms: number): Promise<void> {
    probe.record(mode, ms);
    if (!probe.decided) return;
    this.probe = null;
    const v = probe.verdict();
    const measured = `measured over ${v.pairs} pairs each: ${v.concurrentMs.toFixed(3)} ms at the same time, ${v.sequentialMs.toFixed(3)} ms one after the other`;
    const info = this.info.concurrentPasses!;
    if (v.concurrentWins) {
      this.info.concurrentPasses = { ...info, reason: `${info.reason}; kept, ${measured}` };
      this.onConcurrentPassesChange?.(this.info.concurrentPasses);
    } else await this.stopConcurrentPasses(`auto: ${measured}, so the passes run one after the other`);
  }

  /** True while the ±eps passes run at the same time. */
  get concurrent(): boolean {
    return this.pair !== null;
  }

  /** The main session (the CPU's after settleAutoProvider moved the run there). */
  get session(): ort.InferenceSession {
    return this.currentSession;
  }

  /**
   * engine.provider "auto" picked WebGPU with θ and dir fed from the host: time ±eps pairs on the
   * current batch there and on a CPU session, keep the faster (auto-provider-check.ts), and say so in
   * info (fallbackReason when the CPU is kept). Call once, after verifyProvider, before training.
   * Runs shorter than AUTO_PROVIDER_CHECK_MIN_STEPS keep WebGPU unmeasured.
   */
  async settleAutoProvider(steps: number): Promise<void> {
    const check = this.autoCheck;
    this.autoCheck = null;
    if (!check || steps < AUTO_PROVIDER_CHECK_MIN_STEPS) return;
    const gpu = check.options.autoProviderCheckAs?.provider ?? 'webgpu';
    const cpuSession = (await createSession({ model: check.model, externalDataDir: this.graph.externalDataDir, requested: 'cpu', threads: check.options.threads })).session;
    let keepCpu = false;
    try {
      const timed = (on: 'gpu' | 'cpu') => {
        const fake = check.options.autoProviderCheckAs?.timePair;
        if (fake) return fake(on);
        const session = on === 'gpu' ? this.currentSession : cpuSession;
        return medianPairMs(AUTO_PROVIDER_CHECK_PAIRS, async () => {
          this.scale[0] = 1e-3;
          await session.run(this.feeds, [this.graph.lossOutput]);
          this.scale[0] = -1e-3;
          await session.run(this.feeds, [this.graph.lossOutput]);
        });
      };
      const gpuMs = await timed('gpu');
      const cpuMs = await timed('cpu');
      const fedBytesPerPair = 2 * check.layers.reduce((a, l) => a + 8 * l.size, 0);
      const verdict = autoProviderVerdict({ provider: gpu, pairMs: gpuMs }, { provider: 'cpu', pairMs: cpuMs }, fedBytesPerPair);
      this.info.providerCheck = verdict.sentence;
      keepCpu = verdict.keep === 'cpu';
      if (keepCpu) {
        const gpuSession = this.currentSession;
        this.currentSession = cpuSession;
        this.info.provider = 'cpu';
        this.info.fallbackReason = `${this.info.fallbackReason ? `${this.info.fallbackReason} ` : ''}${verdict.sentence}`;
        await gpuSession.release();
      }
    } finally {
      if (!keepCpu) await cpuSession.release();
    }
  }

  private async concurrentPair(pair: ConcurrentPair, eps: number): Promise<LossPair> {
    if (this.batchChanged) {
      pair.worker.sendBatch(Object.fromEntries(this.dataInputNames.map((n) => [n, this.feeds[n]!])));
      this.batchChanged = false;
    }
    const minus = pair.worker.pass(-eps);
    // Settled here too, so a failure of the +eps pass does not leave it unhandled.
    minus.catch(() => {});
    this.scale[0] = eps;
    const out = await this.run([this.graph.lossOutput], pair.session);
    const plus = Float32Array.from(out[this.graph.lossOutput]!.data as Float32Array);
    const lMinus = await minus;
    // What the worker's pass read and returned: the perturbed weights, the batch, the losses.
    this.transfers.hostToDevice += pair.worker.weightBytes + this.dataInputNames.reduce((a, n) => a + byteSize(this.feeds[n]!), 0);
    this.transfers.deviceToHost += lMinus.byteLength;
    return { plus, minus: lMinus, concurrent: true };
  }

  private async stopConcurrentPasses(reason: string): Promise<void> {
    this.probe = null;
    if (this.info.concurrentPasses) {
      this.info.concurrentPasses = { requested: this.info.concurrentPasses.requested, used: false, reason };
      this.onConcurrentPassesChange?.(this.info.concurrentPasses);
    }
    await this.releasePair();
  }

  /** A concurrent pass failed (its worker died): the passes go on one after the other, and the run says why. */
  private fallBackAfter(e: unknown): Promise<void> {
    return this.stopConcurrentPasses(`stopped: ${(e as Error).message}; the passes run one after the other from here`);
  }

  private async releasePair(): Promise<void> {
    const pair = this.pair;
    this.pair = null;
    if (!pair) return;
    await pair.worker.close();
    await pair.session.release();
  }

  /** One run of `session` (the main one, or the +eps pass's) on the current feeds, with its transfers counted. */
  private async run(outputs: string[], session = this.session): Promise<ort.InferenceSession.ReturnType> {
    this.transfers.feeds(this.feeds, (name) => this.residentFeeds.has(name));
    const out = await session.run(this.feeds, outputs);
    this.transfers.fetched(out);
    return out;
  }

  /**
   * The resident step (engine/resident/): point a trainable's theta or dir input at the resident
   * state (under WebGPU the update or z graph's new GPU buffer; in host mode the same arrays). From
   * then on the feed counts as resident: it is not a host→device copy per pass.
   */
  rebind(layer: string, which: 'theta' | 'dir', tensor: ort.Tensor): void {
    const name = which === 'theta' ? this.graph.thetaInput(layer) : this.graph.dirInput(layer);
    this.feeds[name] = tensor;
    this.residentFeeds.add(name);
  }

  /** Unperturbed pass fetching extra outputs (e.g. logits for accuracy). */
  async evaluate(outputs: string[]): Promise<Record<string, ort.Tensor>> {
    this.scale[0] = 0;
    return this.run([this.graph.lossOutput, ...outputs]);
  }

  /**
   * Two evaluation batches at theta: with concurrent passes, `first` on the worker while `second`
   * runs here (the same numbers as two evaluate calls: the worker's weights are theta + 0·dir, as the
   * graph computes them); else one after the other. Returns each batch's loss and `outputs`.
   */
  async evaluateTwo(first: DataFeeds, second: DataFeeds, outputs: string[]): Promise<[Record<string, ort.Tensor>, Record<string, ort.Tensor>]> {
    const pair = this.pair;
    if (pair) {
      try {
        return await this.concurrentEvaluation(pair, first, second, outputs);
      } catch (e) {
        await this.fallBackAfter(e);
      }
    }
    this.setBatch(first);
    const a = copyOutputs(await this.evaluate(outputs));
    this.setBatch(second);
    return [a, await this.evaluate(outputs)];
  }

  private async concurrentEvaluation(pair: ConcurrentPair, first: DataFeeds, second: DataFeeds, outputs: string[]): Promise<[Record<string, ort.Tensor>, Record<string, ort.Tensor>]> {
    pair.worker.sendBatch(first);
    const remote = pair.worker.passWith(0, outputs);
    remote.catch(() => {});
    this.setBatch(second);
    this.scale[0] = 0;
    const here = await pair.session.run(this.feeds, [this.graph.lossOutput, ...outputs]);
    const there = await remote;
    // The worker holds `first`, not the current batch: the next training pair sends its batch again.
    this.batchChanged = true;
    const fromWorker: Record<string, ort.Tensor> = { [this.graph.lossOutput]: new ort.Tensor('float32', there.losses, [there.losses.length]) };
    for (const o of there.outputs) fromWorker[o.name] = toTensor(o);
    return [fromWorker, here];
  }

  /**
   * Run once with profiling on (it was enabled at creation), stop profiling and read back which
   * provider executed the nodes. Updates info.provider with the verified answer.
   */
  async verifyProvider(): Promise<ProviderReport> {
    await this.losses(0);
    this.session.endProfiling();
    const report = readProfile(this.profilePrefix);
    fs.rmSync(path.dirname(this.profilePrefix), { recursive: true, force: true });
    if (report.provider !== this.info.provider) {
      this.info.fallbackReason = `${this.info.fallbackReason ? this.info.fallbackReason + ' ' : ''}The session was created for ${this.info.provider} but its nodes ran on ${report.provider}.`;
      this.info.provider = report.provider;
    }
    this.providerReport = report;
    return report;
  }

  /** Release the session and remove the profile folder (also when verifyProvider never ran). */
  async release(): Promise<void> {
    this.autoCheck = null;
    fs.rmSync(path.dirname(this.profilePrefix), { recursive: true, force: true });
    await this.releasePair();
    await this.session.release();
  }
}

/** Output tensors with data of their own (a session may reuse its output buffers in the next run). */
function copyOutputs(out: Record<string, ort.Tensor>): Record<string, ort.Tensor> {
  return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, toTensor(copyTensor(name, t))]));
}

/**
 * Decides engine.concurrentPasses (info.concurrentPasses says what and why) and, when used, starts the
 * +eps pass's session and the −eps pass's worker. A worker that cannot start is not an error: the
 * passes then run one after the other, and the reason is recorded.
 */
async function startConcurrentPair(graph: PreparedGraphInfo, layers: TrainableLayer[], options: EngineOptions, info: EngineInfo): Promise<ConcurrentPair | null> {
  const choice = chooseConcurrentPasses({
    setting: options.concurrentPasses ?? 'off',
    provider: info.provider,
    threads: options.threads,
    resident: options.resident ?? false,
    steps: options.steps,
    trainableElements: layers.reduce((a, l) => a + l.size, 0),
    graphBytes: typeof graph.model === 'string' ? fs.statSync(graph.model).size : graph.model.byteLength,
  });
  info.concurrentPasses = choice;
  if (!choice.used || !choice.threads) return null;
  const [mainThreads, workerThreads] = choice.threads;
  let worker: PassWorker | null = null;
  try {
    worker = await PassWorker.start(layers, {
      model: graph.model,
      externalDataDir: graph.externalDataDir,
      threads: workerThreads,
      trainables: layers.map((l) => ({ name: l.name, thetaInput: graph.thetaInput(l.name), dirInput: graph.dirInput(l.name) })),
      scaleInput: graph.scaleInput,
      lossOutput: graph.lossOutput,
      workerPath: options.passWorkerPath,
    });
    const session = (await createSession({ model: graph.model, externalDataDir: graph.externalDataDir, requested: 'cpu', threads: mainThreads })).session;
    return { session, worker };
  } catch (e) {
    await worker?.close();
    info.concurrentPasses = { requested: choice.requested, used: false, reason: `could not start (${(e as Error).message}); the passes run one after the other` };
    return null;
  }
}
