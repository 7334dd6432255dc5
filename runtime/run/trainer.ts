/**
 * The training loop: batch → optimizer step (directions, perturbed passes, update) → metrics,
 * per-layer statistics and evaluation at their intervals → run folder and listeners. Control
 * (pause, resume, stop, hyperparameter changes) is queued from outside and applied at the next step
 * boundary, each recorded as an event so charts can mark it.
 */
import * as os from 'node:os';
import type {
  EvalRecord,
  EventRecord,
  ControlTrace,
  HyperparameterPatch,
  LayerStatsRecord,
  MetricRecord,
  ResolvedConfig,
  RunEventKind,
  RunManifest,
  RunState,
  RunStatus,
  RunSummary,
  StepProfile,
  StepRecord,
} from '../protocol';
import { RUN_FORMAT, RUN_FORMAT_VERSION } from '../protocol';
import { ConfigError } from '../protocol/config-schema';
import { createOptimizer, learningRateAt, type TrainableLayer, type ZoOptimizer } from '../optim';
import { automaticChoicesOf } from '../optim/automatic-choices';
import { TrainingEngine } from '../engine/training-engine';
import { createResidentOptimizer } from '../engine/resident/create-resident';
import { deviceStateOf } from '../engine/resident/device-state';
import { type Dataset, type InputSpec } from '../data/dataset';
import { unmatchedFieldsProblem } from '../data/unmatched-fields';
import { isTextRun, loadRunData } from '../data/text/load-run-data';
import { sequenceLayout, type SequenceLayout } from '../data/batch-padding';
import { evalBatches, labelsOf, TrainBatcher } from '../data/batcher';
import type * as ort from 'onnxruntime-node';

type EvalBatch = ReturnType<typeof evalBatches> extends Generator<infer B> ? B : never;
import { DataError, invalidUtf8Warning } from '../data/jsonl';
import { datasetFacts } from '../data/dataset-facts';
import { KernelPool, seedFromConfig } from '../rng';
import { loadTrainingModel } from './load-model';
import { RunFolderWriter } from './run-folder';
import { DiskFaultError, isDiskFault } from './disk-fault';
import { checkResumeSpace } from './disk-space';
import { SeededDirections } from './seeded-directions';
import { TimedDirections, TimedOracle } from './instrumented';
import { StepProfiler, warmupStepsFor } from './step-profiler';
import { DivergenceGuards, GuardStopError, GuardTripError, guardsOf, skipMessage, stopMessage, type GuardTrip } from './guards';
import { CheckpointError, checkpointFile, listCheckpoints, loadCheckpointAt, loadLatestCheckpoint, type CheckpointData, type CheckpointTensor } from './checkpoint';
import { readRunHeaderSync } from './run-reader';
import { resumeKeeps } from './resume-prefix';
import { FollowerFolder, type RunFolderSink } from './follower-folder';
import { engineLosses, type LossReducer, type LossReducerFactory } from './loss-reducer';
import * as fs from 'node:fs';
import { storedMastersFor, type StoredMasters } from './stored-masters';

export interface TrainerListener {
  manifest?(manifest: RunManifest): void;
  record?(record: MetricRecord): void;
  status?(status: RunStatus): void;
  log?(level: 'info' | 'warn' | 'error', text: string): void;
}

export interface TrainerOptions {
  resumeDir?: string;
  fromStep?: number;
  overrides?: HyperparameterPatch;
  /** Time the parts of every step and write profile.json at the end (train --profile). */
  profile?: boolean;
  /** Where a step's per-example losses come from (default: the engine, whole batch): data-parallel runs. */
  lossReducer?: LossReducerFactory;
  /**
   * A data-parallel follower (rank > 0): it runs every step like rank 0 but writes nothing; this is
   * rank 0's run folder (read only, for the checkpoint a resume starts from).
   */
  followerOf?: string;
}

/**
 * Where a pause / resume / stop came from and when it passed each hop (protocol ControlTrace, plus
 * the runtime's own receipt): recorded in the event the command produces, so its latency is
 * readable from metrics.jsonl. Epoch milliseconds (Date.now()), one clock with the host and webview.
 */
export interface RuntimeControlTrace extends ControlTrace {
  /** The runtime process received the command (its IPC message handler ran). */
  runtimeAt?: number;
  /** The step completed when the command was received (the run may finish the step in progress). */
  stepAtReceipt?: number;
}

type Control = { type: 'pause' | 'resume' | 'stop'; trace?: RuntimeControlTrace } | { type: 'set-hyperparameters'; values: HyperparameterPatch };

const FLUSH_EVERY_MS = 200;
const STATUS_EVERY_MS = 1000;

export class Trainer {
  private readonly controls: Control[] = [];
  private wake: (() => void) | null = null;
  private state: RunState = 'starting';
  private step = 0;
  private forwardPasses = 0;
  /** Evaluation passes among forwardPasses: summaries report training and evaluation passes apart. */
  private evalPasses = 0;
  private examples = 0;
  private skipped = 0;
  private lastLoss: number | null = null;
  private lastEval: EvalRecord | null = null;
  private bestEval: EvalRecord | null = null;
  private startedAt = 0;
  private pausedMs = 0;
  private lastFlush = 0;
  private lastStatus = 0;
  /** Date.now() when the newest step ended: a control's trace says how long it waited for that step. */
  private lastStepEndAt = 0;

  private constructor(
    readonly config: ResolvedConfig,
    readonly folder: RunFolderSink,
    readonly manifest: RunManifest,
    private readonly layers: TrainableLayer[],
    private readonly optimizer: ZoOptimizer,
    private readonly engine: TrainingEngine,
    private readonly pool: KernelPool,
    private readonly train: Dataset,
    private readonly evalSet: Dataset | null,
    private readonly batcher: TrainBatcher,
    private readonly labelsInput: string | null,
    private readonly listener: TrainerListener,
  ) {}

