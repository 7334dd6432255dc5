/** A run whose events crowd the charts: several at one step, more at adjacent steps (issue 14). */
import { DEFAULT_SYNTHETIC, buildSyntheticRun, withEvents, withGuardTrip, type RunFolderData } from './synthetic-run';

export /** Pause, lr change and resume at one step, more events at adjacent steps, a guard among them. */
function crowdedRun(): RunFolderData {
  const lr = { before: { lr: 1e-3 }, after: { lr: 0.0015 } };
  const base = withGuardTrip(buildSyntheticRun({ ...DEFAULT_SYNTHETIC, changeAt: 0 }), {
    t: 98, guard: 'loss-explosion', action: 'skipped', loss: 12.3, median: 1.6, reference: 1.56, factor: 4, message: 'step 98: loss exploded; step skipped',
  });
  return withEvents(base, [
    { t: 150, event: 'paused' },
    { t: 150, event: 'hyperparameters', data: lr },
    { t: 151, event: 'resumed' },
    { t: 99, event: 'paused' },
    { t: 100, event: 'resumed' },
    { t: 101, event: 'hyperparameters', data: { before: { lr: 0.0015 }, after: { lr: 2e-3 } } },
    // A burst every few steps: each too far from the next to merge, too close for labels side by side.
    ...[200, 206, 212, 218, 224, 230].map((t, i) => ({ t, event: 'hyperparameters' as const, data: { before: { lr: 2e-3 }, after: { lr: 1e-3 + i * 1e-4 } } })),
    { t: 299, event: 'warning', message: 'disk almost full' },
  ]);
}

