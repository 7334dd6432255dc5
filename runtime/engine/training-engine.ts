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
import type { EngineInfo, RequestedProvider } from '../protocol';
import type { LossOracle, TrainableLayer } from '../optim/optimizer';
import { createSession } from './provider';
import { readProfile, type ProviderReport } from './profile-provider';
import { TransferMeter } from './transfer-meter';

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

  private constructor(
    readonly session: ort.InferenceSession,
    readonly graph: PreparedGraphInfo,
    readonly info: EngineInfo,
    private readonly profilePrefix: string,
    layers: TrainableLayer[],
  ) {
    for (const layer of layers) {
      this.feeds[graph.thetaInput(layer.name)] = new ort.Tensor('float32', layer.theta, layer.shape);
      this.feeds[graph.dirInput(layer.name)] = new ort.Tensor('float32', layer.dir, layer.shape);
    }
    const scaleMeta = session.inputMetadata.find((m) => m.name === graph.scaleInput);
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
    // The session owns its copy of the model now: drop ours (the encoded bytes are as large as the model).
    return new TrainingEngine(choice.session, { ...graph, model: '' }, info, profilePrefix, layers);
  }

  /** Names and metadata of the graph's data inputs (everything but trainables and the scale). */
  dataInputs(): ort.InferenceSession.ValueMetadata[] {
    const internal = new Set(Object.keys(this.feeds));
    return this.session.inputMetadata.filter((m) => !internal.has(m.name));
  }

  /** Point the data inputs at the current batch (tensors wrap the batcher's reused buffers). */
  setBatch(data: DataFeeds): void {
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

  private async run(outputs: string[]): Promise<ort.InferenceSession.ReturnType> {
    this.transfers.feeds(this.feeds, (name) => this.residentFeeds.has(name));
    const out = await this.session.run(this.feeds, outputs);
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
    fs.rmSync(path.dirname(this.profilePrefix), { recursive: true, force: true });
    await this.session.release();
  }
}