  /**
   * Prepare everything that can fail on bad input (model, data, provider) before the run folder is
   * filled, so a typo costs nothing. Paths in the config are taken as given (resolve them first).
   */
  static async create(config: ResolvedConfig, listener: TrainerListener = {}, options: TrainerOptions = {}): Promise<Trainer> {
    // Resuming continues the saved run exactly: its own resolved config, not the caller's.
    const resumed = options.resumeDir ? readRunHeaderSync(options.resumeDir) : null;
    if (resumed) {
      if (!resumed.manifest) throw new CheckpointError(`${options.resumeDir} has no run.json: not a run folder`);
      config = resumed.manifest.config;
      if (!options.followerOf) checkResumeSpace(options.resumeDir!);
    }
    const loaded = loadTrainingModel(config.model, config.seed);
    // theta is the array the weights were read into (owned by us): no second copy of the model.
    const layers: TrainableLayer[] = loaded.graph.trainables.map((t) => {
      const dir = new Float32Array(t.size);
      return { name: t.name, shape: t.shape, size: t.size, rank: t.rank, theta: t.initial, dir };
    });
    // Keep only the input names: holding the TrainableTensor objects would keep every initial copy alive.
    const byName = new Map(loaded.graph.trainables.map((t) => [t.name, { thetaInput: t.thetaInput, dirInput: t.dirInput }]));
    const engine = await TrainingEngine.create(
      {
        model: loaded.graph.bytes,
        externalDataDir: loaded.externalDataDir,
        lossOutput: loaded.graph.lossOutput,
        scaleInput: loaded.graph.scaleInput,
        thetaInput: (n) => byName.get(n)!.thetaInput,
        dirInput: (n) => byName.get(n)!.dirInput,
      },
      layers,
      // A follower writes nothing in the run folder, not even the provider check's temporary profile.
      {
        ...config.engine,
        profileDir: options.followerOf ? undefined : resumed ? options.resumeDir! : config.output.runsDir,
        // A data-parallel shard's losses come from engine.losses one pass at a time (sharded-losses.ts).
        concurrentPasses: options.lossReducer ? 'off' : (config.engine.concurrentPasses ?? 'off'),
        steps: config.steps,
      },
    );
    try {
      return await Trainer.prepare(config, listener, options, resumed, loaded, layers, engine);
    } catch (e) {
      // No debris: the engine's profile folder goes with it, whatever failed (data, tokenizer, provider, lock).
      await engine.release();
      throw e;
    }
  }

