/**
 * The run panel's x axis: step, training forward passes, training examples seen or wall time, the
 * four accounting axes of runtime/run/accounting.ts, read from the records themselves (step records
 * carry forwardPasses, examples and wallMs; eval records forwardPasses, wallMs and trainExamples;
 * event records wallMs). Pure and DOM-free: the view model stamps every chart point and event marker
 * with its AxisValues as it folds the records, and switching the axis only re-maps x (no host round
 * trip, no re-reading the run).
 *
 * "Forward passes" are training passes, evaluation excluded, by the same rule as the runtime's
 * accountedPoints (the records' cumulative count includes evaluation passes; each eval record's jump
 * in the count is subtracted), so the panel and the compare page agree with the CLI's comparisons.
 */
import type { EvalRecord, EventRecord, StepRecord } from '../../runtime/protocol';
import type { XAxis } from '../../runtime/run/accounting';
import type { AxisValues, Point } from './decimate';

export type { AxisValues, XAxis };

export const PANEL_X_AXES: readonly { value: XAxis; label: string; title: string }[] = [
  { value: 'step', label: 'step', title: 'step' },
  { value: 'forwardPasses', label: 'forward passes', title: 'training forward passes' },
  { value: 'examples', label: 'examples seen', title: 'training examples seen' },
  { value: 'wallSeconds', label: 'wall time', title: 'wall time (s)' },
];

export const DEFAULT_X_AXIS: XAxis = 'step';

export function isXAxis(v: unknown): v is XAxis {
  return PANEL_X_AXES.some((a) => a.value === v);
}

/** The axis title drawn under the charts. */
export function xAxisTitle(axis: XAxis): string {
  return PANEL_X_AXES.find((a) => a.value === axis)?.title ?? axis;
}

export function axisValue(at: AxisValues, axis: XAxis): number {
  switch (axis) {
    case 'step':
      return at.step;
    case 'forwardPasses':
      return at.forwardPasses;
    case 'examples':
      return at.examples;
    case 'wallSeconds':
      return at.wallSeconds;
  }
}

/**
 * Chart points on the chosen axis. A point without accounting (none in practice: the view model
 * stamps every point) keeps its step on the step axis and is left out on the others rather than
 * drawn at an invented position.
 */
export function pointsOnAxis(points: readonly Point[], axis: XAxis): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (const p of points) {
    if (p.at) out.push({ x: axisValue(p.at, axis), y: p.y });
    else if (axis === 'step') out.push({ x: p.x, y: p.y });
  }
  return out;
}

/**
 * Folds a run's records, in file order, into AxisValues: one per step / eval / event record.
 * Counts (training passes, examples) only grow with step and eval records; an event sits at the
 * counts reached so far and at its own recorded wall time.
 */
export class AxisAccountant {
  private evalPasses = 0;
  private lastPasses = 0;
  private examples = 0;
  private trainingPasses = 0;

  step(r: StepRecord): AxisValues {
    this.lastPasses = r.forwardPasses;
    this.examples = r.examples;
    this.trainingPasses = r.forwardPasses - this.evalPasses;
    return { step: r.t, forwardPasses: this.trainingPasses, examples: r.examples, wallSeconds: r.wallMs / 1000 };
  }

  eval(r: EvalRecord): AxisValues {
    this.evalPasses += Math.max(0, r.forwardPasses - this.lastPasses);
    this.lastPasses = r.forwardPasses;
    this.trainingPasses = r.forwardPasses - this.evalPasses;
    if (r.trainExamples !== undefined) this.examples = r.trainExamples;
    return { step: r.t, forwardPasses: this.trainingPasses, examples: this.examples, wallSeconds: r.wallMs / 1000 };
  }

  event(r: EventRecord): AxisValues {
    return { step: r.t, forwardPasses: this.trainingPasses, examples: this.examples, wallSeconds: r.wallMs / 1000 };
  }
}
