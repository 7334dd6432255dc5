/**
 * CSV exports of a comparison: the summary table (one row per run, the numbers the panel shows,
 * unrounded) and the curves in long format (run, series, step, training passes, training examples,
 * wall ms, value), which any plotting tool reads without reshaping.
 */
import type { CompareViewModel } from '../protocol';
import { toCsv, type CsvCell } from './csv';

export const SUMMARY_CSV_HEADER = [
  'run', 'name', 'optimizer', 'baseline', 'passes_per_step', 'steps', 'training_passes', 'wall_seconds',
  'final_train_loss', 'final_eval_loss', 'best_eval_loss', 'best_eval_loss_step', 'final_accuracy', 'best_accuracy', 'best_accuracy_step',
  'target_eval_loss', 'steps_to_target', 'passes_to_target', 'wall_seconds_to_target', 'speedup_steps', 'speedup_passes', 'speedup_wall',
] as const;

export function summaryCsv(model: CompareViewModel): string {
  const rows: CsvCell[][] = [[...SUMMARY_CSV_HEADER]];
  for (const r of model.summary) {
    rows.push([
      r.id, r.name, r.optimizer, r.isBaseline, r.forwardPassesPerStep, r.steps, r.trainingPasses, r.wallSeconds,
      r.finalTrainLoss, r.finalEvalLoss?.value, r.bestEvalLoss?.value, r.bestEvalLoss?.t, r.finalEvalMetric?.value, r.bestEvalMetric?.value, r.bestEvalMetric?.t,
      model.targetLoss, r.hit?.t, r.hit?.trainingPasses, r.hit ? r.hit.wallMs / 1000 : null, r.stepSpeedup, r.passSpeedup, r.wallSpeedup,
    ]);
  }
  return toCsv(rows);
}

export function curvesCsv(model: CompareViewModel): string {
  const rows: CsvCell[][] = [['run', 'series', 'step', 'training_passes', 'examples', 'wall_ms', 'value']];
  for (const run of model.runs) {
    for (const [series, points] of [['train_loss', run.trainLoss], ['eval_loss', run.evalLoss], [model.metricName, run.evalMetric]] as const) {
      for (const p of points) rows.push([run.id, series, p.t, p.passes, p.examples, p.wallMs, p.v]);
    }
  }
  return toCsv(rows);
}