  private static async prepare(
    config: ResolvedConfig,
    listener: TrainerListener,
    options: TrainerOptions,
    resumed: ReturnType<typeof readRunHeaderSync> | null,
    loaded: ReturnType<typeof loadTrainingModel>,
    layers: TrainableLayer[],
    engine: TrainingEngine,
  ): Promise<Trainer> {
    const labelsInput = config.model.task === 'classification' ? 'labels' : null;
    const classCount = config.data.classes ?? loaded.classes;
    const classes = labelsInput && classCount ? { input: labelsInput, count: classCount } : undefined;
    // Text (tokenized JSON lines) or numeric JSON lines; both give the Dataset shape TrainBatcher feeds.
    const { train, evalSet } = loadRunData(config, engine.dataInputs(), loaded, classes, () => inputSpecs(engine, config, resumed === null));
    // Text batches are padded to their own longest example where the model allows it (batch-padding.ts).
    const text = isTextRun(config, engine.dataInputs());
    const padding = text ? sequenceLayout(train, engine.dataInputs()) : { layout: null, fullWidthReason: null };
    const evalLayout = padding.layout && evalSet ? sequenceLayout(evalSet, engine.dataInputs()).layout : null;
    const bucket = (config.data.bucketByLength ?? false) && padding.layout !== null;
    const fullSequenceWidth = text ? (train.columns.find((c) => c.spec.name === 'input_ids')?.spec.width ?? null) : null;
    const batcher = new TrainBatcher(train, config.data.batchSize, config.seed, config.data.shuffle, padding.layout, bucket);

    // Verify which provider really runs, on a first batch, before anything is written.
    engine.setBatch(evalBatches(train, config.data.batchSize, padding.layout).next().value!.feeds);
    await engine.verifyProvider();
    // "auto" on WebGPU with fed weights: keep it only if it beats the CPU on this run's passes.
    await engine.settleAutoProvider(config.steps);

    // masterWeights "stored": half-precision weights rounded to their stored type after each update.
    const storedMasters = storedMastersFor(config.model.masterWeights, config.model.storedRounding, layers, loaded.graph.trainables.map((t) => t.storedType), seedFromConfig(config.seed));
    // A conflict of two settings, so a ConfigError: the CLI prints it as the user's mistake, not an internal error.
    if (storedMasters && config.engine.resident) throw new ConfigError([{ path: 'model.masterWeights', message: '"stored" rounds theta on the host after each update; it does not run with engine.resident (set one of them back)' }]);
    const optimizer = config.engine.resident
      ? await createResidentOptimizer(layers, config.optimizer, config.steps, seedFromConfig(config.seed), { provider: engine.info.provider, threads: config.engine.threads, onRebind: (l, which, t) => engine.rebind(l, which, t) })
      : createOptimizer(layers, config.optimizer, config.steps);
    // Runs written before the key have none: off, as they ran.
    const prefetch = config.engine.prefetchDirections === 'on';
    engine.info.prefetchDirections = prefetch;
    const newPool = () => new KernelPool(config.engine.kernelThreads, { background: prefetch });
    if (resumed) {
      const folder = options.followerOf ? new FollowerFolder(options.resumeDir!) : RunFolderWriter.reopen(options.resumeDir!);
      const manifest = { ...resumed.manifest!, engine: engine.info };
      const pool = newPool();
      const trainer = new Trainer(config, folder, manifest, layers, optimizer, engine, pool, train, evalSet, batcher, labelsInput, listener);
      try {
        trainer.restoreFrom(options.fromStep);
        if (options.overrides && Object.keys(options.overrides).length) trainer.applyResumeOverrides(options.overrides);
      } catch (e) {
        folder.close();
        // Its workers (the prefetch worker is started at once) would keep the process alive.
        await pool.close();
        throw e;
      }
      trainer.profileWanted = options.profile ?? false;
      trainer.lossReducer = options.lossReducer ?? engineLosses;
      trainer.evalLayout = evalLayout;
      trainer.fullSequenceWidth = fullSequenceWidth;
      trainer.storedMasters = storedMasters;
      listener.manifest?.(manifest);
      return trainer;
    }
    const folder = options.followerOf
      ? new FollowerFolder(options.followerOf)
      : config.output.runId
        ? RunFolderWriter.create(config.output.runsDir, config.output.runId)
        : RunFolderWriter.createNew(config.output.runsDir, config.name);
    const id = folder.id;
    const manifest: RunManifest = {
      format: RUN_FORMAT,
      version: RUN_FORMAT_VERSION,
      id,
      name: config.name,
      createdAt: new Date().toISOString(),
      config,
      model: {
        path: loaded.modelPath,
        trainables: layers.map((l) => ({ name: l.name, shape: l.shape, size: l.size })),
        trainableElements: layers.reduce((a, l) => a + l.size, 0),
      },
      engine: engine.info,
      optimizer: { name: optimizer.name, forwardPassesPerStep: optimizer.forwardPassesPerStep, automatic: automaticChoicesOf(config.optimizer, layers, config.steps) },
      data: { train: datasetFacts(train), eval: evalSet ? datasetFacts(evalSet) : null },
    };
    folder.writeManifest(manifest, config);
    const pool = newPool();
    const trainer = new Trainer(config, folder, manifest, layers, optimizer, engine, pool, train, evalSet, batcher, labelsInput, listener);
    trainer.profileWanted = options.profile ?? false;
    trainer.lossReducer = options.lossReducer ?? engineLosses;
    trainer.evalLayout = evalLayout;
    trainer.fullSequenceWidth = fullSequenceWidth;
    trainer.storedMasters = storedMasters;
    listener.manifest?.(manifest);
    for (const s of [train, evalSet]) {
      if (s && s.skippedLines.length) {
        trainer.event('bad-lines', `${s.file}: skipped ${s.skippedLines.length} bad line(s), first at line ${s.skippedLines[0].line}: ${s.skippedLines[0].reason}`, {
          file: s.file,
          count: s.skippedLines.length,
          lines: s.skippedLines.slice(0, 20),
        });
      }
      if (s && s.invalidUtf8?.count && config.data.invalidUtf8 === 'warn') {
        trainer.event('warning', invalidUtf8Warning(s.file, s.invalidUtf8), { file: s.file, invalidUtf8Lines: s.invalidUtf8.count, first: s.invalidUtf8.first });
      }
    }
    if (folder.movedAside) {
      trainer.event(
        'warning',
        `output.runId "${id}": the folder held a run killed before its first checkpoint (nothing to resume); its files were moved to ${folder.movedAside} and this run starts afresh`,
        { movedTo: folder.movedAside },
      );
    }
    if (padding.fullWidthReason) trainer.event('warning', `padding: ${padding.fullWidthReason}${config.data.bucketByLength ? '; data.bucketByLength is ignored (it only pays with per-batch padding)' : ''}`);
    else if (config.data.bucketByLength && !text) trainer.event('warning', 'data.bucketByLength is ignored: it applies to text data only');
    if (config.model.masterWeights === 'stored' && !storedMasters) trainer.event('warning', 'model.masterWeights "stored" changes nothing here: no trainable tensor is float16 or bfloat16');
    if (engine.info.fallbackReason) trainer.event('provider', engine.info.fallbackReason, { provider: engine.info.provider });
    return trainer;
  }

  get runDir(): string {
    return this.folder.dir;
  }

  // ------------------------------------------------------------------ checkpoints
  private checkpointData(lossFinite: boolean | null = null): CheckpointData {
    const tensors = new Map<string, CheckpointTensor>();
    for (const layer of this.layers) tensors.set(`theta/${layer.name}`, layer.theta);
    for (const [key, arrays] of Object.entries(this.optimizer.state())) arrays.forEach((a, i) => tensors.set(`${key}/${i}`, a));
    return {
      counters: {
        step: this.step,
        forwardPasses: this.forwardPasses,
        evalPasses: this.evalPasses,
        examples: this.examples,
        skipped: this.skipped,
        wallMs: this.startedAt ? this.wallMs() : 0,
        lastLoss: this.lastLoss,
        lastEval: this.lastEval,
        bestEval: this.bestEval,
      },
      cursor: { ...this.batcher.cursor },
      optimizer: structuredClone(this.optimizer.config),
      tensors,
      lossFinite,
    };
  }

  /** Write a checkpoint; a failure (e.g. disk full) is reported and the previous checkpoints stay. */
  private checkpoint(lossFinite: boolean | null = null): void {
    try {
      this.commitHeld();
      this.folder.flushDurable();
      const file = this.folder.saveCheckpoint(this.checkpointData(lossFinite), this.config.checkpoint.keep);
      this.lastCheckpointStep = this.step;
      this.event('checkpoint', `checkpoint at step ${this.step}`, { file: file.slice(this.runDir.length + 1) });
    } catch (e) {
      // A full or failing disk ends the run (run() records it cleanly); anything else is a warning.
      if (isDiskFault(e)) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      this.event('warning', `checkpoint at step ${this.step} could not be written (${code === 'ENOSPC' ? 'disk full' : (e as Error).message}); the previous checkpoint is intact and training continues`);
    }
  }

