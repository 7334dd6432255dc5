/** How a run summary's forward passes are printed: training and evaluation apart, because optimizers are compared on training passes. */
import type { RunSummary } from '../protocol';

export function passesText(summary: RunSummary): string {
  // Runs recorded before the split have only the total.
  if (summary.trainingPasses === undefined || summary.evalPasses === undefined) return `${summary.forwardPasses} forward passes (training and evaluation)`;
  return `${summary.trainingPasses} training forward passes + ${summary.evalPasses} evaluation passes`;
}
