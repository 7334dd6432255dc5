/**
 * Constructed runs with known answers for the runs-* unit tests: metric records that follow the
 * trainer's accounting (cumulative forwardPasses include evaluation passes; the eval at step t is
 * written after step t), and run folders written file by file so broken variants are easy to make.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MetricRecord, RunManifest, RunStatus, RunSummary } from '../../runtime/protocol';
import { RUN_FORMAT, RUN_FORMAT_VERSION } from '../../runtime/protocol';

export interface CurveSpec {
  steps: number;
  passesPerStep: number;
  evalEvery: number;
  /** Forward passes one evaluation costs (eval set / batch size). */
  evalPasses: number;
  evalLoss: (t: number) => number;
  trainLoss?: (t: number) => number;
  accuracy?: (t: number) => number;
  msPerStep?: number;
}

export function makeRecords(spec: CurveSpec): MetricRecord[] {
  const out: MetricRecord[] = [];
  let passes = 0;
  const ms = spec.msPerStep ?? 1;
  const evaluate = (t: number) => {
    passes += spec.evalPasses;
    out.push({ kind: 'eval', t, forwardPasses: passes, wallMs: t * ms, loss: spec.evalLoss(t), examples: 100, ...(spec.accuracy ? { accuracy: spec.accuracy(t) } : {}) });
  };
  evaluate(0);
  for (let t = 1; t <= spec.steps; t++) {
    passes += spec.passesPerStep;
    out.push({
      kind: 'step', t, loss: (spec.trainLoss ?? spec.evalLoss)(t), lr: 0.001, forwardPasses: passes, examples: 32 * t, wallMs: t * ms,
      timing: { forwardMs: 0, rngMs: 0, optimizerMs: 0, dataMs: 0, totalMs: ms }, examplesPerSec: 1000,
    });
    if (t % spec.evalEvery === 0 || t === spec.steps) evaluate(t);
  }
  return out;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `helene-${prefix}-`));
}

export function manifest(id: string, optimizer: string, passesPerStep: number, extra: Partial<RunManifest> = {}, configExtra: Record<string, unknown> = {}): RunManifest {
  const config = {
    name: id, seed: 1, steps: 1024, evalEvery: 64, statsEvery: 0, onNonFinite: 'stop',
    model: { path: '/ws/model.onnx', trainable: ['^fc'], task: 'classification', logitsOutput: 'logits', lossOutput: 'loss' },
    data: { train: '/ws/train.jsonl', eval: '/ws/eval.jsonl', fields: { x: 'x' }, batchSize: 32, shuffle: true, badLines: 'fail', classes: null },
    optimizer: { name: optimizer, lr: 0.001, eps: 0.001 },
    engine: { provider: 'cpu', threads: 0, kernelThreads: 0 },
    checkpoint: { every: 0, keep: 2 },
    output: { runsDir: '/ws/runs', runId: id },
    ...configExtra,
  };
  return {
    format: RUN_FORMAT, version: RUN_FORMAT_VERSION, id, name: id, createdAt: '2025-01-02T03:04:05.000Z',
    config: config as unknown as RunManifest['config'],
    model: { path: '/ws/model.onnx', trainables: [], trainableElements: 484 },
    engine: { requestedProvider: 'cpu', provider: 'cpu', threads: 1, kernelThreads: 0, onnxruntimeVersion: 'test' },
    optimizer: { name: optimizer, forwardPassesPerStep: passesPerStep },
    ...extra,
  };
}

export interface FolderSpec {
  manifest?: RunManifest | string | null;
  status?: RunStatus | string | null;
  summary?: RunSummary | null;
  records?: MetricRecord[];
  /** Raw text appended to metrics.jsonl after the records (e.g. a torn line). */
  metricsTail?: string;
  lockPid?: number;
}

export function writeRun(runsDir: string, id: string, spec: FolderSpec): string {
  const dir = path.join(runsDir, id);
  fs.mkdirSync(dir, { recursive: true });
  const json = (file: string, v: unknown) => fs.writeFileSync(path.join(dir, file), typeof v === 'string' ? v : JSON.stringify(v));
  if (spec.manifest !== null && spec.manifest !== undefined) json('run.json', spec.manifest);
  if (spec.status) json('status.json', spec.status);
  if (spec.summary) json('summary.json', spec.summary);
  if (spec.records || spec.metricsTail) {
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), (spec.records ?? []).map((r) => JSON.stringify(r) + '\n').join('') + (spec.metricsTail ?? ''));
  }
  if (spec.lockPid !== undefined) fs.writeFileSync(path.join(dir, 'run.lock'), String(spec.lockPid));
  return dir;
}

export function status(state: RunStatus['state'], step: number, totalSteps: number): RunStatus {
  return { state, step, totalSteps, updatedAt: '2025-01-02T03:05:00.000Z' };
}

/** A pid that no process has (above Linux's pid_max). */
export const DEAD_PID = 99_999_999;