  /** Rewrite this step's checkpoint (same file, so pruning keeps the same set) marked lossFinite false. */
  private markNotGood(): void {
    try {
      this.folder.saveCheckpoint(this.checkpointData(false), this.config.checkpoint.keep);
      const note = `checkpoint at step ${this.step} marked not good: the loss at its weights is non-finite; resume uses an older one`;
      if (this.held) this.listener.log?.('warn', note);
      else this.event('warning', note);
    } catch (e) {
      this.listener.log?.('warn', `checkpoint at step ${this.step} could not be marked not good: ${(e as Error).message}`);
    }
  }

  /** Continue from the newest valid checkpoint: weights, optimizer state and config, data cursor, counters. */
  private restoreFrom(fromStep?: number): void {
    if (fromStep === undefined && listCheckpoints(this.runDir).length === 0) {
      // Killed before its first checkpoint: start over from step 0 (the same seed gives the same run).
      this.folder.dropMetricsAfter(() => false);
      this.resumedFrom = 'no checkpoint had been written: started again from step 0';
      return;
    }
    const found =
      fromStep !== undefined ? loadCheckpointAt(this.runDir, fromStep) : loadLatestCheckpoint(this.runDir, (file, reason) => this.listener.log?.('warn', `skipping checkpoint ${file}: ${reason}`));
    if (!found) throw new CheckpointError(`${this.runDir} has no usable checkpoint to resume from`);
    const { data } = found;
    const take = (name: string, into: CheckpointTensor) => {
      const saved = data.tensors.get(name);
      if (!saved || saved.length !== into.length || saved.constructor !== into.constructor) {
        throw new CheckpointError(`${found.file}: tensor "${name}" is missing or has another size than the model's (${into.length})`);
      }
      into.set(saved);
    };
    for (const layer of this.layers) take(`theta/${layer.name}`, layer.theta);
    for (const [key, arrays] of Object.entries(this.optimizer.state())) arrays.forEach((a, i) => take(`${key}/${i}`, a));
    Object.assign(this.optimizer.config, data.optimizer);
    this.batcher.setCursor(data.cursor);
    const c = data.counters;
    Object.assign(this, { step: c.step, forwardPasses: c.forwardPasses, evalPasses: c.evalPasses ?? 0, examples: c.examples, skipped: c.skipped, lastLoss: c.lastLoss, lastEval: c.lastEval, bestEval: c.bestEval });
    this.resumedWallMs = c.wallMs;
    // What came after the checkpoint is regenerated by the resumed run, bit for bit. Everything after
    // the checkpoint's own event came after it was written (earlier resumes, controls, stop events):
    // dropped, so resuming again never piles up events. The cut itself waits for the first resumed
    // step (commitHeld), so a resume that fails before it leaves metrics.jsonl as it was.
    this.held = { keep: resumeKeeps(c.step), records: [] };
    this.resumedFrom = found.file.slice(this.runDir.length + 1);
    this.resumedFromStep = c.step;
    this.lastCheckpointStep = c.step;
  }

  /** Step of the newest checkpoint known complete (written and read back, or resumed from). */
  private lastCheckpointStep: number | null = null;
  /** Step of the checkpoint this run resumed from (null for a fresh run or a restart from step 0). */
  private resumedFromStep: number | null = null;

  /** resume --lr / --set: applied now (the first resumed step uses them), recorded as an event when the run starts. */
  private applyResumeOverrides(patch: HyperparameterPatch): void {
    const config = this.optimizer.config as unknown as Record<string, unknown>;
    const before = Object.fromEntries(Object.keys(patch).map((k) => [k, config[k] ?? null]));
    this.optimizer.setHyperparameters(patch);
    const after = Object.fromEntries(Object.keys(patch).map((k) => [k, config[k] ?? null]));
    this.resumeOverrides = { before, after };
  }

  /** The live values of the keys resume overrode, and the checkpoint's (the CLI prints them). */
  get resumeOverrideValues(): { before: Record<string, unknown>; after: Record<string, unknown> } | null {
    return this.resumeOverrides;
  }

  /**
   * A resumed run holds its metric lines in memory until its first step is done: a resume that fails
   * before that (the same NaN at once, a bad override) leaves metrics.jsonl byte for byte as it was.
   */
  private commitHeld(): void {
    if (!this.held) return;
    const { keep, records } = this.held;
    this.held = null;
    this.folder.dropMetricsAfter(keep);
    for (const r of records) this.folder.append(r);
    this.folder.flush();
    // Checkpoints newer than the one resumed from (resume --from-step) belong to the dropped records.
    const from = this.resumedFromStep;
    if (from !== null) this.folder.removeCheckpointsAfter(from);
  }

  private profileWanted = false;
  private lossReducer: LossReducerFactory = engineLosses;
  private stepLosses: LossReducer | null = null;
  /** The eval set's sequence layout when batches are padded per batch (null: dataset width). */
  private evalLayout: SequenceLayout | null = null;
  /** Text data fed at the dataset's width (no per-batch padding): that width, for the profile. */
  private fullSequenceWidth: number | null = null;
  private profiler: StepProfiler | null = null;
  /** The step profile of a --profile run, once it has ended (also in the run folder's profile.json). */
  profile: StepProfile | null = null;

  private resumedWallMs = 0;
  private storedMasters: StoredMasters | null = null;
  private resumedFrom: string | null = null;
  private held: { keep: (r: MetricRecord) => boolean; records: MetricRecord[] } | null = null;
  private resumeOverrides: { before: Record<string, unknown>; after: Record<string, unknown> } | null = null;

