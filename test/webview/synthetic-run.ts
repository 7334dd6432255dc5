/**
 * A realistic, deterministic HELENE run built from the protocol types, for the panel tests until
 * real recorded runs sit in test/fixtures/runs/. It follows docs/run-folder.md: eval at t = 0 and
 * every evalEvery steps, layer statistics at t = 1 and every statsEvery steps, a provider fallback
 * event (requested auto, running cpu), and a hyperparameter change (lr halved) recorded at
 * t = changeAt, applying from the next step.
 */
import {
  RUN_FORMAT,
  RUN_FORMAT_VERSION,
  resolveConfig,
  type LayerStat,
  type MetricRecord,
  type RunManifest,
  type RunStatus,
  type RunSummary,
  type TrainableInfo,
} from '../../runtime/protocol';
import { mulberry32 } from '../../runtime/onnx/seeded-prng';

export interface SyntheticRunOptions {
  steps: number;
  layers: number;
  evalEvery: number;
  statsEvery: number;
  /** Step at which lr changes from lr to lr / 2 (0 = never). */
  changeAt: number;
  lr: number;
  seed: number;
}

export const DEFAULT_SYNTHETIC: SyntheticRunOptions = { steps: 300, layers: 6, evalEvery: 50, statsEvery: 10, changeAt: 150, lr: 1e-3, seed: 7 };

export interface RunFolderData {
  manifest: RunManifest;
  status: RunStatus;
  summary: RunSummary | null;
  records: MetricRecord[];
}

/** mulberry32 (runtime/onnx/seeded-prng.ts): a small seeded generator, reproducible from its seed. */
const prng = mulberry32;

const LAYER_TEMPLATES: { suffix: string; shape: (i: number) => number[] }[] = [
  { suffix: 'attn.qkv.weight', shape: () => [64, 192] },
  { suffix: 'attn.qkv.bias', shape: () => [192] },
  { suffix: 'mlp.fc1.weight', shape: () => [64, 256] },
  { suffix: 'mlp.fc2.weight', shape: () => [256, 64] },
  { suffix: 'norm.weight', shape: () => [64] },
];

export function syntheticTrainables(count: number): TrainableInfo[] {
  const out: TrainableInfo[] = [];
  for (let i = 0; i < count; i++) {
    const tpl = LAYER_TEMPLATES[i % LAYER_TEMPLATES.length];
    const block = Math.floor(i / LAYER_TEMPLATES.length);
    const shape = i === count - 1 ? [64, 4] : tpl.shape(i);
    const name = i === count - 1 ? 'head.weight' : `blocks.${block}.${tpl.suffix}`;
    out.push({ name, shape, size: shape.reduce((a, b) => a * b, 1) });
  }
  return out;
}

export function syntheticManifest(o: SyntheticRunOptions = DEFAULT_SYNTHETIC): RunManifest {
  const { config } = resolveConfig({
    name: 'synthetic-helene',
    seed: o.seed,
    steps: o.steps,
    evalEvery: o.evalEvery,
    statsEvery: o.statsEvery,
    model: { path: 'builtin:synthetic', trainable: ['.*'] },
    data: { train: 'train.jsonl', eval: 'eval.jsonl' },
    optimizer: { name: 'helene', lr: o.lr, eps: 1e-3, k: 10, T: 30, kappa: 1 },
  });
  const trainables = syntheticTrainables(o.layers);
  return {
    format: RUN_FORMAT,
    version: RUN_FORMAT_VERSION,
    id: '20260101-000000-synthetic-helene',
    name: 'synthetic-helene',
    createdAt: '2026-01-01T00:00:00.000Z',
    config,
    model: { path: 'builtin:synthetic', trainables, trainableElements: trainables.reduce((a, t) => a + t.size, 0) },
    engine: {
      requestedProvider: 'auto',
      provider: 'cpu',
      fallbackReason: 'the CUDA execution provider could not be loaded (libcudart.so.12 not found)',
      threads: 2,
      kernelThreads: 2,
      onnxruntimeVersion: '1.30.0',
    },
    optimizer: { name: 'helene', forwardPassesPerStep: 2 },
  };
}

