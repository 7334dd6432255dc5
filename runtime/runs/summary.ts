/**
 * Final and best values of one run, computed from its metric records alone (so a live run, a
 * crashed run without summary.json and a finished one are summarized the same way).
 */
import type { CompareValueAt, MetricRecord } from '../protocol';
import { forEachTrainingPasses } from '../run/compare';

export interface RunMetricsSummary {
  /** Last step recorded. */
  steps: number;
  /** Training forward passes (evaluation excluded) up to the last step. */
  trainingPasses: number;
  /** All forward passes, evaluation included (what the hardware did). */
  totalPasses: number;
  wallSeconds: number;
  finalTrainLoss: number | null;
  finalEvalLoss: CompareValueAt | null;
  bestEvalLoss: CompareValueAt | null;
  finalEvalMetric: CompareValueAt | null;
  bestEvalMetric: CompareValueAt | null;
  evalCount: number;
}

export function summarizeRecords(records: MetricRecord[]): RunMetricsSummary {
  const s: RunMetricsSummary = {
    steps: 0,
    trainingPasses: 0,
    totalPasses: 0,
    wallSeconds: 0,
    finalTrainLoss: null,
    finalEvalLoss: null,
    bestEvalLoss: null,
    finalEvalMetric: null,
    bestEvalMetric: null,
    evalCount: 0,
  };
  forEachTrainingPasses(records, (r, training) => {
    s.totalPasses = Math.max(s.totalPasses, r.kind === 'step' || r.kind === 'eval' ? r.forwardPasses : 0);
    if (r.kind === 'step') {
      s.steps = r.t;
      s.trainingPasses = training;
      s.wallSeconds = r.wallMs / 1000;
      if (Number.isFinite(r.loss)) s.finalTrainLoss = r.loss;
    } else if (r.kind === 'eval') {
      s.evalCount++;
      s.wallSeconds = Math.max(s.wallSeconds, r.wallMs / 1000);
      s.finalEvalLoss = { t: r.t, value: r.loss };
      // Ties keep the earlier eval: "best at step t" is where it was first reached.
      if (!s.bestEvalLoss || r.loss < s.bestEvalLoss.value) s.bestEvalLoss = { t: r.t, value: r.loss };
      if (r.accuracy !== undefined) {
        s.finalEvalMetric = { t: r.t, value: r.accuracy };
        if (!s.bestEvalMetric || r.accuracy > s.bestEvalMetric.value) s.bestEvalMetric = { t: r.t, value: r.accuracy };
      }
    }
  });
  return s;
}