  // ------------------------------------------------------------------ control (any time)
  pause(trace?: RuntimeControlTrace): void {
    this.enqueue({ type: 'pause', trace });
  }
  resume(trace?: RuntimeControlTrace): void {
    this.enqueue({ type: 'resume', trace });
  }
  stop(trace?: RuntimeControlTrace): void {
    this.enqueue({ type: 'stop', trace });
  }
  /** The step completed so far (a control's trace records it at receipt). */
  get currentStep(): number {
    return this.step;
  }
  setHyperparameters(values: HyperparameterPatch): void {
    this.enqueue({ type: 'set-hyperparameters', values });
  }
  private enqueue(c: Control): void {
    this.controls.push(c);
    this.wake?.();
  }

  // ------------------------------------------------------------------ the loop
  async run(): Promise<RunSummary> {
    this.startedAt = performance.now() - this.resumedWallMs;
    this.setState('running');
    if (this.resumedFrom) {
      this.event('resumed', `resumed from checkpoint at step ${this.step} (${this.resumedFrom})`);
      if (this.resumeOverrides) {
        const { before, after } = this.resumeOverrides;
        const text = Object.keys(after).map((k) => `${k} ${before[k]} → ${after[k]}`).join(', ');
        this.event('hyperparameters', `from step ${this.step + 1} (resume override): ${text}`, { before, after, source: 'resume' });
      }
    } else this.event('started', `${this.optimizer.name} on ${this.manifest.model.trainableElements} trainable elements, provider ${this.engine.info.provider}`);
    // run.json says how the passes run; the auto probe (or a failed worker) changes that mid-run.
    this.engine.onConcurrentPassesChange = (info) => {
      this.event('engine', `concurrent passes ${info.used ? 'kept' : 'off'}: ${info.reason}`, { concurrentPasses: info });
      this.folder.writeManifest({ ...this.manifest, engine: this.engine.info }, this.config);
    };
    // Divergence guards (guards.ts): loss checks inside the oracle, before any update; the starting
    // state is the first known-good copy the state guard can restore.
    const guards = new DivergenceGuards(guardsOf(this.config));
    guards.state.keep(this.step, this.layers, this.optimizer.state());
    guards.weights.start(this.layers);
    // engine.resident with the state on the device: host arrays are read only after a download.
    const device = deviceStateOf(this.optimizer);
    const stepLosses = (this.stepLosses = this.lossReducer(this.engine, this.layers));
    const oracle = new TimedOracle(stepLosses, guards);
    const seeded = new SeededDirections(seedFromConfig(this.config.seed), this.pool);
    const directions = new TimedDirections(seeded);
    const { steps, statsEvery, evalEvery } = this.config;
    // Once a step's passes are done, the kernel workers make the next step's z while this thread
    // runs the update (seeded-directions.ts prefetchNext; the same bits).
    let nextStep = 0;
    oracle.afterPair = () => {
      if (nextStep <= steps) seeded.prefetchNext(nextStep);
    };
    if (this.profileWanted) this.profiler = new StepProfiler(warmupStepsFor(steps - this.step));
    try {
      // The untrained model's eval loss (t = 0) is the "before" every comparison starts from.
      if (this.evalSet && this.step === 0) await this.evaluate();
      const prof = this.profiler;
      while (this.step < steps) {
        prof?.beginStep();
        const pausedBefore = this.pausedMs;
        let p0 = performance.now();
        if (await this.applyControls()) break;
        // A pause is not part of any step: the profiled step starts when training goes on.
        if (this.pausedMs !== pausedBefore) prof?.beginStep();
        else prof?.add('other', performance.now() - p0);
        try {
          const t = this.step + 1;
          nextStep = t + 1;
          const t0 = performance.now();
          oracle.forwardMs = 0;
          oracle.passMs.length = 0;
          oracle.passCounts.length = 0;
          directions.rngMs = 0;
          const passesBefore = oracle.passes;
          const feeds = this.batcher.next();
          const tData = performance.now();
          stepLosses.setBatch(t, feeds);
          const t1 = performance.now();
          prof?.add('data', tData - t0);
          prof?.add('feeds', t1 - tData);
          prof?.sequenceWidth(this.batcher.width ?? this.fullSequenceWidth);
          const o = this.optimizer.config;
          const lr = learningRateAt(t, o.lr, o.schedule, o.warmup, steps);
          const collectStats = statsEvery > 0 && (t % statsEvery === 0 || t === 1);
          guards.beginStep(t, lr);
          let outcome;
          const tStep = performance.now();
          prof?.add('other', tStep - t1);
          try {
            outcome = await this.optimizer.step({ t, lr, oracle, directions, collectStats });
          } catch (e) {
            if (!(e instanceof GuardTripError)) throw e;
            // A loss guard tripped inside the oracle: the optimizer never updated (theta and state are step t - 1's).
            this.forwardPasses += oracle.passes - passesBefore;
            this.examples += this.config.data.batchSize;
            this.step = t;
            await device?.stateToHost();
            this.guardTripped(e.trip, guards, 'before-update');
            device?.stateFromHost();
            continue;
          }
          this.storedMasters?.round(t);
          const t2 = performance.now();
          prof?.addForwards(oracle.passMs, oracle.passCounts);
          prof?.add('directions', directions.rngMs);
          prof?.add('update', Math.max(0, t2 - tStep - oracle.forwardMs - directions.rngMs));
          this.step = t;
          this.forwardPasses += outcome.forwardPasses;
          this.examples += this.config.data.batchSize;
          // theta or the optimizer state non-finite after the update: restore the last good copy or stop.
          const checkpointDue = this.config.checkpoint.every > 0 && t % this.config.checkpoint.every === 0 && t < steps;
          // Device state: scanned (and its known-good copy kept) only where it is downloaded anyway, or
          // when the update's Σδ² says it went non-finite.
          const forceScan = checkpointDue || t === steps || this.controls.length > 0 || (device?.nonFiniteUpdate() ?? false);
          if (device && forceScan) await device.stateToHost();
          const stateTrip = device && !forceScan ? null : guards.checkState(this.layers, this.optimizer.state(), outcome.loss, forceScan, this.optimizer.finitenessOfLastStep?.() ?? null);
          if (stateTrip) {
            this.guardTripped(stateTrip, guards, 'after-update');
            device?.stateFromHost();
            continue;
          }
          guards.accept(outcome.loss);
          p0 = performance.now();
          prof?.add('guards', p0 - t2);
          this.lastLoss = outcome.loss;
          const totalMs = t2 - t0;
          const stepRecord: StepRecord = {
            kind: 'step',
            t,
            loss: outcome.loss,
            ...(outcome.c !== undefined ? { c: outcome.c } : {}),
            ...(outcome.alpha !== undefined ? { alpha: outcome.alpha } : {}),
            lr,
            forwardPasses: this.forwardPasses,
            examples: this.examples,
            wallMs: this.wallMs(),
            timing: {
              forwardMs: oracle.forwardMs,
              rngMs: directions.rngMs,
              optimizerMs: Math.max(0, t2 - t1 - oracle.forwardMs - directions.rngMs),
              dataMs: t1 - t0,
              totalMs,
            },
            examplesPerSec: totalMs > 0 ? (this.config.data.batchSize * 1000) / totalMs : 0,
          };
          this.emit(stepRecord);
          this.lastStepEndAt = Date.now();
          this.commitHeld();
          if (outcome.note) this.event('warning', `step ${t}: ${outcome.note}`);
          let p1 = performance.now();
          prof?.add('other', p1 - p0);
          if (collectStats) {
            await device?.stateToHost();
            const layersRecord: LayerStatsRecord = { kind: 'layers', t, layers: this.optimizer.layerStats(lr) };
            this.emit(layersRecord);
            p0 = p1;
            p1 = performance.now();
            prof?.add('statistics', p1 - p0);
          }
          if (this.evalSet && evalEvery > 0 && t % evalEvery === 0 && t < steps) {
            await this.evaluate();
            p0 = p1;
            p1 = performance.now();
            prof?.add('evaluation', p1 - p0);
          }
          if (this.config.checkpoint.every > 0 && t % this.config.checkpoint.every === 0 && t < steps) this.checkpoint();
          this.tick();
          prof?.add('io', performance.now() - p1);
        } finally {
          prof?.endStep();
        }
      }
      if (this.evalSet && (this.lastEval === null || this.lastEval.t !== this.step)) await this.evaluate();
      await stepLosses.finish?.(this.step);
      const finalState: RunState = this.step >= steps ? 'finished' : 'stopped';
      await device?.stateToHost();
      this.checkpoint();
      const stopLatency = finalState === 'stopped' && this.stopTrace ? { latency: { ...this.stopTrace, appliedAt: Date.now() } } : undefined;
      this.event(finalState === 'finished' ? 'finished' : 'stopped', finalState === 'finished' ? `finished ${this.step} steps` : `stopped at step ${this.step} of ${steps}`, stopLatency);
      return this.finish(finalState);
    } catch (e) {
      if (isDiskFault(e)) throw this.diskFault(e);
      const message = e instanceof Error ? e.message : String(e);
      this.event('failed', message);
      this.finish('failed', message);
      throw e;
    }
  }