function layerStats(trainables: readonly TrainableInfo[], t: number, lr: number, rand: () => number): LayerStat[] {
  return trainables.map((tr, i) => {
    const hMean = (0.05 + 0.04 * i) * (1 + 2 * Math.exp(-t / 80)) * (0.9 + 0.2 * rand());
    const lambda = hMean; // relative mode, kappa = 1
    const thetaRms = 0.02 + 0.015 * i + 1e-5 * t;
    const updateRms = lr * (0.5 + rand()) * (1 + 0.1 * i);
    return {
      name: tr.name,
      size: tr.size,
      hMean,
      hMin: hMean * 1e-4 * (1 + rand()),
      hMax: hMean * (8 + 4 * rand()),
      hMedian: hMean * (0.35 + 0.1 * rand()),
      lambda,
      floorFraction: Math.min(1, 0.55 + 0.05 * i + 0.1 * rand()),
      effectiveStep: lr / lambda,
      mRms: 0.3 + 0.5 * rand(),
      updateRms,
      thetaRms,
      updateToWeight: updateRms / thetaRms,
    };
  });
}

/** The run's records in file order, lazily (the scale tests stream 100,000 steps through this). */
export function* syntheticRecords(o: SyntheticRunOptions = DEFAULT_SYNTHETIC, trainables = syntheticTrainables(o.layers)): Generator<MetricRecord> {
  const rand = prng(o.seed);
  let wallMs = 0;
  let forwardPasses = 0;
  let examples = 0;
  const batch = 16;
  const T = 30;
  const evalAt = (t: number, loss: number): MetricRecord => {
    forwardPasses += 8;
    return { kind: 'eval', t, forwardPasses, wallMs, loss: loss + 0.03, accuracy: Math.min(0.97, 0.25 + 0.7 * (1 - Math.exp(-t / 120))), examples: 128 };
  };
  yield { kind: 'event', t: 0, wallMs: 0, event: 'provider', message: 'provider "auto": the CUDA execution provider could not be loaded (libcudart.so.12 not found); running on CPU.', data: { provider: 'cpu' } };
  yield { kind: 'event', t: 0, wallMs: 0.5, event: 'started', message: `helene on ${trainables.reduce((a, t) => a + t.size, 0)} trainable elements, provider cpu` };
  yield evalAt(0, 1.39);
  for (let t = 1; t <= o.steps; t++) {
    const lr = o.changeAt > 0 && t > o.changeAt ? o.lr / 2 : o.lr;
    const forwardMs = 8 + 2 * rand();
    const rngMs = 1.5 + 0.5 * rand();
    const optimizerMs = 2 + rand() + (t === 1 || t % o.statsEvery === 0 ? 1.5 : 0);
    const dataMs = 0.2 + 0.1 * rand();
    const totalMs = forwardMs + rngMs + optimizerMs + dataMs;
    wallMs += totalMs;
    forwardPasses += 2;
    examples += batch;
    const loss = 0.35 + 1.0 * Math.exp(-t / 90) + 0.08 * (rand() - 0.5);
    yield {
      kind: 'step',
      t,
      loss,
      c: (rand() - 0.5) * 2,
      alpha: 0.9 + 0.1 * Math.exp(-t / T),
      lr,
      forwardPasses,
      examples,
      wallMs,
      timing: { forwardMs, rngMs, optimizerMs, dataMs, totalMs },
      examplesPerSec: (batch * 1000) / totalMs,
    };
    if (t === 1 || t % o.statsEvery === 0) yield { kind: 'layers', t, layers: layerStats(trainables, t, lr, rand) };
    if (t % o.evalEvery === 0) yield evalAt(t, loss);
    if (t === o.changeAt) {
      yield {
        kind: 'event',
        t,
        wallMs,
        event: 'hyperparameters',
        message: `from step ${t + 1}: lr ${o.lr} → ${o.lr / 2}`,
        data: { before: { lr: o.lr }, after: { lr: o.lr / 2 } },
      };
    }
  }
}

