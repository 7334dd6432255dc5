/**
 * The compare view's model, built from run snapshots alone: decimated curves, the summary table
 * (final and best values, steps-to-target, speedups against the baseline in steps, training
 * forward passes and wall time) and the config diff. Browser-safe (no Node imports): the host
 * builds it, and tests recompute it to check what the webview shows.
 */
import { optimizerLabel, type CompareRunView, type CompareSummaryRow, type CompareTarget, type CompareViewModel, type MetricRecord, type RunViewSnapshot } from '../protocol';
import { hitWithTrainingPasses, ratio, targetLoss } from '../run/compare';
import { diffConfigs } from './config-diff';
import { decimate, extractCurves } from './decimate';
import { summarizeRecords } from './summary';

export interface CompareRunInput {
  /** The run folder's name (the run id). */
  id: string;
  snapshot: RunViewSnapshot;
}

export interface CompareOptions {
  baselineId?: string;
  target?: CompareTarget;
  /** Most points per curve sent to the webview. */
  maxPoints?: number;
  unreadable?: { id: string; reason: string }[];
}

export const DEFAULT_MAX_POINTS = 2000;

/** MeZO is the paper's baseline: the first MeZO run, else the first run. */
export function defaultBaseline(runs: readonly CompareRunInput[]): string {
  return (runs.find((r) => r.snapshot.manifest?.optimizer.name === 'mezo') ?? runs[0])?.id ?? '';
}

export function buildSummaryRows(runs: readonly CompareRunInput[], baselineId: string, target: CompareTarget): { rows: CompareSummaryRow[]; targetLoss: number | null } {
  const baseline = runs.find((r) => r.id === baselineId);
  const loss = baseline ? targetLoss(baseline.snapshot.records, target) : null;
  const hitOf = (records: MetricRecord[]) => (loss === null ? null : hitWithTrainingPasses(records, loss));
  const baseHit = baseline ? hitOf(baseline.snapshot.records) : null;
  const rows = runs.map((run): CompareSummaryRow => {
    const m = run.snapshot.manifest;
    const s = summarizeRecords(run.snapshot.records);
    const hit = hitOf(run.snapshot.records);
    return {
      id: run.id,
      name: m?.name ?? run.id,
      optimizer: optimizerLabel(m),
      isBaseline: run.id === baselineId,
      forwardPassesPerStep: m?.optimizer.forwardPassesPerStep ?? 0,
      steps: s.steps,
      trainingPasses: s.trainingPasses,
      wallSeconds: s.wallSeconds,
      finalTrainLoss: s.finalTrainLoss,
      finalEvalLoss: s.finalEvalLoss,
      bestEvalLoss: s.bestEvalLoss,
      finalEvalMetric: s.finalEvalMetric,
      bestEvalMetric: s.bestEvalMetric,
      hit: hit ? { t: hit.t, trainingPasses: hit.trainingPasses, wallMs: hit.wallMs } : null,
      stepSpeedup: baseHit ? ratio(baseHit.t, hit?.t) : null,
      passSpeedup: baseHit ? ratio(baseHit.trainingPasses, hit?.trainingPasses) : null,
      wallSpeedup: baseHit ? ratio(baseHit.wallMs, hit?.wallMs) : null,
    };
  });
  return { rows, targetLoss: loss };
}

export function buildCompareViewModel(runs: readonly CompareRunInput[], options: CompareOptions = {}): CompareViewModel {
  const baselineId = options.baselineId && runs.some((r) => r.id === options.baselineId) ? options.baselineId : defaultBaseline(runs);
  const target = options.target ?? { kind: 'final' };
  const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
  const { rows, targetLoss: loss } = buildSummaryRows(runs, baselineId, target);
  const views = runs.map((run): CompareRunView => {
    const m = run.snapshot.manifest;
    const curves = extractCurves(run.snapshot.records);
    return {
      id: run.id,
      name: m?.name ?? run.id,
      optimizer: optimizerLabel(m),
      forwardPassesPerStep: m?.optimizer.forwardPassesPerStep ?? 0,
      state: run.snapshot.status?.state ?? run.snapshot.summary?.state ?? null,
      trainLoss: decimate(curves.trainLoss, maxPoints),
      evalLoss: decimate(curves.evalLoss, maxPoints),
      evalMetric: decimate(curves.evalMetric, maxPoints),
    };
  });
  return {
    runs: views,
    baselineId,
    target,
    targetLoss: loss,
    metricName: 'accuracy',
    summary: rows,
    diff: diffConfigs(runs.map((r) => r.snapshot.manifest?.config ?? {})),
    unreadable: options.unreadable ?? [],
  };
}