  /**
   * The disk refused a write: free the reserve, record "failed" with what to do (best effort: if
   * even that does not fit, the buffered lines are dropped, never left torn) and return the error
   * the caller shows as one line.
   */
  private diskFault(e: unknown): DiskFaultError {
    const fault = e instanceof DiskFaultError ? e : new DiskFaultError(this.runDir, (e as NodeJS.ErrnoException).code ?? 'EIO');
    const last = this.lastCheckpointStep;
    const message = `${fault.message}: ${last === null ? 'no checkpoint was written yet (resume starts again from step 0)' : `the last complete checkpoint is step ${last}`}; free some space and run helene-studio resume ${this.runDir}`;
    this.folder.releaseReserve();
    try {
      this.event('failed', message, { file: fault.file, code: fault.code });
    } catch {
      this.folder.dropPending();
    }
    try {
      this.finish('failed', message);
    } catch {
      this.folder.dropPending();
      try {
        this.writeStatus(undefined, message);
      } catch {
        // nothing more can be written; status.json still holds its last complete version
      }
    }
    return new DiskFaultError(fault.file, fault.code, message);
  }

  /**
   * A guard tripped at step t (this.step = t). Policy skip: count the step, restore the last good
   * state when the update already happened, record a "guard" event and return (the loop goes on).
   * Policy stop (or too many skips in a row, or nothing to restore): checkpoint the last good state
   * when it is step t - 1's, record the event and throw GuardStopError with what to do.
   */
  private guardTripped(trip: GuardTrip, guards: DivergenceGuards, when: 'before-update' | 'after-update'): void {
    const data = {
      guard: trip.guard, policy: trip.policy, loss: trip.loss, median: trip.median, lr: trip.lr, suggestedLr: trip.suggestedLr,
      ...(trip.tensor ? { tensor: trip.tensor } : {}),
      ...(trip.reference !== undefined ? { reference: trip.reference, factor: trip.factor } : {}),
    };
    const tooMany = guards.consecutiveSkips + 1 >= guards.config.maxConsecutiveSkips;
    let restoredTo: number | null = null;
    if (when === 'after-update') restoredTo = guards.state.restore(this.layers, this.optimizer.state());
    const canSkip = trip.policy === 'skip' && !tooMany && (when === 'before-update' || restoredTo !== null);
    if (canSkip) {
      guards.consecutiveSkips++;
      this.skipped += restoredTo === null ? 1 : this.step - restoredTo;
      this.event('guard', skipMessage(trip, this.skipped, restoredTo), { ...data, action: 'skipped', ...(restoredTo !== null ? { restoredTo } : {}) });
      return;
    }
    // The last good state is step t - 1's when the step never updated, or when the kept copy is step t - 1's.
    const lastGood = when === 'before-update' ? this.step - 1 : restoredTo;
    let message = stopMessage(trip, when === 'before-update' ? 'before-update' : restoredTo !== null ? 'snapshot' : 'none');
    if (trip.policy === 'skip' && tooMany) message += ` (${guards.config.maxConsecutiveSkips} steps in a row were skipped, so the run stopped.)`;
    if (lastGood === this.step - 1) {
      const t = this.step;
      this.step = t - 1;
      // The loss at step t - 1's weights is the one this step saw: a NaN there means resuming from
      // them fails at once whatever the lr. So a NaN stop writes no new checkpoint (that could prune
      // a good one); a periodic checkpoint of step t - 1 is rewritten marked not good, so resume
      // takes the previous one, whose weights' loss was seen finite.
      if (Number.isFinite(trip.loss)) this.checkpoint(true);
      // (Not on a resumed run's first step: that failure leaves the run folder as it was.)
      else if (!this.held && fs.existsSync(checkpointFile(this.runDir, t - 1))) this.markNotGood();
      this.step = t;
    }
    this.event('guard', message, { ...data, action: 'stopped', ...(restoredTo !== null ? { restoredTo } : {}) });
    throw new GuardStopError(trip, message);
  }

