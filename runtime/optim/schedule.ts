/**
 * Learning-rate schedule (spec, "Exact conventions"): warm-up w steps (t <= w: lr * t / w); after it,
 * with p = (t - w - 1) / (N - w): constant lr, linear lr * (1 - p), cosine lr * 0.5 * (1 + cos(pi * p)).
 */
import type { LrScheduleKind } from '../protocol';

export function learningRateAt(t: number, lr: number, kind: LrScheduleKind, warmup: number, totalSteps: number): number {
  if (warmup > 0 && t <= warmup) return (lr * t) / warmup;
  const p = totalSteps > warmup ? (t - warmup - 1) / (totalSteps - warmup) : 0;
  switch (kind) {
    case 'constant':
      return lr;
    case 'linear':
      return lr * (1 - p);
    case 'cosine':
      return lr * 0.5 * (1 + Math.cos(Math.PI * p));
  }
}