/** A whole run (manifest, records, status after `upTo` steps, summary when finished). */
export function buildSyntheticRun(o: SyntheticRunOptions = DEFAULT_SYNTHETIC): RunFolderData {
  const manifest = syntheticManifest(o);
  const records = [...syntheticRecords(o, manifest.model.trainables)];
  records.push({ kind: 'event', t: o.steps, wallMs: 0, event: 'finished', message: `finished ${o.steps} steps` });
  const steps = records.filter((r) => r.kind === 'step');
  const evals = records.filter((r) => r.kind === 'eval');
  const last = steps[steps.length - 1];
  const lastEval = evals[evals.length - 1];
  return {
    manifest,
    status: { state: 'finished', step: o.steps, totalSteps: o.steps, updatedAt: '2026-01-01T00:01:00.000Z', provider: 'cpu' },
    summary: {
      state: 'finished',
      steps: o.steps,
      forwardPasses: lastEval?.kind === 'eval' ? lastEval.forwardPasses : 0,
      examples: last?.kind === 'step' ? last.examples : 0,
      wallSeconds: last?.kind === 'step' ? last.wallMs / 1000 : 0,
      stepsPerSecond: last?.kind === 'step' ? o.steps / (last.wallMs / 1000) : 0,
      finalLoss: last?.kind === 'step' ? last.loss : null,
      finalEval: lastEval?.kind === 'eval' ? { t: lastEval.t, loss: lastEval.loss, accuracy: lastEval.accuracy } : null,
      bestEval: null,
      skippedSteps: 0,
    },
    records,
  };
}

/** A divergence-guard trip to splice into a run (the data fields the trainer writes; see trainer.ts). */
export interface SyntheticGuardTrip {
  t: number;
  guard: 'non-finite-loss' | 'loss-explosion' | 'loss-collapse' | 'non-finite-state';
  action: 'skipped' | 'stopped';
  loss: number | null;
  median: number | null;
  reference?: number;
  factor?: number;
  tensor?: string;
  message: string;
}

/**
 * The run as the trainer writes it when a guard trips at step `trip.t` with policy skip: no step
 * record (and no layer statistics or eval) for that step, a 'guard' event at t instead, written at
 * the previous step's counts and a few ms after it; the run goes on from t + 1.
 */
export function withGuardTrip(run: RunFolderData, trip: SyntheticGuardTrip): RunFolderData {
  const records: MetricRecord[] = [];
  let lastWallMs = 0;
  for (const r of run.records) {
    if (r.t === trip.t && (r.kind === 'step' || r.kind === 'layers' || r.kind === 'eval')) {
      if (r.kind === 'step') {
        records.push({
          kind: 'event',
          t: trip.t,
          wallMs: lastWallMs + 3,
          event: 'guard',
          message: trip.message,
          data: {
            guard: trip.guard, policy: 'skip', loss: trip.loss, median: trip.median, lr: 1e-3, suggestedLr: 1e-4,
            ...(trip.tensor ? { tensor: trip.tensor } : {}),
            ...(trip.reference !== undefined ? { reference: trip.reference, factor: trip.factor } : {}),
            action: trip.action,
          },
        });
      }
      continue;
    }
    if (r.kind === 'step') lastWallMs = r.wallMs;
    records.push(r);
  }
  return { ...run, records, summary: run.summary ? { ...run.summary, skippedSteps: run.summary.skippedSteps + 1 } : null };
}

export interface SyntheticEvent {
  t: number;
  event: 'paused' | 'resumed' | 'stop-requested' | 'hyperparameters' | 'warning' | 'provider';
  message?: string;
  data?: Record<string, unknown>;
}

/**
 * The run with extra event records, each right after the step record of its t (at that step's
 * wall time), in the order given: what a run writes when the user pauses, changes lr, resumes.
 */
export function withEvents(run: RunFolderData, events: readonly SyntheticEvent[]): RunFolderData {
  const records: MetricRecord[] = [];
  for (const r of run.records) {
    records.push(r);
    if (r.kind !== 'step') continue;
    for (const e of events.filter((x) => x.t === r.t)) {
      records.push({ kind: 'event', t: e.t, wallMs: r.wallMs, event: e.event, message: e.message ?? `${e.event} at step ${e.t}`, ...(e.data ? { data: e.data } : {}) });
    }
  }
  return { ...run, records };
}