  /** Apply queued controls; blocks while paused. Returns true when the run must stop. */
  private async applyControls(): Promise<boolean> {
    for (;;) {
      while (this.controls.length > 0) {
        const c = this.controls.shift()!;
        switch (c.type) {
          case 'stop':
            this.stopTrace = c.trace ? { ...c.trace, lastStepEndAt: this.lastStepEndAt, step: this.step } : null;
            this.event('stop-requested', `stop requested at step ${this.step}`, this.latencyData(c.trace));
            return true;
          case 'pause':
            if (this.state !== 'paused') {
              this.setState('paused');
              this.event('paused', `paused after step ${this.step}`, this.latencyData(c.trace));
            }
            break;
          case 'resume':
            if (this.state === 'paused') {
              this.setState('running');
              this.event('resumed', `resumed at step ${this.step + 1}`, this.latencyData(c.trace));
            }
            break;
          case 'set-hyperparameters': {
            const before = Object.fromEntries(Object.keys(c.values).map((k) => [k, (this.optimizer.config as unknown as Record<string, unknown>)[k]]));
            this.optimizer.setHyperparameters(c.values);
            const text = Object.entries(c.values).map(([k, v]) => `${k} ${before[k]} → ${v}`).join(', ');
            this.event('hyperparameters', `from step ${this.step + 1}: ${text}`, { before, after: c.values });
            break;
          }
        }
      }
      if (this.state !== 'paused') return false;
      const pauseStart = performance.now();
      this.folder.flush();
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
      this.pausedMs += performance.now() - pauseStart;
    }
  }

  /** A stop's trace, kept for the 'stopped' event (written after the final eval and checkpoint). */
  private stopTrace: (RuntimeControlTrace & { lastStepEndAt: number; step: number }) | null = null;

  /**
   * The event data of a traced control: every hop's stamp, the step at receipt, when the last step
   * ended and when the new state was written (status.json). Untraced controls (CLI Ctrl-C, tests)
   * record nothing extra.
   */
  private latencyData(trace: RuntimeControlTrace | undefined): Record<string, unknown> | undefined {
    if (!trace) return undefined;
    return { latency: { ...trace, step: this.step, lastStepEndAt: this.lastStepEndAt, appliedAt: Date.now() } };
  }

  /**
   * Visits every evaluation batch with its outputs, in batch order. With concurrent passes, two
   * batches at a time side by side (engine.evaluateTwo); the visits stay in batch order, so the sums
   * are the same.
   */
  private async forEachEvaluated(data: Dataset, outputs: string[], visit: (batch: EvalBatch, out: Record<string, ort.Tensor>) => void): Promise<void> {
    const batches = evalBatches(data, this.config.data.batchSize, this.evalLayout);
    for (let r = batches.next(); !r.done; ) {
      const batch = r.value;
      r = batches.next();
      if (!r.done && this.engine.concurrent) {
        const [a, b] = await this.engine.evaluateTwo(batch.feeds, r.value.feeds, outputs);
        visit(batch, a);
        visit(r.value, b);
        r = batches.next();
        continue;
      }
      this.engine.setBatch(batch.feeds);
      visit(batch, await this.engine.evaluate(outputs));
    }
  }

  private async evaluate(): Promise<void> {
    // A data-parallel follower writes no eval record: rank 0 evaluates, the others save the passes.
    if (this.folder instanceof FollowerFolder) return;
    const data = this.evalSet!;
    let lossSum = 0;
    let correct = 0;
    const logitsName = this.config.model.logitsOutput;
    const outputs = this.labelsInput ? [logitsName] : [];
    await this.forEachEvaluated(data, outputs, (batch, out) => {
      const losses = out[this.engine.graph.lossOutput].data as Float32Array;
      for (let b = 0; b < batch.count; b++) lossSum += losses[b];
      this.forwardPasses += 1;
      this.evalPasses += 1;
      if (this.labelsInput) {
        const logits = out[logitsName];
        const classes = logits.dims[logits.dims.length - 1];
        const values = logits.data as Float32Array;
        const labels = labelsOf(data, this.labelsInput, batch.start, batch.count);
        for (let b = 0; b < batch.count; b++) {
          let best = 0;
          for (let k = 1; k < classes; k++) if (values[b * classes + k] > values[b * classes + best]) best = k;
          if (best === labels[b]) correct++;
        }
      }
    });
    const record: EvalRecord = {
      kind: 'eval',
      t: this.step,
      forwardPasses: this.forwardPasses,
      wallMs: this.wallMs(),
      loss: lossSum / data.size,
      ...(this.labelsInput ? { accuracy: correct / data.size } : {}),
      examples: data.size,
      trainExamples: this.examples,
    };
    if (!Number.isFinite(record.loss)) throw new DataError(`evaluation at step ${this.step} gave a non-finite loss (${record.loss})`);
    this.lastEval = record;
    if (!this.bestEval || record.loss < this.bestEval.loss) this.bestEval = record;
    this.emit(record);
  }

  // ------------------------------------------------------------------ output
  private wallMs(): number {
    return performance.now() - this.startedAt - this.pausedMs;
  }

  private emit(record: MetricRecord): void {
    if (this.held) this.held.records.push(record);
    else this.folder.append(record);
    this.listener.record?.(record);
  }

  event(event: RunEventKind, message: string, data?: Record<string, unknown>): void {
    const record: EventRecord = { kind: 'event', t: this.step, wallMs: this.startedAt ? this.wallMs() : 0, event, message, ...(data ? { data } : {}) };
    this.emit(record);
    this.folder.flush();
    this.listener.log?.(event === 'failed' ? 'error' : event === 'warning' || event === 'provider' || event === 'bad-lines' ? 'warn' : 'info', message);
  }

  private tick(): void {
    const now = performance.now();
    if (now - this.lastFlush > FLUSH_EVERY_MS) {
      this.folder.flush();
      this.lastFlush = now;
    }
    if (now - this.lastStatus > STATUS_EVERY_MS) this.writeStatus();
  }

  private status(message?: string, error?: string): RunStatus {
    return {
      state: this.state,
      step: this.step,
      totalSteps: this.config.steps,
      updatedAt: new Date().toISOString(),
      pid: process.pid,
      provider: this.engine.info.provider,
      ...(message ? { message } : {}),
      ...(error ? { error } : {}),
    };
  }

  private writeStatus(message?: string, error?: string): void {
    const status = this.status(message, error);
    this.folder.writeStatus(status);
    this.listener.status?.(status);
    this.lastStatus = performance.now();
  }

  private setState(state: RunState): void {
    this.state = state;
    this.writeStatus();
  }

  private finish(state: RunState, error?: string): RunSummary {
    this.state = state;
    const wallSeconds = this.wallMs() / 1000;
    const pick = (r: EvalRecord | null) => (r ? { t: r.t, loss: r.loss, ...(r.accuracy !== undefined ? { accuracy: r.accuracy } : {}) } : null);
    const summary: RunSummary = {
      state,
      steps: this.step,
      forwardPasses: this.forwardPasses,
      trainingPasses: this.forwardPasses - this.evalPasses,
      evalPasses: this.evalPasses,
      examples: this.examples,
      wallSeconds,
      stepsPerSecond: wallSeconds > 0 ? this.step / wallSeconds : 0,
      finalLoss: this.lastLoss,
      finalEval: pick(this.lastEval),
      bestEval: pick(this.bestEval),
      skippedSteps: this.skipped,
      ...this.stepLosses?.summary?.(),
    };
    this.folder.flush();
    this.folder.writeSummary(summary);
    if (this.profiler) {
      const o = this.optimizer;
      this.profile = this.profiler.result({ optimizer: o.name, provider: this.engine.info.provider, threads: this.engine.info.threads, batchSize: this.config.data.batchSize });
      this.folder.writeProfile(this.profile);
    }
    this.writeStatus(undefined, error);
    return summary;
  }

  /** Release the session, worker threads and the folder lock. */
  async close(): Promise<void> {
    this.folder.close();
    await this.pool.close();
    await this.engine.release();
    // A resident optimizer (engine.resident) owns its z and update sessions.
    await (this.optimizer as Partial<{ release(): Promise<void> }>).release?.();
  }

  /** Read-only view of the trainable layers (tests, export). */
  get trainables(): readonly TrainableLayer[] {
    return this.layers;
  }
}

/** Map every data input of the graph to a JSON key and a typed shape. */
function inputSpecs(engine: TrainingEngine, config: ResolvedConfig, freshRun = true): InputSpec[] {
  // A run started before unmatched keys were refused resumes as it trained (the extra key unread).
  const unmatched = freshRun ? unmatchedFieldsProblem(config.data.fields, engine.dataInputs().map((meta) => meta.name)) : null;
  if (unmatched) throw new DataError(unmatched);
  return engine.dataInputs().map((meta) => {
    const key = config.data.fields[meta.name];
    if (!key) {
      throw new DataError(`the model's input "${meta.name}" has no data field: add data.fields["${meta.name}"] = "<json key>" (fields now: ${JSON.stringify(config.data.fields)})`);
    }
    if (!meta.isTensor || (meta.type !== 'float32' && meta.type !== 'int64')) {
      throw new DataError(`the model's input "${meta.name}" has type ${meta.isTensor ? meta.type : 'non-tensor'}; only float32 and int64 inputs can be fed from JSON lines`);
    }
    const exampleShape = meta.shape.slice(1).map((d) => {
      if (typeof d !== 'number') throw new DataError(`the model's input "${meta.name}" has a symbolic dimension "${d}" beyond the batch dimension; export it with fixed sizes`);
      return d;
    });
    return { name: meta.name, key, type: meta.type, width: exampleShape.reduce((a, b) => a * b, 1), exampleShape };
  });
}

export const defaultKernelThreads = (): number => Math.max(0, Math.min(4, os.cpus().length) - 1);
